import { isGradEnabled } from '../autograd/grad-mode.js';
import { allocate, canCast } from '../dtype.js';
import { getBackend } from '../kernels/index.js';
import { broadcastShapes, fmtShape, sameShape } from '../shape.js';
import { Storage } from '../storage.js';
import { Tensor } from '../tensor.js';
import { full } from '../creation.js';
import { broadcastView, contiguousData, scalarFor, type TensorLike } from './util.js';
import { where } from './where.js';

/**
 * Write `values` (row-major, `t`'s shape) into `t`'s storage through its strides, then bump the version so
 * that backward rules which saved the old contents notice.
 */
function writeInto(t: Tensor, values: Tensor): void {
  const src = values.dtype === t.dtype ? contiguousData(values) : contiguousData(values, t.dtype);
  const dst = t.storage.data;
  if (t.isContiguous()) {
    (dst as Float64Array).set(src as Float64Array, t.offset);
  } else {
    const nd = t.ndim;
    const idx = new Array<number>(nd).fill(0);
    let off = t.offset;
    for (let i = 0; i < src.length; i++) {
      dst[off] = src[i]!;
      for (let d = nd - 1; d >= 0; d--) {
        idx[d]!++;
        off += t.strides[d]!;
        if (idx[d]! < t.shape[d]!) break;
        off -= t.strides[d]! * t.shape[d]!;
        idx[d] = 0;
      }
    }
  }
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
 * Refuse an in-place write through a view when a gradient is involved: the view takes the new history but its
 * base (and the base's other views) would keep the old one, so their gradients would silently be wrong.
 * PyTorch rebases the base's history (CopySlices); this library does not, so it asks for a clone instead.
 */
function checkView(t: Tensor, op: string, resultRequiresGrad: boolean): void {
  const base = t._base;
  if (base === null || !isGradEnabled() || !(base.requiresGrad || resultRequiresGrad)) return;
  const what = base.isLeaf && base.requiresGrad ? 'a leaf tensor that requires grad' : 'a tensor in the autograd graph';
  throw new Error(
    `${op}: the tensor of shape ${fmtShape(t.shape)} is a view of ${what} (shape ${fmtShape(base.shape)}), and an ` +
      `in-place operation on a view is not propagated to its base's gradient history. Use the out-of-place ` +
      `${op.slice(0, -1)}() instead, clone() the view before modifying it, or update it inside noGrad(() => ...) if no ` +
      `gradient should flow through the update.`,
  );
}

/**
 * Apply an in-place update `t ← compute(t)`: the result is computed out of place with the recorded op (so
 * autograd sees it, PyTorch's "rebase history"), then written into `t`'s own storage, and `t` takes over the
 * result's gradFn. The old contents are gone, so a backward rule that saved them fails its version check.
 *
 * @example
 * ```ts
 * inplace(w, 'sub_', (w) => w.sub(g.mul(lr)));
 * ```
 */
export function inplace(t: Tensor, op: string, compute: (self: Tensor) => Tensor): Tensor {
  checkLeaf(t, op);
  // The pre-update tensor, carrying its history, for the out-of-place op to record against. Under grad mode it
  // is a snapshot of the old contents, as PyTorch saves the original self of an in-place op: an alias would be
  // overwritten below, and the op's own backward would then fail its version check. Otherwise an alias.
  const before = isGradEnabled()
    ? new Tensor(new Storage(contiguousData(t).slice()), t.shape, t.dtype)
    : new Tensor(t.storage, t.shape, t.dtype, t.strides, t.offset);
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
  checkView(t, op, result.requiresGrad);
  writeInto(t, result);
  if (result.gradFn !== null) {
    t.gradFn = result.gradFn;
  }
  return t;
}

/**
 * The common case of an in-place arithmetic update with nothing to record (under noGrad, or when no operand
 * requires grad), as in an optimizer step: the kernel writes straight into `t`'s storage, where the general
 * path computes a new tensor and copies it in. Only for a contiguous float `t`, an operand of its dtype (or a
 * number) that broadcasts to its shape and does not share its storage; false when it does not apply.
 */
function arithInPlace(t: Tensor, kernel: 'add' | 'sub' | 'mul' | 'div', other: TensorLike, op: string): boolean {
  const B = typeof other === 'number' ? scalarFor(other, t) : other;
  if (
    !(B instanceof Tensor) || (isGradEnabled() && (t.requiresGrad || B.requiresGrad)) || B.dtype !== t.dtype ||
    (t.dtype !== 'float32' && t.dtype !== 'float64') || !t.isContiguous() || B.storage === t.storage ||
    B.ndim > t.ndim || !sameShape(broadcastShapes(B.shape, t.shape, op), t.shape)
  ) {
    return false;
  }
  checkView(t, op, false);
  const out = (t.storage.data as Float32Array).subarray(t.offset, t.offset + t.size);
  getBackend().binary(kernel, broadcastView(t, t.shape), broadcastView(B, t.shape), out, t.shape);
  t.storage.version++;
  return true;
}

/** `t ← t + other` in place. @example `noGrad(() => w.add_(delta))` */
export const add_ = (t: Tensor, other: TensorLike): Tensor => (arithInPlace(t, 'add', other, 'add_') ? t : inplace(t, 'add_', (s) => s.add(other)));
/** `t ← t - other` in place. @example `noGrad(() => w.sub_(w.grad!.mul(lr)))` */
export const sub_ = (t: Tensor, other: TensorLike): Tensor => (arithInPlace(t, 'sub', other, 'sub_') ? t : inplace(t, 'sub_', (s) => s.sub(other)));
/** `t ← t · other` in place. @example `noGrad(() => m.mul_(0.9))` */
export const mul_ = (t: Tensor, other: TensorLike): Tensor => (arithInPlace(t, 'mul', other, 'mul_') ? t : inplace(t, 'mul_', (s) => s.mul(other)));
/** `t ← t / other` in place. @example `noGrad(() => v.div_(2))` */
export const div_ = (t: Tensor, other: TensorLike): Tensor => (arithInPlace(t, 'div', other, 'div_') ? t : inplace(t, 'div_', (s) => s.div(other)));
/** Clamp in place. @example `noGrad(() => w.clamp_({ min: -1, max: 1 }))` */
export const clamp_ = (t: Tensor, bounds: { min?: number; max?: number }): Tensor => inplace(t, 'clamp_', (s) => s.clamp(bounds));

/**
 * `value` where the old contents were, as a recorded op: like PyTorch's fill_ and copy_ on a tensor in the graph,
 * the result still requires grad and passes a zero gradient to the old contents.
 */
function overwrite(old: Tensor, value: Tensor | number): Tensor {
  return where(full(old.shape, 0, { dtype: 'bool' }), old, value);
}

/**
 * Fill with `value` in place. The result does not depend on the old contents: a tensor in the graph keeps
 * requiring grad, with a zero gradient to what it held, as in PyTorch.
 *
 * @example
 * ```ts
 * noGrad(() => grad.fill_(0));
 * ```
 */
export function fill_(t: Tensor, value: number): Tensor {
  if (t.requiresGrad && isGradEnabled()) return inplace(t, 'fill_', (s) => overwrite(s, value));
  checkLeaf(t, 'fill_');
  checkView(t, 'fill_', false);
  const v = allocate(t.dtype, 1);
  v[0] = value;
  const filled = new Tensor(t.storage, t.shape, t.dtype, t.strides, t.offset);
  writeInto(t, broadcastTo(Tensor.fromArray(v, [], t.dtype), filled));
  t.gradFn = null;
  return t;
}

/** Fill with zeros in place. @example `noGrad(() => w.grad?.zero_())` */
export const zero_ = (t: Tensor): Tensor => fill_(t, 0);

/**
 * Copy `src`'s elements (broadcast to `t`'s shape, converted to `t`'s dtype) into `t` in place. When `src`
 * requires grad and grad mode is on, gradients flow to `src`.
 *
 * @example
 * ```ts
 * noGrad(() => target.copy_(source));
 * ```
 */
export function copy_(t: Tensor, src: Tensor): Tensor {
  broadcastShapes(src.shape, t.shape, 'copy_');
  return inplace(t, 'copy_', (s) =>
    (src.requiresGrad || t.requiresGrad) && isGradEnabled() ? overwrite(s, src.expand(t.shape).to(t.dtype)) : broadcastTo(src, s));
}

/** `src` broadcast to `like`'s shape and dtype, materialised, no graph. */
function broadcastTo(src: Tensor, like: Tensor): Tensor {
  const out = allocate(like.dtype, like.size);
  getBackend().copy(broadcastView(src, like.shape), out, like.shape);
  return Tensor.fromArray(out, like.shape, like.dtype);
}
