import type { Shape } from '../shape.js';

/**
 * A gradient that is zero outside one region of its input: what the rules of the slicing views (`narrow`,
 * `select`, `index` with basic specs) return instead of a full-size tensor padded with zeros. The engine adds
 * `values` into that region of the input's gradient buffer, so that a tensor cut into many slices (an LSTM's
 * `chunk` of its gates, `unbind` of a batch) gets one gradient buffer, not one padded copy per slice and a sum.
 *
 * The region is given as `asStrided` gives a view of a contiguous tensor of `shape`: sizes (`values`' shape),
 * strides and an offset into its row-major elements. Regions never overlap themselves. Under `createGraph` the
 * engine materialises it with the recorded `asStridedScatter`, so gradients of gradients need nothing more.
 *
 * @example
 * ```ts
 * // narrow(x, 1, 2, 3)'s rule for x of shape [4, 8]:
 * new RegionGrad(g, [4, 8], [8, 1], 2);
 * ```
 */
export class RegionGrad<T> {
  constructor(
    /** The gradient of the region's elements, of the region's shape. */
    readonly values: T,
    /** The shape of the whole input. */
    readonly shape: Shape,
    /** Strides of the region in a row-major tensor of `shape`, one per dim of `values`. */
    readonly strides: readonly number[],
    /** Row-major offset of the region's first element. */
    readonly offset: number,
  ) {}
}
