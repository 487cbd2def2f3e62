import { describe, expect, it } from 'vitest';
import { arange, data, Generator, manualSeed, tensor, type Tensor } from '../src/index.js';

function dataset(n: number): data.TensorDataset<[Tensor, Tensor]> {
  // x row i is [i, 10·i], y is i: a batch shows which samples it holds and that x and y stay paired.
  const x = tensor(Array.from({ length: n }, (_, i) => [i, 10 * i]));
  return new data.TensorDataset(x, arange(n));
}

function epoch(loader: data.DataLoader<[Tensor, Tensor]>): number[][] {
  return [...loader].map(([xb, yb]) => {
    const ids = yb.toArray() as number[];
    expect(xb.toArray()).toEqual(ids.map((i) => [i, 10 * i]));
    return ids;
  });
}

describe('TensorDataset', () => {
  it('indexes samples and checks that the tensors agree in length', () => {
    const ds = dataset(5);
    expect(ds.length).toBe(5);
    const [x, y] = ds.get(3);
    expect(x.toArray()).toEqual([3, 30]);
    expect(y.toArray()).toBe(3);
    expect(ds.get(-1)[1].toArray()).toBe(4);
    expect(() => ds.get(5)).toThrow(/out of range for 5 samples/);
    expect(() => new data.TensorDataset(tensor([1, 2]), tensor([1, 2, 3]))).toThrow(/same size in dim 0.*\[2\].*\[3\]/);
  });
});

describe('DataLoader', () => {
  it('batches in order and keeps the last partial batch unless dropLast', () => {
    const loader = new data.DataLoader(dataset(10), { batchSize: 4 });
    expect(loader.length).toBe(3);
    expect(epoch(loader)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]);
    const dropping = new data.DataLoader(dataset(10), { batchSize: 4, dropLast: true });
    expect(dropping.length).toBe(2);
    expect(epoch(dropping)).toEqual([[0, 1, 2, 3], [4, 5, 6, 7]]);
    expect(epoch(new data.DataLoader(dataset(3)))).toEqual([[0], [1], [2]]);
  });

  it('shuffles every epoch differently, deterministically for a seed, covering each sample once', () => {
    const a = new data.DataLoader(dataset(50), { batchSize: 8, shuffle: true, seed: 42 });
    const b = new data.DataLoader(dataset(50), { batchSize: 8, shuffle: true, seed: 42 });
    const a1 = epoch(a), a2 = epoch(a);
    expect(epoch(b)).toEqual(a1);
    expect(epoch(b)).toEqual(a2);
    expect(a2).not.toEqual(a1);
    for (const e of [a1, a2]) {
      expect(e.map((batch) => batch.length)).toEqual([8, 8, 8, 8, 8, 8, 2]);
      expect(e.flat().sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    }
    expect(a1.flat()).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
    const c = epoch(new data.DataLoader(dataset(50), { batchSize: 8, shuffle: true, seed: 43 }));
    expect(c).not.toEqual(a1);
  });

  it('draws from the global generator (seeded by manualSeed) or a given one', () => {
    manualSeed(5);
    const first = epoch(new data.DataLoader(dataset(20), { batchSize: 20, shuffle: true }));
    manualSeed(5);
    expect(epoch(new data.DataLoader(dataset(20), { batchSize: 20, shuffle: true }))).toEqual(first);
    const g1 = new Generator(9), g2 = new Generator(9);
    expect(epoch(new data.DataLoader(dataset(20), { batchSize: 6, shuffle: true, generator: g1 })))
      .toEqual(epoch(new data.DataLoader(dataset(20), { batchSize: 6, shuffle: true, generator: g2 })));
  });

  it('rejects a bad batch size', () => {
    expect(() => new data.DataLoader(dataset(3), { batchSize: 0 })).toThrow(/batchSize must be a positive integer/);
  });
});

describe('randomSplit', () => {
  it('splits into disjoint random parts that cover the dataset', () => {
    const [a, b] = data.randomSplit(dataset(30), [20, 10], { generator: new Generator(0) });
    const ids = [...(a!.tensors[1].toArray() as number[]), ...(b!.tensors[1].toArray() as number[])];
    expect(a!.length).toBe(20);
    expect(ids.sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(a!.tensors[0].toArray()).toEqual((a!.tensors[1].toArray() as number[]).map((i) => [i, 10 * i]));
    const [again] = data.randomSplit(dataset(30), [20, 10], { generator: new Generator(0) });
    expect(again!.tensors[1].toArray()).toEqual(a!.tensors[1].toArray());
    expect(() => data.randomSplit(dataset(30), [20, 5])).toThrow(/adding up to the dataset's 30 samples/);
  });
});
