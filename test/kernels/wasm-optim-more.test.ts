import { describe, expect, it, vi } from 'vitest';
import type { AdagradStep, AdamaxStep, NadamStep, RadamStep, RmspropStep } from '../../src/kernels/backend.js';
import { handleOf as h } from '../../src/kernels/cpu/memory.js';
import { tsBackend } from '../../src/kernels/ts/index.js';
import { wasmBackend, wasmSupported } from '../../src/kernels/wasm/index.js';
import { manualSeed, optim, randn, type Tensor } from '../../src/index.js';
import { rng, runWasmKernelsAtEverySize } from '../support/wasm.js';

// The wasm kernels of RMSprop, Adagrad, Adamax, NAdam and RAdam. They repeat the optimizers' tensor-op paths
// operation for operation in float32, so a float32 parameter updated by them equals, bit for bit, the same update
// made with tensor ops (which run on the wasm elementwise kernels); the TS loops compute in float64 and round once
// per stored value, so they agree with the wasm kernels to a few float32 ulps.

runWasmKernelsAtEverySize();

const LENGTHS = [1, 3, 4, 5, 17, 1000, 4099];

function arrays(n: number, seed: number, count: number, scale: number): Float32Array[] {
  const r = rng(seed);
  return Array.from({ length: count }, () => Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale));
}

function expectClose(got: Float32Array, want: Float32Array, what: string): void {
  const scale = want.reduce((s, x) => s + Math.abs(x), 0) / want.length || 1;
  let worst = 0, at = -1;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i]! - want[i]!) / (Math.abs(want[i]!) + scale);
    if (!(err <= worst)) [worst, at] = [err, i];
  }
  // A few float32 ulps, more where a division by a small denominator (the first steps' √v + ε) amplifies them.
  expect(worst, `${what}: element ${at} is ${got[at]} on wasm and ${want[at]} on ts`).toBeLessThan(5e-6);
}

type Kernel = 'rmsprop' | 'adagrad' | 'adamax' | 'nadam' | 'radam';
interface KernelCase {
  kernel: Kernel;
  /** Number of state buffers (after p), and which may be null. */
  states: number;
  step: (t: number) => RmspropStep | AdagradStep | AdamaxStep | NadamStep | RadamStep;
  nulls?: readonly number[];
}

const CASES: [string, KernelCase][] = [
  ['rmsprop', { kernel: 'rmsprop', states: 3, nulls: [1, 2], step: () => ({ lr: 0.01, alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, sign: 1 }) }],
  ['rmsprop centered, momentum, decay, maximize', { kernel: 'rmsprop', states: 3, step: () => ({ lr: 0.01, alpha: 0.9, eps: 1e-6, weightDecay: 0.1, momentum: 0.9, sign: -1 }) }],
  ['adagrad', { kernel: 'adagrad', states: 1, step: (t) => ({ clr: 0.1 / (1 + (t - 1) * 0.01), eps: 1e-10, weightDecay: 0.05, sign: 1 }) }],
  ['adamax', { kernel: 'adamax', states: 2, step: (t) => ({ beta1: 0.9, beta2: 0.999, eps: 1e-8, clr: 0.002 / (1 - 0.9 ** t), weightDecay: 0, sign: 1 }) }],
  ['nadam', { kernel: 'nadam', states: 2, step: (t) => ({ beta1: 0.9, beta2: 0.999, biasCorrection2: 1 - 0.999 ** t, eps: 1e-8, gradCoef: -1e-3, avgCoef: -8e-3, weightDecay: 0.01, sign: 1 }) }],
  ['radam, not rectified', { kernel: 'radam', states: 2, step: (t) => ({ beta1: 0.9, beta2: 0.999, biasCorrection1: 1 - 0.9 ** t, lr: 1e-3, rectify: false, rect: 0, biasCorrection2Sqrt: Math.sqrt(1 - 0.999 ** t), eps: 1e-8, weightDecay: 0, sign: 1 }) }],
  ['radam, rectified', { kernel: 'radam', states: 2, step: (t) => ({ beta1: 0.9, beta2: 0.999, biasCorrection1: 1 - 0.9 ** (t + 6), lr: 1e-3, rectify: true, rect: 0.3, biasCorrection2Sqrt: Math.sqrt(1 - 0.999 ** (t + 6)), eps: 1e-8, weightDecay: 0.1, sign: -1 }) }],
];

