import { isFloating } from '../dtype.js';
import type { UnaryKernel } from '../kernels/catalog.js';
import { Tensor } from '../tensor.js';
import { backendOf, describe, scalarFor, zerosFor, zerosOn } from './buffers.js';
import { checkOptions } from '../options.js';
import { binaryKernel, unaryKernel } from './elementwise.js';
import { BINARY_OPS } from './binary.js';
import { elementwiseFlops, type Caller, type DifferentiableOp } from './define.js';
import { WHERE_OPS } from './where.js';

/** Which value a unary rule needs: the input x, the output y, or nothing. */
type Saves = 'input' | 'output' | 'none';

/**
 * An elementwise op of one tensor: its kernel, what its rule needs, and the rule `dy = g · f'(·)` in terms of the
 * saved input or output. The Jacobian is diagonal, so the same rule maps a gradient backward and a tangent
 * forward.
 *
 * @example
 * ```ts
 * unaryOp('exp', 'output', (g, y) => g.mul(y), 'eˣ elementwise.', 'exp(x)');
 * ```
 */
export function unaryOp(name: UnaryKernel, saves: Saves, rule: (g: Tensor, saved: Tensor, call: Caller) => Tensor, doc: string,
  example: string, check?: (x: Tensor) => void): DifferentiableOp<void> {
  return {
    name, doc, example,
    differentiable: true,
    call: (run, x: Tensor) => {
      if (!(x instanceof Tensor)) throw new Error(`${name}: expected a Tensor, got ${describe(x)}.`);
      check?.(x);
      return run([x], undefined);
    },
    forward: (ctx, [x]) => {
      const y = unaryKernel(name, x!);
      if (ctx.recording && saves !== 'none') ctx.save(saves === 'input' ? x! : y);
      return y;
    },
    backward: ({ saved, call }, g) => [rule(g, saved[0]!, call)],
    jvp: ({ inputs: [x], output, call }, [t]) => (t ? rule(t, saves === 'input' ? x! : output, call) : null),
    flops: elementwiseFlops,
  };
}

/** Refuse a dtype PyTorch's kernel is not implemented for, with its message. */
function refuse(name: string, what: 'bool' | 'integer'): (x: Tensor) => void {
  return (x) => {
    if (what === 'bool' ? x.dtype === 'bool' : !isFloating(x.dtype)) {
      throw new Error(`${name}: "${name}" is not implemented for ${x.dtype} tensors (as in PyTorch); convert first, e.g. x.to('${what === 'bool' ? 'int32' : 'float32'}').`);
    }
  };
}

/** Options of `round`. */
export interface RoundOptions {
  /** Round to this many decimal places (negative: to tens, hundreds, …), as PyTorch's `decimals`. Default 0. */
  readonly decimals?: number;
}

const roundPlain = unaryOp('round', 'none', (g) => zerosFor(g), '', '', refuse('round', 'bool'));

// round(x, { decimals }) is PyTorch's nearbyint(x · 10^d) / 10^d (x / 10^-d, then times, for negative d), in the
// dtype's arithmetic: ops of the table, so its gradient is the zero of round.
const roundOp: DifferentiableOp<void, readonly [x: Tensor, options?: RoundOptions]> = {
  ...roundPlain,
  doc: 'Round to the nearest integer, ties to even (as PyTorch: 0.5 → 0, 1.5 → 2, 2.5 → 2), or to `decimals` places; its gradient is zero.',
  example: 'round(x, { decimals: 2 })',
  call: (run, x, options) => {
    const { decimals = 0 } = checkOptions('round', options, { decimals: 'integer' });
    if (decimals === 0) return roundPlain.call(run, x);
    if (!(x instanceof Tensor)) throw new Error(`round: expected a Tensor, got ${describe(x)}.`);
    refuse('round', 'integer')(x);
    const p = 10 ** Math.abs(decimals);
    return decimals > 0 ? x.mul(p).round().div(p) : x.div(p).round().mul(p);
  },
};

/** Options of `softplus`. */
export interface SoftplusOptions {
  /** The β of `log(1 + e^(βx)) / β`. Default 1. */
  readonly beta?: number;
  /** Above `βx > threshold` the result is x itself. Default 20. */
  readonly threshold?: number;
}

/** The attributes of softplus. */
export interface SoftplusAttrs {
  readonly beta: number;
  readonly threshold: number;
}

// softplus's gradient is sigmoid(βx), and 1 where βx > threshold (PyTorch's softplus_backward).
const softplusRule = (call: Caller, g: Tensor, x: Tensor, { beta, threshold }: SoftplusAttrs): Tensor => {
  const z = beta === 1 ? x : x.mul(beta);
  return call(WHERE_OPS.where, z.gt(threshold), g, g.mul(z.sigmoid()));
};

