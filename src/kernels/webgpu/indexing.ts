// Indexing kernels in WGSL: indexSelect and gather read one element per invocation; indexAdd and scatterAdd add one
// source element per invocation with atomics (float additions as a compare-and-swap loop on the bits, so sums of
// colliding indices may round in any order). Every index is checked on the GPU: a bad one is skipped and reported
// through the error buffer (code 3, the index and the dim's size), and the next read-back throws `indexError`.
import type { DType } from '../../dtype.js';
import type { Shape } from '../../shape.js';
import { indexError } from '../backend.js';
import { grid1d, main1d, Params, wgslType, type GpuContext, type GpuHandle, type Kernel } from './context.js';

const report = (op: string, dim: number) => (index: number, size: number): Error => indexError(op, index | 0, dim, size);

/** WGSL adding `v` (of type t) to element `at` of the atomic buffer `O`. */
function atomicAdd(t: 'f32' | 'i32', O: string): string {
  if (t === 'i32') return `atomicAdd(&${O}[at], bitcast<u32>(v));`;
  return `loop {
    let old = atomicLoad(&${O}[at]);
    let r = atomicCompareExchangeWeak(&${O}[at], old, bitcast<u32>(bitcast<f32>(old) + v));
    if (r.exchanged) { break; }
  }`;
}

const INDEX_SELECT: Kernel = {
  key: 'indexSelect',
  access: ['r', 'r', 'w'],
  errors: true,
  wgsl: ([X, I, O]) => `${main1d('P[1]')}
  let size = P[2];
  let inner = P[3];
  let count = P[4];
  let o = i / (count * inner);
  let c = (i / inner) % count;
  let j = i % inner;
  let idx = bitcast<i32>(${I}[P[6] + c]);
  if (idx < 0 || idx >= i32(size)) { fail(3u, bitcast<u32>(idx), size); return; }
  ${O}[i] = ${X}[P[5] + (o * size + u32(idx)) * inner + j];
}`,
};

/**
 * `out[o, i, :] = x[o, index[i], :]`, `x` [outer, size, inner] from `offset`.
 *
 * @example
 * ```ts
 * indexSelect(ctx, x, 0, index, 0, out, 1, 5, 3, 2, 0, 'indexSelect');
 * ```
 */
export function indexSelect(ctx: GpuContext, x: GpuHandle, offset: number, index: GpuHandle, indexOffset: number, out: GpuHandle,
  outer: number, size: number, inner: number, count: number, dim: number, op: string): void {
  const n = outer * count * inner;
  if (n === 0) return;
  ctx.overwrite(out, n);
  ctx.dispatch(INDEX_SELECT, [x, index, out], new Params().u(n).u(size).u(inner).u(count).u(offset).u(indexOffset), grid1d(n), report(op, dim));
}

const indexAddKernels = new Map<string, Kernel>();
function indexAddKernel(t: 'f32' | 'i32'): Kernel {
  let k = indexAddKernels.get(t);
  if (k === undefined) {
    k = {
      key: `indexAdd:${t}`,
      access: ['a', 'r', 'r'],
      errors: true,
      wgsl: ([O, I, S]) => `${main1d('P[1]')}
  let size = P[2];
  let inner = P[3];
  let count = P[4];
  let o = i / (count * inner);
  let c = (i / inner) % count;
  let j = i % inner;
  let idx = bitcast<i32>(${I}[P[5] + c]);
  if (idx < 0 || idx >= i32(size)) { fail(3u, bitcast<u32>(idx), size); return; }
  let at = (o * size + u32(idx)) * inner + j;
  let v = bitcast<${t}>(${S}[i]);
  ${atomicAdd(t, O!)}
}`,
    };
    indexAddKernels.set(t, k);
  }
  return k;
}

/**
 * `out[o, index[i], :] += src[o, i, :]` in place.
 *
 * @example
 * ```ts
 * indexAdd(ctx, 'float32', out, index, 0, src, 1, 5, 3, 2, 0, 'indexAdd');
 * ```
 */
