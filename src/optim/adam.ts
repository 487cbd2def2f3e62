import { zeros } from '../creation.js';
import type { Tensor } from '../tensor.js';
import { checkRange, fusedOperand, Optimizer, optimizerOptions, type ParamGroup, type Params } from './optimizer.js';

/** The options of `Adam` and `AdamW`, all set (a group's options). @example `opt.paramGroups[0]!.betas // [0.9, 0.999]` */
export interface AdamConfig {
  /** The learning rate. */
  lr: number;
  /** Decay rates (β₁, β₂) of the first and second moment estimates. */
  betas: readonly [number, number];
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** Adam: L2 penalty added to the gradient. AdamW: decoupled decay `p ← p − lr·λ·p`. */
  weightDecay: number;
  /** Use the maximum of past second moments (AMSGrad). */
  amsgrad: boolean;
  /** Ascend the objective instead of descending it. */
  maximize: boolean;
  /**
   * Update each contiguous float parameter in one loop over its elements (same formula, rounded once per
   * stored value) instead of a dozen tensor ops, which each allocate and pass over memory. Default true;
   * other parameters always take the tensor-op path.
   */
  fused: boolean;
}

/** Options of `Adam`/`AdamW`; unset ones take PyTorch's defaults (lr 1e-3, betas [0.9, 0.999], eps 1e-8). @example `new optim.Adam(params, { lr: 3e-4, amsgrad: true })` */
export type AdamOptions = Partial<AdamConfig>;

const ADAM_OPTIONS = {
  lr: 'number', betas: 'numbers', eps: 'number', weightDecay: 'number', amsgrad: 'boolean', maximize: 'boolean', fused: 'boolean',
} as const;

/** What Adam keeps per parameter. @example `adam.state.get(p)?.step // 10` */
export interface AdamState {
  /** Number of updates applied to this parameter. */
  step: number;
  /** First moment estimate m. */
  expAvg: Tensor;
  /** Second moment estimate v. */
  expAvgSq: Tensor;
  /** Running maximum of v (AMSGrad only). */
  maxExpAvgSq?: Tensor;
}

/** Shared by Adam and AdamW, which differ only in how weight decay is applied. */
abstract class AdamBase extends Optimizer<AdamConfig, AdamState> {
  protected abstract readonly decoupled: boolean;

  protected override validate(o: AdamConfig): void {
    checkRange(this.name, 'learning rate (lr)', o.lr, 0);
    checkRange(this.name, 'epsilon (eps)', o.eps, 0);
    if (!Array.isArray(o.betas) || o.betas.length !== 2) throw new Error(`${this.name}: betas must be a pair [beta1, beta2], got ${String(o.betas)}.`);
    checkRange(this.name, 'beta1 (betas[0])', o.betas[0], 0, 1);
    checkRange(this.name, 'beta2 (betas[1])', o.betas[1], 0, 1);
    checkRange(this.name, 'weightDecay', o.weightDecay, 0);
  }

  protected override update(p: Tensor, grad: Tensor, group: ParamGroup<AdamConfig>): void {
    const { lr, eps, weightDecay, amsgrad } = group;
    const [beta1, beta2] = group.betas;
    let state = this.state.get(p);
    if (state === undefined) {
      const fresh = (): Tensor => zeros(p.shape, { dtype: p.dtype, device: p.device });
      state = { step: 0, expAvg: fresh(), expAvgSq: fresh(), ...(amsgrad ? { maxExpAvgSq: fresh() } : {}) };
      this.state.set(p, state);
    }
    if (amsgrad) state.maxExpAvgSq ??= zeros(p.shape, { dtype: p.dtype, device: p.device });
    if (group.fused && this.#fused(p, grad, group, state)) return;
    let g = group.maximize ? grad.neg() : grad;
    if (weightDecay !== 0) {
      if (this.decoupled) p.mul_(1 - lr * weightDecay);
      else g = g.add(p.mul(weightDecay));
    }
    state.step++;
    state.expAvg.mul_(beta1).add_(g.mul(1 - beta1));
    state.expAvgSq.mul_(beta2).add_(g.mul(g).mul(1 - beta2));
    const biasCorrection1 = 1 - beta1 ** state.step;
    const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** state.step);
    let second = state.expAvgSq;
    if (amsgrad) second = state.maxExpAvgSq!.copy_(state.maxExpAvgSq!.maximum(second));
    const denom = second.sqrt().div(biasCorrection2Sqrt).add(eps);
    p.sub_(state.expAvg.div(denom).mul(lr / biasCorrection1));
  }

