import { exp4 } from './vmath';

// Operation codes: generated from src/kernels/catalog.ts.
import { R_ARGMAX, R_ARGMIN, R_LOGSUMEXP, R_MAX, R_MIN, R_SUM } from './codes.generated';

// Reductions read `x` as [outer, r, inner]. With inner = 1 each row is contiguous and the lanes run along it;
// otherwise the lanes run along `inner` (four neighbouring output columns at once) and the running values
// live in `scratch`, regions of colBytes(inner) each: the caller sizes it for 2 + max(1, bit length of
// ⌈r / COL_BLOCK⌉) of them (see COL_BLOCK). As in elementwise.ts, buffers are padded so whole vectors may run past the end of a row.
//
// Sums accumulate in float64, as the TS backend's JS numbers do, and pairwise, as in the TS backend and NumPy:
// a running sum of n terms is off by up to n·ε relative, a pairwise one by about log₂(n)·ε. Float64 over
// float32 inputs already leaves n·ε₆₄ far below float32's rounding for any realistic n, but a large partial
// sum still swallows later small terms (2⁶⁰ + 1 + … + 1 − 2⁶⁰), and pairwise grouping keeps the backends'
// error model the same. Rows (sumRow, sumExpRow) recurse on halves down to blocks of PW_BLOCK floats summed in
// eight float64 lanes; columns (colCascade) sum blocks of COL_BLOCK rows and merge the block sums as a binary
// counter, which is pairwise over blocks with one running row per level.

@inline function promoteHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3));
}

@inline function hsum64(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

// Running max/min that sticks at NaN: pmax keeps the first of equal values (the TS backend's tie rule within a
// lane) and the select makes a NaN lane stay NaN.
@inline function stickyMax(acc: v128, v: v128, isMax: bool): v128 {
  const m = isMax ? f32x4.pmax(acc, v) : f32x4.pmin(acc, v);
  return v128.bitselect(v, m, f32x4.ne(v, v));
}

@inline function stickyMaxScalar(acc: f32, v: f32, isMax: bool): f32 {
  if (v != v || acc != acc) return acc != acc ? acc : v;
  return isMax ? (v > acc ? v : acc) : (v < acc ? v : acc);
}

// NumPy's pairwise block: at most 128 floats, i.e. 16 serial additions in each of eight float64 lanes.
const PW_BLOCK = 128;

// Sum of n ≤ PW_BLOCK floats at p in float64: eight lanes (four f64x2), added as a tree, then the tail (< 8).
@inline function sumBlock(p: usize, n: i32): f64 {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
  let j = 0;
  for (; j + 8 <= n; j += 8, p += 32) {
    const v = v128.load(p), w = v128.load(p, 16);
    s0 = f64x2.add(s0, f64x2.promote_low_f32x4(v));
    s1 = f64x2.add(s1, promoteHigh(v));
    s2 = f64x2.add(s2, f64x2.promote_low_f32x4(w));
    s3 = f64x2.add(s3, promoteHigh(w));
  }
  let s = hsum64(f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3)));
  for (; j < n; j++, p += 4) s += <f64>load<f32>(p);
  return s;
}

// Pairwise sum of a row: halves split at a multiple of 8, so that only the last block has a tail; log₂(r / 128)
// deep. The two lowest levels of the tree run inline (sumRow2), a quarter of the calls of plain recursion,
// which cost up to a fifth of a 1024-float row.
export function sumRow(p: usize, r: i32): f64 {
  if (r <= 4 * PW_BLOCK) return sumRow2(p, r);
  const h = (r >> 1) & ~7;
  return sumRow(p, h) + sumRow(p + (<usize>h << 2), r - h);
}

// sumRow's tree for r ≤ 4·PW_BLOCK, with no calls.
@inline function sumRow2(p: usize, r: i32): f64 {
  if (r <= PW_BLOCK) return sumBlock(p, r);
  const h = (r >> 1) & ~7;
  return sumRow1(p, h) + sumRow1(p + (<usize>h << 2), r - h);
}

