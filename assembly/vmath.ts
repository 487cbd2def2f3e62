// Vectorised float32 transcendentals. Libm calls cost 10–20 ns per element (measured in V8), which is more than
// the whole rest of an elementwise kernel, so each function here is a branch-free polynomial with range
// reduction, accurate to a few float32 ulps over the full range, with IEEE special values handled by masks.

// V8 rebuilds every v128.const inside a loop with three instructions (movq, vmovq, vpunpcklqdq), which for the
// dozen constants of a polynomial costs more than the arithmetic. The constants therefore live in static
// tables and are splatted from memory: one vbroadcastss each.
const F = memory.data<f32>([
  -104.0, 88.8, 1.44269504088896341, 12582912.0, 0.693359375, -2.12194440e-4, // 0–5: exp range and reduction
  1.9875691500e-4, 1.3981999507e-3, 8.3334519073e-3, 4.1665795894e-2, 1.6666665459e-1, 5.0000001201e-1, // 6–11
  1.0, 2.0, 0.5, 0.0, // 12–15
  1.17549435e-38, 8388608.0, 0.707106781186547524, // 16–18: log
  7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1, // 19–23
  -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1, // 24–27
  -Infinity, NaN, Infinity, // 28–30
  -0.0062711709178984165, 0.02106950245797634, -0.053851790726184845, 0.13332581520080566, // 31–34: tanh
  -0.33333316445350647, 0.55, // 35–36
  -0.5, 0.39894228, // 37–38: the normal density's exponent and scale
  0.17087277, -0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, // 39–46: erfcc
  1.00002368, -1.26551223, // 47–48
], 16);
const I = memory.data<i32>([127, 0x80000000, 0x007fffff, 0x3f000000, 0x4b400000, 126, 23, 1, 2, 0xfffff000], 16);
const D = memory.data<f64>([
  6.36619772367581382433e-01, 1.57079631090164184570e+00, 1.58932547735281966916e-08, // 0–2: 2/π, π/2 in two parts
  -0.166666666416265235595, 0.0083333293858894631756, -0.000198393348360966317347, 0.0000027183114939898219064, // 3–6
  -0.499999997251031003120, 0.0416666233237390631894, -0.00138867637746099294692, 0.0000243904487962774090654, // 7–10
  1.0, // 11
], 16);

@inline function f(i: i32): v128 {
  return v128.load32_splat(F + (<usize>i << 2));
}
@inline function n(i: i32): v128 {
  return v128.load32_splat(I + (<usize>i << 2));
}
@inline function d(i: i32): v128 {
  return v128.load64_splat(D + (<usize>i << 3));
}

@inline export function signMask(): v128 {
  return n(1);
}

@inline export function splatOne(): v128 {
  return f(12);
}

// 2^k for integer lanes k in [-126, 127], built directly in the exponent field.
@inline function pow2i(k: v128): v128 {
  return i32x4.shl(i32x4.add(k, n(0)), 23);
}

/**
 * e^x per lane (Cephes expf polynomial; at most 0.98 ulp from the exact value over the whole range).
 * Arguments are clamped to [-104, 88.8] so that the scale 2^k stays within [-150, 128]; it is applied as two
 * factors 2^(k>>1) · 2^(k-(k>>1)), both normal numbers, which makes overflow give +Inf and the subnormal range
 * (x < -87.3) round once, correctly, to 0 or a subnormal instead of flushing. pmax/pmin (one instruction each,
 * unlike f32x4.max/min) clamp with the operand order that keeps a NaN x unchanged.
 */
@inline export function exp4(x0: v128): v128 {
  const x = f32x4.pmin(f32x4.pmax(x0, f(0)), f(1));
  // Adding 1.5·2^23 rounds x·log2(e) to the nearest integer k and leaves k in the low mantissa bits.
  const t = f32x4.add(f32x4.mul(x, f(2)), f(3));
  const kf = f32x4.sub(t, f(3));
  // Cody–Waite: 0.693359375 has 11 significant bits, so k·C1 is exact for |k| ≤ 150.
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(kf, f(4))), f32x4.mul(kf, f(5)));
  return expReduced4(r, i32x4.sub(t, n(4)));
}

/**
 * e^(hi + lo) per lane for an argument given in two parts, `hi` exact and `lo` small (|lo| ≲ 2): `hi` goes into
 * the Cody–Waite reduction before `lo` is added, so the sum is never rounded, where rounding hi + lo near −86 would
 * cost up to 40 ulps. Overflow, underflow and NaN as in `exp4`.
 */
