import { isFloating, type DType } from '../dtype.js';
import type { ReduceKernel } from '../kernels/catalog.js';
import { fmtShape, normalizeDims, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { backendOf, broadcastView, castRaw, describe, scalarFor, zerosOn } from './buffers.js';
import { elementwiseFlops, type Backward, type DifferentiableOp, type NonDifferentiableOp } from './define.js';
import { WHERE_OPS } from './where.js';

/** Which dims to reduce and whether to keep them as size 1, as every reduction takes. */
export interface ReduceAttrs {
  readonly dims: readonly number[];
  readonly keepdim: boolean;
}

/** The `dim` argument of reductions: one dim, a list, or undefined for all. */
export type Dim = number | readonly number[];

/** The shape of a reduction's output with the reduced dims kept as 1. @example `keptShape([2, 3], [1]) // [2, 1]` */
export function keptShape(shape: Shape, dims: readonly number[]): number[] {
  return shape.map((d, i) => (dims.includes(i) ? 1 : d));
}

function outShape(shape: Shape, { dims, keepdim }: ReduceAttrs): number[] {
  return keepdim ? keptShape(shape, dims) : shape.filter((_, i) => !dims.includes(i));
}

/**
 * Reduce `x` over `dims` with a kernel (no graph). Adjacent dims reduce in place as `[outer, r, inner]`;
 * scattered ones are first moved to the end (a strided copy by the backend).
 *
 * @example
 * ```ts
 * reduceKernel('sum', x, { dims: [1], keepdim: false }, 'float32');
 * ```
 */
export function reduceKernel(kernel: ReduceKernel, x: Tensor, attrs: ReduceAttrs, outType: DType, inType: DType = x.dtype): Tensor {
  const { dims } = attrs;
  const nd = x.ndim;
  let r = 1;
  for (const d of dims) r *= x.shape[d]!;
  const adjacent = dims.length === 0 || dims[dims.length - 1]! - dims[0]! === dims.length - 1;
  let src: Tensor;
  let outer = 1, inner = 1;
  if (adjacent) {
    src = castRaw(x, inType);
    for (let i = 0; i < (dims[0] ?? nd); i++) outer *= x.shape[i]!;
    for (let i = (dims[dims.length - 1] ?? nd - 1) + 1; i < nd; i++) inner *= x.shape[i]!;
  } else {
    const kept = [...Array(nd).keys()].filter((i) => !dims.includes(i));
    const perm = [...kept, ...dims];
    const permuted = new Tensor(x.storage, perm.map((d) => x.shape[d]!), x.dtype, perm.map((d) => x.strides[d]!), x.offset);
    src = castRaw(permuted, inType);
    for (const i of kept) outer *= x.shape[i]!;
  }
  const out = zerosOn(x.storage.device, outType, outShape(x.shape, attrs));
  if (outer * inner > 0) backendOf(x).reduce(kernel, inType, src.buffer, src.offset, out.buffer, outer, r, inner);
  return out;
}

/** Bring a reduced gradient back to the input's rank (size 1 at the reduced dims). */
function unsqueezeReduced(g: Tensor, inputShape: Shape, { dims, keepdim }: ReduceAttrs): Tensor {
  return keepdim ? g : g.reshape(keptShape(inputShape, dims));
}

function reduceAttrs(x: Tensor, dim: Dim | undefined, keepdim: boolean | undefined, op: string): ReduceAttrs {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${describe(x)}.`);
  if (dim !== undefined && typeof dim !== 'number' && !Array.isArray(dim)) {
    throw new Error(`${op}: dim must be a number or a list of numbers, got ${describe(dim)}.`);
  }
  if (keepdim !== undefined && typeof keepdim !== 'boolean') throw new Error(`${op}: keepdim must be true or false, got ${describe(keepdim)}.`);
  // An empty list reduces over every dim, as in PyTorch.
  const dims = Array.isArray(dim) && dim.length === 0 ? undefined : dim;
  return { dims: normalizeDims(dims, x.ndim, op), keepdim: keepdim ?? false };
}

function checkNonEmpty(x: Tensor, attrs: ReduceAttrs, op: string): void {
  if (x.size === 0 && (attrs.dims.length === x.ndim || attrs.dims.some((d) => x.shape[d] === 0))) {
    throw new Error(
      `${op}: cannot reduce over an empty dimension (input shape ${fmtShape(x.shape)}, dims [${attrs.dims.join(', ')}]): ` +
        `there is no identity for ${op}. Check the input is not empty, or reduce over a non-empty dim.`,
    );
  }
}

type ReduceArgs = readonly [x: Tensor, dim?: Dim, keepdim?: boolean];

const sumOp: DifferentiableOp<ReduceAttrs, ReduceArgs> = {
  name: 'sum',
  doc: 'Sum over `dim` (all dims when omitted); integers and bools sum as int32.',
  example: 'sum(x, 1, true)',
  differentiable: true,
  call: (run, x, dim, keepdim) => run([x], reduceAttrs(x, dim, keepdim, 'sum')),
  forward: (_, [x], attrs) => {
    const t: DType = isFloating(x!.dtype) ? x!.dtype : 'int32';
    return reduceKernel('sum', x!, attrs, t, t);
  },
  backward: ({ attrs, inputShapes: [s] }, g) => [unsqueezeReduced(g, s!, attrs).expand(s!)],
  jvp: ({ attrs, call }, [t]) => (t ? call(sumOp, t, attrs.dims, attrs.keepdim) : null),
  flops: (inputs) => inputs[0]!.size,
};

const meanOp: DifferentiableOp<ReduceAttrs, ReduceArgs> = {
  name: 'mean',
  doc: 'Mean over `dim` (all dims when omitted); floating tensors only. The mean of nothing is NaN.',
  example: 'mean(x, -1)',
  differentiable: true,
  call: (run, x, dim, keepdim) => {
    const attrs = reduceAttrs(x, dim, keepdim, 'mean');
    if (!isFloating(x.dtype)) {
      throw new Error(`mean: input dtype must be floating point, got ${x.dtype} (shape ${fmtShape(x.shape)}). Convert first: x.to('float32').mean().`);
    }
    return run([x], attrs);
  },
  forward: (_, [x], attrs) => {
    const y = reduceKernel('sum', x!, attrs, x!.dtype);
    // Divide in place, as PyTorch's mean is sum(...).div_(count): y is fresh and nobody else holds it yet.
    // 0/0 gives NaN for an empty mean, as in PyTorch.
    const count = x!.size === 0 ? 0 : x!.size / Math.max(1, y.size);
    if (y.size > 0) backendOf(y).binary('div', y.dtype, y, broadcastView(scalarFor(count, y), y.shape), y.buffer, y.shape);
    return y;
  },
  backward: ({ attrs, inputShapes: [s] }, g) => {
    const n = attrs.dims.reduce((p, d) => p * s![d]!, 1);
    return [unsqueezeReduced(g, s!, attrs).div(n).expand(s!)];
  },
  jvp: ({ attrs, call }, [t]) => (t ? call(meanOp, t, attrs.dims, attrs.keepdim) : null),
  flops: (inputs) => inputs[0]!.size,
};

/** Attributes of max/min: `all` marks a reduction over every element with no dim given (torch.max(x)). */
export interface ExtremumAttrs extends ReduceAttrs {
  readonly all: boolean;
}

function extremumOp(name: 'max' | 'min'): DifferentiableOp<ExtremumAttrs, ReduceArgs> {
  // The gradient of max/min is shared evenly among the elements equal to the result. Over given dims this is
  // torch.amax's rule, (g / count) · mask, so a slice whose result is NaN (no element equals it) gets NaN; over
  // all elements it is torch.max(x)'s, which shares the gradient among the NaN elements instead.
  const backward: Backward<ExtremumAttrs> = ({ attrs, saved: [x, y], inputShapes: [s], call }, g) => {
    const yk = unsqueezeReduced(y!, s!, attrs);
    const gk = unsqueezeReduced(g, s!, attrs);
    if (attrs.all) {
      const mask = call(WHERE_OPS.where, yk.ne(yk), x!.ne(x!), x!.eq(yk));
      return [call(WHERE_OPS.where, mask, gk.div(mask.sum(attrs.dims, true)), 0)];
    }
    const mask = x!.eq(yk);
    return [gk.div(mask.sum(attrs.dims, true)).mul(mask)];
  };
  const op: DifferentiableOp<ExtremumAttrs, ReduceArgs> = {
    name,
    doc: `The ${name === 'max' ? 'largest' : 'smallest'} value over \`dim\` (all dims when omitted); NaN propagates.`,
    example: `${name}(x, 1)`,
    differentiable: true,
    call: (run, x, dim, keepdim) => {
      const attrs = { ...reduceAttrs(x, dim, keepdim, name), all: dim === undefined && !keepdim };
      checkNonEmpty(x, attrs, name);
      return run([x], attrs);
    },
    forward: (ctx, [x], attrs) => {
      // bool stays bool, as in PyTorch.
      const y = reduceKernel(name, x!, attrs, x!.dtype);
      if (ctx.recording) ctx.save(x!, y);
      return y;
    },
    backward,
    // The tangent of the selected elements, averaged over ties like the gradient.
    jvp: ({ attrs, inputs: [x], output, call }, [t]) => {
      if (!t) return null;
      const mask = x!.eq(unsqueezeReduced(output, x!.shape, attrs));
      return call(sumOp, call(WHERE_OPS.where, mask, t, 0), attrs.dims, attrs.keepdim).div(call(sumOp, mask, attrs.dims, attrs.keepdim));
    },
    flops: (inputs) => inputs[0]!.size,
  };
  return op;
}

