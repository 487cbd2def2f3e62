import { describe } from '../../ops/buffers.js';
import { checkOptions } from '../../options.js';
import { Tensor } from '../../tensor.js';
import {
  assignFields, checkInteger, checkOptimizer, fieldsOf, formatLr, type SchedulerOptimizer, type SchedulerStateDict,
} from './scheduler.js';

/** Options of `ReduceLROnPlateau`. @example `{ factor: 0.5, patience: 5 }` */
export interface ReduceLROnPlateauOptions {
  /** `'min'` (default): reduce when the metric stops decreasing; `'max'`: when it stops increasing. */
  readonly mode?: 'min' | 'max';
  /** new lr = lr · factor (default 0.1). */
  readonly factor?: number;
  /** Epochs without improvement tolerated before reducing (default 10). */
  readonly patience?: number;
  /** How much better a metric must be to count as an improvement (default 1e-4). */
  readonly threshold?: number;
  /** `'rel'` (default): better than best·(1 ∓ threshold); `'abs'`: better than best ∓ threshold. */
  readonly thresholdMode?: 'rel' | 'abs';
  /** Epochs to wait after a reduction before counting again (default 0). */
  readonly cooldown?: number;
  /** A lower bound on each group's lr: one value or one per group (default 0). */
  readonly minLr?: number | readonly number[];
  /** A reduction smaller than this is skipped (default 1e-8). */
  readonly eps?: number;
  /** Print each reduction, as PyTorch's `verbose=True`. */
  readonly verbose?: boolean;
}

const PLATEAU_OPTIONS = {
  mode: ['min', 'max'], factor: 'number', patience: 'integer', threshold: 'number', thresholdMode: ['rel', 'abs'], cooldown: 'integer',
  minLr: 'number|numbers', eps: 'number', verbose: 'boolean',
} as const;

/**
 * Reduces each group's lr by `factor` when a metric (passed to `step`) has not improved for `patience` epochs,
 * PyTorch's rules exactly (thresholds, cooldown, `minLr`, `eps`).
 *
 * @example
 * ```ts
 * const sched = new optim.lrScheduler.ReduceLROnPlateau(opt, 'min', { patience: 5 });
 * for (let epoch = 0; epoch < 100; epoch++) {
 *   train();
 *   sched.step(validationLoss());
 * }
 * ```
 */
export class ReduceLROnPlateau {
  /** The optimizer whose groups' `lr` this reduces. */
  readonly optimizer: SchedulerOptimizer;
  /** `'min'` (default): the metric should decrease; `'max'`: it should increase. */
  mode: 'min' | 'max';
  /** The factor each reduction multiplies the lr by, below 1 (default 0.1). */
  factor: number;
  /** The number of epochs with no improvement tolerated; the lr is reduced on the next one (default 10). */
  patience: number;
  /** How much better a metric must be than the best to count as an improvement, relative or absolute by `thresholdMode` (default 1e-4). */
  threshold: number;
  /** `'rel'` (default): better means beyond best·(1 ∓ threshold); `'abs'`: beyond best ∓ threshold (PyTorch's `threshold_mode`). */
  thresholdMode: 'rel' | 'abs';
  /** The number of epochs after a reduction during which bad epochs are not counted (default 0). */
  cooldown: number;
  /** Epochs of cooldown left. */
  cooldownCounter = 0;
  /** Each group's lower bound on the lr, from the `minLr` option (PyTorch's `min_lrs`, default 0). */
  minLrs: number[];
  /** The smallest change of lr applied: a reduction by this much or less is skipped (default 1e-8). */
  eps: number;
  /** Whether each reduction is printed, as PyTorch's `verbose=True` (default false). */
  verbose: boolean;
  /** The best metric so far. */
  best: number;
  /** Epochs since the last improvement. */
  numBadEpochs = 0;
  /** The worst value for the mode (Infinity for 'min'). */
  modeWorse: number;
  /** The epoch of the last `step` (its `epoch` argument, or one more than before; 0 before the first step). */
  lastEpoch = 0;
  /** The learning rates after the last step. */
  protected lastLr: number[];

