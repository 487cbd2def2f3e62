import { allocate, scalarResultType, type DType, type TypedArray } from '../dtype.js';
import { getBackend } from '../kernels/index.js';
import type { View } from '../kernels/backend.js';
import { sameShape, sizeOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';

/** A tensor operand or a JS number, as binary ops accept. */
export type TensorLike = Tensor | number;

/**
 * A fresh contiguous tensor over `data` (no copy).
 *
 * @example
 * ```ts
 * wrap(new Float32Array([1, 2]), [2], 'float32');
 * ```
 */
export function wrap(data: TypedArray, shape: Shape, dtype: DType): Tensor {
  return Tensor.fromArray(data, shape, dtype);
}

/**
 * A fresh zero-filled contiguous tensor.
 *
 * @example
 * ```ts
 * empty([2, 3], 'float32');
 * ```
 */
export function empty(shape: Shape, dtype: DType): Tensor {
  return Tensor.fromArray(allocate(dtype, sizeOf(shape)), shape, dtype);
}

/**
 * The strided view of a tensor for kernels.
 *
 * @example
 * ```ts
 * viewOf(x); // { data, offset, strides }
 * ```
 */
export function viewOf(t: Tensor): View {
  return { data: t.storage.data, offset: t.offset, strides: t.strides };
}

/**
 * The view of `t` broadcast to `shape` (stride 0 on broadcast and missing leading dims). The caller has
 * already checked that the shapes broadcast.
 *
 * @example
 * ```ts
 * broadcastView(bias, [64, 128]); // bias [128] read as [64, 128]
 * ```
 */
export function broadcastView(t: Tensor, shape: Shape): View {
  if (t.shape === shape || sameShape(t.shape, shape)) return { data: t.storage.data, offset: t.offset, strides: t.strides };
  return { data: t.storage.data, offset: t.offset, strides: broadcastStrides(t.shape, t.strides, shape) };
}

/**
 * Strides that read a (shape, strides) layout as the larger broadcast `target` shape.
 *
 * @example
 * ```ts
 * broadcastStrides([3], [1], [2, 3]); // [0, 1]
 * ```
 */
export function broadcastStrides(shape: Shape, strides: readonly number[], target: Shape): number[] {
  const nd = target.length, td = shape.length;
  const out = new Array<number>(nd);
  for (let i = 0; i < nd; i++) {
    const j = i - (nd - td);
    out[i] = j < 0 || shape[j] === 1 ? 0 : strides[j]!;
  }
  return out;
}

/**
 * `t`'s elements as a contiguous typed array of `dtype`: the storage itself when it already is one,
 * otherwise a copy. Never write into the result.
 *
 * @example
 * ```ts
 * const xs = contiguousData(x.transpose(0, 1), 'float32');
 * ```
 */
export function contiguousData(t: Tensor, dtype: DType = t.dtype): TypedArray {
  const n = t.size;
  const data = t.storage.data;
  if (dtype === t.dtype && t.isContiguous()) {
    return t.offset === 0 && data.length === n ? data : data.subarray(t.offset, t.offset + n);
  }
  const out = allocate(dtype, n);
  getBackend().copy(viewOf(t), out, t.shape);
  return out;
}

/**
 * A contiguous tensor with `t`'s elements in `dtype` (no graph recorded; for use inside forward kernels).
 *
 * @example
 * ```ts
 * castRaw(labels, 'float32');
 * ```
 */
export function castRaw(t: Tensor, dtype: DType): Tensor {
  if (t.dtype === dtype) return t;
  return wrap(contiguousData(t, dtype), t.shape, dtype);
}

/**
 * A 0-d tensor holding `value`, typed to combine with `like` the way PyTorch treats a Python scalar.
 *
 * @example
 * ```ts
 * scalarFor(2, x); // 0-d float32 when x is float32
 * ```
 */
export function scalarFor(value: number, like: Tensor): Tensor {
  const dtype = scalarResultType(like.dtype, value);
  const data = allocate(dtype, 1);
  data[0] = value;
  const t = wrap(data, [], dtype);
  wrappedNumbers.add(t);
  return t;
}

// The tensors scalarFor made from JS numbers: PyTorch's "wrapped numbers", which some ops treat specially
// (x.pow(0.5) is sqrt(x), while x.pow(tensor(0.5)) is C's pow).
const wrappedNumbers = new WeakSet<Tensor>();

/**
 * True for a 0-d tensor that `scalarFor` made from a JS number operand.
 *
 * @example
 * ```ts
 * isWrappedNumber(scalarFor(0.5, x)); // true
 * isWrappedNumber(tensor(0.5));       // false
 * ```
 */
export function isWrappedNumber(t: Tensor): boolean {
  return wrappedNumbers.has(t);
}

/**
 * Turn a number operand into a tensor next to a tensor operand.
 *
 * @example
 * ```ts
 * const [a, b] = operands(x, 2);
 * ```
 */
export function operands(a: TensorLike, b: TensorLike, op: string): [Tensor, Tensor] {
  if (a instanceof Tensor) return [a, b instanceof Tensor ? b : scalarFor(checkNumber(b, op), a)];
  if (b instanceof Tensor) return [scalarFor(checkNumber(a, op), b), b];
  throw new Error(`${op}: at least one operand must be a Tensor; got ${typeof a} and ${typeof b}. Wrap numbers with tensor().`);
}

function checkNumber(v: unknown, op: string): number {
  if (typeof v !== 'number') throw new Error(`${op}: expected a Tensor or a number, got ${v === null ? 'null' : typeof v}.`);
  return v;
}

/**
 * The sum of the tangents that are present (null and undefined are zero tangents); null when none is.
 *
 * @example
 * ```ts
 * sumTangents(ta?.mul(b), tb?.mul(a));
 * ```
 */
export function sumTangents(...ts: (Tensor | null | undefined)[]): Tensor | null {
  let acc: Tensor | null = null;
  for (const t of ts) if (t) acc = acc === null ? t : acc.add(t);
  return acc;
}

/**
 * Zeros of `t`'s shape and dtype (for rules that need an explicit zero tangent or gradient).
 *
 * @example
 * ```ts
 * zerosLike(x);
 * ```
 */
export function zerosLike(t: Tensor): Tensor {
  return empty(t.shape, t.dtype);
}
