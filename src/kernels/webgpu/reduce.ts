// Reductions along one axis and (log-)softmax in WGSL. `x` is read as [outer, r, inner]. Long contiguous rows
// (inner = 1) are reduced by a workgroup each, as a tree over 64 strided partial results; every other shape by one
// invocation per output, walking its column (consecutive invocations read consecutive elements). Float sums are
// compensated (Kahan), int32 sums exact in 64 bits and int32 products exact, refused when they do not fit, as on
// the CPU; all/any test the bits (NaN is nonzero).
import type { DType } from '../../dtype.js';
import { DeviceSupportError } from '../backend.js';
import type { ReduceKernel } from '../catalog.js';
import { fill } from './elementwise.js';
import { grid1d, main1d, Params, wgslType, type GpuContext, type GpuHandle, type Kernel } from './context.js';

const kernels = new Map<string, Kernel>();
function cached(key: string, make: () => Omit<Kernel, 'key'>): Kernel {
  let k = kernels.get(key);
  if (k === undefined) kernels.set(key, (k = { key, ...make() }));
  return k;
}

/** Rows at least this long (with inner = 1) get a workgroup each. */
const ROW_MIN = 256;

/** WGSL of one walk along a column: element j is at `X[base + j * inner]`; sets `result` (u32 bits). */
function columnWalk(op: ReduceKernel, t: 'f32' | 'i32'): string {
  const x = (at: string): string => `bitcast<${t}>(X[${at}])`;
  switch (op) {
    case 'sum':
      if (t === 'i32') {
        return `var lo = 0u;
  var hi = 0u;
  for (var j = 0u; j < r; j++) {
    let v = bitcast<u32>(${x('base + j * inner')});
    let s = lo + v;
    hi = hi + select(0u, 1u, s < lo) + select(0u, 0xffffffffu, (v & 0x80000000u) != 0u);
    lo = s;
  }
  if (hi != select(0u, 0xffffffffu, (lo & 0x80000000u) != 0u)) { fail(2u, lo, hi); }
  let result = lo;`;
      }
      return `var s = 0.0;
  var comp = 0.0;
  for (var j = 0u; j < r; j++) {
    let y = ${x('base + j * inner')} - comp;
    let u = s + y;
    comp = (u - s) - y;
    s = u;
  }
  let result = bitcast<u32>(s);`;
    case 'max':
    case 'min': {
      const better = op === 'max' ? '>' : '<';
      const nanCheck = t === 'f32' ? 'if (isnan_(v)) { m = v; break; }\n    ' : '';
      return `var m = ${x('base')};
  for (var j = 0u; j < r; j++) {
    let v = ${x('base + j * inner')};
    ${nanCheck}if (v ${better} m) { m = v; }
  }
  let result = bitcast<u32>(m);`;
    }
    case 'argmax':
    case 'argmin': {
      const better = op === 'argmax' ? '>' : '<';
      const nan = t === 'f32';
      return `var best = 0u;
  var bv = ${x('base')};
  ${nan ? 'if (!isnan_(bv)) {' : '{'}
    for (var j = 1u; j < r; j++) {
      let v = ${x('base + j * inner')};
      ${nan ? 'if (isnan_(v)) { best = j; break; }\n      ' : ''}if (v ${better} bv) { best = j; bv = v; }
    }
  }
  let result = best;`;
    }
    case 'logsumexp':
      if (t === 'i32') throw new Error('webgpu: logsumexp of integers is computed in float32.');
      return `var m = -inf_();
  var isn = false;
  for (var j = 0u; j < r; j++) {
    let v = ${x('base + j * inner')};
    if (isnan_(v)) { isn = true; }
    if (v > m) { m = v; }
  }
  if (abs(m) == inf_()) { m = 0.0; }
  var s = 0.0;
  var comp = 0.0;
  for (var j = 0u; j < r; j++) {
    let y = exps_(${x('base + j * inner')} - m) - comp;
    let u = s + y;
    comp = (u - s) - y;
    s = u;
  }
  let result = bitcast<u32>(select(log_(s) + m, nan_(), isn));`;
    case 'prod':
      if (t === 'i32') {
        // Exact: once a product of nonzero int32 values leaves int32 it stays out, unless a later factor is 0.
        return `var p = 1;
  var over = false;
  var zero = false;
  for (var j = 0u; j < r; j++) {
    let v = ${x('base + j * inner')};
    if (v == 0) { zero = true; break; }
    if (!over) {
      let q = p * v;
      if ((p == -1 && v == -2147483647 - 1) || (v == -1 && p == -2147483647 - 1) || q / v != p) { over = true; }
      p = q;
    }
  }
  if (over && !zero) { fail(2u, 0u, 0u); }
  let result = bitcast<u32>(select(p, 0, zero));`;
      }
      return `var p = 1.0;
  for (var j = 0u; j < r; j++) { p = p * ${x('base + j * inner')}; }
  let result = bitcast<u32>(p);`;
    case 'all':
    case 'any': {
      // On the bits (NaN counts as nonzero, and -0 as zero): bool and int32 as they are, float32 without its sign.
      const mask = t === 'f32' ? '0x7fffffffu' : '0xffffffffu';
      const stop = op === 'all' ? '==' : '!=';
      return `var b = ${op === 'all' ? '1u' : '0u'};
  for (var j = 0u; j < r; j++) {
    if ((X[base + j * inner] & ${mask}) ${stop} 0u) { b = ${op === 'all' ? '0u' : '1u'}; break; }
  }
  let result = b;`;
    }
    default:
      throw new DeviceSupportError(op, 'webgpu');
  }
}

