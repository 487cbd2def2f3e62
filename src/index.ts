/**
 * adjoint: reverse-mode automatic differentiation for TypeScript. Tensors, their ops and autograd, functional
 * transforms, `nn`, `optim` and `data`, memory and measuring tools, and the backends; Node-only file I/O is in
 * `adjoint/node`.
 *
 * @example
 * ```ts
 * import { tensor } from 'adjoint';
 * const x = tensor([1, 2, 3], { requiresGrad: true });
 * x.mul(x).sum().backward();
 * x.grad?.toArray(); // [2, 4, 6]
 * ```
 *
 * @module adjoint
 */
// Every op of the table, one named export each (generated from src/ops/table.ts by `npm run codegen`).
export * from './ops/api.generated.js';

export { Tensor, type NestedArray, type TensorHook } from './tensor.js';
export type { Storage } from './storage.js';
export type { DType, TypedArray } from './dtype.js';
export { promoteTypes } from './dtype.js';
export type { Shape } from './shape.js';
export { broadcastShapes } from './shape.js';
export {
  tensor, zeros, ones, full, zerosLike, onesLike, fullLike, emptyLike, arange, linspace, logspace, eye, rand, randn, randint, randperm,
  randLike, randnLike, randintLike, type TensorOptions, type RandomOptions, type TensorData, type LogspaceOptions,
} from './creation.js';
export { normal, bernoulli, multinomial, type SampleOptions, type MultinomialOptions } from './sampling.js';
export { manualSeed, Generator, defaultGenerator } from './random.js';
export type { TensorLike } from './ops/buffers.js';
export type { Dim } from './ops/reduce.js';
export type { Size2, Window2d, Window2dOptions, WindowAttrs } from './ops/conv.js';
export type { AdaptiveAttrs, AdaptiveAvgAttrs, AvgPoolAttrs } from './ops/pool.js';
export type {
  ExtremumFunction, ExtremumMethod, MedianFunction, MedianMethod, UniqueFunction, UniqueMethod, Off,
} from './ops/signatures.js';
export type { ValuesIndices } from './ops/selection.js';
export type { SortOptions, TopkOptions, UniqueOptions } from './ops/sorting.js';
export type { CumulativeOptions } from './ops/scan.js';
export type { NormOptions, MatrixNormOrd } from './ops/norms.js';
export type { ProdOptions } from './ops/reduce.js';
export type { VarOptions } from './ops/statistics.js';
export type { BatchNormOptions as BatchNormFunctionOptions, NormGrads, OutputMask } from './ops/normalization.js';
export type { GeluOptions, RoundOptions, SoftplusOptions } from './ops/unary.js';
export type { AddcOptions } from './ops/ternary.js';
export type { NanToNumOptions, IscloseOptions } from './ops/elementwise-composites.js';
export type { ClampBounds, ClampBound } from './ops/where.js';
export type {
  IndexSpec, IndexArray, IndexPutOptions, NonzeroOptions, ScatterOptions, ScatterReduceOptions, ScatterReduction,
} from './ops/slicing.js';
export type { PadMode, PadOptions, MeshgridOptions, TriIndicesOptions, RepeatInterleaveOptions } from './ops/index-composites.js';
export { RegionGrad } from './autograd/region-grad.js';
export { OP_TABLE, type Primitive } from './ops/table.js';
export type {
  OpDef, DifferentiableOp, NonDifferentiableOp, ForwardCtx, BackwardCtx, JvpCtx, Caller, Run,
} from './ops/define.js';
export { runOp, callOp } from './autograd/record.js';
export { backward, grad, sumTo, type BackwardOptions, type GradOptions } from './autograd/engine.js';
export { noGrad, enableGrad, isGradEnabled, setGradEnabled } from './autograd/grad-mode.js';
export { Node, AccumulateGrad, type TensorMeta } from './autograd/node.js';
export { observeEngine, type EngineObserver } from './autograd/events.js';
export { savedTensorsHooks, type SavedTensorsHooks } from './autograd/saved-hooks.js';
export {
  checkpoint, checkpointSequential, planCheckpointSequential, type SequentialLayer, type SequentialStrategy, type CheckpointPlan,
} from './autograd/checkpoint.js';
export {
  checkpointSchedule, minAdvances, reversibleSteps, type CheckpointSchedule, type ScheduleAction,
} from './autograd/revolve.js';
export { memory, setMemoryTracking, isMemoryTracking, resetPeakMemory, savedBytes, type MemoryStats } from './autograd/memory.js';
export { detectAnomaly, setDetectAnomaly, isAnomalyEnabled } from './autograd/anomaly.js';
export { profile, type Profile, type OpRecord, type ProfileTotals } from './autograd/profiler.js';
export { gradcheck, gradgradcheck, type GradcheckOptions } from './autograd/gradcheck.js';
export {
  jvp, vjp, valueAndGrad, jacobian, hessian, hvp, type FuncGradOptions, type JacobianOptions, type TensorFunction, type TensorsFunction,
} from './autograd/transforms.js';
/**
 * The functional transforms, JAX style: `func.grad(f)` returns a function that computes the gradient of `f`
 * (the top-level `grad(outputs, inputs)` keeps PyTorch's meaning), with `valueAndGrad`, `jvp`, `vjp`,
 * `jacobian`, `hessian` and `hvp`.
 */
