// Special functions in float64, as src/kernels/ts/special.ts computes them (the same method, so the float32
// results agree with the TS reference to the rounding of the last step).

import { ERF_DEG, ERF_POLY } from './erf-poly';

const TWO_OVER_SQRT_PI: f64 = 1.1283791670955126;
const ONE_OVER_SQRT_PI: f64 = 0.5641895835477563;

/**
 * erf(x) in float64: the Maclaurin series below |x| = 2.5, 1 − erfc from its continued fraction above, ±1 beyond 6.
 *
 * @example
 * ```ts
 * erf64(1.0); // 0.8427007929497148
 * ```
 */
export function erf64(x: f64): f64 {
  if (x != x) return x;
  const a = Math.abs(x);
  if (a < 2.5) {
    const x2 = a * a;
    let term = a, sum = a;
    for (let n = 1; n < 100; n++) {
      term *= -x2 / <f64>n;
      const t = term / <f64>(2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    }
    return copysign<f64>(sum * TWO_OVER_SQRT_PI, x);
  }
  if (a > 6) return copysign<f64>(1.0, x);
  let f = a;
  for (let k = 60; k >= 1; k--) f = a + <f64>k / 2.0 / f;
  return copysign<f64>(1.0 - (Math.exp(-a * a) / f) * ONE_OVER_SQRT_PI, x);
}

/**
 * erf(x) for float32 results: evaluated in float64 from fitted polynomials (assembly/erf-poly.ts; errors below
 * 4e-15, so the result rounded to float32 is the correctly rounded erf except within 4e-15 of a rounding
 * boundary) and ±1 from |x| = 4 on, where float32 erf is ±1. No branch and no division: some 25 flops a lane,
 * against up to 100 series terms with a division each in erf64.
 *
 * @example
 * ```ts
 * <f32>erf32(1.0); // 0.84270079
 * ```
 */
export function erf32(x: f64): f64 {
  const a = Math.abs(x);
  const c = a < 4.0 ? a : 4.0; // NaN too, so that the conversion below is defined; the result is fixed at the end
  const k = <i32>(c * 2.0);
  const small = k == 0;
  const u = small ? a * a : c - (<f64>k * 0.5 + 0.25);
  const base = k * (ERF_DEG + 1);
  let r = unchecked(ERF_POLY[base + ERF_DEG]);
  for (let j = ERF_DEG - 1; j >= 0; j--) r = r * u + unchecked(ERF_POLY[base + j]);
  r = small ? r * x : copysign<f64>(r, x);
  return x != x ? x : r;
}

/**
 * erfc(x) in float64, as src/kernels/ts/special.ts computes it: the continued fraction from x = 1 on (⌈250 / x²⌉
 * levels below 2.5, 60 above), 1 − erf(x) below.
 *
 * @example
 * ```ts
 * erfc64(3.0); // 2.209049699858544e-5
 * ```
 */
export function erfc64(x: f64): f64 {
  if (x != x) return x;
  if (x < 1) return 1.0 - erf64(x);
  if (x > 27.3) return 0;
  let f = x;
  for (let k = x < 2.5 ? <i32>Math.ceil(250.0 / (x * x)) : 60; k >= 1; k--) f = x + <f64>k / 2.0 / f;
  return (Math.exp(-x * x) / f) * ONE_OVER_SQRT_PI;
}

/**
 * erfinv(y) in float64, as src/kernels/ts/special.ts computes it: Giles' approximation refined by Halley steps.
 *
 * @example
 * ```ts
 * erfinv64(0.5); // 0.47693627620446993
 * ```
 */
export function erfinv64(y: f64): f64 {
  if (!(y >= -1 && y <= 1)) return NaN;
  if (y == 1) return Infinity;
  if (y == -1) return -Infinity;
  if (y == 0) return y;
  const a = Math.abs(y);
  let w = -Math.log((1.0 - a) * (1.0 + a));
  let p: f64;
  if (w < 5) {
    w -= 2.5;
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
    w = Math.sqrt(w) - 3.0;
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
  let x = p * a;
  for (let i = 0; i < 8; i++) {
    const f = a > 0.5 ? 1.0 - a - erfc64(x) : erf64(x) - a;
    const d = TWO_OVER_SQRT_PI * Math.exp(-x * x);
    const step = f / (d + x * f);
    x -= step;
    if (!(Math.abs(step) > 1e-6 * x)) break;
  }
  return y < 0 ? -x : x;
}
