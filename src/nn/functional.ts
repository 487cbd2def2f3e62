// torch.nn.functional: the functional forms of the layers and the losses, one export line per file that holds
// them (losses.ts, distance.ts, layer-functions.ts, …).
import type { Tensor } from '../tensor.js';

export {
  nllLoss, crossEntropy, mseLoss, l1Loss, smoothL1Loss, huberLoss, binaryCrossEntropy, binaryCrossEntropyWithLogits, klDiv,
  poissonNllLoss, gaussianNllLoss, marginRankingLoss, hingeEmbeddingLoss, softMarginLoss, multiLabelSoftMarginLoss,
  cosineEmbeddingLoss, tripletMarginLoss, oneHot,
  type Reduction, type ReductionOptions, type ClassLossOptions, type SmoothL1LossOptions, type HuberLossOptions,
  type BinaryCrossEntropyOptions, type BinaryCrossEntropyWithLogitsOptions, type KlDivOptions, type PoissonNllLossOptions,
  type GaussianNllLossOptions, type MarginOptions, type MultiLabelSoftMarginLossOptions, type TripletMarginLossOptions,
} from './losses.js';
export {
  pairwiseDistance, cosineSimilarity, normalize,
  type PairwiseDistanceOptions, type CosineSimilarityOptions, type NormalizeOptions,
} from './distance.js';

export { conv2d, avgPool2d, maxPool2d, adaptiveAvgPool2d } from '../ops/api.generated.js';
export type { Conv2dFunctionOptions } from '../ops/conv.js';
export type { AvgPool2dOptions, MaxPool2dOptions } from '../ops/pool.js';
export { conv1d, convTranspose2d, type Conv1dFunctionOptions, type ConvTranspose2dFunctionOptions } from './conv-functions.js';
export { adaptiveMaxPool2d, type AdaptiveSize, type AdaptiveMaxPool2dOptions } from './pool-functions.js';
export { interpolate, pixelShuffle, pixelUnshuffle, type InterpolateOptions, type InterpolateMode } from './sampling.js';

/** ReLU as a function, `max(x, 0)`. @example `nn.functional.relu(tensor([-1, 0, 2])) // tensor([0., 0., 2.])` */
export const relu = (x: Tensor): Tensor => x.relu();

export { linear, dropout, type DropoutOptions } from './layer-functions.js';
export { silu, mish, leakyRelu, elu, selu, celu, hardtanh, relu6, hardsigmoid, hardswish, softmin } from './activations.js';
export { gelu } from '../ops/api.generated.js';
export type { GeluOptions } from '../ops/unary.js';
export { softmax, logSoftmax, layerNorm, batchNorm, layerNormBackward, batchNormBackward } from '../ops/api.generated.js';
export { groupNorm, instanceNorm, rmsNorm, type InstanceNormOptions } from './norm-functions.js';
export { embedding, embeddingBag, type EmbeddingOptions, type EmbeddingBagOptions } from './embedding.js';
export { scaledDotProductAttention, type AttentionOptions } from './attention.js';
export { dropout2d } from './dropout-layers.js';
export { softplus, logSigmoid } from '../ops/api.generated.js';
