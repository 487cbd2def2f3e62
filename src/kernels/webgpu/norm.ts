// LayerNorm and BatchNorm in WGSL, forward and backward. LayerNorm: one invocation per row for the row statistics,
// the normalisation and dx, and one per column for the weight and bias gradients (sums over rows). BatchNorm: one
// 64-wide workgroup per channel for its statistics (a tree sum) and the running statistics' update, then one
// invocation per element. Statistics in float32 (the CPU's float32 kernels keep them in float64: the results
// differ by float32 roundings). A null weight, bias or running statistic is bound as `x` and not read.
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

/** Workgroups for one workgroup per item: (x, y) with x ≤ 65535. */
function perItem(items: number): [number, number, number] {
  return items <= 65535 ? [items, 1, 1] : [65535, Math.ceil(items / 65535), 1];
}

/** WGSL of a 64-wide tree sum of `sv` (workgroup memory) that every invocation of the workgroup reaches. */
const TREE_SUM = (sv: string): string => `workgroupBarrier();
  for (var h = 32u; h > 0u; h = h >> 1u) {
    if (lid < h) { ${sv}[lid] = ${sv}[lid] + ${sv}[lid + h]; }
    workgroupBarrier();
  }`;

/** The start of a kernel with one 64-wide workgroup per channel: `ch`, and `n`, `c`, `s` from P[1..3]. */
const PER_CHANNEL = `@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let ch = wg.y * nwg.x + wg.x;
  let n = P[1];
  let c = P[2];
  let s = P[3];
  if (ch >= c) { return; }
  let count = n * s;`;

/** WGSL of element k (of the n·s) of channel ch. */
const AT = 'let at = (k / s) * c * s + ch * s + k % s;';

const BATCH_NORM_STATS: Kernel = {
  key: 'batchNormStats',
  access: ['r', 'w', 'w', 'w', 'w'],
  // P[1..3] n, c, s; P[4] training; P[5] has running stats; P[6] momentum, P[7] eps (f32 bits).
  wgsl: ([X, M, R, RM, RV]) => `var<workgroup> sv: array<f32, 64>;
${PER_CHANNEL}
  var mean = 0.0;
  var invstd = 0.0;
  if (P[4] != 0u) {
    var a = 0.0;
    for (var k = lid; k < count; k += 64u) { ${AT} a += ${f(X!, 'at')}; }
    sv[lid] = a;
    ${TREE_SUM('sv')}
    mean = sv[0] / f32(count);
    workgroupBarrier();
    var v = 0.0;
    for (var k = lid; k < count; k += 64u) { ${AT} let d = ${f(X!, 'at')} - mean; v += d * d; }
    sv[lid] = v;
    ${TREE_SUM('sv')}
    let ss = sv[0];
    invstd = 1.0 / sqrt(ss / f32(count) + bitcast<f32>(P[7]));
    if (lid == 0u && P[5] != 0u) {
      let mo = bitcast<f32>(P[6]);
      ${RM}[ch] = bitcast<u32>((1.0 - mo) * ${f(RM!, 'ch')} + mo * mean);
      ${RV}[ch] = bitcast<u32>((1.0 - mo) * ${f(RV!, 'ch')} + mo * (ss / f32(count - 1u)));
    }
  } else {
    mean = ${f(RM!, 'ch')};
    invstd = 1.0 / sqrt(${f(RV!, 'ch')} + bitcast<f32>(P[7]));
  }
  if (lid == 0u) {
    ${M}[ch] = bitcast<u32>(mean);
    ${R}[ch] = bitcast<u32>(invstd);
  }
}`,
};

const BATCH_NORM_APPLY: Kernel = {
  key: 'batchNormApply',
  access: ['r', 'r', 'r', 'r', 'r', 'w'],
  // P[1] count, P[2] c, P[3] s, P[4] has weight, P[5] has bias.
  wgsl: ([X, M, R, W, B, O]) => `${main1d('P[1]')}
  let ch = (i / P[3]) % P[2];
  var scale = ${f(R!, 'ch')};
  if (P[4] != 0u) { scale = scale * ${f(W!, 'ch')}; }
  var shift = 0.0;
  if (P[5] != 0u) { shift = ${f(B!, 'ch')}; }
  ${O}[i] = bitcast<u32>((${f(X!, 'i')} - ${f(M!, 'ch')}) * scale + shift);
}`,
};

/** The statistics of one BatchNorm call, with the device's handles (see `BatchNormStats`). */
export interface GpuBatchNormStats {
  /** Normalise with the batch's statistics (updating the running ones when given), else with the running ones. */
  readonly training: boolean;
  /** The running mean, `c` elements. */
  readonly runningMean: GpuHandle | null;
  /** The running (unbiased) variance, `c` elements. */
  readonly runningVar: GpuHandle | null;
  /** The weight of the batch statistics in the running averages. */
  readonly momentum: number;
  /** Added to the variance before the square root. */
  readonly eps: number;
}

/**
 * BatchNorm over `x` read as `[n, c, s]` (see `Backend.batchNorm`): one workgroup per channel for the statistics
 * (and the running statistics' update), then one invocation per element.
 *
 * @example
 * ```ts
 * batchNorm(ctx, x, w, b, out, mean, invstd, 4, 3, 16, stats);
 * ```
 */
