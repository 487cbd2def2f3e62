// Test cases of the layers' primitives (fused layerNorm and batchNorm, forward and backward), spread into SPECS by
// test/op-specs.ts: the generated suites run forward against the float64 references of layers-reference.ts,
// float32, gradcheck, gradgradcheck and the JVPs through them on every backend.
import { batchNorm, batchNormBackward, cat, layerNorm, layerNormBackward, tensor, type Tensor } from '../../src/index.js';
import type { Arg, Case, OpSpec } from '../op-specs.js';
import type { Primitive } from '../../src/index.js';
import * as L from './layers-reference.js';

const f = (shape: number[]): Arg => ({ shape, domain: 'any' });
const EPS = 1e-5;

/** The backward primitives' outputs as one flat tensor (null parts left out), for comparison with the references. */
const flat = (parts: readonly (Tensor | null)[]): Tensor => {
  const present = parts.filter((p): p is Tensor => p !== null).map((p) => p.reshape([-1]));
  return present.length === 1 ? present[0]! : cat(present, 0);
};

/** Per-row statistics of x over its trailing m elements (no graph: the primitives take them as given). */
function rowStats(x: Tensor, k: number): { mean: Tensor; rstd: Tensor } {
  const dims = Array.from({ length: k }, (_, i) => x.ndim - k + i);
  const d = x.detach();
  const mean = d.mean(dims, true);
  const c = d.sub(mean);
  return { mean, rstd: c.mul(c).mean(dims, true).add(EPS).rsqrt() };
}

function channelStats(x: Tensor): { mean: Tensor; invstd: Tensor } {
  const dims = x.shape.map((_, i) => i).filter((i) => i !== 1);
  const d = x.detach();
  const mean = d.mean(dims, true);
  const c = d.sub(mean);
  return { mean: mean.reshape([-1]), invstd: c.mul(c).mean(dims, true).add(EPS).rsqrt().reshape([-1]) };
}

const RUNNING = { mean: [0.3, -0.2, 0.1], var: [1.5, 0.7, 2.2] };
// Made in x's dtype on x's device (a GPU has no float64).
const runningLike = (x: Tensor): [Tensor, Tensor] =>
  [tensor(RUNNING.mean, { dtype: x.dtype, device: x.device }), tensor(RUNNING.var, { dtype: x.dtype, device: x.device })];

