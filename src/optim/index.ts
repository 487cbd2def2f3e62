export { Optimizer, checkRange, type Params, type ParamGroup, type ParamGroupInput } from './optimizer.js';
export { SGD, type SGDOptions, type SGDConfig, type SGDState } from './sgd.js';
export { Adam, AdamW, type AdamOptions, type AdamConfig, type AdamState } from './adam.js';
