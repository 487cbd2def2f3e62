import { GRAD_OFF, setModeBit } from './mode.js';

let enabled = true;

function set(value: boolean): void {
  enabled = value;
  setModeBit(GRAD_OFF, !value);
}

/**
 * Whether operations are being recorded for backward right now.
 *
 * @example
 * ```ts
 * noGrad(() => isGradEnabled()); // false
 * ```
 */
export function isGradEnabled(): boolean {
  return enabled;
}

/** Set grad mode globally; returns the previous mode. Prefer `noGrad`/`enableGrad`. @example `setGradEnabled(false)` */
export function setGradEnabled(value: boolean): boolean {
  const prev = enabled;
  set(value);
  return prev;
}

function withMode<T>(value: boolean, fn: () => T, name: string): T {
  const prev = enabled;
  set(value);
  try {
    const result = fn();
    if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
      throw new Error(
        `${name}: the function returned a Promise. Grad mode is restored when ${name} returns, before the ` +
          `asynchronous part runs, so it would not apply there. Call ${name} around the synchronous tensor code instead.`,
      );
    }
    return result;
  } finally {
    set(prev);
  }
}

/**
 * Run `fn` without recording operations: results do not require grad and no graph is kept.
 * Use it for evaluation and for optimizer updates.
 *
 * @example
 * ```ts
 * const y = noGrad(() => x.mul(2)); // y.requiresGrad === false
 * ```
 */
export function noGrad<T>(fn: () => T): T {
  return withMode(false, fn, 'noGrad');
}

/**
 * Run `fn` with recording on, even inside `noGrad`.
 *
 * @example
 * ```ts
 * noGrad(() => enableGrad(() => x.mul(2))).requiresGrad; // true when x requires grad
 * ```
 */
export function enableGrad<T>(fn: () => T): T {
  return withMode(true, fn, 'enableGrad');
}
