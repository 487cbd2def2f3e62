// Special functions in float64, as the reference kernels compute them.

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const ONE_OVER_SQRT_PI = 1 / Math.sqrt(Math.PI);
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/**
 * The error function erf(x) = 2/√π ∫₀ˣ e^(−t²) dt, to a few float64 ulps. Below |x| = 2.5 its Maclaurin series
 * (alternating, summed until the terms fall below 1e-17 of the sum); above, 1 − erfc(|x|) with erfc from its
 * continued fraction e^(−x²)/√π · 1/(x + ½/(x + 1/(x + 3/2/(x + …)))), 60 levels deep, evaluated from the
 * bottom up; beyond |x| = 6 erf is ±1 in float64. NaN stays NaN, erf(±∞) = ±1, erf(−0) = −0.
 *
 * @example
 * ```ts
 * erf(1); // 0.8427007929497148
 * ```
 */
export function erf(x: number): number {
  if (x !== x) return NaN;
  const a = Math.abs(x);
  if (a < 2.5) {
    const x2 = a * a;
    let term = a, sum = a;
    for (let n = 1; n < 100; n++) {
      term *= -x2 / n;
      const t = term / (2 * n + 1);
      sum += t;
      if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
    }
    return x < 0 || Object.is(x, -0) ? -sum * TWO_OVER_SQRT_PI : sum * TWO_OVER_SQRT_PI;
  }
  if (a > 6) return x < 0 ? -1 : 1;
  let f = a;
  for (let k = 60; k >= 1; k--) f = a + k / 2 / f;
  const r = 1 - (Math.exp(-a * a) / f) * ONE_OVER_SQRT_PI;
  return x < 0 ? -r : r;
}

/**
 * The complementary error function erfc(x) = 1 − erf(x), without cancellation where erf is near 1: from x = 1 on,
 * the continued fraction of `erf` (⌈250 / x²⌉ levels below 2.5, where it converges more slowly, 60 above; measured
 * against mpmath, enough for float64), otherwise 1 − erf(x). erfc(+∞) = 0, erfc(−∞) = 2.
 *
 * @example
 * ```ts
 * erfc(3); // 2.209049699858544e-5
 * ```
 */
export function erfc(x: number): number {
  if (x !== x) return NaN;
  if (x < 1) return 1 - erf(x);
  if (x > 27.3) return 0;
  let f = x;
  for (let k = x < 2.5 ? Math.ceil(250 / (x * x)) : 60; k >= 1; k--) f = x + k / 2 / f;
  return (Math.exp(-x * x) / f) * ONE_OVER_SQRT_PI;
}

/**
 * The standard normal CDF Φ(x) = erfc(−x/√2)/2, without cancellation on either side (erfc for x < 0, where
 * 1 + erf(x/√2) would lose digits).
 *
 * @example
 * ```ts
 * normalCdf(0); // 0.5
 * ```
 */
export function normalCdf(x: number): number {
  return x < 0 ? 0.5 * erfc(-x * Math.SQRT1_2) : 0.5 * (1 + erf(x * Math.SQRT1_2));
}

/**
 * GELU, x·Φ(x) with the exact normal CDF (PyTorch's gelu with approximate='none'). gelu(−∞) is NaN (−∞·0), as in
 * PyTorch.
 *
 * @example
 * ```ts
 * gelu(1); // 0.8413447460685429
 * ```
 */
export function gelu(x: number): number {
  return x * normalCdf(x);
}

/**
 * GELU's gradient from its input: g·(Φ(x) + x·φ(x)) with φ the standard normal density (PyTorch's gelu_backward).
 *
 * @example
 * ```ts
 * geluBackward(1, 0); // 0.5
 * ```
 */
export function geluBackward(g: number, x: number): number {
  return g * (normalCdf(x) + x * Math.exp(-0.5 * x * x) * INV_SQRT_2PI);
}

/**
 * The inverse error function: erfinv(erf(x)) = x. Giles' single-precision approximation (w = −log(1 − y²), a
 * polynomial in w below 5 and in √w − 3 above, ~1e-7 relative) refined by Halley steps (usually one: the error
 * cubes at each) on erf(x) − y, written as
 * (1 − y) − erfc(x) for y > 0.5 so that the tails keep their relative accuracy. erfinv(±1) = ±∞, NaN outside
 * [−1, 1], erfinv(−0) = −0.
 *
 * @example
 * ```ts
 * erfinv(0.5); // 0.4769362762044699
 * ```
 */
export function erfinv(y: number): number {
  if (!(y >= -1 && y <= 1)) return NaN;
  if (y === 1) return Infinity;
  if (y === -1) return -Infinity;
  if (y === 0) return y;
  const a = Math.abs(y);
  let w = -Math.log((1 - a) * (1 + a));
  let p: number;
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
    w = Math.sqrt(w) - 3;
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
    const f = a > 0.5 ? 1 - a - erfc(x) : erf(x) - a;
    const d = TWO_OVER_SQRT_PI * Math.exp(-x * x);
    const step = f / (d + x * f);
    x -= step;
    // Halley's error after a step is about ((x² + 1) / 3)·e³: once a step is below 1e-6·x, the next one would
    // be below an ulp, so it is not taken.
    if (!(Math.abs(step) > 1e-6 * x)) break;
  }
  return y < 0 ? -x : x;
}

/**
 * Rounding to the nearest integer with ties to even (IEEE 754's roundTiesToEven, C's nearbyint, as PyTorch
 * rounds): 0.5 → 0, 1.5 → 2, 2.5 → 2, −0.5 → −0. NaN and ±∞ stay.
 *
 * @example
 * ```ts
 * roundHalfEven(2.5); // 2
 * ```
 */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round breaks ties upwards; a tie that landed on an odd integer goes down instead.
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * PyTorch's softplus with its defaults (β = 1, threshold 20): x above 20, log(1 + eˣ) below.
 *
 * @example
 * ```ts
 * softplus(0); // 0.6931471805599453
 * ```
 */
export function softplus(x: number): number {
  return x > 20 ? x : Math.log1p(Math.exp(x));
}

/**
 * log(sigmoid(x)) = min(x, 0) − log(1 + e^(−|x|)), which neither overflows nor loses the small values.
 *
 * @example
 * ```ts
 * logSigmoid(0); // -0.6931471805599453
 * ```
 */
export function logSigmoid(x: number): number {
  return Math.min(x, 0) - Math.log1p(Math.exp(-Math.abs(x)));
}
