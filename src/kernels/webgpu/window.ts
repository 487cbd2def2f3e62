// Sliding-window kernels in WGSL: im2col (unfold), its transpose col2im (fold, as a gather: each output pixel sums
// the column entries that came from it, in the reference's order, with no atomics), convolution as unfold plus one
// batched matmul, max pooling and adaptive max pooling (NaN wins, the first maximum wins ties), and average pooling
// with its transpose (a gather too: each input element sums the windows that cover it).
import type { ConvGeometry } from '../backend.js';
import { grid1d, main1d, Params, type GpuContext, type GpuHandle, type Kernel } from './context.js';
import { matmul } from './matmul.js';

/** Geometry words P[2..13]: h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow (after the count at P[1]). */
function geometryParams(count: number, g: ConvGeometry): Params {
  return new Params().u(count).us([g.h, g.w, g.kh, g.kw, g.sh, g.sw]).is([g.ph, g.pw]).us([g.dh, g.dw, g.oh, g.ow]);
}

const GEOMETRY = `  let h = P[2]; let w = P[3]; let kh = P[4]; let kw = P[5]; let sh = P[6]; let sw = P[7];
  let ph = bitcast<i32>(P[8]); let pw = bitcast<i32>(P[9]); let dh = P[10]; let dw = P[11]; let oh = P[12]; let ow = P[13];`;

const UNFOLD: Kernel = {
  key: 'unfold',
  access: ['r', 'w'],
  wgsl: ([X, O]) => `${main1d('P[1]')}
${GEOMETRY}
  let L = oh * ow;
  let len = kh * kw * L;
  let b = i / len;
  let rem = i % len;
  let k = rem / L;
  let l = rem % L;
  let ih = i32((l / ow) * sh + (k / kw) * dh) - ph;
  let iw = i32((l % ow) * sw + (k % kw) * dw) - pw;
  var v = 0u;
  if (ih >= 0 && ih < i32(h) && iw >= 0 && iw < i32(w)) { v = ${X}[P[14] + b * h * w + u32(ih) * w + u32(iw)]; }
  ${O}[i] = v;
}`,
};

/**
 * im2col: `x` [blocks, h, w] from `offset` into `out` [blocks, kh·kw, oh·ow].
 *
 * @example
 * ```ts
 * unfold(ctx, x, 0, out, n * c, geometry);
 * ```
 */
export function unfold(ctx: GpuContext, x: GpuHandle, offset: number, out: GpuHandle, blocks: number, g: ConvGeometry): void {
  const count = blocks * g.kh * g.kw * g.oh * g.ow;
  if (count === 0) return;
  ctx.overwrite(out, count);
  ctx.dispatch(UNFOLD, [x, out], geometryParams(count, g).u(offset), grid1d(count));
}

const FOLD: Kernel = {
  key: 'fold',
  access: ['r', 'w'],
  wgsl: ([C, O]) => `${main1d('P[1]')}
${GEOMETRY}
  let L = oh * ow;
  let len = kh * kw * L;
  let b = i / (h * w);
  let p = i % (h * w);
  let y = i32(p / w) + ph;
  let x = i32(p % w) + pw;
  var s = 0.0;
  for (var ki = 0u; ki < kh; ki++) {
    let ty = y - i32(ki * dh);
    if (ty < 0 || ty % i32(sh) != 0) { continue; }
    let oy = u32(ty) / sh;
    if (oy >= oh) { continue; }
    for (var kj = 0u; kj < kw; kj++) {
      let tx = x - i32(kj * dw);
      if (tx < 0 || tx % i32(sw) != 0) { continue; }
      let ox = u32(tx) / sw;
      if (ox >= ow) { continue; }
      s += bitcast<f32>(${C}[P[14] + b * len + (ki * kw + kj) * L + oy * ow + ox]);
    }
  }
  ${O}[i] = bitcast<u32>(s);
}`,
};

/**
 * col2im: `out` [blocks, h, w] gets the sum of the columns `cols` [blocks, kh·kw, oh·ow] (from `offset`) at their positions.
 *
 * @example
 * ```ts
 * fold(ctx, cols, 0, out, n * c, geometry);
 * ```
 */
export function fold(ctx: GpuContext, cols: GpuHandle, offset: number, out: GpuHandle, blocks: number, g: ConvGeometry): void {
  const count = blocks * g.h * g.w;
  if (count === 0) return;
  ctx.overwrite(out, count);
  ctx.dispatch(FOLD, [cols, out], geometryParams(count, g).u(offset), grid1d(count));
}

