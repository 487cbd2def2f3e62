import { enableGrad, noGrad } from '../autograd/grad-mode.js';
import { zeros } from '../creation.js';
import { describe } from '../ops/buffers.js';
import { cat } from '../ops/api.generated.js';
import { Tensor } from '../tensor.js';
import { checkRange, Optimizer, optimizerOptions, type ParamGroup, type ParamGroupInput, type Params } from './optimizer.js';
import type { ParamState } from './state-dict.js';
import { strongWolfe } from './line-search.js';

/** The options of `LBFGS`, all set. @example `opt.paramGroups[0]!.historySize // 100` */
export interface LBFGSConfig {
  /** The step length (with a line search, its first trial). */
  lr: number;
  /** The most iterations one `step()` makes. */
  maxIter: number;
  /** The most function evaluations one `step()` makes (default ⌊maxIter · 5/4⌋). */
  maxEval: number;
  /** Stop when every gradient element is at most this in magnitude (first-order optimality). */
  toleranceGrad: number;
  /** Stop when the loss or the parameters change by less than this. */
  toleranceChange: number;
  /** How many past updates approximate the inverse Hessian. */
  historySize: number;
  /** `'strongWolfe'` for a line search satisfying the strong Wolfe conditions, or null for fixed steps of `lr`. */
  lineSearchFn: 'strongWolfe' | null;
}

/** Options of `LBFGS`; unset ones take PyTorch's defaults (lr 1, maxIter 20, toleranceGrad 1e-7, toleranceChange 1e-9, historySize 100, no line search). @example `new optim.LBFGS(params, 1, { lineSearchFn: 'strongWolfe' })` */
export type LBFGSOptions = Partial<LBFGSConfig>;

const LBFGS_OPTIONS = {
  lr: 'number', maxIter: 'integer', maxEval: 'integer', toleranceGrad: 'number', toleranceChange: 'number', historySize: 'integer',
  lineSearchFn: ['strongWolfe', null],
} as const;

/**
 * What L-BFGS keeps (all of it under the first parameter, as in PyTorch): counters, the last direction and step,
 * and the curvature history.
 *
 * @example
 * ```ts
 * opt.state.get(params[0]!)?.funcEvals; // function evaluations so far
 * ```
 */
export interface LBFGSState {
  /** Function evaluations over all steps. */
  funcEvals: number;
  /** Iterations over all steps. */
  nIter: number;
  /** The last search direction (flat). */
  d?: Tensor;
  /** The last step length. */
  t?: number;
  /** Gradient differences yᵢ (flat), oldest first. */
  oldDirs?: Tensor[];
  /** Steps sᵢ (flat), oldest first. */
  oldStps?: Tensor[];
  /** 1/(yᵢ·sᵢ). */
  ro?: number[];
  /** The scale of the initial inverse Hessian, (y·s)/(y·y) of the last update. */
  hDiag?: number;
  /** The flat gradient at the start of the last iteration. */
  prevFlatGrad?: Tensor;
  /** The loss at the start of the last iteration. */
  prevLoss?: number;
  /** Scratch coefficients of the two-loop recursion. */
  al?: (number | null)[];
}

/**
 * L-BFGS, PyTorch's algorithm (after minFunc) step for step: one `step(closure)` runs up to `maxIter` iterations,
 * each a quasi-Newton direction from the last `historySize` curvature pairs followed by a fixed step of `lr` or,
 * with `lineSearchFn: 'strongWolfe'`, a line search (cubic interpolation, bracketing and zoom). The closure
 * re-evaluates the model: it clears the gradients, computes the loss, calls `backward()` and returns the loss.
 * All parameters are treated as one flat vector, so L-BFGS takes one parameter group only, as in PyTorch.
 *
 * @example
 * ```ts
 * const opt = new optim.LBFGS([x], 1, { lineSearchFn: 'strongWolfe' });
 * opt.step(() => {
 *   opt.zeroGrad();
 *   const loss = rosenbrock(x);
 *   loss.backward();
 *   return loss;
 * });
 * ```
 */
