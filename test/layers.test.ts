// The layers' engine behaviour and misuse: the fused LayerNorm and BatchNorm are one backend dispatch forward and
// one backward (counted on a backend that records every kernel call), differentiate to second order through the
// modules, keep PyTorch's state-dict names and camelCase properties; Module.to converts in place; containers;
// channel dropout; and the errors that name the layer, the shapes and the fix.
import { afterEach, describe, expect, it } from 'vitest';
import {
  getBackend, grad, gradcheck, gradgradcheck, manualSeed, nn, noGrad, optim, ones, randn, registerBackend, setBackend, tensor, zeros,
  type Backend, type Tensor,
} from '../src/index.js';
import { tsBackend } from '../src/kernels/ts/index.js';

const F = nn.functional;
const MEMORY = new Set(['name', 'device', 'alloc', 'fromHost', 'read', 'readScalar', 'readAsync']);

/** A CPU backend that runs the TS kernels and records the name of every kernel call. */
const calls: string[] = [];
const counting = Object.fromEntries(Object.entries(tsBackend).map(([k, v]) => [
  k,
  typeof v === 'function' && !MEMORY.has(k) ? (...args: unknown[]) => { calls.push(k); return (v as (...a: unknown[]) => unknown)(...args); } : v,
])) as unknown as Backend;
(counting as { name: string }).name = 'counting';
registerBackend(counting);

function dispatches(fn: () => unknown): string[] {
  const before = getBackend().name;
  setBackend('counting');
  calls.length = 0;
  try {
    fn();
    return [...calls];
  } finally {
    setBackend(before);
  }
}

afterEach(() => manualSeed(0));

