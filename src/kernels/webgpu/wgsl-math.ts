// The elementwise functions of the kernel catalog in WGSL, one expression per kernel and element type. The tables
// are `Record`s over the catalog's names, so a kernel added to the catalog without a WGSL form here is a compile
// error, as it is for the TS reference (`src/kernels/ts/elementwise.ts`); `null` marks a kernel the GPU does not
// run (a DeviceSupportError naming the op). Float expressions use `x` (unary) or `a` and `b` (binary); NaN is
// tested on bits (`isnan_`), never with comparisons a compiler may fold away.
import type { BinaryKernel, UnaryKernel } from '../catalog.js';

/** WGSL of each unary kernel on f32 `x`; null where the GPU has no kernel. */
export const UNARY_F32: Record<UnaryKernel, string | null> = {
  neg: '-x',
  exp: 'exp_(x)',
  log: 'log_(x)',
  sqrt: 'sqrt_(x)',
  abs: 'abs(x)',
  sin: 'sin_(x)',
  cos: 'cos_(x)',
  tanh: 'tanh_(x)',
  sigmoid: 'sigmoid_(x)',
  relu: 'select(x, 0.0, x <= 0.0)',
  sign: 'select(select(0.0, -1.0, x < 0.0), 1.0, x > 0.0)',
  erf: 'erf_(x)',
  erfinv: 'erfinv_(x)',
  log1p: 'log1p_(x)',
  expm1: 'expm1_(x)',
  log2: 'log_(x) * 1.4426950408889634',
  log10: 'log_(x) * 0.4342944819032518',
  exp2: 'exp_(x * 0.6931471805599453)',
  tan: 'sin_(x) / cos_(x)',
  asin: 'select(asin(x), nan_(), isnan_(x) || abs(x) > 1.0)',
  acos: 'acos_(x)',
  atan: 'select(atan(x), x, isnan_(x))',
  sinh: 'sinh_(x)',
  cosh: 'cosh_(x)',
  asinh: 'asinh_(x)',
  acosh: 'acosh_(x)',
  atanh: 'atanh_(x)',
  floor: 'floor(x)',
  ceil: 'ceil(x)',
  // WGSL's round rounds half to even, as PyTorch does.
  round: 'round(x)',
  trunc: 'trunc(x)',
  frac: 'select(x - trunc(x), nan_(), abs(x) == inf_())',
  softplus: 'select(log1p_(exp_(x)), x, x > 20.0 || isnan_(x))',
  logSigmoid: 'min(x, 0.0) - log1p_(exp_(-abs(x)))',
  gelu: 'x * phi_(x)',
};

/** WGSL of the unary kernels that keep integers (catalog `integer: true`), on i32 `x` (bool is 0/1). */
export const UNARY_I32: Partial<Record<UnaryKernel, string>> = {
  neg: '-x',
  abs: 'abs(x)',
  relu: 'max(x, 0)',
  sign: 'sign(x)',
  floor: 'x',
  ceil: 'x',
  round: 'x',
  trunc: 'x',
};

/** WGSL of each binary kernel on f32 `a`, `b`: a value, or a bool for the comparisons; null where the GPU has none. */
export const BINARY_F32: Record<BinaryKernel, string | null> = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'a / b',
  pow: 'pow_(a, b)',
  maximum: 'select(max(a, b), nan_(), isnan_(a) || isnan_(b))',
  minimum: 'select(min(a, b), nan_(), isnan_(a) || isnan_(b))',
  tanhBackward: 'a * (1.0 - b * b)',
  sigmoidBackward: 'a * (1.0 - b) * b',
  reluBackward: 'select(a, 0.0, b <= 0.0)',
  atan2: 'select(atan2(a, b), nan_(), isnan_(a) || isnan_(b))',
  // C's fmod, exact (on the bits, as musl's fmodf), and Python's remainder and floor division from it.
  fmod: 'fmod_(a, b)',
  remainder: 'remainder_(a, b)',
  floorDivide: 'floordiv_(a, b)',
  hypot: 'hypot_(a, b)',
  xlogy: 'select(select(a * log_(b), 0.0, a == 0.0), nan_(), isnan_(b))',
  geluBackward: 'a * (phi_(b) + b * 0.3989422804014327 * exp_(-0.5 * b * b))',
  bitwiseAnd: null,
  bitwiseOr: null,
  bitwiseXor: null,
  bitwiseLeftShift: null,
  bitwiseRightShift: null,
  eq: '!isnan_(a) && !isnan_(b) && a == b',
  ne: 'isnan_(a) || isnan_(b) || a != b',
  lt: '!isnan_(a) && !isnan_(b) && a < b',
  le: '!isnan_(a) && !isnan_(b) && a <= b',
  gt: '!isnan_(a) && !isnan_(b) && a > b',
  ge: '!isnan_(a) && !isnan_(b) && a >= b',
};

