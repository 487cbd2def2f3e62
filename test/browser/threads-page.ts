// The page side of test/browser/threads.test.ts, served as a module by vite's dev server.
import { getNumThreads, matmul, setNumThreads, tanh, tensor } from '../../src/index.js';
import { threadPool } from '../../src/kernels/wasm/threads.js';

/** What the page saw; the test compares it with what it expects. */
export interface PageResult {
  isolated: boolean;
  defaultThreads: number;
  error: string;
  threads: number;
  ready: number;
  workerJobs: number;
  matmulDiff: number;
  tanhDiff: number;
}

const diff = (p: Float32Array, q: Float32Array): number => p.findIndex((v, i) => !Object.is(v, q[i]));

/**
 * Ask for `want` threads, then compare a 256×256 matmul and a 300k-element tanh with one thread's.
 *
 * @example
 * ```ts
 * const r = await run(2);
 * ```
 */
export async function run(want: number): Promise<PageResult> {
  const defaultThreads = getNumThreads();
  let error = '';
  try {
    setNumThreads(want);
  } catch (e) {
    error = (e as Error).message;
  }
  const threads = error ? 1 : want;
  const n = 256;
  const a = tensor(Float32Array.from({ length: n * n }, (_, i) => Math.sin(i)), { shape: [n, n] });
  const x = tensor(Float32Array.from({ length: 300_000 }, (_, i) => Math.cos(i) * 3), { shape: [300_000] });
  const both = (t: number): [Float32Array, Float32Array] => {
    setNumThreads(t);
    return [matmul(a, a).data() as Float32Array, tanh(x).data() as Float32Array];
  };
  const [mm1, th1] = both(1);
  setNumThreads(threads);
  const pool = threadPool();
  // Web Workers start asynchronously; until they are up the main thread runs every job itself.
  for (let i = 0; i < 500 && pool && pool.ready < threads - 1; i++) await new Promise((r) => setTimeout(r, 10));
  let [mm2, th2] = both(threads);
  for (let i = 0; i < 20 && pool && pool.workerJobs === 0; i++) [mm2, th2] = both(threads);
  return {
    isolated: globalThis.crossOriginIsolated === true,
    defaultThreads,
    error,
    threads: getNumThreads(),
    ready: pool?.ready ?? 0,
    workerJobs: pool?.workerJobs ?? 0,
    matmulDiff: diff(mm2, mm1),
    tanhDiff: diff(th2, th1),
  };
}
