// What the ops that select elements along a dim share (max(dim), median, kthvalue, sort, topk, cummax): the
// [outer, r, inner] layout of one dim, the values at a kernel's int32 positions, the gradient sent back to those
// positions, and the indices each of these ops returns beside its values.
import { fmtShape, normalizeDim, sizeOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { backendOf, castRaw, describe, packed, zerosOn } from './buffers.js';
import type { Caller } from './define.js';
import { INDEXING_OPS } from './indexing.js';

/**
 * A PyTorch `(values, indices)` named tuple: the selected elements and their int32 positions along the dim.
 *
 * @example
 * ```ts
 * const { values, indices } = x.max(1);
 * ```
 */
export interface ValuesIndices {
  readonly values: Tensor;
  readonly indices: Tensor;
}

/** One dim of a shape read as `[outer, r, inner]` (a 0-d shape counts as `[1]`, as PyTorch's dim 0 of a scalar). */
export interface Line {
  readonly dim: number;
  readonly outer: number;
  readonly r: number;
  readonly inner: number;
}

/**
 * The `[outer, r, inner]` split of `shape` at `dim` (normalised, negative counting from the end).
 *
 * @example
 * ```ts
 * lineOf([2, 3, 4], -2, 'sort'); // { dim: 1, outer: 2, r: 3, inner: 4 }
 * ```
 */
export function lineOf(shape: Shape, dim: unknown, op: string): Line {
  if (typeof dim !== 'number') throw new Error(`${op}: dim must be an integer, got ${describe(dim)}.`);
  const d = normalizeDim(dim, shape.length, op);
  if (shape.length === 0) return { dim: 0, outer: 1, r: 1, inner: 1 };
  return { dim: d, outer: sizeOf(shape.slice(0, d)), r: shape[d]!, inner: sizeOf(shape.slice(d + 1)) };
}

/**
 * `x` as a contiguous tensor for a kernel that reads `[outer, r, inner]` (no graph: for forward kernels).
 *
 * @example
 * ```ts
 * const src = lineInput(x);
 * backend.sort(src.dtype, src.buffer, src.offset, out.buffer, outer, r, inner, false, r);
 * ```
 */
export function lineInput(x: Tensor): Tensor {
  return castRaw(x);
}

/**
 * Refuse to select from an empty dim (there is nothing to pick), naming the op and the shape.
 *
 * @example
 * ```ts
 * checkSelectable(x, line, 'kthvalue');
 * ```
 */
export function checkSelectable(x: Tensor, line: Line, op: string): void {
  if (line.r === 0 && x.ndim > 0) {
    throw new Error(
      `${op}: cannot select from dimension ${line.dim} of size 0 (input shape ${fmtShape(x.shape)}): the dimension is empty. ` +
        `Check the input is not empty along dim ${line.dim}.`,
    );
  }
}

/**
 * The elements of `x` at the int32 `positions` along `dim` (positions has x's rank, its own size at `dim`), by the
 * backend's gather, shaped as `shape` (the same element count). No graph (for forward kernels).
 *
 * @example
 * ```ts
 * const values = gatherAlong(x, 1, indices, indices.shape, 'sort');
 * ```
 */
export function gatherAlong(x: Tensor, dim: number, positions: Tensor, shape: Shape, op: string): Tensor {
  const out = zerosOn(x.storage.device, x.dtype, shape);
  // A 0-d input or index reads as [1] (the kernel sees buffers and shapes only).
  const xShape = x.ndim === 0 ? [1] : x.shape, kept = positions.ndim === 0 ? [1] : positions.shape;
  if (out.size > 0) backendOf(x).gather(x.dtype, packed(castRaw(x)).buffer, xShape, packed(positions).buffer, kept, dim, out.buffer, op);
  return out;
}

/**
 * The gradient of a selection: `g` added into zeros of the input's shape at `positions` along `dim`, as
 * PyTorch's value-selecting backward (a scatter-add, so repeated positions, as cummax makes, add up). `g` and
 * `positions` have the output's shape: without `dim` when `squeezed`. Differentiable in `g`.
 *
 * @example
 * ```ts
 * backward: ({ saved: [idx], inputShapes: [s], call }, g) => [scatterBack(call, g, idx!, s!, dim, !keepdim)],
 * ```
 */
export function scatterBack(call: Caller, g: Tensor, positions: Tensor, inputShape: Shape, dim: number, squeezed: boolean): Tensor {
  if (inputShape.length === 0) return g.reshape([]);
  const gk = squeezed ? g.unsqueeze(dim) : g, idx = squeezed ? positions.unsqueeze(dim) : positions;
  return call(INDEXING_OPS.scatterAdd, zerosOn(g.storage.device, g.dtype, inputShape), dim, idx, gk);
}

/**
 * The tangent of a selection: `t` at `positions` along `dim` (which have the output's shape: without `dim` when
 * `squeezed`).
 *
 * @example
 * ```ts
 * jvp: ({ output }, [t]) => (t ? gatherTangent(t, outputsOf(output)[0]!, dim, !keepdim) : null),
 * ```
 */
export function gatherTangent(t: Tensor, positions: Tensor, dim: number, squeezed: boolean): Tensor {
  if (t.ndim === 0) return t;
  const idx = squeezed ? positions.unsqueeze(dim) : positions;
  const v = t.gather(dim, idx);
  return squeezed ? v.squeeze(dim) : v;
}

// The outputs an op computes beside its main one (the indices of max(dim) or sort, the inverse and counts of
// unique): its forward records them here against the tensor it returns, and its call hands them back with it.
// An op table entry has one output (the differentiable values); the others ride along, as PyTorch's second
// output of max(dim) does.
const EXTRA = new WeakMap<Tensor, readonly Tensor[]>();

/**
 * Record the other outputs of the op producing `main` (in its forward); returns `main`.
 *
 * @example
 * ```ts
 * return withOutputs(values, indices);
 * ```
 */
export function withOutputs(main: Tensor, ...others: Tensor[]): Tensor {
  EXTRA.set(main, others);
  return main;
}

/**
 * The other outputs recorded with `main` by `withOutputs`.
 *
 * @example
 * ```ts
 * const values = run([x], attrs);
 * const [indices] = outputsOf(values);
 * ```
 */
export function outputsOf(main: Tensor): readonly Tensor[] {
  const others = EXTRA.get(main);
  if (others === undefined) throw new Error('selection: no outputs were recorded with this tensor (a bug in adjoint).');
  return others;
}

/**
 * `{ values, indices }` from a selecting op's output (its indices recorded by `withOutputs`).
 *
 * @example
 * ```ts
 * call: (run, x, dim) => valuesIndices(run([x], { dim })),
 * ```
 */
export function valuesIndices(values: Tensor): ValuesIndices {
  return { values, indices: outputsOf(values)[0]! };
}

/**
 * The int32 positions n−1, …, 0 on `like`'s device: a reversal along a dim of size n, by indexSelect.
 *
 * @example
 * ```ts
 * const flipped = g.indexSelect(dim, reversedIndex(g, g.shape[dim]));
 * ```
 */
export function reversedIndex(like: Tensor, n: number): Tensor {
  const idx = zerosOn(like.storage.device, 'int32', [n]);
  if (n > 0) backendOf(like).arange('int32', idx.buffer, n, n - 1, -1);
  return idx;
}

/**
 * `t` reversed along `dim` (differentiable: an indexSelect).
 *
 * @example
 * ```ts
 * flipAlong(g, 1).cumsum(1); // a cumulative sum from the end
 * ```
 */
export function flipAlong(t: Tensor, dim: number): Tensor {
  return t.ndim === 0 ? t : t.indexSelect(dim, reversedIndex(t, t.shape[dim]!));
}

/** A keepdim shape: `shape` with `dim` set to `size`. @example `withSize([2, 3], 1, 1) // [2, 1]` */
export function withSize(shape: Shape, dim: number, size: number): number[] {
  const s = [...shape];
  if (s.length > 0) s[dim] = size;
  return s;
}

/** `shape` without `dim` (0-d stays 0-d). @example `without([2, 3], 1) // [2]` */
export function without(shape: Shape, dim: number): number[] {
  return shape.filter((_, i) => i !== dim);
}

/** Whether `v` is a Tensor (for calls that take a dim or a tensor in one position). @example `isTensor(other)` */
export function isTensor(v: unknown): v is Tensor {
  return v instanceof Tensor;
}
