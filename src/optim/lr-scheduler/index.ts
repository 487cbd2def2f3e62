export {
  LRScheduler, type SchedulerOptimizer, type SchedulerOptions, type SchedulerStateDict,
} from './scheduler.js';
export {
  LambdaLR, MultiplicativeLR, StepLR, MultiStepLR, ConstantLR, LinearLR, ExponentialLR, PolynomialLR,
  type LrLambda, type StepLROptions, type ConstantLROptions, type LinearLROptions, type PolynomialLROptions,
} from './decay.js';
export {
  CosineAnnealingLR, CosineAnnealingWarmRestarts, type CosineAnnealingLROptions, type CosineAnnealingWarmRestartsOptions,
} from './cosine.js';
export { OneCycleLR, type OneCycleLROptions, type OneCyclePhase } from './one-cycle.js';
export { SequentialLR, ChainedScheduler } from './sequential.js';
export { ReduceLROnPlateau, type ReduceLROnPlateauOptions } from './plateau.js';
