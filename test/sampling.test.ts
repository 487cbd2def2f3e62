// Creation and randomness of issue 15: the *Like functions, logspace's forms, normal, bernoulli and multinomial
// tested statistically with fixed seeds (moments and chi-square against the distribution, never PyTorch's streams),
// and the `generator` option honoured by every function that draws: same seed, same draws; the default generator
// untouched; another seed, other draws.
import { describe, expect, it } from 'vitest';
import {
  bernoulli, data, defaultGenerator, emptyLike, Generator, manualSeed, multinomial, nn, normal, rand, randint, randintLike, randLike,
  randn, randnLike, randperm, tensor, type Tensor,
} from '../src/index.js';

const mean = (v: ArrayLike<number>): number => Array.from(v).reduce((a, b) => a + b, 0) / v.length;
const variance = (v: ArrayLike<number>): number => {
  const m = mean(v);
  return Array.from(v).reduce((a, b) => a + (b - m) ** 2, 0) / (v.length - 1);
};

/** Pearson's chi-square statistic of observed counts against expected probabilities. */
function chiSquare(counts: readonly number[], probs: readonly number[]): number {
  const n = counts.reduce((a, b) => a + b, 0);
  return counts.reduce((s, c, i) => s + (c - n * probs[i]!) ** 2 / (n * probs[i]!), 0);
}
// Upper 0.1% points of chi-square, by degrees of freedom: a correct sampler exceeds them one time in a thousand.
const CHI2_999: Record<number, number> = { 1: 10.83, 2: 13.82, 3: 16.27, 4: 18.47, 5: 20.52, 9: 27.88 };

function counts(values: ArrayLike<number>, k: number): number[] {
  const c = new Array<number>(k).fill(0);
  for (let i = 0; i < values.length; i++) c[values[i]!]!++;
  return c;
}

describe('the *Like functions', () => {
  it('take the shape, dtype and device of their tensor, unless overridden', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' });
    for (const t of [randLike(x), randnLike(x), randintLike(x, 5), emptyLike(x)]) {
      expect(t.shape).toEqual([2, 3]);
      expect(t.dtype).toBe('float64');
      expect(t.device).toBe(x.device);
      expect(t.requiresGrad).toBe(false);
    }
    expect(randLike(x, { dtype: 'float32' }).dtype).toBe('float32');
    expect(randintLike(tensor([1], { dtype: 'int32' }), 3).dtype).toBe('int32');
    expect(emptyLike(x, { requiresGrad: true }).requiresGrad).toBe(true);
  });

  it('emptyLike is zero-filled', () => {
    expect(emptyLike(tensor([[7, 8]])).toArray()).toEqual([[0, 0]]);
  });

  it('randintLike draws uniformly from [low, high), integer values even for a float tensor', () => {
    const g = new Generator(3);
    const v = randintLike(tensor(new Float32Array(6000)), -2, 3, { generator: g }).data();
    expect(Array.from(v).every((x) => Number.isInteger(x) && x >= -2 && x < 3)).toBe(true);
    const c = counts(Array.from(v, (x) => x + 2), 5);
    expect(chiSquare(c, [0.2, 0.2, 0.2, 0.2, 0.2])).toBeLessThan(CHI2_999[4]!);
    expect(Array.from(randintLike(tensor([0, 0, 0, 0]), 1).data())).toEqual([0, 0, 0, 0]);
  });

  it('randLike and randnLike have the right moments', () => {
    const z = tensor(new Float64Array(20000));
    const u = randLike(z, { generator: new Generator(1) }).data(), n = randnLike(z, { generator: new Generator(2) }).data();
    expect(Math.abs(mean(u) - 0.5)).toBeLessThan(5 * Math.sqrt(1 / 12 / 20000));
    expect(Math.abs(mean(n))).toBeLessThan(5 / Math.sqrt(20000));
    expect(Math.abs(variance(n) - 1)).toBeLessThan(5 * Math.sqrt(2 / 20000));
  });

  it('randint(high, shape) draws from [0, high)', () => {
    const v = randint(4, [4000], { generator: new Generator(5) }).data();
    expect(chiSquare(counts(v, 4), [0.25, 0.25, 0.25, 0.25])).toBeLessThan(CHI2_999[3]!);
  });
});

