// The loss functions of torch.nn.functional, with PyTorch's formulas, defaults and `reduction`. Every loss refuses
// a target of another shape than the input (where PyTorch would broadcast, with a warning, and pair the wrong
// elements), and every option object is checked (unknown or snake_case keys are errors).
import { ones, zeros } from '../creation.js';
import { isFloating } from '../dtype.js';
import { logicalAnd, logicalOr, logSigmoid, scatterAdd, softplus, where } from '../ops/api.generated.js';
import type { Reduction } from '../ops/loss.js';
import { checkOptions } from '../options.js';
import { fmtShape, sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { pairwiseDistance } from './distance.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import '../autograd/record.js';

export type { Reduction, BinaryCrossEntropyOptions } from '../ops/loss.js';
export { binaryCrossEntropy } from '../ops/api.generated.js';

const REDUCTIONS = ['mean', 'sum', 'none'] as const;

/** Options of the losses that take only `reduction`. @example `l1Loss(x, y, { reduction: 'sum' })` */
export interface ReductionOptions {
  /** `'mean'` (the default) averages over every element, `'sum'` adds them, `'none'` returns them as they are. */
  readonly reduction?: Reduction;
}

/** Options of `nllLoss` and `crossEntropy`. @example `crossEntropy(logits, labels, { labelSmoothing: 0.1 })` */
export interface ClassLossOptions extends ReductionOptions {
  /** Targets equal to this value contribute nothing (PyTorch's default -100). */
  readonly ignoreIndex?: number;
  /** A weight per class (1-d, C entries). */
  readonly weight?: Tensor;
  /** Mix the one-hot target with the uniform distribution by this amount (crossEntropy only). */
  readonly labelSmoothing?: number;
}

const CLASS_LOSS_OPTIONS = { reduction: REDUCTIONS, ignoreIndex: 'integer', weight: 'tensor' } as const;

function reduce(l: Tensor, reduction: Reduction): Tensor {
  return reduction === 'none' ? l : reduction === 'sum' ? l.sum() : l.mean();
}

function checkTensors(op: string, named: Record<string, unknown>): void {
  for (const [name, t] of Object.entries(named)) {
    if (!(t instanceof Tensor)) throw new Error(`${op}: expected ${name} to be a Tensor, got ${t === null ? 'null' : typeof t}.`);
    if (!isFloating(t.dtype)) throw new Error(`${op}: ${name} must be floating point, got ${t.dtype}. Convert it with .float().`);
  }
}

/**
 * Refuse a target whose shape is not the input's. @example `sameSize(input, target, 'mseLoss')`
 */
function sameSize(input: Tensor, target: Tensor, op: string, targetName = 'target'): void {
  if (sameShape(input.shape, target.shape)) return;
  throw new Error(
    `${op}: ${targetName} size ${fmtShape(target.shape)} must be the same as input size ${fmtShape(input.shape)}: broadcasting ` +
      `them would give a loss over the wrong pairs (PyTorch warns, or refuses). Reshape the ${targetName}, e.g. ` +
      `${targetName}.view(${input.shape.join(', ')}), or the input.`,
  );
}

function classDims(input: Tensor, target: Tensor, op: string): void {
  if (input.ndim === 0) throw new Error(`${op}: input must have a class dimension, got a 0-d tensor.`);
  const expected = input.ndim === 1 ? [] : [input.shape[0]!, ...input.shape.slice(2)];
  if (!sameShape(target.shape, expected)) {
    throw new Error(
      `${op}: target shape ${fmtShape(target.shape)} does not match input shape ${fmtShape(input.shape)}: with classes on ` +
        `dim ${input.ndim === 1 ? 0 : 1}, the target must have shape ${fmtShape(expected)} (one class index per sample).`,
    );
  }
}

/** Throws for a label that is neither a class nor ignored; true when it has read that every label is a class. */
function checkTargets(target: Tensor, classes: number, ignoreIndex: number, op: string): boolean {
  // Checked with tensor ops before any kernel reads with a label; only a bad label is read back, for the message.
  const backend = target.storage.device.backend;
  const deferCheck = backend.readsAsyncOnly === true ? backend.deferCheck : undefined;
  // Where values can be read, two reductions settle the common case (every label a class) in 2 reads instead of 6
  // ops; ignored labels or a bad one take the exact check below.
  if (deferCheck === undefined && target.size > 0 && target.amin().item() >= 0 && target.amax().item() < classes) return true;
  const bad = logicalAnd(target.ne(ignoreIndex), logicalOr(target.lt(0), target.ge(classes)));
  if (deferCheck !== undefined) {
    // A device that cannot read synchronously checks on the device and reports at the next read-back.
    const mask = bad.flatten().contiguous(), values = target.flatten().contiguous();
    deferCheck.call(backend, mask.buffer, mask.offset, values.buffer, values.offset, mask.size, (i, v) => targetError(op, classes, i, v));
    return false;
  }
  if (bad.sum().item() === 0) return false;
  const flat = bad.flatten().to('int32');
  const i = flat.argmax().item();
  const v = target.flatten().narrow(0, i, 1).item();
  throw targetError(op, classes, i, v);
}

function targetError(op: string, classes: number, i: number, v: number): Error {
  return new Error(
    `${op}: target ${v} (at flat index ${i}) is out of bounds for ${classes} classes; targets must be integers in ` +
      `[0, ${classes - 1}]. Check the labels, or the number of classes of the model's output.`,
  );
}

/**
 * Negative log-likelihood of int32 class `target`s under log-probabilities `input` ([N, C], [C] or
 * [N, C, d1, …]), as in PyTorch: mean over the (weighted) non-ignored targets by default.
 *
 * @example
 * ```ts
 * nllLoss(logits.logSoftmax(1), labels);
 * ```
 */
export function nllLoss(input: Tensor, target: Tensor, opts: ClassLossOptions = {}): Tensor {
  return nll(input, target, opts, null);
}

/**
 * nllLoss. `allClasses`: null to check the labels here; else crossEntropy has checked them, and true when it read
 * that every label is a class.
 */
function nll(input: Tensor, target: Tensor, opts: ClassLossOptions, allClasses: boolean | null): Tensor {
  const o = checkOptions('nllLoss', opts, CLASS_LOSS_OPTIONS);
  const reduction = o.reduction ?? 'mean';
  const ignoreIndex = o.ignoreIndex ?? -100;
  if (!(input instanceof Tensor) || !(target instanceof Tensor)) throw new Error('nllLoss: expected the input and the target to be Tensors.');
  if (target.dtype !== 'int32') {
    throw new Error(`nllLoss: target must be an int32 tensor of class indices, got ${target.dtype}. Create it with { dtype: 'int32' }.`);
  }
  classDims(input, target, 'nllLoss');
  const classDim = input.ndim === 1 ? 0 : 1;
  const classes = input.shape[classDim]!;
  const classesOnly = allClasses ?? checkTargets(target, classes, ignoreIndex, 'nllLoss');
  if (o.weight && (o.weight.ndim !== 1 || o.weight.shape[0] !== classes)) {
    throw new Error(`nllLoss: weight must be 1-d with one entry per class (${classes}), got shape ${fmtShape(o.weight.shape)}.`);
  }
  if (classesOnly && !o.weight && (ignoreIndex < 0 || ignoreIndex >= classes)) {
    // Every label is a class and none is ignored: the picked log-probabilities, negated, without the masks
    // (the same values and gradients in 3 ops instead of 10).
    const losses = input.gather(classDim, target.unsqueeze(classDim)).squeeze(classDim).neg();
    return reduction === 'none' ? losses : reduction === 'sum' ? losses.sum() : losses.mean();
  }
  const valid = target.ne(ignoreIndex);
  const safe = where(valid, target, 0).to('int32');
  const picked = input.gather(classDim, safe.unsqueeze(classDim)).squeeze(classDim);
  const classWeight = o.weight ? o.weight.indexSelect(0, safe.reshape([-1])).reshape(safe.shape) : null;
  // Ignored targets are cut out with where rather than multiplied by 0, so their gradient is exactly 0 even when
  // the mean divides by a total weight of 0 (every target ignored: the loss is NaN), as in PyTorch.
  const losses = where(valid, classWeight ? picked.mul(classWeight).neg() : picked.neg(), 0);
  if (reduction === 'none') return losses;
  if (reduction === 'sum') return losses.sum();
  const w = classWeight ? where(valid, classWeight, 0) : valid.to(input.dtype);
  return losses.sum().div(w.sum());
}

/**
 * Cross-entropy between `input` logits ([N, C], [C] or [N, C, d1, …]) and int32 class `target`s, or class
 * probabilities of the input's shape. `logSoftmax` + `nllLoss`, stable for large logits.
 *
 * @example
 * ```ts
 * const loss = crossEntropy(model.forward(x), labels);
 * ```
 */
export function crossEntropy(input: Tensor, target: Tensor, opts: ClassLossOptions = {}): Tensor {
  const o = checkOptions('crossEntropy', opts, { ...CLASS_LOSS_OPTIONS, labelSmoothing: 'number' });
  if (!(input instanceof Tensor) || !(target instanceof Tensor)) throw new Error('crossEntropy: expected the input and the target to be Tensors.');
  const classDim = input.ndim === 1 ? 0 : 1;
  const logp = input.logSoftmax(classDim);
  const smoothing = o.labelSmoothing ?? 0;
  const reduction = o.reduction ?? 'mean';
  if (!(smoothing >= 0 && smoothing <= 1)) throw new Error(`crossEntropy: labelSmoothing must be in [0, 1], got ${smoothing}.`);
  if (isFloating(target.dtype)) {
    if (!sameShape(target.shape, input.shape)) {
      throw new Error(
        `crossEntropy: probability targets must have the input's shape ${fmtShape(input.shape)}, got ${fmtShape(target.shape)}. ` +
          `For class indices pass an int32 tensor.`,
      );
    }
    const classes = input.shape[classDim]!;
    const t = smoothing > 0 ? target.mul(1 - smoothing).add(smoothing / classes) : target;
    const weighted = o.weight ? t.mul(o.weight.reshape([classes, ...input.shape.slice(classDim + 1).map(() => 1)])) : t;
    return reduce(weighted.mul(logp).sum(classDim).neg(), reduction);
  }
  let allClasses: boolean | null = null;
  if (target.dtype === 'int32') {
    // Checked here (and not again in nllLoss), so that the error names the function that was called.
    classDims(input, target, 'crossEntropy');
    allClasses = checkTargets(target, input.shape[classDim]!, o.ignoreIndex ?? -100, 'crossEntropy');
  }
  const { labelSmoothing: _ls, ...nllOpts } = o;
  if (smoothing === 0) return nll(logp, target, nllOpts, allClasses);
  // With smoothing ε each sample's loss is (1-ε)·w[t]·(-log p_t) + ε/C · Σ_c w_c·(-log p_c); the mean divides by
  // Σ w[t] over the non-ignored samples, as PyTorch does.
  const perSample = nll(logp, target, { ...nllOpts, reduction: 'none' }, allClasses);
  const classes = input.shape[classDim]!;
  const valid = target.ne(o.ignoreIndex ?? -100);
  const wlogp = o.weight ? logp.mul(o.weight.reshape([classes, ...input.shape.slice(classDim + 1).map(() => 1)])) : logp;
  const smooth = where(valid, wlogp.sum(classDim).neg().div(classes), 0);
  const losses = perSample.mul(1 - smoothing).add(smooth.mul(smoothing));
  if (reduction === 'none') return losses;
  if (reduction === 'sum') return losses.sum();
  const safe = where(valid, target, 0).to('int32');
  const w = o.weight ? where(valid, o.weight.indexSelect(0, safe.reshape([-1])).reshape(safe.shape), 0) : valid.to(input.dtype);
  return losses.sum().div(w.sum());
}

/**
 * Mean squared error `(input - target)²`, averaged (or summed, or elementwise). The shapes must be equal: where
 * PyTorch broadcasts with a warning ([N, 1] against [N] gives N² pairs), this is an error.
 *
 * @example
 * ```ts
 * mseLoss(tensor([1, 2, 3]), tensor([1, 2, 5])); // tensor(1.3333): (0 + 0 + 4) / 3
 * ```
 */
export function mseLoss(input: Tensor, target: Tensor, opts: ReductionOptions = {}): Tensor {
  const o = checkOptions('mseLoss', opts, { reduction: REDUCTIONS });
  checkTensors('mseLoss', { input, target });
  sameSize(input, target, 'mseLoss');
  const d = input.sub(target);
  return reduce(d.mul(d), o.reduction ?? 'mean');
}

/**
 * Mean absolute error `|input − target|` (the gradient at 0 is 0, as in PyTorch).
 *
 * @example
 * ```ts
 * l1Loss(prediction, target, { reduction: 'sum' });
 * ```
 */
export function l1Loss(input: Tensor, target: Tensor, opts: ReductionOptions = {}): Tensor {
  const o = checkOptions('l1Loss', opts, { reduction: REDUCTIONS });
  checkTensors('l1Loss', { input, target });
  sameSize(input, target, 'l1Loss');
  return reduce(input.sub(target).abs(), o.reduction ?? 'mean');
}

/** Options of `smoothL1Loss`. @example `smoothL1Loss(x, y, { beta: 0.5 })` */
export interface SmoothL1LossOptions extends ReductionOptions {
  /** Where the loss changes from quadratic to linear (default 1; 0 gives the L1 loss). */
  readonly beta?: number;
}

/**
 * Smooth L1 loss: `0.5·d²/β` where |d| < β, else `|d| − 0.5·β`, with d = input − target.
 *
 * @example
 * ```ts
 * smoothL1Loss(boxes, targetBoxes, { beta: 1 / 9 });
 * ```
 */
export function smoothL1Loss(input: Tensor, target: Tensor, opts: SmoothL1LossOptions = {}): Tensor {
  const o = checkOptions('smoothL1Loss', opts, { reduction: REDUCTIONS, beta: 'number' });
  checkTensors('smoothL1Loss', { input, target });
  sameSize(input, target, 'smoothL1Loss');
  const beta = o.beta ?? 1;
  if (!(beta >= 0)) throw new Error(`smoothL1Loss: smooth_l1_loss does not support negative values for beta, got ${beta}.`);
  const ad = input.sub(target).abs();
  // β = 0 is the L1 loss; the quadratic branch would divide by 0 (and leak NaN into the gradient).
  const l = beta === 0 ? ad : where(ad.lt(beta), ad.mul(ad).mul(0.5 / beta), ad.sub(0.5 * beta));
  return reduce(l, o.reduction ?? 'mean');
}

/** Options of `huberLoss`. @example `huberLoss(x, y, { delta: 2 })` */
export interface HuberLossOptions extends ReductionOptions {
  /** Where the loss changes from quadratic to linear (default 1, must be positive). */
  readonly delta?: number;
}

/**
 * Huber loss: `0.5·d²` where |d| < δ, else `δ·(|d| − 0.5·δ)` (smoothL1Loss scaled by δ).
 *
 * @example
 * ```ts
 * huberLoss(prediction, target, { delta: 1.5 });
 * ```
 */
export function huberLoss(input: Tensor, target: Tensor, opts: HuberLossOptions = {}): Tensor {
  const o = checkOptions('huberLoss', opts, { reduction: REDUCTIONS, delta: 'number' });
  checkTensors('huberLoss', { input, target });
  sameSize(input, target, 'huberLoss');
  const delta = o.delta ?? 1;
  if (!(delta > 0)) throw new Error(`huberLoss: huber_loss does not support non-positive values for delta, got ${delta}.`);
  const d = input.sub(target), ad = d.abs();
  return reduce(where(ad.lt(delta), d.mul(d).mul(0.5), ad.sub(0.5 * delta).mul(delta)), o.reduction ?? 'mean');
}

/** Options of `binaryCrossEntropyWithLogits`. @example `binaryCrossEntropyWithLogits(z, t, { posWeight })` */
export interface BinaryCrossEntropyWithLogitsOptions extends ReductionOptions {
  /** A rescaling weight, broadcast to the input's shape. */
  readonly weight?: Tensor | null;
  /** A weight of the positive examples, broadcast along the last dim (one per class). */
  readonly posWeight?: Tensor | null;
}

/**
 * Binary cross-entropy on logits, stable for large |x|: `(1 − t)·x + (1 + (p − 1)·t)·log(1 + e^{−x})` with p the
 * positive weight (1 without one). Target and input must have the same shape (as in PyTorch).
 *
 * @example
 * ```ts
 * binaryCrossEntropyWithLogits(tensor([0, 2]), tensor([1, 1])); // tensor(0.4100): mean of log 2 and log(1 + e⁻²)
 * ```
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts: BinaryCrossEntropyWithLogitsOptions = {}): Tensor {
  const o = checkOptions('binaryCrossEntropyWithLogits', opts, { reduction: REDUCTIONS, weight: 'tensor|null', posWeight: 'tensor|null' });
  checkTensors('binaryCrossEntropyWithLogits', { input, target });
  sameSize(input, target, 'binaryCrossEntropyWithLogits');
  // PyTorch's form m + log(e^-m + e^(-x-m)) = log(1 + e^-x) with m = max(-x, 0): stable for large |x|, and its
  // gradient is σ(x) - t everywhere, x = 0 included (relu(x) + log(1 + e^-|x|) would give -t there).
  const m = input.neg().clamp({ min: 0 });
  const softplusNeg = m.add(m.neg().exp().add(input.neg().sub(m).exp()).log());
  const logWeight = o.posWeight ? o.posWeight.sub(1).mul(target).add(1) : null;
  let l = target.neg().add(1).mul(input).add(logWeight ? logWeight.mul(softplusNeg) : softplusNeg);
  if (o.weight) l = l.mul(o.weight);
  return reduce(l, o.reduction ?? 'mean');
}

/** Options of `klDiv`. @example `klDiv(logProbs, probs, { reduction: 'batchmean' })` */
export interface KlDivOptions {
  /** `'mean'` (the default, over every element), `'batchmean'` (the sum over the batch size: the true KL divergence), `'sum'` or `'none'`. */
  readonly reduction?: Reduction | 'batchmean';
  /** The target is given as log-probabilities (default false). */
  readonly logTarget?: boolean;
}

/**
 * Kullback–Leibler divergence of `target` from `input` log-probabilities: `t·(log t − x)` per element (0 where
 * t = 0), or `e^t·(t − x)` with `logTarget`. PyTorch's default reduction is `'mean'`; use `'batchmean'` for the
 * divergence per sample.
 *
 * @example
 * ```ts
 * klDiv(student.logSoftmax(1), teacher.softmax(1), { reduction: 'batchmean' });
 * ```
 */
export function klDiv(input: Tensor, target: Tensor, opts: KlDivOptions = {}): Tensor {
  const o = checkOptions('klDiv', opts, { reduction: [...REDUCTIONS, 'batchmean'], logTarget: 'boolean' });
  checkTensors('klDiv', { input, target });
  sameSize(input, target, 'klDiv');
  let l: Tensor;
  if (o.logTarget) {
    l = target.exp().mul(target.sub(input));
  } else {
    // xlogy(t, t) − t·x: 0 where t = 0 (a NaN for t < 0, as in PyTorch); the log reads 1 there so that its gradient
    // stays finite.
    const zero = target.eq(0);
    l = where(zero, 0, target.mul(where(zero, 1, target).log())).sub(target.mul(input));
  }
  const reduction = o.reduction ?? 'mean';
  if (reduction !== 'batchmean') return reduce(l, reduction);
  if (input.ndim === 0) return l.sum();
  return l.sum().div(input.shape[0]!);
}

/** Options of `poissonNllLoss`. @example `poissonNllLoss(logRate, counts, { full: true })` */
export interface PoissonNllLossOptions extends ReductionOptions {
  /** The input is the log of the rate (default true): `e^x − t·x`; else the rate: `x − t·log(x + eps)`. */
  readonly logInput?: boolean;
  /** Add Stirling's approximation of log(t!) where t > 1 (default false). */
  readonly full?: boolean;
  /** Keeps log(x + eps) finite at x = 0 when logInput is false (default 1e-8). */
  readonly eps?: number;
}

/**
 * Negative log-likelihood of Poisson-distributed `target` counts with rate `input` (or its log).
 *
 * @example
 * ```ts
 * poissonNllLoss(model.forward(x), counts);
 * ```
 */
export function poissonNllLoss(input: Tensor, target: Tensor, opts: PoissonNllLossOptions = {}): Tensor {
  const o = checkOptions('poissonNllLoss', opts, { reduction: REDUCTIONS, logInput: 'boolean', full: 'boolean', eps: 'number' });
  checkTensors('poissonNllLoss', { input, target });
  sameSize(input, target, 'poissonNllLoss');
  let l = (o.logInput ?? true) ? input.exp().sub(target.mul(input)) : input.sub(target.mul(input.add(o.eps ?? 1e-8).log()));
  if (o.full) {
    // t·log t − t + ½·log(2πt) where t > 1; the logs read a safe 2 elsewhere, so that no NaN reaches a gradient.
    const big = target.gt(1);
    const t = where(big, target, 2);
    l = l.add(where(big, t.mul(t.log()).sub(t).add(t.mul(2 * Math.PI).log().mul(0.5)), 0));
  }
  return reduce(l, o.reduction ?? 'mean');
}

/** Options of `gaussianNllLoss`. @example `gaussianNllLoss(mean, y, variance, { full: true })` */
export interface GaussianNllLossOptions extends ReductionOptions {
  /** Add the constant ½·log(2π) (default false). */
  readonly full?: boolean;
  /** The variance is clamped to at least this, without affecting its gradient (default 1e-6). */
  readonly eps?: number;
}

/**
 * Negative log-likelihood of `target` under N(input, var): `½·(log v + (x − t)²/v)`, with v = max(var, eps) (the
 * clamp does not stop the gradient, as PyTorch clamps in place without recording). `var` has the input's shape,
 * or that shape without its last dim, or with a last dim of 1 (one variance shared by the last dim).
 *
 * @example
 * ```ts
 * gaussianNllLoss(tensor([0, 1]), tensor([0, 2]), tensor([1, 1])); // tensor(0.2500): mean of ½(log σ² + (μ − y)²/σ²)
 * ```
 */
export function gaussianNllLoss(input: Tensor, target: Tensor, variance: Tensor, opts: GaussianNllLossOptions = {}): Tensor {
  const o = checkOptions('gaussianNllLoss', opts, { reduction: REDUCTIONS, full: 'boolean', eps: 'number' });
  checkTensors('gaussianNllLoss', { input, target, var: variance });
  sameSize(input, target, 'gaussianNllLoss');
  let v = variance;
  if (!sameShape(v.shape, input.shape)) {
    const lead = input.shape.slice(0, -1);
    if (input.ndim > 0 && sameShape(lead, v.shape)) v = v.unsqueeze(-1);
    else if (!(input.ndim > 0 && v.ndim === input.ndim && sameShape(lead, v.shape.slice(0, -1)) && v.shape[v.ndim - 1] === 1)) {
      throw new Error(`gaussianNllLoss: var is of incorrect size ${fmtShape(v.shape)} for input ${fmtShape(input.shape)}: it must be ${fmtShape(input.shape)}, ${fmtShape(lead)} or ${fmtShape([...lead, 1])}.`);
    }
  }
  if (v.size > 0 && v.min().item() < 0) throw new Error('gaussianNllLoss: var has negative entry/entries.');
  const eps = o.eps ?? 1e-6;
  const vd = v.detach();
  v = v.add(vd.clamp({ min: eps }).sub(vd));
  const d = input.sub(target);
  let l = v.log().add(d.mul(d).div(v)).mul(0.5);
  if (o.full) l = l.add(0.5 * Math.log(2 * Math.PI));
  return reduce(l, o.reduction ?? 'mean');
}

/** Options of the margin losses. @example `marginRankingLoss(a, b, y, { margin: 0.5 })` */
export interface MarginOptions extends ReductionOptions {
  /** The margin (default 0 for marginRankingLoss and cosineEmbeddingLoss, 1 for hingeEmbeddingLoss). */
  readonly margin?: number;
}

/**
 * Margin ranking loss `max(0, −y·(x1 − x2) + margin)` for `y` ∈ {1, −1} (x1 should rank higher where y = 1).
 *
 * @example
 * ```ts
 * marginRankingLoss(scoreA, scoreB, y, { margin: 0.1 });
 * ```
 */
export function marginRankingLoss(input1: Tensor, input2: Tensor, target: Tensor, opts: MarginOptions = {}): Tensor {
  const o = checkOptions('marginRankingLoss', opts, { reduction: REDUCTIONS, margin: 'number' });
  checkTensors('marginRankingLoss', { input1, input2, target });
  sameSize(input1, input2, 'marginRankingLoss', 'input2');
  sameSize(input1, target, 'marginRankingLoss');
  return reduce(target.neg().mul(input1.sub(input2)).add(o.margin ?? 0).clamp({ min: 0 }), o.reduction ?? 'mean');
}

/**
 * Hinge embedding loss: `x` where y = 1, `max(0, margin − x)` where y = −1 (`input` is usually a distance).
 *
 * @example
 * ```ts
 * hingeEmbeddingLoss(distances, y, { margin: 1 });
 * ```
 */
export function hingeEmbeddingLoss(input: Tensor, target: Tensor, opts: MarginOptions = {}): Tensor {
  const o = checkOptions('hingeEmbeddingLoss', opts, { reduction: REDUCTIONS, margin: 'number' });
  checkTensors('hingeEmbeddingLoss', { input, target });
  sameSize(input, target, 'hingeEmbeddingLoss');
  const hinge = input.neg().add(o.margin ?? 1).clamp({ min: 0 });
  const l = where(target.ne(1), hinge, 0).add(where(target.ne(-1), input, 0));
  return reduce(l, o.reduction ?? 'mean');
}

/**
 * Soft margin loss `log(1 + e^{−y·x})` for `y` ∈ {1, −1}: two-class logistic loss.
 *
 * @example
 * ```ts
 * softMarginLoss(tensor([2, -1]), tensor([1, -1])); // tensor(0.2201): mean of log(1 + e^(−y·x))
 * ```
 */
export function softMarginLoss(input: Tensor, target: Tensor, opts: ReductionOptions = {}): Tensor {
  const o = checkOptions('softMarginLoss', opts, { reduction: REDUCTIONS });
  checkTensors('softMarginLoss', { input, target });
  sameSize(input, target, 'softMarginLoss');
  return reduce(softplus(input.mul(target).neg()), o.reduction ?? 'mean');
}

/** Options of `multiLabelSoftMarginLoss`. @example `multiLabelSoftMarginLoss(x, y, { weight })` */
export interface MultiLabelSoftMarginLossOptions extends ReductionOptions {
  /** A weight per class, broadcast over the input. */
  readonly weight?: Tensor | null;
}

/**
 * Multi-label one-versus-all loss: per sample, the mean over the C classes of the binary cross-entropy of σ(x)
 * against the 0/1 target; `input` and `target` `[N, C]`.
 *
 * @example
 * ```ts
 * multiLabelSoftMarginLoss(tensor([[2, -1, 0]]), tensor([[1, 0, 1]])); // tensor(0.3778)
 * ```
 */
export function multiLabelSoftMarginLoss(input: Tensor, target: Tensor, opts: MultiLabelSoftMarginLossOptions = {}): Tensor {
  const o = checkOptions('multiLabelSoftMarginLoss', opts, { reduction: REDUCTIONS, weight: 'tensor|null' });
  checkTensors('multiLabelSoftMarginLoss', { input, target });
  sameSize(input, target, 'multiLabelSoftMarginLoss');
  if (input.ndim === 0) throw new Error('multiLabelSoftMarginLoss: input must have a class dimension, got a 0-d tensor.');
  // PyTorch's −(t·logσ(x) + (1 − t)·logσ(−x)).
  let l = target.mul(logSigmoid(input)).add(target.neg().add(1).mul(logSigmoid(input.neg()))).neg();
  if (o.weight) l = l.mul(o.weight);
  const classes = input.shape[input.ndim - 1]!;
  return reduce(l.sum(input.ndim - 1).div(classes), o.reduction ?? 'mean');
}

/**
 * Cosine embedding loss: `1 − cos(x1, x2)` where y = 1, `max(0, cos(x1, x2) − margin)` where y = −1; `x1`, `x2`
 * `[N, D]` (or `[D]` with a 0-d target), `target` `[N]`. The cosine uses PyTorch's ε = 1e-12 in the norms.
 *
 * @example
 * ```ts
 * cosineEmbeddingLoss(a, b, y, { margin: 0.2 });
 * ```
 */
export function cosineEmbeddingLoss(input1: Tensor, input2: Tensor, target: Tensor, opts: MarginOptions = {}): Tensor {
  const o = checkOptions('cosineEmbeddingLoss', opts, { reduction: REDUCTIONS, margin: 'number' });
  checkTensors('cosineEmbeddingLoss', { input1, input2, target });
  sameSize(input1, input2, 'cosineEmbeddingLoss', 'input2');
  if (input1.ndim !== 1 && input1.ndim !== 2) {
    throw new Error(`cosineEmbeddingLoss: expected 1-d or 2-d inputs, got shape ${fmtShape(input1.shape)}.`);
  }
  const expected = input1.ndim === 2 ? [input1.shape[0]!] : [];
  if (!sameShape(target.shape, expected)) {
    throw new Error(`cosineEmbeddingLoss: target shape ${fmtShape(target.shape)} does not match the inputs ${fmtShape(input1.shape)}: expected ${fmtShape(expected)}, one ±1 per pair.`);
  }
  const d = input1.ndim - 1;
  const EPSILON = 1e-12;
  const prod = input1.mul(input2).sum(d);
  const m1 = input1.mul(input1).sum(d).add(EPSILON), m2 = input2.mul(input2).sum(d).add(EPSILON);
  const cos = prod.div(m1.mul(m2).sqrt());
  const l = where(target.eq(1), cos.neg().add(1), 0).add(where(target.eq(-1), cos.sub(o.margin ?? 0).clamp({ min: 0 }), 0));
  return reduce(l, o.reduction ?? 'mean');
}

/** Options of `tripletMarginLoss`. @example `tripletMarginLoss(a, p, n, { margin: 0.3, swap: true })` */
export interface TripletMarginLossOptions extends MarginOptions {
  /** The norm of the distances (default 2). */
  readonly p?: number;
  /** Added to the differences before the norm, as in pairwiseDistance (default 1e-6). */
  readonly eps?: number;
  /** Use the smaller of d(anchor, negative) and d(positive, negative) (default false). */
  readonly swap?: boolean;
}

/**
 * Triplet margin loss `max(d(a, p) − d(a, n) + margin, 0)` with d the p-norm distance along the last dim
 * (`pairwiseDistance`); margin defaults to 1.
 *
 * @example
 * ```ts
 * tripletMarginLoss(tensor([[0, 0]]), tensor([[3, 4]]), tensor([[1, 0]])); // tensor(5.): max(5 − 1 + margin 1, 0)
 * ```
 */
export function tripletMarginLoss(anchor: Tensor, positive: Tensor, negative: Tensor, opts: TripletMarginLossOptions = {}): Tensor {
  const o = checkOptions('tripletMarginLoss', opts, { reduction: REDUCTIONS, margin: 'number', p: 'number', eps: 'number', swap: 'boolean' });
  checkTensors('tripletMarginLoss', { anchor, positive, negative });
  sameSize(anchor, positive, 'tripletMarginLoss', 'positive');
  sameSize(anchor, negative, 'tripletMarginLoss', 'negative');
  if (anchor.ndim !== 1 && anchor.ndim !== 2) throw new Error(`tripletMarginLoss: expected 1-d or 2-d inputs, got shape ${fmtShape(anchor.shape)}.`);
  const dist = { p: o.p ?? 2, eps: o.eps ?? 1e-6 };
  const dPos = pairwiseDistance(anchor, positive, dist);
  let dNeg = pairwiseDistance(anchor, negative, dist);
  if (o.swap) dNeg = dNeg.minimum(pairwiseDistance(positive, negative, dist));
  return reduce(dPos.sub(dNeg).add(o.margin ?? 1).clamp({ min: 0 }), o.reduction ?? 'mean');
}

/**
 * One-hot encoding of int32 indices into `numClasses` classes (float32); `numClasses` −1 (the default) uses the
 * largest index + 1.
 *
 * @example
 * ```ts
 * oneHot(labels, 10);
 * ```
 */
export function oneHot(indices: Tensor, numClasses = -1): Tensor {
  if (!(indices instanceof Tensor) || indices.dtype !== 'int32') throw new Error(`oneHot: indices must be an int32 tensor, got ${indices instanceof Tensor ? indices.dtype : typeof indices}.`);
  if (!Number.isInteger(numClasses) || numClasses < -1) throw new Error(`oneHot: numClasses must be a non-negative integer or -1, got ${numClasses}.`);
  const classes = numClasses === -1 ? (indices.size === 0 ? 0 : indices.max().item() + 1) : numClasses;
  checkTargets(indices, classes, -Infinity, 'oneHot');
  const at = indices.unsqueeze(-1);
  return scatterAdd(zeros([...indices.shape, classes], { device: indices.device }), -1, at, ones(at.shape, { device: indices.device }));
}