export function batchNorm(ctx: GpuContext, x: GpuHandle, w: GpuHandle | null, b: GpuHandle | null, out: GpuHandle, mean: GpuHandle,
  invstd: GpuHandle, n: number, c: number, s: number, stats: GpuBatchNormStats): void {
  if (c === 0) return;
  const running = stats.runningMean !== null && stats.runningVar !== null;
  ctx.overwrite(mean, c);
  ctx.overwrite(invstd, c);
  const rm = stats.runningMean ?? x, rv = stats.runningVar ?? x;
  const p = new Params().u(n).u(c).u(s).u(stats.training ? 1 : 0).u(running ? 1 : 0).f(stats.momentum).f(stats.eps);
  ctx.dispatch(BATCH_NORM_STATS, [x, mean, invstd, rm, rv], p, perItem(c));
  const total = n * c * s;
  if (total === 0) return;
  ctx.overwrite(out, total);
  const q = new Params().u(total).u(c).u(s).u(w === null ? 0 : 1).u(b === null ? 0 : 1);
  ctx.dispatch(BATCH_NORM_APPLY, [x, mean, invstd, w ?? x, b ?? x, out], q, grid1d(total));
}

const BATCH_NORM_SUMS: Kernel = {
  key: 'batchNormSums',
  access: ['r', 'r', 'r', 'r', 'w'],
  // P[1..3] n, c, s. Writes Σ g at S[ch] and Σ g·x̂ at S[c + ch].
  wgsl: ([G, X, M, R, S]) => `var<workgroup> sv: array<f32, 64>;
var<workgroup> sw: array<f32, 64>;
${PER_CHANNEL}
  let mean = ${f(M!, 'ch')};
  var a = 0.0;
  var b = 0.0;
  for (var k = lid; k < count; k += 64u) {
    ${AT}
    let g = ${f(G!, 'at')};
    a += g;
    b += g * (${f(X!, 'at')} - mean);
  }
  sv[lid] = a;
  sw[lid] = b;
  workgroupBarrier();
  for (var h = 32u; h > 0u; h = h >> 1u) {
    if (lid < h) {
      sv[lid] = sv[lid] + sv[lid + h];
      sw[lid] = sw[lid] + sw[lid + h];
    }
    workgroupBarrier();
  }
  if (lid == 0u) {
    ${S}[ch] = bitcast<u32>(sv[0]);
    ${S}[c + ch] = bitcast<u32>(sw[0] * ${f(R!, 'ch')});
  }
}`,
};

const BATCH_NORM_DX: Kernel = {
  key: 'batchNormDx',
  access: ['r', 'r', 'r', 'r', 'r', 'r', 'w'],
  // P[1] count, P[2] c, P[3] s, P[4] has weight, P[5] training, P[6] n·s.
  wgsl: ([G, X, M, R, W, S, O]) => `${main1d('P[1]')}
  let c = P[2];
  let ch = (i / P[3]) % c;
  let invstd = ${f(R!, 'ch')};
  var k = invstd;
  if (P[4] != 0u) { k = k * ${f(W!, 'ch')}; }
  let g = ${f(G!, 'i')};
  if (P[5] != 0u) {
    let cnt = f32(P[6]);
    let mg = ${f(S!, 'ch')} / cnt;
    let mgx = ${f(S!, 'c + ch')} / cnt;
    ${O}[i] = bitcast<u32>(k * (g - mg - (${f(X!, 'i')} - ${f(M!, 'ch')}) * invstd * mgx));
  } else {
    ${O}[i] = bitcast<u32>(k * g);
  }
}`,
};

const COPY_PARTS: Kernel = {
  key: 'batchNormParts',
  access: ['r', 'w'],
  // P[1] c, P[2] where dweight goes (or 0xffffffff), P[3] where dbias goes (likewise).
  wgsl: ([S, O]) => `${main1d('P[1]')}
  if (P[2] != 0xffffffffu) { ${O}[P[2] + i] = ${S}[P[1] + i]; }
  if (P[3] != 0xffffffffu) { ${O}[P[3] + i] = ${S}[i]; }
}`,
};

/**
 * BatchNorm's backward over `[n, c, s]` (see `Backend.batchNormBackward`): per-channel sums (one workgroup each),
 * then dx per element; the parts `mask` selects packed in `out` as [dx, dweight, dbias].
 *
 * @example
 * ```ts
 * batchNormBackward(ctx, g, x, mean, invstd, w, out, [true, true, true], 4, 3, 16, true);
 * ```
 */
export function batchNormBackward(ctx: GpuContext, g: GpuHandle, x: GpuHandle, mean: GpuHandle, invstd: GpuHandle, w: GpuHandle | null,
  out: GpuHandle, mask: NormMask, n: number, c: number, s: number, training: boolean): void {
  const total = n * c * s;
  const dwAt = mask[0] ? total : 0, dbAt = dwAt + (mask[1] ? c : 0);
  const size = dbAt + (mask[2] ? c : 0);
  if (size === 0 || c === 0) return;
  ctx.overwrite(out, size);
  const sums = ctx.allocRaw(2 * c).handle;
  ctx.dispatch(BATCH_NORM_SUMS, [g, x, mean, invstd, sums], new Params().u(n).u(c).u(s), perItem(c));
  if (mask[0] && total > 0) {
    const p = new Params().u(total).u(c).u(s).u(w === null ? 0 : 1).u(training ? 1 : 0).u(n * s);
    ctx.dispatch(BATCH_NORM_DX, [g, x, mean, invstd, w ?? x, sums, out], p, grid1d(total));
  }
  if (mask[1] || mask[2]) {
    const none = 0xffffffff;
    ctx.dispatch(COPY_PARTS, [sums, out], new Params().u(c).u(mask[1] ? dwAt : none).u(mask[2] ? dbAt : none), grid1d(c));
  }
}
