import type { DType } from '../../dtype.js';
import type { AdagradStep, AdamaxStep, AdamStep, BufferHandle, NadamStep, RadamStep, RmspropStep, SgdStep } from '../backend.js';
import { arrayOf } from '../cpu/memory.js';

/** A flat float array that an update writes in place. */
export type Floats = Float32Array | Float64Array;

/**
 * One Adam step (the backend entry) over `n` elements of CPU buffers; see `adamArrays`.
 *
 * @example
 * ```ts
 * adam('float32', p, g, m, v, null, n, step);
 * ```
 */
export function adam(_dtype: DType, p: BufferHandle, g: BufferHandle, m: BufferHandle, v: BufferHandle, vmax: BufferHandle | null, n: number,
  s: AdamStep): void {
  adamArrays(floats(p, n), floats(g, n), floats(m, n), floats(v, n), vmax === null ? null : floats(vmax, n), s);
}

/**
 * One SGD step (the backend entry) over `n` elements of CPU buffers; see `sgdArrays`.
 *
 * @example
 * ```ts
 * sgd('float32', p, g, null, n, step);
 * ```
 */
export function sgd(_dtype: DType, p: BufferHandle, g: BufferHandle, buf: BufferHandle | null, n: number, s: SgdStep): void {
  sgdArrays(floats(p, n), floats(g, n), buf === null ? null : floats(buf, n), s);
}

/** The first `n` elements of a float buffer. */
export function floats(h: BufferHandle, n: number): Floats {
  const a = arrayOf(h) as Floats;
  return a.length === n ? a : a.subarray(0, n);
}

// The fused optimizer updates as plain loops over flat float arrays, as free functions: inside a method, the
// AMSGrad and momentum branches that a run never takes left no type feedback and made V8 deoptimise the loop
// on every call (measured: ~700 deoptimisations in a 1,000-step MNIST run).

/**
 * One Adam step over every element: p, m and v in place (and the running maximum `vmax` with AMSGrad).
 * Each moment is read back after it is stored, so the step uses the rounded value as the tensor-op path does.
 *
 * @example
 * ```ts
 * adamArrays(p, g, m, v, null, { beta1: 0.9, beta2: 0.999, stepSize: 1e-2, biasCorrection2Sqrt: 0.0316, eps: 1e-8, decay: 1, l2: 0, sign: 1 });
 * ```
 */
export function adamArrays(p: Floats, g: Floats, m: Floats, v: Floats, vmax: Floats | null, s: AdamStep): void {
  if (vmax !== null) {
    adamAmsgradLoop(p, g, m, v, vmax, s);
    return;
  }
  const { beta1, beta2, stepSize, biasCorrection2Sqrt, eps, decay, l2, sign } = s;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const p0 = p[i]! * decay;
    const gi = sign * g[i]! + l2 * p0;
    m[i] = beta1 * m[i]! + (1 - beta1) * gi;
    v[i] = beta2 * v[i]! + (1 - beta2) * gi * gi;
    p[i] = p0 - (stepSize * m[i]!) / (Math.sqrt(v[i]!) / biasCorrection2Sqrt + eps);
  }
}

function adamAmsgradLoop(p: Floats, g: Floats, m: Floats, v: Floats, vmax: Floats, s: AdamStep): void {
  const { beta1, beta2, stepSize, biasCorrection2Sqrt, eps, decay, l2, sign } = s;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const p0 = p[i]! * decay;
    const gi = sign * g[i]! + l2 * p0;
    m[i] = beta1 * m[i]! + (1 - beta1) * gi;
    v[i] = beta2 * v[i]! + (1 - beta2) * gi * gi;
    if (vmax[i]! < v[i]!) vmax[i] = v[i]!;
    p[i] = p0 - (stepSize * m[i]!) / (Math.sqrt(vmax[i]!) / biasCorrection2Sqrt + eps);
  }
}

/**
 * One SGD step over every element: p in place, and the momentum buffer `buf` when momentum is on.
 *
 * @example
 * ```ts
 * sgdArrays(p, g, null, { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, sign: 1, first: false });
 * ```
 */
