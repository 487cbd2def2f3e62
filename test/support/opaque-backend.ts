// A test-only backend that behaves like a device backend: every buffer is an opaque handle (the typed array lives
// in a private field, out of reach of the op layer), and work completes asynchronously, in order. Each kernel call
// is queued, not run; the queue runs when a result is read (`read`, `readScalar`) or awaited (`readAsync`), as a
// GPU backend's would. The kernels themselves are the TS backend's, run on the unwrapped arrays, so results are
// bit-identical to the 'ts' backend. If the op layer ever touched a buffer's elements, or read one back without
// going through this interface, the generated suite would fail on this backend.
import type { DType, TypedArray } from '../../src/dtype.js';
import type { Backend, BufferHandle, IndexedView, MatrixOperand, View } from '../../src/kernels/backend.js';
import { arrayOf, handleOf } from '../../src/kernels/cpu/memory.js';
import { tsBackend } from '../../src/kernels/ts/index.js';
import { allocate } from '../../src/dtype.js';

/** A device buffer: its elements are only reachable through this backend. */
class OpaqueBuffer {
  readonly #data: TypedArray;
  constructor(data: TypedArray) {
    this.#data = data;
  }
  /** @internal */
  static unwrap(b: unknown): TypedArray {
    if (!(b instanceof OpaqueBuffer)) throw new Error(`opaque backend: got ${Object.prototype.toString.call(b)} where one of its own buffers was expected`);
    return b.#data;
  }
}

const wrap = (a: TypedArray): BufferHandle => new OpaqueBuffer(a) as unknown as BufferHandle;
const host = (b: BufferHandle): BufferHandle => handleOf(OpaqueBuffer.unwrap(b));
const hostView = (v: View): View => ({ buffer: host(v.buffer), offset: v.offset, strides: v.strides });
const hostOperand = (m: MatrixOperand): MatrixOperand => ({ buffer: host(m.buffer), offsets: m.offsets, rowStride: m.rowStride, colStride: m.colStride });
const hostIndexed = (at: IndexedView): IndexedView => ({ ...at, x: hostView(at.x), indices: at.indices.map(hostView) });
const hostOrNull = (b: BufferHandle | null): BufferHandle | null => (b === null ? null : host(b));

/** Work issued and not yet completed, in order. */
const queue: (() => void)[] = [];
/** Kernel calls issued since the backend was made (tests check that work really goes through the queue). */
export const opaqueStats = { issued: 0, flushes: 0 };

function issue(work: () => void): void {
  opaqueStats.issued++;
  queue.push(work);
}

/** Complete every issued call, in order; an error in one (an index out of range) surfaces here. */
function flush(): void {
  if (queue.length === 0) return;
  opaqueStats.flushes++;
  // Taken off the queue first: when a call fails, the ones after it (which would read what it did not write)
  // are dropped with it, as a device loses its queue.
  const work = queue.splice(0, queue.length);
  for (const w of work) w();
}

/**
 * The opaque device backend (name 'opaque', device 'opaque').
 *
 * @example
 * ```ts
 * registerBackend(opaqueBackend);
 * setBackend('opaque');
 * ```
 */