@inline export function expSplit4(hi: v128, lo: v128): v128 {
  const x0 = f32x4.add(hi, lo);
  const x = f32x4.pmin(f32x4.pmax(x0, f(0)), f(1));
  // A clamped lane (or a NaN, which x keeps) is x alone: hi and lo may be infinite there.
  const inRange = f32x4.eq(x, x0);
  const h = v128.bitselect(hi, x, inRange);
  const t = f32x4.add(f32x4.mul(x, f(2)), f(3));
  const kf = f32x4.sub(t, f(3));
  const r = f32x4.add(f32x4.sub(f32x4.sub(h, f32x4.mul(kf, f(4))), f32x4.mul(kf, f(5))), v128.and(lo, inRange));
  return expReduced4(r, i32x4.sub(t, n(4)));
}

// e^r · 2^k for the reduced argument |r| ≤ ln2/2 (about) and the integer lanes k.
@inline function expReduced4(r: v128, k: v128): v128 {
  // Estrin's scheme (three short dependency chains, not five steps in a row); the wide lanes' latency, not their
  // arithmetic, bounds these kernels.
  const r2 = f32x4.mul(r, r), r4 = f32x4.mul(r2, r2);
  const a = f32x4.add(f32x4.mul(f(6), r), f(7)), b = f32x4.add(f32x4.mul(f(8), r), f(9));
  const c = f32x4.add(f32x4.mul(f(10), r), f(11));
  const p = f32x4.add(f32x4.mul(a, r4), f32x4.add(f32x4.mul(b, r2), c));
  const y = f32x4.add(f32x4.add(f32x4.mul(p, r2), r), f(12));
  const k1 = i32x4.shr_s(k, 1);
  return f32x4.mul(f32x4.mul(y, pow2i(k1)), pow2i(i32x4.sub(k, k1)));
}

/**
 * Natural log per lane (Cephes logf polynomial, at most 0.82 ulp), including subnormal inputs, which are
 * scaled by 2^23 first. log(0) = -Inf, log(x < 0) = NaN, log(+Inf) = +Inf, NaN stays NaN.
 */
@inline export function log4(x: v128): v128 {
  const tiny = f32x4.lt(x, f(16));
  const bits = v128.bitselect(f32x4.mul(x, f(17)), x, tiny);
  let e = i32x4.sub(i32x4.shr_u(bits, 23), n(5));
  e = i32x4.sub(e, v128.and(tiny, n(6)));
  // Mantissa in [0.5, 1).
  let m = v128.or(v128.and(bits, n(2)), n(3));
  const low = f32x4.lt(m, f(18));
  // Below √½ the mantissa is doubled and the exponent lowered, so the polynomial argument is in [-0.29, 0.41].
  e = i32x4.add(e, low); // mask lanes are -1
  m = f32x4.sub(f32x4.add(m, v128.and(m, low)), f(12));
  const ef = f32x4.convert_i32x4_s(e);
  const z = f32x4.mul(m, m);
  let y = f32x4.add(f32x4.mul(f(19), m), f(20));
  y = f32x4.add(f32x4.mul(y, m), f(21));
  y = f32x4.add(f32x4.mul(y, m), f(22));
  y = f32x4.add(f32x4.mul(y, m), f(23));
  y = f32x4.add(f32x4.mul(y, m), f(24));
  y = f32x4.add(f32x4.mul(y, m), f(25));
  y = f32x4.add(f32x4.mul(y, m), f(26));
  y = f32x4.add(f32x4.mul(y, m), f(27));
  y = f32x4.mul(f32x4.mul(y, m), z);
  y = f32x4.add(y, f32x4.mul(ef, f(5)));
  y = f32x4.sub(y, f32x4.mul(z, f(14)));
  let res = f32x4.add(f32x4.add(m, y), f32x4.mul(ef, f(4)));
  res = v128.bitselect(f(28), res, f32x4.eq(x, f(15)));
  res = v128.bitselect(f(29), res, f32x4.lt(x, f(15)));
  // +Inf and NaN are their own logs; both are the lanes that are not below +Inf.
  return v128.bitselect(res, x, f32x4.lt(x, f(30)));
}

