// The float32 elementwise kernels that take more than one lane function: clamp, the row loops of the binary
// kernels (their per-kernel lane functions are in binary-lanes.ts, selected by the generated arith4/cmp4, or
// their element functions in binary-scalar.ts, selected by the generated scalar1), where,
// strided copy, and the sliding-window gathers. Buffers come from the JS bump allocator padded to 64 bytes, so
// every loop runs whole vectors (16 floats for the byte-writing comparisons) and may read and write up to 15
// elements past its end.

import { arith4, cmp4, isScalar, scalar1, B_FIRST_COMPARE, B_MUL, B_POW } from './codes.generated';
import { splatOne } from './vmath';

/**
 * `out[i] = min(max(x[i], lo), hi)` in that order, as the TS backend and PyTorch (every element becomes `hi`
 * when lo > hi); NaN stays. pmax(v, lo) is exactly `v < lo ? lo : v` and pmin(u, hi) is `hi < u ? hi : u`.
 *
 * @example
 * ```ts
 * exports.clamp(p, p, n, 0, 6); // relu6 in place
 * ```
 */
export function clamp(x: usize, out: usize, n: i32, lo: f32, hi: f32): void {
  const end = x + (<usize>n << 2);
  const vlo = f32x4.splat(lo), vhi = f32x4.splat(hi);
  let o = out;
  for (let p = x; p < end; p += 16, o += 16) v128.store(o, f32x4.pmin(f32x4.pmax(v128.load(p), vlo), vhi));
}

// One row of an arithmetic kernel. `sa`/`sb` say the operand is a single value splatted over the row; the
// four cases get their own loops so the row loop has no branches.
@inline function arithRow(op: i32, pa: usize, sa: bool, pb: usize, sb: bool, po: usize, cols: i32): void {
  const end = po + (<usize>cols << 2);
  if (!sa && !sb) {
    for (let o = po; o < end; o += 16, pa += 16, pb += 16) v128.store(o, arith4(op, v128.load(pa), v128.load(pb)));
  } else if (sb && !sa) {
    const vb = v128.load32_splat(pb);
    for (let o = po; o < end; o += 16, pa += 16) v128.store(o, arith4(op, v128.load(pa), vb));
  } else if (sa && !sb) {
    const va = v128.load32_splat(pa);
    for (let o = po; o < end; o += 16, pb += 16) v128.store(o, arith4(op, va, v128.load(pb)));
  } else {
    const v = arith4(op, v128.load32_splat(pa), v128.load32_splat(pb));
    for (let o = po; o < end; o += 16) v128.store(o, v);
  }
}

@inline function cmp16(op: i32, a0: v128, a1: v128, a2: v128, a3: v128, b0: v128, b1: v128, b2: v128, b3: v128): v128 {
  // Lane masks are 0 or -1, so signed narrowing keeps them exact; `and 1` turns -1 bytes into 1.
  const lo = i16x8.narrow_i32x4_s(cmp4(op, a0, b0), cmp4(op, a1, b1));
  const hi = i16x8.narrow_i32x4_s(cmp4(op, a2, b2), cmp4(op, a3, b3));
  return v128.and(i8x16.narrow_i16x8_s(lo, hi), i8x16.splat(1));
}

@inline function cmpRow(op: i32, pa: usize, sa: bool, pb: usize, sb: bool, po: usize, cols: i32): void {
  const end = po + <usize>cols;
  if (!sa && !sb) {
    for (let o = po; o < end; o += 16, pa += 64, pb += 64) {
      v128.store(o, cmp16(op, v128.load(pa), v128.load(pa, 16), v128.load(pa, 32), v128.load(pa, 48),
        v128.load(pb), v128.load(pb, 16), v128.load(pb, 32), v128.load(pb, 48)));
    }
  } else if (sb && !sa) {
    const vb = v128.load32_splat(pb);
    for (let o = po; o < end; o += 16, pa += 64) {
      v128.store(o, cmp16(op, v128.load(pa), v128.load(pa, 16), v128.load(pa, 32), v128.load(pa, 48), vb, vb, vb, vb));
    }
  } else if (sa && !sb) {
    const va = v128.load32_splat(pa);
    for (let o = po; o < end; o += 16, pb += 64) {
      v128.store(o, cmp16(op, va, va, va, va, v128.load(pb), v128.load(pb, 16), v128.load(pb, 32), v128.load(pb, 48)));
    }
  } else {
    const va = v128.load32_splat(pa), vb = v128.load32_splat(pb);
    const v = cmp16(op, va, va, va, va, vb, vb, vb, vb);
    for (let o = po; o < end; o += 16) v128.store(o, v);
  }
}

