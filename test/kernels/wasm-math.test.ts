import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { UnaryKernel } from '../../src/kernels/catalog.js';
import { handleOf as h } from '../../src/kernels/cpu/memory.js';
import { tsBackend } from '../../src/kernels/ts/index.js';
import { erf as tsErf } from '../../src/kernels/ts/special.js';
import { wasmBackend, wasmSupported, wasmTuning } from '../../src/kernels/wasm/index.js';
import { EVERY_SIZE } from '../support/wasm.js';

// Accuracy of the wasm backend's own vectorised transcendentals against float64 Math, measured in float32
// ulps of the correctly rounded result, over wide ranges including subnormal results and special values.

const saved = { ...wasmTuning };
beforeAll(() => {
  Object.assign(wasmTuning, EVERY_SIZE);
});
afterAll(() => {
  Object.assign(wasmTuning, saved);
});

const MIN_SUB = 2 ** -149;

/** Error of float32 `y` against exact `ref`, in ulps of float32 at `ref` (subnormal spacing below 2^-126). */
function ulpError(y: number, ref: number): number {
  if (Number.isNaN(ref)) return Number.isNaN(y) ? 0 : Infinity;
  if (!Number.isFinite(ref) || !Number.isFinite(y)) return Object.is(y, Math.fround(ref)) || y === ref ? 0 : Infinity;
  const a = Math.abs(ref);
  const e = a < 2 ** -126 ? -149 : Math.floor(Math.log2(a)) - 23;
  return Math.abs(y - ref) / 2 ** e;
}

function sweep(lo: number, hi: number, count: number, log: boolean): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    const t = i / (count - 1);
    out[i] = log ? Math.sign(lo) * Math.exp(Math.log(Math.abs(lo)) + t * (Math.log(Math.abs(hi)) - Math.log(Math.abs(lo)))) : lo + t * (hi - lo);
  }
  return out;
}

function concat(...parts: Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function maxUlp(op: UnaryKernel, x: Float32Array, ref: (v: number) => number): { ulp: number; at: number } {
  const out = new Float32Array(x.length);
  // The wasm kernel itself, not the TS fallback (which would measure Math).
  const spy = vi.spyOn(tsBackend, 'unary');
  wasmBackend.unary(op, 'float32', h(x), 0, h(out), x.length);
  expect(spy).not.toHaveBeenCalled();
  spy.mockRestore();
  let worst = 0, at = NaN;
  for (let i = 0; i < x.length; i++) {
    const e = ulpError(out[i]!, ref(x[i]!));
    if (e > worst) {
      worst = e;
      at = x[i]!;
    }
  }
  return { ulp: worst, at };
}

const sigmoid = (v: number): number => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));

