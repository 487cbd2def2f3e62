// LayerNorm in WGSL, forward and backward: one invocation per row for the row statistics, the normalisation and
// dx, and one per column for the weight and bias gradients (sums over rows). Statistics in float32 (the CPU's
// float32 kernels keep them in float64: the results differ by float32 roundings). A null weight or bias is
// bound as `x` and not read.
import type { NormMask } from '../backend.js';
import { grid1d, main1d, Params, type GpuContext, type GpuHandle, type Kernel } from './context.js';

const f = (buf: string, at: string): string => `bitcast<f32>(${buf}[${at}])`;

const LAYER_NORM: Kernel = {
  key: 'layerNorm',
  access: ['r', 'r', 'r', 'w', 'w', 'w'],
  // P[1] rows, P[2] m, P[3] eps (f32 bits), P[4] has weight, P[5] has bias.
  wgsl: ([X, W, B, O, M, R]) => `${main1d('P[1]')}
  let m = P[2];
  let base = i * m;
  var s = 0.0;
  for (var j = 0u; j < m; j++) { s += ${f(X!, 'base + j')}; }
  let mean = s / f32(m);
  var v = 0.0;
  for (var j = 0u; j < m; j++) { let d = ${f(X!, 'base + j')} - mean; v += d * d; }
  let rstd = 1.0 / sqrt(v / f32(m) + bitcast<f32>(P[3]));
  for (var j = 0u; j < m; j++) {
    var y = (${f(X!, 'base + j')} - mean) * rstd;
    if (P[4] != 0u) { y = y * ${f(W!, 'j')}; }
    if (P[5] != 0u) { y = y + ${f(B!, 'j')}; }
    ${O}[base + j] = bitcast<u32>(y);
  }
  ${M}[i] = bitcast<u32>(mean);
  ${R}[i] = bitcast<u32>(rstd);
}`,
};

/**
 * LayerNorm over `x` read as `[rows, m]` (see `Backend.layerNorm`).
 *
 * @example
 * ```ts
 * layerNorm(ctx, x, w, b, out, mean, rstd, 4, 16, 1e-5);
 * ```
 */
export function layerNorm(ctx: GpuContext, x: GpuHandle, w: GpuHandle | null, b: GpuHandle | null, out: GpuHandle, mean: GpuHandle,
  rstd: GpuHandle, rows: number, m: number, eps: number): void {
  if (rows === 0) return;
  ctx.overwrite(out, rows * m);
  ctx.overwrite(mean, rows);
  ctx.overwrite(rstd, rows);
  const p = new Params().u(rows).u(m).f(eps).u(w === null ? 0 : 1).u(b === null ? 0 : 1);
  ctx.dispatch(LAYER_NORM, [x, w ?? x, b ?? x, out, mean, rstd], p, grid1d(rows));
}

const LAYER_NORM_DX: Kernel = {
  key: 'layerNormDx',
  access: ['r', 'r', 'r', 'r', 'r', 'w'],
  // P[1] rows, P[2] m, P[3] has weight.
  wgsl: ([G, X, M, R, W, O]) => `${main1d('P[1]')}
  let m = P[2];
  let base = i * m;
  let mean = ${f(M!, 'i')};
  let rstd = ${f(R!, 'i')};
  var sa = 0.0;
  var sax = 0.0;
  for (var j = 0u; j < m; j++) {
    var a = ${f(G!, 'base + j')};
    if (P[3] != 0u) { a = a * ${f(W!, 'j')}; }
    sa += a;
    sax += a * (${f(X!, 'base + j')} - mean) * rstd;
  }
  let ma = sa / f32(m);
  let max_ = sax / f32(m);
  for (var j = 0u; j < m; j++) {
    var a = ${f(G!, 'base + j')};
    if (P[3] != 0u) { a = a * ${f(W!, 'j')}; }
    let xh = (${f(X!, 'base + j')} - mean) * rstd;
    ${O}[base + j] = bitcast<u32>(rstd * (a - ma - xh * max_));
  }
}`,
};

const LAYER_NORM_DWB: Kernel = {
  key: 'layerNormDwb',
  access: ['r', 'r', 'r', 'r', 'w'],
  // P[1] m, P[2] rows, P[3] where dweight goes (or 0xffffffff: not wanted), P[4] where dbias goes (likewise).
  wgsl: ([G, X, M, R, O]) => `${main1d('P[1]')}
  let m = P[1];
  var dw = 0.0;
  var db = 0.0;
  for (var r = 0u; r < P[2]; r++) {
    let g = ${f(G!, 'r * m + i')};
    dw += g * (${f(X!, 'r * m + i')} - ${f(M!, 'r')}) * ${f(R!, 'r')};
    db += g;
  }
  if (P[3] != 0xffffffffu) { ${O}[P[3] + i] = bitcast<u32>(dw); }
  if (P[4] != 0xffffffffu) { ${O}[P[4] + i] = bitcast<u32>(db); }
}`,
};

/**
 * LayerNorm's backward over `[rows, m]` (see `Backend.layerNormBackward`): the parts `mask` selects, packed in
 * `out` as [dx, dweight, dbias].
 *
 * @example
 * ```ts
 * layerNormBackward(ctx, g, x, mean, rstd, w, out, [true, true, true], 4, 16);
 * ```
 */
export function layerNormBackward(ctx: GpuContext, g: GpuHandle, x: GpuHandle, mean: GpuHandle, rstd: GpuHandle, w: GpuHandle | null,
  out: GpuHandle, mask: NormMask, rows: number, m: number): void {
  const dwAt = mask[0] ? rows * m : 0, dbAt = dwAt + (mask[1] ? m : 0);
  const total = dbAt + (mask[2] ? m : 0);
  if (total === 0) return;
  ctx.overwrite(out, total);
  if (mask[0] && rows * m > 0) {
    ctx.dispatch(LAYER_NORM_DX, [g, x, mean, rstd, w ?? x, out], new Params().u(rows).u(m).u(w === null ? 0 : 1), grid1d(rows));
  }
  if ((mask[1] || mask[2]) && m > 0) {
    const none = 0xffffffff;
    const p = new Params().u(m).u(rows).u(mask[1] ? dwAt : none).u(mask[2] ? dbAt : none);
    ctx.dispatch(LAYER_NORM_DWB, [g, x, mean, rstd, out], p, grid1d(m));
  }
}