describe('fused normalisation kernels', () => {
  it('LayerNorm is one backend kernel forward and one backward', () => {
    const ln = new nn.LayerNorm(16);
    const x = randn([4, 8, 16], { requiresGrad: true });
    const g = randn([4, 8, 16]);
    let y: Tensor | null = null;
    expect(dispatches(() => { y = ln.forward(x); })).toEqual(['layerNorm']);
    expect(dispatches(() => grad(y!, [x, ln.weight!, ln.bias!], { gradOutputs: g }))).toEqual(['layerNormBackward']);
  });

  it('BatchNorm2d is one backend kernel forward (statistics and running averages included) and one backward', () => {
    const bn = new nn.BatchNorm2d(3);
    const x = randn([4, 3, 5, 5], { requiresGrad: true });
    const g = randn([4, 3, 5, 5]);
    let y: Tensor | null = null;
    // The functional form with running statistics: statistics, normalisation, affine map and running averages.
    expect(dispatches(() => { y = F.batchNorm(x, bn.runningMean, bn.runningVar, bn.weight, bn.bias, { training: true }); })).toEqual(['batchNorm']);
    expect(dispatches(() => grad(y!, [x, bn.weight!, bn.bias!], { gradOutputs: g }))).toEqual(['batchNormBackward']);
    // The module also counts the batch: num_batches_tracked += 1 on its 0-d int32 counter (a fill, an add, a copy).
    const kernels = dispatches(() => { y = bn.forward(x); });
    expect(kernels.filter((k) => k === 'batchNorm')).toEqual(['batchNorm']);
    expect(kernels.filter((k) => !['batchNorm', 'fill', 'binary', 'copy'].includes(k))).toEqual([]);
    bn.eval();
    expect(dispatches(() => { y = bn.forward(x); })).toEqual(['batchNorm']);
  });

  it('only the gradients that are needed are computed (the output mask)', () => {
    const x = randn([3, 5], { requiresGrad: true });
    const w = ones([5]);
    const y = F.layerNorm(x, [5], w);
    const [dx] = grad(y, [x], { gradOutputs: randn([3, 5]) });
    expect(dx!.shape).toEqual([3, 5]);
    const [a, b, c] = F.layerNormBackward(randn([3, 5]), x.detach(), [5], zeros([3]), ones([3]), w, { outputMask: [false, true, false] });
    expect([a, b?.shape, c]).toEqual([null, [5], null]);
  });

  it('gradcheck and gradgradcheck through the modules, training and eval', () => {
    const ln = new nn.LayerNorm([2, 3], { dtype: 'float64' });
    noGrad(() => { ln.weight!.copy_(randn([2, 3], { dtype: 'float64' })); ln.bias!.copy_(randn([2, 3], { dtype: 'float64' })); });
    const x = randn([2, 2, 3], { dtype: 'float64', requiresGrad: true });
    expect(gradcheck((x, w, b) => F.layerNorm(x!, [2, 3], w!, b!), [x, ln.weight!, ln.bias!])).toBe(true);
    expect(gradgradcheck((x, w, b) => F.layerNorm(x!, [2, 3], w!, b!), [x, ln.weight!, ln.bias!])).toBe(true);
    const bn = new nn.BatchNorm1d(3, { dtype: 'float64' });
    noGrad(() => bn.weight!.copy_(randn([3], { dtype: 'float64' })));
    const xb = randn([4, 3, 2], { dtype: 'float64', requiresGrad: true });
    for (const mode of [true, false]) {
      bn.train(mode);
      expect(gradcheck((x, w, b) => F.batchNorm(x!, bn.runningMean, bn.runningVar, w!, b!, { training: mode, momentum: 0 }), [xb, bn.weight!, bn.bias!])).toBe(true);
      expect(gradgradcheck((x, w, b) => F.batchNorm(x!, bn.runningMean, bn.runningVar, w!, b!, { training: mode, momentum: 0 }), [xb, bn.weight!, bn.bias!])).toBe(true);
    }
  });

  it('updates the running statistics in place, with the unbiased variance, and not in eval mode', () => {
    const bn = new nn.BatchNorm1d(2, { dtype: 'float64' });
    const x = tensor([[1, 10], [3, 14], [5, 12]], { dtype: 'float64' });
    const version = bn.runningMean!.storage.version;
    bn.forward(x);
    expect(bn.runningMean!.toArray()).toEqual([0.30000000000000004, 1.2000000000000002]);
    // unbiased variances 4 and 4: 0.9 · 1 + 0.1 · 4
    expect((bn.runningVar!.toArray() as number[]).map((v) => Number(v.toFixed(12)))).toEqual([1.3, 1.3]);
    expect(bn.numBatchesTracked!.item()).toBe(1);
    expect(bn.runningMean!.storage.version).toBeGreaterThan(version);
    bn.eval();
    bn.forward(x);
    expect(bn.numBatchesTracked!.item()).toBe(1);
    expect(bn.runningMean!.toArray()).toEqual([0.30000000000000004, 1.2000000000000002]);
  });
});

describe('state-dict names are PyTorch\'s, properties camelCase', () => {
  it('BatchNorm, MultiheadAttention and a transformer layer', () => {
    const bn = new nn.BatchNorm2d(4);
    expect([...bn.stateDict().keys()]).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
    expect(bn.namedBuffers().map(([k]) => k)).toEqual(['running_mean', 'running_var', 'num_batches_tracked']);
    expect(bn.runningVar!.toArray()).toEqual([1, 1, 1, 1]);
    expect(bn.numBatchesTracked!.dtype).toBe('int32');
    const mha = new nn.MultiheadAttention(8, 2, { kdim: 4 });
    expect(mha.namedParameters().map(([k]) => k)).toEqual(['q_proj_weight', 'k_proj_weight', 'v_proj_weight', 'in_proj_bias', 'out_proj.weight', 'out_proj.bias']);
    expect(mha.inProjWeight).toBeNull();
    expect(mha.kProjWeight!.shape).toEqual([8, 4]);
    const layer = new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16 });
    expect(layer.selfAttn).toBeInstanceOf(nn.MultiheadAttention);
    expect(layer.namedModules().map(([k]) => k)).toContain('multihead_attn.out_proj');
    const noStats = new nn.BatchNorm1d(3, { trackRunningStats: false, affine: false });
    expect([...noStats.stateDict().keys()]).toEqual([]);
  });

  it('TransformerEncoder starts every layer from the given layer\'s parameters, as PyTorch\'s deep copy', () => {
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
    const enc = new nn.TransformerEncoder(layer, 2);
    const w0 = (enc.layers.at(0) as nn.TransformerEncoderLayer).selfAttn.inProjWeight!;
    const w1 = (enc.layers.at(1) as nn.TransformerEncoderLayer).selfAttn.inProjWeight!;
    expect(w0).not.toBe(w1);
    expect(w0.toArray()).toEqual(w1.toArray());
    expect(w0.toArray()).toEqual(layer.selfAttn.inProjWeight!.toArray());
  });
});