  /** The update above as one loop; false (nothing done) when a tensor is not a contiguous float of p's dtype. */
  #fused(p: Tensor, grad: Tensor, group: ParamGroup<AdamConfig>, state: AdamState): boolean {
    const pd = fusedOperand(p, p), gd = fusedOperand(grad, p);
    const md = fusedOperand(state.expAvg, p), vd = fusedOperand(state.expAvgSq, p);
    const xd = state.maxExpAvgSq ? fusedOperand(state.maxExpAvgSq, p) : null;
    if (pd === null || gd === null || md === null || vd === null || (group.amsgrad && xd === null)) return false;
    const { lr, eps, weightDecay, amsgrad } = group;
    const [beta1, beta2] = group.betas;
    const step = ++state.step;
    const stepSize = lr / (1 - beta1 ** step);
    const biasCorrection2Sqrt = Math.sqrt(1 - beta2 ** step);
    const decay = this.decoupled ? 1 - lr * weightDecay : 1;
    const l2 = this.decoupled ? 0 : weightDecay;
    p.storage.device.backend.adam(p.dtype, pd, gd, md, vd, amsgrad ? xd : null, p.size, {
      beta1, beta2, stepSize, biasCorrection2Sqrt, eps, decay, l2, sign: group.maximize ? -1 : 1,
    });
    for (const t of [p, state.expAvg, state.expAvgSq, state.maxExpAvgSq]) if (t) t.storage.version++;
    return true;
  }
}

/**
 * Adam with PyTorch's exact update. For gradient g (negated when `maximize`), at step t:
 *
 * ```text
 * g ← g + λ·p                                   (weightDecay λ, an L2 penalty)
 * m ← β₁·m + (1 − β₁)·g
 * v ← β₂·v + (1 − β₂)·g²
 * v̂ ← max(v̂, v) with amsgrad, else v
 * p ← p − lr/(1 − β₁ᵗ) · m / (√v̂ / √(1 − β₂ᵗ) + ε)
 * ```
 *
 * @example
 * ```ts
 * const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 * ```
 */
export class Adam extends AdamBase {
  protected readonly decoupled = false;

  /** `lr` as the second argument or in the options: `new Adam(ps, 3e-4, { amsgrad: true })`. */
  constructor(params: Params<AdamConfig>, lr?: number | AdamOptions, opts?: AdamOptions) {
    const o = optimizerOptions('Adam', lr, opts, ADAM_OPTIONS);
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, fused: true, ...o }, 'Adam',
      ADAM_OPTIONS);
  }
}

/**
 * AdamW: Adam with decoupled weight decay (Loshchilov & Hutter), PyTorch's exact update. Before the Adam
 * step (which then has no L2 term), `p ← p − lr·λ·p`. Default `weightDecay` is 0.01, as in PyTorch.
 *
 * @example
 * ```ts
 * const opt = new optim.AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.01 });
 * ```
 */
export class AdamW extends AdamBase {
  protected readonly decoupled = true;

  /** `lr` as the second argument or in the options: `new AdamW(ps, 3e-4, { weightDecay: 0.1 })`. */
  constructor(params: Params<AdamConfig>, lr?: number | AdamOptions, opts?: AdamOptions) {
    const o = optimizerOptions('AdamW', lr, opts, ADAM_OPTIONS);
    super(params, { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 1e-2, amsgrad: false, maximize: false, fused: true, ...o }, 'AdamW',
      ADAM_OPTIONS);
  }
}
