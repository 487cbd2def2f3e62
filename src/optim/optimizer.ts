import { enableGrad, noGrad } from '../autograd/grad-mode.js';
import { full } from '../creation.js';
import { checkOptions, type OptionSpec } from '../options.js';
import { fmtShape, sameShape } from '../shape.js';
import type { BufferHandle } from '../kernels/backend.js';
import { describe } from '../ops/buffers.js';
import { Tensor } from '../tensor.js';
import { copyStateValue, isStateValue, type OptimizerStateDict, type PackedParamGroup, type ParamState, type StateValue } from './state-dict.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import '../autograd/record.js';

/**
 * A parameter group as given to an optimizer: its tensors plus options that override the defaults.
 *
 * @example
 * ```ts
 * new optim.SGD([{ params: body.parameters() }, { params: head.parameters(), lr: 0.1 }], { lr: 0.01 });
 * ```
 */
export type ParamGroupInput<O> = {
  /** The group's parameters. */
  readonly params: Iterable<Tensor>;
} & Partial<O>;

/**
 * What optimizers take: the tensors to optimize (e.g. `model.parameters()`), or a list of parameter groups.
 *
 * @example
 * ```ts
 * const params: optim.Params<optim.SGDOptions> = model.parameters();
 * ```
 */
export type Params<O> = Iterable<Tensor> | readonly ParamGroupInput<O>[];

/**
 * A parameter group inside an optimizer: its tensors and its full options. Options can be changed between
 * steps (a learning-rate schedule sets `group.lr`).
 *
 * @example
 * ```ts
 * for (const g of opt.paramGroups) g.lr *= 0.1;
 * ```
 */
export type ParamGroup<O> = {
  /** The group's parameters. */
  params: Tensor[];
} & O & SchedulerGroupKeys;

/**
 * Keys that learning-rate schedulers add to a parameter group, as PyTorch's do: `initialLr` (the learning rate a
 * schedule starts from; every scheduler sets it), and OneCycleLR's `maxLr`, `minLr`, `maxMomentum` and
 * `baseMomentum`. They are saved with the optimizer's state dict, so that a schedule can resume.
 *
 * @example
 * ```ts
 * new optim.lrScheduler.StepLR(opt, 10);
 * opt.paramGroups[0]!.initialLr; // the lr when the scheduler was made
 * ```
 */
export interface SchedulerGroupKeys {
  /**
   * The lr the schedule starts from (PyTorch's `initial_lr`): the group's `lr` when the first scheduler was made
   * with `lastEpoch` −1, or maxLr/divFactor under `OneCycleLR`. A scheduler made to resume (`lastEpoch` ≥ 0)
   * requires it.
   */
  initialLr?: number;
  /** `OneCycleLR`'s peak lr for this group (PyTorch's `max_lr`). */
  maxLr?: number;
  /** `OneCycleLR`'s final lr for this group, initialLr/finalDivFactor (PyTorch's `min_lr`). */
  minLr?: number;
  /** `OneCycleLR`'s momentum (or β₁) at the start and end of the cycle, at the lowest lr (PyTorch's `max_momentum`, default 0.95). */
  maxMomentum?: number;
  /** `OneCycleLR`'s momentum (or β₁) at the peak lr (PyTorch's `base_momentum`, default 0.85). */
  baseMomentum?: number;
}

const SCHEDULER_KEYS: ReadonlySet<string> = new Set(['initialLr', 'maxLr', 'minLr', 'maxMomentum', 'baseMomentum']);

/**
 * An optimizer's options from its `(lr, opts)` or `(opts)` arguments, as PyTorch takes `lr` positionally or as a
 * keyword: checked against `spec` (unknown or snake_case keys, wrong kinds, `lr` given twice are errors).
 *
 * @example
 * ```ts
 * optimizerOptions('SGD', 0.1, { momentum: 0.9 }, SGD_OPTIONS); // { momentum: 0.9, lr: 0.1 }
 * ```
 */
