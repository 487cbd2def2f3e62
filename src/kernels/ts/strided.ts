import { isContiguousLayout, type Shape } from '../../shape.js';

export { isContiguousLayout as isContiguousView };
import type { View } from '../backend.js';

/** The layout of a strided operand: where its first element is and how far each dim steps. */
type Layout = Pick<View, 'offset' | 'strides'>;

/**
 * Walk the outer dimensions of `shape` for up to three strided views, calling `inner` once per innermost row
 * with each view's starting offset. Kernels then run a tight loop over the last dimension, which is where the
 * time goes; the odometer here only runs once per row.
 *
 * @example
 * ```ts
 * forEachRow([2, 3], [a, b], (offs, len) => { ... }); // called twice, len = 3
 * ```
 */
export function forEachRow(
  shape: Shape,
  views: readonly Layout[],
  inner: (offsets: readonly number[], rowStart: number, len: number) => void,
): void {
  const nd = shape.length;
  const nv = views.length;
  const offsets = views.map((v) => v.offset);
  if (nd === 0) {
    inner(offsets, 0, 1);
    return;
  }
  for (const d of shape) if (d === 0) return;
  const len = shape[nd - 1]!;
  const counter = new Array<number>(nd - 1).fill(0);
  let rowStart = 0;
  for (;;) {
    inner(offsets, rowStart, len);
    rowStart += len;
    let d = nd - 2;
    for (; d >= 0; d--) {
      counter[d]!++;
      for (let v = 0; v < nv; v++) offsets[v]! += views[v]!.strides[d]!;
      if (counter[d]! < shape[d]!) break;
      for (let v = 0; v < nv; v++) offsets[v]! -= views[v]!.strides[d]! * shape[d]!;
      counter[d] = 0;
    }
    if (d < 0) return;
  }
}

/**
 * True when every stride is 0 (a broadcast scalar) or the view has a single element.
 *
 * @example
 * ```ts
 * isScalarView([2, 3], [0, 0]); // true
 * ```
 */
export function isScalarView(shape: Shape, strides: readonly number[]): boolean {
  for (let i = 0; i < shape.length; i++) if (shape[i] !== 1 && strides[i] !== 0) return false;
  return true;
}
