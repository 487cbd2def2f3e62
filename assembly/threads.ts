// Entry point of the threaded build: the same kernels as assembly/index.ts, compiled with --enable threads
// against an imported shared memory, plus the job loop that the worker pool runs (assembly/jobs.ts).

export { unary } from './codes.generated';
export { binary } from './binary.generated';
export { clamp, where, unfold, unfoldRuns, fold, copy } from './elementwise';
export { reduce, softmax } from './reduce';
export { variance, cumsumColumns } from './moments';
export { matmul, matmulScratchBytes } from './matmul';
export { adam, sgd, rmsprop, adagrad, adamax, nadam, radam } from './optim';
export { conv2d, conv2dDirect, conv2dWide, padPlanes } from './conv';
export { maxPool2d, maxPool2x2, scatterAddRows } from './pool';
export { layerNorm, layerNormBackward, batchNorm, batchNormBackward } from './norm';
export { heapBase } from './index';
export { runJobs } from './jobs';
