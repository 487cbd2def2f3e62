// Advanced indexing and scatter with a reduction in WGSL, deterministic and without atomics (WGSL has no float
// atomics, and a compare-and-swap loop would combine colliding values in any order):
// - indexGather: one invocation per output element.
// - indexPut: one invocation per value element p. The positions that can write the element p writes differ from p
//   only in the dims where x does not move (the index tensors' broadcast dims); p scans those, returns if an earlier
//   one writes the same element, and otherwise writes (the last value) or adds (every value, in row-major order,
//   onto the old one) itself. Exactly the CPU's order, so float sums round as they do there.
// - scatterReduce: one invocation per output element, scanning the indices of its line along `dim` in order.
// Every index is checked on the GPU; a bad one is reported through the error buffer and thrown at the next
// read-back as `indexError` (wrapping indices, as x[idx] does, in advanced indexing).
import type { DType } from '../../dtype.js';
import type { Shape } from '../../shape.js';
import { DeviceSupportError, indexError, type IndexedView, type ScatterReduceKind, type View } from '../backend.js';
import { grid1d, main1d, Params, wgslType, type GpuContext, type GpuHandle, type Kernel } from './context.js';

const h = (v: View): GpuHandle => v.buffer as unknown as GpuHandle;

/** Distinct index buffers bound directly; more are first copied into one buffer (a kernel binds at most 8 buffers). */
const MAX_INDEX_BUFFERS = 3;
/** The largest rank the kernels index (they keep a position's coordinates in a private array). */
const MAX_RANK = 16;

/** Error codes: FIRST_INDEX_CODE + j for index tensor j out of range; 2 for an int32 sum that does not fit. */
const FIRST_INDEX_CODE = 16;

function checkRank(shape: Shape, op: string): void {
  if (shape.length > MAX_RANK) throw new DeviceSupportError(`${op} of rank ${shape.length} (above ${MAX_RANK})`, 'webgpu');
}

/**
 * The index tensors' buffers as the kernel binds them, with their offsets: as they are when there are few distinct
 * ones, else all copied (whole) into one buffer.
 */
function indexBuffers(ctx: GpuContext, at: IndexedView): { buffers: GpuHandle[]; offsets: number[] } {
  const buffers = at.indices.map(h);
  const distinct = [...new Set(buffers)];
  if (distinct.length <= MAX_INDEX_BUFFERS) return { buffers, offsets: at.indices.map((v) => v.offset) };
  const starts = new Map<GpuHandle, number>();
  let total = 0;
  for (const b of distinct) {
    starts.set(b, total);
    total += b.words;
  }
  const packed = ctx.allocRaw(total).handle;
  for (const b of distinct) ctx.copyWords(b, 0, packed, starts.get(b)!, b.words);
  return { buffers: buffers.map(() => packed), offsets: at.indices.map((v, j) => starts.get(buffers[j]!)! + v.offset) };
}

/**
 * Parameters shared by indexGather and indexPut, from P[1]: n, nd, k, x's offset, the shape, x's strides, then
 * per index tensor j (at `5 + 2·nd + j·(4 + nd)`): its offset, the dim's size, the dim's stride in x, 0, its strides.
 */
function indexedParams(n: number, shape: Shape, at: IndexedView, offsets: readonly number[]): Params {
  const p = new Params().u(n).u(shape.length).u(at.indices.length).i(at.x.offset).us(shape).is(at.x.strides);
  at.indices.forEach((v, j) => p.i(offsets[j]!).u(at.sizes[j]!).i(at.dimStrides[j]!).u(0).is(v.strides));
  return p;
}

/** WGSL: the coordinates `c` of position i, x's offset `xo` and each index tensor's offset `io{j}`. */
function coordinates(k: number): string {
  const lines = [`  let nd = P[2];
  var c: array<u32, ${MAX_RANK}>;
  var rem = i;
  var xo = bitcast<i32>(P[4]);`];
  for (let j = 0; j < k; j++) lines.push(`  let pb${j} = 5u + 2u * nd + ${j}u * (4u + nd);\n  var io${j} = bitcast<i32>(P[pb${j}]);`);
  lines.push(`  for (var d = i32(nd) - 1; d >= 0; d--) {
    let s = P[5u + u32(d)];
    let cd = rem % s;
    rem = rem / s;
    c[d] = cd;
    xo += i32(cd) * bitcast<i32>(P[5u + nd + u32(d)]);
${Array.from({ length: k }, (_, j) => `    io${j} += i32(cd) * bitcast<i32>(P[pb${j} + 4u + u32(d)]);`).join('\n')}
  }`);
  return lines.join('\n');
}

