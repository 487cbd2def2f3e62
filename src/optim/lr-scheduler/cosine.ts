import { describe } from '../../ops/buffers.js';
import { checkOptions } from '../../options.js';
import { checkInteger, LRScheduler, pyMod, SCHEDULER_OPTIONS, type SchedulerOptimizer, type SchedulerOptions } from './scheduler.js';

/** Options of `CosineAnnealingLR`. @example `{ etaMin: 1e-5 }` */
export interface CosineAnnealingLROptions extends SchedulerOptions {
  /** The lowest learning rate (default 0). */
  readonly etaMin?: number;
}

function checkEtaMin(name: string, etaMin: number): number {
  if (typeof etaMin !== 'number' || !Number.isFinite(etaMin)) throw new Error(`${name}: etaMin must be a finite number, got ${describe(etaMin)}.`);
  return etaMin;
}

/**
 * Anneals each group's lr from its initial value to `etaMin` along half a cosine over `tMax` epochs (and back up
 * over the next `tMax`, and so on): ηₜ = η_min + ½(η_max − η_min)(1 + cos(π·t/T_max)). `step()` uses PyTorch's
 * recursive form, operation for operation (it composes with other changes to lr); `step(epoch)` the closed form.
 *
 * @example
 * ```ts
 * new optim.lrScheduler.CosineAnnealingLR(opt, 100, { etaMin: 1e-5 });
 * ```
 */
export class CosineAnnealingLR extends LRScheduler {
  /** The number of epochs of half a cosine period, from the initial lr down to `etaMin` (PyTorch's `T_max`). */
  tMax: number;
  /** The lowest learning rate (PyTorch's `eta_min`, default 0). */
  etaMin: number;

  constructor(optimizer: SchedulerOptimizer, tMax: number, opts: CosineAnnealingLROptions = {}) {
    const o = checkOptions('CosineAnnealingLR', opts, { ...SCHEDULER_OPTIONS, etaMin: 'number' });
    super(optimizer, o.lastEpoch, o.verbose, 'CosineAnnealingLR');
    checkInteger('CosineAnnealingLR', 'tMax', tMax, 1);
    this.tMax = tMax;
    this.etaMin = checkEtaMin('CosineAnnealingLR', o.etaMin ?? 0);
    this.initialStep();
  }

  protected override getLr(): number[] {
    const { lastEpoch: t, tMax, etaMin } = this;
    const groups = this.optimizer.paramGroups;
    if (t === 0) return groups.map((g) => g.lr);
    if (this.stepCount === 1 && t > 0) return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((t * Math.PI) / tMax))) / 2);
    if (pyMod(t - 1 - tMax, 2 * tMax) === 0) {
      return groups.map((g, i) => g.lr + ((this.baseLrs[i]! - etaMin) * (1 - Math.cos(Math.PI / tMax))) / 2);
    }
    return groups.map((g) => ((1 + Math.cos((Math.PI * t) / tMax)) / (1 + Math.cos((Math.PI * (t - 1)) / tMax))) * (g.lr - etaMin) + etaMin);
  }

  protected override closedFormLr(): number[] {
    const { lastEpoch: t, tMax, etaMin } = this;
    return this.baseLrs.map((base) => etaMin + ((base - etaMin) * (1 + Math.cos((Math.PI * t) / tMax))) / 2);
  }
}

/** Options of `CosineAnnealingWarmRestarts`. @example `{ tMult: 2, etaMin: 1e-5 }` */
export interface CosineAnnealingWarmRestartsOptions extends SchedulerOptions {
  /** Each period is `tMult` times the one before (an integer ≥ 1, default 1). */
  readonly tMult?: number;
  /** The lowest learning rate (default 0). */
  readonly etaMin?: number;
}

/**
 * SGDR: cosine annealing from the initial lr to `etaMin` over `t0` epochs, then a restart at the initial lr, with
 * each period `tMult` times longer than the one before. `step(epoch)` takes fractional epochs, to step once per
 * batch: `sched.step(epoch + i / iters)`.
 *
 * @example
 * ```ts
 * const sched = new optim.lrScheduler.CosineAnnealingWarmRestarts(opt, 10, { tMult: 2 });
 * ```
 */
export class CosineAnnealingWarmRestarts extends LRScheduler {
  /** The length in epochs of the first period, before the first restart (PyTorch's `T_0`). */
  t0: number;
  /** The length of the current period. */
  tI: number;
  /** The factor by which each period is longer than the one before, an integer ≥ 1 (PyTorch's `T_mult`, default 1). */
  tMult: number;
  /** The lowest learning rate, which each period anneals towards (PyTorch's `eta_min`, default 0). */
  etaMin: number;
  /** Epochs since the last restart. */
  tCur: number;

  constructor(optimizer: SchedulerOptimizer, t0: number, opts: CosineAnnealingWarmRestartsOptions = {}) {
    const o = checkOptions('CosineAnnealingWarmRestarts', opts, { ...SCHEDULER_OPTIONS, tMult: 'integer', etaMin: 'number' });
    super(optimizer, o.lastEpoch, o.verbose, 'CosineAnnealingWarmRestarts');
    if (typeof t0 !== 'number' || !Number.isInteger(t0) || t0 <= 0) throw new Error(`CosineAnnealingWarmRestarts: expected a positive integer t0, but got ${describe(t0)}.`);
    const tMult = o.tMult ?? 1;
    if (tMult < 1) throw new Error(`CosineAnnealingWarmRestarts: expected an integer tMult >= 1, but got ${tMult}.`);
    this.t0 = t0;
    this.tI = t0;
    this.tMult = tMult;
    this.etaMin = checkEtaMin('CosineAnnealingWarmRestarts', o.etaMin ?? 0);
    this.tCur = this.lastEpoch;
    this.initialStep();
  }

  protected override getLr(): number[] {
    return this.baseLrs.map((base) => this.etaMin + ((base - this.etaMin) * (1 + Math.cos((Math.PI * this.tCur) / this.tI))) / 2);
  }

  /**
   * Move to the next epoch, or to `epoch` (which may be fractional: call it once per batch with
   * `epoch + batch / batches`), restarting the cosine at the end of each period.
   *
   * @example
   * ```ts
   * for (let i = 0; i < iters; i++) { train(i); sched.step(epoch + i / iters); }
   * ```
   */
  override step(epoch?: number): void {
    let e: number;
    if (epoch === undefined && this.lastEpoch < 0) e = 0;
    else if (epoch === undefined) {
      e = this.lastEpoch + 1;
      this.tCur = this.tCur + 1;
      if (this.tCur >= this.tI) {
        this.tCur = this.tCur - this.tI;
        this.tI = this.tI * this.tMult;
      }
    } else e = epoch;
    if (epoch !== undefined || this.lastEpoch < 0) {
      if (typeof e !== 'number' || !Number.isFinite(e) || e < 0) throw new Error(`CosineAnnealingWarmRestarts.step: expected a non-negative epoch, but got ${describe(e)}.`);
      if (e >= this.t0) {
        if (this.tMult === 1) this.tCur = pyMod(e, this.t0);
        else {
          const n = Math.trunc(Math.log((e / this.t0) * (this.tMult - 1) + 1) / Math.log(this.tMult));
          this.tCur = e - (this.t0 * (this.tMult ** n - 1)) / (this.tMult - 1);
          this.tI = this.t0 * this.tMult ** n;
        }
      } else {
        this.tI = this.t0;
        this.tCur = e;
      }
    }
    // As in PyTorch, this step does not count in stepCount.
    this.lastEpoch = Math.floor(e);
    this.setLrs(this.getLr(), e);
  }
}
