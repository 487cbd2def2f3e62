import { describe } from '../../ops/buffers.js';
import { checkOptions } from '../../options.js';
import {
  bisectRight, checkInteger, LRScheduler, SCHEDULER_OPTIONS, type SchedulerOptimizer, type SchedulerOptions, type SchedulerStateDict,
} from './scheduler.js';

/** A learning-rate factor as a function of the epoch. @example `const f: optim.lrScheduler.LrLambda = (epoch) => 0.95 ** epoch;` */
export type LrLambda = (epoch: number) => number;

function lambdas(name: string, optimizer: SchedulerOptimizer, lrLambda: LrLambda | readonly LrLambda[]): LrLambda[] {
  const n = optimizer.paramGroups.length;
  const list = Array.isArray(lrLambda) ? [...(lrLambda as readonly LrLambda[])] : new Array<LrLambda>(n).fill(lrLambda as LrLambda);
  if (list.length !== n) throw new Error(`${name}: expected ${n} lrLambda functions (one per parameter group), but got ${list.length}.`);
  list.forEach((f, i) => {
    if (typeof f !== 'function') throw new Error(`${name}: lrLambda${Array.isArray(lrLambda) ? `[${i}]` : ''} must be a function of the epoch, got ${describe(f)}.`);
  });
  return list;
}

