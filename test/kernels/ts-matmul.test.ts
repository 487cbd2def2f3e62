import { describe, it, expect } from 'vitest';
import { handleOf } from '../../src/kernels/cpu/memory.js';
import { tsBackend } from '../../src/kernels/ts/index.js';
import { matmulArrays, type ArrayOperand } from '../../src/kernels/ts/matmul.js';

type FloatArray = Float32Array | Float64Array;
type FloatCtor = Float32ArrayConstructor | Float64ArrayConstructor;
type Layout = 'row' | 'col';

const DTYPES: ReadonlyArray<readonly [string, FloatCtor]> = [['float32', Float32Array], ['float64', Float64Array]];
// Relative to Σ|a·b|: float32 results differ from the float64 oracle by one final rounding; float64 ones only by
// summation order.
const RTOL = { float32: 1e-6, float64: 1e-13 } as const;

/** Deterministic uniform numbers in [-1, 1) (mulberry32). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}

/**
 * `batch` rows×cols matrices stored row-major ('row') or column-major ('col', i.e. a transposed view), starting
 * `pad` elements into the array and `gap` elements apart, so offsets are neither 0 nor contiguous.
 */
function operand(T: FloatCtor, batch: number, rows: number, cols: number, layout: Layout, seed: number, pad = 0, gap = 0): ArrayOperand {
  const size = rows * cols;
  const data = new T(pad + batch * (size + gap));
  const r = rng(seed);
  for (let i = 0; i < data.length; i++) data[i] = r();
  const offsets = Array.from({ length: batch }, (_, b) => pad + b * (size + gap));
  return layout === 'row'
    ? { data, offsets, rowStride: cols, colStride: 1 }
    : { data, offsets, rowStride: 1, colStride: rows };
}

/** The float64 triple loop straight from the contract, plus Σ|a·b| per element for the tolerance. */
function reference(a: ArrayOperand, b: ArrayOperand, batch: number, m: number, n: number, k: number) {
  const value = new Float64Array(batch * m * n);
  const scale = new Float64Array(batch * m * n);
  for (let bi = 0; bi < batch; bi++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        let abs = 0;
        for (let p = 0; p < k; p++) {
          const x = a.data[a.offsets[bi]! + i * a.rowStride + p * a.colStride]!;
          const y = b.data[b.offsets[bi]! + p * b.rowStride + j * b.colStride]!;
          s += x * y;
          abs += Math.abs(x * y);
        }
        value[bi * m * n + i * n + j] = s;
        scale[bi * m * n + i * n + j] = abs;
      }
    }
  }
  return { value, scale };
}

/** Runs the kernel into a NaN-filled output with a sentinel tail and checks every element against the oracle. */
function check(T: FloatCtor, a: ArrayOperand, b: ArrayOperand, batch: number, m: number, n: number, k: number): FloatArray {
  const len = batch * m * n;
  const out = new T(len + 3).fill(Number.NaN);
  out.fill(7, len);
  matmulArrays(a, b, out, batch, m, n, k);
  const { value, scale } = reference(a, b, batch, m, n, k);
  const rtol = T === Float32Array ? RTOL.float32 : RTOL.float64;
  let worst = 0;
  let bad = -1;
  for (let i = 0; i < len; i++) {
    const got = out[i]!;
    const want = value[i]!;
    if (!Number.isFinite(want)) {
      if (!Object.is(got, want)) bad = i;
      continue;
    }
    const err = Math.abs(got - want) / (scale[i]! + Number.MIN_VALUE);
    if (!(err <= rtol)) bad = i;
    worst = Math.max(worst, err);
  }
  expect(bad, `first mismatch at ${bad}: got ${out[bad]}, want ${value[bad]} (worst rel ${worst})`).toBe(-1);
  expect(Array.from(out.subarray(len))).toEqual([7, 7, 7]);
  return out;
}