/**
 * 2-d convolution through im2col columns (into `columns` when given, else a scratch buffer) and one batched matmul.
 *
 * @example
 * ```ts
 * conv2d(ctx, x, w, out, n, c, o, geometry, null);
 * ```
 */
export function conv2d(ctx: GpuContext, x: GpuHandle, weight: GpuHandle, out: GpuHandle, n: number, c: number, o: number, g: ConvGeometry,
  columns: GpuHandle | null): void {
  const kk = g.kh * g.kw, L = g.oh * g.ow, ck = c * kk;
  if (n === 0 || o === 0 || L === 0) return;
  const cols = columns ?? ctx.allocRaw(n * ck * L).handle;
  unfold(ctx, x, 0, cols, n * c, g);
  const zeros = new Array<number>(n).fill(0);
  const colOffsets = Array.from({ length: n }, (_, b) => b * ck * L);
  matmul(
    ctx,
    { buffer: weight as never, offsets: zeros, rowStride: ck, colStride: 1 },
    { buffer: cols as never, offsets: colOffsets, rowStride: L, colStride: 1 },
    out, n, o, L, ck,
  );
}

const MAX_POOL: Kernel = {
  key: 'maxPool2d',
  access: ['r', 'w', 'w'],
  wgsl: ([X, O, I]) => `${main1d('P[1]')}
${GEOMETRY}
  let L = oh * ow;
  let b = i / L;
  let l = i % L;
  let oy = l / ow;
  let ox = l % ow;
  var best = -inf_();
  var at = -1;
  for (var ki = 0u; ki < kh; ki++) {
    let ih = i32(oy * sh + ki * dh) - ph;
    if (ih < 0 || ih >= i32(h)) { continue; }
    var stop = false;
    for (var kj = 0u; kj < kw; kj++) {
      let iw = i32(ox * sw + kj * dw) - pw;
      if (iw < 0 || iw >= i32(w)) { continue; }
      let p = u32(ih) * w + u32(iw);
      let v = bitcast<f32>(${X}[b * h * w + p]);
      if (v > best || isnan_(v) || at < 0) {
        best = v;
        at = i32(p);
        if (isnan_(v)) { stop = true; break; }
      }
    }
    if (stop) { break; }
  }
  ${O}[i] = bitcast<u32>(best);
  ${I}[i] = bitcast<u32>(at);
}`,
};

/**
 * 2-d max pooling of `planes` planes of `x`: window maxima into `out`, their positions (int32) into `indices`.
 *
 * @example
 * ```ts
 * maxPool2d(ctx, x, out, indices, n * c, geometry);
 * ```
 */
export function maxPool2d(ctx: GpuContext, x: GpuHandle, out: GpuHandle, indices: GpuHandle, planes: number, g: ConvGeometry): void {
  const count = planes * g.oh * g.ow;
  if (count === 0) return;
  ctx.overwrite(out, count);
  ctx.overwrite(indices, count);
  ctx.dispatch(MAX_POOL, [x, out, indices], geometryParams(count, g), grid1d(count));
}

/**
 * WGSL of average-pooling window (oy, ox) clipped as `avgWindow` in src/kernels/ts/pool.ts clips it: `h0`, `h1`,
 * `w0`, `w1` and its divisor `dv` (P[14] count-include-pad, P[15] the divisor override as f32 bits, 0 for none).
 */
const AVG_WINDOW = (oy: string, ox: string): string => `var h0 = i32(${oy} * sh) - ph;
    var w0 = i32(${ox} * sw) - pw;
    var h1 = min(h0 + i32(kh), i32(h) + ph);
    var w1 = min(w0 + i32(kw), i32(w) + pw);
    let padded = (h1 - h0) * (w1 - w0);
    h0 = max(h0, 0);
    w0 = max(w0, 0);
    h1 = min(h1, i32(h));
    w1 = min(w1, i32(w));
    var dv = f32(select((h1 - h0) * (w1 - w0), padded, P[14] != 0u));
    if (P[15] != 0u) { dv = bitcast<f32>(P[15]); }`;

const AVG_POOL: Kernel = {
  key: 'avgPool2d',
  access: ['r', 'w'],
  wgsl: ([X, O]) => `${main1d('P[1]')}
${GEOMETRY}
  let L = oh * ow;
  let b = i / L;
  let l = i % L;
  let oy = l / ow;
  let ox = l % ow;
  ${AVG_WINDOW('oy', 'ox')}
  var s = 0.0;
  for (var y = h0; y < h1; y++) {
    for (var x = w0; x < w1; x++) { s += bitcast<f32>(${X}[b * h * w + u32(y) * w + u32(x)]); }
  }
  ${O}[i] = bitcast<u32>(select(s / dv, 0.0, h0 >= h1 || w0 >= w1));
}`,
};

