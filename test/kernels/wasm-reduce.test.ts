import { describe, expect, it, vi } from 'vitest';
import type { REDUCE_KERNELS, ReduceKernel } from '../../src/kernels/catalog.js';
import { handleOf as h } from '../../src/kernels/cpu/memory.js';
import { tsBackend } from '../../src/kernels/ts/index.js';
import { wasmBackend, wasmSupported } from '../../src/kernels/wasm/index.js';
import { rng, runWasmKernelsAtEverySize } from '../support/wasm.js';

// Reductions and softmax of the wasm backend against the TS backend over [outer, r, inner] layouts, both the
// row case (inner = 1) and the column case (inner > 1), with NaN and ±Inf placed in some slices.

runWasmKernelsAtEverySize();


/** Values in [-scale, scale) with a few ties, and, when `specials`, NaN/±Inf in some slices. */
function data(outer: number, r: number, inner: number, seed: number, specials: boolean, scale = 5): Float32Array {
  const rand = rng(seed);
  const x = new Float32Array(outer * r * inner);
  for (let i = 0; i < x.length; i++) x[i] = rand() < 0.1 ? 1.5 : (rand() * 2 - 1) * scale;
  if (specials && x.length > 0) {
    const put = (v: number) => { x[Math.floor(rand() * x.length)] = v; };
    put(NaN); put(NaN); put(Infinity); put(-Infinity); put(-Infinity);
    // One whole slice of -Inf (softmax NaN, logsumexp -Inf).
    for (let j = 0; j < r; j++) x[j * inner] = -Infinity;
  }
  return x;
}

const LAYOUTS: [number, number, number][] = [
  [1, 1, 1], [3, 1, 1], [1, 5, 1], [2, 7, 1], [3, 8, 1], [2, 9, 1], [4, 31, 1], [2, 100, 1], [1, 1000, 1], [5, 33, 1],
  [1, 3, 2], [2, 5, 3], [3, 4, 4], [2, 9, 5], [2, 6, 8], [3, 17, 13], [1, 100, 33], [2, 1, 7], [1, 64, 257],
  // Rows past the pairwise block (128) at odd splits, and columns over many blocks of 16 rows, so that the
  // cascade's carries reach several levels with a partial last block.
  [2, 129, 1], [1, 1023, 1], [1, 4097, 1], [2, 16, 3], [2, 17, 3], [2, 33, 2], [1, 255, 5], [2, 1000, 3], [1, 2049, 6],
];

const sameNumber = (g: number, w: number): boolean => (Number.isNaN(w) ? Number.isNaN(g) : g === w);

function compare(got: ArrayLike<number>, want: ArrayLike<number>, relTol: number, absTol = 0): number {
  for (let i = 0; i < want.length; i++) {
    const g = got[i]!, w = want[i]!;
    if (sameNumber(g, w)) continue;
    if (!Number.isFinite(w) || !(Math.abs(g - w) <= relTol * Math.abs(w) + absTol)) return i;
  }
  return -1;
}

/** The reductions with a wasm kernel (the others run the TS kernel on the wasm backend). */
type WasmReduce = { [K in ReduceKernel]: (typeof REDUCE_KERNELS)[K]['wasm'] extends true ? K : never }[ReduceKernel];

const TOL: Record<WasmReduce, [number, number]> = {
  // Sums accumulate in float64 in both backends, in a different order: at most a rounding of the float32 result.
  sum: [1.2e-7, 1e-6],
  max: [0, 0], min: [0, 0], argmax: [0, 0], argmin: [0, 0],
  // exp is a float32 approximation here, float64 Math.exp in TS.
  logsumexp: [4e-7, 1e-6],
};

