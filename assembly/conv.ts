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
 * Zero-padded copies of `planes` planes of h × w floats: plane p becomes rows [p·hp, (p + 1)·hp) of width `wp`
 * with the input at row `ph`, column `pw`, and zeros around it (for `conv2dWide`).
 *
 * @example
 * ```ts
 * exports.padPlanes(x, xp, 64, 28, 28, 2, 2, 32, 35);
 * ```
 */
export function padPlanes(x: usize, out: usize, planes: i32, h: i32, w: i32, ph: i32, pw: i32, hp: i32, wp: i32): void {
  memory.fill(out, 0, (<usize>planes * <usize>hp * <usize>wp) << 2);
  const rowBytes = <usize>w << 2;
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < h; y++) {
      memory.copy(out + ((<usize>(p * hp + y + ph) * <usize>wp + <usize>pw) << 2), x + ((<usize>(p * h + y) * <usize>w) << 2), rowBytes);
    }
  }
}

/**
 * 2-d convolution with a wide kernel and few outputs, for stride 1 and dilation 1: the weight gradient of an early
 * layer computed as a convolution has a kernel the size of an image and an output the size of a filter, where
 * im2col would copy the input once per output and the matrix product would have a handful of columns. Each output
 * sums, over channels and kernel rows, the dot product of a weight row with a slice of an input row, four outputs of
 * an output row at a time sharing each weight load (float32 within a channel, float64 across channels). `xp` holds the `n` images' c planes padded by `padPlanes` to
 * hp × wp with wp ≥ ow + kw + 3, so that every vector load stays inside its row. Computes the output planes
 * u ∈ [u0, u1) (plane u is image u / o, filter u % o).
 *
 * @example
 * ```ts
 * exports.conv2dWide(xp, w, out, 64, 32, 35, 6, 28, 28, 5, 5, 0, 6);
 * ```
 */
export function conv2dWide(xp: usize, w: usize, out: usize, c: i32, hp: i32, wp: i32, o: i32, kh: i32, kw: i32, oh: i32,
  ow: i32, u0: i32, u1: i32): void {
  const kw4 = kw & ~3;
  const rowB = <usize>wp << 2, planeB = <usize>hp * rowB, filterTaps = <usize>c * <usize>kh * <usize>kw;
  for (let u = u0; u < u1; u++) {
    const b = u / o, oc = u % o;
    const xb = xp + <usize>b * <usize>c * planeB, wo = w + ((<usize>oc * filterTaps) << 2);
    const po = out + ((<usize>u * <usize>oh * <usize>ow) << 2);
    for (let oy = 0; oy < oh; oy++) {
      let ox = 0;
      for (; ox + 4 <= ow; ox += 4) {
        // Each channel's kh·kw products are summed in float32 lanes, the channels' sums in float64: a sum over
        // tens of thousands of taps in float32 alone would drift by ~1e-4 of its size.
        let d0: f64 = 0, d1: f64 = 0, d2: f64 = 0, d3: f64 = 0;
        for (let ci = 0; ci < c; ci++) {
          let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
          let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
          let row = xb + <usize>ci * planeB + <usize>oy * rowB + (<usize>ox << 2);
          let wr = wo + ((<usize>(ci * kh) * <usize>kw) << 2);
          for (let ki = 0; ki < kh; ki++, row += rowB, wr += <usize>kw << 2) {
            let kj = 0;
            for (; kj < kw4; kj += 4) {
              const q = row + (<usize>kj << 2), wv = v128.load(wr + (<usize>kj << 2));
              a0 = f32x4.add(a0, f32x4.mul(wv, v128.load(q)));
              a1 = f32x4.add(a1, f32x4.mul(wv, v128.load(q, 4)));
              a2 = f32x4.add(a2, f32x4.mul(wv, v128.load(q, 8)));
              a3 = f32x4.add(a3, f32x4.mul(wv, v128.load(q, 12)));
            }
            for (; kj < kw; kj++) {
              const q = row + (<usize>kj << 2), wv = load<f32>(wr + (<usize>kj << 2));
              s0 += wv * load<f32>(q);
              s1 += wv * load<f32>(q, 4);
              s2 += wv * load<f32>(q, 8);
              s3 += wv * load<f32>(q, 12);
            }
          }
          d0 += laneSum(a0) + <f64>s0;
          d1 += laneSum(a1) + <f64>s1;
          d2 += laneSum(a2) + <f64>s2;
          d3 += laneSum(a3) + <f64>s3;
        }
        const q = po + ((<usize>(oy * ow + ox)) << 2);
        store<f32>(q, plainF32(d0));
        store<f32>(q, plainF32(d1), 4);
        store<f32>(q, plainF32(d2), 8);
        store<f32>(q, plainF32(d3), 12);
      }
      for (; ox < ow; ox++) {
        let d: f64 = 0;
        for (let ci = 0; ci < c; ci++) {
          let a = f32x4.splat(0);
          let s: f32 = 0;
          let row = xb + <usize>ci * planeB + <usize>oy * rowB + (<usize>ox << 2);
          let wr = wo + ((<usize>(ci * kh) * <usize>kw) << 2);
          for (let ki = 0; ki < kh; ki++, row += rowB, wr += <usize>kw << 2) {
            let kj = 0;
            for (; kj < kw4; kj += 4) a = f32x4.add(a, f32x4.mul(v128.load(wr + (<usize>kj << 2)), v128.load(row + (<usize>kj << 2))));
            for (; kj < kw; kj++) s += load<f32>(wr + (<usize>kj << 2)) * load<f32>(row + (<usize>kj << 2));
          }
          d += laneSum(a) + <f64>s;
        }
        store<f32>(po + ((<usize>(oy * ow + ox)) << 2), plainF32(d));
      }
    }
  }
}

// d rounded to float32, a NaN as the one quiet NaN: the sign a NaN comes out with from these float64 sums depends on
// the operand order V8's code gives an add, which differs between its baseline and optimizing tiers (so between a
// call on one thread and the same call on the pool, whose module tiers up apart).
@inline function plainF32(d: f64): f32 {
  return d != d ? <f32>NaN : <f32>d;
}

// The four lanes' sum, in float64.
@inline function laneSum(v: v128): f64 {
  return (<f64>f32x4.extract_lane(v, 0) + <f64>f32x4.extract_lane(v, 1)) + (<f64>f32x4.extract_lane(v, 2) + <f64>f32x4.extract_lane(v, 3));
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
