// Reductions, scans and sorting (issue 15, part B) beyond the generated suite: PyTorch's rules at ties, NaN and
// zeros, exact int32 accumulation, numerical soundness of var, and misuse with the messages it gets.
import { describe, expect, it } from 'vitest';
import {
  argsort, cumsum, grad, gradgradcheck, linalg, linalgMatrixNorm, linalgVectorNorm, max, median, prod, sort, tensor, topk, unique, zeros,
  type Tensor,
} from '../src/index.js';

/** The message of the error `fn` throws (and a failure when it throws none). */
const err = (fn: () => unknown): string => {
  try { fn(); } catch (e) { return (e as Error).message; }
  throw new Error('expected an error');
};

/** Plain data of a tensor, NaN kept. */
const values = (t: Tensor | null): number[] => [...t!.data()].map(Number);

describe('ties and NaN, as PyTorch', () => {
  it('max(dim) and min(dim) pick the first extreme and the first NaN; max() shares its gradient among ties', () => {
    const x = tensor([[1, 3, 3, 2, 3], [2, 2, 1, 1, 0]], { dtype: 'float64', requiresGrad: true });
    const { values: v, indices } = x.max(1);
    expect(values(v)).toEqual([3, 2]);
    expect(values(indices)).toEqual([1, 0]);
    expect(values(x.min(1).indices)).toEqual([0, 4]);
    expect(values(x.max(1, true).indices)).toEqual([1, 0]);
    expect(x.max(1, true).values.shape).toEqual([2, 1]);
    const [g] = grad(x.max(), [x]);
    expect(values(g!)).toEqual([0, 1 / 3, 1 / 3, 0, 1 / 3, 0, 0, 0, 0, 0]);
    const y = tensor([3, NaN, 1, NaN, 2]);
    expect(values(y.max(0).indices)).toEqual([1]);
    expect(values(y.min(0).values)).toEqual([NaN]);
  });

  it('amax over several dims shares the gradient evenly among ties', () => {
    const x = tensor([[1, 5], [5, 2]], { dtype: 'float64', requiresGrad: true });
    x.amax([0, 1]).backward();
    expect(values(x.grad)).toEqual([0, 0.5, 0.5, 0]);
  });

  it('sort is stable, NaN last ascending and first descending', () => {
    const x = tensor([3, NaN, 1, NaN, 2, 1]);
    expect(values(x.argsort())).toEqual([2, 5, 4, 0, 1, 3]);
    expect(values(sort(x, 0, { descending: true }).indices)).toEqual([1, 3, 0, 4, 2, 5]);
    expect(values(sort(x).values)).toEqual([1, 1, 2, 3, NaN, NaN]);
    expect(values(argsort(tensor([2, 1, 2, 1]), -1, { descending: true }))).toEqual([0, 2, 1, 3]);
    expect(values(tensor([2, 1, 2, 1]).sort({ descending: true }).indices)).toEqual([0, 2, 1, 3]);
  });

  it('topk puts NaN first among the largest and keeps the earlier of equal elements first', () => {
    const x = tensor([2, NaN, 5, 5, 1]);
    expect(values(topk(x, 3).indices)).toEqual([1, 2, 3]);
    expect(values(topk(x, 2, 0, { largest: false }).values)).toEqual([1, 2]);
  });

  it('cummax takes the later index on ties, and a NaN sticks', () => {
    const { values: v, indices } = tensor([1, 3, 3, 2, NaN, 5]).cummax(0);
    expect(values(v)).toEqual([1, 3, 3, 3, NaN, NaN]);
    expect(values(indices)).toEqual([0, 1, 2, 2, 4, 4]);
  });

  it("cummax's gradient adds up at the index each output came from", () => {
    const x = tensor([1, 3, 2, 0.5], { dtype: 'float64', requiresGrad: true });
    x.cummax(0).values.backward(tensor([1, 2, 3, 4], { dtype: 'float64' }));
    expect(values(x.grad)).toEqual([1, 9, 0, 0]);
  });

  it('median is the lower median; NaN propagates with the index of the first NaN; median() of nothing is NaN', () => {
    expect(values(median(tensor([4, 1, 3, 2])))).toEqual([2]);
    const { values: v, indices } = tensor([[4, NaN, 1, NaN]]).median(1);
    expect(values(v)).toEqual([NaN]);
    expect(values(indices)).toEqual([1]);
    expect(values(zeros([0]).median())).toEqual([NaN]);
  });

  it('median() shares its gradient among the elements equal to it', () => {
    const x = tensor([2, 1, 2, 3, 2], { dtype: 'float64', requiresGrad: true });
    x.median().backward();
    expect(values(x.grad)).toEqual([1 / 3, 0, 1 / 3, 0, 1 / 3]);
  });

  it('all and any count NaN as true; reductions of bool and int32', () => {
    expect(values(tensor([1, NaN]).all())).toEqual([1]);
    expect(values(tensor([0, NaN]).any())).toEqual([1]);
    expect(tensor([0, 1]).all().dtype).toBe('bool');
    expect(values(tensor([[true, false], [true, true]]).all(1))).toEqual([0, 1]);
    expect(values(tensor([0, 0], { dtype: 'int32' }).any())).toEqual([0]);
  });

  it('nansum and nanmean leave NaN out; their gradient is 0 there', () => {
    const x = tensor([1, NaN, 3], { dtype: 'float64', requiresGrad: true });
    x.nanmean().backward();
    expect(values(x.grad)).toEqual([0.5, 0, 0.5]);
    expect(values(tensor([NaN, NaN]).nansum())).toEqual([0]);
    expect(values(tensor([NaN]).nanmean())).toEqual([NaN]);
  });
});

