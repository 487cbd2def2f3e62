// The normalisations of nn.functional that are not primitives: groupNorm and instanceNorm run the fused layerNorm
// and batchNorm primitives on a reshaped input (as PyTorch does), rmsNorm is composed.
import { noGrad } from '../autograd/grad-mode.js';
import { isFloating, type DType } from '../dtype.js';
import { batchNorm, layerNorm } from '../ops/api.generated.js';
import { checkOptions } from '../options.js';
import { fmtShape, sameShape, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import '../autograd/record.js';

function floatInput(x: unknown, op: string): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${x === null ? 'null' : typeof x}.`);
  if (!isFloating(x.dtype)) throw new Error(`${op}: expected a floating-point input (float32 or float64), got dtype ${x.dtype}.`);
  return x;
}

function affine(op: string, t: Tensor | null | undefined, name: string, c: number, dtype: DType): Tensor | null {
  if (t === null || t === undefined) return null;
  if (!(t instanceof Tensor)) throw new Error(`${op}: ${name} must be a Tensor or null.`);
  if (!sameShape(t.shape, [c])) throw new Error(`${op}: expected ${name} of shape [${c}] (one per channel), got ${fmtShape(t.shape)}.`);
  if (t.dtype !== dtype) throw new Error(`${op}: ${name} has dtype ${t.dtype} but the input has dtype ${dtype}; convert one of them.`);
  return t;
}

/** `t` [c] viewed to broadcast against `[N, c, *spatial]` of rank `ndim`. */
const perChannel = (t: Tensor, ndim: number): Tensor => t.reshape([t.size, ...Array<number>(ndim - 2).fill(1)]);

/**
 * Group normalisation of `[N, C, *]`: the channels split into `numGroups` groups, each sample's group normalised
 * over its channels and positions (biased variance), then a per-channel `weight` and `bias`.
 *
 * @example
 * ```ts
 * groupNorm(x, 4, weight, bias); // x [N, 16, H, W]
 * ```
 */
export function groupNorm(input: Tensor, numGroups: number, weight: Tensor | null = null, bias: Tensor | null = null,
  opts: { readonly eps?: number } = {}): Tensor {
  const x = floatInput(input, 'groupNorm');
  const { eps = 1e-5 } = checkOptions('groupNorm', opts, { eps: 'number' });
  if (x.ndim < 2) throw new Error(`groupNorm: expected an input of at least 2 dims [N, C, *], got shape ${fmtShape(x.shape)}.`);
  const [n, c] = x.shape as [number, number];
  if (!Number.isInteger(numGroups) || numGroups < 1 || c % numGroups !== 0) {
    throw new Error(`groupNorm: expected number of channels in input to be divisible by numGroups, but got input of shape ${fmtShape(x.shape)} and numGroups=${numGroups}.`);
  }
  const w = affine('groupNorm', weight, 'weight', c, x.dtype), b = affine('groupNorm', bias, 'bias', c, x.dtype);
  const per = sizeOf(x.shape) / Math.max(n * numGroups, 1);
  let y = layerNorm(x.reshape([n, numGroups, per]), [per], null, null, { eps }).reshape(x.shape);
  if (w !== null) y = y.mul(perChannel(w, x.ndim));
  if (b !== null) y = y.add(perChannel(b, x.ndim));
  return y;
}

/** Options of `instanceNorm`. @example `instanceNorm(x, { weight, bias })` */
export interface InstanceNormOptions {
  /** Running mean per channel, [C], updated in place with `useInputStats` (or used without it). */
  readonly runningMean?: Tensor | null;
  /** Running variance per channel, [C], updated in place with `useInputStats` (or used without it). */
  readonly runningVar?: Tensor | null;
  /** The affine scale per channel, [C]. */
  readonly weight?: Tensor | null;
  /** The affine shift per channel, [C]. */
  readonly bias?: Tensor | null;
  /** Normalise with each instance's own statistics (default true); false uses the running statistics. */
  readonly useInputStats?: boolean;
  /** The weight of the batch statistics in the running averages (default 0.1). */
  readonly momentum?: number;
  /** Added to the variance (default 1e-5). */
  readonly eps?: number;
}

/**
 * Instance normalisation of `[N, C, *]`: each sample's channel normalised over its positions, then an optional
 * per-channel affine map. With running statistics given and `useInputStats`, they are updated with the batch
 * mean of the instances' statistics (as PyTorch does); with `useInputStats: false` they are used instead.
 *
 * @example
 * ```ts
 * instanceNorm(images); // [N, C, H, W]
 * ```
 */
export function instanceNorm(input: Tensor, opts: InstanceNormOptions = {}): Tensor {
  const x = floatInput(input, 'instanceNorm');
  const o = checkOptions('instanceNorm', opts, {
    runningMean: 'tensor|null', runningVar: 'tensor|null', weight: 'tensor|null', bias: 'tensor|null', useInputStats: 'boolean', momentum: 'number', eps: 'number',
  });
  if (x.ndim < 3) throw new Error(`instanceNorm: expected an input of at least 3 dims [N, C, *], got shape ${fmtShape(x.shape)}.`);
  const [n, c] = x.shape as [number, number];
  const useInputStats = o.useInputStats ?? true;
  if (useInputStats && sizeOf(x.shape.slice(2)) <= 1) {
    throw new Error(`instanceNorm: expected more than 1 spatial element when training, got input size ${fmtShape(x.shape)}.`);
  }
  const w = affine('instanceNorm', o.weight, 'weight', c, x.dtype), b = affine('instanceNorm', o.bias, 'bias', c, x.dtype);
  const rm = affine('instanceNorm', o.runningMean, 'runningMean', c, x.dtype), rv = affine('instanceNorm', o.runningVar, 'runningVar', c, x.dtype);
  const repeat = (t: Tensor | null): Tensor | null => (t === null ? null : t.reshape([1, c]).expand([n, c]).reshape([n * c]));
  const rmN = noGrad(() => repeat(rm)?.clone() ?? null), rvN = noGrad(() => repeat(rv)?.clone() ?? null);
  const y = batchNorm(x.reshape([1, n * c, ...x.shape.slice(2)]), rmN, rvN, repeat(w), repeat(b), {
    training: useInputStats, momentum: o.momentum ?? 0.1, eps: o.eps ?? 1e-5,
  });
  if (useInputStats) {
    noGrad(() => {
      if (rm !== null) rm.copy_(rmN!.reshape([n, c]).mean(0));
      if (rv !== null) rv.copy_(rvN!.reshape([n, c]).mean(0));
    });
  }
  return y.reshape(x.shape);
}

/** Machine epsilon of a float dtype: RMSNorm's default eps (PyTorch's torch.finfo(dtype).eps). */
const finfoEps = (dtype: DType): number => (dtype === 'float64' ? 2.220446049250313e-16 : 1.1920928955078125e-7);

/**
 * RMS normalisation over the trailing `normalizedShape` dims: `x / √(mean(x²) + eps) · weight` (eps defaults to
 * the dtype's machine epsilon, as PyTorch's RMSNorm).
 *
 * @example
 * ```ts
 * rmsNorm(x, [64], weight);
 * ```
 */
export function rmsNorm(input: Tensor, normalizedShape: number | readonly number[], weight: Tensor | null = null,
  opts: { readonly eps?: number | null } = {}): Tensor {
  const x = floatInput(input, 'rmsNorm');
  const o = checkOptions('rmsNorm', opts, { eps: 'number|null' });
  const ns = typeof normalizedShape === 'number' ? [normalizedShape] : [...normalizedShape];
  if (ns.length === 0 || x.ndim < ns.length || !sameShape(x.shape.slice(x.ndim - ns.length), ns)) {
    throw new Error(`rmsNorm: given normalizedShape=${fmtShape(ns)}, expected input with shape [*, ${ns.join(', ')}], but got input of size ${fmtShape(x.shape)}.`);
  }
  if (weight !== null && (!(weight instanceof Tensor) || !sameShape(weight.shape, ns))) {
    throw new Error(`rmsNorm: expected weight of shape ${fmtShape(ns)}, got ${weight instanceof Tensor ? fmtShape(weight.shape) : typeof weight}.`);
  }
  const dims = ns.map((_, i) => x.ndim - ns.length + i);
  const y = x.mul(x.mul(x).mean(dims, true).add(o.eps ?? finfoEps(x.dtype)).rsqrt());
  return weight === null ? y : y.mul(weight);
}
