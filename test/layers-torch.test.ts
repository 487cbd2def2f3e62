// The layers against PyTorch: every case of test/fixtures/layers.json (written by scripts/oracle/layers.py with
// PyTorch 1.13) is built here with the same configuration, loads PyTorch's state dict (so the keys are PyTorch's),
// and must give PyTorch's outputs, gradients of the float inputs and of every parameter, and state after each step
// (running statistics in train and eval mode, renormalised embedding rows), in float64 and in float32.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { nn, tensor, type Tensor } from '../src/index.js';

interface T {
  readonly shape: number[];
  readonly dtype: 'float64' | 'int32' | 'bool';
  readonly data: number[];
}
interface Step {
  readonly train: boolean;
  readonly inputs: T[];
  readonly outputs: T[];
  readonly gradOutputs: T[];
  readonly inputGrads: (T | null)[];
  readonly paramGrads: Record<string, T>;
  readonly stateAfter: Record<string, T>;
}
interface Case {
  readonly state: Record<string, T>;
  readonly steps: Step[];
}

const here = dirname(fileURLToPath(import.meta.url));
const fixture = JSON.parse(readFileSync(join(here, 'fixtures', 'layers.json'), 'utf8')) as { cases: Record<string, Case> };

type F = 'float32' | 'float64';
type Call = (m: nn.Module, x: Tensor[]) => Tensor[];
interface Built {
  readonly module: nn.Module;
  readonly call: Call;
}

const one: Call = (m, x) => [(m as nn.Module & { forward(x: Tensor): Tensor }).forward(x[0]!)];
const causal = (dtype: F): Tensor => nn.generateSquareSubsequentMask(3, { dtype });
const kpm = (): Tensor => tensor([[false, false, true, false], [false, false, false, true]]);
const mha = (m: nn.Module): nn.MultiheadAttention => m as nn.MultiheadAttention;
const bag = (m: nn.Module): nn.EmbeddingBag => m as nn.EmbeddingBag;
const pair = ([o, w]: [Tensor, Tensor | null]): Tensor[] => (w ? [o, w] : [o]);
const F_ = nn.functional;

