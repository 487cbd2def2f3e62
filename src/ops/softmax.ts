import { allocate, isFloating } from '../dtype.js';
import { getBackend } from '../kernels/index.js';
import { normalizeDim, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { apply, defineOp } from './registry.js';
import { contiguousData, wrap } from './util.js';

function softmaxKernel(x: Tensor, dim: number, log: boolean): Tensor {
  const dtype = isFloating(x.dtype) ? x.dtype : 'float32';
  const out = allocate(dtype, x.size);
  const outer = sizeOf(x.shape.slice(0, dim)), r = x.shape[dim] ?? 1, inner = sizeOf(x.shape.slice(dim + 1));
  if (x.size > 0) getBackend().softmax(contiguousData(x, dtype), out, outer, r, inner, log);
  return wrap(out, x.shape, dtype);
}

export const softmaxOp = defineOp<{ readonly dim: number }>({
  name: 'softmax',
  forward: ([x], { dim }, ctx) => {
    const y = softmaxKernel(x!, dim, false);
    if (ctx.recording) ctx.save(y);
    return y;
  },
  // J = diag(y) − y yᵀ, so Jᵀg = y ⊙ (g − Σ g⊙y).
  backward: (g, { attrs: { dim }, saved: [y] }) => [y!.mul(g.sub(g.mul(y!).sum(dim, true)))],
  // J is symmetric, so the tangent maps the same way.
  jvp: ([t], { attrs: { dim }, output: y }) => (t ? y.mul(t.sub(t.mul(y).sum(dim, true))) : null),
});

export const logSoftmaxOp = defineOp<{ readonly dim: number }>({
  name: 'logSoftmax',
  forward: ([x], { dim }, ctx) => {
    const y = softmaxKernel(x!, dim, true);
    if (ctx.recording) ctx.save(y);
    return y;
  },
  // J = I − softmax 1ᵀ, so Jᵀg = g − softmax · Σ g.
  backward: (g, { attrs: { dim }, saved: [y] }) => [g.sub(y!.exp().mul(g.sum(dim, true)))],
  jvp: ([t], { attrs: { dim }, output: y }) => (t ? t.sub(t.mul(y.exp()).sum(dim, true)) : null),
});

/** Softmax along `dim` (default last), stable for large logits. @example `softmax(logits, 1)` */
export function softmax(x: Tensor, dim = -1): Tensor {
  return apply(softmaxOp, [x], { dim: x.ndim === 0 ? 0 : normalizeDim(dim, x.ndim, 'softmax') });
}

/** Log of softmax along `dim` (default last), computed stably without forming softmax. @example `logSoftmax(logits, 1)` */
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  return apply(logSoftmaxOp, [x], { dim: x.ndim === 0 ? 0 : normalizeDim(dim, x.ndim, 'logSoftmax') });
}