export function sgdArrays(p: Floats, g: Floats, buf: Floats | null, s: SgdStep): void {
  const { lr, weightDecay, sign } = s;
  const n = p.length;
  if (buf === null) {
    for (let i = 0; i < n; i++) p[i] = p[i]! - lr * (sign * g[i]! + weightDecay * p[i]!);
    return;
  }
  const { momentum, dampening, nesterov, first } = s;
  for (let i = 0; i < n; i++) {
    const gi = sign * g[i]! + weightDecay * p[i]!;
    buf[i] = first ? gi : momentum * buf[i]! + (1 - dampening) * gi;
    // Read back the stored (rounded) buffer, as the tensor-op path uses it.
    p[i] = p[i]! - lr * (nesterov ? gi + momentum * buf[i]! : buf[i]!);
  }
}

// The loops below repeat their optimizer's tensor-op path (src/optim/) operation for operation, so that in float64
// the fused and unfused updates agree bit for bit; each stored state value is read back as the next op reads it.

/**
 * One RMSprop step (the backend entry) over `n` elements of CPU buffers.
 *
 * @example
 * ```ts
 * rmsprop('float64', p, g, sq, null, null, n, { lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, sign: 1 });
 * ```
 */
export function rmsprop(_dtype: DType, p: BufferHandle, g: BufferHandle, sq: BufferHandle, gavg: BufferHandle | null, buf: BufferHandle | null,
  n: number, s: RmspropStep): void {
  rmspropArrays(floats(p, n), floats(g, n), floats(sq, n), gavg === null ? null : floats(gavg, n), buf === null ? null : floats(buf, n), s);
}

/**
 * RMSprop over flat arrays: `v ← α·v + (1−α)·g·g`, `a = √(v − ḡ²)` (centered) or `√v`, plus ε; then
 * `b ← μ·b + g/a`, `p ← p − lr·b` with momentum, else `p ← p + (−lr·g)/a`.
 *
 * @example
 * ```ts
 * rmspropArrays(p, g, sq, null, null, { lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, sign: 1 });
 * ```
 */
export function rmspropArrays(p: Floats, g: Floats, sq: Floats, gavg: Floats | null, buf: Floats | null, s: RmspropStep): void {
  const { lr, alpha, eps, weightDecay, momentum, sign } = s;
  const c = 1 - alpha, nlr = -lr;
  const n = p.length;
  for (let i = 0; i < n; i++) {
    const gi = weightDecay === 0 ? sign * g[i]! : sign * g[i]! + p[i]! * weightDecay;
    sq[i] = sq[i]! * alpha + gi * c * gi;
    let avg: number;
    if (gavg !== null) {
      gavg[i] = gavg[i]! * alpha + gi * c;
      avg = Math.sqrt(sq[i]! - gavg[i]! * gavg[i]!) + eps;
    } else {
      avg = Math.sqrt(sq[i]!) + eps;
    }
    if (buf !== null) {
      buf[i] = buf[i]! * momentum + gi / avg;
      p[i] = p[i]! - buf[i]! * lr;
    } else {
      p[i] = p[i]! + (gi * nlr) / avg;
    }
  }
}

/**
 * One Adagrad step (the backend entry): `s ← s + g·g`, `p ← p + (−clr·g)/(√s + ε)`.
 *
 * @example
 * ```ts
 * adagrad('float64', p, g, sum, n, { clr: 0.01, eps: 1e-10, weightDecay: 0, sign: 1 });
 * ```
 */
export function adagrad(_dtype: DType, p: BufferHandle, g: BufferHandle, sum: BufferHandle, n: number, s: AdagradStep): void {
  const P = floats(p, n), G = floats(g, n), S = floats(sum, n);
  const { clr, eps, weightDecay, sign } = s;
  const nclr = -clr;
  for (let i = 0; i < n; i++) {
    const gi = weightDecay === 0 ? sign * G[i]! : sign * G[i]! + P[i]! * weightDecay;
    S[i] = S[i]! + gi * gi;
    P[i] = P[i]! + (gi * nclr) / (Math.sqrt(S[i]!) + eps);
  }
}

