// The in-place ops (`add_`, `fill_`, `copy_`, …): computed out of place with the recorded ops, then written
// into the tensor's own storage by the backend, with the version counter bumped so that rules which saved the
// old contents notice.
import { forwardLevel, setTangent, tangentOf, whilePaused } from '../autograd/forward-ad.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { canCast } from '../dtype.js';
import type { BinaryKernel } from '../kernels/catalog.js';
import { checkOptions } from '../options.js';
import { broadcastShapes, fmtShape, sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { backendOf, broadcastView, checkNoOverlap, copyInto, describe, scalarFor, zerosFor, zerosOn, type TensorLike } from './buffers.js';
import type { Caller } from './define.js';
import type { IndexSpec } from './index-spec.js';
import { indexWrite, writeIndexed, type IndexPutOptions, type ScatterOptions, type ScatterReduceOptions, type ScatterReduction } from './slicing.js';
import type { ClampBound, ClampBounds } from './where.js';
import { WHERE_OPS } from './where.js';

/** Write `values` (of `t`'s shape) into `t`'s storage through its strides, then bump the version. */
function writeInto(t: Tensor, values: Tensor, op: string): void {
  checkNoOverlap(t.shape, t.strides, op);
  copyInto(t, values);
  t.storage.version++;
}

function checkLeaf(t: Tensor, op: string): void {
  if (t.isLeaf && t.requiresGrad && isGradEnabled()) {
    throw new Error(
      `${op}: a leaf tensor that requires grad (shape ${fmtShape(t.shape)}) is being used in an in-place operation. ` +
        `Update parameters inside noGrad(() => ...), or use the out-of-place ${op.slice(0, -1)}() instead.`,
    );
  }
}

/**
 * Refuse an in-place write through a view of a leaf that requires grad, as PyTorch does: the leaf's gradient
 * would have to flow through a write into the leaf itself.
 */
function checkViewOfLeaf(t: Tensor, op: string): void {
  const base = t._base;
  if (base === null || !isGradEnabled() || !base.isLeaf || !base.requiresGrad) return;
  throw new Error(
    `${op}: a view of a leaf tensor that requires grad (the view has shape ${fmtShape(t.shape)}, the leaf ${fmtShape(base.shape)}) ` +
      `is being used in an in-place operation, which PyTorch refuses too. Update the leaf inside noGrad(() => ...), or ` +
      `use the out-of-place ${op.slice(0, -1)}() on a clone().`,
  );
}

/**
 * The base of a view written in place must own its storage alone, laid out contiguously from its start, so that
 * the region the view covers is the view's own geometry (true of every tensor an op or a creation function makes;
 * not of a strided tensor made by detach() of a view).
 */
function checkWholeBase(base: Tensor, view: Tensor, op: string): void {
  if (base.offset === 0 && base.isContiguous() && base.storage.length === base.size) return;
  throw new Error(
    `${op}: the tensor of shape ${fmtShape(view.shape)} is a view of a tensor (shape ${fmtShape(base.shape)}) that is itself a ` +
      `strided view of a larger storage (made by detach() of a view?), so the write cannot be recorded. clone() that tensor first.`,
  );
}

/** A copy of `t`'s elements with its own storage (no graph). */
function snapshot(t: Tensor): Tensor {
  const out = zerosOn(t.storage.device, t.dtype, t.shape);
  copyInto(out, t);
  return out;
}

/**
 * Apply an in-place update `t ← compute(t)`: the result is computed out of place with the recorded op (so
 * autograd sees it, PyTorch's "rebase history"), then written into `t`'s own storage, and `t` takes over the
 * result's gradFn. The old contents are gone, so a backward rule that saved them fails its version check.
 *
 * Writing through a view changes its base too, as PyTorch's CopySlices records: the base takes the history
 * `asStridedScatter(base, result, the view's region)`, and the view is replayed on it. Other views of the base see
 * the version move on and are replayed on the base's new history when next used.
 *
 * @example
 * ```ts
 * inplace(w, 'sub_', (w) => w.sub(g.mul(lr)));
 * ```
 */
export function inplace(t: Tensor, op: string, compute: (self: Tensor) => Tensor): Tensor {
  if (!(t instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${describe(t)}.`);
  checkLeaf(t, op);
  checkViewOfLeaf(t, op);
  const grad = isGradEnabled();
  // The pre-update tensor, carrying its history, for the out-of-place op to record against. Under grad mode it
  // is a snapshot of the old contents, as PyTorch saves the original self of an in-place op: an alias would be
  // overwritten below, and the op's own backward would then fail its version check. Otherwise an alias.
  const before = grad ? snapshot(t) : new Tensor(t.storage, t.shape, t.dtype, t.strides, t.offset);
  before.gradFn = t.gradFn;
  before._requiresGrad = t._requiresGrad;
  // Forward mode: the old contents' tangent goes in, the result's comes out (see `rebaseTangents`).
  const forward = forwardLevel() !== 0;
  const tangentIn = forward ? tangentOf(t) : null;
  if (tangentIn) setTangent(before, tangentIn);
  const result = compute(before);
  const tangentOut = forward ? tangentOf(result) : null;
  if (!sameShape(result.shape, t.shape)) {
    throw new Error(
      `${op}: the result has shape ${fmtShape(result.shape)}, which cannot be written into the tensor of shape ` +
        `${fmtShape(t.shape)}: in-place operands must broadcast to the tensor's own shape.`,
    );
  }
  if (!canCast(result.dtype, t.dtype)) {
    throw new Error(
      `${op}: result type ${result.dtype} can't be cast to the desired output type ${t.dtype} (shape ${fmtShape(t.shape)}), ` +
        `as in PyTorch. Use the out-of-place ${op.slice(0, -1)}() or convert the tensor first, e.g. t.to('${result.dtype}').`,
    );
  }
  const base = t._base;
  if (forward && (tangentIn || tangentOut || (base !== null && tangentOf(base)))) rebaseTangents(t, tangentOut, op);
  if (base !== null && grad && (result.requiresGrad || base.requiresGrad)) {
    checkWholeBase(base, t, op);
    // The base before the write, with its history (an alias: asStridedScatter reads it before the write below).
    const old = new Tensor(base.storage, base.shape, base.dtype, base.strides, base.offset);
    old.gradFn = base.gradFn;
    old._requiresGrad = base._requiresGrad;
    const rebased = old.asStridedScatter(result.dtype === t.dtype ? result : result.to(t.dtype), t.shape, t.strides, t.offset);
    writeInto(t, result, op);
    base.gradFn = rebased.gradFn;
    // The view itself is replayed on the base's new history right away.
    t._viewVersion = t.storage.version - 1;
    void t.gradFn;
    return t;
  }
  writeInto(t, result, op);
  if (result.gradFn !== null) t.gradFn = result.gradFn;
  if (t._viewVersion >= 0) t._viewVersion = t.storage.version;
  return t;
}

/**
 * Forward mode through an in-place write: `t` takes the result's tangent (zero when it has none), and when `t` is a
 * view, its base's tangent takes it in the view's region, as the base's history does (asStridedScatter).
 */
function rebaseTangents(t: Tensor, tangent: Tensor | null, op: string): void {
  const own = tangent ?? zerosFor(t);
  const base = t._base;
  whilePaused(() => {
    if (base !== null) {
      checkWholeBase(base, t, op);
      const baseTangent = tangentOf(base) ?? zerosFor(base);
      setTangent(base, baseTangent.asStridedScatter(own.dtype === t.dtype ? own : own.to(t.dtype), t.shape, t.strides, t.offset));
    }
  });
  setTangent(t, own);
}

/** True when forward-mode AD is active and `t` carries a tangent: in-place writes must then update it. */
function hasTangent(t: Tensor): boolean {
  return forwardLevel() !== 0 && (tangentOf(t) !== null || (t._base !== null && tangentOf(t._base) !== null));
}

/**
 * The common case of an in-place arithmetic update with nothing to record (under noGrad, or when no operand
 * requires grad), as in an optimizer step: the kernel writes straight into `t`'s storage, where the general
 * path computes a new tensor and copies it in. Only for a contiguous float `t` at the start of its storage, an
 * operand of its dtype (or a number) that broadcasts to its shape and does not share its storage; false when it
 * does not apply.
 */
function arithInPlace(t: Tensor, kernel: BinaryKernel, other: TensorLike, op: string): boolean {
  if (!(t instanceof Tensor)) return false;
  const B = typeof other === 'number' ? scalarFor(other, t) : other;
  if (
    !(B instanceof Tensor) || (isGradEnabled() && (t.requiresGrad || B.requiresGrad)) || hasTangent(t) || hasTangent(B) || B.dtype !== t.dtype ||
    (t.dtype !== 'float32' && t.dtype !== 'float64') || t.offset !== 0 || !t.isContiguous() || B.storage === t.storage ||
    B.storage.device !== t.storage.device || B.ndim > t.ndim || !sameShape(broadcastShapes(B.shape, t.shape, op), t.shape)
  ) {
    return false;
  }
  checkViewOfLeaf(t, op);
  if (t.size > 0) backendOf(t).binary(kernel, t.dtype, t, broadcastView(B, t.shape), t.buffer, t.shape);
  t.storage.version++;
  return true;
}

/**
 * `value` where the old contents were, as a recorded op: like PyTorch's fill_ and copy_ on a tensor in the graph,
 * the result still requires grad and passes a zero gradient to the old contents.
 */
function overwrite(call: Caller, old: Tensor, value: Tensor | number): Tensor {
  return call(WHERE_OPS.where, zerosOn(old.storage.device, 'bool', old.shape), old, value);
}

function fill_(call: Caller, t: Tensor, value: number): Tensor {
  if (typeof value !== 'number') throw new Error(`fill_: the value must be a number, got ${describe(value)}.`);
  if ((t.requiresGrad && isGradEnabled()) || hasTangent(t)) return inplace(t, 'fill_', (s) => overwrite(call, s, value));
  checkLeaf(t, 'fill_');
  checkViewOfLeaf(t, 'fill_');
  checkNoOverlap(t.shape, t.strides, 'fill_');
  if (t.size > 0) backendOf(t).fill(t.dtype, t, t.shape, value);
  t.storage.version++;
  t.gradFn = null;
  return t;
}

/**
 * `t[specs] = value` (or `+=` with `accumulate`) in place. With nothing to record (grad mode off, or neither `t` nor
 * `value` requiring grad) the backend writes straight into `t`'s storage; otherwise through `inplace`, so that a
 * write into a view of a tensor in the graph gives its base the right history (PyTorch's CopySlices).
 */
function indexPut_(t: Tensor, specs: readonly IndexSpec[], value: Tensor | number, options?: IndexPutOptions): Tensor {
  const op = 'indexPut_';
  if (!(t instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${describe(t)}.`);
  const recorded = (isGradEnabled() && (t.requiresGrad || (value instanceof Tensor && value.requiresGrad))) ||
    hasTangent(t) || (value instanceof Tensor && hasTangent(value));
  if (recorded) {
    checkLeaf(t, op);
    // A write of basic specs is a write through the view they take (PyTorch's x[1:3] = v is a slice and copy_),
    // recorded on the base as CopySlices; index tensors and masks record indexPut.
    const basic = Array.isArray(specs) && specs.every((s) => s === null || typeof s === 'number' || typeof s === 'string');
    if (!basic) return inplace(t, op, (s) => s.indexPut(specs, value, options));
    const { accumulate = false } = checkOptions(op, options, { accumulate: 'boolean' });
    const w = indexWrite(t, specs, value, op).value;
    const view = t.index(...specs);
    if (accumulate) view.add_(w);
    else view.copy_(w);
    return t;
  }
  const { accumulate = false } = checkOptions(op, options, { accumulate: 'boolean' });
  checkLeaf(t, op);
  checkViewOfLeaf(t, op);
  checkNoOverlap(t.shape, t.strides, op);
  const w = indexWrite(t, specs, value, op);
  writeIndexed(t, w.parsed.items, w.parsed.tensors, w.value, accumulate, op);
  t.storage.version++;
  return t;
}

/** An in-place op: its doc and the function (the tensor first), given `call` as composites are. */
export interface InPlaceOp<Args extends readonly unknown[]> {
  readonly doc: string;
  readonly example: string;
  readonly fn: (call: Caller, t: Tensor, ...args: Args) => Tensor;
}

function arith(kernel: 'add' | 'sub' | 'mul' | 'div', symbol: string): InPlaceOp<readonly [other: TensorLike]> {
  const op = `${kernel}_`;
  return {
    doc: `\`t ← t ${symbol} other\` in place.`,
    example: kernel === 'sub' ? 'noGrad(() => w.sub_(w.grad!.mul(lr)))' : `noGrad(() => m.${op}(0.9))`,
    fn: (_, t, other) => (arithInPlace(t, kernel, other, op) ? t : inplace(t, op, (s) => s[kernel](other))),
  };
}

/** The in-place ops. */
export const INPLACE_OPS = {
  add_: arith('add', '+'),
  sub_: arith('sub', '-'),
  mul_: arith('mul', '·'),
  div_: arith('div', '/'),
  clamp_: {
    doc: 'Clamp in place.',
    example: 'noGrad(() => w.clamp_({ min: -1, max: 1 }))',
    fn: (_: Caller, t: Tensor, min?: ClampBounds | ClampBound, max?: ClampBound): Tensor => inplace(t, 'clamp_', (s) => s.clamp(min, max)),
  },
  fill_: {
    doc: 'Fill with `value` in place. The result does not depend on the old contents: a tensor in the graph keeps requiring grad, with a zero gradient to what it held, as in PyTorch.',
    example: 'noGrad(() => grad.fill_(0))',
    fn: fill_,
  },
  zero_: {
    doc: 'Fill with zeros in place.',
    example: 'noGrad(() => w.grad?.zero_())',
    fn: (call: Caller, t: Tensor): Tensor => fill_(call, t, 0),
  },
  indexPut_: {
    doc: 'PyTorch\'s `x[specs] = value` in place (the specs of `index`; `value` broadcast), or `x[specs] += value` with `{ accumulate: true }` (repeated indices add up). Works through views and on tensors in the graph.',
    example: "x.indexPut_([':', '1:3'], 0)",
    fn: (_: Caller, t: Tensor, specs: readonly IndexSpec[], value: Tensor | number, options?: IndexPutOptions): Tensor => indexPut_(t, specs, value, options),
  },
  maskedFill_: {
    doc: 'Set the elements where the bool `mask` (broadcast to the tensor\'s shape) is true to `value` (a number or a 0-d tensor), in place.',
    example: 'scores.maskedFill_(mask, -Infinity)',
    fn: (_: Caller, t: Tensor, mask: Tensor, value: number | Tensor): Tensor => inplace(t, 'maskedFill_', (s) => s.maskedFill(mask, value)),
  },
  maskedScatter_: {
    doc: 'Replace the elements where the bool `mask` is true by the first elements of `source`, in place (see maskedScatter).',
    example: 'x.maskedScatter_(mask, values)',
    fn: (_: Caller, t: Tensor, mask: Tensor, source: Tensor): Tensor => inplace(t, 'maskedScatter_', (s) => s.maskedScatter(mask, source)),
  },
  indexFill_: {
    doc: 'Set the entries `index` along `dim` to `value`, in place (see indexFill).',
    example: 'x.indexFill_(1, idx, 0)',
    fn: (_: Caller, t: Tensor, dim: number, index: Tensor, value: number | Tensor): Tensor => inplace(t, 'indexFill_', (s) => s.indexFill(dim, index, value)),
  },
  indexCopy_: {
    doc: 'Replace the entries `index` along `dim` by those of `source`, in place (see indexCopy).',
    example: 'x.indexCopy_(0, idx, rows)',
    fn: (_: Caller, t: Tensor, dim: number, index: Tensor, source: Tensor): Tensor => inplace(t, 'indexCopy_', (s) => s.indexCopy(dim, index, source)),
  },
  scatter_: {
    doc: 'Write `src` (a tensor or a number) at the positions `index` names along `dim`, in place (see scatter).',
    example: 'onehot.scatter_(1, labels.unsqueeze(1), 1)',
    fn: (_: Caller, t: Tensor, dim: number, index: Tensor, src: Tensor | number, options?: ScatterOptions): Tensor =>
      inplace(t, 'scatter_', (s) => s.scatter(dim, index, src, options)),
  },
  scatterReduce_: {
    doc: 'Combine `src` into the positions `index` names along `dim` with `reduce`, in place (see scatterReduce).',
    example: "x.scatterReduce_(0, idx, src, 'amax')",
    fn: (_: Caller, t: Tensor, dim: number, index: Tensor, src: Tensor, reduce: ScatterReduction, options?: ScatterReduceOptions): Tensor =>
      inplace(t, 'scatterReduce_', (s) => s.scatterReduce(dim, index, src, reduce, options)),
  },
  copy_: {
    doc: 'Copy `src`\'s elements (broadcast to the tensor\'s shape, converted to its dtype) into it in place; when `src` requires grad and grad mode is on, gradients flow to `src`.',
    example: 'noGrad(() => target.copy_(source))',
    fn: (call: Caller, t: Tensor, src: Tensor): Tensor => {
      if (!(src instanceof Tensor)) throw new Error(`copy_: the source must be a Tensor, got ${describe(src)}.`);
      broadcastShapes(src.shape, t.shape, 'copy_');
      return inplace(t, 'copy_', (s) =>
        ((src.requiresGrad || t.requiresGrad) && isGradEnabled()) || hasTangent(src) || hasTangent(t)
          ? overwrite(call, s, src.expand(t.shape).to(t.dtype)) : broadcastCopy(src, s));
    },
  },
};

/** `src` broadcast to `like`'s shape and dtype, materialised, no graph. */
function broadcastCopy(src: Tensor, like: Tensor): Tensor {
  const out = zerosOn(like.storage.device, like.dtype, like.shape);
  copyInto(out, src);
  return out;
}
