// The ONNX form of each op of the table that the exporter can write: one ONNX operator where there is one
// (MatMul, Conv, LayerNormalization, …), a few where ONNX has none (log1p, softplus with a threshold, lerp).
// An op missing here is an error naming it.
import '../autograd/record.js';
import type { DType } from '../dtype.js';
import type { BatchNormAttrs, LayerNormAttrs } from '../ops/normalization.js';
import type { Tensor } from '../tensor.js';
import { outputsOf } from '../ops/selection.js';
import { UnsupportedOpError, type GraphBuilder } from './graph.js';
import type { AttrValue } from './proto.js';

/** What an op's writer sees: the graph, the op's inputs and attributes (both traces), and its output. */
export interface OpContext {
  readonly g: GraphBuilder;
  readonly op: string;
  readonly inputs: readonly Tensor[];
  readonly attrs: unknown;
  /** The attributes of the same op in the second trace (at other sizes of the dynamic axes). */
  readonly attrsB: unknown;
  readonly output: Tensor;
  /** The value name of input `i`. */
  input(i: number): string;
}

/** Writes one op; returns the value name of its output. */
type Writer = (c: OpContext) => string;

/** A writer, and whether it reads attributes that may differ between the traces (it then checks them itself). */
interface OpMapping {
  readonly write: Writer;
  readonly dynamicAttrs?: boolean;
}

const INT64_MAX = Number.MAX_SAFE_INTEGER;

const attrsOf = <A>(c: OpContext): A => c.attrs as A;
const attrsBOf = <A>(c: OpContext): A => c.attrsB as A;

/** The inputs as value names, each cast to `dtype`. */
function castInputs(c: OpContext, dtype: DType): string[] {
  return c.inputs.map((t, i) => c.g.cast(c.input(i), t.dtype, dtype));
}

function simple(opType: string, attrs: (c: OpContext) => Record<string, AttrValue | undefined> = () => ({})): OpMapping {
  return { write: (c) => c.g.one(opType, c.inputs.map((_, i) => c.input(i)), attrs(c)) };
}

/** An elementwise op whose ONNX form wants its inputs in the output's dtype (adjoint promotes inside the op). */
function elementwise(opType: string): OpMapping {
  return {
    write: (c) => {
      if (c.output.dtype !== 'bool') return c.g.one(opType, castInputs(c, c.output.dtype));
      // On bools (logicalAnd is a product of bools) ONNX has the logical operators instead.
      const logical = BOOL_FORMS[opType];
      if (logical === undefined) throw new UnsupportedOpError(`exportOnnx: the op '${c.op}' on bool tensors has no ONNX mapping.`);
      return c.g.one(logical, castInputs(c, 'bool'));
    },
  };
}

const BOOL_FORMS: Readonly<Record<string, string>> = { Mul: 'And', Min: 'And', Add: 'Or', Max: 'Or' };

/** A comparison: inputs promoted to a common dtype, bool out. */
function comparison(opType: string, negate = false): OpMapping {
  return {
    write: (c) => {
      const [a, b] = c.inputs as [Tensor, Tensor];
      const common: DType = a.dtype === b.dtype ? a.dtype : a.dtype === 'float64' || b.dtype === 'float64' ? 'float64' : a.dtype === 'float32' || b.dtype === 'float32' ? 'float32' : 'int32';
      const y = c.g.one(opType, castInputs(c, common));
      return negate ? c.g.one('Not', [y]) : y;
    },
  };
}

/** A unary op written with others: `f(g, x)` returns the output's value name. */
function composed(f: (g: GraphBuilder, x: string, dtype: DType, c: OpContext) => string): OpMapping {
  return { write: (c) => f(c.g, c.input(0), c.output.dtype, c) };
}

const norm = (d: number, n: number): number => (d < 0 ? d + n : d);

function reduce(opType: string): OpMapping {
  return {
    write: (c) => {
      const { dims, keepdim } = attrsOf<{ dims: readonly number[]; keepdim: boolean }>(c);
      const x = c.inputs[0]!;
      const axes = dims.length === 0 ? x.shape.map((_, i) => i) : dims.map((d) => norm(d, x.ndim));
      if (x.ndim === 0) return c.g.one('Identity', [c.input(0)]);
      const keepdims = { i: keepdim ? 1 : 0 };
      // ReduceSum takes its axes as an input from opset 13, the others from opset 18.
      if (opType === 'ReduceSum' || c.g.opset >= 18) return c.g.one(opType, [c.input(0), c.g.int64(axes, 'axes')], { keepdims });
      return c.g.one(opType, [c.input(0)], { axes: { ints: axes }, keepdims });
    },
  };
}

