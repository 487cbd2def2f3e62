import type { DType, TypedArray } from '../dtype.js';
import type { Shape } from '../shape.js';
import type { BinaryKernel, ReduceKernel, ScanKernel, TernaryKernel, UnaryKernel } from './catalog.js';

declare const HANDLE: unique symbol;

/**
 * A backend's handle to the memory behind one storage. Opaque outside the backend that made it: the op layer
 * only passes handles back to kernels, so a backend may keep its buffers wherever it likes (a JS typed array
 * for the CPU backends, device memory for a GPU). Only the backend that allocated a handle may use it.
 *
 * @example
 * ```ts
 * const h: BufferHandle = getBackend().alloc('float32', 4);
 * ```
 */
export interface BufferHandle {
  /** The brand that makes a handle opaque: only the backend that made it looks through it. */
  readonly [HANDLE]: true;
}

/**
 * A strided view of a buffer: element (i0, …, ik) lives at `offset + Σ i_d · strides[d]` (in elements). A
 * broadcast dimension has stride 0. A `Tensor` is a view of its own storage.
 *
 * @example
 * ```ts
 * const v: View = { buffer, offset: 0, strides: [1, 2] }; // a transposed 3×2, read as 2×3
 * ```
 */
export interface View {
  /** The buffer the view reads. */
  readonly buffer: BufferHandle;
  /** Element index of element (0, …, 0). */
  readonly offset: number;
  /** Per dimension, how many elements apart consecutive indices are. */
  readonly strides: readonly number[];
}

/**
 * One operand of a batched matrix product: matrix `b` starts at `offsets[b]`, and element (i, j) of it is at
 * `offsets[b] + i · rowStride + j · colStride`. Transposed and broadcast operands need no copy.
 *
 * @example
 * ```ts
 * const aT: MatrixOperand = { buffer, offsets: [0], rowStride: 1, colStride: m }; // Aᵀ of a row-major m×k A
 * ```
 */
export interface MatrixOperand {
  /** The buffer holding the matrices. */
  readonly buffer: BufferHandle;
  /** Element index where each matrix of the batch starts. */
  readonly offsets: ArrayLike<number>;
  /** Elements between consecutive rows. */
  readonly rowStride: number;
  /** Elements between consecutive columns. */
  readonly colStride: number;
}

/**
 * The compute and memory interface every backend implements: the seam between the op table and the hardware.
 * Kernels see buffers, dtypes and sizes only, never tensors or the autograd graph: the op table decides shapes,
 * dtypes and broadcasting, the backend computes. Outputs are contiguous and row-major and are allocated by the
 * caller with `alloc`; inputs and outputs of one call share `dtype` unless stated. An output never overlaps an
 * input, except that elementwise kernels may write over a contiguous input at the same offset.
 *
 * Calls return once the work is *issued*: a device backend may complete it later, in order. Results become
 * observable only through `read`/`readScalar` (which wait for the work before them) or `readAsync`.
 *
 * @example
 * ```ts
 * import { getBackend } from 'adjoint';
 * const b = getBackend();
 * const x = b.fromHost(new Float32Array([0, 1, 2]));
 * const y = b.alloc('float32', 3);
 * b.unary('exp', 'float32', x, 0, y, 3);
 * b.read(y, 'float32', 0, 3); // Float32Array [1, 2.718..., 7.389...]
 * ```
 */
export interface Backend {
  /** The name `setBackend` takes. */
  readonly name: string;
  /**
   * The device whose buffers this backend reads: `'cpu'` for the TypeScript and WebAssembly backends, which
   * share JS typed arrays (so a tensor made under one works under the other), or a device of its own.
   */
  readonly device: string;
  /**
   * True for a device that can only read back asynchronously (WebGPU has only `mapAsync`): its `read` and
   * `readScalar` throw, and tensors on it are read with `dataAsync()`, `itemAsync()`, `toArrayAsync()`.
   */
  readonly readsAsyncOnly?: boolean;
  /**
   * Optional: report an error at the next read-back when any of the `n` bool elements of `mask` (from
   * `maskOffset`) is set, describing the first one found with its index and the element of `values` (int32,
   * contiguous from `valuesOffset`) there. A device that reads back asynchronously implements this, so that checks
   * on values (class labels) need no synchronous read; elsewhere callers check with a read.
   */
  deferCheck?(mask: BufferHandle, maskOffset: number, values: BufferHandle, valuesOffset: number, n: number,
    report: (index: number, value: number) => Error): void;

  // ---- memory ----

  /** A zero-filled buffer of `n` elements of `dtype`. */
  alloc(dtype: DType, n: number): BufferHandle;
  /**
   * Optional: `buffer` is dead (the autograd engine has added a gradient it made into another buffer, and nothing
   * else can reach it), so the backend may hand it out again from `alloc`. Backends without a pool omit it.
   */
  release?(buffer: BufferHandle): void;
  /** A buffer holding `data`'s elements. The backend may take `data` itself (the CPU backends do): never write it afterwards. */
  fromHost(data: TypedArray): BufferHandle;
  /** A fresh host copy of `n` elements from `offset`, once all work issued before has completed. May throw where a device cannot read synchronously. */
  read(buffer: BufferHandle, dtype: DType, offset: number, n: number): TypedArray;
  /** One element as a number (bool as 0/1), synchronously (see `read`). */
  readScalar(buffer: BufferHandle, dtype: DType, offset: number): number;
  /** `read` without blocking: resolves once the work issued before has completed. */
  readAsync(buffer: BufferHandle, dtype: DType, offset: number, n: number): Promise<TypedArray>;

