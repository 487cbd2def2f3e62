// The ONNX graph under construction: nodes, initializers (the weights, and constants the trace met), and the
// value name of every traced tensor. A second trace at other sizes of the dynamic axes (the "twin" of each
// tensor) tells which dims vary, so that shapes written into the graph can follow them.
import '../autograd/record.js';
import type { DType } from '../dtype.js';
import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { int64Bytes, scalarBytes } from './bytes.js';
import { attribute, ONNX_TYPES, type AttrValue, type NodeProto } from './proto.js';

/** An initializer waiting to be read: a tensor's elements, or bytes already made (int64 shapes and axes). */
export interface PendingInitializer {
  readonly name: string;
  readonly dims: readonly number[];
  readonly dataType: number;
  readonly source: Tensor | Uint8Array;
}

/** How the exporter refers to an op it cannot write: the op's name, and the module path where it ran. */
export class UnsupportedOpError extends Error {}

/**
 * The graph being written: add nodes with `node`, constants with `int64`/`scalar`, and look tensors up with
 * `value` (a weight becomes an initializer named as in the state dict).
 *
 * @example
 * ```ts
 * const [y] = g.node('Relu', [g.value(x)]);
 * ```
 */
export class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: PendingInitializer[] = [];
  private readonly names = new Map<Tensor, string>();
  private readonly used = new Set<string>();
  private readonly twins = new Map<Tensor, Tensor>();
  /** The storage version of each traced value when it was made: a later in-place write changes it. */
  private readonly versions = new Map<Tensor, number>();
  private count = 0;

  constructor(readonly opset: number, private readonly weights: ReadonlyMap<Tensor, string>) {}

  /** A name not used yet, from a hint. */
  fresh(hint: string): string {
    let name = hint;
    while (this.used.has(name)) name = `${hint}_${++this.count}`;
    this.used.add(name);
    return name;
  }

  /** Give a traced tensor its value name. */
  bind(t: Tensor, name: string, version = t.storage.version): void {
    this.names.set(t, name);
    this.versions.set(t, version);
    this.used.add(name);
  }

  /** Whether a tensor has a value in the graph (an input, or the result of a node). */
  has(t: Tensor): boolean {
    return this.names.has(t);
  }

  /** Pair a tensor of the first trace with the same tensor of the second. */
  pair(a: Tensor, b: Tensor): void {
    if (!this.twins.has(a)) this.twins.set(a, b);
  }

  /** The second trace's shape of a tensor (its own shape when both traces agree or there was one trace). */
  shapeB(t: Tensor): Shape {
    return (this.twins.get(t) ?? t).shape;
  }

  /** Which dims of a tensor vary with the dynamic axes. */
  dynamic(t: Tensor): boolean[] {
    const b = this.shapeB(t);
    return t.shape.map((n, i) => n !== b[i]);
  }

  /**
   * The value name of a tensor: a traced value, a weight (initializer named as in the state dict) or a constant.
   * `version` is its storage's version where it was used (the tracer records it), to catch in-place changes.
   */
  value(t: Tensor, version = t.storage.version): string {
    const known = this.names.get(t);
    if (known !== undefined) {
      const made = this.versions.get(t);
      if (made !== undefined && made !== version) {
        throw new UnsupportedOpError(
          `exportOnnx: the traced value '${known}' was changed in place after it was computed (an in-place op such as add_ or clamp_ in the ` +
            'forward pass); in-place changes cannot be exported. Use the out-of-place op.',
        );
      }
      return known;
    }
    for (const [other, name] of this.names) {
      if (other.storage !== t.storage || this.weights.has(other)) continue;
      // The same elements under another Tensor object (detach()): the same value.
      const alias = other.dtype === t.dtype && other.offset === t.offset && other.shape.length === t.shape.length &&
        other.shape.every((n, i) => n === t.shape[i] && other.strides[i] === t.strides[i]) && this.versions.get(other) === version;
      if (alias) return name;
      throw new UnsupportedOpError(
        `exportOnnx: a tensor shares its storage with the traced value '${name}' but was not made by an op that the tracer saw ` +
          `(a view or an in-place change outside the op table); it cannot be exported.`,
      );
    }
    if (this.dynamic(t).some((d) => d)) {
      throw new UnsupportedOpError(
        `exportOnnx: a constant of shape [${t.shape.join(', ')}] changes with the dynamic axes (it was [${this.shapeB(t).join(', ')}] in the ` +
          `second trace), so it was made from the input's size outside the ops the tracer sees. Make it from the input with tensor ops, or drop the dynamic axis.`,
      );
    }
    const name = this.fresh(this.weights.get(t) ?? 'const');
    this.names.set(t, name);
    this.initializers.push({ name, dims: [...t.shape], dataType: ONNX_TYPES[t.dtype], source: t });
    return name;
  }

  /** A tensor made for the export (an LSTM's reordered weights) as an initializer. */
  constant(t: Tensor, hint: string): string {
    const name = this.fresh(hint);
    this.names.set(t, name);
    this.initializers.push({ name, dims: [...t.shape], dataType: ONNX_TYPES[t.dtype], source: t });
    return name;
  }

  /** An int64 initializer (shapes, axes, starts). */
  int64(values: readonly number[], hint = 'shape'): string {
    const name = this.fresh(hint);
    this.initializers.push({ name, dims: [values.length], dataType: ONNX_TYPES.int64, source: int64Bytes(values) });
    return name;
  }

  /** A 0-d initializer of one number in `dtype`. */
  scalar(value: number, dtype: DType, hint = 'scalar'): string {
    const name = this.fresh(hint);
    this.initializers.push({ name, dims: [], dataType: ONNX_TYPES[dtype], source: scalarBytes(value, dtype) });
    return name;
  }

  /** Add a node; returns its output names (`outputs` of them, or the names given). */
  node(opType: string, inputs: readonly string[], attrs: Readonly<Record<string, AttrValue | undefined>> = {}, outputs: number | readonly string[] = 1): string[] {
    const outs = typeof outputs === 'number' ? Array.from({ length: outputs }, () => this.fresh(`${opType}_out`)) : [...outputs];
    const attribute_ = Object.entries(attrs).flatMap(([k, v]) => (v === undefined ? [] : [attribute(k, v)]));
    this.nodes.push({ op_type: opType, name: this.fresh(opType), input: [...inputs], output: outs, attribute: attribute_ });
    return outs;
  }

  /** One-output node. */
  one(opType: string, inputs: readonly string[], attrs: Readonly<Record<string, AttrValue | undefined>> = {}): string {
    return this.node(opType, inputs, attrs)[0]!;
  }

  /** `x` cast to `dtype` (no node when it is already). */
  cast(x: string, from: DType, to: DType): string {
    return from === to ? x : this.one('Cast', [x], { to: { i: ONNX_TYPES[to] } });
  }
}
