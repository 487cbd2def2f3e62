/**
 * The slice-gradient measurement of issue 14: a 20-step LSTM-like loop whose gates are cut with `chunk` (four
 * slices per step), forward and backward timed, and the bytes of the storages its backward makes counted.
 *
 *   node --expose-gc --import tsx bench/slice-grads.ts [--root=/path/to/another/checkout] [--reps=30]
 *
 * `--root` runs another checkout's adjoint (its src/) instead of this one's, for a before/after on one machine: run
 * it once per checkout, one after the other. A checkout without `chunk` gets the same four `narrow`s it is made of.
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

type T = {
  shape: readonly number[];
  matmul(o: T): T; add(o: T | number): T; mul(o: T | number): T; sigmoid(): T; tanh(): T; sum(): T; backward(): void;
  narrow(d: number, s: number, l: number): T; chunk?(n: number, d: number): T[]; item(): number; grad: T | null;
};

const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(arg('root') ?? path.join(here, '..'));
const reps = Number(arg('reps') ?? 30);

const lib = (await import(pathToFileURL(path.join(root, 'src', 'index.ts')).href)) as {
  randn(shape: number[], o?: object): T; zeros(shape: number[], o?: object): T; manualSeed(s: number): void; getBackend(): { name: string };
};
const storage = (await import(pathToFileURL(path.join(root, 'src', 'storage.ts')).href)) as {
  onStorageCreated(f: ((s: { nbytes: number; length: number }) => void) | null): void;
};

const B = 32, I = 64, H = 128, STEPS = 20;
lib.manualSeed(0);
const W = lib.randn([I, 4 * H], { requiresGrad: true }), U = lib.randn([H, 4 * H], { requiresGrad: true });
const bias = lib.zeros([4 * H], { requiresGrad: true });
const xs = Array.from({ length: STEPS }, () => lib.randn([B, I]));
const chunk4 = (g: T): T[] => (g.chunk ? g.chunk(4, 1) : [0, 1, 2, 3].map((k) => g.narrow(1, k * H, H)));

function forward(): T {
  let h = lib.zeros([B, H]), c = lib.zeros([B, H]);
  for (const x of xs) {
    const [i, f, g, o] = chunk4(x.matmul(W).add(h.matmul(U)).add(bias));
    c = f!.sigmoid().mul(c).add(i!.sigmoid().mul(g!.tanh()));
    h = o!.sigmoid().mul(c.tanh());
  }
  return h.sum();
}

const now = (): number => performance.now();
const gc = (globalThis as { gc?: () => void }).gc;
for (let k = 0; k < 5; k++) forward().backward();
const fwd: number[] = [], bwd: number[] = [];
let bytes = 0, gateBuffers = 0;
for (let k = 0; k < reps; k++) {
  gc?.();
  const t0 = now();
  const loss = forward();
  const t1 = now();
  if (k === 0) {
    storage.onStorageCreated((s) => {
      bytes += s.nbytes;
      if (s.length === B * 4 * H) gateBuffers++;
    });
  }
  loss.backward();
  if (k === 0) storage.onStorageCreated(null);
  fwd.push(t1 - t0);
  bwd.push(now() - t1);
}
const median = (a: number[]): number => [...a].sort((p, q) => p - q)[Math.floor(a.length / 2)]!;
console.log(JSON.stringify({
  root, backend: lib.getBackend().name, shape: { B, I, H, steps: STEPS }, reps,
  forwardMs: +median(fwd).toFixed(2), backwardMs: +median(bwd).toFixed(2),
  backwardMiB: +(bytes / 2 ** 20).toFixed(2), fullSizeGateGradients: gateBuffers,
}));