function powRow(pa: usize, sa: bool, pb: usize, sb: bool, po: usize, cols: i32): void {
  if (sb && !sa) {
    const e = load<f32>(pb);
    // Exact shortcuts: a float32 product or quotient rounded once equals float64 pow rounded to float32.
    if (e == 2) { arithRow(B_MUL, pa, false, pa, false, po, cols); return; }
    if (e == 1) { memory.copy(po, pa, <usize>cols << 2); return; }
    if (e == -1) { reciprocalRow(pa, po, cols); return; }
    // pow(x, 0) is 1 for every x, NaN included.
    if (e == 0) {
      const end = po + (<usize>cols << 2);
      for (let o = po; o < end; o += 16) v128.store(o, splatOne());
      return;
    }
  }
  scalarRow(B_POW, pa, sa, pb, sb, po, cols);
}

// One row of a kernel computed an element at a time (binary-scalar.ts): `op` is a constant where it is inlined.
@inline function scalarRow(op: i32, pa: usize, sa: bool, pb: usize, sb: bool, po: usize, cols: i32): void {
  const da: usize = sa ? 0 : 4, db: usize = sb ? 0 : 4;
  for (let j = 0; j < cols; j++, pa += da, pb += db) {
    store<f32>(po + (<usize>j << 2), scalar1(op, load<f32>(pa), load<f32>(pb)));
  }
}

@inline function reciprocalRow(pa: usize, po: usize, cols: i32): void {
  const end = po + (<usize>cols << 2);
  const one = f32x4.splat(1);
  for (let o = po; o < end; o += 16, pa += 16) v128.store(o, f32x4.div(one, v128.load(pa)));
}

/**
 * The rows of one binary kernel: `op` is a constant at every call site (the generated dispatch), so each kernel
 * gets its own loops with the lane function inlined.
 *
 * @example `binaryRows(B_ADD, a, aRow, sa, b, bRow, sb, out, rows, cols)`
 */
@inline export function binaryRows(op: i32, a: usize, aRow: isize, sa: bool, b: usize, bRow: isize, sb: bool,
  out: usize, rows: i32, cols: i32): void {
  const ostep: isize = op >= B_FIRST_COMPARE ? <isize>cols : <isize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const pa = a + aRow * r, pb = b + bRow * r, po = out + ostep * r;
    if (op == B_POW) powRow(pa, sa, pb, sb, po, cols);
    else if (op >= B_FIRST_COMPARE) cmpRow(op, pa, sa, pb, sb, po, cols);
    else if (isScalar(op)) scalarRow(op, pa, sa, pb, sb, po, cols);
    else arithRow(op, pa, sa, pb, sb, po, cols);
  }
}

/**
 * `out = cond ? a : b` over `rows × cols` of float32, with `cond` one byte per element (non-zero is true).
 * Operands are laid out as in `binary`: row `r` of each starts at its base plus `r` times its row step, and
 * within a row each is contiguous or, when its flag is set, one value for the whole row.
 *
 * @example
 * ```ts
 * exports.where(mask, cols, 0, zero, 0, 1, g, 4 * cols, 0, out, rows, cols); // relu's backward
 * ```
 */
export function where(c: usize, cRow: isize, sc: bool, a: usize, aRow: isize, sa: bool, b: usize, bRow: isize,
  sb: bool, out: usize, rows: i32, cols: i32): void {
  // A broadcast operand does not advance, so reading it as a whole vector stays inside its padded buffer, and
  // both arms of each select below are safe to evaluate.
  const dc: usize = sc ? 0 : 4, da: usize = sa ? 0 : 16, db: usize = sb ? 0 : 16;
  const zero = i32x4.splat(0);
  for (let r = 0; r < rows; r++) {
    let pc = c + cRow * r, pa = a + aRow * r, pb = b + bRow * r;
    const po = out + ((<isize>cols << 2) * r), end = po + (<usize>cols << 2);
    const va0 = v128.load32_splat(pa), vb0 = v128.load32_splat(pb);
    for (let o = po; o < end; o += 16, pc += dc, pa += da, pb += db) {
      const bytes = sc ? v128.load8_splat(pc) : v128.load32_zero(pc);
      const mask = i32x4.ne(i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(bytes)), zero);
      v128.store(o, v128.bitselect(sa ? va0 : v128.load(pa), sb ? vb0 : v128.load(pb), mask));
    }
  }
}

/**
 * im2col: for each of `blocks` planes, `out[b·len + r] = index[r] < 0 ? 0 : x[b·plane + index[r]]` for
 * `r < len`, float32 with int32 indices (-1 marks zero padding).
 *
 * @example
 * ```ts
 * exports.unfold(x, index, out, n * c, h * w, kk * oh * ow);
 * ```
 */
export function unfold(x: usize, index: usize, out: usize, blocks: i32, plane: i32, len: i32): void {
  const rowBytes = <usize>len << 2;
  for (let b = 0; b < blocks; b++) {
    const src = x + ((<usize>b * <usize>plane) << 2), dst = out + <usize>b * rowBytes;
    for (let r: usize = 0; r < rowBytes; r += 4) {
      const i = load<i32>(index + r);
      store<f32>(dst + r, i < 0 ? 0 : load<f32>(src + (<usize>i << 2)));
    }
  }
}

