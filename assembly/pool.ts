// Max pooling and the scatter that is its gradient, over float32 planes with int32 window maps.

// A key for float32 bits that orders as the floats do, with -0 = +0 and every NaN above +Inf, all NaNs equal: the
// max-pooling scans compare these with integer compares and selects, which V8 compiles without branches (its
// float selects are branches, and the comparisons of random data mispredict).
@inline function orderKey(bits: i32): i32 {
  const m = bits & 0x7fffffff;
  return select<i32>(0x7f800001, select<i32>(-m, m, bits < 0), m > 0x7f800000);
}

/**
 * 2-d max pooling of `planes` planes of `plane` floats: for each output position l < len, the maximum over the
 * window's `kk` input positions `index[k·len + l]` (-1 marks padding, skipped), and that position in
 * `indices`. The first maximum wins ties (±0 are equal) and the first NaN wins over everything, as in PyTorch and the
 * TS backend; the scan compares `orderKey`s.
 *
 * @example
 * ```ts
 * exports.maxPool2d(x, index, out, indices, 64 * 6, 784, 4, 196);
 * ```
 */
export function maxPool2d(x: usize, index: usize, out: usize, indices: usize, planes: i32, plane: i32, kk: i32, len: i32): void {
  const lenBytes = <usize>len << 2;
  for (let p = 0; p < planes; p++) {
    const base = x + ((<usize>p * <usize>plane) << 2);
    const o = out + <usize>p * lenBytes, oi = indices + <usize>p * lenBytes;
    for (let l: usize = 0; l < lenBytes; l += 4) {
      // Below every key (-Inf's is -0x7f800000): the first element in the window is taken.
      let best: i32 = i32.MIN_VALUE;
      let at: i32 = -1;
      for (let k = 0; k < kk; k++) {
        const i = load<i32>(index + <usize>k * lenBytes + l);
        if (i < 0) continue;
        const key = orderKey(load<i32>(base + (<usize>i << 2)));
        const take = key > best;
        best = select<i32>(key, best, take);
        at = select<i32>(i, at, take);
      }
      store<f32>(o + l, at < 0 ? -Infinity : load<f32>(base + (<usize>at << 2)));
      store<i32>(oi + l, at);
    }
  }
}

// orderKey for four lanes.
@inline function orderKey4(bits: v128): v128 {
  const m = v128.and(bits, i32x4.splat(0x7fffffff));
  const signed = v128.bitselect(i32x4.neg(m), m, i32x4.lt_s(bits, i32x4.splat(0)));
  return v128.bitselect(i32x4.splat(0x7f800001), signed, i32x4.gt_s(m, i32x4.splat(0x7f800000)));
}

/**
 * `maxPool2d` for the common 2 × 2 window with stride 2, no padding and no dilation, on `planes` planes of h × w:
 * four outputs at a time from two vector loads per input row, their even and odd lanes being the window's columns.
 * Same results as `maxPool2d` (first maximum wins, ±0 equal, first NaN wins), taps in the same order.
 *
 * @example
 * ```ts
 * exports.maxPool2x2(x, out, indices, 64 * 6, 28, 28, 14, 14);
 * ```
 */
