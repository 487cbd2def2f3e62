import { fmtShape, normalizeDim, sizeOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { castRaw, describe, zerosOn } from './buffers.js';
import { noFlops, type DifferentiableOp } from './define.js';

/**
 * Sizes or dims given either as one list or as separate numbers, as PyTorch accepts both (`x.view(2, 12)` and
 * `x.view([2, 12])`); `sizesOf` refuses any other mix.
 */
export type SizesArg = readonly (number | readonly number[])[];

/**
 * The list that `SizesArg` stands for, checked to be integers (-1 allowed where `op` infers a size).
 *
 * @example
 * ```ts
 * sizesOf([[2, 3]], 'view'); // [2, 3]
 * sizesOf([2, 3], 'view');   // [2, 3]
 * ```
 */
export function sizesOf(args: SizesArg, op: string, what = 'sizes'): number[] {
  const list: readonly unknown[] = args.length === 1 && Array.isArray(args[0]) ? args[0] : args;
  return list.map((d, i) => {
    if (typeof d !== 'number' || !Number.isInteger(d)) {
      throw new Error(`${op}: ${what} must be integers, got ${describe(d)} at position ${i}. Pass numbers, e.g. ${op}(2, 3) or ${op}([2, 3]).`);
    }
    return d;
  });
}

/** A tensor sharing `t`'s storage with another shape, strides and offset: no copy. */
export function viewAs(t: Tensor, shape: Shape, strides: readonly number[], offset = t.offset): Tensor {
  const v = new Tensor(t.storage, shape, t.dtype, strides, offset);
  v._base = t._base ?? t;
  return v;
}

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

export interface ShapeAttrs {
  readonly shape: Shape;
}

const reshapeOp: DifferentiableOp<ShapeAttrs, readonly [x: Tensor, ...shape: SizesArg]> = {
  name: 'reshape',
  doc: 'The same elements in a new shape (sizes as a list or as separate numbers; one may be -1): a view when the strides allow one, else a copy.',
  example: 'reshape(x, -1, 4)',
  differentiable: true,
  call: (run, x, ...shape) => run([x], { shape: inferShape(sizesOf(shape, 'reshape'), x.size, x.shape, 'reshape') }),
  // A view when the strides allow one, a copy otherwise (PyTorch's reshape).
  forward: (_, [x], { shape }) => {
    const strides = viewStrides(x!.shape, x!.strides, shape);
    if (strides) return viewAs(x!, shape, strides);
    const copy = castRaw(x!);
    return new Tensor(copy.storage, shape, copy.dtype);
  },
  backward: ({ inputShapes: [s] }, g) => [g.reshape(s!)],
  jvp: ({ attrs }, [t]) => (t ? t.reshape(attrs.shape) : null),
  flops: noFlops,
};

export interface DimsAttrs {
  readonly dims: readonly number[];
}

const permuteOp: DifferentiableOp<DimsAttrs, readonly [x: Tensor, ...dims: SizesArg]> = {
  name: 'permute',
  doc: 'Reorder the dimensions (a view): dims as a list or as separate numbers.',
  example: 'permute(x, 2, 0, 1)',
  differentiable: true,
  call: (run, x, ...args) => {
    const dims = sizesOf(args, 'permute', 'dims');
    if (dims.length !== x.ndim) {
      throw new Error(`permute: got ${dims.length} dims [${dims.join(', ')}] for a tensor of shape ${fmtShape(x.shape)}; give one entry per dimension.`);
    }
    const norm = dims.map((d) => normalizeDim(d, x.ndim, 'permute'));
    if (new Set(norm).size !== norm.length) throw new Error(`permute: dims [${dims.join(', ')}] repeat a dimension; each must appear once.`);
    return run([x], { dims: norm });
  },
  forward: (_, [x], { dims }) => viewAs(x!, dims.map((d) => x!.shape[d]!), dims.map((d) => x!.strides[d]!)),
  backward: ({ attrs: { dims } }, g) => {
    const inverse = new Array<number>(dims.length);
    dims.forEach((d, i) => (inverse[d] = i));
    return [g.permute(inverse)];
  },
  jvp: ({ attrs }, [t]) => (t ? t.permute(attrs.dims) : null),
  flops: noFlops,
};

const expandOp: DifferentiableOp<ShapeAttrs, readonly [x: Tensor, ...sizes: SizesArg]> = {
  name: 'expand',
  doc: 'Broadcast to a larger shape without copying (a view with stride 0 on expanded dims); -1 keeps a size. Writing into the result is refused.',
  example: 'expand(bias, 64, -1)',
  differentiable: true,
  call: (run, x, ...args) => {
    const shape = sizesOf(args, 'expand');
    const lead = shape.length - x.ndim;
    if (lead < 0) {
      throw new Error(`expand: the target shape ${fmtShape(shape)} has fewer dimensions than the tensor's ${fmtShape(x.shape)}.`);
    }
    const out = shape.map((d, i) => {
      const own = i >= lead ? x.shape[i - lead]! : undefined;
      const size = d === -1 ? own : d;
      if (size === undefined) throw new Error(`expand: -1 is not allowed for the new leading dimension ${i} in ${fmtShape(shape)}.`);
      if (size < 0) throw new Error(`expand: invalid size ${size} at dimension ${i} of ${fmtShape(shape)}; sizes must be non-negative or -1.`);
      if (own !== undefined && own !== size && own !== 1) {
        throw new Error(
          `expand: the expanded size (${size}) must match the existing size (${own}) at non-singleton dimension ${i}. ` +
            `Target shape ${fmtShape(shape)}, tensor shape ${fmtShape(x.shape)}; only size-1 dimensions can be expanded.`,
        );
      }
      return size;
    });
    return run([x], { shape: out });
  },
  forward: (_, [x], { shape }) => {
    const lead = shape.length - x!.ndim;
    const strides = shape.map((d, i) => (i < lead || x!.shape[i - lead] !== d ? 0 : x!.strides[i - lead]!));
    return viewAs(x!, shape, strides);
  },
  // The engine sums the gradient back to the input's shape, which is exactly expand's VJP.
  backward: (_, g) => [g],
  jvp: ({ attrs }, [t]) => (t ? t.expand(attrs.shape) : null),
  flops: noFlops,
};

/** A view of a storage by explicit geometry, and the geometry of the tensor it was taken from. */
export interface AsStridedAttrs {
  readonly shape: Shape;
  readonly strides: readonly number[];
  readonly offset: number;
  readonly inputShape: Shape;
  readonly inputStrides: readonly number[];
  readonly inputOffset: number;
  readonly storageLength: number;
}

/**
 * For each element of a layout (shape, strides, offset), its index in the storage, as a flat int32 tensor on
 * `like`'s device: a view of 0 … storageLength − 1 taken with that layout, so the backend computes it.
 */
function storageIndex(like: Tensor, storageLength: number, shape: Shape, strides: readonly number[], offset: number): Tensor {
  const all = zerosOn(like.storage.device, 'int32', [storageLength]);
  if (storageLength > 0) like.storage.device.backend.arange('int32', all.buffer, storageLength, 0, 1);
  return new Tensor(all.storage, shape, 'int32', strides, offset).reshape([-1]);
}

/** The storage of `t` as a flat tensor holding `values` (a flat tensor) at the positions `t`'s layout reads. */
function storageImage(values: Tensor, storageLength: number, shape: Shape, strides: readonly number[], offset: number): Tensor {
  const image = zerosOn(values.storage.device, values.dtype, [storageLength]);
  return image.scatterAdd(0, storageIndex(values, storageLength, shape, strides, offset), values.reshape([-1]));
}

const asStridedOp: DifferentiableOp<AsStridedAttrs, readonly [x: Tensor, size: readonly number[], stride: readonly number[], storageOffset?: number]> = {
  name: 'asStrided',
  doc: 'A view of `x`\'s storage with the given sizes, strides and storage offset (default: `x`\'s), checked to lie inside the storage. Gradients of overlapping elements add up.',
  example: 'asStrided(x, [2, 2], [1, 2], 0)',
  differentiable: true,
  call: (run, x, size, stride, storageOffset) => {
    if (!(x instanceof Tensor)) throw new Error(`asStrided: expected a Tensor, got ${describe(x)}.`);
    const shape = sizesOf([size], 'asStrided', 'sizes'), strides = sizesOf([stride], 'asStrided', 'strides');
    if (strides.length !== shape.length) {
      throw new Error(`asStrided: ${shape.length} sizes but ${strides.length} strides; give one stride per dimension.`);
    }
    const offset = storageOffset ?? x.offset;
    if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) {
      throw new Error(`asStrided: storageOffset must be a non-negative integer, got ${describe(offset)}.`);
    }
    return run([x], {
      shape, strides, offset, inputShape: x.shape, inputStrides: x.strides, inputOffset: x.offset, storageLength: x.storage.length,
    });
  },
  forward: (_, [x], { shape, strides, offset }) => viewAs(x!, shape, strides, offset),
  // The gradient of every view element lands on the storage element it reads (added up where the view overlaps
  // itself), and the input's gradient is what its own layout reads of that storage image.
  backward: ({ attrs: a, call }, g) => [
    call(asStridedOp, storageImage(g, a.storageLength, a.shape, a.strides, a.offset), a.inputShape, a.inputStrides, a.inputOffset),
  ],
  jvp: ({ attrs: a, call }, [t]) =>
    t ? call(asStridedOp, storageImage(t, a.storageLength, a.inputShape, a.inputStrides, a.inputOffset), a.shape, a.strides, a.offset) : null,
  flops: noFlops,
};

/** reshape, permute, expand and asStrided: the view primitives every other movement op is made of. */
export const MOVEMENT_OPS = { reshape: reshapeOp, permute: permuteOp, expand: expandOp, asStrided: asStridedOp };
