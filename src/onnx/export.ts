// exportOnnx: trace a module's forward pass in eval mode (twice when some axes are dynamic, the second time at
// other sizes of those axes, to tell which sizes follow them), write each traced op as ONNX nodes, the weights
// as initializers named as in the state dict, and encode the model with protobufjs (an optional peer
// dependency, loaded only here) from ONNX's own onnx.proto.
import '../autograd/record.js';
import { noGrad } from '../autograd/grad-mode.js';
import type { Module } from '../nn/module.js';
import { cat } from '../ops/api.generated.js';
import { describe } from '../ops/buffers.js';
import { outputsOf } from '../ops/selection.js';
import { checkOptions } from '../options.js';
import { Tensor } from '../tensor.js';
import { encodeModel } from './encode.js';
import { GraphBuilder } from './graph.js';
import { writeOp } from './ops.js';
import { ONNX_TYPES, valueInfo, type ValueInfoProto } from './proto.js';
import { writeRecurrent } from './recurrent.js';
import { traceForward, type Step, type Trace } from './trace.js';

/** Dynamic axes of one input or output: a list of axes, or axis → the name of its size (as in `torch.onnx.export`). */
export type DynamicAxesSpec = readonly number[] | Readonly<Record<number, string>>;

/** Options of `exportOnnx`. */
export interface ExportOnnxOptions {
  /** Names of the graph's inputs, in order (default `input_0`, `input_1`, …; `input` for one). */
  readonly inputNames?: readonly string[];
  /** Names of the graph's outputs, the forward pass's results flattened in order (default `output_0`, …; `output` for one). */
  readonly outputNames?: readonly string[];
  /**
   * Per input or output name, the axes whose size is left open, e.g. `{ input: { 0: 'batch' }, output: { 0: 'batch' } }`.
   * An output's axes that follow an input's dynamic axis are found by tracing and named after it when not given.
   */
  readonly dynamicAxes?: Readonly<Record<string, DynamicAxesSpec>>;
  /** The ONNX opset (default 17, the first with LayerNormalization; 17 to 21). */
  readonly opset?: number;
  /** The model's `doc_string`. */
  readonly docString?: string;
}

const OPTIONS = { inputNames: 'object', outputNames: 'object', dynamicAxes: 'object', opset: 'integer', docString: 'string' } as const;

function names(given: readonly string[] | undefined, n: number, base: string, what: string): string[] {
  if (given === undefined) return n === 1 ? [base] : Array.from({ length: n }, (_, i) => `${base}_${i}`);
  if (!Array.isArray(given) || !given.every((s) => typeof s === 'string' && s.length > 0)) throw new Error(`exportOnnx: ${what}Names must be an array of non-empty strings, got ${describe(given)}.`);
  if (given.length !== n) throw new Error(`exportOnnx: ${what}Names has ${given.length} names but the model has ${n} ${what}s.`);
  if (new Set(given).size !== n) throw new Error(`exportOnnx: ${what}Names has a name twice: ${given.join(', ')}.`);
  return [...given];
}

/** Axis → symbolic name, from an option's form. */
function axesOf(name: string, spec: DynamicAxesSpec, rank: number | null): Map<number, string> {
  const out = new Map<number, string>();
  if (spec === null || typeof spec !== 'object') {
    throw new Error(`exportOnnx: dynamicAxes['${name}'] must be a list of axes ([0]) or axis → name ({ 0: 'batch' }), got ${describe(spec)}.`);
  }
  const entries: [number, string][] = Array.isArray(spec)
    ? (spec as readonly number[]).map((a) => [a, `${name}_dim${a}`])
    : Object.entries(spec as Readonly<Record<string, string>>).map(([a, s]) => [Number(a), s]);
  for (const [a, s] of entries) {
    if (!Number.isInteger(a) || typeof s !== 'string' || (rank !== null && (a < 0 || a >= rank))) {
      throw new Error(`exportOnnx: dynamicAxes['${name}'] names axis ${String(a)}${rank === null ? '' : `, but '${name}' has ${rank} dims`}; give axes 0 to ${rank === null ? 'n' : rank - 1} as a list or { axis: 'name' }.`);
    }
    out.set(a, s);
  }
  return out;
}

