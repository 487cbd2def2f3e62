import { isFloating } from '../dtype.js';
import { copyInto, filledOn, releaseTemporary, zerosOn } from '../ops/buffers.js';
import { fmtShape, sameShape, type Shape } from '../shape.js';
import { nextStorageGeneration, type Storage } from '../storage.js';
import { Tensor } from '../tensor.js';
import { engineObservers } from './events.js';
import { forwardLevel } from './forward-ad.js';
import { depthFirst, gradEdge } from './graph.js';
import { noGrad, enableGrad, isGradEnabled } from './grad-mode.js';
import { AccumulateGrad, type Node } from './node.js';
import { boxesDisjoint, RegionGrad, regionBox } from './region-grad.js';

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

type GradNode = Node<Tensor>;

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
  let out = dims.length ? grad.sum(dims, true) : grad;
  if (lead > 0 || !sameShape(out.shape, shape)) out = out.reshape(shape);
  return out;
}

function expandableTo(small: Shape, big: Shape): boolean {
  if (small.length > big.length) return false;
  const lead = big.length - small.length;
  return small.every((d, i) => d === 1 || d === big[i + lead]);
}

/**
 * Reduce a rule's gradient for input `i` to the input's shape and cast it to the input's dtype, or say which
 * rule is wrong.
 *
 * @example
 * ```ts
 * conform(g, node, 0);
 * ```
 */
export function conform(g: Tensor, node: GradNode, i: number): Tensor {
  const shape = node.inputShape(i);
  if (!sameShape(g.shape, shape)) {
    if (!expandableTo(shape, g.shape)) {
      throw new Error(
        `${node.name} returned an invalid gradient at index ${i}: got shape ${fmtShape(g.shape)} but expected a shape ` +
          `compatible with ${fmtShape(shape)}. The backward rule must return a gradient of the input's shape (or one that sums to it).`,
      );
    }
    g = sumTo(g, shape);
  }
  const dtype = node.inputDType(i);
  return g.dtype === dtype || !isFloating(dtype) ? g : g.to(dtype);
}

function seedFor(root: Tensor, given: Tensor | null | undefined, i: number, op: string): Tensor {
  if (given == null) {
    if (root.size !== 1) {
      throw new Error(
        `${op}: grad can be implicitly created only for scalar outputs, but output ${i} has shape ${fmtShape(root.shape)}. ` +
          `Reduce it to a scalar first (e.g. y.sum().backward()), or pass the gradient of the output: y.backward(gradient).`,
      );
    }
    return filledOn(root.storage.device, root.dtype, root.shape, 1);
  }
  if (!(given instanceof Tensor)) throw new Error(`${op}: the gradient for output ${i} must be a Tensor, got ${typeof given}.`);
  if (!sameShape(given.shape, root.shape)) {
    throw new Error(
      `${op}: mismatch in shape: the gradient for output ${i} has shape ${fmtShape(given.shape)} and the output has shape ` +
        `${fmtShape(root.shape)}. Pass a gradient of the same shape as the output.`,
    );
  }
  return given.dtype === root.dtype ? given : given.to(root.dtype);
}

/**
 * Where the gradients that reach some nodes go: into leaves' `.grad` (backward) or into a map (grad).
 * `take` sees every node reached, with its summed gradient, and returns true when the node is a sink whose
 * rule must not run (an AccumulateGrad). `exposed` sees every gradient that user code sees or returns (tensor
 * hooks, customOp rules), which may therefore be held elsewhere.
 */
interface Sink {
  take(node: GradNode, g: Tensor): boolean;
  exposed?(g: Tensor): void;
}

// Each pass gets a number; nodes carry the number of the last pass that needed them or buffered a gradient
// for them, so a pass needs no Set or Map (and passes started from hooks never mix their state).
let passes = 0;

/** The most region boxes a node keeps (see `accumulateRegion`); past it, regions are added. */
const MAX_BOXES = 64;

/**
 * The engine: propagate `seeds` from `roots` backwards through every node that `needed` marks (all of them, or
 * those between the roots and some targets), in topological order, summing the gradients that meet at a node,
 * handing each node's gradient to `sink`.
 */
