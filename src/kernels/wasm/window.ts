import type { DType } from '../../dtype.js';
import type { BufferHandle, ConvGeometry } from '../backend.js';
import { arrayOf } from '../cpu/memory.js';
import { tsBackend } from '../ts/index.js';
import { windowIndex } from '../ts/window.js';
import { padded } from './arena.js';
import { getArena } from './load.js';
import { stage } from './stage.js';
import { wasmTuning } from './tuning.js';
import { kernelCode } from '../catalog.js';

const K_CONV2D = kernelCode('job', 'conv2d'), K_CONV2D_DIRECT = kernelCode('job', 'conv2dDirect');
const K_CONV2D_WIDE = kernelCode('job', 'conv2dWide');

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
 * Past DIRECT_CONV_MAX_TAPS, a unit-stride convolution with at most this many outputs per plane and kernel rows of at
 * least WIDE_CONV_MIN_ROW taps runs `conv2dWide` (dot products along kernel rows) instead of im2col + matmul, whose
 * columns would repeat the input once per output for a product of a handful of columns: the weight gradient of an
 * early layer as a convolution (B9's first layer: 64 images ⋆ 6 filters of 28 × 28 taps, 5 × 5 outputs, 1.9 ms on
 * im2col + matmul, 0.6 ms here on one thread).
 */
const WIDE_CONV_MAX_OUTPUTS = 64;
const WIDE_CONV_MIN_ROW = 8;

/**
 * float32 2-d convolution in wasm: the direct kernel for few taps and unit stride when the columns are not
 * wanted, else im2col + blocked matmul image by image (keeping every image's columns when `columns` is given).
 * With threads on and at least `wasmTuning.parallelMatmul` multiply-adds, the images are split over the pool.
 *
 * @example
 * ```ts
 * conv2d('float32', x, w, out, 32, 1, 8, geometry, null);
 * ```
 */
export function conv2d(dtype: DType, xh: BufferHandle, wh: BufferHandle, outh: BufferHandle, n: number, c: number, o: number, g: ConvGeometry,
  columns: BufferHandle | null): void {
  const plane = g.h * g.w, kk = g.kh * g.kw, len = g.oh * g.ow, ck = c * kk, priv = getArena();
  const unit = columns === null && g.sh === 1 && g.sw === 1 && g.dh === 1 && g.dw === 1;
  const direct = unit && ck <= DIRECT_CONV_MAX_TAPS;
  const macs = n * o * len * ck;
  if (!priv || dtype !== 'float32' || macs < wasmTuning.minMatmul) {
    tsBackend.conv2d(dtype, xh, wh, outh, n, c, o, g, columns);
    return;
  }
  if (unit && !direct && len <= WIDE_CONV_MAX_OUTPUTS && g.kw >= WIDE_CONV_MIN_ROW && conv2dWideWasm(xh, wh, outh, n, c, o, g)) return;
  // Without kept columns, each thread unfolds one image at a time into the start of its scratch slot.
  const colBytes = Math.ceil((ck * len * 4) / 64) * 64;
  const gemm = direct ? 0 : Math.ceil(priv.ex.matmulScratchBytes(len) / 64) * 64;
  const slot = direct ? 0 : gemm + (columns === null ? colBytes + 64 : 0);
  // The direct kernel sums the outputs near a padded border one at a time; on a zero-padded copy of the input every
  // output is inside, in runs of 16 (and zeros times a weight add nothing, as in im2col's columns).
  const padIn = direct && (g.ph > 0 || g.pw > 0);
  const hp = g.h + 2 * g.ph, wp = g.w + 2 * g.pw;
  const got = stage(n > 1 && macs >= wasmTuning.parallelMatmul, (slots) => padded(n * c * plane * 4) + padded(o * ck * 4) + padded(n * o * len * 4) +
    (padIn ? padded(n * c * hp * wp * 4) : 0) +
    (direct ? 0 : padded(kk * len * 4) + (columns === null ? 0 : padded(n * ck * len * 4)) + padded(slots * slot)));
  if (!got) {
    tsBackend.conv2d(dtype, xh, wh, outh, n, c, o, g, columns);
    return;
  }
  const { ar, pool } = got;
  let px = ar.put((arrayOf(xh) as Float32Array).subarray(0, n * c * plane));
  const [dh, dw, dph, dpw] = padIn ? [hp, wp, 0, 0] : [g.h, g.w, g.ph, g.pw];
  if (padIn) {
    const pp = ar.alloc(n * c * hp * wp * 4);
    ar.ex.padPlanes(px, pp, n * c, g.h, g.w, g.ph, g.pw, hp, wp);
    px = pp;
  }
  const pw = ar.put((arrayOf(wh) as Float32Array).subarray(0, o * ck));
  const po = ar.alloc(n * o * len * 4);
  const pi = direct ? 0 : ar.put(windowIndex(g));
  const pc = direct || columns === null ? 0 : ar.alloc(n * ck * len * 4);
  const ps = direct ? 0 : ar.alloc((pool ? pool.slots : 1) * slot);
  if (pool) {
    const jobs = Math.min(n, pool.threads * 4), per = Math.ceil(n / jobs);
    if (direct) pool.run(K_CONV2D_DIRECT, Math.ceil(n / per), [px, pw, po, n, c, dh, dw, o, g.kh, g.kw, dph, dpw, g.oh, g.ow, per]);
    else pool.run(K_CONV2D, Math.ceil(n / per), [px, pw, po, n, c, plane, o, kk, len, pi, pc, colBytes + 64, per], ps, slot);
  } else if (direct) {
    ar.ex.conv2dDirect(px, pw, po, n, c, dh, dw, o, g.kh, g.kw, dph, dpw, g.oh, g.ow);
  } else {
    ar.ex.conv2d(px, pw, po, n, c, plane, o, kk, len, pi, pc === 0 ? ps : pc, columns === null ? 0 : 1, pc === 0 ? ps + colBytes + 64 : ps);
  }
  if (columns !== null) ar.get(pc, arrayOf(columns) as Float32Array, n * ck * len);
  ar.get(po, arrayOf(outh) as Float32Array, n * o * len);
}

