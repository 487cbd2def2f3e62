import { AccumulateGrad, type Node } from '../autograd/node.js';
import type { DType } from '../dtype.js';
import type { Shape } from '../shape.js';
import type { NestedArray, Tensor } from '../tensor.js';
import { lastTrace, type BackwardTrace } from './trace.js';
import { forwardOrder, walkGraph } from './walk.js';

/**
 * Options of `toDot`, `toMermaid` and `toSvg`.
 *
 * @example
 * ```ts
 * const options: GraphOptions = { backward: true, showSaved: true, showValues: true, names: { x, y, loss } };
 * ```
 */
export interface GraphOptions {
  /**
   * Draw the backward graph instead of the forward one: one node per recorded op (`MulBackward0`, …), the seed,
   * `AccumulateGrad` into each leaf, edges in the direction gradients flow. Default false: tensors and ops, edges
   * in the direction data flows.
   */
  readonly backward?: boolean;
  /** Draw the tensors each node keeps for backward, with shape, dtype and bytes. Default false. */
  readonly showSaved?: boolean;
  /**
   * Print values: of leaves and named tensors in both graphs, and in the backward graph of the gradient along each
   * edge when known (from `traceBackward`, or from leaves' `.grad` and retained gradients). Tensors with more than
   * `maxValues` elements show their shape instead. Default false.
   */
  readonly showValues?: boolean;
  /** Elements up to which a tensor's values are printed rather than its shape. Default 6. */
  readonly maxValues?: number;
  /** Names for tensors of the graph (leaves, intermediates, the output), used in labels: `{ x, y, loss }`. */
  readonly names?: Readonly<Record<string, Tensor>>;
  /** The gradients to print with `showValues`; default: the last `traceBackward` of this output's graph. */
  readonly trace?: BackwardTrace;
  /** A title drawn above the graph. */
  readonly title?: string;
}

/** What a drawn node stands for; renderers style by kind. @example `const k: VizNodeKind = 'saved';` @internal */
export type VizNodeKind = 'leaf' | 'const' | 'op' | 'grad' | 'accumulate' | 'seed' | 'saved';
/** What a drawn edge carries. @example `const k: VizEdgeKind = 'grad';` @internal */
export type VizEdgeKind = 'data' | 'grad' | 'accumulate' | 'saved';

/**
 * One drawn node. @internal
 *
 * @example
 * ```ts
 * const n: VizNode = { id: 'op0', kind: 'op', lines: ['mul', '[3] float32'], output: true, requiresGrad: true };
 * ```
 */
export interface VizNode {
  readonly id: string;
  readonly kind: VizNodeKind;
  /** Label lines, unescaped; the first is the title. */
  readonly lines: readonly string[];
  /** The node of the graph's output (drawn highlighted). */
  readonly output: boolean;
  readonly requiresGrad: boolean;
}

/**
 * One drawn edge. @internal
 *
 * @example
 * ```ts
 * const e: VizEdge = { from: 'op0', to: 'acc0', kind: 'grad', label: '[2, 4, 6]' };
 * ```
 */
export interface VizEdge {
  readonly from: string;
  readonly to: string;
  readonly kind: VizEdgeKind;
  readonly label?: string;
}

/**
 * A drawing-neutral description of the graph, which `toDot` and `toMermaid` both render. @internal
 *
 * @example
 * ```ts
 * const g: VizGraph = buildGraph(loss, { backward: true });
 * ```
 */
export interface VizGraph {
  readonly nodes: readonly VizNode[];
  readonly edges: readonly VizEdge[];
  readonly backward: boolean;
  readonly title: string | undefined;
  /** A summary line, e.g. the memory held by saved tensors. */
  readonly caption: string | undefined;
  /** Groups of node ids to draw side by side (a node and the tensors it saved). */
  readonly sameRank: readonly (readonly string[])[];
}

