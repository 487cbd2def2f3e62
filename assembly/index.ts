// Entry point of the wasm module: the exports below are the whole ABI that src/kernels/wasm/index.ts uses.
// Pointers are byte offsets into the module's memory; the JS side owns all allocation (a bump allocator over
// [heapBase(), memory end)), so the module itself never allocates and runs with `--runtime stub`.

export { unary } from './codes.generated';
export { binary } from './binary.generated';
export { clamp, where, unfold, unfoldRuns, fold, copy } from './elementwise';
export { reduce, softmax } from './reduce';
export { variance, cumsumColumns } from './moments';
export { matmul, matmulScratchBytes } from './matmul';
export { adam, sgd, rmsprop, adagrad, adamax, nadam, radam } from './optim';
export { conv2d, conv2dDirect, conv2dWide, padPlanes } from './conv';
export { layerNorm, layerNormBackward, batchNorm, batchNormBackward } from './norm';
export { maxPool2d, maxPool2x2, scatterAddRows, avgPool2d, avgPool2dBackward, adaptiveMaxPool2d } from './pool';
export { lstmCell, lstmCellBackward, gruCell, gruCellBackward } from './recurrent';

/**
 * First byte after the module's static data: where the JS allocator may start.
 *
 * @example
 * ```ts
 * let top = (exports.heapBase() + 63) & ~63;
 * ```
 */
export function heapBase(): usize {
  return __heap_base;
}