/**
 * 2-d average pooling of `planes` planes of `x` into `out` (see `Backend.avgPool2d`), one invocation per output.
 *
 * @example
 * ```ts
 * avgPool2d(ctx, x, out, n * c, geometry, true, 0);
 * ```
 */
export function avgPool2d(ctx: GpuContext, x: GpuHandle, out: GpuHandle, planes: number, g: ConvGeometry, countIncludePad: boolean, divisor: number): void {
  const count = planes * g.oh * g.ow;
  if (count === 0) return;
  ctx.overwrite(out, count);
  ctx.dispatch(AVG_POOL, [x, out], geometryParams(count, g).u(countIncludePad ? 1 : 0).f(divisor), grid1d(count));
}

const AVG_POOL_BACKWARD: Kernel = {
  key: 'avgPool2dBackward',
  access: ['r', 'w'],
  // One invocation per input element: the windows covering row y are those with oy·sh − ph ≤ y < oy·sh − ph + kh.
  wgsl: ([G, O]) => `${main1d('P[1]')}
${GEOMETRY}
  let L = oh * ow;
  let b = i / (h * w);
  let y = i32((i % (h * w)) / w) + ph;
  let x = i32(i % w) + pw;
  let oy0 = max(0, (y - i32(kh) + i32(sh)) / i32(sh));
  let oy1 = min(i32(oh) - 1, y / i32(sh));
  let ox0 = max(0, (x - i32(kw) + i32(sw)) / i32(sw));
  let ox1 = min(i32(ow) - 1, x / i32(sw));
  var s = 0.0;
  for (var oyi = oy0; oyi <= oy1; oyi++) {
    for (var oxi = ox0; oxi <= ox1; oxi++) {
      let oy = u32(oyi);
      let ox = u32(oxi);
      ${AVG_WINDOW('oy', 'ox')}
      s += bitcast<f32>(${G}[b * L + oy * ow + ox]) / dv;
    }
  }
  ${O}[i] = bitcast<u32>(s);
}`,
};

/**
 * The transpose of `avgPool2d` (see `Backend.avgPool2dBackward`), as a gather: each input element sums the
 * gradients of the windows that cover it, in the reference's order, with no atomics.
 *
 * @example
 * ```ts
 * avgPool2dBackward(ctx, g, out, n * c, geometry, true, 0);
 * ```
 */
export function avgPool2dBackward(ctx: GpuContext, grad: GpuHandle, out: GpuHandle, planes: number, g: ConvGeometry, countIncludePad: boolean,
  divisor: number): void {
  const count = planes * g.h * g.w;
  if (count === 0) return;
  ctx.overwrite(out, count);
  ctx.dispatch(AVG_POOL_BACKWARD, [grad, out], geometryParams(count, g).u(countIncludePad ? 1 : 0).f(divisor), grid1d(count));
}

// The window of output i (one per invocation) of an adaptive pooling: image b, output (oi, oj), rows [h0, h1) and
// columns [w0, w1), as PyTorch chooses them. P[2] h, P[3] w, P[4] oh, P[5] ow.
const ADAPTIVE_WINDOW = `  let h = P[2]; let w = P[3]; let oh = P[4]; let ow = P[5];
  let L = oh * ow;
  let b = i / L;
  let oi = (i % L) / ow;
  let oj = i % ow;
  let h0 = (oi * h) / oh;
  let h1 = ((oi + 1u) * h + oh - 1u) / oh;
  let w0 = (oj * w) / ow;
  let w1 = ((oj + 1u) * w + ow - 1u) / ow;`;

/** Dispatch an adaptive pooling kernel over `count` invocations that write all of `out`. */
function adaptive(ctx: GpuContext, kernel: Kernel, src: GpuHandle, out: GpuHandle, count: number, h: number, w: number, oh: number, ow: number): void {
  if (count === 0) return;
  ctx.overwrite(out, count);
  ctx.dispatch(kernel, [src, out], new Params().u(count).u(h).u(w).u(oh).u(ow), grid1d(count));
}

