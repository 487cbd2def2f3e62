import type { DType } from '../../dtype.js';
import type { AdagradStep, AdamaxStep, AdamStep, BufferHandle, NadamStep, RadamStep, RmspropStep, SgdStep } from '../backend.js';
import { tsBackend } from '../ts/index.js';
import { floats } from '../ts/optim.js';
import { padded, type Arena } from './arena.js';
import { stage } from './stage.js';
import { wasmTuning } from './tuning.js';

/**
 * One Adam/AdamW (optionally AMSGrad) step over float32 buffers in wasm.
 *
 * @example
 * ```ts
 * adam('float32', p, g, m, v, null, n, step);
 * ```
 */
export function adam(dtype: DType, p: BufferHandle, g: BufferHandle, m: BufferHandle, v: BufferHandle, vmax: BufferHandle | null, n: number,
  s: AdamStep): void {
  const got = dtype !== 'float32' || n < wasmTuning.minOptim ? null : stage(false, () => padded(n * 4) * (vmax === null ? 4 : 5));
  if (!got) {
    tsBackend.adam(dtype, p, g, m, v, vmax, n, s);
    return;
  }
  const { ar } = got;
  const P = floats(p, n) as Float32Array, M = floats(m, n) as Float32Array, V = floats(v, n) as Float32Array;
  const X = vmax === null ? null : floats(vmax, n) as Float32Array;
  const pp = ar.put(P), pg = ar.put(floats(g, n) as Float32Array), pm = ar.put(M), pv = ar.put(V);
  const px = X === null ? 0 : ar.put(X);
  ar.ex.adam(pp, pg, pm, pv, px, n, s.beta1, 1 - s.beta1, s.beta2, 1 - s.beta2, s.stepSize, s.biasCorrection2Sqrt, s.eps, s.decay, s.l2, s.sign);
  ar.get(pp, P, n);
  ar.get(pm, M, n);
  ar.get(pv, V, n);
  if (X !== null) ar.get(px, X, n);
}

/**
 * One SGD step over float32 buffers in wasm.
 *
 * @example
 * ```ts
 * sgd('float32', p, g, null, n, step);
 * ```
 */
export function sgd(dtype: DType, p: BufferHandle, g: BufferHandle, buf: BufferHandle | null, n: number, s: SgdStep): void {
  const got = dtype !== 'float32' || n < wasmTuning.minOptim ? null : stage(false, () => padded(n * 4) * (buf === null ? 2 : 3));
  if (!got) {
    tsBackend.sgd(dtype, p, g, buf, n, s);
    return;
  }
  const { ar } = got;
  const P = floats(p, n) as Float32Array, B = buf === null ? null : floats(buf, n) as Float32Array;
  const pp = ar.put(P), pg = ar.put(floats(g, n) as Float32Array);
  // The first momentum step starts the buffer as the gradient, so its old contents need not be copied in.
  const pb = B === null ? 0 : s.first ? ar.alloc(n * 4) : ar.put(B);
  ar.ex.sgd(pp, pg, pb, n, s.lr, s.momentum, 1 - s.dampening, s.nesterov ? 1 : 0, s.weightDecay, s.sign, s.first ? 1 : 0);
  ar.get(pp, P, n);
  if (B !== null) ar.get(pb, B, n);
}

/**
 * Run a fused update over float32 buffers in wasm: copy `inputs` in (null ones are absent, passed as address 0),
 * call `run` with their addresses, and copy the first `outputs` of them back. Returns false (nothing done) for
 * float64 or for fewer than `wasmTuning.minOptim` elements, where the TS loop is the faster one.
 */
function fused(dtype: DType, n: number, inputs: readonly (BufferHandle | null)[], outputs: number, run: (ex: Arena['ex'], at: number[]) => void): boolean {
  if (dtype !== 'float32' || n < wasmTuning.minOptim) return false;
  const present = inputs.filter((h) => h !== null).length;
  const got = stage(false, () => padded(n * 4) * present);
  if (!got) return false;
  const { ar } = got;
  const arrays = inputs.map((h) => (h === null ? null : (floats(h, n) as Float32Array)));
  const at = arrays.map((a) => (a === null ? 0 : ar.put(a)));
  run(ar.ex, at);
  for (let i = 0; i < outputs; i++) if (arrays[i] !== null) ar.get(at[i]!, arrays[i]!, n);
  return true;
}

