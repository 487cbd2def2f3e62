// Advanced indexing (indexing by integer tensors), nonzero and scatter with a reduction: the reference kernels.
import type { DType, TypedArray } from '../../dtype.js';
import type { Shape } from '../../shape.js';
import { indexError, type BufferHandle, type IndexedView, type ScatterReduceKind, type View } from '../backend.js';
import { arrayOf } from '../cpu/memory.js';
import { gatherOffsets } from './indexing.js';

/**
 * Visit every position of `shape` in row-major order with the running offsets of some strided layouts:
 * `visit(k, offsets)` for the k-th position. An odometer over the dims, O(1) amortised per position.
 */
function walk(shape: Shape, layouts: readonly { readonly offset: number; readonly strides: readonly number[] }[],
  visit: (k: number, offsets: readonly number[]) => void): void {
  const nd = shape.length, nv = layouts.length;
  for (const d of shape) if (d === 0) return;
  const offs = layouts.map((l) => l.offset);
  const counter = new Array<number>(nd).fill(0);
  for (let k = 0; ; k++) {
    visit(k, offs);
    let d = nd - 1;
    for (; d >= 0; d--) {
      for (let v = 0; v < nv; v++) offs[v]! += layouts[v]!.strides[d]!;
      if (++counter[d]! < shape[d]!) break;
      for (let v = 0; v < nv; v++) offs[v]! -= layouts[v]!.strides[d]! * shape[d]!;
      counter[d] = 0;
    }
    if (d < 0) return;
  }
}

/** The element offset the indices at `offs` (offs[1..]) select, wrapped and checked; `base` is offs[0]. */
function target(at: IndexedView, idx: readonly TypedArray[], offs: readonly number[], op: string): number {
  let t = offs[0]!;
  for (let j = 0; j < idx.length; j++) {
    let v = idx[j]![offs[j + 1]!]!;
    const size = at.sizes[j]!;
    if (v < 0) v += size;
    if (!(v >= 0 && v < size)) throw indexError(op, idx[j]![offs[j + 1]!]!, at.dims[j]!, size, true);
    t += v * at.dimStrides[j]!;
  }
  return t;
}

/**
 * Advanced indexing: for every position p of `shape`, `out[p] = x[x.offset + Σ p·x.strides + Σ_j idx_j(p)·dimStrides[j]]`.
 *
 * @example
 * ```ts
 * indexGather('float32', at, out, [3], 'index'); // out[i] = x[idx[i], :] flattened, see IndexedView
 * ```
 */
export function indexGather(_dtype: DType, at: IndexedView, outh: BufferHandle, shape: Shape, op: string): void {
  const x = arrayOf(at.x.buffer), out = arrayOf(outh);
  const idx = at.indices.map((v) => arrayOf(v.buffer));
  walk(shape, [at.x, ...at.indices], (k, offs) => { out[k] = x[target(at, idx, offs, op)]!; });
}

/**
 * The transpose of `indexGather`, in place on `at.x`: each element of `values` (a view over `shape`) is written
 * to (or, with `accumulate`, added into) the element `indexGather` would read, in row-major order. int32 sums that
 * do not fit are errors; bool sums are logical or.
 *
 * @example
 * ```ts
 * indexPut('float32', at, values, [3], true, 'indexPut');
 * ```
 */
export function indexPut(dtype: DType, at: IndexedView, values: View, shape: Shape, accumulate: boolean, op: string): void {
  const dst = arrayOf(at.x.buffer), src = arrayOf(values.buffer);
  const idx = at.indices.map((v) => arrayOf(v.buffer));
  walk(shape, [at.x, ...at.indices, values], (_, offs) => {
    const t = target(at, idx, offs, op), v = src[offs[offs.length - 1]!]!;
    if (!accumulate) dst[t] = v;
    else if (dtype === 'bool') dst[t] = dst[t]! || v ? 1 : 0;
    else if (dtype === 'int32') dst[t] = checkedInt(dst[t]! + v, op);
    else dst[t] = dst[t]! + v;
  });
}