export class LBFGS extends Optimizer<LBFGSConfig, LBFGSState> {
  /** `lr` as the second argument or in the options: `new LBFGS(ps, 1, { lineSearchFn: 'strongWolfe' })`. */
  constructor(params: Params<LBFGSConfig>, lr?: number | LBFGSOptions, opts?: LBFGSOptions) {
    const o = optimizerOptions('LBFGS', lr, opts, LBFGS_OPTIONS);
    const maxIter = o.maxIter ?? 20;
    super(params, {
      lr: 1, maxIter, maxEval: Math.floor((maxIter * 5) / 4), toleranceGrad: 1e-7, toleranceChange: 1e-9, historySize: 100, lineSearchFn: null,
      ...o,
    }, 'LBFGS', LBFGS_OPTIONS);
  }

  override addParamGroup(group: ParamGroupInput<LBFGSConfig>): void {
    if (this.paramGroups.length > 0) {
      throw new Error("LBFGS doesn't support per-parameter options (parameter groups): it treats all parameters as one vector. " +
        'Pass one list of tensors.');
    }
    super.addParamGroup(group);
  }

  protected override validate(o: LBFGSConfig): void {
    checkRange('LBFGS', 'learning rate (lr)', o.lr, 0);
    for (const k of ['maxIter', 'maxEval', 'historySize'] as const) {
      if (!Number.isInteger(o[k]) || o[k] < 1) throw new Error(`LBFGS: invalid ${k} ${String(o[k])}: it must be an integer >= 1.`);
    }
    checkRange('LBFGS', 'toleranceGrad', o.toleranceGrad, 0);
    checkRange('LBFGS', 'toleranceChange', o.toleranceChange, 0);
  }

  protected override update(): void {
    throw new Error('LBFGS: update is not used; step(closure) runs the whole iteration.');
  }

  protected override checkState(_p: Tensor, state: ParamState, where: string): void {
    const n = this.#params().reduce((s, p) => s + p.size, 0);
    const flat = (v: unknown, name: string): void => {
      if (v instanceof Tensor && (v.ndim !== 1 || v.size !== n)) {
        throw new Error(`${where}: '${name}' must be a flat tensor of ${n} elements (all the parameters), got shape [${v.shape.join(', ')}].`);
      }
      if (Array.isArray(v)) v.forEach((x) => flat(x, name));
    };
    for (const [k, v] of Object.entries(state)) flat(v, k);
    for (const k of ['funcEvals', 'nIter']) if (typeof state[k] !== 'number') throw new Error(`${where}: '${k}' must be a number, got ${describe(state[k])}.`);
  }

  /**
   * Run up to `maxIter` L-BFGS iterations. `closure` must clear the gradients, compute the loss, call
   * `backward()` and return the loss (a one-element tensor or a number); it is called with grad recording on,
   * once at the start and once per function evaluation after. Returns the closure's first result (the loss
   * before this step).
   *
   * @example
   * ```ts
   * const loss = opt.step(() => { opt.zeroGrad(); const l = f(x); l.backward(); return l; });
   * ```
   */
  override step<T = void>(closure?: () => T): T {
    if (typeof closure !== 'function') {
      throw new Error('LBFGS.step: needs a closure that re-evaluates the model and returns the loss, e.g. ' +
        'opt.step(() => { opt.zeroGrad(); const loss = f(); loss.backward(); return loss; }).');
    }
    return noGrad(() => this.#step(closure));
  }

  #params(): Tensor[] {
    return this.paramGroups[0]!.params;
  }

