import { backward } from '../autograd/engine.js';
import { observeEngine } from '../autograd/events.js';
import { breadthFirst, gradEdge } from '../autograd/graph.js';
import type { Node } from '../autograd/node.js';
import { ones } from '../creation.js';
import { isFloating } from '../dtype.js';
import type { Tensor } from '../tensor.js';

/**
 * What one traced backward pass sent through the graph: the seed, the gradient that reached each node (after
 * its tensor hooks), and the gradient each node sent along each of its `nextFunctions` edges (reduced to the
 * input's shape and cast to its dtype, exactly as the engine passes it on). `toDot`, `toMermaid` and `toSvg`
 * print these on the edges with `showValues`.
 *
 * @example
 * ```ts
 * const trace = traceBackward(loss);
 * trace.incoming.get(loss.gradFn!); // the seed, ones
 * ```
 */
export interface BackwardTrace {
  /** The tensor backward started from. */
  readonly output: Tensor;
  /** The gradient of the output the pass started with (ones for a scalar output). */
  readonly seed: Tensor;
  /** The gradient that reached each node that ran, after its tensor hooks. */
  readonly incoming: ReadonlyMap<Node<Tensor>, Tensor>;
  /** Per node that ran, one entry per `nextFunctions` slot: the gradient sent along that edge, or null. */
  readonly outgoing: ReadonlyMap<Node<Tensor>, readonly (Tensor | null)[]>;
}

/**
 * Options of `traceBackward`: those of `backward()`, with the graph retained by default.
 *
 * @example
 * ```ts
 * traceBackward(y, { gradient: ones(y.shape), retainGraph: false });
 * ```
 */
export interface TraceOptions {
  /** The gradient of the output; required when the output is not a scalar. */
  readonly gradient?: Tensor;
  /**
   * Keep the saved tensors after the pass (default true), so the same graph can still be drawn with
   * `showSaved` afterwards and backward run through it again.
   */
  readonly retainGraph?: boolean;
  /** Record the backward computation itself (for gradients of gradients). */
  readonly createGraph?: boolean;
}

// The last trace of each graph, by its root node, so that drawing an output after tracing it needs no extra
// argument. Weak, so traces die with their graphs.
const traces = new WeakMap<Node<Tensor>, BackwardTrace>();


/**
 * Run `output.backward()` and record the gradient flowing along every edge of the graph, to draw it. Tracing
 * wraps the nodes of this one graph for the duration of the call, so ordinary backward passes pay nothing.
 * Leaves' `.grad` accumulate as with `backward()`. The graph is retained unless `retainGraph: false`.
 *
 * @example
 * ```ts
 * const x = tensor(0.5, { requiresGrad: true }), y = tensor(0.75, { requiresGrad: true });
 * const b = x.mul(y).log();
 * traceBackward(b);
 * toDot(b, { backward: true, showValues: true }); // edges labelled 1, 2.667, 2, 1.333
 * ```
 */
export function traceBackward(output: Tensor, options: TraceOptions = {}): BackwardTrace {
  const incoming = new Map<Node<Tensor>, Tensor>();
  const outgoing = new Map<Node<Tensor>, (Tensor | null)[]>();
  const seed = options.gradient ?? ones(output.shape, { dtype: isFloating(output.dtype) ? output.dtype : 'float32' });
  const root = output.requiresGrad ? gradEdge(output) : null;
  // Only this graph's nodes are recorded, also if a hook runs another backward pass meanwhile.
  const members = new Set<Node<Tensor>>();
  if (root) breadthFirst(root, (n) => members.add(n));
  // The engine reports each node's incoming gradient (after its tensor hooks) and what it sends along each edge,
  // already reduced to the input's shape and cast to its dtype: exactly what the drawings label edges with.
  const stop = observeEngine<Tensor>({
    nodeStart: (node, g) => {
      if (members.has(node)) incoming.set(node, g.detach());
    },
    nodeEnd: (node, _g, grads) => {
      if (members.has(node) && node.nextFunctions.length > 0) outgoing.set(node, grads.map((g) => (g === null ? null : g.detach())));
    },
  });
  try {
    backward(output, options.gradient ?? null, {
      retainGraph: options.retainGraph ?? true,
      ...(options.createGraph === undefined ? {} : { createGraph: options.createGraph }),
    });
  } finally {
    stop();
  }
  const trace: BackwardTrace = { output, seed, incoming, outgoing };
  if (root) traces.set(root, trace);
  return trace;
}

/**
 * The last trace recorded by `traceBackward` for the graph that produced `output`, if any.
 *
 * @example
 * ```ts
 * traceBackward(loss);
 * lastTrace(loss)?.seed.item(); // 1
 * ```
 */
export function lastTrace(output: Tensor): BackwardTrace | undefined {
  const root = output.gradFn ?? output._accumulator;
  return root ? traces.get(root) : undefined;
}

