// PyTorch semantics that a cross-check against PyTorch (scripts/oracle/) found adjoint getting wrong: special
// values, ties, dtype promotion, views, losses at their edges, in-place ops in the graph, and the printed form.
// Every expected value here is what PyTorch returns for the same call, written out: the tests need no torch.
import { describe, expect, it } from 'vitest';
import { cat, grad, linspace, maximum, minimum, nn, tensor, where, type Tensor } from '../src/index.js';

const NaN_ = Number.NaN;
const inf = Infinity;

/** Elementwise equality that treats NaN as equal to NaN and tells -0 from 0 when `signedZero`. */
function same(got: Tensor | null, want: number[], signedZero = false): void {
  expect(got).not.toBeNull();
  const g = Array.from(got!.data());
  expect(g.length).toBe(want.length);
  want.forEach((w, i) => {
    if (Number.isNaN(w)) expect(g[i], `element ${i}`).toBeNaN();
    else if (signedZero) expect(Object.is(g[i], w), `element ${i}: ${g[i]} vs ${w}`).toBe(true);
    else expect(g[i], `element ${i}`).toBeCloseTo(w, 6);
  });
}

const f64 = (v: number[]): Tensor => tensor(v, { dtype: 'float64', requiresGrad: true });

describe('dtype promotion', () => {
  it('a 0-d tensor only decides the dtype when it is of a higher category (PyTorch result_type)', () => {
    const x = tensor([1, 2, 3]);
    expect(x.add(tensor(0.1, { dtype: 'float64' })).dtype).toBe('float32');
    expect(tensor([1, 2], { dtype: 'int32' }).add(tensor(0.5, { dtype: 'float64' })).dtype).toBe('float64');
    expect(tensor(1, { dtype: 'float64' }).mul(tensor(2)).dtype).toBe('float64');
    expect(where(tensor([true, false]), tensor([1, 2]), tensor(0.1, { dtype: 'float64' })).dtype).toBe('float32');
  });

  it('bool + bool is logical or and bool · bool logical and; a bool squares to int32', () => {
    const t = tensor([true, false, true]);
    expect(t.add(t).dtype).toBe('bool');
    expect(t.add(t).toArray()).toEqual([true, false, true]);
    expect(t.mul(tensor([true, true, false])).toArray()).toEqual([true, false, false]);
    expect(t.square().dtype).toBe('int32');
    expect(t.square().toArray()).toEqual([1, 0, 1]);
  });

  it('max and min of a bool tensor stay bool', () => {
    expect(tensor([true, false]).max().dtype).toBe('bool');
    expect(tensor([[true, false]]).min(1).values.toArray()).toEqual([false]);
    expect(tensor([[true, false]]).amin(1).toArray()).toEqual([false]);
  });
});

