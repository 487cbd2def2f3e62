import type { DType, TypedArray } from '../../dtype.js';
import type { BufferHandle } from '../backend.js';
import { arrayOf } from '../cpu/memory.js';

// One line at a time: its values are copied to `vals` (float64 holds every dtype exactly) and the positions
// 0 … r−1 are ordered in `order`. The order is total: by value, NaN above every number, then by position, so a
// sort by it is stable and a selection by it picks what the stable sort would put there.
let vals = new Float64Array(16);
let order = new Int32Array(16);

function loadLine(x: TypedArray, start: number, r: number, step: number): void {
  if (vals.length < r) {
    vals = new Float64Array(Math.max(r, 2 * vals.length));
    order = new Int32Array(vals.length);
  }
  for (let j = 0, p = start; j < r; j++, p += step) {
    vals[j] = x[p]!;
    order[j] = j;
  }
}

/** Ascending by value (NaN last), then by position. */
function ascending(a: number, b: number): number {
  const u = vals[a]!, v = vals[b]!;
  if (u < v) return -1;
  if (u > v) return 1;
  const un = u !== u, vn = v !== v;
  if (un !== vn) return un ? 1 : -1;
  return a - b;
}

/** Descending by value (NaN first), then by position. */
function descending(a: number, b: number): number {
  const u = vals[a]!, v = vals[b]!;
  if (u > v) return -1;
  if (u < v) return 1;
  const un = u !== u, vn = v !== v;
  if (un !== vn) return un ? -1 : 1;
  return a - b;
}

/**
 * The positions of the first `k` elements of the stable sort of each line along the middle axis of contiguous
 * `x` read as `[outer, r, inner]`, into int32 `out` (`[outer, k, inner]`). NaN counts as larger than every number
 * (last ascending, first descending), and equal values keep their order, as PyTorch's stable sort.
 *
 * @example
 * ```ts
 * sort('float32', x, 0, out, 1, 4, 1, true, 2); // x = [3, 1, 4, 1] gives out = [2, 0]
 * ```
 */
export function sort(_dtype: DType, xh: BufferHandle, offset: number, outh: BufferHandle, outer: number, r: number, inner: number,
  desc: boolean, k: number): void {
  const x = arrayOf(xh), out = arrayOf(outh);
  const cmp = desc ? descending : ascending;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      loadLine(x, offset + o * r * inner + i, r, inner);
      const line = order.subarray(0, r);
      if (k < r) selectFirst(line, k, cmp);
      else line.sort(cmp);
      for (let j = 0, q = o * k * inner + i; j < k; j++, q += inner) out[q] = line[j]!;
    }
  }
}

/** Put the first k of `line` by `cmp` at its front, in order: a selection around the k-th, then a sort of the front. */
function selectFirst(line: Int32Array, k: number, cmp: (a: number, b: number) => number): void {
  if (k === 0) return;
  quickselect(line, k - 1, cmp);
  line.subarray(0, k).sort(cmp);
}

/**
 * Reorder `a` so that `a[k]` is what a sort by `cmp` would put there, with nothing after it that sorts before it
 * and nothing before it that sorts after it. Hoare's selection with a median-of-three pivot; `cmp` is a total
 * order (positions break ties), so equal values cannot make it quadratic.
 */
function quickselect(a: Int32Array, k: number, cmp: (a: number, b: number) => number): void {
  let lo = 0, hi = a.length - 1;
  while (hi > lo) {
    const mid = (lo + hi) >> 1;
    // The median of a[lo], a[mid], a[hi] moves to a[mid]; a[lo] ≤ a[mid] ≤ a[hi] afterwards.
    if (cmp(a[mid]!, a[lo]!) < 0) swap(a, mid, lo);
    if (cmp(a[hi]!, a[lo]!) < 0) swap(a, hi, lo);
    if (cmp(a[hi]!, a[mid]!) < 0) swap(a, hi, mid);
    const pivot = a[mid]!;
    let i = lo, j = hi;
    while (i <= j) {
      while (cmp(a[i]!, pivot) < 0) i++;
      while (cmp(a[j]!, pivot) > 0) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) hi = j;
    else if (k >= i) lo = i;
    else return;
  }
}

