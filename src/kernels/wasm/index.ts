import type { TypedArray } from '../../dtype.js';
import { sizeOf, type Shape } from '../../shape.js';
import type { Backend, BinaryKernel, MatrixOperand, ReduceKernel, UnaryKernel, View } from '../backend.js';
import { tsBackend } from '../ts/index.js';
import { WASM_BASE64 } from './binary.js';

// Operation codes of assembly/elementwise.ts and assembly/reduce.ts; the order there must match.
const UNARY_CODES: Record<UnaryKernel, number> = {
  neg: 0, exp: 1, log: 2, sqrt: 3, abs: 4, sin: 5, cos: 6, tanh: 7, sigmoid: 8, relu: 9, sign: 10,
};
const BINARY_CODES: Record<BinaryKernel, number> = {
  add: 0, sub: 1, mul: 2, div: 3, pow: 4, maximum: 5, minimum: 6, eq: 7, ne: 8, lt: 9, le: 10, gt: 11, ge: 12,
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
  /** Multiply-adds (batch·m·n·k), for matmul. */
  minMatmul: 512,
};

const COSTLY_UNARY: ReadonlySet<UnaryKernel> = new Set(['exp', 'log', 'sin', 'cos', 'tanh', 'sigmoid']);
const SIMPLE_BINARY: ReadonlySet<BinaryKernel> = new Set(['maximum', 'minimum', 'pow']);

interface Exports {
  readonly memory: WebAssembly.Memory;
  heapBase(): number;
  unary(op: number, x: number, out: number, n: number): void;
  binary(op: number, a: number, aRow: number, sa: number, b: number, bRow: number, sb: number,
    out: number, rows: number, cols: number): void;
  clamp(x: number, out: number, n: number, lo: number, hi: number): void;
  reduce(op: number, x: number, out: number, outer: number, r: number, inner: number, scratch: number): void;
  softmax(x: number, out: number, outer: number, r: number, inner: number, log: number, scratch: number): void;
  matmul(a: number, ars: number, acs: number, b: number, brs: number, bcs: number, c: number,
    m: number, n: number, k: number, scratch: number): void;
  matmulScratchBytes(n: number): number;
}

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

// Every allocation is rounded up to 64 bytes plus 64 bytes of slack, because the kernels run whole vectors
// (up to 16 floats) past the end of each buffer. Plain arithmetic, not `& ~63`: sizes may pass 2^31.
const padded = (bytes: number): number => Math.ceil(bytes / 64) * 64 + 64;
const PAGE = 65536;
// wasm32 addresses 4 GiB at most.
const MAX_BYTES = 65536 * PAGE;

/**
 * The module instance and a bump allocator over its memory. Operands are JS-owned typed arrays, so each call
 * copies its inputs in, runs, and copies the result out; nothing outlives the call, and `begin` resets the
 * allocator. Memory grows on demand and is never given back (wasm memories cannot shrink).
 */
class Arena {
  readonly ex: Exports;
  private readonly base: number;
  private top = 0;
  f32: Float32Array;
  i32: Int32Array;
  u8: Uint8Array;

  constructor(ex: Exports) {
    this.ex = ex;
    this.base = (ex.heapBase() + 63) & ~63;
    const buf = ex.memory.buffer;
    this.f32 = new Float32Array(buf);
    this.i32 = new Int32Array(buf);
    this.u8 = new Uint8Array(buf);
  }

  /** Reset the allocator for a call needing `bytes` (a sum of `padded` sizes); false if memory cannot grow. */
  begin(bytes: number): boolean {
    const need = this.base + bytes;
    const mem = this.ex.memory;
    const have = mem.buffer.byteLength;
    if (need > have) {
      if (need > MAX_BYTES) return false;
      // Grow by at least half again, so that a run of slowly growing calls does not grow (and re-make the
      // views) every time; fall back to the exact need when that much is not available.
      const exact = Math.ceil((need - have) / PAGE);
      const generous = Math.min(Math.max(exact, Math.ceil(have / PAGE / 2)), (MAX_BYTES - have) / PAGE);
      try {
        mem.grow(generous);
      } catch {
        try {
          mem.grow(exact);
        } catch {
          return false;
        }
      }
      // Growing detaches the old ArrayBuffer: every view must be made again.
      const buf = mem.buffer;
      this.f32 = new Float32Array(buf);
      this.i32 = new Int32Array(buf);
      this.u8 = new Uint8Array(buf);
    }
    this.top = this.base;
    return true;
  }

  alloc(bytes: number): number {
    const p = this.top;
    this.top += padded(bytes);
    return p;
  }
}

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
        arena = new Arena(instance.exports as unknown as Exports);
      } catch {
        arena = null;
      }
    }
  }
  return arena;
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