function factor(name: string, value: number, what: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${name}: ${what} must be a finite number, got ${describe(value)}.`);
  return value;
}

/**
 * Sets each group's lr to its initial lr times `lrLambda(epoch)` (one function, or one per group).
 *
 * @example
 * ```ts
 * new optim.lrScheduler.LambdaLR(opt, (epoch) => 0.95 ** epoch);
 * ```
 */
export class LambdaLR extends LRScheduler {
  /** The factor functions, one per group (not saved in the state dict, as PyTorch saves no plain function). */
  readonly lrLambdas: LrLambda[];

  constructor(optimizer: SchedulerOptimizer, lrLambda: LrLambda | readonly LrLambda[], opts: SchedulerOptions = {}) {
    const o = checkOptions('LambdaLR', opts, SCHEDULER_OPTIONS);
    super(optimizer, o.lastEpoch, o.verbose, 'LambdaLR');
    this.lrLambdas = lambdas('LambdaLR', optimizer, lrLambda);
    this.initialStep();
  }

  protected override getLr(): number[] {
    return this.baseLrs.map((base, i) => base * this.lrLambdas[i]!(this.lastEpoch));
  }

  override stateDict(): SchedulerStateDict {
    const sd = super.stateDict();
    delete sd.lrLambdas;
    return sd;
  }
}

/**
 * Multiplies each group's lr by `lrLambda(epoch)` at every step after the first.
 *
 * @example
 * ```ts
 * new optim.lrScheduler.MultiplicativeLR(opt, () => 0.95);
 * ```
 */
export class MultiplicativeLR extends LRScheduler {
  /** The factor functions, one per group (not saved in the state dict). */
  readonly lrLambdas: LrLambda[];

  constructor(optimizer: SchedulerOptimizer, lrLambda: LrLambda | readonly LrLambda[], opts: SchedulerOptions = {}) {
    const o = checkOptions('MultiplicativeLR', opts, SCHEDULER_OPTIONS);
    super(optimizer, o.lastEpoch, o.verbose, 'MultiplicativeLR');
    this.lrLambdas = lambdas('MultiplicativeLR', optimizer, lrLambda);
    this.initialStep();
  }

  protected override getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    return this.lastEpoch > 0 ? groups.map((g, i) => g.lr * this.lrLambdas[i]!(this.lastEpoch)) : groups.map((g) => g.lr);
  }

  override stateDict(): SchedulerStateDict {
    const sd = super.stateDict();
    delete sd.lrLambdas;
    return sd;
  }
}

/** Options of `StepLR` and `MultiStepLR`. @example `{ gamma: 0.5 }` */
export interface StepLROptions extends SchedulerOptions {
  /** The factor applied at each decay (default 0.1). */
  readonly gamma?: number;
}

/**
 * Multiplies each group's lr by `gamma` every `stepSize` epochs.
 *
 * @example
 * ```ts
 * // lr = 0.05 for epochs 0–29, 0.005 for 30–59, 0.0005 for 60–89, …
 * new optim.lrScheduler.StepLR(opt, 30, { gamma: 0.1 });
 * ```
 */
export class StepLR extends LRScheduler {
  /** The period of the decay in epochs: the lr is multiplied by `gamma` every `stepSize` epochs (PyTorch's `step_size`). */
  stepSize: number;
  /** The factor applied at each decay (default 0.1). */
  gamma: number;

  constructor(optimizer: SchedulerOptimizer, stepSize: number, opts: StepLROptions = {}) {
    const o = checkOptions('StepLR', opts, { ...SCHEDULER_OPTIONS, gamma: 'number' });
    super(optimizer, o.lastEpoch, o.verbose, 'StepLR');
    checkInteger('StepLR', 'stepSize', stepSize, 1);
    this.stepSize = stepSize;
    this.gamma = factor('StepLR', o.gamma ?? 0.1, 'gamma');
    this.initialStep();
  }

  protected override getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0 || this.lastEpoch % this.stepSize !== 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * this.gamma ** Math.floor(this.lastEpoch / this.stepSize));
  }
}

/**
 * Multiplies each group's lr by `gamma` when the epoch reaches each of the `milestones` (a milestone listed twice
 * multiplies twice).
 *
 * @example
 * ```ts
 * // lr = 0.05 for epochs 0–29, 0.005 for 30–79, 0.0005 from 80
 * new optim.lrScheduler.MultiStepLR(opt, [30, 80], { gamma: 0.1 });
 * ```
 */
export class MultiStepLR extends LRScheduler {
  /** The milestones, sorted. */
  milestones: number[];
  /** The factor applied at each milestone (default 0.1). */
  gamma: number;

  constructor(optimizer: SchedulerOptimizer, milestones: readonly number[], opts: StepLROptions = {}) {
    const o = checkOptions('MultiStepLR', opts, { ...SCHEDULER_OPTIONS, gamma: 'number' });
    super(optimizer, o.lastEpoch, o.verbose, 'MultiStepLR');
    if (!Array.isArray(milestones)) throw new Error(`MultiStepLR: milestones must be an array of epochs, got ${describe(milestones)}.`);
    milestones.forEach((m) => checkInteger('MultiStepLR', 'each milestone', m, 0));
    this.milestones = [...milestones].sort((a, b) => a - b);
    this.gamma = factor('MultiStepLR', o.gamma ?? 0.1, 'gamma');
    this.initialStep();
  }

  protected override getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    const hits = this.milestones.filter((m) => m === this.lastEpoch).length;
    if (hits === 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma ** hits);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * this.gamma ** bisectRight(this.milestones, this.lastEpoch));
  }
}

/** Options of `ConstantLR`. @example `{ factor: 0.5, totalIters: 4 }` */
export interface ConstantLROptions extends SchedulerOptions {
  /** The factor applied until `totalIters` (default 1/3). */
  readonly factor?: number;
  /** The epoch at which the lr goes back to the initial lr (default 5). */
  readonly totalIters?: number;
}

/**
 * Multiplies each group's lr by a constant `factor` until epoch `totalIters`, then restores it.
 *
 * @example
 * ```ts
 * new optim.lrScheduler.ConstantLR(opt, { factor: 0.5, totalIters: 4 });
 * ```
 */
export class ConstantLR extends LRScheduler {
  /** The factor the lr is multiplied by until `totalIters`, in (0, 1] (default 1/3). */
  factor: number;
  /** The epoch at which the lr goes back to the initial lr (PyTorch's `total_iters`, default 5). */
  totalIters: number;

  constructor(optimizer: SchedulerOptimizer, opts: ConstantLROptions = {}) {
    const o = checkOptions('ConstantLR', opts, { ...SCHEDULER_OPTIONS, factor: 'number', totalIters: 'integer' });
    super(optimizer, o.lastEpoch, o.verbose, 'ConstantLR');
    this.factor = o.factor ?? 1 / 3;
    if (!(this.factor > 0 && this.factor <= 1)) throw new Error(`ConstantLR: factor must be in (0, 1], got ${this.factor}.`);
    this.totalIters = o.totalIters ?? 5;
    checkInteger('ConstantLR', 'totalIters', this.totalIters, 0);
    this.initialStep();
  }

  protected override getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0) return groups.map((g) => g.lr * this.factor);
    if (this.lastEpoch !== this.totalIters) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * (1 / this.factor));
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * (this.factor + (this.lastEpoch >= this.totalIters ? 1 : 0) * (1 - this.factor)));
  }
}

/** Options of `LinearLR`. @example `{ startFactor: 0.1, totalIters: 100 }` */
export interface LinearLROptions extends SchedulerOptions {
  /** The factor at epoch 0 (default 1/3). */
  readonly startFactor?: number;
  /** The factor from epoch `totalIters` on (default 1). */
  readonly endFactor?: number;
  /** The epochs over which the factor moves linearly (default 5). */
  readonly totalIters?: number;
}

/**
 * Multiplies each group's initial lr by a factor that moves linearly from `startFactor` to `endFactor` over
 * `totalIters` epochs (a linear warmup with the defaults). The recursive form is PyTorch's, operation for
 * operation.
 *
 * @example
 * ```ts
 * // lr = 0.025, 0.03125, 0.0375, 0.04375, then 0.05 from epoch 4 (initial lr 0.05)
 * new optim.lrScheduler.LinearLR(opt, { startFactor: 0.5, totalIters: 4 });
 * ```
 */
export class LinearLR extends LRScheduler {
  /** The factor at epoch 0, in (0, 1] (PyTorch's `start_factor`, default 1/3). */
  startFactor: number;
  /** The factor from epoch `totalIters` on, in [0, 1] (PyTorch's `end_factor`, default 1). */
  endFactor: number;
  /** The number of epochs over which the factor moves from `startFactor` to `endFactor` (PyTorch's `total_iters`, default 5). */
  totalIters: number;

  constructor(optimizer: SchedulerOptimizer, opts: LinearLROptions = {}) {
    const o = checkOptions('LinearLR', opts, { ...SCHEDULER_OPTIONS, startFactor: 'number', endFactor: 'number', totalIters: 'integer' });
    super(optimizer, o.lastEpoch, o.verbose, 'LinearLR');
    this.startFactor = o.startFactor ?? 1 / 3;
    this.endFactor = o.endFactor ?? 1;
    this.totalIters = o.totalIters ?? 5;
    // PyTorch 1.13 allows startFactor 0, which then divides by zero at epoch 1; PyTorch 2 refuses it, as here.
    if (!(this.startFactor > 0 && this.startFactor <= 1)) throw new Error(`LinearLR: startFactor must be in (0, 1], got ${this.startFactor}.`);
    if (!(this.endFactor >= 0 && this.endFactor <= 1)) throw new Error(`LinearLR: endFactor must be in [0, 1], got ${this.endFactor}.`);
    checkInteger('LinearLR', 'totalIters', this.totalIters, 1);
    this.initialStep();
  }

  protected override getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    const { startFactor: s, endFactor: e, totalIters: n } = this;
    if (this.lastEpoch === 0) return groups.map((g) => g.lr * s);
    if (this.lastEpoch > n) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * (1 + (e - s) / (n * s + (this.lastEpoch - 1) * (e - s))));
  }

  protected override closedFormLr(): number[] {
    const { startFactor: s, endFactor: e, totalIters: n } = this;
    return this.baseLrs.map((base) => base * (s + ((e - s) * Math.min(n, this.lastEpoch)) / n));
  }
}

/**
 * Multiplies each group's lr by `gamma` every epoch.
 *
 * @example
 * ```ts
 * new optim.lrScheduler.ExponentialLR(opt, 0.9);
 * ```
 */
export class ExponentialLR extends LRScheduler {
  /** The factor the lr is multiplied by every epoch. */
  gamma: number;

  constructor(optimizer: SchedulerOptimizer, gamma: number, opts: SchedulerOptions = {}) {
    const o = checkOptions('ExponentialLR', opts, SCHEDULER_OPTIONS);
    super(optimizer, o.lastEpoch, o.verbose, 'ExponentialLR');
    this.gamma = factor('ExponentialLR', gamma, 'gamma');
    this.initialStep();
  }

  protected override getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0) return groups.map((g) => g.lr);
    return groups.map((g) => g.lr * this.gamma);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * this.gamma ** this.lastEpoch);
  }
}

/** Options of `PolynomialLR`. @example `{ totalIters: 4, power: 2 }` */
export interface PolynomialLROptions extends SchedulerOptions {
  /** The epochs over which the lr decays to 0 (default 5). */
  readonly totalIters?: number;
  /** The power of the polynomial (default 1: linear). */
  readonly power?: number;
}

/**
 * Decays each group's lr to 0 over `totalIters` epochs as (1 − epoch/totalIters)^power.
 *
 * @example
 * ```ts
 * new optim.lrScheduler.PolynomialLR(opt, { totalIters: 4, power: 1 });
 * ```
 */
export class PolynomialLR extends LRScheduler {
  /** The number of epochs over which the lr decays to 0, where it then stays (PyTorch's `total_iters`, default 5). */
  totalIters: number;
  /** The power of the polynomial (default 1: linear decay). */
  power: number;

  constructor(optimizer: SchedulerOptimizer, opts: PolynomialLROptions = {}) {
    const o = checkOptions('PolynomialLR', opts, { ...SCHEDULER_OPTIONS, totalIters: 'integer', power: 'number' });
    super(optimizer, o.lastEpoch, o.verbose, 'PolynomialLR');
    this.totalIters = o.totalIters ?? 5;
    checkInteger('PolynomialLR', 'totalIters', this.totalIters, 1);
    this.power = factor('PolynomialLR', o.power ?? 1, 'power');
    this.initialStep();
  }

  protected override getLr(): number[] {
    const groups = this.optimizer.paramGroups;
    if (this.lastEpoch === 0 || this.lastEpoch > this.totalIters) return groups.map((g) => g.lr);
    const n = this.totalIters;
    const decay = ((1 - this.lastEpoch / n) / (1 - (this.lastEpoch - 1) / n)) ** this.power;
    return groups.map((g) => g.lr * decay);
  }

  protected override closedFormLr(): number[] {
    return this.baseLrs.map((base) => base * (1 - Math.min(this.totalIters, this.lastEpoch) / this.totalIters) ** this.power);
  }
}
