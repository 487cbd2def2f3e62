import type { DType, TypedArray } from './dtype.js';
import { isFloating, itemSize } from './dtype.js';
import type { Shape } from './shape.js';
import { contiguousStrides, fmtShape, isContiguousLayout, sizeOf } from './shape.js';
import { Storage } from './storage.js';
import type { Node } from './autograd/node.js';
import { AsyncReadError, type BufferHandle, type View } from './kernels/backend.js';
import { defaultDevice, type Device } from './kernels/index.js';
import { formatTensor } from './format.js';

/** A function run on a tensor's gradient during backward; returning a tensor replaces the gradient. */
export type TensorHook = (grad: Tensor) => Tensor | void;

/** PyTorch's limit on the number of dimensions. */
export const MAX_DIMS = 64;

/**
 * An n-dimensional array that records the operations applied to it when it requires grad, so that
 * `backward()` can compute gradients. Tensors are ordinary garbage-collected objects: never dispose them.
 * Its elements live in a `Storage` on a device; a tensor is a strided view of that storage (`shape`,
 * `strides`, `offset`), checked to lie inside it. The op methods (`add`, `matmul`, `sum`, `backward`, …) come
 * from the op table (see `ops/methods.ts`), installed before any op can run.
 *
 * @example
 * ```ts
 * import { tensor } from 'adjoint';
 * const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * x.shape; // [2, 2]
 * ```
 */
export class Tensor implements View {
  /** @internal the node behind `gradFn`. */ _gradFn: Node<Tensor> | null = null;
  /**
   * @internal for a view recorded as differentiable: the storage version its `gradFn` was made at, or -1. When
   * the shared version moves on (an in-place write through the base or another view), the view's history is
   * stale, and `gradFn` replays the view on its base's current history (PyTorch's view replay).
   */
  _viewVersion = -1;
  /** @internal the gradient behind `grad`. */ _grad: Tensor | null = null;
  /** @internal */ _requiresGrad = false;
  /** @internal */ _retainsGrad = false;
  /** @internal forward-mode tangent, valid at level `_tangentLevel` (see forward-ad.ts). */ _tangent: Tensor | null = null;
  /** @internal */ _tangentLevel = 0;
  /** @internal the AccumulateGrad node of a leaf, created on first use in a graph. */ _accumulator: Node<Tensor> | null = null;
  /** @internal the tensor whose storage this view shares (set by view ops), for the in-place checks. */ _base: Tensor | null = null;
  /** Element strides into the storage (row-major for contiguous tensors; 0 on expanded dims). */
  readonly strides: readonly number[];

  /**
   * A view of `storage`. Every layout is checked here, once: sizes must be non-negative integers, at most 64
   * dims, and every element the view can address must lie inside the storage, so that no kernel ever reads
   * another tensor's memory. Tensors are made by `tensor`, `zeros`, … and by ops, not with `new`.
   *
   * @internal
   */
  constructor(
    /** @internal */ readonly storage: Storage,
    /** Size of each dimension; `[]` for a scalar (0-d) tensor. */
    readonly shape: Shape,
    /** Element type: `'float32'`, `'float64'`, `'int32'` or `'bool'`. */
    readonly dtype: DType,
    strides?: readonly number[],
    /** Element offset of the first element in the storage. */
    readonly offset = 0,
  ) {
    this.strides = strides ?? contiguousStrides(shape);
    checkLayout(storage, shape, dtype, this.strides, offset);
  }

  /**
   * A fresh contiguous tensor holding `data` (taken, not copied, on the CPU), on `device`. @internal
   *
   * @example
   * ```ts
   * Tensor.fromHost(new Float32Array([1, 2]), [2], 'float32');
   * ```
   */
  static fromHost(data: TypedArray, shape: Shape, dtype: DType, device: Device = defaultDevice()): Tensor {
    return new Tensor(new Storage(device.backend.fromHost(data), data.length, dtype, device), shape, dtype);
  }

