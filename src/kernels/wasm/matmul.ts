import type { DType } from '../../dtype.js';
import type { BufferHandle, MatrixOperand } from '../backend.js';
import { arrayOf } from '../cpu/memory.js';
import { tsBackend } from '../ts/index.js';
import { padded } from './arena.js';
import { getArena } from './load.js';
import { matmulPlan, operandSpan } from './plan.js';
import { stage } from './stage.js';
import { K_MATMUL } from './threads.js';
import { wasmTuning } from './tuning.js';

/**
 * Batched float32 matrix product in wasm (the 4×8 Goto-blocked kernel), split over threads for large products.
 * Operands keep their strides: transposed and broadcast ones are copied in as they are.
 *
 * @example
 * ```ts
 * matmul('float32', a, b, out, 1, 64, 128, 256);
 * ```
 */
export function matmul(dtype: DType, a: MatrixOperand, b: MatrixOperand, outh: BufferHandle, batch: number, m: number, n: number,
  k: number): void {
  const total = batch * m * n;
  if (total === 0) return;
  const out = arrayOf(outh);
  if (k === 0) {
    out.fill(0, 0, total);
    return;
  }
  const priv = getArena();
  if (!priv || batch * m * n * k < wasmTuning.minMatmul || dtype !== 'float32') {
    tsBackend.matmul(dtype, a, b, outh, batch, m, n, k);
    return;
  }
  const ad = arrayOf(a.buffer) as Float32Array, bd = arrayOf(b.buffer) as Float32Array;
  const [aLo, aHi, aDLo, aDHi] = operandSpan(a, batch, m, k);
  const [bLo, bHi, bDLo, bDHi] = operandSpan(b, batch, k, n);
  // Copy an operand's whole batch span at once when it is dense (the usual case, and broadcast batches), else
  // one matrix at a time so that scattered batch offsets do not copy the gaps between them.
  const aWhole = aHi - aLo <= 2 * batch * m * k + 1024;
  const bWhole = bHi - bLo <= 2 * batch * k * n + 1024;
  const aLen = aWhole ? aHi - aLo : aDHi - aDLo, bLen = bWhole ? bHi - bLo : bDHi - bDLo;
  const scratch = Math.ceil(priv.ex.matmulScratchBytes(n) / 64) * 64;
  const fixed = padded(aLen * 4) + padded(bLen * 4) + padded(total * 4);
  // Threads need every matrix in memory at once, so only dense operands are split.
  const got = stage(aWhole && bWhole && batch * m * n * k >= wasmTuning.parallelMatmul,
    (slots) => fixed + (slots > 1 ? padded(batch * 8) + slots * scratch : padded(scratch)));
  if (!got) {
    tsBackend.matmul(dtype, a, b, outh, batch, m, n, k);
    return;
  }
  const { ar, pool } = got;
  const pa = ar.alloc(aLen * 4), pb = ar.alloc(bLen * 4), pc = ar.alloc(total * 4);
  const f32 = ar.f32;
  if (aWhole) f32.set(ad.subarray(aLo, aHi), pa >>> 2);
  if (bWhole) f32.set(bd.subarray(bLo, bHi), pb >>> 2);
  if (pool) {
    const pt = ar.alloc(batch * 8), ps = ar.alloc(pool.slots * scratch);
    const table = ar.i32;
    for (let i = 0; i < batch; i++) {
      table[(pt >>> 2) + 2 * i] = pa + (a.offsets[i]! - aLo) * 4;
      table[(pt >>> 2) + 2 * i + 1] = pb + (b.offsets[i]! - bLo) * 4;
    }
    const plan = matmulPlan(batch, m, n, pool.threads);
    pool.run(K_MATMUL, plan.jobs, [pt, a.rowStride, a.colStride, b.rowStride, b.colStride, m, n, k, pc,
      plan.rowChunk, plan.rowBlocks, plan.colChunk, plan.panels, plan.perJob, batch], ps, scratch);
  } else {
    const ps = ar.alloc(scratch);
    for (let i = 0; i < batch; i++) {
      const ao = a.offsets[i]!, bo = b.offsets[i]!;
      if (!aWhole) f32.set(ad.subarray(ao + aDLo, ao + aDHi), pa >>> 2);
      if (!bWhole) f32.set(bd.subarray(bo + bDLo, bo + bDHi), pb >>> 2);
      const aBase = pa + (aWhole ? ao - aLo : -aDLo) * 4, bBase = pb + (bWhole ? bo - bLo : -bDLo) * 4;
      ar.ex.matmul(aBase, a.rowStride, a.colStride, bBase, b.rowStride, b.colStride, pc + i * m * n * 4, m, n, k, ps);
    }
  }
  ar.get(pc, out as Float32Array, total);
}
