import type { Tensor } from '../tensor.js';
import { checkBetas, checkRange, effectiveGrad, fusedOperands, written, Optimizer, optimizerOptions, stateLike, type ParamGroup, type Params } from './optimizer.js';

/** The options of `NAdam`, all set (a group's options). @example `opt.paramGroups[0]!.momentumDecay // 0.004` */
export interface NAdamConfig {
  /** The learning rate (default 2e-3, as PyTorch's `NAdam`). */
  lr: number;
  /** Decay rates (β₁, β₂) of the first and second moment estimates. */
  betas: readonly [number, number];
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** L2 penalty added to the gradient. */
  weightDecay: number;
  /** ψ in the momentum schedule μₜ = β₁·(1 − ½·0.96^(t·ψ)). */
  momentumDecay: number;
  /** Ascend the objective instead of descending it (as PyTorch 2's NAdam). */
  maximize: boolean;
  /**
   * Update each contiguous float parameter in one loop over its elements (the same operations in the same order,
   * rounded once per stored value) instead of a dozen tensor ops, which each allocate and pass over memory.
   * Default true; other parameters always take the tensor-op path.
   */
  fused: boolean;
}

/** Options of `NAdam`; unset ones take PyTorch's defaults (lr 2e-3, betas [0.9, 0.999], eps 1e-8, momentumDecay 4e-3). @example `new optim.NAdam(params, 2e-3)` */
export type NAdamOptions = Partial<NAdamConfig>;

const NADAM_OPTIONS = {
  lr: 'number', betas: 'numbers', eps: 'number', weightDecay: 'number', momentumDecay: 'number', maximize: 'boolean', fused: 'boolean',
} as const;

/** What NAdam keeps per parameter. @example `opt.state.get(p)?.muProduct` */
export interface NAdamState {
  /** Number of updates applied to this parameter. */
  step: number;
  /** The product μ₁·μ₂·…·μₜ of the momentum schedule so far. */
  muProduct: number;
  /** First moment estimate m. */
  expAvg: Tensor;
  /** Second moment estimate v. */
  expAvgSq: Tensor;
}

/**
 * NAdam (Adam with Nesterov momentum) with PyTorch's exact update. For gradient g (negated when `maximize`), at step t:
 *
 * ```text
 * g ← g + λ·p                                   (weightDecay λ)
 * μₜ = β₁·(1 − ½·0.96^(t·ψ)),  μₜ₊₁ likewise,  Πₜ = μ₁⋯μₜ
 * m ← β₁·m + (1 − β₁)·g;   v ← β₂·v + (1 − β₂)·g²;   d = √(v/(1 − β₂ᵗ)) + ε
 * p ← p − lr·(1 − μₜ)/(1 − Πₜ) · g/d − lr·μₜ₊₁/(1 − Πₜ·μₜ₊₁) · m/d
 * ```
 *
 * @example
 * ```ts
 * const opt = new optim.NAdam(model.parameters(), 2e-3);
 * ```
 */
export class NAdam extends Optimizer<NAdamConfig, NAdamState> {
  /** `lr` as the second argument or in the options: `new NAdam(ps, 2e-3, { momentumDecay: 4e-3 })`. */
  constructor(params: Params<NAdamConfig>, lr?: number | NAdamOptions, opts?: NAdamOptions) {
    const o = optimizerOptions('NAdam', lr, opts, NADAM_OPTIONS);
    super(params, { lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, momentumDecay: 4e-3, maximize: false, fused: true, ...o }, 'NAdam',
      NADAM_OPTIONS);
  }

  protected override validate(o: NAdamConfig): void {
    checkRange('NAdam', 'learning rate (lr)', o.lr, 0);
    checkRange('NAdam', 'epsilon (eps)', o.eps, 0);
    checkBetas('NAdam', o.betas);
    checkRange('NAdam', 'weightDecay', o.weightDecay, 0);
    checkRange('NAdam', 'momentumDecay', o.momentumDecay, 0);
  }

  protected override update(p: Tensor, grad: Tensor, group: ParamGroup<NAdamConfig>): void {
    const { lr, eps, momentumDecay } = group;
    const [beta1, beta2] = group.betas;
    let state = this.state.get(p);
    if (state === undefined) this.state.set(p, (state = { step: 0, muProduct: 1, expAvg: stateLike(p), expAvgSq: stateLike(p) }));
    const step = ++state.step;
    const biasCorrection2 = 1 - beta2 ** step;
    const mu = beta1 * (1 - 0.5 * 0.96 ** (step * momentumDecay));
    const muNext = beta1 * (1 - 0.5 * 0.96 ** ((step + 1) * momentumDecay));
    const muProduct = (state.muProduct *= mu);
    const muProductNext = muProduct * mu * muNext;
    const gradCoef = (-lr * (1 - mu)) / (1 - muProduct), avgCoef = (-lr * muNext) / (1 - muProductNext);
    const ops = group.fused ? fusedOperands(p, [grad, state.expAvg, state.expAvgSq]) : null;
    if (ops !== null && p.storage.device.backend.nadam !== undefined) {
      p.storage.device.backend.nadam(p.dtype, ops[0], ops[1]!, ops[2]!, ops[3]!, p.size,
        { beta1, beta2, biasCorrection2, eps, gradCoef, avgCoef, weightDecay: group.weightDecay, sign: group.maximize ? -1 : 1 });
      written(p, state.expAvg, state.expAvgSq);
      return;
    }
    const g = effectiveGrad(p, grad, group.maximize, group.weightDecay);
    state.expAvg.mul_(beta1).add_(g.mul(1 - beta1));
    state.expAvgSq.mul_(beta2).add_(g.mul(1 - beta2).mul(g));
    const denom = state.expAvgSq.div(biasCorrection2).sqrt().add(eps);
    p.add_(g.mul(gradCoef).div(denom));
    p.add_(state.expAvg.mul(avgCoef).div(denom));
  }
}
