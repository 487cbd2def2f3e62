import type { TypedArray } from '../../dtype.js';
import { sizeOf, type Shape } from '../../shape.js';
import type {
  AdamStep, Backend, BinaryKernel, ConvGeometry, Floats, MatrixOperand, ReduceKernel, SgdStep, UnaryKernel, View,
} from '../backend.js';
import { tsBackend } from '../ts/index.js';
import { Arena, padded, PAGE, type KernelExports } from './arena.js';
import { WASM_BASE64 } from './binary.js';
import { f32Bits, K_BINARY, K_CLAMP, K_MATMUL, K_UNARY, MAX_JOBS, threadPool, type Pool } from './threads.js';

// Operation codes of assembly/elementwise.ts and assembly/reduce.ts; the order there must match.
const UNARY_CODES: Record<UnaryKernel, number> = {
  neg: 0, exp: 1, log: 2, sqrt: 3, abs: 4, sin: 5, cos: 6, tanh: 7, sigmoid: 8, relu: 9, sign: 10,
};
const BINARY_CODES: Record<BinaryKernel, number> = {
  add: 0, sub: 1, mul: 2, div: 3, pow: 4, maximum: 5, minimum: 6, tanhBackward: 7, sigmoidBackward: 8, reluBackward: 9,
  eq: 10, ne: 11, lt: 12, le: 13, gt: 14, ge: 15,
};
const REDUCE_CODES: Record<ReduceKernel, number> = { sum: 0, max: 1, min: 2, logsumexp: 3, argmax: 4, argmin: 5 };

/**
 * Size thresholds below which the wasm backend hands a call to the TS backend, because the fixed cost of a
 * wasm call (subarray views, the copies in and out, the export call) is more than the SIMD kernel saves over
 * the TS loop. Each is where the two backends broke even on Node 20 (Zen 5); benchmarks and tests may change
 * them, e.g. set all to 0 to force every call through the wasm kernels.
 *
 * @example
 * ```ts
 * wasmTuning.minMatmul = 0; // run even 1×1 products in wasm
 * ```
 */
export const wasmTuning = {
  /** Elements, for add/sub/mul/div and the comparisons, which TS runs as tight specialised loops. */
  minArith: 256,
  /** Elements, for neg/abs/sqrt/relu/sign, clamp, maximum/minimum and pow. */
  minSimple: 96,
  /** Elements, for exp/log/sin/cos/tanh/sigmoid, logsumexp and softmax, whose libm calls cost TS 10–20 ns each. */
  minCostly: 16,
  /** Input elements, for sum/max/min/argmax/argmin. */
  minReduce: 256,
  /** Elements of a parameter, for the Adam and SGD updates. */
  minOptim: 1024,
  /** Multiply-adds (batch·m·n·k), for matmul. */
  minMatmul: 512,
  /**
   * Multiply-adds from which a matmul is split over all threads (see `setNumThreads`), about n = 128 for a
   * square product: below it, waking the workers and packing B once per job cost more than the second core
   * saves (2 threads measured 1.0× at n = 96, 1.4–1.5× at 128, 1.9× at 1024).
   */
  parallelMatmul: 1 << 20,
  /**
   * Elements from which the cheap elementwise ops (arithmetic, comparisons, neg/abs/sqrt/relu/sign,
   * maximum/minimum, clamp) are split over all threads. Their operands are copied in and out by the calling
   * thread, and a worker must pull them from that core's cache, which costs more than the arithmetic: 2
   * threads measured 0.5× at 64K–256K elements and broke even only at 4M.
   */
  parallelSimple: 1 << 22,
  /** Elements from which exp/log/sin/cos/tanh/sigmoid and pow are split over all threads (1.2–1.45× from 64K). */
  parallelCostly: 1 << 16,
};

const COSTLY_UNARY: ReadonlySet<UnaryKernel> = new Set(['exp', 'log', 'sin', 'cos', 'tanh', 'sigmoid']);
const SIMPLE_BINARY: ReadonlySet<BinaryKernel> = new Set(['maximum', 'minimum', 'pow']);

// A function returning an all-lanes i8x16.popcnt of a splat: validates only where SIMD is implemented.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

let supported: boolean | undefined;

/**
 * True when this JavaScript engine runs WebAssembly with 128-bit SIMD (Node ≥ 16.4, Chrome 91, Firefox 89,
 * Safari 16.4). Checked once, by validating a tiny SIMD module.
 *
 * @example
 * ```ts
 * import { registerBackend } from '../index.js';
 * if (wasmSupported()) registerBackend(wasmBackend, true);
 * ```
 */
export function wasmSupported(): boolean {
  if (supported === undefined) {
    try {
      supported = typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
    } catch {
      supported = false;
    }
  }
  return supported;
}

// wasm32 addresses 4 GiB at most.
const MAX_BYTES = 65536 * PAGE;

