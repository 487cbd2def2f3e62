import type { DType, TypedArray } from '../../dtype.js';
import { sizeOf, type Shape } from '../../shape.js';
import type { BufferHandle, View } from '../backend.js';
import type { BinaryKernel, TernaryKernel, UnaryKernel } from '../catalog.js';
import { arrayOf } from '../cpu/memory.js';
import { erf, erfinv, gelu, geluBackward, logSigmoid, roundHalfEven, softplus } from './special.js';
import { forEachRow, isContiguousView, isScalarView } from './strided.js';

const sigmoid = (x: number): number => (x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x)));

/**
 * The reference definition of every unary kernel, one element at a time. Every kernel of the catalog must be
 * here (a compile error otherwise); the WebAssembly kernels are tested against these.
 * sign is PyTorch's (0 < x) - (x < 0): 0 for NaN and +0 for -0 (Math.sign gives NaN and -0).
 */
export const UNARY: Record<UnaryKernel, (x: number) => number> = {
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
  erf,
  erfinv,
  log1p: Math.log1p,
  expm1: Math.expm1,
  log2: Math.log2,
  log10: Math.log10,
  exp2: (x) => Math.pow(2, x),
  tan: Math.tan,
  asin: Math.asin,
  acos: Math.acos,
  atan: Math.atan,
  sinh: Math.sinh,
  cosh: Math.cosh,
  asinh: Math.asinh,
  acosh: Math.acosh,
  atanh: Math.atanh,
  floor: Math.floor,
  ceil: Math.ceil,
  round: roundHalfEven,
  trunc: Math.trunc,
  // x − trunc(x) is exact in floating point; ±∞ gives NaN, as in PyTorch.
  frac: (x) => x - Math.trunc(x),
  softplus,
  logSigmoid,
  gelu,
};

/**
 * `out[i] = op(x[offset + i])`.
 *
 * @example
 * ```ts
 * unary('exp', 'float32', x, 0, out, 1);
 * ```
 */
export function unary(op: UnaryKernel, _dtype: DType, xh: BufferHandle, xo: number, outh: BufferHandle, n: number): void {
  const x = arrayOf(xh), out = arrayOf(outh);
  switch (op) {
    case 'neg': for (let i = 0; i < n; i++) out[i] = -x[xo + i]!; return;
    case 'exp': for (let i = 0; i < n; i++) out[i] = Math.exp(x[xo + i]!); return;
    case 'relu': for (let i = 0; i < n; i++) { const v = x[xo + i]!; out[i] = v > 0 || v !== v ? v : 0; } return;
    case 'tanh': for (let i = 0; i < n; i++) out[i] = Math.tanh(x[xo + i]!); return;
    default: {
      const f = UNARY[op];
      for (let i = 0; i < n; i++) out[i] = f(x[xo + i]!);
    }
  }
}

/**
 * Floor division as PyTorch (and Python) define it, consistent with `remainder`: (a − remainder) / b rounded, so
 * 5 // −∞ is −1 (Python's answer) and ∞ // 3 is NaN; a / b where b is 0.
 */
function floorDivide(a: number, b: number): number {
  if (b === 0) return a / b;
  const mod = a % b;
  let div = (a - mod) / b;
  if (mod !== 0 && b < 0 !== mod < 0) div -= 1;
  if (div !== 0) {
    const f = Math.floor(div);
    return div - f > 0.5 ? f + 1 : f;
  }
  return a / b < 0 || Object.is(a / b, -0) ? -0 : 0;
}

// C's pow, as PyTorch uses: 1^y = 1 and (-1)^±inf = 1 even for NaN or infinite y, where Math.pow gives NaN.
const pow = (a: number, b: number): number => (a === 1 || (a === -1 && (b === Infinity || b === -Infinity)) ? 1 : Math.pow(a, b));

/**
 * The reference definition of every binary kernel, one element at a time (see `UNARY`). Comparisons write 0/1;
 * NaN compares false except for `ne`, as IEEE 754 and PyTorch say.
 */