export const opaqueBackend: Backend = {
  name: 'opaque',
  device: 'opaque',
  alloc: (dtype: DType, n: number) => wrap(allocate(dtype, n)),
  // A device copies what it is given: the caller may reuse its array.
  fromHost: (data: TypedArray) => wrap(data.slice()),
  read(buffer, dtype, offset, n) {
    flush();
    return tsBackend.read(host(buffer), dtype, offset, n);
  },
  readScalar(buffer, dtype, offset) {
    flush();
    return tsBackend.readScalar(host(buffer), dtype, offset);
  },
  async readAsync(buffer, dtype, offset, n) {
    // Completion is a microtask away, as with a real device.
    await Promise.resolve();
    flush();
    return arrayOf(host(buffer)).slice(offset, offset + n);
  },
  unary: (op, dtype, x, offset, out, n) => issue(() => tsBackend.unary(op, dtype, host(x), offset, host(out), n)),
  binary: (op, dtype, a, b, out, shape) => {
    const A = hostView(a), B = hostView(b), O = host(out);
    issue(() => tsBackend.binary(op, dtype, A, B, O, shape));
  },
  ternary: (op, dtype, a, b, c, out, shape, s) => {
    const A = hostView(a), B = hostView(b), C = hostView(c), O = host(out);
    issue(() => tsBackend.ternary(op, dtype, A, B, C, O, shape, s));
  },
  where: (dtype, cond, a, b, out, shape) => {
    const C = hostView(cond), A = hostView(a), B = hostView(b), O = host(out);
    issue(() => tsBackend.where(dtype, C, A, B, O, shape));
  },
  clamp: (dtype, x, offset, out, n, lo, hi) => issue(() => tsBackend.clamp(dtype, host(x), offset, host(out), n, lo, hi)),
  copy: (src, from, dst, to, shape) => {
    const S = hostView(src), D = hostView(dst);
    issue(() => tsBackend.copy(S, from, D, to, shape));
  },
  fill: (dtype, dst, shape, value) => {
    const D = hostView(dst);
    issue(() => tsBackend.fill(dtype, D, shape, value));
  },
  arange: (dtype, out, n, start, step) => issue(() => tsBackend.arange(dtype, host(out), n, start, step)),
  reduce: (op, dtype, x, offset, out, outer, r, inner) => issue(() => tsBackend.reduce(op, dtype, host(x), offset, host(out), outer, r, inner)),
  variance: (dtype, x, offset, out, mean, outer, r, inner, correction) =>
    issue(() => tsBackend.variance(dtype, host(x), offset, host(out), hostOrNull(mean), outer, r, inner, correction)),
  norm: (dtype, x, offset, out, outer, r, inner, p) => issue(() => tsBackend.norm(dtype, host(x), offset, host(out), outer, r, inner, p)),
  scan: (op, dtype, x, offset, out, outer, r, inner) => issue(() => tsBackend.scan(op, dtype, host(x), offset, host(out), outer, r, inner)),
  sort: (dtype, x, offset, out, outer, r, inner, descending, k) =>
    issue(() => tsBackend.sort(dtype, host(x), offset, host(out), outer, r, inner, descending, k)),
  select: (dtype, x, offset, out, outer, r, inner, k, propagateNaN) =>
    issue(() => tsBackend.select(dtype, host(x), offset, host(out), outer, r, inner, k, propagateNaN)),
  unique: (dtype, x, offset, outer, r, inner, values, inverse, counts, count) =>
    issue(() => tsBackend.unique(dtype, host(x), offset, outer, r, inner, host(values), host(inverse), host(counts), host(count))),
  softmax: (dtype, x, offset, out, outer, r, inner, log) => issue(() => tsBackend.softmax(dtype, host(x), offset, host(out), outer, r, inner, log)),
  matmul: (dtype, a, b, out, batch, m, n, k) => {
    const A = hostOperand(a), B = hostOperand(b), O = host(out);
    issue(() => tsBackend.matmul(dtype, A, B, O, batch, m, n, k));
  },
  unfold: (dtype, x, offset, out, blocks, g) => issue(() => tsBackend.unfold(dtype, host(x), offset, host(out), blocks, g)),
  fold: (dtype, cols, offset, out, blocks, g) => issue(() => tsBackend.fold(dtype, host(cols), offset, host(out), blocks, g)),
  conv2d: (dtype, x, w, out, n, c, o, g, columns) =>
    issue(() => tsBackend.conv2d(dtype, host(x), host(w), host(out), n, c, o, g, hostOrNull(columns))),
  maxPool2d: (dtype, x, out, indices, planes, g) => issue(() => tsBackend.maxPool2d(dtype, host(x), host(out), host(indices), planes, g)),
  layerNorm: (dtype, x, w, b, out, mean, rstd, rows, m, eps) =>
    issue(() => tsBackend.layerNorm(dtype, host(x), hostOrNull(w), hostOrNull(b), host(out), host(mean), host(rstd), rows, m, eps)),
  layerNormBackward: (dtype, g, x, mean, rstd, w, out, mask, rows, m) =>
    issue(() => tsBackend.layerNormBackward(dtype, host(g), host(x), host(mean), host(rstd), hostOrNull(w), host(out), mask, rows, m)),
  lstmCell: (dtype, gates, c, out, rows, h) => issue(() => tsBackend.lstmCell(dtype, host(gates), host(c), host(out), rows, h)),
  lstmCellBackward: (dtype, g, gates, c, out, rows, h) =>
    issue(() => tsBackend.lstmCellBackward(dtype, host(g), host(gates), host(c), host(out), rows, h)),
  gruCell: (dtype, gi, gh, h, out, rows, hidden) => issue(() => tsBackend.gruCell(dtype, host(gi), host(gh), host(h), host(out), rows, hidden)),
  gruCellBackward: (dtype, g, gi, gh, h, out, rows, hidden) =>
    issue(() => tsBackend.gruCellBackward(dtype, host(g), host(gi), host(gh), host(h), host(out), rows, hidden)),
  batchNorm: (dtype, x, w, b, out, mean, invstd, n, c, s, stats) => {
    const st = { ...stats, runningMean: hostOrNull(stats.runningMean), runningVar: hostOrNull(stats.runningVar) };
    issue(() => tsBackend.batchNorm(dtype, host(x), hostOrNull(w), hostOrNull(b), host(out), host(mean), host(invstd), n, c, s, st));
  },
  batchNormBackward: (dtype, g, x, mean, invstd, w, out, mask, n, c, s, training) =>
    issue(() => tsBackend.batchNormBackward(dtype, host(g), host(x), host(mean), host(invstd), hostOrNull(w), host(out), mask, n, c, s, training)),
  avgPool2d: (dtype, x, out, planes, g, countIncludePad, divisor) =>
    issue(() => tsBackend.avgPool2d(dtype, host(x), host(out), planes, g, countIncludePad, divisor)),
  avgPool2dBackward: (dtype, grad, out, planes, g, countIncludePad, divisor) =>
    issue(() => tsBackend.avgPool2dBackward(dtype, host(grad), host(out), planes, g, countIncludePad, divisor)),
  adaptiveMaxPool2d: (dtype, x, indices, planes, h, w, oh, ow) =>
    issue(() => tsBackend.adaptiveMaxPool2d(dtype, host(x), host(indices), planes, h, w, oh, ow)),
  adaptiveAvgPool2d: (dtype, x, out, planes, h, w, oh, ow) => issue(() => tsBackend.adaptiveAvgPool2d(dtype, host(x), host(out), planes, h, w, oh, ow)),
  adaptiveAvgPool2dBackward: (dtype, grad, out, planes, h, w, oh, ow) =>
    issue(() => tsBackend.adaptiveAvgPool2dBackward(dtype, host(grad), host(out), planes, h, w, oh, ow)),
  luFactor: (dtype, a, lu, pivots, info, batch, n) => issue(() => tsBackend.luFactor(dtype, host(a), host(lu), host(pivots), host(info), batch, n)),
  luSolve: (dtype, lu, pivots, b, out, batch, n, k) => issue(() => tsBackend.luSolve(dtype, host(lu), host(pivots), host(b), host(out), batch, n, k)),
  luDet: (dtype, lu, pivots, out, batch, n, log) => issue(() => tsBackend.luDet(dtype, host(lu), host(pivots), host(out), batch, n, log)),
  triangularSolve: (dtype, a, b, out, batch, n, k, upper, unit) =>
    issue(() => tsBackend.triangularSolve(dtype, host(a), host(b), host(out), batch, n, k, upper, unit)),
  cholesky: (dtype, a, out, info, batch, n) => issue(() => tsBackend.cholesky(dtype, host(a), host(out), host(info), batch, n)),
  qr: (dtype, a, q, r, batch, m, n, complete) => issue(() => tsBackend.qr(dtype, host(a), hostOrNull(q), host(r), batch, m, n, complete)),
  eigh: (dtype, a, values, vectors, info, batch, n) => issue(() => tsBackend.eigh(dtype, host(a), host(values), host(vectors), host(info), batch, n)),
  cofactor: (dtype, a, out, batch, n) => issue(() => tsBackend.cofactor(dtype, host(a), host(out), batch, n)),
  indexSelect: (dtype, x, offset, index, indexOffset, out, outer, size, inner, count, dim, op) =>
    issue(() => tsBackend.indexSelect(dtype, host(x), offset, host(index), indexOffset, host(out), outer, size, inner, count, dim, op)),
  indexAdd: (dtype, out, index, indexOffset, src, outer, size, inner, count, dim, op) =>
    issue(() => tsBackend.indexAdd(dtype, host(out), host(index), indexOffset, host(src), outer, size, inner, count, dim, op)),
  gather: (dtype, x, xShape, index, indexShape, dim, out, op) =>
    issue(() => tsBackend.gather(dtype, host(x), xShape, host(index), indexShape, dim, host(out), op)),
  scatterAdd: (dtype, out, outShape, index, indexShape, dim, src, op) =>
    issue(() => tsBackend.scatterAdd(dtype, host(out), outShape, host(index), indexShape, dim, host(src), op)),
  indexGather: (dtype, at, out, shape, op) => {
    const A = hostIndexed(at), O = host(out);
    issue(() => tsBackend.indexGather(dtype, A, O, shape, op));
  },
  indexPut: (dtype, at, values, shape, accumulate, op) => {
    const A = hostIndexed(at), V = hostView(values);
    issue(() => tsBackend.indexPut(dtype, A, V, shape, accumulate, op));
  },
  nonzero: (dtype, x, shape, out, count) => {
    const X = hostView(x), O = host(out);
    issue(() => tsBackend.nonzero(dtype, X, shape, O, count));
  },
  scatterReduce: (dtype, out, outShape, index, indexShape, dim, src, reduce, includeSelf, op) =>
    issue(() => tsBackend.scatterReduce(dtype, host(out), outShape, host(index), indexShape, dim, host(src), reduce, includeSelf, op)),
  adam: (dtype, p, g, m, v, vmax, n, step) =>
    issue(() => tsBackend.adam(dtype, host(p), host(g), host(m), host(v), hostOrNull(vmax), n, step)),
  sgd: (dtype, p, g, buf, n, step) => issue(() => tsBackend.sgd(dtype, host(p), host(g), hostOrNull(buf), n, step)),
  rmsprop: (dtype, p, g, sq, gavg, buf, n, step) =>
    issue(() => tsBackend.rmsprop!(dtype, host(p), host(g), host(sq), hostOrNull(gavg), hostOrNull(buf), n, step)),
  adagrad: (dtype, p, g, sum, n, step) => issue(() => tsBackend.adagrad!(dtype, host(p), host(g), host(sum), n, step)),
  adamax: (dtype, p, g, m, u, n, step) => issue(() => tsBackend.adamax!(dtype, host(p), host(g), host(m), host(u), n, step)),
  nadam: (dtype, p, g, m, v, n, step) => issue(() => tsBackend.nadam!(dtype, host(p), host(g), host(m), host(v), n, step)),
  radam: (dtype, p, g, m, v, n, step) => issue(() => tsBackend.radam!(dtype, host(p), host(g), host(m), host(v), n, step)),
};
