import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { getNumThreads, mean, setNumThreads, sum, tensor } from '../../src/index.js';
import type { Backend } from '../../src/kernels/backend.js';
import { handleOf } from '../../src/kernels/cpu/memory.js';

import { tsBackend } from '../../src/kernels/ts/index.js';
import { wasmBackend, wasmSupported } from '../../src/kernels/wasm/index.js';
import { dtypeOf, rng, runWasmKernelsAtEverySize } from '../support/wasm.js';

// Summation accuracy of the reduce kernels (issue "Trust", "Silent wrong values"): sums are pairwise on both
// backends, for rows (inner = 1) and columns (inner > 1). A naive running sum of 10⁶ × 0.1 in float64 is off by
// 1.3e-6; PyTorch's cascade sum by 6.7e-11. The float32 references are PyTorch's own errors on the same inputs,
// recorded by scripts/oracle/pairwise_sum.py in test/fixtures/pairwise-sum.json (PyTorch is never imported here).

runWasmKernelsAtEverySize();

interface FixtureCase {
  readonly dtype: 'float32' | 'float64';
  readonly gen: 'const' | 'lcg';
  readonly layout: 'rows' | 'cols';
  readonly shape: readonly [number, number];
  readonly dim: number;
  readonly exact: readonly number[];
  readonly exactIsDouble: boolean;
  readonly torch: readonly number[];
  readonly torchError: readonly number[];
}
interface Fixture { readonly torch: string; readonly n: number; readonly cases: readonly FixtureCase[] }

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/pairwise-sum.json', import.meta.url), 'utf8'),
) as Fixture;

const BACKENDS: [string, Backend][] = wasmSupported() ? [['ts', tsBackend], ['wasm', wasmBackend]] : [['ts', tsBackend]];

/** The oracle's inputs: `count` values in row-major order (see the docstring of pairwise_sum.py). */
function generate(c: FixtureCase): Float32Array | Float64Array {
  const count = c.shape[0] * c.shape[1];
  const x = c.dtype === 'float32' ? new Float32Array(count) : new Float64Array(count);
  if (c.gen === 'const') return x.fill(0.1);
  let s = 12345;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    x[i] = (s >>> 8) / 16777216;
  }
  return x;
}

/** [outer, r, inner] of the oracle's reduction: a [1, N] row over dim 1, or two [N, 2] columns over dim 0. */
const layout = (c: FixtureCase): [number, number, number] => (c.layout === 'rows' ? [1, c.shape[1], 1] : [1, c.shape[0], 2]);

// 10⁶ · 0.1 − 10⁵ exactly, with 0.1 rounded to a double (3602879701896397 / 2⁵⁵): 200000 / 2⁵⁵.
const N = 1_000_000;
const EXCESS_0_1 = Number(3602879701896397n * BigInt(N) - 100000n * 2n ** 55n) / 2 ** 55;
/** |v − 10⁶·0.1| for v near 10⁵: v − 10⁵ is exact there (Sterbenz), so only the last subtraction rounds. */
const errorOfMillionTenths = (v: number): number => Math.abs((v - 100000) - EXCESS_0_1);

describe('float64 sums of 10⁶ × 0.1', () => {
  const x = new Float64Array(4 * N).fill(0.1);

  for (const [name, backend] of BACKENDS) {
    // inner = 1 is a row; 2 and 4 are columns (the TS kernel sums four neighbouring columns together).
    it(`${name} backend: a row, and columns of [1e6, 2] and [1e6, 4], are within 1e-9 of the exact sum`, () => {
      for (const inner of [1, 2, 4]) {
        const out = new Float64Array(inner);
        backend.reduce('sum', dtypeOf(x), handleOf(x), 0, handleOf(out), 1, N, inner);
        for (let i = 0; i < inner; i++) {
          expect(errorOfMillionTenths(out[i]!), `[1e6, ${inner}] over dim 0, column ${i}: ${out[i]}`).toBeLessThanOrEqual(1e-9);
        }
      }
    });
  }

  it('sum and mean of the op layer inherit it', () => {
    const rows = tensor(x.subarray(0, N), { shape: [1, N] });
    const cols = tensor(x.subarray(0, 2 * N), { shape: [N, 2] });
    for (const v of [...sum(rows, 1).data(), ...sum(cols, 0).data(), sum(cols).data()[0]! / 2]) {
      expect(errorOfMillionTenths(v)).toBeLessThanOrEqual(1e-9);
    }
    // mean = sum / count: 0.1 (as a double) plus at most 1e-15.
    for (const v of [...mean(rows, 1).data(), ...mean(cols, 0).data()]) expect(Math.abs(v - 0.1)).toBeLessThanOrEqual(1e-15);
  });
});