// The wide-kernel convolution (see WIDE_CONV_MAX_OUTPUTS): the input planes padded in wasm, then the output planes
// split over the pool. False when memory cannot hold the operands.
function conv2dWideWasm(xh: BufferHandle, wh: BufferHandle, outh: BufferHandle, n: number, c: number, o: number, g: ConvGeometry): boolean {
  const plane = g.h * g.w, hp = g.h + 2 * g.ph, wp = g.w + 2 * g.pw + 3, units = n * o, ck = c * g.kh * g.kw;
  const padBytes = n * c * hp * wp * 4;
  const got = stage(units > 1 && units * g.oh * g.ow * ck >= wasmTuning.parallelMatmul,
    () => padded(n * c * plane * 4) + padded(padBytes) + padded(o * ck * 4) + padded(units * g.oh * g.ow * 4));
  if (!got) return false;
  const { ar, pool } = got;
  const px = ar.put((arrayOf(xh) as Float32Array).subarray(0, n * c * plane));
  const pp = ar.alloc(padBytes);
  const pw = ar.put((arrayOf(wh) as Float32Array).subarray(0, o * ck));
  const po = ar.alloc(units * g.oh * g.ow * 4);
  ar.ex.padPlanes(px, pp, n * c, g.h, g.w, g.ph, g.pw, hp, wp);
  if (pool) {
    // Planes cost the same: one run per thread.
    const per = Math.ceil(units / pool.threads);
    pool.run(K_CONV2D_WIDE, Math.ceil(units / per), [pp, pw, po, c, hp, wp, o, g.kh, g.kw, g.oh, g.ow, units, per]);
  } else {
    ar.ex.conv2dWide(pp, pw, po, c, hp, wp, o, g.kh, g.kw, g.oh, g.ow, 0, units);
  }
  ar.get(po, arrayOf(outh) as Float32Array, units * g.oh * g.ow);
  return true;
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
  // The usual 2 × 2 window with stride 2 needs no window map (maxPool2x2 scans four outputs at a time).
  const pairs = g.kh === 2 && g.kw === 2 && g.sh === 2 && g.sw === 2 && g.ph === 0 && g.pw === 0 && g.dh === 1 && g.dw === 1;
  const px = ar.put((arrayOf(xh) as Float32Array).subarray(0, planes * plane)), pi = pairs ? 0 : ar.put(windowIndex(g));
  const po = ar.alloc(planes * len * 4), pa = ar.alloc(planes * len * 4);
  if (pairs) ar.ex.maxPool2x2(px, po, pa, planes, g.h, g.w, g.oh, g.ow);
  else ar.ex.maxPool2d(px, pi, po, pa, planes, plane, kk, len);
  ar.get(po, arrayOf(outh) as Float32Array, planes * len);
  ar.get(pa, arrayOf(indicesh) as Int32Array, planes * len);
}