export function optimizerOptions<T extends { lr?: number }>(name: string, lrOrOpts: number | T | undefined, opts: T | undefined,
  spec: OptionSpec): T {
  if (typeof lrOrOpts === 'number') {
    const rest = checkOptions(name, opts, spec);
    if (rest.lr !== undefined) throw new Error(`${name}: lr given twice, as the second argument (${lrOrOpts}) and in the options (${rest.lr}).`);
    return { ...rest, lr: lrOrOpts };
  }
  if (opts !== undefined) {
    throw new Error(`${name}: options given twice; pass new ${name}(params, lr, { … }) or new ${name}(params, { lr, … }).`);
  }
  if (lrOrOpts !== undefined && (lrOrOpts === null || typeof lrOrOpts !== 'object')) {
    throw new Error(`${name}: the second argument must be the learning rate (a number) or an options object, got ${describe(lrOrOpts)}.`);
  }
  return checkOptions(name, lrOrOpts, spec);
}

/**
 * The base of the optimizers: parameter groups, per-parameter state, `zeroGrad` and `step`. A subclass
 * supplies `update`, which `step` calls under `noGrad` for every parameter that has a gradient. Updates
 * are written in place into each parameter's storage (`p.sub_(…)`), so parameters stay the same tensors.
 *
 * @example
 * ```ts
 * class SignSGD extends optim.Optimizer<{ lr: number }, object> {
 *   constructor(params: optim.Params<{ lr: number }>, lr = 0.01) { super(params, { lr }, 'SignSGD'); }
 *   protected update(p: Tensor, grad: Tensor, group: optim.ParamGroup<{ lr: number }>): void {
 *     p.sub_(grad.sign().mul(group.lr));
 *   }
 * }
 * ```
 */
export abstract class Optimizer<O extends object, S extends object> {
  /** The parameter groups, each with its own options. */
  readonly paramGroups: ParamGroup<O>[] = [];
  /** Per-parameter state (momentum buffers, moment estimates, step counts), created on a parameter's first update. */
  readonly state = new Map<Tensor, S>();

  /**
   * `spec` names every option of this optimizer and its kind: a parameter group with another key (a snake_case
   * one, a typo) is an error rather than ignored. Without it, group keys are not checked.
   */
  constructor(
    params: Params<O>,
    /** The options a parameter group takes when it does not set them. */ readonly defaults: Readonly<O>,
    /** The optimizer's name, as its messages say it (`'SGD'`). */ readonly name: string,
    private readonly spec?: OptionSpec,
  ) {
    this.validate(defaults);
    const list = [...(params as Iterable<Tensor | ParamGroupInput<O>>)];
    if (list.length === 0) throw new Error(`${name}: got an empty parameter list; pass model.parameters() or parameter groups.`);
    const groups = list.every((x) => x instanceof Tensor)
      ? [{ params: list as Tensor[] } as unknown as ParamGroupInput<O>]
      : (list as ParamGroupInput<O>[]);
    for (const g of groups) this.addParamGroup(g);
  }

  /**
   * Add a group of parameters with its own options (missing options come from the defaults).
   *
   * @example
   * ```ts
   * opt.addParamGroup({ params: newHead.parameters(), lr: 1e-2 });
   * ```
   */
  addParamGroup(group: ParamGroupInput<O>): void {
    if (group === null || typeof group !== 'object' || group instanceof Tensor || !('params' in group)) {
      throw new Error(
        `${this.name}: parameter groups must be objects like { params: [...], lr: 0.1 }; got ${group instanceof Tensor ? 'a Tensor' : typeof group}. ` +
          `Do not mix tensors and groups in one list.`,
      );
    }
    if (this.spec) {
      const { params: _params, ...options } = group;
      checkOptions(`${this.name} (parameter group ${this.paramGroups.length})`, options, this.spec);
    }
    const params = [...group.params];
    const seen = new Set(this.paramGroups.flatMap((g) => g.params));
    params.forEach((p, i) => {
      if (!(p instanceof Tensor)) throw new Error(`${this.name}: parameter ${i} of group ${this.paramGroups.length} is not a Tensor (got ${typeof p}).`);
      const where = `parameter ${i} of group ${this.paramGroups.length} (shape ${fmtShape(p.shape)})`;
      if (!p.requiresGrad) {
        throw new Error(
          `${this.name}: ${where} does not require grad, so it would never be updated. Pass only trainable ` +
            `parameters (model.parameters().filter((p) => p.requiresGrad)) or set requiresGrad on it.`,
        );
      }
      if (!p.isLeaf) {
        throw new Error(`${this.name}: ${where} is not a leaf tensor (it was computed by ${p.gradFn?.name}); only leaves can be optimized.`);
      }
      if (seen.has(p)) throw new Error(`${this.name}: ${where} appears more than once; each parameter may be in one group only, once.`);
      seen.add(p);
    });
    const full = { ...this.defaults, ...group, params } as ParamGroup<O>;
    this.validate(full);
    this.paramGroups.push(full);
  }

