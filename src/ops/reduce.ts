import { isFloating, type DType } from '../dtype.js';
import type { ReduceKernel } from '../kernels/catalog.js';
import { checkOptions } from '../options.js';
import { fmtShape, normalizeDims, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { backendOf, broadcastView, castRaw, describe, scalarFor, zerosOn } from './buffers.js';
import { elementwiseFlops, type Caller, type DifferentiableOp, type NonDifferentiableOp } from './define.js';
import { INDEXING_OPS } from './indexing.js';
import {
  checkSelectable, gatherAlong, gatherTangent, isTensor, lineOf, outputsOf, reversedIndex, scatterBack, valuesIndices, without, withOutputs,
  type ValuesIndices,
} from './selection.js';
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

/** A reduction's input as the kernels read it: contiguous `[outer, r, inner]`, the reduced dims in the middle. */
export interface ReduceLayout {
  readonly src: Tensor;
  readonly outer: number;
  readonly r: number;
  readonly inner: number;
}

/**
 * `x` laid out for a kernel that reduces `dims` (no graph): adjacent dims reduce in place as `[outer, r, inner]`;
 * scattered ones are first moved to the end (a strided copy by the backend). Converted to `inType`.
 *
 * @example
 * ```ts
 * const { src, outer, r, inner } = reduceLayout(x, [1], 'float32');
 * ```
 */
export function reduceLayout(x: Tensor, dims: readonly number[], inType: DType = x.dtype): ReduceLayout {
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
  return { src, outer, r, inner };
}

/**
 * The shape of a reduction's output.
 *
 * @example
 * ```ts
 * reducedShape([2, 3], { dims: [1], keepdim: false }); // [2]
 * ```
 */
export function reducedShape(shape: Shape, attrs: ReduceAttrs): number[] {
  return outShape(shape, attrs);
}

/** Elements from which a sum over scattered dims is done run by run rather than through a transposed copy. */
const SPLIT_SUM_MIN = 4096;

/**
 * Reduce `x` over `dims` with a kernel (no graph), through `reduceLayout`.
 *
 * @example
 * ```ts
 * reduceKernel('sum', x, { dims: [1], keepdim: false }, 'float32');
 * ```
 */
export function reduceKernel(kernel: ReduceKernel, x: Tensor, attrs: ReduceAttrs, outType: DType, inType: DType = x.dtype): Tensor {
  const dims = attrs.dims;
  if (kernel === 'sum' && x.size >= SPLIT_SUM_MIN && dims.length > 1 && dims[dims.length - 1]! - dims[0]! !== dims.length - 1) {
    // Scattered dims (a bias gradient sums [N, C, H, W] over 0, 2 and 3): the innermost run of adjacent ones
    // first, in place, which leaves a tensor smaller by its size to sum over the rest, instead of moving every
    // element into a transposed copy.
    let first = dims.length - 1;
    while (first > 0 && dims[first - 1] === dims[first]! - 1) first--;
    const part = reduceKernel('sum', x, { dims: dims.slice(first), keepdim: true }, outType, inType);
    const rest = reduceKernel('sum', part, { dims: dims.slice(0, first), keepdim: true }, outType, outType);
    return new Tensor(rest.storage, outShape(x.shape, attrs), outType);
  }
  const { src, outer, r, inner } = reduceLayout(x, dims, inType);
  const out = zerosOn(x.storage.device, outType, outShape(x.shape, attrs));
  if (outer * inner > 0) backendOf(x).reduce(kernel, inType, src.buffer, src.offset, out.buffer, outer, r, inner);
  return out;
}

/**
 * Bring a reduced gradient (or output) back to the input's rank (size 1 at the reduced dims).
 *
 * @example
 * ```ts
 * unsqueezeReduced(g, [2, 3], { dims: [1], keepdim: false }); // g [2] as [2, 1]
 * ```
 */
export function unsqueezeReduced(g: Tensor, inputShape: Shape, { dims, keepdim }: ReduceAttrs): Tensor {
  return keepdim ? g : g.reshape(keptShape(inputShape, dims));
}

/**
 * Check a reduction's `dim` and `keepdim` arguments and normalise them (every dim when `dim` is undefined or []).
 *
 * @example
 * ```ts
 * reduceAttrs(x, [0, -1], true, 'amax'); // { dims: [0, 2], keepdim: true } for a 3-d x
 * ```
 */
export function reduceAttrs(x: Tensor, dim: Dim | null | undefined, keepdim: boolean | undefined, op: string): ReduceAttrs {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${describe(x)}.`);
  if (dim !== undefined && dim !== null && typeof dim !== 'number' && !Array.isArray(dim)) {
    throw new Error(`${op}: dim must be a number or a list of numbers, got ${describe(dim)}.`);
  }
  if (keepdim !== undefined && typeof keepdim !== 'boolean') throw new Error(`${op}: keepdim must be true or false, got ${describe(keepdim)}.`);
  // An empty list reduces over every dim, as in PyTorch.
  const dims = dim === null || (Array.isArray(dim) && dim.length === 0) ? undefined : dim;
  return { dims: normalizeDims(dims, x.ndim, op), keepdim: keepdim ?? false };
}

/**
 * Refuse a reduction with no identity (max, min, argmax, …) over an empty dim, naming the op and the shape.
 *
 * @example
 * ```ts
 * checkNonEmpty(x, attrs, 'amax');
 * ```
 */
export function checkNonEmpty(x: Tensor, attrs: ReduceAttrs, op: string): void {
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

// ---- amax / amin, and max / min over everything or along one dim ----

function amaxOp(name: 'amax' | 'amin'): DifferentiableOp<ReduceAttrs, ReduceArgs> {
  const kernel = name === 'amax' ? 'max' : 'min';
  const op: DifferentiableOp<ReduceAttrs, ReduceArgs> = {
    name,
    doc: `The ${name === 'amax' ? 'largest' : 'smallest'} value over \`dim\` (one dim or several; all dims when omitted); NaN propagates. ` +
      'The gradient is shared evenly among the elements equal to the result, as in PyTorch.',
    example: `${name}(x, [0, 1])`,
    differentiable: true,
    call: (run, x, dim, keepdim) => {
      const attrs = reduceAttrs(x, dim, keepdim, name);
      checkNonEmpty(x, attrs, name);
      return run([x], attrs);
    },
    forward: (ctx, [x], attrs) => {
      // bool stays bool, as in PyTorch.
      const y = reduceKernel(kernel, x!, attrs, x!.dtype);
      if (ctx.recording) ctx.save(x!, y);
      return y;
    },
    // (g / count) · mask, so a slice whose result is NaN (no element equals it) gets NaN gradients, as torch.amax.
    backward: ({ attrs, saved: [x, y], inputShapes: [s] }, g) => {
      const mask = x!.eq(unsqueezeReduced(y!, s!, attrs));
      return [unsqueezeReduced(g, s!, attrs).div(mask.sum(attrs.dims, true)).mul(mask)];
    },
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

/** Attributes of max/min: over every element (`dim` null), or along one dim with its indices. */
export interface ExtremumAttrs {
  readonly dim: number | null;
  readonly keepdim: boolean;
}

type ExtremumArgs = readonly [x: Tensor, dimOrOther?: number | Tensor, keepdim?: boolean];

const ALL: ReduceAttrs = { dims: [], keepdim: false };
const allOf = (x: Tensor): ReduceAttrs => ({ dims: x.shape.map((_, i) => i), keepdim: false });

function extremumOp(name: 'max' | 'min'): DifferentiableOp<ExtremumAttrs, ExtremumArgs, Tensor | ValuesIndices> {
  const arg = name === 'max' ? 'argmax' : 'argmin';
  const op: DifferentiableOp<ExtremumAttrs, ExtremumArgs, Tensor | ValuesIndices> = {
    name,
    doc: `The ${name === 'max' ? 'largest' : 'smallest'} element: \`${name}(x)\` over all elements (NaN propagates; the gradient is ` +
      `shared among ties), \`${name}(x, dim, keepdim)\` along one dim as \`{ values, indices }\` (the first ${name === 'max' ? 'largest' : 'smallest'} ` +
      `element, or the first NaN, as PyTorch; the gradient goes to that index), \`${name}(x, other)\` elementwise (\`${name === 'max' ? 'maximum' : 'minimum'}\`). ` +
      `Over several dims use \`a${name}\`.`,
    example: `const { values, indices } = ${name}(logits, 1)`,
    differentiable: true,
    call: (run, x, dimOrOther, keepdim) => {
      if (!(x instanceof Tensor)) throw new Error(`${name}: expected a Tensor, got ${describe(x)}.`);
      if (isTensor(dimOrOther)) {
        if (keepdim !== undefined) throw new Error(`${name}: ${name}(x, other) takes no keepdim; it is the elementwise ${name === 'max' ? 'maximum' : 'minimum'}.`);
        return name === 'max' ? x.maximum(dimOrOther) : x.minimum(dimOrOther);
      }
      if (dimOrOther === undefined) {
        if (keepdim !== undefined) throw new Error(`${name}: keepdim needs a dim: ${name}(x, dim, keepdim), or a${name}(x, undefined, ${String(keepdim)}) over every dim.`);
        checkNonEmpty(x, allOf(x), name);
        return run([x], { dim: null, keepdim: false });
      }
      if (typeof dimOrOther !== 'number') {
        throw new Error(`${name}: dim must be an integer or the other operand a Tensor, got ${describe(dimOrOther)}. To reduce over several dims use a${name}(x, dims).`);
      }
      if (keepdim !== undefined && typeof keepdim !== 'boolean') throw new Error(`${name}: keepdim must be true or false, got ${describe(keepdim)}.`);
      const line = lineOf(x.shape, dimOrOther, name);
      checkSelectable(x, line, name);
      return valuesIndices(run([x], { dim: line.dim, keepdim: keepdim ?? false }));
    },
    forward: (ctx, [x], { dim, keepdim }) => {
      if (dim === null) {
        const y = reduceKernel(name, x!, allOf(x!), x!.dtype);
        if (ctx.recording) ctx.save(x!, y);
        return y;
      }
      // The positions with the dim kept (the gather kernel reads them at x's rank), then shaped as the output.
      const kept = reduceKernel(arg, x!, { dims: x!.ndim === 0 ? [] : [dim], keepdim: true }, 'int32');
      const shape = keepdim ? kept.shape : without(x!.shape, dim);
      const indices = new Tensor(kept.storage, shape, 'int32');
      const values = gatherAlong(x!, dim, kept, shape, name);
      if (ctx.recording) ctx.save(indices);
      return withOutputs(values, indices);
    },
    backward: ({ attrs: { dim, keepdim }, saved, inputShapes: [s], call }, g) => {
      if (dim === null) {
        // torch.max(x)'s rule: shared evenly among the elements equal to the result, or among the NaN elements
        // when the result is NaN.
        const [x, y] = saved;
        const mask = call(WHERE_OPS.where, y!.ne(y!), x!.ne(x!), x!.eq(y!));
        return [call(WHERE_OPS.where, mask, g.div(mask.sum()), 0)];
      }
      return [scatterBack(call, g, saved[0]!, s!, dim, !keepdim && s!.length > 0)];
    },
    jvp: ({ attrs: { dim, keepdim }, inputs: [x], output, call }, [t]) => {
      if (!t) return null;
      if (dim === null) {
        const mask = call(WHERE_OPS.where, output.ne(output), x!.ne(x!), x!.eq(output));
        return call(sumOp, call(WHERE_OPS.where, mask, t, 0)).div(call(sumOp, mask));
      }
      return gatherTangent(t, outputsOf(output)[0]!, dim, !keepdim && x!.ndim > 0);
    },
    flops: (inputs) => inputs[0]!.size,
  };
  return op;
}

// ---- prod ----

/** Attributes of prod: over every element (`dim` null) or one dim. */
export interface ProdAttrs {
  readonly dim: number | null;
  readonly keepdim: boolean;
}

/**
 * The product of the other elements along `dim`, `Π_{j≠i} x_j` for each element i: the exclusive products from
 * the left and from the right, multiplied, so that zeros need no division (PyTorch's prod_safe_zeros_backward).
 * Differentiable: written with cumprod, cat and indexSelect.
 */
function productOfOthers(call: Caller, x: Tensor, dim: number): Tensor {
  const n = x.shape[dim]!;
  const one = x.narrow(dim, 0, 1).mul(0).add(1);
  if (n === 1) return one;
  const rev = reversedIndex(x, n);
  const left = call(INDEXING_OPS.cat, [one, x.narrow(dim, 0, n - 1).cumprod(dim)], dim);
  const right = call(INDEXING_OPS.cat, [one, x.indexSelect(dim, rev).narrow(dim, 0, n - 1).cumprod(dim)], dim).indexSelect(dim, rev);
  return left.mul(right);
}

/** ∂ prod / ∂ x: y / x when no element is 0 (one read of the device), else (or on an async-only device) the exclusive products. */
function prodDerivative(call: Caller, x: Tensor, y: Tensor, { dim, keepdim }: ProdAttrs): Tensor {
  const yk = dim === null || keepdim || x.ndim === 0 ? y : y.unsqueeze(dim);
  if (x.ndim === 0) return x.mul(0).add(1);
  // A device that reads back only asynchronously takes the exclusive products, which are right with or without zeros.
  if (x.storage.device.backend.readsAsyncOnly !== true && !x.eq(0).any().item()) return yk.div(x);
  if (dim === null) return productOfOthers(call, x.reshape([-1]), 0).reshape(x.shape);
  return productOfOthers(call, x, dim);
}

/** The options of prod: `dtype` converts the input first (PyTorch's `dtype=` keyword). */
export interface ProdOptions {
  /** Convert the input to this dtype (float32, float64 or int32) before multiplying. */
  readonly dtype?: DType;
}

const isProdOptions = (v: unknown): v is ProdOptions => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Tensor);

const prodOp: DifferentiableOp<ProdAttrs, readonly [x: Tensor, dim?: number | ProdOptions, keepdim?: boolean | ProdOptions, options?: ProdOptions]> = {
  name: 'prod',
  doc: 'The product of all elements, or along `dim`; integers and bools multiply exactly as int32 (an error when the result does not fit). ' +
    'Its gradient is right at zeros too (the product of the other elements). Options: `dtype` converts the input first ' +
    '(also in the place of dim or keepdim: `x.prod({ dtype: \'float64\' })`).',
  example: "prod(x, 1, { dtype: 'float64' })",
  differentiable: true,
  call: (run, x, dimArg, keepdimArg, options) => {
    if (!(x instanceof Tensor)) throw new Error(`prod: expected a Tensor, got ${describe(x)}.`);
    // The options may stand in the place of dim or keepdim, as PyTorch's keyword does.
    let dim = dimArg, keepdim = keepdimArg, opts = options;
    if (isProdOptions(dim) || isProdOptions(keepdim)) {
      const extra = isProdOptions(dim) ? [keepdim, opts] : [opts];
      if (extra.some((v) => v !== undefined)) throw new Error("prod: the options object must come last: prod(x, dim, keepdim, { dtype }).");
      opts = (isProdOptions(dim) ? dim : keepdim) as ProdOptions;
      if (isProdOptions(dim)) dim = undefined;
      keepdim = undefined;
    }
    const o = checkOptions('prod', opts, { dtype: ['float32', 'float64', 'int32'] });
    const input = o.dtype === undefined ? x : x.to(o.dtype);
    if (keepdim !== undefined && typeof keepdim !== 'boolean') throw new Error(`prod: keepdim must be true or false, got ${describe(keepdim)}.`);
    if (dim === undefined) {
      if (keepdim !== undefined) throw new Error(`prod: keepdim needs a dim: prod(x, dim, keepdim).`);
      return run([input], { dim: null, keepdim: false });
    }
    if (typeof dim !== 'number') throw new Error(`prod: dim must be an integer, got ${describe(dim)} (PyTorch's prod takes one dim; call it once per dim).`);
    return run([input], { dim: lineOf(input.shape, dim, 'prod').dim, keepdim: keepdim ?? false });
  },
  forward: (ctx, [x], attrs) => {
    const t: DType = isFloating(x!.dtype) ? x!.dtype : 'int32';
    const dims = attrs.dim === null ? x!.shape.map((_, i) => i) : x!.ndim === 0 ? [] : [attrs.dim];
    const y = reduceKernel('prod', x!, { dims, keepdim: attrs.keepdim }, t, t);
    if (ctx.recording) ctx.save(x!, y);
    return y;
  },
  backward: ({ attrs, saved: [x, y], call }, g) => {
    const gk = attrs.dim === null || attrs.keepdim || x!.ndim === 0 ? g : g.unsqueeze(attrs.dim);
    return [gk.mul(prodDerivative(call, x!, y!, attrs))];
  },
  jvp: ({ attrs, inputs: [x], output, call }, [t]) => {
    if (!t) return null;
    const d = t.mul(prodDerivative(call, x!, output, attrs));
    if (x!.ndim === 0) return d;
    return attrs.dim === null ? call(sumOp, d) : call(sumOp, d, attrs.dim, attrs.keepdim);
  },
  flops: (inputs) => inputs[0]!.size,
};

// ---- all / any ----

function logicalReduceOp(name: 'all' | 'any'): NonDifferentiableOp<ReduceAttrs, ReduceArgs> {
  return {
    name,
    doc: `Whether ${name === 'all' ? 'every element' : 'any element'} is nonzero (NaN counts as nonzero), over \`dim\` (one dim or several; all dims when omitted), as bool.`,
    example: `${name}(mask, 1)`,
    differentiable: false,
    call: (run, x, dim, keepdim) => run([x], reduceAttrs(x, dim, keepdim, name)),
    forward: (_, [x], attrs) => reduceKernel(name, x!, attrs, 'bool'),
    flops: (inputs) => inputs[0]!.size,
  };
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
  amax: amaxOp('amax'),
  amin: amaxOp('amin'),
  max: extremumOp('max'),
  min: extremumOp('min'),
  prod: prodOp,
  all: logicalReduceOp('all'),
  any: logicalReduceOp('any'),
  logsumexp: logsumexpOp,
  argmax: argOp('argmax'),
  argmin: argOp('argmin'),
};