function propagate(
  roots: readonly GradNode[],
  seeds: readonly Tensor[],
  opts: { readonly retainGraph: boolean; readonly createGraph: boolean },
  targets: ReadonlySet<GradNode> | null,
  sink: Sink,
): void {
  const pass = ++passes;
  const post = depthFirst(roots);
  // In post-order every node comes after the nodes it feeds, so one pass decides "leads to a target".
  for (const n of post) {
    let needed = targets === null || targets.has(n);
    if (!needed) for (const c of n.nextFunctions) if (c !== null && c._needed === pass) { needed = true; break; }
    if (needed) n._needed = pass;
  }
  // Storages made from here on were made by this pass. A gradient is *exclusive* when nothing but the engine can
  // reach its storage: this pass made it (so it is not the seed, a saved tensor or user data), no other gradient
  // of the same rule shares it, and when it is a view of the node's own incoming gradient (a rule that passes g
  // through), that gradient was exclusive too. Once an exclusive gradient has been added into another buffer, or
  // replaced by a new sum, its storage is dead and goes back to the backend (`release`) for the next buffer of its
  // size. Never with observers, hooks or user code (which may hold a gradient), for a graph of the gradient, or in
  // forward mode.
  const born = nextStorageGeneration();
  const recycles = !opts.createGraph && forwardLevel() === 0;
  /** Adds `g` into the gradient buffered for `node` (`exclusive`: see above). */
  const accumulate = (node: GradNode, g: Tensor, exclusive: boolean): void => {
    node._regions = null;
    if (node._bufferWalk === pass) {
      const buffer = node._buffer!;
      // A sum made here is held by nobody else, so the third and later gradients to arrive are added into it in
      // place: a weight used at each of T time steps costs one new buffer, not T - 1.
      if (node._bufferOwned && buffer.dtype === g.dtype && sameShape(buffer.shape, g.shape)) {
        buffer.add_(g);
      } else {
        node._buffer = buffer.add(g);
        node._bufferOwned = recycles;
        if (node._bufferExclusive) releaseTemporary(buffer);
        node._bufferExclusive = recycles;
      }
      if (exclusive) releaseTemporary(g);
      return;
    }
    node._bufferWalk = pass;
    node._buffer = g;
    node._bufferOwned = false;
    node._bufferExclusive = exclusive;
  };
  const exclusiveOf = (c: Tensor, g: Tensor, gExclusive: boolean, grads: readonly unknown[], i: number): boolean => {
    const s = c.storage;
    for (let j = 0; j < grads.length; j++) {
      const o = grads[j];
      if (j !== i && o instanceof Tensor && o.storage === s) return false;
    }
    return s === g.storage ? gExclusive : s.generation >= born;
  };
  // A gradient that is zero outside a region: added into that region of one buffer for the node, which is made
  // (zeros) by the first region to arrive and owned by the engine, instead of padding every slice to full size.
  // Regions that are apart (the slices of a split, the gates of a chunk) are copied in, not added: each box written
  // into a buffer of zeros is kept on the node until the buffer is used or something else is added into it.
  const accumulateRegion = (node: GradNode, r: RegionGrad<Tensor>): void => {
    const box = regionBox(r);
    let buffer: Tensor;
    if (node._bufferWalk !== pass) {
      buffer = zerosOn(r.values.storage.device, r.values.dtype, r.shape);
      node._bufferWalk = pass;
      copyInto(regionOf(buffer, r), r.values);
      node._regions = box;
    } else {
      buffer = node._buffer!;
      if (!node._bufferOwned) buffer = buffer.clone();
      const region = regionOf(buffer, r);
      const boxes = node._bufferOwned ? node._regions : null;
      if (boxes !== null && box !== null && boxesDisjoint(boxes, box)) {
        copyInto(region, r.values);
        if (boxes.length < MAX_BOXES * box.length) boxes.push(...box);
        else node._regions = null;
      } else {
        copyInto(region, region.add(r.values));
        node._regions = null;
      }
    }
    node._buffer = buffer;
    node._bufferOwned = true;
    node._bufferExclusive = recycles;
  };
  roots.forEach((n, i) => accumulate(n, seeds[i]!, false));
  const observers = engineObservers<Tensor>();
  const observed = observers.length !== 0;
  const body = (): void => {
    for (let k = post.length - 1; k >= 0; k--) {
      const node = post[k]!;
      if (node._bufferWalk !== pass || node._needed !== pass) continue;
      let g = node._buffer!;
      // Hooks, grad()'s captured targets and observers may hold the incoming gradient.
      const gExclusive = node._bufferExclusive && recycles && !observed && !node.preHooks && (targets === null || !targets.has(node));
      node._buffer = null;
      node._bufferWalk = 0;
      node._regions = null;
      if (node.preHooks) {
        sink.exposed?.(g);
        for (const hook of node.preHooks) g = checkedHook(hook, g, node);
        sink.exposed?.(g);
      }
      if (observed) for (const o of observers) o.nodeStart?.(node, g);
      if (sink.take(node, g)) {
        if (observed) for (const o of observers) o.nodeEnd?.(node, g, [], 0);
        continue;
      }
      const next = node.nextFunctions;
      const mask = targets === null ? node.edgeMask() : next.map((c) => c !== null && c._needed === pass);
      if (!mask.includes(true)) {
        // Nothing below this node needs a gradient: it ends here, and observers see it end.
        if (observed) for (const o of observers) o.nodeEnd?.(node, g, [], 0);
        continue;
      }
      const held = observed ? bytesOf(node.savedTensors) : 0;
      const grads = node.apply(g, mask);
      if (!opts.retainGraph) node.release();
      const sent = observed ? new Array<Tensor | null>(next.length).fill(null) : null;
      for (let i = 0; i < next.length; i++) {
        const child = next[i];
        const gi = grads[i];
        if (!child || !mask[i] || gi == null) continue;
        if (gi instanceof RegionGrad) {
          const r = conformRegion(gi as RegionGrad<Tensor>, node, i);
          // A graph of the gradient, or forward mode over this pass (hvp, hessian), needs it made by recorded ops;
          // observers are shown the whole gradient.
          const dense = opts.createGraph || forwardLevel() !== 0;
          const whole = dense || sent ? materialize(r) : null;
          if (sent) sent[i] = whole;
          if (dense) accumulate(child, whole!, false);
          else accumulateRegion(child, r);
          continue;
        }
        if (!(gi instanceof Tensor)) throw new Error(`${node.name} returned a ${typeof gi} as the gradient of input ${i}; a rule must return Tensors (or null).`);
        if (node.userCode) sink.exposed?.(gi);
        const c = conform(gi, node, i);
        if (sent) sent[i] = c;
        accumulate(child, c, recycles && !observed && !node.userCode && exclusiveOf(c, g, gExclusive, grads, i));
      }
      if (sent) for (const o of observers) o.nodeEnd?.(node, g, sent, held - bytesOf(node.savedTensors));
    }
  };
  if (observed) for (const o of observers) o.passStart?.();
  try {
    if (opts.createGraph) enableGrad(body);
    else noGrad(body);
  } finally {
    if (observed) for (const o of observers) o.passEnd?.();
  }
}

