// nn.utils against PyTorch 1.13 (scripts/oracle/optim.py → test/fixtures/optim-utils.json): clipGradNorm_ for every
// norm type in float64 and float32, clipGradValue_, the non-finite case; parametersToVector/vectorToParameters;
// loadStateDict(sd, { strict: false }) returning PyTorch's missing and unexpected keys.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nn, tensor, zeros, type Tensor } from '../src/index.js';

interface Fixture {
  grads: (number | number[] | number[][])[][];
  clipGradNorm: { dtype: 'float64' | 'float32'; normType: number | string; maxNorm: number; total: number; grads: number[][] }[];
  clipGradValue: { clipValue: number; grads: number[][] }[];
  nonfinite: { total: string; grads: string[][] };
  loadStateDictNonStrict: { given: string[]; missingKeys: string[]; unexpectedKeys: string[] };
}
const F = JSON.parse(readFileSync(new URL('./fixtures/optim-utils.json', import.meta.url), 'utf8')) as Fixture;

function withGrads(dtype: 'float64' | 'float32'): Tensor[] {
  return F.grads.map((g) => {
    const p = zeros(tensor(g as number[]).shape, { dtype, requiresGrad: true });
    p.grad = tensor(g as number[], { dtype });
    return p;
  });
}

describe('clipGradNorm_ matches PyTorch', () => {
  it.each(F.clipGradNorm.map((c) => [`normType ${c.normType}, maxNorm ${c.maxNorm} (${c.dtype})`, c] as const))('%s', (_, c) => {
    const ps = withGrads(c.dtype);
    const normType = c.normType === 'inf' ? 'inf' : c.normType === '-inf' ? -Infinity : (c.normType as number);
    const total = nn.utils.clipGradNorm_(ps, c.maxNorm, normType);
    const tol = c.dtype === 'float64' ? 1e-15 : 3e-7;
    expect(total.shape).toEqual([]);
    expect(total.dtype).toBe(c.dtype);
    expect(Math.abs(total.item() - c.total)).toBeLessThanOrEqual(tol * Math.abs(c.total));
    ps.forEach((p, i) => [...p.grad!.data()].forEach((v, j) => {
      const w = c.grads[i]![j]!;
      expect(Math.abs(v - w), `grad ${i}[${j}]: ${v} vs ${w}`).toBeLessThanOrEqual(tol * Math.max(Math.abs(w), 1e-30));
    }));
  });

  it('takes normType in the options too, and errorIfNonfinite', () => {
    const ps = withGrads('float64');
    const a = nn.utils.clipGradNorm_(ps, 100, { normType: 1 }).item();
    expect(a).toBe(F.clipGradNorm.find((c) => c.dtype === 'float64' && c.normType === 1 && c.maxNorm === 100)!.total);
    const p = zeros([2], { requiresGrad: true });
    p.grad = tensor([1, Infinity]);
    expect(() => nn.utils.clipGradNorm_([p], 1, { errorIfNonfinite: true })).toThrow(
      /clipGradNorm_: the total norm of order 2 for gradients from `parameters` is non-finite, so it cannot be clipped/,
    );
    expect([...p.grad.data()]).toEqual([1, Infinity]); // untouched by the refused call
  });

  it('scales by the non-finite norm without errorIfNonfinite, as PyTorch', () => {
    const a = zeros([2], { requiresGrad: true }), b = zeros([1], { requiresGrad: true });
    a.grad = tensor([1, Infinity]);
    b.grad = tensor([2]);
    expect(String(nn.utils.clipGradNorm_([a, b], 1).item())).toBe('Infinity');
    const asPython = (v: number): string => (Number.isNaN(v) ? 'nan' : v === 0 ? '0.0' : String(v));
    expect([[...a.grad.data()].map(asPython), [...b.grad.data()].map(asPython)]).toEqual(F.nonfinite.grads);
  });

  it('returns 0 and changes nothing when no parameter has a gradient; rejects bad arguments', () => {
    expect(nn.utils.clipGradNorm_([zeros([2], { requiresGrad: true })], 1).item()).toBe(0);
    const p = zeros([1], { requiresGrad: true });
    expect(() => nn.utils.clipGradNorm_([p], 1, 'two' as never)).toThrow("clipGradNorm_: normType must be a number, 'inf' or '-inf', got the string 'two'.");
    expect(() => nn.utils.clipGradNorm_([p], 1, 2, { normType: 2 })).toThrow(/normType given twice/);
    expect(() => nn.utils.clipGradNorm_([p], 1, { norm_type: 2 } as never)).toThrow(/unknown option 'norm_type'; did you mean 'normType'/);
    expect(() => nn.utils.clipGradNorm_([1] as never, 1)).toThrow(/item 0 of the parameters is the number 1, not a Tensor/);
  });

  it('accepts a single tensor, as PyTorch', () => {
    const p = zeros([2], { dtype: 'float64', requiresGrad: true });
    p.grad = tensor([3, 4], { dtype: 'float64' });
    expect(nn.utils.clipGradNorm_(p, 1).item()).toBe(5);
    expect([...p.grad.data()].map((v) => v.toFixed(6))).toEqual(['0.600000', '0.800000']);
  });
});