/** WGSL: the index value of tensor j at offset `io` (wrapped once), failing (and returning) when out of range. */
function indexValue(j: number, I: string, io: string, v: string, report: boolean): string {
  return `var ${v} = bitcast<i32>(${I}[u32(${io})]);
  {
    let size = i32(P[pb${j} + 1u]);
    let raw = ${v};
    if (${v} < 0) { ${v} += size; }
    if (${v} < 0 || ${v} >= size) { ${report ? `fail(${FIRST_INDEX_CODE + j}u, bitcast<u32>(raw), u32(size)); return;` : 'ok = false;'} }
  }`;
}

const gatherKernels = new Map<number, Kernel>();
function gatherKernel(k: number): Kernel {
  let kernel = gatherKernels.get(k);
  if (kernel === undefined) {
    kernel = {
      key: `indexGather:${k}`,
      access: ['r', 'w', ...Array<'r'>(k).fill('r')],
      errors: true,
      wgsl: ([X, O, ...I]) => `${main1d('P[1]')}
${coordinates(k)}
${Array.from({ length: k }, (_, j) => `  ${indexValue(j, I[j]!, `io${j}`, `v${j}`, true)}
  xo += v${j} * bitcast<i32>(P[pb${j} + 2u]);`).join('\n')}
  ${O}[i] = ${X}[u32(xo)];
}`,
    };
    gatherKernels.set(k, kernel);
  }
  return kernel;
}

const indexReport = (op: string, at: IndexedView) => (value: number, size: number, code: number): Error =>
  code === 2
    ? new Error(`${op}: an int32 sum does not fit in int32 (adjoint has no int64); convert to float64 first.`)
    : indexError(op, value | 0, at.dims[code - FIRST_INDEX_CODE] ?? 0, size, true);

/**
 * Indexing by integer tensors (see `Backend.indexGather`): `out[p] = x[…]` for every position p of `shape`.
 *
 * @example
 * ```ts
 * indexGather(ctx, at, out, [3, 4], 'index');
 * ```
 */
export function indexGather(ctx: GpuContext, at: IndexedView, out: GpuHandle, shape: Shape, op: string): void {
  const n = shape.reduce((s, d) => s * d, 1);
  if (n === 0) return;
  checkRank(shape, op);
  const { buffers, offsets } = indexBuffers(ctx, at);
  ctx.overwrite(out, n);
  ctx.dispatch(gatherKernel(at.indices.length), [h(at.x), out, ...buffers], indexedParams(n, shape, at, offsets), grid1d(n), indexReport(op, at));
}

