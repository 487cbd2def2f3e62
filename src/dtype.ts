/**
 * Element types. `float32` is the default; `float64` is there for gradcheck and for users who need it;
 * `int32` holds indices and labels; `bool` is what comparisons return and what `where` takes.
 *
 * @example
 * ```ts
 * import { tensor } from 'adjoint';
 * tensor([1, 2], { dtype: 'float64' }).dtype; // 'float64'
 * ```
 */
export type DType = 'float32' | 'float64' | 'int32' | 'bool';

/** Every dtype, in promotion order. @example `DTYPES.includes('float64') // true` */
export const DTYPES: readonly DType[] = ['bool', 'int32', 'float32', 'float64'];

/** The typed array behind each dtype. */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/**
 * Allocate a zeroed typed array for `n` elements of `dtype`.
 *
 * @example
 * ```ts
 * allocate('float64', 3); // Float64Array(3) [0, 0, 0]
 * ```
 */
export function allocate(dtype: DType, n: number): TypedArray {
  if (!(n <= MAX_ELEMENTS)) {
    const gib = ((n * itemSize(dtype)) / 2 ** 30).toFixed(1);
    throw new Error(
      `cannot allocate a ${dtype} tensor of ${n} elements (${gib} GiB): a tensor holds at most ${MAX_ELEMENTS} elements. ` +
        `Check the shapes: a broadcast or a matmul may have produced a much larger result than intended.`,
    );
  }
  switch (dtype) {
    case 'float32': return new Float32Array(n);
    case 'float64': return new Float64Array(n);
    case 'int32': return new Int32Array(n);
    case 'bool': return new Uint8Array(n);
  }
}

/**
 * True for the dtypes that can carry gradients.
 *
 * @example
 * ```ts
 * isFloating('int32'); // false
 * ```
 */
export function isFloating(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/** The most elements one tensor can hold (a typed array's limit in every engine). */
export const MAX_ELEMENTS = 2 ** 31 - 1;

/** Bytes per element. @example `itemSize('float64') // 8` */
export function itemSize(dtype: DType): number {
  return dtype === 'float64' ? 8 : dtype === 'bool' ? 1 : 4;
}

const RANK: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 3 };

/**
 * The dtype two operands promote to, as in PyTorch: bool < int32 < float32 < float64.
 *
 * @example
 * ```ts
 * promoteTypes('int32', 'float32'); // 'float32'
 * promoteTypes('float32', 'float64'); // 'float64'
 * ```
 */
export function promoteTypes(a: DType, b: DType): DType {
  return RANK[a] >= RANK[b] ? a : b;
}

const CATEGORY: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 2 };

/**
 * The dtype of an op on two tensors of `aDims` and `bDims` dimensions, as PyTorch's `result_type`: a 0-d
 * tensor next to a dimensioned one only decides the dtype when it is of a higher category (bool < integer <
 * floating), so `float32[3] + float64 0-d` is float32 while `int32[3] + float64 0-d` is float64.
 *
 * @example
 * ```ts
 * resultTypeOf('float32', 1, 'float64', 0); // 'float32'
 * resultTypeOf('int32', 1, 'float64', 0);   // 'float64'
 * resultTypeOf('float32', 0, 'float64', 0); // 'float64'
 * ```
 */
export function resultTypeOf(a: DType, aDims: number, b: DType, bDims: number): DType {
  if ((aDims === 0) !== (bDims === 0)) {
    const [dimmed, zeroDim] = aDims === 0 ? [b, a] : [a, b];
    if (CATEGORY[zeroDim] <= CATEGORY[dimmed]) return dimmed;
  }
  return promoteTypes(a, b);
}

/**
 * Whether an in-place op may write a `from` result into a `to` tensor, as PyTorch's `can_cast`: never into a
 * lower category (a float result into an int32 tensor, an int32 one into a bool tensor).
 *
 * @example
 * ```ts
 * canCast('float64', 'float32'); // true
 * canCast('float32', 'int32');   // false
 * ```
 */
export function canCast(from: DType, to: DType): boolean {
  return CATEGORY[from] <= CATEGORY[to];
}

/**
 * The dtype of `tensor op number`: a JS number does not widen a tensor's dtype (PyTorch's rule for Python
 * scalars), except that a fractional number with an integer or bool tensor gives float32.
 *
 * @example
 * ```ts
 * scalarResultType('float32', 2); // 'float32'
 * scalarResultType('int32', 0.5); // 'float32'
 * ```
 */
export function scalarResultType(tensorType: DType, value: number): DType {
  if (isFloating(tensorType)) return tensorType;
  if (!Number.isInteger(value)) return 'float32';
  return tensorType === 'bool' ? 'int32' : tensorType;
}

/**
 * Check that a string names a dtype, with an error listing the valid ones.
 *
 * @example
 * ```ts
 * checkDType('float16', 'tensor'); // throws: tensor: unknown dtype 'float16' ...
 * ```
 */
export function checkDType(dtype: string, op: string): DType {
  if (dtype === 'float32' || dtype === 'float64' || dtype === 'int32' || dtype === 'bool') return dtype;
  throw new Error(`${op}: unknown dtype '${dtype}'. Use one of 'float32', 'float64', 'int32', 'bool'.`);
}