  // ---- elementwise ----

  /** `out[i] = op(x[offset + i])` for `i < n`. */
  unary(op: UnaryKernel, dtype: DType, x: BufferHandle, offset: number, out: BufferHandle, n: number): void;
  /**
   * `out = op(a, b)` over `shape`, where `a` and `b` are views already broadcast to `shape` (stride 0 on broadcast
   * dims) of one `dtype`; `out` has that dtype too, or is bool for the comparisons.
   */
  binary(op: BinaryKernel, dtype: DType, a: View, b: View, out: BufferHandle, shape: Shape): void;
  /**
   * `out = op(a, b, c; s)` over `shape` (see `TERNARY_KERNELS`), where `a`, `b` and `c` are views of `dtype`
   * already broadcast to `shape`; `out` has that dtype. float32 computes each step in float32, as PyTorch does.
   */
  ternary(op: TernaryKernel, dtype: DType, a: View, b: View, c: View, out: BufferHandle, shape: Shape, s: number): void;
  /** `out = cond ? a : b` over `shape`; `cond` is a bool view, `a`, `b` and `out` are of `dtype`. */
  where(dtype: DType, cond: View, a: View, b: View, out: BufferHandle, shape: Shape): void;
  /** `out[i] = min(max(x[offset + i], lo), hi)` in that order (all `hi` when lo > hi); NaN stays NaN. */
  clamp(dtype: DType, x: BufferHandle, offset: number, out: BufferHandle, n: number, lo: number, hi: number): void;
  /**
   * Copy a strided view of `from` dtype into a strided view of `to` dtype over `shape`, converting: to int32 by
   * truncation toward zero (NaN to 0, out-of-range values clamped), to bool by `x !== 0`. The destination may be
   * any view that does not overlap the source and does not overlap itself.
   */
  copy(src: View, from: DType, dst: View, to: DType, shape: Shape): void;
  /** Write `value` (converted to `dtype` as `copy` does) into every element of the view `dst` over `shape`. */
  fill(dtype: DType, dst: View, shape: Shape, value: number): void;
  /** `out[i] = start + i · step` for `i < n` (in `dtype`'s arithmetic: float32 rounds each element). */
  arange(dtype: DType, out: BufferHandle, n: number, start: number, step: number): void;

  // ---- reductions ----

  /**
   * `x` (from `offset`) read as `[outer, r, inner]`; reduces the middle axis into `out` of `[outer, inner]`.
   * `argmax`/`argmin` write int32, `all`/`any` bool; an int32 `sum` or `prod` is exact and throws when it does not
   * fit in int32.
   */
  reduce(op: ReduceKernel, dtype: DType, x: BufferHandle, offset: number, out: BufferHandle, outer: number, r: number, inner: number): void;
  /**
   * Variance along the middle axis of `x` (from `offset`) read as `[outer, r, inner]`: Σ (x − mean)² / max(0, r −
   * correction) into `out` (`[outer, inner]`), and the mean into `mean` when not null; numerically sound (two
   * passes or Welford), not Σx² − (Σx)²/r.
   */
  variance(dtype: DType, x: BufferHandle, offset: number, out: BufferHandle, mean: BufferHandle | null, outer: number, r: number,
    inner: number, correction: number): void;
  /**
   * The vector p-norm along the middle axis of `x` (from `offset`) read as `[outer, r, inner]` into `out`
   * (`[outer, inner]`): (Σ |x|^p)^(1/p); p = ±∞ is max/min |x|, p = 0 the count of nonzero elements.
   */
  norm(dtype: DType, x: BufferHandle, offset: number, out: BufferHandle, outer: number, r: number, inner: number, p: number): void;
  /**
   * An inclusive scan along the middle axis of `x` (from `offset`) read as `[outer, r, inner]` into `out` of the
   * same shape: cumsum/cumprod/logcumsumexp write `dtype` (int32 exactly, throwing when a running value does not
   * fit), cummax/cummin the int32 index of the running extreme (the later one on ties; NaN sticks).
   */
  scan(op: ScanKernel, dtype: DType, x: BufferHandle, offset: number, out: BufferHandle, outer: number, r: number, inner: number): void;
  /** Numerically stable (log-)softmax of `x` (from `offset`) read as `[outer, r, inner]` along the middle axis. */
  softmax(dtype: DType, x: BufferHandle, offset: number, out: BufferHandle, outer: number, r: number, inner: number, log: boolean): void;

  // ---- sorting and selection (NaN counts as larger than every number; ties keep their order) ----

