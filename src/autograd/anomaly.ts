import type { Tensor } from '../tensor.js';

let enabled = false;

/**
 * Whether anomaly detection is on: nodes remember the stack of the forward call that created them, and
 * every gradient computed in backward is checked for NaN and Inf.
 *
 * @example
 * ```ts
 * isAnomalyEnabled(); // false
 * ```
 */
export function isAnomalyEnabled(): boolean {
  return enabled;
}

/**
 * Turn anomaly detection on or off globally (off by default: it costs a stack trace per op).
 *
 * @example
 * ```ts
 * setDetectAnomaly(true);
 * ```
 */
export function setDetectAnomaly(value: boolean): void {
  enabled = value;
}

/**
 * Run `fn` with anomaly detection on: the first NaN or Inf produced by a backward rule throws an error that
 * names the backward op and shows the stack of the forward call that created it.
 *
 * @example
 * ```ts
 * detectAnomaly(() => {
 *   const y = x.sqrt().sum(); // sqrt at 0: infinite gradient
 *   y.backward();             // throws: SqrtBackward0 returned Inf values in its 0th output ...
 * });
 * ```
 */
export function detectAnomaly<T>(fn: () => T): T {
  const prev = enabled;
  enabled = true;
  try {
    return fn();
  } finally {
    enabled = prev;
  }
}

/**
 * The error for a non-finite gradient, or null when `g` is finite.
 *
 * @example
 * ```ts
 * const err = checkFinite(g, 'LogBackward0', 0, stack);
 * ```
 */
export function checkFinite(g: Tensor, name: string, index: number, forwardStack: string | undefined): Error | null {
  const d = g.data();
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (Number.isFinite(v)) continue;
    const what = Number.isNaN(v) ? 'nan' : 'Inf';
    return new Error(
      `Function '${name}' returned ${what} values in its ${index}th output (first at element ${i} of a gradient of shape ` +
        `[${g.shape.join(', ')}]). Traceback of the forward call that created it:\n${forwardStack ?? '  (no stack recorded)'}`,
    );
  }
  return null;
}
