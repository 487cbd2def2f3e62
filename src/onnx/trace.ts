// Tracing a module's forward pass for export: every op of the table that runs at the top level (not inside
// another op) is one step, read from the engine's observer events (`opEnd` carries the op's inputs and
// attributes). A recurrent layer (RNN, LSTM, GRU) is one step too: ONNX has an operator for each, so the
// tracer runs it with its ops unobserved and records the layer call instead.
import '../autograd/record.js';
import { observeEngine } from '../autograd/events.js';
import { noGrad } from '../autograd/grad-mode.js';
import type { Module } from '../nn/module.js';
import { RecurrentBase } from '../nn/recurrent.js';
import { Tensor } from '../tensor.js';

/** One op of the table, as it ran. */
export interface OpStep {
  readonly kind: 'op';
  readonly op: string;
  readonly inputs: readonly Tensor[];
  /** Each input's storage version when the op ran (a later in-place write changes it). */
  readonly inputVersions: readonly number[];
  readonly attrs: unknown;
  readonly output: Tensor;
  readonly outputVersion: number;
}

/** One call of a recurrent layer: its tensor arguments and results, flattened in order. */
export interface ModuleStep {
  readonly kind: 'module';
  readonly module: RecurrentBase;
  readonly inputs: readonly (Tensor | null)[];
  readonly inputVersions: readonly number[];
  readonly outputs: readonly Tensor[];
  readonly outputVersions: readonly number[];
}

/** A step of a trace. */
export type Step = OpStep | ModuleStep;

/** A traced forward pass: its steps in order, and the tensors it returned (flattened). */
export interface Trace {
  readonly inputs: readonly Tensor[];
  /** The inputs' storage versions before the pass. */
  readonly inputVersions: readonly number[];
  readonly steps: readonly Step[];
  readonly outputs: readonly Tensor[];
}

/**
 * The tensors of a forward pass's result, in order: a tensor, or arrays of them nested (`[out, [h, c]]`).
 *
 * @example
 * ```ts
 * flattenOutputs([y, [h, c]], 'exportOnnx'); // [y, h, c]
 * ```
 */
export function flattenOutputs(value: unknown, where: string): Tensor[] {
  if (value instanceof Tensor) return [value];
  if (Array.isArray(value)) return value.flatMap((v: unknown) => flattenOutputs(v, where));
  throw new Error(`${where}: the forward pass must return a Tensor or arrays of Tensors (as LSTM's [output, [hN, cN]]); got ${value === null ? 'null' : typeof value}.`);
}

function flattenArgs(args: readonly unknown[]): (Tensor | null)[] {
  return args.flatMap((a): (Tensor | null)[] => (a instanceof Tensor ? [a] : Array.isArray(a) ? flattenArgs(a) : a == null ? [null] : []));
}

/**
 * Run `module.forward(...inputs)` without recording gradients and return its steps.
 *
 * @example
 * ```ts
 * const { steps, outputs } = traceForward(model, [x]);
 * ```
 */
export function traceForward(module: Module, inputs: readonly Tensor[]): Trace {
  const steps: Step[] = [];
  const inputVersions = inputs.map((t) => t.storage.version);
  let depth = 0;
  let paused = 0;
  const patched: [RecurrentBase, PropertyDescriptor | undefined][] = [];
  for (const m of module.modules()) {
    if (!(m instanceof RecurrentBase)) continue;
    const own = Object.getOwnPropertyDescriptor(m, 'forward');
    const forward = m.forward.bind(m) as (...args: unknown[]) => unknown;
    patched.push([m, own]);
    Object.defineProperty(m, 'forward', {
      configurable: true,
      writable: true,
      value: (...args: unknown[]): unknown => {
        const inputs = flattenArgs(args);
        const inputVersions = inputs.map((t) => t?.storage.version ?? 0);
        paused++;
        let out: unknown;
        try {
          out = forward(...args);
        } finally {
          paused--;
        }
        if (paused === 0) {
          const outputs = flattenOutputs(out, 'exportOnnx');
          steps.push({ kind: 'module', module: m, inputs, inputVersions, outputs, outputVersions: outputs.map((t) => t.storage.version) });
        }
        return out;
      },
    });
  }
  const stop = observeEngine<Tensor>({
    opStart: () => {
      depth++;
    },
    opEnd: (op, output, _flops, opInputs, attrs) => {
      depth--;
      if (depth === 0 && paused === 0 && output !== null) {
        steps.push({ kind: 'op', op, inputs: [...opInputs], inputVersions: opInputs.map((t) => t.storage.version), attrs, output, outputVersion: output.storage.version });
      }
    },
  });
  try {
    const out = noGrad(() => (module.forward as (...args: Tensor[]) => unknown)(...inputs));
    return { inputs, inputVersions, steps, outputs: flattenOutputs(out, 'exportOnnx') };
  } finally {
    stop();
    for (const [m, own] of patched) {
      if (own) Object.defineProperty(m, 'forward', own);
      else delete (m as unknown as { forward?: unknown }).forward;
    }
  }
}