  /**
   * The positions (int32, `[outer, k, inner]`) of the first `k` elements of the stable sort, ascending or
   * `descending`, of each line along the middle axis of `x` (from `offset`) read as `[outer, r, inner]`.
   */
  sort(dtype: DType, x: BufferHandle, offset: number, out: BufferHandle, outer: number, r: number, inner: number, descending: boolean,
    k: number): void;
  /**
   * The position (int32, `[outer, inner]`) of the element a stable ascending sort puts at `k` (0-based) in each line
   * along the middle axis of `x` (from `offset`) read as `[outer, r, inner]`; with `propagateNaN`, of a line's first
   * NaN when it holds one.
   */
  select(dtype: DType, x: BufferHandle, offset: number, out: BufferHandle, outer: number, r: number, inner: number, k: number,
    propagateNaN: boolean): void;
  /**
   * The distinct slices `x[:, j, :]` of `x` (from `offset`) read as `[outer, r, inner]`, ascending
   * (lexicographically; every NaN distinct): the first `count[0]` slices of `values` (`[outer, r, inner]`) get them,
   * `inverse` (int32 `[r]`) each input slice's position among them, `counts` (int32 `[r]`) their multiplicities.
   */
  unique(dtype: DType, x: BufferHandle, offset: number, outer: number, r: number, inner: number, values: BufferHandle, inverse: BufferHandle,
    counts: BufferHandle, count: BufferHandle): void;

  // ---- linear algebra and windows ----

  /** `out[b] = A[b] · B[b]` for `b < batch`; `A[b]` is m×k, `B[b]` is k×n, `out` contiguous `[batch, m, n]`. */
  matmul(dtype: DType, a: MatrixOperand, b: MatrixOperand, out: BufferHandle, batch: number, m: number, n: number, k: number): void;
  /**
   * im2col: `x` is `[blocks, h, w]` from `offset`; `out` is `[blocks, kh·kw, oh·ow]`, each window element or 0
   * where the window reaches into the padding.
   */
  unfold(dtype: DType, x: BufferHandle, offset: number, out: BufferHandle, blocks: number, geometry: ConvGeometry): void;
  /** col2im, the transpose of `unfold`: `out` `[blocks, h, w]` is the sum of every column element at its position. */
  fold(dtype: DType, cols: BufferHandle, offset: number, out: BufferHandle, blocks: number, geometry: ConvGeometry): void;
  /**
   * 2-d convolution: `x` `[n, c, h, w]`, `weight` `[o, c, kh, kw]` (both contiguous from offset 0), `out`
   * `[n, o, oh, ow]`. When `columns` is given (`[n, c·kh·kw, oh·ow]`), it receives the im2col columns of `x` and
   * the backend computes through them; otherwise it computes the output however it likes.
   */
  conv2d(dtype: DType, x: BufferHandle, weight: BufferHandle, out: BufferHandle, n: number, c: number, o: number,
    geometry: ConvGeometry, columns: BufferHandle | null): void;
  /**
   * 2-d max pooling of `x` `[planes, h, w]` (from offset 0): `out` `[planes, oh·ow]` gets each window's maximum
   * (padding counts as -∞; the first maximum wins ties; NaN wins over everything) and `indices` (int32) its
   * position `ih·w + iw` within the plane.
   */
  maxPool2d(dtype: DType, x: BufferHandle, out: BufferHandle, indices: BufferHandle, planes: number, geometry: ConvGeometry): void;
  /**
   * 2-d average pooling of `x` `[planes, h, w]` (from offset 0; the geometry's dilation is 1): `out` `[planes, oh·ow]`
   * gets the sum of the input each window covers divided by `divisor` when it is not 0, else by the window's size
   * clipped to the padded input (`countIncludePad`) or to the input (PyTorch's rule, also for ceil mode's partial
   * windows); a window that covers no input gives 0.
   */
  avgPool2d(dtype: DType, x: BufferHandle, out: BufferHandle, planes: number, geometry: ConvGeometry, countIncludePad: boolean, divisor: number): void;
  /**
   * The transpose of `avgPool2d`: `out` `[planes, h, w]` gets, at each input element, the sum over the windows that
   * cover it of `grad` `[planes, oh·ow]` (from offset 0) divided by each window's divisor.
   */
  avgPool2dBackward(dtype: DType, grad: BufferHandle, out: BufferHandle, planes: number, geometry: ConvGeometry, countIncludePad: boolean,
    divisor: number): void;
  /**
   * Adaptive max pooling of `x` `[planes, h, w]` (from offset 0) to `oh × ow`: `indices` (int32, `[planes, oh·ow]`)
   * gets the position `ih·w + iw` of the maximum over rows [⌊i·h/oh⌋, ⌈(i+1)·h/oh⌉) and the like columns (the
   * first maximum wins ties; NaN wins over everything).
   */
  adaptiveMaxPool2d(dtype: DType, x: BufferHandle, indices: BufferHandle, planes: number, h: number, w: number, oh: number, ow: number): void;
  /**
   * Adaptive average pooling of `x` `[planes, h, w]` (from offset 0) to `oh × ow`: `out` `[planes, oh·ow]` gets the mean
   * over rows [⌊i·h/oh⌋, ⌈(i+1)·h/oh⌉) and the like columns.
   */
  adaptiveAvgPool2d(dtype: DType, x: BufferHandle, out: BufferHandle, planes: number, h: number, w: number, oh: number, ow: number): void;
  /**
   * The transpose of `adaptiveAvgPool2d`: `out` `[planes, h, w]` gets, at each input element, the sum over the windows
   * that cover it of `grad` `[planes, oh·ow]` (from offset 0) divided by each window's size.
   */
  adaptiveAvgPool2dBackward(dtype: DType, grad: BufferHandle, out: BufferHandle, planes: number, h: number, w: number, oh: number, ow: number): void;

