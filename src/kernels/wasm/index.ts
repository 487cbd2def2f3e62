import type { Backend } from '../backend.js';
import { cpuMemory } from '../cpu/memory.js';
import { tsBackend } from '../ts/index.js';
import { binary, clamp, copy, unary, where } from './elementwise.js';
import { scatterAdd } from './indexing.js';
import { matmul } from './matmul.js';
import { adagrad, adam, adamax, nadam, radam, rmsprop, sgd } from './optim.js';
import { batchNorm, batchNormBackward, layerNorm, layerNormBackward } from './normalization.js';
import { scan, variance } from './moments.js';
import { adaptiveAvgPool2d, adaptiveAvgPool2dBackward, adaptiveMaxPool2d, avgPool2d, avgPool2dBackward } from './pool.js';
import { gruCell, gruCellBackward, lstmCell, lstmCellBackward } from './recurrent.js';
import { reduce, softmax } from './reduce.js';
import { conv2d, fold, maxPool2d, unfold } from './window.js';

export { wasmSupported } from './load.js';
export { wasmTuning, poolTuning } from './tuning.js';

/**
 * The WebAssembly SIMD backend: float32 kernels compiled from assembly/ with AssemblyScript (4×8 Goto-blocked
 * matmul, vectorised exp/log/tanh/sigmoid/sin/cos, SIMD reductions, softmax, fused LayerNorm and BatchNorm, the fused LSTM and GRU cells, convolution and pooling).
 * Buffers are the same JS-owned typed arrays as the TS backend's (tensors move freely between the two); each
 * call copies its operands into a scratch area of the module's memory and the result back out. float64, int32
 * and bool data, small sizes where the copies cost more than they save, and layouts the kernels do not cover
 * run on the TS backend, so every call is valid on this backend. Where WebAssembly SIMD is missing (see
 * {@link wasmSupported}) everything runs on the TS backend. Large matmuls and large elementwise ops run on a
 * pool of worker threads sharing one wasm memory (`setNumThreads`, thresholds in `wasmTuning`), with the same
 * results bit for bit.
 *
 * @example
 * ```ts
 * import { setBackend } from 'adjoint';
 * setBackend('wasm');
 * ```
 */
export const wasmBackend: Backend = {
  ...tsBackend,
  name: 'wasm',
  ...cpuMemory,
  unary, binary, where, clamp, copy,
  reduce, variance, scan, softmax,
  layerNorm, layerNormBackward, batchNorm, batchNormBackward,
  matmul, unfold, fold, conv2d, maxPool2d, avgPool2d, avgPool2dBackward, adaptiveMaxPool2d, adaptiveAvgPool2d, adaptiveAvgPool2dBackward,
  lstmCell, lstmCellBackward, gruCell, gruCellBackward,
  scatterAdd,
  adam, sgd, rmsprop, adagrad, adamax, nadam, radam,
};