/**
 * Collapse a broadcast binary op to `rows × cols` where, within a row, each operand is contiguous (stride 1)
 * or one repeated value (stride 0), which covers equal shapes, scalars, and bias-style row or column
 * broadcasts. Returns null for anything else (transposed inner axes, 3+ irreducible dims).
 */
function plan2d(shape: Shape, sa: readonly number[], sb: readonly number[]): [number, number, number, number, number, number] | null {
  // Groups from the innermost dimension out: [size, strideA, strideB].
  const groups: [number, number, number][] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = shape[d]!;
    if (size === 1) continue;
    const g = groups[groups.length - 1];
    if (g && sa[d] === g[1] * g[0] && sb[d] === g[2] * g[0]) g[0] *= size;
    else if (groups.length === 2) return null;
    else groups.push([size, sa[d]!, sb[d]!]);
  }
  const inner = groups[0] ?? [1, 1, 1];
  if ((inner[1] !== 0 && inner[1] !== 1) || (inner[2] !== 0 && inner[2] !== 1)) return null;
  const outer = groups[1] ?? [1, 0, 0];
  return [outer[0], inner[0], outer[1], inner[1], outer[2], inner[2]];
}

function binary(op: BinaryKernel, a: View, b: View, out: TypedArray, shape: Shape): void {
  const n = sizeOf(shape);
  const cmp = isCompare(op);
  const ar = getArena();
  if (
    !ar || n === 0 || n < (SIMPLE_BINARY.has(op) ? wasmTuning.minSimple : wasmTuning.minArith) ||
    !(a.data instanceof Float32Array) || !(b.data instanceof Float32Array) ||
    !(cmp ? out instanceof Uint8Array : out instanceof Float32Array)
  ) {
    tsBackend.binary(op, a, b, out, shape);
    return;
  }
  const plan = plan2d(shape, a.strides, b.strides);
  if (!plan) {
    tsBackend.binary(op, a, b, out, shape);
    return;
  }
  const [rows, cols, aRow, aCol, bRow, bCol] = plan;
  const [aLo, aHi] = viewSpan(a, shape);
  const [bLo, bHi] = viewSpan(b, shape);
  // A sparse view (a few elements spread over a large array) would copy more than it computes.
  if (aHi - aLo > 2 * n + 1024 || bHi - bLo > 2 * n + 1024 ||
    !ar.begin(padded((aHi - aLo) * 4) + padded((bHi - bLo) * 4) + padded(n * (cmp ? 1 : 4)))) {
    tsBackend.binary(op, a, b, out, shape);
    return;
  }
  const pa = ar.alloc((aHi - aLo) * 4), pb = ar.alloc((bHi - bLo) * 4), po = ar.alloc(n * (cmp ? 1 : 4));
  ar.f32.set(a.data.subarray(aLo, aHi), pa >>> 2);
  ar.f32.set(b.data.subarray(bLo, bHi), pb >>> 2);
  ar.ex.binary(BINARY_CODES[op], pa + (a.offset - aLo) * 4, aRow * 4, aCol === 0 ? 1 : 0,
    pb + (b.offset - bLo) * 4, bRow * 4, bCol === 0 ? 1 : 0, po, rows, cols);
  if (cmp) out.set(ar.u8.subarray(po, po + n));
  else out.set(ar.f32.subarray(po >>> 2, (po >>> 2) + n));
}

function unary(op: UnaryKernel, x: TypedArray, out: TypedArray, n: number): void {
  const ar = getArena();
  if (!ar || n < (COSTLY_UNARY.has(op) ? wasmTuning.minCostly : wasmTuning.minSimple) ||
    !(x instanceof Float32Array) || !(out instanceof Float32Array) || !ar.begin(padded(n * 4))) {
    tsBackend.unary(op, x, out, n);
    return;
  }
  const p = ar.alloc(n * 4);
  ar.f32.set(x.length === n ? x : x.subarray(0, n), p >>> 2);
  ar.ex.unary(UNARY_CODES[op], p, p, n);
  out.set(ar.f32.subarray(p >>> 2, (p >>> 2) + n));
}

function clamp(x: TypedArray, out: TypedArray, n: number, lo: number, hi: number): void {
  const ar = getArena();
  if (!ar || n < wasmTuning.minSimple || !(x instanceof Float32Array) || !(out instanceof Float32Array) || !ar.begin(padded(n * 4))) {
    tsBackend.clamp(x, out, n, lo, hi);
    return;
  }
  const p = ar.alloc(n * 4);
  ar.f32.set(x.length === n ? x : x.subarray(0, n), p >>> 2);
  ar.ex.clamp(p, p, n, lo, hi);
  out.set(ar.f32.subarray(p >>> 2, (p >>> 2) + n));
}