/**
 * tanh per lane (at most 1.5 ulp). Below |x| = 0.55 an odd polynomial x + x³·P(x²) (degree-4 least-squares fit,
 * 0.8 ulp) avoids the cancellation of the exp form; above it, 1 − 2/(e^{2|x|} + 1), which saturates to
 * exactly ±1 and passes NaN through. Both branches work on |x| and the sign is put back last, which also
 * gives tanh(-0) = -0.
 */
@inline export function tanh4(x: v128): v128 {
  const ax = f32x4.abs(x);
  const t = f32x4.mul(ax, ax);
  let p = f32x4.add(f32x4.mul(f(31), t), f(32));
  p = f32x4.add(f32x4.mul(p, t), f(33));
  p = f32x4.add(f32x4.mul(p, t), f(34));
  p = f32x4.add(f32x4.mul(p, t), f(35));
  const small = f32x4.add(ax, f32x4.mul(f32x4.mul(ax, t), p));
  const e = exp4(f32x4.add(ax, ax));
  const big = f32x4.sub(f(12), f32x4.div(f(13), f32x4.add(e, f(12))));
  const mag = v128.bitselect(small, big, f32x4.lt(ax, f(36)));
  return v128.or(mag, v128.and(x, n(1)));
}

/**
 * Logistic sigmoid per lane (at most 2.2 ulp): with e = exp(−|x|) ∈ (0, 1], 1/(1 + e) for x ≥ 0 and e/(1 + e)
 * for x < 0, so neither branch overflows and large negative x gives the subnormal result, not 0 or NaN.
 */
@inline export function sigmoid4(x: v128): v128 {
  const e = exp4(v128.or(x, n(1)));
  // One division for both branches (numerator 1 or e), so the result is rounded once after exp.
  return f32x4.div(v128.bitselect(f(12), e, f32x4.ge(x, f(15))), f32x4.add(f(12), e));
}

// sin/cos run in float64 lanes: a float32 argument is exact there, and the two-constant Cody–Waite reduction
// by π/2 (musl's __rem_pio2f medium case) leaves an error far below float32 resolution for |x| < 2^27·π/2.
// The kernels are musl's __sindf/__cosdf, minimax polynomials for float32 accuracy on [-π/4, π/4].
@inline function sincos2(x: v128, cosine: bool): v128 {
  const k = f64x2.nearest(f64x2.mul(x, d(0)));
  let r = f64x2.sub(x, f64x2.mul(k, d(1)));
  r = f64x2.sub(r, f64x2.mul(k, d(2)));
  const z = f64x2.mul(r, r);
  const w = f64x2.mul(z, z);
  const sz = f64x2.mul(z, r);
  const sr = f64x2.add(d(5), f64x2.mul(z, d(6)));
  const s = f64x2.add(f64x2.add(r, f64x2.mul(sz, f64x2.add(d(3), f64x2.mul(z, d(4))))), f64x2.mul(f64x2.mul(sz, w), sr));
  const cr = f64x2.add(d(9), f64x2.mul(z, d(10)));
  const c = f64x2.add(f64x2.add(f64x2.add(d(11), f64x2.mul(z, d(7))), f64x2.mul(w, d(8))), f64x2.mul(f64x2.mul(w, z), cr));
  let q = i32x4.trunc_sat_f64x2_s_zero(k);
  // cos(x) = sin(x + π/2): one more quadrant.
  if (cosine) q = i32x4.add(q, n(7));
  const odd = i64x2.extend_low_i32x4_s(i32x4.ne(v128.and(q, n(7)), i32x4.splat(0)));
  const neg = i64x2.shl(i64x2.extend_low_i32x4_u(v128.and(q, n(8))), 62);
  return v128.xor(v128.bitselect(c, s, odd), neg);
}

/** sin (or cos) of four float32 lanes, each rounded from a float64 value accurate to ~1e-10 (≤ 0.51 ulp). */
@inline export function sincos4(x: v128, cosine: bool): v128 {
  const lo = sincos2(f64x2.promote_low_f32x4(x), cosine);
  const hi = sincos2(f64x2.promote_low_f32x4(i32x4.shuffle(x, x, 2, 3, 2, 3)), cosine);
  const res = i32x4.shuffle(f32x4.demote_f64x2_zero(lo), f32x4.demote_f64x2_zero(hi), 0, 1, 4, 5);
  // The reduction turns -0 into +0 (-0 - (-0)·π/2 = +0); sin(±0) must be ±0.
  return cosine ? res : v128.bitselect(x, res, f32x4.eq(x, f(15)));
}

