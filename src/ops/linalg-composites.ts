// The linear-algebra ops that PyTorch composes too: products (einsum, dot, outer, mv, bmm, addmm, baddbmm) made
// of matmul, and diag, diagEmbed and trace made of the diagonal views; plus det, slogdet and inverse, PyTorch's
// function-and-method spellings of linalg.det, linalg.slogdet and linalg.inv.
import { checkOptions } from '../options.js';
import { fmtShape, normalizeDim } from '../shape.js';
import { Tensor } from '../tensor.js';
import { describe, zerosOn, tensorArg } from './buffers.js';
import type { Caller } from './define.js';
import { DIAGONAL_OPS } from './diagonal.js';
import { einsumOf } from './einsum.js';
import { LINALG_OPS, type Slogdet } from './linalg.js';

/** Options of `addmm` and `baddbmm`: `beta · input + alpha · (a @ b)`. */
export interface AddmmOptions {
  /** The factor of `input` (default 1); with 0, `input` is ignored, NaN and infinities included. */
  readonly beta?: number;
  /** The factor of the product (default 1). */
  readonly alpha?: number;
}


function sameDTypes(op: string, ...ts: Tensor[]): void {
  const d = ts[0]!.dtype;
  const other = ts.find((t) => t.dtype !== d);
  if (other) throw new Error(`${op}: expected all arguments to have the same dtype, but found ${d} and ${other.dtype}. Convert one first, e.g. with .to('${d}').`);
}

function checkRank(op: string, t: Tensor, rank: number, what: string): void {
  if (t.ndim !== rank) throw new Error(`${op}: ${what} must be a ${rank}D tensor, but got a ${t.ndim}D tensor of shape ${fmtShape(t.shape)}.`);
}

/** `beta · input + alpha · product`, with input ignored when beta is 0 (as PyTorch), after checking input broadcasts. */
function scaledSum(op: string, input: Tensor, product: Tensor, options: AddmmOptions | undefined): Tensor {
  const { beta = 1, alpha = 1 } = checkOptions(op, options, { beta: 'number', alpha: 'number' });
  const base = input.expand(product.shape);
  const scaled = alpha === 1 ? product : product.mul(alpha);
  if (beta === 0) return scaled;
  return (beta === 1 ? base : base.mul(beta)).add(scaled);
}

function matmulShapes(op: string, a: Tensor, b: Tensor, what: [string, string]): void {
  const k1 = a.shape[a.ndim - 1]!, k2 = b.shape[b.ndim - 2]!;
  if (k1 !== k2) {
    throw new Error(`${op}: ${what[0]} and ${what[1]} shapes cannot be multiplied (${a.shape.slice(-2).join('x')} and ${b.shape.slice(-2).join('x')}).`);
  }
}