describe(`against PyTorch ${fixture.torch} (test/fixtures/pairwise-sum.json)`, () => {
  it('regenerates the oracle\'s inputs exactly', () => {
    for (const c of fixture.cases.filter((k) => k.exactIsDouble)) {
      // The float32 inputs are multiples of 2⁻²⁷ whose sums stay below 2⁵³ units, so a float64 loop is exact.
      const x = generate(c);
      const [, r, inner] = layout(c);
      for (let i = 0; i < inner; i++) {
        let s = 0;
        for (let j = 0; j < r; j++) s += x[j * inner + i]!;
        expect(s, `${c.dtype} ${c.gen} ${c.layout} #${i}`).toBe(c.exact[i]);
      }
    }
  });

  for (const c of fixture.cases) {
    for (const [name, backend] of BACKENDS) {
      const bound = c.dtype === 'float32' ? '2× PyTorch\'s error' : '1e-9 and 2× PyTorch\'s error';
      it(`${name} backend: ${c.dtype} ${c.gen} ${c.layout} [${c.shape.join(', ')}] over dim ${c.dim} within ${bound}`, () => {
        const x = generate(c);
        const [outer, r, inner] = layout(c);
        const out = c.dtype === 'float32' ? new Float32Array(inner) : new Float64Array(inner);
        backend.reduce('sum', dtypeOf(x), handleOf(x), 0, handleOf(out), outer, r, inner);
        for (let i = 0; i < inner; i++) {
          const err = c.dtype === 'float64' ? errorOfMillionTenths(out[i]!) : Math.abs(out[i]! - c.exact[i]!);
          const label = `#${i}: got ${out[i]}, exact ${c.exact[i]}, error ${err}; PyTorch's error ${c.torchError[i]}`;
          expect(err, label).toBeLessThanOrEqual(2 * c.torchError[i]!);
          if (c.dtype === 'float64') expect(err, label).toBeLessThanOrEqual(1e-9);
        }
      });
    }
  }
});

describe('float32 kernels group their float64 partial sums pairwise', () => {
  // Float64 accumulation alone hides a running sum's error from float32 results, except where a huge partial
  // sum swallows what follows: 2⁶⁰ + 1 + … + 1 − 2⁶⁰ (2¹⁷ values) is 0 summed left to right, and the SIMD
  // kernel's eight lanes still lose the ones of the two lanes that carry ±2⁶⁰ (exact: 2¹⁷ − 2). Pairwise, the
  // ones are added among themselves and only the few merged into ±2⁶⁰ near the ends are lost (below 2⁸ per
  // merge, as 2⁶⁰'s float64 spacing is 2⁸).
  const r = 1 << 17;
  for (const inner of [1, 2, 3, 8]) {
    for (const [name, backend] of BACKENDS) {
      it(`${name} backend, [${r}, ${inner}] over the ${r} axis`, () => {
        const x = new Float32Array(r * inner).fill(1);
        for (let i = 0; i < inner; i++) {
          x[i] = 2 ** 60;
          x[(r - 1) * inner + i] = -(2 ** 60);
        }
        const out = new Float32Array(inner);
        backend.reduce('sum', dtypeOf(x), handleOf(x), 0, handleOf(out), 1, r, inner);
        for (let i = 0; i < inner; i++) expect(Math.abs(out[i]! - (r - 2)), `column ${i}: ${out[i]}`).toBeLessThanOrEqual(4096);
      });
    }
  }
});