/** WGSL of each binary kernel on i32 `a`, `b` (bool as 0/1). Integer powers are exact, or report an error. */
export const BINARY_I32: Record<BinaryKernel, string | null> = {
  add: 'a + b',
  sub: 'a - b',
  mul: 'a * b',
  div: 'select(a / b, 0, b == 0)',
  pow: 'ipow_(a, b)',
  maximum: 'max(a, b)',
  minimum: 'min(a, b)',
  tanhBackward: 'a * (1 - b * b)',
  sigmoidBackward: 'a * (1 - b) * b',
  reluBackward: 'select(a, 0, b <= 0)',
  atan2: null,
  // Division by zero is reported (error 5), as the CPU's ZeroDivisionError.
  fmod: 'imod_(a, b, 0)',
  remainder: 'imod_(a, b, 1)',
  floorDivide: 'imod_(a, b, 2)',
  hypot: null,
  xlogy: null,
  geluBackward: null,
  bitwiseAnd: 'a & b',
  bitwiseOr: 'a | b',
  bitwiseXor: 'a ^ b',
  // PyTorch shifts by the amount modulo the width, as JavaScript does; WGSL's shift needs it below 32.
  bitwiseLeftShift: 'a << (u32(b) & 31u)',
  bitwiseRightShift: 'a >> (u32(b) & 31u)',
  eq: 'a == b',
  ne: 'a != b',
  lt: 'a < b',
  le: 'a <= b',
  gt: 'a > b',
  ge: 'a >= b',
};

/**
 * Float helpers with the reference kernels' edge cases (NaN, ±∞, −0, negative arguments), which WGSL's builtins
 * leave undefined: C's pow, erf (series below 0.5, Numerical Recipes' erfc with fractional error < 1.2e-7
 * above), a tanh that cannot overflow, a sigmoid stable on both sides, and sin/cos with a Cody–Waite reduction by
 * π/2 (three-part constant, exact products for |x| < 2^15) and series on [-π/4, π/4]: WGSL only promises 2^-11
 * absolute error for its builtins, and software drivers deliver about that.
 */