  // ---- recurrent cells (fused: one call for the gates' nonlinearities and the state update) ----

  /**
   * One LSTM cell after its gate pre-activations: `gates` `[rows, 4h]` (input, forget, cell, output, PyTorch's
   * order) and the cell state `c` `[rows, h]` give `c' = σ(f)·c + σ(i)·tanh(g)` and `h' = σ(o)·tanh(c')`, written
   * to `out` as `[h' | c']` (`[2, rows, h]`). Every operand contiguous from offset 0.
   */
  lstmCell(dtype: DType, gates: BufferHandle, c: BufferHandle, out: BufferHandle, rows: number, h: number): void;
  /**
   * The LSTM cell's backward: from `grad` `[2, rows, h]` (the gradients of h' and c'), the gates' pre-activations
   * and `c`, writes `[dgates | dc]` (`rows·4h` then `rows·h` elements) to `out`, recomputing the activations.
   * Every operand contiguous from offset 0.
   */
  lstmCellBackward(dtype: DType, grad: BufferHandle, gates: BufferHandle, c: BufferHandle, out: BufferHandle, rows: number, h: number): void;
  /**
   * One GRU cell after its projections: `gi` `[rows, 3h]` (the input's, with `b_ih`) and `gh` `[rows, 3h]` (the
   * hidden state's, with `b_hh`), in PyTorch's gate order (reset, update, new), and the hidden state `h` `[rows, h]`
   * give `h' = (1 − z)·n + z·h` with `r = σ(gi_r + gh_r)`, `z = σ(gi_z + gh_z)`, `n = tanh(gi_n + r·gh_n)`, written to
   * `out` `[rows, h]`. Every operand contiguous from offset 0.
   */
  gruCell(dtype: DType, gi: BufferHandle, gh: BufferHandle, h: BufferHandle, out: BufferHandle, rows: number, hidden: number): void;
  /**
   * The GRU cell's backward: from `grad` `[rows, h]` (the gradient of h'), `gi`, `gh` and `h`, writes
   * `[dgi | dgh | dh]` (`rows·3h`, `rows·3h`, `rows·h` elements) to `out`, recomputing the gates. Every operand
   * contiguous from offset 0.
   */
  gruCellBackward(dtype: DType, grad: BufferHandle, gi: BufferHandle, gh: BufferHandle, h: BufferHandle, out: BufferHandle, rows: number,
    hidden: number): void;

  // ---- normalisation (fused: one call computes the statistics, normalises and applies the affine map) ----

  /**
   * LayerNorm over `x` read as `[rows, m]`: per row the mean and biased variance, `out = (x − mean) · rstd ·
   * weight + bias` (`rstd = 1/√(var + eps)`; `weight`, `bias` [m] may be null), and `mean`, `rstd` [rows] for the
   * backward. Every operand contiguous from offset 0.
   */
  layerNorm(dtype: DType, x: BufferHandle, weight: BufferHandle | null, bias: BufferHandle | null, out: BufferHandle,
    mean: BufferHandle, rstd: BufferHandle, rows: number, m: number, eps: number): void;
  /**
   * LayerNorm's backward over `[rows, m]`: `dx = rstd · (a − mean(a) − x̂ · mean(a · x̂))` per row, with
   * `x̂ = (x − mean) · rstd` and `a = g · weight`; `dweight = Σ_rows g · x̂` and `dbias = Σ_rows g` ([m]). `out` receives
   * the parts `mask` ([dx, dweight, dbias]) selects, one after the other. Every operand contiguous from offset 0.
   */
  layerNormBackward(dtype: DType, grad: BufferHandle, x: BufferHandle, mean: BufferHandle, rstd: BufferHandle, weight: BufferHandle | null,
    out: BufferHandle, mask: NormMask, rows: number, m: number): void;
  /**
   * BatchNorm over `x` read as `[n, c, s]`, per channel: batch statistics when `stats.training` (updating the
   * running statistics in place when given: `(1 − momentum) · running + momentum · batch`, unbiased variance),
   * else the running statistics. `out = (x − mean) · invstd · weight + bias`; `mean`, `invstd` [c] receive the
   * statistics used. Every operand contiguous from offset 0.
   */
  batchNorm(dtype: DType, x: BufferHandle, weight: BufferHandle | null, bias: BufferHandle | null, out: BufferHandle,
    mean: BufferHandle, invstd: BufferHandle, n: number, c: number, s: number, stats: BatchNormStats): void;
  /**
   * BatchNorm's backward over `[n, c, s]`: `dweight = Σ g · x̂`, `dbias = Σ g` per channel, and `dx = weight · invstd ·
   * (g − mean(g) − x̂ · mean(g · x̂))` for batch statistics (`training`), `weight · invstd · g` for fixed ones. `out`
   * receives the parts `mask` ([dx, dweight, dbias]) selects, one after the other. Operands contiguous from offset 0.
   */
  batchNormBackward(dtype: DType, grad: BufferHandle, x: BufferHandle, mean: BufferHandle, invstd: BufferHandle, weight: BufferHandle | null,
    out: BufferHandle, mask: NormMask, n: number, c: number, s: number, training: boolean): void;
  // ---- dense linear algebra (`batch` contiguous row-major matrices from offset 0; float32 or float64) ----

