import type { DType } from '../../dtype.js';
import type { BufferHandle } from '../backend.js';
import { arrayOf } from '../cpu/memory.js';
import { tsBackend } from '../ts/index.js';
import { padded } from './arena.js';
import { stage } from './stage.js';
import { wasmTuning } from './tuning.js';

// The fused LSTM and GRU cells in wasm (assembly/recurrent.ts): float32 rows four lanes at a time, with the
// vectorised sigmoid and tanh of the unary kernels. float64 and inputs below `wasmTuning.minCostly` state
// elements run the TS kernels.

const f32 = (h: BufferHandle, n: number): Float32Array => (arrayOf(h) as Float32Array).subarray(0, n);

/**
 * float32 LSTM cell forward in wasm (see `Backend.lstmCell`).
 *
 * @example
 * ```ts
 * lstmCell('float32', gates, c, out, 4, 128);
 * ```
 */
export function lstmCell(dtype: DType, gates: BufferHandle, c: BufferHandle, out: BufferHandle, rows: number, h: number): void {
  const n = rows * h;
  const got = dtype !== 'float32' || n < wasmTuning.minCostly ? null : stage(false, () => padded(16 * n) + padded(4 * n) + padded(8 * n));
  if (!got) {
    tsBackend.lstmCell(dtype, gates, c, out, rows, h);
    return;
  }
  const { ar } = got;
  const pg = ar.put(f32(gates, 4 * n)), pc = ar.put(f32(c, n)), po = ar.alloc(8 * n);
  ar.ex.lstmCell(pg, pc, po, rows, h);
  ar.get(po, arrayOf(out) as Float32Array, 2 * n);
}

/**
 * float32 LSTM cell backward in wasm (see `Backend.lstmCellBackward`).
 *
 * @example
 * ```ts
 * lstmCellBackward('float32', grad, gates, c, out, 4, 128);
 * ```
 */
export function lstmCellBackward(dtype: DType, grad: BufferHandle, gates: BufferHandle, c: BufferHandle, out: BufferHandle, rows: number,
  h: number): void {
  const n = rows * h;
  const got = dtype !== 'float32' || n < wasmTuning.minCostly ? null
    : stage(false, () => padded(8 * n) + padded(16 * n) + padded(4 * n) + padded(20 * n));
  if (!got) {
    tsBackend.lstmCellBackward(dtype, grad, gates, c, out, rows, h);
    return;
  }
  const { ar } = got;
  const pd = ar.put(f32(grad, 2 * n)), pg = ar.put(f32(gates, 4 * n)), pc = ar.put(f32(c, n)), po = ar.alloc(20 * n);
  ar.ex.lstmCellBackward(pd, pg, pc, po, rows, h);
  ar.get(po, arrayOf(out) as Float32Array, 5 * n);
}

/**
 * float32 GRU cell forward in wasm (see `Backend.gruCell`).
 *
 * @example
 * ```ts
 * gruCell('float32', gi, gh, h, out, 4, 128);
 * ```
 */
export function gruCell(dtype: DType, gi: BufferHandle, gh: BufferHandle, hp: BufferHandle, out: BufferHandle, rows: number, hidden: number): void {
  const n = rows * hidden;
  const got = dtype !== 'float32' || n < wasmTuning.minCostly ? null : stage(false, () => 2 * padded(12 * n) + 2 * padded(4 * n));
  if (!got) {
    tsBackend.gruCell(dtype, gi, gh, hp, out, rows, hidden);
    return;
  }
  const { ar } = got;
  const pa = ar.put(f32(gi, 3 * n)), pb = ar.put(f32(gh, 3 * n)), ph = ar.put(f32(hp, n)), po = ar.alloc(4 * n);
  ar.ex.gruCell(pa, pb, ph, po, rows, hidden);
  ar.get(po, arrayOf(out) as Float32Array, n);
}

/**
 * float32 GRU cell backward in wasm (see `Backend.gruCellBackward`).
 *
 * @example
 * ```ts
 * gruCellBackward('float32', grad, gi, gh, h, out, 4, 128);
 * ```
 */
export function gruCellBackward(dtype: DType, grad: BufferHandle, gi: BufferHandle, gh: BufferHandle, hp: BufferHandle, out: BufferHandle,
  rows: number, hidden: number): void {
  const n = rows * hidden;
  const got = dtype !== 'float32' || n < wasmTuning.minCostly ? null
    : stage(false, () => 2 * padded(4 * n) + 2 * padded(12 * n) + padded(28 * n));
  if (!got) {
    tsBackend.gruCellBackward(dtype, grad, gi, gh, hp, out, rows, hidden);
    return;
  }
  const { ar } = got;
  const pd = ar.put(f32(grad, n)), pa = ar.put(f32(gi, 3 * n)), pb = ar.put(f32(gh, 3 * n)), ph = ar.put(f32(hp, n)), po = ar.alloc(28 * n);
  ar.ex.gruCellBackward(pd, pa, pb, ph, po, rows, hidden);
  ar.get(po, arrayOf(out) as Float32Array, 7 * n);
}
