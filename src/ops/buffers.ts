// The op layer's side of the backend seam: making output tensors, views for kernels, casts, and the tensors that
// stand for JS numbers. Nothing here reads or writes elements: every element goes through a backend kernel.
import { scalarResultType, type DType } from '../dtype.js';
import type { Backend, View } from '../kernels/backend.js';
import type { Device } from '../kernels/index.js';
import { contiguousStrides, sameShape, sizeOf, type Shape } from '../shape.js';
import { Storage } from '../storage.js';
import { Tensor } from '../tensor.js';

/** A tensor operand or a JS number, as binary ops accept. */
export type TensorLike = Tensor | number;

/**
 * The backend that computes on `t`'s device.
 *
 * @example
 * ```ts
 * backendOf(x).unary('exp', x.dtype, x.buffer, x.offset, out.buffer, x.size);
 * ```
 */
export function backendOf(t: Tensor): Backend {
  return t.storage.device.backend;
}

/**
 * The device all of `tensors` live on; throws naming the op when they differ (as PyTorch does).
 *
 * @example
 * ```ts
 * const device = deviceOf('add', a, b);
 * ```
 */
export function deviceOf(op: string, a: Tensor, ...rest: readonly Tensor[]): Device {
  const d = a.storage.device;
  for (let i = 0; i < rest.length; i++) {
    const e = rest[i]!.storage.device;
    if (e !== d) throw deviceError(op, d, e);
  }
  return d;
}

/**
 * The device of two tensors (the elementwise ops' case, with no list to allocate); throws as `deviceOf` does.
 *
 * @example
 * ```ts
 * const device = deviceOf2('add', a, b);
 * ```
 */
export function deviceOf2(op: string, a: Tensor, b: Tensor): Device {
  const d = a.storage.device, e = b.storage.device;
  if (e !== d) throw deviceError(op, d, e);
  return d;
}

function deviceError(op: string, d: Device, e: Device): Error {
  return new Error(
    `${op}: expected all tensors to be on the same device, but found at least two devices, ${d.name} and ${e.name}. ` +
      `Move them to one device first, e.g. x.to('${d.name}').`,
  );
}

/**
 * A fresh zero-filled contiguous tensor on `device`.
 *
 * @example
 * ```ts
 * const out = zerosOn(x.storage.device, 'float32', [2, 3]);
 * ```
 */
export function zerosOn(device: Device, dtype: DType, shape: Shape): Tensor {
  const n = sizeOf(shape);
  return new Tensor(new Storage(device.backend.alloc(dtype, n), n, dtype, device), shape, dtype);
}

/**
 * A fresh contiguous tensor on `device` filled with `value`.
 *
 * @example
 * ```ts
 * filledOn(x.storage.device, 'float32', [3], 1);
 * ```
 */
export function filledOn(device: Device, dtype: DType, shape: Shape, value: number): Tensor {
  const t = zerosOn(device, dtype, shape);
  if (value !== 0 && t.size > 0) device.backend.fill(dtype, t, shape, value);
  return t;
}

/**
 * Zeros of `t`'s shape, dtype and device (for rules that need an explicit zero tangent or gradient).
 *
 * @example
 * ```ts
 * zerosFor(x);
 * ```
 */
export function zerosFor(t: Tensor): Tensor {
  return zerosOn(t.storage.device, t.dtype, t.shape);
}

/**
 * The view of `t` broadcast to `shape` (stride 0 on broadcast and missing leading dims): `t` itself when the
 * shapes agree. The caller has already checked that the shapes broadcast.
 *
 * @example
 * ```ts
 * broadcastView(bias, [64, 128]); // bias [128] read as [64, 128]
 * ```
 */
