import type { Backend } from '../backend.js';
import { binary, clamp, copy, unary, where } from './elementwise.js';
import { matmul } from './matmul.js';
import { adam, sgd } from './optim.js';
import { conv2d, fold, unfold } from './window.js';
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
export const tsBackend: Backend = { name: 'ts', unary, binary, where, clamp, copy, reduce, softmax, matmul, adam, sgd, unfold, fold, conv2d };