/**
 * Reconstruct the graph of `output` from its backward graph. Ids are stable: `leafK`, `accK` (its
 * AccumulateGrad), `opK` (forward op or its backward node), `constK`, `savedK` and `seed`, numbered in
 * breadth-first order from the output, so the same computation always gives the same text.
 *
 * @example
 * ```ts
 * buildGraph(x.mul(y).log(), { backward: true }).nodes.map((n) => n.id); // ['seed', 'op0', 'op1', ...]
 * ```
 * @internal
 */
export function buildGraph(output: Tensor, options: GraphOptions = {}): VizGraph {
  const backward = options.backward ?? false;
  const showValues = options.showValues ?? false;
  const maxValues = options.maxValues ?? 6;
  const trace = options.trace ?? lastTrace(output);
  const names = new Map<Tensor, string>();
  for (const [name, t] of Object.entries(options.names ?? {})) if (!names.has(t)) names.set(t, name);
  // Nodes do not reference their outputs; named tensors and the output itself are the only way back to them.
  const tensorOf = new Map<Node<Tensor>, Tensor>();
  for (const t of [output, ...names.keys()]) {
    const n = t.gradFn ?? t._accumulator;
    if (n && !tensorOf.has(n)) tensorOf.set(n, t);
  }
  const nameOf = (n: Node<Tensor>): string | undefined => {
    const t = tensorOf.get(n);
    return t === undefined ? undefined : names.get(t);
  };
  const value = (t: Tensor): string => formatValues(t, maxValues);

  const nodes: VizNode[] = [];
  const edges: VizEdge[] = [];
  const root = output.gradFn ?? (output.requiresGrad ? accumulatorOf(output) : null);
  if (root === null) {
    // Nothing was recorded: the output is the whole graph.
    const lines = [names.get(output) ?? 'tensor', describe(output.shape, output.dtype)];
    if (showValues && output.size <= maxValues) lines.push(`= ${value(output)}`);
    nodes.push({ id: 'leaf0', kind: 'leaf', lines, output: true, requiresGrad: false });
    return { nodes, edges, backward, title: options.title, caption: undefined, sameRank: [] };
  }

  const { order, outputs } = walkGraph(root);
  const ids = new Map<Node<Tensor>, string>();
  let ops = 0, leaves = 0;
  for (const n of order) ids.set(n, n instanceof AccumulateGrad ? `leaf${leaves++}` : `op${ops++}`);
  const idOf = (n: Node<Tensor>): string => ids.get(n)!;
  const accIdOf = (n: Node<Tensor>): string => idOf(n).replace('leaf', 'acc');
  const meta = (n: Node<Tensor>): { shape: Shape; dtype: DType } =>
    n === root ? { shape: output.shape, dtype: output.dtype } : outputs.get(n)!;

  const leafNode = (n: AccumulateGrad<Tensor>): VizNode => {
    const t = n.variable;
    const lines = [names.get(t) ?? 'leaf', describe(t.shape, t.dtype), 'requires grad'];
    if (showValues && t.size <= maxValues) lines.push(`= ${value(t)}`);
    return { id: idOf(n), kind: 'leaf', lines, output: n === root, requiresGrad: true };
  };
  const tensorLine = (n: Node<Tensor>): string => {
    const { shape, dtype } = meta(n);
    const name = nameOf(n) ?? (n === root ? 'output' : undefined);
    return (name === undefined ? '' : `${name}: `) + describe(shape, dtype);
  };

  let savedCount = 0, savedBytes = 0;
  const savedIds = new Map<Tensor, string>();
  const sameRank: string[][] = [];
  const addSaved = (n: Node<Tensor>): void => {
    const beside: string[] = [];
    for (const t of n.savedTensors) {
      let id = savedIds.get(t);
      if (id === undefined) {
        id = `saved${savedCount++}`;
        beside.push(id);
        savedIds.set(t, id);
        savedBytes += t.nbytes;
        const name = names.get(t);
        const lines = [name === undefined ? 'saved' : `saved ${name}`, describe(t.shape, t.dtype), formatBytes(t.nbytes)];
        if (showValues && t.size <= maxValues) lines.push(`= ${value(t)}`);
        nodes.push({ id, kind: 'saved', lines, output: false, requiresGrad: t.requiresGrad });
      }
      edges.push({ from: idOf(n), to: id, kind: 'saved' });
    }
    // A tensor saved by several nodes sits beside the first; the others reach it with a longer dashed line.
    if (beside.length) sameRank.push([idOf(n), ...beside]);
  };
  const result = (): VizGraph => ({
    nodes, edges, backward, title: options.title, caption: savedCaption(options, savedCount, savedBytes), sameRank,
  });

  if (!backward) {
    // Inputs before the ops that use them, in argument order: Graphviz places nodes in the order of the text.
    const constIds = new Map<Node<Tensor>, string[]>();
    let consts = 0;
    for (const item of forwardOrder(root)) {
      if ('slot' in item) {
        const { node: n, slot } = item;
        const id = `const${consts++}`;
        const list = constIds.get(n) ?? [];
        list[slot] = id;
        constIds.set(n, list);
        nodes.push({
          id, kind: 'const', lines: ['constant', describe(n.inputShapes[slot]!, n.inputDTypes[slot]!)], output: false, requiresGrad: false,
        });
        continue;
      }
      const n = item;
      if (n instanceof AccumulateGrad) {
        nodes.push(leafNode(n));
        continue;
      }
      const lines = [opTitle(n), tensorLine(n)];
      const t = tensorOf.get(n);
      if (showValues && t !== undefined && t.size <= maxValues) lines.push(`= ${value(t)}`);
      nodes.push({ id: idOf(n), kind: 'op', lines, output: n === root, requiresGrad: true });
      n.nextFunctions.forEach((next, i) => {
        edges.push({ from: next === null ? constIds.get(n)![i]! : idOf(next), to: idOf(n), kind: 'data' });
      });
      if (options.showSaved) addSaved(n);
    }
    return result();
  }

  // How many edges reach each node: an edge can show a node's total incoming gradient only if it is the sole one.
  const fanIn = new Map<Node<Tensor>, number>();
  for (const n of order) for (const next of n.nextFunctions) if (next) fanIn.set(next, (fanIn.get(next) ?? 0) + 1);
  const knownIncoming = (n: Node<Tensor>): Tensor | null => {
    const t = tensorOf.get(n);
    return t !== undefined && !t.isLeaf && t.grad !== null ? t.grad : null;
  };
  const edgeValue = (from: Node<Tensor>, i: number, to: Node<Tensor>): Tensor | null => {
    const traced = trace?.outgoing.get(from)?.[i];
    if (traced) return traced;
    return fanIn.get(to) === 1 && !(to instanceof AccumulateGrad) ? knownIncoming(to) : null;
  };

  const seedValue = trace?.output === output ? trace.seed : knownIncoming(root);
  const seedLines = ['seed', `grad of ${names.get(output) ?? 'output'}`];
  if (showValues && seedValue && seedValue.size <= maxValues) seedLines.push(`= ${value(seedValue)}`);
  nodes.push({ id: 'seed', kind: 'seed', lines: seedLines, output: false, requiresGrad: false });
  edges.push({
    from: 'seed', to: root instanceof AccumulateGrad ? accIdOf(root) : idOf(root), kind: 'grad',
    ...(showValues && seedValue ? { label: value(seedValue) } : {}),
  });
  for (const n of order) {
    if (n instanceof AccumulateGrad) {
      nodes.push({ id: accIdOf(n), kind: 'accumulate', lines: ['AccumulateGrad'], output: false, requiresGrad: true });
      nodes.push(leafNode(n));
      const g = showValues ? trace?.incoming.get(n) ?? n.variable.grad : null;
      edges.push({ from: accIdOf(n), to: idOf(n), kind: 'accumulate', ...(g ? { label: `.grad += ${value(g)}` } : {}) });
      continue;
    }
    nodes.push({ id: idOf(n), kind: 'grad', lines: [n.name, tensorLine(n)], output: n === root, requiresGrad: true });
    n.nextFunctions.forEach((next, i) => {
      if (next === null) return;
      const g = showValues ? edgeValue(n, i, next) : null;
      edges.push({
        from: idOf(n), to: next instanceof AccumulateGrad ? accIdOf(next) : idOf(next), kind: 'grad',
        ...(g ? { label: value(g) } : {}),
      });
    });
    if (options.showSaved) addSaved(n);
  }
  return result();
}

