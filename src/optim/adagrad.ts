import type { Tensor } from '../tensor.js';
import { checkRange, effectiveGrad, fusedOperands, written, Optimizer, optimizerOptions, stateLike, type ParamGroup, type ParamGroupInput, type Params } from './optimizer.js';

/** The options of `Adagrad`, all set (a group's options). @example `opt.paramGroups[0]!.lrDecay // 0` */
export interface AdagradConfig {
  /** The learning rate (default 1e-2, as PyTorch's `Adagrad`). */
  lr: number;
  /** The learning rate at step t is lr / (1 + (t − 1)·lrDecay). */
  lrDecay: number;
  /** L2 penalty added to the gradient. */
  weightDecay: number;
  /** The starting value of the sum of squared gradients. */
  initialAccumulatorValue: number;
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** Ascend the objective instead of descending it. */
  maximize: boolean;
  /**
   * Update each contiguous float parameter in one loop over its elements (the same operations in the same order,
   * rounded once per stored value) instead of a dozen tensor ops, which each allocate and pass over memory.
   * Default true; other parameters always take the tensor-op path.
   */
  fused: boolean;
}

/** Options of `Adagrad`; unset ones take PyTorch's defaults (lr 1e-2, eps 1e-10, the rest 0). @example `new optim.Adagrad(params, 0.1, { lrDecay: 1e-4 })` */
export type AdagradOptions = Partial<AdagradConfig>;

const ADAGRAD_OPTIONS = {
  lr: 'number', lrDecay: 'number', weightDecay: 'number', initialAccumulatorValue: 'number', eps: 'number', maximize: 'boolean', fused: 'boolean',
} as const;

/** What Adagrad keeps per parameter (made for every parameter when the optimizer is, as in PyTorch). @example `opt.state.get(p)?.sum` */
export interface AdagradState {
  /** Number of updates applied to this parameter. */
  step: number;
  /** Sum of the squared gradients so far (plus the initial accumulator value). */
  sum: Tensor;
}

/**
 * Adagrad with PyTorch's exact update. For gradient g (negated when `maximize`), at step t:
 *
 * ```text
 * g ← g + λ·p                                   (weightDecay λ)
 * s ← s + g²
 * p ← p − lr/(1 + (t − 1)·lrDecay) · g / (√s + ε)
 * ```
 *
 * @example
 * ```ts
 * const opt = new optim.Adagrad(model.parameters(), 0.1);
 * opt.zeroGrad(); loss.backward(); opt.step();
 * ```
 */
export class Adagrad extends Optimizer<AdagradConfig, AdagradState> {
  /** `lr` as the second argument or in the options: `new Adagrad(ps, 0.1, { lrDecay: 1e-4 })`. */
  constructor(params: Params<AdagradConfig>, lr?: number | AdagradOptions, opts?: AdagradOptions) {
    const o = optimizerOptions('Adagrad', lr, opts, ADAGRAD_OPTIONS);
    super(params, { lr: 1e-2, lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10, maximize: false, fused: true, ...o }, 'Adagrad',
      ADAGRAD_OPTIONS);
  }

  override addParamGroup(group: ParamGroupInput<AdagradConfig>): void {
    super.addParamGroup(group);
    // PyTorch makes Adagrad's state when the parameters are added, not at their first step.
    const added = this.paramGroups[this.paramGroups.length - 1]!;
    for (const p of added.params) this.state.set(p, { step: 0, sum: stateLike(p, added.initialAccumulatorValue) });
  }

  protected override validate(o: AdagradConfig): void {
    checkRange('Adagrad', 'learning rate (lr)', o.lr, 0);
    checkRange('Adagrad', 'lrDecay', o.lrDecay, 0);
    checkRange('Adagrad', 'weightDecay', o.weightDecay, 0);
    checkRange('Adagrad', 'initialAccumulatorValue', o.initialAccumulatorValue, 0);
    checkRange('Adagrad', 'epsilon (eps)', o.eps, 0);
  }

  protected override update(p: Tensor, grad: Tensor, group: ParamGroup<AdagradConfig>): void {
    let state = this.state.get(p);
    if (state === undefined) this.state.set(p, (state = { step: 0, sum: stateLike(p, group.initialAccumulatorValue) }));
    const step = ++state.step;
    const clr = group.lr / (1 + (step - 1) * group.lrDecay);
    const ops = group.fused ? fusedOperands(p, [grad, state.sum]) : null;
    if (ops !== null && p.storage.device.backend.adagrad !== undefined) {
      p.storage.device.backend.adagrad(p.dtype, ops[0], ops[1]!, ops[2]!, p.size, { clr, eps: group.eps, weightDecay: group.weightDecay, sign: group.maximize ? -1 : 1 });
      written(p, state.sum);
      return;
    }
    const g = effectiveGrad(p, grad, group.maximize, group.weightDecay);
    state.sum.add_(g.mul(g));
    p.add_(g.mul(-clr).div(state.sum.sqrt().add(group.eps)));
  }
}