/** The adjoint side of every case, by the fixture's names. */
const BUILDERS: Record<string, (dtype: F) => Built> = {
  GELU: () => ({ module: new nn.GELU(), call: one }),
  'GELU tanh': () => ({ module: new nn.GELU({ approximate: 'tanh' }), call: one }),
  SiLU: () => ({ module: new nn.SiLU(), call: one }),
  Mish: () => ({ module: new nn.Mish(), call: one }),
  LeakyReLU: () => ({ module: new nn.LeakyReLU(0.2), call: one }),
  ELU: () => ({ module: new nn.ELU(0.7), call: one }),
  SELU: () => ({ module: new nn.SELU(), call: one }),
  CELU: () => ({ module: new nn.CELU(0.5), call: one }),
  Softplus: () => ({ module: new nn.Softplus({ beta: 2, threshold: 3 }), call: one }),
  Hardtanh: () => ({ module: new nn.Hardtanh(-0.5, 1.2), call: one }),
  ReLU6: () => ({ module: new nn.ReLU6(), call: one }),
  Hardswish: () => ({ module: new nn.Hardswish(), call: one }),
  Hardsigmoid: () => ({ module: new nn.Hardsigmoid(), call: one }),
  Softmax: () => ({ module: new nn.Softmax(1), call: one }),
  LogSoftmax: () => ({ module: new nn.LogSoftmax(-1), call: one }),
  Softmin: () => ({ module: new nn.Softmin(0), call: one }),
  Identity: () => ({ module: new nn.Identity(), call: one }),
  Unflatten: () => ({ module: new nn.Unflatten(1, [2, 3]), call: one }),
  'Dropout2d eval': () => ({ module: new nn.Dropout2d(0.5), call: one }),
  LayerNorm: (dtype) => ({ module: new nn.LayerNorm(4, { dtype }), call: one }),
  'LayerNorm [3, 4] no affine eps 1e-3': (dtype) => ({ module: new nn.LayerNorm([3, 4], { eps: 1e-3, elementwiseAffine: false, dtype }), call: one }),
  'LayerNorm no bias': (dtype) => ({ module: new nn.LayerNorm(5, { bias: false, dtype }), call: one }),
  RMSNorm: (dtype) => ({ module: new nn.RMSNorm(4, { dtype }), call: one }),
  'RMSNorm eps 1e-3 [2, 4]': (dtype) => ({ module: new nn.RMSNorm([2, 4], { eps: 1e-3, dtype }), call: one }),
  'BatchNorm1d 2-d': (dtype) => ({ module: new nn.BatchNorm1d(3, { dtype }), call: one }),
  'BatchNorm1d 3-d momentum 0.3': (dtype) => ({ module: new nn.BatchNorm1d(3, { momentum: 0.3, dtype }), call: one }),
  'BatchNorm1d cumulative': (dtype) => ({ module: new nn.BatchNorm1d(2, { momentum: null, dtype }), call: one }),
  BatchNorm2d: (dtype) => ({ module: new nn.BatchNorm2d(3, { eps: 1e-3, dtype }), call: one }),
  'BatchNorm2d no affine': (dtype) => ({ module: new nn.BatchNorm2d(2, { affine: false, dtype }), call: one }),
  'BatchNorm2d no running stats': (dtype) => ({ module: new nn.BatchNorm2d(2, { trackRunningStats: false, dtype }), call: one }),
  GroupNorm: (dtype) => ({ module: new nn.GroupNorm(2, 4, { dtype }), call: one }),
  'GroupNorm no affine': (dtype) => ({ module: new nn.GroupNorm(3, 3, { affine: false, dtype }), call: one }),
  InstanceNorm2d: (dtype) => ({ module: new nn.InstanceNorm2d(3, { dtype }), call: one }),
  'InstanceNorm2d affine tracked': (dtype) => ({ module: new nn.InstanceNorm2d(2, { affine: true, trackRunningStats: true, dtype }), call: one }),
  'InstanceNorm1d unbatched': (dtype) => ({ module: new nn.InstanceNorm1d(2, { affine: true, dtype }), call: one }),
  Embedding: (dtype) => ({ module: new nn.Embedding(10, 3, { dtype }), call: one }),
  'Embedding paddingIdx': (dtype) => ({ module: new nn.Embedding(10, 3, { paddingIdx: 1, dtype }), call: one }),
  'Embedding maxNorm': (dtype) => ({ module: new nn.Embedding(10, 3, { maxNorm: 0.6, dtype }), call: one }),
  'EmbeddingBag sum offsets': (dtype) => ({ module: new nn.EmbeddingBag(10, 3, { mode: 'sum', dtype }), call: (m, x) => [bag(m).forward(x[0]!, { offsets: x[1]! })] }),
  'EmbeddingBag mean 2-d paddingIdx': (dtype) => ({ module: new nn.EmbeddingBag(10, 3, { paddingIdx: 2, dtype }), call: (m, x) => [bag(m).forward(x[0]!)] }),
  'EmbeddingBag max empty bag includeLastOffset': (dtype) => ({
    module: new nn.EmbeddingBag(10, 3, { mode: 'max', includeLastOffset: true, dtype }), call: (m, x) => [bag(m).forward(x[0]!, { offsets: x[1]! })],
  }),
  'EmbeddingBag sum perSampleWeights': (dtype) => ({
    module: new nn.EmbeddingBag(10, 3, { mode: 'sum', dtype }), call: (m, x) => [bag(m).forward(x[0]!, { offsets: x[1]!, perSampleWeights: x[2]! })],
  }),
  MultiheadAttention: (dtype) => ({ module: new nn.MultiheadAttention(4, 2, { dtype }), call: (m, x) => pair(mha(m).forward(x[0]!, x[1]!, x[2]!)) }),
  'MultiheadAttention masks, per-head weights': (dtype) => ({
    module: new nn.MultiheadAttention(4, 2, { dtype }),
    call: (m, x) => pair(mha(m).forward(x[0]!, x[1]!, x[2]!, { attnMask: causal(dtype), averageAttnWeights: false })),
  }),
  'MultiheadAttention key padding, bool mask, no bias': (dtype) => ({
    module: new nn.MultiheadAttention(4, 2, { bias: false, dtype }),
    call: (m, x) => [mha(m).forward(x[0]!, x[1]!, x[2]!, { keyPaddingMask: kpm(), attnMask: tensor([[false, true, false, false], [false, true, false, false], [false, true, false, false]]) })[0]],
  }),
  'MultiheadAttention batchFirst kdim vdim no weights': (dtype) => ({
    module: new nn.MultiheadAttention(4, 4, { batchFirst: true, kdim: 3, vdim: 5, dtype }),
    call: (m, x) => pair(mha(m).forward(x[0]!, x[1]!, x[2]!, { needWeights: false })),
  }),
  'MultiheadAttention addBiasKv addZeroAttn': (dtype) => ({
    module: new nn.MultiheadAttention(4, 2, { addBiasKv: true, addZeroAttn: true, dtype }),
    call: (m, x) => pair(mha(m).forward(x[0]!, x[1]!, x[2]!, { keyPaddingMask: kpm() })),
  }),
  'MultiheadAttention unbatched': (dtype) => ({ module: new nn.MultiheadAttention(4, 2, { dtype }), call: (m, x) => pair(mha(m).forward(x[0]!, x[1]!, x[2]!)) }),
  scaledDotProductAttention: () => ({ module: new nn.Identity(), call: (_, x) => [F_.scaledDotProductAttention(x[0]!, x[1]!, x[2]!)] }),
  'scaledDotProductAttention causal scale': () => ({
    module: new nn.Identity(), call: (_, x) => [F_.scaledDotProductAttention(x[0]!, x[1]!, x[2]!, { isCausal: true, scale: 0.3 })],
  }),
  'scaledDotProductAttention bool mask': () => ({
    module: new nn.Identity(),
    call: (_, x) => [F_.scaledDotProductAttention(x[0]!, x[1]!, x[2]!, { attnMask: tensor([[true, true, false, true], [false, true, true, true], [true, false, true, true]]) })],
  }),
  // The float mask is the fourth input of this case (it gets a gradient too).
  'scaledDotProductAttention float mask': () => ({ module: new nn.Identity(), call: (_, x) => [F_.scaledDotProductAttention(x[0]!, x[1]!, x[2]!, { attnMask: x[3]! })] }),
  TransformerEncoderLayer: (dtype) => ({ module: new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 6, dropout: 0, dtype }), call: (m, x) => [(m as nn.TransformerEncoderLayer).forward(x[0]!)] }),
  'TransformerEncoderLayer normFirst gelu batchFirst masks': (dtype) => ({
    module: new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 6, dropout: 0, activation: 'gelu', batchFirst: true, normFirst: true, dtype }),
    call: (m, x) => [(m as nn.TransformerEncoderLayer).forward(x[0]!, { srcMask: causal(dtype), srcKeyPaddingMask: kpm().narrow(1, 0, 3) })],
  }),
  TransformerEncoder: (dtype) => ({
    module: new nn.TransformerEncoder(new nn.TransformerEncoderLayer(4, 2, { dimFeedforward: 6, dropout: 0, dtype }), 2, { norm: new nn.LayerNorm(4, { dtype }) }),
    call: (m, x) => [(m as nn.TransformerEncoder).forward(x[0]!, { mask: causal(dtype) })],
  }),
  TransformerDecoderLayer: (dtype) => ({
    module: new nn.TransformerDecoderLayer(4, 2, { dimFeedforward: 6, dropout: 0, dtype }),
    call: (m, x) => [(m as nn.TransformerDecoderLayer).forward(x[0]!, x[1]!, { tgtMask: causal(dtype) })],
  }),
  'TransformerDecoderLayer normFirst gelu batchFirst': (dtype) => ({
    module: new nn.TransformerDecoderLayer(4, 2, { dimFeedforward: 6, dropout: 0, activation: 'gelu', batchFirst: true, normFirst: true, dtype }),
    call: (m, x) => [(m as nn.TransformerDecoderLayer).forward(x[0]!, x[1]!, { tgtMask: causal(dtype), memoryKeyPaddingMask: kpm() })],
  }),
};