  #loss(v: unknown): number {
    if (typeof v === 'number') return v;
    if (v instanceof Tensor) {
      if (v.size !== 1) throw new Error(`LBFGS.step: the closure returned a tensor of shape [${v.shape.join(', ')}]; it must return the loss, one element.`);
      return v.item();
    }
    throw new Error(`LBFGS.step: the closure must return the loss (a tensor or a number), got ${describe(v)}.`);
  }

  /** The gradients of all parameters as one flat vector (zeros for a parameter without one). */
  #flatGrad(): Tensor {
    return cat(this.#params().map((p) => (p.grad === null ? zeros([p.size], { dtype: p.dtype, device: p.device }) : p.grad.reshape(-1))), 0);
  }

  /** p ← p + t·d over the flat vector d. */
  #addGrad(t: number, d: Tensor): void {
    let offset = 0;
    for (const p of this.#params()) {
      p.add_(d.narrow(0, offset, p.size).reshape(p.shape).mul(t));
      offset += p.size;
    }
  }

  #evaluate(closure: () => unknown, x: Tensor[], t: number, d: Tensor): [number, Tensor] {
    this.#addGrad(t, d);
    const loss = this.#loss(enableGrad(closure));
    const flatGrad = this.#flatGrad();
    this.#params().forEach((p, i) => p.copy_(x[i]!));
    return [loss, flatGrad];
  }

  #step<T>(closure: () => T): T {
    const group: ParamGroup<LBFGSConfig> = this.paramGroups[0]!;
    const { lr, maxIter, maxEval, toleranceGrad, toleranceChange, lineSearchFn, historySize } = group;
    const first = this.#params()[0]!;
    let state = this.state.get(first);
    if (state === undefined) this.state.set(first, (state = { funcEvals: 0, nIter: 0 }));

    const origLoss = enableGrad(closure);
    let loss = this.#loss(origLoss);
    let currentEvals = 1;
    state.funcEvals++;
    let flatGrad = this.#flatGrad();
    let optCond = maxAbs(flatGrad) <= toleranceGrad;
    if (optCond) return origLoss;

    let { d, t, oldDirs, oldStps, ro, hDiag, prevFlatGrad, prevLoss } = state;
    let nIter = 0;
    while (nIter < maxIter) {
      nIter++;
      state.nIter++;
      if (state.nIter === 1 || d === undefined || t === undefined || prevFlatGrad === undefined) {
        d = flatGrad.neg();
        oldDirs = [];
        oldStps = [];
        ro = [];
        hDiag = 1;
      } else {
        oldDirs ??= [];
        oldStps ??= [];
        ro ??= [];
        const y = flatGrad.sub(prevFlatGrad);
        const s = d.mul(t);
        const ys = dot(y, s);
        if (ys > 1e-10) {
          if (oldDirs.length === historySize) {
            oldDirs.shift();
            oldStps.shift();
            ro.shift();
          }
          oldDirs.push(y);
          oldStps.push(s);
          ro.push(1 / ys);
          hDiag = ys / dot(y, y);
        }
        const numOld = oldDirs.length;
        const al = (state.al ??= new Array<number | null>(historySize).fill(null));
        const q = flatGrad.neg();
        for (let i = numOld - 1; i >= 0; i--) {
          al[i] = dot(oldStps[i]!, q) * ro[i]!;
          q.add_(oldDirs[i]!.mul(-al[i]!));
        }
        const r = q.mul(hDiag ?? 1);
        d = r;
        for (let i = 0; i < numOld; i++) {
          const be = dot(oldDirs[i]!, r) * ro[i]!;
          r.add_(oldStps[i]!.mul(al[i]! - be));
        }
      }
      if (prevFlatGrad === undefined) prevFlatGrad = flatGrad.clone();
      else prevFlatGrad.copy_(flatGrad);
      prevLoss = loss;

      t = state.nIter === 1 ? pmin(1, 1 / flatGrad.abs().sum().item()) * lr : lr;
      const gtd = dot(flatGrad, d);
      if (gtd > -toleranceChange) break;

      let lsFuncEvals = 0;
      if (lineSearchFn !== null) {
        const x = this.#params().map((p) => p.clone());
        const search = strongWolfe((xs, step, dir) => this.#evaluate(closure, xs, step, dir), x, t, d, loss, flatGrad, gtd);
        ({ loss, flatGrad, t, evals: lsFuncEvals } = search);
        this.#addGrad(t, d);
        optCond = maxAbs(flatGrad) <= toleranceGrad;
      } else {
        this.#addGrad(t, d);
        if (nIter !== maxIter) {
          loss = this.#loss(enableGrad(closure));
          flatGrad = this.#flatGrad();
          optCond = maxAbs(flatGrad) <= toleranceGrad;
          lsFuncEvals = 1;
        }
      }
      currentEvals += lsFuncEvals;
      state.funcEvals += lsFuncEvals;

      if (nIter === maxIter) break;
      if (currentEvals >= maxEval) break;
      if (optCond) break;
      if (maxAbs(d.mul(t)) <= toleranceChange) break;
      if (Math.abs(loss - prevLoss) < toleranceChange) break;
    }
    Object.assign(state, { d, t, oldDirs, oldStps, ro, hDiag, prevFlatGrad, prevLoss });
    return origLoss;
  }
}

function dot(a: Tensor, b: Tensor): number {
  return a.mul(b).sum().item();
}

function maxAbs(a: Tensor): number {
  return a.abs().max().item();
}

/** Python's min(a, b): a unless b < a (so NaN in b is ignored, as there). */
function pmin(a: number, b: number): number {
  return b < a ? b : a;
}
