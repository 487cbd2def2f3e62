import { fmtShape, normalizeDim, sizeOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { apply, defineOp, type OpDef } from './registry.js';
import { contiguousData, wrap } from './util.js';
import { clone } from './cast.js';

/** A tensor sharing `t`'s storage with another shape, strides and offset: no copy. */
function viewAs(t: Tensor, shape: Shape, strides: readonly number[], offset = t.offset): Tensor {
  const v = new Tensor(t.storage, shape, t.dtype, strides, offset);
  v._base = t._base ?? t;
  return v;
}

export const reshapeOp: OpDef<{ readonly shape: Shape }> = defineOp<{ readonly shape: Shape }>({
  name: 'reshape',
  // A view when the strides allow one, a copy otherwise (PyTorch's reshape).
  forward: ([x], { shape }) => {
    const strides = viewStrides(x!.shape, x!.strides, shape);
    return strides ? viewAs(x!, shape, strides) : wrap(contiguousData(x!), shape, x!.dtype);
  },
  backward: (g, { inputShapes: [s] }) => [g.reshape(s!)],
  jvp: ([t], { attrs }) => (t ? apply(reshapeOp, [t], attrs) : null),
});

/**
 * Strides that show a tensor of `shape` and `strides` as `newShape` without copying, or null when no view can
 * (PyTorch's computeStride): each run of dims that are contiguous with one another may be split or merged
 * freely, e.g. a transposed matrix cannot be flattened but an expanded one can. Empty tensors always can.
 *
 * @example
 * ```ts
 * viewStrides([2, 3], [1, 2], [6]); // null (a transpose)
 * viewStrides([3, 4], [0, 0], [12]); // [0] (an expanded scalar)
 * ```
 */
export function viewStrides(shape: Shape, strides: readonly number[], newShape: Shape): number[] | null {
  const out = new Array<number>(newShape.length);
  if (shape.length === 0) return out.fill(1);
  if (sizeOf(shape) === 0) {
    if (shape.length === newShape.length && shape.every((d, i) => d === newShape[i])) return [...strides];
    for (let d = newShape.length - 1, s = 1; d >= 0; d--) { out[d] = s; s *= Math.max(newShape[d]!, 1); }
    return out;
  }
  let viewD = newShape.length - 1;
  let chunkStride = strides[strides.length - 1]!;
  let tensorNumel = 1, viewNumel = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    tensorNumel *= shape[d]!;
    // The end of a chunk of dims that are contiguous with one another: lay the view's dims over it.
    if (d === 0 || (shape[d - 1] !== 1 && strides[d - 1] !== tensorNumel * chunkStride)) {
      while (viewD >= 0 && (viewNumel < tensorNumel || newShape[viewD] === 1)) {
        out[viewD] = viewNumel * chunkStride;
        viewNumel *= newShape[viewD]!;
        viewD--;
      }
      if (viewNumel !== tensorNumel) return null;
      if (d > 0) {
        chunkStride = strides[d - 1]!;
        tensorNumel = 1;
        viewNumel = 1;
      }
    }
  }
  return viewD === -1 ? out : null;
}

/**
 * Resolve a requested shape (with at most one -1) against `size` elements.
 *
 * @example
 * ```ts
 * inferShape([-1, 4], 12, [3, 4], 'reshape'); // [3, 4]
 * ```
 */
export function inferShape(shape: readonly number[], size: number, from: Shape, op: string): number[] {
  let infer = -1, known = 1;
  shape.forEach((d, i) => {
    if (d === -1) {
      if (infer >= 0) throw new Error(`${op}: only one dimension can be -1, got shape ${fmtShape(shape)}.`);
      infer = i;
    } else if (!Number.isInteger(d) || d < 0) {
      throw new Error(`${op}: invalid size ${d} in shape ${fmtShape(shape)}; sizes must be non-negative integers or -1.`);
    } else known *= d;
  });
  const out = [...shape];
  if (infer >= 0) {
    if (known === 0 || size % known !== 0) {
      throw new Error(`${op}: shape ${fmtShape(shape)} is invalid for input of size ${size} (shape ${fmtShape(from)}).`);
    }
    out[infer] = size / known;
  } else if (known !== size) {
    throw new Error(
      `${op}: shape ${fmtShape(shape)} is invalid for input of size ${size} (shape ${fmtShape(from)}): ` +
        `the new shape must have the same number of elements. Use -1 for one dimension to infer it.`,
    );
  }
  return out;
}

/** Same elements in a new shape; one dim may be -1. A view when possible. @example `reshape(x, [-1, 4])` */
export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  return apply(reshapeOp, [x], { shape: inferShape(shape, x.size, x.shape, 'reshape') });
}