export function broadcastView(t: Tensor, shape: Shape): View {
  if (t.shape === shape || sameShape(t.shape, shape)) return t;
  return { buffer: t.buffer, offset: t.offset, strides: broadcastStrides(t.shape, t.strides, shape) };
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
 * `t`'s elements as a contiguous tensor of `dtype`: `t` itself when it already is one, otherwise a copy made by
 * the backend. Never write into the result. No graph is recorded (for forward kernels).
 *
 * @example
 * ```ts
 * const xs = castRaw(x.transpose(0, 1), 'float32'); // a contiguous copy
 * ```
 */
export function castRaw(t: Tensor, dtype: DType = t.dtype): Tensor {
  if (dtype === t.dtype && t.isContiguous()) return t;
  const out = zerosOn(t.storage.device, dtype, t.shape);
  if (t.size > 0) backendOf(t).copy(t, t.dtype, out, dtype, t.shape);
  return out;
}

/**
 * `t` as a contiguous tensor whose elements start at offset 0 of its buffer, copying when it is not one: for
 * kernels that take whole buffers (convolution, pooling, gather and scatter).
 *
 * @example
 * ```ts
 * const xs = packed(castRaw(x, 'float32'));
 * ```
 */
export function packed(t: Tensor): Tensor {
  if (t.offset === 0 && t.isContiguous()) return t;
  const out = zerosOn(t.storage.device, t.dtype, t.shape);
  if (t.size > 0) backendOf(t).copy(t, t.dtype, out, t.dtype, t.shape);
  return out;
}

/**
 * Give the storage of `t`, a temporary that an op, a rule or the engine made and used up, back to its backend (`release`), so
 * that the next buffer of its size costs no fresh memory: for a large array that is page faults on first touch,
 * which JavaScript's deferred freeing otherwise pays on every call. Only for a tensor that nothing else can reach:
 * made inside the op, not returned, not saved, and (`unless`) not the tensor it was made from.
 *
 * @example
 * ```ts
 * const cols = w.matmul(g); const dx = fold(cols); releaseTemporary(cols);
 * ```
 */
export function releaseTemporary(t: Tensor, unless?: Tensor): void {
  if (unless !== undefined && t.storage === unless.storage) return;
  backendOf(t).release?.(t.storage.buffer);
}

/**
 * Copy `src` (broadcast to `dst`'s shape, converted to its dtype) into the view `dst`, through the backend.
 *
 * @example
 * ```ts
 * copyInto(out.narrow(0, 2, 3), part);
 * ```
 */
export function copyInto(dst: Tensor, src: Tensor): void {
  if (dst.size === 0) return;
  backendOf(dst).copy(broadcastView(src, dst.shape), src.dtype, dst, dst.dtype, dst.shape);
}

/**
 * PyTorch's refusal to write into a layout whose elements share memory (an expanded tensor, or a view with
 * overlapping strides): which write lands would depend on the order, so the result would be wrong. Sorted by
 * stride, each dim of size > 1 must step over everything the smaller ones span; this is exact for every layout the
 * view ops make (expand gives stride 0) and refuses any real overlap.
 *
 * @example
 * ```ts
 * checkNoOverlap([3], [0], 'add_'); // throws: more than one element ... refers to a single memory location
 * ```
 */
export function checkNoOverlap(shape: Shape, strides: readonly number[], op: string): void {
  const dims = shape.map((size, i) => ({ size, stride: Math.abs(strides[i]!) })).filter((d) => d.size > 1).sort((a, b) => a.stride - b.stride);
  let span = 1;
  for (const d of dims) {
    if (d.stride < span) {
      throw new Error(
        `${op}: unsupported operation: more than one element of the written-to tensor (shape [${shape.join(', ')}], strides ` +
          `[${strides.join(', ')}]) refers to a single memory location. Please clone() the tensor before performing the operation.`,
      );
    }
    span = d.stride * (d.size - 1) + 1;
  }
}

/**
 * A contiguous tensor over `t`'s storage elements `[offset, offset + size)`: a view with contiguous strides.
 *
 * @example
 * ```ts
 * viewOfStorage(x, [2, 3], 6); // elements 6..11 of x's storage as [2, 3]
 * ```
 */
export function viewOfStorage(t: Tensor, shape: Shape, offset: number): Tensor {
  return new Tensor(t.storage, shape, t.dtype, contiguousStrides(shape), offset);
}

// The JS numbers that `scalarFor` turned into tensors: PyTorch's "wrapped numbers", which some ops treat
// specially (x.pow(0.5) is sqrt(x), while x.pow(tensor(0.5)) is C's pow). The value is kept here, so that no
// op needs to read it back from a device.
const wrappedNumbers = new WeakMap<Tensor, number>();

/**
 * A 0-d tensor holding `value` on `like`'s device, typed to combine with `like` the way PyTorch treats a
 * Python scalar.
 *
 * @example
 * ```ts
 * scalarFor(2, x); // 0-d float32 when x is float32
 * ```
 */
export function scalarFor(value: number, like: Tensor): Tensor {
  const t = filledOn(like.storage.device, scalarResultType(like.dtype, value), [], value);
  wrappedNumbers.set(t, value);
  return t;
}

/**
 * The JS number a wrapped-number tensor (see `scalarFor`) stands for, or undefined for any other tensor.
 *
 * @example
 * ```ts
 * wrappedValue(scalarFor(0.5, x)); // 0.5
 * wrappedValue(tensor(0.5));       // undefined
 * ```
 */
export function wrappedValue(t: Tensor): number | undefined {
  return wrappedNumbers.get(t);
}

/**
 * Turn a number operand into a tensor next to a tensor operand.
 *
 * @example
 * ```ts
 * const [a, b] = operands(x, 2, 'mul');
 * ```
 */
export function operands(a: TensorLike, b: TensorLike, op: string): [Tensor, Tensor] {
  if (a instanceof Tensor) return [a, b instanceof Tensor ? b : scalarFor(checkNumber(b, op), a)];
  if (b instanceof Tensor) return [scalarFor(checkNumber(a, op), b), b];
  throw new Error(`${op}: at least one operand must be a Tensor; got ${describe(a)} and ${describe(b)}. Wrap numbers with tensor().`);
}

function checkNumber(v: unknown, op: string): number {
  if (typeof v !== 'number') throw new Error(`${op}: expected a Tensor or a number, got ${describe(v)}.`);
  return v;
}

/**
 * How an argument of the wrong type is named in error messages.
 *
 * @example
 * ```ts
 * describe('3'); // "the string '3'"
 * ```
 */
export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `the string '${v}'`;
  if (typeof v === 'number') return `the number ${v}`;
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Tensor) return `a ${v.dtype} tensor of shape [${v.shape.join(', ')}]`;
  if (typeof v === 'object') {
    const name = (v as { constructor?: { name?: string } }).constructor?.name;
    return name === undefined || name === 'Object' ? 'an object' : `a ${name}`;
  }
  return typeof v === 'undefined' ? 'undefined' : `a ${typeof v}`;
}

/**
 * `t` when it is a Tensor; else `op`'s error naming the argument (`what`) and what was given.
 *
 * @example
 * ```ts
 * tensorArg(mask, 'maskedFill', 'mask'); // throws "maskedFill: mask must be a Tensor, got an object." for {}
 * ```
 */
export function tensorArg(t: unknown, op: string, what: string): Tensor {
  if (!(t instanceof Tensor)) throw new Error(`${op}: ${what} must be a Tensor, got ${describe(t)}.`);
  return t;
}

/**
 * `v` when it is an integer number; else `op`'s error naming the argument (`what`) and what was given.
 *
 * @example
 * ```ts
 * intArg(dim, 'select', 'dim'); // throws "select: dim must be an integer, got the number 1.5." for 1.5
 * ```
 */
export function intArg(v: unknown, op: string, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw new Error(`${op}: ${what} must be an integer, got ${describe(v)}.`);
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
