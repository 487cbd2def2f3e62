import { isFloating } from '../dtype.js';
import { Tensor } from '../tensor.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import '../autograd/record.js';

/**
 * One value of an optimizer's per-parameter state: a tensor (a moment estimate, a momentum buffer), a number (a
 * step count), a flag, or a list of these (L-BFGS keeps its history as lists).
 *
 * @example
 * ```ts
 * const v: optim.StateValue = opt.stateDict().state[0]!.step!; // 10
 * ```
 */
export type StateValue = Tensor | number | boolean | string | null | readonly StateValue[];

/** The state of one parameter, by name (`step`, `expAvg`, …). @example `sd.state[0]?.expAvg` */
export type ParamState = Record<string, StateValue>;

/** One parameter group as a state dict holds it: its options, and its parameters as indices. @example `sd.paramGroups[0]!.lr // 0.001` */
export type PackedParamGroup = { params: number[] } & Record<string, unknown>;

/**
 * What `optimizer.stateDict()` returns, shaped as PyTorch's: `state` maps a parameter's index (counted across the
 * groups, in order) to its state, and `paramGroups` lists each group's options with its parameters as those
 * indices. Serialise it with `optim.serializeCheckpoint`.
 *
 * @example
 * ```ts
 * const sd = opt.stateDict();
 * sd.paramGroups[0]!.params; // [0, 1, 2, 3]
 * sd.state[0]!.expAvg;       // a Tensor (Adam's first moment of parameter 0)
 * ```
 */
export interface OptimizerStateDict {
  /**
   * Each parameter's state by its index, counted across the groups in order (PyTorch's `state`); a parameter that has
   * never been updated with a gradient has no entry.
   */
  state: Record<number, ParamState>;
  /** Each group's options with its parameters as those indices (PyTorch's `param_groups`). */
  paramGroups: PackedParamGroup[];
}

/**
 * A deep copy of a state value for loading into `like`'s optimizer: tensors are cloned onto `like`'s device, and
 * floating-point ones other than `step` cast to its dtype when it is floating point (as PyTorch casts state on load).
 *
 * @example
 * ```ts
 * const m = copyStateValue(saved.expAvg, p, 'expAvg');
 * ```
 */
export function copyStateValue(v: StateValue, like: Tensor, key: string): StateValue {
  if (v instanceof Tensor) {
    let t = v.detach();
    if (key !== 'step' && isFloating(t.dtype) && isFloating(like.dtype)) t = t.to(like.dtype);
    if (t.storage.device !== like.storage.device) t = t.to(like.storage.device.name);
    return t === v || t.storage === v.storage ? t.clone() : t;
  }
  if (Array.isArray(v)) return (v as readonly StateValue[]).map((x) => copyStateValue(x, like, key));
  return v;
}

/**
 * Whether `v` is a value a state dict may hold (see `StateValue`).
 *
 * @example
 * ```ts
 * isStateValue([1, 2]); // true
 * isStateValue({}); // false
 * ```
 */
export function isStateValue(v: unknown): v is StateValue {
  if (v === null || v instanceof Tensor) return true;
  if (Array.isArray(v)) return v.every(isStateValue);
  return typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string';
}