export * as func from './autograd/func.js';
/** torch.linalg as `linalg.*`: solves, inverses, determinants and factorizations of (batches of) matrices. */
export * as linalg from './linalg.js';
export type {
  SolveOptions, SolveTriangularOptions, CholeskyOptions, QrOptions, QrMode, QR, Slogdet, Eigh, EighOptions,
} from './ops/linalg.js';
export type { AddmmOptions } from './ops/linalg-composites.js';
export { customOp, type CustomOpSpec, type CustomForwardCtx, type CustomBackwardCtx, type CustomJvpCtx } from './autograd/custom.js';
export { getBackend, setBackend, registerBackend, listBackends, listDevices, setDefaultDevice, defaultDevice, Device } from './kernels/index.js';
/** The 'webgpu' device: `webgpu.init`, `isAvailable`, `info`, `memory`, `emptyCache`, `stats` and `destroy` (see README's Devices section). */
export * as webgpu from './webgpu.js';
/** Options of `webgpu.init`, and what `webgpu.info()` says of the adapter. */
export type { WebgpuInitOptions, WebgpuInfo } from './webgpu.js';
export { AsyncReadError, DeviceSupportError } from './kernels/backend.js';
export type {
  Backend, BufferHandle, View, MatrixOperand, AdamStep, SgdStep, RmspropStep, AdagradStep, AdamaxStep, NadamStep, RadamStep, ConvGeometry, IndexedView, ScatterReduceKind, BatchNormStats, NormMask,
} from './kernels/backend.js';
export type { UnaryKernel, BinaryKernel, ReduceKernel } from './kernels/catalog.js';
export type { OptionKind, OptionSpec } from './options.js';
export { setNumThreads, getNumThreads } from './kernels/wasm/thread-count.js';
export { ready } from './kernels/ready.js';
/**
 * torch.nn: `Module` and `Parameter`, the layers (linear, convolution, pooling, normalisation, embedding,
 * attention, Transformer, recurrent, activations, containers), the losses as modules, `nn.functional`,
 * `nn.init`, and state dicts with PyTorch's keys.
 */
export * as nn from './nn/index.js';
/**
 * torch.optim: the `Optimizer` base class and the optimizers (`SGD`, `Adam`, `AdamW`, `RMSprop`, `Adagrad`,
 * `Adamax`, `NAdam`, `RAdam`, `LBFGS`) with their state dicts, the learning-rate schedulers (`optim.lrScheduler`),
 * and checkpoints of a model, an optimizer and a scheduler in one file.
 */
export * as optim from './optim/index.js';
/** torch.utils.data: `TensorDataset`, `DataLoader` (batching, shuffling, seeded) and `randomSplit`. */
export * as data from './data/index.js';
export { toDot, toMermaid, toSvg, traceBackward, lastTrace, type GraphOptions, type SvgOptions, type GraphvizRenderer, type BackwardTrace, type TraceOptions } from './viz/index.js';
