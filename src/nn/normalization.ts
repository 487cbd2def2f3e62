// The normalisation layers. Their parameters and buffers are registered under PyTorch's names (weight, bias,
// running_mean, running_var, num_batches_tracked), so a PyTorch state dict loads as it is; the buffers are also
// properties in camelCase (runningMean, runningVar, numBatchesTracked).
import { noGrad } from '../autograd/grad-mode.js';
import { ones, zeros } from '../creation.js';
import type { DType } from '../dtype.js';
import { batchNorm, layerNorm } from '../ops/api.generated.js';
import { checkOptions } from '../options.js';
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';
import { groupNorm, instanceNorm, rmsNorm } from './norm-functions.js';
import { Parameter } from './parameter.js';

/** A registered buffer or parameter read by its PyTorch name. */
function slot<T extends Tensor>(m: Module, name: string): T | null {
  return ((m as unknown as Record<string, T | null | undefined>)[name]) ?? null;
}

function positiveInt(v: unknown, layer: string, name: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new Error(`${layer}: ${name} must be a positive integer, got ${String(v)}.`);
  return v;
}

function shapeArg(v: unknown, layer: string): number[] {
  const s = typeof v === 'number' ? [v] : Array.isArray(v) ? [...(v as number[])] : null;
  if (s === null || s.length === 0 || !s.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new Error(`${layer}: normalizedShape must be a non-negative integer or a non-empty array of them, got ${JSON.stringify(v)}.`);
  }
  return s;
}

/** Options of `LayerNorm`. @example `new nn.LayerNorm(64, { eps: 1e-6, bias: false })` */
export interface LayerNormOptions {
  /** Added to the variance (default 1e-5). */
  readonly eps?: number;
  /** Learn a weight (ones) and a bias (zeros) of `normalizedShape` (default true). */
  readonly elementwiseAffine?: boolean;
  /** Learn the bias too (default true; only with elementwiseAffine). */
  readonly bias?: boolean;
  /** Parameter dtype (default float32). */
  readonly dtype?: 'float32' | 'float64';
}

/**
 * Layer normalisation over the trailing `normalizedShape` dims (one fused kernel forward and one backward), with
 * a learnt elementwise weight and bias by default.
 *
 * @example
 * ```ts
 * const ln = new nn.LayerNorm(64);
 * ln.forward(randn([8, 10, 64])).shape; // [8, 10, 64]
 * ```
 */
export class LayerNorm extends Module {
  /** The trailing dims that are normalised together. */
  readonly normalizedShape: number[];
  /** Added to the variance (default 1e-5). */
  readonly eps: number;
  /** Whether the layer has a `weight` (and a `bias`, unless `{ bias: false }`) of shape normalizedShape. */
  readonly elementwiseAffine: boolean;
  /** The elementwise scale (initialised to 1), or null. */
  readonly weight: Parameter | null;
  /** The elementwise shift (initialised to 0), or null. */
  readonly bias: Parameter | null;

  constructor(normalizedShape: number | readonly number[], opts: LayerNormOptions = {}) {
    super();
    const o = checkOptions('LayerNorm', opts, { eps: 'number', elementwiseAffine: 'boolean', bias: 'boolean', dtype: ['float32', 'float64'] });
    this.normalizedShape = shapeArg(normalizedShape, 'LayerNorm');
    this.eps = o.eps ?? 1e-5;
    this.elementwiseAffine = o.elementwiseAffine ?? true;
    const dtype: DType = o.dtype ?? 'float32';
    this.weight = this.elementwiseAffine ? new Parameter(ones(this.normalizedShape, { dtype })) : null;
    this.bias = this.elementwiseAffine && (o.bias ?? true) ? new Parameter(zeros(this.normalizedShape, { dtype })) : null;
  }

  /** Normalise `input` [*, ...normalizedShape]. @example `new nn.LayerNorm(3).forward(tensor([[1, 2, 3]])) // [[-1.2247, 0, 1.2247]]` */
  override forward(input: Tensor): Tensor {
    return layerNorm(input, this.normalizedShape, this.weight, this.bias, { eps: this.eps });
  }

