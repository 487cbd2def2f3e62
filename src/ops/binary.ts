import { isFloating } from '../dtype.js';
import type { BinaryKernel } from '../kernels/catalog.js';
import type { Tensor } from '../tensor.js';
import { castRaw, operands, scalarFor, sumTangents, wrappedValue, zerosFor, type TensorLike } from './buffers.js';
import { elementwiseFlops, type Backward, type Caller, type DifferentiableOp, type ForwardCtx, type Jvp, type NonDifferentiableOp, type OpDef } from './define.js';
import { binaryKernel, binaryType, unaryKernel } from './elementwise.js';
import { WHERE_OPS } from './where.js';

/** The entry type of a binary op: two operands, tensors or numbers. */
export type BinaryOp = OpDef<void, readonly [a: TensorLike, b: TensorLike]>;

/**
 * Which operands a binary rule needs, given whether each input needs a gradient: bit 1 for a, bit 2 for b
 * (bits rather than a pair, to allocate nothing on the hottest path).
 */
type Saves = (aNeedsGrad: boolean, bNeedsGrad: boolean) => number;

const NONE: Saves = () => 0;
const BOTH: Saves = (na, nb) => (na || nb ? 3 : 0);

function saveOperands(ctx: ForwardCtx, saves: Saves, a: Tensor, b: Tensor): void {
  if (!ctx.recording) return;
  const n = ctx.needsInputGrad;
  const s = saves(n[0]!, n[1]!);
  if (s !== 0) ctx.save(s & 1 ? a : null, s & 2 ? b : null);
}

function forwardOf(name: BinaryKernel, saves: Saves, savesOutput = false): OpDef<void, readonly [a: TensorLike, b: TensorLike]>['forward'] {
  if (savesOutput) {
    // The output goes after the operands in the saved list (hypot's rule reads it).
    return (ctx, [a, b]) => {
      saveOperands(ctx, saves, a!, b!);
      const y = binaryKernel(name, a!, b!, name);
      if (ctx.recording && (ctx.needsInputGrad[0] || ctx.needsInputGrad[1])) ctx.save(y);
      return y;
    };
  }
  return (ctx, [a, b]) => {
    saveOperands(ctx, saves, a!, b!);
    if (name === 'pow') {
      const e = wrappedValue(b!);
      if (e === 0.5 || e === -0.5) {
        // PyTorch computes x ** ±0.5 with a number exponent as sqrt(x) or 1 / sqrt(x), which differ from C's pow at
        // -0 (-0 and -inf rather than 0 and inf) and at -inf (NaN rather than inf and 0).
        const root = unaryKernel('sqrt', castRaw(a!, binaryType('pow', a!, b!)));
        return e > 0 ? root : binaryKernel('div', scalarFor(1, root), root, 'pow');
      }
    }
    return binaryKernel(name, a!, b!, name);
  };
}

/**
 * An elementwise op of two tensors (or a tensor and a number), broadcasting, with its rules; `saves` says which
 * operands its backward rule reads, from which inputs need a gradient (PyTorch saves nothing for `x · 2`).
 */
function binaryOp(name: BinaryKernel, saves: Saves, rules: { backward: Backward<void>; jvp: Jvp<void> }, doc: string,
  example: string, check?: (a: Tensor, b: Tensor) => void, savesOutput = false): DifferentiableOp<void, readonly [a: TensorLike, b: TensorLike]> {
  return {
    name, doc, example,
    differentiable: true,
    call: (run, a, b) => {
      const inputs = operands(a, b, name);
      check?.(inputs[0], inputs[1]);
      return run(inputs, undefined);
    },
    forward: forwardOf(name, saves, savesOutput),
    flops: elementwiseFlops,
    ...rules,
  };
}

/** A comparison: a bool result and no derivative. */
function compareOp(name: BinaryKernel, doc: string): NonDifferentiableOp<void, readonly [a: TensorLike, b: TensorLike]> {
  return {
    name, doc, example: `${name}(x, 0)`,
    differentiable: false,
    call: (run, a, b) => run(operands(a, b, name), undefined),
    forward: forwardOf(name, NONE),
    flops: elementwiseFlops,
  };
}

