import type { DType } from '../../dtype.js';
import { isContiguousLayout, sizeOf, type Shape } from '../../shape.js';
import type { BufferHandle, View } from '../backend.js';
import { BINARY_KERNELS, kernelCode, UNARY_KERNELS, type BinaryKernel, type BinaryKernelSpec, type UnaryKernel } from '../catalog.js';
import { arrayOf } from '../cpu/memory.js';
import { tsBackend } from '../ts/index.js';
import { padded } from './arena.js';
import { mergeDims, planRows, rangeJobs, viewSpan } from './plan.js';
import { stage } from './stage.js';
import { f32Bits, K_BINARY, K_CLAMP, K_UNARY } from './threads.js';
import { wasmTuning } from './tuning.js';
import { getArena } from './load.js';

/**
 * `out = op(x)` for float32 in wasm: in place in one buffer, split over threads for large costly kernels.
 *
 * @example
 * ```ts
 * unary('exp', 'float32', x, 0, out, n);
 * ```
 */
export function unary(op: UnaryKernel, dtype: DType, x: BufferHandle, offset: number, out: BufferHandle, n: number): void {
  const spec = UNARY_KERNELS[op];
  const costly = spec.cost === 'costly';
  if (!spec.wasm || dtype !== 'float32' || n < (costly ? wasmTuning.minCostly : wasmTuning.minSimple) ||
    !unaryWasm(op, x, offset, out, n, costly)) {
    tsBackend.unary(op, dtype, x, offset, out, n);
  }
}

// The WebAssembly part of `unary` (false when there is no room for it), apart so that the small sizes, which run
// on the TS kernel, make no closure context.
function unaryWasm(op: UnaryKernel, x: BufferHandle, offset: number, out: BufferHandle, n: number, costly: boolean): boolean {
  const got = stage(n >= (costly ? wasmTuning.parallelCostly : wasmTuning.parallelSimple), () => padded(n * 4));
  if (!got) return false;
  const { ar, pool } = got;
  const p = ar.put((arrayOf(x) as Float32Array).subarray(offset, offset + n));
  const code = kernelCode('unary', op);
  if (pool) {
    const [jobs, chunk] = rangeJobs(n, pool.threads);
    pool.run(K_UNARY, jobs, [code, p, p, n, chunk]);
  } else {
    ar.ex.unary(code, p, p, n);
  }
  ar.get(p, arrayOf(out) as Float32Array, n);
  return true;
}

/**
 * `out = clamp(x, lo, hi)` for float32 in wasm.
 *
 * @example
 * ```ts
 * clamp('float32', x, 0, out, n, 0, 6);
 * ```
 */
export function clamp(dtype: DType, x: BufferHandle, offset: number, out: BufferHandle, n: number, lo: number, hi: number): void {
  const got = dtype !== 'float32' || n < wasmTuning.minSimple ? null : stage(n >= wasmTuning.parallelSimple, () => padded(n * 4));
  if (!got) {
    tsBackend.clamp(dtype, x, offset, out, n, lo, hi);
    return;
  }
  const { ar, pool } = got;
  const p = ar.put((arrayOf(x) as Float32Array).subarray(offset, offset + n));
  if (pool) {
    const [jobs, chunk] = rangeJobs(n, pool.threads);
    pool.run(K_CLAMP, jobs, [p, p, n, chunk, f32Bits(lo), f32Bits(hi)]);
  } else {
    ar.ex.clamp(p, p, n, lo, hi);
  }
  ar.get(p, arrayOf(out) as Float32Array, n);
}

/**
 * Broadcasting `out = op(a, b)` for float32 in wasm, where the broadcast collapses to slabs of rows × cols (see
 * `planRows`); other layouts, dtypes and small sizes run on the TS kernel.
 *
 * @example
 * ```ts
 * binary('add', 'float32', a, b, out, [64, 128]);
 * ```
 */
export function binary(op: BinaryKernel, dtype: DType, a: View, b: View, out: BufferHandle, shape: Shape): void {
  const n = sizeOf(shape);
  const spec: BinaryKernelSpec = BINARY_KERNELS[op];
  if (dtype !== 'float32' || spec.wasm === false || n < (spec.cost === 'arith' ? wasmTuning.minArith : wasmTuning.minSimple) ||
    !binaryWasm(op, spec, a, b, out, shape, n)) {
    tsBackend.binary(op, dtype, a, b, out, shape);
  }
}

