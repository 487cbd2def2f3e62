// The activation functions of nn.functional, composed from the op table's elementwise ops. Each keeps PyTorch's
// value and PyTorch's subgradient at its kinks (hardtanh passes no gradient at its bounds, leakyRelu passes the
// slope at 0, hardswish the middle piece's slope at ±3), and never lets a discarded branch turn a gradient into
// NaN (the exponential of elu is taken of min(x, 0)).
import { isFloating } from '../dtype.js';
import { normalizeDim } from '../shape.js';
import { Tensor } from '../tensor.js';
import { checkOptions } from '../options.js';
import { softplus, where } from '../ops/api.generated.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import '../autograd/record.js';

function floatInput(x: unknown, op: string): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${x === null ? 'null' : typeof x}.`);
  if (!isFloating(x.dtype)) throw new Error(`${op}: expected a floating-point input (float32 or float64), got dtype ${x.dtype}. Convert it first, e.g. x.float().`);
  return x;
}

function finite(v: unknown, op: string, name: string): number {
  if (typeof v !== 'number' || Number.isNaN(v)) throw new Error(`${op}: ${name} must be a number, got ${typeof v === 'number' ? v : typeof v}.`);
  return v;
}

/** SiLU (swish), `x · σ(x)`. @example `silu(tensor([-1, 0, 1])) // tensor([-0.2689, 0.0000, 0.7311])` */
export function silu(input: Tensor): Tensor {
  const x = floatInput(input, 'silu');
  return x.mul(x.sigmoid());
}

/** Mish, `x · tanh(softplus(x))`. @example `mish(tensor([-1, 0, 1])) // tensor([-0.3034, 0.0000, 0.8651])` */
export function mish(input: Tensor): Tensor {
  const x = floatInput(input, 'mish');
  // tanh saturates long before softplus's linear region (threshold 20) begins, so the threshold changes nothing.
  return x.mul(softplus(x).tanh());
}

/**
 * Leaky ReLU: x where x > 0, else `negativeSlope · x` (the gradient at 0 is the slope, as in PyTorch).
 *
 * @example
 * ```ts
 * leakyRelu(x, 0.2);
 * ```
 */
export function leakyRelu(input: Tensor, negativeSlope = 0.01): Tensor {
  const x = floatInput(input, 'leakyRelu');
  return where(x.gt(0), x, x.mul(finite(negativeSlope, 'leakyRelu', 'negativeSlope')));
}

/** α·(eˣ − 1) for x ≤ 0 (from min(x, 0), so the discarded branch never overflows), x above. */
function eluCore(x: Tensor, alpha: number, inputScale: number): Tensor {
  const neg = x.clamp({ max: 0 });
  return where(x.gt(0), x, (inputScale === 1 ? neg : neg.mul(inputScale)).exp().sub(1).mul(alpha));
}

/**
 * ELU: x for x > 0, `alpha · (eˣ − 1)` otherwise.
 *
 * @example
 * ```ts
 * elu(x, 1.0);
 * ```
 */
export function elu(input: Tensor, alpha = 1): Tensor {
  return eluCore(floatInput(input, 'elu'), finite(alpha, 'elu', 'alpha'), 1);
}

const SELU_ALPHA = 1.6732632423543772848170429916717;
const SELU_SCALE = 1.0507009873554804934193349852946;

/** SELU, `scale · elu(x, α)` with the self-normalising constants α ≈ 1.6733, scale ≈ 1.0507. @example `selu(tensor([-1, 0, 1])) // tensor([-1.1113, 0.0000, 1.0507])` */
export function selu(input: Tensor): Tensor {
  return eluCore(floatInput(input, 'selu'), SELU_ALPHA, 1).mul(SELU_SCALE);
}

/**
 * CELU: x for x > 0, `alpha · (e^(x/alpha) − 1)` otherwise (continuously differentiable ELU).
 *
 * @example
 * ```ts
 * celu(x, 0.5);
 * ```
 */
