// `npm run bench:peak`: what 128-bit WebAssembly SIMD mul+add reaches on this machine with no memory traffic
// at all (eight independent accumulators in registers), on one thread and on two threads at once. It is the
// ceiling for any WASM matmul here; B1's targets are read against it. Compiles peak.as.ts with the
// assemblyscript devDependency into a temporary directory.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const here = dirname(fileURLToPath(import.meta.url));
const asc = join(dirname(createRequire(import.meta.url).resolve('assemblyscript/package.json')), 'bin', 'asc.js');
const dir = mkdtempSync(join(tmpdir(), 'adjoint-peak-'));
let bytes;
try {
  execFileSync(process.execPath, [asc, join(here, 'peak.as.ts'), '-o', join(dir, 'peak.wasm'), '--enable', 'simd', '-O3', '--noAssert', '--runtime', 'stub']);
  bytes = readFileSync(join(dir, 'peak.wasm'));
} finally {
  rmSync(dir, { recursive: true, force: true });
}

const N = 3e7; // iterations of 8 vector mul+add pairs: 32 multiply-adds (64 flops) each
const flop = N * 8 * 4 * 2;
const code = `const { parentPort, workerData } = require('node:worker_threads');
WebAssembly.instantiate(workerData).then(({ instance }) => {
  const f = instance.exports.peak2; f(1e6, 1e-3);
  parentPort.on('message', (n) => { const t = performance.now(); f(n, 1e-3); parentPort.postMessage(performance.now() - t); });
  parentPort.postMessage('ready');
});`;
const start = () => new Promise((resolve) => { const w = new Worker(code, { eval: true, workerData: bytes }); w.once('message', () => resolve(w)); });
const run = (w, n) => new Promise((resolve) => { w.once('message', resolve); w.postMessage(n); });
const workers = [await start(), await start()];
const gf = (ms) => (flop / ms / 1e6).toFixed(1);
for (let r = 0; r < 3; r++) {
  const one = await run(workers[0], N);
  const t0 = performance.now();
  const [a, b] = await Promise.all([run(workers[0], N), run(workers[1], N)]);
  const wall = performance.now() - t0;
  console.log(`register-only SIMD mul+add: 1 thread ${gf(one)} GFLOPS; 2 threads at once ${gf(a)} + ${gf(b)} (${(2 * flop / wall / 1e6).toFixed(1)} together)`);
}
for (const w of workers) await w.terminate();
