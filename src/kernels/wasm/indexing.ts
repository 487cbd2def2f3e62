import type { DType } from '../../dtype.js';
import { sizeOf, type Shape } from '../../shape.js';
import { indexError, type BufferHandle } from '../backend.js';
import { arrayOf } from '../cpu/memory.js';
import { tsBackend } from '../ts/index.js';
import { padded } from './arena.js';
import { stage } from './stage.js';
import { wasmTuning } from './tuning.js';

/**
 * scatterAdd of float32 along the last dim with an index of the output's leading shape (the gradient of max
 * pooling and of gathers along a row) as a row kernel in wasm; every other case runs on the TS kernel.
 *
 * @example
 * ```ts
 * scatterAdd('float32', out, [64, 784], idx, [64, 196], 1, src, 'scatterAdd');
 * ```
 */
export function scatterAdd(dtype: DType, outh: BufferHandle, outShape: Shape, indexh: BufferHandle, indexShape: Shape, dim: number,
  srch: BufferHandle, op: string): void {
  const nd = outShape.length, count = indexShape[nd - 1] ?? 1, size = outShape[nd - 1] ?? 1;
  const rows = sizeOf(indexShape.slice(0, -1));
  const rowsMatch = dim === nd - 1 && nd > 0 && indexShape.slice(0, -1).every((d, i) => d === outShape[i]);
  const n = rows * count, outN = rows * size;
  const got = dtype !== 'float32' || !rowsMatch || n < wasmTuning.minReduce
    ? null : stage(false, () => padded(outN * 4) + 2 * padded(n * 4));
  if (!got) {
    tsBackend.scatterAdd(dtype, outh, outShape, indexh, indexShape, dim, srch, op);
    return;
  }
  const idx = (arrayOf(indexh) as Int32Array).subarray(0, n);
  for (let i = 0; i < n; i++) {
    const v = idx[i]!;
    if (!(v >= 0 && v < size)) throw indexError(op, v, dim, size);
  }
  const { ar } = got;
  const out = (arrayOf(outh) as Float32Array).subarray(0, outN);
  const po = ar.put(out), pi = ar.put(idx), ps = ar.put((arrayOf(srch) as Float32Array).subarray(0, n));
  ar.ex.scatterAddRows(po, pi, ps, rows, size, count);
  ar.get(po, out, outN);
}
