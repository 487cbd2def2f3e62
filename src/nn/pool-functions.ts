// Adaptive max pooling: windows chosen so that the output has a given size, as PyTorch chooses them (output i covers
// input rows [⌊i·H/oh⌋, ⌈(i+1)·H/oh⌉)); the values are gathered at the maxima that adaptiveMaxPool2dIndices finds.
// Adaptive average pooling is a primitive of its own (adaptiveAvgPool2d, src/ops/pool.ts).
import { adaptiveMaxPool2dIndices } from '../ops/api.generated.js';
import { adaptiveOutputSize, type AdaptiveSize } from '../ops/pool.js';
import { checkOptions } from '../options.js';
import type { Tensor } from '../tensor.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import '../autograd/record.js';

export type { AdaptiveSize };

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
  const [oh, ow] = adaptiveOutputSize(input, outputSize, 'adaptiveMaxPool2d');
  const x = input.ndim === 3 ? input.unsqueeze(0) : input;
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const indices = adaptiveMaxPool2dIndices(x, [oh, ow]);
  const values = x.reshape([n, c, h * w]).gather(2, indices.reshape([n, c, oh * ow])).reshape([n, c, oh, ow]);
  const unbatch = (t: Tensor): Tensor => (input.ndim === 3 ? t.squeeze(0) : t);
  return o.returnIndices ? [unbatch(values), unbatch(indices)] : unbatch(values);
}
