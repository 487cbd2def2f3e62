// The module forms of the losses and distances (nn.MSELoss, nn.CrossEntropyLoss, …): each holds its options,
// checked once when it is built, and calls its function in forward.
import { checkOptions, type OptionSpec } from '../options.js';
import type { Tensor } from '../tensor.js';
import { cosineSimilarity, pairwiseDistance, type CosineSimilarityOptions, type PairwiseDistanceOptions } from './distance.js';
import {
  binaryCrossEntropy, binaryCrossEntropyWithLogits, cosineEmbeddingLoss, crossEntropy, gaussianNllLoss, hingeEmbeddingLoss, huberLoss,
  klDiv, l1Loss, marginRankingLoss, mseLoss, multiLabelSoftMarginLoss, nllLoss, poissonNllLoss, smoothL1Loss, softMarginLoss,
  tripletMarginLoss,
  type BinaryCrossEntropyOptions, type BinaryCrossEntropyWithLogitsOptions, type ClassLossOptions, type GaussianNllLossOptions,
  type HuberLossOptions, type KlDivOptions, type MarginOptions, type MultiLabelSoftMarginLossOptions, type PoissonNllLossOptions,
  type ReductionOptions, type SmoothL1LossOptions, type TripletMarginLossOptions,
} from './losses.js';
import { Module } from './module.js';

const REDUCTION = ['mean', 'sum', 'none'] as const;

