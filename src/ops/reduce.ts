import { allocate, isFloating, type DType } from '../dtype.js';
import type { ReduceKernel } from '../kernels/backend.js';
import { getBackend } from '../kernels/index.js';
import { fmtShape, normalizeDims, type Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { apply, defineOp, type BackwardRule, type OpDef } from './registry.js';
import { contiguousData, wrap } from './util.js';
import { where } from './where.js';

/** Which dims to reduce and whether to keep them as size 1, as every reduction takes. */
export interface ReduceAttrs {
  readonly dims: readonly number[];
  readonly keepdim: boolean;
}

/** The shape of a reduction's output with the reduced dims kept as 1. @example `keptShape([2, 3], [1]) // [2, 1]` */
export function keptShape(shape: Shape, dims: readonly number[]): number[] {
  return shape.map((d, i) => (dims.includes(i) ? 1 : d));
}

function outShape(shape: Shape, { dims, keepdim }: ReduceAttrs): number[] {
  return keepdim ? keptShape(shape, dims) : shape.filter((_, i) => !dims.includes(i));
}

/**
 * Reduce `x` over `dims` with a kernel (no graph). Adjacent dims reduce in place as `[outer, r, inner]`;
 * scattered ones are first moved to the end.
 *
 * @example
 * ```ts
 * reduceKernel('sum', x, { dims: [1], keepdim: false }, 'float32');
 * ```
 */
export function reduceKernel(kernel: ReduceKernel, x: Tensor, attrs: ReduceAttrs, outType: DType, inType: DType = x.dtype): Tensor {
  const { dims } = attrs;
  const shape = outShape(x.shape, attrs);
  const nd = x.ndim;
  let r = 1;
  for (const d of dims) r *= x.shape[d]!;
  const adjacent = dims.length === 0 || dims[dims.length - 1]! - dims[0]! === dims.length - 1;
  let data = contiguousData(x, inType);
  let outer = 1, inner = 1;
  if (adjacent) {
    for (let i = 0; i < (dims[0] ?? nd); i++) outer *= x.shape[i]!;
    for (let i = (dims[dims.length - 1] ?? nd - 1) + 1; i < nd; i++) inner *= x.shape[i]!;
  } else {
    const kept = [...Array(nd).keys()].filter((i) => !dims.includes(i));
    const perm = [...kept, ...dims];
    const permuted = x.permute(perm);
    data = contiguousData(permuted, inType);
    for (const i of kept) outer *= x.shape[i]!;
  }
  const result = allocate(outType, outer * inner);
  if (outer * inner > 0) getBackend().reduce(kernel, data, result, outer, r, inner);
  return wrap(result, shape, outType);
}

/** Bring a reduced gradient back to the input's rank (size 1 at the reduced dims). */
function unsqueezeReduced(g: Tensor, inputShape: Shape, { dims, keepdim }: ReduceAttrs): Tensor {
  return keepdim ? g : g.reshape(keptShape(inputShape, dims));
}

export const sumOp: OpDef<ReduceAttrs> = defineOp<ReduceAttrs>({
  name: 'sum',
  forward: ([x], attrs) => reduceKernel('sum', x!, attrs, isFloating(x!.dtype) ? x!.dtype : 'int32', isFloating(x!.dtype) ? x!.dtype : 'int32'),
  backward: (g, { attrs, inputShapes: [s] }) => [unsqueezeReduced(g, s!, attrs).expand(s!)],
  jvp: ([t], { attrs }) => (t ? apply(sumOp, [t], attrs) : null),
});

export const meanOp: OpDef<ReduceAttrs> = defineOp<ReduceAttrs>({
  name: 'mean',
  forward: ([x], attrs) => {
    const y = reduceKernel('sum', x!, attrs, x!.dtype);
    const count = x!.size / Math.max(1, y.size);
    const d = y.storage.data;
    // Divide in place: y is fresh and nobody else holds it yet. 0/0 gives NaN for an empty mean, as in PyTorch.
    for (let i = 0; i < d.length; i++) d[i] = d[i]! / (x!.size === 0 ? 0 : count);
    return y;
  },
  backward: (g, { attrs, inputShapes: [s] }) => {
    const n = attrs.dims.reduce((p, d) => p * s![d]!, 1);
    return [unsqueezeReduced(g, s!, attrs).div(n).expand(s!)];
  },
  jvp: ([t], { attrs }) => (t ? apply(meanOp, [t], attrs) : null),
});

/** Attributes of max/min: `all` marks a reduction over every element with no dim given (torch.max(x)). */
export interface ExtremumAttrs extends ReduceAttrs {
  readonly all: boolean;
}

// The gradient of max/min is shared evenly among the elements equal to the result. Over given dims this is
// torch.amax's rule, (g / count) · mask, so a slice whose result is NaN (no element equals it) gets NaN; over
// all elements it is torch.max(x)'s, which shares the gradient among the NaN elements instead.
const extremumBackward: BackwardRule<ExtremumAttrs> = (g, { attrs, saved: [x, y], inputShapes: [s] }) => {
  const yk = unsqueezeReduced(y!, s!, attrs);
  const gk = unsqueezeReduced(g, s!, attrs);
  if (attrs.all) {
    const mask = where(yk.ne(yk), x!.ne(x!), x!.eq(yk));
    return [where(mask, gk.div(mask.sum(attrs.dims, true)), 0)];
  }
  const mask = x!.eq(yk);
  return [gk.div(mask.sum(attrs.dims, true)).mul(mask)];
};

function extremumOp(name: 'max' | 'min'): OpDef<ExtremumAttrs> {
  return defineOp<ExtremumAttrs>({
    name,
    forward: ([x], attrs, ctx) => {
      // bool stays bool, as in PyTorch.
      const y = reduceKernel(name, x!, attrs, x!.dtype);
      if (ctx.recording) ctx.save(x!, y);
      return y;
    },
    backward: extremumBackward,
    // The tangent of the selected elements, averaged over ties like the gradient.
    jvp: ([t], { attrs, inputs: [x], output }) => {
      if (!t) return null;
      const mask = x!.eq(unsqueezeReduced(output, x!.shape, attrs));
      return apply(sumOp, [where(mask, t, 0)], attrs).div(apply(sumOp, [mask], attrs));
    },
  });
}

export const maxOp = extremumOp('max');
export const minOp = extremumOp('min');

export const logsumexpOp = defineOp<ReduceAttrs>({
  name: 'logsumexp',
  forward: ([x], attrs, ctx) => {
    const dtype = isFloating(x!.dtype) ? x!.dtype : 'float32';
    const y = reduceKernel('logsumexp', x!, attrs, dtype, dtype);
    if (ctx.recording) ctx.save(x!, y);
    return y;
  },
  backward: (g, { attrs, saved: [x, y], inputShapes: [s] }) => [
    unsqueezeReduced(g, s!, attrs).mul(x!.sub(unsqueezeReduced(y!, s!, attrs)).exp()),
  ],
  jvp: ([t], { attrs, inputs: [x], output }) =>
    t ? apply(sumOp, [t.mul(x!.sub(unsqueezeReduced(output, x!.shape, attrs)).exp())], attrs) : null,
});

function argOp(name: 'argmax' | 'argmin'): OpDef<ReduceAttrs> {
  return defineOp<ReduceAttrs>({ name, forward: ([x], attrs) => reduceKernel(name, x!, attrs, 'int32') });
}
export const argmaxOp = argOp('argmax');
export const argminOp = argOp('argmin');

/** The `dim` argument of reductions: one dim, a list, or undefined for all. */
export type Dim = number | readonly number[];

function attrsFor(x: Tensor, dim: Dim | undefined, keepdim: boolean, op: string): ReduceAttrs {
  // An empty list reduces over every dim, as in PyTorch.
  const dims = Array.isArray(dim) && dim.length === 0 ? undefined : dim;
  return { dims: normalizeDims(dims, x.ndim, op), keepdim };
}

function checkNonEmpty(x: Tensor, attrs: ReduceAttrs, op: string): void {
  if (x.size === 0 && (attrs.dims.length === x.ndim || attrs.dims.some((d) => x.shape[d] === 0))) {
    throw new Error(
      `${op}: cannot reduce over an empty dimension (input shape ${fmtShape(x.shape)}, dims [${attrs.dims.join(', ')}]): ` +
        `there is no identity for ${op}. Check the input is not empty, or reduce over a non-empty dim.`,
    );
  }
}

/** Sum over `dim` (all dims when omitted). @example `sum(x, 1, true)` */
export function sum(x: Tensor, dim?: Dim, keepdim = false): Tensor {
  return apply(sumOp, [x], attrsFor(x, dim, keepdim, 'sum'));
}

/** Mean over `dim` (all dims when omitted); floating tensors only. @example `mean(x, -1)` */
export function mean(x: Tensor, dim?: Dim, keepdim = false): Tensor {
  if (!isFloating(x.dtype)) {
    throw new Error(`mean: input dtype must be floating point, got ${x.dtype} (shape ${fmtShape(x.shape)}). Convert first: x.to('float32').mean().`);
  }
  return apply(meanOp, [x], attrsFor(x, dim, keepdim, 'mean'));
}

/** Largest value over `dim` (all when omitted); NaN propagates. @example `max(x, 1)` */
export function max(x: Tensor, dim?: Dim, keepdim = false): Tensor {
  const attrs = { ...attrsFor(x, dim, keepdim, 'max'), all: dim === undefined && !keepdim };
  checkNonEmpty(x, attrs, 'max');
  return apply(maxOp, [x], attrs);
}

/** Smallest value over `dim` (all when omitted); NaN propagates. @example `min(x, 0)` */
export function min(x: Tensor, dim?: Dim, keepdim = false): Tensor {
  const attrs = { ...attrsFor(x, dim, keepdim, 'min'), all: dim === undefined && !keepdim };
  checkNonEmpty(x, attrs, 'min');
  return apply(minOp, [x], attrs);
}

/** `log(Σ exp(x))` over `dim`, computed stably. @example `logsumexp(logits, 1)` */
export function logsumexp(x: Tensor, dim?: Dim, keepdim = false): Tensor {
  return apply(logsumexpOp, [x], attrsFor(x, dim, keepdim, 'logsumexp'));
}

function argReduce(op: OpDef<ReduceAttrs>, x: Tensor, dim: number | undefined, keepdim: boolean): Tensor {
  if (dim === undefined) {
    // Over all elements PyTorch returns the index into the flattened tensor.
    const flat = x.reshape([-1]);
    const attrs = attrsFor(flat, 0, false, op.name);
    checkNonEmpty(flat, attrs, op.name);
    const r = apply(op, [flat], attrs);
    return keepdim ? r.reshape(x.shape.map(() => 1)) : r;
  }
  const attrs = attrsFor(x, dim, keepdim, op.name);
  checkNonEmpty(x, attrs, op.name);
  return apply(op, [x], attrs);
}

/** Index of the largest value along `dim` (of the flattened tensor when omitted), as int32. @example `argmax(logits, 1)` */
export function argmax(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argReduce(argmaxOp, x, dim, keepdim);
}

/** Index of the smallest value along `dim` (of the flattened tensor when omitted), as int32. @example `argmin(x)` */
export function argmin(x: Tensor, dim?: number, keepdim = false): Tensor {
  return argReduce(argminOp, x, dim, keepdim);
}