  /** The buffer of this tensor's storage (for kernels). @internal */
  get buffer(): BufferHandle {
    return this.storage.buffer;
  }

  /** The name of the device this tensor's elements live on (`'cpu'` unless another backend's). */
  get device(): string {
    return this.storage.device.name;
  }

  /** Number of dimensions. @example `tensor([[1, 2]]).ndim // 2` */
  get ndim(): number {
    return this.shape.length;
  }

  /** Number of elements (NumPy's `size`, PyTorch's `numel()`). @example `zeros([2, 3]).size // 6` */
  get size(): number {
    return sizeOf(this.shape);
  }

  /** Number of elements, PyTorch's name. @example `zeros([2, 3]).numel() // 6` */
  numel(): number {
    return sizeOf(this.shape);
  }

  /** Bytes of this tensor's elements. @example `zeros([4]).nbytes // 16` */
  get nbytes(): number {
    return sizeOf(this.shape) * itemSize(this.dtype);
  }

  /**
   * The node that created this tensor, or null for a leaf. Walk `gradFn.nextFunctions` to see the graph. For a
   * view whose base was modified in place since, the view is replayed on the base's new history first.
   */
  get gradFn(): Node<Tensor> | null {
    if (this._viewVersion >= 0 && this._viewVersion !== this.storage.version && viewReplay !== null) viewReplay(this);
    return this._gradFn;
  }

  /** Set by the op that creates the tensor. @internal */
  set gradFn(node: Node<Tensor> | null) {
    this._gradFn = node;
  }

  /**
   * Accumulated gradient of a leaf (or of a non-leaf after `retainGrad()`), set by `backward()`. Assigning one of
   * another shape, dtype or device is refused, as in PyTorch (an optimizer would otherwise read garbage).
   */
  get grad(): Tensor | null {
    return this._grad;
  }

  /** Replace the gradient (e.g. `x.grad = null`); it must have this tensor's shape, dtype and device. */
  set grad(g: Tensor | null) {
    if (g !== null) {
      if (!(g instanceof Tensor)) throw new Error(`grad: a gradient must be a Tensor or null, got ${g === undefined ? 'undefined' : typeof g}.`);
      if (g.dtype !== this.dtype || g.shape.length !== this.shape.length || g.shape.some((d, i) => d !== this.shape[i]) || g.storage.device !== this.storage.device) {
        throw new Error(
          `grad: assigned grad of shape ${fmtShape(g.shape)}, dtype ${g.dtype} on ${g.device} to a tensor of shape ` +
            `${fmtShape(this.shape)}, dtype ${this.dtype} on ${this.device}; a gradient must have its tensor's shape, dtype and device.`,
        );
      }
    }
    this._grad = g;
  }

  /** True when gradients flow to this tensor: a leaf marked by the user, or the output of a recorded op. */
  get requiresGrad(): boolean {
    return this._requiresGrad || this.gradFn !== null;
  }

  /** Mark a floating-point leaf as one that gradients flow to (or not); see `requiresGrad_`. */
  set requiresGrad(value: boolean) {
    if (typeof value !== 'boolean') throw new Error(`requiresGrad: expected true or false, got ${typeof value}.`);
    if (this.gradFn !== null) {
      throw new Error(
        `requiresGrad: you can only change requiresGrad of leaf tensors; this tensor was produced by ` +
          `${this.gradFn.name}. Use detach() to get a leaf that shares its data.`,
      );
    }
    if (value && !isFloating(this.dtype)) {
      throw new Error(
        `requiresGrad: only floating-point tensors can require gradients, but this tensor has dtype ${this.dtype} ` +
          `and shape ${fmtShape(this.shape)}. Convert it first, e.g. x.to('float32').`,
      );
    }
    this._requiresGrad = value;
  }

  /**
   * Set `requiresGrad` in place (leaves only) and return this tensor.
   *
   * @example
   * ```ts
   * const w = randn([3]).requiresGrad_();
   * ```
   */
  requiresGrad_(value = true): Tensor {
    this.requiresGrad = value;
    return this;
  }