const softplusOp: DifferentiableOp<SoftplusAttrs, readonly [x: Tensor, options?: SoftplusOptions]> = {
  name: 'softplus',
  doc: 'PyTorch\'s softplus `log(1 + e^(βx)) / β`, and x itself where βx > threshold (defaults β = 1, threshold 20); floating point only.',
  example: 'softplus(x, { beta: 2 })',
  differentiable: true,
  call: (run, x, options) => {
    const { beta = 1, threshold = 20 } = checkOptions('softplus', options, { beta: 'number', threshold: 'number' });
    if (!(x instanceof Tensor)) throw new Error(`softplus: expected a Tensor, got ${describe(x)}.`);
    refuse('softplus', 'integer')(x);
    return run([x], { beta, threshold });
  },
  forward: (ctx, [x], { beta, threshold }) => {
    if (ctx.recording) ctx.save(x!);
    // The defaults are one kernel; other parameters compose the kernels, with no graph.
    if (beta === 1 && threshold === 20) return unaryKernel('softplus', x!);
    const z = beta === 1 ? x! : binaryKernel('mul', x!, scalarFor(beta, x!), 'softplus');
    const curve = unaryKernel('log1p', unaryKernel('exp', z));
    const soft = beta === 1 ? curve : binaryKernel('div', curve, scalarFor(beta, curve), 'softplus');
    const linear = binaryKernel('gt', z, scalarFor(threshold, z), 'softplus');
    const out = zerosOn(x!.storage.device, x!.dtype, x!.shape);
    if (out.size > 0) backendOf(x!).where(x!.dtype, linear, x!, soft, out.buffer, x!.shape);
    return out;
  },
  backward: ({ saved: [x], attrs, call }, g) => [softplusRule(call, g, x!, attrs)],
  jvp: ({ inputs: [x], attrs, call }, [t]) => (t ? softplusRule(call, t, x!, attrs) : null),
  flops: elementwiseFlops,
};

/** Options of `gelu`. @example `gelu(x, { approximate: 'tanh' })` */
export interface GeluOptions {
  /** `'none'` (default): x·Φ(x) with the exact normal CDF; `'tanh'`: the tanh approximation of GPT-2 and BERT. */
  readonly approximate?: 'none' | 'tanh';
}