  /** `mode` as the second argument (`new ReduceLROnPlateau(opt, 'max')`) or in the options. */
  constructor(optimizer: SchedulerOptimizer, mode?: 'min' | 'max' | ReduceLROnPlateauOptions, opts?: ReduceLROnPlateauOptions) {
    checkOptimizer('ReduceLROnPlateau', optimizer);
    let o: ReduceLROnPlateauOptions;
    if (typeof mode === 'string') {
      o = checkOptions('ReduceLROnPlateau', opts, PLATEAU_OPTIONS);
      if (o.mode !== undefined) throw new Error(`ReduceLROnPlateau: mode given twice, as the second argument ('${mode}') and in the options ('${o.mode}').`);
      o = checkOptions('ReduceLROnPlateau', { ...o, mode }, PLATEAU_OPTIONS);
    } else {
      if (opts !== undefined) throw new Error('ReduceLROnPlateau: options given twice; pass (optimizer, mode, { … }) or (optimizer, { mode, … }).');
      o = checkOptions('ReduceLROnPlateau', mode, PLATEAU_OPTIONS);
    }
    this.factor = o.factor ?? 0.1;
    if (!(this.factor < 1)) throw new Error(`ReduceLROnPlateau: factor should be < 1.0, got ${this.factor}.`);
    this.optimizer = optimizer;
    const n = optimizer.paramGroups.length;
    const minLr = o.minLr ?? 0;
    if (Array.isArray(minLr)) {
      if (minLr.length !== n) throw new Error(`ReduceLROnPlateau: expected ${n} minLr values (one per parameter group), got ${minLr.length}.`);
      this.minLrs = [...(minLr as readonly number[])];
    } else this.minLrs = new Array<number>(n).fill(minLr as number);
    this.patience = o.patience ?? 10;
    checkInteger('ReduceLROnPlateau', 'patience', this.patience, 0);
    this.cooldown = o.cooldown ?? 0;
    checkInteger('ReduceLROnPlateau', 'cooldown', this.cooldown, 0);
    this.verbose = o.verbose ?? false;
    this.mode = o.mode ?? 'min';
    this.threshold = o.threshold ?? 1e-4;
    this.thresholdMode = o.thresholdMode ?? 'rel';
    this.eps = o.eps ?? 1e-8;
    this.modeWorse = this.mode === 'min' ? Infinity : -Infinity;
    this.best = this.modeWorse;
    this.lastLr = optimizer.paramGroups.map((g) => g.lr);
  }

  /** Whether the cooldown after a reduction is still running. @example `sched.inCooldown // false` */
  get inCooldown(): boolean {
    return this.cooldownCounter > 0;
  }

  /**
   * The learning rate of each group after the last step.
   *
   * @example
   * ```ts
   * sched.getLastLr(); // [0.01]
   * ```
   */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /**
   * Whether `a` improves on `best` by more than the threshold.
   *
   * @example
   * ```ts
   * sched.isBetter(0.5, 0.6); // true in 'min' mode
   * ```
   */
  isBetter(a: number, best: number): boolean {
    if (this.mode === 'min' && this.thresholdMode === 'rel') return a < best * (1 - this.threshold);
    if (this.mode === 'min') return a < best - this.threshold;
    if (this.thresholdMode === 'rel') return a > best * (this.threshold + 1);
    return a > best + this.threshold;
  }

  /**
   * Record this epoch's metric (a number or a one-element tensor) and reduce the learning rates when it has not
   * improved for more than `patience` epochs.
   *
   * @example
   * ```ts
   * sched.step(valLoss);
   * ```
   */
  step(metrics: number | Tensor, epoch?: number): void {
    let current: number;
    if (typeof metrics === 'number') current = metrics;
    else if (metrics instanceof Tensor && metrics.size === 1) current = metrics.item();
    else throw new Error(`ReduceLROnPlateau.step: metrics must be a number or a one-element tensor, got ${describe(metrics)}.`);
    const e = epoch ?? this.lastEpoch + 1;
    this.lastEpoch = e;
    if (this.isBetter(current, this.best)) {
      this.best = current;
      this.numBadEpochs = 0;
    } else {
      this.numBadEpochs++;
    }
    if (this.inCooldown) {
      this.cooldownCounter--;
      this.numBadEpochs = 0; // ignore bad epochs in cooldown
    }
    if (this.numBadEpochs > this.patience) {
      this.#reduceLr(e);
      this.cooldownCounter = this.cooldown;
      this.numBadEpochs = 0;
    }
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  #reduceLr(epoch: number): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      const oldLr = g.lr;
      const newLr = Math.max(oldLr * this.factor, this.minLrs[i]!);
      if (oldLr - newLr > this.eps) {
        g.lr = newLr;
        if (this.verbose) {
          const e = Number.isInteger(epoch) ? String(epoch).padStart(5, '0') : epoch.toFixed(2);
          console.log(`Epoch ${e}: reducing learning rate of group ${i} to ${formatLr(newLr)}.`);
        }
      }
    });
  }

  /**
   * The scheduler's state (its fields, not the optimizer).
   *
   * @example
   * ```ts
   * const saved = sched.stateDict();
   * ```
   */
  stateDict(): SchedulerStateDict {
    return fieldsOf(this, ['optimizer']);
  }

  /**
   * Restore the fields saved by `stateDict()`.
   *
   * @example
   * ```ts
   * sched.loadStateDict(saved);
   * ```
   */
  loadStateDict(stateDict: SchedulerStateDict): void {
    assignFields(this, stateDict, 'ReduceLROnPlateau.loadStateDict');
    this.modeWorse = this.mode === 'min' ? Infinity : -Infinity;
  }
}