const logsumexpOp: DifferentiableOp<ReduceAttrs, ReduceArgs> = {
  name: 'logsumexp',
  doc: '`log(Σ exp(x))` over `dim` (all dims when omitted), computed stably.',
  example: 'logsumexp(logits, 1)',
  differentiable: true,
  call: (run, x, dim, keepdim) => run([x], reduceAttrs(x, dim, keepdim, 'logsumexp')),
  forward: (ctx, [x], attrs) => {
    const dtype = isFloating(x!.dtype) ? x!.dtype : 'float32';
    const y = reduceKernel('logsumexp', x!, attrs, dtype, dtype);
    if (ctx.recording) ctx.save(x!, y);
    return y;
  },
  backward: ({ attrs, saved: [x, y], inputShapes: [s] }, g) => [
    unsqueezeReduced(g, s!, attrs).mul(x!.sub(unsqueezeReduced(y!, s!, attrs)).exp()),
  ],
  jvp: ({ attrs, inputs: [x], output, call }, [t]) =>
    t ? call(sumOp, t.mul(x!.sub(unsqueezeReduced(output, x!.shape, attrs)).exp()), attrs.dims, attrs.keepdim) : null,
  flops: elementwiseFlops,
};

type ArgArgs = readonly [x: Tensor, dim?: number, keepdim?: boolean];