export function celu(input: Tensor, alpha = 1): Tensor {
  const x = floatInput(input, 'celu');
  if (finite(alpha, 'celu', 'alpha') === 0) throw new Error('celu: alpha must not be 0 (the input is divided by it): ZeroDivisionError in PyTorch.');
  return eluCore(x, alpha, 1 / alpha);
}

/**
 * `value` (a linear function of x) where lo < x < hi, and `value` clamped to [vlo, vhi] with no gradient elsewhere:
 * the bounds themselves pass no gradient, as in PyTorch's hardtanh_backward and hardsigmoid_backward.
 */
function clampedLinear(x: Tensor, value: Tensor, lo: number, hi: number, vlo: number, vhi: number): Tensor {
  return where(x.gt(lo).logicalAnd(x.lt(hi)), value, value.clamp({ min: vlo, max: vhi }).detach());
}

/**
 * HardTanh: x clamped to [minVal, maxVal]; the gradient is 1 strictly inside and 0 outside and at the bounds.
 *
 * @example
 * ```ts
 * hardtanh(x, -2, 2);
 * ```
 */
export function hardtanh(input: Tensor, minVal = -1, maxVal = 1): Tensor {
  const x = floatInput(input, 'hardtanh');
  finite(minVal, 'hardtanh', 'minVal');
  finite(maxVal, 'hardtanh', 'maxVal');
  if (minVal > maxVal) throw new Error(`hardtanh: minVal (${minVal}) cannot be greater than maxVal (${maxVal}).`);
  return clampedLinear(x, x, minVal, maxVal, minVal, maxVal);
}

/** ReLU6, `min(max(x, 0), 6)` (hardtanh(x, 0, 6)). @example `relu6(tensor([-1, 3, 8])) // tensor([0., 3., 6.])` */
export function relu6(input: Tensor): Tensor {
  return hardtanh(floatInput(input, 'relu6'), 0, 6);
}

/** Hard sigmoid: 0 for x ≤ −3, 1 for x ≥ 3, `x/6 + 1/2` between. @example `hardsigmoid(tensor([-3, -1, 0, 3])) // tensor([0.0000, 0.3333, 0.5000, 1.0000])` */
export function hardsigmoid(input: Tensor): Tensor {
  const x = floatInput(input, 'hardsigmoid');
  return clampedLinear(x, x.div(6).add(0.5), -3, 3, 0, 1);
}

/**
 * Hard swish (MobileNetV3): 0 for x < −3, x for x ≥ 3, `x·(x + 3)/6` between; at −3 the gradient is the middle
 * piece's (−1/2) and at 3 it is 1, as PyTorch's (vectorised) hardswish_backward gives.
 *
 * @example
 * ```ts
 * hardswish(tensor([-4, -1, 0, 1, 4])); // tensor([0.0000, -0.3333, 0.0000, 0.6667, 4.0000])
 * ```
 */
export function hardswish(input: Tensor): Tensor {
  const x = floatInput(input, 'hardswish');
  return where(x.lt(-3), 0, where(x.lt(3), x.mul(x.add(3)).div(6), x));
}

/**
 * The dim that PyTorch's softmax, logSoftmax and softmin modules pick when none is given (a legacy choice: 0 for
 * 0-, 1- and 3-d inputs, else 1). Pass the dim explicitly instead.
 *
 * @example
 * ```ts
 * implicitSoftmaxDim(2); // 1
 * ```
 */
export function implicitSoftmaxDim(ndim: number): number {
  return ndim === 0 || ndim === 1 || ndim === 3 ? 0 : 1;
}

/**
 * Softmin along `dim`: `softmax(−x, dim)`.
 *
 * @example
 * ```ts
 * softmin(distances, 1);
 * ```
 */
export function softmin(input: Tensor, dim: number): Tensor {
  const x = floatInput(input, 'softmin');
  return x.neg().softmax(normalizeDim(dim, Math.max(x.ndim, 1), 'softmin'));
}