// d/da a^b = b·a^(b-1), taken as 0 where b = 0 (so 0^0 has a finite gradient); d/db a^b = a^b·log a, taken as
// 0 where a = 0 and b ≥ 0, as PyTorch does, instead of 0·(-inf) = NaN.
// A number exponent stays a number in a^(b-1), as in PyTorch, so that its sqrt / rsqrt forms apply there too.
// log a is taken in the result's dtype (a float32 base with a float64 exponent gives a float64 log).
// The gradient g is multiplied inside the where, as in PyTorch, so that b = 0 gives 0 even for g = NaN or inf.
const powDa = (call: Caller, g: Tensor, a: Tensor, b: Tensor): Tensor => {
  const e = wrappedValue(b);
  return call(WHERE_OPS.where, b.eq(0), 0, g.mul(b.mul(a.pow(e !== undefined ? e - 1 : b.sub(1)))));
};
const powDb = (call: Caller, a: Tensor, b: Tensor, out: Tensor): Tensor =>
  call(WHERE_OPS.where, a.eq(0).mul(b.ge(0)), 0, out.mul((a.dtype === out.dtype ? a : a.to(out.dtype)).log()));

// Ties split the gradient in half between the operands, as PyTorch does. Otherwise an operand gets the
// gradient unless the other one beats it, so where either is NaN (nothing beats anything) both get all of it.
function pick(first: 'gt' | 'lt'): { backward: Backward<void>; jvp: Jvp<void> } {
  const wins = (x: Tensor, y: Tensor): Tensor => (first === 'gt' ? x.gt(y) : x.lt(y));
  return {
    backward: ({ saved: [a, b], needsInputGrad: n, call }, g) => {
      const shared = call(WHERE_OPS.where, a!.eq(b!), g.mul(0.5), g);
      return [n[0] ? call(WHERE_OPS.where, wins(b!, a!), 0, shared) : null, n[1] ? call(WHERE_OPS.where, wins(a!, b!), 0, shared) : null];
    },
    jvp: ({ inputs: [a, b], call }, [ta, tb]) => {
      const za = ta ?? zerosFor(a!), zb = tb ?? zerosFor(b!);
      return call(WHERE_OPS.where, wins(a!, b!), za, call(WHERE_OPS.where, a!.eq(b!), za.add(zb).mul(0.5), zb));
    },
  };
}

// The gradients of tanh, sigmoid and relu in terms of their output y, each one fused op (PyTorch's
// tanh_backward, sigmoid_backward, threshold_backward) instead of three or four, and differentiable again.
// Each is linear in g, so its rule for g is itself; for y: d/dy g·(1 − y²) = −2·g·y, d/dy g·(1 − y)·y = g·(1 − 2y),
// and relu's mask has a zero derivative in y.
// g is needed only for y's own gradient; y always.
const ACTIVATION_GRAD: Saves = (ng, ny) => (ny ? 1 : 0) | (ng || ny ? 2 : 0);