describe('exact int32 accumulation', () => {
  it('prod and cumsum of int32 and bool stay exact int32', () => {
    const x = tensor([46340, 46340], { dtype: 'int32' });
    expect(x.prod().dtype).toBe('int32');
    expect(values(x.prod())).toEqual([46340 * 46340]);
    expect(values(tensor([true, true, false]).cumsum(0))).toEqual([1, 2, 2]);
    expect(tensor([true]).cumsum(0).dtype).toBe('int32');
    expect(values(tensor([2 ** 30, 2 ** 30 - 1, -5], { dtype: 'int32' }).cumsum(0))).toEqual([2 ** 30, 2 ** 31 - 1, 2 ** 31 - 6]);
    expect(values(tensor([-7, 3, 0, 5], { dtype: 'int32' }).cumprod(0))).toEqual([-7, -21, 0, 0]);
  });

  it('a product that leaves int32 and then meets a zero is 0, as the exact product', () => {
    expect(values(tensor([65536, 65536, 0], { dtype: 'int32' }).prod())).toEqual([0]);
    expect(values(tensor([[65536, 65536, 0], [1, 2, 3]], { dtype: 'int32' }).prod(1))).toEqual([0, 6]);
  });

  it('throws when an int32 result does not fit, naming the op and the way out', () => {
    // Read back inside the expectation: a device backend (the opaque project) reports a kernel's error when its
    // queue completes, at the read, as a GPU would.
    expect(() => values(tensor([65536, 32768], { dtype: 'int32' }).prod())).toThrow(/^prod: the int32 product does not fit in int32 .* x\.to\('float64'\)\.prod\(\)/);
    expect(() => values(tensor([2 ** 30, 2 ** 30], { dtype: 'int32' }).cumsum(0))).toThrow(/^cumsum: the running int32 sum reaches 2147483648, which does not fit in int32/);
    expect(() => values(tensor([-65536, 65536], { dtype: 'int32' }).cumprod(0))).toThrow(/^cumprod: the running int32 product reaches -4294967296/);
    // -2^31 fits.
    expect(values(tensor([-65536, 32768], { dtype: 'int32' }).prod())).toEqual([-(2 ** 31)]);
  });
});

