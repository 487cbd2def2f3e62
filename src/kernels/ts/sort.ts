import type { DType, TypedArray } from '../../dtype.js';
import type { BufferHandle } from '../backend.js';
import { arrayOf } from '../cpu/memory.js';

// One line at a time: its values are copied to `vals` (float64 holds every dtype exactly) and its positions are
// ordered in `order`. The order is total: by value, NaN above every number, then by position. NaNs are set aside
// first (their positions in order, at the end ascending, at the front descending), so that the numbers compare
// with plain < and >, and a stable merge sort keeps equal values in order of position. A selection compares
// (value, position) pairs, so it picks what the stable sort would put there.
let vals = new Float64Array(16);
let order = new Int32Array(16);
let scratch = new Int32Array(16);

function ensure(r: number): void {
  if (vals.length < r) {
    const n = Math.max(r, 2 * vals.length);
    vals = new Float64Array(n);
    order = new Int32Array(n);
    scratch = new Int32Array(n);
  }
}

/**
 * Load the line `x[start + j·step]` (j < r) into `vals`, and its positions into `order`: the numbers first and
 * the NaNs last (`nanLast`) or first, each group in order of position. Returns the count of numbers.
 */
function loadLine(x: TypedArray, start: number, r: number, step: number, nanLast: boolean): number {
  ensure(r);
  const v = vals, ord = order;
  let nans = 0;
  for (let j = 0, p = start; j < r; j++, p += step) {
    const a = x[p]!;
    v[j] = a;
    if (a !== a) nans++;
  }
  const numbers = r - nans;
  let ni = nanLast ? 0 : nans, qi = nanLast ? numbers : 0;
  for (let j = 0; j < r; j++) {
    if (v[j] !== v[j]) ord[qi++] = j;
    else ord[ni++] = j;
  }
  return numbers;
}

/** Whether position p (value u) sorts after position q (value w): by value, then by position. */
function after(p: number, q: number, u: number, w: number, desc: boolean): boolean {
  return desc ? u < w || (u === w && p > q) : u > w || (u === w && p > q);
}

/**
 * Merge sort of `order[lo, hi)` by (value, position), ascending or descending by value (runs of 16 by insertion
 * first): the stable order, whatever order the positions come in.
 */
function mergeSort(lo: number, hi: number, desc: boolean): void {
  const v = vals, a = order;
  for (let s = lo; s < hi; s += 16) {
    const e = Math.min(hi, s + 16);
    for (let i = s + 1; i < e; i++) {
      const cur = a[i]!, cv = v[cur]!;
      let j = i - 1;
      while (j >= s && after(a[j]!, cur, v[a[j]!]!, cv, desc)) {
        a[j + 1] = a[j]!;
        j--;
      }
      a[j + 1] = cur;
    }
  }
  let src = a, dst = scratch;
  for (let width = 16; width < hi - lo; width *= 2) {
    for (let s = lo; s < hi; s += 2 * width) {
      const mid = Math.min(hi, s + width), e = Math.min(hi, s + 2 * width);
      let i = s, j = mid, k = s;
      while (i < mid && j < e) {
        // Take from the right run only when it sorts strictly before (equal values by position).
        const p = src[i]!, q = src[j]!;
        const right = after(p, q, v[p]!, v[q]!, desc);
        dst[k++] = right ? src[j++]! : src[i++]!;
      }
      while (i < mid) dst[k++] = src[i++]!;
      while (j < e) dst[k++] = src[j++]!;
    }
    const t = src;
    src = dst;
    dst = t;
  }
  if (src !== a) a.set(src.subarray(lo, hi), lo);
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
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const numbers = loadLine(x, offset + o * r * inner + i, r, inner, !desc);
      // The numbers sit at [0, numbers) ascending, after the NaNs descending.
      const lo = desc ? r - numbers : 0, hi = desc ? r : numbers;
      if (k < r && k <= hi) selectFirst(lo, hi, k - lo, desc);
      else mergeSort(lo, hi, desc);
      for (let j = 0, q = o * k * inner + i; j < k; j++, q += inner) out[q] = order[j]!;
    }
  }
}

/** Sort only the first `m` of the numbers in `order[lo, hi)`: a selection around the m-th, then a sort of those before it. */
function selectFirst(lo: number, hi: number, m: number, desc: boolean): void {
  if (m <= 0) return;
  quickselect(lo, hi, lo + m - 1, desc);
  mergeSort(lo, lo + m, desc);
}

/** Whether position a comes before position b: by value (ascending, or descending), then by position. */
function before(a: number, b: number, desc: boolean): boolean {
  const u = vals[a]!, w = vals[b]!;
  return desc ? u > w || (u === w && a < b) : u < w || (u === w && a < b);
}

/**
 * Reorder the numbers' positions `order[lo, hi)` so that `order[k]` is what a stable sort would put there, with
 * nothing after it that sorts before it and nothing before it that sorts after it. Hoare's selection with a
 * median-of-three pivot; positions break ties, so equal values cannot make it quadratic.
 */
function quickselect(lo: number, hi: number, k: number, desc: boolean): void {
  const a = order;
  let l = lo, h = hi - 1;
  while (h > l) {
    const mid = (l + h) >> 1;
    // The median of a[l], a[mid], a[h] moves to a[mid].
    if (before(a[mid]!, a[l]!, desc)) swap(a, mid, l);
    if (before(a[h]!, a[l]!, desc)) swap(a, h, l);
    if (before(a[h]!, a[mid]!, desc)) swap(a, h, mid);
    const pivot = a[mid]!;
    let i = l, j = h;
    while (i <= j) {
      while (before(a[i]!, pivot, desc)) i++;
      while (before(pivot, a[j]!, desc)) j--;
      if (i <= j) {
        swap(a, i, j);
        i++;
        j--;
      }
    }
    if (k <= j) h = j;
    else if (k >= i) l = i;
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
      const numbers = loadLine(x, offset + o * r * inner + i, r, inner, true);
      if (propagateNaN && numbers < r) {
        // The first NaN's position: the NaNs sit after the numbers, in order.
        out[o * inner + i] = order[numbers]!;
        continue;
      }
      if (k < numbers) quickselect(0, numbers, k, false);
      out[o * inner + i] = order[k]!;
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