  /** True for tensors not produced by a recorded op (user-created tensors and parameters). */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /**
   * A new leaf sharing this tensor's data, cut from the graph.
   *
   * @example
   * ```ts
   * const y = x.mul(2).detach(); // y.requiresGrad === false
   * ```
   */
  detach(): Tensor {
    return new Tensor(this.storage, this.shape, this.dtype, this.strides, this.offset);
  }

  /** True when this tensor's elements are laid out row-major without gaps from `offset`. */
  isContiguous(): boolean {
    return isContiguousLayout(this.shape, this.strides);
  }

  /**
   * A flat, row-major copy of the elements as a typed array of the tensor's dtype. Waits for the device; on a
   * device that cannot read synchronously, use `dataAsync()`.
   *
   * @example
   * ```ts
   * tensor([[1, 2], [3, 4]]).data(); // Float32Array [1, 2, 3, 4]
   * ```
   */
  data(): TypedArray {
    this.checkSyncRead('data', 'dataAsync');
    const [buffer, offset] = this.contiguousBuffer();
    return this.storage.device.backend.read(buffer, this.dtype, offset, this.size);
  }

  /**
   * `data()` without blocking: resolves once the device has finished the work that computes this tensor.
   *
   * @example
   * ```ts
   * await y.dataAsync(); // Float32Array
   * ```
   */
  dataAsync(): Promise<TypedArray> {
    const [buffer, offset] = this.contiguousBuffer();
    return this.storage.device.backend.readAsync(buffer, this.dtype, offset, this.size);
  }

  /** This tensor's elements as a contiguous run: its own storage when it is one, else a fresh copy. */
  private contiguousBuffer(): [BufferHandle, number] {
    if (this.isContiguous()) return [this.buffer, this.offset];
    const backend = this.storage.device.backend;
    const out = backend.alloc(this.dtype, this.size);
    backend.copy(this, this.dtype, { buffer: out, offset: 0, strides: contiguousStrides(this.shape) }, this.dtype, this.shape);
    return [out, 0];
  }

  /**
   * The value of a one-element tensor as a JS number (booleans as 0/1).
   *
   * @example
   * ```ts
   * tensor(3).item(); // 3
   * ```
   */
  item(): number {
    this.checkOneElement('item');
    this.checkSyncRead('item', 'itemAsync');
    return this.storage.device.backend.readScalar(this.buffer, this.dtype, this.offset);
  }

  /** `item()` without blocking. @example `await loss.itemAsync()` */
  async itemAsync(): Promise<number> {
    this.checkOneElement('itemAsync');
    return (await this.dataAsync())[0]!;
  }

  /** Refuse a synchronous read on a device that reads back only asynchronously (WebGPU), naming the async form. */
  private checkSyncRead(op: string, async: string): void {
    if (this.storage.device.backend.readsAsyncOnly === true) {
      throw new AsyncReadError(op, async, this.device);
    }
  }

  private checkOneElement(op: string): void {
    if (this.size !== 1) {
      throw new Error(
        `${op}: only one-element tensors can be converted to a number, but this tensor has shape ` +
          `${fmtShape(this.shape)} (${this.size} elements). Use toArray() or data() instead.`,
      );
    }
  }

  /**
   * The elements as nested JS arrays (a number for a 0-d tensor). Bool tensors give booleans.
   *
   * @example
   * ```ts
   * tensor([[1, 2], [3, 4]]).toArray(); // [[1, 2], [3, 4]]
   * ```
   */
  toArray(): NestedArray {
    this.checkSyncRead('toArray', 'toArrayAsync');
    return nest(this.data(), this.shape, this.dtype);
  }

  /** `toArray()` without blocking. @example `await y.toArrayAsync()` */
  async toArrayAsync(): Promise<NestedArray> {
    return nest(await this.dataAsync(), this.shape, this.dtype);
  }