describe('normal', () => {
  it('number mean and std with a shape: the moments of N(mean, std²)', () => {
    const v = normal(3, 2, [20000], { generator: new Generator(11), dtype: 'float64' }).data();
    expect(Math.abs(mean(v) - 3)).toBeLessThan(5 * 2 / Math.sqrt(20000));
    expect(Math.abs(variance(v) - 4)).toBeLessThan(5 * 4 * Math.sqrt(2 / 20000));
  });

  it('tensor mean and std broadcast together, one sample per element, each with its own moments', () => {
    const m = tensor([[-10], [0], [10]], { dtype: 'float64' }), s = tensor([0.5, 1, 2, 0], { dtype: 'float64' });
    const draws: number[][] = Array.from({ length: 12 }, () => []);
    const g = new Generator(12);
    for (let k = 0; k < 3000; k++) {
      const y = normal(m, s, { generator: g });
      expect(y.shape).toEqual([3, 4]);
      y.data().forEach((v, i) => draws[i]!.push(v));
    }
    draws.forEach((d, i) => {
      const mu = [-10, 0, 10][Math.floor(i / 4)]!, sd = [0.5, 1, 2, 0][i % 4]!;
      if (sd === 0) {
        expect(d.every((v) => v === mu)).toBe(true);
        return;
      }
      expect(Math.abs(mean(d) - mu)).toBeLessThan(5 * sd / Math.sqrt(d.length));
      expect(Math.abs(variance(d) / (sd * sd) - 1)).toBeLessThan(5 * Math.sqrt(2 / d.length));
    });
  });

  it('a float32 mean gives float32; a number std with a tensor mean works', () => {
    expect(normal(tensor([0, 1]), 1).dtype).toBe('float32');
    expect(normal(0, tensor([1, 2], { dtype: 'float64' })).dtype).toBe('float64');
  });

  it('sends a zero gradient to a mean and std that require grad, as PyTorch does', () => {
    const m = tensor([1, 2], { requiresGrad: true }), s = tensor([1, 1], { requiresGrad: true });
    const y = normal(m, s);
    expect(y.requiresGrad).toBe(true);
    y.sum().backward();
    expect(m.grad!.toArray()).toEqual([0, 0]);
    expect(s.grad!.toArray()).toEqual([0, 0]);
  });

  it('refuses a negative std, an integer mean, and a shape with tensor parameters', () => {
    expect(() => normal(0, -1, [2])).toThrow(/normal: expects std >= 0.0, but found std -1/);
    expect(() => normal(tensor([0]), tensor([1, -1]))).toThrow(/normal: expects all elements of std >= 0.0/);
    expect(() => normal(tensor([0], { dtype: 'int32' }), 1)).toThrow(/normal: mean must be a floating point tensor, got int32/);
    expect(() => normal(tensor([0]), 1, [3])).toThrow(/normal: a shape is only taken with a number mean and std/);
    expect(() => normal(0, 1)).toThrow(/normal: with a number mean and std, give the shape/);
  });
});

describe('bernoulli', () => {
  it('draws 1 with each element\'s probability (0 and 1 exactly)', () => {
    const p = tensor([0, 0.1, 0.5, 0.9, 1], { dtype: 'float64' });
    const sums = new Array<number>(5).fill(0);
    const g = new Generator(21), n = 4000;
    for (let k = 0; k < n; k++) bernoulli(p, { generator: g }).data().forEach((v, i) => (sums[i]! += v));
    expect(sums[0]).toBe(0);
    expect(sums[4]).toBe(n);
    [0.1, 0.5, 0.9].forEach((q, j) => expect(Math.abs(sums[j + 1]! / n - q)).toBeLessThan(5 * Math.sqrt(q * (1 - q) / n)));
  });

  it('with p, every element has probability p, in the input\'s shape and dtype', () => {
    const y = bernoulli(tensor(new Float64Array(10000)), 0.3, { generator: new Generator(22) });
    expect(y.dtype).toBe('float64');
    expect(Array.from(y.data()).every((v) => v === 0 || v === 1)).toBe(true);
    expect(Math.abs(mean(y.data()) - 0.3)).toBeLessThan(5 * Math.sqrt(0.21 / 10000));
  });

  it('refuses probabilities outside [0, 1] and integer inputs', () => {
    expect(() => bernoulli(tensor([0.5, 1.5]))).toThrow(/bernoulli: every probability must be in \[0, 1\]/);
    expect(() => bernoulli(tensor([NaN]))).toThrow(/bernoulli: every probability must be in \[0, 1\]/);
    expect(() => bernoulli(tensor([0.5]), 2)).toThrow(/bernoulli: p must be in \[0, 1\], got 2/);
    expect(() => bernoulli(tensor([1], { dtype: 'int32' }))).toThrow(/bernoulli: "bernoulli" is not implemented for int32/);
  });
});

