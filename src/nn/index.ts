/** Functions of tensors with no state: losses and layers as functions (`torch.nn.functional`). */
export * as functional from './functional.js';
/** Weight initialisers that fill a tensor in place (`torch.nn.init`). */
export * as init from './init.js';
export { Parameter, parameter } from './parameter.js';
export {
  Module, toStateMap, type ModuleTarget,
  type StateDict, type StateDictLike, type LoadStateDictOptions, type LoadStateDictResult, type BufferOptions,
} from './module.js';
export {
  Linear, Sequential, ModuleList, Identity, ReLU, Tanh, Sigmoid, Flatten, Dropout,
  type TensorModule, type LinearOptions,
} from './layers.js';
export { Conv2d, Conv1d, ConvTranspose2d, MaxPool2d, type Conv2dOptions, type Conv1dOptions, type ConvTranspose2dOptions } from './conv-layers.js';
export type { Size1 } from './conv-functions.js';
export { serializeStateDict, deserializeStateDict, readStateDictMetadata, type SerializeOptions } from './serialize.js';
/**
 * Training utilities (`torch.nn.utils`): gradient clipping (`clipGradNorm_`, `clipGradValue_`) and parameters
 * flattened to one vector and back (`parametersToVector`, `vectorToParameters`).
 */
export * as utils from './utils/index.js';
export { Embedding, EmbeddingBag, type EmbeddingOptions, type EmbeddingLayerOptions, type EmbeddingBagLayerOptions, type EmbeddingBagMode } from './embedding.js';
export { LayerNorm, RMSNorm, BatchNorm1d, BatchNorm2d, InstanceNorm1d, InstanceNorm2d, GroupNorm, type LayerNormOptions, type RMSNormOptions, type BatchNormOptions, type GroupNormOptions } from './normalization.js';
export { MultiheadAttention, generateSquareSubsequentMask, type MultiheadAttentionOptions, type MultiheadAttentionForwardOptions, type AttentionOptions } from './attention.js';
export { TransformerEncoderLayer, TransformerEncoder, TransformerDecoderLayer, TransformerDecoder, Transformer, type TransformerLayerOptions, type TransformerActivation, type TransformerOptions, type EncoderLayerForwardOptions, type DecoderLayerForwardOptions, type EncoderForwardOptions, type TransformerForwardOptions } from './transformer.js';
export { GELU, SiLU, Mish, LeakyReLU, ELU, SELU, CELU, Softplus, Hardtanh, ReLU6, Hardswish, Hardsigmoid, Softmax, LogSoftmax, Softmin } from './activation-layers.js';
export { ModuleDict, ParameterList, ParameterDict, type ContainerEntries } from './containers.js';
export { Dropout2d, Unflatten } from './dropout-layers.js';
export { RNN, LSTM, GRU, RecurrentBase, type RecurrentOptions, type RNNOptions, type LSTMOptions } from './recurrent.js';
export type { RecurrentMode } from './rnn-functions.js';
export { RNNCell, LSTMCell, GRUCell, CellBase, type CellOptions, type RNNCellOptions } from './recurrent-cells.js';
export {
  LossModule, MSELoss, L1Loss, SmoothL1Loss, HuberLoss, CrossEntropyLoss, NLLLoss, BCELoss, BCEWithLogitsLoss, KLDivLoss,
  PoissonNLLLoss, GaussianNLLLoss, MarginRankingLoss, HingeEmbeddingLoss, SoftMarginLoss, MultiLabelSoftMarginLoss,
  CosineEmbeddingLoss, TripletMarginLoss, PairwiseDistance, CosineSimilarity,
} from './loss-modules.js';
export { AvgPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d } from './pooling.js';
export { Upsample, UpsamplingNearest2d, UpsamplingBilinear2d, PixelShuffle, PixelUnshuffle, type UpsampleOptions } from './upsampling.js';
