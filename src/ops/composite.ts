// Public ops made of other ops: each is written with Tensor methods only, so it needs no recording machinery of
// its own, and its gradient comes from the primitives it calls. Functions and methods are derived from this
// table as from the op table.
import { fmtShape, normalizeDim, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { BINARY_OPS } from './binary.js';
import { describe } from './buffers.js';
import type { Caller } from './define.js';
import { INDEX_COMPOSITES } from './index-composites.js';
import { INDEXING_OPS } from './indexing.js';
import { ELEMENTWISE_COMPOSITES } from './elementwise-composites.js';
import { LINALG_COMPOSITES } from './linalg-composites.js';
import { inferShape, sizesOf, viewStrides, type SizesArg } from './movement.js';
import { NORM_COMPOSITES } from './norms.js';
import { STATISTICS_COMPOSITES } from './statistics.js';

/** A public op made of other ops. */
export interface Composite<Args extends readonly unknown[], R = Tensor> {
  readonly doc: string;
  readonly example: string;
  /**
   * The op, given `call` (to reach ops that have no Tensor method, as rules do) and the public arguments; as a
   * method, the tensor is the first of them.
   */
  readonly fn: (call: Caller, ...args: Args) => R;
}

function composite<Args extends readonly unknown[], R = Tensor>(c: Composite<Args, R>): Composite<Args, R> {
  return c;
}

function checkTensor(x: unknown, op: string): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${describe(x)}.`);
  return x;
}

/** The composite ops. */
export const COMPOSITES = {
  ...INDEX_COMPOSITES,
  ...LINALG_COMPOSITES,
  ...ELEMENTWISE_COMPOSITES,
  ...STATISTICS_COMPOSITES,
  ...NORM_COMPOSITES,
  square: composite({
    doc: '`x²` elementwise (a bool squares to int32, as PyTorch\'s pow(x, 2)).',
    example: 'square(x)',
    // x · x would stay bool.
    fn: (_: Caller, x: Tensor): Tensor => (checkTensor(x, 'square').dtype === 'bool' ? x.pow(2) : x.mul(x)),
  }),
  rsqrt: composite({ doc: '`1 / √x` elementwise.', example: 'rsqrt(x)', fn: (call: Caller, x: Tensor): Tensor => call(BINARY_OPS.div, 1, checkTensor(x, 'rsqrt').sqrt()) }),
  reciprocal: composite({ doc: '`1 / x` elementwise.', example: 'reciprocal(x)', fn: (call: Caller, x: Tensor): Tensor => call(BINARY_OPS.div, 1, checkTensor(x, 'reciprocal')) }),
  transpose: composite({
    doc: 'Swap two dimensions (a view).',
    example: 'transpose(x, 0, 1)',
    fn: (_: Caller, x: Tensor, dim0: number, dim1: number): Tensor => {
      const nd = checkTensor(x, 'transpose').ndim;
      const a = normalizeDim(dim0, nd, 'transpose'), b = normalizeDim(dim1, nd, 'transpose');
      if (nd === 0) return x.permute([]);
      const dims = [...Array(nd).keys()];
      dims[a] = b;
      dims[b] = a;
      return x.permute(dims);
    },
  }),
  view: composite({
    doc: 'The same elements in a new shape without copying (sizes as a list or as separate numbers; one may be -1); the strides must allow it, else use reshape().',
    example: 'x.view(2, 12)',
    fn: (_: Caller, x: Tensor, ...shape: SizesArg): Tensor => {
      // As in PyTorch, a view needs strides that fit the new shape, not necessarily a contiguous tensor.
      const target = inferShape(sizesOf(shape, 'view'), checkTensor(x, 'view').size, x.shape, 'view');
      if (!viewStrides(x.shape, x.strides, target)) {
        throw new Error(`view: the tensor of shape ${fmtShape(x.shape)} is not contiguous, so it cannot be viewed as ${fmtShape(target)} without a copy. Use reshape() (copies when needed) or contiguous().view().`);
      }
      return x.reshape(target);
    },
  }),
  expandAs: composite({ doc: 'Expand to `other`\'s shape (a view).', example: 'bias.expandAs(x)', fn: (_: Caller, x: Tensor, other: Tensor): Tensor => x.expand(checkTensor(other, 'expandAs').shape) }),
  squeeze: composite({
    doc: 'Remove size-1 dims: all of them, or the given one(s) if they have size 1.',
    example: 'squeeze(x, 1)',
    fn: (_: Caller, x: Tensor, dim?: number | readonly number[]): Tensor => {
      checkTensor(x, 'squeeze');
      const dims = dim === undefined ? x.shape.map((_, i) => i) : (typeof dim === 'number' ? [dim] : dim).map((d) => normalizeDim(d, x.ndim, 'squeeze'));
      return x.reshape(x.shape.filter((d, i) => !(d === 1 && dims.includes(i))));
    },
  }),
  unsqueeze: composite({
    doc: 'Insert a size-1 dim at `dim` (negative counts from the end of the result).',
    example: 'unsqueeze(x, 0)',
    fn: (_: Caller, x: Tensor, dim: number): Tensor => {
      const d = normalizeDim(dim, checkTensor(x, 'unsqueeze').ndim + 1, 'unsqueeze');
      const shape = [...x.shape];
      shape.splice(d, 0, 1);
      return x.reshape(shape);
    },
  }),
  flatten: composite({
    doc: 'Merge dims `startDim … endDim` into one.',
    example: 'flatten(images, 1)',
    fn: (_: Caller, x: Tensor, startDim: number = 0, endDim: number = -1): Tensor => {
      if (checkTensor(x, 'flatten').ndim === 0) return x.reshape([1]);
      const s = normalizeDim(startDim, x.ndim, 'flatten'), e = normalizeDim(endDim, x.ndim, 'flatten');
      if (s > e) throw new Error(`flatten: startDim (${startDim}) must not come after endDim (${endDim}) for shape ${fmtShape(x.shape)}.`);
      return x.reshape([...x.shape.slice(0, s), sizeOf(x.shape.slice(s, e + 1)), ...x.shape.slice(e + 1)]);
    },
  }),
  contiguous: composite({
    doc: 'A contiguous tensor with the same elements: itself when it already is one.',
    example: 'x.transpose(0, 1).contiguous()',
    fn: (_: Caller, x: Tensor): Tensor => (checkTensor(x, 'contiguous').isContiguous() ? x : x.clone()),
  }),
  float: composite({ doc: 'A float32 copy (`x.to(\'float32\')`).', example: 'labels.float()', fn: (_: Caller, x: Tensor): Tensor => x.to('float32') }),
  double: composite({ doc: 'A float64 copy (`x.to(\'float64\')`).', example: 'x.double()', fn: (_: Caller, x: Tensor): Tensor => x.to('float64') }),
  int: composite({ doc: 'An int32 copy, truncating toward zero (`x.to(\'int32\')`).', example: 'x.int()', fn: (_: Caller, x: Tensor): Tensor => x.to('int32') }),
  stack: composite({
    doc: 'Join same-shaped tensors along a new dim.',
    example: 'stack([a, b], 0)',
    fn: (call: Caller, tensors: readonly Tensor[], dim: number = 0): Tensor => {
      if (!Array.isArray(tensors) || tensors.length === 0) throw new Error(`stack: expected a non-empty list of tensors, got ${describe(tensors)}.`);
      const first = checkTensor(tensors[0], 'stack');
      tensors.forEach((t, i) => {
        if (!(t instanceof Tensor) || t.shape.length !== first.shape.length || t.shape.some((d, j) => d !== first.shape[j])) {
          throw new Error(`stack: expects each tensor to be equal size, but got ${fmtShape(first.shape)} at entry 0 and ${t instanceof Tensor ? fmtShape(t.shape) : describe(t)} at entry ${i}. Reshape them to one shape first, or use cat() to join tensors whose sizes differ along an existing dim.`);
        }
      });
      const d = normalizeDim(dim, first.ndim + 1, 'stack');
      return call(INDEXING_OPS.cat, tensors.map((t) => t.unsqueeze(d)), d);
    },
  }),
  logicalNot: composite({
    doc: 'Elementwise logical not (zero is false), as a bool tensor: PyTorch\'s `~` on masks.',
    example: 'logicalNot(mask)',
    fn: (_: Caller, a: Tensor): Tensor => checkTensor(a, 'logicalNot').eq(0),
  }),
  logicalOr: composite({
    doc: 'Elementwise logical or (nonzero is true), as a bool tensor.',
    example: 'logicalOr(x.lt(0), x.gt(1))',
    // On bools, add is logical or (the kernel takes the maximum).
    fn: (_: Caller, a: Tensor, b: Tensor): Tensor => checkTensor(a, 'logicalOr').ne(0).add(checkTensor(b, 'logicalOr').ne(0)),
  }),
  logicalXor: composite({
    doc: 'Elementwise logical exclusive or (nonzero is true), as a bool tensor: PyTorch\'s `^` on masks.',
    example: 'logicalXor(a, b)',
    fn: (_: Caller, a: Tensor, b: Tensor): Tensor => checkTensor(a, 'logicalXor').ne(0).ne(checkTensor(b, 'logicalXor').ne(0)),
  }),
  logicalAnd: composite({
    doc: 'Elementwise logical and (nonzero is true), as a bool tensor.',
    example: 'logicalAnd(x.gt(0), x.lt(1))',
    fn: (_: Caller, a: Tensor, b: Tensor): Tensor => checkTensor(a, 'logicalAnd').ne(0).mul(checkTensor(b, 'logicalAnd').ne(0)),
  }),
};

