import { unfold } from './elementwise';
import { gemm } from './matmul';

/**
 * 2-d convolution of `n` images, one image at a time: im2col of image b (its `c` planes of `plane` floats,
 * gathered through `index` as in `unfold`) into columns (c·kk rows of `len`), then
 * `out[b] (o × len) = W (o × c·kk) · columns` with the blocked matmul. `scratch` holds `matmulScratchBytes(len)`
 * bytes. When `keep` is 0, `cols` holds one image's c·kk·len floats, reused for every image; otherwise it holds
 * every image's columns one after another (the caller keeps them for the weight's gradient).
 *
 * @example
 * ```ts
 * exports.conv2d(x, w, out, 32, 1, 784, 8, 25, 576, index, cols, 0, scratch);
 * ```
 */
export function conv2d(x: usize, w: usize, out: usize, n: i32, c: i32, plane: i32, o: i32, kk: i32, len: i32,
  index: usize, cols: usize, keep: i32, scratch: usize): void {
  const ck = c * kk;
  const step: usize = keep != 0 ? (<usize>ck * <usize>len) << 2 : 0;
  for (let b = 0; b < n; b++) {
    const colsB = cols + <usize>b * step;
    unfold(x + ((<usize>b * <usize>c * <usize>plane) << 2), index, colsB, c, plane, kk * len);
    gemm(w, ck, 1, colsB, len, 1, out + ((<usize>b * <usize>o * <usize>len) << 2), <usize>len << 2, o, len, ck, scratch);
  }
}

/**
 * Direct 2-d convolution for stride 1 and dilation 1 (any zero padding). Each run of 16 (then 4) outputs of a
 * row keeps its sums in registers across all taps, each tap adding a weight times a contiguous slice of an
 * input row; outputs whose window reaches into the padding, and the last few of a row, are summed one by one.
 * For the small channel counts of early layers (C·kh·kw of 25) this needs no packing and no im2col columns.
 * Every output sums its taps in the order (c, ki, kj), the order of the im2col columns, skipping padding.
 *
 * @example
 * ```ts
 * exports.conv2dDirect(x, w, out, 32, 1, 28, 28, 8, 5, 5, 0, 0, 24, 24);
 * ```
 */
export function conv2dDirect(x: usize, w: usize, out: usize, n: i32, c: i32, h: i32, wd: i32, o: i32, kh: i32, kw: i32,
  ph: i32, pw: i32, oh: i32, ow: i32): void {
  // Outputs [inLo, inHi) of a row read only real input columns for every kj; runs of 16 cover all of them
  // when there are at least 16 (the last run moved back to end at inHi, recomputing a few outputs with the
  // same result), else none.
  const inLo = pw, inHi = wd + pw - kw + 1 < ow ? wd + pw - kw + 1 : ow;
  const end16 = inHi - inLo >= 16 ? inHi : inLo;
  const plane = (<usize>oh * <usize>ow) << 2, taps = <usize>c * <usize>kh * <usize>kw;
  for (let b = 0; b < n; b++) {
    const xb = x + ((<usize>b * <usize>c * <usize>h * <usize>wd) << 2);
    // Two output channels at a time share every input load: eight independent sums per run of 16.
    for (let oc = 0; oc < o; oc += 2) {
      const pair = oc + 1 < o;
      const wo = w + ((<usize>oc * taps) << 2), wo2 = pair ? wo + (taps << 2) : wo;
      const ob = out + (<usize>(b * o + oc)) * plane;
      for (let oy = 0; oy < oh; oy++) {
        const po = ob + ((<usize>oy * <usize>ow) << 2), po2 = po + plane;
        for (let ox = inLo; ox < end16; ox += 16) {
          if (ox + 16 > inHi) ox = inHi - 16;
          let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
          let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
          for (let ci = 0; ci < c; ci++) {
            for (let ki = 0; ki < kh; ki++) {
              const iy = oy + ki - ph;
              if (iy < 0 || iy >= h) continue;
              let s = xb + ((<usize>(ci * h + iy) * <usize>wd + <usize>(ox - pw)) << 2);
              const wofs = <usize>((ci * kh + ki) * kw) << 2;
              let wp = wo + wofs, wq = wo2 + wofs;
              for (let kj = 0; kj < kw; kj++, s += 4, wp += 4, wq += 4) {
                const x0 = v128.load(s), x1 = v128.load(s, 16), x2 = v128.load(s, 32), x3 = v128.load(s, 48);
                const wv = v128.load32_splat(wp), wu = v128.load32_splat(wq);
                a0 = f32x4.add(a0, f32x4.mul(wv, x0));
                a1 = f32x4.add(a1, f32x4.mul(wv, x1));
                a2 = f32x4.add(a2, f32x4.mul(wv, x2));
                a3 = f32x4.add(a3, f32x4.mul(wv, x3));
                b0 = f32x4.add(b0, f32x4.mul(wu, x0));
                b1 = f32x4.add(b1, f32x4.mul(wu, x1));
                b2 = f32x4.add(b2, f32x4.mul(wu, x2));
                b3 = f32x4.add(b3, f32x4.mul(wu, x3));
              }
            }
          }
          const q = po + (<usize>ox << 2);
          v128.store(q, a0);
          v128.store(q, a1, 16);
          v128.store(q, a2, 32);
          v128.store(q, a3, 48);
          if (pair) {
            const q2 = po2 + (<usize>ox << 2);
            v128.store(q2, b0);
            v128.store(q2, b1, 16);
            v128.store(q2, b2, 32);
            v128.store(q2, b3, 48);
          }
          if (ox + 16 >= inHi) break;
        }
        rowRest(xb, wo, po, c, h, wd, kh, kw, ph, pw, oy, ow, inLo, inHi, end16);
        if (pair) rowRest(xb, wo2, po2, c, h, wd, kh, kw, ph, pw, oy, ow, inLo, inHi, end16);
      }
    }
  }
}