export const permuteOp: OpDef<{ readonly dims: readonly number[] }> = defineOp<{ readonly dims: readonly number[] }>({
  name: 'permute',
  forward: ([x], { dims }) => viewAs(x!, dims.map((d) => x!.shape[d]!), dims.map((d) => x!.strides[d]!)),
  backward: (g, { attrs: { dims } }) => {
    const inverse = new Array<number>(dims.length);
    dims.forEach((d, i) => (inverse[d] = i));
    return [g.permute(inverse)];
  },
  jvp: ([t], { attrs }) => (t ? apply(permuteOp, [t], attrs) : null),
});

/** Reorder dimensions (a view). @example `permute(x, [2, 0, 1])` */
export function permute(x: Tensor, dims: readonly number[]): Tensor {
  if (dims.length !== x.ndim) {
    throw new Error(`permute: got ${dims.length} dims [${dims.join(', ')}] for a tensor of shape ${fmtShape(x.shape)}; give one entry per dimension.`);
  }
  const norm = dims.map((d) => normalizeDim(d, x.ndim, 'permute'));
  if (new Set(norm).size !== norm.length) throw new Error(`permute: dims [${dims.join(', ')}] repeat a dimension; each must appear once.`);
  return apply(permuteOp, [x], { dims: norm });
}

/** Swap two dimensions (a view). @example `transpose(x, 0, 1)` */
export function transpose(x: Tensor, dim0: number, dim1: number): Tensor {
  const nd = x.ndim;
  const a = normalizeDim(dim0, nd, 'transpose'), b = normalizeDim(dim1, nd, 'transpose');
  const dims = [...Array(nd).keys()];
  dims[a] = b;
  dims[b] = a;
  return nd === 0 ? apply(permuteOp, [x], { dims: [] }) : apply(permuteOp, [x], { dims });
}

export const expandOp = defineOp<{ readonly shape: Shape }>({
  name: 'expand',
  forward: ([x], { shape }) => {
    const lead = shape.length - x!.ndim;
    const strides = shape.map((d, i) => (i < lead || x!.shape[i - lead] !== d ? 0 : x!.strides[i - lead]!));
    return viewAs(x!, shape, strides);
  },
  // The engine sums the gradient back to the input's shape, which is exactly expand's VJP.
  backward: (g) => [g],
  jvp: ([t], { attrs }) => (t ? t.expand(attrs.shape) : null),
});

/** Broadcast to a larger shape without copying; -1 keeps a size. @example `expand(bias, [64, -1])` */
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  const lead = shape.length - x.ndim;
  if (lead < 0) {
    throw new Error(`expand: the target shape ${fmtShape(shape)} has fewer dimensions than the tensor's ${fmtShape(x.shape)}.`);
  }
  const out = shape.map((d, i) => {
    const own = i >= lead ? x.shape[i - lead]! : undefined;
    const size = d === -1 ? own : d;
    if (size === undefined) throw new Error(`expand: -1 is not allowed for the new leading dimension ${i} in ${fmtShape(shape)}.`);
    if (own !== undefined && own !== size && own !== 1) {
      throw new Error(
        `expand: the expanded size (${size}) must match the existing size (${own}) at non-singleton dimension ${i}. ` +
          `Target shape ${fmtShape(shape)}, tensor shape ${fmtShape(x.shape)}; only size-1 dimensions can be expanded.`,
      );
    }
    return size;
  });
  return apply(expandOp, [x], { shape: out });
}

/** Remove size-1 dims (all of them, or the given one(s) if size 1). @example `squeeze(x, 1)` */
export function squeeze(x: Tensor, dim?: number | readonly number[]): Tensor {
  const dims = dim === undefined ? x.shape.map((_, i) => i) : (typeof dim === 'number' ? [dim] : dim).map((d) => normalizeDim(d, x.ndim, 'squeeze'));
  return reshape(x, x.shape.filter((d, i) => !(d === 1 && dims.includes(i))));
}

/** Insert a size-1 dim at `dim` (negative counts from the end of the result). @example `unsqueeze(x, 0)` */
export function unsqueeze(x: Tensor, dim: number): Tensor {
  const d = normalizeDim(dim, x.ndim + 1, 'unsqueeze');
  const shape = [...x.shape];
  shape.splice(d, 0, 1);
  return reshape(x, shape);
}

/** Merge dims `startDim..endDim` into one. @example `flatten(images, 1)` */
export function flatten(x: Tensor, startDim = 0, endDim = -1): Tensor {
  if (x.ndim === 0) return reshape(x, [1]);
  const s = normalizeDim(startDim, x.ndim, 'flatten'), e = normalizeDim(endDim, x.ndim, 'flatten');
  if (s > e) throw new Error(`flatten: startDim (${startDim}) must not come after endDim (${endDim}) for shape ${fmtShape(x.shape)}.`);
  const merged = sizeOf(x.shape.slice(s, e + 1));
  return reshape(x, [...x.shape.slice(0, s), merged, ...x.shape.slice(e + 1)]);
}

/** A contiguous tensor with the same elements (itself when already contiguous). @example `contiguous(x.transpose(0, 1))` */
export function contiguous(x: Tensor): Tensor {
  return x.isContiguous() ? x : clone(x);
}