export const BINARY: Record<BinaryKernel, (a: number, b: number) => number> = {
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
  atan2: Math.atan2,
  // JS's % is C's fmod, exactly: the result has a's sign.
  fmod: (a, b) => a % b,
  // Python's modulo, as PyTorch's remainder: the result has b's sign.
  remainder: (a, b) => {
    const m = a % b;
    return m !== 0 && m < 0 !== b < 0 ? m + b : m;
  },
  floorDivide,
  // ∞ when either is infinite, even with a NaN (C's hypot, as Math.hypot).
  hypot: Math.hypot,
  // 0 where a is 0, unless b is NaN (PyTorch's xlogy).
  xlogy: (a, b) => (b !== b ? NaN : a === 0 ? 0 : a * Math.log(b)),
  geluBackward,
  // Integer and bool kernels. A shift count is taken modulo 32, as JS and PyTorch 1.13 on x86 do.
  bitwiseAnd: (a, b) => a & b,
  bitwiseOr: (a, b) => a | b,
  bitwiseXor: (a, b) => a ^ b,
  bitwiseLeftShift: (a, b) => a << b,
  bitwiseRightShift: (a, b) => a >> b,
  eq: (a, b) => (a === b ? 1 : 0),
  ne: (a, b) => (a !== b ? 1 : 0),
  lt: (a, b) => (a < b ? 1 : 0),
  le: (a, b) => (a <= b ? 1 : 0),
  gt: (a, b) => (a > b ? 1 : 0),
  ge: (a, b) => (a >= b ? 1 : 0),
};

/**
 * Broadcasting binary kernel over strided views. A 0-d result (the whole of a scalar-heavy program) is one
 * element with no bookkeeping.
 *
 * @example
 * ```ts
 * binary('add', 'float32', a, b, out, [2, 3]);
 * ```
 */
export function binary(op: BinaryKernel, dtype: DType, a: View, b: View, outh: BufferHandle, shape: Shape): void {
  // An int32 power that does not fit would wrap when stored: refused instead (PyTorch wraps; adjoint has no int64).
  // An integer fmod or remainder by zero is PyTorch's ZeroDivisionError.
  const f = dtype !== 'int32' ? BINARY[op] : op === 'pow' ? checkedIntPow : op === 'fmod' || op === 'remainder' || op === 'floorDivide' ? checkedIntMod(op) : BINARY[op];
  const out = arrayOf(outh), ad = arrayOf(a.buffer), bd = arrayOf(b.buffer);
  if (shape.length === 0) {
    // Written out for the common ops: a call through `f` would box its result on every scalar op.
    const x = ad[a.offset]!, y = bd[b.offset]!;
    switch (op) {
      case 'add': out[0] = x + y; return;
      case 'sub': out[0] = x - y; return;
      case 'mul': out[0] = x * y; return;
      case 'div': out[0] = x / y; return;
      case 'tanhBackward': out[0] = x * (1 - y * y); return;
      default: out[0] = f(x, y); return;
    }
  }
  const n = sizeOf(shape);
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
  binaryStrided(f, a, b, ad, bd, out, shape);
}

// Apart from `binary`, so that its closure's context is not made on every call of the fast paths above.
function binaryStrided(f: (a: number, b: number) => number, a: View, b: View, ad: TypedArray, bd: TypedArray, out: TypedArray, shape: Shape): void {
  const nd = shape.length;
  const sa = a.strides[nd - 1]!, sb = b.strides[nd - 1]!;
  forEachRow(shape, [a, b], (offs, start, len) => {
    let ia = offs[0]!, ib = offs[1]!;
    for (let j = 0; j < len; j++, ia += sa, ib += sb) out[start + j] = f(ad[ia]!, bd[ib]!);
  });
}

function checkedIntPow(a: number, b: number): number {
  const r = pow(a, b);
  if (!(r >= -2147483648 && r <= 2147483647)) {
    throw new Error(`pow: ${a} ** ${b} = ${r} does not fit in int32 (adjoint has no int64); convert the base to float64 first.`);
  }
  return r;
}

function checkedIntMod(op: 'fmod' | 'remainder' | 'floorDivide'): (a: number, b: number) => number {
  // Integer floor division is exact through float64: |a|, |b| < 2^31, so a non-integer a / b stays more than an
  // ulp away from the integers.
  const f = op === 'floorDivide' ? (a: number, b: number) => Math.floor(a / b) : BINARY[op];
  return (a, b) => {
    if (b === 0) throw new Error(`${op}: integer division by zero (${a} by 0; PyTorch raises ZeroDivisionError). Convert to a float dtype for NaN instead.`);
    return f(a, b);
  };
}

const same = (v: number): number => v;

