import { describe } from '../../ops/buffers.js';
import { Optimizer } from '../optimizer.js';

/** The options every scheduler takes: `lastEpoch` (resume a schedule at that epoch; -1 starts it) and `verbose`. @example `{ lastEpoch: -1, verbose: false }` */
export interface SchedulerOptions {
  /** The epoch to resume from (-1, the default, starts the schedule; otherwise each group needs its `initialLr`). */
  readonly lastEpoch?: number;
  /** Print each change of a learning rate, as PyTorch's `verbose=True`. */
  readonly verbose?: boolean;
}

/** The option kinds of `SchedulerOptions`, for `checkOptions`. @example `checkOptions('StepLR', opts, { ...SCHEDULER_OPTIONS, gamma: 'number' })` */
export const SCHEDULER_OPTIONS = { lastEpoch: 'integer', verbose: 'boolean' } as const;

/**
 * What a scheduler drives: any optimizer (each parameter group has an `lr`).
 *
 * @example
 * ```ts
 * const opt: optim.lrScheduler.SchedulerOptimizer = new optim.SGD(model.parameters(), 0.1);
 * ```
 */
export type SchedulerOptimizer = Optimizer<{ lr: number }, object>;

/** A scheduler's state dict: its fields by name (numbers, lists of numbers, nested schedulers' state dicts). @example `const sd: optim.lrScheduler.SchedulerStateDict = sched.stateDict();` */
export type SchedulerStateDict = Record<string, unknown>;

/**
 * Python's `a % b` (the result takes the sign of `b`), which PyTorch's schedulers use.
 *
 * @example
 * ```ts
 * pyMod(-11, 20); // 9
 * ```
 */
export function pyMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

/**
 * Python's `bisect.bisect_right`: how many of the sorted `xs` are ≤ `x`.
 *
 * @example
 * ```ts
 * bisectRight([30, 80], 30); // 1
 * ```
 */
export function bisectRight(xs: readonly number[], x: number): number {
  let lo = 0, hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x < xs[mid]!) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * A number as Python's `'{:.4e}'` writes it (two exponent digits at least): the format of PyTorch's verbose lines.
 *
 * @example
 * ```ts
 * formatLr(0.1); // '1.0000e-01'
 * ```
 */
export function formatLr(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const [m, e] = x.toExponential(4).split('e') as [string, string];
  const sign = e.startsWith('-') ? '-' : '+';
  return `${m}e${sign}${e.replace(/^[+-]/, '').padStart(2, '0')}`;
}

/**
 * Throw unless `optimizer` is an adjoint optimizer.
 *
 * @example
 * ```ts
 * checkOptimizer('StepLR', opt);
 * ```
 */
export function checkOptimizer(name: string, optimizer: unknown): asserts optimizer is SchedulerOptimizer {
  if (!(optimizer instanceof Optimizer)) throw new Error(`${name}: ${describe(optimizer)} is not an Optimizer; pass the optimizer whose learning rates it sets.`);
}

/**
 * Throw unless `value` is an integer ≥ `min`.
 *
 * @example
 * ```ts
 * checkInteger('StepLR', 'stepSize', 30, 1);
 * ```
 */
export function checkInteger(name: string, what: string, value: unknown, min: number): asserts value is number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new Error(`${name}: ${what} must be an integer >= ${min}, got ${describe(value)}.`);
  }
}

/**
 * The base of the learning-rate schedulers, PyTorch's `_LRScheduler` (1.13): made after the optimizer, it sets
 * each group's `initialLr` and takes one step (to epoch 0); then `step()` once per epoch (or per batch, for
 * schedules counted in batches) after `optimizer.step()` moves every group's `lr` along the schedule.
 * `step()` uses the schedule's recursive ("chainable") form, which multiplies the current `lr`, exactly as
 * PyTorch computes it, so that schedules compose with other changes to `lr`; `step(epoch)` (deprecated in
 * PyTorch) jumps to an epoch with the closed form where the schedule has one.
 *
 * @example
 * ```ts
 * const sched = new optim.lrScheduler.StepLR(opt, 30, { gamma: 0.1 });
 * for (let epoch = 0; epoch < 100; epoch++) {
 *   train(); // … opt.step() …
 *   sched.step();
 * }
 * ```
 */
export abstract class LRScheduler {
  /** The optimizer whose groups' `lr` this sets. */
  readonly optimizer: SchedulerOptimizer;
  /** Each group's `initialLr`, the learning rate the schedule starts from. */
  baseLrs: number[];
  /** The epoch (or batch) of the last `step()`: 0 after construction. */
  lastEpoch: number;
  /** Print each change of a learning rate, in PyTorch's words. */
  verbose: boolean;
  /** How many times `step()` has run (1 after construction). */
  protected stepCount = 0;
  /** The learning rates set by the last step. */
  protected lastLr: number[] = [];

  /**
   * Attach to `optimizer` and set each group's `initialLr` (or, resuming with `lastEpoch` ≥ 0, require it). A
   * subclass sets its own fields and then calls `initialStep()`, which PyTorch's base constructor does.
   */
  constructor(optimizer: SchedulerOptimizer, lastEpoch = -1, verbose = false, protected readonly name = 'LRScheduler') {
    checkOptimizer(name, optimizer);
    checkInteger(name, 'lastEpoch', lastEpoch, -1);
    this.optimizer = optimizer;
    if (lastEpoch === -1) {
      for (const g of optimizer.paramGroups) g.initialLr ??= g.lr;
    } else {
      optimizer.paramGroups.forEach((g, i) => {
        if (g.initialLr === undefined) {
          throw new Error(`${name}: param 'initialLr' is not specified in paramGroups[${i}] when resuming an optimizer (lastEpoch ${lastEpoch}); ` +
            `load the optimizer's state dict first, or pass lastEpoch -1.`);
        }
      });
    }
    this.baseLrs = optimizer.paramGroups.map((g) => g.initialLr!);
    this.lastEpoch = lastEpoch;
    this.verbose = verbose;
  }

