import type { DType, TypedArray } from '../../dtype.js';
import type { BufferHandle } from '../backend.js';
import type { ReduceKernel } from '../catalog.js';
import { arrayOf } from '../cpu/memory.js';

/**
 * Reduce the middle axis of contiguous `x` read as `[outer, r, inner]` into `out` of `[outer, inner]`.
 * max/min propagate NaN and argmax/argmin point at the first NaN, as PyTorch does; ties pick the first index.
 * all/any write bool (NaN counts as true); an int32 prod is exact and throws when it does not fit in int32.
 * Sums, and logsumexp's sum of exponentials, accumulate in float64 and pairwise (see PW_BLOCK).
 *
 * @example
 * ```ts
 * reduce('sum', 'float32', x, 0, out, 1, 2, 2); // x = [1, 2, 3, 4] gives out = [4, 6]
 * ```
 */
export function reduce(op: ReduceKernel, dtype: DType, xh: BufferHandle, offset: number, outh: BufferHandle, outer: number, r: number,
  inner: number): void {
  const x = arrayOf(xh);
  if (dtype === 'int32' && op === 'prod') {
    // Exact: a product of int32 values with no zero only grows in magnitude, so once it leaves int32 it stays out
    // (unless a later factor is 0); below 2^53 every partial product is exact in float64.
    const out = arrayOf(outh);
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let p = 1, over = false, zero = false;
        for (let j = 0, q = offset + o * r * inner + i; j < r; j++, q += inner) {
          const v = x[q]!;
          if (v === 0) { zero = true; break; }
          if (!over) {
            p *= v;
            if (p < -2147483648 || p > 2147483647) over = true;
          }
        }
        if (over && !zero) {
          throw new Error(`prod: the int32 product does not fit in int32 (adjoint has no int64); convert to float64 first, e.g. x.to('float64').prod().`);
        }
        out[o * inner + i] = zero ? 0 : p;
      }
    }
    return;
  }
  if (dtype === 'int32' && op === 'sum') {
    // Exact in float64 (every partial sum of int32 values stays below 2^53 for any tensor a typed array holds),
    // then refused if it does not fit, rather than wrapped when stored.
    const exact = new Float64Array(outer * inner);
    reduceInto(op, x, offset, exact, outer, r, inner);
    const out = arrayOf(outh);
    for (let i = 0; i < exact.length; i++) {
      const v = exact[i]!;
      if (v < -2147483648 || v > 2147483647) {
        throw new Error(`sum: the int32 sum ${v} does not fit in int32 (adjoint has no int64); convert to float64 first, e.g. x.to('float64').sum().`);
      }
      out[i] = v;
    }
    return;
  }
  reduceInto(op, x, offset, arrayOf(outh), outer, r, inner);
}

function reduceInto(op: ReduceKernel, x: TypedArray, offset: number, out: TypedArray, outer: number, r: number, inner: number): void {
  if (op === 'sum' && inner > 1) {
    sumColumns(offset === 0 ? x : x.subarray(offset), out, outer, r, inner);
    return;
  }
  for (let o = 0; o < outer; o++) {
    const base = offset + o * r * inner;
    for (let i = 0; i < inner; i++) {
      const start = base + i;
      out[o * inner + i] = reduceLine(op, x, start, r, inner);
    }
  }
}

// Summation is pairwise, as in NumPy (and, with a different blocking, PyTorch): a naive running sum of n terms
// can be off by about n·ε relative (10⁶ × 0.1 in float64 by 1.3e-6), pairwise by about log₂(n)·ε. Like NumPy's
// pairwise_sum, a span of at most PW_BLOCK terms is summed by eight interleaved accumulators (at most 16 serial
// additions each, combined as a tree), and a longer span is halved at a multiple of 8 and the halves summed
// recursively. The recursion is as deep as log₂(n / PW_BLOCK) and costs one call per block, so the split is
// free next to the additions; the eight accumulators also break the one long dependency chain of the naive loop
// (sums of exp(x − m) keep one: Math.exp, not the additions, sets their pace, and eight measured 10 % slower on
// column walks). Every term reads `x[start + j·step]`, so one routine serves rows (step 1) and the column walks
// of logsumexp and softmax (step = inner); column sums read four columns at a time instead (sumColumns).
// Accumulators start at +0, as the naive loop did: a sum of −0s is +0, as in PyTorch.
const PW_BLOCK = 128;

