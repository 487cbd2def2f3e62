import type { Tensor } from '../tensor.js';
import { checkRange, effectiveGrad, fusedOperands, written, Optimizer, optimizerOptions, stateLike, type ParamGroup, type Params } from './optimizer.js';

/** The options of `RMSprop`, all set (a group's options). @example `opt.paramGroups[0]!.alpha // 0.99` */
export interface RMSpropConfig {
  /** The learning rate (default 1e-2, as PyTorch's `RMSprop`). */
  lr: number;
  /** Smoothing constant of the running average of squared gradients. */
  alpha: number;
  /** Added to the denominator for numerical stability. */
  eps: number;
  /** L2 penalty added to the gradient. */
  weightDecay: number;
  /** Momentum factor (0: none). */
  momentum: number;
  /** Divide by the centred second moment (an estimate of the gradient's variance) instead of the plain one. */
  centered: boolean;
  /** Ascend the objective instead of descending it. */
  maximize: boolean;
  /**
   * Update each contiguous float parameter in one loop over its elements (the same operations in the same order,
   * rounded once per stored value) instead of a dozen tensor ops, which each allocate and pass over memory.
   * Default true; other parameters always take the tensor-op path.
   */
  fused: boolean;
}

/** Options of `RMSprop`; unset ones take PyTorch's defaults (lr 1e-2, alpha 0.99, eps 1e-8). @example `new optim.RMSprop(params, 1e-3, { momentum: 0.9 })` */
export type RMSpropOptions = Partial<RMSpropConfig>;

const RMSPROP_OPTIONS = {
  lr: 'number', alpha: 'number', eps: 'number', weightDecay: 'number', momentum: 'number', centered: 'boolean', maximize: 'boolean', fused: 'boolean',
} as const;

/** What RMSprop keeps per parameter. @example `opt.state.get(p)?.squareAvg` */
export interface RMSpropState {
  /** Number of updates applied to this parameter. */
  step: number;
  /** Running average of the squared gradient. */
  squareAvg: Tensor;
  /** Momentum buffer (momentum > 0 only). */
  momentumBuffer?: Tensor;
  /** Running average of the gradient (centered only). */
  gradAvg?: Tensor;
}

/**
 * RMSprop with PyTorch's exact update. For gradient g (negated when `maximize`):
 *
 * ```text
 * g ← g + λ·p                                   (weightDecay λ)
 * v ← α·v + (1 − α)·g²
 * a ← √(v − ḡ²) with centered (ḡ ← α·ḡ + (1 − α)·g), else √v;   a ← a + ε
 * b ← μ·b + g/a;  p ← p − lr·b                  (momentum μ > 0)
 * p ← p − lr·g/a                                (otherwise)
 * ```
 *
 * @example
 * ```ts
 * const opt = new optim.RMSprop(model.parameters(), 1e-3, { alpha: 0.9 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 * ```
 */
export class RMSprop extends Optimizer<RMSpropConfig, RMSpropState> {
  /** `lr` as the second argument or in the options: `new RMSprop(ps, 1e-3, { momentum: 0.9 })`. */
  constructor(params: Params<RMSpropConfig>, lr?: number | RMSpropOptions, opts?: RMSpropOptions) {
    const o = optimizerOptions('RMSprop', lr, opts, RMSPROP_OPTIONS);
    super(params, { lr: 1e-2, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false, maximize: false, fused: true, ...o }, 'RMSprop',
      RMSPROP_OPTIONS);
  }

  protected override validate(o: RMSpropConfig): void {
    checkRange('RMSprop', 'learning rate (lr)', o.lr, 0);
    checkRange('RMSprop', 'epsilon (eps)', o.eps, 0);
    checkRange('RMSprop', 'momentum', o.momentum, 0);
    checkRange('RMSprop', 'weightDecay', o.weightDecay, 0);
    checkRange('RMSprop', 'alpha', o.alpha, 0);
  }

  protected override update(p: Tensor, grad: Tensor, group: ParamGroup<RMSpropConfig>): void {
    const { lr, alpha, eps, momentum, centered } = group;
    let state = this.state.get(p);
    if (state === undefined) {
      state = { step: 0, squareAvg: stateLike(p) };
      if (momentum > 0) state.momentumBuffer = stateLike(p);
      if (centered) state.gradAvg = stateLike(p);
      this.state.set(p, state);
    }
    state.step++;
    if (momentum > 0) state.momentumBuffer ??= stateLike(p);
    if (centered) state.gradAvg ??= stateLike(p);
    if (group.fused) {
      const ops = fusedOperands(p, [grad, state.squareAvg, centered ? state.gradAvg : null, momentum > 0 ? state.momentumBuffer : null]);
      if (ops !== null && p.storage.device.backend.rmsprop !== undefined) {
        const [pd, gd, sd, ad, bd] = ops;
        p.storage.device.backend.rmsprop(p.dtype, pd, gd!, sd!, ad!, bd!, p.size,
          { lr, alpha, eps, weightDecay: group.weightDecay, momentum, sign: group.maximize ? -1 : 1 });
        written(p, state.squareAvg, state.gradAvg, state.momentumBuffer);
        return;
      }
    }
    const g = effectiveGrad(p, grad, group.maximize, group.weightDecay);
    state.squareAvg.mul_(alpha).add_(g.mul(1 - alpha).mul(g));
    let avg: Tensor;
    if (centered) {
      const gradAvg = (state.gradAvg ??= stateLike(p));
      gradAvg.mul_(alpha).add_(g.mul(1 - alpha));
      avg = state.squareAvg.sub(gradAvg.mul(gradAvg)).sqrt();
    } else {
      avg = state.squareAvg.sqrt();
    }
    avg = avg.add(eps);
    if (momentum > 0) {
      const buf = (state.momentumBuffer ??= stateLike(p));
      buf.mul_(momentum).add_(g.div(avg));
      p.sub_(buf.mul(lr));
    } else {
      p.add_(g.mul(-lr).div(avg));
    }
  }
}
