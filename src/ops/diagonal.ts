// Diagonals as views: `diagonal` (a strided view of the input) and `diagonalScatter` (a copy of the input with
// a diagonal replaced), each other's gradients. diag, diagEmbed and trace are made of them (ops/linalg-composites.ts).
import { fmtShape, normalizeDim, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { copyInto, describe, deviceOf, zerosFor, zerosOn, intArg } from './buffers.js';
import { noFlops, type DifferentiableOp } from './define.js';
import { viewAs } from './movement.js';

/** Which diagonal: its offset (above the main one when positive) and the two dims it runs over (normalized, distinct). */
export interface DiagonalAttrs {
  readonly offset: number;
  readonly dim1: number;
  readonly dim2: number;
}


/**
 * The attributes of a diagonal of a tensor of `ndim` dims, checked as PyTorch does (two distinct dims in range).
 *
 * @example
 * ```ts
 * diagonalAttrs(3, 0, -2, -1, 'diagonal'); // { offset: 0, dim1: 1, dim2: 2 }
 * ```
 */
export function diagonalAttrs(ndim: number, offset: unknown, dim1: unknown, dim2: unknown, op: string): DiagonalAttrs {
  const o = intArg(offset, op, 'offset');
  const d1 = normalizeDim(intArg(dim1, op, 'dim1'), ndim, op), d2 = normalizeDim(intArg(dim2, op, 'dim2'), ndim, op);
  if (d1 === d2) throw new Error(`${op}: diagonal dimensions cannot be identical ${String(dim1)}, ${String(dim2)}; give two different dims.`);
  return { offset: o, dim1: d1, dim2: d2 };
}

/**
 * The layout of a diagonal of (shape, strides, offset): the other dims in order, then the diagonal (empty when the
 * offset lies outside the matrix).
 *
 * @example
 * ```ts
 * diagonalLayout([3, 4], [4, 1], 0, { offset: 1, dim1: 0, dim2: 1 }); // shape [3], strides [5], offset 1
 * ```
 */
export function diagonalLayout(shape: Shape, strides: readonly number[], offset: number, { offset: k, dim1, dim2 }: DiagonalAttrs): {
  shape: number[]; strides: number[]; offset: number;
} {
  const s1 = shape[dim1]!, s2 = shape[dim2]!;
  const length = Math.max(0, k >= 0 ? Math.min(s1, s2 - k) : Math.min(s1 + k, s2));
  const keep = shape.map((_, i) => i).filter((i) => i !== dim1 && i !== dim2);
  const start = length === 0 ? offset : offset + (k >= 0 ? k * strides[dim2]! : -k * strides[dim1]!);
  return {
    shape: [...keep.map((i) => shape[i]!), length],
    strides: [...keep.map((i) => strides[i]!), strides[dim1]! + strides[dim2]!],
    offset: start,
  };
}

const diagonalOp: DifferentiableOp<DiagonalAttrs, readonly [x: Tensor, offset?: number, dim1?: number, dim2?: number]> = {
  name: 'diagonal',
  doc: 'The diagonal of the matrices over `dim1` and `dim2` (offset > 0 above the main diagonal, < 0 below), as a view: the other dims first, the diagonal last.',
  example: 'diagonal(x, 0, -2, -1)',
  differentiable: true,
  call: (run, x, offset = 0, dim1 = 0, dim2 = 1) => {
    if (!(x instanceof Tensor)) throw new Error(`diagonal: expected a Tensor, got ${describe(x)}.`);
    if (x.ndim < 2) throw new Error(`diagonal: the input must have at least 2 dimensions, got shape ${fmtShape(x.shape)}. Use diag() to build a matrix from a vector.`);
    return run([x], diagonalAttrs(x.ndim, offset, dim1, dim2, 'diagonal'));
  },
  forward: (_, [x], attrs) => {
    const v = diagonalLayout(x!.shape, x!.strides, x!.offset, attrs);
    return viewAs(x!, v.shape, v.strides, v.offset);
  },
  backward: ({ attrs, inputShapes: [s], call }, g) => [call(diagonalScatterOp, zerosOn(g.storage.device, g.dtype, s!), g, attrs.offset, attrs.dim1, attrs.dim2)],
  jvp: ({ attrs, call }, [t]) => (t ? call(diagonalOp, t, attrs.offset, attrs.dim1, attrs.dim2) : null),
  flops: noFlops,
};

const diagonalScatterOp: DifferentiableOp<DiagonalAttrs, readonly [x: Tensor, src: Tensor, offset?: number, dim1?: number, dim2?: number]> = {
  name: 'diagonalScatter',
  doc: 'A copy of `x` whose diagonal over `dim1` and `dim2` (at `offset`, as in diagonal()) is `src`, which has that diagonal\'s shape.',
  example: 'diagonalScatter(zeros(3, 3), ones(3))',
  differentiable: true,
  call: (run, x, src, offset = 0, dim1 = 0, dim2 = 1) => {
    if (!(x instanceof Tensor) || !(src instanceof Tensor)) throw new Error(`diagonalScatter: expected two Tensors, got ${describe(x)} and ${describe(src)}.`);
    if (x.ndim < 2) throw new Error(`diagonalScatter: the input must have at least 2 dimensions, got shape ${fmtShape(x.shape)}.`);
    deviceOf('diagonalScatter', x, src);
    const attrs = diagonalAttrs(x.ndim, offset, dim1, dim2, 'diagonalScatter');
    const want = diagonalLayout(x.shape, x.strides, x.offset, attrs).shape;
    if (want.length !== src.ndim || want.some((d, i) => d !== src.shape[i])) {
      throw new Error(`diagonalScatter: expected src to have a size equal to the slice of self. src size = ${fmtShape(src.shape)}, slice size = ${fmtShape(want)}.`);
    }
    if (src.dtype !== x.dtype) {
      throw new Error(`diagonalScatter: expected src (${src.dtype}) to have the input's dtype (${x.dtype}); convert it first, e.g. src.to('${x.dtype}').`);
    }
    return run([x, src], attrs);
  },
  forward: (_, [x, src], attrs) => {
    const out = zerosOn(x!.storage.device, x!.dtype, x!.shape);
    copyInto(out, x!);
    const v = diagonalLayout(out.shape, out.strides, out.offset, attrs);
    copyInto(new Tensor(out.storage, v.shape, out.dtype, v.strides, v.offset), src!);
    return out;
  },
  backward: ({ attrs: a, needsInputGrad: n, call }, g) => [
    n[0] ? call(diagonalScatterOp, g, zerosOn(g.storage.device, g.dtype, diagonalLayout(g.shape, g.strides, g.offset, a).shape), a.offset, a.dim1, a.dim2) : null,
    n[1] ? call(diagonalOp, g, a.offset, a.dim1, a.dim2) : null,
  ],
  jvp: ({ attrs: a, inputs: [x, src], call }, [tx, ts]) =>
    tx === null && ts === null ? null : call(diagonalScatterOp, tx ?? zerosFor(x!), ts ?? zerosFor(src!), a.offset, a.dim1, a.dim2),
  flops: noFlops,
};

/** diagonal (a view) and diagonalScatter, each the other's gradient. */
export const DIAGONAL_OPS = { diagonal: diagonalOp, diagonalScatter: diagonalScatterOp };
