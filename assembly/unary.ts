// The unary float32 kernels, one function per kernel of src/kernels/catalog.ts (UNARY_KERNELS): the generated
// dispatch in codes.generated.ts calls `unary<Name>` for every kernel marked `wasm: true`, so a missing one is a
// compile error. Each is `out[i] = f(x[i])` for `i < n`, and `out` may equal `x`: every vector is loaded before
// it is stored, so the backend computes in place and copies one buffer each way.
//
// Buffers come from the JS bump allocator padded to 64 bytes, so every loop runs whole vectors and may read and
// write up to 15 elements past `n`. The transcendental loops take two vectors per iteration: each is one long
// dependency chain, and two independent chains side by side ran 35% faster than relying on out-of-order overlap
// of iterations.

import { erf32, erfinv64 } from './special';
import { exp4, log4, normalCdf4, sigmoid4, signMask, sincos4, splatOne, tanh4 } from './vmath';

// Beyond this the float64 Cody–Waite reduction in sincos4 is no longer exact enough; such lanes (and Inf)
// go through libm, which does the full Payne–Hanek reduction.
const SIN_FAST_LIMIT: f32 = 1.0e8;

/** `-x`. @example `unaryNeg(p, p, n)` */
export function unaryNeg(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 16, o += 16) v128.store(o, f32x4.neg(v128.load(p)));
}

/** `eˣ`. @example `unaryExp(p, p, n)` */
export function unaryExp(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 32, o += 32) {
    const a = exp4(v128.load(p)), b = exp4(v128.load(p, 16));
    v128.store(o, a);
    v128.store(o, b, 16);
  }
}

/** Natural logarithm. @example `unaryLog(p, p, n)` */
export function unaryLog(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 32, o += 32) {
    const a = log4(v128.load(p)), b = log4(v128.load(p, 16));
    v128.store(o, a);
    v128.store(o, b, 16);
  }
}

/** Square root. @example `unarySqrt(p, p, n)` */
export function unarySqrt(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 16, o += 16) v128.store(o, f32x4.sqrt(v128.load(p)));
}

/** Absolute value. @example `unaryAbs(p, p, n)` */
export function unaryAbs(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 16, o += 16) v128.store(o, f32x4.abs(v128.load(p)));
}

/** Sine. @example `unarySin(p, p, n)` */
export function unarySin(x: usize, out: usize, n: i32): void {
  sinCosLoop(x, out, n, false);
}

/** Cosine. @example `unaryCos(p, p, n)` */
export function unaryCos(x: usize, out: usize, n: i32): void {
  sinCosLoop(x, out, n, true);
}

/** Hyperbolic tangent. @example `unaryTanh(p, p, n)` */
export function unaryTanh(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 32, o += 32) {
    const a = tanh4(v128.load(p)), b = tanh4(v128.load(p, 16));
    v128.store(o, a);
    v128.store(o, b, 16);
  }
}

/** Logistic sigmoid. @example `unarySigmoid(p, p, n)` */
export function unarySigmoid(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 32, o += 32) {
    const a = sigmoid4(v128.load(p)), b = sigmoid4(v128.load(p, 16));
    v128.store(o, a);
    v128.store(o, b, 16);
  }
}

/** `max(x, 0)`, keeping x where x > 0 or x is NaN, else +0 (also for -0), as the TS backend does. @example `unaryRelu(p, p, n)` */
export function unaryRelu(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 16, o += 16) {
    const v = v128.load(p);
    v128.store(o, v128.and(v, v128.or(f32x4.gt(v, f32x4.splat(0)), f32x4.ne(v, v))));
  }
}

/** PyTorch's (0 < x) - (x < 0), as the TS backend: +0 for ±0 and for NaN. @example `unarySign(p, p, n)` */
export function unarySign(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 16, o += 16) {
    const v = v128.load(p);
    const zero = f32x4.splat(0), one = splatOne();
    const pos = v128.and(f32x4.gt(v, zero), one);
    const neg = v128.and(f32x4.lt(v, zero), v128.or(one, signMask()));
    v128.store(o, v128.or(pos, neg));
  }
}

function sinCosLoop(x: usize, out: usize, n: i32, cosine: bool): void {
  const end = x + (<usize>n << 2);
  let o = out;
  for (let p = x; p < end; p += 16, o += 16) {
    const v = v128.load(p);
    if (v128.any_true(f32x4.ge(f32x4.abs(v), f32x4.splat(SIN_FAST_LIMIT)))) {
      for (let l: usize = 0; l < 16; l += 4) {
        const s = <f64>load<f32>(p + l);
        store<f32>(o + l, <f32>(cosine ? Math.cos(s) : Math.sin(s)));
      }
    } else {
      v128.store(o, sincos4(v, cosine));
    }
  }
}

/** The error function, each lane in float64 from fitted polynomials (erf32 in special.ts) and rounded once. @example `unaryErf(p, p, n)` */
export function unaryErf(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 4, o += 4) store<f32>(o, <f32>erf32(<f64>load<f32>(p)));
}

// The libm-like kernels below compute each lane in float64 (AssemblyScript's Math, musl's algorithms) and round
// once to float32, so they agree with the TS reference (float64 Math rounded to float32) within 1 ulp.

/** GELU x·Φ(x) (normalCdf4 in vmath.ts). @example `unaryGelu(p, p, n)` */
export function unaryGelu(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 32, o += 32) {
    const a = v128.load(p), b = v128.load(p, 16);
    v128.store(o, gelu4(a));
    v128.store(o, gelu4(b), 16);
  }
}

