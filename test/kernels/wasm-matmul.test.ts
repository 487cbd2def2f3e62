import { describe, expect, it, vi } from 'vitest';
import type { MatrixOperand } from '../../src/kernels/backend.js';
import { handleOf } from '../../src/kernels/cpu/memory.js';
import { tsBackend } from '../../src/kernels/ts/index.js';
import type { ArrayOperand } from '../../src/kernels/ts/matmul.js';
import { wasmBackend, wasmSupported } from '../../src/kernels/wasm/index.js';
import { rng, runWasmKernelsAtEverySize } from '../support/wasm.js';

// The wasm matmul against a float64 triple loop that reads operands exactly as MatrixOperand defines them.
// Size thresholds are set to 0 so that even 1×1 products run the SIMD kernel, not the TS fallback.

runWasmKernelsAtEverySize();

/** An operand as the backend takes it: its typed array as a buffer handle. */
const operandOf = (x: ArrayOperand): MatrixOperand =>
  ({ buffer: handleOf(x.data), offsets: x.offsets, rowStride: x.rowStride, colStride: x.colStride });

/** `wasmBackend.matmul` over typed arrays. */
function wasmMatmul(a: ArrayOperand, b: ArrayOperand, out: Float32Array, batch: number, m: number, n: number, k: number): void {
  wasmBackend.matmul('float32', operandOf(a), operandOf(b), handleOf(out), batch, m, n, k);
}

function randomArray(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = r() * 2 - 1;
  return a;
}

/** Float64 reference and the sum of |a|·|b| per output, which bounds the float32 rounding error. */
function reference(a: ArrayOperand, b: ArrayOperand, batch: number, m: number, n: number, k: number): [Float64Array, Float64Array] {
  const ref = new Float64Array(batch * m * n), mag = new Float64Array(batch * m * n);
  for (let t = 0; t < batch; t++) {
    const ao = a.offsets[t]!, bo = b.offsets[t]!;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0, g = 0;
        for (let p = 0; p < k; p++) {
          const x = a.data[ao + i * a.rowStride + p * a.colStride]!, y = b.data[bo + p * b.rowStride + j * b.colStride]!;
          s += x * y;
          g += Math.abs(x * y);
        }
        ref[t * m * n + i * n + j] = s;
        mag[t * m * n + i * n + j] = g;
      }
    }
  }
  return [ref, mag];
}

function check(a: ArrayOperand, b: ArrayOperand, batch: number, m: number, n: number, k: number, label: string): void {
  const out = new Float32Array(batch * m * n).fill(NaN);
  wasmMatmul(a, b, out, batch, m, n, k);
  const [ref, mag] = reference(a, b, batch, m, n, k);
  let bad = -1;
  for (let i = 0; i < out.length; i++) {
    const tol = 4e-7 * (Math.sqrt(k) + 2) * mag[i]! + 1e-30;
    if (!(Math.abs(out[i]! - ref[i]!) <= tol)) {
      bad = i;
      break;
    }
  }
  expect(bad, `${label}: first mismatch at ${bad}: got ${out[bad]}, want ${ref[bad]}`).toBe(-1);
}

type Layout = 'n' | 't';

/** An r×c operand stored row-major ('n') or as the row-major transpose of a c×r array ('t'). */
function operand(rows: number, cols: number, layout: Layout, seed: number, batch = 1): ArrayOperand {
  const size = rows * cols;
  const data = randomArray(size * batch + 3, seed);
  // A small leading offset keeps the operand from starting on an aligned boundary.
  const offsets = Array.from({ length: batch }, (_, i) => 3 + i * size);
  return layout === 'n'
    ? { data, offsets, rowStride: cols, colStride: 1 }
    : { data, offsets, rowStride: 1, colStride: rows };
}

const SHAPES: [number, number, number][] = [
  [1, 1, 1], [1, 8, 1], [4, 8, 1], [4, 8, 4], [3, 7, 5], [5, 9, 17], [4, 8, 256], [4, 8, 257], [8, 16, 3],
  [13, 17, 300], [129, 65, 33], [128, 8, 512], [1, 100, 70], [100, 1, 70], [67, 130, 259], [2, 1030, 5],
  [131, 9, 600], [33, 33, 33],
];

