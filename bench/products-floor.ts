/**
 * The matmul floor of B8: the matrix products of one minGPT step (B8's 39 products, with the shapes and counts the
 * profile of `npm run bench:profile` lists), timed alone on adjoint (wasm) and on PyTorch 1.13 (torch.matmul, via
 * /usr/bin/python3), alternating, on one thread. It shows how much of PyTorch's whole step adjoint's products alone
 * take, whatever the rest costs.
 *
 *   npm run bench:floor                # 3 rounds
 *   npm run bench:floor -- --rounds=5
 *
 * Dev-only (PyTorch is not a dependency); prints markdown.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { matmul, randn, setBackend, setNumThreads, type Tensor } from '../src/index.js';
import { fmt, markdownTable } from './harness.js';

/** [batch, m, k, n, calls per step] of B8's products (forward and backward, both blocks, the head). */
export const B8_PRODUCTS: readonly (readonly [number, number, number, number, number])[] = [
  [1, 256, 256, 64, 4], [1, 256, 64, 256, 2], [1, 64, 256, 256, 2], [1, 256, 256, 64, 2], [1, 256, 64, 256, 2],
  [1, 256, 64, 192, 2], [1, 192, 256, 64, 2], [1, 256, 192, 64, 2], [32, 32, 32, 16, 4], [32, 32, 16, 32, 2],
  [1, 64, 256, 64, 2], [32, 32, 16, 32, 2], [1, 256, 64, 64, 2], [1, 256, 64, 64, 2], [32, 32, 32, 16, 2],
  [32, 16, 32, 32, 2], [1, 256, 64, 65, 1], [1, 256, 65, 64, 1], [1, 65, 256, 64, 1],
];

const TORCH = `
import json, sys, time, torch
torch.set_num_threads(1)
ops = []
for b, m, k, n, c in json.loads(sys.argv[1]):
    for _ in range(c):
        ops.append((torch.randn(b, m, k) if b > 1 else torch.randn(m, k), torch.randn(b, k, n) if b > 1 else torch.randn(k, n)))
def step():
    for a, b in ops: torch.matmul(a, b)
for _ in range(50): step()
reps = []
for _ in range(7):
    t = time.perf_counter()
    for _ in range(50): step()
    reps.append((time.perf_counter() - t) / 50 * 1000)
reps.sort()
print(reps[3])
`;

function adjointMs(): number {
  const ops: [Tensor, Tensor][] = [];
  for (const [b, m, k, n, c] of B8_PRODUCTS) {
    for (let i = 0; i < c; i++) ops.push([randn(b > 1 ? [b, m, k] : [m, k]), randn(b > 1 ? [b, k, n] : [k, n])]);
  }
  const step = (): void => {
    for (const [a, b] of ops) matmul(a, b);
  };
  // Past V8's baseline tier for the wasm kernels (a fresh process needs seconds of work on two cores).
  for (const t0 = performance.now(); performance.now() - t0 < 3000;) step();
  const reps: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t = performance.now();
    for (let i = 0; i < 30; i++) step();
    reps.push((performance.now() - t) / 30);
  }
  return reps.sort((x, y) => x - y)[3]!;
}

const rounds = Number(process.argv.find((a) => a.startsWith('--rounds='))?.slice(9) ?? 3);
setBackend('wasm');
setNumThreads(1);
const rows: string[][] = [];
for (let r = 0; r < rounds; r++) {
  const torch = Number(execFileSync('/usr/bin/python3', ['-c', TORCH, JSON.stringify(B8_PRODUCTS)], { encoding: 'utf8' }).trim());
  const ours = adjointMs();
  rows.push([String(r + 1), fmt(ours), fmt(torch), `${(ours / torch).toFixed(2)}×`]);
}
console.log(`B8's ${B8_PRODUCTS.reduce((s, p) => s + p[4], 0)} matrix products per step, one thread, median of 7 reps each, ` +
  `${new Date().toISOString()} (${fileURLToPath(import.meta.url).split('/').slice(-2).join('/')}):\n`);
console.log(markdownTable(['round', 'adjoint (wasm) ms', 'PyTorch 1.13 ms', 'adjoint ÷ PyTorch'], rows));
process.exit(0);