function savedCaption(options: GraphOptions, count: number, bytes: number): string | undefined {
  if (!options.showSaved) return undefined;
  return `saved for backward: ${count} tensor${count === 1 ? '' : 's'}, ${formatBytes(bytes)}`;
}

// A leaf output has no gradFn; its AccumulateGrad exists once it has been used in a graph or hooked.
function accumulatorOf(t: Tensor): Node<Tensor> | null {
  return t._accumulator ?? new AccumulateGrad(t);
}

interface OpLike {
  readonly op: { readonly name: string };
  readonly attrs: unknown;
}

function isOpNode(n: Node<Tensor>): n is Node<Tensor> & OpLike {
  const op: unknown = (n as Partial<OpLike>).op;
  return typeof op === 'object' && op !== null && typeof (op as { name?: unknown }).name === 'string';
}

/** The forward op's name with its attributes: `sum(dims=[1], keepdim=true)`. */
function opTitle(n: Node<Tensor>): string {
  if (!isOpNode(n)) return n.name.replace(/Backward\d*$/, '').replace(/^./, (c) => c.toLowerCase());
  const attrs = formatAttrs(n.attrs);
  return attrs === '' ? n.op.name : `${n.op.name}(${attrs})`;
}

function formatAttrs(attrs: unknown): string {
  if (typeof attrs !== 'object' || attrs === null) return attrs === undefined ? '' : formatAttr(attrs);
  const parts: string[] = [];
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined) continue;
    parts.push(`${k}=${formatAttr(v)}`);
  }
  const text = parts.join(', ');
  return text.length > 48 ? text.slice(0, 47) + '…' : text;
}

