/**
 * The pooling and recurrent-cell kernels, TS against WASM (issue 19), one backend call at a time on float32 data:
 * average pooling and its transpose, max pooling, adaptive average and max pooling at LeNet and small-ResNet shapes,
 * and the LSTM and GRU cells (forward and backward) at B7's batch 4 × hidden 128 and at 64 × 256. The two backends
 * alternate rep by rep, so that load from other processes falls on both alike; each figure is the best of the reps'
 * medians. `--clock=cpu` times in process CPU time (steadier on a shared machine) instead of wall time.
 *
 *   node --import tsx bench/wasm-kernels.ts [--clock=wall|cpu] [--reps=N]
 */
import type { Backend, ConvGeometry } from '../src/kernels/backend.js';
import { handleOf as h } from '../src/kernels/cpu/memory.js';
import { tsBackend } from '../src/kernels/ts/index.js';
import { wasmBackend } from '../src/kernels/wasm/index.js';

const arg = (name: string, fallback: string): string => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback;
const reps = Number(arg('reps', '3'));
const cpuClock = arg('clock', 'wall') === 'cpu';
const now = cpuClock ? (): number => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; } : (): number => performance.now();

/** Median ms of `inner` calls per sample over 7 samples, after a warm-up. */
function median(f: () => void, inner: number): number {
  for (let i = 0; i < inner; i++) f();
  const t: number[] = [];
  for (let r = 0; r < 7; r++) {
    const t0 = now();
    for (let i = 0; i < inner; i++) f();
    t.push((now() - t0) / inner);
  }
  return t.sort((a, b) => a - b)[3]!;
}

/** Best-of-reps medians (µs) of `run` on the TS and the WASM backend, alternating. */
function compare(run: (b: Backend) => void, inner: number): [number, number] {
  let ts = Infinity, wasm = Infinity;
  for (let r = 0; r < reps; r++) {
    ts = Math.min(ts, median(() => run(tsBackend), inner));
    wasm = Math.min(wasm, median(() => run(wasmBackend), inner));
  }
  return [ts * 1000, wasm * 1000];
}

const random = (n: number, s = 1): Float32Array => Float32Array.from({ length: n }, () => (Math.random() * 2 - 1) * s);
const row = (label: string, [ts, wasm]: [number, number]): void =>
  console.log(`  ${label.padEnd(38)} TS ${ts.toFixed(0).padStart(6)} µs   WASM ${wasm.toFixed(0).padStart(6)} µs   ${(ts / wasm).toFixed(2)}×`);

function geometry(hh: number, w: number, k: number, s: number, p = 0): ConvGeometry {
  return { h: hh, w, kh: k, kw: k, sh: s, sw: s, ph: p, pw: p, dh: 1, dw: 1, oh: Math.floor((hh + 2 * p - k) / s) + 1, ow: Math.floor((w + 2 * p - k) / s) + 1 };
}

console.log(`float32 kernels, ${cpuClock ? 'CPU' : 'wall'} time, best of ${reps} alternating reps`);
const POOLS: [string, number, ConvGeometry][] = [
  ['LeNet 64×6×28×28, kernel 2', 64 * 6, geometry(28, 28, 2, 2)],
  ['LeNet 64×16×10×10, kernel 2', 64 * 16, geometry(10, 10, 2, 2)],
  ['ResNet 32×64×16×16, kernel 3 stride 2 pad 1', 32 * 64, geometry(16, 16, 3, 2, 1)],
  ['ResNet 32×512×7×7, global', 32 * 512, geometry(7, 7, 7, 7)],
];
for (const [label, planes, g] of POOLS) {
  console.log(`${label} (to ${g.oh}×${g.ow})`);
  const x = random(planes * g.h * g.w), grad = random(planes * g.oh * g.ow);
  const out = new Float32Array(planes * g.oh * g.ow), dx = new Float32Array(x.length), at = new Int32Array(out.length);
  const inner = Math.max(2, Math.round(2e6 / x.length));
  row('avgPool2d', compare((b) => b.avgPool2d('float32', h(x), h(out), planes, g, true, 0), inner));
  row('avgPool2dBackward', compare((b) => b.avgPool2dBackward('float32', h(grad), h(dx), planes, g, true, 0), inner));
  row('maxPool2d', compare((b) => b.maxPool2d('float32', h(x), h(out), h(at), planes, g), inner));
  row('adaptiveAvgPool2d (same output size)', compare((b) => b.adaptiveAvgPool2d('float32', h(x), h(out), planes, g.h, g.w, g.oh, g.ow), inner));
  row('adaptiveAvgPool2dBackward', compare((b) => b.adaptiveAvgPool2dBackward('float32', h(grad), h(dx), planes, g.h, g.w, g.oh, g.ow), inner));
  row('adaptiveMaxPool2d (indices)', compare((b) => b.adaptiveMaxPool2d('float32', h(x), h(at), planes, g.h, g.w, g.oh, g.ow), inner));
}
{
  const planes = 32 * 64, hh = 10, oh = 3;
  console.log(`ResNet 32×64×10×10 to 3×3 (adaptive, overlapping windows)`);
  const x = random(planes * hh * hh), grad = random(planes * oh * oh), out = new Float32Array(grad.length), dx = new Float32Array(x.length);
  const at = new Int32Array(grad.length);
  row('adaptiveAvgPool2d', compare((b) => b.adaptiveAvgPool2d('float32', h(x), h(out), planes, hh, hh, oh, oh), 10));
  row('adaptiveAvgPool2dBackward', compare((b) => b.adaptiveAvgPool2dBackward('float32', h(grad), h(dx), planes, hh, hh, oh, oh), 10));
  row('adaptiveMaxPool2d (indices)', compare((b) => b.adaptiveMaxPool2d('float32', h(x), h(at), planes, hh, hh, oh, oh), 10));
}
for (const [rows, hid] of [[4, 128], [64, 256]] as const) {
  console.log(`recurrent cells, ${rows} rows × hidden ${hid}`);
  const n = rows * hid, inner = Math.max(5, Math.round(4e5 / n));
  const gates = random(4 * n, 3), c = random(n), g2 = random(2 * n), gi = random(3 * n, 3), gh = random(3 * n, 3), hp = random(n), g1 = random(n);
  const o2 = new Float32Array(2 * n), o5 = new Float32Array(5 * n), o1 = new Float32Array(n), o7 = new Float32Array(7 * n);
  row('lstmCell', compare((b) => b.lstmCell('float32', h(gates), h(c), h(o2), rows, hid), inner));
  row('lstmCellBackward', compare((b) => b.lstmCellBackward('float32', h(g2), h(gates), h(c), h(o5), rows, hid), inner));
  row('gruCell', compare((b) => b.gruCell('float32', h(gi), h(gh), h(hp), h(o1), rows, hid), inner));
  row('gruCellBackward', compare((b) => b.gruCellBackward('float32', h(g1), h(gi), h(gh), h(hp), h(o7), rows, hid), inner));
}