function toTensor(t: T, dtype: F, requiresGrad = false): Tensor {
  const d = t.dtype === 'float64' ? dtype : t.dtype;
  const values = t.dtype === 'bool' ? t.data.map((v) => v !== 0) : t.data;
  return tensor(values, { shape: t.shape, dtype: d, requiresGrad: requiresGrad && t.dtype === 'float64' });
}

const TOL: Record<F, { rtol: number; atol: number }> = { float64: { rtol: 1e-9, atol: 1e-10 }, float32: { rtol: 2e-4, atol: 3e-5 } };
/**
 * Where PyTorch's own float64 numbers are less accurate: its hardsigmoid_backward multiplies by 1/6 rounded to
 * float32 (relative error 3·10⁻⁸).
 */
const LOOSER: Record<string, { rtol: number; atol: number }> = { Hardsigmoid: { rtol: 1e-7, atol: 1e-10 } };

function expectClose(got: Tensor | null, want: T, dtype: F, what: string, tol = TOL[dtype]): void {
  expect(got, `${what}: missing`).not.toBeNull();
  expect(got!.shape, `${what}: shape`).toEqual(want.shape);
  const g = got!.data();
  const { rtol, atol } = tol;
  want.data.forEach((w, i) => {
    const a = g[i]!;
    if (!(Math.abs(a - w) <= atol + rtol * Math.abs(w)) && !(a === w)) expect(a, `${what}[${i}]`).toBe(w);
  });
}

