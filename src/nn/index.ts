/** Functions of tensors with no state: losses and layers as functions (`torch.nn.functional`). */
export * as functional from './functional.js';
/** Weight initialisers that fill a tensor in place (`torch.nn.init`). */
export * as init from './init.js';
export { Parameter, parameter } from './parameter.js';
export {
  Module, toStateMap,
  type StateDict, type StateDictLike, type LoadStateDictOptions, type LoadStateDictResult, type BufferOptions,
} from './module.js';
export {
  Linear, Sequential, ModuleList, Identity, ReLU, Tanh, Sigmoid, Flatten, Dropout,
  type TensorModule, type LinearOptions,
} from './layers.js';
export { Conv2d, MaxPool2d, type Conv2dOptions } from './conv-layers.js';
export { serializeStateDict, deserializeStateDict, readStateDictMetadata, type SerializeOptions } from './serialize.js';
