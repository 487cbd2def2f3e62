import type { DType } from '../../dtype.js';
import type { BufferHandle } from '../backend.js';
import { kernelCode, REDUCE_KERNELS, type ReduceKernel } from '../catalog.js';
import { arrayOf } from '../cpu/memory.js';
import { tsBackend } from '../ts/index.js';
import { padded } from './arena.js';
import { stage } from './stage.js';
import { wasmTuning } from './tuning.js';

// Column-wise reductions keep running rows of inner + 16 8-byte slots (see assembly/reduce.ts): two, plus one per
// level of the pairwise cascade over blocks of 16 rows (COL_BLOCK there): the bit length of ⌈r / 16⌉, at least 1.
const reduceScratch = (inner: number, r: number): number =>
  (inner === 1 ? 0 : 8 * (inner + 16) * (2 + Math.max(1, 32 - Math.clz32(Math.ceil(r / 16)))));

/**
 * Reduce the middle axis of float32 `[outer, r, inner]` in wasm (indices come back as int32).
 *
 * @example
 * ```ts
 * reduce('sum', 'float32', x, 0, out, 64, 128, 1);
 * ```
 */
export function reduce(op: ReduceKernel, dtype: DType, x: BufferHandle, offset: number, out: BufferHandle, outer: number, r: number,
  inner: number): void {
  const n = outer * r * inner, m = outer * inner;
  const got = dtype !== 'float32' || !REDUCE_KERNELS[op].wasm || r === 0 || n < (op === 'logsumexp' ? wasmTuning.minCostly : wasmTuning.minReduce)
    ? null : stage(false, () => padded(n * 4) + padded(m * 4) + padded(reduceScratch(inner, r)));
  if (!got) {
    tsBackend.reduce(op, dtype, x, offset, out, outer, r, inner);
    return;
  }
  const { ar } = got;
  const px = ar.put((arrayOf(x) as Float32Array).subarray(offset, offset + n)), po = ar.alloc(m * 4), ps = ar.alloc(reduceScratch(inner, r));
  ar.ex.reduce(kernelCode('reduce', op), px, po, outer, r, inner, ps);
  ar.get(po, arrayOf(out) as Float32Array | Int32Array, m);
}

/**
 * Stable (log-)softmax of float32 `[outer, r, inner]` along the middle axis in wasm.
 *
 * @example
 * ```ts
 * softmax('float32', x, 0, out, 64, 10, 1, true);
 * ```
 */
export function softmax(dtype: DType, x: BufferHandle, offset: number, out: BufferHandle, outer: number, r: number, inner: number,
  log: boolean): void {
  const n = outer * r * inner;
  const got = dtype !== 'float32' || n < wasmTuning.minCostly ? null : stage(false, () => 2 * padded(n * 4) + padded(reduceScratch(inner, r)));
  if (!got) {
    tsBackend.softmax(dtype, x, offset, out, outer, r, inner, log);
    return;
  }
  const { ar } = got;
  const px = ar.put((arrayOf(x) as Float32Array).subarray(offset, offset + n)), po = ar.alloc(n * 4), ps = ar.alloc(reduceScratch(inner, r));
  ar.ex.softmax(px, po, outer, r, inner, log ? 1 : 0, ps);
  ar.get(po, arrayOf(out) as Float32Array, n);
}
