// Variance and the running sum (cumsum) of float32 data in float64, the two scans and reductions of the moments
// family with SIMD kernels. Like reduce.ts, `x` is read as [outer, r, inner]; buffers are padded, so whole
// vectors may run past the end of a row (their extra lanes are never stored).

import { sumRow } from './reduce';

@inline function promoteHigh(v: v128): v128 {
  return f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3));
}

// Σ (x − m) of the last devBlock/devRow call, beside its return value Σ (x − m)².
let devCarry: f64 = 0;

const PW_BLOCK = 128;

// Σ (x − m)² over n ≤ PW_BLOCK floats at p in float64 lanes (and Σ (x − m) into devCarry).
function devBlock(p: usize, n: i32, m: f64): f64 {
  const vm = f64x2.splat(m);
  let s0 = f64x2.splat(0), s1 = f64x2.splat(0), c0 = f64x2.splat(0), c1 = f64x2.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4, p += 16) {
    const v = v128.load(p);
    const d0 = f64x2.sub(f64x2.promote_low_f32x4(v), vm), d1 = f64x2.sub(promoteHigh(v), vm);
    s0 = f64x2.add(s0, f64x2.mul(d0, d0));
    s1 = f64x2.add(s1, f64x2.mul(d1, d1));
    c0 = f64x2.add(c0, d0);
    c1 = f64x2.add(c1, d1);
  }
  const s = f64x2.add(s0, s1), c = f64x2.add(c0, c1);
  let ss = f64x2.extract_lane(s, 0) + f64x2.extract_lane(s, 1);
  let cc = f64x2.extract_lane(c, 0) + f64x2.extract_lane(c, 1);
  for (; j < n; j++, p += 4) {
    const d = <f64>load<f32>(p) - m;
    ss += d * d;
    cc += d;
  }
  devCarry = cc;
  return ss;
}

// Σ (x − m)² over a row of r floats, pairwise as sumRow (halves at multiples of 8 down to PW_BLOCK).
function devRow(p: usize, r: i32, m: f64): f64 {
  if (r <= PW_BLOCK) return devBlock(p, r, m);
  const h = (r >> 1) & ~7;
  const a = devRow(p, h, m);
  const ca = devCarry;
  const b = devRow(p + (<usize>h << 2), r - h, m);
  devCarry += ca;
  return a + b;
}

/**
 * Variance along the middle axis of contiguous float32 `x` read as `[outer, r, inner]` (r > 0): Σ (x − mean)² /
 * max(0, r − correction) into `out` ([outer, inner], float32), and the mean into `mean` when it is not 0. Two
 * passes in float64, the second corrected by (Σ (x − mean))² / r; rows pairwise as the sums of reduce.ts, columns
 * in float64 running rows (`scratch`: 3 · 8 · (inner + 4) bytes).
 *
 * @example
 * ```ts
 * exports.variance(x, out, 0, rows, cols, 1, 1, scratch); // the sample variance of each row
 * ```
 */