describe('options where PyTorch takes keywords', () => {
  it("prod's dtype converts first, given last or in the place of dim or keepdim", () => {
    const x = tensor([[65536, 65536, 3], [-7, 2, 5]], { dtype: 'int32' });
    const y = x.prod(1, false, { dtype: 'float64' });
    expect(y.dtype).toBe('float64');
    expect(values(y)).toEqual([65536 * 65536 * 3, -70]);
    expect(values(x.prod(1, { dtype: 'float64' }))).toEqual([65536 * 65536 * 3, -70]);
    expect(x.prod(1, true, { dtype: 'float32' }).shape).toEqual([2, 1]);
    expect(values(x.prod({ dtype: 'float64' }))).toEqual([65536 * 65536 * 3 * -70]);
    expect(values(prod(tensor([1.5, 2]), { dtype: 'int32' }))).toEqual([2]);
    expect(err(() => x.prod(1, { dtype: 'float64' }, { dtype: 'float64' }))).toMatch(/^prod: the options object must come last: prod\(x, dim, keepdim, \{ dtype \}\)/);
    expect(err(() => x.prod({ dtype: 'bool' }))).toMatch(/^prod: option 'dtype' must be one of 'float32', 'float64', 'int32', got/);
    expect(err(() => x.prod({ type: 'float64' } as never))).toMatch(/^prod: unknown option 'type'/);
  });

  it('topk takes its options in the place of dim too', () => {
    const r = tensor([5, 1, 3]).topk(2, { largest: false });
    expect(values(r.values)).toEqual([1, 3]);
    expect(values(r.indices)).toEqual([1, 2]);
    expect(err(() => tensor([5, 1, 3]).topk(2, { largest: false }, { sorted: true }))).toMatch(/^topk: the options object must come last/);
  });
});

describe('numerics', () => {
  it('var is two-pass: a large offset does not cost the digits of the spread', () => {
    const n = 1000;
    const base = Array.from({ length: n }, (_, i) => Math.sin(i) * 1e-3);
    const m = base.reduce((a, b) => a + b, 0) / n;
    const want = base.reduce((s, v) => s + (v - m) ** 2, 0) / (n - 1);
    const x = tensor(base.map((v) => v + 1e8), { dtype: 'float64' });
    // The inputs themselves carry ~1.5e-8 of rounding (ulp of 1e8), so relative agreement to 1e-4 of a 3e-7 variance.
    expect(Math.abs(x.var().item() - want) / want).toBeLessThan(1e-4);
    // Constant data: exactly 0, not a rounding residue.
    expect(tensor(new Array(37).fill(0.1), { dtype: 'float32' }).var().item()).toBe(0);
    expect(tensor(new Array(300).fill(1e8 + 0.5), { dtype: 'float64' }).std().item()).toBe(0);
  });

  it("var's divisor is max(0, N − correction): NaN for one element, ∞ past it; std's gradient is 0 at a zero deviation", () => {
    expect(values(tensor([1.5]).var())).toEqual([NaN]);
    expect(values(tensor([1, 2, 3]).var({ correction: 5 }))).toEqual([Infinity]);
    const x = tensor([2, 2, 2], { dtype: 'float64', requiresGrad: true });
    x.std().backward();
    expect(values(x.grad)).toEqual([0, 0, 0]);
  });

  it('logcumsumexp is stable at ±1000 and −∞', () => {
    expect(values(tensor([1000, 1000, -Infinity]).logcumsumexp(0))).toEqual([1000, Math.fround(1000 + Math.LN2), Math.fround(1000 + Math.LN2)]);
    expect(values(tensor([-Infinity, -Infinity, 1]).logcumsumexp(0))).toEqual([-Infinity, -Infinity, 1]);
    const x = tensor([-1000, 0, 1000], { dtype: 'float64', requiresGrad: true });
    x.logcumsumexp(0).sum().backward();
    values(x.grad).forEach((g) => expect(Number.isFinite(g)).toBe(true));
  });

  it('vector norms: the gradient at 0 is 0 (p = 2, p < 1), shared among ties for ±∞', () => {
    const z = zeros([3], { dtype: 'float64', requiresGrad: true });
    linalgVectorNorm(z).backward();
    expect(values(z.grad)).toEqual([0, 0, 0]);
    const h = tensor([0, 1, -2], { dtype: 'float64', requiresGrad: true });
    linalgVectorNorm(h, 0.5).backward();
    expect(values(h.grad)[0]).toBe(0);
    const t = tensor([2, 1, -2], { dtype: 'float64', requiresGrad: true });
    linalgVectorNorm(t, Infinity).backward();
    expect(values(t.grad)).toEqual([0.5, 0, -0.5]);
    expect(values(linalgVectorNorm(tensor([3, -4, 0]), 0))).toEqual([2]);
    expect(values(linalgVectorNorm(tensor([3, NaN]), Infinity))).toEqual([NaN]);
  });

  it('linalg.vectorNorm and linalg.matrixNorm are in the linalg namespace, the same functions as linalgVectorNorm/linalgMatrixNorm', () => {
    expect(linalg.vectorNorm).toBe(linalgVectorNorm);
    expect(linalg.matrixNorm).toBe(linalgMatrixNorm);
    expect(values(linalg.vectorNorm(tensor([[3, 4], [6, 8]]), 2, 1))).toEqual([5, 10]);
    expect(values(linalg.matrixNorm(tensor([[1, -2], [3, 4]]), 1))).toEqual([6]);
    expect(values(linalg.matrixNorm(tensor([[1, -2], [3, 4]]), Infinity))).toEqual([7]);
  });

  it('prod: the gradient at zeros is the product of the others, and gradgradcheck passes with two zeros', () => {
    const x = tensor([2, 0, 3, 4, 5], { dtype: 'float64', requiresGrad: true });
    prod(x).backward();
    expect(values(x.grad)).toEqual([0, 120, 0, 0, 0]);
    const y = tensor([2, 0, 3, 0, 1.5], { dtype: 'float64', requiresGrad: true });
    expect(gradgradcheck((t) => prod(t), [y])).toBe(true);
  });

  it('cumsum accumulates in float64 (float32 output rounded once per element)', () => {
    const n = 1 << 16;
    const out = cumsum(tensor(new Float32Array(n).fill(0.1)), 0).data();
    expect(out[n - 1]).toBe(Math.fround(n * Math.fround(0.1)));
  });
});

