import { allocate, isFloating, resultTypeOf, type DType } from '../dtype.js';
import type { BinaryKernel } from '../kernels/backend.js';
import { getBackend } from '../kernels/index.js';
import { binaryScalar } from '../kernels/ts/elementwise.js';
import { broadcastShapes, sameShape, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { apply, defineOp, type BackwardRule, type JvpRule, type OpDef } from './registry.js';
import { broadcastView, castRaw, isWrappedNumber, operands, scalarFor, sumTangents, wrap, zerosLike, type TensorLike } from './util.js';
import { unaryKernel } from './unary-kernel.js';
import { where } from './where.js';

const NO_DIMS: readonly number[] = Object.freeze([]);
const COMPARISONS = new Set<BinaryKernel>(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);

function resultType(kernel: BinaryKernel, a: Tensor, b: Tensor): DType {
  const t = resultTypeOf(a.dtype, a.ndim, b.dtype, b.ndim);
  // True division and real powers of integers are floats, as in PyTorch. bool + bool and bool · bool stay bool
  // (logical or / and, as in PyTorch); bool - bool, which PyTorch rejects, counts as int32.
  if ((kernel === 'div' || kernel === 'pow') && !isFloating(t)) return kernel === 'div' ? 'float32' : t === 'bool' ? 'int32' : t;
  if (t === 'bool' && kernel === 'sub') return 'int32';
  return t;
}

/**
 * Run a broadcasting binary kernel (no graph): promote dtypes, broadcast shapes, compute.
 *
 * @example
 * ```ts
 * binaryKernel('add', a, b, 'add');
 * ```
 */
export function binaryKernel(kernel: BinaryKernel, a: Tensor, b: Tensor, op: string): Tensor {
  const dtype = resultType(kernel, a, b);
  if (kernel === 'pow' && isWrappedNumber(b) && (b.item() === 0.5 || b.item() === -0.5)) {
    // PyTorch computes x ** ±0.5 with a number exponent as sqrt(x) or 1 / sqrt(x), which differ from C's pow at
    // -0 (-0 and -inf rather than 0 and inf) and at -inf (NaN rather than inf and 0).
    const root = unaryKernel('sqrt', castRaw(a, dtype));
    return b.item() > 0 ? root : binaryKernel('div', scalarFor(1, root), root, op);
  }
  const outType: DType = COMPARISONS.has(kernel) ? 'bool' : dtype;
  if (a.ndim === 0 && b.ndim === 0 && a.dtype === dtype && b.dtype === dtype && dtype !== 'bool') {
    // Scalars (the whole of a scalar-heavy program): one element, no views, no kernel call.
    const out = allocate(outType, 1);
    out[0] = binaryScalar(kernel, a.storage.data[a.offset]!, b.storage.data[b.offset]!);
    return wrap(out, NO_DIMS, outType);
  }
  const shape = sameShape(a.shape, b.shape) ? a.shape : broadcastShapes(a.shape, b.shape, op);
  const out = allocate(outType, sizeOf(shape));
  const A = castRaw(a, dtype), B = castRaw(b, dtype);
  // On 0/1 values, logical or is the maximum (a sum could write 2 into a bool).
  const k: BinaryKernel = dtype === 'bool' && kernel === 'add' ? 'maximum' : kernel;
  getBackend().binary(k, broadcastView(A, shape), broadcastView(B, shape), out, shape);
  return wrap(out, shape, outType);
}

function binaryOp(name: BinaryKernel, rules: { backward?: BackwardRule<void>; jvp?: JvpRule<void> } = {}, saves = true): OpDef<void> {
  return defineOp<void>({
    name,
    forward: ([a, b], _, ctx) => {
      if (saves && ctx.recording) ctx.save(a!, b!);
      return binaryKernel(name, a!, b!, name);
    },
    flops: (_, out) => out.size,
    ...rules,
  });
}

// Each rule returns gradients in the output's shape; the engine sums them back over broadcast dims.
// JVP rules get the inputs' tangents (null = zero) and return the output's.
export const addOp = binaryOp('add', {
  backward: (g) => [g, g],
  jvp: ([ta, tb]) => sumTangents(ta, tb),
}, false);
export const subOp = binaryOp('sub', {
  backward: (g, { needsInputGrad: n }) => [g, n[1] ? g.neg() : null],
  jvp: ([ta, tb]) => sumTangents(ta, tb?.neg()),
}, false);
export const mulOp = binaryOp('mul', {
  backward: (g, { saved: [a, b], needsInputGrad: n }) => [n[0] ? g.mul(b!) : null, n[1] ? g.mul(a!) : null],
  jvp: ([ta, tb], { inputs: [a, b] }) => sumTangents(ta?.mul(b!), tb?.mul(a!)),
});
export const divOp = binaryOp('div', {
  backward: (g, { saved: [a, b], needsInputGrad: n }) => [
    n[0] ? g.div(b!) : null,
    // PyTorch's -g · ((a / b) / b): unlike g·a / b², it stays finite (0) at b = ±inf, and so do its derivatives.
    n[1] ? g.neg().mul(a!.div(b!).div(b!)) : null,
  ],
  jvp: ([ta, tb], { inputs: [, b], output }) => sumTangents(ta, tb?.mul(output).neg())?.div(b!) ?? null,
});
// d/da a^b = b·a^(b-1), taken as 0 where b = 0 (so 0^0 has a finite gradient); d/db a^b = a^b·log a, taken as
// 0 where a = 0 and b ≥ 0, as PyTorch does, instead of 0·(-inf) = NaN.
// A number exponent stays a number in a^(b-1), as in PyTorch, so that its sqrt / rsqrt forms apply there too.
// log a is taken in the result's dtype (a float32 base with a float64 exponent gives a float64 log).
// The gradient g is multiplied inside the where, as in PyTorch, so that b = 0 gives 0 even for g = NaN or inf.
const powDa = (g: Tensor, a: Tensor, b: Tensor): Tensor =>
  where(b.eq(0), 0, g.mul(b.mul(a.pow(isWrappedNumber(b) ? b.item() - 1 : b.sub(1)))));
const powDb = (a: Tensor, b: Tensor, out: Tensor): Tensor =>
  where(logicalAnd(a.eq(0), b.ge(0)), 0, out.mul((a.dtype === out.dtype ? a : a.to(out.dtype)).log()));
export const powOp = binaryOp('pow', {
  backward: (g, { saved: [a, b], needsInputGrad: n }) => [
    n[0] ? powDa(g, a!, b!) : null,
    n[1] ? g.mul(powDb(a!, b!, a!.pow(b!))) : null,
  ],
  jvp: ([ta, tb], { inputs: [a, b], output }) => sumTangents(ta ? powDa(ta, a!, b!) : undefined, tb?.mul(powDb(a!, b!, output))),
});
// Ties split the gradient in half between the operands, as PyTorch does. Otherwise an operand gets the
// gradient unless the other one beats it, so where either is NaN (nothing beats anything) both get all of it.
function pick(first: 'gt' | 'lt'): { backward: BackwardRule<void>; jvp: JvpRule<void> } {
  const wins = (x: Tensor, y: Tensor): Tensor => (first === 'gt' ? x.gt(y) : x.lt(y));
  return {
    backward: (g, { saved: [a, b], needsInputGrad: n }) => {
      const shared = where(a!.eq(b!), g.mul(0.5), g);
      return [n[0] ? where(wins(b!, a!), 0, shared) : null, n[1] ? where(wins(a!, b!), 0, shared) : null];
    },
    jvp: ([ta, tb], { inputs: [a, b] }) => {
      const za = ta ?? zerosLike(a!), zb = tb ?? zerosLike(b!);
      return where(wins(a!, b!), za, where(a!.eq(b!), za.add(zb).mul(0.5), zb));
    },
  };
}
export const maximumOp = binaryOp('maximum', pick('gt'));
export const minimumOp = binaryOp('minimum', pick('lt'));
// The gradients of tanh, sigmoid and relu in terms of their output y, each one fused op (PyTorch's
// tanh_backward, sigmoid_backward, threshold_backward) instead of three or four, and differentiable again.
// Each is linear in g, so its rule for g is itself; for y: d/dy g·(1 − y²) = −2·g·y, d/dy g·(1 − y)·y = g·(1 − 2y),
// and relu's mask has a zero derivative in y.
export const tanhBackwardOp = binaryOp('tanhBackward', {
  backward: (gg, { saved: [g, y], needsInputGrad: n }) => [n[0] ? tanhBackward(gg, y!) : null, n[1] ? gg.mul(g!).mul(y!).mul(-2) : null],
  jvp: ([tg, ty], { inputs: [g, y] }) => sumTangents(tg ? tanhBackward(tg, y!) : undefined, ty?.mul(g!).mul(y!).mul(-2)),
});
export const sigmoidBackwardOp = binaryOp('sigmoidBackward', {
  backward: (gg, { saved: [g, y], needsInputGrad: n }) => [
    n[0] ? sigmoidBackward(gg, y!) : null,
    n[1] ? gg.mul(g!).mul(y!.mul(-2).add(1)) : null,
  ],
  jvp: ([tg, ty], { inputs: [g, y] }) => sumTangents(tg ? sigmoidBackward(tg, y!) : undefined, ty?.mul(g!).mul(y!.mul(-2).add(1))),
});
export const reluBackwardOp = binaryOp('reluBackward', {
  backward: (gg, { saved: [, y], needsInputGrad: n }) => [n[0] ? reluBackward(gg, y!) : null, n[1] ? zerosLike(y!) : null],
  jvp: ([tg], { inputs: [, y] }) => (tg ? reluBackward(tg, y!) : null),
});
export const eqOp = binaryOp('eq', {}, false);
export const neOp = binaryOp('ne', {}, false);
export const ltOp = binaryOp('lt', {}, false);
export const leOp = binaryOp('le', {}, false);
export const gtOp = binaryOp('gt', {}, false);
export const geOp = binaryOp('ge', {}, false);

const call = (op: OpDef<void>) => (a: TensorLike, b: TensorLike): Tensor => apply(op, operands(a, b, op.name), undefined);

/**
 * The gradient of `tanh` from its output: `g · (1 − y²)`.
 *
 * @example
 * ```ts
 * tanhBackward(g, x.tanh()); // equals g.mul(x.tanh().pow(2).neg().add(1))
 * ```
 */
export const tanhBackward = call(tanhBackwardOp);
/**
 * The gradient of `sigmoid` from its output: `g · (1 − y) · y`.
 *
 * @example
 * ```ts
 * sigmoidBackward(g, x.sigmoid());
 * ```
 */
export const sigmoidBackward = call(sigmoidBackwardOp);
/**
 * The gradient of `relu` from its output: `g` where `y > 0` (and where y is NaN), else 0.
 *
 * @example
 * ```ts
 * reluBackward(g, x.relu());
 * ```
 */
export const reluBackward = call(reluBackwardOp);
/** `a + b` with NumPy broadcasting. @example `add(x, 1)` */
export const add = call(addOp);
/** `a - b` with broadcasting. @example `sub(x, y)` */
export const sub = call(subOp);
/** `a · b` elementwise with broadcasting. @example `mul(x, 2)` */
export const mul = call(mulOp);
/** `a / b` elementwise (true division; integers give float32). @example `div(x, y)` */
export const div = call(divOp);
/** `a ** b` elementwise. @example `pow(x, 2)` */
export const pow = call(powOp);
/** Elementwise maximum (NaN propagates). @example `maximum(x, 0)` */
export const maximum = call(maximumOp);
/** Elementwise minimum (NaN propagates). @example `minimum(x, y)` */
export const minimum = call(minimumOp);
/** `a == b` as a bool tensor. @example `eq(x, 0)` */
export const eq = call(eqOp);
/** `a != b` as a bool tensor. @example `ne(x, 0)` */
export const ne = call(neOp);
/** `a < b` as a bool tensor. @example `lt(x, 0)` */
export const lt = call(ltOp);
/** `a <= b` as a bool tensor. @example `le(x, 0)` */
export const le = call(leOp);
/** `a > b` as a bool tensor. @example `gt(x, 0)` */
export const gt = call(gtOp);
/** `a >= b` as a bool tensor. @example `ge(x, 0)` */
export const ge = call(geOp);

/**
 * Elementwise logical and of two tensors (nonzero is true), as a bool tensor.
 *
 * @example
 * ```ts
 * logicalAnd(x.gt(0), x.lt(1));
 * ```
 */
export function logicalAnd(a: Tensor, b: Tensor): Tensor {
  return binaryKernel('mul', castRaw(a, 'bool'), castRaw(b, 'bool'), 'logicalAnd').ne(0);
}