export function indexAdd(ctx: GpuContext, dtype: DType, out: GpuHandle, index: GpuHandle, indexOffset: number, src: GpuHandle,
  outer: number, size: number, inner: number, count: number, dim: number, op: string): void {
  const n = outer * count * inner;
  if (n === 0) return;
  ctx.dispatch(indexAddKernel(wgslType(dtype)), [out, index, src], new Params().u(n).u(size).u(inner).u(count).u(indexOffset), grid1d(n), report(op, dim));
}

/** Parameters of gather/scatter: count, rank, dim, the index shape, then the target's contiguous strides. */
function gatherParams(n: number, target: Shape, indexShape: Shape, dim: number): Params {
  const strides = new Array<number>(target.length);
  for (let d = target.length - 1, s = 1; d >= 0; d--) {
    strides[d] = s;
    s *= target[d]!;
  }
  return new Params().u(n).u(indexShape.length).u(dim).u(target[dim]!).us(indexShape).us(strides);
}

/** WGSL computing `at`, the target element of index element i, from `gatherParams` (returns on a bad index). */
const GATHER_OFFSET = (I: string): string => `  let nd = P[2];
  let dim = P[3];
  let size = P[4];
  let idx = bitcast<i32>(${I}[i]);
  if (idx < 0 || idx >= i32(size)) { fail(3u, bitcast<u32>(idx), size); return; }
  var rem = i;
  var at = 0u;
  for (var d = i32(nd) - 1; d >= 0; d--) {
    let s = P[5u + u32(d)];
    let c = rem % s;
    rem = rem / s;
    at += select(c, u32(idx), u32(d) == dim) * P[5u + nd + u32(d)];
  }`;

const GATHER: Kernel = {
  key: 'gather',
  access: ['r', 'r', 'w'],
  errors: true,
  wgsl: ([X, I, O]) => `${main1d('P[1]')}
${GATHER_OFFSET(I!)}
  ${O}[i] = ${X}[at];
}`,
};

/**
 * Along `dim`: `out[…, j, …] = x[…, index[…, j, …], …]`; `x` and `index` contiguous from offset 0.
 *
 * @example
 * ```ts
 * gather(ctx, x, [3, 4], index, [3, 1], 1, out, 'gather');
 * ```
 */
export function gather(ctx: GpuContext, x: GpuHandle, xShape: Shape, index: GpuHandle, indexShape: Shape, dim: number, out: GpuHandle, op: string): void {
  const n = indexShape.reduce((s, d) => s * d, 1);
  if (n === 0) return;
  ctx.overwrite(out, n);
  ctx.dispatch(GATHER, [x, index, out], gatherParams(n, xShape, indexShape, dim), grid1d(n), report(op, dim));
}

const scatterKernels = new Map<string, Kernel>();
function scatterKernel(t: 'f32' | 'i32'): Kernel {
  let k = scatterKernels.get(t);
  if (k === undefined) {
    k = {
      key: `scatterAdd:${t}`,
      access: ['a', 'r', 'r'],
      errors: true,
      wgsl: ([O, I, S]) => `${main1d('P[1]')}
${GATHER_OFFSET(I!)}
  let v = bitcast<${t}>(${S}[i]);
  ${atomicAdd(t, O!)}
}`,
    };
    scatterKernels.set(t, k);
  }
  return k;
}

/**
 * The transpose of `gather`, in place on `out`: `out[…, index[…, j, …], …] += src[…, j, …]`.
 *
 * @example
 * ```ts
 * scatterAdd(ctx, 'float32', out, [3, 4], index, [3, 1], 1, src, 'scatterAdd');
 * ```
 */
export function scatterAdd(ctx: GpuContext, dtype: DType, out: GpuHandle, outShape: Shape, index: GpuHandle, indexShape: Shape, dim: number,
  src: GpuHandle, op: string): void {
  const n = indexShape.reduce((s, d) => s * d, 1);
  if (n === 0) return;
  ctx.dispatch(scatterKernel(wgslType(dtype)), [out, index, src], gatherParams(n, outShape, indexShape, dim), grid1d(n), report(op, dim));
}
