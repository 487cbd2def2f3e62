import type { Tensor } from '../tensor.js';
import { checkBetas, checkRange, effectiveGrad, fusedOperands, written, Optimizer, optimizerOptions, stateLike, type ParamGroup, type Params } from './optimizer.js';

/** The options of `Adamax`, all set (a group's options). @example `opt.paramGroups[0]!.betas // [0.9, 0.999]` */
export interface AdamaxConfig {
  /** The learning rate (default 2e-3, as PyTorch's `Adamax`). */
  lr: number;
  /** Decay rates (β₁, β₂) of the first moment and of the infinity norm. */
  betas: readonly [number, number];
  /** Added to |g| in the infinity norm, for numerical stability. */
  eps: number;
  /** L2 penalty added to the gradient. */
  weightDecay: number;
  /** Ascend the objective instead of descending it. */
  maximize: boolean;
  /**
   * Update each contiguous float parameter in one loop over its elements (the same operations in the same order,
   * rounded once per stored value) instead of a dozen tensor ops, which each allocate and pass over memory.
   * Default true; other parameters always take the tensor-op path.
   */
  fused: boolean;
}

/** Options of `Adamax`; unset ones take PyTorch's defaults (lr 2e-3, betas [0.9, 0.999], eps 1e-8). @example `new optim.Adamax(params, 2e-3)` */
export type AdamaxOptions = Partial<AdamaxConfig>;

const ADAMAX_OPTIONS = { lr: 'number', betas: 'numbers', eps: 'number', weightDecay: 'number', maximize: 'boolean', fused: 'boolean' } as const;

/** What Adamax keeps per parameter. @example `opt.state.get(p)?.expInf` */
export interface AdamaxState {
  /** Number of updates applied to this parameter. */
  step: number;
  /** First moment estimate m. */
  expAvg: Tensor;
  /** Exponentially weighted infinity norm u. */
  expInf: Tensor;
}

/**
 * Adamax (Adam with the infinity norm) with PyTorch's exact update. For gradient g (negated when `maximize`), at step t:
 *
 * ```text
 * g ← g + λ·p                                   (weightDecay λ)
 * m ← β₁·m + (1 − β₁)·g
 * u ← max(β₂·u, |g| + ε)
 * p ← p − lr/(1 − β₁ᵗ) · m/u
 * ```
 *
 * @example
 * ```ts
 * const opt = new optim.Adamax(model.parameters(), 2e-3);
 * ```
 */
export class Adamax extends Optimizer<AdamaxConfig, AdamaxState> {
  /** `lr` as the second argument or in the options: `new Adamax(ps, 2e-3, { betas: [0.9, 0.99] })`. */
  constructor(params: Params<AdamaxConfig>, lr?: number | AdamaxOptions, opts?: AdamaxOptions) {
    const o = optimizerOptions('Adamax', lr, opts, ADAMAX_OPTIONS);
    super(params, { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false, fused: true, ...o }, 'Adamax', ADAMAX_OPTIONS);
  }

  protected override validate(o: AdamaxConfig): void {
    checkRange('Adamax', 'learning rate (lr)', o.lr, 0);
    checkRange('Adamax', 'epsilon (eps)', o.eps, 0);
    checkBetas('Adamax', o.betas);
    checkRange('Adamax', 'weightDecay', o.weightDecay, 0);
  }

  protected override update(p: Tensor, grad: Tensor, group: ParamGroup<AdamaxConfig>): void {
    const [beta1, beta2] = group.betas;
    let state = this.state.get(p);
    if (state === undefined) this.state.set(p, (state = { step: 0, expAvg: stateLike(p), expInf: stateLike(p) }));
    const step = ++state.step;
    const clr = group.lr / (1 - beta1 ** step);
    const ops = group.fused ? fusedOperands(p, [grad, state.expAvg, state.expInf]) : null;
    if (ops !== null && p.storage.device.backend.adamax !== undefined) {
      p.storage.device.backend.adamax(p.dtype, ops[0], ops[1]!, ops[2]!, ops[3]!, p.size,
        { beta1, beta2, eps: group.eps, clr, weightDecay: group.weightDecay, sign: group.maximize ? -1 : 1 });
      written(p, state.expAvg, state.expInf);
      return;
    }
    const g = effectiveGrad(p, grad, group.maximize, group.weightDecay);
    state.expAvg.mul_(beta1).add_(g.mul(1 - beta1));
    state.expInf.copy_(state.expInf.mul(beta2).maximum(g.abs().add(group.eps)));
    p.add_(state.expAvg.mul(-clr).div(state.expInf));
  }
}
