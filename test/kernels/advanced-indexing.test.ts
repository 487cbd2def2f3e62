// The indexing kernels on the Backend interface, called directly: indexGather and indexPut over strided and
// broadcast layouts with wrapped negative indices, nonzero of a strided view, scatterReduce's reductions, and the
// strided copy with negative strides that flip relies on (the wasm kernel against the TS one).
import { describe, expect, it } from 'vitest';
import type { IndexedView } from '../../src/kernels/backend.js';
import { arrayOf, handleOf as h } from '../../src/kernels/cpu/memory.js';
import { tsBackend } from '../../src/kernels/ts/index.js';
import { wasmBackend, wasmSupported } from '../../src/kernels/wasm/index.js';
import { rng, runWasmKernelsAtEverySize } from '../support/wasm.js';

const f64 = (v: number[]): Float64Array => Float64Array.from(v);
const i32 = (v: number[]): Int32Array => Int32Array.from(v);

describe('indexGather and indexPut', () => {
  // x: 3×4 row-major, 0…11. x[rows, :] with rows = [2, -3] broadcast against cols = [[1], [3]]: out[i][j] = x[rows[j], cols[i]].
  const x = f64([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  const rows = i32([2, -3]), cols = i32([1, 3]);
  const at = (buffer: Float64Array): IndexedView => ({
    x: { buffer: h(buffer), offset: 0, strides: [0, 0] },
    indices: [{ buffer: h(rows), offset: 0, strides: [0, 1] }, { buffer: h(cols), offset: 0, strides: [1, 0] }],
    sizes: [3, 4], dimStrides: [4, 1], dims: [0, 1],
  });

  it('gathers through broadcast index strides, wrapping negative indices once', () => {
    const out = new Float64Array(4);
    tsBackend.indexGather('float64', at(x), h(out), [2, 2], 'index');
    expect([...out]).toEqual([9, 1, 11, 3]);
  });

  it('writes and accumulates in row-major order (the last write wins)', () => {
    const dst = new Float64Array(12);
    tsBackend.indexPut('float64', at(dst), { buffer: h(f64([1, 2, 3, 4])), offset: 0, strides: [2, 1] }, [2, 2], false, 'indexPut');
    expect([...dst]).toEqual([0, 2, 0, 4, 0, 0, 0, 0, 0, 1, 0, 3]);
    const rep: IndexedView = { x: { buffer: h(dst), offset: 0, strides: [0] }, indices: [{ buffer: h(i32([1, 1, -1])), offset: 0, strides: [1] }], sizes: [12], dimStrides: [1], dims: [0] };
    tsBackend.indexPut('float64', rep, { buffer: h(f64([5])), offset: 0, strides: [0] }, [3], true, 'indexPut');
    expect(dst[1]).toBe(12);
    expect(dst[11]).toBe(8);
    tsBackend.indexPut('float64', rep, { buffer: h(f64([7, 8, 9])), offset: 0, strides: [1] }, [3], false, 'indexPut');
    expect(dst[1]).toBe(8);
  });

  it('checks each index against its dimension, naming it', () => {
    const bad: IndexedView = { ...at(x), indices: [{ buffer: h(i32([2, -4])), offset: 0, strides: [0, 1] }, { buffer: h(cols), offset: 0, strides: [1, 0] }] };
    expect(() => tsBackend.indexGather('float64', bad, h(new Float64Array(4)), [2, 2], 'index'))
      .toThrow('index: index -4 is out of bounds for dimension 0 with size 3: indices must be in [-3, 2] (negative ones count from the end).');
  });

  it('refuses an int32 sum that does not fit', () => {
    const dst = i32([2147483647]);
    const one: IndexedView = { x: { buffer: h(dst), offset: 0, strides: [0] }, indices: [{ buffer: h(i32([0])), offset: 0, strides: [1] }], sizes: [1], dimStrides: [1], dims: [0] };
    expect(() => tsBackend.indexPut('int32', one, { buffer: h(i32([1])), offset: 0, strides: [1] }, [1], true, 'indexPut'))
      .toThrow(/indexPut: the int32 result 2147483648 does not fit in int32/);
  });
});

describe('nonzero', () => {
  it('lists the nonzero positions of a strided view in row-major order (NaN counts)', () => {
    // The transpose of [[0, 1, 0], [NaN, 0, 2]].
    const x = f64([0, 1, 0, NaN, 0, 2]);
    const out = new Int32Array(6);
    tsBackend.nonzero('float64', { buffer: h(x), offset: 0, strides: [1, 3] }, [3, 2], h(out), 3);
    expect([...out]).toEqual([0, 1, 1, 0, 2, 1]);
  });
});

describe('scatterReduce', () => {
  const index = i32([0, 2, 0, 0]), src = f64([1, 5, -2, 4]);
  const run = (reduce: 'assign' | 'sum' | 'prod' | 'mean' | 'amax' | 'amin', includeSelf: boolean, self = [10, 20, 30]): number[] => {
    const out = f64(self);
    tsBackend.scatterReduce('float64', h(out), [3], h(index), [4], 0, h(src), reduce, includeSelf, 'scatterReduce');
    return [...out];
  };
  it.each([
    ['assign', true, [4, 20, 5]], ['sum', true, [13, 20, 35]], ['sum', false, [3, 20, 5]], ['prod', true, [-80, 20, 150]], ['prod', false, [-8, 20, 5]],
    ['mean', true, [13 / 4, 20, 35 / 2]], ['mean', false, [1, 20, 5]], ['amax', true, [10, 20, 30]], ['amax', false, [4, 20, 5]],
    ['amin', true, [-2, 20, 5]], ['amin', false, [-2, 20, 5]],
  ] as const)('%s (includeSelf %s)', (reduce, includeSelf, want) => {
    expect(run(reduce, includeSelf)).toEqual(want);
  });
  it('floors an int32 mean and lets NaN win amax', () => {
    const out = i32([1, 0]);
    tsBackend.scatterReduce('int32', h(out), [2], h(i32([0, 0])), [2], 0, h(i32([2, 4])), 'mean', true, 'scatterReduce');
    expect([...out]).toEqual([2, 0]);
    expect(run('amax', true, [NaN, 0, 0])[0]).toBeNaN();
  });
});

describe.skipIf(!wasmSupported())('the strided copy with negative strides (flip)', () => {
  runWasmKernelsAtEverySize();
  it.each([[[64, 70], [-70, -1]], [[64, 70], [-1, -64]], [[3, 40, 5], [200, -5, 1]]] as const)('shape %j, strides %j: wasm equals ts', (shape, strides) => {
    const n = shape.reduce((a: number, b: number) => a * b, 1);
    const r = rng(3);
    const src = Float32Array.from({ length: n }, () => r() * 2 - 1);
    // The first element read is the one every negative stride steps back from.
    const offset = shape.reduce((o: number, s: number, d: number) => o + (strides[d]! < 0 ? (s - 1) * -strides[d]! : 0), 0);
    const view = { buffer: h(src), offset, strides: [...strides] };
    const a = new Float32Array(n), b = new Float32Array(n);
    tsBackend.copy(view, 'float32', { buffer: h(a), offset: 0, strides: shape.map((_: number, d: number) => shape.slice(d + 1).reduce((p: number, q: number) => p * q, 1)) }, 'float32', [...shape]);
    wasmBackend.copy(view, 'float32', { buffer: h(b), offset: 0, strides: shape.map((_: number, d: number) => shape.slice(d + 1).reduce((p: number, q: number) => p * q, 1)) }, 'float32', [...shape]);
    expect([...arrayOf(h(b))]).toEqual([...a]);
    expect(a[0]).toBe(src[offset]);
  });
});
