import { describe, expect, it, vi } from 'vitest';
import type { ConvGeometry } from '../../src/kernels/backend.js';
import { handleOf as h } from '../../src/kernels/cpu/memory.js';
import { tsBackend } from '../../src/kernels/ts/index.js';
import { windowIndex } from '../../src/kernels/ts/window.js';
import { wasmBackend, wasmSupported } from '../../src/kernels/wasm/index.js';
import { rng, runWasmKernelsAtEverySize } from '../support/wasm.js';

// The wasm conv2d kernels (direct for stride 1, im2col + the blocked matmul otherwise) against the TS
// backend's unfold + matmul. The sums run in different orders, so they agree to float32 rounding.

runWasmKernelsAtEverySize();

/** unfold's window map for a geometry, straight from its definition (what `windowIndex` must give). */
function referenceWindowIndex(g: ConvGeometry): Int32Array {
  const index = new Int32Array(g.kh * g.kw * g.oh * g.ow);
  for (let ki = 0; ki < g.kh; ki++) {
    for (let kj = 0; kj < g.kw; kj++) {
      for (let y = 0; y < g.oh; y++) {
        for (let x = 0; x < g.ow; x++) {
          const iy = y * g.sh - g.ph + ki * g.dh, ix = x * g.sw - g.pw + kj * g.dw;
          index[((ki * g.kw + kj) * g.oh + y) * g.ow + x] = iy >= 0 && iy < g.h && ix >= 0 && ix < g.w ? iy * g.w + ix : -1;
        }
      }
    }
  }
  return index;
}

describe.runIf(wasmSupported())('wasm conv2d', () => {
  // [n, c, h, w, o, kh, kw, stride, padding, dilation]
  const CASES: [number, number, number, number, number, number, number, [number, number], [number, number], [number, number]][] = [
    [32, 1, 28, 28, 8, 5, 5, [1, 1], [0, 0], [1, 1]], // B5: direct, runs of 16 overlapping at the row end
    [2, 2, 5, 21, 3, 3, 3, [1, 1], [1, 2], [1, 1]], // direct with padded borders
    [2, 1, 2, 3, 3, 2, 2, [1, 1], [3, 3], [1, 1]], // padding wider than the input: borders only
    [3, 3, 17, 40, 4, 3, 5, [1, 1], [0, 1], [1, 1]],
    [2, 8, 9, 9, 5, 3, 3, [1, 1], [1, 1], [1, 1]], // C·kh·kw = 72: im2col + matmul
    [2, 3, 11, 10, 4, 3, 2, [2, 1], [1, 0], [1, 1]], // stride 2: im2col + matmul
    [1, 2, 9, 9, 3, 2, 2, [1, 1], [0, 0], [2, 2]], // dilation 2: im2col + matmul
    [1, 64, 28, 28, 6, 28, 28, [1, 1], [2, 2], [1, 1]], // B9's first-layer dW as a convolution: the wide kernel
    [2, 5, 13, 11, 3, 12, 9, [1, 1], [1, 3], [1, 1]], // wide: rows of 9 taps (a scalar tail), 9 outputs per row
    [3, 2, 20, 17, 1, 18, 16, [1, 1], [0, 0], [1, 1]], // wide, no padding, one filter, three images
  ];
  it.each(CASES)('n %i, c %i, %i×%i, o %i, kernel %i×%i matches the TS backend', (n, c, h0, w, o, kh, kw, [sh, sw], [ph, pw], [dh, dw]) => {
    const oh = Math.floor((h0 + 2 * ph - dh * (kh - 1) - 1) / sh) + 1, ow = Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
    const g: ConvGeometry = { h: h0, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow };
    // The kernels derive the window map from the geometry (the TS backend's, shared with the wasm glue).
    expect([...windowIndex(g)]).toEqual([...referenceWindowIndex(g)]);
    const r = rng(n * 1000 + c * 100 + h0);
    const x = Float32Array.from({ length: n * c * h0 * w }, () => r() * 2 - 1);
    const weight = Float32Array.from({ length: o * c * kh * kw }, () => r() * 2 - 1);
    const scale = Math.sqrt(c * kh * kw);
    const want = new Float32Array(n * o * oh * ow);
    tsBackend.conv2d('float32', h(x), h(weight), h(want), n, c, o, g, null);
    // Without the columns (the direct kernel where it applies), and keeping them (always im2col + matmul).
    for (const keep of [false, true]) {
      const got = new Float32Array(n * o * oh * ow).fill(NaN);
      const cols = keep ? new Float32Array(n * c * kh * kw * oh * ow).fill(NaN) : null;
      const spy = vi.spyOn(tsBackend, 'conv2d');
      wasmBackend.conv2d('float32', h(x), h(weight), h(got), n, c, o, g, cols && h(cols));
      expect(spy).not.toHaveBeenCalled();
      spy.mockRestore();
      const i = want.findIndex((v, j) => !(Math.abs(got[j]! - v) <= 1e-6 * scale + 1e-6 * Math.abs(v)));
      expect(i, `output ${i}${keep ? ', keeping the columns' : ''}: ${got[i]} vs ${want[i]}`).toBe(-1);
      if (cols) {
        // The columns are a copy, so they match the TS backend's bit for bit.
        const ref = new Float32Array(cols.length).fill(NaN);
        tsBackend.conv2d('float32', h(x), h(weight), h(new Float32Array(want.length)), n, c, o, g, h(ref));
        const bad = cols.findIndex((v, i) => !Object.is(v, ref[i]));
        expect(bad, `columns at ${bad}: ${cols[bad]} vs ${ref[bad]}`).toBe(-1);
      }
    }
  });

  it('padding adds zero taps, as im2col does: an infinite weight makes NaN where its window meets the border', () => {
    const g: ConvGeometry = { h: 20, w: 20, kh: 3, kw: 3, sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, oh: 20, ow: 20 };
    const r = rng(77);
    const n = 4, c = 1, o = 2;
    const x = Float32Array.from({ length: n * c * 400 }, () => r() * 2 - 1);
    const weight = Float32Array.from({ length: o * 9 }, () => r() * 2 - 1);
    weight[0] = Infinity; // tap (0, 0) of filter 0: the top row and left column of its outputs read padding there
    const want = new Float32Array(n * o * 400), got = new Float32Array(n * o * 400);
    tsBackend.conv2d('float32', h(x), h(weight), h(want), n, c, o, g, null);
    wasmBackend.conv2d('float32', h(x), h(weight), h(got), n, c, o, g, null);
    expect(want.some(Number.isNaN)).toBe(true);
    const i = want.findIndex((v, j) => Number.isNaN(v) !== Number.isNaN(got[j]!) || (!Number.isNaN(v) && Math.abs(got[j]! - v) > 1e-5 * (1 + Math.abs(v))));
    expect(i, `output ${i}: ${got[i]} vs ${want[i]}`).toBe(-1);
  });
});