/**
 * One Adamax step (the backend entry): `m ← β₁·m + (1−β₁)·g`, `u ← max(β₂·u, |g| + ε)` (NaN propagates, as
 * `maximum`), `p ← p + (−clr·m)/u`.
 *
 * @example
 * ```ts
 * adamax('float64', p, g, m, u, n, { beta1: 0.9, beta2: 0.999, eps: 1e-8, clr: 0.02, weightDecay: 0, sign: 1 });
 * ```
 */
export function adamax(_dtype: DType, p: BufferHandle, g: BufferHandle, m: BufferHandle, u: BufferHandle, n: number, s: AdamaxStep): void {
  const P = floats(p, n), G = floats(g, n), M = floats(m, n), U = floats(u, n);
  const { beta1, beta2, eps, clr, weightDecay, sign } = s;
  const c1 = 1 - beta1, nclr = -clr;
  for (let i = 0; i < n; i++) {
    const gi = weightDecay === 0 ? sign * G[i]! : sign * G[i]! + P[i]! * weightDecay;
    M[i] = M[i]! * beta1 + gi * c1;
    const a = U[i]! * beta2, b = Math.abs(gi) + eps;
    U[i] = a > b || a !== a ? a : b;
    P[i] = P[i]! + (M[i]! * nclr) / U[i]!;
  }
}

/**
 * One NAdam step (the backend entry): the moments as Adam's, `d = √(v/bc₂) + ε`, then
 * `p ← p + (gradCoef·g)/d` and `p ← p + (avgCoef·m)/d`.
 *
 * @example
 * ```ts
 * nadam('float64', p, g, m, v, n, step);
 * ```
 */
export function nadam(_dtype: DType, p: BufferHandle, g: BufferHandle, m: BufferHandle, v: BufferHandle, n: number, s: NadamStep): void {
  const P = floats(p, n), G = floats(g, n), M = floats(m, n), V = floats(v, n);
  const { beta1, beta2, biasCorrection2, eps, gradCoef, avgCoef, weightDecay, sign } = s;
  const c1 = 1 - beta1, c2 = 1 - beta2;
  for (let i = 0; i < n; i++) {
    const gi = weightDecay === 0 ? sign * G[i]! : sign * G[i]! + P[i]! * weightDecay;
    M[i] = M[i]! * beta1 + gi * c1;
    V[i] = V[i]! * beta2 + gi * c2 * gi;
    const d = Math.sqrt(V[i]! / biasCorrection2) + eps;
    P[i] = P[i]! + (gi * gradCoef) / d;
    P[i] = P[i]! + (M[i]! * avgCoef) / d;
  }
}

/**
 * One RAdam step (the backend entry): the moments as Adam's, `m̂ = m/bc₁`; rectified,
 * `p ← p − m̂·lr·(bc₂√ · 1/(√v + ε))·r`, else `p ← p − m̂·lr`.
 *
 * @example
 * ```ts
 * radam('float64', p, g, m, v, n, step);
 * ```
 */
export function radam(_dtype: DType, p: BufferHandle, g: BufferHandle, m: BufferHandle, v: BufferHandle, n: number, s: RadamStep): void {
  const P = floats(p, n), G = floats(g, n), M = floats(m, n), V = floats(v, n);
  const { beta1, beta2, biasCorrection1, lr, rectify, rect, biasCorrection2Sqrt, eps, weightDecay, sign } = s;
  const c1 = 1 - beta1, c2 = 1 - beta2;
  for (let i = 0; i < n; i++) {
    const gi = weightDecay === 0 ? sign * G[i]! : sign * G[i]! + P[i]! * weightDecay;
    M[i] = M[i]! * beta1 + gi * c1;
    V[i] = V[i]! * beta2 + gi * c2 * gi;
    const corrected = M[i]! / biasCorrection1;
    if (rectify) {
      const adaptive = (1 / (Math.sqrt(V[i]!) + eps)) * biasCorrection2Sqrt;
      P[i] = P[i]! - corrected * lr * adaptive * rect;
    } else {
      P[i] = P[i]! - corrected * lr;
    }
  }
}