describe.runIf(wasmSupported())('wasm transcendentals: accuracy in float32 ulps', () => {
  const wide = (a: number) => concat(sweep(-a, a, 200_001, false), sweep(1e-30, a, 20_001, true), sweep(-1e-30, -a, 20_001, true));

  it('exp over [-104, 89], including the subnormal range', () => {
    const x = concat(sweep(-104, 89, 400_001, false), sweep(1e-30, 1, 10_001, true), sweep(-1e-30, -1, 10_001, true));
    const r = maxUlp('exp', x, Math.exp);
    expect(r.ulp, `worst at ${r.at}`).toBeLessThanOrEqual(2);
  });

  it('log over all positive float32 magnitudes, subnormals included', () => {
    const x = concat(sweep(MIN_SUB, 3e38, 400_001, true), sweep(0.5, 2, 100_001, false), sweep(0.999, 1.001, 10_001, false));
    const r = maxUlp('log', x, Math.log);
    expect(r.ulp, `worst at ${r.at}`).toBeLessThanOrEqual(2);
  });

  it('tanh, both branches and the switch at 0.55', () => {
    const x = concat(wide(20), sweep(0.5, 0.6, 100_001, false), sweep(-0.6, -0.5, 10_001, false));
    const r = maxUlp('tanh', x, Math.tanh);
    expect(r.ulp, `worst at ${r.at}`).toBeLessThanOrEqual(2);
  });

  it('sigmoid down to the subnormal tail', () => {
    const x = concat(wide(110), sweep(-104, -80, 100_001, false));
    const r = maxUlp('sigmoid', x, sigmoid);
    expect(r.ulp, `worst at ${r.at}`).toBeLessThanOrEqual(3);
  });

  it('sin and cos for |x| up to 1e4 and, through libm, beyond', () => {
    const x = concat(wide(1e4), sweep(-10, 10, 100_001, false), sweep(1e4, 3e38, 10_001, true), sweep(-1e4, -3e38, 10_001, true));
    for (const [op, f] of [['sin', Math.sin], ['cos', Math.cos]] as const) {
      const r = maxUlp(op, x, f);
      expect(r.ulp, `${op} worst at ${r.at}`).toBeLessThanOrEqual(1);
    }
  });

  it('erf: the fitted polynomials give the correctly rounded result over every piece, its boundaries and tiny |x|', () => {
    // Pieces switch at |x| = 0.5, 1, ..., 3.5 and erf is ±1 from 4 on; the reference is the TS kernel's series.
    const edges = [];
    for (let k = 1; k <= 8; k++) edges.push(sweep(k / 2 - 1e-4, k / 2 + 1e-4, 2_001, false), sweep(-k / 2 - 1e-4, -k / 2 + 1e-4, 2_001, false));
    const x = concat(wide(6), sweep(MIN_SUB, 1e-20, 10_001, true), sweep(-MIN_SUB, -1e-20, 10_001, true), ...edges);
    const r = maxUlp('erf', x, tsErf);
    expect(r.ulp, `worst at ${r.at}`).toBeLessThanOrEqual(0.5 + 1e-6);
    const special = new Float32Array([0, -0, NaN, Infinity, -Infinity, 4, -4, 3.9999998, 1e30, -1e30]);
    const out = new Float32Array(special.length);
    wasmBackend.unary('erf', 'float32', h(special), 0, h(out), special.length);
    expect(Array.from(out)).toEqual([0, -0, NaN, 1, -1, 1, -1, 1, 1, -1]);
  });

  it('exp, log, tanh, sigmoid, sin, cos at special values', () => {
    const x = new Float32Array([0, -0, Infinity, -Infinity, NaN, 1, -1, 100, -100, 1e-40, -1e-40, 3.4e38, -3.4e38]);
    const cases: [UnaryKernel, (v: number) => number][] = [
      ['exp', Math.exp], ['log', Math.log], ['tanh', Math.tanh], ['sigmoid', sigmoid], ['sin', Math.sin], ['cos', Math.cos],
    ];
    for (const [op, f] of cases) {
      const out = new Float32Array(x.length);
      wasmBackend.unary(op, 'float32', h(x), 0, h(out), x.length);
      for (let i = 0; i < x.length; i++) {
        const want = Math.fround(f(x[i]!));
        const got = out[i]!;
        if (Number.isNaN(want)) expect(got, `${op}(${x[i]})`).toBeNaN();
        else if (!Number.isFinite(want) || want === 0) expect(got, `${op}(${x[i]})`).toBe(want);
        else expect(ulpError(got, f(x[i]!)), `${op}(${x[i]}) = ${got}, want ${want}`).toBeLessThanOrEqual(3);
      }
    }
  });

  it('named edge cases', () => {
    const run = (op: UnaryKernel, v: number): number => {
      const out = new Float32Array(1);
      wasmBackend.unary(op, 'float32', h(new Float32Array([v])), 0, h(out), 1);
      return out[0]!;
    };
    expect(run('exp', -Infinity)).toBe(0);
    expect(run('exp', Infinity)).toBe(Infinity);
    expect(run('exp', 89)).toBe(Infinity);
    expect(run('exp', -104)).toBe(0);
    expect(run('log', 0)).toBe(-Infinity);
    expect(run('log', -0)).toBe(-Infinity);
    expect(run('log', -1)).toBeNaN();
    expect(run('log', Infinity)).toBe(Infinity);
    expect(run('tanh', 50)).toBe(1);
    expect(run('tanh', -50)).toBe(-1);
    expect(Object.is(run('tanh', -0), -0)).toBe(true);
    const s = run('sigmoid', -100);
    expect(s).toBeGreaterThan(0);
    expect(Math.abs(s - 3.7200759760208356e-44)).toBeLessThanOrEqual(2 * MIN_SUB);
    expect(run('sigmoid', 100)).toBe(1);
    expect(run('sigmoid', -Infinity)).toBe(0);
    expect(run('sigmoid', Infinity)).toBe(1);
    expect(run('sin', Infinity)).toBeNaN();
    expect(run('cos', -Infinity)).toBeNaN();
  });
});
