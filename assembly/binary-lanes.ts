import { cdfFromTail4, densityScale4, erfccU4, erfcExponent4, exp4, expSplit4, gaussArgHigh4, gaussRest4, half4, highBits4 } from './vmath';

// The binary float32 kernels that work lane by lane, one function per kernel of src/kernels/catalog.ts
// (BINARY_KERNELS, those marked `lanes`): the generated `arith4`/`cmp4` in codes.generated.ts call
// `binary<Name>` for each, so a missing one is a compile error. Arithmetic kernels return float lanes; comparisons return lane masks (0 or -1)
// that the row loops in elementwise.ts narrow to bytes. `pow` has a row kernel of its own (elementwise.ts).

/** `a + b`. @example `binaryAdd(a, b)` */
@inline export function binaryAdd(a: v128, b: v128): v128 { return f32x4.add(a, b); }
/** `a - b`. @example `binarySub(a, b)` */
@inline export function binarySub(a: v128, b: v128): v128 { return f32x4.sub(a, b); }
/** `a · b`. @example `binaryMul(a, b)` */
@inline export function binaryMul(a: v128, b: v128): v128 { return f32x4.mul(a, b); }
/** `a / b`. @example `binaryDiv(a, b)` */
@inline export function binaryDiv(a: v128, b: v128): v128 { return f32x4.div(a, b); }

/**
 * a > b ? a : b (the second operand on ties, so maximum(0, -0) = -0 as in the TS backend), NaN if either is;
 * a + b is NaN exactly when one of them is.
 *
 * @example `binaryMaximum(a, b)`
 */
@inline export function binaryMaximum(a: v128, b: v128): v128 {
  return v128.bitselect(f32x4.add(a, b), f32x4.pmax(b, a), v128.or(f32x4.ne(a, a), f32x4.ne(b, b)));
}
/** a < b ? a : b, NaN if either is (see `binaryMaximum`). @example `binaryMinimum(a, b)` */
@inline export function binaryMinimum(a: v128, b: v128): v128 {
  return v128.bitselect(f32x4.add(a, b), f32x4.pmin(b, a), v128.or(f32x4.ne(a, a), f32x4.ne(b, b)));
}

/** tanh's gradient from (g, y): g·(1 − y²). @example `binaryTanhBackward(g, y)` */
@inline export function binaryTanhBackward(a: v128, b: v128): v128 {
  return f32x4.mul(a, f32x4.sub(f32x4.splat(1), f32x4.mul(b, b)));
}
/** sigmoid's gradient from (g, y): g·(1 − y)·y. @example `binarySigmoidBackward(g, y)` */
@inline export function binarySigmoidBackward(a: v128, b: v128): v128 {
  return f32x4.mul(f32x4.mul(a, f32x4.sub(f32x4.splat(1), b)), b);
}
/** relu's gradient from (g, y): g cut where y ≤ 0 (kept where y is NaN). @example `binaryReluBackward(g, y)` */
@inline export function binaryReluBackward(a: v128, b: v128): v128 {
  return v128.andnot(a, f32x4.le(b, f32x4.splat(0)));
}

/** `a == b` as a lane mask. @example `binaryEq(a, b)` */
@inline export function binaryEq(a: v128, b: v128): v128 { return f32x4.eq(a, b); }
/** `a != b` as a lane mask (true where either is NaN). @example `binaryNe(a, b)` */
@inline export function binaryNe(a: v128, b: v128): v128 { return f32x4.ne(a, b); }
/** `a < b` as a lane mask. @example `binaryLt(a, b)` */
@inline export function binaryLt(a: v128, b: v128): v128 { return f32x4.lt(a, b); }
/** `a <= b` as a lane mask. @example `binaryLe(a, b)` */
@inline export function binaryLe(a: v128, b: v128): v128 { return f32x4.le(a, b); }
/** `a > b` as a lane mask. @example `binaryGt(a, b)` */
@inline export function binaryGt(a: v128, b: v128): v128 { return f32x4.gt(a, b); }
/** `a >= b` as a lane mask. @example `binaryGe(a, b)` */
@inline export function binaryGe(a: v128, b: v128): v128 { return f32x4.ge(a, b); }

/** GELU's gradient from (g, x): g·(Φ(x) + x·φ(x)), φ the standard normal density. @example `binaryGeluBackward(g, x)` */
@inline export function binaryGeluBackward(a: v128, b: v128): v128 {
  return f32x4.mul(a, geluSlope4(b));
}

/**
 * Φ(x) + x·φ(x), GELU's derivative: e^(−x²/2) from one exponential of an argument in two parts serves φ and, times
 * u/2·e^(P(u)), Φ's tail (2 exponentials). Not inlined, so that the row loops' variants share one copy.
 */
function geluSlope4(x: v128): v128 {
  const a = f32x4.abs(x), ah = highBits4(a), u = erfccU4(a);
  const gauss = expSplit4(gaussArgHigh4(ah), gaussRest4(a, ah));
  const cdf = cdfFromTail4(x, f32x4.mul(f32x4.mul(half4(u), gauss), exp4(erfcExponent4(u))));
  return f32x4.add(cdf, f32x4.mul(x, f32x4.mul(gauss, densityScale4())));
}
