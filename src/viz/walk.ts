import { breadthFirst, depthFirst } from '../autograd/graph.js';
import type { Node } from '../autograd/node.js';
import type { DType } from '../dtype.js';
import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import '../autograd/record.js';

/** The backward graph reachable from a root, in a deterministic order. @example `walkGraph(loss.gradFn!).order.length` */
export interface Walk {
  /** Breadth-first from the root, following `nextFunctions` in slot order: the same graph always gives the same order. */
  readonly order: readonly Node<Tensor>[];
  /**
   * Shape and dtype of the tensor each node's forward op produced. A node does not keep its output (that would
   * keep the whole graph's activations alive), but every consumer records its inputs' shapes and dtypes.
   */
  readonly outputs: ReadonlyMap<Node<Tensor>, { readonly shape: Shape; readonly dtype: DType }>;
}

/**
 * A node, or the input `slot` of `node` that needs no gradient (a constant, absent from the backward graph).
 * @example `const item: ForwardItem = { node: mulNode, slot: 1 };`
 */
export type ForwardItem = Node<Tensor> | { readonly node: Node<Tensor>; readonly slot: number };

/**
 * The graph below `root`, breadth-first (the shared walker of autograd/graph.ts), for numbering drawn nodes.
 *
 * @example
 * ```ts
 * walkGraph(y.gradFn!).order.map((n) => n.name); // ['LogBackward0', 'MulBackward0', 'AccumulateGrad', ...]
 * ```
 */
export function walkGraph(root: Node<Tensor>): Walk {
  const order: Node<Tensor>[] = [];
  const outputs = new Map<Node<Tensor>, { shape: Shape; dtype: DType }>();
  breadthFirst(root, (node, from, slot) => {
    order.push(node);
    if (from !== null) outputs.set(node, { shape: from.inputShapes[slot]!, dtype: from.inputDTypes[slot]! });
  });
  return { order, outputs };
}

/**
 * Every node after what feeds it, inputs in argument order: roughly the order the forward pass ran in, which is
 * the order a forward drawing should list them in (the shared depth-first walker, with each input that needs no
 * gradient listed where it is reached).
 *
 * @example
 * ```ts
 * forwardOrder(x.mul(y).log().gradFn!); // [AccumulateGrad(x), AccumulateGrad(y), MulBackward0, LogBackward0]
 * ```
 */
export function forwardOrder(root: Node<Tensor>): ForwardItem[] {
  const out: ForwardItem[] = [];
  depthFirst([root], {
    edge: (node, slot, child) => {
      if (child === null) out.push({ node, slot });
    },
    leave: (node) => out.push(node),
  });
  return out;
}
