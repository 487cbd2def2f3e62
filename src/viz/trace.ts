import { backward, sumTo } from '../autograd/engine.js';
import { noGrad } from '../autograd/grad-mode.js';
import { AccumulateGrad, type Node } from '../autograd/node.js';
import { ones } from '../creation.js';
import { isFloating } from '../dtype.js';
import { to } from '../ops/cast.js';
import { gradEdge } from '../ops/registry.js';
import { sameShape } from '../shape.js';
import type { Tensor, TensorHook } from '../tensor.js';
import { walkGraph } from './walk.js';

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
  readonly incoming: ReadonlyMap<Node, Tensor>;
  /** Per node that ran, one entry per `nextFunctions` slot: the gradient sent along that edge, or null. */
  readonly outgoing: ReadonlyMap<Node, readonly (Tensor | null)[]>;
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
const traces = new WeakMap<Node, BackwardTrace>();

type Apply = Node['apply'];

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
  const incoming = new Map<Node, Tensor>();
  const outgoing = new Map<Node, (Tensor | null)[]>();
  const seed = options.gradient ?? ones(output.shape, { dtype: isFloating(output.dtype) ? output.dtype : 'float32' });
  const root = output.requiresGrad ? gradEdge(output) : null;
  const restore: (() => void)[] = [];
  try {
    for (const node of root ? walkGraph(root).order : []) {
      if (node instanceof AccumulateGrad) {
        // The engine does not call apply on AccumulateGrad, so a hook is where its gradient can be seen.
        const previous = node.preHooks;
        const record: TensorHook = (g) => {
          incoming.set(node, detached(g));
        };
        node.preHooks = [...(previous ?? []), record];
        restore.push(() => {
          node.preHooks = previous;
        });
        continue;
      }
      const own = Object.prototype.hasOwnProperty.call(node, 'apply');
      const original: Apply = node.apply;
      const wrapped: Apply = function (this: Node, grad, needsInputGrad) {
        const grads = original.call(this, grad, needsInputGrad);
        incoming.set(node, detached(grad));
        outgoing.set(node, node.nextFunctions.map((next, i) => {
          const g = grads[i];
          return next !== null && needsInputGrad[i] && g != null ? conformed(g, node, i) : null;
        }));
        return grads;
      };
      (node as { apply: Apply }).apply = wrapped;
      restore.push(() => {
        if (own) (node as { apply: Apply }).apply = original;
        else delete (node as { apply?: Apply }).apply;
      });
    }
    backward(output, options.gradient ?? null, {
      retainGraph: options.retainGraph ?? true,
      ...(options.createGraph === undefined ? {} : { createGraph: options.createGraph }),
    });
  } finally {
    for (const undo of restore.reverse()) undo();
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

function detached(g: Tensor): Tensor {
  return g.detach();
}

// The same reduction and cast the engine applies before passing a gradient on, so labels show what arrives.
function conformed(g: Tensor, node: Node, i: number): Tensor {
  const shape = node.inputShapes[i]!;
  const dtype = node.inputDTypes[i]!;
  return noGrad(() => {
    let out = sameShape(g.shape, shape) ? g : sumTo(g, shape);
    if (out.dtype !== dtype && isFloating(dtype)) out = to(out, dtype);
    return out.detach();
  });
}