function formatAttr(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(formatAttr).join(', ')}]`;
  if (typeof v === 'number') return formatNumber(v);
  if (typeof v === 'string' || typeof v === 'boolean') return String(v);
  return typeof v === 'object' && v !== null ? '{…}' : String(v);
}

/**
 * Shape and dtype as labels show them: `[2, 3] float32`, `scalar float32`.
 *
 * @example
 * ```ts
 * describe([2, 3], 'float32'); // '[2, 3] float32'
 * ```
 * @internal
 */
export function describe(shape: Shape, dtype: DType): string {
  return `${shape.length === 0 ? 'scalar' : `[${shape.join(', ')}]`} ${dtype}`;
}

/**
 * A tensor's values, compactly (4 significant digits), or its shape and dtype when it has more than `max`
 * elements (with the dtype, so that a shape cannot be read as a value).
 *
 * @example
 * ```ts
 * formatValues(tensor([1 / 3, 2]), 6); // '[0.3333, 2]'
 * ```
 * @internal
 */
export function formatValues(t: Tensor, max: number): string {
  if (t.size > max) return describe(t.shape, t.dtype);
  const fmt = (v: NestedArray): string =>
    Array.isArray(v) ? `[${v.map(fmt).join(', ')}]` : typeof v === 'boolean' ? String(v) : formatNumber(v);
  return fmt(t.toArray());
}

function formatNumber(v: number): string {
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  if (Number.isInteger(v) && Math.abs(v) < 1e6) return String(v);
  return String(Number(v.toPrecision(4)));
}

/**
 * Bytes in binary units: `24 B`, `3.1 KiB`, `1.5 MiB`.
 *
 * @example
 * ```ts
 * formatBytes(401408); // '392.0 KiB'
 * ```
 * @internal
 */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let v = n / 1024, u = 0;
  while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
  return `${v.toFixed(1)} ${units[u]}`;
}