/**
 * One RMSprop step over float32 buffers in wasm (the TS loop otherwise).
 *
 * @example
 * ```ts
 * rmsprop('float32', p, g, sq, null, null, n, step);
 * ```
 */
export function rmsprop(dtype: DType, p: BufferHandle, g: BufferHandle, sq: BufferHandle, gavg: BufferHandle | null, buf: BufferHandle | null, n: number,
  s: RmspropStep): void {
  // Outputs first: p, sq, gavg, buf; then the gradient, which is only read.
  const done = fused(dtype, n, [p, sq, gavg, buf, g], 4, (ex, [pp, ps, pa, pb, pg]) =>
    ex.rmsprop(pp!, pg!, ps!, pa!, pb!, n, s.lr, s.alpha, 1 - s.alpha, s.eps, s.weightDecay, s.momentum, s.sign));
  if (!done) tsBackend.rmsprop!(dtype, p, g, sq, gavg, buf, n, s);
}

/**
 * One Adagrad step over float32 buffers in wasm (the TS loop otherwise).
 *
 * @example
 * ```ts
 * adagrad('float32', p, g, sum, n, step);
 * ```
 */
export function adagrad(dtype: DType, p: BufferHandle, g: BufferHandle, sum: BufferHandle, n: number, s: AdagradStep): void {
  const done = fused(dtype, n, [p, sum, g], 2, (ex, [pp, ps, pg]) => ex.adagrad(pp!, pg!, ps!, n, s.clr, s.eps, s.weightDecay, s.sign));
  if (!done) tsBackend.adagrad!(dtype, p, g, sum, n, s);
}

/**
 * One Adamax step over float32 buffers in wasm (the TS loop otherwise).
 *
 * @example
 * ```ts
 * adamax('float32', p, g, m, u, n, step);
 * ```
 */
export function adamax(dtype: DType, p: BufferHandle, g: BufferHandle, m: BufferHandle, u: BufferHandle, n: number, s: AdamaxStep): void {
  const done = fused(dtype, n, [p, m, u, g], 3, (ex, [pp, pm, pu, pg]) =>
    ex.adamax(pp!, pg!, pm!, pu!, n, s.beta1, 1 - s.beta1, s.beta2, s.eps, s.clr, s.weightDecay, s.sign));
  if (!done) tsBackend.adamax!(dtype, p, g, m, u, n, s);
}

/**
 * One NAdam step over float32 buffers in wasm (the TS loop otherwise).
 *
 * @example
 * ```ts
 * nadam('float32', p, g, m, v, n, step);
 * ```
 */
export function nadam(dtype: DType, p: BufferHandle, g: BufferHandle, m: BufferHandle, v: BufferHandle, n: number, s: NadamStep): void {
  const done = fused(dtype, n, [p, m, v, g], 3, (ex, [pp, pm, pv, pg]) =>
    ex.nadam(pp!, pg!, pm!, pv!, n, s.beta1, 1 - s.beta1, s.beta2, 1 - s.beta2, s.biasCorrection2, s.eps, s.gradCoef, s.avgCoef, s.weightDecay, s.sign));
  if (!done) tsBackend.nadam!(dtype, p, g, m, v, n, s);
}

/**
 * One RAdam step over float32 buffers in wasm (the TS loop otherwise).
 *
 * @example
 * ```ts
 * radam('float32', p, g, m, v, n, step);
 * ```
 */
export function radam(dtype: DType, p: BufferHandle, g: BufferHandle, m: BufferHandle, v: BufferHandle, n: number, s: RadamStep): void {
  const done = fused(dtype, n, [p, m, v, g], 3, (ex, [pp, pm, pv, pg]) =>
    ex.radam(pp!, pg!, pm!, pv!, n, s.beta1, 1 - s.beta1, s.beta2, 1 - s.beta2, s.biasCorrection1, s.lr, s.rectify ? 1 : 0, s.rect,
      s.biasCorrection2Sqrt, s.eps, s.weightDecay, s.sign));
  if (!done) tsBackend.radam!(dtype, p, g, m, v, n, s);
}
