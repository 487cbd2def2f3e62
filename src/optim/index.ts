export {
  Optimizer, checkRange, type Params, type ParamGroup, type ParamGroupInput, type SchedulerGroupKeys,
} from './optimizer.js';
export { type OptimizerStateDict, type ParamState, type PackedParamGroup, type StateValue } from './state-dict.js';
export { SGD, type SGDOptions, type SGDConfig, type SGDState } from './sgd.js';
export { Adam, AdamW, type AdamOptions, type AdamConfig, type AdamState } from './adam.js';
export { RMSprop, type RMSpropOptions, type RMSpropConfig, type RMSpropState } from './rmsprop.js';
export { Adagrad, type AdagradOptions, type AdagradConfig, type AdagradState } from './adagrad.js';
export { Adamax, type AdamaxOptions, type AdamaxConfig, type AdamaxState } from './adamax.js';
export { NAdam, type NAdamOptions, type NAdamConfig, type NAdamState } from './nadam.js';
export { RAdam, type RAdamOptions, type RAdamConfig, type RAdamState } from './radam.js';
export { LBFGS, type LBFGSOptions, type LBFGSConfig, type LBFGSState } from './lbfgs.js';
export { serializeCheckpoint, deserializeCheckpoint, type CheckpointParts, type Checkpoint } from './checkpoint.js';
/**
 * Learning-rate schedulers (`torch.optim.lr_scheduler`, as in PyTorch 1.13): the `LRScheduler` base, the decays
 * (`StepLR`, `MultiStepLR`, `ConstantLR`, `LinearLR`, `ExponentialLR`, `PolynomialLR`, `LambdaLR`,
 * `MultiplicativeLR`), the cosine schedules, `OneCycleLR`, their combinations (`SequentialLR`, `ChainedScheduler`)
 * and `ReduceLROnPlateau`.
 */
export * as lrScheduler from './lr-scheduler/index.js';
