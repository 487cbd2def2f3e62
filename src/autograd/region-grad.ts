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

/**
 * The region as a box of the input's index space, `[lo₀, hi₀, lo₁, hi₁, …]` (one half-open range per dim of
 * `shape`), or null when it is not one (a stepped slice, an empty region): each of the region's dims of size > 1
 * must step along one dim of `shape`, in order, and stay inside it.
 *
 * @example
 * ```ts
 * regionBox(new RegionGrad(g, [4, 8], [8, 1], 2)); // g of shape [4, 3]: [0, 4, 2, 5]
 * ```
 */
export function regionBox<T extends { readonly shape: Shape }>(r: RegionGrad<T>): number[] | null {
  const shape = r.shape, nd = shape.length, sizes = r.values.shape;
  if (nd === 0) return null;
  const box = new Array<number>(2 * nd);
  // The first element's coordinates: the row-major digits of the offset.
  let stride = 1;
  for (let d = nd - 1; d >= 0; d--) {
    box[2 * d + 1] = stride; // the dim's row-major stride, for now
    stride *= shape[d]!;
  }
  if (stride === 0) return null;
  let rest = r.offset;
  for (let d = 0; d < nd; d++) {
    const st = box[2 * d + 1]!, at = Math.floor(rest / st);
    rest -= at * st;
    box[2 * d] = at;
  }
  const lengths = new Array<number>(nd).fill(1);
  let d = 0;
  for (let j = 0; j < sizes.length; j++) {
    const size = sizes[j]!;
    if (size === 0) return null;
    if (size === 1) continue;
    while (d < nd && (shape[d] === 1 || box[2 * d + 1] !== r.strides[j])) d++;
    if (d === nd) return null;
    lengths[d++] = size;
  }
  for (let k = 0; k < nd; k++) {
    const hi = box[2 * k]! + lengths[k]!;
    if (hi > shape[k]!) return null;
    box[2 * k + 1] = hi;
  }
  return box;
}

/**
 * True when `box` (from `regionBox`) shares no element with any of the boxes packed in `boxes` (each `box.length`
 * numbers).
 *
 * @example
 * ```ts
 * boxesDisjoint([0, 4, 0, 3], [0, 4, 3, 6]); // true: columns 0–2 and 3–5
 * ```
 */
export function boxesDisjoint(boxes: readonly number[], box: readonly number[]): boolean {
  const w = box.length;
  for (let b = 0; b < boxes.length; b += w) {
    let apart = false;
    for (let k = 0; k < w; k += 2) {
      if (boxes[b + k + 1]! <= box[k]! || box[k + 1]! <= boxes[b + k]!) {
        apart = true;
        break;
      }
    }
    if (!apart) return false;
  }
  return true;
}
