/**
 * adjoint: reverse-mode automatic differentiation for TypeScript.
 *
 * @example
 * ```ts
 * import { tensor } from 'adjoint';
 * const x = tensor([1, 2, 3], { requiresGrad: true });
 * x.mul(x).sum().backward();
 * x.grad?.toArray(); // [2, 4, 6]
 * ```
 */
import './tensor-methods.js';

export { Tensor, type NestedArray, type TensorHook } from './tensor.js';
export type { DType, TypedArray } from './dtype.js';
export { promoteTypes } from './dtype.js';
export type { Shape } from './shape.js';
export { broadcastShapes } from './shape.js';
export {
  tensor, zeros, ones, full, zerosLike, onesLike, fullLike, arange, linspace, eye, rand, randn, randint, randperm,
  type TensorOptions, type RandomOptions, type TensorData,
} from './creation.js';
export { manualSeed, Generator, defaultGenerator } from './random.js';
export { add, sub, mul, div, pow, maximum, minimum, eq, ne, lt, le, gt, ge, logicalAnd, tanhBackward, sigmoidBackward, reluBackward } from './ops/binary.js';
export { neg, exp, log, sqrt, abs, sin, cos, tanh, sigmoid, relu, sign } from './ops/unary.js';
export { where, clamp } from './ops/where.js';
export { sum, mean, max, min, logsumexp, argmax, argmin, type Dim } from './ops/reduce.js';
export { matmul } from './ops/matmul.js';
export { reshape, permute, transpose, expand, squeeze, unsqueeze, flatten, contiguous } from './ops/movement.js';
export { narrow, cat, stack, indexSelect, indexAdd, gather, scatterAdd } from './ops/indexing.js';
export { softmax, logSoftmax } from './ops/softmax.js';
export { conv2d, maxPool2d, unfold, type Size2, type Window2dOptions } from './ops/conv.js';
export { to, clone } from './ops/cast.js';
export { opTable, defineOp, apply, type OpDef, type ForwardCtx, type BackwardCtx } from './ops/registry.js';
export { backward, grad, sumTo, type BackwardOptions, type GradOptions } from './autograd/engine.js';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './autograd/grad-mode.js';
export { Node, AccumulateGrad } from './autograd/node.js';
export { savedTensorsHooks, type SavedTensorsHooks } from './autograd/saved-hooks.js';
export {
  checkpoint, checkpointSequential, planCheckpointSequential, type SequentialLayer, type SequentialStrategy, type CheckpointPlan,
} from './autograd/checkpoint.js';
export {
  checkpointSchedule, minAdvances, reversibleSteps, type CheckpointSchedule, type ScheduleAction,
} from './autograd/revolve.js';
export { memory, setMemoryTracking, isMemoryTracking, resetPeakMemory, savedBytes, type MemoryStats } from './autograd/memory.js';
export { add_, sub_, mul_, div_, clamp_, fill_, zero_, copy_ } from './ops/inplace.js';
export { detectAnomaly, setDetectAnomaly, isAnomalyEnabled } from './autograd/anomaly.js';
export { profile, type Profile, type OpRecord, type ProfileTotals } from './autograd/profiler.js';
export { gradcheck, gradgradcheck, type GradcheckOptions } from './autograd/gradcheck.js';
export { jvp, vjp, valueAndGrad, jacobian, hessian, hvp, type FuncGradOptions, type JacobianOptions } from './autograd/functional.js';
export * as func from './autograd/func.js';
export { customOp, type CustomOpSpec, type CustomForwardCtx, type CustomBackwardCtx, type CustomJvpCtx } from './autograd/custom.js';
export { getBackend, setBackend, registerBackend, listBackends } from './kernels/index.js';
export type { Backend, View, MatrixOperand, UnaryKernel, BinaryKernel, ReduceKernel, AdamStep, SgdStep, Floats, ConvGeometry } from './kernels/backend.js';
export { setNumThreads, getNumThreads } from './kernels/wasm/threads.js';
export * as nn from './nn/index.js';
export * as optim from './optim/index.js';
export * as data from './data/index.js';
export { toDot, toMermaid, toSvg, traceBackward, lastTrace, type GraphOptions, type SvgOptions, type GraphvizRenderer, type BackwardTrace, type TraceOptions } from './viz/index.js';
