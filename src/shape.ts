/** A tensor's shape: one size per dimension, `[]` for a 0-d (scalar) tensor. */
export type Shape = readonly number[];

/**
 * Number of elements of a shape (1 for a 0-d shape).
 *
 * @example
 * ```ts
 * sizeOf([2, 3]); // 6
 * ```
 */
export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

// Shared by every 0-d tensor: frozen, so sharing it is safe.
const NO_STRIDES: readonly number[] = Object.freeze([]);

/**
 * Row-major (C-contiguous) strides of a shape, in elements.
 *
 * @example
 * ```ts
 * contiguousStrides([2, 3, 4]); // [12, 4, 1]
 * ```
 */
export function contiguousStrides(shape: Shape): number[] {
  if (shape.length === 0) return NO_STRIDES as number[];
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = s;
    s *= shape[i]!;
  }
  return strides;
}

/**
 * True when a layout over `shape` is row-major contiguous from its offset (size-1 dims may have any stride). The
 * one definition of contiguity: tensors and kernels both use it.
 *
 * @example
 * ```ts
 * isContiguousLayout([2, 3], [3, 1]); // true
 * isContiguousLayout([2, 3], [1, 2]); // false (a transpose)
 * ```
 */
export function isContiguousLayout(shape: Shape, strides: readonly number[]): boolean {
  let expected = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i]!;
    if (d !== 1 && strides[i] !== expected) return false;
    expected *= d;
  }
  return true;
}

/**
 * Format a shape the way error messages show it: `[2, 3]`.
 *
 * @example
 * ```ts
 * fmtShape([2, 3]); // '[2, 3]'
 * ```
 */
export function fmtShape(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

/**
 * True when two shapes are equal.
 *
 * @example
 * ```ts
 * sameShape([2, 3], [2, 3]); // true
 * ```
 */
export function sameShape(a: Shape, b: Shape): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The NumPy broadcast of two shapes; throws naming the op and both shapes when they do not broadcast.
 *
 * @example
 * ```ts
 * broadcastShapes([3, 1], [4], 'add'); // [3, 4]
 * ```
 */
export function broadcastShapes(a: Shape, b: Shape, op: string): number[] {
  const n = Math.max(a.length, b.length);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const da = a[a.length - n + i] ?? 1;
    const db = b[b.length - n + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(
        `${op}: shapes ${fmtShape(a)} and ${fmtShape(b)} do not broadcast: the size of a (${da}) must match ` +
          `the size of b (${db}) at non-singleton dimension ${i}. ` +
          `Reshape or unsqueeze one operand so that each dimension is equal or 1.`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Normalise a possibly negative dimension index against `ndim`; throws naming the op when out of range.
 *
 * @example
 * ```ts
 * normalizeDim(-1, 3, 'sum'); // 2
 * ```
 */
export function normalizeDim(dim: number, ndim: number, op: string): number {
  const lo = -Math.max(ndim, 1);
  const hi = Math.max(ndim, 1) - 1;
  if (!Number.isInteger(dim) || dim < lo || dim > hi) {
    throw new Error(
      `${op}: dimension ${dim} is out of range for a tensor with ${ndim} dimension${ndim === 1 ? '' : 's'} ` +
        `(expected an integer in [${lo}, ${hi}]).`,
    );
  }
  return dim < 0 ? dim + Math.max(ndim, 1) : dim;
}

/**
 * Normalise `dim` (a number, a list, or undefined for all dims) into a sorted list of distinct dims.
 *
 * @example
 * ```ts
 * normalizeDims([-1, 0], 3, 'sum'); // [0, 2]
 * ```
 */
export function normalizeDims(dim: number | readonly number[] | undefined, ndim: number, op: string): number[] {
  if (dim === undefined) return Array.from({ length: ndim }, (_, i) => i);
  const list = typeof dim === 'number' ? [dim] : dim;
  if (ndim === 0) {
    // PyTorch accepts dim 0 or -1 on a 0-d tensor and reduces nothing.
    for (const d of list) normalizeDim(d, 0, op);
    return [];
  }
  const out = list.map((d) => normalizeDim(d, ndim, op));
  const seen = new Set<number>();
  for (const d of out) {
    if (seen.has(d)) throw new Error(`${op}: dimension ${d} appears more than once in dim ${JSON.stringify(list)}.`);
    seen.add(d);
  }
  return out.sort((x, y) => x - y);
}
