import type { TypedArray } from '../dtype.js';
import type { Shape } from '../shape.js';

/**
 * A strided view of a typed array: element (i0, …, ik) lives at `data[offset + Σ i_d · strides[d]]`.
 * A broadcast dimension has stride 0.
 *
 * @example
 * ```ts
 * const v: View = { data: new Float32Array(6), offset: 0, strides: [1, 2] }; // a transposed 3×2 → 2×3
 * ```
 */
export interface View {
  readonly data: TypedArray;
  readonly offset: number;
  readonly strides: readonly number[];
}

/**
 * One operand of a batched matrix product: matrix `b` starts at `offsets[b]`, and element (i, j) of it is at
 * `offsets[b] + i · rowStride + j · colStride`. Transposed and broadcast operands need no copy.
 *
 * @example
 * ```ts
 * const aT: MatrixOperand = { data, offsets: [0], rowStride: 1, colStride: m }; // Aᵀ of a row-major m×k A
 * ```
 */
export interface MatrixOperand {
  readonly data: TypedArray;
  readonly offsets: ArrayLike<number>;
  readonly rowStride: number;
  readonly colStride: number;
}

/** Elementwise functions of one argument. `sign` has a zero gradient (as in PyTorch); the others are smooth almost everywhere. */
export type UnaryKernel =
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'abs' | 'sin' | 'cos' | 'tanh' | 'sigmoid' | 'relu' | 'sign';

/**
 * Elementwise functions of two arguments; the last six compare and write 0/1 into a bool (Uint8Array) output.
 * `tanhBackward`, `sigmoidBackward` and `reluBackward` take (gradient, output of the activation).
 */
export type BinaryKernel =
  | 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'maximum' | 'minimum'
  | 'tanhBackward' | 'sigmoidBackward' | 'reluBackward'
  | 'eq' | 'ne' | 'lt' | 'le' | 'gt' | 'ge';

/** Reductions along one axis. `argmax`/`argmin` write indices (as numbers) into the output array. */
export type ReduceKernel = 'sum' | 'max' | 'min' | 'logsumexp' | 'argmax' | 'argmin';

/**
 * The compute interface every backend implements. Kernels see typed arrays and sizes only, never tensors or
 * the autograd graph: the op table decides shapes, dtypes and broadcasting, the backend computes.
 * All outputs are contiguous and row-major; inputs and outputs of one call share a dtype unless stated.
 *
 * @example
 * ```ts
 * import { getBackend } from 'adjoint';
 * const out = new Float32Array(3);
 * getBackend().unary('exp', new Float32Array([0, 1, 2]), out, 3);
 * ```
 */