describe.runIf(wasmSupported())('wasm matmul', () => {
  for (const la of ['n', 't'] as const) {
    for (const lb of ['n', 't'] as const) {
      it(`matches float64 for ${la === 'n' ? 'A' : 'Aᵀ'}·${lb === 'n' ? 'B' : 'Bᵀ'} on edge-tile shapes`, () => {
        let seed = 1;
        for (const [m, n, k] of SHAPES) {
          check(operand(m, k, la, seed++), operand(k, n, lb, seed++), 1, m, n, k, `${la}${lb} ${m}×${k}·${k}×${n}`);
        }
      });
    }
  }

  it('runs batches with per-matrix offsets', () => {
    const [m, n, k, batch] = [6, 10, 7, 3];
    check(operand(m, k, 'n', 11, batch), operand(k, n, 't', 12, batch), batch, m, n, k, 'batched');
  });

  it('broadcasts an operand across the batch (repeated offsets)', () => {
    const [m, n, k, batch] = [9, 12, 20, 4];
    const a = operand(m, k, 'n', 13, batch);
    const w = operand(k, n, 'n', 14);
    const b: ArrayOperand = { ...w, offsets: [3, 3, 3, 3] };
    check(a, b, batch, m, n, k, 'broadcast B');
    const a1: ArrayOperand = { ...operand(m, k, 't', 15), offsets: [3, 3, 3, 3] };
    check(a1, operand(k, n, 'n', 16, batch), batch, m, n, k, 'broadcast Aᵀ');
  });

  it('reads stride-0 (broadcast) rows and columns and negative strides', () => {
    const data = randomArray(200, 17);
    // Every row of A is the same 1×k vector; every column of B is the same k×1 vector.
    check({ data, offsets: [5], rowStride: 0, colStride: 1 }, { data, offsets: [50], rowStride: 1, colStride: 0 }, 1, 7, 11, 30, 'stride 0');
    // A read bottom-up and right-to-left.
    check({ data, offsets: [199], rowStride: -10, colStride: -1 }, operand(10, 9, 'n', 18), 1, 12, 9, 10, 'negative strides');
    // Non-unit strides on both axes (every other element of a larger array).
    check({ data, offsets: [1], rowStride: 20, colStride: 2 }, { data, offsets: [0], rowStride: 2, colStride: 22 }, 1, 9, 8, 9, 'step 2');
  });

  it('copies scattered batch offsets one matrix at a time', () => {
    const [m, n, k] = [5, 6, 7];
    const data = randomArray(100_000, 19);
    const a: ArrayOperand = { data, offsets: [10, 90_000, 40_000], rowStride: k, colStride: 1 };
    const b: ArrayOperand = { data, offsets: [99_000, 20, 60_000], rowStride: 1, colStride: k };
    check(a, b, 3, m, n, k, 'scattered');
  });

  it('k = 0 gives zeros; empty products write nothing', () => {
    const a = operand(3, 0, 'n', 20), b = operand(0, 4, 'n', 21);
    const out = new Float32Array(12).fill(7);
    wasmMatmul(a, b, out, 1, 3, 4, 0);
    expect([...out]).toEqual(new Array(12).fill(0));
    const untouched = new Float32Array(4).fill(7);
    wasmMatmul(operand(0, 5, 'n', 22), operand(5, 4, 'n', 23), untouched, 1, 0, 4, 5);
    wasmMatmul(operand(2, 5, 'n', 22), operand(5, 2, 'n', 23), untouched, 0, 2, 2, 5);
    expect([...untouched]).toEqual([7, 7, 7, 7]);
  });

  it('propagates NaN and Inf like IEEE arithmetic', () => {
    const a = operand(4, 3, 'n', 24), b = operand(3, 8, 'n', 25);
    a.data[3 + 1 * 3 + 2] = NaN; // row 1 of A
    b.data[3 + 0 * 8 + 5] = Infinity; // column 5 of B
    const out = new Float32Array(32);
    wasmMatmul(a, b, out, 1, 4, 8, 3);
    for (let j = 0; j < 8; j++) expect(out[1 * 8 + j]).toBeNaN();
    for (const i of [0, 2, 3]) expect(Math.abs(out[i * 8 + 5]!)).toBe(Infinity);
  });

  it('agrees with the TS backend on a large product, in every layout', () => {
    const [m, n, k] = [150, 140, 300];
    for (const la of ['n', 't'] as const) {
      for (const lb of ['n', 't'] as const) {
        const a = operand(m, k, la, 30), b = operand(k, n, lb, 31);
        const w = new Float32Array(m * n), t = new Float32Array(m * n);
        wasmMatmul(a, b, w, 1, m, n, k);
        tsBackend.matmul('float32', operandOf(a), operandOf(b), handleOf(t), 1, m, n, k);
        let worst = 0;
        for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(w[i]! - t[i]!));
        expect(worst, `${la}${lb}`).toBeLessThan(2e-5);
      }
    }
  });

  it('runs float32 products in wasm, not through the TS fallback', () => {
    const spy = vi.spyOn(tsBackend, 'matmul');
    check(operand(5, 6, 't', 40), operand(6, 7, 'n', 41), 1, 5, 7, 6, 'spied');
    expect(spy).not.toHaveBeenCalled();
  });

  it('delegates float64 operands to the TS backend', () => {
    const a: MatrixOperand = { buffer: handleOf(new Float64Array([1, 2, 3, 4])), offsets: [0], rowStride: 2, colStride: 1 };
    const out = new Float64Array(4);
    wasmBackend.matmul('float64', a, a, handleOf(out), 1, 2, 2, 2);
    expect([...out]).toEqual([7, 10, 15, 22]);
  });
});