describe('pairwise bookkeeping loses and repeats no term', () => {
  // Small integers sum exactly in float64 in any order, so every layout must give the exact sums bit for bit:
  // this covers partial blocks, odd splits, and carries through many levels of the column cascade.
  const RS = [1, 2, 7, 8, 15, 16, 17, 31, 32, 33, 127, 128, 129, 255, 256, 257, 1000, 1024, 4095, 4097, 65537];
  for (const [name, backend] of BACKENDS) {
    // float64 always runs on the TS kernel.
    for (const dtype of name === 'ts' ? ['float32', 'float64'] as const : ['float32'] as const) {
      it(`${name} backend, ${dtype}`, () => {
        const rand = rng(7);
        for (const r of RS) {
          for (const inner of [1, 2, 3, 5, 8, 33]) {
            const outer = 2;
            const x = dtype === 'float32' ? new Float32Array(outer * r * inner) : new Float64Array(outer * r * inner);
            for (let i = 0; i < x.length; i++) x[i] = Math.floor(rand() * 17) - 8;
            const want = new Float64Array(outer * inner);
            for (let o = 0; o < outer; o++) {
              for (let j = 0; j < r; j++) for (let i = 0; i < inner; i++) want[o * inner + i] = want[o * inner + i]! + x[(o * r + j) * inner + i]!;
            }
            const out = dtype === 'float32' ? new Float32Array(outer * inner) : new Float64Array(outer * inner);
            backend.reduce('sum', dtypeOf(x), handleOf(x), 0, handleOf(out), outer, r, inner);
            expect([...out], `[${outer}, ${r}, ${inner}]`).toEqual([...want]);
          }
        }
      });
    }
  }
});

describe('logsumexp and softmax sum their exponentials pairwise (float64, TS kernel)', () => {
  // x = [0, ln 0.1, …, ln 0.1] (10⁶ values): the max is 0, so the sum is 1 + (n − 1)·e with e = exp(ln 0.1),
  // whose naive running sum is off by about 1e-11 relative (as 10⁶ × 0.1); pairwise by about 1e-16.
  const e = Math.exp(Math.log(0.1));
  const s = 1 + (N - 1) * e; // one rounding of the product and one of the sum: relative error ≤ 2.3e-16
  const TOL = 1e-13;
  for (const inner of [1, 2]) {
    const x = new Float64Array(N * inner).fill(Math.log(0.1));
    for (let i = 0; i < inner; i++) x[i] = 0;
    const what = inner === 1 ? 'a row' : 'columns';

    it(`logsumexp of ${what}`, () => {
      const out = new Float64Array(inner);
      tsBackend.reduce('logsumexp', dtypeOf(x), handleOf(x), 0, handleOf(out), 1, N, inner);
      for (const v of out) expect(Math.abs(v - Math.log(s))).toBeLessThanOrEqual(TOL);
    });

    it(`softmax and log-softmax of ${what}`, () => {
      const out = new Float64Array(N * inner);
      tsBackend.softmax(dtypeOf(x), handleOf(x), 0, handleOf(out), 1, N, inner, false);
      for (let i = 0; i < inner; i++) expect(Math.abs(out[i]! * s - 1)).toBeLessThanOrEqual(TOL);
      tsBackend.softmax(dtypeOf(x), handleOf(x), 0, handleOf(out), 1, N, inner, true);
      for (let i = 0; i < inner; i++) expect(Math.abs(out[i]! + Math.log(s))).toBeLessThanOrEqual(TOL);
    });
  }
});

describe.runIf(wasmSupported())('wasm sums are deterministic and independent of the thread count', () => {
  const saved = getNumThreads();
  afterAll(() => setNumThreads(saved));

  it('sum, logsumexp and softmax give the same bits with 1, 2 and 3 threads and on every call', () => {
    const rand = rng(3);
    const x = new Float32Array(64 * 300 * 7);
    for (let i = 0; i < x.length; i++) x[i] = rand() * 2 - 1;
    const run = (): Float32Array[] => {
      const results: Float32Array[] = [];
      for (const [outer, r, inner] of [[64 * 7, 300, 1], [64, 300, 7], [1, 64 * 300, 7]] as const) {
        for (const op of ['sum', 'logsumexp'] as const) {
          const out = new Float32Array(outer * inner);
          wasmBackend.reduce(op, dtypeOf(x), handleOf(x), 0, handleOf(out), outer, r, inner);
          results.push(out);
        }
        for (const log of [false, true]) {
          const out = new Float32Array(x.length);
          wasmBackend.softmax(dtypeOf(x), handleOf(x), 0, handleOf(out), outer, r, inner, log);
          results.push(out);
        }
      }
      return results;
    };
    setNumThreads(1);
    const want = run();
    for (const t of [1, 2, 3]) {
      setNumThreads(t);
      const got = run();
      got.forEach((g, k) => {
        const a = new Uint32Array(g.buffer), b = new Uint32Array(want[k]!.buffer);
        const i = a.findIndex((v, j) => v !== b[j]);
        expect(i, `result ${k}, ${t} threads: element ${i} is ${g[i]}, first run gave ${want[k]![i]}`).toBe(-1);
      });
    }
  });
});