export interface Backend {
  readonly name: string;
  /** `out[i] = op(x[i])` for `i < n`; `x` and `out` contiguous, same float dtype (`abs`, `neg`, `sign`, `relu` also int32). */
  unary(op: UnaryKernel, x: TypedArray, out: TypedArray, n: number): void;
  /**
   * `out = op(a, b)` over `shape`, where `a` and `b` are views already broadcast to `shape` (stride 0 on broadcast
   * dims). `a`, `b` share a dtype; `out` has it too, or is a Uint8Array for comparisons.
   */
  binary(op: BinaryKernel, a: View, b: View, out: TypedArray, shape: Shape): void;
  /** `out = cond ? a : b` over `shape`; `cond` is a bool (Uint8Array) view. */
  where(cond: View, a: View, b: View, out: TypedArray, shape: Shape): void;
  /** `out[i] = min(max(x[i], lo), hi)`; NaN stays NaN. */
  clamp(x: TypedArray, out: TypedArray, n: number, lo: number, hi: number): void;
  /** Copy a strided view into contiguous `out`, converting the dtype if `out`'s differs. */
  copy(src: View, out: TypedArray, shape: Shape): void;
  /** `x` contiguous, read as `[outer, r, inner]`; reduces the middle axis into `out` of `[outer, inner]`. */
  reduce(op: ReduceKernel, x: TypedArray, out: TypedArray, outer: number, r: number, inner: number): void;
  /** Numerically stable (log-)softmax of contiguous `x` read as `[outer, r, inner]` along the middle axis. */
  softmax(x: TypedArray, out: TypedArray, outer: number, r: number, inner: number, log: boolean): void;
  /** `out[b] = A[b] · B[b]` for `b < batch`; `A[b]` is m×k, `B[b]` is k×n, `out` contiguous `[batch, m, n]`. */
  matmul(a: MatrixOperand, b: MatrixOperand, out: TypedArray, batch: number, m: number, n: number, k: number): void;
  /**
   * One Adam/AdamW step over `p.length` elements, in place on `p`, `m`, `v` (and `vmax`, the running maximum
   * of v for AMSGrad, when not null). All arrays are contiguous and of one float dtype.
   */
  adam(p: Floats, g: Floats, m: Floats, v: Floats, vmax: Floats | null, step: AdamStep): void;
  /** One SGD step over `p.length` elements, in place on `p` and the momentum buffer `buf` when not null. */
  sgd(p: Floats, g: Floats, buf: Floats | null, step: SgdStep): void;
  /**
   * im2col: for each of `blocks` planes of `plane` elements in `x`, `out[b·len + r]` is
   * `x[b·plane + index[r]]`, or 0 where `index[r]` is -1 (padding). `x` and `out` share a dtype.
   */
  unfold(x: TypedArray, index: Int32Array, out: TypedArray, blocks: number, plane: number, len: number): void;
  /** col2im, the transpose of `unfold`: `out` is zeroed, then `out[b·plane + index[r]] += cols[b·len + r]` in order of r. */
  fold(cols: TypedArray, index: Int32Array, out: TypedArray, blocks: number, plane: number, len: number): void;
  /**
   * 2-d convolution: `x` is `[n, c, h, w]`, `weight` `[o, c, kh, kw]`, `out` `[n, o, oh, ow]`, all of one float
   * dtype. `index` is the `kh·kw·oh·ow` window map of `unfold` for `geometry`: `out[b]` is `weight` (as
   * `[o, c·kh·kw]`) times the im2col columns of image b, whichever way the backend computes it.
   */
  conv2d(x: TypedArray, weight: TypedArray, index: Int32Array, out: TypedArray, n: number, c: number, o: number, geometry: ConvGeometry): void;
}

/** A flat float array that an update writes in place. @example `const a: Floats = new Float32Array(4);` */
export type Floats = Float32Array | Float64Array;

/** Constants of one Adam/AdamW update of one parameter. @example `{ beta1: 0.9, beta2: 0.999, ... }` */
export interface AdamStep {
  readonly beta1: number;
  readonly beta2: number;
  /** lr / (1 − β₁ᵗ). */
  readonly stepSize: number;
  /** √(1 − β₂ᵗ). */
  readonly biasCorrection2Sqrt: number;
  readonly eps: number;
  /** Factor applied to p first: 1 − lr·λ for AdamW, else 1. */
  readonly decay: number;
  /** L2 coefficient added to the gradient (Adam's weight decay), else 0. */
  readonly l2: number;
  /** −1 to maximize, else 1. */
  readonly sign: number;
}

/** Constants of one SGD update of one parameter. @example `{ lr: 0.1, momentum: 0.9, ... }` */
export interface SgdStep {
  readonly lr: number;
  readonly momentum: number;
  readonly dampening: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
  /** −1 to maximize, else 1. */
  readonly sign: number;
  /** True on the first step with momentum: the buffer starts as the gradient. */
  readonly first: boolean;
}

/** The sizes of one 2-d convolution, each (height, width): input, kernel, stride, padding, dilation, output. */
export interface ConvGeometry {
  readonly h: number;
  readonly w: number;
  readonly kh: number;
  readonly kw: number;
  readonly sh: number;
  readonly sw: number;
  readonly ph: number;
  readonly pw: number;
  readonly dh: number;
  readonly dw: number;
  readonly oh: number;
  readonly ow: number;
}
