import { describe, expect, it, vi } from 'vitest';
import { indexError, type ConvGeometry } from '../../src/kernels/backend.js';
import { handleOf as h } from '../../src/kernels/cpu/memory.js';
import { tsBackend } from '../../src/kernels/ts/index.js';
import { wasmBackend, wasmSupported } from '../../src/kernels/wasm/index.js';
import { sizeOf, type Shape } from '../../src/shape.js';
import { rng, runWasmKernelsAtEverySize } from '../support/wasm.js';

// Max pooling and its gradient's scatter (assembly/pool.ts) against the TS backend. Both pick or add the same
// float32 values in the same order, so they agree bit for bit: NaN, ±0, ±Inf and ties included.

runWasmKernelsAtEverySize();

/** The geometry of a square window (kernel k, stride s, padding p, dilation d) over an h×w plane. */
function geometry(h0: number, w: number, k: number, s: number, p = 0, d = 1): ConvGeometry {
  const oh = Math.floor((h0 + 2 * p - d * (k - 1) - 1) / s) + 1, ow = Math.floor((w + 2 * p - d * (k - 1) - 1) / s) + 1;
  return { h: h0, w, kh: k, kw: k, sh: s, sw: s, ph: p, pw: p, dh: d, dw: d, oh, ow };
}

/** Index of the first element whose bits differ (NaN matches any NaN), or -1. */
function firstDiff(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return 0;
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) return i;
  return -1;
}

/** Small integers (many ties), ±0, and a few NaN and ±Inf, or plain uniform values. */
function values(n: number, seed: number, ties: boolean): Float32Array {
  const r = rng(seed);
  const specials = [NaN, Infinity, -Infinity, 0, -0];
  return Float32Array.from({ length: n }, () => {
    const u = r();
    if (u < 0.03) return specials[Math.floor(r() * specials.length)]!;
    return ties ? Math.floor(r() * 5) - 4 : r() * 2 - 1;
  });
}

describe.runIf(wasmSupported())('wasm maxPool2d', () => {
  function runBoth(x: Float32Array, planes: number, g: ConvGeometry): { out: Float32Array[]; at: Int32Array[] } {
    const len = g.oh * g.ow;
    const out = [new Float32Array(planes * len).fill(7), new Float32Array(planes * len).fill(7)];
    const at = [new Int32Array(planes * len).fill(-7), new Int32Array(planes * len).fill(-7)];
    const spy = vi.spyOn(tsBackend, 'maxPool2d');
    wasmBackend.maxPool2d('float32', h(x), h(out[0]!), h(at[0]!), planes, g);
    expect(spy, 'the wasm kernel ran, not the TS fallback').not.toHaveBeenCalled();
    spy.mockRestore();
    tsBackend.maxPool2d('float32', h(x), h(out[1]!), h(at[1]!), planes, g);
    return { out, at };
  }

  // [planes, geometry, label]
  const CASES: [number, ConvGeometry, string][] = [
    [6, geometry(28, 28, 2, 2), 'kernel 2, stride 2 (LeNet)'],
    [3, geometry(7, 9, 2, 2), 'kernel 2, stride 2, odd sizes (the last row and column dropped)'],
    [4, geometry(10, 21, 2, 2), 'kernel 2, stride 2, runs of four outputs and a scalar rest, odd width'],
    [5, geometry(9, 9, 3, 2, 1), 'kernel 3, stride 2, padding 1'],
    [4, geometry(8, 11, 3, 2, 1), 'kernel 3, stride 2, padding 1, uneven'],
    [2, geometry(10, 10, 3, 1, 1), 'kernel 3, stride 1, padding 1 (overlapping windows)'],
    [2, geometry(12, 12, 3, 2, 1, 2), 'kernel 3, stride 2, padding 1, dilation 2'],
  ];
  for (const [planes, g, label] of CASES) {
    it(`${label}: values and indices match the TS backend bit for bit, NaN and ties included`, () => {
      for (const ties of [true, false]) {
        const x = values(planes * g.h * g.w, planes * 100 + g.h + (ties ? 1 : 0), ties);
        // One NaN certain to be in a window, after the window's first element (row 1, column 1 of the last plane).
        x[(planes - 1) * g.h * g.w + g.w + 1] = NaN;
        const { out, at } = runBoth(x, planes, g);
        const i = firstDiff(out[0]!, out[1]!), j = firstDiff(at[0]!, at[1]!);
        expect(i, `value ${i}: wasm ${out[0]![i]}, TS ${out[1]![i]}`).toBe(-1);
        expect(j, `index ${j}: wasm ${at[0]![j]}, TS ${at[1]![j]}`).toBe(-1);
        expect(out[0]!.some(Number.isNaN), 'some window holds a NaN').toBe(true);
      }
    });
  }

  it('the first maximum wins ties, NaN wins over everything, -Inf is a value, padding is not', () => {
    const x = new Float32Array([
      1, 3, 2, 2,
      3, 0, 2, NaN,
      -Infinity, -Infinity, 5, 5,
      -Infinity, -Infinity, 5, 4,
    ]);
    const { out, at } = runBoth(x, 1, geometry(4, 4, 2, 2));
    for (const b of [0, 1]) {
      expect([...out[b]!]).toEqual([3, NaN, -Infinity, 5]);
      expect([...at[b]!]).toEqual([1, 7, 8, 10]);
    }
    // ±0 tie: the first one is kept, sign included.
    const z = runBoth(new Float32Array([-0, 0, 0, -0]), 1, geometry(2, 2, 2, 2));
    expect(z.out.map((o) => Object.is(o[0], -0))).toEqual([true, true]);
    expect(z.at.map((a) => a[0])).toEqual([0, 0]);
    // All-negative input with padding 1: the padding (-∞) never wins.
    const neg = Float32Array.from({ length: 9 }, (_, i) => -(i + 1));
    const p = runBoth(neg, 1, geometry(3, 3, 3, 2, 1));
    for (const b of [0, 1]) {
      expect([...p.out[b]!]).toEqual([-1, -2, -4, -5]);
      expect([...p.at[b]!]).toEqual([0, 1, 3, 4]);
    }
  });

  it('delegates float64 to the TS backend', () => {
    const spy = vi.spyOn(tsBackend, 'maxPool2d');
    const out = new Float64Array(4), at = new Int32Array(4);
    wasmBackend.maxPool2d('float64', h(new Float64Array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16.5])), h(out), h(at), 1, geometry(4, 4, 2, 2));
    expect(spy).toHaveBeenCalledTimes(1);
    expect([...out]).toEqual([6, 8, 14, 16.5]);
    expect([...at]).toEqual([5, 7, 13, 15]);
  });
});

