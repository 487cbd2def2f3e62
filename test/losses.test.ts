// The losses and distances against PyTorch (test/fixtures/losses.json, written by scripts/oracle/losses.py):
// results and the gradients of every floating argument, in float64 and float32; the module forms; and the
// target-shape and option checks every loss makes.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nn, ones, tensor, zeros, type Tensor } from '../src/index.js';
import { FIXTURE_TOL, lcg, mismatch } from './support/lcg.js';

const F = nn.functional;

interface Arg { shape: number[]; seed: number; map: string; dtype?: 'int32' }
interface Result { out: number[]; shape: number[]; grads: ((number | null)[] | null)[] }
interface Case {
  fn: string;
  args: Arg[];
  options: Record<string, unknown>;
  tensorOptions?: Record<string, Arg>;
  float64: Result;
  float32: Result;
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/losses.json', import.meta.url), 'utf8')) as { torch: string; cases: Case[] };

// The oracle's maps of lcg values (scripts/oracle/losses.py, MAPS), in the same float64 arithmetic.
const MAPS: Record<string, (v: number) => number> = {
  any: (v) => v,
  prob: (v) => v * 0.4 + 0.5,
  positive: (v) => v * 0.5 + 1.0,
  sign: (v) => (v < 0 ? -1 : 1),
  binary: (v) => (v < 0 ? 0 : 1),
  counts: (v) => Math.floor((v + 1.0) * 3.0),
  class4: (v) => Math.floor((v + 1.0) * 2.0),
  wide: (v) => v * 3.0,
};

function make(a: Arg, dtype: 'float32' | 'float64', requiresGrad = false): Tensor {
  const n = a.shape.reduce((x, y) => x * y, 1);
  const vals = lcg(n, a.seed).map(MAPS[a.map]!);
  return a.dtype === 'int32' ? tensor(vals, { shape: a.shape, dtype: 'int32' }) : tensor(vals, { shape: a.shape, dtype, requiresGrad });
}

type Fn = (...args: never[]) => Tensor;
const FUNCS: Record<string, (args: Tensor[], opts: Record<string, unknown>) => Tensor> = {
  gaussianNllLoss: ([x, t, v], o) => F.gaussianNllLoss(x!, t!, v!, o),
  marginRankingLoss: ([a, b, y], o) => F.marginRankingLoss(a!, b!, y!, o),
  cosineEmbeddingLoss: ([a, b, y], o) => F.cosineEmbeddingLoss(a!, b!, y!, o),
  tripletMarginLoss: ([a, p, n], o) => F.tripletMarginLoss(a!, p!, n!, o),
  cosineSimilarity: ([a, b], { dim, ...o }) => F.cosineSimilarity(a!, b!, dim as number | undefined, o),
  normalize: ([x], o) => F.normalize(x!, o),
};
const call = (fn: string, args: Tensor[], opts: Record<string, unknown>): Tensor =>
  FUNCS[fn]?.(args, opts) ?? (F[fn as keyof typeof F] as unknown as Fn)(...(args as never[]), opts as never);

describe(`losses against PyTorch ${fixture.torch} (test/fixtures/losses.json)`, () => {
  for (const c of fixture.cases) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`${c.fn} ${JSON.stringify(c.options)}${c.tensorOptions ? ` with ${Object.keys(c.tensorOptions).join(', ')}` : ''} (${dtype})`, () => {
        const want = c[dtype];
        const tol = FIXTURE_TOL[dtype];
        const args = c.args.map((a) => make(a, dtype, a.dtype === undefined));
        const opts: Record<string, unknown> = { ...c.options };
        for (const [k, a] of Object.entries(c.tensorOptions ?? {})) opts[k] = make(a, dtype);
        const out = call(c.fn, args, opts);
        expect(out.shape).toEqual(want.shape);
        expect(out.dtype).toBe(dtype);
        expect(mismatch(out.data(), want.out, tol), 'result').toBeNull();
        const loss = out.ndim === 0 ? out : out.mul(make({ shape: out.shape as number[], seed: 500, map: 'any' }, dtype)).sum();
        loss.backward();
        want.grads.forEach((g, i) => {
          if (g === null) return;
          expect(mismatch(args[i]!.grad!.data(), g, tol), `gradient of argument ${i}`).toBeNull();
        });
      });
    }
  }
});

