import { isFloating } from '../dtype.js';
import { ones } from '../creation.js';
import { add } from '../ops/binary.js';
import { to } from '../ops/cast.js';
import { contiguous } from '../ops/movement.js';
import { sum } from '../ops/reduce.js';
import { gradEdge } from '../ops/registry.js';
import { fmtShape, sameShape, type Shape } from '../shape.js';
import { nextStorageGeneration, type Storage } from '../storage.js';
import { Tensor } from '../tensor.js';
import { noGrad, enableGrad, isGradEnabled } from './grad-mode.js';
import { checkFinite, isAnomalyEnabled } from './anomaly.js';
import { activeProfile, bytesOf, profileBackward, profileBackwardPass } from './profiler.js';
import { AccumulateGrad, type Node } from './node.js';

/** Options of `backward()`. */
export interface BackwardOptions {
  /** Keep saved tensors so the graph can be walked again (default: `createGraph`). */
  readonly retainGraph?: boolean;
  /** Record the backward computation itself, for gradients of gradients. */
  readonly createGraph?: boolean;
}

/** Options of `grad()`. */
export interface GradOptions extends BackwardOptions {
  /** The vector in the vector-Jacobian product, one per output; required for non-scalar outputs. */
  readonly gradOutputs?: readonly (Tensor | null | undefined)[] | Tensor;
  /** Return null for inputs the outputs do not depend on, instead of throwing. */
  readonly allowUnused?: boolean;
}

/**
 * Sum a gradient over the dims that broadcasting added or expanded, so that it has `shape`. This is the one
 * place where broadcast gradients are reduced: op rules return gradients in the output's shape.
 *
 * @example
 * ```ts
 * sumTo(ones([4, 3]), [3]); // 4s, shape [3]
 * ```
 */
export function sumTo(grad: Tensor, shape: Shape): Tensor {
  if (sameShape(grad.shape, shape)) return grad;
  const lead = grad.ndim - shape.length;
  const dims: number[] = [];
  for (let i = 0; i < grad.ndim; i++) {
    if (i < lead || (shape[i - lead] === 1 && grad.shape[i] !== 1)) dims.push(i);
  }
  let out = dims.length ? sum(grad, dims, true) : grad;
  if (lead > 0 || !sameShape(out.shape, shape)) out = out.reshape(shape);
  return out;
}

function expandableTo(small: Shape, big: Shape): boolean {
  if (small.length > big.length) return false;
  const lead = big.length - small.length;
  return small.every((d, i) => d === 1 || d === big[i + lead]);
}

function seedFor(root: Tensor, given: Tensor | null | undefined, i: number, op: string): Tensor {
  if (given == null) {
    if (root.size !== 1) {
      throw new Error(
        `${op}: grad can be implicitly created only for scalar outputs, but output ${i} has shape ${fmtShape(root.shape)}. ` +
          `Reduce it to a scalar first (e.g. y.sum().backward()), or pass the gradient of the output: y.backward(gradient).`,
      );
    }
    return ones(root.shape, { dtype: root.dtype });
  }
  if (!sameShape(given.shape, root.shape)) {
    throw new Error(
      `${op}: mismatch in shape: the gradient for output ${i} has shape ${fmtShape(given.shape)} and the output has shape ` +
        `${fmtShape(root.shape)}. Pass a gradient of the same shape as the output.`,
    );
  }
  return given.dtype === root.dtype ? given : to(given, root.dtype);
}

// Each walk gets an id; nodes carry the id of the last walk that visited them, needed them, or buffered a
// gradient for them, so a walk needs no Set or Map (and nested walks from hooks never mix their state).
let walks = 0;

/**
 * Order the graph reachable from `roots` (iterative DFS post-order, reversed: no recursion, so arbitrarily
 * deep graphs work) and, when `targets` is given, mark only the nodes on a path from a root to a target.
 */
function plan(roots: readonly Node[], targets: ReadonlySet<Node> | null, walk: number): Node[] {
  const post: Node[] = [];
  const nodes: Node[] = [];
  const next: number[] = [];
  for (const r of roots) {
    if (r._visited === walk) continue;
    r._visited = walk;
    nodes.push(r);
    next.push(0);
    while (nodes.length) {
      const top = nodes.length - 1;
      const node = nodes[top]!;
      const fns = node.nextFunctions;
      const k = next[top]!;
      if (k < fns.length) {
        next[top] = k + 1;
        const child = fns[k];
        if (child && child._visited !== walk) {
          child._visited = walk;
          nodes.push(child);
          next.push(0);
        }
      } else {
        post.push(node);
        nodes.pop();
        next.pop();
      }
    }
  }
  // In post-order every node comes after the nodes it feeds, so one pass decides "leads to a target".
  for (const n of post) {
    let needed = targets === null || targets.has(n);
    if (!needed) for (const c of n.nextFunctions) if (c !== null && c._needed === walk) { needed = true; break; }
    if (needed) n._needed = walk;
  }
  return post.reverse();
}