export function variance(x: usize, out: usize, mean: usize, outer: i32, r: i32, inner: i32, correction: f64, scratch: usize): void {
  const divisor = max<f64>(0, <f64>r - correction), rf = <f64>r;
  if (inner == 1) {
    for (let o = 0; o < outer; o++) {
      const p = x + (<usize>o * <usize>r << 2);
      const m = sumRow(p, r) / rf;
      const s = devRow(p, r, m);
      store<f32>(out + (<usize>o << 2), <f32>((s - devCarry * devCarry / rf) / divisor));
      if (mean != 0) store<f32>(mean + (<usize>o << 2), <f32>m);
    }
    return;
  }
  const rowBytes = <usize>inner << 2, accBytes = (<usize>inner + 4) << 3;
  const ms = scratch, ss = scratch + accBytes, cs = ss + accBytes;
  const accEnd = <usize>inner << 3;
  for (let o = 0; o < outer; o++) {
    const base = x + <usize>o * <usize>r * rowBytes;
    for (let a: usize = 0; a < accEnd; a += 16) {
      v128.store(ms + a, f64x2.splat(0));
      v128.store(ss + a, f64x2.splat(0));
      v128.store(cs + a, f64x2.splat(0));
    }
    // Pass 1: column sums, then means.
    for (let j = 0, row = base; j < r; j++, row += rowBytes) {
      for (let a: usize = 0, p = row; a < accEnd; a += 32, p += 16) {
        const v = v128.load(p);
        v128.store(ms + a, f64x2.add(v128.load(ms + a), f64x2.promote_low_f32x4(v)));
        v128.store(ms + a, f64x2.add(v128.load(ms + a, 16), promoteHigh(v)), 16);
      }
    }
    const vr = f64x2.splat(rf);
    for (let a: usize = 0; a < accEnd; a += 16) v128.store(ms + a, f64x2.div(v128.load(ms + a), vr));
    // Pass 2: Σ (x − m)² and Σ (x − m) per column.
    for (let j = 0, row = base; j < r; j++, row += rowBytes) {
      for (let a: usize = 0, p = row; a < accEnd; a += 32, p += 16) {
        const v = v128.load(p);
        const d0 = f64x2.sub(f64x2.promote_low_f32x4(v), v128.load(ms + a)), d1 = f64x2.sub(promoteHigh(v), v128.load(ms + a, 16));
        v128.store(ss + a, f64x2.add(v128.load(ss + a), f64x2.mul(d0, d0)));
        v128.store(ss + a, f64x2.add(v128.load(ss + a, 16), f64x2.mul(d1, d1)), 16);
        v128.store(cs + a, f64x2.add(v128.load(cs + a), d0));
        v128.store(cs + a, f64x2.add(v128.load(cs + a, 16), d1), 16);
      }
    }
    const po = out + <usize>o * rowBytes, pm = mean + <usize>o * rowBytes;
    for (let i = 0; i < inner; i++) {
      const q = <usize>i << 3;
      const c = load<f64>(cs + q);
      store<f32>(po + (<usize>i << 2), <f32>((load<f64>(ss + q) - c * c / rf) / divisor));
      if (mean != 0) store<f32>(pm + (<usize>i << 2), <f32>load<f64>(ms + q));
    }
  }
}

/**
 * The running sum along the middle axis of contiguous float32 `x` read as `[outer, r, inner]` with inner > 1 (the
 * columns), into `out` of the same shape: a float64 running row (`scratch`: 8 · (inner + 4) bytes) updated a row
 * at a time, so each output is its column's float64 sum rounded once, exactly as the TS kernel's.
 *
 * @example
 * ```ts
 * exports.cumsumColumns(x, out, 1, rows, cols, scratch);
 * ```
 */
export function cumsumColumns(x: usize, out: usize, outer: i32, r: i32, inner: i32, scratch: usize): void {
  const rowBytes = <usize>inner << 2, accEnd = <usize>inner << 3;
  for (let o = 0; o < outer; o++) {
    for (let a: usize = 0; a < accEnd; a += 16) v128.store(scratch + a, f64x2.splat(0));
    const at = <usize>o * <usize>r * rowBytes;
    for (let j = 0, row = x + at, dst = out + at; j < r; j++, row += rowBytes, dst += rowBytes) {
      let a: usize = 0, p = row, q = dst;
      // Whole vectors while they end within the row (a store past it would clobber the next row's output).
      for (; a + 32 <= accEnd; a += 32, p += 16, q += 16) {
        const v = v128.load(p);
        const lo = f64x2.add(v128.load(scratch + a), f64x2.promote_low_f32x4(v));
        const hi = f64x2.add(v128.load(scratch + a, 16), promoteHigh(v));
        v128.store(scratch + a, lo);
        v128.store(scratch + a, hi, 16);
        const l = f32x4.demote_f64x2_zero(lo), h = f32x4.demote_f64x2_zero(hi);
        v128.store(q, i32x4.shuffle(l, h, 0, 1, 4, 5));
      }
      for (; a < accEnd; a += 8, p += 4, q += 4) {
        const s = load<f64>(scratch + a) + <f64>load<f32>(p);
        store<f64>(scratch + a, s);
        store<f32>(q, <f32>s);
      }
    }
  }
}