let arena: Arena | null | undefined;

function getArena(): Arena | null {
  if (arena === undefined) {
    arena = null;
    if (wasmSupported()) {
      const bin = atob(WASM_BASE64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      // Synchronous compile works in Node and in workers; a browser main thread may refuse it for larger
      // modules, and then every call simply stays on the TS kernels.
      try {
        const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
        arena = new Arena(instance.exports as unknown as KernelExports, MAX_BYTES);
      } catch {
        arena = null;
      }
    }
  }
  return arena;
}

/**
 * Where a call runs: on the worker pool's shared memory when `parallel` (the call can be split and is large
 * enough) and threads are on, else on the private single-threaded instance. Null when neither memory can
 * hold `bytes(slots)`, where `slots` is the number of per-thread scratch areas to provide (1 off the pool).
 */
function acquire(parallel: boolean, bytes: (slots: number) => number): { ar: Arena; pool: Pool | null } | null {
  if (parallel) {
    const pool = threadPool();
    if (pool && pool.arena.begin(bytes(pool.slots))) return { ar: pool.arena, pool };
  }
  const ar = getArena();
  return ar && ar.begin(bytes(1)) ? { ar, pool: null } : null;
}

/**
 * How the worker pool cuts an operation into jobs (see `setNumThreads`). More jobs than threads let a
 * thread whose core is taken by another process hold up only a small share, since the others claim the
 * rest; but every job has a fixed cost, and a matmul job repacks its own copy of B's blocks (or A's, for
 * column panels). Exported for benchmarks and tests, like `wasmTuning`.
 *
 * @example
 * ```ts
 * poolTuning.matmulJobsPerThread = 1; // one block of rows per thread
 * ```
 */
export const poolTuning = {
  /** Target jobs per thread for elementwise ops. */
  jobsPerThread: 4,
  /** Elementwise jobs are at least this many elements. */
  minChunk: 16384,
  /**
   * Target jobs per thread for matmul. Cutting a 1024² product into 2, 4, 8 or 16 row blocks on one thread
   * cost 1 %, 4 %, 11 % and 28 % more than one call (each block repacks all of B), so 2 per thread.
   */
  matmulJobsPerThread: 2,
  /** Matmul row blocks are at least this many rows (a multiple of the 4-row tile)... */
  minRows: 32,
  /** ...and column panels at least this many columns (a multiple of the 8-column tile). */
  minCols: 64,
};

/** Elements per job (a multiple of 16, see assembly/jobs.ts) and the job count for `n` elements. */
function rangeJobs(n: number, threads: number): [number, number] {
  const chunk = Math.ceil(Math.max(poolTuning.minChunk, n / (threads * poolTuning.jobsPerThread), n / MAX_JOBS) / 16) * 16;
  return [Math.ceil(n / chunk), chunk];
}

const isCompare = (op: BinaryKernel): boolean => BINARY_CODES[op] >= BINARY_CODES.eq;

/** Smallest and one-past-largest element index that a strided view over `shape` touches. */
function viewSpan(v: View, shape: Shape): [number, number] {
  let lo = v.offset, hi = v.offset;
  for (let d = 0; d < shape.length; d++) {
    const ext = (shape[d]! - 1) * v.strides[d]!;
    if (ext < 0) lo += ext;
    else hi += ext;
  }
  return [lo, hi + 1];
}

/** An elementwise op as `slabs` repetitions of a `rows × cols` plan, with each operand's step (in elements) per level. */
interface RowPlan {
  readonly slabs: number;
  readonly rows: number;
  readonly cols: number;
  readonly slabSteps: number[];
  readonly rowSteps: number[];
  readonly colSteps: number[];
}

/**
 * Collapse a broadcast elementwise op to `slabs × rows × cols` where, within a row, each operand is contiguous
 * (stride 1) or one repeated value (stride 0): equal shapes, scalars, bias-style row or column broadcasts, and
 * per-channel broadcasts such as [N, C, H·W] with [C, 1]. Null for anything else (transposed inner axes, four
 * or more irreducible dims), and when slabs are too small for the per-slab call to pay.
 */
function planRows(shape: Shape, strides: readonly (readonly number[])[]): RowPlan | null {
  const groups = mergeDims(shape, strides);
  if (groups.length > 3) return null;
  const inner = groups[0] ?? { size: 1, st: strides.map(() => 1) };
  if (inner.st.some((s) => s !== 0 && s !== 1)) return null;
  const row = groups[1] ?? { size: 1, st: strides.map(() => 0) };
  const slab = groups[2] ?? { size: 1, st: strides.map(() => 0) };
  if (slab.size > 1 && row.size * inner.size < 64) return null;
  return { slabs: slab.size, rows: row.size, cols: inner.size, slabSteps: slab.st, rowSteps: row.st, colSteps: inner.st };
}

/**
 * The dims of a layout shared by several strided operands, innermost first, with size-1 dims dropped and
 * neighbours merged where, for every operand, the outer stride steps over the inner dim whole: each group is a
 * size and one stride per operand.
 */
function mergeDims(shape: Shape, strides: readonly (readonly number[])[]): { size: number; st: number[] }[] {
  const groups: { size: number; st: number[] }[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = shape[d]!;
    if (size === 1) continue;
    const g = groups[groups.length - 1];
    let merges = g !== undefined;
    for (let i = 0; merges && i < strides.length; i++) merges = strides[i]![d] === g!.st[i]! * g!.size;
    if (merges) g!.size *= size;
    else groups.push({ size, st: strides.map((s) => s[d]!) });
  }
  return groups;
}

function binary(op: BinaryKernel, a: View, b: View, out: TypedArray, shape: Shape): void {
  const n = sizeOf(shape);
  const cmp = isCompare(op);
  if (
    n === 0 || n < (SIMPLE_BINARY.has(op) ? wasmTuning.minSimple : wasmTuning.minArith) || !wasmSupported() ||
    !(a.data instanceof Float32Array) || !(b.data instanceof Float32Array) ||
    !(cmp ? out instanceof Uint8Array : out instanceof Float32Array)
  ) {
    tsBackend.binary(op, a, b, out, shape);
    return;
  }
  const plan = planRows(shape, [a.strides, b.strides]);
  if (!plan) {
    tsBackend.binary(op, a, b, out, shape);
    return;
  }
  const { slabs, rows, cols, slabSteps, rowSteps, colSteps } = plan;
  const aRow = rowSteps[0]!, bRow = rowSteps[1]!, aCol = colSteps[0]!, bCol = colSteps[1]!;
  const [aLo, aHi] = viewSpan(a, shape);
  const [bLo, bHi] = viewSpan(b, shape);
  const eb = cmp ? 1 : 4;
  // Each row's whole-vector loop overruns into the next row (assembly/elementwise.ts), which is harmless in
  // order but not when another thread owns that row: split only rows that end on a vector boundary.
  const splittable = slabs === 1 && (rows === 1 || (cols * eb) % 16 === 0);
  const got = aHi - aLo > 2 * n + 1024 || bHi - bLo > 2 * n + 1024
    // A sparse view (a few elements spread over a large array) would copy more than it computes.
    ? null
    : acquire(splittable && n >= (op === 'pow' ? wasmTuning.parallelCostly : wasmTuning.parallelSimple),
      () => padded((aHi - aLo) * 4) + padded((bHi - bLo) * 4) + padded(n * eb));
  if (!got) {
    tsBackend.binary(op, a, b, out, shape);
    return;
  }
  const { ar, pool } = got;
  const pa = ar.alloc((aHi - aLo) * 4), pb = ar.alloc((bHi - bLo) * 4), po = ar.alloc(n * eb);
  ar.f32.set(a.data.subarray(aLo, aHi), pa >>> 2);
  ar.f32.set(b.data.subarray(bLo, bHi), pb >>> 2);
  const args = [BINARY_CODES[op], pa + (a.offset - aLo) * 4, aRow * 4, aCol === 0 ? 1 : 0,
    pb + (b.offset - bLo) * 4, bRow * 4, bCol === 0 ? 1 : 0, po, rows, cols] as const;
  if (pool) {
    // Whole rows per job, or one row cut into column chunks (multiples of 16) when rows are long.
    const [, target] = rangeJobs(n, pool.threads);
    if (cols >= target) {
      const colChunk = Math.ceil(cols / Math.ceil(cols / target) / 16) * 16, chunks = Math.ceil(cols / colChunk);
      pool.run(K_BINARY, rows * chunks, [...args, 1, colChunk, chunks]);
    } else {
      const rowChunk = Math.max(1, Math.floor(target / cols));
      pool.run(K_BINARY, Math.ceil(rows / rowChunk), [...args, rowChunk, cols, 1]);
    }
  } else if (slabs === 1) {
    ar.ex.binary(...args);
  } else {
    // In order, so each slab's whole-vector overrun lands in the next slab before that one is computed.
    const [code, a0, , , b0] = args, slabBytes = rows * cols * eb;
    for (let i = 0; i < slabs; i++) {
      ar.ex.binary(code, a0 + i * slabSteps[0]! * 4, aRow * 4, aCol === 0 ? 1 : 0, b0 + i * slabSteps[1]! * 4, bRow * 4,
        bCol === 0 ? 1 : 0, po + i * slabBytes, rows, cols);
    }
  }
  if (cmp) out.set(ar.u8.subarray(po, po + n));
  else out.set(ar.f32.subarray(po >>> 2, (po >>> 2) + n));
}

function where(cond: View, a: View, b: View, out: TypedArray, shape: Shape): void {
  const n = sizeOf(shape);
  const plan = n < wasmTuning.minArith || !(cond.data instanceof Uint8Array) || !(a.data instanceof Float32Array) ||
    !(b.data instanceof Float32Array) || !(out instanceof Float32Array) ? null : planRows(shape, [cond.strides, a.strides, b.strides]);
  const [cLo, cHi] = viewSpan(cond, shape), [aLo, aHi] = viewSpan(a, shape), [bLo, bHi] = viewSpan(b, shape);
  // As in `binary`, a sparse view would copy more than it computes.
  const got = plan && Math.max(cHi - cLo, aHi - aLo, bHi - bLo) <= 2 * n + 1024
    ? acquire(false, () => padded(cHi - cLo) + padded((aHi - aLo) * 4) + padded((bHi - bLo) * 4) + padded(n * 4))
    : null;
  if (!plan || !got) {
    tsBackend.where(cond, a, b, out, shape);
    return;
  }
  const { slabs, rows, cols, slabSteps, rowSteps, colSteps } = plan;
  const { ar } = got;
  const pc = ar.alloc(cHi - cLo), pa = ar.alloc((aHi - aLo) * 4), pb = ar.alloc((bHi - bLo) * 4), po = ar.alloc(n * 4);
  ar.u8.set((cond.data as Uint8Array).subarray(cLo, cHi), pc);
  ar.f32.set((a.data as Float32Array).subarray(aLo, aHi), pa >>> 2);
  ar.f32.set((b.data as Float32Array).subarray(bLo, bHi), pb >>> 2);
  for (let i = 0; i < slabs; i++) {
    ar.ex.where(pc + cond.offset - cLo + i * slabSteps[0]!, rowSteps[0]!, colSteps[0] === 0 ? 1 : 0,
      pa + (a.offset - aLo + i * slabSteps[1]!) * 4, rowSteps[1]! * 4, colSteps[1] === 0 ? 1 : 0,
      pb + (b.offset - bLo + i * slabSteps[2]!) * 4, rowSteps[2]! * 4, colSteps[2] === 0 ? 1 : 0, po + i * rows * cols * 4, rows, cols);
  }
  out.set(ar.f32.subarray(po >>> 2, (po >>> 2) + n));
}

// Runs of consecutive input indices (or of padding) in unfold's window maps, as (r, i, n) triples, for each
// map seen: the op layer reuses one map per geometry, so each is scanned once.
const windowRuns = new WeakMap<Int32Array, Int32Array>();

function runsOf(index: Int32Array, len: number): Int32Array {
  let runs = windowRuns.get(index);
  if (runs === undefined) {
    const triples: number[] = [];
    for (let r = 0; r < len;) {
      const i = index[r]!;
      let n = 1;
      while (r + n < len && (i < 0 ? index[r + n]! < 0 : index[r + n] === i + n)) n++;
      triples.push(r, i < 0 ? -1 : i, n);
      r += n;
    }
    runs = Int32Array.from(triples);
    windowRuns.set(index, runs);
  }
  return runs;
}

// unfold and fold: one kernel each, chosen by `fold`. unfold copies runs of consecutive elements when the
// window map has them (on average at least 4 elements a run), else gathers element by element.
function slidingWindow(fold: boolean, x: TypedArray, index: Int32Array, out: TypedArray, blocks: number, plane: number, len: number): void {
  const inN = blocks * (fold ? len : plane), outN = blocks * (fold ? plane : len);
  const ar = getArena();
  if (!ar || outN < wasmTuning.minSimple || !(x instanceof Float32Array) || !(out instanceof Float32Array) ||
    !ar.begin(padded(inN * 4) + padded(len * 4) + padded(outN * 4))) {
    if (fold) tsBackend.fold(x, index, out, blocks, plane, len);
    else tsBackend.unfold(x, index, out, blocks, plane, len);
    return;
  }
  const runs = fold ? null : runsOf(index, len);
  const px = ar.alloc(inN * 4), pi = ar.alloc(len * 4), po = ar.alloc(outN * 4);
  ar.f32.set(x.length === inN ? x : x.subarray(0, inN), px >>> 2);
  if (runs !== null && runs.length * 4 <= len * 3) {
    // The runs take 12 bytes each, no more than the 4 per element of the map they replace.
    ar.i32.set(runs, pi >>> 2);
    ar.ex.unfoldRuns(px, pi, runs.length / 3, po, blocks, plane, len);
  } else {
    ar.i32.set(index.length === len ? index : index.subarray(0, len), pi >>> 2);
    if (fold) ar.ex.fold(px, pi, po, blocks, plane, len);
    else ar.ex.unfold(px, pi, po, blocks, plane, len);
  }
  out.set(ar.f32.subarray(po >>> 2, (po >>> 2) + outN));
}

function copy(src: View, out: TypedArray, shape: Shape): void {
  const n = sizeOf(shape);
  const four = (src.data instanceof Float32Array && out instanceof Float32Array) || (src.data instanceof Int32Array && out instanceof Int32Array);
  // Outermost first, for the kernel's (n0, n1, n2, n3) order.
  const groups = four && n >= wasmTuning.minSimple ? mergeDims(shape, [src.strides]).reverse() : [];
  const sizes = groups.map((g) => g.size), steps = groups.map((g) => g.st[0]!);
  const [lo, hi] = viewSpan(src, shape);
  // One dim of stride 1 is contiguous: the TS backend's copy is then a single memcpy.
  const ar = sizes.length >= 1 && sizes.length <= 4 && !(sizes.length === 1 && steps[0] === 1) && hi - lo <= 2 * n + 1024 ? getArena() : null;
  if (!ar || !ar.begin(padded((hi - lo) * 4) + padded(n * 4))) {
    tsBackend.copy(src, out, shape);
    return;
  }
  while (sizes.length < 4) {
    sizes.unshift(1);
    steps.unshift(0);
  }
  const ps = ar.alloc((hi - lo) * 4), po = ar.alloc(n * 4);
  const words = out instanceof Float32Array ? ar.f32 : ar.i32;
  words.set((src.data as Float32Array).subarray(lo, hi), ps >>> 2);
  ar.ex.copy(ps + (src.offset - lo) * 4, po, sizes[0]!, sizes[1]!, sizes[2]!, sizes[3]!, steps[0]! * 4, steps[1]! * 4, steps[2]! * 4, steps[3]! * 4);
  out.set(words.subarray(po >>> 2, (po >>> 2) + n));
}

/**
 * Convolutions with at most this many multiply-adds per output element (C·kh·kw) and stride and dilation 1 run
 * the direct kernel: for few taps, packing for the matrix product costs more than the product (at C·kh·kw = 25,
 * the MNIST-sized first layer with batch 32, the kernels alone take 0.7 ms against 1.3–1.6 ms for im2col +
 * matmul); for many, the blocked matmul's register tiling wins.
 */
const DIRECT_CONV_MAX_TAPS = 64;

function conv2d(x: TypedArray, weight: TypedArray, index: Int32Array, out: TypedArray, n: number, c: number, o: number,
  g: ConvGeometry): void {
  const plane = g.h * g.w, kk = g.kh * g.kw, len = g.oh * g.ow, ck = c * kk, ar = getArena();
  const direct = g.sh === 1 && g.sw === 1 && g.dh === 1 && g.dw === 1 && ck <= DIRECT_CONV_MAX_TAPS;
  const scratch = ar && !direct ? Math.ceil(ar.ex.matmulScratchBytes(len) / 64) * 64 : 0;
  const work = direct ? 0 : padded(kk * len * 4) + padded(ck * len * 4) + padded(scratch);
  if (!ar || n * o * len * ck < wasmTuning.minMatmul || !(x instanceof Float32Array) || !(weight instanceof Float32Array) ||
    !(out instanceof Float32Array) || !ar.begin(padded(n * c * plane * 4) + padded(o * ck * 4) + padded(n * o * len * 4) + work)) {
    tsBackend.conv2d(x, weight, index, out, n, c, o, g);
    return;
  }
  const px = ar.alloc(n * c * plane * 4), pw = ar.alloc(o * ck * 4), po = ar.alloc(n * o * len * 4);
  ar.f32.set(x.subarray(0, n * c * plane), px >>> 2);
  ar.f32.set(weight.subarray(0, o * ck), pw >>> 2);
  if (direct) {
    ar.ex.conv2dDirect(px, pw, po, n, c, g.h, g.w, o, g.kh, g.kw, g.ph, g.pw, g.oh, g.ow);
  } else {
    const pi = ar.alloc(kk * len * 4), pc = ar.alloc(ck * len * 4), ps = ar.alloc(scratch);
    ar.i32.set(index.subarray(0, kk * len), pi >>> 2);
    ar.ex.conv2d(px, pw, po, n, c, plane, o, kk, len, pi, pc, ps);
  }
  out.set(ar.f32.subarray(po >>> 2, (po >>> 2) + n * o * len));
}

function unary(op: UnaryKernel, x: TypedArray, out: TypedArray, n: number): void {
  const costly = COSTLY_UNARY.has(op);
  const got = n < (costly ? wasmTuning.minCostly : wasmTuning.minSimple) || !(x instanceof Float32Array) ||
    !(out instanceof Float32Array)
    ? null
    : acquire(n >= (costly ? wasmTuning.parallelCostly : wasmTuning.parallelSimple), () => padded(n * 4));
  if (!got) {
    tsBackend.unary(op, x, out, n);
    return;
  }
  const { ar, pool } = got;
  const p = ar.alloc(n * 4);
  ar.f32.set(x.length === n ? x : x.subarray(0, n), p >>> 2);
  if (pool) {
    const [jobs, chunk] = rangeJobs(n, pool.threads);
    pool.run(K_UNARY, jobs, [UNARY_CODES[op], p, p, n, chunk]);
  } else {
    ar.ex.unary(UNARY_CODES[op], p, p, n);
  }
  out.set(ar.f32.subarray(p >>> 2, (p >>> 2) + n));
}

function clamp(x: TypedArray, out: TypedArray, n: number, lo: number, hi: number): void {
  const got = n < wasmTuning.minSimple || !(x instanceof Float32Array) || !(out instanceof Float32Array)
    ? null
    : acquire(n >= wasmTuning.parallelSimple, () => padded(n * 4));
  if (!got) {
    tsBackend.clamp(x, out, n, lo, hi);
    return;
  }
  const { ar, pool } = got;
  const p = ar.alloc(n * 4);
  ar.f32.set(x.length === n ? x : x.subarray(0, n), p >>> 2);
  if (pool) {
    const [jobs, chunk] = rangeJobs(n, pool.threads);
    pool.run(K_CLAMP, jobs, [p, p, n, chunk, f32Bits(lo), f32Bits(hi)]);
  } else {
    ar.ex.clamp(p, p, n, lo, hi);
  }
  out.set(ar.f32.subarray(p >>> 2, (p >>> 2) + n));
}

// Column-wise reductions keep running rows of inner + 16 8-byte slots (see assembly/reduce.ts): two, plus one per
// level of the pairwise cascade over blocks of 16 rows (COL_BLOCK there): the bit length of ⌈r / 16⌉, at least 1.
const reduceScratch = (inner: number, r: number): number =>
  (inner === 1 ? 0 : 8 * (inner + 16) * (2 + Math.max(1, 32 - Math.clz32(Math.ceil(r / 16)))));

function reduce(op: ReduceKernel, x: TypedArray, out: TypedArray, outer: number, r: number, inner: number): void {
  const n = outer * r * inner, m = outer * inner;
  const arg = op === 'argmax' || op === 'argmin';
  const ar = getArena();
  if (!ar || n < (op === 'logsumexp' ? wasmTuning.minCostly : wasmTuning.minReduce) || r === 0 || !(x instanceof Float32Array) || (!arg && !(out instanceof Float32Array)) ||
    !ar.begin(padded(n * 4) + padded(m * 4) + padded(reduceScratch(inner, r)))) {
    tsBackend.reduce(op, x, out, outer, r, inner);
    return;
  }
  const px = ar.alloc(n * 4), po = ar.alloc(m * 4), ps = ar.alloc(reduceScratch(inner, r));
  ar.f32.set(x.length === n ? x : x.subarray(0, n), px >>> 2);
  ar.ex.reduce(REDUCE_CODES[op], px, po, outer, r, inner, ps);
  // Indices come back as int32; TypedArray.set converts them to whatever dtype `out` has.
  out.set((arg ? ar.i32 : ar.f32).subarray(po >>> 2, (po >>> 2) + m));
}

function softmax(x: TypedArray, out: TypedArray, outer: number, r: number, inner: number, log: boolean): void {
  const n = outer * r * inner;
  const ar = getArena();
  if (!ar || n < wasmTuning.minCostly || !(x instanceof Float32Array) || !(out instanceof Float32Array) ||
    !ar.begin(2 * padded(n * 4) + padded(reduceScratch(inner, r)))) {
    tsBackend.softmax(x, out, outer, r, inner, log);
    return;
  }
  const px = ar.alloc(n * 4), po = ar.alloc(n * 4), ps = ar.alloc(reduceScratch(inner, r));
  ar.f32.set(x.length === n ? x : x.subarray(0, n), px >>> 2);
  ar.ex.softmax(px, po, outer, r, inner, log ? 1 : 0, ps);
  out.set(ar.f32.subarray(po >>> 2, (po >>> 2) + n));
}

/**
 * Where the batch matrices of one operand live: [lo, hi) of the whole batch, and [dLo, dHi) of one matrix
 * relative to its offset.
 */
function operandSpan(x: MatrixOperand, batch: number, rows: number, cols: number): [number, number, number, number] {
  const er = (rows - 1) * x.rowStride, ec = (cols - 1) * x.colStride;
  const dLo = Math.min(0, er) + Math.min(0, ec), dHi = Math.max(0, er) + Math.max(0, ec) + 1;
  let oLo = Infinity, oHi = -Infinity;
  for (let i = 0; i < batch; i++) {
    const o = x.offsets[i]!;
    if (o < oLo) oLo = o;
    if (o > oHi) oHi = o;
  }
  return [oLo + dLo, oHi + dHi, dLo, dHi];
}

// Matmul jobs: blocks of whole rows of C (a multiple of the 4-row tile) or panels of whole columns (a
// multiple of the 8-column tile), so that every tile is the one the single-threaded call would compute.
// Split along the longer side of C, which makes the operand that every job repacks the smaller one.

interface MatmulPlan {
  jobs: number;
  rowChunk: number;
  rowBlocks: number;
  colChunk: number;
  panels: number;
  perJob: number;
}

function matmulPlan(batch: number, m: number, n: number, threads: number): MatmulPlan {
  const target = threads * poolTuning.matmulJobsPerThread;
  if (batch >= target) {
    const perJob = Math.max(1, Math.floor(batch / target), Math.ceil(batch / MAX_JOBS));
    return { jobs: Math.ceil(batch / perJob), rowChunk: m, rowBlocks: 1, colChunk: n, panels: 1, perJob };
  }
  const parts = Math.ceil(target / batch);
  if (m >= n) {
    const rowChunk = Math.ceil(Math.ceil(m / Math.min(parts, Math.ceil(m / poolTuning.minRows))) / 4) * 4;
    const rowBlocks = Math.ceil(m / rowChunk);
    return { jobs: batch * rowBlocks, rowChunk, rowBlocks, colChunk: n, panels: 1, perJob: 1 };
  }
  const colChunk = Math.ceil(Math.ceil(n / Math.min(parts, Math.ceil(n / poolTuning.minCols))) / 8) * 8;
  const panels = Math.ceil(n / colChunk);
  return { jobs: batch * panels, rowChunk: m, rowBlocks: 1, colChunk, panels, perJob: 1 };
}

function matmul(a: MatrixOperand, b: MatrixOperand, out: TypedArray, batch: number, m: number, n: number, k: number): void {
  const total = batch * m * n;
  if (total === 0) return;
  if (k === 0) {
    out.fill(0, 0, total);
    return;
  }
  const priv = getArena();
  if (!priv || batch * m * n * k < wasmTuning.minMatmul ||
    !(a.data instanceof Float32Array) || !(b.data instanceof Float32Array) || !(out instanceof Float32Array)) {
    tsBackend.matmul(a, b, out, batch, m, n, k);
    return;
  }
  const [aLo, aHi, aDLo, aDHi] = operandSpan(a, batch, m, k);
  const [bLo, bHi, bDLo, bDHi] = operandSpan(b, batch, k, n);
  // Copy an operand's whole batch span at once when it is dense (the usual case, and broadcast batches), else
  // one matrix at a time so that scattered batch offsets do not copy the gaps between them.
  const aWhole = aHi - aLo <= 2 * batch * m * k + 1024;
  const bWhole = bHi - bLo <= 2 * batch * k * n + 1024;
  const aLen = aWhole ? aHi - aLo : aDHi - aDLo, bLen = bWhole ? bHi - bLo : bDHi - bDLo;
  const scratch = Math.ceil(priv.ex.matmulScratchBytes(n) / 64) * 64;
  const fixed = padded(aLen * 4) + padded(bLen * 4) + padded(total * 4);
  // Threads need every matrix in memory at once, so only dense operands are split.
  const got = acquire(aWhole && bWhole && batch * m * n * k >= wasmTuning.parallelMatmul,
    (slots) => fixed + (slots > 1 ? padded(batch * 8) + slots * scratch : padded(scratch)));
  if (!got) {
    tsBackend.matmul(a, b, out, batch, m, n, k);
    return;
  }
  const { ar, pool } = got;
  const pa = ar.alloc(aLen * 4), pb = ar.alloc(bLen * 4), pc = ar.alloc(total * 4);
  const f32 = ar.f32;
  if (aWhole) f32.set(a.data.subarray(aLo, aHi), pa >>> 2);
  if (bWhole) f32.set(b.data.subarray(bLo, bHi), pb >>> 2);
  if (pool) {
    const pt = ar.alloc(batch * 8), ps = ar.alloc(pool.slots * scratch);
    const table = ar.i32;
    for (let i = 0; i < batch; i++) {
      table[(pt >>> 2) + 2 * i] = pa + (a.offsets[i]! - aLo) * 4;
      table[(pt >>> 2) + 2 * i + 1] = pb + (b.offsets[i]! - bLo) * 4;
    }
    const plan = matmulPlan(batch, m, n, pool.threads);
    pool.run(K_MATMUL, plan.jobs, [pt, a.rowStride, a.colStride, b.rowStride, b.colStride, m, n, k, pc,
      plan.rowChunk, plan.rowBlocks, plan.colChunk, plan.panels, plan.perJob, batch], ps, scratch);
  } else {
    const ps = ar.alloc(scratch);
    for (let i = 0; i < batch; i++) {
      const ao = a.offsets[i]!, bo = b.offsets[i]!;
      if (!aWhole) f32.set(a.data.subarray(ao + aDLo, ao + aDHi), pa >>> 2);
      if (!bWhole) f32.set(b.data.subarray(bo + bDLo, bo + bDHi), pb >>> 2);
      const aBase = pa + (aWhole ? ao - aLo : -aDLo) * 4, bBase = pb + (bWhole ? bo - bLo : -bDLo) * 4;
      ar.ex.matmul(aBase, a.rowStride, a.colStride, bBase, b.rowStride, b.colStride, pc + i * m * n * 4, m, n, k, ps);
    }
  }
  out.set(f32.subarray(pc >>> 2, (pc >>> 2) + total));
}

function adam(p: Floats, g: Floats, m: Floats, v: Floats, vmax: Floats | null, s: AdamStep): void {
  const n = p.length, ar = getArena();
  if (!ar || n < wasmTuning.minOptim || !(p instanceof Float32Array) || !(g instanceof Float32Array) ||
    !(m instanceof Float32Array) || !(v instanceof Float32Array) || (vmax !== null && !(vmax instanceof Float32Array)) ||
    !ar.begin(padded(n * 4) * (vmax === null ? 4 : 5))) {
    tsBackend.adam(p, g, m, v, vmax, s);
    return;
  }
  const f32 = ar.f32;
  const pp = ar.alloc(n * 4), pg = ar.alloc(n * 4), pm = ar.alloc(n * 4), pv = ar.alloc(n * 4);
  const px = vmax === null ? 0 : ar.alloc(n * 4);
  f32.set(p, pp >>> 2);
  f32.set(g, pg >>> 2);
  f32.set(m, pm >>> 2);
  f32.set(v, pv >>> 2);
  if (vmax !== null) f32.set(vmax, px >>> 2);
  ar.ex.adam(pp, pg, pm, pv, px, n, s.beta1, 1 - s.beta1, s.beta2, 1 - s.beta2, s.stepSize, s.biasCorrection2Sqrt, s.eps, s.decay, s.l2, s.sign);
  p.set(f32.subarray(pp >>> 2, (pp >>> 2) + n));
  m.set(f32.subarray(pm >>> 2, (pm >>> 2) + n));
  v.set(f32.subarray(pv >>> 2, (pv >>> 2) + n));
  if (vmax !== null) vmax.set(f32.subarray(px >>> 2, (px >>> 2) + n));
}

function sgd(p: Floats, g: Floats, buf: Floats | null, s: SgdStep): void {
  const n = p.length, ar = getArena();
  if (!ar || n < wasmTuning.minOptim || !(p instanceof Float32Array) || !(g instanceof Float32Array) ||
    (buf !== null && !(buf instanceof Float32Array)) || !ar.begin(padded(n * 4) * (buf === null ? 2 : 3))) {
    tsBackend.sgd(p, g, buf, s);
    return;
  }
  const f32 = ar.f32;
  const pp = ar.alloc(n * 4), pg = ar.alloc(n * 4), pb = buf === null ? 0 : ar.alloc(n * 4);
  f32.set(p, pp >>> 2);
  f32.set(g, pg >>> 2);
  if (buf !== null && !s.first) f32.set(buf, pb >>> 2);
  ar.ex.sgd(pp, pg, pb, n, s.lr, s.momentum, 1 - s.dampening, s.nesterov ? 1 : 0, s.weightDecay, s.sign, s.first ? 1 : 0);
  p.set(f32.subarray(pp >>> 2, (pp >>> 2) + n));
  if (buf !== null) buf.set(f32.subarray(pb >>> 2, (pb >>> 2) + n));
}

/**
 * The WebAssembly SIMD backend: float32 kernels compiled from assembly/ with AssemblyScript (4×8 Goto-blocked
 * matmul at ~55–60 GFLOPS per core, vectorised exp/log/tanh/sigmoid/sin/cos, SIMD reductions and softmax).
 * Tensors stay JS-owned typed arrays; each call copies its operands into a scratch area of the module's
 * memory and the result back out. float64, int32 and bool data, small sizes where the copies cost more than
 * they save, and strided layouts the kernels do not cover run on the TS backend, so every
 * call is valid on this backend. Where WebAssembly SIMD is missing (see {@link wasmSupported}) everything runs
 * on the TS backend. Large matmuls and large costly elementwise ops run on a pool of worker threads sharing
 * one wasm memory (`setNumThreads`, thresholds in {@link wasmTuning}), with the same results bit for bit.
 *
 * @example
 * ```ts
 * import { registerBackend, setBackend } from '../index.js';
 * if (wasmSupported()) registerBackend(wasmBackend);
 * setBackend('wasm');
 * ```
 */
export const wasmBackend: Backend = {
  name: 'wasm',
  unary,
  binary,
  where,
  clamp,
  copy,
  reduce,
  softmax,
  matmul,
  adam,
  sgd,
  unfold: (x, index, out, blocks, plane, len) => slidingWindow(false, x, index, out, blocks, plane, len),
  fold: (cols, index, out, blocks, plane, len) => slidingWindow(true, cols, index, out, blocks, plane, len),
  conv2d,
};