/** Reduce over `axes` (all dims when empty) in the form the opset wants. */
function reduceOver(c: OpContext, opType: string, input: string, axes: readonly number[], keepdim: boolean): string {
  const keepdims = { i: keepdim ? 1 : 0 };
  if (opType === 'ReduceSum' || c.g.opset >= 18) return c.g.one(opType, [input, c.g.int64(axes, 'axes')], { keepdims });
  return c.g.one(opType, [input], { axes: { ints: axes }, keepdims });
}

/** max/min: over every element (`dim` null), or along one dim with the indices too (`{ values, indices }`). */
function extremum(opType: 'ReduceMax' | 'ReduceMin', argType: 'ArgMax' | 'ArgMin'): OpMapping {
  return {
    write: (c) => {
      const { dim, keepdim } = attrsOf<{ dim: number | null; keepdim: boolean }>(c);
      const x = c.inputs[0]!;
      if (x.ndim === 0) return c.g.one('Identity', [c.input(0)]);
      if (dim === null) return reduceOver(c, opType, c.input(0), x.shape.map((_, i) => i), false);
      const indices = outputsOf(c.output)[0];
      if (indices !== undefined) {
        const i = c.g.one(argType, [c.input(0)], { axis: { i: dim }, keepdims: { i: keepdim ? 1 : 0 } });
        c.g.bind(indices, c.g.one('Cast', [i], { to: { i: dtypeCode('int32') } }));
      }
      return reduceOver(c, opType, c.input(0), [dim], keepdim);
    },
  };
}

function argReduce(opType: string): OpMapping {
  return {
    write: (c) => {
      const { dims, keepdim } = attrsOf<{ dims: readonly number[]; keepdim: boolean }>(c);
      const x = c.inputs[0]!;
      let input = c.input(0), axis = dims[0] ?? 0;
      if (dims.length === 0) {
        input = c.g.one('Reshape', [input, c.g.int64([-1])]);
        axis = 0;
      }
      const y = c.g.one(opType, [input], { axis: { i: norm(axis, Math.max(x.ndim, 1)) }, keepdims: { i: keepdim && dims.length > 0 ? 1 : 0 } });
      return c.g.one('Cast', [y], { to: { i: dtypeCode('int32') } });
    },
  };
}

/** Reshape's target: literal sizes, 0 (copy the input's dim) or -1 (inferred) where a dim follows the dynamic axes. */
function reshapeTarget(c: OpContext, x: Tensor, out: readonly number[], outB: readonly number[]): number[] {
  const xB = c.g.shapeB(x);
  let inferred = 0;
  const target = out.map((n, i) => {
    if (n === outB[i]) return n;
    if (i < x.ndim && x.shape[i] === n && xB[i] === outB[i]) return 0;
    inferred++;
    return -1;
  });
  if (inferred > 1) {
    throw new UnsupportedOpError(
      `exportOnnx: reshape to [${out.join(', ')}] has ${inferred} dims that change with the dynamic axes and are not the input's own; ONNX's Reshape can infer one.`,
    );
  }
  if (out.some((n) => n === 0)) throw new UnsupportedOpError(`exportOnnx: reshape to an empty shape [${out.join(', ')}] cannot be written.`);
  return target;
}

function layerNorm(c: OpContext): string {
  const { normalizedShape, eps, hasWeight, hasBias } = attrsOf<LayerNormAttrs>(c);
  const x = c.inputs[0]!;
  const dtype = c.output.dtype;
  let k = 1;
  const ones = (value: number): string => {
    const shape = c.g.int64([...normalizedShape], 'normalized_shape');
    return c.g.one('Expand', [c.g.scalar(value, dtype), shape]);
  };
  const scale = hasWeight ? c.input(k++) : ones(1);
  const bias = hasBias ? c.input(k++) : ones(0);
  return c.g.one('LayerNormalization', [c.input(0), scale, bias], { axis: { i: x.ndim - normalizedShape.length }, epsilon: { f: eps } });
}

