// Special functions in float64, as src/kernels/ts/special.ts computes them (the same method, so the float32
// results agree with the TS reference to the rounding of the last step).

import { ERF_GRID, ERF_SLOPES, ERF_VALUES } from './erf-table.generated';

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
 * erf(x) for a float32 result, computed in float64: ±1 from |x| = 4 on (erfc(4) is below half an ulp of 1 in
 * float32), else the Taylor series of degree 6 about the nearest multiple k/64 of 1/64, from the tabulated erf and
 * erf′ there (assembly/erf-table.generated.ts, made by the TS reference). With |h| ≤ 1/128 the next term is below
 * 1e-14 of the result, so one rounding to float32 leaves it within 1 ulp of the reference, at ~20 flops instead of
 * the series' dozens of divisions. NaN stays NaN; erf(−0) = −0.
 *
 * @example
 * ```ts
 * erf32(1.0); // 0.8427007794380188 (float32)
 * ```
 */
export function erf32(x: f32): f32 {
  const a = Math.abs(<f64>x);
  if (!(a < 4.0)) return x != x ? x : copysign<f32>(1, x);
  const k = <i32>(a * ERF_GRID + 0.5);
  const t = <f64>k / ERF_GRID, h = a - t, t2 = t * t;
  const f = load<f64>(ERF_VALUES + (<usize>k << 3)), e = load<f64>(ERF_SLOPES + (<usize>k << 3));
  // erf(t + h) = erf(t) + erf′(t)·(h − t·h² + (2t² − 1)/3·h³ + t(3 − 2t²)/6·h⁴ + (4t⁴ − 12t² + 3)/30·h⁵ + t(−4t⁴ + 20t² − 15)/90·h⁶)
  const c6 = t * ((-4.0 * t2 + 20.0) * t2 - 15.0) * (1.0 / 90.0);
  const c5 = ((4.0 * t2 - 12.0) * t2 + 3.0) * (1.0 / 30.0);
  const c4 = t * (3.0 - 2.0 * t2) * (1.0 / 6.0);
  const c3 = (2.0 * t2 - 1.0) * (1.0 / 3.0);
  const p = h * (1.0 + h * (-t + h * (c3 + h * (c4 + h * (c5 + h * c6)))));
  return <f32>copysign<f64>(f + e * p, <f64>x);
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
