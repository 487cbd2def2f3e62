// The in-place ops (`add_`, `fill_`, `copy_`, …): computed out of place with the recorded ops, then written
// into the tensor's own storage by the backend, with the version counter bumped so that rules which saved the
// old contents notice.
import { isGradEnabled } from '../autograd/grad-mode.js';
import { canCast } from '../dtype.js';
import type { BinaryKernel } from '../kernels/catalog.js';
import { broadcastShapes, fmtShape, sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { backendOf, broadcastView, checkNoOverlap, copyInto, describe, scalarFor, zerosOn, type TensorLike } from './buffers.js';
import type { Caller } from './define.js';
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
  const result = compute(before);
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
    !(B instanceof Tensor) || (isGradEnabled() && (t.requiresGrad || B.requiresGrad)) || B.dtype !== t.dtype ||
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
  if (t.requiresGrad && isGradEnabled()) return inplace(t, 'fill_', (s) => overwrite(call, s, value));
  checkLeaf(t, 'fill_');
  checkViewOfLeaf(t, 'fill_');
  checkNoOverlap(t.shape, t.strides, 'fill_');
  if (t.size > 0) backendOf(t).fill(t.dtype, t, t.shape, value);
  t.storage.version++;
  t.gradFn = null;
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
  copy_: {
    doc: 'Copy `src`\'s elements (broadcast to the tensor\'s shape, converted to its dtype) into it in place; when `src` requires grad and grad mode is on, gradients flow to `src`.',
    example: 'noGrad(() => target.copy_(source))',
    fn: (call: Caller, t: Tensor, src: Tensor): Tensor => {
      if (!(src instanceof Tensor)) throw new Error(`copy_: the source must be a Tensor, got ${describe(src)}.`);
      broadcastShapes(src.shape, t.shape, 'copy_');
      return inplace(t, 'copy_', (s) =>
        (src.requiresGrad || t.requiresGrad) && isGradEnabled() ? overwrite(call, s, src.expand(t.shape).to(t.dtype)) : broadcastCopy(src, s));
    },
  },
};

/** `src` broadcast to `like`'s shape and dtype, materialised, no graph. */
function broadcastCopy(src: Tensor, like: Tensor): Tensor {
  const out = zerosOn(like.storage.device, like.dtype, like.shape);
  copyInto(out, src);
  return out;
}
