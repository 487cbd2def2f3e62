import type { DType } from '../../dtype.js';
import type { BufferHandle, ConvGeometry } from '../backend.js';
import { arrayOf } from '../cpu/memory.js';
import { tsBackend } from '../ts/index.js';
import { windowIndex } from '../ts/window.js';
import { padded } from './arena.js';
import { getArena } from './load.js';
import { stage } from './stage.js';
import { wasmTuning } from './tuning.js';

// Runs of consecutive input indices (or of padding) in unfold's window maps, as (r, i, n) triples, for each
// map seen: maps are cached per geometry (`windowIndex`), so each is scanned once.
const windowRuns = new WeakMap<Int32Array, Int32Array>();

function runsOf(index: Int32Array, len: number): Int32Array {
  let runs = windowRuns.get(index);
  if (runs === undefined) {
    const triples: number[] = [];
    for (let r = 0; r < len;) {
      const i = index[r]!;
      let n = 1;
      while (r + n < len && (i < 0 ? index[r + n]! < 0 : index[r + n] === i + n)) n++;
      triples.push(r, i < 0 ? -1 : i, n);
      r += n;
    }
    runs = Int32Array.from(triples);
    windowRuns.set(index, runs);
  }
  return runs;
}

// unfold and fold: one kernel each, chosen by `fold`. unfold copies runs of consecutive elements when the
// window map has them (on average at least 4 elements a run), else gathers element by element.
function slidingWindow(fold: boolean, dtype: DType, x: BufferHandle, offset: number, out: BufferHandle, blocks: number, g: ConvGeometry): void {
  const plane = g.h * g.w, len = g.kh * g.kw * g.oh * g.ow;
  const inN = blocks * (fold ? len : plane), outN = blocks * (fold ? plane : len);
  const got = dtype !== 'float32' || outN < wasmTuning.minSimple
    ? null : stage(false, () => padded(inN * 4) + padded(len * 4) + padded(outN * 4));
  if (!got) {
    if (fold) tsBackend.fold(dtype, x, offset, out, blocks, g);
    else tsBackend.unfold(dtype, x, offset, out, blocks, g);
    return;
  }
  const { ar } = got;
  const index = windowIndex(g);
  const runs = fold ? null : runsOf(index, len);
  const px = ar.put((arrayOf(x) as Float32Array).subarray(offset, offset + inN));
  if (runs !== null && runs.length * 4 <= len * 3) {
    // The runs take 12 bytes each, no more than the 4 per element of the map they replace.
    const pr = ar.put(runs), po = ar.alloc(outN * 4);
    ar.ex.unfoldRuns(px, pr, runs.length / 3, po, blocks, plane, len);
    ar.get(po, arrayOf(out) as Float32Array, outN);
  } else {
    const pi = ar.put(index), po = ar.alloc(outN * 4);
    if (fold) ar.ex.fold(px, pi, po, blocks, plane, len);
    else ar.ex.unfold(px, pi, po, blocks, plane, len);
    ar.get(po, arrayOf(out) as Float32Array, outN);
  }
}

/**
 * im2col of float32 planes in wasm. @example `unfold('float32', x, 0, out, n * c, geometry)`
 */
export function unfold(dtype: DType, x: BufferHandle, offset: number, out: BufferHandle, blocks: number, g: ConvGeometry): void {
  slidingWindow(false, dtype, x, offset, out, blocks, g);
}

/**
 * col2im of float32 columns in wasm. @example `fold('float32', cols, 0, out, n * c, geometry)`
 */
export function fold(dtype: DType, cols: BufferHandle, offset: number, out: BufferHandle, blocks: number, g: ConvGeometry): void {
  slidingWindow(true, dtype, cols, offset, out, blocks, g);
}

/**
 * Convolutions with at most this many multiply-adds per output element (C·kh·kw) and stride and dilation 1 run
 * the direct kernel: for few taps, packing for the matrix product costs more than the product (at C·kh·kw = 25,
 * the MNIST-sized first layer with batch 32, the kernels alone take 0.7 ms against 1.3–1.6 ms for im2col +
 * matmul); for many, the blocked matmul's register tiling wins.
 */