const tanhBackwardOp: BinaryOp = binaryOp('tanhBackward', ACTIVATION_GRAD, {
  backward: ({ saved: [g, y], needsInputGrad: n, call }, gg) => [
    n[0] ? call(tanhBackwardOp, gg, y!) : null,
    n[1] ? gg.mul(g!).mul(y!).mul(-2) : null,
  ],
  jvp: ({ inputs: [g, y], call }, [tg, ty]) =>
    sumTangents(tg ? call(tanhBackwardOp, tg, y!) : undefined, ty?.mul(g!).mul(y!).mul(-2)),
}, 'The gradient of `tanh` from its output: `g · (1 − y²)` (PyTorch\'s tanh_backward).', 'tanhBackward(g, x.tanh())');
const sigmoidBackwardOp: BinaryOp = binaryOp('sigmoidBackward', ACTIVATION_GRAD, {
  backward: ({ saved: [g, y], needsInputGrad: n, call }, gg) => [
    n[0] ? call(sigmoidBackwardOp, gg, y!) : null,
    n[1] ? gg.mul(g!).mul(y!.mul(-2).add(1)) : null,
  ],
  jvp: ({ inputs: [g, y], call }, [tg, ty]) =>
    sumTangents(tg ? call(sigmoidBackwardOp, tg, y!) : undefined, ty?.mul(g!).mul(y!.mul(-2).add(1))),
}, 'The gradient of `sigmoid` from its output: `g · (1 − y) · y` (PyTorch\'s sigmoid_backward).', 'sigmoidBackward(g, x.sigmoid())');
const reluBackwardOp: BinaryOp = binaryOp('reluBackward', (ng, ny) => (ng || ny ? 2 : 0), {
  backward: ({ saved: [, y], needsInputGrad: n, call }, gg) => [n[0] ? call(reluBackwardOp, gg, y!) : null, n[1] ? zerosFor(y!) : null],
  jvp: ({ inputs: [, y], call }, [tg]) => (tg ? call(reluBackwardOp, tg, y!) : null),
}, 'The gradient of `relu` from its output: `g` where `y > 0` (and where y is NaN), else 0 (PyTorch\'s threshold_backward).',
'reluBackward(g, x.relu())');

// GELU's second derivative φ(x)·(2 − x²), from d/dx (Φ(x) + x·φ(x)) with φ' = −x·φ.
const geluCurvature = (x: Tensor): Tensor => {
  const s = x.square();
  return s.mul(-0.5).exp().mul(1 / Math.sqrt(2 * Math.PI)).mul(s.neg().add(2));
};
// The gradient of the exact GELU from its input x (not its output): g·(Φ(x) + x·φ(x)), one fused op (PyTorch's
// gelu_backward), linear in g; toward x, g·φ(x)·(2 − x²).
const geluBackwardOp: BinaryOp = binaryOp('geluBackward', ACTIVATION_GRAD, {
  backward: ({ saved: [g, x], needsInputGrad: n, call }, gg) => [
    n[0] ? call(geluBackwardOp, gg, x!) : null,
    n[1] ? gg.mul(g!).mul(geluCurvature(x!)) : null,
  ],
  jvp: ({ inputs: [g, x], call }, [tg, tx]) =>
    sumTangents(tg ? call(geluBackwardOp, tg, x!) : undefined, tx?.mul(g!).mul(geluCurvature(x!))),
}, 'The gradient of the exact GELU from its input: `g · (Φ(x) + x·φ(x))` with Φ and φ the standard normal CDF and density (PyTorch\'s gelu_backward).', 'geluBackward(g, x)');

// atan2's gradient: with r = a² + b², d/da = b / r and d/db = −a / r (PyTorch's atan2_backward).
const atan2Rules = {
  backward: ({ saved: [a, b], needsInputGrad: n }, g) => {
    const r = a!.mul(a!).add(b!.mul(b!));
    return [n[0] ? g.mul(b!).div(r) : null, n[1] ? g.mul(a!).neg().div(r) : null];
  },
  jvp: ({ inputs: [a, b] }, [ta, tb]) => sumTangents(ta?.mul(b!), tb?.mul(a!).neg())?.div(a!.mul(a!).add(b!.mul(b!))) ?? null,
} satisfies { backward: Backward<void>; jvp: Jvp<void> };

// fmod and remainder pass the gradient to a unchanged; b's is −g · the quotient rounded toward zero (fmod) or
// floor-divided (remainder, PyTorch's floor division, which agrees with it at ±∞), as PyTorch's rules say.
function modRules(rounding: 'trunc' | 'floor'): { backward: Backward<void>; jvp: Jvp<void> } {
  const quotient = (a: Tensor, b: Tensor): Tensor => (rounding === 'trunc' ? a.div(b).trunc() : a.floorDivide(b));
  return {
    backward: ({ saved: [a, b], needsInputGrad: n }, g) => [g, n[1] ? g.mul(quotient(a!, b!)).neg() : null],
    jvp: ({ inputs: [a, b] }, [ta, tb]) => sumTangents(ta, tb?.mul(quotient(a!, b!)).neg()),
  };
}
const SECOND_ONLY: Saves = (_, nb) => (nb ? 3 : 0);

