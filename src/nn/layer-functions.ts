// The functional forms of the layers (re-exported by functional.ts), kept apart so layer work does not
// touch the losses.
import { isFloating } from '../dtype.js';
import { rand } from '../creation.js';
import { where } from '../ops/api.generated.js';
import { defaultGenerator, type Generator } from '../random.js';
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import '../autograd/record.js';

/**
 * `input · weightᵀ + bias`: the affine map of a `Linear` layer, over any leading batch dims. `weight` is
 * [out, in] and `bias` [out], as in PyTorch.
 *
 * @example
 * ```ts
 * linear(x, w, b); // x [64, 784], w [128, 784], b [128] → [64, 128]
 * ```
 */
export function linear(input: Tensor, weight: Tensor, bias: Tensor | null = null): Tensor {
  if (weight.ndim !== 2) throw new Error(`linear: weight must be 2-d [outFeatures, inFeatures], got shape ${fmtShape(weight.shape)}.`);
  if (input.ndim === 0 || input.shape[input.ndim - 1] !== weight.shape[1]) {
    throw new Error(
      `linear: input of shape ${fmtShape(input.shape)} does not fit weight of shape ${fmtShape(weight.shape)}: the input's ` +
        `last dim must be inFeatures = ${weight.shape[1]}. Flatten images first (nn.Flatten or x.flatten(1)).`,
    );
  }
  const out = input.matmul(weight.T);
  return bias === null ? out : out.add(bias);
}

/** Options of `dropout`. @example `dropout(h, 0.1, { training: false })` */
export interface DropoutOptions {
  /** Apply dropout (true) or return the input unchanged (false, as in evaluation). Default true. */
  readonly training?: boolean;
  /** Draw the mask from this generator instead of the default one (which `manualSeed` seeds). */
  readonly generator?: Generator;
}

/**
 * Zero each element with probability `p` and scale the others by 1/(1-p), so that the expected value is
 * unchanged and evaluation needs no rescaling (inverted dropout, as in PyTorch). Gradients flow through the
 * kept elements with the same scale.
 *
 * @example
 * ```ts
 * dropout(h, 0.5, { training: model.training });
 * ```
 */
export function dropout(input: Tensor, p = 0.5, opts: DropoutOptions = {}): Tensor {
  if (!(p >= 0 && p <= 1)) throw new Error(`dropout: probability p must be in [0, 1], got ${p}.`);
  if (!isFloating(input.dtype)) throw new Error(`dropout: input must be floating point, got dtype ${input.dtype}.`);
  if (!(opts.training ?? true) || p === 0) return input;
  const g = opts.generator ?? defaultGenerator;
  const scale = p === 1 ? 0 : 1 / (1 - p);
  // One float64 uniform per element (the same draws as ever), kept where u >= p. The draws are made on the host
  // anyway: the mask is made there in float64 (a device such as WebGPU has none) and moved to the input's device.
  const u = rand(input.shape, { generator: g, dtype: 'float64', device: 'cpu' });
  const keep = where(u.lt(p), 0, scale).to(input.dtype);
  return input.mul(input.device === 'cpu' ? keep : keep.to(input.device));
}
