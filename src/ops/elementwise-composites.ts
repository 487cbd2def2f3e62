// The elementwise composites of issue 15: tests and replacements of special values (isnan, isinf, isfinite,
// nanToNum), bitwiseNot, and the closeness tests (isclose, allclose, equal), each written with ops of the table.
import { isFloating } from '../dtype.js';
import { checkOptions } from '../options.js';
import { sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { describe } from './buffers.js';
import type { Caller } from './define.js';
import { WHERE_OPS } from './where.js';

function checkTensor(x: unknown, op: string): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${describe(x)}.`);
  return x;
}

/** Options of `nanToNum`. */
export interface NanToNumOptions {
  /** What NaN becomes. Default 0. */
  readonly nan?: number;
  /** What +∞ becomes. Default the dtype's largest finite value. */
  readonly posinf?: number;
  /** What −∞ becomes. Default the dtype's lowest finite value. */
  readonly neginf?: number;
}

/** Options of `isclose` and `allclose`. */
export interface IscloseOptions {
  /** Relative tolerance. Default 1e-5. */
  readonly rtol?: number;
  /** Absolute tolerance. Default 1e-8. */
  readonly atol?: number;
  /** Count NaN as equal to NaN. Default false. */
  readonly equalNan?: boolean;
}

const FLOAT32_MAX = 3.4028234663852886e38;

function nanToNum(call: Caller, x: Tensor, options: NanToNumOptions | undefined): Tensor {
  const o = checkOptions('nanToNum', options, { nan: 'number', posinf: 'number', neginf: 'number' });
  if (!isFloating(checkTensor(x, 'nanToNum').dtype)) return x.clone();
  const big = x.dtype === 'float32' ? FLOAT32_MAX : Number.MAX_VALUE;
  const nan = o.nan ?? 0, posinf = o.posinf ?? big, neginf = o.neginf ?? -big;
  // The defaults are a clamp to the finite range (which keeps NaN) and one where: its gradient, as PyTorch's,
  // passes where x is finite.
  const where = (c: Tensor, a: Tensor | number, b: Tensor | number): Tensor => call(WHERE_OPS.where, c, a, b);
  if (posinf === big && neginf === -big) return where(x.isnan(), nan, x.clamp(-big, big));
  return where(x.eq(Infinity), posinf, where(x.eq(-Infinity), neginf, where(x.isnan(), nan, x)));
}

function isclose(a: Tensor, b: Tensor, options: IscloseOptions | undefined, op: string): Tensor {
  const { rtol = 1e-5, atol = 1e-8, equalNan = false } = checkOptions(op, options, { rtol: 'number', atol: 'number', equalNan: 'boolean' });
  checkTensor(a, op);
  checkTensor(b, op);
  if (a.dtype !== b.dtype) {
    throw new Error(`${op}: ${a.dtype} did not match ${b.dtype}: both tensors must have one dtype (as in PyTorch); convert one with .to('${a.dtype}').`);
  }
  if (!(rtol >= 0) || !(atol >= 0)) throw new Error(`${op}: rtol and atol must be non-negative, got rtol=${rtol}, atol=${atol}.`);
  let close = a.eq(b);
  if (a.dtype === 'bool') return close;
  if (equalNan) close = close.logicalOr(a.isnan().logicalAnd(b.isnan()));
  if (rtol === 0 && atol === 0) return close;
  // PyTorch's test: |a − b| ≤ atol + |rtol · b| where the difference is finite, integers measured in float32.
  const allowed = (isFloating(b.dtype) ? b : b.to('float32')).mul(rtol).abs().add(atol);
  const actual = a.sub(b).abs();
  return close.logicalOr(actual.isfinite().logicalAnd(actual.le(allowed)));
}

/** The elementwise composites (spread into COMPOSITES). */
export const ELEMENTWISE_COMPOSITES = {
  isnan: {
    doc: 'True where x is NaN, as a bool tensor (all false for integers).',
    example: 'isnan(tensor([1, NaN, Infinity])) // tensor([False,  True, False])',
    fn: (_: Caller, x: Tensor): Tensor => checkTensor(x, 'isnan').ne(x),
  },
  isinf: {
    doc: 'True where x is +∞ or −∞, as a bool tensor.',
    example: 'isinf(tensor([1, NaN, -Infinity])) // tensor([False, False,  True])',
    fn: (_: Caller, x: Tensor): Tensor => (isFloating(checkTensor(x, 'isinf').dtype) ? x.abs().eq(Infinity) : x.ne(x)),
  },
  isfinite: {
    doc: 'True where x is neither NaN nor ±∞, as a bool tensor.',
    example: 'isfinite(tensor([1, NaN, Infinity])) // tensor([ True, False, False])',
    // x − x is 0 exactly where x is finite, and NaN elsewhere.
    fn: (_: Caller, x: Tensor): Tensor => (isFloating(checkTensor(x, 'isfinite').dtype) ? x.sub(x).eq(0) : x.eq(x)),
  },
  nanToNum: {
    doc: 'Replace NaN by `nan` (0), +∞ by `posinf` and −∞ by `neginf` (the dtype\'s largest and lowest finite values by default); ' +
      'the gradient passes where x is finite.',
    example: 'nanToNum(x, { nan: 0, posinf: 1e4 })',
    fn: (call: Caller, x: Tensor, options?: NanToNumOptions): Tensor => nanToNum(call, x, options),
  },
  bitwiseNot: {
    doc: 'Bitwise not `~x` of an int32 tensor, or logical not of a bool tensor (PyTorch\'s `~`).',
    example: 'bitwiseNot(tensor([0, 5, -1], { dtype: \'int32\' })) // tensor([-1, -6,  0], dtype=int32)',
    fn: (_: Caller, x: Tensor): Tensor => {
      if (checkTensor(x, 'bitwiseNot').dtype === 'bool') return x.logicalNot();
      if (isFloating(x.dtype)) throw new Error(`bitwiseNot: "bitwise_not" is not implemented for ${x.dtype} tensors (as in PyTorch); it takes int32 or bool tensors.`);
      return x.bitwiseXor(-1);
    },
  },
  isclose: {
    doc: 'Elementwise closeness `|a − b| ≤ atol + rtol · |b|` (rtol 1e-5, atol 1e-8; equal infinities are close; NaN only with ' +
      '`equalNan`), broadcasting, as a bool tensor. Both tensors must have one dtype, as in PyTorch.',
    example: 'isclose(a, b, { rtol: 1e-3 })',
    fn: (_: Caller, a: Tensor, b: Tensor, options?: IscloseOptions): Tensor => isclose(a, b, options, 'isclose'),
  },
  allclose: {
    doc: 'Whether every element of a is close to b (see `isclose`; broadcasting), as a boolean.',
    example: 'allclose(a, b, { atol: 1e-6 })',
    fn: (_: Caller, a: Tensor, b: Tensor, options?: IscloseOptions): boolean =>
      isclose(a, b, options, 'allclose').logicalNot().to('int32').sum().item() === 0,
  },
  equal: {
    doc: 'Whether a and b have the same shape and the same elements (NaN is not equal to NaN), as a boolean.',
    example: 'equal(tensor([1, 2]), tensor([1, 2])) // true',
    fn: (_: Caller, a: Tensor, b: Tensor): boolean =>
      sameShape(checkTensor(a, 'equal').shape, checkTensor(b, 'equal').shape) && a.ne(b).to('int32').sum().item() === 0,
  },
};