function checkedInt(v: number, op: string): number {
  if (v > 2147483647 || v < -2147483648) {
    throw new Error(`${op}: the int32 result ${v} does not fit in int32 (adjoint has no int64); convert to float64 first.`);
  }
  return v;
}

/**
 * The positions of the nonzero elements (NaN counts as nonzero) of the view `x` over `shape`, in row-major order,
 * as `count` rows of `shape.length` int32 indices in `out`.
 *
 * @example
 * ```ts
 * nonzero('float32', x, [2, 3], out, 4); // out: [4, 2]
 * ```
 */
export function nonzero(_dtype: DType, x: View, shape: Shape, outh: BufferHandle, count: number): void {
  const xs = arrayOf(x.buffer), out = arrayOf(outh);
  const nd = shape.length;
  const pos = new Array<number>(nd).fill(0);
  let row = 0;
  walk(shape, [x], (k, offs) => {
    const v = xs[offs[0]!]!;
    if (v !== 0 && row < count) {
      let r = k;
      for (let d = nd - 1; d >= 0; d--) { pos[d] = r % shape[d]!; r = Math.floor(r / shape[d]!); }
      for (let d = 0; d < nd; d++) out[row * nd + d] = pos[d]!;
      row++;
    }
  });
}

const combine: Record<Exclude<ScatterReduceKind, 'assign' | 'mean'>, (a: number, b: number) => number> = {
  sum: (a, b) => a + b,
  prod: (a, b) => a * b,
  // NaN wins, as in PyTorch.
  amax: (a, b) => (a !== a || b !== b ? NaN : Math.max(a, b)),
  amin: (a, b) => (a !== a || b !== b ? NaN : Math.min(a, b)),
};

/**
 * Scatter `src` (contiguous, of `indexShape`) into `out` (contiguous, of `outShape`, holding `self`) at the
 * positions `index` (contiguous int32 of `indexShape`) names along `dim`, in place: `assign` writes (the last write
 * wins), the others combine every value sent to a position, with the old value when `includeSelf`, else starting
 * from the first value sent there. `mean` divides by the number of values combined (flooring for int32).
 *
 * @example
 * ```ts
 * scatterReduce('float32', out, [2, 5], idx, [2, 3], 1, src, 'amax', true, 'scatterReduce');
 * ```
 */
export function scatterReduce(dtype: DType, outh: BufferHandle, outShape: Shape, indexh: BufferHandle, indexShape: Shape, dim: number,
  srch: BufferHandle, reduce: ScatterReduceKind, includeSelf: boolean, op: string): void {
  const out = arrayOf(outh), src = arrayOf(srch);
  let n = 1;
  for (const d of indexShape) n *= d;
  const offs = gatherOffsets(outShape, indexShape, dim, arrayOf(indexh).subarray(0, n), op);
  if (reduce === 'assign') {
    for (let i = 0; i < n; i++) out[offs[i]!] = src[i]!;
    return;
  }
  // Per touched position: how many values were combined (the old value counting as one when included).
  const counts = new Map<number, number>();
  const f = combine[reduce === 'mean' ? 'sum' : reduce];
  const int = dtype === 'int32';
  for (let i = 0; i < n; i++) {
    const t = offs[i]!, c = counts.get(t);
    if (c === undefined && !includeSelf) {
      out[t] = src[i]!;
      counts.set(t, 1);
    } else {
      const v = f(out[t]!, src[i]!);
      out[t] = int ? checkedInt(v, op) : dtype === 'bool' ? (v ? 1 : 0) : v;
      counts.set(t, (c ?? (includeSelf ? 1 : 0)) + 1);
    }
  }
  if (reduce === 'mean') {
    for (const [t, c] of counts) out[t] = int ? Math.floor(out[t]! / c) : out[t]! / c;
  }
}