export function maxPool2x2(x: usize, out: usize, indices: usize, planes: i32, h: i32, w: i32, oh: i32, ow: i32): void {
  const rowB = <usize>w << 2, lanes = i32x4(0, 2, 4, 6), one = i32x4.splat(1), down = i32x4.splat(w);
  for (let p = 0; p < planes; p++) {
    const base = x + ((<usize>p * <usize>h * <usize>w) << 2);
    const outP = (<usize>p * <usize>oh * <usize>ow) << 2;
    for (let oy = 0; oy < oh; oy++) {
      const r0 = base + <usize>(2 * oy) * rowB, r1 = r0 + rowB, i0 = 2 * oy * w;
      const o = out + outP + ((<usize>oy * <usize>ow) << 2), oi = indices + outP + ((<usize>oy * <usize>ow) << 2);
      let ox = 0;
      for (; ox + 4 <= ow && 2 * ox + 8 <= w; ox += 4) {
        const q0 = r0 + (<usize>ox << 3), q1 = r1 + (<usize>ox << 3);
        const a0 = v128.load(q0), b0 = v128.load(q0, 16), a1 = v128.load(q1), b1 = v128.load(q1, 16);
        let val = i32x4.shuffle(a0, b0, 0, 2, 4, 6);
        let best = orderKey4(val);
        let at = i32x4.add(i32x4.splat(i0 + 2 * ox), lanes);
        // (0, 1), (1, 0), (1, 1): a strictly greater key takes the tap, so the first maximum stays.
        let v = i32x4.shuffle(a0, b0, 1, 3, 5, 7), k = orderKey4(v), take = i32x4.gt_s(k, best), idx = i32x4.add(at, one);
        best = v128.bitselect(k, best, take); val = v128.bitselect(v, val, take); const at1 = v128.bitselect(idx, at, take);
        v = i32x4.shuffle(a1, b1, 0, 2, 4, 6); k = orderKey4(v); take = i32x4.gt_s(k, best); idx = i32x4.add(at, down);
        best = v128.bitselect(k, best, take); val = v128.bitselect(v, val, take); const at2 = v128.bitselect(idx, at1, take);
        v = i32x4.shuffle(a1, b1, 1, 3, 5, 7); k = orderKey4(v); take = i32x4.gt_s(k, best); idx = i32x4.add(idx, one);
        val = v128.bitselect(v, val, take); at = v128.bitselect(idx, at2, take);
        v128.store(o + (<usize>ox << 2), val);
        v128.store(oi + (<usize>ox << 2), at);
      }
      for (; ox < ow; ox++) {
        let best: i32 = i32.MIN_VALUE, at: i32 = 0;
        for (let t = 0; t < 4; t++) {
          const i = i0 + (t >> 1) * w + 2 * ox + (t & 1);
          const key = orderKey(load<i32>(base + (<usize>i << 2)));
          const take = key > best;
          best = select<i32>(key, best, take);
          at = select<i32>(i, at, take);
        }
        store<f32>(o + (<usize>ox << 2), load<f32>(base + (<usize>at << 2)));
        store<i32>(oi + (<usize>ox << 2), at);
      }
    }
  }
}

/**
 * `out[r·size + index[r·count + j]] += src[r·count + j]` for every row r < rows and j < count, in order: the
 * gradient of max pooling (and scatterAdd along a last dim). Indices are checked by the caller.
 *
 * @example
 * ```ts
 * exports.scatterAddRows(dx, indices, g, 64 * 6, 784, 196);
 * ```
 */
export function scatterAddRows(out: usize, index: usize, src: usize, rows: i32, size: i32, count: i32): void {
  for (let r = 0; r < rows; r++) {
    const o = out + ((<usize>r * <usize>size) << 2);
    const row = (<usize>r * <usize>count) << 2;
    for (let j: usize = 0; j < (<usize>count << 2); j += 4) {
      const q = o + (<usize>load<i32>(index + row + j) << 2);
      store<f32>(q, load<f32>(q) + load<f32>(src + row + j));
    }
  }
}

/**
 * 2-d average pooling of `planes` planes of `plane` floats, rows `width` floats long: output l < len is the sum of
 * rows [h0, h1) × columns [w0, w1) divided by `div`, read from the window table at `win + 20·l` as five i32
 * (div, h0, h1, w0, w1); 0 for an empty window. Sums run in f64 and round once, as the TS kernel's do, so the two
 * agree bit for bit.
 *
 * @example
 * ```ts
 * exports.avgPool2d(x, windows, out, 64 * 6, 784, 28, 196);
 * ```
 */