describe('Module', () => {
  it('to(dtype) converts floating parameters, buffers and gradients in place: optimizers keep working', () => {
    const model = new nn.Sequential(new nn.Linear(3, 2), new nn.BatchNorm1d(2));
    const params = model.parameters();
    const opt = new optim.SGD(params, 0.1);
    model.forward(randn([4, 3])).sum().backward();
    expect(model.to('float64')).toBe(model);
    expect(model.parameters()).toEqual(params);
    expect(model.parameters().every((p, i) => p === params[i] && p.dtype === 'float64' && p.grad!.dtype === 'float64')).toBe(true);
    expect(model.buffers().map((b) => b.dtype)).toEqual(['float64', 'float64', 'int32']);
    opt.zeroGrad();
    model.forward(randn([4, 3], { dtype: 'float64' })).sum().backward();
    const before = (model.at(0) as nn.Linear).weight.toArray();
    opt.step();
    expect((model.at(0) as nn.Linear).weight.toArray()).not.toEqual(before);
    model.float();
    expect(model.parameters().map((p) => p.dtype)).toEqual(['float32', 'float32', 'float32', 'float32']);
    expect(model.to({ dtype: 'float64', device: 'cpu' }).parameters()[0]!.dtype).toBe('float64');
    expect(model.to('cpu').parameters()[0]!.device).toBe('cpu');
  });

  it('to() refuses integer dtypes, unknown targets and options', () => {
    const m = new nn.Linear(2, 2);
    expect(() => m.to('int32')).toThrow("Linear.to: only accepts floating point dtypes (float32, float64), but got dtype 'int32'");
    expect(() => m.to('cuda')).toThrow("Linear.to: unknown dtype or device 'cuda'");
    expect(() => m.to({ dtype: 'float64', non_blocking: true } as never)).toThrow("Linear.to: unknown option 'non_blocking'");
  });

  it('counts parameters, trainable or all; modules, children and apply as PyTorch', () => {
    const model = new nn.Sequential(new nn.Embedding(10, 4), new nn.LayerNorm(4));
    expect(model.numParameters()).toBe(48);
    (model.at(0) as nn.Embedding).weight.requiresGrad = false;
    expect(model.numParameters(true)).toBe(8);
    expect(model.modules().length).toBe(3);
    expect(model.namedChildren().map(([k]) => k)).toEqual(['0', '1']);
    const seen: string[] = [];
    model.apply((m) => seen.push(m.constructor.name));
    expect(seen).toEqual(['Embedding', 'LayerNorm', 'Sequential']);
    expect(model.requiresGrad_(false).parameters().every((p) => !p.requiresGrad)).toBe(true);
  });

  it('prints the new layers', () => {
    const layer = new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16 });
    const text = String(layer);
    expect(text).toContain('(self_attn): MultiheadAttention(\n');
    expect(text).toContain('(norm1): LayerNorm([8], eps=0.00001, elementwiseAffine=true)');
    expect(String(new nn.LeakyReLU(0.2))).toBe('LeakyReLU(negativeSlope=0.2)');
  });
});

