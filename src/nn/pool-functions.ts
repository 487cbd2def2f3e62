// Adaptive pooling: windows chosen so that the output has a given size, as PyTorch chooses them (output i covers
// input rows [⌊i·H/oh⌋, ⌈(i+1)·H/oh⌉)). Average pooling runs avgPool2d when the windows tile the input, else one
// averaging matrix per axis; max pooling gathers at the maxima that adaptiveMaxPool2dIndices finds.
import { arange } from '../creation.js';
import { adaptiveMaxPool2dIndices, avgPool2d } from '../ops/api.generated.js';
import { checkOptions } from '../options.js';
import { fmtShape } from '../shape.js';
import { Tensor } from '../tensor.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import '../autograd/record.js';

/** An adaptive pooling's output size: one number for both sides, or (height, width), where null keeps the input's. */
export type AdaptiveSize = number | readonly [number | null, number | null];

function outputSizeOf(x: Tensor, size: AdaptiveSize, op: string): [number, number] {
  if (!(x instanceof Tensor) || (x.ndim !== 3 && x.ndim !== 4)) {
    throw new Error(`${op}: expected a 3-d (unbatched) or 4-d input [N, C, H, W], got ${x instanceof Tensor ? `shape ${fmtShape(x.shape)}` : typeof x}.`);
  }
  const hw = x.shape.slice(-2) as [number, number];
  const pair = typeof size === 'number' ? [size, size] : Array.isArray(size) && size.length === 2 ? size : null;
  if (pair === null) throw new Error(`${op}: outputSize must be a number or a pair (an entry may be null), got ${JSON.stringify(size)}.`);
  const out = pair.map((v, i) => (v === null ? hw[i]! : v)) as [number, number];
  if (!out.every((v) => Number.isInteger(v) && v >= 1)) throw new Error(`${op}: outputSize must be positive integers, got ${JSON.stringify(size)}.`);
  if (hw[0] === 0 || hw[1] === 0) throw new Error(`${op}: the input ${fmtShape(x.shape)} has empty planes; every window needs an element.`);
  return out;
}

/** The [out, size] matrix that averages each adaptive window of one axis (row i: 1/count over its window). */
function averagingMatrix(size: number, out: number, x: Tensor): Tensor {
  // The window bounds ⌊i·size/out⌋ and ⌈(i+1)·size/out⌉ are exact in float64, and in float32 (on a device without
  // float64) while i·size stays below 2^24.
  const i = arange(0, out, 1, { dtype: x.device === 'cpu' ? 'float64' : 'float32', device: x.device });
  const start = i.mul(size).div(out).to('int32');
  const end = i.add(1).mul(size).add(out - 1).div(out).to('int32');
  const j = arange(0, size, 1, { dtype: 'int32', device: x.device }).unsqueeze(0);
  const inside = j.ge(start.unsqueeze(1)).logicalAnd(j.lt(end.unsqueeze(1)));
  return inside.to(x.dtype).div(end.sub(start).to(x.dtype).unsqueeze(1));
}

/**
 * Adaptive 2-d average pooling to `outputSize` over `[N, C, H, W]` (or `[C, H, W]`).
 *
 * @example
 * ```ts
 * adaptiveAvgPool2d(features, 1).shape;      // [N, C, 1, 1]: global average pooling
 * adaptiveAvgPool2d(randn([1, 3, 10, 7]), [4, null]).shape; // [1, 3, 4, 7]
 * ```
 */
export function adaptiveAvgPool2d(input: Tensor, outputSize: AdaptiveSize): Tensor {
  const [oh, ow] = outputSizeOf(input, outputSize, 'adaptiveAvgPool2d');
  const [h, w] = input.shape.slice(-2) as [number, number];
  // Windows that tile the input are avgPool2d's: one pass, with its own gradient.
  if (h % oh === 0 && w % ow === 0) return avgPool2d(input, [h / oh, w / ow]);
  return averagingMatrix(h, oh, input).matmul(input).matmul(averagingMatrix(w, ow, input).T);
}

/** Options of `adaptiveMaxPool2d`. @example `adaptiveMaxPool2d(x, 7, { returnIndices: true })` */
export interface AdaptiveMaxPool2dOptions<R extends boolean = boolean> {
  /** Also return the position `ih·W + iw` of each maximum in its plane (int32), as `[values, indices]`. */
  readonly returnIndices?: R;
}

/**
 * Adaptive 2-d max pooling to `outputSize` over `[N, C, H, W]` (or `[C, H, W]`); the gradient goes to each
 * window's (first) maximum.
 *
 * @example
 * ```ts
 * const [values, indices] = adaptiveMaxPool2d(randn([1, 2, 9, 9]), [3, 3], { returnIndices: true });
 * ```
 */
export function adaptiveMaxPool2d(input: Tensor, outputSize: AdaptiveSize, opts?: AdaptiveMaxPool2dOptions<false>): Tensor;
export function adaptiveMaxPool2d(input: Tensor, outputSize: AdaptiveSize, opts: AdaptiveMaxPool2dOptions<true>): [Tensor, Tensor];
export function adaptiveMaxPool2d(input: Tensor, outputSize: AdaptiveSize, opts?: AdaptiveMaxPool2dOptions): Tensor | [Tensor, Tensor];
export function adaptiveMaxPool2d(input: Tensor, outputSize: AdaptiveSize, opts: AdaptiveMaxPool2dOptions = {}): Tensor | [Tensor, Tensor] {
  const o = checkOptions('adaptiveMaxPool2d', opts, { returnIndices: 'boolean' });
  const [oh, ow] = outputSizeOf(input, outputSize, 'adaptiveMaxPool2d');
  const x = input.ndim === 3 ? input.unsqueeze(0) : input;
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const indices = adaptiveMaxPool2dIndices(x, [oh, ow]);
  const values = x.reshape([n, c, h * w]).gather(2, indices.reshape([n, c, oh * ow])).reshape([n, c, oh, ow]);
  const unbatch = (t: Tensor): Tensor => (input.ndim === 3 ? t.squeeze(0) : t);
  return o.returnIndices ? [unbatch(values), unbatch(indices)] : unbatch(values);
}