describe.runIf(wasmSupported())('wasm reduce', () => {
  for (const op of Object.keys(TOL) as WasmReduce[]) {
    it(`${op} matches the TS backend`, () => {
      let seed = 1;
      for (const specials of [false, true]) {
        for (const [outer, r, inner] of LAYOUTS) {
          const x = data(outer, r, inner, seed++, specials);
          const arg = op === 'argmax' || op === 'argmin';
          const got = arg ? new Int32Array(outer * inner) : new Float32Array(outer * inner);
          const want = arg ? new Int32Array(outer * inner) : new Float32Array(outer * inner);
          wasmBackend.reduce(op, 'float32', h(x), 0, h(got), outer, r, inner);
          tsBackend.reduce(op, 'float32', h(x), 0, h(want), outer, r, inner);
          const [rel, abs] = TOL[op];
          const i = compare(got, want, rel, abs);
          expect(i, `${op} [${outer}, ${r}, ${inner}]${specials ? ' with NaN/Inf' : ''} at ${i}: got ${got[i]}, TS gives ${want[i]}`).toBe(-1);
        }
      }
    });
  }

  it('runs the covered layouts in wasm, not through the TS fallback', () => {
    const spy = vi.spyOn(tsBackend, 'reduce');
    const x = data(3, 40, 5, 99, true);
    wasmBackend.reduce('sum', 'float32', h(x), 0, h(new Float32Array(15)), 3, 40, 5);
    wasmBackend.reduce('argmax', 'float32', h(x), 0, h(new Int32Array(200)), 200, 3, 1);
    expect(spy).not.toHaveBeenCalled();
  });

  it('reads from the offset, in wasm', () => {
    const x = data(4, 30, 3, 97, true);
    for (const op of ['sum', 'max', 'argmin', 'logsumexp'] as const) {
      for (const [offset, outer, r, inner] of [[3, 2, 30, 3], [7, 3, 31, 1], [90, 1, 10, 2]] as const) {
        const arg = op === 'argmin';
        const got = arg ? new Int32Array(outer * inner) : new Float32Array(outer * inner);
        const want = arg ? new Int32Array(outer * inner) : new Float32Array(outer * inner);
        const spy = vi.spyOn(tsBackend, 'reduce');
        wasmBackend.reduce(op, 'float32', h(x), offset, h(got), outer, r, inner);
        expect(spy).not.toHaveBeenCalled();
        spy.mockRestore();
        // The reference: the same slice copied to the start of its own array.
        const slice = x.slice(offset, offset + outer * r * inner);
        tsBackend.reduce(op, 'float32', h(slice), 0, h(want), outer, r, inner);
        const [rel, abs] = TOL[op];
        const i = compare(got, want, rel, abs);
        expect(i, `${op} from ${offset} [${outer}, ${r}, ${inner}] at ${i}: got ${got[i]}, TS gives ${want[i]}`).toBe(-1);
      }
    }
  });

  it('argmax/argmin return the first NaN, and the first of tied extremes', () => {
    const x = new Float32Array(40).fill(1);
    x[13] = 9; x[29] = 9; x[7] = -9; x[33] = -9;
    const out = new Int32Array(1);
    wasmBackend.reduce('argmax', 'float32', h(x), 0, h(out), 1, 40, 1);
    expect(out[0]).toBe(13);
    wasmBackend.reduce('argmin', 'float32', h(x), 0, h(out), 1, 40, 1);
    expect(out[0]).toBe(7);
    x[21] = NaN; x[25] = NaN;
    wasmBackend.reduce('argmax', 'float32', h(x), 0, h(out), 1, 40, 1);
    expect(out[0]).toBe(21);
    wasmBackend.reduce('argmin', 'float32', h(x), 0, h(out), 1, 40, 1);
    expect(out[0]).toBe(21);
    const m = new Float32Array(1);
    wasmBackend.reduce('max', 'float32', h(x), 0, h(m), 1, 40, 1);
    expect(m[0]).toBeNaN();
  });

  it('writes argmax indices as int32, in wasm', () => {
    // The output of argmax/argmin is int32 by the backend contract (it was any dtype before).
    const spy = vi.spyOn(tsBackend, 'reduce');
    const x = new Float32Array([0, 5, 1, 2, 9, 3, 4, 1, 0, 0]);
    const out = new Int32Array(1);
    wasmBackend.reduce('argmax', 'float32', h(x), 0, h(out), 1, 10, 1);
    expect(out[0]).toBe(4);
    expect(spy).not.toHaveBeenCalled();
  });

  it('sums a long row without float32 drift', () => {
    const n = 1 << 20;
    const x = new Float32Array(n).fill(0.1);
    const out = new Float32Array(1);
    wasmBackend.reduce('sum', 'float32', h(x), 0, h(out), 1, n, 1);
    expect(out[0]).toBe(Math.fround(n * Math.fround(0.1)));
  });

  it('delegates r = 0 and float64 input to the TS backend', () => {
    const out = new Float32Array(2);
    wasmBackend.reduce('max', 'float32', h(new Float32Array(0)), 0, h(out), 2, 0, 1);
    const want = new Float32Array(2);
    tsBackend.reduce('max', 'float32', h(new Float32Array(0)), 0, h(want), 2, 0, 1);
    expect([...out]).toEqual([...want]);
    const o64 = new Float64Array(1);
    wasmBackend.reduce('sum', 'float64', h(new Float64Array([0.1, 0.2])), 0, h(o64), 1, 2, 1);
    expect(o64[0]).toBe(0.1 + 0.2);
  });
});