function argOp(name: 'argmax' | 'argmin'): NonDifferentiableOp<ReduceAttrs, ArgArgs> {
  return {
    name,
    doc: `The index of the ${name === 'argmax' ? 'largest' : 'smallest'} value along \`dim\` (of the flattened tensor when omitted), as int32; the first one on ties, the first NaN if any.`,
    example: `${name}(logits, 1)`,
    differentiable: false,
    call: (run, x, dim, keepdim) => {
      if (dim === undefined) {
        // Over all elements PyTorch returns the index into the flattened tensor.
        const flat = x.reshape([-1]);
        const attrs = reduceAttrs(flat, 0, false, name);
        checkNonEmpty(flat, attrs, name);
        const r = run([flat], attrs);
        return keepdim ? r.reshape(x.shape.map(() => 1)) : r;
      }
      const attrs = reduceAttrs(x, dim, keepdim, name);
      checkNonEmpty(x, attrs, name);
      return run([x], attrs);
    },
    forward: (_, [x], attrs) => reduceKernel(name, x!, attrs, 'int32'),
    flops: (inputs) => inputs[0]!.size,
  };
}

/** The reductions. */
export const REDUCE_OPS = {
  sum: sumOp,
  mean: meanOp,
  max: extremumOp('max'),
  min: extremumOp('min'),
  logsumexp: logsumexpOp,
  argmax: argOp('argmax'),
  argmin: argOp('argmin'),
};
