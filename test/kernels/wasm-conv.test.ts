import { describe, expect, it, vi } from 'vitest';
import type { ConvGeometry } from '../../src/kernels/backend.js';
import { tsBackend } from '../../src/kernels/ts/index.js';
import { wasmBackend, wasmSupported } from '../../src/kernels/wasm/index.js';
import { rng, runWasmKernelsAtEverySize } from '../support/wasm.js';

// The wasm conv2d kernels (direct for stride 1, im2col + the blocked matmul otherwise) against the TS
// backend's unfold + matmul. The sums run in different orders, so they agree to float32 rounding.

runWasmKernelsAtEverySize();

/** unfold's window map for a geometry (as src/ops/conv.ts builds it). */
function windowIndex(g: ConvGeometry): Int32Array {
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
  ];
  it.each(CASES)('n %i, c %i, %i×%i, o %i, kernel %i×%i matches the TS backend', (n, c, h, w, o, kh, kw, [sh, sw], [ph, pw], [dh, dw]) => {
    const oh = Math.floor((h + 2 * ph - dh * (kh - 1) - 1) / sh) + 1, ow = Math.floor((w + 2 * pw - dw * (kw - 1) - 1) / sw) + 1;
    const g: ConvGeometry = { h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow };
    const r = rng(n * 1000 + c * 100 + h);
    const x = Float32Array.from({ length: n * c * h * w }, () => r() * 2 - 1);
    const weight = Float32Array.from({ length: o * c * kh * kw }, () => r() * 2 - 1);
    const index = windowIndex(g);
    const got = new Float32Array(n * o * oh * ow).fill(NaN), want = new Float32Array(n * o * oh * ow);
    const spy = vi.spyOn(tsBackend, 'conv2d');
    wasmBackend.conv2d(x, weight, index, got, n, c, o, g);
    expect(spy).not.toHaveBeenCalled();
    tsBackend.conv2d(x, weight, index, want, n, c, o, g);
    const scale = Math.sqrt(c * kh * kw);
    for (let i = 0; i < want.length; i++) {
      expect(Math.abs(got[i]! - want[i]!), `output ${i}: ${got[i]} vs ${want[i]}`).toBeLessThanOrEqual(1e-6 * scale + 1e-6 * Math.abs(want[i]!));
    }
  });
});
