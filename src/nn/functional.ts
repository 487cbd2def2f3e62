import { isFloating } from '../dtype.js';
import { fmtShape, sameShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { logicalAnd, logicalOr, scatterAdd, where } from '../ops/api.generated.js';
import { ones, zeros } from '../creation.js';

/** How a loss combines the per-element values: averaged, summed, or returned as they are. */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options of `nllLoss` and `crossEntropy`. */
export interface ClassLossOptions {
  readonly reduction?: Reduction;
  /** Targets equal to this value contribute nothing (PyTorch's default -100). */
  readonly ignoreIndex?: number;
  /** A weight per class (1-d, C entries). */
  readonly weight?: Tensor;
  /** Mix the one-hot target with the uniform distribution by this amount (crossEntropy only). */
  readonly labelSmoothing?: number;
}

function checkReduction(r: string, op: string): Reduction {
  if (r === 'mean' || r === 'sum' || r === 'none') return r;
  throw new Error(`${op}: unknown reduction '${r}'; use 'mean', 'sum' or 'none'.`);
}

function sameSize(input: Tensor, target: Tensor, op: string): void {
  if (sameShape(input.shape, target.shape)) return;
  throw new Error(
    `${op}: target size ${fmtShape(target.shape)} must be the same as input size ${fmtShape(input.shape)}: broadcasting ` +
      `them would give a loss over the wrong pairs (PyTorch warns, or refuses). Reshape the target, e.g. ` +
      `target.view(${input.shape.join(', ')}), or the input.`,
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

function checkTargets(target: Tensor, classes: number, ignoreIndex: number, op: string): void {
  // Checked with tensor ops before any kernel reads with a label; only a bad label is read back, for the message.
  const bad = logicalAnd(target.ne(ignoreIndex), logicalOr(target.lt(0), target.ge(classes)));
  const backend = target.storage.device.backend;
  if (backend.readsAsyncOnly === true && backend.deferCheck) {
    // A device that cannot read synchronously checks on the device and reports at the next read-back.
    const mask = bad.flatten().contiguous(), values = target.flatten().contiguous();
    backend.deferCheck(mask.buffer, mask.offset, values.buffer, values.offset, mask.size, (i, v) => targetError(op, classes, i, v));
    return;
  }
  if (bad.sum().item() === 0) return;
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
  const reduction = checkReduction(opts.reduction ?? 'mean', 'nllLoss');
  const ignoreIndex = opts.ignoreIndex ?? -100;
  if (target.dtype !== 'int32') {
    throw new Error(`nllLoss: target must be an int32 tensor of class indices, got ${target.dtype}. Create it with { dtype: 'int32' }.`);
  }
  classDims(input, target, 'nllLoss');
  const classDim = input.ndim === 1 ? 0 : 1;
  const classes = input.shape[classDim]!;
  checkTargets(target, classes, ignoreIndex, 'nllLoss');
  if (opts.weight && (opts.weight.ndim !== 1 || opts.weight.shape[0] !== classes)) {
    throw new Error(`nllLoss: weight must be 1-d with one entry per class (${classes}), got shape ${fmtShape(opts.weight.shape)}.`);
  }
  const valid = target.ne(ignoreIndex);
  const safe = where(valid, target, 0).to('int32');
  const picked = input.gather(classDim, safe.unsqueeze(classDim)).squeeze(classDim);
  const classWeight = opts.weight ? opts.weight.indexSelect(0, safe.reshape([-1])).reshape(safe.shape) : null;
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
  const classDim = input.ndim === 1 ? 0 : 1;
  const logp = input.logSoftmax(classDim);
  const smoothing = opts.labelSmoothing ?? 0;
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
    const weighted = opts.weight ? t.mul(opts.weight.reshape([classes, ...input.shape.slice(classDim + 1).map(() => 1)])) : t;
    const losses = weighted.mul(logp).sum(classDim).neg();
    const reduction = checkReduction(opts.reduction ?? 'mean', 'crossEntropy');
    if (reduction === 'none') return losses;
    return reduction === 'sum' ? losses.sum() : losses.mean();
  }
  if (target.dtype === 'int32') {
    // Checked here as well as in nllLoss, so that the error names the function that was called.
    classDims(input, target, 'crossEntropy');
    checkTargets(target, input.shape[classDim]!, opts.ignoreIndex ?? -100, 'crossEntropy');
  }
  const { labelSmoothing: _ls, ...nllOpts } = opts;
  if (smoothing === 0) return nllLoss(logp, target, nllOpts);
  // With smoothing ε each sample's loss is (1-ε)·w[t]·(-log p_t) + ε/C · Σ_c w_c·(-log p_c); the mean divides by
  // Σ w[t] over the non-ignored samples, as PyTorch does.
  const perSample = nllLoss(logp, target, { ...nllOpts, reduction: 'none' });
  const classes = input.shape[classDim]!;
  const valid = target.ne(opts.ignoreIndex ?? -100);
  const wlogp = opts.weight ? logp.mul(opts.weight.reshape([classes, ...input.shape.slice(classDim + 1).map(() => 1)])) : logp;
  const smooth = where(valid, wlogp.sum(classDim).neg().div(classes), 0);
  const losses = perSample.mul(1 - smoothing).add(smooth.mul(smoothing));
  const reduction = checkReduction(opts.reduction ?? 'mean', 'crossEntropy');
  if (reduction === 'none') return losses;
  if (reduction === 'sum') return losses.sum();
  const safe = where(valid, target, 0).to('int32');
  const w = opts.weight ? where(valid, opts.weight.indexSelect(0, safe.reshape([-1])).reshape(safe.shape), 0) : valid.to(input.dtype);
  return losses.sum().div(w.sum());
}

/**
 * Mean squared error `(input - target)²`, averaged (or summed, or elementwise). The shapes must be equal: where
 * PyTorch broadcasts with a warning ([N, 1] against [N] gives N² pairs), this is an error.
 *
 * @example
 * ```ts
 * mseLoss(prediction, target);
 * ```
 */
export function mseLoss(input: Tensor, target: Tensor, opts: { readonly reduction?: Reduction } = {}): Tensor {
  const reduction = checkReduction(opts.reduction ?? 'mean', 'mseLoss');
  sameSize(input, target, 'mseLoss');
  const d = input.sub(target);
  const sq = d.mul(d);
  return reduction === 'none' ? sq : reduction === 'sum' ? sq.sum() : sq.mean();
}

/**
 * Binary cross-entropy on logits, stable for large |x|: `(1 - t)·x + log(1 + e^{-x})`. Target and input must have
 * the same shape (as in PyTorch).
 *
 * @example
 * ```ts
 * binaryCrossEntropyWithLogits(logits, targets);
 * ```
 */
export function binaryCrossEntropyWithLogits(input: Tensor, target: Tensor, opts: { readonly reduction?: Reduction } = {}): Tensor {
  const reduction = checkReduction(opts.reduction ?? 'mean', 'binaryCrossEntropyWithLogits');
  sameSize(input, target, 'binaryCrossEntropyWithLogits');
  // PyTorch's form (1 - t)·x + m + log(e^-m + e^(-x-m)) with m = max(-x, 0): stable for large |x|, and its
  // gradient is σ(x) - t everywhere, x = 0 included (relu(x) + log(1 + e^-|x|) would give -t there).
  const m = input.neg().clamp({ min: 0 });
  const l = target.neg().add(1).mul(input).add(m).add(m.neg().exp().add(input.neg().sub(m).exp()).log());
  return reduction === 'none' ? l : reduction === 'sum' ? l.sum() : l.mean();
}

/** ReLU as a function. @example `relu(x)` */
export const relu = (x: Tensor): Tensor => x.relu();
/** One-hot encoding of int32 indices into `numClasses` (float32). @example `oneHot(labels, 10)` */
export function oneHot(indices: Tensor, numClasses: number): Tensor {
  if (indices.dtype !== 'int32') throw new Error(`oneHot: indices must be int32, got ${indices.dtype}.`);
  checkTargets(indices, numClasses, -Infinity, 'oneHot');
  const at = indices.unsqueeze(-1);
  return scatterAdd(zeros([...indices.shape, numClasses], { device: indices.device }), -1, at, ones(at.shape, { device: indices.device }));
}

export { linear, dropout, type DropoutOptions } from './layer-functions.js';
