import { noGrad } from '../../autograd/grad-mode.js';
import { tensor } from '../../creation.js';
import { promoteTypes } from '../../dtype.js';
import { stack } from '../../ops/api.generated.js';
import { describe } from '../../ops/buffers.js';
import { checkOptions } from '../../options.js';
import { Tensor } from '../../tensor.js';
import { parameterList } from './parameters.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import '../../autograd/record.js';

/** Options of `clipGradNorm_`. @example `{ normType: 'inf', errorIfNonfinite: true }` */
export interface ClipGradNormOptions {
  /** The p of the p-norm: any number, `Infinity` or `'inf'` (the largest magnitude), `-Infinity` or `'-inf'`. Default 2. */
  readonly normType?: number | 'inf' | '-inf';
  /** Throw when the total norm is NaN or infinite, instead of scaling the gradients by it. Default false. */
  readonly errorIfNonfinite?: boolean;
}

const CLIP_OPTIONS = { normType: 'number|string', errorIfNonfinite: 'boolean' } as const;

function normOrder(v: number | string): number {
  if (typeof v === 'number' && !Number.isNaN(v)) return v;
  if (v === 'inf' || v === 'Infinity') return Infinity;
  if (v === '-inf' || v === '-Infinity') return -Infinity;
  throw new Error(`clipGradNorm_: normType must be a number, 'inf' or '-inf', got ${describe(v)}.`);
}

/** The p-norm of all elements of `x` as PyTorch's `torch.norm(x, p)` computes it (0: the count of non-zeros). */
function vectorNorm(x: Tensor, p: number): Tensor {
  if (p === Infinity) return x.abs().max();
  if (p === -Infinity) return x.abs().min();
  if (p === 0) return x.ne(0).to(x.dtype).sum();
  if (p === 1) return x.abs().sum();
  if (p === 2) return x.mul(x).sum().sqrt();
  return x.abs().pow(p).sum().pow(1 / p);
}

/**
 * Scale the gradients of `parameters` in place so that their total norm (the norm of all of them as one vector)
 * is at most `maxNorm`, as `torch.nn.utils.clip_grad_norm_`: every gradient is multiplied by
 * min(1, maxNorm / (total + 1e-6)). Returns the total norm before clipping, a 0-d tensor. Parameters without a
 * gradient are skipped; with none at all the norm is 0. `normType` may be given as the third argument or in
 * the options.
 *
 * @example
 * ```ts
 * loss.backward();
 * const norm = nn.utils.clipGradNorm_(model.parameters(), 1.0);
 * opt.step();
 * ```
 */
export function clipGradNorm_(parameters: Tensor | Iterable<Tensor>, maxNorm: number, normType?: number | 'inf' | '-inf' | ClipGradNormOptions,
  opts?: ClipGradNormOptions): Tensor {
  let o: ClipGradNormOptions;
  if (typeof normType === 'number' || typeof normType === 'string') {
    o = checkOptions('clipGradNorm_', opts, CLIP_OPTIONS);
    if (o.normType !== undefined) throw new Error(`clipGradNorm_: normType given twice, as the third argument (${normType}) and in the options (${o.normType}).`);
    o = { ...o, normType };
  } else {
    if (opts !== undefined) throw new Error('clipGradNorm_: options given twice; pass (parameters, maxNorm, normType, { … }) or (parameters, maxNorm, { … }).');
    o = checkOptions('clipGradNorm_', normType, CLIP_OPTIONS);
  }
  if (typeof maxNorm !== 'number' || Number.isNaN(maxNorm)) throw new Error(`clipGradNorm_: maxNorm must be a number, got ${describe(maxNorm)}.`);
  const p = normOrder(o.normType ?? 2);
  const grads = parameterList('clipGradNorm_', parameters).flatMap((t) => (t.grad === null ? [] : [t.grad]));
  if (grads.length === 0) return tensor(0);
  return noGrad(() => {
    const dtype = grads.map((g) => g.dtype).reduce(promoteTypes);
    const norms = grads.map((g) => vectorNorm(g, p).to(dtype));
    const total = p === Infinity
      ? (norms.length === 1 ? norms[0]! : stack(norms, 0).max())
      : vectorNorm(stack(norms, 0), p);
    if (o.errorIfNonfinite === true && !Number.isFinite(total.item())) {
      throw new Error(`clipGradNorm_: the total norm of order ${p} for gradients from \`parameters\` is non-finite, so it cannot be clipped. ` +
        'To disable this error and scale the gradients by the non-finite norm anyway, set errorIfNonfinite: false.');
    }
    // max_norm / (total + 1e-6), which PyTorch computes as a reciprocal times max_norm, clamped to at most 1.
    const coef = total.add(1e-6).reciprocal().mul(maxNorm).clamp({ max: 1 });
    for (const g of grads) g.mul_(coef.to(g.dtype));
    return total;
  });
}

/**
 * Clamp every gradient of `parameters` to [−clipValue, clipValue] in place, as `torch.nn.utils.clip_grad_value_`.
 *
 * @example
 * ```ts
 * nn.utils.clipGradValue_(model.parameters(), 0.5);
 * ```
 */
export function clipGradValue_(parameters: Tensor | Iterable<Tensor>, clipValue: number): void {
  if (typeof clipValue !== 'number' || Number.isNaN(clipValue)) throw new Error(`clipGradValue_: clipValue must be a number, got ${describe(clipValue)}.`);
  const list = parameterList('clipGradValue_', parameters);
  noGrad(() => {
    for (const t of list) if (t.grad !== null) t.grad.clamp_({ min: -clipValue, max: clipValue });
  });
}