/**
 * The reference definition of every ternary kernel, with `r` the rounding of each step to the dtype (Math.fround
 * for float32, whose arithmetic PyTorch keeps in float32) and `s` the kernel's number.
 */
export const TERNARY: Record<TernaryKernel, (a: number, b: number, c: number, s: number, r: (v: number) => number) => number> = {
  // PyTorch's lerp: from the nearer end, so that weight 0 gives start and weight 1 gives end exactly.
  lerp: (a, b, w, _, r) => (Math.abs(w) < 0.5 ? r(a + r(w * r(b - a))) : r(b - r(r(b - a) * r(1 - w)))),
  addcmul: (a, b, c, s, r) => r(a + r(r(s * b) * c)),
  addcdiv: (a, b, c, s, r) => r(a + r(r(s * b) / c)),
  clamp: (x, lo, hi) => {
    if (lo !== lo || hi !== hi) return NaN;
    const up = x < lo ? lo : x;
    return up > hi ? hi : up;
  },
};

/**
 * `out = op(a, b, c; s)` over strided views broadcast to `shape`.
 *
 * @example
 * ```ts
 * ternary('lerp', 'float32', start, end, weight, out, [2, 3], 0);
 * ```
 */
export function ternary(op: TernaryKernel, dtype: DType, a: View, b: View, c: View, outh: BufferHandle, shape: Shape, s: number): void {
  const out = arrayOf(outh), ad = arrayOf(a.buffer), bd = arrayOf(b.buffer), cd = arrayOf(c.buffer);
  const f = TERNARY[op], r = dtype === 'float32' ? Math.fround : same;
  const sv = r(s);
  const nd = shape.length;
  const sa = nd ? a.strides[nd - 1]! : 0, sb = nd ? b.strides[nd - 1]! : 0, sc = nd ? c.strides[nd - 1]! : 0;
  forEachRow(shape, [a, b, c], (offs, start, len) => {
    let ia = offs[0]!, ib = offs[1]!, ic = offs[2]!;
    for (let j = 0; j < len; j++, ia += sa, ib += sb, ic += sc) out[start + j] = f(ad[ia]!, bd[ib]!, cd[ic]!, sv, r);
  });
}

/**
 * `out = cond ? a : b` over strided views.
 *
 * @example
 * ```ts
 * where('float32', cond, a, b, out, [3]);
 * ```
 */
export function where(_dtype: DType, cond: View, a: View, b: View, outh: BufferHandle, shape: Shape): void {
  const out = arrayOf(outh), cd = arrayOf(cond.buffer), ad = arrayOf(a.buffer), bd = arrayOf(b.buffer);
  const nd = shape.length;
  const sc = nd ? cond.strides[nd - 1]! : 0, sa = nd ? a.strides[nd - 1]! : 0, sb = nd ? b.strides[nd - 1]! : 0;
  forEachRow(shape, [cond, a, b], (offs, start, len) => {
    let ic = offs[0]!, ia = offs[1]!, ib = offs[2]!;
    for (let j = 0; j < len; j++, ic += sc, ia += sa, ib += sb) out[start + j] = cd[ic] ? ad[ia]! : bd[ib]!;
  });
}

/**
 * `out[i] = min(max(x[offset + i], lo), hi)`, keeping NaN.
 *
 * @example
 * ```ts
 * clamp('float32', x, 0, out, n, 0, 1);
 * ```
 */
export function clamp(_dtype: DType, xh: BufferHandle, xo: number, outh: BufferHandle, n: number, lo: number, hi: number): void {
  const x = arrayOf(xh), out = arrayOf(outh);
  // min(max(x, lo), hi) in this order, as PyTorch: when lo > hi every element becomes hi.
  for (let i = 0; i < n; i++) {
    const v = x[xo + i]!;
    const up = v < lo ? lo : v;
    out[i] = up > hi ? hi : up;
  }
}

/**
 * Copy a strided view into another strided view, converting the dtype: to int32 by truncation toward zero (NaN
 * to 0, clamped to the int32 range), to bool by `x !== 0` (NaN is true, as in PyTorch).
 *
 * @example
 * ```ts
 * copy({ buffer: x, offset: 0, strides: [1, 3] }, 'float32', { buffer: out, offset: 0, strides: [2, 1] }, 'float32', [3, 2]);
 * ```
 */