// The WebAssembly part of `binary` (false when the layout does not suit it), apart so that the small sizes, which
// run on the TS kernel, make no closure context.
function binaryWasm(op: BinaryKernel, spec: BinaryKernelSpec, a: View, b: View, out: BufferHandle, shape: Shape, n: number): boolean {
  const plan = planRows(shape, [a.strides, b.strides]);
  if (!plan) return false;
  const cmp = spec.compare;
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
    : stage(splittable && n >= (spec.cost === 'costly' ? wasmTuning.parallelCostly : wasmTuning.parallelSimple),
      () => padded((aHi - aLo) * 4) + padded((bHi - bLo) * 4) + padded(n * eb));
  if (!got) return false;
  const { ar, pool } = got;
  const pa = ar.put((arrayOf(a.buffer) as Float32Array).subarray(aLo, aHi));
  const pb = ar.put((arrayOf(b.buffer) as Float32Array).subarray(bLo, bHi));
  const po = ar.alloc(n * eb);
  const args = [kernelCode('binary', op), pa + (a.offset - aLo) * 4, aRow * 4, aCol === 0 ? 1 : 0,
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
  ar.get(po, arrayOf(out) as Float32Array | Uint8Array, n);
  return true;
}

/**
 * `out = cond ? a : b` for float32 in wasm (layouts as in `binary`).
 *
 * @example
 * ```ts
 * where('float32', cond, a, b, out, [64, 128]);
 * ```
 */
export function where(dtype: DType, cond: View, a: View, b: View, out: BufferHandle, shape: Shape): void {
  const n = sizeOf(shape);
  const plan = n < wasmTuning.minArith || dtype !== 'float32' ? null : planRows(shape, [cond.strides, a.strides, b.strides]);
  const [cLo, cHi] = viewSpan(cond, shape), [aLo, aHi] = viewSpan(a, shape), [bLo, bHi] = viewSpan(b, shape);
  // As in `binary`, a sparse view would copy more than it computes.
  const got = plan && Math.max(cHi - cLo, aHi - aLo, bHi - bLo) <= 2 * n + 1024
    ? stage(false, () => padded(cHi - cLo) + padded((aHi - aLo) * 4) + padded((bHi - bLo) * 4) + padded(n * 4))
    : null;
  if (!plan || !got) {
    tsBackend.where(dtype, cond, a, b, out, shape);
    return;
  }
  const { slabs, rows, cols, slabSteps, rowSteps, colSteps } = plan;
  const { ar } = got;
  const pc = ar.put((arrayOf(cond.buffer) as Uint8Array).subarray(cLo, cHi));
  const pa = ar.put((arrayOf(a.buffer) as Float32Array).subarray(aLo, aHi));
  const pb = ar.put((arrayOf(b.buffer) as Float32Array).subarray(bLo, bHi));
  const po = ar.alloc(n * 4);
  for (let i = 0; i < slabs; i++) {
    ar.ex.where(pc + cond.offset - cLo + i * slabSteps[0]!, rowSteps[0]!, colSteps[0] === 0 ? 1 : 0,
      pa + (a.offset - aLo + i * slabSteps[1]!) * 4, rowSteps[1]! * 4, colSteps[1] === 0 ? 1 : 0,
      pb + (b.offset - bLo + i * slabSteps[2]!) * 4, rowSteps[2]! * 4, colSteps[2] === 0 ? 1 : 0, po + i * rows * cols * 4, rows, cols);
  }
  ar.get(po, arrayOf(out) as Float32Array, n);
}

/**
 * Strided copy of 4-byte elements (float32 or int32, same dtype both sides) into a contiguous destination in
 * wasm, as up to four merged dims; conversions, strided destinations and plain memcpys run on the TS kernel.
 *
 * @example
 * ```ts
 * copy(src, 'float32', dst, 'float32', [128, 64]); // a transpose
 * ```
 */
export function copy(src: View, from: DType, dst: View, to: DType, shape: Shape): void {
  const n = sizeOf(shape);
  const four = from === to && (from === 'float32' || from === 'int32');
  const dstFlat = four && isContiguousLayout(shape, dst.strides);
  // Outermost first, for the kernel's (n0, n1, n2, n3) order.
  const groups = four && dstFlat && n >= wasmTuning.minSimple ? mergeDims(shape, [src.strides]).reverse() : [];
  const sizes = groups.map((g) => g.size), steps = groups.map((g) => g.st[0]!);
  const [lo, hi] = viewSpan(src, shape);
  // One dim of stride 1 is contiguous: the TS backend's copy is then a single memcpy.
  const ar = sizes.length >= 1 && sizes.length <= 4 && !(sizes.length === 1 && steps[0] === 1) && hi - lo <= 2 * n + 1024 ? getArena() : null;
  if (!ar || !ar.begin(padded((hi - lo) * 4) + padded(n * 4))) {
    tsBackend.copy(src, from, dst, to, shape);
    return;
  }
  while (sizes.length < 4) {
    sizes.unshift(1);
    steps.unshift(0);
  }
  const words = arrayOf(src.buffer) as Float32Array | Int32Array;
  const ps = ar.put(words.subarray(lo, hi)), po = ar.alloc(n * 4);
  ar.ex.copy(ps + (src.offset - lo) * 4, po, sizes[0]!, sizes[1]!, sizes[2]!, sizes[3]!, steps[0]! * 4, steps[1]! * 4, steps[2]! * 4, steps[3]! * 4);
  const out = arrayOf(dst.buffer) as Float32Array | Int32Array;
  ar.get(po, out.subarray(dst.offset, dst.offset + n), n);
}
