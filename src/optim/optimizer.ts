import { enableGrad, noGrad } from '../autograd/grad-mode.js';
import { checkOptions, type OptionSpec } from '../options.js';
import { fmtShape } from '../shape.js';
import type { BufferHandle } from '../kernels/backend.js';
import { describe } from '../ops/buffers.js';
import { Tensor } from '../tensor.js';
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
} & O;

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
