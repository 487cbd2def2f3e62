import type { DType } from '../../dtype.js';
import type { AdamStep, BufferHandle, SgdStep } from '../backend.js';
import { tsBackend } from '../ts/index.js';
import { floats } from '../ts/optim.js';
import { padded } from './arena.js';
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