// e^(−x²/2) without rounding x²: with a = |x| split as ah + al (ah keeps 12 significant bits, so ah²/2 is exact in
// float32), −x²/2 = −ah²/2 − al·(a + ah)/2, an exact high part and a small rest, which `expSplit4` takes as they
// are. Rounding x² (or |x|/√2) itself would cost up to 5e-6 of relative error where x²/2 is near 86 (x near −13).

/** |x| with its low 12 mantissa bits cleared, so that its square is exact in float32. */
@inline export function highBits4(a: v128): v128 {
  return v128.and(a, n(9));
}

/** −ah²/2 for `ah` from `highBits4`: exact in float32. */
@inline export function gaussArgHigh4(ah: v128): v128 {
  return f32x4.mul(f32x4.mul(ah, ah), f(37));
}

/** −(a − ah)·(a + ah)/2, the small rest of −a²/2 after −ah²/2; 0 for a = +∞ (not ∞ − ∞). */
@inline export function gaussRest4(a: v128, ah: v128): v128 {
  const rest = f32x4.mul(f32x4.mul(f32x4.sub(a, ah), f32x4.add(a, ah)), f(37));
  return v128.and(rest, f32x4.lt(a, f(30)));
}

/** 1/√(2π), the standard normal density at 0, in every lane. */
@inline export function densityScale4(): v128 {
  return f(38);
}

/** u = 1/(1 + t/2) for t = a/√2, the variable of Numerical Recipes' erfcc (`erfcExponent4`). */
@inline export function erfccU4(a: v128): v128 {
  return f32x4.div(f(12), f32x4.add(f(12), f32x4.mul(f(14), f32x4.mul(a, f(18)))));
}

/**
 * P(u) of Numerical Recipes' erfcc, erfc(t) = u·e^(−t² + P(u)) with u = 1/(1 + t/2) (`erfccU4`), whose fractional
 * error is below 1.2e-7 for every t ≥ 0. With t = a/√2, the normal tail is Φ(−a) = u/2·e^(−a²/2 + P(u)), without
 * the cancellation of 1 − Φ(a).
 */
@inline export function erfcExponent4(u: v128): v128 {
  // Estrin's scheme: the same polynomial in four short dependency chains instead of one of nine steps.
  const u2 = f32x4.mul(u, u), u4 = f32x4.mul(u2, u2), u8 = f32x4.mul(u4, u4);
  const q0 = f32x4.add(f32x4.mul(u, f(47)), f(48)), q1 = f32x4.add(f32x4.mul(u, f(45)), f(46));
  const q2 = f32x4.add(f32x4.mul(u, f(43)), f(44)), q3 = f32x4.add(f32x4.mul(u, f(41)), f(42));
  const q4 = f32x4.add(f32x4.mul(u, f(39)), f(40));
  const r0 = f32x4.add(f32x4.mul(q1, u2), q0), r1 = f32x4.add(f32x4.mul(q3, u2), q2);
  return f32x4.add(f32x4.add(f32x4.mul(r1, u4), r0), f32x4.mul(q4, u8));
}

/** u/2 per lane. */
@inline export function half4(u: v128): v128 {
  return f32x4.mul(f(14), u);
}

/** Φ(x) from the tail h = Φ(−|x|): h below 0, 1 − h from 0 on (NaN stays NaN). */
@inline export function cdfFromTail4(x: v128, h: v128): v128 {
  return v128.bitselect(h, f32x4.sub(f(12), h), f32x4.lt(x, f(15)));
}

/**
 * The standard normal CDF Φ(x) per lane, from the tail Φ(−|x|) = u/2·e^(−x²/2 + P(u)) (`erfcExponent4`), one
 * exponential of an argument in two parts, so no cancellation on the negative side, where Φ is tiny, and no
 * rounding of x²/2. Φ(±∞) = 1 or 0; NaN stays NaN.
 */
@inline export function normalCdf4(x: v128): v128 {
  const a = f32x4.abs(x), ah = highBits4(a), u = erfccU4(a);
  const tail = f32x4.mul(half4(u), expSplit4(gaussArgHigh4(ah), f32x4.add(erfcExponent4(u), gaussRest4(a, ah))));
  return cdfFromTail4(x, tail);
}
