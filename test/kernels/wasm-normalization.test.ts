import { describe, expect, it, vi } from 'vitest';
import type { NormMask } from '../../src/kernels/backend.js';
import { handleOf as h } from '../../src/kernels/cpu/memory.js';
import { tsBackend } from '../../src/kernels/ts/index.js';
import { wasmBackend, wasmSupported } from '../../src/kernels/wasm/index.js';
import { rng, runWasmKernelsAtEverySize } from '../support/wasm.js';

// The fused LayerNorm and BatchNorm kernels of the wasm backend against the TS loops. Both accumulate the
// statistics and the weight/bias gradients in float64; the wasm kernels normalise in float32 arithmetic where the
// TS ones compute in float64 and round once, so they agree to a few float32 ulps of the result's scale. Row and
// segment lengths cover the vector body and every tail (1, 3, 4, 5, 17) and a long row.

runWasmKernelsAtEverySize();

function floats(n: number, seed: number, scale = 1, shift = 0): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale + shift);
}

// Errors relative to |want| plus the result's mean magnitude, or `floor` where cancellation can leave the result
// far smaller than its terms (a batch of two values per channel normalises to ±1 and its dx to rounding noise).
function expectClose(got: Float32Array, want: Float32Array, what: string, floor = 0): void {
  const scale = Math.max(want.reduce((s, x) => s + Math.abs(x), 0) / Math.max(want.length, 1), floor) || 1;
  let worst = 0, at = -1;
  for (let i = 0; i < want.length; i++) {
    const err = Math.abs(got[i]! - want[i]!) / (Math.abs(want[i]!) + scale);
    if (!(err <= worst)) [worst, at] = [err, i];
  }
  expect(worst, `${what}: element ${at} is ${got[at]} on wasm and ${want[at]} on ts`).toBeLessThan(2e-6);
}

const MASKS: NormMask[] = [[true, true, true], [true, false, false], [false, true, true]];
const SIZES: [number, number][] = [[3, 1], [2, 3], [4, 4], [3, 5], [5, 17], [2, 1000]];

describe.runIf(wasmSupported())('wasm layerNorm', () => {
  it.each(SIZES)('rows %i, m %i: forward and backward, with and without affine', (rows, m) => {
    const spy = vi.spyOn(tsBackend, 'layerNorm');
    const n = rows * m;
    for (const affine of [true, false]) {
      const x = floats(n, n, 3, 0.5), w = affine ? floats(m, m + 1, 1, 1) : null, b = affine ? floats(m, m + 2) : null;
      const outs = [tsBackend, wasmBackend].map((be) => {
        const out = new Float32Array(n), mean = new Float32Array(rows), rstd = new Float32Array(rows);
        be.layerNorm('float32', h(x), w && h(w), b && h(b), h(out), h(mean), h(rstd), rows, m, 1e-5);
        return { out, mean, rstd };
      });
      expectClose(outs[1]!.out, outs[0]!.out, 'out');
      expectClose(outs[1]!.mean, outs[0]!.mean, 'mean');
      expectClose(outs[1]!.rstd, outs[0]!.rstd, 'rstd');
      const g = floats(n, n + 7);
      for (const mask of MASKS) {
        const len = (mask[0] ? n : 0) + (mask[1] ? m : 0) + (mask[2] ? m : 0);
        const [ts, wa] = [tsBackend, wasmBackend].map((be) => {
          const out = new Float32Array(len);
          be.layerNormBackward('float32', h(g), h(x), h(outs[0]!.mean), h(outs[0]!.rstd), w && h(w), h(out), mask, rows, m);
          return out;
        });
        expectClose(wa!, ts!, `backward ${mask.join(',')}`, 0.1);
      }
    }
    // The wasm backend ran its own kernel (the TS one only for the reference calls above).
    expect(spy).toHaveBeenCalledTimes(2);
  });
});

describe.runIf(wasmSupported())('wasm batchNorm', () => {
  it.each([[2, 3, 1], [4, 2, 3], [2, 3, 5], [3, 2, 17], [2, 2, 300]])('n %i, c %i, s %i: training with running statistics, eval, backward', (n, c, s) => {
    const total = n * c * s;
    const x = floats(total, total, 2, 0.3), w = floats(c, c + 1, 1, 1), b = floats(c, c + 2);
    for (const training of [true, false]) {
      const runs = [tsBackend, wasmBackend].map((be) => {
        const out = new Float32Array(total), mean = new Float32Array(c), invstd = new Float32Array(c);
        const rm = floats(c, 5), rv = floats(c, 6, 0.5, 1);
        be.batchNorm('float32', h(x), h(w), h(b), h(out), h(mean), h(invstd), n, c, s, { training, runningMean: h(rm), runningVar: h(rv), momentum: 0.1, eps: 1e-5 });
        return { out, mean, invstd, rm, rv };
      });
      for (const k of ['out', 'mean', 'invstd', 'rm', 'rv'] as const) expectClose(runs[1]![k], runs[0]![k], `${k} (training ${training})`);
      const g = floats(total, total + 3);
      for (const mask of MASKS) {
        const len = (mask[0] ? total : 0) + (mask[1] ? c : 0) + (mask[2] ? c : 0);
        const [ts, wa] = [tsBackend, wasmBackend].map((be) => {
          const out = new Float32Array(len);
          be.batchNormBackward('float32', h(g), h(x), h(runs[0]!.mean), h(runs[0]!.invstd), h(w), h(out), mask, n, c, s, training);
          return out;
        });
        expectClose(wa!, ts!, `backward ${mask.join(',')} (training ${training})`, 0.1);
      }
    }
  });
});