/** Sum of a span of at most PW_BLOCK terms `x[start + j·step]`. */
function blockSum(x: TypedArray, start: number, n: number, step: number): number {
  if (n < 8) {
    let s = 0;
    for (let j = 0, p = start; j < n; j++, p += step) s += x[p]!;
    return s;
  }
  let s0 = 0, s1 = 0, s2 = 0, s3 = 0, s4 = 0, s5 = 0, s6 = 0, s7 = 0;
  let j = 0, p = start;
  for (; j + 8 <= n; j += 8, p += 8 * step) {
    s0 += x[p]!; s1 += x[p + step]!; s2 += x[p + 2 * step]!; s3 += x[p + 3 * step]!;
    s4 += x[p + 4 * step]!; s5 += x[p + 5 * step]!; s6 += x[p + 6 * step]!; s7 += x[p + 7 * step]!;
  }
  let s = ((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7));
  for (; j < n; j++, p += step) s += x[p]!;
  return s;
}

/**
 * Pairwise sum of the `n` terms `x[start + j·step]`, in float64.
 *
 * @example
 * ```ts
 * pairwiseSum(new Float32Array([1, 2, 3, 4]), 1, 2, 2); // x[1] + x[3] = 6
 * ```
 */
export function pairwiseSum(x: TypedArray, start: number, n: number, step: number): number {
  if (n <= PW_BLOCK) return blockSum(x, start, n, step);
  let h = n >> 1;
  h -= h % 8;
  return pairwiseSum(x, start, h, step) + pairwiseSum(x, start + h * step, n - h, step);
}

/** Sum of `exp(x − m)` over a span of at most PW_BLOCK terms `x[start + j·step]`, in one accumulator. */
function blockSumExp(x: TypedArray, start: number, n: number, step: number, m: number): number {
  let s = 0;
  for (let j = 0, p = start; j < n; j++, p += step) s += Math.exp(x[p]! - m);
  return s;
}

/** Pairwise sum of `exp(x[start + j·step] − m)` over `n` terms. */
function pairwiseSumExp(x: TypedArray, start: number, n: number, step: number, m: number): number {
  if (n <= PW_BLOCK) return blockSumExp(x, start, n, step, m);
  let h = n >> 1;
  h -= h % 8;
  return pairwiseSumExp(x, start, h, step, m) + pairwiseSumExp(x, start + h * step, n - h, step, m);
}

// Column sums run the same tree as the wasm kernel's (colCascade in assembly/reduce.ts), over groups of four
// neighbouring columns as PyTorch's multi_row_sum does (it cascades through four fixed levels; this is a binary
// counter): a block of COL_BLOCK rows is summed serially into four registers, then merged into per-level partial
// sums. Bit k of the block count b says level k holds the sum of 2^k blocks; the new block is merged with
// levels 0, 1, … while they are occupied, as (((block + L0) + L1) + …), each addition joining two sums of
// equally many blocks, and lands in the first empty level. That is the pairwise tree over blocks, with memory
// O(log r) per column. Four neighbouring elements per row and a register per column measured faster in V8 than
// both the old one-column walk (a cache line per element) and streaming whole rows into a float64 running row
// (a load and store per element), in and out of cache: 0.25–0.5× the old time on [1024, 1024].
const COL_BLOCK = 16;
// Levels of the current group: 4 per level, and at most 28 levels (⌈r / 16⌉ < 2^28 for r < 2^32).
const groupLevels = new Float64Array(4 * 32);