// sumRow's tree for r ≤ 2·PW_BLOCK, with no calls.
@inline function sumRow1(p: usize, r: i32): f64 {
  if (r <= PW_BLOCK) return sumBlock(p, r);
  const h = (r >> 1) & ~7;
  return sumBlock(p, h) + sumBlock(p + (<usize>h << 2), r - h);
}

function maxRow(p: usize, r: i32, isMax: bool): f32 {
  let best: f32 = isMax ? -Infinity : Infinity;
  let j = 0;
  if (r >= 8) {
    let a0 = v128.load(p), a1 = v128.load(p, 16);
    j = 8;
    for (; j + 8 <= r; j += 8) {
      const q = p + (<usize>j << 2);
      a0 = stickyMax(a0, v128.load(q), isMax);
      a1 = stickyMax(a1, v128.load(q, 16), isMax);
    }
    const a = stickyMax(a0, a1, isMax);
    best = stickyMaxScalar(best, f32x4.extract_lane(a, 0), isMax);
    best = stickyMaxScalar(best, f32x4.extract_lane(a, 1), isMax);
    best = stickyMaxScalar(best, f32x4.extract_lane(a, 2), isMax);
    best = stickyMaxScalar(best, f32x4.extract_lane(a, 3), isMax);
  }
  for (; j < r; j++) best = stickyMaxScalar(best, load<f32>(p + (<usize>j << 2)), isMax);
  return best;
}

// Sum of exp(x − m) over n ≤ PW_BLOCK floats at p, in eight float64 lanes as sumBlock.
function sumExpBlock(p: usize, n: i32, vm: v128): f64 {
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), s2 = f64x2.splat(0), s3 = f64x2.splat(0);
  let j = 0;
  for (; j + 8 <= n; j += 8, p += 32) {
    const e = exp4(f32x4.sub(v128.load(p), vm)), g = exp4(f32x4.sub(v128.load(p, 16), vm));
    s0 = f64x2.add(s0, f64x2.promote_low_f32x4(e));
    s1 = f64x2.add(s1, promoteHigh(e));
    s2 = f64x2.add(s2, f64x2.promote_low_f32x4(g));
    s3 = f64x2.add(s3, promoteHigh(g));
  }
  // The tail (< 8 floats) in at most two vectors whose lanes past n are masked to -Inf, adding exp(-Inf) = 0.
  for (; j < n; j += 4, p += 16) {
    const live = i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(n - j));
    const e = exp4(f32x4.sub(v128.bitselect(v128.load(p), f32x4.splat(-Infinity), live), vm));
    s0 = f64x2.add(s0, f64x2.promote_low_f32x4(e));
    s1 = f64x2.add(s1, promoteHigh(e));
  }
  return hsum64(f64x2.add(f64x2.add(s0, s1), f64x2.add(s2, s3)));
}

// Pairwise sum of exp(x − m) over a row, in float64, split as sumRow.
function sumExpRow(p: usize, r: i32, m: f32): f64 {
  if (r <= PW_BLOCK) return sumExpBlock(p, r, f32x4.splat(m));
  const h = (r >> 1) & ~7;
  return sumExpRow(p, h, m) + sumExpRow(p + (<usize>h << 2), r - h, m);
}

// Running (value, index) of argRow's lane merge. Globals are per instance, so per worker once threads come.
let argV: f32 = 0;
let argI: i32 = 0;

@inline function mergeLane(v: f32, i: i32, isMax: bool): void {
  if (argV != argV) {
    if (v != v && i < argI) argI = i;
  } else if (v != v || (isMax ? v > argV : v < argV) || (v == argV && i < argI)) {
    argV = v;
    argI = i;
  }
}