describe('sums over scattered dims', () => {
  // Large enough to be summed run by run (the innermost adjacent dims first), not through a transposed copy.
  const shape = [5, 6, 7, 30];
  const x = tensor(Array.from({ length: 5 * 6 * 7 * 30 }, (_, i) => Math.sin(i * 0.61) * 3 + (i % 7)), { shape });
  const at = (i: number[]): number => ((i[0]! * 6 + i[1]!) * 7 + i[2]!) * 30 + i[3]!;
  const data = x.data();
  /** The sum over `dims` in float64, by definition. */
  const reference = (dims: number[], keepdim: boolean): { shape: number[]; values: number[] } => {
    const outShape = shape.map((n, d) => (dims.includes(d) ? 1 : n));
    const out = new Float64Array(outShape.reduce((a, b) => a * b, 1));
    for (let a = 0; a < 5; a++) for (let b = 0; b < 6; b++) for (let c = 0; c < 7; c++) for (let d = 0; d < 30; d++) {
      const o = [a, b, c, d].map((v, k) => (dims.includes(k) ? 0 : v));
      out[((o[0]! * outShape[1]! + o[1]!) * outShape[2]! + o[2]!) * outShape[3]! + o[3]!]! += data[at([a, b, c, d])]!;
    }
    return { shape: keepdim ? outShape : shape.filter((_, d) => !dims.includes(d)), values: [...out] };
  };
  it.each([[[0, 2, 3]], [[0, 2]], [[1, 3]], [[0, 1, 3]], [[0, 3]]])('over %j, keepdim or not, within float32 rounding', (dims) => {
    for (const keepdim of [false, true]) {
      const got = x.sum(dims, keepdim), want = reference(dims, keepdim);
      expect(got.shape).toEqual(want.shape);
      const v = got.data();
      want.values.forEach((w, i) => expect(Math.abs(v[i]! - w), `element ${i}`).toBeLessThanOrEqual(2e-6 * Math.max(1, Math.abs(w))));
    }
  });
});

describe('unique', () => {
  it('returns the values, then the inverse and the counts in PyTorch\'s order', () => {
    const x = tensor([[3, 1], [3, 0]], { dtype: 'int32' });
    const [v, inverse, counts] = unique(x, { returnInverse: true, returnCounts: true });
    expect(values(v)).toEqual([0, 1, 3]);
    expect(inverse.shape).toEqual([2, 2]);
    expect(values(inverse)).toEqual([2, 1, 2, 0]);
    expect(values(counts)).toEqual([1, 1, 2]);
    const [v2, c2] = x.unique({ returnCounts: true });
    expect(values(v2)).toEqual([0, 1, 3]);
    expect(values(c2)).toEqual([1, 1, 2]);
    expect(values(unique(tensor([true, false, true])))).toEqual([0, 1]);
    expect(unique(zeros([0])).shape).toEqual([0]);
  });

  it('is not differentiable: its result does not require grad', () => {
    const x = tensor([1, 2, 1], { requiresGrad: true });
    expect(unique(x).requiresGrad).toBe(false);
  });
});

