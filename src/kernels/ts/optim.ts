import type { DType } from '../../dtype.js';
import type { AdamStep, BufferHandle, SgdStep } from '../backend.js';
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