function batchNorm(c: OpContext): string {
  const { training, eps, runningMean, runningVar, hasWeight, hasBias } = attrsOf<BatchNormAttrs>(c);
  if (training || runningMean === null || runningVar === null) {
    throw new UnsupportedOpError(
      'exportOnnx: batchNorm with batch statistics (training mode, or trackRunningStats: false) has no ONNX inference form; export a module in eval mode with running statistics.',
    );
  }
  const channels = c.inputs[0]!.shape[1] ?? 1;
  const dtype = c.output.dtype;
  let k = 1;
  const fill = (v: number): string => c.g.one('Expand', [c.g.scalar(v, dtype), c.g.int64([channels])]);
  const scale = hasWeight ? c.input(k++) : fill(1);
  const bias = hasBias ? c.input(k++) : fill(0);
  return c.g.one('BatchNormalization', [c.input(0), scale, bias, c.g.value(runningMean), c.g.value(runningVar)], { epsilon: { f: eps } });
}

interface Window {
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
}

const windowAttrs = ({ kernel, stride, padding, dilation }: Window): Record<string, AttrValue> => ({
  kernel_shape: { ints: kernel },
  strides: { ints: stride },
  pads: { ints: [padding[0], padding[1], padding[0], padding[1]] },
  dilations: { ints: dilation },
});

/** `Expand`'s target: the output's sizes, with 1 where a dim follows the dynamic axes (the input's own size). */
function expandTarget(c: OpContext): number[] {
  const x = c.inputs[0]!;
  const out = c.output.shape, outB = c.g.shapeB(c.output), xB = c.g.shapeB(x);
  const lead = out.length - x.ndim;
  return out.map((n, i) => {
    if (n === outB[i]) return n;
    const j = i - lead;
    if (j >= 0 && x.shape[j] === n && xB[j] === outB[i]) return 1;
    throw new UnsupportedOpError(`exportOnnx: expand to [${out.join(', ')}] broadcasts dim ${i}, which changes with the dynamic axes, from a size the input does not have.`);
  });
}

/** ONNX's softplus is log(1 + eˣ); adjoint's (PyTorch's) is log(1 + e^(βx))/β, and x itself above the threshold. */
function softplus(g: GraphBuilder, x: string, dtype: DType, c: OpContext): string {
  const { beta, threshold } = attrsOf<{ beta: number; threshold: number }>(c);
  const bx = beta === 1 ? x : g.one('Mul', [x, g.scalar(beta, dtype)]);
  let y = g.one('Softplus', [bx]);
  if (beta !== 1) y = g.one('Div', [y, g.scalar(beta, dtype)]);
  return g.one('Where', [g.one('Greater', [bx, g.scalar(threshold, dtype)]), x, y]);
}

