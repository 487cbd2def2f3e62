// Variance and vector norms in WGSL: one invocation per output, walking its column of `x` read as [outer, r, inner]
// (consecutive invocations read consecutive elements). The variance takes two compensated passes (the mean, then
// the squared deviations corrected by their sum, as the CPU does); norms accumulate |x|^p in float32.
import { grid1d, main1d, Params, type GpuContext, type GpuHandle, type Kernel } from './context.js';

const VARIANCE: Kernel = {
  key: 'variance',
  access: ['r', 'w', 'w'],
  // P[1] outputs, P[2] r, P[3] inner, P[4] offset, P[5] correction (f32 bits), P[6] write the mean.
  wgsl: ([X, O, M]) => `${main1d('P[1]')}
  let r = P[2];
  let inner = P[3];
  let base = P[4] + (i / inner) * r * inner + i % inner;
  var s = 0.0;
  var comp = 0.0;
  for (var j = 0u; j < r; j++) {
    let y = bitcast<f32>(${X}[base + j * inner]) - comp;
    let u = s + y;
    comp = (u - s) - y;
    s = u;
  }
  let mean = s / f32(r);
  var ss = 0.0;
  var sd = 0.0;
  for (var j = 0u; j < r; j++) {
    let d = bitcast<f32>(${X}[base + j * inner]) - mean;
    ss += d * d;
    sd += d;
  }
  let dev = ss - sd * sd / f32(r);
  let divisor = max(0.0, f32(r) - bitcast<f32>(P[5]));
  var v = dev / divisor;
  if (divisor == 0.0) { v = select(select(inf_(), nan_(), dev == 0.0), dev, isnan_(dev)); }
  if (r == 0u) { v = nan_(); }
  ${O}[i] = bitcast<u32>(v);
  if (P[6] != 0u) { ${M}[i] = bitcast<u32>(select(mean, nan_(), r == 0u)); }
}`,
};

/**
 * Variance along the middle axis of `x` (from `offset`) read as [outer, r, inner] (see `Backend.variance`), and the
 * mean into `mean` when not null.
 *
 * @example
 * ```ts
 * variance(ctx, x, 0, out, null, 1, 4, 1, 1);
 * ```
 */
export function variance(ctx: GpuContext, x: GpuHandle, offset: number, out: GpuHandle, mean: GpuHandle | null, outer: number, r: number,
  inner: number, correction: number): void {
  const n = outer * inner;
  if (n === 0) return;
  ctx.overwrite(out, n);
  if (mean !== null) ctx.overwrite(mean, n);
  const p = new Params().u(n).u(r).u(inner).u(offset).f(correction).u(mean === null ? 0 : 1);
  ctx.dispatch(VARIANCE, [x, out, mean ?? out], p, grid1d(n));
}

/** WGSL of the norm of one column for p (`pp`, f32): sets `result`. */
const NORM_WALK = (X: string, kind: string): string => {
  const x = `abs(bitcast<f32>(${X}[base + j * inner]))`;
  switch (kind) {
    case 'inf':
    case '-inf':
      return `var best = ${kind === 'inf' ? '0.0' : 'inf_()'};
  var isn = false;
  for (var j = 0u; j < r; j++) {
    let a = ${x};
    if (isnan_(a)) { isn = true; break; }
    if (a ${kind === 'inf' ? '>' : '<'} best) { best = a; }
  }
  let result = select(best, nan_(), isn);`;
    case '0':
      return `var s = 0.0;
  for (var j = 0u; j < r; j++) { if ((${X}[base + j * inner] & 0x7fffffffu) != 0u) { s += 1.0; } }
  let result = s;`;
    case '1':
      return `var s = 0.0;
  for (var j = 0u; j < r; j++) { s += ${x}; }
  let result = s;`;
    case '2':
      return `var s = 0.0;
  for (var j = 0u; j < r; j++) { let a = ${x}; s += a * a; }
  let result = sqrt(s);`;
    default:
      return `var s = 0.0;
  for (var j = 0u; j < r; j++) { s += powp(${x}, pp); }
  let result = powp(s, 1.0 / pp);`;
  }
};

/** |x|^p for x ≥ 0 and p ≠ 0, with IEEE's zeros and infinities (WGSL's pow leaves x = 0 undefined); NaN stays NaN. */
const POWP = /* wgsl */ `
fn powp(a: f32, p: f32) -> f32 {
  if (isnan_(a) || isnan_(p)) { return nan_(); }
  if (a == 0.0) { return select(0.0, inf_(), p < 0.0); }
  if (a == inf_()) { return select(inf_(), 0.0, p < 0.0); }
  if (a == 1.0) { return 1.0; }
  return exp2(p * log2(a));
}`;

const normKernels = new Map<string, Kernel>();
function normKernel(kind: string): Kernel {
  let k = normKernels.get(kind);
  if (k === undefined) {
    k = {
      key: `norm:${kind}`,
      access: ['r', 'w'],
      // P[1] outputs, P[2] r, P[3] inner, P[4] offset, P[5] p (f32 bits).
      wgsl: ([X, O]) => `${POWP}
${main1d('P[1]')}
  let r = P[2];
  let inner = P[3];
  let pp = bitcast<f32>(P[5]);
  let base = P[4] + (i / inner) * r * inner + i % inner;
  ${NORM_WALK(X!, kind)}
  ${O}[i] = bitcast<u32>(result);
}`,
    };
    normKernels.set(kind, k);
  }
  return k;
}

/**
 * The vector p-norm along the middle axis of `x` (from `offset`) read as [outer, r, inner] (see `Backend.norm`).
 *
 * @example
 * ```ts
 * norm(ctx, x, 0, out, 1, 2, 1, 2);
 * ```
 */
export function norm(ctx: GpuContext, x: GpuHandle, offset: number, out: GpuHandle, outer: number, r: number, inner: number, p: number): void {
  const n = outer * inner;
  if (n === 0) return;
  const kind = p === Infinity ? 'inf' : p === -Infinity ? '-inf' : p === 0 || p === 1 || p === 2 ? String(p) : 'p';
  ctx.overwrite(out, n);
  ctx.dispatch(normKernel(kind), [x, out], new Params().u(n).u(r).u(inner).u(offset).f(p), grid1d(n));
}
