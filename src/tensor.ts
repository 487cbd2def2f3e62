import type { DType, TypedArray } from './dtype.js';
import { allocate, isFloating, itemSize } from './dtype.js';
import type { Shape } from './shape.js';
import { contiguousStrides, fmtShape, sizeOf } from './shape.js';
import { Storage } from './storage.js';
import type { Node } from './autograd/node.js';
import { formatTensor } from './format.js';

/** A function run on a tensor's gradient during backward; returning a tensor replaces the gradient. */
export type TensorHook = (grad: Tensor) => Tensor | void;

/**
 * An n-dimensional array that records the operations applied to it when it requires grad, so that
 * `backward()` can compute gradients. Tensors are ordinary garbage-collected objects: never dispose them.
 * Most methods (`add`, `matmul`, `sum`, `backward`, …) are attached in `tensor-methods.ts`.
 *
 * @example
 * ```ts
 * import { tensor } from 'adjoint';
 * const x = tensor([[1, 2], [3, 4]], { requiresGrad: true });
 * x.shape; // [2, 2]
 * ```
 */
export class Tensor {
  /** The node that created this tensor, or null for a leaf. Walk `gradFn.nextFunctions` to see the graph. */
  gradFn: Node | null = null;
  /** Accumulated gradient of a leaf (or of a non-leaf after `retainGrad()`), set by `backward()`. */
  grad: Tensor | null = null;
  /** @internal */ _requiresGrad = false;
  /** @internal */ _retainsGrad = false;
  /** @internal forward-mode tangent, valid at level `_tangentLevel` (see forward-ad.ts). */ _tangent: Tensor | null = null;
  /** @internal */ _tangentLevel = 0;
  /** @internal the AccumulateGrad node of a leaf, created on first use in a graph. */ _accumulator: Node | null = null;
  /** @internal the tensor whose storage this view shares (set by view ops), for the in-place checks. */ _base: Tensor | null = null;

  constructor(
    /** @internal */ readonly storage: Storage,
    readonly shape: Shape,
    readonly dtype: DType,
    /** Element strides into the storage (row-major for contiguous tensors; 0 on expanded dims). */
    readonly strides: readonly number[] = contiguousStrides(shape),
    /** Element offset of the first element in the storage. */
    readonly offset = 0,
  ) {}

  /** Make a fresh contiguous tensor over a typed array (no copy). @internal */
  static fromArray(data: TypedArray, shape: Shape, dtype: DType): Tensor {
    return new Tensor(new Storage(data), shape, dtype);
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

  /** True when gradients flow to this tensor: a leaf marked by the user, or the output of a recorded op. */
  get requiresGrad(): boolean {
    return this._requiresGrad || this.gradFn !== null;
  }

  set requiresGrad(value: boolean) {
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

  /** True for tensors not produced by a recorded op (user-created tensors and parameters). */
  get isLeaf(): boolean {
    return this.gradFn === null;
  }

  /** True when this tensor's elements are laid out row-major without gaps from `offset`. */
  isContiguous(): boolean {
    let expected = 1;
    for (let i = this.shape.length - 1; i >= 0; i--) {
      const d = this.shape[i]!;
      if (d !== 1 && this.strides[i] !== expected) return false;
      expected *= d;
    }
    return true;
  }

  /**
   * A flat, row-major copy of the elements as a typed array of the tensor's dtype.
   *
   * @example
   * ```ts
   * tensor([[1, 2], [3, 4]]).data(); // Float32Array [1, 2, 3, 4]
   * ```
   */
  data(): TypedArray {
    const n = this.size;
    const out = allocate(this.dtype, n);
    const src = this.storage.data;
    if (this.isContiguous()) {
      (out as Float64Array).set((src as Float64Array).subarray(this.offset, this.offset + n));
      return out;
    }
    const nd = this.ndim;
    const idx = new Array<number>(nd).fill(0);
    let off = this.offset;
    for (let i = 0; i < n; i++) {
      out[i] = src[off]!;
      for (let d = nd - 1; d >= 0; d--) {
        idx[d]!++;
        off += this.strides[d]!;
        if (idx[d]! < this.shape[d]!) break;
        off -= this.strides[d]! * this.shape[d]!;
        idx[d] = 0;
      }
    }
    return out;
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
    if (this.size !== 1) {
      throw new Error(
        `item: only one-element tensors can be converted to a number, but this tensor has shape ` +
          `${fmtShape(this.shape)} (${this.size} elements). Use toArray() or data() instead.`,
      );
    }
    return this.storage.data[this.offset]!;
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
    const flat = this.data();
    const asValue = this.dtype === 'bool' ? (v: number) => v !== 0 : (v: number) => v;
    if (this.ndim === 0) return asValue(flat[0]!);
    let pos = 0;
    const build = (d: number): NestedArray[] => {
      const n = this.shape[d]!;
      const out = new Array<NestedArray>(n);
      for (let i = 0; i < n; i++) out[i] = d === this.ndim - 1 ? asValue(flat[pos++]!) : build(d + 1);
      return out;
    };
    return build(0);
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
    return formatTensor(this);
  }
}

/** Nested arrays of numbers or booleans, as `toArray()` returns and `tensor()` accepts. */
export type NestedArray = number | boolean | NestedArray[];
