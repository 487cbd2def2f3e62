import type { TypedArray } from '../../dtype.js';

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