/** `key=value` pairs of the options that are set, for `extraRepr`. */
function describeOptions(opts: object): string {
  return Object.entries(opts)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'object' && v !== null ? (v.constructor?.name ?? 'object') : JSON.stringify(v)}`)
    .join(', ');
}

/**
 * The base of the loss modules: the options, checked when the module is built, and shown when it is printed.
 *
 * @example
 * ```ts
 * String(new nn.L1Loss({ reduction: 'sum' })); // "L1Loss(reduction=\"sum\")"
 * ```
 */
export abstract class LossModule<O extends object> extends Module {
  /** The options the loss function is called with. */
  readonly options: O;

  constructor(opts: O | undefined, spec: OptionSpec) {
    super();
    this.options = checkOptions(new.target.name, opts, spec);
  }

  /**
   * Register the weight options as buffers (PyTorch's `weight`, `pos_weight`), so that they are in `stateDict()`;
   * returns the options with the buffers' current tensors, for forward.
   */
  protected weights(names: Readonly<Record<string, string>>): O {
    const out: Record<string, unknown> = { ...(this.options as Record<string, unknown>) };
    const props = this as unknown as Record<string, Tensor | null>;
    for (const [key, buffer] of Object.entries(names)) {
      if (!this.#registered) this.registerBuffer(buffer, (this.options as Record<string, Tensor | null | undefined>)[key] ?? null);
      out[key] = props[buffer] ?? undefined;
    }
    this.#registered = true;
    return out as O;
  }

  #registered = false;

  override extraRepr(): string {
    return describeOptions(this.options);
  }
}

/** `mseLoss` as a module. @example `new nn.MSELoss().forward(prediction, target)` */
export class MSELoss extends LossModule<ReductionOptions> {
  constructor(opts?: ReductionOptions) { super(opts, { reduction: REDUCTION }); }
  override forward(input: Tensor, target: Tensor): Tensor { return mseLoss(input, target, this.options); }
}

/** `l1Loss` as a module. @example `new nn.L1Loss().forward(prediction, target)` */
export class L1Loss extends LossModule<ReductionOptions> {
  constructor(opts?: ReductionOptions) { super(opts, { reduction: REDUCTION }); }
  override forward(input: Tensor, target: Tensor): Tensor { return l1Loss(input, target, this.options); }
}

/** `smoothL1Loss` as a module. @example `new nn.SmoothL1Loss({ beta: 0.5 }).forward(x, y)` */
export class SmoothL1Loss extends LossModule<SmoothL1LossOptions> {
  constructor(opts?: SmoothL1LossOptions) { super(opts, { reduction: REDUCTION, beta: 'number' }); }
  override forward(input: Tensor, target: Tensor): Tensor { return smoothL1Loss(input, target, this.options); }
}

/** `huberLoss` as a module. @example `new nn.HuberLoss({ delta: 2 }).forward(x, y)` */
export class HuberLoss extends LossModule<HuberLossOptions> {
  constructor(opts?: HuberLossOptions) { super(opts, { reduction: REDUCTION, delta: 'number' }); }
  override forward(input: Tensor, target: Tensor): Tensor { return huberLoss(input, target, this.options); }
}

/** `crossEntropy` as a module (logits and class indices or probabilities). @example `new nn.CrossEntropyLoss({ labelSmoothing: 0.1 }).forward(logits, labels)` */
export class CrossEntropyLoss extends LossModule<ClassLossOptions> {
  constructor(opts?: ClassLossOptions) { super(opts, { reduction: REDUCTION, ignoreIndex: 'integer', weight: 'tensor', labelSmoothing: 'number' }); this.weights({ weight: 'weight' }); }
  override forward(input: Tensor, target: Tensor): Tensor { return crossEntropy(input, target, this.weights({ weight: 'weight' })); }
}

/** `nllLoss` as a module (log-probabilities and class indices). @example `new nn.NLLLoss().forward(logp, labels)` */
export class NLLLoss extends LossModule<Omit<ClassLossOptions, 'labelSmoothing'>> {
  constructor(opts?: Omit<ClassLossOptions, 'labelSmoothing'>) { super(opts, { reduction: REDUCTION, ignoreIndex: 'integer', weight: 'tensor' }); this.weights({ weight: 'weight' }); }
  override forward(input: Tensor, target: Tensor): Tensor { return nllLoss(input, target, this.weights({ weight: 'weight' })); }
}

/** `binaryCrossEntropy` (on probabilities) as a module. @example `new nn.BCELoss().forward(x.sigmoid(), y)` */
export class BCELoss extends LossModule<BinaryCrossEntropyOptions> {
  constructor(opts?: BinaryCrossEntropyOptions) { super(opts, { reduction: REDUCTION, weight: 'tensor|null' }); this.weights({ weight: 'weight' }); }
  override forward(input: Tensor, target: Tensor): Tensor { return binaryCrossEntropy(input, target, this.weights({ weight: 'weight' })); }
}

/** `binaryCrossEntropyWithLogits` as a module. @example `new nn.BCEWithLogitsLoss({ posWeight }).forward(logits, y)` */
export class BCEWithLogitsLoss extends LossModule<BinaryCrossEntropyWithLogitsOptions> {
  constructor(opts?: BinaryCrossEntropyWithLogitsOptions) { super(opts, { reduction: REDUCTION, weight: 'tensor|null', posWeight: 'tensor|null' }); this.weights({ weight: 'weight', posWeight: 'pos_weight' }); }
  override forward(input: Tensor, target: Tensor): Tensor { return binaryCrossEntropyWithLogits(input, target, this.weights({ weight: 'weight', posWeight: 'pos_weight' })); }
}

/** `klDiv` as a module (input log-probabilities). @example `new nn.KLDivLoss({ reduction: 'batchmean' }).forward(logp, q)` */
export class KLDivLoss extends LossModule<KlDivOptions> {
  constructor(opts?: KlDivOptions) { super(opts, { reduction: [...REDUCTION, 'batchmean'], logTarget: 'boolean' }); }
  override forward(input: Tensor, target: Tensor): Tensor { return klDiv(input, target, this.options); }
}

/** `poissonNllLoss` as a module. @example `new nn.PoissonNLLLoss({ logInput: false }).forward(rate, counts)` */
export class PoissonNLLLoss extends LossModule<PoissonNllLossOptions> {
  constructor(opts?: PoissonNllLossOptions) { super(opts, { reduction: REDUCTION, logInput: 'boolean', full: 'boolean', eps: 'number' }); }
  override forward(input: Tensor, target: Tensor): Tensor { return poissonNllLoss(input, target, this.options); }
}

/** `gaussianNllLoss` as a module: `forward(input, target, var)`. @example `new nn.GaussianNLLLoss().forward(mu, y, sigma2)` */
export class GaussianNLLLoss extends LossModule<GaussianNllLossOptions> {
  constructor(opts?: GaussianNllLossOptions) { super(opts, { reduction: REDUCTION, full: 'boolean', eps: 'number' }); }
  override forward(input: Tensor, target: Tensor, variance: Tensor): Tensor { return gaussianNllLoss(input, target, variance, this.options); }
}

/** `marginRankingLoss` as a module: `forward(input1, input2, target)`. @example `new nn.MarginRankingLoss({ margin: 0.1 }).forward(a, b, y)` */
export class MarginRankingLoss extends LossModule<MarginOptions> {
  constructor(opts?: MarginOptions) { super(opts, { reduction: REDUCTION, margin: 'number' }); }
  override forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor { return marginRankingLoss(input1, input2, target, this.options); }
}

/** `hingeEmbeddingLoss` as a module. @example `new nn.HingeEmbeddingLoss({ margin: 2 }).forward(d, y)` */
export class HingeEmbeddingLoss extends LossModule<MarginOptions> {
  constructor(opts?: MarginOptions) { super(opts, { reduction: REDUCTION, margin: 'number' }); }
  override forward(input: Tensor, target: Tensor): Tensor { return hingeEmbeddingLoss(input, target, this.options); }
}

/** `softMarginLoss` as a module. @example `new nn.SoftMarginLoss().forward(x, y)` */
export class SoftMarginLoss extends LossModule<ReductionOptions> {
  constructor(opts?: ReductionOptions) { super(opts, { reduction: REDUCTION }); }
  override forward(input: Tensor, target: Tensor): Tensor { return softMarginLoss(input, target, this.options); }
}

/** `multiLabelSoftMarginLoss` as a module. @example `new nn.MultiLabelSoftMarginLoss().forward(logits, labels)` */
export class MultiLabelSoftMarginLoss extends LossModule<MultiLabelSoftMarginLossOptions> {
  constructor(opts?: MultiLabelSoftMarginLossOptions) { super(opts, { reduction: REDUCTION, weight: 'tensor|null' }); this.weights({ weight: 'weight' }); }
  override forward(input: Tensor, target: Tensor): Tensor { return multiLabelSoftMarginLoss(input, target, this.weights({ weight: 'weight' })); }
}

/** `cosineEmbeddingLoss` as a module: `forward(input1, input2, target)`. @example `new nn.CosineEmbeddingLoss().forward(a, b, y)` */
export class CosineEmbeddingLoss extends LossModule<MarginOptions> {
  constructor(opts?: MarginOptions) { super(opts, { reduction: REDUCTION, margin: 'number' }); }
  override forward(input1: Tensor, input2: Tensor, target: Tensor): Tensor { return cosineEmbeddingLoss(input1, input2, target, this.options); }
}

/** `tripletMarginLoss` as a module: `forward(anchor, positive, negative)`. @example `new nn.TripletMarginLoss({ margin: 0.5 }).forward(a, p, n)` */
export class TripletMarginLoss extends LossModule<TripletMarginLossOptions> {
  constructor(opts?: TripletMarginLossOptions) { super(opts, { reduction: REDUCTION, margin: 'number', p: 'number', eps: 'number', swap: 'boolean' }); }
  override forward(anchor: Tensor, positive: Tensor, negative: Tensor): Tensor { return tripletMarginLoss(anchor, positive, negative, this.options); }
}

/** `pairwiseDistance` as a module. @example `new nn.PairwiseDistance({ p: 1 }).forward(a, b)` */
export class PairwiseDistance extends LossModule<PairwiseDistanceOptions> {
  constructor(opts?: PairwiseDistanceOptions) { super(opts, { p: 'number', eps: 'number', keepdim: 'boolean' }); }
  override forward(x1: Tensor, x2: Tensor): Tensor { return pairwiseDistance(x1, x2, this.options); }
}

/** `cosineSimilarity` along `dim` (default 1) as a module. @example `new nn.CosineSimilarity(-1).forward(a, b)` */
export class CosineSimilarity extends LossModule<CosineSimilarityOptions> {
  constructor(
    /** The dim the similarity is computed along (default 1). */ readonly dim = 1,
    opts?: CosineSimilarityOptions,
  ) { super(opts, { eps: 'number' }); }
  override forward(x1: Tensor, x2: Tensor): Tensor { return cosineSimilarity(x1, x2, this.dim, this.options); }
  override extraRepr(): string { return [`dim=${this.dim}`, describeOptions(this.options)].filter(Boolean).join(', '); }
}