/**
 * col2im, the transpose of `unfold`: `out[b·plane + index[r]] += cols[b·len + r]` for every `r` with
 * `index[r] ≥ 0`, over `out` zeroed first.
 *
 * @example
 * ```ts
 * exports.fold(cols, index, out, n * c, h * w, kk * oh * ow);
 * ```
 */
export function fold(cols: usize, index: usize, out: usize, blocks: i32, plane: i32, len: i32): void {
  memory.fill(out, 0, (<usize>blocks * <usize>plane) << 2);
  const rowBytes = <usize>len << 2;
  for (let b = 0; b < blocks; b++) {
    const dst = out + ((<usize>b * <usize>plane) << 2), src = cols + <usize>b * rowBytes;
    for (let r: usize = 0; r < rowBytes; r += 4) {
      const i = load<i32>(index + r);
      if (i >= 0) {
        const q = dst + (<usize>i << 2);
        store<f32>(q, load<f32>(q) + load<f32>(src + r));
      }
    }
  }
}

/**
 * Gather a strided view of 4-byte elements into contiguous `out`: element (i0, i1, i2, i3) of the
 * n0×n1×n2×n3 view is at byte `src + i0·s0 + i1·s1 + i2·s2 + i3·s3` (byte strides, any sign).
 *
 * @example
 * ```ts
 * exports.copy(src, out, 1, 1, cols, rows, 0, 0, 4, 4 * cols); // transpose a rows×cols matrix
 * ```
 */
export function copy(src: usize, out: usize, n0: i32, n1: i32, n2: i32, n3: i32, s0: isize, s1: isize, s2: isize,
  s3: isize): void {
  let o = out;
  const rowBytes = <usize>n3 << 2;
  if (s3 != 4 && s2 == 4) {
    // A transpose of the inner two dims: walk 16×16 tiles so that the 16 source lines a tile reads stay in L1
    // while they are used, instead of one cache miss per element.
    const plane = <usize>n2 * rowBytes;
    for (let i0 = 0; i0 < n0; i0++) {
      for (let i1 = 0; i1 < n1; i1++, o += plane) {
        const base = src + <isize>i0 * s0 + <isize>i1 * s1;
        for (let b2 = 0; b2 < n2; b2 += 16) {
          const e2 = b2 + 16 < n2 ? b2 + 16 : n2;
          for (let b3 = 0; b3 < n3; b3 += 16) {
            const e3 = b3 + 16 < n3 ? b3 + 16 : n3;
            for (let i2 = b2; i2 < e2; i2++) {
              let q = base + (<isize>i2 << 2) + <isize>b3 * s3;
              let d = o + <usize>i2 * rowBytes + (<usize>b3 << 2);
              for (let i3 = b3; i3 < e3; i3++, q += s3, d += 4) store<u32>(d, load<u32>(q));
            }
          }
        }
      }
    }
    return;
  }
  for (let i0 = 0; i0 < n0; i0++) {
    for (let i1 = 0; i1 < n1; i1++) {
      let p = src + <isize>i0 * s0 + <isize>i1 * s1;
      for (let i2 = 0; i2 < n2; i2++, p += s2) {
        if (s3 == 4) {
          memory.copy(o, p, rowBytes);
          o += rowBytes;
        } else {
          let q = p;
          for (let i3 = 0; i3 < n3; i3++, q += s3, o += 4) store<u32>(o, load<u32>(q));
        }
      }
    }
  }
}

/**
 * `unfold` from runs: `runs` holds `count` triples (r, i, n) meaning `out[b·len + r + t] = x[b·plane + i + t]`
 * for t < n, or 0 when i is -1 (padding). Stride-1 windows make long runs of consecutive input elements,
 * copied four at a time instead of gathered one by one.
 *
 * @example
 * ```ts
 * exports.unfoldRuns(x, runs, 600, out, 32, 784, 14400);
 * ```
 */
export function unfoldRuns(x: usize, runs: usize, count: i32, out: usize, blocks: i32, plane: i32, len: i32): void {
  const zero = f32x4.splat(0);
  for (let b = 0; b < blocks; b++) {
    const src = x + ((<usize>b * <usize>plane) << 2), dst = out + ((<usize>b * <usize>len) << 2);
    for (let k = 0; k < count; k++) {
      const q = runs + (<usize>k * 12);
      const r = load<i32>(q), i = load<i32>(q, 4), n = load<i32>(q, 8);
      let d = dst + (<usize>r << 2);
      const end = d + (<usize>n << 2), vend = d + (<usize>(n & ~3) << 2);
      if (i < 0) {
        for (; d < vend; d += 16) v128.store(d, zero);
        for (; d < end; d += 4) store<f32>(d, 0);
      } else {
        let s = src + (<usize>i << 2);
        for (; d < vend; d += 16, s += 16) v128.store(d, v128.load(s));
        for (; d < end; d += 4, s += 4) store<f32>(d, load<f32>(s));
      }
    }
  }
}
