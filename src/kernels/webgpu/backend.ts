// The 'webgpu' backend: the Backend interface over one GpuContext. float32, int32 and bool live on the GPU as 32-bit
// words (bool as 0/1); float64 does not exist in WebGPU and is refused. Reads are asynchronous only. Kernels the GPU
// does not have (dense linear algebra) throw DeviceSupportError, which the op layer turns into an error naming the
// op and pointing to the CPU.
import type { DType, TypedArray } from '../../dtype.js';
import { DeviceSupportError, type Backend, type BufferHandle } from '../backend.js';
import { grid1d, main1d, Params, type GpuContext, type GpuHandle, type Kernel } from './context.js';
import { indexGather, indexPut, scatterReduce } from './advanced.js';
import { arange, binary, clamp, copy, fill, ternary, unary, where } from './elementwise.js';
import { gather, indexAdd, indexSelect, scatterAdd } from './indexing.js';
import { matmul } from './matmul.js';
import { norm, variance } from './moments.js';
import { batchNorm, batchNormBackward, layerNorm, layerNormBackward } from './norm.js';
import { adam, sgd } from './optim.js';
import { reduce, softmax } from './reduce.js';
import { gruCell, gruCellBackward, lstmCell, lstmCellBackward } from './recurrent.js';
import { scan } from './scan.js';
import { adaptiveMaxPool2d, avgPool2d, avgPool2dBackward, conv2d, fold, maxPool2d, unfold } from './window.js';

const h = (b: BufferHandle): GpuHandle => b as unknown as GpuHandle;
const handle = (g: GpuHandle): BufferHandle => g as unknown as BufferHandle;

function float64Error(): Error {
  return new Error(
    "float64 is not supported on the 'webgpu' device: WebGPU has no 64-bit floats. Use float32 there " +
      "(x.to('float32').to('webgpu')), or keep float64 work on the CPU.",
  );
}

function checkDType(dtype: DType): void {
  if (dtype === 'float64') throw float64Error();
}

function syncReadError(): Error {
  return new Error(
    "a 'webgpu' tensor can only be read asynchronously (WebGPU reads back with mapAsync): use await x.dataAsync(), " +
      "x.itemAsync() or x.toArrayAsync(), or move it with await x.toAsync('cpu').",
  );
}

/** The words read back as the typed array of `dtype`. */
function typed(words: Uint32Array, dtype: DType): TypedArray {
  if (dtype === 'bool') return Uint8Array.from(words);
  const copy = words.slice();
  return dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer);
}

const unsupported = (kernel: string) => (): never => {
  throw new DeviceSupportError(kernel, 'webgpu');
};

const CHECK: Kernel = {
  key: 'deferCheck',
  access: ['r', 'r'],
  errors: true,
  wgsl: ([M, V]) => `${main1d('P[1]')}
  if (${M}[P[2] + i] != 0u) { fail(4u, i, ${V}[P[3] + i]); }
}`,
};

/**
 * The Backend of one WebGPU device.
 *
 * @example
 * ```ts
 * registerBackend(makeWebgpuBackend(ctx));
 * ```
 */