describe('multinomial', () => {
  const w = [1, 0, 2, 3, 4];
  const p = w.map((v) => v / 10);

  it('with replacement: frequencies follow the normalised weights; zero weights are never drawn', () => {
    const s = multinomial(tensor(w), 20000, true, { generator: new Generator(31) });
    expect(s.dtype).toBe('int32');
    expect(s.shape).toEqual([20000]);
    const c = counts(s.data(), 5);
    expect(c[1]).toBe(0);
    expect(chiSquare([c[0]!, c[2]!, c[3]!, c[4]!], [0.1, 0.2, 0.3, 0.4])).toBeLessThan(CHI2_999[3]!);
  });

  it('2-d input: one row of samples per row of weights', () => {
    const s = multinomial(tensor([[1, 0, 0], [0, 0, 1], [1, 1, 0]]), 500, { replacement: true, generator: new Generator(32) });
    expect(s.shape).toEqual([3, 500]);
    const rows = s.toArray() as number[][];
    expect(rows[0]!.every((v) => v === 0)).toBe(true);
    expect(rows[1]!.every((v) => v === 2)).toBe(true);
    expect(chiSquare(counts(rows[2]!, 2), [0.5, 0.5])).toBeLessThan(CHI2_999[1]!);
  });

  it('without replacement: distinct categories, drawn in order as successive draws from the renormalised rest', () => {
    const g = new Generator(33);
    const pairs = new Map<string, number>();
    const n = 20000;
    for (let k = 0; k < n; k++) {
      const [a, b] = multinomial(tensor([1, 2, 3]), 2, { generator: g }).data();
      expect(a).not.toBe(b);
      pairs.set(`${a}${b}`, (pairs.get(`${a}${b}`) ?? 0) + 1);
    }
    // P(i then j) = w_i / W · w_j / (W − w_i).
    const W = 6, wt = [1, 2, 3];
    const keys = ['01', '02', '10', '12', '20', '21'];
    const probs = keys.map((k) => (wt[+k[0]!]! / W) * (wt[+k[1]!]! / (W - wt[+k[0]!]!)));
    expect(chiSquare(keys.map((k) => pairs.get(k) ?? 0), probs)).toBeLessThan(CHI2_999[5]!);
  });

  it('without replacement, every category once when numSamples is their number; zero weights come last', () => {
    const s = multinomial(tensor(w), 5, { generator: new Generator(34) }).data();
    expect([...s].sort()).toEqual([0, 1, 2, 3, 4]);
    expect(s[4]).toBe(1);
    const first = multinomial(tensor([0, 1, 0]), 3, { generator: new Generator(35) }).data();
    expect(first[0]).toBe(1);
    expect([first[1], first[2]]).toEqual([0, 2]);
  });

  it('the first draw without replacement follows the weights', () => {
    const g = new Generator(36);
    const firsts = Array.from({ length: 10000 }, () => multinomial(tensor(w), 2, { generator: g }).data()[0]!);
    const c = counts(firsts, 5);
    expect(c[1]).toBe(0);
    expect(chiSquare([c[0]!, c[2]!, c[3]!, c[4]!], [0.1, 0.2, 0.3, 0.4])).toBeLessThan(CHI2_999[3]!);
    void p;
  });

  it('refuses what PyTorch refuses, with its messages', () => {
    expect(() => multinomial(tensor([0, 1, 0]), 4)).toThrow(/multinomial: cannot sample n_sample > prob_dist.size\(-1\) samples without replacement/);
    expect(() => multinomial(tensor([0, 1, -1]), 1)).toThrow(/multinomial: probability tensor contains either `inf`, `nan` or element < 0/);
    expect(() => multinomial(tensor([0, 0]), 1)).toThrow(/multinomial: invalid multinomial distribution \(sum of probabilities <= 0\)/);
    expect(() => multinomial(tensor([1], { dtype: 'int32' }), 1)).toThrow(/multinomial: only supports floating-point dtypes/);
    expect(() => multinomial(tensor([[[1]]]), 1)).toThrow(/multinomial: prob_dist must be 1 or 2 dim/);
    expect(() => multinomial(tensor([1]), 0)).toThrow(/multinomial: numSamples must be a positive integer/);
    expect(() => multinomial(tensor([1]), 1, { replace: true } as never)).toThrow(/multinomial: unknown option 'replace'/);
  });
});