  /**
   * LU factorization with partial pivoting (LAPACK's getrf): `lu` gets L (unit diagonal, not stored) below the
   * diagonal and U on and above it; `pivots` (int32 `[batch, n]`) the row swapped with row i at step i (0-based);
   * `info` (int32 `[batch]`) 0, or i + 1 when U's diagonal element i is exactly zero (the first such i).
   */
  luFactor(dtype: DType, a: BufferHandle, lu: BufferHandle, pivots: BufferHandle, info: BufferHandle, batch: number, n: number): void;
  /** Solve A·X = B from `luFactor`'s `lu` and `pivots`; `b` and `out` are `[batch, n, k]`. */
  luSolve(dtype: DType, lu: BufferHandle, pivots: BufferHandle, b: BufferHandle, out: BufferHandle, batch: number, n: number, k: number): void;
  /**
   * The determinant from `luFactor`'s output: `out` `[batch]`; or, with `log`, `[batch, 2]` holding the sign (0 when
   * singular) and log |det| (-∞ when singular).
   */
  luDet(dtype: DType, lu: BufferHandle, pivots: BufferHandle, out: BufferHandle, batch: number, n: number, log: boolean): void;
  /**
   * Solve A·X = B for triangular A (only the `upper` or lower triangle is read; `unitDiagonal` takes the diagonal as
   * ones); `a` is `[batch, n, n]`, `b` and `out` `[batch, n, k]`. A zero on the diagonal gives infinities or NaN.
   */
  triangularSolve(dtype: DType, a: BufferHandle, b: BufferHandle, out: BufferHandle, batch: number, n: number, k: number,
    upper: boolean, unitDiagonal: boolean): void;
  /**
   * Cholesky factor L (zeros above the diagonal) of symmetric positive-definite matrices, reading their lower
   * triangle; `info` (int32 `[batch]`) 0, or i when the leading minor of order i is not positive-definite.
   */
  cholesky(dtype: DType, a: BufferHandle, out: BufferHandle, info: BufferHandle, batch: number, n: number): void;
  /**
   * Householder QR of m×n matrices with LAPACK's sign convention (geqrf/orgqr). With k = min(m, n), `r` gets R
   * (k×n, or m×n when `complete`) and `q`, unless null, Q (m×k, or m×m when `complete`).
   */
  qr(dtype: DType, a: BufferHandle, q: BufferHandle | null, r: BufferHandle, batch: number, m: number, n: number, complete: boolean): void;
  /**
   * Eigenvalues in ascending order (`values` `[batch, n]`) and orthonormal eigenvectors as columns (`vectors`
   * `[batch, n, n]`) of symmetric matrices, reading their lower triangle; `info` (int32 `[batch]`) 0, or nonzero
   * when the iteration failed (NaN or infinite input), whose outputs are then NaN.
   */
  eigh(dtype: DType, a: BufferHandle, values: BufferHandle, vectors: BufferHandle, info: BufferHandle, batch: number, n: number): void;
  /** The cofactor matrix adj(A)ᵀ (det's gradient) of n×n matrices, exact for singular ones as well. */
  cofactor(dtype: DType, a: BufferHandle, out: BufferHandle, batch: number, n: number): void;

  // ---- indexing (indices are int32; every kernel checks them and throws `indexError`, naming `op` and `dim`) ----

  /**
   * Blocks along one dim: `x` is `[outer, size, inner]` (from `offset`), `index` holds `count` int32 indices in
   * [0, size); `out[o, i, :] = x[o, index[i], :]`, `out` `[outer, count, inner]`.
   */
  indexSelect(dtype: DType, x: BufferHandle, offset: number, index: BufferHandle, indexOffset: number, out: BufferHandle,
    outer: number, size: number, inner: number, count: number, dim: number, op: string): void;
  /**
   * The transpose of `indexSelect`, in place on `out` `[outer, size, inner]`: `out[o, index[i], :] += src[o, i, :]`
   * for `src` `[outer, count, inner]` (contiguous from offset 0), in order of i.
   */
  indexAdd(dtype: DType, out: BufferHandle, index: BufferHandle, indexOffset: number, src: BufferHandle,
    outer: number, size: number, inner: number, count: number, dim: number, op: string): void;
  /**
   * Along `dim`: `out[..., j, ...] = x[..., index[..., j, ...], ...]` where `index` has shape `indexShape` (same rank
   * as `xShape`, no larger except at `dim`), `x` and `index` contiguous from offset 0; `out` has `indexShape`.
   */
  gather(dtype: DType, x: BufferHandle, xShape: Shape, index: BufferHandle, indexShape: Shape, dim: number, out: BufferHandle,
    op: string): void;
  /** The transpose of `gather`, in place on `out` (of `outShape`): `out[..., index[..., j, ...], ...] += src[..., j, ...]`. */
  scatterAdd(dtype: DType, out: BufferHandle, outShape: Shape, index: BufferHandle, indexShape: Shape, dim: number,
    src: BufferHandle, op: string): void;

  // ---- advanced indexing (indices may be negative: each wraps once, then must be in [0, size)) ----

