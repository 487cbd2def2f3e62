import type { DType } from '../../dtype.js';
import type { BatchNormStats, BufferHandle, NormMask } from '../backend.js';
import { arrayOf } from '../cpu/memory.js';
import { tsBackend } from '../ts/index.js';
import { padded } from './arena.js';
import { stage } from './stage.js';
import { wasmTuning } from './tuning.js';

const f32 = (h: BufferHandle): Float32Array => arrayOf(h) as Float32Array;
const bits = (mask: NormMask): number => (mask[0] ? 1 : 0) | (mask[1] ? 2 : 0) | (mask[2] ? 4 : 0);
const packedLength = (mask: NormMask, n: number, affine: number): number => (mask[0] ? n : 0) + (mask[1] ? affine : 0) + (mask[2] ? affine : 0);

/**
 * LayerNorm forward of float32 `[rows, m]` in wasm (SIMD, float64 statistics); other dtypes and small inputs run
 * the TS kernel.
 *
 * @example
 * ```ts
 * layerNorm('float32', x, w, b, out, mean, rstd, 64, 256, 1e-5);
 * ```
 */
export function layerNorm(dtype: DType, x: BufferHandle, w: BufferHandle | null, b: BufferHandle | null, out: BufferHandle,
  mean: BufferHandle, rstd: BufferHandle, rows: number, m: number, eps: number): void {
  const n = rows * m;
  const got = dtype !== 'float32' || n < wasmTuning.minReduce ? null
    : stage(false, () => 2 * padded(n * 4) + 2 * padded(m * 4) + 2 * padded(rows * 4));
  if (!got) {
    tsBackend.layerNorm(dtype, x, w, b, out, mean, rstd, rows, m, eps);
    return;
  }
  const { ar } = got;
  const px = ar.put(f32(x).subarray(0, n)), pw = w === null ? 0 : ar.put(f32(w).subarray(0, m)), pb = b === null ? 0 : ar.put(f32(b).subarray(0, m));
  const po = ar.alloc(n * 4), pm = ar.alloc(rows * 4), pr = ar.alloc(rows * 4);
  ar.ex.layerNorm(px, pw, pb, po, pm, pr, rows, m, eps);
  ar.get(po, f32(out), n);
  ar.get(pm, f32(mean), rows);
  ar.get(pr, f32(rstd), rows);
}

/**
 * LayerNorm backward of float32 `[rows, m]` in wasm into the packed `out` (see `Backend.layerNormBackward`).
 *
 * @example
 * ```ts
 * layerNormBackward('float32', g, x, mean, rstd, w, out, [true, true, true], 64, 256);
 * ```
 */
export function layerNormBackward(dtype: DType, g: BufferHandle, x: BufferHandle, mean: BufferHandle, rstd: BufferHandle, w: BufferHandle | null,
  out: BufferHandle, mask: NormMask, rows: number, m: number): void {
  const n = rows * m, len = packedLength(mask, n, m);
  const got = dtype !== 'float32' || n < wasmTuning.minReduce ? null
    : stage(false, () => 2 * padded(n * 4) + padded(len * 4) + padded(m * 4) + 2 * padded(rows * 4) + padded(m * 16));
  if (!got) {
    tsBackend.layerNormBackward(dtype, g, x, mean, rstd, w, out, mask, rows, m);
    return;
  }
  const { ar } = got;
  const pg = ar.put(f32(g).subarray(0, n)), px = ar.put(f32(x).subarray(0, n));
  const pm = ar.put(f32(mean).subarray(0, rows)), pr = ar.put(f32(rstd).subarray(0, rows));
  const pw = w === null ? 0 : ar.put(f32(w).subarray(0, m));
  const po = ar.alloc(len * 4), ps = ar.alloc(m * 16);
  ar.ex.layerNormBackward(pg, px, pm, pr, pw, po, bits(mask), rows, m, ps);
  ar.get(po, f32(out), len);
}

/**
 * BatchNorm forward of float32 `[n, c, s]` in wasm (see `Backend.batchNorm`); running statistics are updated in place.
 *
 * @example
 * ```ts
 * batchNorm('float32', x, w, b, out, mean, invstd, 8, 16, 64, { training: true, runningMean, runningVar, momentum: 0.1, eps: 1e-5 });
 * ```
 */
export function batchNorm(dtype: DType, x: BufferHandle, w: BufferHandle | null, b: BufferHandle | null, out: BufferHandle,
  mean: BufferHandle, invstd: BufferHandle, n: number, c: number, s: number, stats: BatchNormStats): void {
  const total = n * c * s;
  const got = dtype !== 'float32' || total < wasmTuning.minReduce ? null : stage(false, () => 2 * padded(total * 4) + 6 * padded(c * 4));
  if (!got) {
    tsBackend.batchNorm(dtype, x, w, b, out, mean, invstd, n, c, s, stats);
    return;
  }
  const { ar } = got;
  const put = (h: BufferHandle | null): number => (h === null ? 0 : ar.put(f32(h).subarray(0, c)));
  const px = ar.put(f32(x).subarray(0, total)), pw = put(w), pb = put(b), prm = put(stats.runningMean), prv = put(stats.runningVar);
  const po = ar.alloc(total * 4), pm = ar.alloc(c * 4), pi = ar.alloc(c * 4);
  ar.ex.batchNorm(px, pw, pb, po, pm, pi, n, c, s, stats.training ? 1 : 0, prm, prv, stats.momentum, stats.eps);
  ar.get(po, f32(out), total);
  ar.get(pm, f32(mean), c);
  ar.get(pi, f32(invstd), c);
  if (stats.training && stats.runningMean !== null) ar.get(prm, f32(stats.runningMean), c);
  if (stats.training && stats.runningVar !== null) ar.get(prv, f32(stats.runningVar), c);
}

/**
 * BatchNorm backward of float32 `[n, c, s]` in wasm into the packed `out` (see `Backend.batchNormBackward`).
 *
 * @example
 * ```ts
 * batchNormBackward('float32', g, x, mean, invstd, w, out, [true, true, true], 8, 16, 64, true);
 * ```
 */
export function batchNormBackward(dtype: DType, g: BufferHandle, x: BufferHandle, mean: BufferHandle, invstd: BufferHandle, w: BufferHandle | null,
  out: BufferHandle, mask: NormMask, n: number, c: number, s: number, training: boolean): void {
  const total = n * c * s, len = packedLength(mask, total, c);
  const got = dtype !== 'float32' || total < wasmTuning.minReduce ? null
    : stage(false, () => 2 * padded(total * 4) + padded(len * 4) + 3 * padded(c * 4));
  if (!got) {
    tsBackend.batchNormBackward(dtype, g, x, mean, invstd, w, out, mask, n, c, s, training);
    return;
  }
  const { ar } = got;
  const pg = ar.put(f32(g).subarray(0, total)), px = ar.put(f32(x).subarray(0, total));
  const pm = ar.put(f32(mean).subarray(0, c)), pi = ar.put(f32(invstd).subarray(0, c)), pw = w === null ? 0 : ar.put(f32(w).subarray(0, c));
  const po = ar.alloc(len * 4);
  ar.ex.batchNormBackward(pg, px, pm, pi, pw, po, bits(mask), n, c, s, training ? 1 : 0);
  ar.get(po, f32(out), len);
}