export const LAYERS_SPECS = {
  layerNorm: {
    cases: [
      { label: '[3, 4] over [4], weight and bias', args: [f([3, 4]), f([4]), f([4])],
        run: (x, w, b) => layerNorm(x!, [4], w!, b!), ref: (x, w, b) => L.layerNorm(x!, 4, w!, b!, EPS) },
      { label: '[2, 3, 4] over [3, 4], weight only', args: [f([2, 3, 4]), f([3, 4])],
        run: (x, w) => layerNorm(x!, [3, 4], w!), ref: (x, w) => L.layerNorm(x!, 12, w!, null, EPS) },
      { label: '[2, 5] no affine, eps 0.1', args: [f([2, 5])],
        run: (x) => layerNorm(x!, 5, null, null, { eps: 0.1 }), ref: (x) => L.layerNorm(x!, 5, null, null, 0.1) },
      { label: 'bias only, of a transposed input', args: [f([4, 3]), f([4])],
        run: (x, b) => layerNorm(x!.T, [4], null, b!), ref: (x, b) => L.layerNorm(transpose(x!), 4, null, b!, EPS) },
    ],
  },
  layerNormBackward: {
    cases: [
      { label: '[3, 4] over [4], all outputs', args: [f([3, 4]), f([3, 4]), f([4])],
        run: (g, x, w) => { const s = rowStats(x!, 1); return flat(layerNormBackward(g!, x!, [4], s.mean, s.rstd, w!)); },
        ref: (g, x, w) => L.layerNormBackward(g!, x!, 4, w!, EPS, [true, true, true]) },
      { label: '[2, 2, 3] over [2, 3], no weight', args: [f([2, 2, 3]), f([2, 2, 3])],
        run: (g, x) => { const s = rowStats(x!, 2); return flat(layerNormBackward(g!, x!, [2, 3], s.mean, s.rstd)); },
        ref: (g, x) => L.layerNormBackward(g!, x!, 6, null, EPS, [true, true, true]) },
      { label: 'dx only', args: [f([2, 5]), f([2, 5]), f([5])],
        run: (g, x, w) => { const s = rowStats(x!, 1); return flat(layerNormBackward(g!, x!, 5, s.mean, s.rstd, w!, { outputMask: [true, false, false] })); },
        ref: (g, x, w) => L.layerNormBackward(g!, x!, 5, w!, EPS, [true, false, false]) },
      { label: 'dweight and dbias only', args: [f([3, 4]), f([3, 4]), f([4])],
        run: (g, x, w) => { const s = rowStats(x!, 1); return flat(layerNormBackward(g!, x!, 4, s.mean, s.rstd, w!, { outputMask: [false, true, true] })); },
        ref: (g, x, w) => L.layerNormBackward(g!, x!, 4, w!, EPS, [false, true, true]) },
    ],
  },
  batchNorm: {
    cases: [
      { label: 'training [4, 3], weight and bias', args: [f([4, 3]), f([3]), f([3])],
        run: (x, w, b) => batchNorm(x!, null, null, w!, b!, { training: true }), ref: (x, w, b) => L.batchNorm(x!, w!, b!, EPS, null) },
      { label: 'training [2, 3, 4] with running statistics, weight only', args: [f([2, 3, 4]), f([3])],
        run: (x, w) => batchNorm(x!, ...runningLike(x!), w!, null, { training: true, momentum: 0.3 }), ref: (x, w) => L.batchNorm(x!, w!, null, EPS, null) },
      { label: 'training [2, 3, 2, 2], no affine, eps 0.01', args: [f([2, 3, 2, 2])],
        run: (x) => batchNorm(x!, null, null, null, null, { training: true, eps: 0.01 }), ref: (x) => L.batchNorm(x!, null, null, 0.01, null) },
      { label: 'evaluation [2, 3, 2, 2] with running statistics', args: [f([2, 3, 2, 2]), f([3]), f([3])],
        run: (x, w, b) => batchNorm(x!, ...runningLike(x!), w!, b!), ref: (x, w, b) => L.batchNorm(x!, w!, b!, EPS, RUNNING) },
    ],
  },
  batchNormBackward: {
    cases: [
      { label: 'batch statistics [4, 3], all outputs', args: [f([4, 3]), f([4, 3]), f([3])],
        run: (g, x, w) => { const s = channelStats(x!); return flat(batchNormBackward(g!, x!, s.mean, s.invstd, w!)); },
        ref: (g, x, w) => L.batchNormBackward(g!, x!, w!, EPS, null, [true, true, true]) },
      { label: 'batch statistics [2, 3, 2, 2], no weight, dx only', args: [f([2, 3, 2, 2]), f([2, 3, 2, 2])],
        run: (g, x) => { const s = channelStats(x!); return flat(batchNormBackward(g!, x!, s.mean, s.invstd, null, { outputMask: [true, false, false] })); },
        ref: (g, x) => L.batchNormBackward(g!, x!, null, EPS, null, [true, false, false]) },
      { label: 'running statistics [2, 3, 4], all outputs', args: [f([2, 3, 4]), f([2, 3, 4]), f([3])],
        run: (g, x, w) => {
          const [m, v] = runningLike(x!);
          return flat(batchNormBackward(g!, x!, m, v.add(EPS).rsqrt(), w!, { training: false }));
        },
        ref: (g, x, w) => L.batchNormBackward(g!, x!, w!, EPS, RUNNING, [true, true, true]) },
    ],
  },
} satisfies Partial<Record<Primitive, OpSpec>>;

function transpose(x: { shape: readonly number[]; data: Float64Array }): ReturnType<typeof L.layerNorm> {
  const [r, c] = x.shape as [number, number];
  const out = new Float64Array(r * c);
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = x.data[i * c + j]!;
  return { shape: [c, r], data: out };
}