// The first index of the extreme value, or of the first NaN (PyTorch's argmax with NaN). Each lane keeps the
// first index of its own best; lanes are then merged preferring NaN, then the better value, then the lower
// index, and the tail continues with the strict comparison so that earlier indices win ties.
function argRow(p: usize, r: i32, isMax: bool): i32 {
  if (r <= 0) return 0;
  let bestI = 0;
  let bestV = load<f32>(p);
  let j = 1;
  if (r >= 8) {
    let best = v128.load(p);
    let idx = i32x4(0, 1, 2, 3);
    let cur = i32x4(4, 5, 6, 7);
    const four = i32x4.splat(4);
    j = 4;
    for (; j + 4 <= r; j += 4) {
      const v = v128.load(p + (<usize>j << 2));
      const better = isMax ? f32x4.gt(v, best) : f32x4.lt(v, best);
      const take = v128.or(better, v128.and(f32x4.ne(v, v), f32x4.eq(best, best)));
      best = v128.bitselect(v, best, take);
      idx = v128.bitselect(cur, idx, take);
      cur = i32x4.add(cur, four);
    }
    argV = f32x4.extract_lane(best, 0);
    argI = i32x4.extract_lane(idx, 0);
    mergeLane(f32x4.extract_lane(best, 1), i32x4.extract_lane(idx, 1), isMax);
    mergeLane(f32x4.extract_lane(best, 2), i32x4.extract_lane(idx, 2), isMax);
    mergeLane(f32x4.extract_lane(best, 3), i32x4.extract_lane(idx, 3), isMax);
    bestV = argV;
    bestI = argI;
  }
  if (bestV != bestV) return bestI;
  for (; j < r; j++) {
    const v = load<f32>(p + (<usize>j << 2));
    if (v != v) return j;
    if (isMax ? v > bestV : v < bestV) { bestV = v; bestI = j; }
  }
  return bestI;
}

@inline function colBytes(inner: i32): usize {
  return ((<usize>inner + 16) << 3);
}

// Rows summed serially into one running row before it joins the binary counter: the merges cost one pass
// per two blocks (reading about three running rows), so 16 rows keep them near 1/16 of the additions.
// colCascade needs as many level rows as the bit length of ⌈r / COL_BLOCK⌉; reduceScratch in
// src/kernels/wasm/index.ts sizes scratch for two more (softmax's max and factors), and at least one level.
const COL_BLOCK = 16;

// Add (or, with `first`, store) one row of inner floats at p, or of exp(p − m) with `isExp` (also stored to
// `e` when e ≠ 0), into the float64 running row `acc`. Whole vectors: the lanes past inner are scratch padding.
@inline function addRow(acc: usize, p: usize, inner: i32, first: bool, isExp: bool, m: usize, e: usize): void {
  const end = acc + (<usize>inner << 3);
  const keep = e != 0;
  for (let a = acc; a < end; a += 32, p += 16, m += 16, e += 16) {
    let v = v128.load(p);
    if (isExp) {
      v = exp4(f32x4.sub(v, v128.load(m)));
      if (keep) v128.store(e, v);
    }
    const lo = f64x2.promote_low_f32x4(v), hi = promoteHigh(v);
    if (first) {
      v128.store(a, lo);
      v128.store(a, hi, 16);
    } else {
      v128.store(a, f64x2.add(v128.load(a), lo));
      v128.store(a, f64x2.add(v128.load(a, 16), hi), 16);
    }
  }
}

