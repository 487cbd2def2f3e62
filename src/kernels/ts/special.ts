// Special functions in float64, as the reference kernels compute them.

const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);
const ONE_OVER_SQRT_PI = 1 / Math.sqrt(Math.PI);

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