// Not inlined: one copy of normalCdf4 (and its exponential) serves both halves of the loop.
function gelu4(x: v128): v128 {
  return f32x4.mul(x, normalCdf4(x));
}

/** The inverse error function, each lane in float64 (see special.ts). @example `unaryErfinv(p, p, n)` */
export function unaryErfinv(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 4, o += 4) store<f32>(o, <f32>erfinv64(<f64>load<f32>(p)));
}

/** log(1 + x). @example `unaryLog1p(p, p, n)` */
export function unaryLog1p(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 4, o += 4) store<f32>(o, <f32>Math.log1p(<f64>load<f32>(p)));
}

/** eˣ − 1. @example `unaryExpm1(p, p, n)` */
export function unaryExpm1(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 4, o += 4) store<f32>(o, <f32>Math.expm1(<f64>load<f32>(p)));
}

/** Base-2 logarithm. @example `unaryLog2(p, p, n)` */
export function unaryLog2(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 4, o += 4) store<f32>(o, <f32>Math.log2(<f64>load<f32>(p)));
}

/** Base-10 logarithm. @example `unaryLog10(p, p, n)` */
export function unaryLog10(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 4, o += 4) store<f32>(o, <f32>Math.log10(<f64>load<f32>(p)));
}

/** 2ˣ. @example `unaryExp2(p, p, n)` */
export function unaryExp2(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 4, o += 4) store<f32>(o, <f32>Math.pow(2.0, <f64>load<f32>(p)));
}

/** Tangent. @example `unaryTan(p, p, n)` */
export function unaryTan(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 4, o += 4) store<f32>(o, <f32>Math.tan(<f64>load<f32>(p)));
}

/** Arcsine. @example `unaryAsin(p, p, n)` */
export function unaryAsin(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 4, o += 4) store<f32>(o, <f32>Math.asin(<f64>load<f32>(p)));
}

/** Arccosine. @example `unaryAcos(p, p, n)` */
export function unaryAcos(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 4, o += 4) store<f32>(o, <f32>Math.acos(<f64>load<f32>(p)));
}

/** Arctangent. @example `unaryAtan(p, p, n)` */
export function unaryAtan(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 4, o += 4) store<f32>(o, <f32>Math.atan(<f64>load<f32>(p)));
}

/** Hyperbolic sine. @example `unarySinh(p, p, n)` */
export function unarySinh(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 4, o += 4) store<f32>(o, <f32>Math.sinh(<f64>load<f32>(p)));
}

/** Hyperbolic cosine. @example `unaryCosh(p, p, n)` */
export function unaryCosh(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 4, o += 4) store<f32>(o, <f32>Math.cosh(<f64>load<f32>(p)));
}

/** Inverse hyperbolic sine. @example `unaryAsinh(p, p, n)` */
export function unaryAsinh(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 4, o += 4) store<f32>(o, <f32>Math.asinh(<f64>load<f32>(p)));
}

/** Inverse hyperbolic cosine. @example `unaryAcosh(p, p, n)` */
export function unaryAcosh(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 4, o += 4) store<f32>(o, <f32>Math.acosh(<f64>load<f32>(p)));
}

/** Inverse hyperbolic tangent. @example `unaryAtanh(p, p, n)` */
export function unaryAtanh(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 4, o += 4) store<f32>(o, <f32>Math.atanh(<f64>load<f32>(p)));
}

/** Round down, four lanes at a time (exact). @example `unaryFloor(p, p, n)` */
export function unaryFloor(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 16, o += 16) v128.store(o, f32x4.floor(v128.load(p)));
}

/** Round up (exact). @example `unaryCeil(p, p, n)` */
export function unaryCeil(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 16, o += 16) v128.store(o, f32x4.ceil(v128.load(p)));
}

/** Round to nearest, ties to even (exact; PyTorch's round). @example `unaryRound(p, p, n)` */
export function unaryRound(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 16, o += 16) v128.store(o, f32x4.nearest(v128.load(p)));
}

/** Round toward zero (exact). @example `unaryTrunc(p, p, n)` */
export function unaryTrunc(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 16, o += 16) v128.store(o, f32x4.trunc(v128.load(p)));
}

/** x − trunc(x) (exact; ±∞ gives NaN). @example `unaryFrac(p, p, n)` */
export function unaryFrac(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 16, o += 16) {
    const v = v128.load(p);
    v128.store(o, f32x4.sub(v, f32x4.trunc(v)));
  }
}

/** PyTorch's default softplus: x above 20, log(1 + eˣ) below, in float64. @example `unarySoftplus(p, p, n)` */
export function unarySoftplus(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 4, o += 4) {
    const v = <f64>load<f32>(p);
    store<f32>(o, <f32>(v > 20 ? v : Math.log1p(Math.exp(v))));
  }
}

/** log(sigmoid(x)) = min(x, 0) − log(1 + e^(−|x|)), in float64. @example `unaryLogSigmoid(p, p, n)` */
export function unaryLogSigmoid(x: usize, out: usize, n: i32): void {
  const end = x + (<usize>n << 2);
  for (let p = x, o = out; p < end; p += 4, o += 4) {
    const v = <f64>load<f32>(p);
    store<f32>(o, <f32>(Math.min(v, 0) - Math.log1p(Math.exp(-Math.abs(v)))));
  }
}
