// What the generated suite does not reach of the WGSL kernels for indexing, scatter with a reduction, scans,
// reductions and adaptive pooling: repeated indices (in the CPU's order, so float sums round alike), wrapped and
// out-of-range indices reported at the next read-back, int32 results that do not fit, more index tensors than a
// kernel binds buffers, and adaptive pooling whose windows overlap.
import { describe, expect, it } from 'vitest';
import { nn, tensor, type Tensor } from '../../src/index.js';

const skip = process.env.ADJOINT_WEBGPU_SKIP;

const int = (v: number[] | number[][], device = 'webgpu'): Tensor => tensor(v, { dtype: 'int32', device });
const f32 = (v: number[] | number[][], device = 'webgpu'): Tensor => tensor(v, { device });

/** The same computation on both devices: the GPU's values and the CPU's. */
async function both(make: (device: string) => Tensor): Promise<[number[], number[]]> {
  const gpu = make('webgpu');
  expect(gpu.device).toBe('webgpu');
  return [[...(await gpu.dataAsync())], [...make('cpu').data()]];
}

describe.skipIf(skip !== undefined)('WGSL indexing and scatter kernels', () => {
  it('indexPut with accumulate adds repeated indices in row-major order, rounding exactly as the CPU does', async () => {
    // 1e8 + 1 - 1e8 depends on the order in float32: the GPU must add as the CPU does.
    const values = [1e8, 1, -1e8, 3, 0.5, 2.25, 1, -7];
    const [gpu, cpu] = await both((d) => f32([0, 10, 20, 30], d).indexPut([int([1, 1, 1, 2, 1, 0, 2, 1], d)], f32(values, d), { accumulate: true }));
    expect(gpu).toEqual(cpu);
    // Element 1 in float32, one addition at a time: ((((10 + 1e8) + 1) − 1e8) + 0.5) − 7 = 1.5 (not 4.5).
    expect(cpu).toEqual([2.25, [1e8, 1, -1e8, 0.5, -7].reduce((a, v) => Math.fround(a + v), 10), 24, 30]);
    expect(cpu[1]).toBe(1.5);
  });

  it('indexPut without accumulate: the last write wins where indices repeat, also across broadcast index tensors', async () => {
    const [gpu, cpu] = await both((d) => f32([0, 0, 0, 0], d).indexPut([int([3, 1, 3, 1, 3], d)], f32([1, 2, 3, 4, 5], d)));
    expect(gpu).toEqual([0, 4, 0, 5]);
    expect(cpu).toEqual(gpu);
    const rows = (d: string): Tensor => int([[0], [1], [0]], d), cols = (d: string): Tensor => int([2, 0, 2], d);
    const [g2, c2] = await both((d) => f32([[0, 0, 0], [0, 0, 0]], d).indexPut([rows(d), cols(d)], f32([[1, 2, 3], [4, 5, 6], [7, 8, 9]], d)));
    expect(g2).toEqual(c2);
    const [g3, c3] = await both((d) => f32([[0, 0, 0], [0, 0, 0]], d).indexPut([rows(d), cols(d)], f32([[1, 2, 3], [4, 5, 6], [7, 8, 9]], d), { accumulate: true }));
    expect(g3).toEqual(c3);
  });

  it('int32 and bool indexPut accumulate: exact sums, logical or, and a sum that does not fit is refused at the read', async () => {
    const [gi, ci] = await both((d) => int([5, -5, 7], d).indexPut([int([0, 2, 0, 0], d)], int([2147483000, 3, -100, 1], d), { accumulate: true }));
    expect(gi).toEqual(ci);
    const [gb, cb] = await both((d) => tensor([false, false, true], { dtype: 'bool', device: d })
      .indexPut([int([1, 1, 0], d)], tensor([false, true, false], { dtype: 'bool', device: d }), { accumulate: true }));
    expect(gb).toEqual(cb);
    const over = int([2147483000]).indexPut([int([0, 0])], int([600, 100]), { accumulate: true });
    await expect(over.dataAsync()).rejects.toThrow(/^indexPut: .*does not fit in int32/);
  });

  it('integer-tensor indexing wraps negative indices once and reports an out-of-range one at the next read, naming its dim', async () => {
    const x = f32([[1, 2, 3], [4, 5, 6]]);
    expect(await x.index(int([-1, 0]), int([2, -3])).toArrayAsync()).toEqual([6, 1]);
    const bad = x.index(':', int([0, 3]));
    await expect(bad.dataAsync()).rejects.toThrow(/^index: index 3 is out of bounds for dimension 1 with size 3: indices must be in \[-3, 2\]/);
    const put = x.indexPut([int([-3])], 0);
    await expect(put.dataAsync()).rejects.toThrow(/^indexPut: index -3 is out of bounds for dimension 0 with size 2/);
    expect(await x.take(int([5, -6])).toArrayAsync()).toEqual([6, 1]);
    // The device carries on after the error.
    expect(await x.sum().itemAsync()).toBe(21);
  });

  it('indexes with more index tensors than a kernel binds buffers (copied into one buffer first)', async () => {
    const data = Array.from({ length: 32 }, (_, i) => i * 1.5);
    const idx = [[1, 0, 1], [0, 1, 1], [1, 1, 0], [0, 0, 1], [1, 0, 0]];
    const make = (d: string): Tensor => f32(data, d).reshape([2, 2, 2, 2, 2]);
    const [g, c] = await both((d) => make(d).index(...idx.map((v) => int(v, d))));
    expect(g).toEqual(c);
    const [gp, cp] = await both((d) => make(d).indexPut(idx.map((v) => int(v, d)), f32([7, 8, 9], d), { accumulate: true }));
    expect(gp).toEqual(cp);
  });

  it('scatterReduce: every reduction, with and without self, float32 and int32, as on the CPU', async () => {
    const index = [[0, 2, 0, 2, 0], [1, 1, 3, 1, 0]];
    const src = [[1.5, -2, 3.25, 4, -0.5], [2, NaN, 6, 7, 8]];
    for (const reduce of ['sum', 'prod', 'mean', 'amax', 'amin'] as const) {
      for (const includeSelf of [true, false]) {
        const [g, c] = await both((d) => f32([[1, 2, 3, 4], [5, 6, 7, 8]], d).scatterReduce(1, int(index, d), f32(src, d), reduce, { includeSelf }));
        expect(g.map((v, i) => (Number.isNaN(v) ? NaN : v - c[i]!)).every((e) => Number.isNaN(e) || Math.abs(e) < 1e-6), `${reduce} ${includeSelf}`).toBe(true);
        expect(g.map(Number.isNaN)).toEqual(c.map(Number.isNaN));
        const [gi, ci] = await both((d) => int([[1, 2, 3, 4], [-5, 6, 7, 8]], d).scatterReduce(1, int(index, d), int([[3, -2, 5, 4, -7], [2, 9, 6, 7, 8]], d), reduce, { includeSelf }));
        expect(gi, `int32 ${reduce} ${includeSelf}`).toEqual(ci);
      }
    }
  });

  it('scatter: the last write wins where indices repeat; a bad index is reported at the next read', async () => {
    const [g, c] = await both((d) => f32([[0, 0, 0, 0]], d).scatter(1, int([[2, 2, 1, 2]], d), f32([[1, 2, 3, 4]], d)));
    expect(g).toEqual([0, 3, 4, 0]);
    expect(c).toEqual(g);
    const bad = f32([[0, 0, 0, 0]]).scatter(1, int([[1, 4]]), 1);
    await expect(bad.dataAsync()).rejects.toThrow(/^scatter: index 4 is out of bounds for dimension 1 with size 4/);
    const overflow = int([2147483000]).scatterReduce(0, int([0, 0]), int([600, 100]), 'sum');
    await expect(overflow.dataAsync()).rejects.toThrow(/^scatterReduce: .*does not fit in int32/);
  });

  it('embedding checks its indices on the GPU and names the bad one at the next read', async () => {
    const emb = new nn.Embedding(4, 2);
    const out = emb.forward(int([[0, 9]]));
    await expect(out.dataAsync()).rejects.toThrow(/^embedding: index 9 is out of range for 4 embeddings/);
    expect((await emb.forward(int([3])).dataAsync()).length).toBe(2);
  });
});

