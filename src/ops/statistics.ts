// Variance and standard deviation (primitives over one numerically sound kernel, Backend.variance), and the
// statistics made of other ops: varMean, stdMean, nansum, nanmean, countNonzero.
import { isFloating } from '../dtype.js';
import { checkOptions } from '../options.js';
import { fmtShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { backendOf, describe, zerosOn } from './buffers.js';
import type { Caller, DifferentiableOp } from './define.js';
import { reduceAttrs, reducedShape, reduceLayout, unsqueezeReduced, type Dim, type ReduceAttrs } from './reduce.js';
import { WHERE_OPS } from './where.js';

/**
 * The options of var, std, varMean and stdMean.
 */
export interface VarOptions {
  /** Subtract this from the element count in the divisor (default 1, Bessel's correction; 0 for the population variance). */
  readonly correction?: number;
  /** Keep the reduced dims as size 1 (also accepted positionally). */
  readonly keepdim?: boolean;
  /** PyTorch's older spelling: `unbiased: false` is `correction: 0`. */
  readonly unbiased?: boolean;
}

/** Attributes of var and std: the reduction and the correction. */
export interface VarAttrs extends ReduceAttrs {
  readonly correction: number;
}

/** var/std arguments: `(x, dim?, keepdim?, options?)`, where options may also stand in the place of dim or keepdim. */
export type VarArgs = readonly [x: Tensor, dim?: Dim | null | VarOptions, keepdim?: boolean | VarOptions, options?: VarOptions];

const isOptions = (v: unknown): v is VarOptions => v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Tensor);

function varAttrs(op: string, x: Tensor, dim: VarArgs[1], keepdim: VarArgs[2], options: VarOptions | undefined): VarAttrs {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${describe(x)}.`);
  let d = dim, k = keepdim, opts = options;
  if (isOptions(d)) {
    if (k !== undefined || opts !== undefined) throw new Error(`${op}: the options object must come last: ${op}(x, dim, keepdim, { correction }).`);
    opts = d;
    d = undefined;
  } else if (isOptions(k)) {
    if (opts !== undefined) throw new Error(`${op}: the options object must come last: ${op}(x, dim, keepdim, { correction }).`);
    opts = k;
    k = undefined;
  }
  const o = checkOptions(op, opts, { correction: 'number', keepdim: 'boolean', unbiased: 'boolean' });
  if (o.keepdim !== undefined && k !== undefined) throw new Error(`${op}: keepdim is given twice (positionally and as an option); give it once.`);
  if (o.correction !== undefined && o.unbiased !== undefined) throw new Error(`${op}: give correction or unbiased, not both (unbiased: false is correction: 0).`);
  if (!isFloating(x.dtype)) {
    throw new Error(`${op}: std and var only support floating point dtypes, got ${x.dtype} (shape ${fmtShape(x.shape)}). Convert first: x.to('float32').${op}().`);
  }
  const correction = o.correction ?? (o.unbiased === false ? 0 : 1);
  return { ...reduceAttrs(x, d as Dim | null | undefined, (k as boolean | undefined) ?? o.keepdim, op), correction };
}

/** The variance kernel over `attrs` (no graph), with the square root taken in place for std. */
function varianceKernel(x: Tensor, attrs: VarAttrs, sqrt: boolean): Tensor {
  const { src, outer, r, inner } = reduceLayout(x, attrs.dims);
  const out = zerosOn(x.storage.device, x.dtype, reducedShape(x.shape, attrs));
  if (out.size > 0) {
    const backend = backendOf(x);
    backend.variance(x.dtype, src.buffer, src.offset, out.buffer, null, outer, r, inner, attrs.correction);
    if (sqrt) backend.unary('sqrt', x.dtype, out.buffer, 0, out.buffer, out.size);
  }
  return out;
}

/** The number of elements each output reduces over. */
const countOf = (shape: readonly number[], dims: readonly number[]): number => dims.reduce((n, d) => n * shape[d]!, 1);

/** ∂var/∂x · g: 2 (x − mean) / (N − correction) · g (PyTorch's var_backward, with N − correction unclamped). */
function varBackward(x: Tensor, g: Tensor, attrs: VarAttrs): Tensor {
  const n = countOf(x.shape, attrs.dims);
  return unsqueezeReduced(g, x.shape, attrs).mul(x.sub(x.mean(attrs.dims, true))).mul(2 / (n - attrs.correction));
}

/** The tangent of var: 2 Σ t (x − mean) / (N − correction). */
function varJvp(x: Tensor, t: Tensor, attrs: VarAttrs): Tensor {
  const n = countOf(x.shape, attrs.dims);
  return t.mul(x.sub(x.mean(attrs.dims, true))).sum(attrs.dims, attrs.keepdim).mul(2 / (n - attrs.correction));
}

/** `v / (2 std)`, and 0 where std is 0 (PyTorch's std_backward), with a safe denominator so that its own gradient has no NaN. */
function overTwoStd(call: Caller, v: Tensor, std: Tensor): Tensor {
  const zero = std.eq(0);
  return call(WHERE_OPS.where, zero, 0, v.div(call(WHERE_OPS.where, zero, 1, std).mul(2)));
}

const varOp: DifferentiableOp<VarAttrs, VarArgs> = {
  name: 'var',
  doc: 'The variance over `dim` (all dims when omitted): Σ (x − mean)² / max(0, N − correction), computed in two passes in float64. ' +
    'Positional `keepdim`, or options `{ correction, keepdim }` (correction defaults to 1; `unbiased: false` is correction 0), as PyTorch\'s ' +
    '`x.var(dim, correction=…, keepdim=…)`. Floating tensors only.',
  example: 'x.var(1, { correction: 0, keepdim: true })',
  differentiable: true,
  call: (run, x, dim, keepdim, options) => run([x], varAttrs('var', x, dim, keepdim, options)),
  forward: (ctx, [x], attrs) => {
    if (ctx.recording) ctx.save(x!);
    return varianceKernel(x!, attrs, false);
  },
  backward: ({ attrs, saved: [x] }, g) => [varBackward(x!, g, attrs)],
  jvp: ({ attrs, inputs: [x] }, [t]) => (t ? varJvp(x!, t, attrs) : null),
  flops: (inputs) => 3 * inputs[0]!.size,
};

const stdOp: DifferentiableOp<VarAttrs, VarArgs> = {
  name: 'std',
  doc: 'The standard deviation over `dim` (all dims when omitted): the square root of `var` with the same arguments ' +
    '(`{ correction, keepdim }`). Its gradient is 0 where the deviation is 0, as in PyTorch. Floating tensors only.',
  example: 'x.std(0, { correction: 0 })',
  differentiable: true,
  call: (run, x, dim, keepdim, options) => run([x], varAttrs('std', x, dim, keepdim, options)),
  forward: (ctx, [x], attrs) => {
    const y = varianceKernel(x!, attrs, true);
    if (ctx.recording) ctx.save(x!, y);
    return y;
  },
  backward: ({ attrs, saved: [x, y], call }, g) => [varBackward(x!, overTwoStd(call, g, y!), attrs)],
  jvp: ({ attrs, inputs: [x], output, call }, [t]) => (t ? overTwoStd(call, varJvp(x!, t, attrs), output) : null),
  flops: (inputs) => 3 * inputs[0]!.size,
};

/** The variance primitives. */
export const STATISTICS_OPS = {
  var: varOp,
  std: stdOp,
};

/** A composite of this file: its doc, example and function (see ops/composite.ts). */
export interface StatComposite<Args extends readonly unknown[], R> {
  readonly doc: string;
  readonly example: string;
  readonly fn: (call: Caller, ...args: Args) => R;
}

const composite = <Args extends readonly unknown[], R>(c: StatComposite<Args, R>): StatComposite<Args, R> => c;

/** The mean over the same dims and keepdim as a var/std call. */
function meanLike(op: string, x: Tensor, dim: VarArgs[1], keepdim: VarArgs[2], options: VarOptions | undefined): Tensor {
  const attrs = varAttrs(op, x, dim, keepdim, options);
  return x.mean(attrs.dims, attrs.keepdim);
}

function checkTensor(x: unknown, op: string): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${describe(x)}.`);
  return x;
}

