// Optimizer updates in WGSL: one invocation per parameter element updates it and its state in place, with the
// reference's order of operations (src/kernels/ts/optim.ts), in float32.
import type { AdamStep, SgdStep } from '../backend.js';
import { grid1d, main1d, Params, type GpuContext, type GpuHandle, type Kernel } from './context.js';

const adamKernels = new Map<boolean, Kernel>();
function adamKernel(amsgrad: boolean): Kernel {
  let k = adamKernels.get(amsgrad);
  if (k === undefined) {
    k = {
      key: `adam:${amsgrad}`,
      access: amsgrad ? ['w', 'r', 'w', 'w', 'w'] : ['w', 'r', 'w', 'w'],
      wgsl: ([Pp, G, M, V, VM]) => `${main1d('P[1]')}
  let beta1 = bitcast<f32>(P[2]);
  let beta2 = bitcast<f32>(P[3]);
  let stepSize = bitcast<f32>(P[4]);
  let bc2 = bitcast<f32>(P[5]);
  let eps = bitcast<f32>(P[6]);
  let decay = bitcast<f32>(P[7]);
  let l2 = bitcast<f32>(P[8]);
  let sgn = bitcast<f32>(P[9]);
  let p0 = bitcast<f32>(${Pp}[i]) * decay;
  let g = sgn * bitcast<f32>(${G}[i]) + l2 * p0;
  let m = beta1 * bitcast<f32>(${M}[i]) + (1.0 - beta1) * g;
  let v = beta2 * bitcast<f32>(${V}[i]) + (1.0 - beta2) * g * g;
  ${M}[i] = bitcast<u32>(m);
  ${V}[i] = bitcast<u32>(v);
  ${amsgrad ? `let vm = max(bitcast<f32>(${VM}[i]), v);
  ${VM}[i] = bitcast<u32>(vm);` : 'let vm = v;'}
  ${Pp}[i] = bitcast<u32>(p0 - (stepSize * m) / (sqrt(vm) / bc2 + eps));
}`,
    };
    adamKernels.set(amsgrad, k);
  }
  return k;
}

/**
 * One Adam/AdamW step over `n` float32 elements in place.
 *
 * @example
 * ```ts
 * adam(ctx, p, g, m, v, null, n, step);
 * ```
 */
export function adam(ctx: GpuContext, p: GpuHandle, g: GpuHandle, m: GpuHandle, v: GpuHandle, vmax: GpuHandle | null, n: number, s: AdamStep): void {
  if (n === 0) return;
  const params = new Params().u(n).f(s.beta1).f(s.beta2).f(s.stepSize).f(s.biasCorrection2Sqrt).f(s.eps).f(s.decay).f(s.l2).f(s.sign);
  ctx.dispatch(adamKernel(vmax !== null), vmax === null ? [p, g, m, v] : [p, g, m, v, vmax], params, grid1d(n));
}

const SGD: Kernel = {
  key: 'sgd',
  access: ['w', 'r'],
  wgsl: ([Pp, G]) => `${main1d('P[1]')}
  let lr = bitcast<f32>(P[2]);
  let wd = bitcast<f32>(P[3]);
  let sgn = bitcast<f32>(P[4]);
  let p = bitcast<f32>(${Pp}[i]);
  ${Pp}[i] = bitcast<u32>(p - lr * (sgn * bitcast<f32>(${G}[i]) + wd * p));
}`,
};

const SGD_MOMENTUM: Kernel = {
  key: 'sgd-momentum',
  access: ['w', 'r', 'w'],
  wgsl: ([Pp, G, Bf]) => `${main1d('P[1]')}
  let lr = bitcast<f32>(P[2]);
  let wd = bitcast<f32>(P[3]);
  let sgn = bitcast<f32>(P[4]);
  let momentum = bitcast<f32>(P[5]);
  let dampening = bitcast<f32>(P[6]);
  let nesterov = P[7] == 1u;
  let first = P[8] == 1u;
  let p = bitcast<f32>(${Pp}[i]);
  let g = sgn * bitcast<f32>(${G}[i]) + wd * p;
  let b = select(momentum * bitcast<f32>(${Bf}[i]) + (1.0 - dampening) * g, g, first);
  ${Bf}[i] = bitcast<u32>(b);
  ${Pp}[i] = bitcast<u32>(p - lr * select(b, g + momentum * b, nesterov));
}`,
};

/**
 * One SGD step over `n` float32 elements in place (with the momentum buffer `buf` when not null).
 *
 * @example
 * ```ts
 * sgd(ctx, p, g, null, n, step);
 * ```
 */
export function sgd(ctx: GpuContext, p: GpuHandle, g: GpuHandle, buf: GpuHandle | null, n: number, s: SgdStep): void {
  if (n === 0) return;
  const params = new Params().u(n).f(s.lr).f(s.weightDecay).f(s.sign);
  if (buf === null) {
    ctx.dispatch(SGD, [p, g], params, grid1d(n));
    return;
  }
  params.f(s.momentum).f(s.dampening).u(s.nesterov ? 1 : 0).u(s.first ? 1 : 0);
  ctx.dispatch(SGD_MOMENTUM, [p, g, buf], params, grid1d(n));
}
