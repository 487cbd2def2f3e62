import type { Tensor } from '../tensor.js';
import { checkBetas, checkRange, effectiveGrad, fusedOperands, written, Optimizer, optimizerOptions, stateLike, type ParamGroup, type Params } from './optimizer.js';

/** The options of `RAdam`, all set (a group's options). @example `opt.paramGroups[0]!.betas // [0.9, 0.999]` */
export interface RAdamConfig {
  /** The learning rate (default 1e-3, as PyTorch's `RAdam`). */
  lr: number;
  /** Decay rates (β₁, β₂) of the first and second moment estimates. */
  betas: readonly [number, number];
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** L2 penalty added to the gradient. */
  weightDecay: number;
  /** Ascend the objective instead of descending it (as PyTorch 2's RAdam). */
  maximize: boolean;
  /**
   * Update each contiguous float parameter in one loop over its elements (the same operations in the same order,
   * rounded once per stored value) instead of a dozen tensor ops, which each allocate and pass over memory.
   * Default true; other parameters always take the tensor-op path.
   */
  fused: boolean;
}

/** Options of `RAdam`; unset ones take PyTorch's defaults (lr 1e-3, betas [0.9, 0.999], eps 1e-8). @example `new optim.RAdam(params, 1e-3)` */
export type RAdamOptions = Partial<RAdamConfig>;

const RADAM_OPTIONS = { lr: 'number', betas: 'numbers', eps: 'number', weightDecay: 'number', maximize: 'boolean', fused: 'boolean' } as const;

/** What RAdam keeps per parameter. @example `opt.state.get(p)?.expAvgSq` */
export interface RAdamState {
  /** Number of updates applied to this parameter. */
  step: number;
  /** First moment estimate m. */
  expAvg: Tensor;
  /** Second moment estimate v. */
  expAvgSq: Tensor;
}

/**
 * RAdam (rectified Adam) with PyTorch's exact update. For gradient g (negated when `maximize`), at step t:
 *
 * ```text
 * g ← g + λ·p                                   (weightDecay λ)
 * m ← β₁·m + (1 − β₁)·g;   v ← β₂·v + (1 − β₂)·g²;   m̂ = m/(1 − β₁ᵗ)
 * ρ∞ = 2/(1 − β₂) − 1;   ρₜ = ρ∞ − 2t·β₂ᵗ/(1 − β₂ᵗ)
 * ρₜ > 5:  r = √((ρₜ − 4)(ρₜ − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρₜ));  p ← p − lr·m̂·r·√(1 − β₂ᵗ)/(√v + ε)
 * else:    p ← p − lr·m̂                         (the variance estimate is not yet reliable: an SGD-with-momentum step)
 * ```
 *
 * @example
 * ```ts
 * const opt = new optim.RAdam(model.parameters(), 1e-3);
 * ```
 */
export class RAdam extends Optimizer<RAdamConfig, RAdamState> {
  /** `lr` as the second argument or in the options: `new RAdam(ps, 1e-3, { weightDecay: 1e-4 })`. */
  constructor(params: Params<RAdamConfig>, lr?: number | RAdamOptions, opts?: RAdamOptions) {
    const o = optimizerOptions('RAdam', lr, opts, RADAM_OPTIONS);
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, maximize: false, fused: true, ...o }, 'RAdam', RADAM_OPTIONS);
  }

  protected override validate(o: RAdamConfig): void {
    checkRange('RAdam', 'learning rate (lr)', o.lr, 0);
    checkRange('RAdam', 'epsilon (eps)', o.eps, 0);
    checkBetas('RAdam', o.betas);
    checkRange('RAdam', 'weightDecay', o.weightDecay, 0);
  }

  protected override update(p: Tensor, grad: Tensor, group: ParamGroup<RAdamConfig>): void {
    const { lr, eps } = group;
    const [beta1, beta2] = group.betas;
    let state = this.state.get(p);
    if (state === undefined) this.state.set(p, (state = { step: 0, expAvg: stateLike(p), expAvgSq: stateLike(p) }));
    const step = ++state.step;
    const biasCorrection1 = 1 - beta1 ** step;
    const biasCorrection2 = 1 - beta2 ** step;
    const rhoInf = 2 / (1 - beta2) - 1;
    const rhoT = rhoInf - (2 * step * beta2 ** step) / biasCorrection2;
    const rectify = rhoT > 5;
    const rect = rectify ? Math.sqrt(((rhoT - 4) * (rhoT - 2) * rhoInf) / ((rhoInf - 4) * (rhoInf - 2) * rhoT)) : 0;
    const ops = group.fused ? fusedOperands(p, [grad, state.expAvg, state.expAvgSq]) : null;
    if (ops !== null && p.storage.device.backend.radam !== undefined) {
      p.storage.device.backend.radam(p.dtype, ops[0], ops[1]!, ops[2]!, ops[3]!, p.size, {
        beta1, beta2, biasCorrection1, lr, rectify, rect, biasCorrection2Sqrt: Math.sqrt(biasCorrection2), eps, weightDecay: group.weightDecay,
        sign: group.maximize ? -1 : 1,
      });
      written(p, state.expAvg, state.expAvgSq);
      return;
    }
    const g = effectiveGrad(p, grad, group.maximize, group.weightDecay);
    state.expAvg.mul_(beta1).add_(g.mul(1 - beta1));
    state.expAvgSq.mul_(beta2).add_(g.mul(1 - beta2).mul(g));
    const corrected = state.expAvg.div(biasCorrection1);
    if (rectify) {
      const adaptiveLr = state.expAvgSq.sqrt().add(eps).reciprocal().mul(Math.sqrt(biasCorrection2));
      p.sub_(corrected.mul(lr).mul(adaptiveLr).mul(rect));
    } else {
      p.sub_(corrected.mul(lr));
    }
  }
}
