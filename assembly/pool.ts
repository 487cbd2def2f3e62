// Max pooling and the scatter that is its gradient, over float32 planes with int32 window maps.

/**
 * 2-d max pooling of `planes` planes of `plane` floats: for each output position l < len, the maximum over the
 * window's `kk` input positions `index[k·len + l]` (-1 marks padding, skipped), and that position in
 * `indices`. The first maximum wins ties and NaN wins over everything, as in PyTorch and the TS backend.
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
      let best: f32 = -Infinity;
      let at: i32 = -1;
      for (let k = 0; k < kk; k++) {
        const i = load<i32>(index + <usize>k * lenBytes + l);
        if (i < 0) continue;
        const v = load<f32>(base + (<usize>i << 2));
        if (v > best || v != v || at < 0) {
          best = v;
          at = i;
          if (v != v) break;
        }
      }
      store<f32>(o + l, best);
      store<i32>(oi + l, at);
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
