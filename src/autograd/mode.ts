// The one word that the hot path of every op tests. It is zero when an op can take the plain path: grad mode on,
// no engine observer (profiler, anomaly detection, traceBackward), no forward-mode level active and no saved-tensor
// hooks. Each of those modules sets or clears its bit as its state changes, so `runOp` pays one comparison for all
// four instead of four calls.

/** Grad mode is off (`noGrad`). */
export const GRAD_OFF = 1;
/** An engine observer is subscribed (`observeEngine`). */
export const OBSERVED = 2;
/** A forward-mode level is active and not paused (`jvp`). */
export const FORWARD = 4;
/** Saved-tensor hooks are installed (`savedTensorsHooks`). */
export const SAVED_HOOKS = 8;

/**
 * The bits of the modes that are on now; 0 on the plain path. Read it, never assign it: use `setModeBit`. @internal
 *
 * @example
 * ```ts
 * if (modeBits === 0) { … the plain path … }
 * ```
 */
export let modeBits = 0;

/**
 * Turn one mode bit on or off. @internal
 *
 * @example
 * ```ts
 * setModeBit(GRAD_OFF, true);
 * ```
 */
export function setModeBit(bit: number, on: boolean): void {
  modeBits = on ? modeBits | bit : modeBits & ~bit;
}