/** The example inputs at other sizes along their dynamic axes (each one larger), for the second trace. */
function grown(inputs: readonly Tensor[], axes: readonly Map<number, string>[]): Tensor[] {
  return noGrad(() => inputs.map((x, i) => {
    let y = x;
    for (const a of axes[i]!.keys()) {
      if (y.shape[a] === 0) throw new Error(`exportOnnx: the example input ${i} is empty along its dynamic axis ${a}; give an example with at least one element there.`);
      y = cat([y, y.narrow(a, 0, 1)], a);
    }
    return y;
  }));
}

function sameSteps(a: Trace, b: Trace): void {
  const label = (s: Step | undefined): string => (s === undefined ? 'nothing' : s.kind === 'op' ? `'${s.op}'` : s.module.constructor.name);
  const n = Math.max(a.steps.length, b.steps.length);
  for (let i = 0; i < n; i++) {
    const x = a.steps[i], y = b.steps[i];
    if (x === undefined || y === undefined || x.kind !== y.kind || (x.kind === 'op' && y.kind === 'op' && x.op !== y.op) || x.inputs.length !== y.inputs.length) {
      throw new Error(
        `exportOnnx: the forward pass runs different ops when the dynamic axes change size (step ${i}: ${label(x)}, then ${label(y)}), ` +
          'so one graph cannot serve every size. Export with those axes static, or make the forward pass independent of their size.',
      );
    }
  }
  if (a.outputs.length !== b.outputs.length) throw new Error('exportOnnx: the forward pass returns a different number of results when the dynamic axes change size.');
}

/**
 * Export a module as an ONNX model: its forward pass on `exampleInputs`, traced in eval mode (the module's
 * training flag is restored afterwards), written with opset 17 or later and its weights as initializers named
 * as in `stateDict()`. Resolves to the model's bytes (an `.onnx` file's contents; `exportOnnxFile` from
 * `adjoint/node` writes them). Needs the optional peer dependency `protobufjs` (`npm install protobufjs`).
 *
 * Every op of the forward pass must have an ONNX form: the MLP, convolution, normalization, attention and
 * Transformer layers do, RNN/LSTM/GRU become ONNX's own operators, and an op without one is an error naming it.
 * Axes listed in `dynamicAxes` are left open: the pass is traced a second time with those axes one larger, and
 * every shape written into the graph that follows them is written so that it does.
 *
 * @example
 * ```ts
 * import { exportOnnx } from 'adjoint/onnx';
 * const bytes = await exportOnnx(model, [randn([2, 784])], {
 *   inputNames: ['image'], outputNames: ['logits'], dynamicAxes: { image: { 0: 'batch' } },
 * });
 * ```
 */