function swap(a: Int32Array, i: number, j: number): void {
  const t = a[i]!;
  a[i] = a[j]!;
  a[j] = t;
}

/**
 * The position of the `k`-th smallest element (0-based) of each line along the middle axis of contiguous `x` read
 * as `[outer, r, inner]`, into int32 `out` (`[outer, inner]`): the element a stable ascending sort puts at `k`
 * (NaN above every number). With `propagateNaN`, a line holding NaN gives the position of its first NaN instead
 * (the median's rule).
 *
 * @example
 * ```ts
 * select('float64', x, 0, out, 1, 5, 1, 2, true); // the median of 5 values
 * ```
 */
export function select(_dtype: DType, xh: BufferHandle, offset: number, outh: BufferHandle, outer: number, r: number, inner: number,
  k: number, propagateNaN: boolean): void {
  const x = arrayOf(xh), out = arrayOf(outh);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const start = offset + o * r * inner + i;
      if (propagateNaN) {
        let nan = -1;
        for (let j = 0, p = start; j < r; j++, p += inner) {
          if (x[p] !== x[p]) { nan = j; break; }
        }
        if (nan >= 0) {
          out[o * inner + i] = nan;
          continue;
        }
      }
      loadLine(x, start, r, inner);
      const line = order.subarray(0, r);
      quickselect(line, k, ascending);
      out[o * inner + i] = line[k]!;
    }
  }
}

/**
 * The distinct slices along the middle axis of contiguous `x` read as `[outer, r, inner]` (slice j is
 * `x[:, j, :]`, compared lexicographically in row-major order), in ascending order: the first `count[0]` slices
 * of `values` (`[outer, r, inner]`, same dtype) receive them, `inverse` (int32 `[r]`) the position in `values` of
 * each input slice, and `counts` (int32 `[r]`) how many input slices each distinct one stands for. NaN sorts last
 * and every NaN is distinct (NaN ≠ NaN), as in PyTorch.
 *
 * @example
 * ```ts
 * unique('int32', x, 0, 1, 4, 1, values, inverse, counts, count); // x = [2, 1, 2, 3]: values [1, 2, 3], count [3]
 * ```
 */
export function unique(_dtype: DType, xh: BufferHandle, offset: number, outer: number, r: number, inner: number, valuesh: BufferHandle,
  inverseh: BufferHandle, countsh: BufferHandle, counth: BufferHandle): void {
  const x = arrayOf(xh), values = arrayOf(valuesh), inverse = arrayOf(inverseh), counts = arrayOf(countsh), count = arrayOf(counth);
  const slice = outer * inner;
  // Element e of slice j, e = o·inner + i, is at x[offset + (o·r + j)·inner + i].
  const at = (j: number, e: number): number => offset + (Math.floor(e / inner) * r + j) * inner + (e % inner);
  const compare = (a: number, b: number): number => {
    for (let e = 0; e < slice; e++) {
      const u = x[at(a, e)]!, v = x[at(b, e)]!;
      if (u < v) return -1;
      if (u > v) return 1;
      const un = u !== u, vn = v !== v;
      if (un !== vn) return un ? 1 : -1;
    }
    return 0;
  };
  const same = (a: number, b: number): boolean => {
    for (let e = 0; e < slice; e++) if (x[at(a, e)] !== x[at(b, e)]) return false;
    return true;
  };
  const idx = new Int32Array(r);
  for (let j = 0; j < r; j++) idx[j] = j;
  idx.sort((a, b) => compare(a, b) || a - b);
  let u = -1;
  for (let s = 0; s < r; s++) {
    const j = idx[s]!;
    if (u < 0 || !same(idx[s - 1]!, j)) {
      u++;
      counts[u] = 0;
      for (let e = 0; e < slice; e++) values[Math.floor(e / inner) * r * inner + u * inner + (e % inner)] = x[at(j, e)]!;
    }
    counts[u] = counts[u]! + 1;
    inverse[j] = u;
  }
  count[0] = u + 1;
}
