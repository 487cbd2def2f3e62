import type { Node } from '../autograd/node.js';
import type { DType } from '../dtype.js';
import type { Shape } from '../shape.js';

/** The backward graph reachable from a root, in a deterministic order. @example `walkGraph(loss.gradFn!).order.length` */
export interface Walk {
  /** Breadth-first from the root, following `nextFunctions` in slot order: the same graph always gives the same order. */
  readonly order: readonly Node[];
  /**
   * Shape and dtype of the tensor each node's forward op produced. A node does not keep its output (that would
   * keep the whole graph's activations alive), but every consumer records its inputs' shapes and dtypes.
   */
  readonly outputs: ReadonlyMap<Node, { readonly shape: Shape; readonly dtype: DType }>;
}

/**
 * A node, or the input `slot` of `node` that needs no gradient (a constant, absent from the backward graph).
 * @example `const item: ForwardItem = { node: mulNode, slot: 1 };`
 */
export type ForwardItem = Node | { readonly node: Node; readonly slot: number };

/**
 * Walk the graph below `root` iteratively (a queue, no recursion), so arbitrarily deep graphs can be drawn.
 *
 * @example
 * ```ts
 * walkGraph(y.gradFn!).order.map((n) => n.name); // ['LogBackward0', 'MulBackward0', 'AccumulateGrad', ...]
 * ```
 */
export function walkGraph(root: Node): Walk {
  const order: Node[] = [root];
  const outputs = new Map<Node, { shape: Shape; dtype: DType }>();
  const seen = new Set<Node>([root]);
  for (let head = 0; head < order.length; head++) {
    const node = order[head]!;
    node.nextFunctions.forEach((next, i) => {
      if (next === null || seen.has(next)) return;
      seen.add(next);
      order.push(next);
      outputs.set(next, { shape: node.inputShapes[i]!, dtype: node.inputDTypes[i]! });
    });
  }
  return { order, outputs };
}

/**
 * Every node after what feeds it, inputs in argument order: roughly the order the forward pass ran in, which is
 * the order a forward drawing should list them in. Depth-first with an explicit stack, so deep chains do not
 * overflow the call stack.
 *
 * @example
 * ```ts
 * forwardOrder(x.mul(y).log().gradFn!); // [AccumulateGrad(x), AccumulateGrad(y), MulBackward0, LogBackward0]
 * ```
 */
export function forwardOrder(root: Node): ForwardItem[] {
  const out: ForwardItem[] = [];
  const seen = new Set<Node>([root]);
  const stack: { node: Node; next: number }[] = [{ node: root, next: 0 }];
  while (stack.length) {
    const top = stack[stack.length - 1]!;
    const fns = top.node.nextFunctions;
    if (top.next < fns.length) {
      const slot = top.next++;
      const child = fns[slot];
      if (!child) out.push({ node: top.node, slot });
      else if (!seen.has(child)) {
        seen.add(child);
        stack.push({ node: child, next: 0 });
      }
    } else {
      out.push(top.node);
      stack.pop();
    }
  }
  return out;
}
