import type { TypedArray } from '../../dtype.js';
import type { ConvGeometry } from '../backend.js';
import { matmul } from './matmul.js';

/**
 * im2col over `blocks` planes: `out[b·len + r] = x[b·plane + index[r]]`, 0 where `index[r]` is -1.
 *
 * @example
 * ```ts
 * unfold(x, index, out, n * c, h * w, kk * oh * ow);
 * ```
 */
export function unfold(x: TypedArray, index: Int32Array, out: TypedArray, blocks: number, plane: number, len: number): void {
  for (let b = 0; b < blocks; b++) {
    const inBase = b * plane, outBase = b * len;
    for (let r = 0; r < len; r++) {
      const i = index[r]!;
      out[outBase + r] = i >= 0 ? x[inBase + i]! : 0;
    }
  }
}

/**
 * col2im, unfold's transpose: zero `out`, then `out[b·plane + index[r]] += cols[b·len + r]` in order of r.
 *
 * @example
 * ```ts
 * fold(cols, index, out, n * c, h * w, kk * oh * ow);
 * ```
 */
export function fold(cols: TypedArray, index: Int32Array, out: TypedArray, blocks: number, plane: number, len: number): void {
  out.fill(0, 0, blocks * plane);
  for (let b = 0; b < blocks; b++) {
    const outBase = b * plane, inBase = b * len;
    for (let r = 0; r < len; r++) {
      const i = index[r]!;
      if (i >= 0) out[outBase + i]! += cols[inBase + r]!;
    }
  }
}

/**
 * 2-d convolution, image by image: unfold image b into `[c·kk, len]` columns, then `out[b] = weight · columns`.
 *
 * @example
 * ```ts
 * conv2d(x, w, index, out, 32, 1, 8, geometry);
 * ```
 */
export function conv2d(x: TypedArray, weight: TypedArray, index: Int32Array, out: TypedArray, n: number, c: number, o: number,
  g: ConvGeometry): void {
  const plane = g.h * g.w, kk = g.kh * g.kw, len = g.oh * g.ow, ck = c * kk;
  // Columns of the input's own float type, for one image at a time.
  const cols = new (x.constructor as Float64ArrayConstructor)(ck * len) as TypedArray;
  const w = { data: weight, offsets: [0], rowStride: ck, colStride: 1 };
  const colsOperand = { data: cols, offsets: [0], rowStride: len, colStride: 1 };
  for (let b = 0; b < n; b++) {
    unfold(x.subarray(b * c * plane, (b + 1) * c * plane), index, cols, c, plane, kk * len);
    matmul(w, colsOperand, out.subarray(b * o * len, (b + 1) * o * len), 1, o, len, ck);
  }
}
