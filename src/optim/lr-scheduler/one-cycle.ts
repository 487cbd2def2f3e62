import { describe } from '../../ops/buffers.js';
import { checkOptions } from '../../options.js';
import type { SchedulerGroupKeys } from '../optimizer.js';
import { checkInteger, LRScheduler, SCHEDULER_OPTIONS, type SchedulerOptimizer, type SchedulerOptions } from './scheduler.js';

/** Options of `OneCycleLR`. @example `{ totalSteps: 1000, pctStart: 0.25 }` */
export interface OneCycleLROptions extends SchedulerOptions {
  /** The number of steps in the cycle; or give `epochs` and `stepsPerEpoch`. */
  readonly totalSteps?: number;
  /** With `stepsPerEpoch`, the cycle's length is their product. */
  readonly epochs?: number;
  /** The number of steps (batches) per epoch; with `epochs`, the cycle's length is their product. */
  readonly stepsPerEpoch?: number;
  /** The fraction of the cycle spent raising the lr (default 0.3). */
  readonly pctStart?: number;
  /** `'cos'` (default) or `'linear'` annealing. */
  readonly annealStrategy?: 'cos' | 'linear';
  /** Cycle the momentum (SGD's `momentum`, or β₁ of Adam-like optimizers) inversely to the lr (default true). */
  readonly cycleMomentum?: boolean;
  /** The momentum at the peak lr (default 0.85), one value or one per group. */
  readonly baseMomentum?: number | readonly number[];
  /** The momentum at the start and the end (default 0.95), one value or one per group. */
  readonly maxMomentum?: number | readonly number[];
  /** The initial lr is maxLr / divFactor (default 25). */
  readonly divFactor?: number;
  /** The final lr is the initial lr / finalDivFactor (default 1e4). */
  readonly finalDivFactor?: number;
  /** Three phases (up, down to the initial lr, then down to the final lr) as in the paper, instead of fastai's two. */
  readonly threePhase?: boolean;
}

/**
 * One phase of a `OneCycleLR` cycle, as PyTorch's `_schedule_phases` holds it: the step at which it ends, and the
 * parameter-group keys (see `SchedulerGroupKeys`) whose values the lr and the momentum anneal between. Saved with
 * the scheduler's state dict.
 *
 * @example
 * ```ts
 * const sched = new optim.lrScheduler.OneCycleLR(opt, 0.01, { totalSteps: 100 }); // pctStart 0.3
 * sched.schedulePhases[0];
 * // { endStep: 29, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' }
 * ```
 */
export interface OneCyclePhase {
  /** The step at which the phase ends (pctStart·totalSteps − 1 for the first; not always an integer). */
  endStep: number;
  /** The group key holding the lr at the start of the phase. */
  startLr: 'initialLr' | 'maxLr' | 'minLr';
  /** The group key holding the lr at the end of the phase. */
  endLr: 'initialLr' | 'maxLr' | 'minLr';
  /** The group key holding the momentum at the start of the phase. */
  startMomentum: 'maxMomentum' | 'baseMomentum';
  /** The group key holding the momentum at the end of the phase. */
  endMomentum: 'maxMomentum' | 'baseMomentum';
}

function perGroup(name: string, what: string, value: number | readonly number[], groups: number): number[] {
  const list = Array.isArray(value) ? [...(value as readonly number[])] : new Array<number>(groups).fill(value as number);
  if (list.length !== groups) throw new Error(`OneCycleLR: expected ${groups} values for ${what}, got ${list.length}.`);
  list.forEach((v) => {
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new Error(`${name}: ${what} must be a finite number or one per group, got ${describe(v)}.`);
  });
  return list;
}

/**
 * The 1cycle policy (Smith & Topin): the lr rises from maxLr/divFactor to `maxLr` over the first `pctStart` of
 * `totalSteps`, then anneals to the initial lr/finalDivFactor, while the momentum moves the other way between
 * `maxMomentum` and `baseMomentum`. Step it after every batch. Not chainable: it sets each lr outright, exactly
 * as PyTorch computes it.
 *
 * @example
 * ```ts
 * const sched = new optim.lrScheduler.OneCycleLR(opt, 0.01, { totalSteps: epochs * batches });
 * ```
 */
export class OneCycleLR extends LRScheduler {
  /** The number of steps in the cycle: `totalSteps`, or `epochs`·`stepsPerEpoch` (PyTorch's `total_steps`). */
  totalSteps: number;
  /** How the lr and momentum move within a phase: `'cos'` (default) or `'linear'` (PyTorch's `anneal_strategy`). */
  annealStrategy: 'cos' | 'linear';
  /** Whether the momentum cycles inversely to the lr (PyTorch's `cycle_momentum`, default true). */
  cycleMomentum: boolean;
  /** Whether the momentum cycled is β₁ of `betas` (Adam-like optimizers) rather than `momentum`. */
  useBeta1: boolean;
  /** The phases of the cycle (saved with the state dict, as PyTorch saves them). */
  schedulePhases: OneCyclePhase[];

