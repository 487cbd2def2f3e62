// Creation, readout, dtype promotion and printing of tensors.
import { describe, expect, it } from 'vitest';
import {
  Generator, arange, eye, full, linspace, manualSeed, ones, onesLike, rand, randint, randn, randperm, tensor, zeros,
  zerosLike, type Tensor,
} from '../src/index.js';

function stats(t: Tensor): { mean: number; std: number } {
  const d = Array.from(t.data());
  const mean = d.reduce((a, b) => a + b, 0) / d.length;
  const variance = d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length;
  return { mean, std: Math.sqrt(variance) };
}

describe('tensor()', () => {
  it('from a number: 0-d float32', () => {
    const t = tensor(3.5);
    expect(t.shape).toEqual([]);
    expect(t.ndim).toBe(0);
    expect(t.size).toBe(1);
    expect(t.dtype).toBe('float32');
    expect(t.item()).toBe(3.5);
    expect(t.toArray()).toBe(3.5);
    expect(tensor(true).dtype).toBe('bool');
    expect(tensor(true).toArray()).toBe(true);
  });

  it('from nested arrays', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(t.shape).toEqual([2, 3]);
    expect(t.ndim).toBe(2);
    expect(t.size).toBe(6);
    expect(t.numel()).toBe(6);
    expect(t.nbytes).toBe(24);
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(Array.from(t.data())).toEqual([1, 2, 3, 4, 5, 6]);
    const deep = tensor([[[1], [2]], [[3], [4]]]);
    expect(deep.shape).toEqual([2, 2, 1]);
    expect(tensor([]).shape).toEqual([0]);
    expect(tensor([[], []]).shape).toEqual([2, 0]);
  });

  it('stores float32 values rounded to float32', () => {
    expect(tensor([0.1]).item()).toBe(Math.fround(0.1));
    expect(tensor([0.1], { dtype: 'float64' }).item()).toBe(0.1);
  });

  it('from flat data and a shape', () => {
    const t = tensor([1, 2, 3, 4, 5, 6], { shape: [3, 2] });
    expect(t.shape).toEqual([3, 2]);
    expect(t.toArray()).toEqual([[1, 2], [3, 4], [5, 6]]);
    expect(tensor([7], { shape: [] }).toArray()).toBe(7);
  });

  it('from typed arrays, keeping their dtype, and copying', () => {
    const f64 = new Float64Array([1.5, 2.5]);
    const a = tensor(f64);
    expect(a.dtype).toBe('float64');
    expect(a.shape).toEqual([2]);
    f64[0] = 100;
    expect(a.toArray()).toEqual([1.5, 2.5]);
    expect(tensor(new Float32Array([1, 2])).dtype).toBe('float32');
    expect(tensor(new Int32Array([1, 2])).dtype).toBe('int32');
    expect(tensor(new Uint8Array([0, 2])).dtype).toBe('bool');
    expect(tensor(new Uint8Array([0, 2])).toArray()).toEqual([false, true]);
    const shaped = tensor(new Int32Array([1, 2, 3, 4, 5, 6]), { shape: [2, 3] });
    expect(shaped.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    const converted = tensor(new Int32Array([1, 2]), { dtype: 'float64' });
    expect(converted.dtype).toBe('float64');
    expect(converted.data()).toBeInstanceOf(Float64Array);
  });

  it('with explicit dtypes: int32 truncates, bool tests nonzero', () => {
    const i = tensor([1.7, -1.7, 3], { dtype: 'int32' });
    expect(i.dtype).toBe('int32');
    expect(i.toArray()).toEqual([1, -1, 3]);
    expect(tensor([0, 2, -1], { dtype: 'bool' }).toArray()).toEqual([false, true, true]);
    expect(tensor([1, 2], { dtype: 'float64' }).data()).toBeInstanceOf(Float64Array);
  });

  it('booleans give bool; booleans mixed with numbers give float32', () => {
    const b = tensor([true, false]);
    expect(b.dtype).toBe('bool');
    expect(b.toArray()).toEqual([true, false]);
    const mixed = tensor([true, 2] as never);
    expect(mixed.dtype).toBe('float32');
    expect(mixed.toArray()).toEqual([1, 2]);
  });

  it('from another tensor: a copy', () => {
    const src = tensor([1, 2]);
    const copy = tensor(src, { dtype: 'float64' });
    expect(copy.dtype).toBe('float64');
    src.add_(10);
    expect(copy.toArray()).toEqual([1, 2]);
  });

  it('requiresGrad option makes a leaf', () => {
    const t = tensor([1, 2], { requiresGrad: true });
    expect(t.requiresGrad).toBe(true);
    expect(t.isLeaf).toBe(true);
    expect(t.grad).toBeNull();
  });
});