  /** Reset the step count and take the first step (to epoch `lastEpoch + 1`). */
  initialStep(): void {
    this.stepCount = 0;
    this.step();
  }

  /**
   * The learning rate of each group after the last step.
   *
   * @example
   * ```ts
   * sched.getLastLr(); // [0.1]
   * ```
   */
  getLastLr(): number[] {
    return [...this.lastLr];
  }

  /** The learning rates of the next epoch in the recursive form (called by `step` after `lastEpoch` moved on). */
  protected abstract getLr(): number[];

  /** The closed form at `lastEpoch`, for `step(epoch)`; null when the schedule has none (`getLr` is used). */
  protected closedFormLr(): number[] | null {
    return null;
  }

  /**
   * Move to the next epoch (or to `epoch`, deprecated as in PyTorch: the closed form is used where there is one)
   * and set every group's `lr`.
   *
   * @example
   * ```ts
   * opt.step();
   * sched.step();
   * ```
   */
  step(epoch?: number): void {
    this.stepCount++;
    let values: number[];
    if (epoch === undefined) {
      this.lastEpoch++;
      values = this.getLr();
    } else {
      if (typeof epoch !== 'number' || !Number.isFinite(epoch)) throw new Error(`${this.name}.step: epoch must be a number, got ${describe(epoch)}.`);
      this.lastEpoch = epoch;
      values = this.closedFormLr() ?? this.getLr();
    }
    this.setLrs(values, epoch);
  }

  /** Set each group's lr to `values[i]`, print it when verbose, and remember them as the last ones. */
  protected setLrs(values: readonly number[], epoch?: number): void {
    this.optimizer.paramGroups.forEach((g, i) => {
      g.lr = values[i]!;
      if (this.verbose) printLr(i, g.lr, epoch);
    });
    this.lastLr = this.optimizer.paramGroups.map((g) => g.lr);
  }

  /**
   * The scheduler's state: its fields (not the optimizer, not functions), as PyTorch's `state_dict()`.
   *
   * @example
   * ```ts
   * const saved = sched.stateDict();
   * ```
   */
  stateDict(): SchedulerStateDict {
    return fieldsOf(this, ['optimizer', 'name']);
  }

  /**
   * Restore the fields saved by `stateDict()` (the optimizer's state is loaded separately).
   *
   * @example
   * ```ts
   * sched.loadStateDict(saved);
   * ```
   */
  loadStateDict(stateDict: SchedulerStateDict): void {
    assignFields(this, stateDict, `${this.name}.loadStateDict`);
  }
}

/**
 * The enumerable fields of `obj` that hold data (numbers, strings, booleans, null, and arrays of these), deep-copied,
 * leaving out `skip`.
 *
 * @example
 * ```ts
 * fieldsOf(sched, ['optimizer']);
 * ```
 */
export function fieldsOf(obj: object, skip: readonly string[]): SchedulerStateDict {
  const out: SchedulerStateDict = {};
  for (const [k, v] of Object.entries(obj)) {
    if (skip.includes(k) || typeof v === 'function' || (v !== null && typeof v === 'object' && !Array.isArray(v))) continue;
    out[k] = copyData(v);
  }
  return out;
}

/**
 * Assign the saved fields to `obj` (as Python's `__dict__.update`), each only over a field of the same kind: an
 * unknown key or a value of another kind is an error naming it.
 *
 * @example
 * ```ts
 * assignFields(sched, saved, 'StepLR.loadStateDict');
 * ```
 */
export function assignFields(obj: object, saved: SchedulerStateDict, where: string, skip: readonly string[] = []): void {
  if (saved === null || typeof saved !== 'object') throw new Error(`${where}: expected a state dict object, got ${describe(saved)}.`);
  const target = obj as Record<string, unknown>;
  for (const [k, v] of Object.entries(saved)) {
    if (skip.includes(k)) continue;
    if (!(k in target) || typeof target[k] === 'function') throw new Error(`${where}: unknown key '${k}'; is this the state dict of another kind of scheduler?`);
    const now = target[k];
    const kind = (x: unknown): string => (Array.isArray(x) ? 'array' : x === null ? 'null' : typeof x);
    if (now !== null && v !== null && kind(now) !== kind(v)) throw new Error(`${where}: '${k}' must be ${kind(now) === 'array' ? 'an array' : `a ${kind(now)}`}, got ${describe(v)}.`);
  }
  for (const [k, v] of Object.entries(saved)) if (!skip.includes(k)) target[k] = copyData(v);
}

function copyData(v: unknown): unknown {
  return Array.isArray(v) ? v.map(copyData) : v;
}

function printLr(group: number, lr: number, epoch?: number): void {
  if (epoch === undefined) console.log(`Adjusting learning rate of group ${group} to ${formatLr(lr)}.`);
  else {
    const e = Number.isInteger(epoch) ? String(Math.abs(epoch)).padStart(5, '0').replace(/^/, epoch < 0 ? '-' : '') : epoch.toFixed(2);
    console.log(`Epoch ${e}: adjusting learning rate of group ${group} to ${formatLr(lr)}.`);
  }
}