// Float64 column sums of the r rows at `row` (of exp(x − m) with `isExp`, each also stored to the rows of `e`
// when e ≠ 0: a separate buffer from `row`, since a row's whole-vector overrun would clobber the next row's
// input if they were the same), pairwise over blocks of COL_BLOCK rows. Level k of `levels` (running rows
// colBytes apart) holds the sum of 2^k blocks while bit k of the block count is set, so block b is summed into
// the empty level k = ctz(~b) and then merged with levels 0..k−1 as (((block + L0) + L1) + …): each merge adds
// two sums of equally many blocks, which is the pairwise tree; a carry costs one pass and no copies, and memory
// is one running row per bit of ⌈r / COL_BLOCK⌉, O(inner·log r). Returns the address of the running row holding the totals.
@inline function colCascade(row: usize, r: i32, inner: i32, isExp: bool, m: usize, e: usize, levels: usize): usize {
  const rowBytes = <usize>inner << 2, lb = colBytes(inner), accEnd = <usize>inner << 3;
  let b: u32 = 0;
  for (let j0 = 0; j0 < r; j0 += COL_BLOCK, b++) {
    const k = <usize>ctz(~b);
    const acc = levels + k * lb;
    const rows = min(COL_BLOCK, r - j0);
    let p = row + <usize>j0 * rowBytes, q: usize = e == 0 ? 0 : e + <usize>j0 * rowBytes;
    addRow(acc, p, inner, true, isExp, m, q);
    for (let j = 1; j < rows; j++) {
      p += rowBytes;
      if (q != 0) q += rowBytes;
      addRow(acc, p, inner, false, isExp, m, q);
    }
    if (k > 0) {
      for (let a: usize = 0; a < accEnd; a += 16) {
        let v = v128.load(acc + a);
        for (let l: usize = 0, lv = levels + a; l < k; l++, lv += lb) v = f64x2.add(v, v128.load(lv));
        v128.store(acc + a, v);
      }
    }
  }
  if (b == 0) {
    for (let a: usize = 0; a < accEnd; a += 16) v128.store(levels + a, f64x2.splat(0));
    return levels;
  }
  // The occupied levels (the set bits of b) added from the smallest up, into the largest.
  const bits: u32 = 32 - clz(b);
  const top = levels + <usize>(bits - 1) * lb;
  if (popcnt(b) > 1) {
    for (let a: usize = 0; a < accEnd; a += 16) {
      let v = f64x2.splat(0);
      let first = true;
      for (let l: u32 = <u32>ctz(b), lv = levels + <usize>l * lb + a; l < bits; l++, lv += lb) {
        if ((b >> l & 1) == 0) continue;
        v = first ? v128.load(lv) : f64x2.add(v, v128.load(lv));
        first = false;
      }
      v128.store(top + a, v);
    }
  }
  return top;
}

function sumCols(x: usize, out: usize, outer: i32, r: i32, inner: i32, levels: usize): void {
  const rowBytes = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const s = colCascade(x + <usize>o * <usize>r * rowBytes, r, inner, false, 0, 0, levels);
    const po = out + <usize>o * rowBytes;
    for (let i = 0; i < inner; i++) store<f32>(po + (<usize>i << 2), <f32>load<f64>(s + (<usize>i << 3)));
  }
}

function maxCols(x: usize, out: usize, outer: i32, r: i32, inner: i32, isMax: bool): void {
  const rowBytes = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const po = out + <usize>o * rowBytes;
    const end = po + rowBytes;
    let row = x + <usize>o * <usize>r * rowBytes;
    if (r == 0) {
      for (let q = po; q < end; q += 16) v128.store(q, f32x4.splat(isMax ? -Infinity : Infinity));
      continue;
    }
    for (let q = po, p = row; q < end; q += 16, p += 16) v128.store(q, v128.load(p));
    row += rowBytes;
    for (let j = 1; j < r; j++, row += rowBytes) {
      for (let q = po, p = row; q < end; q += 16, p += 16) v128.store(q, stickyMax(v128.load(q), v128.load(p), isMax));
    }
  }
}