describe('clipGradValue_', () => {
  it.each(F.clipGradValue.map((c) => [c.clipValue, c] as const))('clipValue %s matches PyTorch', (_, c) => {
    const ps = withGrads('float32');
    nn.utils.clipGradValue_(ps, c.clipValue);
    ps.forEach((p, i) => expect([...p.grad!.data()]).toEqual(c.grads[i]!.map((v) => Math.fround(v))));
  });
});

describe('parametersToVector / vectorToParameters', () => {
  it('round-trips, keeps the parameters the same tensors, and records the flattening', () => {
    const model = new nn.Sequential(new nn.Linear(3, 2), new nn.Linear(2, 1));
    const params = model.parameters();
    const v = nn.utils.parametersToVector(params);
    expect(v.shape).toEqual([3 * 2 + 2 + 2 + 1]);
    expect([...v.data()]).toEqual(params.flatMap((p) => [...p.data()]));
    // Gradients flow back through the vector.
    v.mul(tensor([...Array(11).keys()])).sum().backward();
    expect([...params[1]!.grad!.data()]).toEqual([6, 7]);
    const w = tensor([...Array(11).keys()].map((i) => i / 10));
    nn.utils.vectorToParameters(w, params);
    expect(model.parameters()).toEqual(params);
    expect([...params[0]!.data()].map((x) => Math.round(x * 10))).toEqual([0, 1, 2, 3, 4, 5]);
    expect(params[0]!.shape).toEqual([2, 3]);
    expect([...nn.utils.parametersToVector(params).data()]).toEqual([...w.data()]);
    expect(params.every((p) => p.isLeaf && p.requiresGrad)).toBe(true);
  });

  it('refuses a vector of the wrong size or rank', () => {
    const params = new nn.Linear(2, 2).parameters();
    expect(() => nn.utils.vectorToParameters(zeros([5]), params)).toThrow('vectorToParameters: vec must be a 1-d tensor of 6 elements (the parameters\' total), got shape [5].');
    expect(() => nn.utils.vectorToParameters(zeros([2, 3]), params)).toThrow(/got shape \[2, 3\]/);
    expect(() => nn.utils.vectorToParameters([1] as never, params)).toThrow(/expected a Tensor, but got/);
  });
});

describe('loadStateDict(sd, { strict: false })', () => {
  it('returns the missing and unexpected keys PyTorch returns, in its order', () => {
    const c = F.loadStateDictNonStrict;
    const model = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Sequential(new nn.Linear(4, 2), new nn.Linear(2, 2)));
    const sd = model.stateDict();
    const given = new Map<string, Tensor>(c.given.map((k) => [k, sd.get(k) ?? zeros([1])]));
    const result = model.loadStateDict(given, { strict: false });
    expect(result).toEqual({ missingKeys: c.missingKeys, unexpectedKeys: c.unexpectedKeys });
    // strict (the default) refuses the same dict, naming both lists.
    expect(() => model.loadStateDict(given)).toThrow(/unexpected key\(s\) in state dict: 'extra', '5.weight'.*\n.*missing key\(s\) in state dict: '0.bias', '2.1.weight'/);
  });
});
