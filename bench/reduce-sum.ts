/**
 * Speed of the sum-like reductions (sum, logsumexp, softmax) of both backends on [1024, 1024], over rows
 * (dim 1: inner = 1) and columns (dim 0: inner = 1024), float32, plus the TS backend on float64. Written to
 * price pairwise summation: pass `--base DIR` to time a second copy of src/ (e.g. `git archive <commit> src`
 * unpacked in DIR) in the same process, alternating rep by rep so that both see the same machine load.
 *
 * The "kernel" rows call the wasm exports directly on operands already in the module's memory, so that the
 * copies in and out, which dominate the backend calls of sum, do not hide the kernel's own cost.
 *
 * Usage: node --import tsx bench/reduce-sum.ts [--base DIR] [--reps N] [--only SUBSTRING]
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Backend } from '../src/kernels/backend.js';

const args = process.argv.slice(2);
const baseArg = args.indexOf('--base');
const repsArg = args.indexOf('--reps');
const REPS = repsArg >= 0 ? Number(args[repsArg + 1]) : 15;
const onlyArg = args.indexOf('--only');
const ONLY = onlyArg >= 0 ? args[onlyArg + 1]! : '';
const N = 1024;

/** The raw exports of the wasm module, called on operands already in its memory (no copies). */
interface RawKernels {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  reduce(op: number, x: number, out: number, outer: number, r: number, inner: number, scratch: number): void;
  softmax(x: number, out: number, outer: number, r: number, inner: number, log: number, scratch: number): void;
}
interface Kernels { ts: Backend; wasm: Backend; raw: RawKernels; px: number; po: number; ps: number }

async function load(srcDir: string): Promise<Kernels> {
  const url = (f: string): string => pathToFileURL(path.resolve(srcDir, f)).href;
  const ts = (await import(url('kernels/ts/index.js'))) as { tsBackend: Backend };
  const wasm = (await import(url('kernels/wasm/index.js'))) as { wasmBackend: Backend };
  const { WASM_BASE64 } = (await import(url('kernels/wasm/binary.js'))) as { WASM_BASE64: string };
  const raw = new WebAssembly.Instance(new WebAssembly.Module(Buffer.from(WASM_BASE64, 'base64')), {}).exports as unknown as RawKernels;
  // x and out of N² floats each, then scratch: generous for both the old (3 running rows) and new layouts.
  const px = (raw.heapBase() + 63) & ~63, po = px + 4 * N * N + 64, ps = po + 4 * N * N + 64;
  const end = ps + 8 * (N + 16) * 32;
  raw.memory.grow(Math.ceil((end - raw.memory.buffer.byteLength) / 65536) + 1);
  new Float32Array(raw.memory.buffer, px, N * N).set(x32);
  return { ts: ts.tsBackend, wasm: wasm.wasmBackend, raw, px, po, ps };
}

const now = (): number => Number(process.hrtime.bigint()) / 1e6;
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

const x32 = new Float32Array(N * N), x64 = new Float64Array(N * N);
let s = 12345;
for (let i = 0; i < x32.length; i++) {
  s = (Math.imul(s, 1103515245) + 12345) >>> 0;
  x32[i] = x64[i] = (s >>> 8) / 16777216 - 0.5;
}
const outSmall32 = new Float32Array(N), outSmall64 = new Float64Array(N), outBig = new Float32Array(N * N);

type Case = [label: string, run: (k: Kernels) => void];
const CASES: Case[] = [];
for (const [axis, outer, inner] of [['rows', N, 1], ['cols', 1, N]] as const) {
  // The wasm kernels alone (the backend calls below also copies 4 MB in and 4 KB or 4 MB out).
  CASES.push([`wasm f32 sum ${axis}, kernel`, (k) => k.raw.reduce(0, k.px, k.po, outer, N, inner, k.ps)]);
  CASES.push([`wasm f32 lse ${axis}, kernel`, (k) => k.raw.reduce(3, k.px, k.po, outer, N, inner, k.ps)]);
  CASES.push([`wasm f32 softmax ${axis}, kernel`, (k) => k.raw.softmax(k.px, k.po, outer, N, inner, 0, k.ps)]);
  CASES.push([`ts   f32 sum ${axis}`, (k) => k.ts.reduce('sum', x32, outSmall32, outer, N, inner)]);
  CASES.push([`wasm f32 sum ${axis}`, (k) => k.wasm.reduce('sum', x32, outSmall32, outer, N, inner)]);
  CASES.push([`ts   f64 sum ${axis}`, (k) => k.ts.reduce('sum', x64, outSmall64, outer, N, inner)]);
  CASES.push([`ts   f32 logsumexp ${axis}`, (k) => k.ts.reduce('logsumexp', x32, outSmall32, outer, N, inner)]);
  CASES.push([`wasm f32 logsumexp ${axis}`, (k) => k.wasm.reduce('logsumexp', x32, outSmall32, outer, N, inner)]);
  CASES.push([`wasm f32 softmax ${axis}`, (k) => k.wasm.softmax(x32, outBig, outer, N, inner, false)]);
  CASES.push([`wasm f32 logsoftmax ${axis}`, (k) => k.wasm.softmax(x32, outBig, outer, N, inner, true)]);
}

/** Median ms per call; each rep runs the call for at least 60 ms. */
function timeRep(fn: () => void, batch: number): number {
  const t0 = now();
  for (let i = 0; i < batch; i++) fn();
  return (now() - t0) / batch;
}

const variants: [string, Kernels][] = [['new', await load(fileURLToPath(new URL('../src', import.meta.url)))]];
if (baseArg >= 0) variants.unshift(['base', await load(path.resolve(args[baseArg + 1]!))]);

console.log(`[${N}, ${N}], median of ${REPS} reps, ms per call` + (variants.length > 1 ? ' (base | new | new/base)' : ''));
for (const [label, run] of CASES.filter(([l]) => l.includes(ONLY))) {
  const fns = variants.map(([, k]) => () => run(k));
  const batches = fns.map((fn) => {
    let t = 0, calls = 0;
    while (t < 100) { t += timeRep(fn, 1); calls++; }
    return Math.max(1, Math.ceil(60 / (t / calls)));
  });
  const times: number[][] = fns.map(() => []);
  for (let r = 0; r < REPS; r++) fns.forEach((fn, i) => times[i]!.push(timeRep(fn, batches[i]!)));
  const med = times.map(median);
  const cells = med.map((m) => m.toFixed(3).padStart(8));
  if (med.length > 1) cells.push(`${(med[1]! / med[0]!).toFixed(2)}×`.padStart(7));
  console.log(label.padEnd(30) + cells.join(' |'));
}