/** The statistics made of other ops (their gradients come from the ops they call). */
export const STATISTICS_COMPOSITES = {
  varMean: composite({
    doc: '`[var, mean]` over `dim` with var\'s arguments (`{ correction, keepdim }`), as PyTorch\'s var_mean tuple.',
    example: 'const [v, m] = varMean(x, 1, { correction: 0 })',
    fn: (_: Caller, x: Tensor, dim?: Dim | null | VarOptions, keepdim?: boolean | VarOptions, options?: VarOptions): [Tensor, Tensor] =>
      [x.var(dim, keepdim, options), meanLike('varMean', x, dim, keepdim, options)],
  }),
  stdMean: composite({
    doc: '`[std, mean]` over `dim` with std\'s arguments (`{ correction, keepdim }`), as PyTorch\'s std_mean tuple.',
    example: 'const [s, m] = stdMean(x, 0)',
    fn: (_: Caller, x: Tensor, dim?: Dim | null | VarOptions, keepdim?: boolean | VarOptions, options?: VarOptions): [Tensor, Tensor] =>
      [x.std(dim, keepdim, options), meanLike('stdMean', x, dim, keepdim, options)],
  }),
  nansum: composite({
    doc: 'The sum over `dim` (all dims when omitted) treating NaN as 0; its gradient is 0 at the NaN elements.',
    example: 'nansum(x, 1)',
    fn: (call: Caller, x: Tensor, dim?: Dim, keepdim?: boolean): Tensor => {
      checkTensor(x, 'nansum');
      return (isFloating(x.dtype) ? call(WHERE_OPS.where, x.ne(x), 0, x) : x).sum(dim, keepdim);
    },
  }),
  nanmean: composite({
    doc: 'The mean over `dim` (all dims when omitted) of the elements that are not NaN (NaN when there are none); floating tensors only. ' +
      'Its gradient is 0 at the NaN elements (PyTorch\'s is NaN there when a whole slice is NaN).',
    example: 'nanmean(x, 0)',
    fn: (call: Caller, x: Tensor, dim?: Dim, keepdim?: boolean): Tensor => {
      checkTensor(x, 'nanmean');
      if (!isFloating(x.dtype)) {
        throw new Error(`nanmean: input dtype must be floating point, got ${x.dtype} (shape ${fmtShape(x.shape)}). Convert first: x.to('float32').nanmean().`);
      }
      const ok = x.eq(x);
      return call(WHERE_OPS.where, ok, x, 0).sum(dim, keepdim).div(ok.sum(dim, keepdim));
    },
  }),
  countNonzero: composite({
    doc: 'The number of nonzero elements over `dim` (all dims when omitted), as int32; NaN counts as nonzero.',
    example: 'countNonzero(mask, 1)',
    fn: (_: Caller, x: Tensor, dim?: Dim): Tensor => checkTensor(x, 'countNonzero').ne(0).sum(dim),
  }),
};