export const FLOAT_HELPERS = /* wgsl */ `
fn sincos_(x: f32, cosine: bool) -> f32 {
  if (isnan_(x) || abs(x) == inf_()) { return nan_(); }
  let k = round(x * 0.63661977236);
  var r = x - k * 1.5703125;
  r = r - k * 4.837512969970703125e-4;
  r = r - k * 7.54978995489188216e-8;
  let z = r * r;
  let s = r + r * z * (-0.16666666666 + z * (0.0083333333333 + z * (-0.00019841269841 + z * 0.0000027557319224)));
  let c = 1.0 + z * (-0.5 + z * (0.041666666667 + z * (-0.0013888888889 + z * (0.000024801587302 + z * -0.00000027557319224))));
  let q = (i32(k) + select(0, 1, cosine)) & 3;
  if (q == 0) { return s; }
  if (q == 1) { return c; }
  if (q == 2) { return -s; }
  return -c;
}
fn log1p_(x: f32) -> f32 {
  // log(u)·x/(u − 1) with u = 1 + x rounded: the rounding of u cancels (Goldberg).
  if (isnan_(x) || x < -1.0) { return nan_(); }
  if (x == -1.0) { return -inf_(); }
  if (x == inf_()) { return x; }
  let u = 1.0 + x;
  if (u == 1.0) { return x; }
  return log(u) * x / (u - 1.0);
}
fn expm1_(x: f32) -> f32 {
  // (u − 1)·x/log(u) with u = e^x rounded (Kahan); plain e^x − 1 where no digits cancel.
  if (isnan_(x)) { return x; }
  if (abs(x) > 0.5) { return exp_(x) - 1.0; }
  let u = exp(x);
  if (u == 1.0) { return x; }
  let m = u - 1.0;
  if (m == -1.0) { return -1.0; }
  return m * x / log(u);
}
fn sinh_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  if (abs(x) > 89.0) { return select(inf_(), -inf_(), x < 0.0); }
  let e = expm1_(abs(x));
  let r = 0.5 * (e + e / (e + 1.0));
  return select(r, -r, x < 0.0);
}
fn cosh_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  let a = abs(x);
  if (a > 89.0) { return inf_(); }
  let e = exp(a);
  return 0.5 * (e + 1.0 / e);
}
fn asinh_(x: f32) -> f32 {
  if (isnan_(x) || abs(x) == inf_()) { return x; }
  let a = abs(x);
  var r: f32;
  if (a > 1e18) { r = log(a) + 0.6931471805599453; }
  else { r = log1p_(a + a * a / (1.0 + sqrt(1.0 + a * a))); }
  return select(r, -r, x < 0.0);
}
fn acosh_(x: f32) -> f32 {
  if (isnan_(x) || x < 1.0) { return nan_(); }
  if (x == inf_()) { return x; }
  if (x > 1e18) { return log(x) + 0.6931471805599453; }
  let t = x - 1.0;
  return log1p_(t + sqrt(t * (x + 1.0)));
}
fn atanh_(x: f32) -> f32 {
  if (isnan_(x) || abs(x) > 1.0) { return nan_(); }
  if (abs(x) == 1.0) { return select(inf_(), -inf_(), x < 0.0); }
  let a = abs(x);
  let r = 0.5 * log1p_(2.0 * a / (1.0 - a));
  return select(r, -r, x < 0.0);
}
fn acos_(x: f32) -> f32 {
  // Through asin, which drivers compute more accurately; halved angles near ±1, where acos(x) is small or near π.
  if (isnan_(x) || abs(x) > 1.0) { return nan_(); }
  if (x > 0.5) { return 2.0 * asin(sqrt((1.0 - x) * 0.5)); }
  if (x < -0.5) { return 3.1415926535897932 - 2.0 * asin(sqrt((1.0 + x) * 0.5)); }
  return 1.5707963267948966 - asin(x);
}
fn hypot_(a: f32, b: f32) -> f32 {
  // ∞ when either is infinite, even with a NaN (C's hypot); scaled so that no square overflows.
  if (abs(a) == inf_() || abs(b) == inf_()) { return inf_(); }
  if (isnan_(a) || isnan_(b)) { return nan_(); }
  let m = max(abs(a), abs(b));
  if (m == 0.0) { return 0.0; }
  let p = a / m;
  let q = b / m;
  return m * sqrt(p * p + q * q);
}
fn sin_(x: f32) -> f32 { return sincos_(x, false); }
fn cos_(x: f32) -> f32 { return sincos_(x, true); }
fn exp_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  if (x > 88.8) { return inf_(); }
  if (x < -104.0) { return 0.0; }
  return exp(x);
}
fn log_(x: f32) -> f32 {
  if (isnan_(x) || x < 0.0) { return nan_(); }
  if (x == 0.0) { return -inf_(); }
  if (x == inf_()) { return x; }
  return log(x);
}
fn sqrt_(x: f32) -> f32 {
  if (isnan_(x) || x < 0.0) { return nan_(); }
  if (x == inf_()) { return x; }
  return sqrt(x);
}
fn tanh_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  let a = abs(x);
  var r: f32;
  if (a < 0.4) {
    // Odd Taylor series to x^13: exact to float32 rounding below 0.4, where exp-based forms cancel.
    let z = a * a;
    r = a * (1.0 + z * (-0.33333333333 + z * (0.13333333333 + z * (-0.053968253968 + z * (0.021869488536 + z * (-0.0088632355299 + z * 0.0035921280366))))));
  } else if (a > 9.5) {
    r = 1.0;
  } else {
    let e = exp(-2.0 * a);
    r = (1.0 - e) / (1.0 + e);
  }
  return select(r, -r, x < 0.0);
}
fn sigmoid_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  let e = exp_(-abs(x));
  let s = 1.0 / (1.0 + e);
  return select(e * s, s, x >= 0.0);
}
fn erf_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  let a = abs(x);
  var r: f32;
  if (a < 0.5) {
    let z = a * a;
    r = 1.1283791671 * a * (1.0 + z * (-0.33333333333 + z * (0.1 + z * (-0.023809523810 + z * (0.0046296296296 + z * (-0.00075757575758 + z * 0.00010683760684))))));
  } else if (a > 4.0) {
    r = 1.0;
  } else {
    r = 1.0 - erfc_pos_(a);
  }
  return select(r, -r, x < 0.0 || bitcast<u32>(x) == 0x80000000u);
}
// erfc(a) for a >= 0.5: Numerical Recipes' erfcc, fractional error below 1.2e-7 (0 for a = +inf).
fn erfc_pos_(a: f32) -> f32 {
  let t = 1.0 / (1.0 + 0.5 * a);
  let p = -a * a - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 +
    t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return t * exp(p);
}
// The standard normal CDF: erfc on the negative side, so its relative error stays small where it is tiny.
fn phi_(x: f32) -> f32 {
  let z = x * 0.7071067811865476;
  if (z <= -0.5) { return 0.5 * erfc_pos_(-z); }
  return 0.5 * (1.0 + erf_(z));
}
fn pow_(a: f32, b: f32) -> f32 {
  if (b == 0.0 || a == 1.0) { return 1.0; }
  if (isnan_(a) || isnan_(b)) { return nan_(); }
  let m = abs(a);
  if (abs(b) == inf_()) {
    if (m == 1.0) { return 1.0; }
    return select(0.0, inf_(), (m > 1.0) == (b > 0.0));
  }
  let integral = b == floor(b);
  let odd = integral && abs(b) < 16777216.0 && (i32(abs(b)) & 1) == 1;
  let negative = (bitcast<u32>(a) & 0x80000000u) != 0u;
  if (negative && m != 0.0 && !integral) { return nan_(); }
  var r: f32;
  if (m == 0.0) { r = select(0.0, inf_(), b < 0.0); }
  else if (m == inf_()) { r = select(inf_(), 0.0, b < 0.0); }
  else { r = exp2(b * log2(m)); }
  return select(r, -r, negative && odd);
}`;

