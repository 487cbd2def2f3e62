import type { DType } from '../../dtype.js';
import type { BufferHandle } from '../backend.js';
import { SCAN_KERNELS, type ScanKernel } from '../catalog.js';
import { arrayOf } from '../cpu/memory.js';
import { tsBackend } from '../ts/index.js';
import { padded } from './arena.js';
import { stage } from './stage.js';
import { wasmTuning } from './tuning.js';

/**
 * Variance of float32 `[outer, r, inner]` along the middle axis in wasm (two passes in float64, SIMD); other
 * dtypes, r = 0 and small inputs run the TS kernel.
 *
 * @example
 * ```ts
 * variance('float32', x, 0, out, null, 64, 128, 1, 1);
 * ```
 */
export function variance(dtype: DType, x: BufferHandle, offset: number, out: BufferHandle, mean: BufferHandle | null, outer: number,
  r: number, inner: number, correction: number): void {
  const n = outer * r * inner, m = outer * inner;
  const scratch = inner === 1 ? 0 : 3 * 8 * (inner + 4);
  const got = dtype !== 'float32' || r === 0 || n < wasmTuning.minReduce
    ? null : stage(false, () => padded(n * 4) + 2 * padded(m * 4) + padded(scratch));
  if (!got) {
    tsBackend.variance(dtype, x, offset, out, mean, outer, r, inner, correction);
    return;
  }
  const { ar } = got;
  const px = ar.put((arrayOf(x) as Float32Array).subarray(offset, offset + n)), po = ar.alloc(m * 4);
  const pm = mean === null ? 0 : ar.alloc(m * 4), ps = ar.alloc(scratch);
  ar.ex.variance(px, po, pm, outer, r, inner, correction, ps);
  ar.get(po, arrayOf(out) as Float32Array, m);
  if (mean !== null) ar.get(pm, arrayOf(mean) as Float32Array, m);
}

/**
 * An inclusive scan along the middle axis: float32 cumsum over columns (inner > 1) in wasm, bit for bit the TS
 * kernel's result; every other case runs the TS kernel (a running sum along a row is one chain of dependent
 * additions, which SIMD cannot shorten, and the TS kernel runs four rows side by side).
 *
 * @example
 * ```ts
 * scan('cumsum', 'float32', x, 0, out, 1, 1000, 1000);
 * ```
 */
export function scan(op: ScanKernel, dtype: DType, x: BufferHandle, offset: number, out: BufferHandle, outer: number, r: number,
  inner: number): void {
  const n = outer * r * inner;
  const got = !SCAN_KERNELS[op].wasm || dtype !== 'float32' || inner === 1 || n < wasmTuning.minReduce
    ? null : stage(false, () => 2 * padded(n * 4) + padded(8 * (inner + 4)));
  if (!got) {
    tsBackend.scan(op, dtype, x, offset, out, outer, r, inner);
    return;
  }
  const { ar } = got;
  const px = ar.put((arrayOf(x) as Float32Array).subarray(offset, offset + n)), po = ar.alloc(n * 4), ps = ar.alloc(8 * (inner + 4));
  ar.ex.cumsumColumns(px, po, outer, r, inner, ps);
  ar.get(po, arrayOf(out) as Float32Array, n);
}