  constructor(optimizer: SchedulerOptimizer, maxLr: number | readonly number[], opts: OneCycleLROptions = {}) {
    const o = checkOptions('OneCycleLR', opts, {
      ...SCHEDULER_OPTIONS, totalSteps: 'integer', epochs: 'integer', stepsPerEpoch: 'integer', pctStart: 'number', annealStrategy: ['cos', 'linear'],
      cycleMomentum: 'boolean', baseMomentum: 'number|numbers', maxMomentum: 'number|numbers', divFactor: 'number', finalDivFactor: 'number',
      threePhase: 'boolean',
    });
    super(optimizer, o.lastEpoch, o.verbose, 'OneCycleLR');
    if (o.totalSteps !== undefined) {
      checkInteger('OneCycleLR', 'totalSteps', o.totalSteps, 1);
      this.totalSteps = o.totalSteps;
    } else if (o.epochs !== undefined && o.stepsPerEpoch !== undefined) {
      checkInteger('OneCycleLR', 'epochs', o.epochs, 1);
      checkInteger('OneCycleLR', 'stepsPerEpoch', o.stepsPerEpoch, 1);
      this.totalSteps = o.epochs * o.stepsPerEpoch;
    } else {
      throw new Error('OneCycleLR: you must define either totalSteps OR (epochs AND stepsPerEpoch).');
    }
    const pctStart = o.pctStart ?? 0.3;
    if (!(pctStart >= 0 && pctStart <= 1)) throw new Error(`OneCycleLR: expected pctStart between 0 and 1, but got ${pctStart}.`);
    const n = this.totalSteps;
    this.schedulePhases = o.threePhase
      ? [
        { endStep: pctStart * n - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
        { endStep: 2 * pctStart * n - 2, startLr: 'maxLr', endLr: 'initialLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
        { endStep: n - 1, startLr: 'initialLr', endLr: 'minLr', startMomentum: 'maxMomentum', endMomentum: 'maxMomentum' },
      ]
      : [
        { endStep: pctStart * n - 1, startLr: 'initialLr', endLr: 'maxLr', startMomentum: 'maxMomentum', endMomentum: 'baseMomentum' },
        { endStep: n - 1, startLr: 'maxLr', endLr: 'minLr', startMomentum: 'baseMomentum', endMomentum: 'maxMomentum' },
      ];
    this.annealStrategy = o.annealStrategy ?? 'cos';
    const groups = optimizer.paramGroups;
    const maxLrs = perGroup('OneCycleLR', 'maxLr', maxLr, groups.length);
    const divFactor = o.divFactor ?? 25, finalDivFactor = o.finalDivFactor ?? 1e4;
    if (this.lastEpoch === -1) {
      groups.forEach((g, i) => {
        g.initialLr = maxLrs[i]! / divFactor;
        g.maxLr = maxLrs[i]!;
        g.minLr = g.initialLr / finalDivFactor;
      });
      this.baseLrs = groups.map((g) => g.initialLr!);
    }
    this.cycleMomentum = o.cycleMomentum ?? true;
    const defaults = optimizer.defaults as Record<string, unknown>;
    this.useBeta1 = 'betas' in defaults;
    if (this.cycleMomentum) {
      if (!('momentum' in defaults) && !this.useBeta1) {
        throw new Error(`OneCycleLR: optimizer must support momentum with \`cycleMomentum\` option enabled (${optimizer.name} has neither momentum nor betas); ` +
          'pass cycleMomentum: false.');
      }
      const maxMomentums = perGroup('OneCycleLR', 'maxMomentum', o.maxMomentum ?? 0.95, groups.length);
      const baseMomentums = perGroup('OneCycleLR', 'baseMomentum', o.baseMomentum ?? 0.85, groups.length);
      if (this.lastEpoch === -1) {
        groups.forEach((g, i) => {
          this.#setMomentum(g, maxMomentums[i]!);
          g.maxMomentum = maxMomentums[i]!;
          g.baseMomentum = baseMomentums[i]!;
        });
      }
    }
    this.initialStep();
  }

  #setMomentum(group: object, m: number): void {
    const g = group as Record<string, unknown>;
    if (this.useBeta1) g.betas = [m, ...(g.betas as number[]).slice(1)];
    else g.momentum = m;
  }

  #anneal(start: number, end: number, pct: number): number {
    if (this.annealStrategy === 'linear') return (end - start) * pct + start;
    const cosOut = Math.cos(Math.PI * pct) + 1;
    return end + ((start - end) / 2) * cosOut;
  }

  protected override getLr(): number[] {
    const stepNum = this.lastEpoch;
    if (stepNum > this.totalSteps) {
      throw new Error(`OneCycleLR: tried to step ${stepNum + 1} times. The specified number of total steps is ${this.totalSteps}.`);
    }
    return this.optimizer.paramGroups.map((group) => {
      const g = group as SchedulerGroupKeys;
      let startStep = 0;
      let lr = 0;
      for (let i = 0; i < this.schedulePhases.length; i++) {
        const phase = this.schedulePhases[i]!;
        if (stepNum <= phase.endStep || i === this.schedulePhases.length - 1) {
          const pct = (stepNum - startStep) / (phase.endStep - startStep);
          lr = this.#anneal(g[phase.startLr]!, g[phase.endLr]!, pct);
          if (this.cycleMomentum) this.#setMomentum(group, this.#anneal(g[phase.startMomentum]!, g[phase.endMomentum]!, pct));
          break;
        }
        startStep = phase.endStep;
      }
      return lr;
    });
  }

  override stateDict(): Record<string, unknown> {
    return { ...super.stateDict(), schedulePhases: this.schedulePhases.map((p) => ({ ...p })) };
  }

  override loadStateDict(stateDict: Record<string, unknown>): void {
    const { schedulePhases, ...rest } = stateDict;
    if (schedulePhases !== undefined) {
      if (!Array.isArray(schedulePhases)) throw new Error(`OneCycleLR.loadStateDict: schedulePhases must be an array, got ${describe(schedulePhases)}.`);
      this.schedulePhases = schedulePhases.map((p) => ({ ...(p as OneCyclePhase) }));
    }
    super.loadStateDict(rest);
  }
}