describe('creation functions', () => {
  it('zeros, ones, full', () => {
    const z = zeros([2, 3]);
    expect(z.shape).toEqual([2, 3]);
    expect(z.dtype).toBe('float32');
    expect(Array.from(z.data())).toEqual([0, 0, 0, 0, 0, 0]);
    const o = ones([3], { dtype: 'int32' });
    expect(o.dtype).toBe('int32');
    expect(o.toArray()).toEqual([1, 1, 1]);
    const f = full([2, 2], 7.5, { dtype: 'float64' });
    expect(f.toArray()).toEqual([[7.5, 7.5], [7.5, 7.5]]);
    expect(full([2], 3, { dtype: 'bool' }).toArray()).toEqual([true, true]);
    expect(zeros([]).shape).toEqual([]);
    expect(zeros([0, 4]).size).toBe(0);
    expect(ones([2], { requiresGrad: true }).requiresGrad).toBe(true);
  });

  it('arange: integer arguments give int32, fractional steps float32', () => {
    const a = arange(5);
    expect(a.dtype).toBe('int32');
    expect(a.toArray()).toEqual([0, 1, 2, 3, 4]);
    expect(arange(2, 5).toArray()).toEqual([2, 3, 4]);
    expect(arange(10, 0, -3).toArray()).toEqual([10, 7, 4, 1]);
    const f = arange(0, 1, 0.25);
    expect(f.dtype).toBe('float32');
    expect(f.toArray()).toEqual([0, 0.25, 0.5, 0.75]);
    const tenth = arange(0, 1, 0.1);
    expect(tenth.size).toBe(10);
    expect(tenth.data()[9]).toBeCloseTo(0.9, 6);
    expect(arange(0.5, 3).dtype).toBe('float32');
    expect(arange(0.5, 3).toArray()).toEqual([0.5, 1.5, 2.5]);
    expect(arange(3, undefined, 1, { dtype: 'float64' }).dtype).toBe('float64');
    expect(arange(0).size).toBe(0);
  });

  it('arange: the options may follow any of the numbers, as keywords do in PyTorch', () => {
    const a = arange(3, { dtype: 'float64' });
    expect([a.dtype, a.toArray()]).toEqual(['float64', [0, 1, 2]]);
    const b = arange(1, 4, { dtype: 'float32', requiresGrad: true });
    expect([b.dtype, b.requiresGrad, b.toArray()]).toEqual(['float32', true, [1, 2, 3]]);
    expect(arange(0, 6, 2, { dtype: 'float64' }).toArray()).toEqual([0, 2, 4]);
    expect(() => arange(3, { dype: 'float64' } as never)).toThrow("arange: unknown option 'dype'");
    expect(() => arange(1, 2, 3, 4 as never)).toThrow('arange: expected arange(end), arange(start, end) or arange(start, end, step), then the options; got 4 arguments.');
    expect(() => arange(1, '4' as never)).toThrow("arange: end must be a number, got");
  });

  it('linspace includes both ends', () => {
    const l = linspace(0, 1, 5);
    expect(l.dtype).toBe('float32');
    expect(l.toArray()).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(linspace(-1, 1, 3).toArray()).toEqual([-1, 0, 1]);
    expect(linspace(2, 3, 1).toArray()).toEqual([2]);
    expect(linspace(2, 3, 0).size).toBe(0);
  });

  it('eye, square and rectangular', () => {
    expect(eye(3).toArray()).toEqual([[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    expect(eye(2, 3).toArray()).toEqual([[1, 0, 0], [0, 1, 0]]);
    expect(eye(2, 2, { dtype: 'int32' }).dtype).toBe('int32');
  });

  it('zerosLike and onesLike keep shape and dtype unless told otherwise', () => {
    const src = tensor([[1, 2, 3]], { dtype: 'float64' });
    const z = zerosLike(src);
    expect(z.shape).toEqual([1, 3]);
    expect(z.dtype).toBe('float64');
    expect(z.toArray()).toEqual([[0, 0, 0]]);
    const o = onesLike(src, { dtype: 'int32' });
    expect(o.dtype).toBe('int32');
    expect(o.toArray()).toEqual([[1, 1, 1]]);
    expect(zerosLike(tensor([1], { requiresGrad: true })).requiresGrad).toBe(false);
  });

  it('rand: shape and range', () => {
    const r = rand([100, 3]);
    expect(r.shape).toEqual([100, 3]);
    expect(r.dtype).toBe('float32');
    for (const v of r.data()) {
      expect(v).toBeGreaterThanOrEqual(0);
      expect(v).toBeLessThan(1);
    }
    const { mean } = stats(rand([10_000], { dtype: 'float64' }));
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.02);
  });

  it('manualSeed makes random tensors repeat', () => {
    manualSeed(42);
    const a = randn([5]);
    const b = rand([3]);
    manualSeed(42);
    expect(randn([5]).toArray()).toEqual(a.toArray());
    expect(rand([3]).toArray()).toEqual(b.toArray());
    manualSeed(43);
    expect(randn([5]).toArray()).not.toEqual(a.toArray());
  });

  it('an explicit generator is independent of the global one', () => {
    const g1 = new Generator(7), g2 = new Generator(7);
    const a = randn([4], { generator: g1 });
    manualSeed(1);
    randn([10]);
    expect(randn([4], { generator: g2 }).toArray()).toEqual(a.toArray());
  });

  it('randn: mean ≈ 0 and std ≈ 1 over 10k samples', () => {
    manualSeed(0);
    const r = randn([100, 100], { dtype: 'float64' });
    expect(r.shape).toEqual([100, 100]);
    const { mean, std } = stats(r);
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(Math.abs(std - 1)).toBeLessThan(0.05);
    // Roughly 68% within one standard deviation.
    const within = Array.from(r.data()).filter((v) => Math.abs(v) < 1).length / r.size;
    expect(within).toBeGreaterThan(0.66);
    expect(within).toBeLessThan(0.7);
  });

  it('randint stays in [low, high) and hits every value', () => {
    manualSeed(3);
    const r = randint(3, 7, [1000]);
    expect(r.dtype).toBe('int32');
    const seen = new Set<number>();
    for (const v of r.data()) {
      expect(Number.isInteger(v)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(3);
      expect(v).toBeLessThan(7);
      seen.add(v);
    }
    expect([...seen].sort()).toEqual([3, 4, 5, 6]);
    expect(randint(-2, 0, [2, 5]).shape).toEqual([2, 5]);
  });

  it('randperm is a permutation', () => {
    manualSeed(5);
    const p = randperm(50);
    expect(p.dtype).toBe('int32');
    expect(p.shape).toEqual([50]);
    const values = Array.from(p.data());
    expect([...values].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(values).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(randperm(0).size).toBe(0);
    expect(randperm(1).toArray()).toEqual([0]);
  });
});

describe('readout', () => {
  it('data() is a row-major copy, also of views', () => {
    const t = tensor([[1, 2, 3], [4, 5, 6]]);
    const d = t.data();
    expect(d).toBeInstanceOf(Float32Array);
    d[0] = 99;
    expect(t.toArray()).toEqual([[1, 2, 3], [4, 5, 6]]);
    const tr = t.transpose(0, 1);
    expect(tr.shape).toEqual([3, 2]);
    expect(Array.from(tr.data())).toEqual([1, 4, 2, 5, 3, 6]);
    expect(tr.toArray()).toEqual([[1, 4], [2, 5], [3, 6]]);
    expect(Array.from(t.narrow(1, 1, 2).data())).toEqual([2, 3, 5, 6]);
    expect(Array.from(tensor([1, 2]).expand([2, 2]).data())).toEqual([1, 2, 1, 2]);
  });

  it('item() on any one-element tensor', () => {
    expect(tensor([[4]]).item()).toBe(4);
    expect(tensor([5], { dtype: 'int32' }).item()).toBe(5);
    expect(tensor([true]).item()).toBe(1);
    expect(tensor([[1, 2], [3, 4]]).narrow(0, 1, 1).narrow(1, 1, 1).item()).toBe(4);
  });

  it('toArray of int32 and bool tensors', () => {
    expect(tensor([[1, 2]], { dtype: 'int32' }).toArray()).toEqual([[1, 2]]);
    expect(tensor([1, 2]).gt(1).toArray()).toEqual([false, true]);
  });
});

describe('dtype promotion', () => {
  const f32 = tensor([1, 2]);
  const f64 = tensor([1, 2], { dtype: 'float64' });
  const i32 = tensor([1, 2], { dtype: 'int32' });
  const b = tensor([true, false]);

  it('between tensors', () => {
    expect(f32.add(f64).dtype).toBe('float64');
    expect(f64.mul(f32).dtype).toBe('float64');
    expect(i32.add(f32).dtype).toBe('float32');
    expect(i32.add(f64).dtype).toBe('float64');
    expect(i32.add(i32).dtype).toBe('int32');
    // bool + bool is logical or and stays bool, as in PyTorch.
    expect(b.add(b).dtype).toBe('bool');
    expect(b.add(b).toArray()).toEqual([true, false]);
    expect(b.add(i32).dtype).toBe('int32');
    expect(b.mul(f32).dtype).toBe('float32');
  });

  it('with JS numbers', () => {
    expect(i32.add(0.5).dtype).toBe('float32');
    expect(i32.add(0.5).toArray()).toEqual([1.5, 2.5]);
    expect(i32.add(1).dtype).toBe('int32');
    expect(f32.add(2.5).dtype).toBe('float32');
    expect(f32.mul(1e300).dtype).toBe('float32');
    expect(f64.add(1).dtype).toBe('float64');
    expect(b.add(1).dtype).toBe('int32');
  });

  it('true division of integers gives float32', () => {
    const q = i32.div(tensor([2, 4], { dtype: 'int32' }));
    expect(q.dtype).toBe('float32');
    expect(q.toArray()).toEqual([0.5, 0.5]);
    expect(i32.div(2).dtype).toBe('float32');
  });

  it('comparisons give bool', () => {
    expect(f32.lt(2).dtype).toBe('bool');
    expect(f32.lt(2).toArray()).toEqual([true, false]);
    expect(i32.eq(f64).dtype).toBe('bool');
    expect(i32.eq(f64).toArray()).toEqual([true, true]);
    expect(f64.ge(tensor([2, 2], { dtype: 'float64' })).toArray()).toEqual([false, true]);
  });

  it('unary float ops on int32 give float32', () => {
    expect(i32.exp().dtype).toBe('float32');
    expect(i32.neg().dtype).toBe('int32');
  });
});

describe('toString', () => {
  it('integral values print as 1., decimals with 4 places', () => {
    expect(String(tensor([1, 2]))).toBe('tensor([1., 2.])');
    expect(String(tensor([1.5, 2.25]))).toBe('tensor([1.5000, 2.2500])');
    expect(String(tensor([1, 2.5]))).toBe('tensor([1.0000, 2.5000])');
    expect(String(tensor([-1.5, 0, 2]))).toBe('tensor([-1.5000,  0.0000,  2.0000])');
  });

  it('0-d tensors', () => {
    expect(String(tensor(3))).toBe('tensor(3.)');
    expect(String(tensor(3.25))).toBe('tensor(3.2500)');
  });

  it('2-d tensors on aligned rows', () => {
    expect(String(tensor([[1, 2], [3, 4]]))).toBe('tensor([[1., 2.],\n        [3., 4.]])');
    expect(String(tensor([[1, -20], [300, 4]]))).toBe('tensor([[  1., -20.],\n        [300.,   4.]])');
  });

  it('gradFn and requiresGrad suffixes', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    expect(String(x)).toBe('tensor([1., 2.], requiresGrad=true)');
    expect(String(x.mul(2))).toBe('tensor([2., 4.], gradFn=<MulBackward0>)');
    expect(String(x.detach())).toBe('tensor([1., 2.])');
  });

  it('dtype suffixes: int32 and float64 shown, float32 and bool not', () => {
    expect(String(tensor([1, 2], { dtype: 'int32' }))).toBe('tensor([1, 2], dtype=int32)');
    expect(String(tensor([1, 2], { dtype: 'float64' }))).toBe('tensor([1., 2.], dtype=float64)');
    expect(String(tensor([true, false]))).toBe('tensor([ True, False])');
    expect(`${tensor(0.5, { dtype: 'float64', requiresGrad: true })}`).toBe('tensor(0.5000, dtype=float64, requiresGrad=true)');
  });
});