// The outputs of one row that the runs of 16 leave: the left border [0, inLo), runs of 4 from end16 while
// inside, and one by one to the end of the row.
function rowRest(xb: usize, wo: usize, po: usize, c: i32, h: i32, wd: i32, kh: i32, kw: i32, ph: i32, pw: i32, oy: i32,
  ow: i32, inLo: i32, inHi: i32, end16: i32): void {
  for (let ox = 0; ox < inLo && ox < ow; ox++) store<f32>(po + (<usize>ox << 2), edgeSum(xb, wo, c, h, wd, kh, kw, ph, pw, oy, ox));
  let ox = end16 > inLo ? end16 : inLo;
  for (; ox + 4 <= inHi; ox += 4) {
    let a0 = f32x4.splat(0);
    for (let ci = 0; ci < c; ci++) {
      for (let ki = 0; ki < kh; ki++) {
        const iy = oy + ki - ph;
        if (iy < 0 || iy >= h) continue;
        let s = xb + ((<usize>(ci * h + iy) * <usize>wd + <usize>(ox - pw)) << 2);
        let wp = wo + ((<usize>((ci * kh + ki) * kw)) << 2);
        for (let kj = 0; kj < kw; kj++, s += 4, wp += 4) a0 = f32x4.add(a0, f32x4.mul(v128.load32_splat(wp), v128.load(s)));
      }
    }
    v128.store(po + (<usize>ox << 2), a0);
  }
  for (; ox < ow; ox++) store<f32>(po + (<usize>ox << 2), edgeSum(xb, wo, c, h, wd, kh, kw, ph, pw, oy, ox));
}

// One output of the direct convolution, skipping taps that fall into the zero padding.
function edgeSum(xb: usize, wo: usize, c: i32, h: i32, wd: i32, kh: i32, kw: i32, ph: i32, pw: i32, oy: i32, ox: i32): f32 {
  let sum: f32 = 0;
  for (let ci = 0; ci < c; ci++) {
    for (let ki = 0; ki < kh; ki++) {
      const iy = oy + ki - ph;
      if (iy < 0 || iy >= h) continue;
      for (let kj = 0; kj < kw; kj++) {
        const ix = ox + kj - pw;
        if (ix < 0 || ix >= wd) continue;
        sum += load<f32>(wo + (<usize>((ci * kh + ki) * kw + kj) << 2)) * load<f32>(xb + ((<usize>(ci * h + iy) * <usize>wd + <usize>ix) << 2));
      }
    }
  }
  return sum;
}