// hypot: d/da = a / hypot(a, b), d/db = b / hypot(a, b) (NaN at the origin, as in PyTorch).
const hypotRules = {
  backward: ({ saved: [a, b, y], needsInputGrad: n }, g) => [n[0] ? g.mul(a!).div(y!) : null, n[1] ? g.mul(b!).div(y!) : null],
  jvp: ({ inputs: [a, b], output }, [ta, tb]) => sumTangents(ta?.mul(a!), tb?.mul(b!))?.div(output) ?? null,
} satisfies { backward: Backward<void>; jvp: Jvp<void> };

// xlogy: d/da = xlogy(g, b), taken as 0 where a = 0 and b ≤ 0 (PyTorch's choice there); d/db = g · a / b.
const xlogyDa = (call: Caller, g: Tensor, a: Tensor, b: Tensor): Tensor =>
  call(WHERE_OPS.where, a.eq(0).mul(b.le(0)), 0, call(xlogyOp, g, b));
const xlogyOp: BinaryOp = binaryOp('xlogy', BOTH, {
  backward: ({ saved: [a, b], needsInputGrad: n, call }, g) => [n[0] ? xlogyDa(call, g, a!, b!) : null, n[1] ? g.mul(a!).div(b!) : null],
  jvp: ({ inputs: [a, b], call }, [ta, tb]) => sumTangents(ta ? xlogyDa(call, ta, a!, b!) : undefined, tb?.mul(a!).div(b!)),
}, '`a · log(b)` elementwise, broadcasting, and 0 where a is 0 (unless b is NaN), as in entropies; integers give float32.', 'xlogy(tensor([0, 2]), tensor([0, 4])) // tensor([0.0000, 2.7726])');

function floatOnly(op: string): (a: Tensor, b: Tensor) => void {
  return (a, b) => {
    for (const t of [a, b]) {
      if (!isFloating(t.dtype) && wrappedValue(t) === undefined) {
        throw new Error(`${op}: "${op}" is not implemented for ${t.dtype} tensors (as in PyTorch); convert first, e.g. x.to('float32').`);
      }
    }
  };
}

function noBool(op: string): (a: Tensor, b: Tensor) => void {
  return (a, b) => {
    if (a.dtype === 'bool' && b.dtype === 'bool') {
      throw new Error(`${op}: "${op}" is not implemented for bool tensors (as in PyTorch); convert first, e.g. x.to('int32').`);
    }
  };
}

/**
 * A bitwise op of integer or bool tensors (and integer numbers): no derivative. `shift` ops refuse bool, as
 * PyTorch does; and/or/xor of two bools stay bool (logical).
 */
function bitwiseOp(name: BinaryKernel, doc: string, example: string, shift: boolean): NonDifferentiableOp<void, readonly [a: TensorLike, b: TensorLike]> {
  return {
    name, doc, example,
    differentiable: false,
    call: (run, a, b) => {
      const inputs = operands(a, b, name);
      for (const t of inputs) {
        if (isFloating(t.dtype)) {
          throw new Error(`${name}: bitwise ops take int32 or bool tensors (and integer numbers), got ${wrappedValue(t) !== undefined ? `the number ${wrappedValue(t)}` : `a ${t.dtype} tensor`}; PyTorch refuses floats too. Convert first, e.g. x.to('int32').`);
        }
      }
      if (shift && inputs.some((t) => t.dtype === 'bool')) {
        throw new Error(`${name}: shifts are not implemented for bool tensors (as in PyTorch); convert first, e.g. x.to('int32').`);
      }
      return run(inputs, undefined);
    },
    forward: forwardOf(name, NONE),
    flops: elementwiseFlops,
  };
}

/**
 * The binary elementwise primitives, one per kernel of the catalog (a compile error for a kernel without its
 * op). The type is declared rather than inferred, as for the unary ops.
 */