  override extraRepr(): string {
    return `[${this.normalizedShape.join(', ')}], eps=${this.eps}, elementwiseAffine=${this.elementwiseAffine}`;
  }
}

/** Options of `RMSNorm`. @example `new nn.RMSNorm(64, { eps: 1e-6 })` */
export interface RMSNormOptions {
  /** Added to the mean square (default null: the dtype's machine epsilon, as PyTorch). */
  readonly eps?: number | null;
  /** Learn a weight (ones) of `normalizedShape` (default true). */
  readonly elementwiseAffine?: boolean;
  /** Parameter dtype (default float32). */
  readonly dtype?: 'float32' | 'float64';
}

/**
 * Root-mean-square normalisation over the trailing `normalizedShape` dims: `x / √(mean(x²) + eps) · weight`.
 *
 * @example
 * ```ts
 * new nn.RMSNorm(64).forward(randn([2, 64]));
 * ```
 */
export class RMSNorm extends Module {
  /** The trailing dims whose root mean square is taken. */
  readonly normalizedShape: number[];
  /** Added to the mean square; null (default): the dtype's machine epsilon, as PyTorch. */
  readonly eps: number | null;
  /** Whether the layer has a `weight` of shape normalizedShape. */
  readonly elementwiseAffine: boolean;
  /** The elementwise scale (initialised to 1), or null. */
  readonly weight: Parameter | null;

  constructor(normalizedShape: number | readonly number[], opts: RMSNormOptions = {}) {
    super();
    const o = checkOptions('RMSNorm', opts, { eps: 'number|null', elementwiseAffine: 'boolean', dtype: ['float32', 'float64'] });
    this.normalizedShape = shapeArg(normalizedShape, 'RMSNorm');
    this.eps = o.eps ?? null;
    this.elementwiseAffine = o.elementwiseAffine ?? true;
    this.weight = this.elementwiseAffine ? new Parameter(ones(this.normalizedShape, { dtype: o.dtype ?? 'float32' })) : null;
  }

  /** Normalise `input` [*, ...normalizedShape]. @example `new nn.RMSNorm(2).forward(tensor([[3, 4]])) // [[0.8485, 1.1314]]: divided by √12.5` */
  override forward(input: Tensor): Tensor {
    return rmsNorm(input, this.normalizedShape, this.weight, { eps: this.eps });
  }

  override extraRepr(): string {
    return `[${this.normalizedShape.join(', ')}], eps=${this.eps}, elementwiseAffine=${this.elementwiseAffine}`;
  }
}

/** Options of the BatchNorm and InstanceNorm layers. @example `new nn.BatchNorm2d(16, { momentum: null })` */
export interface BatchNormOptions {
  /** Added to the variance (default 1e-5). */
  readonly eps?: number;
  /** Weight of each batch in the running averages (default 0.1); null for a cumulative average over all batches. */
  readonly momentum?: number | null;
  /** Learn a per-channel weight (ones) and bias (zeros); default true for BatchNorm, false for InstanceNorm. */
  readonly affine?: boolean;
  /** Keep running statistics for evaluation; default true for BatchNorm, false for InstanceNorm. */
  readonly trackRunningStats?: boolean;
  /** Parameter and buffer dtype (default float32). */
  readonly dtype?: 'float32' | 'float64';
}

const NORM_OPTIONS = { eps: 'number', momentum: 'number|null', affine: 'boolean', trackRunningStats: 'boolean', dtype: ['float32', 'float64'] } as const;

/** What BatchNorm and InstanceNorm share: per-channel parameters and running statistics under PyTorch's names. */
abstract class NormBase extends Module {
  /** The number of channels C (dim 1 of the input). */
  readonly numFeatures: number;
  /** Added to the variance (default 1e-5). */
  readonly eps: number;
  /** The weight of the batch statistics in the running averages (default 0.1); null: the cumulative average. */
  readonly momentum: number | null;
  /** Whether the layer has the per-channel `weight` and `bias`. */
  readonly affine: boolean;
  /** Whether it keeps running statistics (used in eval mode instead of the batch's). */
  readonly trackRunningStats: boolean;
  /** The per-channel scale, [C] (initialised to 1), or null without `affine`. */
  readonly weight: Parameter | null;
  /** The per-channel shift, [C] (initialised to 0), or null without `affine`. */
  readonly bias: Parameter | null;