const LOG = /* wgsl */ `
fn log_(x: f32) -> f32 {
  if (isnan_(x) || x < 0.0) { return nan_(); }
  if (x == 0.0) { return -inf_(); }
  if (x == inf_()) { return x; }
  return log(x);
}
fn exps_(x: f32) -> f32 {
  if (isnan_(x)) { return x; }
  if (x < -104.0) { return 0.0; }
  return exp(x);
}`;

/** The row (workgroup) kernel of a float sum, max, min, argmax or argmin: partials over strided elements, then a tree. */
function rowKernel(op: ReduceKernel, t: 'f32' | 'i32'): Kernel {
  return cached(`reduce-row:${op}:${t}`, () => ({
    access: ['r', 'w'],
    wgsl: ([X, O]) => {
      const x = (at: string): string => `bitcast<${t}>(${X}[${at}])`;
      const isArg = op === 'argmax' || op === 'argmin';
      const sign = op === 'max' || op === 'argmax' ? '>' : '<';
      const nan = t === 'f32';
      // (value, index) pairs for all but sum; `better(a, b)` says whether b replaces a (first NaN, then larger or
      // smaller, then the lower index on ties).
      const better = `fn better(av: ${t}, ai: u32, bv: ${t}, bi: u32) -> bool {
  ${nan ? `if (isnan_(av) && isnan_(bv)) { return bi < ai; }
  if (isnan_(av)) { return false; }
  if (isnan_(bv)) { return true; }
  ` : ''}if (bv ${sign} av) { return true; }
  if (bv == av) { return bi < ai; }
  return false;
}`;
      const partial = op === 'sum'
        ? `var s = 0.0;
  var comp = 0.0;
  for (var j = lid; j < r; j += 64u) {
    let y = ${x('base + j')} - comp;
    let u = s + y;
    comp = (u - s) - y;
    s = u;
  }
  sv[lid] = s;`
        : `var bv = ${x('base + min(lid, r - 1u)')};
  var bi = min(lid, r - 1u);
  for (var j = lid; j < r; j += 64u) {
    let v = ${x('base + j')};
    if (better(bv, bi, v, j)) { bv = v; bi = j; }
  }
  sv[lid] = bv;
  si[lid] = bi;`;
      const step = op === 'sum'
        ? 'sv[lid] = sv[lid] + sv[lid + h];'
        : 'if (better(sv[lid], si[lid], sv[lid + h], si[lid + h])) { sv[lid] = sv[lid + h]; si[lid] = si[lid + h]; }';
      const result = op === 'sum' ? 'bitcast<u32>(sv[0])' : isArg ? 'si[0]' : 'bitcast<u32>(sv[0])';
      return `${op === 'sum' ? '' : better}
var<workgroup> sv: array<${t}, 64>;
var<workgroup> si: array<u32, 64>;
@compute @workgroup_size(64)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let row = wg.y * nwg.x + wg.x;
  if (row >= P[1]) { return; }
  let r = P[2];
  let base = P[3] + row * r;
  ${partial}
  workgroupBarrier();
  for (var h = 32u; h > 0u; h = h >> 1u) {
    if (lid < h) { ${step} }
    workgroupBarrier();
  }
  if (lid == 0u) { ${O}[row] = ${result}; }
}`;
    },
  }));
}

