import type { Tensor } from '../tensor.js';
import { observeEngine, type EngineObserver } from './events.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import './record.js';

let stop: (() => void) | null = null;

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
  return stop !== null;
}

// The stack minus the library's own frames, so it points at the user's line.
function forwardStack(): string {
  // Deep enough to get past the library's own frames (V8 keeps 10 by default).
  const E = Error as { stackTraceLimit?: number | undefined };
  const limit = E.stackTraceLimit;
  E.stackTraceLimit = 64;
  const stack = new Error().stack ?? '';
  E.stackTraceLimit = limit;
  const lines = stack.split('\n').slice(1);
  const user = lines.filter((l) => !/[\\/]src[\\/](ops|autograd|tensor)[\\/.]|[\\/]dist[\\/]/.test(l));
  return (user.length ? user : lines).join('\n');
}

// Anomaly detection watches the engine: it stamps each recorded node with where its op was called, and checks
// every gradient a node sends on.
const detector: EngineObserver<Tensor> = {
  recorded: (node) => {
    node.forwardStack = forwardStack();
  },
  nodeEnd: (node, _g, grads) => {
    grads.forEach((g, i) => {
      if (g === null) return;
      const err = checkFinite(g, node.name, i, node.forwardStack);
      if (err) throw err;
    });
  },
};

/**
 * Turn anomaly detection on or off globally (off by default: it costs a stack trace per op). `detectAnomaly(fn)`
 * does the same for one synchronous function; this is for code that awaits between forward and backward.
 *
 * @example
 * ```ts
 * setDetectAnomaly(true);
 * const loss = await forwardPass();
 * loss.backward(); // a NaN or Inf gradient throws, naming the op and where its forward ran
 * setDetectAnomaly(false);
 * ```
 */
export function setDetectAnomaly(value: boolean): void {
  if (typeof value !== 'boolean') throw new Error(`setDetectAnomaly: expected true or false, got ${typeof value}.`);
  if (value && stop === null) stop = observeEngine(detector);
  else if (!value && stop !== null) {
    stop();
    stop = null;
  }
}

/**
 * Run `fn` with anomaly detection on: the first NaN or Inf produced by a backward rule throws an error that
 * names the backward op and shows the stack of the forward call that created it. `fn` must be synchronous:
 * detection is switched off again when it returns.
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
  if (typeof fn !== 'function') throw new Error(`detectAnomaly: expected a function, got ${typeof fn}.`);
  if (fn.constructor.name === 'AsyncFunction') {
    throw new Error('detectAnomaly: the function is async. Detection is switched off when detectAnomaly returns, before the asynchronous part runs, so it would not apply there. Call detectAnomaly around the synchronous tensor code instead, or use setDetectAnomaly(true).');
  }
  const prev = isAnomalyEnabled();
  setDetectAnomaly(true);
  try {
    const result = fn();
    if (result !== null && typeof result === 'object' && typeof (result as { then?: unknown }).then === 'function') {
      throw new Error('detectAnomaly: the function returned a Promise. Detection is switched off when detectAnomaly returns, before the asynchronous part runs, so it would not apply there. Call detectAnomaly around the synchronous tensor code instead, or use setDetectAnomaly(true).');
    }
    return result;
  } finally {
    setDetectAnomaly(prev);
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
  if (g.dtype === 'int32' || g.dtype === 'bool') return null;
  if (g.storage.device.backend.readsAsyncOnly === true) {
    throw new Error(
      `detectAnomaly: the check of ${name}'s gradient decides on the host, which needs a synchronous read that the ` +
        `'${g.device}' device cannot do. Run anomaly detection on the CPU (move the model and data with toAsync('cpu')).`,
    );
  }
  // x - x is 0 for every finite x and NaN otherwise: one pass on the gradient's device; only a bad element is read.
  const bad = g.sub(g).ne(0);
  if (bad.sum().item() === 0) return null;
  const i = bad.flatten().to('int32').argmax().item();
  const what = Number.isNaN(g.flatten().narrow(0, i, 1).item()) ? 'nan' : 'Inf';
  return new Error(
    `Function '${name}' returned ${what} values in its ${index}th output (first at element ${i} of a gradient of shape ` +
      `[${g.shape.join(', ')}]). Traceback of the forward call that created it:\n${forwardStack ?? '  (no stack recorded)'}`,
  );
}