  constructor(layer: string, numFeatures: number, opts: BatchNormOptions, defaults: { affine: boolean; track: boolean }) {
    super();
    const o = checkOptions(layer, opts, NORM_OPTIONS);
    this.numFeatures = positiveInt(numFeatures, layer, 'numFeatures');
    this.eps = o.eps ?? 1e-5;
    this.momentum = o.momentum === undefined ? 0.1 : o.momentum;
    this.affine = o.affine ?? defaults.affine;
    this.trackRunningStats = o.trackRunningStats ?? defaults.track;
    const dtype: DType = o.dtype ?? 'float32';
    this.weight = this.affine ? new Parameter(ones([numFeatures], { dtype })) : null;
    this.bias = this.affine ? new Parameter(zeros([numFeatures], { dtype })) : null;
    this.registerBuffer('running_mean', this.trackRunningStats ? zeros([numFeatures], { dtype }) : null);
    this.registerBuffer('running_var', this.trackRunningStats ? ones([numFeatures], { dtype }) : null);
    this.registerBuffer('num_batches_tracked', this.trackRunningStats ? zeros([], { dtype: 'int32' }) : null);
  }

  /** The running mean (the buffer `running_mean`), or null without running statistics. */
  get runningMean(): Tensor | null {
    return slot(this, 'running_mean');
  }

  /** Replaces the running mean (registered as the buffer of PyTorch's name). */
  set runningMean(t: Tensor | null) {
    this.registerBuffer('running_mean', t);
  }

  /** The running variance (the buffer `running_var`), or null without running statistics. */
  get runningVar(): Tensor | null {
    return slot(this, 'running_var');
  }

  /** Replaces the running variance (registered as the buffer of PyTorch's name). */
  set runningVar(t: Tensor | null) {
    this.registerBuffer('running_var', t);
  }

  /** The number of training batches seen (the int32 buffer `num_batches_tracked`), or null. */
  get numBatchesTracked(): Tensor | null {
    return slot(this, 'num_batches_tracked');
  }

  /** Replaces the count of batches (registered as the buffer of PyTorch's name). */
  set numBatchesTracked(t: Tensor | null) {
    this.registerBuffer('num_batches_tracked', t);
  }

  /** Running mean 0, variance 1, no batches seen. */
  resetRunningStats(): void {
    noGrad(() => {
      this.runningMean?.zero_();
      this.runningVar?.fill_(1);
      this.numBatchesTracked?.zero_();
    });
  }

  /** Reset the running statistics, the weight to ones and the bias to zeros. */
  resetParameters(): void {
    this.resetRunningStats();
    noGrad(() => {
      this.weight?.fill_(1);
      this.bias?.zero_();
    });
  }

  /** BatchNorm's momentum for this step, counting the batch when training with running statistics, as PyTorch. */
  protected stepMomentum(): number {
    let factor = this.momentum ?? 0;
    const nbt = this.numBatchesTracked;
    if (this.training && this.trackRunningStats && nbt !== null) {
      noGrad(() => nbt.add_(1));
      if (this.momentum === null) factor = 1 / nbt.item();
    }
    return factor;
  }

  override extraRepr(): string {
    return `${this.numFeatures}, eps=${this.eps}, momentum=${this.momentum}, affine=${this.affine}, trackRunningStats=${this.trackRunningStats}`;
  }
}

/** BatchNorm over `[N, C, *]` with the checks of one of its subclasses. */
abstract class BatchNormBase extends NormBase {
  constructor(layer: string, numFeatures: number, opts: BatchNormOptions) {
    super(layer, numFeatures, opts, { affine: true, track: true });
  }

  protected abstract checkInput(input: Tensor): void;