  /**
   * Clear the gradients of all optimized tensors: set to null (default, as PyTorch's `set_to_none`), or zero
   * them in place.
   *
   * @example
   * ```ts
   * opt.zeroGrad();
   * loss.backward();
   * opt.step();
   * ```
   */
  zeroGrad(setToNone = true): void {
    for (const g of this.paramGroups) {
      for (const p of g.params) {
        if (setToNone) p.grad = null;
        else if (p.grad !== null) noGrad(() => p.grad!.zero_());
      }
    }
  }

  /**
   * Update every parameter that has a gradient (those with `grad === null` are skipped). With a `closure`,
   * it is called first (with grad recording on) to recompute the loss, and its result is returned.
   *
   * @example
   * ```ts
   * opt.step();
   * ```
   */
  step<T = void>(closure?: () => T): T | undefined {
    const result = closure ? enableGrad(closure) : undefined;
    noGrad(() => {
      for (const group of this.paramGroups) {
        for (const p of group.params) if (p.grad !== null) this.update(p, p.grad, group);
      }
    });
    return result;
  }

  /** Apply one update to `p` in place (called under noGrad). */
  protected abstract update(p: Tensor, grad: Tensor, group: ParamGroup<O>): void;

  /** Check a group's options, throwing a clear error for a bad value. */
  protected validate(_options: O): void {}

  /**
   * The optimizer's state as PyTorch's `state_dict()` shapes it: `state` maps each parameter's index (counted
   * across the groups in order) to its state (`step`, `expAvg`, …), and `paramGroups` lists each group's options
   * with its parameters as indices. As in PyTorch, the state tensors are the optimizer's own (a later `step()`
   * changes them): serialise the state dict (`optim.serializeCheckpoint`) or clone it to keep a snapshot.
   *
   * @example
   * ```ts
   * const bytes = optim.serializeCheckpoint({ model, optimizer: opt });
   * ```
   */
  stateDict(): OptimizerStateDict {
    const index = new Map<Tensor, number>();
    const paramGroups: PackedParamGroup[] = this.paramGroups.map((group) => {
      const { params, ...options } = group;
      const packed: PackedParamGroup = { params: [] };
      for (const [k, v] of Object.entries(options)) packed[k] = Array.isArray(v) ? [...(v as unknown[])] : v;
      packed.params = params.map((p) => {
        if (!index.has(p)) index.set(p, index.size);
        return index.get(p)!;
      });
      return packed;
    });
    const state: Record<number, ParamState> = {};
    for (const [p, s] of this.state) {
      const i = index.get(p);
      if (i === undefined) continue;
      const entry: ParamState = {};
      for (const [k, v] of Object.entries(s as object)) if (v !== undefined) entry[k] = Array.isArray(v) ? [...(v as StateValue[])] : (v as StateValue);
      state[i] = entry;
    }
    return { state, paramGroups };
  }

