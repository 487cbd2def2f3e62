import { describe, expect, it, vi } from 'vitest';
import type { AdamStep, SgdStep } from '../../src/kernels/backend.js';
import { handleOf as h } from '../../src/kernels/cpu/memory.js';
import { tsBackend } from '../../src/kernels/ts/index.js';
import { wasmBackend, wasmSupported } from '../../src/kernels/wasm/index.js';
import { rng, runWasmKernelsAtEverySize } from '../support/wasm.js';

// The optimizer kernels of the wasm backend against the TS loops. The wasm kernels round every operation
// to float32 and the TS loops compute in float64 and round once per stored value, so they agree to a few
// float32 ulps of the parameter after each step, not bit for bit.

runWasmKernelsAtEverySize();

const LENGTHS = [1, 3, 4, 5, 17, 1000, 4099];

function arrays(n: number, seed: number, count: number, scale: number): Float32Array[] {
  const r = rng(seed);
  return Array.from({ length: count }, () => Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale));
}

// Error relative to |want| plus the array's mean magnitude: an update such as p − lr·g can cancel to near zero,
// where a few ulps of the operands are many ulps of the result.
function expectClose(got: Float32Array, want: Float32Array, what: string): void {
  const scale = want.reduce((s, x) => s + Math.abs(x), 0) / want.length || 1;
  let worst = 0, at = -1;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i]! - want[i]!) / (Math.abs(want[i]!) + scale);
    if (!(err <= worst)) [worst, at] = [err, i];
  }
  expect(worst, `${what}: element ${at} is ${got[at]} on wasm and ${want[at]} on ts`).toBeLessThan(4e-7);
}

const adamConfigs: [string, Omit<AdamStep, 'stepSize' | 'biasCorrection2Sqrt'>, boolean][] = [
  ['Adam', { beta1: 0.9, beta2: 0.999, eps: 1e-8, decay: 1, l2: 0, sign: 1 }, false],
  ['Adam, L2 weight decay, maximize', { beta1: 0.8, beta2: 0.99, eps: 1e-6, decay: 1, l2: 0.1, sign: -1 }, false],
  ['AdamW', { beta1: 0.9, beta2: 0.999, eps: 1e-8, decay: 1 - 1e-3 * 0.01, l2: 0, sign: 1 }, false],
  ['Adam, AMSGrad', { beta1: 0.9, beta2: 0.999, eps: 1e-8, decay: 1, l2: 0, sign: 1 }, true],
];

describe.each(adamConfigs)('wasm adam: %s', (_name, config, amsgrad) => {
  it.each(LENGTHS)('n = %i, three steps', (n) => {
    const [p, , m, v] = arrays(n, n, 4, 1);
    m!.fill(0);
    v!.fill(0);
    const ts = [p!, m!, v!, new Float32Array(n)].map((a) => a.slice());
    const wa = ts.map((a) => a.slice());
    for (let t = 1; t <= 3; t++) {
      // A fresh gradient per step, some of it large, so the AMSGrad maximum changes hands.
      const [g] = arrays(n, 100 * n + t, 1, t === 2 ? 5 : 0.5);
      const step = { ...config, stepSize: 1e-2 / (1 - config.beta1 ** t), biasCorrection2Sqrt: Math.sqrt(1 - config.beta2 ** t) };
      tsBackend.adam('float32', h(ts[0]!), h(g!), h(ts[1]!), h(ts[2]!), amsgrad ? h(ts[3]!) : null, n, step);
      wasmBackend.adam('float32', h(wa[0]!), h(g!), h(wa[1]!), h(wa[2]!), amsgrad ? h(wa[3]!) : null, n, step);
      ['p', 'm', 'v', 'vmax'].forEach((what, i) => expectClose(wa[i]!, ts[i]!, `step ${t}, ${what}`));
    }
    expect(wa[0]).not.toEqual(p);
  });
});

const sgdConfigs: [string, Omit<SgdStep, 'first'>][] = [
  ['plain', { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, sign: 1 }],
  ['momentum, dampening, weight decay', { lr: 0.05, momentum: 0.9, dampening: 0.1, nesterov: false, weightDecay: 0.01, sign: 1 }],
  ['nesterov, maximize', { lr: 0.05, momentum: 0.9, dampening: 0, nesterov: true, weightDecay: 0, sign: -1 }],
];

describe.each(sgdConfigs)('wasm sgd: %s', (_name, config) => {
  it.each(LENGTHS)('n = %i, three steps', (n) => {
    const [p, buf] = arrays(n, n + 7, 2, 1);
    const ts = [p!.slice(), buf!.slice()], wa = [p!.slice(), buf!.slice()];
    const withBuffer = config.momentum !== 0;
    for (let t = 1; t <= 3; t++) {
      const [g] = arrays(n, 300 * n + t, 1, 1);
      const step = { ...config, first: t === 1 };
      tsBackend.sgd('float32', h(ts[0]!), h(g!), withBuffer ? h(ts[1]!) : null, n, step);
      wasmBackend.sgd('float32', h(wa[0]!), h(g!), withBuffer ? h(wa[1]!) : null, n, step);
      expectClose(wa[0]!, ts[0]!, `step ${t}, p`);
      expectClose(wa[1]!, ts[1]!, `step ${t}, buf`);
    }
    expect(wa[0]).not.toEqual(p);
  });
});

describe.runIf(wasmSupported())('wasm optimizer kernels', () => {
  it('run in wasm, not through the TS fallback, and update only the first n elements', () => {
    const spyA = vi.spyOn(tsBackend, 'adam'), spyS = vi.spyOn(tsBackend, 'sgd');
    const n = 37, [p, g, m, signed] = arrays(n + 5, 9, 4, 1);
    const v = signed!.map(Math.abs);
    const [p0, m0, v0] = [p!.slice(), m!.slice(), v.slice()];
    wasmBackend.adam('float32', h(p!), h(g!), h(m!), h(v), null, n,
      { beta1: 0.9, beta2: 0.999, stepSize: 0.1, biasCorrection2Sqrt: 0.0447, eps: 1e-8, decay: 1, l2: 0, sign: 1 });
    const q = p0.slice();
    wasmBackend.sgd('float32', h(q), h(g!), null, n, { lr: 0.1, momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, sign: 1, first: false });
    expect(spyA).not.toHaveBeenCalled();
    expect(spyS).not.toHaveBeenCalled();
    for (const [what, got, before] of [['p', p!, p0], ['m', m!, m0], ['v', v, v0], ['sgd p', q, p0]] as const) {
      expect(got.subarray(0, n).every((x, i) => Number.isFinite(x) && x !== before[i]), what).toBe(true);
      expect([...got.subarray(n)], what).toEqual([...before.subarray(n)]);
    }
  });
});