  /**
   * Printed the way PyTorch prints tensors, with `requiresGrad` or `gradFn` when set.
   *
   * @example
   * ```ts
   * String(tensor([1, 2.5])); // 'tensor([1.0000, 2.5000])'
   * ```
   */
  toString(): string {
    return formatTensor(this, this.storage.device.backend.readsAsyncOnly !== true);
  }
}

let viewReplay: ((view: Tensor) => void) | null = null;

/**
 * Set how a stale view is replayed on its base (the op layer installs it with the view ops; it must set the view's
 * `_gradFn` and `_viewVersion`). @internal
 *
 * @example
 * ```ts
 * setViewReplay((v) => { v._gradFn = asStrided(v._base!, v.shape, v.strides, v.offset).gradFn; v._viewVersion = v.storage.version; });
 * ```
 */
export function setViewReplay(replay: (view: Tensor) => void): void {
  viewReplay = replay;
}

/** Nested arrays of numbers or booleans, as `toArray()` returns and `tensor()` accepts. */
export type NestedArray = number | boolean | NestedArray[];

function nest(flat: TypedArray, shape: Shape, dtype: DType): NestedArray {
  const asValue = dtype === 'bool' ? (v: number) => v !== 0 : (v: number) => v;
  const nd = shape.length;
  if (nd === 0) return asValue(flat[0]!);
  let pos = 0;
  const build = (d: number): NestedArray[] => {
    const n = shape[d]!;
    const out = new Array<NestedArray>(n);
    for (let i = 0; i < n; i++) out[i] = d === nd - 1 ? asValue(flat[pos++]!) : build(d + 1);
    return out;
  };
  return build(0);
}

/**
 * The one check of every tensor's layout (see the constructor). O(ndim), so every op may pay it.
 * PyTorch's `setStorage` refuses the same layouts.
 */
function checkLayout(storage: Storage, shape: Shape, dtype: DType, strides: readonly number[], offset: number): void {
  const nd = shape.length;
  if (nd > MAX_DIMS) throw new Error(`tensor: ${nd} dimensions given, but a tensor has at most ${MAX_DIMS} (as in PyTorch).`);
  if (strides.length !== nd) throw new Error(`tensor: ${strides.length} strides for ${nd} dimensions (shape ${fmtShape(shape)}).`);
  if (dtype !== storage.dtype) throw new Error(`tensor: a ${dtype} view of a ${storage.dtype} storage; views keep their storage's dtype.`);
  if (!Number.isInteger(offset) || offset < 0) throw new Error(`tensor: the storage offset must be a non-negative integer, got ${offset}.`);
  let lo = offset, hi = offset, empty = false;
  for (let d = 0; d < nd; d++) {
    const size = shape[d]!, stride = strides[d]!;
    if (!Number.isInteger(size) || size < 0) {
      throw new Error(`tensor: invalid shape ${fmtShape(shape)}: sizes must be non-negative integers, got ${String(size)} at dim ${d}.`);
    }
    if (!Number.isInteger(stride)) throw new Error(`tensor: invalid strides [${strides.join(', ')}]: strides must be integers.`);
    if (size === 0) empty = true;
    const ext = (size - 1) * stride;
    if (ext < 0) lo += ext;
    else hi += ext;
  }
  // An empty view reads nothing, so any offset is safe (as in PyTorch: `zeros([0, 3]).narrow(1, 1, 1)`).
  if (!empty && (lo < 0 || hi >= storage.length)) {
    const need = hi + 1;
    throw new Error(
      `tensor: sizes ${fmtShape(shape)}, strides [${strides.join(', ')}] and storage offset ${offset} need a storage of ` +
        `${need} elements${lo < 0 ? ` and reach index ${lo}` : ''}, but the storage holds ${storage.length}: the view would read ` +
        `memory outside its own storage. Check the shape, or copy the data into a tensor of the right size.`,
    );
  }
}
