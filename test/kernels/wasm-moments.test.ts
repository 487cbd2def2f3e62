import { describe, expect, it, vi } from 'vitest';
import { handleOf as h } from '../../src/kernels/cpu/memory.js';
import { tsBackend } from '../../src/kernels/ts/index.js';
import { wasmBackend, wasmSupported } from '../../src/kernels/wasm/index.js';
import { rng, runWasmKernelsAtEverySize } from '../support/wasm.js';

// The wasm variance and column cumsum kernels against the TS backend over [outer, r, inner] layouts, rows and
// columns (odd widths, so that whole vectors run past the end of a row), with NaN and ±Inf in some slices.

runWasmKernelsAtEverySize();

function data(n: number, seed: number, specials: boolean, offsetBy = 0): Float32Array {
  const rand = rng(seed);
  const x = new Float32Array(n);
  for (let i = 0; i < n; i++) x[i] = offsetBy + (rand() < 0.1 ? 1.5 : rand() * 4 - 2);
  if (specials && n > 3) {
    x[Math.floor(rand() * n)] = NaN;
    x[Math.floor(rand() * n)] = Infinity;
  }
  return x;
}

const LAYOUTS: [number, number, number][] = [
  [1, 1, 1], [3, 5, 1], [2, 129, 1], [1, 1000, 1], [4, 31, 1], [2, 4097, 1],
  [1, 3, 2], [2, 5, 3], [3, 4, 4], [2, 9, 5], [1, 17, 13], [2, 1, 7], [1, 100, 33],
];

const same = (g: number, w: number): boolean => (Number.isNaN(w) ? Number.isNaN(g) : g === w);

describe.runIf(wasmSupported())('wasm variance', () => {
  it('matches the TS backend within a float32 rounding, with the mean, for corrections 0, 1 and 5', () => {
    let seed = 1;
    for (const specials of [false, true]) {
      for (const [outer, r, inner] of LAYOUTS) {
        for (const correction of [0, 1, 5]) {
          const x = data(outer * r * inner, seed++, specials, seed % 2 ? 0 : 1000);
          const m = outer * inner;
          const got = new Float32Array(m), want = new Float32Array(m), gm = new Float32Array(m), wm = new Float32Array(m);
          const spy = vi.spyOn(tsBackend, 'variance');
          wasmBackend.variance('float32', h(x), 0, h(got), h(gm), outer, r, inner, correction);
          expect(spy).not.toHaveBeenCalled();
          spy.mockRestore();
          tsBackend.variance('float32', h(x), 0, h(want), h(wm), outer, r, inner, correction);
          for (let i = 0; i < m; i++) {
            const at = `[${outer}, ${r}, ${inner}] correction ${correction}${specials ? ' with NaN/Inf' : ''} at ${i}`;
            if (!same(got[i]!, want[i]!)) expect(Math.abs(got[i]! - want[i]!), `${at}: ${got[i]} vs ${want[i]}`).toBeLessThanOrEqual(2.5e-7 * Math.abs(want[i]!));
            expect(same(gm[i]!, wm[i]!) || Math.abs(gm[i]! - wm[i]!) <= 1.2e-7 * Math.abs(wm[i]!), `mean ${at}`).toBe(true);
          }
        }
      }
    }
  });

  it('reads from the offset, and leaves the mean alone when not asked for', () => {
    const x = data(200, 9, false);
    const got = new Float32Array(3), want = new Float32Array(3);
    wasmBackend.variance('float32', h(x), 17, h(got), null, 3, 20, 1, 1);
    tsBackend.variance('float32', h(x.slice(17, 77)), 0, h(want), null, 3, 20, 1, 1);
    [...want].forEach((w, i) => expect(Math.abs(got[i]! - w)).toBeLessThanOrEqual(2.5e-7 * w));
  });

  it('is exactly 0 for constant rows and columns', () => {
    for (const [outer, r, inner] of [[2, 300, 1], [1, 50, 7]] as const) {
      const out = new Float32Array(outer * inner).fill(1);
      wasmBackend.variance('float32', h(new Float32Array(outer * r * inner).fill(0.1)), 0, h(out), null, outer, r, inner, 1);
      expect([...out]).toEqual(new Array(outer * inner).fill(0));
    }
  });
});

describe.runIf(wasmSupported())('wasm cumsum over columns', () => {
  it('equals the TS kernel bit for bit (the same float64 sums, rounded once)', () => {
    let seed = 50;
    for (const [outer, r, inner] of LAYOUTS.filter(([, , i]) => i > 1)) {
      const x = data(outer * r * inner, seed++, true);
      const got = new Float32Array(x.length), want = new Float32Array(x.length);
      const spy = vi.spyOn(tsBackend, 'scan');
      wasmBackend.scan('cumsum', 'float32', h(x), 0, h(got), outer, r, inner);
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
      tsBackend.scan('cumsum', 'float32', h(x), 0, h(want), outer, r, inner);
      for (let i = 0; i < x.length; i++) expect(same(got[i]!, want[i]!), `[${outer}, ${r}, ${inner}] at ${i}: ${got[i]} vs ${want[i]}`).toBe(true);
    }
  });

  it('hands rows, other scans and other dtypes to the TS kernel', () => {
    const spy = vi.spyOn(tsBackend, 'scan');
    wasmBackend.scan('cumsum', 'float32', h(new Float32Array(8)), 0, h(new Float32Array(8)), 2, 4, 1);
    wasmBackend.scan('cummax', 'float32', h(new Float32Array(8)), 0, h(new Int32Array(8)), 1, 4, 2);
    wasmBackend.scan('cumsum', 'float64', h(new Float64Array(8)), 0, h(new Float64Array(8)), 1, 4, 2);
    expect(spy).toHaveBeenCalledTimes(3);
  });
});