describe.skipIf(skip !== undefined)('WGSL scans, reductions and adaptive pooling', () => {
  it('int32 cumsum, cumprod and prod are exact, and refuse a running value that does not fit at the next read', async () => {
    expect(await int([3, -7, 2147483000, 600]).cumsum(0).toArrayAsync()).toEqual([3, -4, 2147482996, 2147483596]);
    await expect(int([2147483000, 700]).cumsum(0).dataAsync()).rejects.toThrow(/^cumsum: the running int32 sum reaches 2147483700, which does not fit/);
    await expect(int([65536, 65536, 0]).cumprod(0).dataAsync()).rejects.toThrow(/^cumprod: the running int32 product reaches 4294967296/);
    expect(await int([65536, 65536, 0]).prod().itemAsync()).toBe(0);
    await expect(int([65536, -65536, 3]).prod().dataAsync()).rejects.toThrow(/^prod: the int32 product does not fit in int32/);
    expect(await int([-2147483647, 1, -1]).prod().itemAsync()).toBe(2147483647);
  });

  it('all and any test for nonzero (NaN and -0 included) along long rows too', async () => {
    const row = Array.from({ length: 300 }, (_, i) => (i === 299 ? 0 : i + 1));
    const [g, c] = await both((d) => f32([row, row.map(() => -0), row.map((_, i) => (i === 5 ? NaN : 0))], d).all(1));
    expect(g).toEqual(c);
    const [ga, ca] = await both((d) => f32([row, row.map(() => -0), row.map((_, i) => (i === 5 ? NaN : 0))], d).any(1));
    expect(ga).toEqual(ca);
    expect(ga).toEqual([1, 0, 1]);
  });

  it('fmod, remainder and floorDivide are exact in float32 (huge quotients, signs, zeros, infinities) and in int32', async () => {
    const a = [1e30, -1e30, 7.5, -7.5, 7.5, -7.5, 0, -0, 5, 5, Infinity, 3, 3e-40, 1.1754944e-38, 123456.789, -2.5, NaN, 2];
    const b = [3.7, 3.7, 2, 2, -2, -2, 3, 3, 0, Infinity, 3, -Infinity, 7e-41, 3e-39, 0.001, -0.25, 1, NaN];
    for (const op of ['fmod', 'remainder', 'floorDivide'] as const) {
      // fmod and remainder are integer arithmetic on the bits, exact for subnormals too; floorDivide divides in
      // float32, and WGSL lets a GPU flush subnormal operands to zero (SwiftShader does), so it skips those two.
      const keep = (_: number, i: number): boolean => op !== 'floorDivide' || (i !== 12 && i !== 13);
      const [g, c] = await both((d) => f32(a.filter(keep), d)[op](f32(b.filter(keep), d)));
      expect(g.map((v) => Object.is(v, -0) ? '-0' : v), op).toEqual(c.map((v) => Object.is(v, -0) ? '-0' : v));
    }
    const ia = [7, -7, 7, -7, -2147483647 - 1, 0, 13], ib = [3, 3, -3, -3, -1, 5, -4];
    for (const op of ['fmod', 'remainder', 'floorDivide'] as const) {
      const [g, c] = await both((d) => int(ia, d)[op](int(ib, d)));
      expect(g, op).toEqual(c);
    }
    await expect(int([4, 5]).remainder(int([2, 0])).dataAsync()).rejects.toThrow(/^remainder: integer division by zero \(5 by 0/);
  });

  it('erfinv is within float32 roundings of the CPU, into the tails', async () => {
    const y = [-1, -0.999999, -0.9, -0.3, -0, 0, 1e-6, 0.2, 0.75, 0.99, 0.99999, 1, 1.5, NaN];
    const [g, c] = await both((d) => f32(y, d).erfinv());
    g.forEach((v, i) => (Number.isFinite(c[i]!) ? expect(Math.abs(v - c[i]!)).toBeLessThan(2e-6 * Math.max(1, Math.abs(c[i]!))) : expect(v).toBe(c[i])));
  });

  it('adaptive average and max pooling with overlapping windows match the CPU', async () => {
    const data = Array.from({ length: 2 * 3 * 7 * 5 }, (_, i) => Math.cos(i * 0.71));
    const make = (d: string): Tensor => f32(data, d).reshape([2, 3, 7, 5]);
    const [ga, ca] = await both((d) => nn.functional.adaptiveAvgPool2d(make(d), [3, 4]));
    ga.forEach((v, i) => expect(v).toBeCloseTo(ca[i]!, 5));
    const [gm, cm] = await both((d) => nn.functional.adaptiveMaxPool2d(make(d), [4, 3]));
    expect(gm).toEqual(cm);
  });
});