describe('containers', () => {
  it('ModuleDict, ParameterList and ParameterDict register their entries under their keys', () => {
    const md = new nn.ModuleDict({ enc: new nn.Linear(2, 3), dec: new nn.Linear(3, 2) });
    expect([...md.stateDict().keys()]).toEqual(['enc.weight', 'enc.bias', 'dec.weight', 'dec.bias']);
    expect(md.keys()).toEqual(['enc', 'dec']);
    md.pop('enc');
    expect(md.has('enc')).toBe(false);
    expect(md.length).toBe(1);
    const pl = new nn.ParameterList([zeros([2]), ones([3])]);
    pl.append(ones([1]));
    expect([...pl.stateDict().keys()]).toEqual(['0', '1', '2']);
    expect(pl.at(-1)!.requiresGrad).toBe(true);
    const pd = new nn.ParameterDict({ scale: ones([2]) });
    pd.set('shift', zeros([2]));
    expect(pd.keys()).toEqual(['scale', 'shift']);
    const holder = new nn.ModuleDict({ p: pd });
    expect(holder.namedParameters().map(([k]) => k)).toEqual(['p.scale', 'p.shift']);
    expect(() => md.set('a.b', new nn.Linear(1, 1))).toThrow("registerModule: the name must be a non-empty string without '.'");
  });
});

describe('layers', () => {
  it('Dropout2d zeroes whole channels in training and scales the rest', () => {
    const x = ones([4, 8, 3, 3]);
    const y = new nn.Dropout2d(0.5).forward(x);
    const perChannel = y.sum([2, 3]).reshape([-1]).toArray() as number[];
    expect(perChannel.every((v) => v === 0 || v === 18)).toBe(true);
    expect(perChannel.some((v) => v === 0) && perChannel.some((v) => v === 18)).toBe(true);
    expect(new nn.Dropout2d(0.5).eval().forward(x)).toBe(x);
  });

  it('Embedding: any index shape, no gradient to the padding row', () => {
    const emb = new nn.Embedding(5, 2, { paddingIdx: -1 });
    expect(emb.paddingIdx).toBe(4);
    expect(emb.weight.narrow(0, 4, 1).toArray()).toEqual([[0, 0]]);
    const ids = tensor([[[4, 1]], [[1, 0]]], { dtype: 'int32' });
    const y = emb.forward(ids);
    expect(y.shape).toEqual([2, 1, 2, 2]);
    y.sum().backward();
    expect(emb.weight.grad!.toArray()).toEqual([[1, 1], [2, 2], [0, 0], [0, 0], [0, 0]]);
  });

  it('activations keep finite gradients where a discarded branch overflows', () => {
    const x = tensor([-1000, -80, 0, 80, 1000], { requiresGrad: true });
    for (const f of [F.elu, F.selu, F.softplus, F.mish, F.silu, (t: Tensor) => F.celu(t, 0.5)]) {
      x.grad = null;
      f(x).sum().backward();
      expect((x.grad!.toArray() as number[]).every(Number.isFinite)).toBe(true);
    }
  });

  it('the causal mask and scaledDotProductAttention with isCausal agree', () => {
    const q = randn([2, 4, 3]), k = randn([2, 4, 3]), v = randn([2, 4, 5]);
    const a = F.scaledDotProductAttention(q, k, v, { isCausal: true });
    const b = F.scaledDotProductAttention(q, k, v, { attnMask: nn.generateSquareSubsequentMask(4) });
    const c = F.scaledDotProductAttention(q, k, v, { attnMask: nn.generateSquareSubsequentMask(4).eq(0) });
    expect(a.sub(b).abs().max().item()).toBeLessThan(1e-6);
    expect(a.sub(c).abs().max().item()).toBeLessThan(1e-6);
    // The first query sees only the first key.
    expect(a.narrow(1, 0, 1).sub(v.narrow(1, 0, 1)).abs().max().item()).toBeLessThan(1e-6);
  });

  it('MultiheadAttention with isCausal equals the explicit causal mask', () => {
    const mha = new nn.MultiheadAttention(8, 2, { batchFirst: true });
    const x = randn([2, 5, 8]);
    const [a] = mha.forward(x, x, x, { isCausal: true });
    const [b] = mha.forward(x, x, x, { attnMask: nn.generateSquareSubsequentMask(5) });
    expect(a.sub(b).abs().max().item()).toBe(0);
  });

  it('InstanceNorm2d takes unbatched input', () => {
    const norm = new nn.InstanceNorm2d(3);
    const x = randn([3, 4, 4]);
    expect(norm.forward(x).sub(norm.forward(x.unsqueeze(0)).squeeze(0)).abs().max().item()).toBe(0);
  });
});

