import { isFloating } from '../dtype.js';
import { normalizeDim, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { backendOf, castRaw, describe, zerosOn } from './buffers.js';
import { elementwiseFlops, type DifferentiableOp } from './define.js';

function softmaxKernel(x: Tensor, dim: number, log: boolean): Tensor {
  const dtype = isFloating(x.dtype) ? x.dtype : 'float32';
  const src = castRaw(x, dtype);
  const out = zerosOn(x.storage.device, dtype, x.shape);
  const outer = sizeOf(x.shape.slice(0, dim)), r = x.shape[dim] ?? 1, inner = sizeOf(x.shape.slice(dim + 1));
  if (x.size > 0) backendOf(x).softmax(dtype, src.buffer, src.offset, out.buffer, outer, r, inner, log);
  return out;
}

function dimOf(x: Tensor, dim: number | undefined, op: string): { readonly dim: number } {
  if (dim !== undefined && typeof dim !== 'number') throw new Error(`${op}: dim must be a number, got ${describe(dim)}.`);
  return { dim: x.ndim === 0 ? 0 : normalizeDim(dim ?? -1, x.ndim, op) };
}

const softmaxOp: DifferentiableOp<{ readonly dim: number }, readonly [x: Tensor, dim?: number]> = {
  name: 'softmax',
  doc: 'Softmax along `dim` (default: the last), stable for large logits.',
  example: 'softmax(logits, 1)',
  differentiable: true,
  call: (run, x, dim) => run([x], dimOf(x, dim, 'softmax')),
  forward: (ctx, [x], { dim }) => {
    const y = softmaxKernel(x!, dim, false);
    if (ctx.recording) ctx.save(y);
    return y;
  },
  // J = diag(y) − y yᵀ, so Jᵀg = y ⊙ (g − Σ g⊙y).
  backward: ({ attrs: { dim }, saved: [y] }, g) => [y!.mul(g.sub(g.mul(y!).sum(dim, true)))],
  // J is symmetric, so the tangent maps the same way.
  jvp: ({ attrs: { dim }, output: y }, [t]) => (t ? y.mul(t.sub(t.mul(y).sum(dim, true))) : null),
  flops: (inputs) => 4 * inputs[0]!.size,
};

const logSoftmaxOp: DifferentiableOp<{ readonly dim: number }, readonly [x: Tensor, dim?: number]> = {
  name: 'logSoftmax',
  doc: 'Log of softmax along `dim` (default: the last), computed stably without forming softmax.',
  example: 'logSoftmax(logits, 1)',
  differentiable: true,
  call: (run, x, dim) => run([x], dimOf(x, dim, 'logSoftmax')),
  forward: (ctx, [x], { dim }) => {
    const y = softmaxKernel(x!, dim, true);
    if (ctx.recording) ctx.save(y);
    return y;
  },
  // J = I − softmax 1ᵀ, so Jᵀg = g − softmax · Σ g.
  backward: ({ attrs: { dim }, saved: [y] }, g) => [g.sub(y!.exp().mul(g.sum(dim, true)))],
  jvp: ({ attrs: { dim }, output: y }, [t]) => (t ? t.sub(t.mul(y.exp()).sum(dim, true)) : null),
  flops: elementwiseFlops,
};

/** softmax and logSoftmax. */
export const SOFTMAX_OPS = { softmax: softmaxOp, logSoftmax: logSoftmaxOp };