  /** Normalise `input` with the batch's statistics (training, updating the running ones) or the running ones (eval). @example `new nn.BatchNorm1d(2).forward(tensor([[1, 10], [3, 30]])) // [[-1, -1], [1, 1]]; runningMean [0.2, 2]` */
  override forward(input: Tensor): Tensor {
    this.checkInput(input);
    if (input.shape[1] !== this.numFeatures) {
      throw new Error(`${this.constructor.name}: expected ${this.numFeatures} channels (dim 1) for an input of shape ${fmtShape(input.shape)}, got ${input.shape[1]}.`);
    }
    const momentum = this.stepMomentum();
    const rm = this.runningMean, rv = this.runningVar;
    // Batch statistics when training, or when there are no running ones to use.
    const training = this.training || (rm === null && rv === null);
    const useRunning = !this.training || this.trackRunningStats;
    return batchNorm(input, useRunning ? rm : null, useRunning ? rv : null, this.weight, this.bias, { training, momentum, eps: this.eps });
  }
}

/**
 * Batch normalisation of `[N, C]` or `[N, C, L]` per channel: batch statistics in training (updating the
 * running mean and variance with `momentum`, or cumulatively with `momentum: null`), the running statistics in
 * evaluation. One fused kernel forward and one backward.
 *
 * @example
 * ```ts
 * const bn = new nn.BatchNorm1d(16);
 * bn.forward(randn([8, 16]));
 * bn.runningMean; // moved 10% of the way to the batch mean
 * ```
 */
export class BatchNorm1d extends BatchNormBase {
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super('BatchNorm1d', numFeatures, opts);
  }

  protected checkInput(input: Tensor): void {
    if (input.ndim !== 2 && input.ndim !== 3) throw new Error(`BatchNorm1d: expected 2D or 3D input (got ${input.ndim}D input of shape ${fmtShape(input.shape)}).`);
  }
}

/**
 * Batch normalisation of `[N, C, H, W]` per channel (see `BatchNorm1d`).
 *
 * @example
 * ```ts
 * new nn.BatchNorm2d(8).forward(randn([4, 8, 5, 5])).shape; // [4, 8, 5, 5]
 * ```
 */
export class BatchNorm2d extends BatchNormBase {
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super('BatchNorm2d', numFeatures, opts);
  }

  protected checkInput(input: Tensor): void {
    if (input.ndim !== 4) throw new Error(`BatchNorm2d: expected 4D input (got ${input.ndim}D input of shape ${fmtShape(input.shape)}).`);
  }
}

/** Instance normalisation with the input checks of one of its subclasses. */
abstract class InstanceNormBase extends NormBase {
  constructor(layer: string, numFeatures: number, opts: BatchNormOptions, private readonly spatial: number) {
    super(layer, numFeatures, opts, { affine: false, track: false });
  }

  /** Normalise each sample's channels over their positions. @example `new nn.InstanceNorm1d(1).forward(tensor([[[1, 2, 3]]])) // [[[-1.2247, 0, 1.2247]]]` */
  override forward(input: Tensor): Tensor {
    const name = this.constructor.name, nd = this.spatial;
    if (input.ndim !== nd + 1 && input.ndim !== nd + 2) {
      throw new Error(`${name}: expected ${nd + 1}D (unbatched) or ${nd + 2}D (batched) input (got ${input.ndim}D input of shape ${fmtShape(input.shape)}).`);
    }
    const batched = input.ndim === nd + 2;
    const x = batched ? input : input.unsqueeze(0);
    if (x.shape[1] !== this.numFeatures && (this.affine || this.trackRunningStats)) {
      throw new Error(`${name}: expected input's size at dim ${batched ? 1 : 0} to match numFeatures (${this.numFeatures}), but got: ${x.shape[1]}.`);
    }
    // Unlike BatchNorm, PyTorch's InstanceNorm counts no batches and takes its momentum as it is.
    if (this.momentum === null && this.trackRunningStats) {
      throw new Error(`${name}: momentum null (a cumulative average) is not supported by instance normalisation, as in PyTorch; give a number.`);
    }
    const momentum = this.momentum ?? 0.1;
    const useInputStats = this.training || !this.trackRunningStats;
    const y = instanceNorm(x, {
      runningMean: this.runningMean, runningVar: this.runningVar, weight: this.weight, bias: this.bias, useInputStats, momentum, eps: this.eps,
    });
    return batched ? y : y.squeeze(0);
  }
}