describe('loss modules', () => {
  const x = tensor([[0.2, 0.7], [0.9, 0.4]]), y = tensor([[0, 1], [1, 0]]);

  it('each module calls its function with its options', () => {
    const pairs: [nn.Module & { forward(a: Tensor, b: Tensor): Tensor }, Tensor][] = [
      [new nn.MSELoss({ reduction: 'sum' }), F.mseLoss(x, y, { reduction: 'sum' })],
      [new nn.L1Loss(), F.l1Loss(x, y)],
      [new nn.SmoothL1Loss({ beta: 0.3 }), F.smoothL1Loss(x, y, { beta: 0.3 })],
      [new nn.HuberLoss({ delta: 0.3 }), F.huberLoss(x, y, { delta: 0.3 })],
      [new nn.BCELoss({ reduction: 'none' }), F.binaryCrossEntropy(x, y, { reduction: 'none' })],
      [new nn.BCEWithLogitsLoss(), F.binaryCrossEntropyWithLogits(x, y)],
      [new nn.KLDivLoss({ reduction: 'batchmean' }), F.klDiv(x, y, { reduction: 'batchmean' })],
      [new nn.PoissonNLLLoss({ full: true }), F.poissonNllLoss(x, y, { full: true })],
      [new nn.HingeEmbeddingLoss({ margin: 0.5 }), F.hingeEmbeddingLoss(x, y, { margin: 0.5 })],
      [new nn.SoftMarginLoss(), F.softMarginLoss(x, y)],
      [new nn.MultiLabelSoftMarginLoss(), F.multiLabelSoftMarginLoss(x, y)],
      [new nn.PairwiseDistance({ p: 1 }), F.pairwiseDistance(x, y, { p: 1 })],
      [new nn.CosineSimilarity(0), F.cosineSimilarity(x, y, 0)],
    ];
    for (const [m, want] of pairs) expect(m.forward(x, y).sub(want).abs().max().item(), String(m)).toBe(0);
    const labels = tensor([1, 0], { dtype: 'int32' });
    expect(new nn.CrossEntropyLoss({ labelSmoothing: 0.1 }).forward(x, labels).item()).toBe(F.crossEntropy(x, labels, { labelSmoothing: 0.1 }).item());
    expect(new nn.NLLLoss().forward(x, labels).item()).toBe(F.nllLoss(x, labels).item());
    expect(new nn.GaussianNLLLoss().forward(x, y, ones([2, 2])).item()).toBe(F.gaussianNllLoss(x, y, ones([2, 2])).item());
    const s = tensor([1, -1]);
    expect(new nn.MarginRankingLoss({ margin: 0.1 }).forward(x.narrow(0, 0, 1).squeeze(0), tensor([0.5, 0.5]), s).item())
      .toBe(F.marginRankingLoss(x.narrow(0, 0, 1).squeeze(0), tensor([0.5, 0.5]), s, { margin: 0.1 }).item());
    expect(new nn.CosineEmbeddingLoss().forward(x, y, s).item()).toBe(F.cosineEmbeddingLoss(x, y, s).item());
    expect(new nn.TripletMarginLoss().forward(x, y, zeros([2, 2])).item()).toBe(F.tripletMarginLoss(x, y, zeros([2, 2])).item());
  });

  it('weights are buffers under PyTorch\'s names, in the state dict', () => {
    const w = tensor([1, 2]);
    expect([...new nn.CrossEntropyLoss({ weight: w }).stateDict().keys()]).toEqual(['weight']);
    expect([...new nn.BCEWithLogitsLoss({ posWeight: w }).stateDict().keys()]).toEqual(['pos_weight']);
    expect([...new nn.MSELoss().stateDict().keys()]).toEqual([]);
    expect(String(new nn.SmoothL1Loss({ beta: 0.5 }))).toBe('SmoothL1Loss(beta=0.5)');
  });

  it('options are checked when the module is built', () => {
    expect(() => new nn.CrossEntropyLoss({ ignore_index: 3 } as never)).toThrow("CrossEntropyLoss: unknown option 'ignore_index'; did you mean 'ignoreIndex'?");
    expect(() => new nn.L1Loss({ reduction: 'avg' } as never)).toThrow("L1Loss: option 'reduction' must be one of 'mean', 'sum', 'none'");
  });
});