function argCols(x: usize, out: usize, outer: i32, r: i32, inner: i32, isMax: bool, best: usize): void {
  const rowBytes = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    const po = out + <usize>o * rowBytes;
    const end = po + rowBytes;
    let row = x + <usize>o * <usize>r * rowBytes;
    for (let q = po; q < end; q += 16) v128.store(q, i32x4.splat(0));
    if (r == 0) continue;
    for (let q = best, p = row; p < row + rowBytes; q += 16, p += 16) v128.store(q, v128.load(p));
    row += rowBytes;
    for (let j = 1; j < r; j++, row += rowBytes) {
      const vj = i32x4.splat(j);
      for (let q = po, b = best, p = row; q < end; q += 16, b += 16, p += 16) {
        const v = v128.load(p), bv = v128.load(b);
        const better = isMax ? f32x4.gt(v, bv) : f32x4.lt(v, bv);
        const take = v128.or(better, v128.and(f32x4.ne(v, v), f32x4.eq(bv, bv)));
        v128.store(b, v128.bitselect(v, bv, take));
        v128.store(q, v128.bitselect(vj, v128.load(q), take));
      }
    }
  }
}

// Column maxima of one outer slice into m (NaN-sticky).
function colMax(row: usize, r: i32, inner: i32, m: usize): void {
  const rowBytes = <usize>inner << 2;
  const mEnd = m + rowBytes;
  for (let q = m; q < mEnd; q += 16) v128.store(q, f32x4.splat(-Infinity));
  for (let j = 0; j < r; j++, row += rowBytes) {
    for (let q = m, p = row; q < mEnd; q += 16, p += 16) v128.store(q, stickyMax(v128.load(q), v128.load(p), true));
  }
}

/**
 * Reduce the middle axis of contiguous float32 `x` read as `[outer, r, inner]` into `out` (`[outer, inner]`,
 * float32, or int32 indices for argmax/argmin). When inner > 1, `scratch` holds `(2 + L)·colBytes(inner)` bytes,
 * L = max(1, bit length of ⌈r / 16⌉) (reduceScratch in src/kernels/wasm/index.ts).
 *
 * @example
 * ```ts
 * exports.reduce(4, x, out, rows, cols, 1, scratch); // argmax of each row into int32 out
 * ```
 */
export function reduce(op: i32, x: usize, out: usize, outer: i32, r: i32, inner: i32, scratch: usize): void {
  const rowBytes = <usize>r << 2;
  if (inner == 1) {
    for (let o = 0; o < outer; o++) {
      const p = x + <usize>o * rowBytes, q = out + (<usize>o << 2);
      switch (op) {
        case R_SUM: store<f32>(q, <f32>sumRow(p, r)); break;
        case R_MAX: store<f32>(q, maxRow(p, r, true)); break;
        case R_MIN: store<f32>(q, maxRow(p, r, false)); break;
        case R_LOGSUMEXP: {
          let m = maxRow(p, r, true);
          if (m != m) { store<f32>(q, m); break; }
          if (Mathf.abs(m) == Infinity) m = 0;
          store<f32>(q, <f32>(Math.log(sumExpRow(p, r, m)) + <f64>m));
          break;
        }
        case R_ARGMAX: store<i32>(q, argRow(p, r, true)); break;
        case R_ARGMIN: store<i32>(q, argRow(p, r, false)); break;
        default: unreachable();
      }
    }
    return;
  }
  switch (op) {
    case R_SUM: sumCols(x, out, outer, r, inner, scratch); break;
    case R_MAX: maxCols(x, out, outer, r, inner, true); break;
    case R_MIN: maxCols(x, out, outer, r, inner, false); break;
    case R_ARGMAX: argCols(x, out, outer, r, inner, true, scratch); break;
    case R_ARGMIN: argCols(x, out, outer, r, inner, false, scratch); break;
    case R_LOGSUMEXP: {
      const m = scratch, levels = scratch + colBytes(inner);
      for (let o = 0; o < outer; o++) {
        const row = x + <usize>o * rowBytes * <usize>inner;
        colMax(row, r, inner, m);
        // A NaN max stays (the result is NaN); an infinite max shifts by 0 as in the TS backend.
        for (let q = m; q < m + (<usize>inner << 2); q += 16) {
          const v = v128.load(q);
          v128.store(q, v128.andnot(v, f32x4.eq(f32x4.abs(v), f32x4.splat(Infinity))));
        }
        const s = colCascade(row, r, inner, true, m, 0, levels);
        const po = out + (<usize>o * <usize>inner << 2);
        for (let i = 0; i < inner; i++) {
          const mi = load<f32>(m + (<usize>i << 2));
          store<f32>(po + (<usize>i << 2), <f32>(Math.log(load<f64>(s + (<usize>i << 3))) + <f64>mi));
        }
      }
      break;
    }
    default: unreachable();
  }
}