export function avgPool2d(x: usize, win: usize, out: usize, planes: i32, plane: i32, width: i32, len: i32): void {
  for (let p = 0; p < planes; p++) {
    const base = x + ((<usize>p * <usize>plane) << 2);
    const o = out + ((<usize>p * <usize>len) << 2);
    for (let l = 0; l < len; l++) {
      const wp = win + <usize>l * 20;
      const div = load<i32>(wp), h0 = load<i32>(wp, 4), h1 = load<i32>(wp, 8), w0 = load<i32>(wp, 12), w1 = load<i32>(wp, 16);
      let s: f64 = 0;
      for (let i = h0; i < h1; i++) {
        const row = base + ((<usize>i * <usize>width) << 2);
        for (let j = w0; j < w1; j++) s += <f64>load<f32>(row + (<usize>j << 2));
      }
      store<f32>(o + (<usize>l << 2), h0 >= h1 || w0 >= w1 ? 0 : <f32>(s / <f64>div));
    }
  }
}

/**
 * The transpose of `avgPool2d`: `out` (planes × plane floats, zeroed here) gets each gradient `grad[p·len + l]` / div
 * added over its window, in order of l, each addition rounded to f32 as the TS kernel's are.
 *
 * @example
 * ```ts
 * exports.avgPool2dBackward(g, windows, dx, 64 * 6, 784, 28, 196);
 * ```
 */
export function avgPool2dBackward(grad: usize, win: usize, out: usize, planes: i32, plane: i32, width: i32, len: i32): void {
  memory.fill(out, 0, (<usize>planes * <usize>plane) << 2);
  for (let p = 0; p < planes; p++) {
    const base = out + ((<usize>p * <usize>plane) << 2);
    const gp = grad + ((<usize>p * <usize>len) << 2);
    for (let l = 0; l < len; l++) {
      const wp = win + <usize>l * 20;
      const div = load<i32>(wp), h0 = load<i32>(wp, 4), h1 = load<i32>(wp, 8), w0 = load<i32>(wp, 12), w1 = load<i32>(wp, 16);
      const v = <f64>load<f32>(gp + (<usize>l << 2)) / <f64>div;
      for (let i = h0; i < h1; i++) {
        const row = base + ((<usize>i * <usize>width) << 2);
        for (let j = w0; j < w1; j++) {
          const q = row + (<usize>j << 2);
          store<f32>(q, <f32>(<f64>load<f32>(q) + v));
        }
      }
    }
  }
}

/**
 * Adaptive max pooling of `planes` planes `h × w`: output l < len is the maximum over rows [h0, h1) × columns [w0, w1)
 * of the window table at `win + 20·l` (five i32: divisor, unused here, then h0, h1, w0, w1; never empty), and
 * `indices[p·len + l]` gets its position `ih·w + iw` in the plane. The first maximum wins ties (±0 are equal) and the
 * first NaN wins over everything, as in the TS kernel.
 *
 * @example
 * ```ts
 * exports.adaptiveMaxPool2d(x, windows, indices, 64 * 512, 7, 7, 1);
 * ```
 */
export function adaptiveMaxPool2d(x: usize, win: usize, indices: usize, planes: i32, h: i32, w: i32, len: i32): void {
  const planeBytes = (<usize>h * <usize>w) << 2;
  let o = indices;
  for (let p = 0; p < planes; p++) {
    const base = x + <usize>p * planeBytes;
    for (let l = 0; l < len; l++) {
      const wp = win + <usize>l * 20;
      const h0 = load<i32>(wp, 4), h1 = load<i32>(wp, 8), w0 = load<i32>(wp, 12), w1 = load<i32>(wp, 16);
      let at = h0 * w + w0;
      let best = orderKey(load<i32>(base + (<usize>at << 2)));
      for (let r = h0; r < h1; r++) {
        const row = r * w;
        for (let c = r == h0 ? w0 + 1 : w0; c < w1; c++) {
          const k = orderKey(load<i32>(base + (<usize>(row + c) << 2)));
          const take = k > best;
          best = select<i32>(k, best, take);
          at = select<i32>(row + c, at, take);
        }
      }
      store<i32>(o, at);
      o += 4;
    }
  }
}