describe.runIf(wasmSupported())('wasm softmax', () => {
  for (const log of [false, true]) {
    it(`${log ? 'logSoftmax' : 'softmax'} matches the TS backend`, () => {
      let seed = 50;
      for (const specials of [false, true]) {
        for (const [outer, r, inner] of LAYOUTS) {
          const x = data(outer, r, inner, seed++, specials, 30);
          const got = new Float32Array(x.length), want = new Float32Array(x.length);
          wasmBackend.softmax('float32', h(x), 0, h(got), outer, r, inner, log);
          tsBackend.softmax('float32', h(x), 0, h(want), outer, r, inner, log);
          const i = compare(got, want, 1e-6, log ? 4e-6 : 1e-7);
          expect(i, `[${outer}, ${r}, ${inner}]${specials ? ' with NaN/Inf' : ''} at ${i}: got ${got[i]}, TS gives ${want[i]}`).toBe(-1);
        }
      }
    });
  }

  it('is stable for large logits and sums to 1', () => {
    const x = new Float32Array([1000, 1000, 999, -1000, 80, 90, 100, 110]);
    const out = new Float32Array(8);
    wasmBackend.softmax('float32', h(x), 0, h(out), 2, 4, 1, false);
    expect(out[0]).toBeCloseTo(0.4223188, 6);
    expect(out[3]).toBe(0);
    expect(out[4]! + out[5]! + out[6]! + out[7]!).toBeCloseTo(1, 6);
  });

  it('runs the covered layouts in wasm, not through the TS fallback', () => {
    const spy = vi.spyOn(tsBackend, 'softmax');
    const x = data(3, 40, 5, 98, false);
    wasmBackend.softmax('float32', h(x), 0, h(new Float32Array(600)), 3, 40, 5, true);
    wasmBackend.softmax('float32', h(x), 0, h(new Float32Array(600)), 15, 40, 1, false);
    expect(spy).not.toHaveBeenCalled();
  });

  it('reads from the offset, in wasm', () => {
    const x = data(3, 40, 5, 96, true, 30);
    for (const log of [false, true]) {
      for (const [offset, outer, r, inner] of [[1, 2, 40, 5], [33, 5, 19, 1], [100, 1, 7, 3]] as const) {
        const n = outer * r * inner, got = new Float32Array(n), want = new Float32Array(n);
        const spy = vi.spyOn(tsBackend, 'softmax');
        wasmBackend.softmax('float32', h(x), offset, h(got), outer, r, inner, log);
        expect(spy).not.toHaveBeenCalled();
        spy.mockRestore();
        tsBackend.softmax('float32', h(x.slice(offset, offset + n)), 0, h(want), outer, r, inner, log);
        const i = compare(got, want, 1e-6, log ? 4e-6 : 1e-7);
        expect(i, `from ${offset} [${outer}, ${r}, ${inner}] at ${i}: got ${got[i]}, TS gives ${want[i]}`).toBe(-1);
      }
    }
  });
});
