// The sorting, selection and scan kernels of the TS backend against naive references, over random lines with
// many ties and NaN, every layout ([outer, r, inner] with inner 1 and > 1) and k from 0 to r.
import { describe, expect, it } from 'vitest';
import { handleOf as h } from '../../src/kernels/cpu/memory.js';
import { tsBackend } from '../../src/kernels/ts/index.js';
import { rng } from '../support/inputs.js';

/** Values drawn from a few integers (many ties), a tenth of them NaN. */
function line(n: number, rnd: () => number): number[] {
  return Array.from({ length: n }, () => (rnd() < 0.1 ? NaN : Math.floor(rnd() * 5) - 2));
}

/** Naive stable sort of positions: numbers by value, NaN last (first when descending), ties by position. */
function naiveOrder(v: readonly number[], desc: boolean): number[] {
  const key = (j: number): [number, number] => [Number.isNaN(v[j]!) ? (desc ? -1 : 1) : 0, Number.isNaN(v[j]!) ? 0 : desc ? -v[j]! : v[j]!];
  return v.map((_, j) => j).sort((a, b) => {
    const [ga, va] = key(a), [gb, vb] = key(b);
    return ga - gb || va - vb || a - b;
  });
}

/** The line j of [outer, r, inner] as a list. */
function lineAt(x: Float64Array, o: number, i: number, r: number, inner: number): number[] {
  return Array.from({ length: r }, (_, j) => x[(o * r + j) * inner + i]!);
}

const LAYOUTS: [number, number, number][] = [[1, 1, 1], [3, 7, 1], [2, 40, 1], [1, 300, 1], [2, 5, 3], [1, 33, 4], [3, 1, 2]];

describe('TS sort and select kernels', () => {
  it('sort gives the stable order, ascending and descending, for every k', () => {
    const rnd = rng(11);
    for (const [outer, r, inner] of LAYOUTS) {
      const x = Float64Array.from(line(outer * r * inner, rnd));
      for (const desc of [false, true]) {
        for (const k of [0, 1, Math.floor(r / 2), r - 1, r].filter((v, i, a) => v >= 0 && a.indexOf(v) === i)) {
          const out = new Int32Array(outer * k * inner);
          tsBackend.sort('float64', h(x), 0, h(out), outer, r, inner, desc, k);
          for (let o = 0; o < outer; o++) {
            for (let i = 0; i < inner; i++) {
              const want = naiveOrder(lineAt(x, o, i, r, inner), desc).slice(0, k);
              const got = Array.from({ length: k }, (_, j) => out[(o * k + j) * inner + i]!);
              expect(got, `[${outer}, ${r}, ${inner}] desc ${desc} k ${k} line (${o}, ${i})`).toEqual(want);
            }
          }
        }
      }
    }
  });

  it('sorts long lines (merge passes) of float32 and int32', () => {
    const rnd = rng(12);
    const n = 5000;
    const v = line(n, rnd).map((a) => (Number.isNaN(a) ? a : a * 1000 + Math.floor(rnd() * 50)));
    for (const [arr, dtype] of [[Float32Array.from(v), 'float32'], [Int32Array.from(v.map((a) => (Number.isNaN(a) ? 7 : a))), 'int32']] as const) {
      const out = new Int32Array(n);
      tsBackend.sort(dtype, h(arr), 0, h(out), 1, n, 1, false, n);
      expect([...out]).toEqual(naiveOrder([...arr], false));
    }
  });

  it('select picks what the stable sort puts at k; with propagateNaN the first NaN', () => {
    const rnd = rng(13);
    for (const [outer, r, inner] of LAYOUTS) {
      const x = Float64Array.from(line(outer * r * inner, rnd));
      for (let k = 0; k < r; k++) {
        for (const nan of [false, true]) {
          const out = new Int32Array(outer * inner);
          tsBackend.select('float64', h(x), 0, h(out), outer, r, inner, k, nan);
          for (let o = 0; o < outer; o++) {
            for (let i = 0; i < inner; i++) {
              const v = lineAt(x, o, i, r, inner);
              const firstNaN = v.findIndex((a) => Number.isNaN(a));
              const want = nan && firstNaN >= 0 ? firstNaN : naiveOrder(v, false)[k];
              expect(out[o * inner + i], `[${outer}, ${r}, ${inner}] k ${k} nan ${nan}`).toBe(want);
            }
          }
        }
      }
    }
  });

  it('reads from the offset', () => {
    const x = new Float32Array([9, 9, 3, 1, 2]);
    const out = new Int32Array(3);
    tsBackend.sort('float32', h(x), 2, h(out), 1, 3, 1, false, 3);
    expect([...out]).toEqual([1, 2, 0]);
    const m = new Int32Array(1);
    tsBackend.select('float32', h(x), 2, h(m), 1, 3, 1, 1, false);
    expect(m[0]).toBe(2);
  });
});

describe('TS scan kernel', () => {
  const naive = (op: string, v: number[]): number[] => {
    const out: number[] = [];
    let acc = op === 'cumprod' ? 1 : op === 'cumsum' ? 0 : -Infinity, best = 0;
    v.forEach((a, j) => {
      if (op === 'cumsum') out.push((acc += a));
      else if (op === 'cumprod') out.push((acc *= a));
      else if (op === 'logcumsumexp') out.push((acc = Math.max(acc, a) === -Infinity ? -Infinity : Math.max(acc, a) + Math.log(Math.exp(acc - Math.max(acc, a)) + Math.exp(a - Math.max(acc, a)))));
      else {
        const b = v[best]!;
        if (j > 0 && (Number.isNaN(a) || (!Number.isNaN(b) && (op === 'cummax' ? a >= b : a <= b)))) best = j;
        out.push(best);
      }
    });
    return out;
  };

  for (const op of ['cumsum', 'cumprod', 'logcumsumexp', 'cummax', 'cummin'] as const) {
    it(`${op} over rows and columns`, () => {
      const rnd = rng(20 + op.length);
      for (const [outer, r, inner] of LAYOUTS) {
        const x = Float64Array.from({ length: outer * r * inner }, () => (op === 'cummax' || op === 'cummin' ? line(1, rnd)[0]! : rnd() * 2 - 0.5));
        const out = op === 'cummax' || op === 'cummin' ? new Int32Array(x.length) : new Float64Array(x.length);
        tsBackend.scan(op, 'float64', h(x), 0, h(out), outer, r, inner);
        for (let o = 0; o < outer; o++) {
          for (let i = 0; i < inner; i++) {
            const want = naive(op, lineAt(x, o, i, r, inner));
            const got = lineAt(Float64Array.from(out), o, i, r, inner);
            got.forEach((g, j) => expect(Math.abs(g - want[j]!), `${op} [${outer}, ${r}, ${inner}] (${o}, ${i}) at ${j}`).toBeLessThanOrEqual(1e-12 * (1 + Math.abs(want[j]!))));
          }
        }
      }
    });
  }
});
