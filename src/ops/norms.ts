// Norms: linalg.vectorNorm (a primitive over one kernel, Backend.norm, with PyTorch's subgradients at 0 and at
// ties), and linalg.matrixNorm and norm made of it.
import { isFloating, type DType } from '../dtype.js';
import { checkOptions } from '../options.js';
import { fmtShape, normalizeDim } from '../shape.js';
import { Tensor } from '../tensor.js';
import { backendOf, describe, zerosOn } from './buffers.js';
import type { Caller, DifferentiableOp } from './define.js';
import { reduceAttrs, reducedShape, reduceLayout, unsqueezeReduced, type Dim, type ReduceAttrs } from './reduce.js';
import { WHERE_OPS } from './where.js';

/** Attributes of vectorNorm: the order and the reduction. */
export interface VectorNormAttrs extends ReduceAttrs {
  readonly ord: number;
}

/** The options of the norms: the dtype to convert the input to first (PyTorch's `dtype=`). */
export interface NormOptions {
  readonly dtype?: DType;
}

function checkInput(x: unknown, op: string, options: NormOptions | undefined): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${describe(x)}.`);
  const o = checkOptions(op, options, { dtype: 'dtype' });
  const input = o.dtype === undefined ? x : x.to(o.dtype);
  if (!isFloating(input.dtype)) {
    throw new Error(`${op}: expected a floating point tensor as input, got ${input.dtype} (shape ${fmtShape(input.shape)}). Convert first, or pass { dtype: 'float32' }.`);
  }
  return input;
}

function checkOrd(ord: unknown, op: string): number {
  if (typeof ord !== 'number' || Number.isNaN(ord)) throw new Error(`${op}: ord must be a number (±Infinity allowed), got ${describe(ord)}.`);
  return ord;
}

/**
 * ∂‖x‖/∂x for the norm `y` (kept at the reduced dims), PyTorch's choices at kinks: 0 at x = 0 (and for a zero
 * norm), the gradient shared among the elements of largest (smallest) |x| for ±∞. Differentiable.
 */
function normDerivative(call: Caller, x: Tensor, y: Tensor, ord: number, dims: readonly number[]): Tensor {
  const where = (c: Tensor, a: Tensor | number, b: Tensor | number): Tensor => call(WHERE_OPS.where, c, a, b);
  if (ord === 0) return x.mul(0);
  if (ord === 1) return x.sign();
  if (ord === Infinity || ord === -Infinity) {
    const mask = x.abs().eq(y);
    return x.sign().mul(mask).div(mask.sum(dims, true));
  }
  const zero = y.eq(0);
  const safe = where(zero, 1, y);
  if (ord === 2) return where(zero, 0, x.div(safe));
  // sign(x) |x|^(p−1) / y^(p−1); for p < 1, |x|^(p−1) is infinite at 0, where PyTorch takes 0.
  let scaled = x.sign().mul(x.abs().pow(ord - 1));
  if (ord < 1) scaled = where(x.eq(0), 0, scaled);
  return where(zero, 0, scaled.div(safe.pow(ord - 1)));
}

const vectorNormOp: DifferentiableOp<VectorNormAttrs, readonly [x: Tensor, ord?: number, dim?: Dim | null, keepdim?: boolean, options?: NormOptions]> = {
  name: 'linalgVectorNorm',
  doc: 'The vector norm of order `ord` (default 2) over `dim` (all dims when omitted): (Σ |x|^ord)^(1/ord); ∞ is max |x|, −∞ min |x|, 0 the ' +
    'number of nonzero elements. Accumulated in float64; the gradient at 0 is 0 and is shared among ties for ±∞, as PyTorch. ' +
    'Options: `dtype` converts the input first. Floating tensors only (`linalg.vectorNorm`).',
  example: 'linalg.vectorNorm(x, 2, 1)',
  differentiable: true,
  call: (run, x, ord = 2, dim, keepdim, options) => {
    const input = checkInput(x, 'linalg.vectorNorm', options);
    const o = checkOrd(ord, 'linalg.vectorNorm');
    const attrs = reduceAttrs(input, dim, keepdim, 'linalg.vectorNorm');
    if (o === Infinity || o === -Infinity) {
      if (input.size === 0 && (attrs.dims.length === input.ndim || attrs.dims.some((d) => input.shape[d] === 0))) {
        throw new Error(`linalg.vectorNorm: cannot compute the ±inf norm over an empty dimension (input shape ${fmtShape(input.shape)}): the operation has no identity.`);
      }
    }
    return run([input], { ...attrs, ord: o });
  },
  forward: (ctx, [x], attrs) => {
    const { src, outer, r, inner } = reduceLayout(x!, attrs.dims);
    const out = zerosOn(x!.storage.device, x!.dtype, reducedShape(x!.shape, attrs));
    if (out.size > 0) backendOf(x!).norm(x!.dtype, src.buffer, src.offset, out.buffer, outer, r, inner, attrs.ord);
    if (ctx.recording) ctx.save(x!, out);
    return out;
  },
  backward: ({ attrs, saved: [x, y], inputShapes: [s], call }, g) =>
    [unsqueezeReduced(g, s!, attrs).mul(normDerivative(call, x!, unsqueezeReduced(y!, s!, attrs), attrs.ord, attrs.dims))],
  jvp: ({ attrs, inputs: [x], output, call }, [t]) =>
    (t ? t.mul(normDerivative(call, x!, unsqueezeReduced(output, x!.shape, attrs), attrs.ord, attrs.dims)).sum(attrs.dims, attrs.keepdim) : null),
  flops: (inputs) => 2 * inputs[0]!.size,
};

/** The norm primitives. */
export const NORM_OPS = {
  linalgVectorNorm: vectorNormOp,
};

/** The order of a matrix norm: a number (1, −1, ∞, −∞) or 'fro'. */
export type MatrixNormOrd = number | 'fro' | 'nuc';

function matrixNorm(call: Caller, x: Tensor, ord: MatrixNormOrd, dim: readonly [number, number], keepdim: boolean, op: string): Tensor {
  if (x.ndim < 2) throw new Error(`${op}: the input must have at least 2 dimensions (a matrix or a batch of them), got shape ${fmtShape(x.shape)}.`);
  const r = normalizeDim(dim[0], x.ndim, op), c = normalizeDim(dim[1], x.ndim, op);
  if (r === c) throw new Error(`${op}: dim must name two different dimensions, got [${dim[0]}, ${dim[1]}].`);
  if (ord === 'fro') return call(vectorNormOp, x, 2, [r, c], keepdim);
  if (ord === 'nuc' || ord === 2 || ord === -2) {
    throw new Error(`${op}: ord ${typeof ord === 'string' ? `'${ord}'` : ord} needs the singular values, which adjoint does not compute yet; use 'fro', 1, -1, Infinity or -Infinity.`);
  }
  if (ord !== 1 && ord !== -1 && ord !== Infinity && ord !== -Infinity) {
    throw new Error(`${op}: ord must be 'fro', 1, -1, Infinity or -Infinity for a matrix norm, got ${describe(ord)}.`);
  }
  // 1/−1: the largest/smallest column sum of |x| (sum over rows); ±∞: the largest/smallest row sum.
  const [sumDim, pickDim] = ord === 1 || ord === -1 ? [r, c] : [c, r];
  const sums = x.abs().sum(sumDim, true);
  const picked = ord > 0 ? sums.amax(pickDim, true) : sums.amin(pickDim, true);
  return keepdim ? picked : picked.squeeze([r, c]);
}

/** A composite of this file: its doc, example and function (see ops/composite.ts). */
export interface NormComposite<Args extends readonly unknown[], R> {
  readonly doc: string;
  readonly example: string;
  readonly fn: (call: Caller, ...args: Args) => R;
}

const composite = <Args extends readonly unknown[], R>(c: NormComposite<Args, R>): NormComposite<Args, R> => c;

/** The norms made of vectorNorm (their gradients come from the ops they call). */
export const NORM_COMPOSITES = {
  linalgMatrixNorm: composite({
    doc: 'The matrix norm of order `ord` over the two dims `dim` (default [-2, -1]): \'fro\' (default; √Σx²), 1 / −1 (largest / smallest column ' +
      'sum of |x|), ∞ / −∞ (largest / smallest row sum). Options: `dtype`. (`linalg.matrixNorm`; \'nuc\' and ±2 need singular values and are refused.)',
    example: 'linalg.matrixNorm(A, 1)',
    fn: (call: Caller, x: Tensor, ord: MatrixNormOrd = 'fro', dim: readonly [number, number] = [-2, -1], keepdim: boolean = false, options?: NormOptions): Tensor => {
      const input = checkInput(x, 'linalg.matrixNorm', options);
      if (!Array.isArray(dim) || dim.length !== 2) throw new Error(`linalg.matrixNorm: dim must be a list of two dimensions, got ${describe(dim)}.`);
      return matrixNorm(call, input, ord, dim, keepdim, 'linalg.matrixNorm');
    },
  }),
  norm: composite({
    doc: 'PyTorch\'s `torch.norm`: `p` a number (a vector norm over `dim`, all elements when omitted, as `linalg.vectorNorm`) or \'fro\' ' +
      '(default: the 2-norm of all elements, or the Frobenius norm over the two dims in `dim`). Options: `dtype`.',
    example: 'norm(x, 2, 1)',
    fn: (call: Caller, x: Tensor, p: number | 'fro' | 'nuc' = 'fro', dim?: Dim | null, keepdim: boolean = false, options?: NormOptions): Tensor => {
      const input = checkInput(x, 'norm', options);
      if (p === 'fro' || p === 'nuc') {
        if (dim === undefined || dim === null) {
          if (p === 'nuc') return matrixNorm(call, input, p, [-2, -1], keepdim, 'norm');
          return call(vectorNormOp, input, 2, undefined, keepdim);
        }
        const dims = typeof dim === 'number' ? [dim] : dim;
        if (dims.length === 2) return matrixNorm(call, input, p, [dims[0]!, dims[1]!], keepdim, 'norm');
        if (p === 'nuc' || dims.length > 2) throw new Error(`norm: p '${p}' takes one or two dims, got ${JSON.stringify(dim)}.`);
        return call(vectorNormOp, input, 2, dims, keepdim);
      }
      return call(vectorNormOp, input, checkOrd(p, 'norm'), dim ?? undefined, keepdim);
    },
  }),
};