const fixtureNames = Object.keys(fixture.cases);

describe('every PyTorch case has a builder and every builder a case', () => {
  it('names agree', () => {
    expect(fixtureNames.filter((n) => !(n in BUILDERS))).toEqual([]);
    expect(Object.keys(BUILDERS).filter((n) => !(n in fixture.cases))).toEqual([]);
  });
});

for (const dtype of ['float64', 'float32'] as const) {
  describe(`layers against PyTorch (${dtype})`, () => {
    for (const name of fixtureNames) {
      const c = fixture.cases[name]!;
      const build = BUILDERS[name];
      if (!build) continue;
      it(name, () => {
        const tol = dtype === 'float64' ? LOOSER[name] ?? TOL.float64 : TOL.float32;
        const close = (got: Tensor | null, want: T, what: string): void => expectClose(got, want, dtype, what, tol);
        const { module, call } = build(dtype);
        const expected = new Map(Object.entries(c.state));
        module.loadStateDict(Object.fromEntries([...expected].map(([k, t]) => [k, toTensor(t, dtype)])));
        c.steps.forEach((step, si) => {
          const at = `${name} step ${si}`;
          module.train(step.train);
          module.zeroGrad();
          const inputs = step.inputs.map((t) => toTensor(t, dtype, true));
          const outs = call(module, inputs);
          expect(outs.length, `${at}: number of outputs`).toBe(step.outputs.length);
          outs.forEach((o, i) => close(o, step.outputs[i]!, `${at} output ${i}`));
          const total = outs.map((o, i) => o.mul(toTensor(step.gradOutputs[i]!, dtype)).sum()).reduce((a, b) => a.add(b));
          total.backward();
          step.inputGrads.forEach((g, i) => {
            if (g !== null) close(inputs[i]!.grad, g, `${at} grad of input ${i}`);
          });
          const params = new Map(module.namedParameters());
          for (const [k, g] of Object.entries(step.paramGrads)) close(params.get(k)?.grad ?? null, g, `${at} grad of ${k}`);
          // Parameters PyTorch gave no gradient have none here either.
          for (const [k, p] of params) if (!(k in step.paramGrads)) expect(p.grad === null || p.grad.abs().max().item() === 0, `${at}: ${k} has a gradient`).toBe(true);
          for (const [k, t] of Object.entries(step.stateAfter)) expected.set(k, t);
          const sd = module.stateDict();
          expect([...sd.keys()].sort(), `${at}: state dict keys`).toEqual([...expected.keys()].sort());
          for (const [k, t] of expected) close(sd.get(k)!, t, `${at} state ${k}`);
        });
      });
    }
  });
}
