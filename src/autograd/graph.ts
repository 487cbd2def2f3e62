// Walking the backward graph: the one traversal that the engine, the graph drawings and memory accounting share.
// Iterative throughout (an explicit stack or queue), so graphs a million nodes deep work.
import type { Tensor } from '../tensor.js';
import { AccumulateGrad, type Node } from './node.js';

/**
 * The node a tensor's gradient flows into: its `gradFn`, or for a leaf that requires grad its AccumulateGrad
 * (created on first use); null for a tensor that does not require grad.
 *
 * @example
 * ```ts
 * gradEdge(x); // AccumulateGrad for a leaf x
 * ```
 */
export function gradEdge(t: Tensor): Node<Tensor> | null {
  const fn = t.gradFn;
  if (fn !== null) return fn;
  if (!t._requiresGrad) return null;
  return (t._accumulator ??= new AccumulateGrad<Tensor>(t));
}

/** What a depth-first walk reports: each edge as it is followed (child null for an input that needs no gradient), each node as it is left. */
export interface DepthFirstVisitor<T extends Tensor = Tensor> {
  edge?(node: Node<T>, slot: number, child: Node<T> | null): void;
  leave?(node: Node<T>): void;
}

let walks = 0;

/**
 * Walk the graph below `roots` depth-first, following `nextFunctions` in slot order, each node once, and return
 * the nodes in post-order: each comes after every node it sends gradients to, so the reverse runs every node
 * before the nodes it feeds (a topological order for backward). A visitor sees each edge as it is followed and each
 * node as it is left, in walk order.
 *
 * @example
 * ```ts
 * const order = depthFirst([loss.gradFn!]).reverse();
 * ```
 */
export function depthFirst<T extends Tensor>(roots: readonly Node<T>[], visitor?: DepthFirstVisitor<T>): Node<T>[] {
  const post: Node<T>[] = [];
  // Each walk marks nodes with its own number, so it needs no Set, and walks started from inside another
  // (a hook that draws the graph) never mix their marks with it.
  const walk = ++walks;
  const nodes: Node<T>[] = [];
  const next: number[] = [];
  for (const r of roots) {
    if (r._seen === walk) continue;
    r._seen = walk;
    nodes.push(r);
    next.push(0);
    while (nodes.length) {
      const top = nodes.length - 1;
      const node = nodes[top]!;
      const fns = node.nextFunctions;
      const k = next[top]!;
      if (k < fns.length) {
        next[top] = k + 1;
        const child = fns[k] ?? null;
        if (visitor?.edge) visitor.edge(node, k, child);
        if (child !== null && child._seen !== walk) {
          child._seen = walk;
          nodes.push(child);
          next.push(0);
        }
      } else {
        post.push(node);
        if (visitor?.leave) visitor.leave(node);
        nodes.pop();
        next.pop();
      }
    }
  }
  return post;
}

/**
 * Visit the graph below `root` breadth-first, following `nextFunctions` in slot order: the same graph always
 * gives the same order (the drawings number nodes by it). `visit` sees each node once with the node and slot it
 * was first reached from.
 *
 * @example
 * ```ts
 * breadthFirst(loss.gradFn!, (node) => names.push(node.name));
 * ```
 */
export function breadthFirst<T extends Tensor>(root: Node<T>, visit: (node: Node<T>, from: Node<T> | null, slot: number) => void): void {
  const walk = ++walks;
  const queue: Node<T>[] = [root];
  root._seen = walk;
  visit(root, null, -1);
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head]!;
    node.nextFunctions.forEach((child, i) => {
      if (child === null || child._seen === walk) return;
      child._seen = walk;
      queue.push(child);
      visit(child, node, i);
    });
  }
}