const DIRECT_CONV_MAX_TAPS = 64;

/**
 * float32 2-d convolution in wasm: the direct kernel for few taps and unit stride when the columns are not
 * wanted, else im2col + blocked matmul image by image (keeping every image's columns when `columns` is given).
 *
 * @example
 * ```ts
 * conv2d('float32', x, w, out, 32, 1, 8, geometry, null);
 * ```
 */
export function conv2d(dtype: DType, xh: BufferHandle, wh: BufferHandle, outh: BufferHandle, n: number, c: number, o: number, g: ConvGeometry,
  columns: BufferHandle | null): void {
  const plane = g.h * g.w, kk = g.kh * g.kw, len = g.oh * g.ow, ck = c * kk, ar = getArena();
  const direct = columns === null && g.sh === 1 && g.sw === 1 && g.dh === 1 && g.dw === 1 && ck <= DIRECT_CONV_MAX_TAPS;
  const colsN = columns === null ? ck * len : n * ck * len;
  const scratch = ar && !direct ? Math.ceil(ar.ex.matmulScratchBytes(len) / 64) * 64 : 0;
  const work = direct ? 0 : padded(kk * len * 4) + padded(colsN * 4) + padded(scratch);
  if (!ar || dtype !== 'float32' || n * o * len * ck < wasmTuning.minMatmul ||
    !ar.begin(padded(n * c * plane * 4) + padded(o * ck * 4) + padded(n * o * len * 4) + work)) {
    tsBackend.conv2d(dtype, xh, wh, outh, n, c, o, g, columns);
    return;
  }
  const px = ar.put((arrayOf(xh) as Float32Array).subarray(0, n * c * plane));
  const pw = ar.put((arrayOf(wh) as Float32Array).subarray(0, o * ck));
  const po = ar.alloc(n * o * len * 4);
  if (direct) {
    ar.ex.conv2dDirect(px, pw, po, n, c, g.h, g.w, o, g.kh, g.kw, g.ph, g.pw, g.oh, g.ow);
  } else {
    const pi = ar.put(windowIndex(g)), pc = ar.alloc(colsN * 4), ps = ar.alloc(scratch);
    ar.ex.conv2d(px, pw, po, n, c, plane, o, kk, len, pi, pc, columns === null ? 0 : 1, ps);
    if (columns !== null) ar.get(pc, arrayOf(columns) as Float32Array, colsN);
  }
  ar.get(po, arrayOf(outh) as Float32Array, n * o * len);
}

/**
 * float32 2-d max pooling in wasm, with the argmax positions.
 *
 * @example
 * ```ts
 * maxPool2d('float32', x, out, indices, n * c, geometry);
 * ```
 */
export function maxPool2d(dtype: DType, xh: BufferHandle, outh: BufferHandle, indicesh: BufferHandle, planes: number, g: ConvGeometry): void {
  const plane = g.h * g.w, kk = g.kh * g.kw, len = g.oh * g.ow;
  const got = dtype !== 'float32' || planes * plane < wasmTuning.minReduce
    ? null : stage(false, () => padded(planes * plane * 4) + padded(kk * len * 4) + 2 * padded(planes * len * 4));
  if (!got) {
    tsBackend.maxPool2d(dtype, xh, outh, indicesh, planes, g);
    return;
  }
  const { ar } = got;
  const px = ar.put((arrayOf(xh) as Float32Array).subarray(0, planes * plane)), pi = ar.put(windowIndex(g));
  const po = ar.alloc(planes * len * 4), pa = ar.alloc(planes * len * 4);
  ar.ex.maxPool2d(px, pi, po, pa, planes, plane, kk, len);
  ar.get(po, arrayOf(outh) as Float32Array, planes * len);
  ar.get(pa, arrayOf(indicesh) as Int32Array, planes * len);
}