/** The composite linear-algebra ops. */
export const LINALG_COMPOSITES = {
  einsum: {
    doc: 'Einstein summation with PyTorch\'s rules: letters name dims, `...` broadcast dims, a letter repeated in one operand takes its diagonal, letters left out of the output (after `->`, or all but those appearing once) are summed. Contractions run as batched matrix products.',
    example: "einsum('bij,bjk->bik', a, b)",
    fn: (_: Caller, equation: string, ...operands: readonly (Tensor | readonly Tensor[])[]): Tensor =>
      einsumOf(equation, operands.length === 1 && Array.isArray(operands[0]) ? operands[0] : (operands as readonly Tensor[])),
  },
  dot: {
    doc: 'The dot product of two 1-d tensors of the same size and dtype.',
    example: 'dot(tensor([1, 2, 3]), tensor([4, 5, 6])) // tensor(32.)',
    fn: (_: Caller, a: Tensor, b: Tensor): Tensor => {
      tensorArg(a, 'dot', 'self');
      tensorArg(b, 'dot', 'other');
      if (a.ndim !== 1 || b.ndim !== 1) throw new Error(`dot: 1D tensors expected, but got ${a.ndim}D and ${b.ndim}D tensors.`);
      if (a.size !== b.size) {
        throw new Error(`dot: inconsistent tensor size, expected tensor [${a.size}] and src [${b.size}] to have the same number of elements, but got ${a.size} and ${b.size} elements respectively.`);
      }
      if (a.dtype !== b.dtype) throw new Error(`dot: expected both vectors to have same dtype, but found ${a.dtype} and ${b.dtype}.`);
      return a.matmul(b);
    },
  },
  outer: {
    doc: 'The outer product of two 1-d tensors: `out[i][j] = a[i] · b[j]`.',
    example: 'outer(tensor([1, 2]), tensor([3, 4])) // tensor([[3., 4.], [6., 8.]])',
    fn: (_: Caller, a: Tensor, b: Tensor): Tensor => {
      tensorArg(a, 'outer', 'self');
      tensorArg(b, 'outer', 'vec2');
      if (a.ndim !== 1) throw new Error(`outer: Expected 1-D argument self, but got ${a.ndim}-D.`);
      if (b.ndim !== 1) throw new Error(`outer: Expected 1-D argument vec2, but got ${b.ndim}-D.`);
      return a.unsqueeze(1).mul(b);
    },
  },
  mv: {
    doc: 'The product of a matrix and a vector.',
    example: 'mv(tensor([[1, 2], [3, 4]]), tensor([1, 1])) // tensor([3., 7.])',
    fn: (_: Caller, A: Tensor, x: Tensor): Tensor => {
      tensorArg(A, 'mv', 'self');
      tensorArg(x, 'mv', 'vec');
      if (A.ndim !== 2 || x.ndim !== 1) {
        throw new Error(`mv: expected a 2-D matrix and a 1-D vector, got shapes ${fmtShape(A.shape)} and ${fmtShape(x.shape)}.`);
      }
      if (A.shape[1] !== x.shape[0]) throw new Error(`mv: size mismatch, got ${fmtShape(A.shape)} @ ${fmtShape(x.shape)}: the matrix has ${A.shape[1]} columns and the vector ${x.shape[0]} elements.`);
      sameDTypes('mv', A, x);
      return A.matmul(x);
    },
  },
  bmm: {
    doc: 'Batched matrix product of two 3-d tensors with the same batch size: `[b, n, m] @ [b, m, p] → [b, n, p]` (no broadcasting; matmul broadcasts).',
    example: 'bmm(zeros([10, 3, 4]), zeros([10, 4, 5])).shape // [10,3,5]',
    fn: (_: Caller, a: Tensor, b: Tensor): Tensor => {
      tensorArg(a, 'bmm', 'batch1');
      tensorArg(b, 'bmm', 'batch2');
      checkRank('bmm', a, 3, 'batch1');
      checkRank('bmm', b, 3, 'batch2');
      if (a.shape[0] !== b.shape[0] || a.shape[2] !== b.shape[1]) {
        throw new Error(`bmm: Expected size for first two dimensions of batch2 tensor to be: [${a.shape[0]}, ${a.shape[2]}] but got: [${b.shape[0]}, ${b.shape[1]}].`);
      }
      sameDTypes('bmm', a, b);
      return a.matmul(b);
    },
  },
  addmm: {
    doc: '`beta · input + alpha · (mat1 @ mat2)` for 2-d mat1 and mat2 (options `{ beta, alpha }`, both 1 by default); input broadcasts to the product\'s shape.',
    example: 'addmm(bias, x, w, { beta: 0.5 })',
    fn: (_: Caller, input: Tensor, mat1: Tensor, mat2: Tensor, options?: AddmmOptions): Tensor => {
      tensorArg(input, 'addmm', 'input');
      tensorArg(mat1, 'addmm', 'mat1');
      tensorArg(mat2, 'addmm', 'mat2');
      checkRank('addmm', mat1, 2, 'mat1');
      checkRank('addmm', mat2, 2, 'mat2');
      matmulShapes('addmm', mat1, mat2, ['mat1', 'mat2']);
      sameDTypes('addmm', input, mat1, mat2);
      return scaledSum('addmm', input, mat1.matmul(mat2), options);
    },
  },
  baddbmm: {
    doc: '`beta · input + alpha · (batch1 @ batch2)` for 3-d batch1 and batch2 of the same batch size (options `{ beta, alpha }`); input broadcasts to the product\'s shape.',
    example: 'baddbmm(c, a, b, { alpha: 2 })',
    fn: (_: Caller, input: Tensor, batch1: Tensor, batch2: Tensor, options?: AddmmOptions): Tensor => {
      tensorArg(input, 'baddbmm', 'input');
      tensorArg(batch1, 'baddbmm', 'batch1');
      tensorArg(batch2, 'baddbmm', 'batch2');
      checkRank('baddbmm', batch1, 3, 'batch1');
      checkRank('baddbmm', batch2, 3, 'batch2');
      if (batch1.shape[0] !== batch2.shape[0] || batch1.shape[2] !== batch2.shape[1]) {
        throw new Error(`baddbmm: Expected size for first two dimensions of batch2 tensor to be: [${batch1.shape[0]}, ${batch1.shape[2]}] but got: [${batch2.shape[0]}, ${batch2.shape[1]}].`);
      }
      sameDTypes('baddbmm', input, batch1, batch2);
      return scaledSum('baddbmm', input, batch1.matmul(batch2), options);
    },
  },
  diag: {
    doc: 'A 1-d input becomes a square matrix with it on diagonal `diagonal` (above the main one when positive); of a 2-d input, that diagonal as a new 1-d tensor (a copy: diagonal() is the view).',
    example: 'diag(x, 1)',
    fn: (call: Caller, x: Tensor, diagonal: number = 0): Tensor => {
      tensorArg(x, 'diag', 'input');
      if (typeof diagonal !== 'number' || !Number.isInteger(diagonal)) throw new Error(`diag: diagonal must be an integer, got ${describe(diagonal)}.`);
      if (x.ndim === 2) return x.diagonal(diagonal).clone();
      if (x.ndim !== 1) throw new Error(`diag: matrix or a vector expected, got a ${x.ndim}-D tensor of shape ${fmtShape(x.shape)}.`);
      const n = x.shape[0]! + Math.abs(diagonal);
      return call(DIAGONAL_OPS.diagonalScatter, zerosOn(x.storage.device, x.dtype, [n, n]), x, diagonal, 0, 1);
    },
  },
  diagEmbed: {
    doc: 'Matrices whose diagonal (at `offset`, over the new dims `dim1` and `dim2`, by default the last two) holds the last dim of `x`; zeros elsewhere.',
    example: 'diagEmbed(tensor([1, 2])) // tensor([[1., 0.], [0., 2.]])',
    fn: (call: Caller, x: Tensor, offset: number = 0, dim1: number = -2, dim2: number = -1): Tensor => {
      tensorArg(x, 'diagEmbed', 'input');
      if (x.ndim === 0) throw new Error('diagEmbed: the input must have at least 1 dimension, got a 0-d tensor; unsqueeze it first.');
      if (typeof offset !== 'number' || !Number.isInteger(offset)) throw new Error(`diagEmbed: offset must be an integer, got ${describe(offset)}.`);
      const nd = x.ndim + 1;
      const d1 = normalizeDim(dim1, nd, 'diagEmbed'), d2 = normalizeDim(dim2, nd, 'diagEmbed');
      if (d1 === d2) throw new Error(`diagEmbed: diagonal dimensions cannot be identical ${dim1}, ${dim2}; give two different dims.`);
      const n = x.shape[x.ndim - 1]! + Math.abs(offset);
      const shape = [...x.shape.slice(0, -1)];
      const [lo, hi] = d1 < d2 ? [d1, d2] : [d2, d1];
      shape.splice(lo, 0, n);
      shape.splice(hi, 0, n);
      return call(DIAGONAL_OPS.diagonalScatter, zerosOn(x.storage.device, x.dtype, shape), x, offset, d1, d2);
    },
  },
  trace: {
    doc: 'The sum of the main diagonal of a 2-d tensor.',
    example: 'trace(tensor([[1, 2], [3, 4]])) // tensor(5.)',
    fn: (_: Caller, x: Tensor): Tensor => {
      tensorArg(x, 'trace', 'input');
      if (x.ndim !== 2) throw new Error(`trace: expected a matrix, but got tensor with dim ${x.ndim} (shape ${fmtShape(x.shape)}).`);
      return x.diagonal().sum();
    },
  },
  det: {
    doc: 'The determinant of square matrices (as `linalg.det`).',
    example: 'tensor([[4, 2], [2, 3]]).det() // tensor(8.)',
    fn: (call: Caller, A: Tensor): Tensor => call(LINALG_OPS.linalgDet, A),
  },
  slogdet: {
    doc: 'The sign and log absolute value of the determinant, `{ sign, logabsdet }` (as `linalg.slogdet`).',
    example: 'const { sign, logabsdet } = A.slogdet()',
    fn: (call: Caller, A: Tensor): Slogdet => call(LINALG_OPS.linalgSlogdet, A),
  },
  inverse: {
    doc: 'The inverse of square matrices (as `linalg.inv`).',
    example: 'tensor([[4, 2], [2, 3]]).inverse() // [[0.375, -0.25], [-0.25, 0.5]]',
    fn: (call: Caller, A: Tensor): Tensor => call(LINALG_OPS.linalgInv, A),
  },
};