describe('special values and ties', () => {
  it('maximum/minimum give the full gradient to both operands where either is NaN, half on ties', () => {
    const a = f64([NaN_, 1, 2, 3]), b = f64([1, NaN_, 2, 1]);
    const g = tensor([1, 2, 4, 8], { dtype: 'float64' });
    same(grad(maximum(a, b), [a, b], { gradOutputs: g })[0]!, [1, 2, 2, 8]);
    same(grad(maximum(a, b), [a, b], { gradOutputs: g })[1]!, [1, 2, 2, 0]);
    same(grad(minimum(a, b), [a, b], { gradOutputs: g })[0]!, [1, 2, 2, 0]);
    same(grad(minimum(a, b), [a, b], { gradOutputs: g })[1]!, [1, 2, 2, 8]);
  });

  it('pow follows C: 1^y = 1 and (-1)^±inf = 1, even for NaN and infinite y', () => {
    same(tensor([1, 1, -1, -1]).pow(tensor([NaN_, inf, inf, -inf])), [1, 1, 1, 1]);
  });

  it('x ** ±0.5 with a number exponent is sqrt / rsqrt, as in PyTorch (not C pow)', () => {
    const x = tensor([-0, -inf, 4], { requiresGrad: true });
    const y = x.pow(0.5);
    same(y, [-0, NaN_, 2], true);
    same(grad(y, [x], { gradOutputs: tensor([1, 1, 1]) })[0]!, [-inf, NaN_, 0.25]);
    same(tensor([-0, -inf, 4]).pow(-0.5), [-inf, NaN_, 0.5]);
    // A tensor exponent is C's pow.
    same(tensor([-0, -inf, 4]).pow(tensor(0.5)), [0, inf, 2], true);
  });

  it('sign is 0 at NaN and +0 at -0, keeps bool, and has a zero gradient (SignBackward0)', () => {
    const x = tensor([NaN_, -0, -2, 3], { requiresGrad: true });
    const s = x.sign();
    same(s, [0, 0, -1, 1], true);
    expect(s.gradFn?.name).toBe('SignBackward0');
    s.sum().backward();
    same(x.grad, [0, 0, 0, 0]);
    expect(tensor([true, false]).sign().dtype).toBe('bool');
  });

  it('abs has a zero gradient at NaN and 0; relu passes the gradient at NaN (threshold_backward)', () => {
    const x = tensor([NaN_, 0, -2], { requiresGrad: true });
    x.abs().backward(tensor([1, 1, 1]));
    same(x.grad, [0, 0, -1]);
    const r = tensor([NaN_, 0, -2, 3], { requiresGrad: true });
    r.relu().backward(tensor([1, 2, 3, 4]));
    same(r.grad, [1, 0, 0, 4]);
  });

  it('the gradient of a / b in b is -g·((a / b) / b): 0 at b = inf, and so is its derivative', () => {
    const x = f64([inf, 2]);
    const [g] = grad(tensor(1, { dtype: 'float64' }).div(x).sum(), [x], { createGraph: true });
    same(g!, [-0, -0.25]);
    same(grad(g!.sum(), [x])[0]!, [0, 0.25]);
  });

  it("pow's gradient in the base is 0 where the exponent is 0, even for a NaN upstream gradient", () => {
    const a = f64([-0.5, 2]), b = tensor(0, { dtype: 'float64', requiresGrad: true });
    const [ga] = grad(a.pow(b), [a, b], { gradOutputs: tensor([NaN_, 1], { dtype: 'float64' }) });
    same(ga!, [0, 0]);
  });

  it('clamp with min > max sets every element to max', () => {
    same(tensor([-1, 0.5, 2]).clamp({ min: 1, max: 0 }), [0, 0, 0]);
  });

  it('max() over all elements shares the gradient among NaN elements (torch.max)', () => {
    const x = tensor([1, NaN_, 3, NaN_, 3], { requiresGrad: true });
    x.max().backward();
    same(x.grad, [0, 0.5, 0, 0.5, 0]);
    const t = tensor([[1, 3, 3], [2, 2, 0]], { requiresGrad: true });
    t.max().backward();
    same(t.grad, [0, 0.5, 0.5, 0, 0, 0]);
  });

  it('amax(dim): a slice whose maximum is NaN gets NaN gradients, ties share the gradient', () => {
    const x = tensor([[1, NaN_, 3], [2, 2, 0]], { requiresGrad: true });
    x.amax(1).backward(tensor([1, 1]));
    same(x.grad, [NaN_, NaN_, NaN_, 0.5, 0.5, 0]);
  });

  it('max(dim) returns { values, indices }: the first maximum or the first NaN, and its gradient goes to that index alone', () => {
    const x = tensor([[1, NaN_, 3, NaN_], [2, 0, 2, 1]], { requiresGrad: true });
    const { values, indices } = x.max(1);
    same(values, [NaN_, 2]);
    expect(indices.dtype).toBe('int32');
    expect(indices.toArray()).toEqual([1, 0]);
    values.backward(tensor([1, 1]));
    same(x.grad, [0, 1, 0, 0, 1, 0, 0, 0]);
  });
});

describe('creation', () => {
  it("linspace uses PyTorch's algorithm: up from start for the first half, down from end for the rest", () => {
    same(linspace(0, 1, 7), [0, 0.1666666716337204, 0.3333333432674408, 0.5, 0.6666666269302368, 0.8333333134651184, 1], true);
    expect(linspace(-2.7, 3.9, 4, { dtype: 'int32' }).toArray()).toEqual([-2, 0, 1, 3]);
  });
});

describe('views', () => {
  it('view and reshape of an expanded tensor are views (PyTorch computeStride)', () => {
    const e = tensor([5]).expand([3, 4]);
    const v = e.view([12]);
    expect(v.strides).toEqual([0]);
    expect(v.storage).toBe(e.storage);
    expect(e.reshape([2, 6]).strides).toEqual([0, 0]);
    expect(() => tensor([[1, 2], [3, 4]]).T.view([4])).toThrow(/not contiguous/);
    expect(tensor([1, 2, 3, 4]).reshape([2, 2]).T.contiguous().isContiguous()).toBe(true);
  });

  it('cat skips 1-d empty tensors next to tensors of another rank', () => {
    const out = cat([tensor([]), tensor([[1, 2]])], 1);
    expect(out.shape).toEqual([1, 2]);
    expect(out.toArray()).toEqual([[1, 2]]);
  });
});

