// How many threads large wasm-backend operations use, and whether threads can run here. Apart from the pool
// (threads.ts), so that the public declarations of setNumThreads and getNumThreads name no WebAssembly type.

/** More threads than this is a mistake (a typo or a cores-times-something formula gone wrong), not a request. */
const MAX_THREADS = 256;

interface NodeProcess {
  versions?: { node?: string };
  getBuiltinModule?: (id: string) => unknown;
}

/** `process` in Node, else undefined. */
export const nodeProcess = (globalThis as { process?: NodeProcess }).process;
/** Whether this is Node (or a runtime that says it is). */
export const isNode = typeof nodeProcess?.versions?.node === 'string';

let cores: number | undefined;

/**
 * Logical cores: os.availableParallelism() in Node, navigator.hardwareConcurrency elsewhere, else 1 (read once).
 *
 * @example
 * ```ts
 * const spin = getNumThreads() <= coreCount(); // idle threads may spin without taking a busy thread's core
 * ```
 */
export function coreCount(): number {
  if (cores === undefined) {
    const os = isNode ? (nodeProcess?.getBuiltinModule?.('node:os') as { availableParallelism?: () => number } | undefined) : undefined;
    const n = os?.availableParallelism?.() ?? (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
    cores = typeof n === 'number' && n >= 1 ? Math.floor(n) : 1;
  }
  return cores;
}

/** Why threads cannot run in this environment, or null if they can. */
export function threadsUnavailable(): string | null {
  if (!isNode && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== true) {
    return 'threads need SharedArrayBuffer, which browsers provide only to cross-origin isolated pages ' +
      '(`crossOriginIsolated` is false here): serve the page with the headers ' +
      '"Cross-Origin-Opener-Policy: same-origin" and "Cross-Origin-Embedder-Policy: require-corp"';
  }
  if (typeof SharedArrayBuffer !== 'function' || typeof Atomics !== 'object') {
    return 'this JavaScript engine has no SharedArrayBuffer/Atomics';
  }
  if (typeof WebAssembly !== 'object') return 'this JavaScript engine has no WebAssembly';
  if (!isNode && typeof Worker !== 'function') return 'this environment has no Web Workers';
  return null;
}

let requested: number | undefined;

/**
 * Use `n` threads (the calling thread plus `n − 1` workers) for large operations of the wasm backend:
 * matmuls (and so conv2d) from about a million multiply-adds, exp/log/sin/cos/tanh/sigmoid/pow from 64K
 * elements, and cheap elementwise ops from 4M (thresholds in `wasmTuning`). `n = 1` runs everything on the
 * calling thread. Results are bit-identical for every `n`: the work is split by rows and column panels of
 * the output and by element ranges, never along a sum.
 *
 * The default is `min(2, cores)` in Node and 1 in browsers, where threads need a cross-origin isolated page
 * (SharedArrayBuffer); asking for more there throws an error that says which headers to set. Workers start
 * on the first operation that needs them, join in as soon as they are running, and never keep a Node
 * process alive. A pool keeps the workers it started; lowering `n` only leaves the extra ones asleep.
 *
 * @example
 * ```ts
 * import { setNumThreads, getNumThreads } from 'adjoint';
 * setNumThreads(1); // e.g. when the program runs its own workers
 * getNumThreads(); // 1
 * ```
 */
export function setNumThreads(n: number): void {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new RangeError(`setNumThreads: expected an integer from 1 to ${MAX_THREADS}, got ${String(n)}.`);
  }
  if (n > 1) {
    const why = threadsUnavailable();
    if (why) throw new Error(`setNumThreads(${n}): ${why}.`);
  }
  requested = n;
}

/**
 * The number of threads that large wasm-backend operations use (see {@link setNumThreads}).
 *
 * @example
 * ```ts
 * getNumThreads(); // 2 in Node on a machine with 2 or more cores, 1 in a browser
 * ```
 */
export function getNumThreads(): number {
  if (requested === undefined) requested = isNode && !threadsUnavailable() ? Math.min(2, coreCount()) : 1;
  return requested;
}