/**
 * The engine: propagate `seeds` from `roots` backwards. With `inputs`, returns the gradients reaching them and
 * leaves `.grad` alone (running only the nodes between); without, accumulates into leaves' `.grad`.
 */
function run(
  roots: readonly Tensor[],
  seeds: readonly Tensor[],
  opts: { retainGraph: boolean; createGraph: boolean; inputs: readonly Tensor[] | null; allowUnused: boolean },
  op: string,
): (Tensor | null)[] {
  const walk = ++walks;
  const rootNodes = roots.map((r) => gradEdge(r)!);
  const inputNodes = opts.inputs?.map((t) => gradEdge(t)!) ?? null;
  const order = plan(rootNodes, inputNodes ? new Set(inputNodes) : null, walk);
  const accumulate = (node: Node, g: Tensor): void => {
    if (node._bufferWalk === walk) node._buffer = add(node._buffer!, g);
    else {
      node._bufferWalk = walk;
      node._buffer = g;
    }
  };
  rootNodes.forEach((n, i) => accumulate(n, seeds[i]!));
  const captured = new Map<Node, Tensor>();
  const anomaly = isAnomalyEnabled();
  // A leaf may take a gradient as its .grad without a copy (as PyTorch steals a tensor nobody else holds) when
  // this walk made its storage and no one else can see it: not a seed, nothing a hook or user code returned or
  // saw, and not already given to another leaf.
  const born = nextStorageGeneration();
  const seen = new Set<Storage>();
  const stealable = (g: Tensor): boolean =>
    !opts.createGraph && g.storage.generation >= born && !seen.has(g.storage) && g.offset === 0 &&
    g.size === g.storage.data.length && g.isContiguous();
  const body = (): void => {
    for (const node of order) {
      if (node._bufferWalk !== walk || node._needed !== walk) continue;
      let g = node._buffer!;
      node._buffer = null;
      node._bufferWalk = 0;
      if (node.preHooks) {
        seen.add(g.storage);
        for (const hook of node.preHooks) g = hook(g) ?? g;
        seen.add(g.storage);
      }
      if (inputNodes !== null && inputNodes.includes(node)) captured.set(node, g);
      if (node instanceof AccumulateGrad) {
        if (inputNodes === null) {
          const steal = stealable(g);
          if (steal) seen.add(g.storage);
          accumulateGrad(node.variable, g, opts.createGraph, steal);
        }
        continue;
      }
      const next = node.nextFunctions;
      const mask = inputNodes === null ? node.edgeMask() : next.map((c) => c !== null && c._needed === walk);
      if (!mask.includes(true)) continue;
      let grads: readonly (Tensor | null | undefined)[];
      const prof = activeProfile();
      if (prof === null) {
        grads = node.apply(g, mask);
        if (!opts.retainGraph) node.release();
      } else {
        const held = bytesOf(node.savedTensors);
        grads = profileBackward(prof, node.name, () => {
          const r = node.apply(g!, mask);
          if (!opts.retainGraph) node.release();
          return r;
        }, () => held - bytesOf(node.savedTensors));
      }
      for (let i = 0; i < next.length; i++) {
        const child = next[i];
        const gi = grads[i];
        if (!child || !mask[i] || gi == null) continue;
        if (anomaly) {
          const err = checkFinite(gi, node.name, i, node.forwardStack);
          if (err) throw err;
        }
        if (node.userCode) seen.add(gi.storage);
        accumulate(child, conform(gi, node, i));
      }
    }
  };
  const walkAll = (): void => (opts.createGraph ? enableGrad(body) : noGrad(body));
  const prof = activeProfile();
  if (prof === null) walkAll();
  else profileBackwardPass(prof, walkAll);
  if (inputNodes === null) return [];
  return inputNodes.map((n, i) => {
    const g = captured.get(n);
    if (g === undefined && !opts.allowUnused) {
      throw new Error(
        `${op}: input ${i} (shape ${fmtShape(opts.inputs![i]!.shape)}) appears not to have been used in the graph of the ` +
          `outputs, so it has no gradient. Pass { allowUnused: true } to get null for it instead.`,
      );
    }
    return g ?? null;
  });
}