describe.runIf(wasmSupported())('wasm scatterAdd', () => {
  /** scatterAdd on both backends from the same starting `out`; the wasm call must not fall back. */
  function runBoth(out0: Float32Array, outShape: Shape, index: Int32Array, indexShape: Shape, dim: number, src: Float32Array,
    rowKernel: boolean): [Float32Array, Float32Array] {
    const got = out0.slice(), want = out0.slice();
    const spy = vi.spyOn(tsBackend, 'scatterAdd');
    wasmBackend.scatterAdd('float32', h(got), outShape, h(index), indexShape, dim, h(src), 'scatterAdd');
    expect(spy).toHaveBeenCalledTimes(rowKernel ? 0 : 1);
    spy.mockRestore();
    tsBackend.scatterAdd('float32', h(want), outShape, h(index), indexShape, dim, h(src), 'scatterAdd');
    return [got, want];
  }

  // [out's shape, index's shape]: dim is the last one, and the index has the output's leading shape.
  const ROWS: [Shape, Shape][] = [[[1], [1]], [[7], [20]], [[64, 784], [64, 196]], [[3, 5, 9], [3, 5, 4]], [[2, 3, 4, 50], [2, 3, 4, 50]], [[5, 3], [5, 0]]];
  it('along the last dim with the output\'s leading shape runs the wasm row kernel, bit for bit, repeated indices in order', () => {
    let seed = 1;
    for (const [outShape, indexShape] of ROWS) {
      const r = rng(seed++), size = outShape[outShape.length - 1]!;
      // Repeated indices on purpose: their additions must happen in the same order on both backends.
      const index = Int32Array.from({ length: sizeOf(indexShape) }, () => Math.floor(r() * size));
      const src = values(index.length, seed++, false), out0 = values(sizeOf(outShape), seed++, false);
      const [got, want] = runBoth(out0, outShape, index, indexShape, outShape.length - 1, src, true);
      const i = firstDiff(got, want);
      expect(i, `[${outShape}] ← [${indexShape}] at ${i}: wasm ${got[i]}, TS ${want[i]}`).toBe(-1);
      if (index.length > 0) expect(firstDiff(got, out0), `[${outShape}] changed`).not.toBe(-1);
    }
  });

  it('sums many values into one element in index order, as the TS loop does', () => {
    // 1e8 + 1 + … rounds differently from any other order in float32.
    const src = new Float32Array([1e8, 1, 1, 1, 1, -1e8, 3, 0.5]);
    const [got, want] = runBoth(new Float32Array(3), [1, 3], new Int32Array(8).fill(1), [1, 8], 1, src, true);
    expect([...got]).toEqual([...want]);
    expect([...got]).toEqual([0, 3.5, 0]);
  });

  it('other layouts run on the TS kernel with the same results', () => {
    // dim 0, and a last dim whose index rows do not match the output's leading shape.
    const index = Int32Array.from([0, 2, 2, 1, 0, 1]);
    const [g0, w0] = runBoth(new Float32Array(12), [3, 4], index, [2, 3], 0, new Float32Array([1, 2, 3, 4, 5, 6]), false);
    expect(firstDiff(g0, w0)).toBe(-1);
    expect([...g0]).toEqual([1, 5, 0, 0, 4, 0, 6, 0, 0, 2, 3, 0]);
    const [g1, w1] = runBoth(new Float32Array(12), [3, 4], index, [2, 3], 1, new Float32Array([1, 2, 3, 4, 5, 6]), false);
    expect(firstDiff(g1, w1)).toBe(-1);
    expect([...g1]).toEqual([1, 0, 5, 0, 5, 10, 0, 0, 0, 0, 0, 0]);
  });

  it('an out-of-range or negative index throws indexError, with the same message on both backends', () => {
    for (const bad of [9, 10, -1, -2147483648]) {
      const index = Int32Array.from([0, 3, bad, 1]);
      const message = indexError('scatterAdd', bad, 1, 9).message;
      for (const backend of [wasmBackend, tsBackend]) {
        const spy = vi.spyOn(tsBackend, 'scatterAdd');
        expect(() => backend.scatterAdd('float32', h(new Float32Array(18)), [2, 9], h(index), [2, 2], 1, h(new Float32Array(4)), 'scatterAdd'),
          `${backend.name}, index ${bad}`).toThrow(message);
        // The wasm call checked the indices itself, on its row-kernel path.
        if (backend === wasmBackend) expect(spy).not.toHaveBeenCalled();
        spy.mockRestore();
      }
    }
    expect(indexError('scatterAdd', -1, 1, 9).message).toContain('negative indices are not wrapped around');
    expect(indexError('scatterAdd', 9, 1, 9).message).toContain('out of bounds for dimension 1 with size 9');
  });
});

