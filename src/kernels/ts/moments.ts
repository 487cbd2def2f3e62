import type { DType, TypedArray } from '../../dtype.js';
import type { BufferHandle } from '../backend.js';
import { arrayOf } from '../cpu/memory.js';
import { pairwiseSum } from './reduce.js';

/**
 * Σ (x − m)² over the `r` terms `x[start + j·step]`, by the corrected two-pass formula: the sum of squared
 * deviations less (Σ (x − m))² / r, which removes the error that rounding left in the mean m. Both sums are
 * pairwise (halves down to blocks of 128 terms), so the error grows as log r, not r.
 */
function squaredDeviations(x: TypedArray, start: number, r: number, step: number, m: number): number {
  const s = deviationSums(x, start, r, step, m);
  return s - (deviationCarry * deviationCarry) / r;
}

// The second sum of deviationSums, Σ (x − m), beside its return value (no object per block).
let deviationCarry = 0;

/** Σ (x − m)² over a span, returned, and Σ (x − m) in deviationCarry; halves down to blocks of 128 terms. */
function deviationSums(x: TypedArray, start: number, n: number, step: number, m: number): number {
  if (n <= 128) {
    let s = 0, c = 0;
    for (let j = 0, p = start; j < n; j++, p += step) {
      const d = x[p]! - m;
      s += d * d;
      c += d;
    }
    deviationCarry = c;
    return s;
  }
  let h = n >> 1;
  h -= h % 8;
  const a = deviationSums(x, start, h, step, m), ca = deviationCarry;
  const b = deviationSums(x, start + h * step, n - h, step, m);
  deviationCarry += ca;
  return a + b;
}

/**
 * Variance along the middle axis of contiguous `x` read as `[outer, r, inner]`: Σ (x − mean)² / max(0, r −
 * correction) into `out` (`[outer, inner]`), and the mean into `mean` when given. Two passes in float64 (the mean,
 * then the corrected sum of squared deviations), both pairwise: exact for constant data, and free of the
 * cancellation of Σx² − (Σx)²/r. A divisor of 0 gives NaN (0/0) or Infinity, as in PyTorch; NaN propagates.
 *
 * @example
 * ```ts
 * variance('float64', x, 0, out, null, 1, 4, 1, 1); // x = [1, 2, 3, 4] gives out = [1.6666…]
 * ```
 */
export function variance(_dtype: DType, xh: BufferHandle, offset: number, outh: BufferHandle, meanh: BufferHandle | null,
  outer: number, r: number, inner: number, correction: number): void {
  const x = arrayOf(xh), out = arrayOf(outh), means = meanh === null ? null : arrayOf(meanh);
  const divisor = Math.max(0, r - correction);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const start = offset + o * r * inner + i;
      const m = pairwiseSum(x, start, r, inner) / r;
      out[o * inner + i] = r === 0 ? NaN : squaredDeviations(x, start, r, inner, m) / divisor;
      if (means) means[o * inner + i] = m;
    }
  }
}

/**
 * The vector p-norm along the middle axis of contiguous `x` read as `[outer, r, inner]` into `out`
 * (`[outer, inner]`): (Σ |x|^p)^(1/p) accumulated in float64; p = ∞ is max |x|, p = −∞ is min |x|, p = 0 the
 * count of nonzero elements (NaN counts), p = 1 Σ |x| and p = 2 √(Σ x²). NaN propagates; an empty line gives 0
 * (∞ for p = −∞: the op layer refuses empty lines for ±∞).
 *
 * @example
 * ```ts
 * norm('float32', x, 0, out, 1, 2, 1, 2); // x = [3, 4] gives out = [5]
 * ```
 */
export function norm(_dtype: DType, xh: BufferHandle, offset: number, outh: BufferHandle, outer: number, r: number, inner: number,
  p: number): void {
  const x = arrayOf(xh), out = arrayOf(outh);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const start = offset + o * r * inner + i;
      out[o * inner + i] = normLine(x, start, r, inner, p);
    }
  }
}

function normLine(x: TypedArray, start: number, r: number, step: number, p: number): number {
  if (p === Infinity || p === -Infinity) {
    let best = p;
    for (let j = 0, q = start; j < r; j++, q += step) {
      const a = Math.abs(x[q]!);
      if (a !== a) return NaN;
      if (p > 0 ? a > best || j === 0 : a < best || j === 0) best = a;
    }
    return r === 0 ? (p > 0 ? 0 : Infinity) : best;
  }
  let s = 0;
  if (p === 0) {
    for (let j = 0, q = start; j < r; j++, q += step) if (x[q] !== 0) s++;
    return s;
  }
  if (p === 1) {
    for (let j = 0, q = start; j < r; j++, q += step) s += Math.abs(x[q]!);
    return s;
  }
  if (p === 2) {
    for (let j = 0, q = start; j < r; j++, q += step) s += x[q]! * x[q]!;
    return Math.sqrt(s);
  }
  for (let j = 0, q = start; j < r; j++, q += step) s += Math.abs(x[q]!) ** p;
  return s ** (1 / p);
}