/**
 * Reduce the middle axis of `x` (from `offset`) read as [outer, r, inner] into `out` [outer, inner].
 *
 * @example
 * ```ts
 * reduce(ctx, 'sum', 'float32', x, 0, out, 1, 4, 1);
 * ```
 */
export function reduce(ctx: GpuContext, op: ReduceKernel, dtype: DType, x: GpuHandle, offset: number, out: GpuHandle, outer: number, r: number,
  inner: number): void {
  const t = wgslType(dtype);
  const outputs = outer * inner;
  if (outputs === 0) return;
  if (r === 0) {
    // A sum, prod, all or any of nothing (max/min/arg* of nothing are refused above): zeros, or ones.
    if (op === 'prod' || op === 'all') fill(ctx, op === 'all' ? 'bool' : dtype, { buffer: out as never, offset: 0, strides: [1] }, [outputs], 1);
    return;
  }
  const rowOp = op === 'sum' || op === 'max' || op === 'min' || op === 'argmax' || op === 'argmin';
  if (inner === 1 && r >= ROW_MIN && rowOp && !(op === 'sum' && t === 'i32')) {
    const groups = outer <= 65535 ? [outer, 1, 1] as const : [65535, Math.ceil(outer / 65535), 1] as const;
    ctx.overwrite(out, outputs);
    ctx.dispatch(rowKernel(op, t), [x, out], new Params().u(outer).u(r).u(offset), groups);
    return;
  }
  const intSum = (op === 'sum' || op === 'prod') && t === 'i32';
  const k = cached(`reduce:${op}:${t}`, () => ({
    access: ['r', 'w'],
    errors: intSum,
    wgsl: ([X, O]) => `${LOG}
${main1d('P[1]')}
  let r = P[2];
  let inner = P[3];
  let base = P[4] + (i / inner) * r * inner + i % inner;
  ${columnWalk(op, t).replaceAll('X[', `${X}[`)}
  ${O}[i] = result;
}`,
  }));
  const report = op === 'prod' && intSum
    ? () => new Error("prod: the int32 product does not fit in int32 (adjoint has no int64); convert to float64 first, e.g. x.to('float64').prod().")
    : intSum
    ? (lo: number, hi: number) => {
      const v = (hi | 0) * 2 ** 32 + lo;
      return new Error(`sum: the int32 sum ${v} does not fit in int32 (adjoint has no int64); convert to float32 first, e.g. x.to('float32').sum().`);
    }
    : undefined;
  ctx.overwrite(out, outputs);
  ctx.dispatch(k, [x, out], new Params().u(outputs).u(r).u(inner).u(offset), grid1d(outputs), report);
}

/**
 * Numerically stable (log-)softmax along the middle axis of [outer, r, inner], one invocation per line.
 *
 * @example
 * ```ts
 * softmax(ctx, x, 0, out, 2, 10, 1, true);
 * ```
 */
export function softmax(ctx: GpuContext, x: GpuHandle, offset: number, out: GpuHandle, outer: number, r: number, inner: number, log: boolean): void {
  const lines = outer * inner;
  if (lines === 0 || r === 0) return;
  const k = cached(`softmax:${log}`, () => ({
    access: ['r', 'w'],
    wgsl: ([X, O]) => `${LOG}
${main1d('P[1]')}
  let r = P[2];
  let inner = P[3];
  let start = (i / inner) * r * inner + i % inner;
  let base = P[4] + start;
  var m = -inf_();
  for (var j = 0u; j < r; j++) {
    let v = bitcast<f32>(${X}[base + j * inner]);
    if (v > m || isnan_(v)) { m = v; }
    if (isnan_(m)) { break; }
  }
  var s = 0.0;
  var comp = 0.0;
  for (var j = 0u; j < r; j++) {
    let y = exps_(bitcast<f32>(${X}[base + j * inner]) - m) - comp;
    let u = s + y;
    comp = (u - s) - y;
    s = u;
  }
  ${log ? 'let lse = log_(s);' : 'let inv = 1.0 / s;'}
  for (var j = 0u; j < r; j++) {
    let v = bitcast<f32>(${X}[base + j * inner]);
    ${O}[start + j * inner] = bitcast<u32>(${log ? 'v - m - lse' : 'exps_(v - m) * inv'});
  }
}`,
  }));
  ctx.overwrite(out, lines * r);
  ctx.dispatch(k, [x, out], new Params().u(lines).u(r).u(inner).u(offset), grid1d(lines));
}