export function makeWebgpuBackend(ctx: GpuContext): Backend {
  return {
    name: 'webgpu',
    device: 'webgpu',
    readsAsyncOnly: true,
    alloc(dtype, n) {
      checkDType(dtype);
      return handle(ctx.alloc(n));
    },
    fromHost(data) {
      if (data instanceof Float64Array) throw float64Error();
      const words = data instanceof Uint8Array ? Uint32Array.from(data, (v) => (v !== 0 ? 1 : 0)) : data;
      const { handle: g } = ctx.allocRaw(words.length);
      ctx.write(g, words);
      return handle(g);
    },
    read: () => {
      throw syncReadError();
    },
    readScalar: () => {
      throw syncReadError();
    },
    async readAsync(buffer, dtype, offset, n) {
      return typed(await ctx.read(h(buffer), offset, n), dtype);
    },
    deferCheck(mask, maskOffset, values, valuesOffset, n, report) {
      if (n === 0) return;
      ctx.dispatch(CHECK, [h(mask), h(values)], new Params().u(n).u(maskOffset).u(valuesOffset), grid1d(n), (i, v) => report(i, v | 0));
    },
    unary: (op, dtype, x, offset, out, n) => unary(ctx, op, dtype, h(x), offset, h(out), n),
    binary: (op, dtype, a, b, out, shape) => binary(ctx, op, dtype, a, b, h(out), shape),
    where: (_dtype, cond, a, b, out, shape) => where(ctx, cond, a, b, h(out), shape),
    clamp: (dtype, x, offset, out, n, lo, hi) => clamp(ctx, dtype, h(x), offset, h(out), n, lo, hi),
    copy: (src, from, dst, to, shape) => copy(ctx, src, from, dst, to, shape),
    fill: (dtype, dst, shape, value) => fill(ctx, dtype, dst, shape, value),
    arange: (dtype, out, n, start, step) => arange(ctx, dtype, h(out), n, start, step),
    reduce: (op, dtype, x, offset, out, outer, r, inner) => reduce(ctx, op, dtype, h(x), offset, h(out), outer, r, inner),
    softmax: (_dtype, x, offset, out, outer, r, inner, log) => softmax(ctx, h(x), offset, h(out), outer, r, inner, log),
    matmul: (_dtype, a, b, out, batch, m, n, k) => matmul(ctx, a, b, h(out), batch, m, n, k),
    unfold: (_dtype, x, offset, out, blocks, g) => unfold(ctx, h(x), offset, h(out), blocks, g),
    fold: (_dtype, cols, offset, out, blocks, g) => fold(ctx, h(cols), offset, h(out), blocks, g),
    conv2d: (_dtype, x, w, out, n, c, o, g, columns) => conv2d(ctx, h(x), h(w), h(out), n, c, o, g, columns === null ? null : h(columns)),
    maxPool2d: (_dtype, x, out, indices, planes, g) => maxPool2d(ctx, h(x), h(out), h(indices), planes, g),
    ternary: (op, dtype, a, b, c, out, shape, s) => ternary(ctx, op, dtype, a, b, c, h(out), shape, s),
    avgPool2d: (_dtype, x, out, planes, g, includePad, divisor) => avgPool2d(ctx, h(x), h(out), planes, g, includePad, divisor),
    avgPool2dBackward: (_dtype, grad, out, planes, g, includePad, divisor) => avgPool2dBackward(ctx, h(grad), h(out), planes, g, includePad, divisor),
    adaptiveMaxPool2d: (_dtype, x, indices, planes, hh, w, oh, ow) => adaptiveMaxPool2d(ctx, h(x), h(indices), planes, hh, w, oh, ow),
    layerNorm: (_dtype, x, w, b, out, mean, rstd, rows, m, eps) =>
      layerNorm(ctx, h(x), w === null ? null : h(w), b === null ? null : h(b), h(out), h(mean), h(rstd), rows, m, eps),
    layerNormBackward: (_dtype, g, x, mean, rstd, w, out, mask, rows, m) =>
      layerNormBackward(ctx, h(g), h(x), h(mean), h(rstd), w === null ? null : h(w), h(out), mask, rows, m),
    batchNorm: (_dtype, x, w, b, out, mean, invstd, n, c, s, st) =>
      batchNorm(ctx, h(x), w === null ? null : h(w), b === null ? null : h(b), h(out), h(mean), h(invstd), n, c, s, {
        training: st.training, runningMean: st.runningMean === null ? null : h(st.runningMean), runningVar: st.runningVar === null ? null : h(st.runningVar),
        momentum: st.momentum, eps: st.eps,
      }),
    batchNormBackward: (_dtype, g, x, mean, invstd, w, out, mask, n, c, s, training) =>
      batchNormBackward(ctx, h(g), h(x), h(mean), h(invstd), w === null ? null : h(w), h(out), mask, n, c, s, training),
    variance: (_dtype, x, offset, out, mean, outer, r, inner, correction) =>
      variance(ctx, h(x), offset, h(out), mean === null ? null : h(mean), outer, r, inner, correction),
    norm: (_dtype, x, offset, out, outer, r, inner, p) => norm(ctx, h(x), offset, h(out), outer, r, inner, p),
    scan: (op, dtype, x, offset, out, outer, r, inner) => scan(ctx, op, dtype, h(x), offset, h(out), outer, r, inner),
    sort: unsupported('sort'),
    select: unsupported('select'),
    unique: unsupported('unique'),
    lstmCell: (_dtype, gates, c, out, rows, hh) => lstmCell(ctx, h(gates), h(c), h(out), rows, hh),
    lstmCellBackward: (_dtype, grad, gates, c, out, rows, hh) => lstmCellBackward(ctx, h(grad), h(gates), h(c), h(out), rows, hh),
    gruCell: (_dtype, gi, gh, hp, out, rows, hh) => gruCell(ctx, h(gi), h(gh), h(hp), h(out), rows, hh),
    gruCellBackward: (_dtype, grad, gi, gh, hp, out, rows, hh) => gruCellBackward(ctx, h(grad), h(gi), h(gh), h(hp), h(out), rows, hh),
    indexGather: (_dtype, at, out, shape, op) => indexGather(ctx, at, h(out), shape, op),
    indexPut: (dtype, at, values, shape, accumulate, op) => indexPut(ctx, dtype, at, values, shape, accumulate, op),
    nonzero: unsupported('nonzero'),
    scatterReduce: (dtype, out, outShape, index, indexShape, dim, src, reduce, includeSelf, op) =>
      scatterReduce(ctx, dtype, h(out), outShape, h(index), indexShape, dim, h(src), reduce, includeSelf, op),
    luFactor: unsupported('luFactor'),
    luSolve: unsupported('luSolve'),
    luDet: unsupported('luDet'),
    triangularSolve: unsupported('triangularSolve'),
    cholesky: unsupported('cholesky'),
    qr: unsupported('qr'),
    eigh: unsupported('eigh'),
    cofactor: unsupported('cofactor'),
    indexSelect: (_dtype, x, offset, index, indexOffset, out, outer, size, inner, count, dim, op) =>
      indexSelect(ctx, h(x), offset, h(index), indexOffset, h(out), outer, size, inner, count, dim, op),
    indexAdd: (dtype, out, index, indexOffset, src, outer, size, inner, count, dim, op) =>
      indexAdd(ctx, dtype, h(out), h(index), indexOffset, h(src), outer, size, inner, count, dim, op),
    gather: (_dtype, x, xShape, index, indexShape, dim, out, op) => gather(ctx, h(x), xShape, h(index), indexShape, dim, h(out), op),
    scatterAdd: (dtype, out, outShape, index, indexShape, dim, src, op) =>
      scatterAdd(ctx, dtype, h(out), outShape, h(index), indexShape, dim, h(src), op),
    adam: (_dtype, p, g, m, v, vmax, n, step) => adam(ctx, h(p), h(g), h(m), h(v), vmax === null ? null : h(vmax), n, step),
    sgd: (_dtype, p, g, buf, n, step) => sgd(ctx, h(p), h(g), buf === null ? null : h(buf), n, step),
  };
}
