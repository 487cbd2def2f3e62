import type { TypedArray } from '../../dtype.js';
import { sizeOf, type Shape } from '../../shape.js';
import type { BinaryKernel, UnaryKernel, View } from '../backend.js';
import { forEachRow, isContiguousView, isScalarView } from './strided.js';

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));
// sign is PyTorch's (0 < x) - (x < 0): 0 for NaN and +0 for -0 (Math.sign gives NaN and -0).
const UNARY: Record<UnaryKernel, (x: number) => number> = {
  neg: (x) => -x,
  exp: Math.exp,
  log: Math.log,
  sqrt: Math.sqrt,
  abs: Math.abs,
  sin: Math.sin,
  cos: Math.cos,
  tanh: Math.tanh,
  sigmoid,
  relu: (x) => (x > 0 ? x : x === 0 || x < 0 ? 0 : x),
  sign: (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
};

/**
 * `out[i] = op(x[i])` over contiguous arrays.
 *
 * @example
 * ```ts
 * unary('exp', new Float32Array([0]), out, 1);
 * ```
 */
export function unary(op: UnaryKernel, x: TypedArray, out: TypedArray, n: number): void {
  switch (op) {
    case 'neg': for (let i = 0; i < n; i++) out[i] = -x[i]!; return;
    case 'exp': for (let i = 0; i < n; i++) out[i] = Math.exp(x[i]!); return;
    case 'relu': for (let i = 0; i < n; i++) { const v = x[i]!; out[i] = v > 0 || v !== v ? v : 0; } return;
    case 'tanh': for (let i = 0; i < n; i++) out[i] = Math.tanh(x[i]!); return;
    default: {
      const f = UNARY[op];
      for (let i = 0; i < n; i++) out[i] = f(x[i]!);
    }
  }
}

// C's pow, as PyTorch uses: 1^y = 1 and (-1)^±inf = 1 even for NaN or infinite y, where Math.pow gives NaN.
const pow = (a: number, b: number): number => (a === 1 || (a === -1 && (b === Infinity || b === -Infinity)) ? 1 : Math.pow(a, b));

// Comparisons write 0/1; NaN compares false except for `ne`, as IEEE 754 and PyTorch say.
const BINARY: Record<BinaryKernel, (a: number, b: number) => number> = {
  add: (a, b) => a + b,
  sub: (a, b) => a - b,
  mul: (a, b) => a * b,
  div: (a, b) => a / b,
  pow,
  // NaN propagates through maximum/minimum (torch.maximum), unlike Math.max on mixed zero signs only.
  maximum: (a, b) => (a !== a || b !== b ? NaN : a > b ? a : b),
  minimum: (a, b) => (a !== a || b !== b ? NaN : a < b ? a : b),
  // Activation gradients from (g, y), in PyTorch's order of operations.
  tanhBackward: (g, y) => g * (1 - y * y),
  sigmoidBackward: (g, y) => g * (1 - y) * y,
  // Cut where y ≤ 0, so the gradient passes where y is NaN (which compares false), as threshold_backward.
  reluBackward: (g, y) => (y <= 0 ? 0 : g),
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
};

/**
 * Broadcasting binary kernel over strided views.
 *
 * @example
 * ```ts
 * binary('add', a, b, out, [2, 3]);
 * ```
 */
export function binary(op: BinaryKernel, a: View, b: View, out: TypedArray, shape: Shape): void {
  const f = BINARY[op];
  const n = sizeOf(shape);
  const ad = a.data, bd = b.data;
  const aFlat = isContiguousView(shape, a.strides), bFlat = isContiguousView(shape, b.strides);
  if (aFlat && bFlat) {
    const ao = a.offset, bo = b.offset;
    switch (op) {
      case 'add': for (let i = 0; i < n; i++) out[i] = ad[ao + i]! + bd[bo + i]!; return;
      case 'sub': for (let i = 0; i < n; i++) out[i] = ad[ao + i]! - bd[bo + i]!; return;
      case 'mul': for (let i = 0; i < n; i++) out[i] = ad[ao + i]! * bd[bo + i]!; return;
      case 'div': for (let i = 0; i < n; i++) out[i] = ad[ao + i]! / bd[bo + i]!; return;
      default: for (let i = 0; i < n; i++) out[i] = f(ad[ao + i]!, bd[bo + i]!); return;
    }
  }
  if (aFlat && isScalarView(shape, b.strides)) {
    const ao = a.offset, s = bd[b.offset]!;
    switch (op) {
      case 'add': for (let i = 0; i < n; i++) out[i] = ad[ao + i]! + s; return;
      case 'mul': for (let i = 0; i < n; i++) out[i] = ad[ao + i]! * s; return;
      default: for (let i = 0; i < n; i++) out[i] = f(ad[ao + i]!, s); return;
    }
  }
  const nd = shape.length;
  const sa = nd ? a.strides[nd - 1]! : 0, sb = nd ? b.strides[nd - 1]! : 0;
  forEachRow(shape, [a, b], (offs, start, len) => {
    let ia = offs[0]!, ib = offs[1]!;
    for (let j = 0; j < len; j++, ia += sa, ib += sb) out[start + j] = f(ad[ia]!, bd[ib]!);
  });
}

/**
 * `out = cond ? a : b` over strided views.
 *
 * @example
 * ```ts
 * where(cond, a, b, out, [3]);
 * ```
 */
export function where(cond: View, a: View, b: View, out: TypedArray, shape: Shape): void {
  const cd = cond.data, ad = a.data, bd = b.data;
  const nd = shape.length;
  const sc = nd ? cond.strides[nd - 1]! : 0, sa = nd ? a.strides[nd - 1]! : 0, sb = nd ? b.strides[nd - 1]! : 0;
  forEachRow(shape, [cond, a, b], (offs, start, len) => {
    let ic = offs[0]!, ia = offs[1]!, ib = offs[2]!;
    for (let j = 0; j < len; j++, ic += sc, ia += sa, ib += sb) out[start + j] = cd[ic] ? ad[ia]! : bd[ib]!;
  });
}

/**
 * `out[i] = min(max(x[i], lo), hi)`, keeping NaN.
 *
 * @example
 * ```ts
 * clamp(x, out, n, 0, 1);
 * ```
 */
export function clamp(x: TypedArray, out: TypedArray, n: number, lo: number, hi: number): void {
  // min(max(x, lo), hi) in this order, as PyTorch: when lo > hi every element becomes hi.
  for (let i = 0; i < n; i++) {
    const v = x[i]!;
    const up = v < lo ? lo : v;
    out[i] = up > hi ? hi : up;
  }
}

/**
 * Gather a strided view into contiguous `out`, converting the dtype when `out`'s differs: to int32 by
 * truncation toward zero (NaN to 0), to bool by `x !== 0` (NaN is true, as in PyTorch).
 *
 * @example
 * ```ts
 * copy({ data, offset: 0, strides: [1, 3] }, out, [3, 2]); // transpose into row-major
 * ```
 */
export function copy(src: View, out: TypedArray, shape: Shape): void {
  const sd = src.data;
  const n = sizeOf(shape);
  const sameType = sd.constructor === out.constructor;
  if (sameType && isContiguousView(shape, src.strides)) {
    (out as Float64Array).set((sd as Float64Array).subarray(src.offset, src.offset + n));
    return;
  }
  const conv = sameType || out instanceof Float32Array || out instanceof Float64Array ? null : out instanceof Uint8Array ? toBool : toInt;
  const nd = shape.length;
  const s = nd ? src.strides[nd - 1]! : 0;
  forEachRow(shape, [src], (offs, start, len) => {
    let i = offs[0]!;
    if (conv) for (let j = 0; j < len; j++, i += s) out[start + j] = conv(sd[i]!);
    else for (let j = 0; j < len; j++, i += s) out[start + j] = sd[i]!;
  });
}

const toBool = (v: number): number => (v !== 0 ? 1 : 0);
// Int32Array would store ToInt32(x), which wraps large values; clamping truncation is what users expect.
const toInt = (v: number): number => (v !== v ? 0 : Math.max(-2147483648, Math.min(2147483647, Math.trunc(v))));

/**
 * One element of a binary kernel, with exactly the kernel's semantics: the op layer computes 0-d results
 * with it directly, because for one element the kernel call's bookkeeping is the whole cost.
 *
 * @example
 * ```ts
 * binaryScalar('maximum', NaN, 1); // NaN
 * ```
 */
export function binaryScalar(op: BinaryKernel, a: number, b: number): number {
  return BINARY[op](a, b);
}

/**
 * One element of a unary kernel (see `binaryScalar`).
 *
 * @example
 * ```ts
 * unaryScalar('tanh', 0.5);
 * ```
 */
export function unaryScalar(op: UnaryKernel, x: number): number {
  return UNARY[op](x);
}