describe.runIf(wasmSupported())('wasm adaptiveMaxPool2d', () => {
  // [planes, h, w, oh, ow, label]
  const CASES: [number, number, number, number, number, string][] = [
    [6, 14, 14, 7, 7, 'windows that tile the input'],
    [4, 10, 7, 4, 3, 'uneven, overlapping windows'],
    [3, 9, 9, 9, 9, 'output the size of the input'],
    [5, 5, 6, 1, 1, 'global'],
    [2, 3, 3, 5, 4, 'output larger than the input'],
  ];
  for (const [planes, hh, w, oh, ow, label] of CASES) {
    it(`${label} (${hh}×${w} → ${oh}×${ow}): indices match the TS backend, NaN and ties included`, () => {
      for (const ties of [true, false]) {
        const x = values(planes * hh * w, planes * 7 + hh + ow + (ties ? 1 : 0), ties);
        x[(planes - 1) * hh * w + Math.min(w + 1, hh * w - 1)] = NaN;
        const at = [new Int32Array(planes * oh * ow).fill(-7), new Int32Array(planes * oh * ow).fill(-7)];
        const spy = vi.spyOn(tsBackend, 'adaptiveMaxPool2d');
        wasmBackend.adaptiveMaxPool2d('float32', h(x), h(at[0]!), planes, hh, w, oh, ow);
        expect(spy, 'the wasm kernel ran, not the TS fallback').not.toHaveBeenCalled();
        spy.mockRestore();
        tsBackend.adaptiveMaxPool2d('float32', h(x), h(at[1]!), planes, hh, w, oh, ow);
        const j = firstDiff(at[0]!, at[1]!);
        expect(j, `index ${j}: wasm ${at[0]![j]}, TS ${at[1]![j]}`).toBe(-1);
        expect(at[0]!.some((i, k) => Number.isNaN(x[Math.floor(k / (oh * ow)) * hh * w + i])), 'some window picked a NaN').toBe(true);
      }
    });
  }

  it('the first maximum wins ties and NaN wins over everything', () => {
    // 4×4 → 2×2: windows [0,2)×[0,2) etc.
    const x = new Float32Array([
      1, 3, 2, 2,
      3, 0, 2, NaN,
      -Infinity, -Infinity, 5, 5,
      -Infinity, -Infinity, 5, 4,
    ]);
    for (const backend of [wasmBackend, tsBackend]) {
      const at = new Int32Array(4);
      backend.adaptiveMaxPool2d('float32', h(x), h(at), 1, 4, 4, 2, 2);
      expect([...at], backend.name).toEqual([1, 7, 8, 10]);
      // ±0 are equal (the first is kept); the first of two NaNs wins; an all -Inf window takes its first element.
      const z = new Int32Array(3);
      backend.adaptiveMaxPool2d('float32', h(new Float32Array([-0, 0, 0, -0, 1, NaN, 5, NaN, -Infinity, -Infinity, -Infinity, -Infinity])), h(z), 3, 2, 2, 1, 1);
      expect([...z], backend.name).toEqual([0, 1, 0]);
    }
  });
});