  /**
   * Indexing by integer tensors (PyTorch's `x[idx0, :, idx1]`): for every position p of `shape`, row-major,
   * `out[p]` (contiguous) is the element of `at.x` at `at.x.offset + Σ_d p_d·at.x.strides[d] + Σ_j i_j·at.dimStrides[j]`,
   * where `i_j` is the element of `at.indices[j]` at `Σ_d p_d·at.indices[j].strides[d]` (see `IndexedView`).
   */
  indexGather(dtype: DType, at: IndexedView, out: BufferHandle, shape: Shape, op: string): void;
  /**
   * The transpose of `indexGather`, in place on `at.x`: each element of `values` (a view over `shape`, of `dtype`)
   * is written to, or with `accumulate` added into, the element `indexGather` would read, in row-major order (the
   * last write wins where indices repeat). int32 sums that do not fit are errors; bool sums are logical or.
   */
  indexPut(dtype: DType, at: IndexedView, values: View, shape: Shape, accumulate: boolean, op: string): void;
  /**
   * The positions of the nonzero elements of the view `x` over `shape` (NaN counts as nonzero), row-major, as
   * `count` rows of `shape.length` int32 indices in `out`; the caller counts them first (`count` is exact).
   */
  nonzero(dtype: DType, x: View, shape: Shape, out: BufferHandle, count: number): void;
  /**
   * `scatterAdd` with another reduction, in place on `out` (of `outShape`, holding self; `index` and `src`
   * contiguous from offset 0, of `indexShape`): `assign` writes (the last write wins), `sum`/`prod`/`amax`/`amin`
   * /`mean` combine every value sent to a position, with the old value when `includeSelf`, else starting from the
   * first one sent there; `mean` divides by the count combined (flooring for int32); NaN wins in amax/amin.
   */
  scatterReduce(dtype: DType, out: BufferHandle, outShape: Shape, index: BufferHandle, indexShape: Shape, dim: number,
    src: BufferHandle, reduce: ScatterReduceKind, includeSelf: boolean, op: string): void;

  // ---- optimizers (contiguous float buffers of `n` elements, updated in place) ----

  /** One Adam/AdamW step: `p`, `m`, `v` (and `vmax`, the running maximum of v for AMSGrad, when not null) in place. */
  adam(dtype: DType, p: BufferHandle, g: BufferHandle, m: BufferHandle, v: BufferHandle, vmax: BufferHandle | null, n: number, step: AdamStep): void;
  /** One SGD step: `p` and the momentum buffer `buf` (when not null) in place. */
  sgd(dtype: DType, p: BufferHandle, g: BufferHandle, buf: BufferHandle | null, n: number, step: SgdStep): void;
  /**
   * One RMSprop step: `p` and the running average of squares `sq` in place, plus the running average of the
   * gradient `gavg` (centered, when not null) and the momentum buffer `buf` (when not null).
   */
  rmsprop?(dtype: DType, p: BufferHandle, g: BufferHandle, sq: BufferHandle, gavg: BufferHandle | null, buf: BufferHandle | null, n: number,
    step: RmspropStep): void;
  /** One Adagrad step: `p` and the sum of squares `sum` in place. */
  adagrad?(dtype: DType, p: BufferHandle, g: BufferHandle, sum: BufferHandle, n: number, step: AdagradStep): void;
  /** One Adamax step: `p`, the first moment `m` and the infinity norm `u` in place. */
  adamax?(dtype: DType, p: BufferHandle, g: BufferHandle, m: BufferHandle, u: BufferHandle, n: number, step: AdamaxStep): void;
  /** One NAdam step: `p` and the moments `m`, `v` in place. */
  nadam?(dtype: DType, p: BufferHandle, g: BufferHandle, m: BufferHandle, v: BufferHandle, n: number, step: NadamStep): void;
  /** One RAdam step: `p` and the moments `m`, `v` in place. */
  radam?(dtype: DType, p: BufferHandle, g: BufferHandle, m: BufferHandle, v: BufferHandle, n: number, step: RadamStep): void;
}

/** Constants of one RMSprop update. @example `{ lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, sign: 1 }` */
export interface RmspropStep {
  /** The learning rate. */
  readonly lr: number;
  /** The smoothing constant of the running average of squares. */
  readonly alpha: number;
  /** Added to the denominator for numerical stability. */
  readonly eps: number;
  /** L2 penalty coefficient (0: none). */
  readonly weightDecay: number;
  /** Momentum factor (0: none). */
  readonly momentum: number;
  /** −1 to maximize, else 1. */
  readonly sign: number;
}

/** Constants of one Adagrad update. @example `{ clr: 0.01, eps: 1e-10, weightDecay: 0, sign: 1 }` */
export interface AdagradStep {
  /** lr / (1 + (t − 1)·lrDecay). */
  readonly clr: number;
  /** Added to the denominator for numerical stability. */
  readonly eps: number;
  /** L2 penalty coefficient (0: none). */
  readonly weightDecay: number;
  /** −1 to maximize, else 1. */
  readonly sign: number;
}