  /**
   * Restore the state saved by `stateDict()` (of an optimizer of the same kind over parameters of the same
   * shapes, in the same groups), so that training resumes exactly where it stopped. As in PyTorch, the groups'
   * options (lr, betas, …) are taken from the state dict, the tensors are copied (cast to each parameter's
   * dtype and moved to its device) and the current state is replaced. Everything is checked before anything
   * changes.
   *
   * @example
   * ```ts
   * const opt2 = new optim.Adam(model.parameters(), 1e-3);
   * opt2.loadStateDict(opt.stateDict());
   * ```
   */
  loadStateDict(stateDict: OptimizerStateDict): void {
    const where = `${this.name}.loadStateDict`;
    if (stateDict === null || typeof stateDict !== 'object' || !Array.isArray(stateDict.paramGroups) ||
      stateDict.state === null || typeof stateDict.state !== 'object') {
      throw new Error(`${where}: expected a state dict { state, paramGroups } as optimizer.stateDict() returns, got ${describe(stateDict)}.`);
    }
    const saved = stateDict.paramGroups;
    if (saved.length !== this.paramGroups.length) {
      throw new Error(`${where}: the state dict has ${saved.length} parameter group(s) but this optimizer has ${this.paramGroups.length}; ` +
        `make the optimizer with the same groups as the one saved.`);
    }
    const params: Tensor[] = [];
    const groups = saved.map((g, gi) => {
      const current = this.paramGroups[gi]!;
      if (g === null || typeof g !== 'object' || !Array.isArray(g.params)) throw new Error(`${where}: parameter group ${gi} of the state dict has no params list.`);
      if (g.params.length !== current.params.length) {
        throw new Error(`${where}: parameter group ${gi} of the state dict has ${g.params.length} parameter(s) but the optimizer's group ${gi} has ` +
          `${current.params.length}; the groups must match the ones saved.`);
      }
      g.params.forEach((id, j) => {
        if (!Number.isInteger(id) || id < 0) throw new Error(`${where}: parameter group ${gi} lists ${describe(id)} as a parameter; expected indices.`);
        params[id] = current.params[j]!;
      });
      const { params: _ids, ...options } = g;
      const known: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(options)) {
        if (SCHEDULER_KEYS.has(k)) {
          if (typeof v !== 'number') throw new Error(`${where}: '${k}' of parameter group ${gi} must be a number, got ${describe(v)}.`);
          known[k] = v;
        } else known[k] = Array.isArray(v) ? [...(v as unknown[])] : v;
      }
      if (this.spec) {
        const rest = Object.fromEntries(Object.entries(known).filter(([k]) => !SCHEDULER_KEYS.has(k)));
        checkOptions(`${where} (parameter group ${gi})`, rest, this.spec);
      }
      const full = { ...this.defaults, ...known, params: current.params } as ParamGroup<O>;
      this.validate(full);
      return full;
    });
    const state = new Map<Tensor, S>();
    for (const [key, entry] of Object.entries(stateDict.state)) {
      const id = Number(key);
      const p = Number.isInteger(id) ? params[id] : undefined;
      if (p === undefined) {
        throw new Error(`${where}: the state dict has state for parameter ${key}, but its groups list ${params.length} parameter(s) (0 to ${params.length - 1}).`);
      }
      if (entry === null || typeof entry !== 'object') throw new Error(`${where}: the state of parameter ${key} must be an object, got ${describe(entry)}.`);
      const copy: ParamState = {};
      for (const [k, v] of Object.entries(entry)) {
        if (!isStateValue(v)) throw new Error(`${where}: '${k}' in the state of parameter ${key} is ${describe(v)}; expected tensors, numbers or lists of them.`);
        copy[k] = copyStateValue(v, p, k);
      }
      this.checkState(p, copy, `${where}: the state of parameter ${key} (shape ${fmtShape(p.shape)})`);
      state.set(p, copy as S);
    }
    this.paramGroups.splice(0, this.paramGroups.length, ...groups);
    this.state.clear();
    for (const [p, s] of state) this.state.set(p, s);
  }

  /**
   * Check one parameter's loaded state (`where` starts the error message). The default: every tensor in it has
   * the parameter's shape, and `step`, when present, is a non-negative number. Override for other layouts.
   */
  protected checkState(p: Tensor, state: ParamState, where: string): void {
    for (const [k, v] of Object.entries(state)) {
      if (v instanceof Tensor && !sameShape(v.shape, p.shape)) {
        throw new Error(`${where}: '${k}' has shape ${fmtShape(v.shape)}; it must have the parameter's shape.`);
      }
      if (k === 'step' && !(typeof v === 'number' && v >= 0)) throw new Error(`${where}: 'step' must be a non-negative number, got ${describe(v)}.`);
    }
  }
}