describe('losses at their edges', () => {
  it('a mean over only ignored targets is NaN with zero gradients', () => {
    const logits = tensor([[1, 2, 3]], { requiresGrad: true });
    const ce = nn.functional.crossEntropy(logits, tensor([1], { dtype: 'int32' }), { ignoreIndex: 1 });
    expect(ce.item()).toBeNaN();
    ce.backward();
    same(logits.grad, [0, 0, 0]);
    const logp = tensor([[1, 2, 3]], { requiresGrad: true });
    nn.functional.nllLoss(logp, tensor([1], { dtype: 'int32' }), { ignoreIndex: 1 }).backward();
    same(logp.grad, [0, 0, 0]);
  });

  it('binaryCrossEntropyWithLogits has gradient σ(x) - t, at x = 0 too', () => {
    const x = tensor([0, 2, -1], { requiresGrad: true });
    const l = nn.functional.binaryCrossEntropyWithLogits(x, tensor([1, 0, 0.5]), { reduction: 'sum' });
    expect(l.item()).toBeCloseTo(3.6333370208740234, 6);
    l.backward();
    same(x.grad, [-0.5, 0.8807970779778823, -0.2310585786300049]);
  });
});

describe('in-place ops on tensors in the graph', () => {
  it("an in-place op's own saved input is the old contents, so its backward works", () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.clone();
    y.mul_(x);
    y.sum().backward();
    same(x.grad, [2, 4]);
  });

  it('refuses to write a result of a higher category into the tensor (PyTorch can_cast)', () => {
    const t = tensor([1, 2], { dtype: 'int32' });
    expect(() => t.add_(0.5)).toThrow(/can't be cast/);
    expect(() => t.clamp_({ min: 0.5 })).toThrow(/can't be cast/);
    expect(tensor([1, 2]).add_(tensor([1, 1], { dtype: 'float64' })).dtype).toBe('float32');
    expect(t.add_(1).toArray()).toEqual([2, 3]);
  });

  it('fill_ and copy_ keep requiring grad and pass a zero gradient to the old contents', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.clone().fill_(3);
    expect(y.requiresGrad).toBe(true);
    y.mul(x).sum().backward();
    same(x.grad, [3, 3]);
    const z = tensor([1, 2], { requiresGrad: true });
    const w = z.mul(2).copy_(tensor([5, 6]));
    w.mul(z).sum().backward();
    same(z.grad, [5, 6]);
  });
});

describe('toString matches PyTorch repr', () => {
  const cases: [string, () => Tensor, string][] = [
    ['integers spanning more than 1000x print in scientific notation', () => tensor([1, 2000]), 'tensor([1.0000e+00, 2.0000e+03])'],
    ['so do fractions spanning more than 1000x', () => tensor([0.5, 1000.5]), 'tensor([5.0000e-01, 1.0005e+03])'],
    ['the width comes from the nonzero finite values', () => tensor([1, -inf]), 'tensor([1., -inf])'],
    ['zeros and NaN do not widen', () => tensor([0, NaN_]), 'tensor([0., nan])'],
    ['negative zero keeps its sign', () => tensor([-0, 1]), 'tensor([-0., 1.])'],
    ['decimal ties round to even, as Python formats', () => tensor([1.03125, 2]), 'tensor([1.0312, 2.0000])'],
    ['in scientific notation too', () => tensor([100005, 1], { dtype: 'float64' }), 'tensor([1.0000e+05, 1.0000e+00], dtype=float64)'],
    ['an empty bool tensor names its dtype', () => tensor([], { dtype: 'bool' }), 'tensor([], dtype=bool)'],
    ['an empty tensor of rank 2 gives its size as a tuple', () => tensor([], { shape: [2, 0] }), 'tensor([], size=(2, 0))'],
    ['then its dtype', () => tensor([], { shape: [0, 3], dtype: 'int32' }), 'tensor([], size=(0, 3), dtype=int32)'],
    [
      'rows wrap at 80 columns',
      () => tensor(Array.from({ length: 20 }, (_, i) => i / 7)),
      'tensor([0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000, 1.1429,\n' +
        '        1.2857, 1.4286, 1.5714, 1.7143, 1.8571, 2.0000, 2.1429, 2.2857, 2.4286,\n' +
        '        2.5714, 2.7143])',
    ],
    [
      'suffixes wrap where PyTorch wraps them',
      () => tensor(Array.from({ length: 12 }, (_, i) => i), { dtype: 'float64', requiresGrad: true }),
      'tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11.],\n       dtype=float64, requiresGrad=true)',
    ],
    [
      'a gradFn suffix too',
      () => tensor(Array.from({ length: 8 }, (_, i) => i / 3), { dtype: 'float64', requiresGrad: true }).mul(2),
      'tensor([0.0000, 0.6667, 1.3333, 2.0000, 2.6667, 3.3333, 4.0000, 4.6667],\n       dtype=float64, gradFn=<MulBackward0>)',
    ],
    [
      'a summarised tensor is formatted from the shown elements, with "  ..."',
      () => tensor(Array.from({ length: 1001 }, (_, i) => (i === 500 ? 0.5 : i))),
      'tensor([   0.,    1.,    2.,  ...,  998.,  999., 1000.])',
    ],
    ['bools are padded to the widest', () => tensor([true, false]), 'tensor([ True, False])'],
  ];
  for (const [label, make, want] of cases) it(label, () => expect(String(make())).toBe(want));
});