describe('misuse', () => {
  it('max/min over several dims point to amax/amin; keepdim without dim is refused', () => {
    expect(err(() => max(zeros([2, 3]), [0, 1] as unknown as number))).toMatch(/^max: dim must be an integer .* amax\(x, dims\)/);
    expect(err(() => zeros([2, 3]).min(undefined as unknown as number, true))).toMatch(/^min: keepdim needs a dim/);
    expect(err(() => zeros([2, 0]).max(1))).toMatch(/^max: cannot select from dimension 1 of size 0 \(input shape \[2, 0\]\)/);
    expect(err(() => zeros([0]).amax())).toMatch(/^amax: cannot reduce over an empty dimension/);
  });

  it('var/std refuse integers, unknown options, and a keepdim given twice', () => {
    expect(err(() => tensor([1, 2], { dtype: 'int32' }).var())).toMatch(/^var: std and var only support floating point dtypes, got int32 .* x\.to\('float32'\)\.var\(\)/);
    expect(err(() => zeros([3]).var(0, { correction: 0, unbiassed: false } as never))).toMatch(/^var: unknown option 'unbiassed'; the options are correction, keepdim, unbiased\./);
    expect(err(() => zeros([3]).std(0, true, { keepdim: false }))).toMatch(/^std: keepdim is given twice/);
    expect(err(() => zeros([3]).var(0, { correction: 1, unbiased: true }))).toMatch(/^var: give correction or unbiased, not both/);
    expect(err(() => zeros([3]).var(0, { keep_dim: true } as never))).toMatch(/^var: unknown option 'keep_dim'/);
  });

  it('topk and kthvalue refuse k out of range; sort takes an options object', () => {
    expect(err(() => topk(zeros([2, 3]), 4))).toMatch(/^topk: selected index k \(4\) out of range: dimension 1 of shape \[2, 3\] has 3 elements/);
    expect(err(() => zeros([3]).kthvalue(0))).toMatch(/^kthvalue: selected number k \(0\) out of range/);
    expect(err(() => zeros([3]).sort(0, true as never))).toMatch(/^sort: expected an options object like \{ descending: … \}/);
    expect(err(() => zeros([3]).sort(2))).toMatch(/^sort: dimension 2 is out of range/);
  });

  it('the norms refuse integer input, unsupported orders and ±∞ of nothing', () => {
    expect(err(() => linalgVectorNorm(tensor([1, 2], { dtype: 'int32' })))).toMatch(/^linalg\.vectorNorm: expected a floating point tensor as input, got int32/);
    expect(err(() => linalgMatrixNorm(zeros([2, 2]), 'nuc'))).toMatch(/^linalg\.matrixNorm: ord 'nuc' needs the singular values/);
    expect(err(() => linalgMatrixNorm(zeros([2]), 'fro'))).toMatch(/^linalg\.matrixNorm: the input must have at least 2 dimensions/);
    expect(err(() => linalgVectorNorm(zeros([0]), Infinity))).toMatch(/^linalg\.vectorNorm: cannot compute the ±inf norm over an empty dimension \(input shape \[0\]\)/);
    expect(err(() => zeros([2, 3]).logcumsumexp(5))).toMatch(/^logcumsumexp: dimension 5 is out of range/);
    expect(err(() => tensor([1], { dtype: 'int32' }).logcumsumexp(0))).toMatch(/^logcumsumexp: input dtype must be floating point/);
  });

  it('unique checks its options', () => {
    expect(err(() => unique(zeros([3]), { return_inverse: true } as never))).toMatch(/^unique: unknown option 'return_inverse'; did you mean 'returnInverse'\?/);
    expect(err(() => unique(zeros([3]), { dim: 1 }))).toMatch(/^unique: dimension 1 is out of range/);
  });
});