const ADAPTIVE_MAX_POOL: Kernel = {
  key: 'adaptiveMaxPool2d',
  access: ['r', 'w'],
  // P[1] count, P[2] h, P[3] w, P[4] oh, P[5] ow.
  wgsl: ([X, I]) => `${main1d('P[1]')}
${ADAPTIVE_WINDOW}
  var best = -inf_();
  var at = -1;
  for (var r = h0; r < h1; r++) {
    var stop = false;
    for (var c = w0; c < w1; c++) {
      let v = bitcast<f32>(${X}[b * h * w + r * w + c]);
      if (v > best || isnan_(v) || at < 0) {
        best = v;
        at = i32(r * w + c);
        if (isnan_(v)) { stop = true; break; }
      }
    }
    if (stop) { break; }
  }
  ${I}[i] = bitcast<u32>(at);
}`,
};

/**
 * Adaptive max pooling's positions (see `Backend.adaptiveMaxPool2d`), one invocation per output.
 *
 * @example
 * ```ts
 * adaptiveMaxPool2d(ctx, x, indices, n * c, 9, 9, 3, 3);
 * ```
 */
export function adaptiveMaxPool2d(ctx: GpuContext, x: GpuHandle, indices: GpuHandle, planes: number, h: number, w: number, oh: number, ow: number): void {
  adaptive(ctx, ADAPTIVE_MAX_POOL, x, indices, planes * oh * ow, h, w, oh, ow);
}

const ADAPTIVE_AVG_POOL: Kernel = {
  key: 'adaptiveAvgPool2d',
  access: ['r', 'w'],
  // P[1] count, P[2] h, P[3] w, P[4] oh, P[5] ow. One invocation per output: the mean of its window.
  wgsl: ([X, O]) => `${main1d('P[1]')}
${ADAPTIVE_WINDOW}
  var s = 0.0;
  for (var r = h0; r < h1; r++) {
    for (var c = w0; c < w1; c++) {
      s += bitcast<f32>(${X}[b * h * w + r * w + c]);
    }
  }
  ${O}[i] = bitcast<u32>(s / f32((h1 - h0) * (w1 - w0)));
}`,
};

/**
 * Adaptive 2-d average pooling (see `Backend.adaptiveAvgPool2d`): each output the mean of its window
 * [⌊i·h/oh⌋, ⌈(i+1)·h/oh⌉) × [⌊j·w/ow⌋, ⌈(j+1)·w/ow⌉).
 *
 * @example
 * ```ts
 * adaptiveAvgPool2d(ctx, x, out, n * c, 10, 10, 3, 3);
 * ```
 */
export function adaptiveAvgPool2d(ctx: GpuContext, x: GpuHandle, out: GpuHandle, planes: number, h: number, w: number, oh: number, ow: number): void {
  adaptive(ctx, ADAPTIVE_AVG_POOL, x, out, planes * oh * ow, h, w, oh, ow);
}

const ADAPTIVE_AVG_POOL_BACKWARD: Kernel = {
  key: 'adaptiveAvgPool2dBackward',
  access: ['r', 'w'],
  // P[1] count, P[2] h, P[3] w, P[4] oh, P[5] ow. One invocation per input element: the sum, over the windows that
  // cover it, of their gradient divided by their size (a gather: no atomics).
  wgsl: ([G, O]) => `${main1d('P[1]')}
  let h = P[2]; let w = P[3]; let oh = P[4]; let ow = P[5];
  let b = i / (h * w);
  let r = (i % (h * w)) / w;
  let c = i % w;
  var s = 0.0;
  for (var oi = 0u; oi < oh; oi++) {
    let h0 = (oi * h) / oh;
    let h1 = ((oi + 1u) * h + oh - 1u) / oh;
    if (r < h0 || r >= h1) { continue; }
    for (var oj = 0u; oj < ow; oj++) {
      let w0 = (oj * w) / ow;
      let w1 = ((oj + 1u) * w + ow - 1u) / ow;
      if (c < w0 || c >= w1) { continue; }
      s += bitcast<f32>(${G}[b * oh * ow + oi * ow + oj]) / f32((h1 - h0) * (w1 - w0));
    }
  }
  ${O}[i] = bitcast<u32>(s);
}`,
};

/**
 * The transpose of `adaptiveAvgPool2d` (see `Backend.adaptiveAvgPool2dBackward`), as a gather over the windows that
 * cover each input element.
 *
 * @example
 * ```ts
 * adaptiveAvgPool2dBackward(ctx, g, dx, n * c, 10, 10, 3, 3);
 * ```
 */
export function adaptiveAvgPool2dBackward(ctx: GpuContext, grad: GpuHandle, out: GpuHandle, planes: number, h: number, w: number, oh: number,
  ow: number): void {
  adaptive(ctx, ADAPTIVE_AVG_POOL_BACKWARD, grad, out, planes * h * w, h, w, oh, ow);
}