const geluOp: DifferentiableOp<void, readonly [x: Tensor, options?: GeluOptions]> = {
  name: 'gelu',
  doc: 'GELU, `x · Φ(x)` with Φ the standard normal CDF (`approximate: \'none\'`, the default: one fused kernel, and its gradient one more, as PyTorch\'s gelu and gelu_backward), or its tanh approximation `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))` (composed of recorded ops); floating point only.',
  example: 'gelu(x, { approximate: \'tanh\' })',
  differentiable: true,
  call: (run, x, options) => {
    const { approximate = 'none' } = checkOptions('gelu', options, { approximate: ['none', 'tanh'] });
    if (!(x instanceof Tensor)) throw new Error(`gelu: expected a Tensor, got ${describe(x)}.`);
    refuse('gelu', 'integer')(x);
    if (approximate === 'tanh') {
      const inner = x.add(x.mul(x).mul(x).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
      return x.mul(0.5).mul(inner.tanh().add(1));
    }
    return run([x], undefined);
  },
  forward: (ctx, [x]) => {
    if (ctx.recording) ctx.save(x!);
    return unaryKernel('gelu', x!);
  },
  backward: ({ saved: [x], call }, g) => [call(BINARY_OPS.geluBackward, g, x!)],
  jvp: ({ inputs: [x], call }, [t]) => (t ? call(BINARY_OPS.geluBackward, t, x!) : null),
  flops: elementwiseFlops,
};

// Derivative rules, one line each, in terms of the saved input x or the saved output y.
// tanh, sigmoid and relu take their gradient in one fused op each (PyTorch's tanh_backward, sigmoid_backward
// and threshold_backward), which are primitives with their own rules, so they differentiate again.
// sign is piecewise constant: PyTorch records it with a zero gradient, so sign(x).sum().backward() works.

const LN2 = Math.LN2, LN10 = Math.LN10;

/**
 * The unary elementwise primitives, one per kernel of the catalog (a compile error for a kernel without its op).
 * The type is declared rather than inferred, so that the Tensor methods derived from the table do not depend on
 * checking the rules, which call those methods.
 */
export const UNARY_OPS: { readonly [K in Exclude<UnaryKernel, 'round' | 'softplus' | 'gelu'>]: DifferentiableOp<void> } & {
  readonly round: DifferentiableOp<void, readonly [x: Tensor, options?: RoundOptions]>;
  readonly softplus: DifferentiableOp<SoftplusAttrs, readonly [x: Tensor, options?: SoftplusOptions]>;
  readonly gelu: DifferentiableOp<void, readonly [x: Tensor, options?: GeluOptions]>;
} = {
  neg: unaryOp('neg', 'none', (g) => g.neg(), '`-x` elementwise (not for bool: use logicalNot).', 'neg(tensor([1, -2, 0])) // tensor([-1.,  2., -0.])', (x) => {
    if (x.dtype === 'bool') {
      throw new Error('neg: Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use logicalNot() instead (PyTorch\'s `~`).');
    }
  }),
  exp: unaryOp('exp', 'output', (g, y) => g.mul(y), '`eˣ` elementwise.', 'exp(tensor([0, 1, 2])) // tensor([1.0000, 2.7183, 7.3891])'),
  log: unaryOp('log', 'input', (g, x) => g.div(x), 'Natural logarithm elementwise.', 'log(tensor([1, 2, 10])) // tensor([0.0000, 0.6931, 2.3026])'),
  sqrt: unaryOp('sqrt', 'output', (g, y) => g.div(y.mul(2)), 'Square root elementwise.', 'sqrt(tensor([0, 2, 4])) // tensor([0.0000, 1.4142, 2.0000])'),
  abs: unaryOp('abs', 'input', (g, x) => g.mul(x.sign()), 'Absolute value elementwise; its gradient at 0 is 0.', 'abs(tensor([-2, 0, 3])) // tensor([2., 0., 3.])'),
  sin: unaryOp('sin', 'input', (g, x) => g.mul(x.cos()), 'Sine elementwise.', 'sin(tensor([0, 1, 2])) // tensor([0.0000, 0.8415, 0.9093])'),
  cos: unaryOp('cos', 'input', (g, x) => g.mul(x.sin()).neg(), 'Cosine elementwise.', 'cos(tensor([0, 1, 2])) // tensor([ 1.0000,  0.5403, -0.4161])'),
  tanh: unaryOp('tanh', 'output', (g, y, call) => call(BINARY_OPS.tanhBackward, g, y), 'Hyperbolic tangent elementwise.', 'tanh(tensor([-1, 0, 1])) // tensor([-0.7616,  0.0000,  0.7616])'),
  sigmoid: unaryOp('sigmoid', 'output', (g, y, call) => call(BINARY_OPS.sigmoidBackward, g, y), 'Logistic sigmoid `1 / (1 + e⁻ˣ)` elementwise, stable for large |x|.', 'sigmoid(tensor([-1, 0, 1])) // tensor([0.2689, 0.5000, 0.7311])'),
  relu: unaryOp('relu', 'output', (g, y, call) => call(BINARY_OPS.reluBackward, g, y), '`max(x, 0)` elementwise; its gradient at 0 is 0.', 'relu(tensor([-1, 0, 2])) // tensor([0., 0., 2.])'),
  sign: unaryOp('sign', 'none', (g) => zerosFor(g), '-1, 0 or 1 by the sign of x (0 for NaN and -0, as in PyTorch); its gradient is zero.', 'sign(tensor([-3, 0, 2])) // tensor([-1.,  0.,  1.])'),
  erf: unaryOp('erf', 'input', (g, x) => g.mul(x.square().neg().exp().mul(2 / Math.sqrt(Math.PI))), 'The error function `2/√π ∫₀ˣ e^(−t²) dt` elementwise.', 'erf(tensor([-1, 0, 1])) // tensor([-0.8427,  0.0000,  0.8427])'),
  erfinv: unaryOp('erfinv', 'output', (g, y) => g.mul(y.square().exp().mul(Math.sqrt(Math.PI) / 2)), 'The inverse error function elementwise: ±∞ at ±1, NaN outside [−1, 1].', 'erfinv(tensor([-0.5, 0, 0.5])) // tensor([-0.4769,  0.0000,  0.4769])'),
  log1p: unaryOp('log1p', 'input', (g, x) => g.div(x.add(1)), '`log(1 + x)` elementwise, accurate for small x.', 'log1p(tensor([1e-10, 1])) // tensor([1.0000e-10, 6.9315e-01])'),
  expm1: unaryOp('expm1', 'output', (g, y) => g.mul(y.add(1)), '`eˣ − 1` elementwise, accurate for small x.', 'expm1(tensor([1e-10, 1])) // tensor([1.0000e-10, 1.7183e+00])'),
  log2: unaryOp('log2', 'input', (g, x) => g.div(x.mul(LN2)), 'Base-2 logarithm elementwise.', 'log2(tensor([0.5, 1, 8])) // tensor([-1.,  0.,  3.])'),
  log10: unaryOp('log10', 'input', (g, x) => g.div(x.mul(LN10)), 'Base-10 logarithm elementwise.', 'log10(tensor([1, 10, 1000])) // tensor([0., 1., 3.])'),
  exp2: unaryOp('exp2', 'output', (g, y) => g.mul(y.mul(LN2)), '`2ˣ` elementwise.', 'exp2(tensor([0, 1, 3])) // tensor([1., 2., 8.])'),
  tan: unaryOp('tan', 'output', (g, y) => g.mul(y.square().add(1)), 'Tangent elementwise.', 'tan(tensor([-1, 0, 1])) // tensor([-1.5574,  0.0000,  1.5574])'),
  asin: unaryOp('asin', 'input', (g, x) => g.mul(x.square().neg().add(1).rsqrt()), 'Arcsine elementwise (NaN outside [−1, 1]).', 'asin(tensor([-1, 0, 1])) // tensor([-1.5708,  0.0000,  1.5708])'),
  acos: unaryOp('acos', 'input', (g, x) => g.mul(x.square().neg().add(1).rsqrt()).neg(), 'Arccosine elementwise (NaN outside [−1, 1]).', 'acos(tensor([-1, 0, 1])) // tensor([3.1416, 1.5708, 0.0000])'),
  atan: unaryOp('atan', 'input', (g, x) => g.div(x.square().add(1)), 'Arctangent elementwise.', 'atan(tensor([-1, 0, 1])) // tensor([-0.7854,  0.0000,  0.7854])'),
  sinh: unaryOp('sinh', 'input', (g, x) => g.mul(x.cosh()), 'Hyperbolic sine elementwise.', 'sinh(tensor([-1, 0, 1])) // tensor([-1.1752,  0.0000,  1.1752])'),
  cosh: unaryOp('cosh', 'input', (g, x) => g.mul(x.sinh()), 'Hyperbolic cosine elementwise.', 'cosh(tensor([-1, 0, 1])) // tensor([1.5431, 1.0000, 1.5431])'),
  asinh: unaryOp('asinh', 'input', (g, x) => g.mul(x.square().add(1).rsqrt()), 'Inverse hyperbolic sine elementwise.', 'asinh(tensor([-1, 0, 1])) // tensor([-0.8814,  0.0000,  0.8814])'),
  acosh: unaryOp('acosh', 'input', (g, x) => g.mul(x.square().sub(1).rsqrt()), 'Inverse hyperbolic cosine elementwise (NaN below 1).', 'acosh(tensor([1, 2, 10])) // tensor([0.0000, 1.3170, 2.9932])'),
  atanh: unaryOp('atanh', 'input', (g, x) => g.div(x.square().neg().add(1)), 'Inverse hyperbolic tangent elementwise (±∞ at ±1, NaN outside).', 'atanh(tensor([-0.5, 0, 0.5])) // tensor([-0.5493,  0.0000,  0.5493])'),
  floor: unaryOp('floor', 'none', (g) => zerosFor(g), 'Round down elementwise (integers unchanged); its gradient is zero.', 'floor(tensor([-1.5, 0.2, 1.5])) // tensor([-2.,  0.,  1.])', refuse('floor', 'bool')),
  ceil: unaryOp('ceil', 'none', (g) => zerosFor(g), 'Round up elementwise (integers unchanged); its gradient is zero.', 'ceil(tensor([-1.5, 0.2, 1.5])) // tensor([-1.,  1.,  2.])', refuse('ceil', 'bool')),
  round: roundOp,
  trunc: unaryOp('trunc', 'none', (g) => zerosFor(g), 'Round toward zero elementwise (integers unchanged); its gradient is zero.', 'trunc(tensor([-1.7, 0.2, 1.5])) // tensor([-1.,  0.,  1.])', refuse('trunc', 'bool')),
  frac: unaryOp('frac', 'none', (g) => g, 'The fractional part `x − trunc(x)` elementwise, with the sign of x (NaN for ±∞); floating point only.', 'frac(tensor([-1.5, 0.25, 2.75])) // tensor([-0.5000,  0.2500,  0.7500])', refuse('frac', 'integer')),
  softplus: softplusOp,
  gelu: geluOp,
  logSigmoid: unaryOp('logSigmoid', 'input', (g, x) => g.mul(x.neg().sigmoid()), '`log(sigmoid(x))` elementwise, stable for large |x| (PyTorch\'s F.logsigmoid); floating point only.', 'logSigmoid(tensor([-100, 0, 1])) // tensor([-100.0000,   -0.6931,   -0.3133])', refuse('logSigmoid', 'integer')),
};
