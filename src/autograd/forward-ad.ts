import type { Tensor } from '../tensor.js';
import { FORWARD, setModeBit } from './mode.js';

// Forward mode attaches a tangent to each tensor computed inside `jvp`. A tangent is valid only for the
// jvp call that set it (its level id), so tangents left on tensors after the call are simply ignored.
let level = 0;
let paused = false;
let nextLevel = 0;

/**
 * The id of the active forward-mode level, or 0 outside `jvp` (or while a JVP rule itself runs).
 *
 * @example
 * ```ts
 * forwardLevel(); // 0
 * ```
 */
export function forwardLevel(): number {
  return paused ? 0 : level;
}

/**
 * The tangent of `t` at the active level, or null (a zero tangent).
 *
 * @example
 * ```ts
 * tangentOf(x); // null outside jvp
 * ```
 */
export function tangentOf(t: Tensor): Tensor | null {
  return level !== 0 && t._tangentLevel === level ? t._tangent : null;
}

/**
 * Attach a tangent to `t` at the active level.
 *
 * @example
 * ```ts
 * setTangent(x, onesLike(x));
 * ```
 */
export function setTangent(t: Tensor, tangent: Tensor): void {
  t._tangent = tangent;
  t._tangentLevel = level;
}

/**
 * Run `fn` at a fresh forward-mode level (one level at a time: forward over forward is not supported).
 *
 * @example
 * ```ts
 * withForwardLevel(() => { setTangent(x, v); return f(x); });
 * ```
 */
export function withForwardLevel<T>(fn: () => T): T {
  if (level !== 0) {
    throw new Error('jvp: nested forward-mode calls (jvp inside jvp) are not supported. Use forward over reverse instead, e.g. hvp(), or jacobian(..., { mode: "rev" }) inside.');
  }
  level = ++nextLevel;
  setModeBit(FORWARD, !paused);
  try {
    return fn();
  } finally {
    level = 0;
    setModeBit(FORWARD, false);
  }
}

/**
 * Run a JVP rule: its own tensor ops must not compute tangents of tangents.
 *
 * @example
 * ```ts
 * const t = whilePaused(() => rule(tangents, ctx));
 * ```
 */
export function whilePaused<T>(fn: () => T): T {
  const prev = paused;
  paused = true;
  setModeBit(FORWARD, false);
  try {
    return fn();
  } finally {
    paused = prev;
    setModeBit(FORWARD, level !== 0 && !prev);
  }
}