/** Constants of one Adamax update. @example `{ beta1: 0.9, beta2: 0.999, eps: 1e-8, clr: 0.02, weightDecay: 0, sign: 1 }` */
export interface AdamaxStep {
  /** Decay rate of the first moment (β₁). */
  readonly beta1: number;
  /** Decay rate of the second moment (β₂). */
  readonly beta2: number;
  /** Added to the denominator for numerical stability. */
  readonly eps: number;
  /** lr / (1 − β₁ᵗ). */
  readonly clr: number;
  /** L2 penalty coefficient (0: none). */
  readonly weightDecay: number;
  /** −1 to maximize, else 1. */
  readonly sign: number;
}

/** Constants of one NAdam update. @example `{ beta1: 0.9, beta2: 0.999, biasCorrection2: 0.001, eps: 1e-8, gradCoef: -0.01, avgCoef: -0.09, weightDecay: 0, sign: 1 }` */
export interface NadamStep {
  /** Decay rate of the first moment (β₁). */
  readonly beta1: number;
  /** Decay rate of the second moment (β₂). */
  readonly beta2: number;
  /** 1 − β₂ᵗ. */
  readonly biasCorrection2: number;
  /** Added to the denominator for numerical stability. */
  readonly eps: number;
  /** −lr·(1 − μₜ)/(1 − Πₜ), the coefficient of g/d. */
  readonly gradCoef: number;
  /** −lr·μₜ₊₁/(1 − Πₜ₊₁), the coefficient of m/d. */
  readonly avgCoef: number;
  /** L2 penalty coefficient (0: none). */
  readonly weightDecay: number;
  /** −1 to maximize, else 1. */
  readonly sign: number;
}

/** Constants of one RAdam update. @example `{ beta1: 0.9, beta2: 0.999, biasCorrection1: 0.1, lr: 1e-3, rectify: false, rect: 0, biasCorrection2Sqrt: 0.03, eps: 1e-8, weightDecay: 0, sign: 1 }` */
export interface RadamStep {
  /** Decay rate of the first moment (β₁). */
  readonly beta1: number;
  /** Decay rate of the second moment (β₂). */
  readonly beta2: number;
  /** 1 − β₁ᵗ. */
  readonly biasCorrection1: number;
  /** The learning rate. */
  readonly lr: number;
  /** Whether the variance is rectified this step (ρₜ > 5); else the step is lr·m̂. */
  readonly rectify: boolean;
  /** The rectification term r. */
  readonly rect: number;
  /** √(1 − β₂ᵗ). */
  readonly biasCorrection2Sqrt: number;
  /** Added to the denominator for numerical stability. */
  readonly eps: number;
  /** L2 penalty coefficient (0: none). */
  readonly weightDecay: number;
  /** −1 to maximize, else 1. */
  readonly sign: number;
}

/**
 * A strided tensor indexed by integer tensors, as `indexGather` and `indexPut` read it: the strides of `x` and of
 * each of `indices` (int32, broadcast: stride 0 where they repeat) are given per dim of the iterated shape; index
 * `j` moves `dimStrides[j]` elements per step along a dim of size `sizes[j]` (dim `dims[j]` of the user's tensor,
 * for error messages).
 *
 * @example
 * ```ts
 * // x[idx] for x [5, 3] (contiguous) and idx [2]: out [2, 3]
 * const at: IndexedView = { x: { buffer, offset: 0, strides: [0, 1] }, indices: [{ buffer: idx, offset: 0, strides: [1, 0] }],
 *   sizes: [5], dimStrides: [3], dims: [0] };
 * ```
 */
export interface IndexedView {
  /** The indexed tensor's view, its strides given per dim of the iterated shape. */
  readonly x: View;
  /** One view per indexed dim: the int32 index tensors, broadcast (stride 0 where they repeat). */
  readonly indices: readonly View[];
  /** The size of each indexed dim of `x` (indices are checked against it). */
  readonly sizes: readonly number[];
  /** How many elements of `x` one step of each index moves. */
  readonly dimStrides: readonly number[];
  /** Which dim of the user's tensor each index is for (for error messages). */
  readonly dims: readonly number[];
}

/** The reductions of `scatterReduce`: `assign` is PyTorch's plain `scatter`. */
export type ScatterReduceKind = 'assign' | 'sum' | 'prod' | 'mean' | 'amax' | 'amin';

/** Which of [dx, dweight, dbias] a normalisation backward computes. @example `const all: NormMask = [true, true, true];` */
export type NormMask = readonly [boolean, boolean, boolean];

/**
 * How one BatchNorm forward call gets its statistics: from the batch (`training`, updating the running buffers
 * in place when they are not null) or from the running buffers (both then required). Buffers hold `c` elements
 * of the call's dtype from offset 0.
 *
 * @example
 * ```ts
 * const stats: BatchNormStats = { training: true, runningMean: rm, runningVar: rv, momentum: 0.1, eps: 1e-5 };
 * ```
 */
export interface BatchNormStats {
  /** Normalise with the batch's statistics (and update the running buffers when they are not null). */
  readonly training: boolean;
  /** The running mean, `c` elements, updated in place in training; read when not training. */
  readonly runningMean: BufferHandle | null;
  /** The running (unbiased) variance, `c` elements, updated in place in training; read when not training. */
  readonly runningVar: BufferHandle | null;
  /** The weight of the batch statistics in the running averages (PyTorch's `momentum`). */
  readonly momentum: number;
  /** Added to the variance before the square root. */
  readonly eps: number;
}

