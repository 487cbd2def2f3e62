import { zeros } from '../creation.js';
import type { Tensor } from '../tensor.js';
import { checkRange, fusedOperand, Optimizer, optimizerOptions, type ParamGroup, type Params } from './optimizer.js';

/** The options of `SGD`, all set (a group's options). @example `opt.paramGroups[0]!.momentum // 0.9` */
export interface SGDConfig {
  /** The learning rate. */
  lr: number;
  /** The momentum factor (0: plain SGD). */
  momentum: number;
  /** Dampening of the momentum: the buffer takes (1 − dampening) of each gradient. */
  dampening: number;
  /** Nesterov momentum: step along gradient + momentum · buffer. */
  nesterov: boolean;
  /** L2 penalty: `weightDecay · p` is added to the gradient. */
  weightDecay: number;
  /** Ascend the objective instead of descending it. */
  maximize: boolean;
  /**
   * Update each contiguous float parameter in one loop over its elements (same formula, rounded once per
   * stored value) instead of a chain of tensor ops, which each allocate and pass over memory. Default true;
   * other parameters always take the tensor-op path.
   */
  fused: boolean;
}

/** Options of `SGD`; unset ones take PyTorch's defaults (lr 1e-3, everything else off). @example `new optim.SGD(params, { lr: 0.1, momentum: 0.9, nesterov: true })` */
export type SGDOptions = Partial<SGDConfig>;

const SGD_OPTIONS = {
  lr: 'number', momentum: 'number', dampening: 'number', nesterov: 'boolean', weightDecay: 'number', maximize: 'boolean', fused: 'boolean',
} as const;

/** What SGD keeps per parameter. @example `sgd.state.get(p)?.momentumBuffer` */
export interface SGDState {
  /** The momentum buffer, created from the first gradient (absent without momentum). */
  momentumBuffer?: Tensor;
}

/**
 * Stochastic gradient descent, with PyTorch's exact update. For gradient g (negated when `maximize`):
 *
 * ```text
 * g ← g + λ·p                              (weightDecay λ)
 * b ← g on the first step, else μ·b + (1 − τ)·g   (momentum μ, dampening τ)
 * g ← g + μ·b if nesterov, else b
 * p ← p − lr·g
 * ```
 *
 * @example
 * ```ts
 * const opt = new optim.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * opt.zeroGrad(); loss.backward(); opt.step();
 * ```
 */
export class SGD extends Optimizer<SGDConfig, SGDState> {
  /** `lr` as the second argument (as PyTorch users pass it) or in the options: `new SGD(ps, 0.1, { momentum: 0.9 })`. */
  constructor(params: Params<SGDConfig>, lr?: number | SGDOptions, opts?: SGDOptions) {
    const o = optimizerOptions('SGD', lr, opts, SGD_OPTIONS);
    super(params, { lr: 1e-3, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, maximize: false, fused: true, ...o }, 'SGD',
      SGD_OPTIONS);
  }

  protected override validate(o: SGDConfig): void {
    checkRange('SGD', 'learning rate (lr)', o.lr, 0);
    checkRange('SGD', 'momentum', o.momentum, 0);
    checkRange('SGD', 'dampening', o.dampening, -Infinity);
    checkRange('SGD', 'weightDecay', o.weightDecay, 0);
    if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
      throw new Error(`SGD: nesterov momentum requires momentum > 0 and dampening = 0, got momentum ${o.momentum} and dampening ${o.dampening}.`);
    }
  }

  protected override update(p: Tensor, grad: Tensor, group: ParamGroup<SGDConfig>): void {
    if (group.fused && this.#fused(p, grad, group)) return;
    let g = group.maximize ? grad.neg() : grad;
    if (group.weightDecay !== 0) g = g.add(p.mul(group.weightDecay));
    if (group.momentum !== 0) {
      let state = this.state.get(p);
      if (state === undefined) this.state.set(p, (state = {}));
      let buf = state.momentumBuffer;
      if (buf === undefined) {
        buf = state.momentumBuffer = g.clone();
      } else {
        buf.mul_(group.momentum).add_(g.mul(1 - group.dampening));
      }
      g = group.nesterov ? g.add(buf.mul(group.momentum)) : buf;
    }
    p.sub_(g.mul(group.lr));
  }

  /** The update above as one loop; false (nothing done) when a tensor is not a contiguous float of p's dtype. */
  #fused(p: Tensor, grad: Tensor, group: ParamGroup<SGDConfig>): boolean {
    const pd = fusedOperand(p, p), gd = fusedOperand(grad, p);
    if (pd === null || gd === null) return false;
    const { lr, momentum, dampening, nesterov, weightDecay, maximize } = group;
    let state = this.state.get(p);
    if (momentum !== 0 && state === undefined) this.state.set(p, (state = {}));
    const first = momentum !== 0 && state!.momentumBuffer === undefined;
    const buffer = momentum === 0 ? null : (state!.momentumBuffer ??= zeros(p.shape, { dtype: p.dtype, device: p.device }));
    const bd = buffer === null ? null : fusedOperand(buffer, p)!;
    p.storage.device.backend.sgd(p.dtype, pd, gd, bd, p.size, { lr, momentum, dampening, nesterov, weightDecay, sign: maximize ? -1 : 1, first });
    if (buffer !== null) buffer.storage.version++;
    p.storage.version++;
    return true;
  }
}