/** The integer power, exact, reporting error 1 (with base and exponent) when the result does not fit in int32. */
export const INT_POW = /* wgsl */ `
fn imul_(x: i32, y: i32, a: i32, b: i32) -> i32 {
  let r = x * y;
  if (x != 0 && (r / x != y || (x == -1 && y == -2147483647 - 1))) { fail(1u, bitcast<u32>(a), bitcast<u32>(b)); }
  return r;
}
fn ipow_(a: i32, b: i32) -> i32 {
  if (b < 0) {
    if (a == 1) { return 1; }
    if (a == -1) { return select(-1, 1, (b & 1) == 0); }
    if (a == 0) { fail(1u, bitcast<u32>(a), bitcast<u32>(b)); }
    return 0;
  }
  var r = 1;
  var base = a;
  var e = b;
  loop {
    if (e == 0) { break; }
    if ((e & 1) == 1) { r = imul_(r, base, a, b); }
    e = e >> 1u;
    if (e > 0) { base = imul_(base, base, a, b); }
  }
  return r;
}`;

/** Integer fmod (0), remainder (1) and floor division (2), reporting error 5 (with both operands) when b is 0. */
export const INT_MOD = /* wgsl */ `
fn imod_(a: i32, b: i32, kind: u32) -> i32 {
  if (b == 0) {
    fail(5u, bitcast<u32>(a), bitcast<u32>(b));
    return 0;
  }
  let m = a % b;
  let off = m != 0 && ((m < 0) != (b < 0));
  if (kind == 0u) { return m; }
  if (kind == 1u) { return select(m, m + b, off); }
  let q = a / b;
  return select(q, q - 1, off);
}`;

/**
 * C's fmod on float32, exact (musl's fmodf, on the bits: the mantissas' long division), Python's remainder (the
 * result takes b's sign) and floor division from it, as the reference computes them; and erfinv by Giles'
 * single-precision approximation (about 1e-7 relative; the CPU refines it further in float64).
 */