export const BINARY_OPS: Record<BinaryKernel, BinaryOp> = {
  add: binaryOp('add', NONE, {
    backward: (_, g) => [g, g],
    jvp: (_, [ta, tb]) => sumTangents(ta, tb),
  }, '`a + b` elementwise, broadcasting.', 'add(x, 1)'),
  sub: binaryOp('sub', NONE, {
    backward: ({ needsInputGrad: n }, g) => [g, n[1] ? g.neg() : null],
    jvp: (_, [ta, tb]) => sumTangents(ta, tb?.neg()),
  }, '`a - b` elementwise, broadcasting (not for bool: use logicalXor or logicalNot).', 'sub(tensor([5, 3]), tensor([1, 4])) // tensor([ 4., -1.])', (a, b) => {
    if (a.dtype === 'bool' && b.dtype === 'bool') {
      throw new Error('sub: Subtraction, the `-` operator, with two bool tensors is not supported. Use logicalXor() instead (PyTorch\'s `^`).');
    }
    if (a.dtype === 'bool' || b.dtype === 'bool') {
      throw new Error('sub: Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert a mask, use logicalNot() instead (PyTorch\'s `~`).');
    }
  }),
  mul: binaryOp('mul', (na, nb) => (nb ? 1 : 0) | (na ? 2 : 0), {
    backward: ({ saved: [a, b], needsInputGrad: n }, g) => [n[0] ? g.mul(b!) : null, n[1] ? g.mul(a!) : null],
    jvp: ({ inputs: [a, b] }, [ta, tb]) => sumTangents(ta?.mul(b!), tb?.mul(a!)),
  }, '`a · b` elementwise, broadcasting.', 'mul(x, 2)'),
  div: binaryOp('div', (na, nb) => (nb ? 1 : 0) | (na || nb ? 2 : 0), {
    backward: ({ saved: [a, b], needsInputGrad: n }, g) => [
      n[0] ? g.div(b!) : null,
      // PyTorch's -g · ((a / b) / b): unlike g·a / b², it stays finite (0) at b = ±inf, and so do its derivatives.
      n[1] ? g.neg().mul(a!.div(b!).div(b!)) : null,
    ],
    jvp: ({ inputs: [, b], output }, [ta, tb]) => sumTangents(ta, tb?.mul(output).neg())?.div(b!) ?? null,
  }, '`a / b` elementwise (true division: integers give float32), broadcasting.', 'div(tensor([1, 3]), tensor([2, 4])) // tensor([0.5000, 0.7500])'),
  pow: binaryOp('pow', BOTH, {
    backward: ({ saved: [a, b], needsInputGrad: n, call }, g) => [
      n[0] ? powDa(call, g, a!, b!) : null,
      n[1] ? g.mul(powDb(call, a!, b!, a!.pow(b!))) : null,
    ],
    jvp: ({ inputs: [a, b], output, call }, [ta, tb]) =>
      sumTangents(ta ? powDa(call, ta, a!, b!) : undefined, tb?.mul(powDb(call, a!, b!, output))),
  }, '`a ** b` elementwise, broadcasting (C\'s pow: 1^y = 1 even for NaN y). An integer result that does not fit int32 is an error.', 'pow(x, 2)', (a, b) => {
    const e = wrappedValue(b);
    if (e !== undefined && e < 0 && Number.isInteger(e) && !isFloating(a.dtype)) {
      throw new Error('pow: Integers to negative integer powers are not allowed (as in PyTorch). Convert the base first, e.g. x.to(\'float32\').pow(-1).');
    }
  }),
  maximum: binaryOp('maximum', BOTH, pick('gt'), 'Elementwise maximum; NaN propagates, ties share the gradient.', 'maximum(x, 0)'),
  minimum: binaryOp('minimum', BOTH, pick('lt'), 'Elementwise minimum; NaN propagates, ties share the gradient.', 'minimum(tensor([1, 5, NaN]), tensor([3, 2, 0])) // tensor([1., 2., nan])'),
  tanhBackward: tanhBackwardOp,
  sigmoidBackward: sigmoidBackwardOp,
  reluBackward: reluBackwardOp,
  geluBackward: geluBackwardOp,
  atan2: binaryOp('atan2', BOTH, atan2Rules, 'The angle of the point (b, a), `atan(a / b)` in the right quadrant, elementwise in (−π, π], broadcasting; integers give float32.', 'atan2(tensor([1, 1, -1]), tensor([1, -1, -1])) // tensor([ 0.7854,  2.3562, -2.3562])'),
  fmod: binaryOp('fmod', SECOND_ONLY, modRules('trunc'), 'C\'s `fmod`: the remainder of a / b rounded toward zero, with the sign of a, broadcasting. Integer division by zero is an error.', 'fmod(x, 3)', noBool('fmod')),
  remainder: binaryOp('remainder', SECOND_ONLY, modRules('floor'), 'Python\'s modulo `a − floor(a / b) · b`: the result has the sign of b, broadcasting. Integer division by zero is an error.', 'remainder(x, 3)', noBool('remainder')),
  floorDivide: {
    name: 'floorDivide',
    doc: 'Floor division `a // b` as PyTorch and Python define it (the quotient that goes with `remainder`), broadcasting; ' +
      'integers stay integers (division by zero is an error). Not differentiable, as in PyTorch.',
    example: 'floorDivide(x, 2)',
    differentiable: false,
    call: (run, a, b) => {
      const inputs = operands(a, b, 'floorDivide');
      noBool('floorDivide')(inputs[0], inputs[1]);
      return run(inputs, undefined);
    },
    forward: forwardOf('floorDivide', NONE),
    flops: elementwiseFlops,
  },
  hypot: binaryOp('hypot', BOTH, hypotRules, '`√(a² + b²)` elementwise without overflow, broadcasting; floating point only (as in PyTorch).', 'hypot(tensor([3, 5]), tensor([4, 12])) // tensor([ 5., 13.])', floatOnly('hypot'), true),
  xlogy: xlogyOp,
  bitwiseAnd: bitwiseOp('bitwiseAnd', 'Bitwise and of int32 or bool tensors, broadcasting (logical and for two bools).', 'bitwiseAnd(flags, 4)', false),
  bitwiseOr: bitwiseOp('bitwiseOr', 'Bitwise or of int32 or bool tensors, broadcasting (logical or for two bools).', 'bitwiseOr(tensor([12, 5], { dtype: \'int32\' }), tensor([10, 3], { dtype: \'int32\' })) // tensor([14,  7], dtype=int32)', false),
  bitwiseXor: bitwiseOp('bitwiseXor', 'Bitwise exclusive or of int32 or bool tensors, broadcasting (logical xor for two bools).', 'bitwiseXor(tensor([12, 5], { dtype: \'int32\' }), tensor([10, 3], { dtype: \'int32\' })) // tensor([6, 6], dtype=int32)', false),
  bitwiseLeftShift: bitwiseOp('bitwiseLeftShift', '`a << b` on int32 tensors, broadcasting; the shift count is taken modulo 32 (as PyTorch 1.13 on x86).', 'bitwiseLeftShift(x, 2)', true),
  bitwiseRightShift: bitwiseOp('bitwiseRightShift', '`a >> b` (arithmetic, keeping the sign) on int32 tensors, broadcasting; the shift count is taken modulo 32.', 'bitwiseRightShift(x, 1)', true),
  eq: compareOp('eq', '`a == b` elementwise, as a bool tensor.'),
  ne: compareOp('ne', '`a != b` elementwise, as a bool tensor (true where either is NaN).'),
  lt: compareOp('lt', '`a < b` elementwise, as a bool tensor.'),
  le: compareOp('le', '`a <= b` elementwise, as a bool tensor.'),
  gt: compareOp('gt', '`a > b` elementwise, as a bool tensor.'),
  ge: compareOp('ge', '`a >= b` elementwise, as a bool tensor.'),
};
