import { describe, expect, it, vi } from 'vitest';
import type { ConvGeometry } from '../../src/kernels/backend.js';
import { handleOf as h } from '../../src/kernels/cpu/memory.js';
import { tsBackend } from '../../src/kernels/ts/index.js';
import { wasmBackend, wasmSupported } from '../../src/kernels/wasm/index.js';
import { rng, runWasmKernelsAtEverySize } from '../support/wasm.js';

// Average pooling and its transpose (assembly/pool.ts) against the TS backend. Both sum in float64 in the same
// order and round once (the transpose rounds each addition to float32, as the TS kernel's stores do), so they
// agree bit for bit, NaN and ±Inf included.

runWasmKernelsAtEverySize();

/** PyTorch's pooled length with ceil mode (the last window starts inside the input or its left padding). */
function len(size: number, k: number, s: number, p: number, ceil: boolean): number {
  let n = Math.floor((size + 2 * p - k + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (n - 1) * s >= size + p) n--;
  return n;
}

function geometry(hh: number, w: number, k: number, s: number, p: number, ceil: boolean): ConvGeometry {
  return { h: hh, w, kh: k, kw: k, sh: s, sw: s, ph: p, pw: p, dh: 1, dw: 1, oh: len(hh, k, s, p, ceil), ow: len(w, k, s, p, ceil) };
}

function values(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const specials = [NaN, Infinity, -Infinity, -0];
  return Float32Array.from({ length: n }, () => (r() < 0.02 ? specials[Math.floor(r() * specials.length)]! : r() * 2 - 1));
}

function firstDiff(got: ArrayLike<number>, want: ArrayLike<number>): number {
  if (got.length !== want.length) return 0;
  for (let i = 0; i < want.length; i++) if (!Object.is(got[i], want[i])) return i;
  return -1;
}

describe.runIf(wasmSupported())('wasm avgPool2d and avgPool2dBackward', () => {
  // [planes, geometry, countIncludePad, divisor, label]
  const CASES: [number, ConvGeometry, boolean, number, string][] = [
    [6, geometry(28, 28, 2, 2, 0, false), true, 0, 'kernel 2, stride 2'],
    [5, geometry(9, 9, 3, 2, 1, false), true, 0, 'kernel 3, stride 2, padding 1'],
    [5, geometry(9, 9, 3, 2, 1, false), false, 0, 'kernel 3, stride 2, padding 1, countIncludePad false'],
    [3, geometry(10, 7, 3, 2, 1, true), true, 0, 'ceil mode (partial windows)'],
    [4, geometry(8, 8, 3, 1, 1, false), true, 7, 'overlapping windows, divisorOverride 7'],
  ];
  for (const [planes, g, countIncludePad, divisor, label] of CASES) {
    it(`${label}: forward bit for bit`, () => {
      const x = values(planes * g.h * g.w, planes + g.h);
      const out = [new Float32Array(planes * g.oh * g.ow).fill(7), new Float32Array(planes * g.oh * g.ow).fill(7)];
      const spy = vi.spyOn(tsBackend, 'avgPool2d');
      wasmBackend.avgPool2d('float32', h(x), h(out[0]!), planes, g, countIncludePad, divisor);
      expect(spy, 'the wasm kernel ran, not the TS fallback').not.toHaveBeenCalled();
      spy.mockRestore();
      tsBackend.avgPool2d('float32', h(x), h(out[1]!), planes, g, countIncludePad, divisor);
      expect(firstDiff(out[0]!, out[1]!)).toBe(-1);
    });
    it(`${label}: transpose bit for bit`, () => {
      const grad = values(planes * g.oh * g.ow, planes * 3 + g.w);
      const out = [new Float32Array(planes * g.h * g.w).fill(7), new Float32Array(planes * g.h * g.w).fill(7)];
      const spy = vi.spyOn(tsBackend, 'avgPool2dBackward');
      wasmBackend.avgPool2dBackward('float32', h(grad), h(out[0]!), planes, g, countIncludePad, divisor);
      expect(spy, 'the wasm kernel ran, not the TS fallback').not.toHaveBeenCalled();
      spy.mockRestore();
      tsBackend.avgPool2dBackward('float32', h(grad), h(out[1]!), planes, g, countIncludePad, divisor);
      expect(firstDiff(out[0]!, out[1]!)).toBe(-1);
    });
  }
});

describe.runIf(wasmSupported())('wasm adaptiveAvgPool2d and adaptiveAvgPool2dBackward', () => {
  // [planes, h, w, oh, ow, label]
  const CASES: [number, number, number, number, number, string][] = [
    [6, 10, 10, 3, 3, 'uneven, overlapping windows'],
    [4, 14, 14, 7, 7, 'windows that tile the input'],
    [64, 7, 7, 1, 1, 'global'],
    [5, 3, 4, 5, 7, 'output larger than the input'],
  ];
  for (const [planes, hh, w, oh, ow, label] of CASES) {
    it(`${label} (${hh}×${w} → ${oh}×${ow}): forward and transpose bit for bit`, () => {
      const x = values(planes * hh * w, planes + hh + ow), grad = values(planes * oh * ow, planes * 5 + oh);
      const out = [new Float32Array(planes * oh * ow).fill(7), new Float32Array(planes * oh * ow).fill(7)];
      const dx = [new Float32Array(planes * hh * w).fill(7), new Float32Array(planes * hh * w).fill(7)];
      const spies = [vi.spyOn(tsBackend, 'adaptiveAvgPool2d'), vi.spyOn(tsBackend, 'adaptiveAvgPool2dBackward')];
      wasmBackend.adaptiveAvgPool2d('float32', h(x), h(out[0]!), planes, hh, w, oh, ow);
      wasmBackend.adaptiveAvgPool2dBackward('float32', h(grad), h(dx[0]!), planes, hh, w, oh, ow);
      for (const spy of spies) {
        expect(spy, 'the wasm kernel ran, not the TS fallback').not.toHaveBeenCalled();
        spy.mockRestore();
      }
      tsBackend.adaptiveAvgPool2d('float32', h(x), h(out[1]!), planes, hh, w, oh, ow);
      tsBackend.adaptiveAvgPool2dBackward('float32', h(grad), h(dx[1]!), planes, hh, w, oh, ow);
      expect(firstDiff(out[0]!, out[1]!)).toBe(-1);
      expect(firstDiff(dx[0]!, dx[1]!)).toBe(-1);
      expect(out[0]!.includes(7), 'every output written').toBe(false);
    });
  }

  it('averages each window (a 3×3 plane to 2×2: overlapping 2×2 windows)', () => {
    const x = new Float32Array([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const out = new Float32Array(4), dx = new Float32Array(9);
    wasmBackend.adaptiveAvgPool2d('float32', h(x), h(out), 1, 3, 3, 2, 2);
    expect([...out]).toEqual([3, 4, 6, 7]);
    wasmBackend.adaptiveAvgPool2dBackward('float32', h(new Float32Array([4, 4, 4, 4])), h(dx), 1, 3, 3, 2, 2);
    expect([...dx]).toEqual([1, 2, 1, 2, 4, 2, 1, 2, 1]);
  });
});