/** Reduce a rule's gradient to the input's shape and cast it to the input's dtype, or say which rule is wrong. */
function conform(g: Tensor, node: Node, i: number): Tensor {
  const shape = node.inputShapes[i]!;
  if (!sameShape(g.shape, shape)) {
    if (!expandableTo(shape, g.shape)) {
      throw new Error(
        `${node.name} returned an invalid gradient at index ${i}: got shape ${fmtShape(g.shape)} but expected a shape ` +
          `compatible with ${fmtShape(shape)}. The backward rule must return a gradient of the input's shape (or one that sums to it).`,
      );
    }
    g = sumTo(g, shape);
  }
  const dtype = node.inputDTypes[i]!;
  return g.dtype === dtype || !isFloating(dtype) ? g : to(g, dtype);
}

function accumulateGrad(leaf: Tensor, g: Tensor, createGraph: boolean, steal: boolean): void {
  if (leaf.grad === null) {
    // Unless it may be taken (see `stealable`), a fresh copy: the incoming gradient may be shared with another
    // leaf or be a view of the seed.
    leaf.grad = createGraph || steal ? g : noGrad(() => contiguous(g.clone()));
  } else {
    leaf.grad = createGraph ? add(leaf.grad, g) : noGrad(() => add(leaf.grad!, g));
  }
}

function checkRoots(roots: readonly Tensor[], op: string): void {
  roots.forEach((r, i) => {
    if (!(r instanceof Tensor)) throw new Error(`${op}: output ${i} is not a Tensor.`);
    if (!r.requiresGrad) {
      if (!isGradEnabled()) {
        throw new Error(
          `${op}: output ${i} (shape ${fmtShape(r.shape)}) has no gradFn because it was computed inside noGrad(), where ` +
            `nothing is recorded. Compute the loss outside noGrad() (or inside enableGrad()) before calling ${op}.`,
        );
      }
      throw new Error(
        `${op}: output ${i} (shape ${fmtShape(r.shape)}) does not require grad and has no gradFn, so there is nothing to ` +
          `differentiate. Create the inputs with { requiresGrad: true } and make sure the computation did not run inside noGrad() or use detach().`,
      );
    }
  });
}

/**
 * Compute the gradient of `root` with respect to every leaf that requires grad and accumulate it into the
 * leaves' `.grad`. `gradient` is required when `root` is not a scalar. Saved tensors are freed unless
 * `retainGraph`. Prefer `t.backward()`.
 *
 * @example
 * ```ts
 * const x = tensor([1, 2, 3], { requiresGrad: true });
 * backward(x.mul(x).sum());
 * x.grad; // [2, 4, 6]
 * ```
 */
export function backward(root: Tensor, gradient?: Tensor | null, options: BackwardOptions = {}): void {
  checkRoots([root], 'backward');
  const createGraph = options.createGraph ?? false;
  run([root], [seedFor(root, gradient, 0, 'backward')], {
    retainGraph: options.retainGraph ?? createGraph, createGraph, inputs: null, allowUnused: true,
  }, 'backward');
}

/**
 * The gradients of `outputs` with respect to `inputs` only (PyTorch's `torch.autograd.grad`): runs just the
 * part of the graph between them and does not touch `.grad`. Returns one gradient per input (null for an
 * unused input when `allowUnused`).
 *
 * @example
 * ```ts
 * const [dx] = grad(x.mul(x).sum(), [x]); // 2x
 * ```
 */
export function grad(
  outputs: Tensor | readonly Tensor[],
  inputs: Tensor | readonly Tensor[],
  options: GradOptions = {},
): (Tensor | null)[] {
  const outs = outputs instanceof Tensor ? [outputs] : outputs;
  const ins = inputs instanceof Tensor ? [inputs] : inputs;
  checkRoots(outs, 'grad');
  ins.forEach((t, i) => {
    if (!t.requiresGrad) {
      throw new Error(
        `grad: input ${i} (shape ${fmtShape(t.shape)}) does not require grad, so no gradient can be computed for it. ` +
          `Create it with { requiresGrad: true } or call requiresGrad_() before computing the outputs.`,
      );
    }
  });
  const given = options.gradOutputs instanceof Tensor ? [options.gradOutputs] : options.gradOutputs ?? [];
  if (given.length > 0 && given.length !== outs.length) {
    throw new Error(`grad: got ${given.length} gradOutputs for ${outs.length} outputs; pass one per output (null for a scalar output).`);
  }
  const seeds = outs.map((o, i) => seedFor(o, given[i], i, 'grad'));
  const createGraph = options.createGraph ?? false;
  return run(outs, seeds, {
    retainGraph: options.retainGraph ?? createGraph, createGraph, inputs: ins, allowUnused: options.allowUnused ?? false,
  }, 'grad');
}