export async function exportOnnx(module: Module, exampleInputs: Tensor | readonly Tensor[], options: ExportOnnxOptions = {}): Promise<Uint8Array> {
  const opts = checkOptions('exportOnnx', options, OPTIONS);
  const inputs = exampleInputs instanceof Tensor ? [exampleInputs] : exampleInputs;
  if (!Array.isArray(inputs) || !inputs.every((t) => t instanceof Tensor)) {
    throw new Error(`exportOnnx: exampleInputs must be a Tensor or an array of Tensors, got ${describe(exampleInputs)}.`);
  }
  const opset = opts.opset ?? 17;
  if (opset < 17 || opset > 21) throw new Error(`exportOnnx: opset must be 17 to 21 (LayerNormalization needs 17), got ${opset}.`);
  const inputNames = names(opts.inputNames, inputs.length, 'input', 'input');
  const dynamic = opts.dynamicAxes ?? {};
  const inputAxes = inputs.map((x, i) => axesOf(inputNames[i]!, dynamic[inputNames[i]!] ?? [], x.ndim));

  const wasTraining = new Map(module.modules().map((m) => [m, m.training] as const));
  module.eval();
  let a: Trace, b: Trace;
  try {
    a = traceForward(module, inputs);
    b = inputAxes.some((m) => m.size > 0) ? traceForward(module, grown(inputs, inputAxes)) : a;
  } finally {
    for (const [m, t] of wasTraining) m.training = t;
  }
  sameSteps(a, b);
  const outputNames = names(opts.outputNames, a.outputs.length, 'output', 'output');
  for (const key of Object.keys(dynamic)) {
    if (!inputNames.includes(key) && !outputNames.includes(key)) throw new Error(`exportOnnx: dynamicAxes names '${key}', which is neither an input (${inputNames.join(', ')}) nor an output (${outputNames.join(', ')}).`);
  }

  const weights = new Map<Tensor, string>();
  for (const [name, p] of module.namedParameters()) if (!weights.has(p)) weights.set(p, name);
  for (const [name, t] of module.namedBuffers()) if (!weights.has(t)) weights.set(t, name);
  const paths = new Map(module.namedModules().map(([p, m]) => [m, p] as const));

  const g = new GraphBuilder(opset, weights);
  inputs.forEach((x, i) => {
    g.pair(x, b.inputs[i]!);
    g.bind(x, inputNames[i]!, a.inputVersions[i]);
  });
  // Only the steps that the results depend on are written (an Embedding's index-range check, min() and max()
  // read back with item(), leaves the graph). Storages stand for values, so a detach() of a value keeps it.
  const live = new Set<unknown>(a.outputs.map((y) => y.storage));
  const needed = a.steps.map(() => false);
  for (let k = a.steps.length - 1; k >= 0; k--) {
    const s = a.steps[k]!;
    const outs = s.kind === 'op' ? [s.output, ...extraOutputs(s.output)] : s.outputs;
    if (!outs.some((o) => live.has(o.storage))) continue;
    needed[k] = true;
    for (const x of s.inputs) if (x) live.add(x.storage);
    if (s.kind === 'op') for (const [x] of attrTensors(s.attrs, s.attrs)) live.add(x.storage);
  }
  a.steps.forEach((s, k) => {
    if (!needed[k]) return;
    const t = b.steps[k]!;
    s.inputs.forEach((x, j) => {
      const y = t.inputs[j];
      if (x && y) g.pair(x, y);
    });
    if (s.kind === 'op' && t.kind === 'op') {
      g.pair(s.output, t.output);
      for (const [x, y] of attrTensors(s.attrs, t.attrs)) g.pair(x, y);
      const out = writeOp({
        g, op: s.op, inputs: s.inputs, attrs: s.attrs, attrsB: t.attrs, output: s.output,
        input: (i) => g.value(s.inputs[i]!, s.inputVersions[i]),
      });
      g.bind(s.output, out, s.outputVersion);
    } else if (s.kind === 'module' && t.kind === 'module') {
      s.outputs.forEach((o, i) => g.pair(o, t.outputs[i]!));
      const outs = writeRecurrent(g, s.module, paths.get(s.module) ?? '', s.inputs, s.inputVersions);
      s.outputs.forEach((o, i) => g.bind(o, outs[i]!, s.outputVersions[i]));
    }
  });

  const graphInputs: ValueInfoProto[] = inputs.map((x, i) => {
    const axes = inputAxes[i]!;
    return valueInfo(inputNames[i]!, ONNX_TYPES[x.dtype], x.shape.map((n, d) => axes.get(d) ?? n));
  });
  // Symbolic sizes by their (first trace, second trace) values, to name an output's open axes after an input's.
  const symbols = new Map<string, string>();
  inputs.forEach((x, i) => inputAxes[i]!.forEach((s, d) => symbols.set(`${x.shape[d]}:${g.shapeB(x)[d]}`, s)));
  const graphOutputs: ValueInfoProto[] = a.outputs.map((y, i) => {
    const name = outputNames[i]!;
    const given = axesOf(name, dynamic[name] ?? [], y.ndim);
    const yB = g.shapeB(y);
    const dims = y.shape.map((n, d) => given.get(d) ?? (n === yB[d] ? n : symbols.get(`${n}:${yB[d]}`) ?? `${name}_dim${d}`));
    g.node('Identity', [g.value(y)], {}, [name]);
    return valueInfo(name, ONNX_TYPES[y.dtype], dims);
  });
  return encodeModel({ nodes: g.nodes, initializers: g.initializers, inputs: graphInputs, outputs: graphOutputs, opset, docString: opts.docString ?? '' });
}

/** The other outputs of a selecting op (max/min along a dim: its indices), or none. */
function extraOutputs(t: Tensor): readonly Tensor[] {
  try {
    return outputsOf(t);
  } catch {
    return [];
  }
}

/** Tensors held in attributes (batchNorm's running statistics), paired across the traces. */
function attrTensors(a: unknown, b: unknown): [Tensor, Tensor][] {
  if (a === null || typeof a !== 'object' || b === null || typeof b !== 'object') return [];
  const out: [Tensor, Tensor][] = [];
  for (const [k, v] of Object.entries(a)) {
    const w = (b as Record<string, unknown>)[k];
    if (v instanceof Tensor && w instanceof Tensor) out.push([v, w]);
  }
  return out;
}