describe('misuse', () => {
  it('names the layer, the shapes and the fix', () => {
    expect(() => new nn.LayerNorm(4).forward(randn([2, 3]))).toThrow(
      'layerNorm: given normalizedShape=[4], expected input with shape [*, 4], but got input of size [2, 3].');
    expect(() => new nn.BatchNorm1d(3).forward(randn([1, 3]))).toThrow(
      'batchNorm: expected more than 1 value per channel when training, got input size [1, 3].');
    expect(() => new nn.BatchNorm2d(3).forward(randn([2, 3, 4]))).toThrow('BatchNorm2d: expected 4D input (got 3D input of shape [2, 3, 4]).');
    expect(() => new nn.BatchNorm1d(3).forward(randn([2, 4]))).toThrow('BatchNorm1d: expected 3 channels (dim 1) for an input of shape [2, 4], got 4.');
    expect(() => new nn.GroupNorm(3, 4)).toThrow('GroupNorm: numChannels (4) must be divisible by numGroups (3).');
    expect(() => F.batchNorm(randn([2, 3]), null, null)).toThrow('batchNorm: runningMean and runningVar must be defined in evaluation mode');
    expect(() => new nn.MultiheadAttention(8, 3)).toThrow('MultiheadAttention: embedDim (8) must be divisible by numHeads (3).');
    const mha = new nn.MultiheadAttention(8, 2);
    expect(() => mha.forward(randn([3, 2, 6]), randn([3, 2, 6]), randn([3, 2, 6]))).toThrow(
      'MultiheadAttention: was expecting embedding dimension of 8, but got 6');
    expect(() => mha.forward(randn([3, 2, 8]), randn([4, 2, 8]), randn([4, 2, 8]), { attnMask: zeros([3, 3]) })).toThrow(
      'MultiheadAttention: the shape of the attnMask is [3, 3], but should be [3, 4] (2-D)');
    expect(() => mha.forward(randn([3, 2, 8]), randn([4, 2, 8]), randn([4, 2, 8]), { key_padding_mask: null } as never)).toThrow(
      "MultiheadAttention: unknown option 'key_padding_mask'; did you mean 'keyPaddingMask'?");
    expect(() => new nn.Embedding(4, 2).forward(tensor([1, 4], { dtype: 'int32' }))).toThrow(
      'embedding: index 4 is out of range for 4 embeddings: indices must be in [0, 3]');
    expect(() => new nn.Embedding(4, 2).forward(tensor([1.5]))).toThrow('embedding: expected int32 indices');
    expect(() => F.scaledDotProductAttention(randn([2, 3]), randn([2, 3]), randn([2, 3]), { isCausal: true, attnMask: zeros([2, 2]) })).toThrow(
      'scaledDotProductAttention: an explicit attnMask should not be set when isCausal is true.');
    expect(() => new nn.GELU({ approximate: 'fast' } as never)).toThrow("GELU: option 'approximate' must be one of 'none', 'tanh'");
    expect(() => new nn.LayerNorm(4, { elementwise_affine: false } as never)).toThrow("LayerNorm: unknown option 'elementwise_affine'; did you mean 'elementwiseAffine'?");
    expect(() => new nn.TransformerEncoderLayer(8, 2, { activation: 'tanh' as never })).toThrow("TransformerEncoderLayer: activation should be 'relu', 'gelu' or a function");
    expect(() => F.layerNorm(randn([2, 4]), [4], ones([4], { dtype: 'float64' }))).toThrow('layerNorm: weight has dtype float64 but the input has dtype float32');
    expect(() => F.hardtanh(randn([2]), 1, 0)).toThrow('hardtanh: minVal (1) cannot be greater than maxVal (0).');
    expect(() => new nn.InstanceNorm2d(2, { trackRunningStats: true, momentum: null }).forward(randn([2, 2, 3, 3]))).toThrow(
      'InstanceNorm2d: momentum null (a cumulative average) is not supported');
  });
});