describe('the generator option is honoured by every function that draws', () => {
  // Each draw, given a generator (or none: the default one).
  const DRAWS: [string, (g?: Generator) => Tensor][] = [
    ['rand', (g) => rand([50], g ? { generator: g } : {})],
    ['randn', (g) => randn([50], g ? { generator: g } : {})],
    ['randint', (g) => randint(0, 1000, [50], g ? { generator: g } : {})],
    ['randperm', (g) => randperm(50, g ? { generator: g } : {})],
    ['randLike', (g) => randLike(tensor(new Float32Array(50)), g ? { generator: g } : {})],
    ['randnLike', (g) => randnLike(tensor(new Float32Array(50)), g ? { generator: g } : {})],
    ['randintLike', (g) => randintLike(tensor(new Float32Array(50)), 1000, g ? { generator: g } : {})],
    ['normal (numbers)', (g) => normal(0, 1, [50], g ? { generator: g } : {})],
    ['normal (tensors)', (g) => normal(tensor(new Float32Array(50)), 1, g ? { generator: g } : {})],
    ['bernoulli', (g) => bernoulli(tensor(new Float32Array(50).fill(0.5)), g ? { generator: g } : {})],
    ['multinomial', (g) => multinomial(tensor(new Float32Array(50).fill(1)), 20, g ? { generator: g } : {})],
    ['nn.functional.dropout', (g) => nn.functional.dropout(tensor(new Float32Array(50).fill(1)), 0.5, g ? { generator: g } : {})],
    ['nn.Dropout', (g) => new nn.Dropout(0.5, g ? { generator: g } : {}).forward(tensor(new Float32Array(50).fill(1)))],
    ['nn.init.uniform_', (g) => nn.init.uniform_(tensor(new Float32Array(50)), 0, 1, g ? { generator: g } : {})],
    ['nn.init.normal_', (g) => nn.init.normal_(tensor(new Float32Array(50)), 0, 1, g ? { generator: g } : {})],
    ['nn.init.kaimingUniform_', (g) => nn.init.kaimingUniform_(tensor(new Float32Array(50)).reshape([5, 10]), g ? { generator: g } : {})],
    ['nn.init.xavierUniform_', (g) => nn.init.xavierUniform_(tensor(new Float32Array(50)).reshape([5, 10]), 1, g ? { generator: g } : {})],
    ['nn.Linear', (g) => new nn.Linear(10, 5, g ? { generator: g } : {}).weight],
    ['data.randomSplit', (g) => {
      const ds = new data.TensorDataset(tensor(Array.from({ length: 50 }, (_, i) => i)));
      return data.randomSplit(ds, [25, 25], g ? { generator: g } : {})[0]!.tensors[0];
    }],
  ];

  it.each(DRAWS)('%s: the same seed gives the same draws, another seed others, and the default generator is untouched', (_, draw) => {
    manualSeed(123);
    const before = defaultGenerator.getState();
    const a = draw(new Generator(7)).toArray(), b = draw(new Generator(7)).toArray(), c = draw(new Generator(8)).toArray();
    expect(defaultGenerator.getState()).toEqual(before);
    expect(b).toEqual(a);
    expect(c).not.toEqual(a);
    // Without the option, the default generator draws (and moves on).
    draw();
    expect(defaultGenerator.getState()).not.toEqual(before);
  });

  it('Generator.manualSeed returns the generator, and initialSeed the seed', () => {
    const g = new Generator().manualSeed(42);
    expect(g.initialSeed()).toBe(42);
    expect(rand([3], { generator: g }).toArray()).toEqual(rand([3], { generator: new Generator(42) }).toArray());
    expect(() => new Generator(NaN)).toThrow(/Generator: the seed must be a finite number/);
  });

  it('refuses integer dtypes for continuous samples', () => {
    expect(() => rand([2], { dtype: 'int32' })).toThrow(/rand: samples of a continuous distribution need a float dtype/);
    expect(() => randnLike(tensor([1], { dtype: 'int32' }))).toThrow(/randn: samples of a continuous distribution need a float dtype/);
    expect(() => randint(0, 5, [2], { dtype: 'bool' })).toThrow(/randint: a bool result holds 0 and 1 only/);
  });
});