/** Constants of one Adam/AdamW update of one parameter. @example `{ beta1: 0.9, beta2: 0.999, ... }` */
export interface AdamStep {
  /** β₁, the decay of the first moment (mean of gradients). */
  readonly beta1: number;
  /** β₂, the decay of the second moment (mean of squared gradients). */
  readonly beta2: number;
  /** lr / (1 − β₁ᵗ). */
  readonly stepSize: number;
  /** √(1 − β₂ᵗ). */
  readonly biasCorrection2Sqrt: number;
  /** ε, added to the denominator. */
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
  /** The learning rate. */
  readonly lr: number;
  /** The momentum factor (0: plain SGD). */
  readonly momentum: number;
  /** Dampening of the momentum: the buffer takes (1 − dampening) of each gradient. */
  readonly dampening: number;
  /** Nesterov momentum: step along gradient + momentum · buffer. */
  readonly nesterov: boolean;
  /** L2 coefficient added to the gradient, else 0. */
  readonly weightDecay: number;
  /** −1 to maximize, else 1. */
  readonly sign: number;
  /** True on the first step with momentum: the buffer starts as the gradient. */
  readonly first: boolean;
}

/** The sizes of one 2-d window sweep, each (height, width): input, kernel, stride, padding, dilation, output. */
export interface ConvGeometry {
  /** Input height. */
  readonly h: number;
  /** Input width. */
  readonly w: number;
  /** Kernel height. */
  readonly kh: number;
  /** Kernel width. */
  readonly kw: number;
  /** Vertical stride. */
  readonly sh: number;
  /** Horizontal stride. */
  readonly sw: number;
  /** Zero padding above and below. */
  readonly ph: number;
  /** Zero padding left and right. */
  readonly pw: number;
  /** Vertical dilation (1: adjacent taps). */
  readonly dh: number;
  /** Horizontal dilation. */
  readonly dw: number;
  /** Output height. */
  readonly oh: number;
  /** Output width. */
  readonly ow: number;
}

/**
 * The error every backend throws for an index outside [0, size): negative indices are errors too, as in
 * PyTorch's gather, scatter and index_select. With `wraps` (advanced indexing, `take`), indices in [-size, 0) count
 * from the end, as in PyTorch's `x[idx]`.
 *
 * @example
 * ```ts
 * throw indexError('gather', -1, 1, 4);
 * ```
 */
export function indexError(op: string, index: number, dim: number, size: number, wraps = false): Error {
  if (wraps) {
    return new Error(
      `${op}: index ${index} is out of bounds for dimension ${dim} with size ${size}: indices must be in [${-size}, ${size - 1}] ` +
        `(negative ones count from the end).`,
    );
  }
  return new Error(
    `${op}: index ${index} is out of bounds for dimension ${dim} with size ${size}: indices must be in [0, ${size - 1}]` +
      `${index < 0 ? ' (negative indices are not wrapped around)' : ''}.`,
  );
}

/**
 * The error of a kernel a device does not have (WebGPU has no LU factorization, for instance). The op layer adds
 * the name of the op that needed it (`runOp`), so the message names what the user called.
 *
 * @example
 * ```ts
 * throw new DeviceSupportError('luFactor', 'webgpu');
 * ```
 */
export class DeviceSupportError extends Error {
  constructor(
    /** The Backend method that is missing. */
    readonly kernel: string,
    /** The device that lacks it. */
    readonly device: string,
    /** The op the user called, once known. */
    readonly op?: string,
  ) {
    super(
      `${op === undefined ? '' : `${op}: `}not supported on the '${device}' device (its kernel '${kernel}' runs on the CPU only). ` +
        `Run it on the CPU: move the inputs there with \`await x.toAsync('cpu')\` (the async form of x.to('cpu')), or make them ` +
        `with { device: 'cpu' }; README's "Devices" section lists what runs where.`,
    );
    this.name = 'DeviceSupportError';
  }
}

/**
 * A synchronous read (`data()`, `item()`, `toArray()`) of a tensor on a device that reads back only
 * asynchronously (WebGPU). Called by the user, it names the async form; inside an op that needs values on the
 * host (an output shape that depends on them, a check), the op layer names that op and points to the CPU.
 *
 * @example
 * ```ts
 * try { x.item(); } catch (e) { if (e instanceof AsyncReadError) console.log(await x.itemAsync()); }
 * ```
 */
export class AsyncReadError extends Error {
  constructor(
    /** The synchronous read that was refused: 'data', 'item', 'toArray'. */
    readonly read: string,
    /** Its async form. */
    readonly asyncForm: string,
    /** The device of the tensor. */
    readonly device: string,
    /** The op that needed the values, once known. */
    readonly op?: string,
  ) {
    super(
      op === undefined
        ? `${read}(): this tensor lives on the '${device}' device, which reads back only asynchronously: use ` +
            `await x.${asyncForm}() instead (or await x.toAsync('cpu') to move it).`
        : `${op}: not supported on the '${device}' device: it needs tensor values on the host (its output's shape or a check ` +
            `depends on them), and this device reads back only asynchronously. Run it on the CPU: move the inputs there with ` +
            "`await x.toAsync('cpu')`; README's \"Devices\" section lists what runs where.",
    );
    this.name = 'AsyncReadError';
  }
}
