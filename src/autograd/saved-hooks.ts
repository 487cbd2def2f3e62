import type { Tensor } from '../tensor.js';
import { SAVED_HOOKS, setModeBit } from './mode.js';

/** A pair of functions that see every tensor a backward rule saves (pack) and restore it when needed (unpack). */
export interface SavedTensorsHooks {
  pack(t: Tensor): unknown;
  unpack(packed: unknown): Tensor;
  /**
   * The tensors a packed value keeps alive, for memory accounting (`Node.savedTensors`, `savedBytes`).
   * Without it, a packed value that is a tensor counts as itself and anything else as nothing.
   */
  kept?(packed: unknown): readonly Tensor[];
}

const stack: SavedTensorsHooks[] = [];

/**
 * The innermost active saved-tensor hooks, or undefined.
 *
 * @example
 * ```ts
 * currentSavedTensorsHooks(); // undefined outside savedTensorsHooks()
 * ```
 */
export function currentSavedTensorsHooks(): SavedTensorsHooks | undefined {
  return stack[stack.length - 1];
}

/**
 * Run `fn` with hooks that intercept every tensor saved for backward while it runs (PyTorch's
 * `torch.autograd.graph.saved_tensors_hooks`): `pack` gets the tensor when an op saves it and returns anything;
 * `unpack` gets that value back when backward needs the tensor. Checkpointing is built on this.
 *
 * @example
 * ```ts
 * let count = 0;
 * const y = savedTensorsHooks({ pack: (t) => { count++; return t; }, unpack: (t) => t as Tensor }, () => x.exp().sum());
 * ```
 */
export function savedTensorsHooks<T>(hooks: SavedTensorsHooks, fn: () => T): T {
  stack.push(hooks);
  setModeBit(SAVED_HOOKS, true);
  try {
    return fn();
  } finally {
    stack.pop();
    setModeBit(SAVED_HOOKS, stack.length !== 0);
  }
}