/**
 * Instance normalisation of `[N, C, L]` (or unbatched `[C, L]`); no affine parameters and no running statistics
 * by default.
 *
 * @example
 * ```ts
 * new nn.InstanceNorm1d(4).forward(randn([2, 4, 10]));
 * ```
 */
export class InstanceNorm1d extends InstanceNormBase {
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super('InstanceNorm1d', numFeatures, opts, 1);
  }
}

/**
 * Instance normalisation of `[N, C, H, W]` (or unbatched `[C, H, W]`): each sample's channel normalised over its
 * positions; no affine parameters and no running statistics by default (`affine`, `trackRunningStats`).
 *
 * @example
 * ```ts
 * new nn.InstanceNorm2d(3, { affine: true }).forward(randn([2, 3, 8, 8]));
 * ```
 */
export class InstanceNorm2d extends InstanceNormBase {
  constructor(numFeatures: number, opts: BatchNormOptions = {}) {
    super('InstanceNorm2d', numFeatures, opts, 2);
  }
}

/** Options of `GroupNorm`. @example `new nn.GroupNorm(4, 16, { affine: false })` */
export interface GroupNormOptions {
  /** Added to the variance (default 1e-5). */
  readonly eps?: number;
  /** Learn a per-channel weight (ones) and bias (zeros) (default true). */
  readonly affine?: boolean;
  /** Parameter dtype (default float32). */
  readonly dtype?: 'float32' | 'float64';
}

/**
 * Group normalisation of `[N, C, *]`: `numChannels` split into `numGroups` groups, each normalised per sample.
 *
 * @example
 * ```ts
 * new nn.GroupNorm(2, 8).forward(randn([4, 8, 6, 6]));
 * ```
 */
export class GroupNorm extends Module {
  /** The number of groups the channels are split into, each normalised together. */
  readonly numGroups: number;
  /** The number of channels C (a multiple of numGroups). */
  readonly numChannels: number;
  /** Added to the variance (default 1e-5). */
  readonly eps: number;
  /** Whether the layer has the per-channel `weight` and `bias` (default true). */
  readonly affine: boolean;
  /** The per-channel scale, [C] (initialised to 1), or null. */
  readonly weight: Parameter | null;
  /** The per-channel shift, [C] (initialised to 0), or null. */
  readonly bias: Parameter | null;

  constructor(numGroups: number, numChannels: number, opts: GroupNormOptions = {}) {
    super();
    const o = checkOptions('GroupNorm', opts, { eps: 'number', affine: 'boolean', dtype: ['float32', 'float64'] });
    this.numGroups = positiveInt(numGroups, 'GroupNorm', 'numGroups');
    this.numChannels = positiveInt(numChannels, 'GroupNorm', 'numChannels');
    if (numChannels % numGroups !== 0) throw new Error(`GroupNorm: numChannels (${numChannels}) must be divisible by numGroups (${numGroups}).`);
    this.eps = o.eps ?? 1e-5;
    this.affine = o.affine ?? true;
    const dtype: DType = o.dtype ?? 'float32';
    this.weight = this.affine ? new Parameter(ones([numChannels], { dtype })) : null;
    this.bias = this.affine ? new Parameter(zeros([numChannels], { dtype })) : null;
  }

  /** Normalise `input` [N, numChannels, *], each group of channels together. @example `new nn.GroupNorm(1, 2).forward(tensor([[[1, 2], [3, 4]]])) // [[[-1.3416, -0.4472], [0.4472, 1.3416]]]` */
  override forward(input: Tensor): Tensor {
    if (input.ndim < 2 || input.shape[1] !== this.numChannels) {
      throw new Error(`GroupNorm: expected an input [N, ${this.numChannels}, *], got shape ${fmtShape(input.shape)}.`);
    }
    return groupNorm(input, this.numGroups, this.weight, this.bias, { eps: this.eps });
  }

  override extraRepr(): string {
    return `${this.numGroups}, ${this.numChannels}, eps=${this.eps}, affine=${this.affine}`;
  }
}