/**
 * Numerically stable softmax (or log-softmax) of contiguous float32 `x` read as `[outer, r, inner]` along the
 * middle axis: subtract the max, exponentiate, normalise. A NaN anywhere in a slice makes the whole slice NaN,
 * as in the TS backend. `out` must not overlap `x`; `scratch` is sized as for reduce.
 *
 * @example
 * ```ts
 * exports.softmax(x, out, rows, cols, 1, 1, scratch); // log-softmax of each row
 * ```
 */
export function softmax(x: usize, out: usize, outer: i32, r: i32, inner: i32, log: bool, scratch: usize): void {
  const rowBytes = <usize>r << 2;
  if (inner == 1) {
    for (let o = 0; o < outer; o++) {
      const p = x + <usize>o * rowBytes, q = out + <usize>o * rowBytes;
      const m = maxRow(p, r, true);
      const vm = f32x4.splat(m);
      const end = q + rowBytes;
      if (log) {
        const lse = f32x4.splat(<f32>Math.log(sumExpRow(p, r, m)));
        for (let a = p, b = q; b < end; a += 16, b += 16) v128.store(b, f32x4.sub(f32x4.sub(v128.load(a), vm), lse));
      } else {
        for (let a = p, b = q; b < end; a += 16, b += 16) {
          const e = exp4(f32x4.sub(v128.load(a), vm));
          v128.store(b, e);
        }
        // Sum only the r live values: the stores above ran past r in whole vectors.
        const s = sumRow(q, r);
        const inv = f32x4.splat(<f32>(1.0 / s));
        for (let c = q; c < end; c += 16) v128.store(c, f32x4.mul(v128.load(c), inv));
      }
    }
    return;
  }
  const colB = <usize>inner << 2;
  const m = scratch, f = scratch + colBytes(inner), levels = scratch + 2 * colBytes(inner);
  for (let o = 0; o < outer; o++) {
    const base = <usize>o * rowBytes * <usize>inner;
    const p0 = x + base, q0 = out + base;
    // The raw max, infinities included, so that an all -Inf or a +Inf column gives NaN as in the TS backend.
    colMax(p0, r, inner, m);
    const s = colCascade(p0, r, inner, true, m, log ? 0 : q0, levels);
    for (let i = 0; i < inner; i++) {
      const si = load<f64>(s + (<usize>i << 3));
      store<f32>(f + (<usize>i << 2), log ? <f32>Math.log(si) : <f32>(1.0 / si));
    }
    const mEnd = m + colB;
    let pr = p0, qr = q0;
    for (let j = 0; j < r; j++, pr += colB, qr += colB) {
      if (log) {
        for (let c = m, g = f, p = pr, q = qr; c < mEnd; c += 16, g += 16, p += 16, q += 16) {
          v128.store(q, f32x4.sub(f32x4.sub(v128.load(p), v128.load(c)), v128.load(g)));
        }
      } else {
        // Scaling is read-modify-write on rows of `out`, so a whole-vector overrun would scale the next row's
        // first values twice: full vectors, then a scalar tail.
        const full = colB & ~15;
        let c: usize = 0;
        for (; c < full; c += 16) v128.store(qr + c, f32x4.mul(v128.load(qr + c), v128.load(f + c)));
        for (; c < colB; c += 4) store<f32>(qr + c, load<f32>(qr + c) * load<f32>(f + c));
      }
    }
  }
}
