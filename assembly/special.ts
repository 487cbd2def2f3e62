// Special functions in float64, as src/kernels/ts/special.ts computes them (the same method, so the float32
// results agree with the TS reference to the rounding of the last step).

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