const putKernels = new Map<string, Kernel>();
function putKernel(k: number, mode: 'assign' | 'f32' | 'i32' | 'bool'): Kernel {
  const key = `indexPut:${k}:${mode}`;
  let kernel = putKernels.get(key);
  if (kernel === undefined) {
    const combine = mode === 'f32' ? 'acc = bitcast<u32>(bitcast<f32>(acc) + bitcast<f32>(v));'
      : mode === 'bool' ? 'acc = select(0u, 1u, acc != 0u || v != 0u);'
      : mode === 'i32' ? `{
        let a = bitcast<i32>(acc);
        let b = bitcast<i32>(v);
        let s = a + b;
        if (((a ^ s) & (b ^ s)) < 0) { fail(2u, acc, v); return; }
        acc = bitcast<u32>(s);
      }`
      : 'acc = v;';
    kernel = {
      key,
      access: ['w', 'r', ...Array<'r'>(k).fill('r')],
      errors: true,
      // After the shared parameters (see indexedParams): at V0 = 5 + 2·nd + k·(4 + nd) the values' offset, then their
      // strides, then per dim 1 where x does not move along it (the scanned dims).
      wgsl: ([X, V, ...I]) => `${main1d('P[1]')}
${coordinates(k)}
  let V0 = 5u + 2u * nd + ${k}u * (4u + nd);
  var ok = true;
  var t = xo;
${Array.from({ length: k }, (_, j) => `  ${indexValue(j, I[j]!, `io${j}`, `v${j}`, true)}
  t += v${j} * bitcast<i32>(P[pb${j} + 2u]);`).join('\n')}
  // p's place among the positions that differ from it only in the scanned dims, and how many there are.
  var fp = 0u;
  var fcount = 1u;
  for (var d = 0u; d < nd; d++) {
    if (P[V0 + 1u + nd + d] != 0u) { fp = fp * P[5u + d] + c[d]; fcount = fcount * P[5u + d]; }
  }
  var acc = ${mode === 'assign' ? '0u' : `${X}[u32(t)]`};
  for (var f = 0u; f < fcount; f++) {
    // Position q: p with the scanned dims set from f.
    var frem = f;
    var vo = bitcast<i32>(P[V0]);
${Array.from({ length: k }, (_, j) => `    var qo${j} = bitcast<i32>(P[pb${j}]);`).join('\n')}
    for (var d = i32(nd) - 1; d >= 0; d--) {
      let ud = u32(d);
      var cq = c[ud];
      if (P[V0 + 1u + nd + ud] != 0u) {
        cq = frem % P[5u + ud];
        frem = frem / P[5u + ud];
      }
      vo += i32(cq) * bitcast<i32>(P[V0 + 1u + ud]);
${Array.from({ length: k }, (_, j) => `      qo${j} += i32(cq) * bitcast<i32>(P[pb${j} + 4u + ud]);`).join('\n')}
    }
    var tq = xo;
${Array.from({ length: k }, (_, j) => `    ${indexValue(j, I[j]!, `qo${j}`, `q${j}`, false)}
    tq += q${j} * bitcast<i32>(P[pb${j} + 2u]);`).join('\n')}
    if (!ok) { ok = true; continue; }
    if (tq != t) { continue; }
    if (f < fp) { return; }
    let v = ${V}[u32(vo)];
    ${combine}
  }
  ${X}[u32(t)] = acc;
}`,
    };
    putKernels.set(key, kernel);
  }
  return kernel;
}

/**
 * The transpose of `indexGather`, in place on `at.x` (see `Backend.indexPut`): deterministic, in the CPU's order.
 *
 * @example
 * ```ts
 * indexPut(ctx, 'float32', at, values, [3, 4], true, 'indexPut');
 * ```
 */
export function indexPut(ctx: GpuContext, dtype: DType, at: IndexedView, values: View, shape: Shape, accumulate: boolean, op: string): void {
  const n = shape.reduce((s, d) => s * d, 1);
  if (n === 0) return;
  checkRank(shape, op);
  const { buffers, offsets } = indexBuffers(ctx, at);
  const scanned = shape.map((size, d) => (size > 1 && at.x.strides[d] === 0 ? 1 : 0));
  const p = indexedParams(n, shape, at, offsets).i(values.offset).is(values.strides).us(scanned);
  const mode = !accumulate ? 'assign' : dtype === 'bool' ? 'bool' : wgslType(dtype);
  ctx.dispatch(putKernel(at.indices.length, mode), [h(at.x), h(values), ...buffers], p, grid1d(n), indexReport(op, at));
}

const SCATTER_CHECK: Kernel = {
  key: 'scatterCheck',
  access: ['r'],
  errors: true,
  // P[1] count, P[2] the dim's size.
  wgsl: ([I]) => `${main1d('P[1]')}
  let v = bitcast<i32>(${I}[i]);
  if (v < 0 || v >= i32(P[2])) { fail(3u, bitcast<u32>(v), P[2]); }
}`,
};

