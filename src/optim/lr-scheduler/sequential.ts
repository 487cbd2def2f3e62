import { describe } from '../../ops/buffers.js';
import { checkOptions } from '../../options.js';
import {
  assignFields, bisectRight, checkInteger, checkOptimizer, fieldsOf, LRScheduler, SCHEDULER_OPTIONS, type SchedulerOptimizer, type SchedulerOptions,
  type SchedulerStateDict,
} from './scheduler.js';

function checkSchedulers(name: string, schedulers: readonly LRScheduler[], optimizer: SchedulerOptimizer | undefined): void {
  if (!Array.isArray(schedulers) || schedulers.length === 0) throw new Error(`${name}: expected a non-empty array of schedulers, got ${describe(schedulers)}.`);
  schedulers.forEach((s, i) => {
    if (!(s instanceof LRScheduler)) throw new Error(`${name}: schedulers[${i}] is ${describe(s)}, not a learning-rate scheduler (ReduceLROnPlateau cannot be chained).`);
    const owner = optimizer ?? schedulers[0]!.optimizer;
    if (s.optimizer !== owner) {
      throw new Error(`${name} expects all schedulers to belong to the same optimizer, but got schedulers at index ${i} to be different than ` +
        `${optimizer ? 'the optimizer passed in' : 'the one at index 0'}.`);
    }
  });
}

/**
 * Runs `schedulers` one after another: the first until epoch `milestones[0]`, the next from there (starting its own
 * schedule at 0), and so on. Warmup then decay is the common use.
 *
 * @example
 * ```ts
 * const warmup = new optim.lrScheduler.LinearLR(opt, { startFactor: 0.01, totalIters: 100 });
 * const decay = new optim.lrScheduler.CosineAnnealingLR(opt, 900);
 * const sched = new optim.lrScheduler.SequentialLR(opt, [warmup, decay], [100]);
 * ```
 */
export class SequentialLR extends LRScheduler {
  /** The schedulers, in order. */
  readonly schedulers: LRScheduler[];
  /** The epochs at which the next scheduler takes over. */
  milestones: number[];

  constructor(optimizer: SchedulerOptimizer, schedulers: readonly LRScheduler[], milestones: readonly number[], opts: SchedulerOptions = {}) {
    const o = checkOptions('SequentialLR', opts, SCHEDULER_OPTIONS);
    checkOptimizer('SequentialLR', optimizer);
    checkSchedulers('SequentialLR', schedulers, optimizer);
    if (!Array.isArray(milestones) || milestones.length !== schedulers.length - 1) {
      throw new Error(`SequentialLR expects the number of schedulers provided to be one more than the number of milestone points, but got ` +
        `${schedulers.length} schedulers and ${Array.isArray(milestones) ? milestones.length : describe(milestones)} milestones.`);
    }
    milestones.forEach((m, i) => {
      checkInteger('SequentialLR', 'each milestone', m, 0);
      if (i > 0 && m < milestones[i - 1]!) throw new Error(`SequentialLR: milestones must be increasing, got [${milestones.join(', ')}].`);
    });
    const lastEpoch = o.lastEpoch ?? -1;
    super(optimizer, lastEpoch, o.verbose, 'SequentialLR');
    this.schedulers = [...schedulers];
    this.milestones = [...milestones];
    this.lastEpoch = lastEpoch + 1;
    // Reset the learning rates and undo the step each scheduler took when it was made; then start the first.
    for (const g of optimizer.paramGroups) g.lr = g.initialLr!;
    for (const s of this.schedulers) s.lastEpoch -= 1;
    this.schedulers[0]!.initialStep();
    this.lastLr = this.schedulers[0]!.getLastLr();
  }

  protected override getLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  /**
   * Step the scheduler whose turn it is (a scheduler whose milestone is reached starts at its epoch 0).
   *
   * @example
   * ```ts
   * sched.step();
   * ```
   */
  override step(epoch?: number): void {
    if (epoch !== undefined) throw new Error('SequentialLR.step takes no epoch; call step() once per epoch.');
    if (this.schedulers === undefined) return; // the base constructor's call, before the schedulers are set
    this.lastEpoch++;
    const idx = bisectRight(this.milestones, this.lastEpoch);
    const scheduler = this.schedulers[idx]!;
    if (idx > 0 && this.milestones[idx - 1] === this.lastEpoch) scheduler.step(0);
    else scheduler.step();
    this.lastLr = scheduler.getLastLr();
  }

  override stateDict(): SchedulerStateDict {
    return { ...fieldsOf(this, ['optimizer', 'name', 'schedulers']), schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  override loadStateDict(stateDict: SchedulerStateDict): void {
    loadNested(this, this.schedulers, stateDict, 'SequentialLR.loadStateDict');
  }
}

function loadNested(owner: object, schedulers: readonly LRScheduler[], stateDict: SchedulerStateDict, where: string): void {
  const nested = stateDict.schedulers;
  if (!Array.isArray(nested) || nested.length !== schedulers.length) {
    throw new Error(`${where}: expected the state of ${schedulers.length} schedulers under 'schedulers', got ${describe(nested)}.`);
  }
  assignFields(owner, stateDict, where, ['schedulers']);
  nested.forEach((s, i) => schedulers[i]!.loadStateDict(s as SchedulerStateDict));
}

/**
 * Steps several schedulers of one optimizer together, so that their factors multiply (each must be chainable).
 *
 * @example
 * ```ts
 * const sched = new optim.lrScheduler.ChainedScheduler([
 *   new optim.lrScheduler.ConstantLR(opt, { factor: 0.1, totalIters: 2 }),
 *   new optim.lrScheduler.ExponentialLR(opt, 0.9),
 * ]);
 * ```
 */
export class ChainedScheduler extends LRScheduler {
  /** The schedulers, stepped in order. */
  readonly schedulers: LRScheduler[];

  constructor(schedulers: readonly LRScheduler[]) {
    checkSchedulers('ChainedScheduler', schedulers, undefined);
    super(schedulers[0]!.optimizer, -1, false, 'ChainedScheduler');
    this.schedulers = [...schedulers];
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  protected override getLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  /**
   * Step every scheduler, in order.
   *
   * @example
   * ```ts
   * sched.step();
   * ```
   */
  override step(epoch?: number): void {
    if (epoch !== undefined) throw new Error('ChainedScheduler.step takes no epoch; call step() once per epoch.');
    for (const s of this.schedulers) s.step();
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  override stateDict(): SchedulerStateDict {
    return { ...fieldsOf(this, ['optimizer', 'name', 'schedulers']), schedulers: this.schedulers.map((s) => s.stateDict()) };
  }

  override loadStateDict(stateDict: SchedulerStateDict): void {
    loadNested(this, this.schedulers, stateDict, 'ChainedScheduler.loadStateDict');
  }
}