/**
 * The gradient an update uses: negated with `maximize`, plus `weightDecay·p` (an L2 penalty) when the decay is
 * not 0, as PyTorch's optimizers compute it (`grad.add(param, alpha=weight_decay)`).
 *
 * @example
 * ```ts
 * const g = effectiveGrad(p, grad, group.maximize, group.weightDecay);
 * ```
 */
export function effectiveGrad(p: Tensor, grad: Tensor, maximize: boolean, weightDecay: number): Tensor {
  const g = maximize ? grad.neg() : grad;
  return weightDecay !== 0 ? g.add(p.mul(weightDecay)) : g;
}

/**
 * A new tensor of zeros (or `value`) shaped, typed and placed as `p`: a fresh state buffer.
 *
 * @example
 * ```ts
 * state.expAvg = stateLike(p);
 * ```
 */
export function stateLike(p: Tensor, value = 0): Tensor {
  return full(p.shape, value, { dtype: p.dtype, device: p.device });
}

/**
 * Throw unless `betas` is a pair of numbers in [0, 1), naming the optimizer.
 *
 * @example
 * ```ts
 * checkBetas('NAdam', [0.9, 0.999]);
 * ```
 */
export function checkBetas(op: string, betas: readonly number[]): void {
  if (!Array.isArray(betas) || betas.length !== 2) throw new Error(`${op}: betas must be a pair [beta1, beta2], got ${String(betas)}.`);
  checkRange(op, 'beta1 (betas[0])', betas[0]!, 0, 1);
  checkRange(op, 'beta2 (betas[1])', betas[1]!, 0, 1);
}

/**
 * Throw unless `value` is a finite number ≥ `min` (and < `below` when given).
 *
 * @example
 * ```ts
 * checkRange('SGD', 'lr', 0.1, 0);
 * ```
 */
export function checkRange(op: string, name: string, value: number, min: number, below?: number): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || (below !== undefined && value >= below)) {
    const range = below === undefined ? `>= ${min}` : `in [${min}, ${below})`;
    throw new Error(`${op}: invalid ${name} ${String(value)}: it must be a finite number ${range}.`);
  }
}

/**
 * The buffers of `p` and `others` for a fused optimizer kernel (null entries stay null), or null when one of them
 * cannot be updated in one loop (see `fusedOperand`); the optimizer then takes the tensor-op path.
 *
 * @example
 * ```ts
 * const ops = fusedOperands(p, [grad, state.expAvg, state.expAvgSq]);
 * ```
 */
export function fusedOperands(p: Tensor, others: readonly (Tensor | null | undefined)[]): [BufferHandle, ...(BufferHandle | null)[]] | null {
  const pd = fusedOperand(p, p);
  if (pd === null) return null;
  const out: [BufferHandle, ...(BufferHandle | null)[]] = [pd];
  for (const t of others) {
    if (t === null || t === undefined) {
      out.push(null);
      continue;
    }
    const h = fusedOperand(t, p);
    if (h === null) return null;
    out.push(h);
  }
  return out;
}

/**
 * Count a write to each tensor's storage, after a kernel updated it in place (so views and saved tensors notice).
 *
 * @example
 * ```ts
 * written(p, state.expAvg);
 * ```
 */
export function written(...tensors: (Tensor | null | undefined)[]): void {
  for (const t of tensors) if (t) t.storage.version++;
}

/**
 * The buffer of `t` for a fused optimizer kernel, which updates `t.size` elements from the start of the buffer
 * in place, or null when `t` is not a float32/float64 tensor of `dtype`, contiguous from offset 0, on `like`'s
 * device (the optimizer then falls back to tensor ops).
 *
 * @example
 * ```ts
 * const pd = fusedOperand(p, p); // p's buffer, or null
 * ```
 */
export function fusedOperand(t: Tensor, like: Tensor): BufferHandle | null {
  const dtype = like.dtype;
  if (t.dtype !== dtype || (dtype !== 'float32' && dtype !== 'float64') || t.offset !== 0 || !t.isContiguous() ||
    t.storage.device !== like.storage.device || t.size !== like.size) {
    return null;
  }
  return t.buffer;
}