/** The region `r` names, as a view of `buffer` (contiguous, of the region's input shape). */
function regionOf(buffer: Tensor, r: RegionGrad<Tensor>): Tensor {
  return new Tensor(buffer.storage, r.values.shape, buffer.dtype, r.strides, buffer.offset + r.offset);
}

/** `conform` for a region: it must lie in the input's shape, and its values are cast to the input's dtype. */
function conformRegion(r: RegionGrad<Tensor>, node: GradNode, i: number): RegionGrad<Tensor> {
  if (!sameShape(r.shape, node.inputShape(i)) || r.strides.length !== r.values.ndim) {
    throw new Error(
      `${node.name} returned an invalid region gradient at index ${i}: a region of shape ${fmtShape(r.shape)} for an input of ` +
        `shape ${fmtShape(node.inputShape(i))}.`,
    );
  }
  const dtype = node.inputDType(i);
  return r.values.dtype === dtype || !isFloating(dtype) ? r : new RegionGrad(r.values.to(dtype), r.shape, r.strides, r.offset);
}

/** The whole gradient a region stands for (zeros elsewhere), recorded when grad mode is on. */
function materialize(r: RegionGrad<Tensor>): Tensor {
  return zerosOn(r.values.storage.device, r.values.dtype, r.shape).asStridedScatter(r.values, r.values.shape, r.strides, r.offset);
}