/** Column sums of `[outer, r, inner]` (inner > 1) in float64, pairwise over blocks of COL_BLOCK rows. */
function sumColumns(x: TypedArray, out: TypedArray, outer: number, r: number, inner: number): void {
  const lev = groupLevels;
  const groups = inner - (inner % 4);
  for (let o = 0; o < outer; o++) {
    const base = o * r * inner, po = o * inner;
    for (let i = 0; i < groups; i += 4) {
      let b = 0;
      for (let j0 = 0; j0 < r; j0 += COL_BLOCK, b++) {
        const end = Math.min(r, j0 + COL_BLOCK);
        let p = base + j0 * inner + i;
        let a0 = x[p]!, a1 = x[p + 1]!, a2 = x[p + 2]!, a3 = x[p + 3]!;
        for (let j = j0 + 1; j < end; j++) {
          p += inner;
          a0 += x[p]!; a1 += x[p + 1]!; a2 += x[p + 2]!; a3 += x[p + 3]!;
        }
        let q = 0;
        for (let c = b; c & 1; c >>>= 1, q += 4) {
          a0 += lev[q]!; a1 += lev[q + 1]!; a2 += lev[q + 2]!; a3 += lev[q + 3]!;
        }
        lev[q] = a0; lev[q + 1] = a1; lev[q + 2] = a2; lev[q + 3] = a3;
      }
      // The occupied levels (the set bits of b) added from the smallest up; no rows (r = 0) sum to 0.
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0, first = true;
      for (let c = b, q = 0; c !== 0; c >>>= 1, q += 4) {
        if ((c & 1) === 0) continue;
        if (first) {
          s0 = lev[q]!; s1 = lev[q + 1]!; s2 = lev[q + 2]!; s3 = lev[q + 3]!;
          first = false;
        } else {
          s0 += lev[q]!; s1 += lev[q + 1]!; s2 += lev[q + 2]!; s3 += lev[q + 3]!;
        }
      }
      out[po + i] = s0; out[po + i + 1] = s1; out[po + i + 2] = s2; out[po + i + 3] = s3;
    }
    // The last inner % 4 columns one at a time, by the same cascade.
    for (let i = groups; i < inner; i++) {
      let b = 0;
      for (let j0 = 0; j0 < r; j0 += COL_BLOCK, b++) {
        const end = Math.min(r, j0 + COL_BLOCK);
        let p = base + j0 * inner + i;
        let a = x[p]!;
        for (let j = j0 + 1; j < end; j++) {
          p += inner;
          a += x[p]!;
        }
        let q = 0;
        for (let c = b; c & 1; c >>>= 1, q++) a += lev[q]!;
        lev[q] = a;
      }
      let s = 0, first = true;
      for (let c = b, q = 0; c !== 0; c >>>= 1, q++) {
        if ((c & 1) === 0) continue;
        s = first ? lev[q]! : s + lev[q]!;
        first = false;
      }
      out[po + i] = s;
    }
  }
}

function reduceLine(op: ReduceKernel, x: TypedArray, start: number, r: number, step: number): number {
  switch (op) {
    case 'sum':
      return pairwiseSum(x, start, r, step);
    case 'max':
    case 'min': {
      const sign = op === 'max' ? 1 : -1;
      let best = -Infinity * sign;
      for (let j = 0, p = start; j < r; j++, p += step) {
        const v = x[p]!;
        if (v !== v) return NaN;
        if ((v - best) * sign > 0 || (r > 0 && j === 0)) best = v;
      }
      return best;
    }
    case 'argmax':
    case 'argmin': {
      const sign = op === 'argmax' ? 1 : -1;
      let best = 0, bestV = x[start]!;
      if (bestV !== bestV) return 0;
      for (let j = 1, p = start + step; j < r; j++, p += step) {
        const v = x[p]!;
        if (v !== v) return j;
        if ((v - bestV) * sign > 0) { best = j; bestV = v; }
      }
      return best;
    }
    case 'prod': {
      // Accumulated in float64, as PyTorch's CPU prod accumulates float32 in double.
      let p = 1;
      for (let j = 0, q = start; j < r; j++, q += step) p *= x[q]!;
      return p;
    }
    case 'all': {
      // NaN is nonzero, so true.
      for (let j = 0, q = start; j < r; j++, q += step) if (x[q] === 0) return 0;
      return 1;
    }
    case 'any': {
      for (let j = 0, q = start; j < r; j++, q += step) if (x[q] !== 0) return 1;
      return 0;
    }
    case 'logsumexp': {
      let m = -Infinity;
      for (let j = 0, p = start; j < r; j++, p += step) {
        const v = x[p]!;
        if (v !== v) return NaN;
        if (v > m) m = v;
      }
      // An infinite max would give inf - inf = NaN below; PyTorch shifts by 0 instead.
      if (!Number.isFinite(m)) m = 0;
      return Math.log(pairwiseSumExp(x, start, r, step, m)) + m;
    }
  }
}

/**
 * Numerically stable softmax (or log-softmax) along the middle axis of `[outer, r, inner]`.
 *
 * @example
 * ```ts
 * softmax('float32', x, 0, out, 1, 2, 1, false); // x = [1000, 1000] gives out = [0.5, 0.5]
 * ```
 */
export function softmax(_dtype: DType, xh: BufferHandle, offset: number, outh: BufferHandle, outer: number, r: number, inner: number,
  log: boolean): void {
  const x = arrayOf(xh), out = arrayOf(outh);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const start = offset + o * r * inner + i;
      let m = -Infinity;
      for (let j = 0, p = start; j < r; j++, p += inner) if (x[p]! > m || x[p]! !== x[p]!) m = x[p]!;
      const s = pairwiseSumExp(x, start, r, inner, m);
      if (log) {
        const lse = Math.log(s);
        for (let j = 0, p = start; j < r; j++, p += inner) out[p - offset] = x[p]! - m - lse;
      } else {
        const inv = 1 / s;
        for (let j = 0, p = start; j < r; j++, p += inner) out[p - offset] = Math.exp(x[p]! - m) * inv;
      }
    }
  }
}