const SHAPES: ReadonlyArray<readonly [number, number, number]> = [
  [1, 1, 1], [0, 3, 4], [3, 0, 4], [2, 3, 0], [5, 7, 3], [17, 9, 33], [64, 64, 64], [65, 63, 130],
  // Past one KC (256) block of k and one MC (128) block of m; a single row or column; fewer rows than a tile.
  [131, 37, 300], [1, 70, 257], [70, 1, 257], [3, 50, 40],
];
const LAYOUTS: ReadonlyArray<readonly [Layout, Layout]> = [['row', 'row'], ['col', 'row'], ['row', 'col'], ['col', 'col']];

describe('ts matmul', () => {
  for (const [name, T] of DTYPES) {
    describe(name, () => {
      for (const [m, n, k] of SHAPES) {
        for (const [la, lb] of LAYOUTS) {
          it(`(${m}, ${n}, ${k}) A ${la}-major, B ${lb}-major`, () => {
            check(T, operand(T, 1, m, k, la, m * 31 + k), operand(T, 1, k, n, lb, n * 17 + k + 1), 1, m, n, k);
          });
        }
      }

      it('k = 0 writes zeros', () => {
        const out = check(T, operand(T, 2, 5, 0, 'row', 1), operand(T, 2, 0, 6, 'row', 2), 2, 5, 6, 0);
        expect(Array.from(out.subarray(0, 60)).every((v) => Object.is(v, 0))).toBe(true);
      });

      it('batch 3 with distinct, non-contiguous offsets', () => {
        for (const [m, n, k] of [[5, 7, 3], [33, 21, 40], [70, 66, 260]] as const) {
          check(T, operand(T, 3, m, k, 'row', 3, 5, 11), operand(T, 3, k, n, 'col', 4, 2, 7), 3, m, n, k);
        }
      });

      it('broadcast batch: offsets [0, 0, 0] repeat one matrix', () => {
        for (const [m, n, k] of [[5, 7, 3], [40, 36, 70]] as const) {
          const a = operand(T, 3, m, k, 'row', 5);
          const b = { ...operand(T, 1, k, n, 'row', 6), offsets: [0, 0, 0] };
          const out = check(T, a, b, 3, m, n, k);
          // and with A shared too every batch entry is the same product
          const same = check(T, { ...a, offsets: [0, 0, 0] }, b, 3, m, n, k);
          expect(Array.from(same.subarray(m * n, 2 * m * n))).toEqual(Array.from(same.subarray(0, m * n)));
          expect(out.length).toBe(3 * m * n + 3);
        }
      });

      it('stride-0 broadcast rows of A and columns of B', () => {
        for (const [m, n, k] of [[6, 5, 4], [37, 45, 70]] as const) {
          const a = { ...operand(T, 1, 1, k, 'row', 7), rowStride: 0 };
          const b = { ...operand(T, 1, k, 1, 'row', 8), colStride: 0 };
          const out = check(T, a, b, 1, m, n, k);
          expect(new Set(out.subarray(0, m * n)).size).toBe(1);
          check(T, a, operand(T, 1, k, n, 'col', 9), 1, m, n, k);
          check(T, operand(T, 1, m, k, 'col', 10), b, 1, m, n, k);
        }
      });

      it('negative and non-unit strides', () => {
        for (const [m, n, k] of [[5, 6, 7], [41, 39, 50]] as const) {
          // A read backwards (last row first), B every other column of a wider matrix
          const base = operand(T, 1, m, k, 'row', 11);
          const a = { ...base, offsets: [(m - 1) * k], rowStride: -k };
          const wide = operand(T, 1, k, 2 * n, 'row', 12);
          const b = { ...wide, colStride: 2 };
          check(T, a, b, 1, m, n, k);
        }
      });

      it('non-finite values in edge tiles stay in their own outputs', () => {
        const m = 6, n = 7, k = 300;
        const a = operand(T, 1, m, k, 'row', 13);
        const b = operand(T, 1, k, n, 'row', 14);
        a.data[5 * k + 3] = Number.POSITIVE_INFINITY; // row 5 sits in a padded edge sliver
        b.data[10 * n + 6] = Number.NaN; // column 6 too
        const out = check(T, a, b, 1, m, n, k);
        expect(Number.isFinite(out[0])).toBe(true);
        expect(Number.isNaN(out[6])).toBe(true);
        expect(Number.isFinite(out[5 * n])).toBe(false);
      });

      it('shrinks scratch use for tall products and reuses it across sizes', () => {
        check(T, operand(T, 1, 1030, 5, 'row', 15), operand(T, 1, 5, 260, 'row', 16), 1, 1030, 260, 5);
        check(T, operand(T, 1, 3, 2, 'row', 17), operand(T, 1, 2, 4, 'row', 18), 1, 3, 4, 2);
        check(T, operand(T, 1, 20, 600, 'col', 19), operand(T, 1, 600, 530, 'row', 20), 1, 20, 530, 600);
      });
    });
  }

  it('float32 sums are accumulated in float64 across k blocks, not rounded per block', () => {
    // 2^25 + (k−2)·1 − 2^25: exact in float64, but rounding the first 256-long block to float32 would lose the 1s.
    const m = 8, n = 8, k = 600;
    const a = new Float32Array(m * k).fill(1);
    const b = new Float32Array(k * n).fill(1);
    for (let i = 0; i < m; i++) {
      a[i * k] = 2 ** 25;
      a[i * k + k - 1] = -(2 ** 25);
    }
    for (const direct of [false, true]) {
      // direct: the same sums through the unblocked path (n = 1)
      const nn = direct ? 1 : n;
      const out = new Float32Array(m * nn);
      matmulArrays({ data: a, offsets: [0], rowStride: k, colStride: 1 }, { data: b, offsets: [0], rowStride: n, colStride: 1 }, out, 1, m, nn, k);
      expect(Array.from(out)).toEqual(new Array<number>(m * nn).fill(k - 2));
    }
  });

  it('matches the documented example', () => {
    const out = new Float32Array(4);
    matmulArrays(
      { data: new Float32Array([1, 2, 3, 4, 5, 6]), offsets: [0], rowStride: 3, colStride: 1 },
      { data: new Float32Array([1, 0, 0, 1, 1, 1]), offsets: [0], rowStride: 2, colStride: 1 },
      out, 1, 2, 2, 3,
    );
    expect(Array.from(out)).toEqual([4, 5, 10, 11]);
  });

  it('the backend entry reads buffer handles as matmulArrays reads arrays', () => {
    for (const [name, T] of DTYPES) {
      const a = operand(T, 2, 9, 13, 'col', 21, 4, 3), b = operand(T, 2, 13, 6, 'row', 22, 1, 5);
      const want = check(T, a, b, 2, 9, 6, 13).subarray(0, 2 * 9 * 6);
      const out = new T(2 * 9 * 6);
      const handle = (x: ArrayOperand) => ({ buffer: handleOf(x.data), offsets: x.offsets, rowStride: x.rowStride, colStride: x.colStride });
      tsBackend.matmul(name === 'float32' ? 'float32' : 'float64', handle(a), handle(b), handleOf(out), 2, 9, 6, 13);
      expect(Array.from(out), name).toEqual(Array.from(want));
    }
    const out = tsBackend.alloc('float32', 4);
    tsBackend.matmul('float32',
      { buffer: tsBackend.fromHost(new Float32Array([1, 2, 3, 4, 5, 6])), offsets: [0], rowStride: 3, colStride: 1 },
      { buffer: tsBackend.fromHost(new Float32Array([1, 0, 0, 1, 1, 1])), offsets: [0], rowStride: 2, colStride: 1 },
      out, 1, 2, 2, 3);
    expect(Array.from(tsBackend.read(out, 'float32', 0, 4))).toEqual([4, 5, 10, 11]);
  });
});