export function copy(src: View, from: DType, dst: View, to: DType, shape: Shape): void {
  const sd = arrayOf(src.buffer), out = arrayOf(dst.buffer);
  const conv = converter(from, to);
  const srcFlat = isContiguousView(shape, src.strides), dstFlat = isContiguousView(shape, dst.strides);
  if (conv === null && srcFlat && dstFlat) {
    const n = sizeOf(shape);
    (out as Float64Array).set((sd as Float64Array).subarray(src.offset, src.offset + n), dst.offset);
    return;
  }
  const nd = shape.length;
  const s = nd ? src.strides[nd - 1]! : 0, d = nd ? dst.strides[nd - 1]! : 0;
  if (sd instanceof Float32Array && out instanceof Float32Array) {
    copyFloat32(sd, src, out, dst, shape);
    return;
  }
  forEachRow(shape, [src, dst], (offs, _start, len) => {
    let i = offs[0]!, o = offs[1]!;
    if (conv) for (let j = 0; j < len; j++, i += s, o += d) out[o] = conv(sd[i]!);
    else for (let j = 0; j < len; j++, i += s, o += d) out[o] = sd[i]!;
  });
}

// float32 to float32, the copy gradients and views mostly need, in a loop that only ever sees Float32Arrays.
function copyFloat32(sd: Float32Array, src: View, out: Float32Array, dst: View, shape: Shape): void {
  const nd = shape.length;
  if (nd === 0) {
    out[dst.offset] = sd[src.offset]!;
    return;
  }
  for (const size of shape) if (size === 0) return;
  const len = shape[nd - 1]!, s = src.strides[nd - 1]!, d = dst.strides[nd - 1]!;
  const counter = new Array<number>(nd).fill(0);
  let i0 = src.offset, o0 = dst.offset;
  for (;;) {
    if (s === 1 && d === 1) for (let j = 0; j < len; j++) out[o0 + j] = sd[i0 + j]!;
    else for (let j = 0, i = i0, o = o0; j < len; j++, i += s, o += d) out[o] = sd[i]!;
    let k = nd - 2;
    for (; k >= 0; k--) {
      i0 += src.strides[k]!;
      o0 += dst.strides[k]!;
      if (++counter[k]! < shape[k]!) break;
      i0 -= src.strides[k]! * shape[k]!;
      o0 -= dst.strides[k]! * shape[k]!;
      counter[k] = 0;
    }
    if (k < 0) return;
  }
}

/**
 * The element conversion of a cast, or null when storing the value as it is does the right thing (same dtype,
 * float to float, int or bool to a wider type).
 */
function converter(from: DType, to: DType): ((v: number) => number) | null {
  if (to === 'bool') return from === 'bool' ? null : toBool;
  if (to === 'int32') return from === 'float32' || from === 'float64' ? toInt : null;
  return null;
}

const toBool = (v: number): number => (v !== 0 ? 1 : 0);
// Int32Array would store ToInt32(x), which wraps large values; clamping truncation is what users expect.
const toInt = (v: number): number => (v !== v ? 0 : Math.max(-2147483648, Math.min(2147483647, Math.trunc(v))));

/**
 * `value`, converted to `dtype` as `copy` converts, into every element of a strided view.
 *
 * @example
 * ```ts
 * fill('float32', { buffer: out, offset: 0, strides: [1] }, [4], 0.5);
 * ```
 */
export function fill(dtype: DType, dst: View, shape: Shape, value: number): void {
  const out = arrayOf(dst.buffer);
  const v = dtype === 'bool' ? toBool(value) : dtype === 'int32' ? toInt(value) : value;
  if (isContiguousView(shape, dst.strides)) {
    out.fill(v, dst.offset, dst.offset + sizeOf(shape));
    return;
  }
  const nd = shape.length;
  const d = nd ? dst.strides[nd - 1]! : 0;
  forEachRow(shape, [dst], (offs, _start, len) => {
    for (let j = 0, o = offs[0]!; j < len; j++, o += d) out[o] = v;
  });
}

/**
 * `out[i] = start + i · step`, stored in `out`'s dtype.
 *
 * @example
 * ```ts
 * arange('int32', out, 5, 0, 1); // 0, 1, 2, 3, 4
 * ```
 */
export function arange(_dtype: DType, outh: BufferHandle, n: number, start: number, step: number): void {
  const out: TypedArray = arrayOf(outh);
  for (let i = 0; i < n; i++) out[i] = start + i * step;
}