// Column-wise reductions keep three running rows of 8-byte slots (see assembly/reduce.ts).
const reduceScratch = (inner: number): number => (inner === 1 ? 0 : 24 * (inner + 16));

function reduce(op: ReduceKernel, x: TypedArray, out: TypedArray, outer: number, r: number, inner: number): void {
  const n = outer * r * inner, m = outer * inner;
  const arg = op === 'argmax' || op === 'argmin';
  const ar = getArena();
  if (!ar || n < (op === 'logsumexp' ? wasmTuning.minCostly : wasmTuning.minReduce) || r === 0 || !(x instanceof Float32Array) || (!arg && !(out instanceof Float32Array)) ||
    !ar.begin(padded(n * 4) + padded(m * 4) + padded(reduceScratch(inner)))) {
    tsBackend.reduce(op, x, out, outer, r, inner);
    return;
  }
  const px = ar.alloc(n * 4), po = ar.alloc(m * 4), ps = ar.alloc(reduceScratch(inner));
  ar.f32.set(x.length === n ? x : x.subarray(0, n), px >>> 2);
  ar.ex.reduce(REDUCE_CODES[op], px, po, outer, r, inner, ps);
  // Indices come back as int32; TypedArray.set converts them to whatever dtype `out` has.
  out.set((arg ? ar.i32 : ar.f32).subarray(po >>> 2, (po >>> 2) + m));
}

function softmax(x: TypedArray, out: TypedArray, outer: number, r: number, inner: number, log: boolean): void {
  const n = outer * r * inner;
  const ar = getArena();
  if (!ar || n < wasmTuning.minCostly || !(x instanceof Float32Array) || !(out instanceof Float32Array) ||
    !ar.begin(2 * padded(n * 4) + padded(reduceScratch(inner)))) {
    tsBackend.softmax(x, out, outer, r, inner, log);
    return;
  }
  const px = ar.alloc(n * 4), po = ar.alloc(n * 4), ps = ar.alloc(reduceScratch(inner));
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

function matmul(a: MatrixOperand, b: MatrixOperand, out: TypedArray, batch: number, m: number, n: number, k: number): void {
  const ar = getArena();
  const total = batch * m * n;
  if (total === 0) return;
  if (k === 0) {
    out.fill(0, 0, total);
    return;
  }
  if (!ar || batch * m * n * k < wasmTuning.minMatmul ||
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
  const scratch = ar.ex.matmulScratchBytes(n);
  if (!ar.begin(padded(aLen * 4) + padded(bLen * 4) + padded(total * 4) + padded(scratch))) {
    tsBackend.matmul(a, b, out, batch, m, n, k);
    return;
  }
  const pa = ar.alloc(aLen * 4), pb = ar.alloc(bLen * 4), pc = ar.alloc(total * 4), ps = ar.alloc(scratch);
  const f32 = ar.f32;
  if (aWhole) f32.set(a.data.subarray(aLo, aHi), pa >>> 2);
  if (bWhole) f32.set(b.data.subarray(bLo, bHi), pb >>> 2);
  for (let i = 0; i < batch; i++) {
    const ao = a.offsets[i]!, bo = b.offsets[i]!;
    if (!aWhole) f32.set(a.data.subarray(ao + aDLo, ao + aDHi), pa >>> 2);
    if (!bWhole) f32.set(b.data.subarray(bo + bDLo, bo + bDHi), pb >>> 2);
    const aBase = pa + (aWhole ? ao - aLo : -aDLo) * 4, bBase = pb + (bWhole ? bo - bLo : -bDLo) * 4;
    ar.ex.matmul(aBase, a.rowStride, a.colStride, bBase, b.rowStride, b.colStride, pc + i * m * n * 4, m, n, k, ps);
  }
  out.set(f32.subarray(pc >>> 2, (pc >>> 2) + total));
}

/**
 * The WebAssembly SIMD backend: float32 kernels compiled from assembly/ with AssemblyScript (4×8 Goto-blocked
 * matmul at ~55–60 GFLOPS per core, vectorised exp/log/tanh/sigmoid/sin/cos, SIMD reductions and softmax).
 * Tensors stay JS-owned typed arrays; each call copies its operands into a scratch area of the module's
 * memory and the result back out. float64, int32 and bool data, small sizes where the copies cost more than
 * they save, strided layouts the kernels do not cover, `where` and `copy` all run on the TS backend, so every
 * call is valid on this backend. Where WebAssembly SIMD is missing (see {@link wasmSupported}) everything runs
 * on the TS backend.
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
  where: (cond, a, b, out, shape) => tsBackend.where(cond, a, b, out, shape),
  clamp,
  copy: (src, out, shape) => tsBackend.copy(src, out, shape),
  reduce,
  softmax,
  matmul,
};