const scatterKernels = new Map<string, Kernel>();
function scatterKernel(reduce: ScatterReduceKind, t: 'f32' | 'i32' | 'bool'): Kernel {
  const key = `scatterReduce:${reduce}:${t}`;
  let kernel = scatterKernels.get(key);
  if (kernel === undefined) {
    const ty = t === 'f32' ? 'f32' : 'i32';
    const checked = (expr: string, overflow: string): string => `{
      let a = acc;
      let s = ${expr};
      if (${overflow}) { fail(2u, bitcast<u32>(a), bitcast<u32>(v)); return; }
      acc = s;
    }`;
    const combine: Record<ScatterReduceKind, string> = {
      assign: 'acc = v;',
      sum: ty === 'f32' ? 'acc = acc + v;' : t === 'bool' ? 'acc = select(0, 1, acc + v != 0);' : checked('a + v', '((a ^ s) & (v ^ s)) < 0'),
      mean: ty === 'f32' ? 'acc = acc + v;' : checked('a + v', '((a ^ s) & (v ^ s)) < 0'),
      prod: ty === 'f32' ? 'acc = acc * v;' : t === 'bool' ? 'acc = select(0, 1, acc * v != 0);'
        : checked('a * v', '(a == -1 && v == -2147483647 - 1) || (v == -1 && a == -2147483647 - 1) || (v != 0 && s / v != a)'),
      amax: ty === 'f32' ? 'if (isnan_(acc) || isnan_(v)) { acc = nan_(); } else { acc = max(acc, v); }' : 'acc = max(acc, v);',
      amin: ty === 'f32' ? 'if (isnan_(acc) || isnan_(v)) { acc = nan_(); } else { acc = min(acc, v); }' : 'acc = min(acc, v);',
    };
    const finish = reduce !== 'mean' ? '' : ty === 'f32' ? 'acc = acc / f32(cnt);' : `{
    let q = acc / i32(cnt);
    acc = select(q, q - 1, acc % i32(cnt) != 0 && acc < 0);
  }`;
    kernel = {
      key,
      access: ['w', 'r', 'r'],
      errors: t !== 'f32',
      // P[1] outputs, P[2] nd, P[3] dim, P[4] include self, then the output's shape and the index's shape.
      wgsl: ([O, I, S]) => `${main1d('P[1]')}
  let nd = P[2];
  let dim = P[3];
  var rem = i;
  var base = 0u;
  var stride = 1u;
  var cdim = 0u;
  var dimStride = 1u;
  for (var d = i32(nd) - 1; d >= 0; d--) {
    let ud = u32(d);
    let s = P[5u + ud];
    let cd = rem % s;
    rem = rem / s;
    let is = P[5u + nd + ud];
    if (ud == dim) { cdim = cd; dimStride = stride; }
    else {
      if (cd >= is) { return; }
      base += cd * stride;
    }
    stride *= is;
  }
  var acc = bitcast<${ty}>(${O}[i]);
  var cnt = select(0u, 1u, P[4] != 0u);
  for (var j = 0u; j < P[5u + nd + dim]; j++) {
    let at = base + j * dimStride;
    if (bitcast<i32>(${I}[at]) != i32(cdim)) { continue; }
    let v = bitcast<${ty}>(${S}[at]);
    if (cnt == 0u) { acc = v; } else { ${combine[reduce]} }
    cnt++;
  }
  if (cnt == select(0u, 1u, P[4] != 0u)) { return; }
  ${finish}
  ${O}[i] = bitcast<u32>(acc);
}`,
    };
    scatterKernels.set(key, kernel);
  }
  return kernel;
}

/**
 * `scatterAdd` with another reduction, in place on `out` (see `Backend.scatterReduce`): one invocation per output
 * element combines the values sent to it in index order.
 *
 * @example
 * ```ts
 * scatterReduce(ctx, 'float32', out, [2, 5], idx, [2, 3], 1, src, 'amax', true, 'scatterReduce');
 * ```
 */
export function scatterReduce(ctx: GpuContext, dtype: DType, out: GpuHandle, outShape: Shape, index: GpuHandle, indexShape: Shape, dim: number,
  src: GpuHandle, reduce: ScatterReduceKind, includeSelf: boolean, op: string): void {
  const count = indexShape.reduce((s, d) => s * d, 1);
  const n = outShape.reduce((s, d) => s * d, 1);
  if (count === 0) return;
  const size = outShape[dim]!;
  ctx.dispatch(SCATTER_CHECK, [index], new Params().u(count).u(size), grid1d(count), (v) => indexError(op, v | 0, dim, size));
  if (n === 0) return;
  const t = dtype === 'bool' ? 'bool' : wgslType(dtype);
  const report = (): Error => new Error(`${op}: the int32 result does not fit in int32 (adjoint has no int64); convert to float64 first.`);
  const p = new Params().u(n).u(outShape.length).u(dim).u(includeSelf || reduce === 'assign' ? 1 : 0).us(outShape).us(indexShape);
  ctx.dispatch(scatterKernel(reduce, t), [out, index, src], p, grid1d(n), t === 'f32' ? undefined : report);
}