/** How each op of the table is written in ONNX. */
export const ONNX_OPS: Readonly<Record<string, OpMapping>> = {
  neg: simple('Neg'), exp: simple('Exp'), log: simple('Log'), sqrt: simple('Sqrt'), abs: simple('Abs'), sin: simple('Sin'), cos: simple('Cos'),
  tanh: simple('Tanh'), sigmoid: simple('Sigmoid'), relu: simple('Relu'), sign: simple('Sign'), erf: simple('Erf'), tan: simple('Tan'),
  asin: simple('Asin'), acos: simple('Acos'), atan: simple('Atan'), sinh: simple('Sinh'), cosh: simple('Cosh'), asinh: simple('Asinh'),
  acosh: simple('Acosh'), atanh: simple('Atanh'), floor: simple('Floor'), ceil: simple('Ceil'), round: simple('Round'),
  log1p: composed((g, x, d) => g.one('Log', [g.one('Add', [x, g.scalar(1, d)])])),
  expm1: composed((g, x, d) => g.one('Sub', [g.one('Exp', [x]), g.scalar(1, d)])),
  log2: composed((g, x, d) => g.one('Div', [g.one('Log', [x]), g.scalar(Math.LN2, d)])),
  log10: composed((g, x, d) => g.one('Div', [g.one('Log', [x]), g.scalar(Math.LN10, d)])),
  exp2: composed((g, x, d) => g.one('Pow', [g.scalar(2, d), x])),
  trunc: composed((g, x) => g.one('Mul', [g.one('Sign', [x]), g.one('Floor', [g.one('Abs', [x])])])),
  frac: composed((g, x) => g.one('Sub', [x, g.one('Mul', [g.one('Sign', [x]), g.one('Floor', [g.one('Abs', [x])])])])),
  softplus: composed(softplus),
  logSigmoid: composed((g, x) => g.one('Neg', [g.one('Softplus', [g.one('Neg', [x])])])),
  // The exact GELU x·(1 + erf(x/√2))/2 (ONNX's own Gelu needs opset 20).
  gelu: composed((g, x, d) => g.one('Mul', [g.one('Mul', [x, g.scalar(0.5, d)]), g.one('Add', [g.one('Erf', [g.one('Mul', [x, g.scalar(Math.SQRT1_2, d)])]), g.scalar(1, d)])])),

  add: elementwise('Add'), sub: elementwise('Sub'), mul: elementwise('Mul'), div: elementwise('Div'), pow: elementwise('Pow'),
  maximum: elementwise('Max'), minimum: elementwise('Min'),
  eq: comparison('Equal'), ne: comparison('Equal', true), lt: comparison('Less'), le: comparison('LessOrEqual'),
  gt: comparison('Greater'), ge: comparison('GreaterOrEqual'),
  where: {
    write: (c) => {
      const d = c.output.dtype;
      return c.g.one('Where', [c.input(0), c.g.cast(c.input(1), c.inputs[1]!.dtype, d), c.g.cast(c.input(2), c.inputs[2]!.dtype, d)]);
    },
  },
  clamp: {
    write: (c) => {
      const { min, max, bounds } = attrsOf<{ min: number; max: number; bounds: 'numbers' | 'min' | 'max' | 'both' }>(c);
      const d = c.output.dtype;
      let y = c.g.cast(c.input(0), c.inputs[0]!.dtype, d);
      const lo = bounds === 'min' || bounds === 'both' ? c.g.cast(c.input(1), c.inputs[1]!.dtype, d) : Number.isFinite(min) ? c.g.scalar(min, d) : null;
      const hiIndex = bounds === 'both' ? 2 : 1;
      const hi = bounds === 'max' || bounds === 'both' ? c.g.cast(c.input(hiIndex), c.inputs[hiIndex]!.dtype, d) : Number.isFinite(max) ? c.g.scalar(max, d) : null;
      if (lo !== null) y = c.g.one('Max', [y, lo]);
      if (hi !== null) y = c.g.one('Min', [y, hi]);
      return y;
    },
  },
  lerp: {
    write: (c) => {
      const [a, b, w] = castInputs(c, c.output.dtype) as [string, string, string];
      return c.g.one('Add', [a, c.g.one('Mul', [w, c.g.one('Sub', [b, a])])]);
    },
  },

  sum: reduce('ReduceSum'), mean: reduce('ReduceMean'), amax: reduce('ReduceMax'), amin: reduce('ReduceMin'), logsumexp: reduce('ReduceLogSumExp'),
  max: extremum('ReduceMax', 'ArgMax'), min: extremum('ReduceMin', 'ArgMin'),
  argmax: argReduce('ArgMax'), argmin: argReduce('ArgMin'),
  softmax: simple('Softmax', (c) => ({ axis: { i: attrsOf<{ dim: number }>(c).dim } })),
  logSoftmax: simple('LogSoftmax', (c) => ({ axis: { i: attrsOf<{ dim: number }>(c).dim } })),
  matmul: simple('MatMul'),

  reshape: {
    dynamicAttrs: true,
    write: (c) => {
      const x = c.inputs[0]!;
      const target = reshapeTarget(c, x, attrsOf<{ shape: readonly number[] }>(c).shape, attrsBOf<{ shape: readonly number[] }>(c).shape);
      return c.g.one('Reshape', [c.input(0), c.g.int64(target)]);
    },
  },
  permute: simple('Transpose', (c) => ({ perm: { ints: attrsOf<{ dims: readonly number[] }>(c).dims } })),
  expand: { dynamicAttrs: true, write: (c) => c.g.one('Expand', [c.input(0), c.g.int64(expandTarget(c))]) },
  narrow: {
    dynamicAttrs: true,
    write: (c) => {
      const a = attrsOf<{ dim: number; start: number; length: number }>(c), b = attrsBOf<{ dim: number; start: number; length: number }>(c);
      const x = c.inputs[0]!;
      let end = a.start + a.length;
      if (a.start !== b.start || a.length !== b.length) {
        const toEnd = end === x.shape[a.dim] && b.start + b.length === c.g.shapeB(x)[a.dim] && a.start === b.start;
        if (!toEnd) throw new UnsupportedOpError(`exportOnnx: narrow along dim ${a.dim}, which changes with the dynamic axes, by a start or length that follows it.`);
        end = INT64_MAX;
      }
      return c.g.one('Slice', [c.input(0), c.g.int64([a.start], 'starts'), c.g.int64([end], 'ends'), c.g.int64([a.dim], 'axes')]);
    },
  },
  cat: { write: (c) => c.g.one('Concat', castInputs(c, c.output.dtype), { axis: { i: attrsOf<{ dim: number }>(c).dim } }) },
  indexSelect: simple('Gather', (c) => ({ axis: { i: attrsOf<{ dim: number }>(c).dim } })),
  gather: simple('GatherElements', (c) => ({ axis: { i: attrsOf<{ dim: number }>(c).dim } })),
  to: { write: (c) => c.g.one('Cast', [c.input(0)], { to: { i: dtypeCode(attrsOf<{ dtype: DType }>(c).dtype) } }) },
  clone: simple('Identity'),

  conv2d: { write: (c) => c.g.one('Conv', [c.input(0), c.input(1)], { ...windowAttrs(attrsOf<Window>(c)), group: { i: attrsOf<{ groups: number }>(c).groups } }) },
  maxPool2d: {
    write: (c) => c.g.one('MaxPool', [c.input(0)], { ...windowAttrs(attrsOf<Window>(c)), ceil_mode: { i: attrsOf<{ ceilMode: boolean }>(c).ceilMode ? 1 : 0 } }),
  },
  avgPool2d: {
    write: (c) => {
      const a = attrsOf<Window & { ceilMode: boolean; countIncludePad: boolean; divisor: number }>(c);
      if (a.divisor !== 0) throw new UnsupportedOpError('exportOnnx: avgPool2d with divisorOverride has no ONNX AveragePool form.');
      const { dilations, ...rest } = windowAttrs(a);
      const dilated = a.dilation[0] !== 1 || a.dilation[1] !== 1;
      return c.g.one('AveragePool', [c.input(0)], {
        ...rest, ...(dilated ? { dilations } : {}), ceil_mode: { i: a.ceilMode ? 1 : 0 }, count_include_pad: { i: a.countIncludePad ? 1 : 0 },
      });
    },
  },
  adaptiveAvgPool2d: {
    write: (c) => {
      const { outputSize: [oh, ow], inputHW: [h, w] } = attrsOf<{ outputSize: readonly [number, number]; inputHW: readonly [number, number] }>(c);
      if (oh === 1 && ow === 1) return c.g.one('GlobalAveragePool', [c.input(0)]);
      if (h % oh !== 0 || w % ow !== 0) {
        throw new UnsupportedOpError(`exportOnnx: adaptiveAvgPool2d from ${h}×${w} to ${oh}×${ow} has no ONNX form (its windows do not tile the input, as AveragePool's would).`);
      }
      const k = [h / oh, w / ow];
      return c.g.one('AveragePool', [c.input(0)], { kernel_shape: { ints: k }, strides: { ints: k } });
    },
  },
  layerNorm: { write: layerNorm },
  batchNorm: { write: batchNorm },
};