describe('loss checks', () => {
  it('every loss refuses a target of another shape, naming both shapes', () => {
    const x = zeros([4, 1]), t = zeros([4]);
    for (const [name, f] of [
      ['mseLoss', () => F.mseLoss(x, t)], ['l1Loss', () => F.l1Loss(x, t)], ['smoothL1Loss', () => F.smoothL1Loss(x, t)],
      ['huberLoss', () => F.huberLoss(x, t)], ['binaryCrossEntropyWithLogits', () => F.binaryCrossEntropyWithLogits(x, t)],
      ['klDiv', () => F.klDiv(x, t)], ['poissonNllLoss', () => F.poissonNllLoss(x, t)], ['softMarginLoss', () => F.softMarginLoss(x, t)],
      ['hingeEmbeddingLoss', () => F.hingeEmbeddingLoss(x, t)], ['multiLabelSoftMarginLoss', () => F.multiLabelSoftMarginLoss(x, t)],
      ['gaussianNllLoss', () => F.gaussianNllLoss(x, t, ones([4, 1]))], ['marginRankingLoss', () => F.marginRankingLoss(x, x, t)],
    ] as const) {
      expect(f, name).toThrow(`${name}: target size [4] must be the same as input size [4, 1]`);
    }
    expect(() => F.binaryCrossEntropy(x.add(0.5), t)).toThrow('binaryCrossEntropy: Using a target size ([4]) that is different to the input size ([4, 1])');
    expect(() => F.tripletMarginLoss(zeros([2, 3]), zeros([2, 3]), zeros([3]))).toThrow('tripletMarginLoss: negative size [3] must be the same as input size [2, 3]');
    expect(() => F.cosineEmbeddingLoss(zeros([2, 3]), zeros([2, 3]), zeros([3]))).toThrow('cosineEmbeddingLoss: target shape [3] does not match the inputs [2, 3]: expected [2]');
  });

  it('binaryCrossEntropy takes probabilities: outside [0, 1] (or NaN) is an error; at 0 and 1 the loss is clamped at 100', () => {
    expect(() => F.binaryCrossEntropy(tensor([0.5, 1.5]), tensor([0, 1]))).toThrow('binaryCrossEntropy: all elements of input should be between 0 and 1');
    expect(() => F.binaryCrossEntropy(tensor([0.5, NaN]), tensor([0, 1]))).toThrow('all elements of input should be between 0 and 1');
    const p = tensor([0, 1, 0, 1], { dtype: 'float64', requiresGrad: true });
    const l = F.binaryCrossEntropy(p, tensor([1, 0, 0, 1], { dtype: 'float64' }), { reduction: 'none' });
    expect([...l.data()].map((v) => v + 0)).toEqual([100, 100, 0, 0]);
    l.sum().backward();
    // PyTorch's (x − t) / max(x·(1 − x), 1e-12): finite, never 0/0.
    expect(p.grad!.toArray()).toEqual([-1e12, 1e12, 0, 0]);
  });

  it('losses check their options and values as PyTorch does', () => {
    const x = tensor([1, 2]), y = tensor([1, 3]);
    expect(() => F.smoothL1Loss(x, y, { beta: -1 })).toThrow('smoothL1Loss: smooth_l1_loss does not support negative values for beta');
    expect(() => F.huberLoss(x, y, { delta: 0 })).toThrow('huberLoss: huber_loss does not support non-positive values for delta');
    expect(() => F.gaussianNllLoss(x, y, tensor([1, -1]))).toThrow('gaussianNllLoss: var has negative entry/entries.');
    expect(() => F.gaussianNllLoss(zeros([2, 3]), zeros([2, 3]), ones([3]))).toThrow('gaussianNllLoss: var is of incorrect size [3] for input [2, 3]');
    expect(() => F.mseLoss(x, y, { reduce: false } as never)).toThrow("mseLoss: unknown option 'reduce'; the options are reduction.");
    expect(() => F.klDiv(x, y, { log_target: true } as never)).toThrow("klDiv: unknown option 'log_target'; did you mean 'logTarget'?");
    expect(() => F.l1Loss(x, tensor([1, 2], { dtype: 'int32' }))).toThrow('l1Loss: target must be floating point, got int32');
  });

  it('the norms have gradient 0 at 0 (never 0/0)', () => {
    const a = zeros([2, 3], { dtype: 'float64', requiresGrad: true });
    F.pairwiseDistance(a, zeros([2, 3], { dtype: 'float64' }), { eps: 0 }).sum().backward();
    expect(a.grad!.toArray()).toEqual([[0, 0, 0], [0, 0, 0]]);
    const b = zeros([2, 3], { dtype: 'float64', requiresGrad: true });
    F.normalize(b).sum().backward();
    expect(b.grad!.data().every((v) => Number.isFinite(v))).toBe(true);
  });

  it('oneHot infers the number of classes with -1 (the default)', () => {
    expect(F.oneHot(tensor([0, 2], { dtype: 'int32' })).toArray()).toEqual([[1, 0, 0], [0, 0, 1]]);
    expect(F.oneHot(tensor([1], { dtype: 'int32' }), 4).shape).toEqual([1, 4]);
  });
});
