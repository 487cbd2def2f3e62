import type { Backend } from '../backend.js';
import { cpuMemory } from '../cpu/memory.js';
import { arange, binary, clamp, copy, fill, ternary, unary, where } from './elementwise.js';
import { indexGather, indexPut, nonzero, scatterReduce } from './advanced.js';
import { gather, indexAdd, indexSelect, scatterAdd } from './indexing.js';
import { cholesky, cofactor, eigh, luDet, luFactor, luSolve, qr, triangularSolve } from './linalg.js';
import { matmul } from './matmul.js';
import { adagrad, adam, adamax, nadam, radam, rmsprop, sgd } from './optim.js';
import { batchNorm, batchNormBackward, layerNorm, layerNormBackward } from './normalization.js';
import { gruCell, gruCellBackward, lstmCell, lstmCellBackward } from './recurrent.js';
import { norm, variance } from './moments.js';
import { reduce, softmax } from './reduce.js';
import { adaptiveAvgPool2d, adaptiveAvgPool2dBackward, adaptiveMaxPool2d, avgPool2d, avgPool2dBackward } from './pool.js';
import { scan } from './scan.js';
import { select, sort, unique } from './sort.js';
import { conv2d, fold, maxPool2d, unfold } from './window.js';

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
export const tsBackend: Backend = {
  name: 'ts',
  ...cpuMemory,
  unary, binary, ternary, where, clamp, copy, fill, arange,
  reduce, variance, norm, scan, softmax,
  sort, select, unique,
  matmul, unfold, fold, conv2d, maxPool2d,
  layerNorm, layerNormBackward, batchNorm, batchNormBackward,
  lstmCell, lstmCellBackward, gruCell, gruCellBackward,
  avgPool2d, avgPool2dBackward, adaptiveMaxPool2d, adaptiveAvgPool2d, adaptiveAvgPool2dBackward,
  luFactor, luSolve, luDet, triangularSolve, cholesky, qr, eigh, cofactor,
  indexSelect, indexAdd, gather, scatterAdd,
  indexGather, indexPut, nonzero, scatterReduce,
  adam, sgd, rmsprop, adagrad, adamax, nadam, radam,
};
