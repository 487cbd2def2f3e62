import type { Backend } from '../backend.js';
import { binary, clamp, copy, unary, where } from './elementwise.js';
import type { MatrixOperand } from '../backend.js';
import type { TypedArray } from '../../dtype.js';
function matmul(a: MatrixOperand, b: MatrixOperand, out: TypedArray, batch: number, m: number, n: number, k: number): void {
  for (let bi = 0; bi < batch; bi++) for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
    let s = 0;
    for (let p = 0; p < k; p++) s += a.data[a.offsets[bi]! + i * a.rowStride + p * a.colStride]! * b.data[b.offsets[bi]! + p * b.rowStride + j * b.colStride]!;
    out[(bi * m + i) * n + j] = s;
  }
}
import { reduce, softmax } from './reduce.js';

/**
 * The pure TypeScript reference backend: plain loops over typed arrays, float32 and float64, everywhere
 * JavaScript runs. It is the correctness oracle for the other backends and their fallback.
 *
 * @example
 * ```ts
 * import { setBackend } from 'adjoint';
 * setBackend('ts');
 * ```
 */
export const tsBackend: Backend = { name: 'ts', unary, binary, where, clamp, copy, reduce, softmax, matmul };