/** Run a tensor hook, checking that what it returns can stand for the gradient it was given. */
function checkedHook(hook: (grad: Tensor) => Tensor | void, g: Tensor, node: GradNode): Tensor {
  const r = hook(g);
  if (r === undefined || r === null) return g;
  const what = node instanceof AccumulateGrad ? 'a leaf' : `the output of ${node.name}`;
  if (!(r instanceof Tensor)) {
    throw new Error(`registerHook: a hook on ${what} returned ${typeof r === 'number' ? `the number ${r}` : `a ${typeof r}`}; a hook must return a Tensor (the new gradient) or nothing.`);
  }
  if (!sameShape(r.shape, g.shape) || r.dtype !== g.dtype) {
    throw new Error(
      `registerHook: a hook on ${what} returned a gradient of shape ${fmtShape(r.shape)} and dtype ${r.dtype}, but the ` +
        `gradient has shape ${fmtShape(g.shape)} and dtype ${g.dtype}; a hook must keep both.`,
    );
  }
  return r;
}

/** Bytes of a list of saved tensors' elements. @internal */
export function bytesOf(ts: readonly Tensor[]): number {
  let n = 0;
  for (const t of ts) n += t.nbytes;
  return n;
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
  const seed = seedFor(root, gradient, 0, 'backward');
  // A leaf may take a gradient as its .grad without a copy (as PyTorch steals a tensor nobody else holds) when
  // this pass made its storage and no one else can see it: not the seed, nothing a hook or user code returned or
  // saw, and not already given to another leaf.
  const born = nextStorageGeneration();
  const seen = new Set<Storage>();
  const stealable = (g: Tensor): boolean =>
    !createGraph && g.storage.generation >= born && !seen.has(g.storage) && g.offset === 0 &&
    g.size === g.storage.length && g.isContiguous();
  const sink: Sink = {
    take: (node, g) => {
      if (!(node instanceof AccumulateGrad)) return false;
      const steal = stealable(g);
      seen.add(g.storage);
      accumulateGrad(node.variable, g, createGraph, steal);
      return true;
    },
    exposed: (g) => seen.add(g.storage),
  };
  propagate([gradEdge(root)!], [seed], { retainGraph: options.retainGraph ?? createGraph, createGraph }, null, sink);
}

function accumulateGrad(leaf: Tensor, g: Tensor, createGraph: boolean, steal: boolean): void {
  if (leaf.grad === null) {
    // Unless it may be taken (see `stealable`), a fresh copy: the incoming gradient may be shared with another
    // leaf or be a view of the seed.
    leaf.grad = createGraph || steal ? g : noGrad(() => g.clone().contiguous());
  } else {
    leaf.grad = createGraph ? leaf.grad.add(g) : noGrad(() => leaf.grad!.add(g));
  }
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
    if (!(t instanceof Tensor)) throw new Error(`grad: input ${i} is not a Tensor.`);
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
  const inputNodes = ins.map((t) => gradEdge(t)!);
  const targets = new Set(inputNodes);
  const captured = new Map<GradNode, Tensor>();
  const sink: Sink = {
    take: (node, g) => {
      if (targets.has(node)) captured.set(node, g);
      // A leaf's gradient is only captured: grad() leaves `.grad` alone.
      return node instanceof AccumulateGrad;
    },
  };
  propagate(outs.map((o) => gradEdge(o)!), seeds, { retainGraph: options.retainGraph ?? createGraph, createGraph }, targets, sink);
  return inputNodes.map((n, i) => {
    const g = captured.get(n);
    if (g === undefined && !options.allowUnused) {
      throw new Error(
        `grad: input ${i} (shape ${fmtShape(ins[i]!.shape)}) appears not to have been used in the graph of the ` +
          `outputs, so it has no gradient. Pass { allowUnused: true } to get null for it instead.`,
      );
    }
    return g ?? null;
  });
}