export const FLOAT_MOD = /* wgsl */ `
fn fmod_(x: f32, y: f32) -> f32 {
  let ux = bitcast<u32>(x);
  let uy = bitcast<u32>(y);
  let sx = ux & 0x80000000u;
  var ex = i32((ux >> 23u) & 0xffu);
  var ey = i32((uy >> 23u) & 0xffu);
  if ((uy << 1u) == 0u || isnan_(y) || ex == 0xff) { return nan_(); }
  if ((ux << 1u) <= (uy << 1u)) {
    if ((ux << 1u) == (uy << 1u)) { return bitcast<f32>(sx); }
    return x;
  }
  var mx = (ux & 0x7fffffu) | 0x800000u;
  if (ex == 0) {
    var i = ux << 9u;
    loop { if ((i >> 31u) != 0u) { break; } ex -= 1; i = i << 1u; }
    mx = (ux & 0x7fffffffu) << u32(1 - ex);
  }
  var my = (uy & 0x7fffffu) | 0x800000u;
  if (ey == 0) {
    var i = uy << 9u;
    loop { if ((i >> 31u) != 0u) { break; } ey -= 1; i = i << 1u; }
    my = (uy & 0x7fffffffu) << u32(1 - ey);
  }
  loop {
    if (ex <= ey) { break; }
    let i = mx - my;
    if ((i >> 31u) == 0u) {
      if (i == 0u) { return bitcast<f32>(sx); }
      mx = i;
    }
    mx = mx << 1u;
    ex -= 1;
  }
  let i = mx - my;
  if ((i >> 31u) == 0u) {
    if (i == 0u) { return bitcast<f32>(sx); }
    mx = i;
  }
  loop { if ((mx >> 23u) != 0u) { break; } mx = mx << 1u; ex -= 1; }
  if (ex > 0) { mx = (mx - 0x800000u) | (u32(ex) << 23u); } else { mx = mx >> u32(1 - ex); }
  return bitcast<f32>(mx | sx);
}
fn remainder_(a: f32, b: f32) -> f32 {
  let m = fmod_(a, b);
  if (isnan_(m) || m == 0.0) { return m; }
  return select(m, m + b, (m < 0.0) != (bitcast<u32>(b) >= 0x80000000u));
}
fn floordiv_(a: f32, b: f32) -> f32 {
  if (isnan_(a) || isnan_(b)) { return nan_(); }
  let sign = (bitcast<u32>(a) ^ bitcast<u32>(b)) & 0x80000000u;
  if (b == 0.0) {
    if (a == 0.0) { return nan_(); }
    return bitcast<f32>(sign | 0x7f800000u);
  }
  let m = fmod_(a, b);
  if (isnan_(m)) { return m; }
  var d = (a - m) / b;
  if (m != 0.0 && (b < 0.0) != (m < 0.0)) { d -= 1.0; }
  if (d != 0.0) {
    let f = floor(d);
    return select(f, f + 1.0, d - f > 0.5);
  }
  return bitcast<f32>(sign);
}
fn erfinv_(y: f32) -> f32 {
  if (isnan_(y) || abs(y) > 1.0) { return nan_(); }
  if (abs(y) == 1.0) { return select(inf_(), -inf_(), y < 0.0); }
  if (y == 0.0) { return y; }
  let a = abs(y);
  var w = -log((1.0 - a) * (1.0 + a));
  var p: f32;
  if (w < 5.0) {
    w = w - 2.5;
    p = 2.81022636e-08;
    p = 3.43273939e-07 + p * w;
    p = -3.5233877e-06 + p * w;
    p = -4.39150654e-06 + p * w;
    p = 0.00021858087 + p * w;
    p = -0.00125372503 + p * w;
    p = -0.00417768164 + p * w;
    p = 0.246640727 + p * w;
    p = 1.50140941 + p * w;
  } else {
    w = sqrt(w) - 3.0;
    p = -0.000200214257;
    p = 0.000100950558 + p * w;
    p = 0.00134934322 + p * w;
    p = -0.00367342844 + p * w;
    p = 0.00573950773 + p * w;
    p = -0.0076224613 + p * w;
    p = 0.00943887047 + p * w;
    p = 1.00167406 + p * w;
    p = 2.83297682 + p * w;
  }
  return select(p * a, -p * a, y < 0.0);
}`;