function call(backend: typeof tsBackend, c: KernelCase, bufs: Float32Array[], g: Float32Array, n: number, t: number): void {
  const [p, a, b, d] = bufs.map((x) => h(x));
  const opt = (i: number, x: ReturnType<typeof h> | undefined) => (c.nulls?.includes(i) ? null : x!);
  const s = c.step(t);
  switch (c.kernel) {
    case 'rmsprop': return backend.rmsprop!('float32', p!, h(g), a!, opt(1, b), opt(2, d), n, s as RmspropStep);
    case 'adagrad': return backend.adagrad!('float32', p!, h(g), a!, n, s as AdagradStep);
    case 'adamax': return backend.adamax!('float32', p!, h(g), a!, b!, n, s as AdamaxStep);
    case 'nadam': return backend.nadam!('float32', p!, h(g), a!, b!, n, s as NadamStep);
    case 'radam': return backend.radam!('float32', p!, h(g), a!, b!, n, s as RadamStep);
  }
}

describe.each(CASES)('wasm %s', (_name, c) => {
  it.each(LENGTHS)('n = %i, three steps, against the TS loop', (n) => {
    // Fresh state, as an optimizer starts (a centered average with made-up contents could go negative).
    const init = arrays(n, n + 3, 1 + c.states, 1).map((a, i) => (i === 0 ? a : a.fill(0)));
    const ts = init.map((a) => a.slice()), wa = init.map((a) => a.slice());
    for (let t = 1; t <= 3; t++) {
      const [g] = arrays(n, 50 * n + t, 1, t === 2 ? 4 : 0.5);
      call(tsBackend, c, ts, g!, n, t);
      call(wasmBackend, c, wa, g!, n, t);
      wa.forEach((a, i) => expectClose(a, ts[i]!, `step ${t}, buffer ${i}`));
    }
    expect(wa[0]).not.toEqual(init[0]);
  });
});

describe.runIf(wasmSupported())('the new fused optimizers in float32', () => {
  it('run in wasm, not through the TS fallback', () => {
    const spies = (['rmsprop', 'adagrad', 'adamax', 'nadam', 'radam'] as const).map((k) => vi.spyOn(tsBackend, k));
    for (const [, c] of CASES) {
      const bufs = arrays(40, 1, 1 + c.states, 1).map((a, i) => (i === 0 ? a : a.map(Math.abs)));
      call(wasmBackend, c, bufs, arrays(40, 2, 1, 1)[0]!, 40, 1);
    }
    for (const s of spies) expect(s).not.toHaveBeenCalled();
  });

  type Make = (p: Tensor[], fused: boolean) => unknown;
  const makers: [string, Make][] = [
    ['RMSprop centered, momentum, decay', (p, fused) => new optim.RMSprop(p, 0.01, { fused, centered: true, momentum: 0.5, weightDecay: 0.1 })],
    ['RMSprop', (p, fused) => new optim.RMSprop(p, 0.01, { fused, maximize: true })],
    ['Adagrad', (p, fused) => new optim.Adagrad(p, 0.1, { fused, weightDecay: 0.1, lrDecay: 0.01 })],
    ['Adamax', (p, fused) => new optim.Adamax(p, 0.01, { fused, maximize: true })],
    ['NAdam', (p, fused) => new optim.NAdam(p, 0.01, { fused, weightDecay: 0.05 })],
    ['RAdam', (p, fused) => new optim.RAdam(p, 0.01, { fused })],
  ];
  it.each(makers)('%s: the fused update equals the tensor-op update bit for bit', (_, make) => {
    manualSeed(7);
    const p0 = randn([3000]);
    const grads = Array.from({ length: 8 }, () => randn([3000]));
    const [fused, ops] = [true, false].map((f) => {
      const p = p0.clone().requiresGrad_();
      const opt = make([p], f) as { step(): void };
      for (const g of grads) {
        p.grad = g;
        opt.step();
      }
      return [...p.data()];
    });
    expect(fused).toEqual(ops);
    expect(fused).not.toEqual([...p0.data()]);
  });
});