/**
 * The ops of the table that `exportOnnx` can write (RNN, LSTM and GRU layers are written whole, as ONNX's own
 * operators).
 *
 * @example
 * ```ts
 * EXPORTABLE_OPS.includes('layerNorm'); // true
 * ```
 */
export const EXPORTABLE_OPS: readonly string[] = Object.freeze(Object.keys(ONNX_OPS));

function dtypeCode(d: DType): number {
  return { float32: 1, bool: 9, int32: 6, float64: 11 }[d];
}

/**
 * Write one traced op into the graph; an op with no ONNX form is an error naming it.
 *
 * @example
 * ```ts
 * const y = writeOp(context);
 * ```
 */
export function writeOp(c: OpContext): string {
  const mapping = ONNX_OPS[c.op];
  if (mapping === undefined) {
    throw new UnsupportedOpError(`exportOnnx: the op '${c.op}' has no ONNX mapping (ops that can be exported: ${Object.keys(ONNX_OPS).join(', ')}).`);
  }
  if (!mapping.dynamicAttrs && stableJson(c.attrs) !== stableJson(c.attrsB)) {
    throw new UnsupportedOpError(`exportOnnx: the op '${c.op}' ran with attributes that change with the dynamic axes (${stableJson(c.attrs)} and ${stableJson(c.attrsB)}); it cannot be exported with those axes dynamic.`);
  }
  return mapping.write(c);
}

/** Attributes as JSON, tensors by shape, for comparing the two traces; conv's spatial input size is not an attribute of the ONNX form. */
function stableJson(v: unknown): string {
  return JSON.stringify(v, (k, x: unknown) => (k === 'inputHW' ? undefined : x !== null && typeof x === 'object' && 'storage' in x && 'shape' in x ? `tensor[${String((x as { shape: unknown }).shape)}]` : x));
}
