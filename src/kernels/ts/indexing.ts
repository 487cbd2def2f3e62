import type { DType, TypedArray } from '../../dtype.js';
import type { Shape } from '../../shape.js';
import { indexError, type BufferHandle } from '../backend.js';
import { arrayOf } from '../cpu/memory.js';

/** Check each of `count` indices from `offset` against [0, size). */
function checkedIndices(index: TypedArray, offset: number, count: number, size: number, dim: number, op: string): void {
  for (let i = 0; i < count; i++) {
    const v = index[offset + i]!;
    if (!(v >= 0 && v < size)) throw indexError(op, v, dim, size);
  }
}

/**
 * `out[o, i, :] = x[o, index[i], :]` for `x` `[outer, size, inner]` from `offset`.
 *
 * @example
 * ```ts
 * indexSelect('float32', x, 0, idx, 0, out, 1, 5, 3, 2, 0, 'indexSelect');
 * ```
 */
export function indexSelect(_dtype: DType, xh: BufferHandle, offset: number, indexh: BufferHandle, indexOffset: number, outh: BufferHandle,
  outer: number, size: number, inner: number, count: number, dim: number, op: string): void {
  const x = arrayOf(xh), idx = arrayOf(indexh), out = arrayOf(outh);
  checkedIndices(idx, indexOffset, count, size, dim, op);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < count; i++) {
      const s = offset + (o * size + idx[indexOffset + i]!) * inner, d = (o * count + i) * inner;
      for (let j = 0; j < inner; j++) out[d + j] = x[s + j]!;
    }
  }
}

/**
 * `out[o, index[i], :] += src[o, i, :]` in place, in order of i.
 *
 * @example
 * ```ts
 * indexAdd('float32', out, idx, 0, src, 1, 5, 3, 2, 0, 'indexAdd');
 * ```
 */
export function indexAdd(_dtype: DType, outh: BufferHandle, indexh: BufferHandle, indexOffset: number, srch: BufferHandle,
  outer: number, size: number, inner: number, count: number, dim: number, op: string): void {
  const out = arrayOf(outh), idx = arrayOf(indexh), src = arrayOf(srch);
  checkedIndices(idx, indexOffset, count, size, dim, op);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < count; i++) {
      const d = (o * size + idx[indexOffset + i]!) * inner, s = (o * count + i) * inner;
      for (let j = 0; j < inner; j++) out[d + j]! += src[s + j]!;
    }
  }
}

/**
 * For each element of `index` (of `indexShape`), the flat offset it addresses along `dim` in a contiguous tensor of
 * `target` (checked: an index outside the dim is `op`'s error). Shared by gather and scatter/scatterReduce.
 *
 * @example
 * ```ts
 * gatherOffsets([2, 3], [2, 1], 1, new Int32Array([2, 0]), 'gather'); // Int32Array [2, 3]
 * ```
 */
export function gatherOffsets(target: Shape, indexShape: Shape, dim: number, idx: TypedArray, op: string): Int32Array {
  const nd = indexShape.length;
  const tStrides = new Array<number>(nd);
  let s = 1;
  for (let i = nd - 1; i >= 0; i--) { tStrides[i] = s; s *= target[i]!; }
  const offs = new Int32Array(idx.length);
  const counter = new Array<number>(nd).fill(0);
  const size = target[dim]!;
  for (let n = 0; n < idx.length; n++) {
    const v = idx[n]!;
    if (!(v >= 0 && v < size)) throw indexError(op, v, dim, size);
    let off = 0;
    for (let d = 0; d < nd; d++) off += (d === dim ? v : counter[d]!) * tStrides[d]!;
    offs[n] = off;
    for (let d = nd - 1; d >= 0; d--) {
      if (++counter[d]! < indexShape[d]!) break;
      counter[d] = 0;
    }
  }
  return offs;
}

function elements(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/**
 * `out[j] = x[index[j] along dim, the rest of j's position elsewhere]`.
 *
 * @example
 * ```ts
 * gather('float32', x, [3, 4], idx, [3, 2], 1, out, 'gather');
 * ```
 */
export function gather(_dtype: DType, xh: BufferHandle, xShape: Shape, indexh: BufferHandle, indexShape: Shape, dim: number,
  outh: BufferHandle, op: string): void {
  const x = arrayOf(xh), out = arrayOf(outh);
  const offs = gatherOffsets(xShape, indexShape, dim, arrayOf(indexh).subarray(0, elements(indexShape)), op);
  for (let i = 0; i < offs.length; i++) out[i] = x[offs[i]!]!;
}

/**
 * `out[index[j] along dim, ...] += src[j]` in place, in order of j.
 *
 * @example
 * ```ts
 * scatterAdd('float32', out, [2, 5], idx, [2, 3], 1, src, 'scatterAdd');
 * ```
 */
export function scatterAdd(_dtype: DType, outh: BufferHandle, outShape: Shape, indexh: BufferHandle, indexShape: Shape, dim: number,
  srch: BufferHandle, op: string): void {
  const out = arrayOf(outh), src = arrayOf(srch);
  const offs = gatherOffsets(outShape, indexShape, dim, arrayOf(indexh).subarray(0, elements(indexShape)), op);
  for (let i = 0; i < offs.length; i++) out[offs[i]!]! += src[i]!;
}
