// The fixtures' input generator, mirrored exactly from scripts/oracle/oracle_common.py: PyTorch fixtures store
// outputs and gradients only, and both sides regenerate the inputs.
import { tensor, type Tensor } from '../../src/index.js';

/**
 * `n` values in [-scale, scale): s = (1103515245 s + 12345) mod 2^32 from s0 = seed, value ((s >> 8) / 2^24 · 2 − 1) · scale.
 * The values are multiples of 2^-23 (times scale), exact in float32 and float64.
 *
 * @example
 * ```ts
 * lcg(4, 77); // the same four numbers as oracle_common.lcg(4, 77)
 * ```
 */
export function lcg(n: number, seed: number, scale = 1): number[] {
  const out = new Array<number>(n);
  let s = BigInt(seed >>> 0);
  for (let i = 0; i < n; i++) {
    s = (1103515245n * s + 12345n) & 0xffffffffn;
    out[i] = (Number(s >> 8n) / 16777216 * 2 - 1) * scale;
  }
  return out;
}

/** A tensor of `lcg` values. @example `lcgTensor([2, 3], 77, 'float64')` */
export function lcgTensor(shape: readonly number[], seed: number, dtype: 'float32' | 'float64', scale = 1, requiresGrad = false): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tensor(lcg(n, seed, scale), { shape: [...shape], dtype, requiresGrad });
}

/** Fixture tolerances `[rtol, atol]` per dtype: float64 agrees with PyTorch to rounding; float32 to a few ulps of the sums. */
export const FIXTURE_TOL: Record<'float32' | 'float64', readonly [number, number]> = { float64: [1e-10, 1e-12], float32: [2e-5, 2e-6] };

/**
 * The first violation of |got − want| ≤ atol + rtol·|want| over the elements (or null when all agree), comparing
 * NaN with NaN and infinities exactly. A null in `want` (PyTorch's NaN from a 0·log 0 where adjoint's derivative is
 * defined) requires a finite value.
 *
 * @example
 * ```ts
 * expect(mismatch(out.data(), fixture.output, [1e-10, 1e-12])).toBeNull();
 * ```
 */
export function mismatch(got: ArrayLike<number>, want: readonly (number | null)[], [rtol, atol]: readonly [number, number]): string | null {
  if (got.length !== want.length) return `length ${got.length}, expected ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const a = got[i]!, b = want[i]!;
    if (b === null) {
      if (Number.isFinite(a)) continue;
      return `element ${i}: got ${a}, expected a finite number`;
    }
    if (Number.isNaN(b) ? Number.isNaN(a) : !Number.isFinite(b) ? a === b : Math.abs(a - b) <= atol + rtol * Math.abs(b)) continue;
    return `element ${i}: got ${a}, expected ${b} (|diff| ${Math.abs(a - b)})`;
  }
  return null;
}
