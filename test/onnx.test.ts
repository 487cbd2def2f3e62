// ONNX export, checked by ONNX Runtime: every model is exported at batch 2 with its batch axis dynamic and run by
// onnxruntime-web (WebAssembly, in Node) at batch 5; its outputs must agree with adjoint's at float32 tolerance.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { arange, checkpointSequential, eye, manualSeed, nn, noGrad, randn, randint, tensor, zeros, type Tensor } from '../src/index.js';
import { exportOnnxFile } from '../src/entry-node.js';
import { exportOnnx, type ExportOnnxOptions } from '../src/entry-onnx.js';
import { buildModel } from '../examples/mnist-train.js';
import { HYPER } from '../examples/gpt-data.js';
import { Gpt } from '../examples/gpt-model.js';
import { schemaSource } from '../scripts/onnx-schema.js';
import { FIXTURE_TOL, lcgTensor, mismatch } from './support/lcg.js';
import { onnxOpTypes, runOnnx } from './support/onnx-runtime.js';

const F32_TOL: readonly [number, number] = [1e-4, 2e-5];

type Forward = (...xs: Tensor[]) => unknown;

function flat(v: unknown): Tensor[] {
  return Array.isArray(v) ? v.flatMap(flat) : [v as Tensor];
}

/**
 * Export `model` on `example` (batch axis `axis` of every input dynamic), run it in ONNX Runtime on `inputs`,
 * and compare every output with adjoint's. Returns the model's bytes.
 */
async function roundTrip(model: nn.Module, example: Tensor[], inputs: Tensor[], axis = 0, extra: ExportOnnxOptions = {}): Promise<Uint8Array> {
  const inputNames = example.map((_, i) => `in${i}`);
  const dynamicAxes = Object.fromEntries(inputNames.map((n) => [n, { [axis]: 'batch' }]));
  const bytes = await exportOnnx(model, example, { inputNames, dynamicAxes, ...extra });
  model.eval();
  const want = flat(noGrad(() => (model.forward as Forward)(...inputs)));
  const got = await runOnnx(bytes, Object.fromEntries(inputs.map((x, i) => [inputNames[i]!, x])));
  const names = Object.keys(got);
  expect(names.length).toBe(want.length);
  want.forEach((w, i) => {
    const g = got[names[i]!]!;
    expect(g.dims).toEqual(w.shape);
    expect(mismatch(g.data, [...w.data()], F32_TOL)).toBeNull();
  });
  return bytes;
}

describe('exportOnnx: models run in ONNX Runtime with a dynamic batch (exported at 2, run at 5)', () => {
  it('the MNIST network (examples/mnist-train.ts buildModel), and with Flatten from images', async () => {
    manualSeed(1);
    const bytes = await roundTrip(buildModel(32), [randn([2, 784])], [randn([5, 784])]);
    expect(await onnxOpTypes(bytes)).toEqual(['Transpose', 'MatMul', 'Add', 'Relu', 'Transpose', 'MatMul', 'Add', 'Identity']);
    await roundTrip(new nn.Sequential(new nn.Flatten(), buildModel(16)), [randn([2, 1, 28, 28])], [randn([5, 1, 28, 28])]);
  });

  it('the checkpointed chain (Linear + Tanh through checkpointSequential)', async () => {
    manualSeed(2);
    class Chain extends nn.Module {
      readonly layers = new nn.Sequential(...Array.from({ length: 4 }, () => [new nn.Linear(16, 16), new nn.Tanh()]).flat());
      override forward(x: Tensor): Tensor {
        return checkpointSequential(this.layers, 2, x);
      }
    }
    await roundTrip(new Chain(), [randn([2, 16])], [randn([5, 16])]);
  });

  it('a LeNet with Conv2d, BatchNorm2d/1d, MaxPool2d: PyTorch\'s weights give PyTorch\'s outputs in ONNX Runtime', async () => {
    const model = new nn.Sequential(
      new nn.Conv2d(1, 4, 5, { padding: 2 }), new nn.BatchNorm2d(4), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Conv2d(4, 8, 5), new nn.BatchNorm2d(8), new nn.ReLU(), new nn.MaxPool2d(2),
      new nn.Flatten(), new nn.Linear(200, 32), new nn.BatchNorm1d(32), new nn.ReLU(), new nn.Linear(32, 10),
    );
    model.loadStateDict(nn.deserializeStateDict(new Uint8Array(readFileSync(new URL('./fixtures/lenet-bn.safetensors', import.meta.url)))));
    const want = JSON.parse(readFileSync(new URL('./fixtures/lenet-bn.json', import.meta.url), 'utf8')) as { eval: number[] };
    const x = lcgTensor([2, 1, 28, 28], 77, 'float32');
    const bytes = await roundTrip(model, [x], [randn([5, 1, 28, 28])]);
    const { in0 } = { in0: x };
    const out = Object.values(await runOnnx(bytes, { in0 }))[0]!;
    expect(mismatch(out.data, want.eval, FIXTURE_TOL.float32)).toBeNull();
    const ops = await onnxOpTypes(bytes);
    expect(ops.filter((o) => o === 'Conv' || o === 'BatchNormalization' || o === 'MaxPool')).toEqual(['Conv', 'BatchNormalization', 'MaxPool', 'Conv', 'BatchNormalization', 'MaxPool', 'BatchNormalization']);
  });

  it('LayerNorm (as LayerNormalization), GELU exact and tanh, softmax and logSoftmax', async () => {
    manualSeed(3);
    const model = new nn.Sequential(new nn.LayerNorm(6), new nn.GELU(), new nn.Linear(6, 6), new nn.GELU({ approximate: 'tanh' }), new nn.LayerNorm([3, 6], { elementwiseAffine: false }), new nn.LogSoftmax(-1));
    const bytes = await roundTrip(model, [randn([2, 3, 6])], [randn([5, 3, 6])]);
    expect((await onnxOpTypes(bytes)).filter((o) => o === 'LayerNormalization')).toHaveLength(2);
  });

  it('the activation layers and AvgPool2d', async () => {
    manualSeed(13);
    const model = new nn.Sequential(
      new nn.AvgPool2d(2, { stride: 1, padding: 1, countIncludePad: false }), new nn.AvgPool2d(2, { ceilMode: true }), new nn.Flatten(),
      new nn.SiLU(), new nn.Mish(), new nn.LeakyReLU(0.1), new nn.ELU(), new nn.SELU(), new nn.CELU(0.5), new nn.Softplus({ beta: 2, threshold: 1 }),
      new nn.Hardtanh(-0.5, 0.5), new nn.ReLU6(), new nn.Hardswish(), new nn.Hardsigmoid(), new nn.Sigmoid(), new nn.Tanh(), new nn.Softmin(1),
    );
    await roundTrip(model, [randn([2, 3, 5, 5]).mul(3)], [randn([5, 3, 5, 5]).mul(3)]);
  });

  it('AdaptiveAvgPool2d: global as GlobalAveragePool, windows that tile the input as AveragePool, others refused', async () => {
    manualSeed(14);
    const model = new nn.Sequential(new nn.AdaptiveAvgPool2d([3, 2]), new nn.AdaptiveAvgPool2d(1), new nn.Flatten());
    const bytes = await roundTrip(model, [randn([2, 3, 6, 4])], [randn([5, 3, 6, 4])]);
    expect(await onnxOpTypes(bytes)).toEqual(expect.arrayContaining(['AveragePool', 'GlobalAveragePool']));
    await expect(exportOnnx(new nn.AdaptiveAvgPool2d(3), [randn([1, 2, 5, 5])])).rejects.toThrow(
      'exportOnnx: adaptiveAvgPool2d from 5×5 to 3×3 has no ONNX form (its windows do not tile the input, as AveragePool\'s would).');
  });

  it('scaledDotProductAttention: causal, with a bool mask, and with a float mask', async () => {
    manualSeed(4);
    const mask = randn([4, 4]).gt(-0.5).logicalOr(eye(4).to('bool'));
    const bias = randn([4, 4]);
    class Attention extends nn.Module {
      override forward(q: Tensor, k: Tensor, v: Tensor): Tensor[] {
        const f = nn.functional.scaledDotProductAttention;
        return [f(q, k, v, { isCausal: true }), f(q, k, v, { attnMask: mask }), f(q, k, v, { attnMask: bias, scale: 0.3 })];
      }
    }
    const shape = (b: number): number[] => [b, 2, 4, 8];
    await roundTrip(new Attention(), [randn(shape(2)), randn(shape(2)), randn(shape(2))], [randn(shape(5)), randn(shape(5)), randn(shape(5))]);
  });

  it('MultiheadAttention (batch first and not, self- and cross-attention), returning its averaged weights', async () => {
    manualSeed(5);
    const mha = new nn.MultiheadAttention(8, 2, { batchFirst: true });
    class SelfAttention extends nn.Module {
      readonly mha = mha;
      override forward(x: Tensor): unknown {
        return this.mha.forward(x, x, x);
      }
    }
    await roundTrip(new SelfAttention(), [randn([2, 3, 8])], [randn([5, 3, 8])]);
    const cross = new nn.MultiheadAttention(8, 4, { kdim: 6, vdim: 5 });
    class Cross extends nn.Module {
      readonly cross = cross;
      override forward(q: Tensor, kv: Tensor, v: Tensor): unknown {
        return this.cross.forward(q, kv, v, { needWeights: false })[0];
      }
    }
    await roundTrip(new Cross(), [randn([3, 2, 8]), randn([4, 2, 6]), randn([4, 2, 5])], [randn([3, 5, 8]), randn([4, 5, 6]), randn([4, 5, 5])], 1);
  });

  it('TransformerEncoderLayer (post-LN relu, pre-LN gelu) and a TransformerEncoder with a causal mask', async () => {
    manualSeed(6);
    await roundTrip(new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true }), [randn([2, 3, 8])], [randn([5, 3, 8])]);
    await roundTrip(new nn.TransformerEncoderLayer(8, 4, { dimFeedforward: 12, activation: 'gelu', normFirst: true }), [randn([3, 2, 8])], [randn([3, 5, 8])], 1);
    const encoder = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true }), 2);
    const causal = nn.generateSquareSubsequentMask(3);
    class Causal extends nn.Module {
      readonly encoder = encoder;
      override forward(x: Tensor): Tensor {
        return this.encoder.forward(x, { mask: causal });
      }
    }
    await roundTrip(new Causal(), [randn([2, 3, 8])], [randn([5, 3, 8])]);
  });

  it('MultiheadAttention with a key padding mask as an input, and a TransformerDecoderLayer', async () => {
    manualSeed(14);
    class Padded extends nn.Module {
      readonly mha = new nn.MultiheadAttention(8, 2, { batchFirst: true });
      override forward(x: Tensor, pad: Tensor): unknown {
        return this.mha.forward(x, x, x, { keyPaddingMask: pad });
      }
    }
    const pad = (rows: boolean[][]): Tensor => tensor(rows, { dtype: 'bool' });
    await roundTrip(new Padded(), [randn([2, 3, 8]), pad([[false, false, true], [false, true, true]])],
      [randn([5, 3, 8]), pad([[false, false, false], [false, true, true], [false, false, true], [true, false, true], [false, true, false]])]);
    class Decoder extends nn.Module {
      readonly layer = new nn.TransformerDecoderLayer(8, 2, { dimFeedforward: 16, batchFirst: true });
      override forward(tgt: Tensor, memory: Tensor): Tensor {
        return this.layer.forward(tgt, memory);
      }
    }
    await roundTrip(new Decoder(), [randn([2, 3, 8]), randn([2, 4, 8])], [randn([5, 3, 8]), randn([5, 4, 8])]);
  });

  it('LSTM as ONNX\'s LSTM operator: PyTorch\'s 2-layer weights, bidirectional batch-first, and given (h0, c0)', async () => {
    const lstm = new nn.LSTM(8, 16, 2);
    lstm.loadStateDict(nn.deserializeStateDict(new Uint8Array(readFileSync(new URL('./fixtures/lstm-2layer.safetensors', import.meta.url)))));
    const want = JSON.parse(readFileSync(new URL('./fixtures/lstm-2layer.json', import.meta.url), 'utf8')) as Record<'output' | 'hN' | 'cN', number[]>;
    const x = lcgTensor([6, 3, 8], 77, 'float32');
    const bytes = await roundTrip(lstm, [x], [randn([6, 5, 8])], 1);
    expect((await onnxOpTypes(bytes)).filter((o) => o === 'LSTM')).toHaveLength(2);
    const [out, h, c] = Object.values(await runOnnx(bytes, { in0: x }));
    expect(mismatch(out!.data, want.output, FIXTURE_TOL.float32)).toBeNull();
    expect(mismatch(h!.data, want.hN, FIXTURE_TOL.float32)).toBeNull();
    expect(mismatch(c!.data, want.cN, FIXTURE_TOL.float32)).toBeNull();

    manualSeed(7);
    await roundTrip(new nn.LSTM(4, 6, { numLayers: 2, batchFirst: true, bidirectional: true }), [randn([2, 3, 4])], [randn([5, 3, 4])]);
    const withState = new nn.LSTM(4, 5, { numLayers: 2, bias: false });
    class Stateful extends nn.Module {
      readonly lstm = withState;
      override forward(x: Tensor, h0: Tensor, c0: Tensor): unknown {
        return this.lstm.forward(x, [h0, c0]);
      }
    }
    await roundTrip(new Stateful(), [randn([3, 2, 4]), randn([2, 2, 5]), randn([2, 2, 5])], [randn([3, 5, 4]), randn([2, 5, 5]), randn([2, 5, 5])], 1);
  });

  it('GRU and RNN as ONNX\'s GRU and RNN operators (linear_before_reset, bidirectional, relu)', async () => {
    manualSeed(8);
    const bytes = await roundTrip(new nn.GRU(4, 6, { numLayers: 2, batchFirst: true }), [randn([2, 3, 4])], [randn([5, 3, 4])]);
    expect((await onnxOpTypes(bytes)).filter((o) => o === 'GRU')).toHaveLength(2);
    await roundTrip(new nn.GRU(4, 6, { bidirectional: true }), [randn([3, 2, 4])], [randn([3, 5, 4])], 1);
    await roundTrip(new nn.RNN(4, 6, { nonlinearity: 'relu', numLayers: 2, bidirectional: true }), [randn([3, 2, 4])], [randn([3, 5, 4])], 1);
  });

  it('a minGPT-style model (Embedding, causal MultiheadAttention, LayerNorm, tanh GELU): PyTorch\'s weights give PyTorch\'s logits', async () => {
    const fixture = JSON.parse(readFileSync(new URL('./fixtures/layers-gpt.json', import.meta.url), 'utf8')) as {
      config: { vocabSize: number; blockSize: number; nEmbd: number; nHead: number; nLayer: number };
      idx: number[][];
      logits: { float32: number[] };
    };
    const { vocabSize, blockSize, nEmbd: e, nHead, nLayer } = fixture.config;
    class Block extends nn.Module {
      readonly ln_1 = new nn.LayerNorm(e);
      readonly attn = new nn.MultiheadAttention(e, nHead, { batchFirst: true });
      readonly ln_2 = new nn.LayerNorm(e);
      readonly mlp = new nn.Sequential(new nn.Linear(e, 4 * e), new nn.GELU({ approximate: 'tanh' }), new nn.Linear(4 * e, e), new nn.Dropout(0));
      override forward(x: Tensor, mask: Tensor): Tensor {
        const h = this.ln_1.forward(x);
        const y = x.add(this.attn.forward(h, h, h, { attnMask: mask, needWeights: false })[0]);
        return y.add(this.mlp.forward(this.ln_2.forward(y)));
      }
    }
    class GPT extends nn.Module {
      readonly transformer = new nn.ModuleDict({
        wte: new nn.Embedding(vocabSize, e), wpe: new nn.Embedding(blockSize, e), drop: new nn.Dropout(0),
        h: new nn.ModuleList(Array.from({ length: nLayer }, () => new Block())), ln_f: new nn.LayerNorm(e),
      });
      readonly lm_head = new nn.Linear(e, vocabSize, { bias: false });
      override forward(idx: Tensor): Tensor {
        const t = idx.shape[1]!, m = this.transformer;
        const emb = (k: string, ids: Tensor): Tensor => (m.get(k) as nn.Embedding).forward(ids);
        let x = emb('wte', idx).add(emb('wpe', arange(t, undefined, 1, { dtype: 'int32' })));
        const mask = nn.Transformer.generateSquareSubsequentMask(t);
        for (const block of m.get('h') as nn.ModuleList) x = (block as Block).forward(x, mask);
        return this.lm_head.forward((m.get('ln_f') as nn.LayerNorm).forward(x));
      }
    }
    const model = new GPT();
    model.loadStateDict(nn.deserializeStateDict(new Uint8Array(readFileSync(new URL('./fixtures/layers-gpt.safetensors', import.meta.url)))));
    const idx = tensor(fixture.idx, { dtype: 'int32' });
    const bytes = await roundTrip(model, [idx], [randint(0, vocabSize, [5, blockSize])]);
    const out = Object.values(await runOnnx(bytes, { in0: idx }))[0]!;
    expect(mismatch(out.data, fixture.logits.float32, FIXTURE_TOL.float32)).toBeNull();
    // The sequence length is not dynamic: the positions and the causal mask are made from it outside the traced ops.
    await expect(exportOnnx(model, idx.narrow(1, 0, 4), { dynamicAxes: { input: [1] } })).rejects.toThrow(/changes with the dynamic axes/);
  });

  it('the GPT of npm run example:gpt (examples/gpt-model.ts), as the example builds it', async () => {
    manualSeed(3);
    const config = { vocab: 28, blockSize: HYPER.blockSize, embd: HYPER.embd, heads: HYPER.heads, layers: HYPER.layers };
    const model = new Gpt(config);
    const bytes = await roundTrip(model, [randint(0, config.vocab, [2, config.blockSize])], [randint(0, config.vocab, [5, config.blockSize])]);
    expect(await onnxOpTypes(bytes)).toEqual(expect.arrayContaining(['Gather', 'LayerNormalization', 'MatMul', 'Softmax']));
  });

  it('an Embedding lookup, and int32 indices in and out (argmax)', async () => {
    manualSeed(9);
    class Tagger extends nn.Module {
      readonly emb = new nn.Embedding(10, 4);
      readonly fc = new nn.Linear(4, 3);
      override forward(ids: Tensor): Tensor[] {
        const logits = this.fc.forward(this.emb.forward(ids));
        return [logits, logits.argmax(-1)];
      }
    }
    await roundTrip(new Tagger(), [randint(0, 10, [2, 5])], [randint(0, 10, [5, 5])]);
  });

  it('a static export (no dynamic axes) runs at the example\'s own shape, with the names given', async () => {
    manualSeed(10);
    const model = buildModel(8);
    const x = randn([3, 784]);
    model.train();
    const bytes = await exportOnnx(model, x, { inputNames: ['image'], outputNames: ['logits'] });
    expect(model.training).toBe(true); // traced in eval mode, then put back
    const { logits } = await runOnnx(bytes, { image: x });
    expect(logits!.dims).toEqual([3, 10]);
    expect(mismatch(logits!.data, [...noGrad(() => model.forward(x)).data()], F32_TOL)).toBeNull();
    await expect(runOnnx(bytes, { image: randn([5, 784]) })).rejects.toThrow(/dimensions/);
  });
});

describe('exportOnnx: errors and files', () => {
  it('an op without an ONNX mapping is an error naming it', async () => {
    class Odd extends nn.Module {
      override forward(x: Tensor): Tensor {
        return x.erfinv();
      }
    }
    await expect(exportOnnx(new Odd(), randn([2, 3]))).rejects.toThrow(/the op 'erfinv' has no ONNX mapping/);
  });

  it('an in-place change in the forward pass is an error (detach() is the same value and exports)', async () => {
    class InPlace extends nn.Module {
      override forward(x: Tensor): Tensor {
        const y = x.mul(2);
        y.add_(1);
        return y.relu();
      }
    }
    await expect(exportOnnx(new InPlace(), randn([2, 3]))).rejects.toThrow(/was changed in place after it was computed/);
    class Detached extends nn.Module {
      override forward(x: Tensor): Tensor {
        return x.mul(2).detach().relu();
      }
    }
    await roundTrip(new Detached(), [randn([2, 3])], [randn([5, 3])]);
  });

  it('a constant made from the input\'s size is an error when that size is dynamic (and fine when static)', async () => {
    class SizeDependent extends nn.Module {
      override forward(x: Tensor): Tensor {
        return x.add(zeros([x.shape[0]!, 1]));
      }
    }
    await expect(exportOnnx(new SizeDependent(), randn([2, 3]), { dynamicAxes: { input: [0] } })).rejects.toThrow(/changes with the dynamic axes/);
    await expect(exportOnnx(new SizeDependent(), randn([2, 3]))).resolves.toBeInstanceOf(Uint8Array);
  });

  it('checks its options: unknown keys, names, dynamic axes, opset', async () => {
    const m = buildModel(4), x = randn([2, 784]);
    await expect(exportOnnx(m, x, { input_names: ['x'] } as ExportOnnxOptions)).rejects.toThrow("exportOnnx: unknown option 'input_names'; did you mean 'inputNames'?");
    await expect(exportOnnx(m, x, { inputNames: ['a', 'b'] })).rejects.toThrow('exportOnnx: inputNames has 2 names but the model has 1 inputs.');
    await expect(exportOnnx(m, x, { dynamicAxes: { image: [0] } })).rejects.toThrow("exportOnnx: dynamicAxes names 'image', which is neither an input (input) nor an output (output).");
    await expect(exportOnnx(m, x, { dynamicAxes: { input: [2] } })).rejects.toThrow("exportOnnx: dynamicAxes['input'] names axis 2, but 'input' has 2 dims");
    await expect(exportOnnx(m, x, { dynamicAxes: { input: 'batch' } } as unknown as ExportOnnxOptions)).rejects.toThrow("exportOnnx: dynamicAxes['input'] must be a list of axes ([0]) or axis → name ({ 0: 'batch' }), got the string 'batch'.");
    await expect(exportOnnx(m, x, { opset: 13 })).rejects.toThrow('exportOnnx: opset must be 17 to 21 (LayerNormalization needs 17), got 13.');
  });

  it('reductions (sum, mean, logsumexp, amax/amin, max/min with indices), at opset 17 and 18 (axes as an input)', async () => {
    manualSeed(11);
    class Pool extends nn.Module {
      override forward(x: Tensor): Tensor {
        return x.mean(1).add(x.logsumexp(-1).sum(-1, true));
      }
    }
    class Extrema extends nn.Module {
      override forward(x: Tensor): Tensor[] {
        const { values, indices } = x.max(1);
        return [x.amax([1, 2]), values, indices, x.min(-1, true).values, x.amin(0), x.max()];
      }
    }
    for (const opset of [17, 18]) await roundTrip(new Extrema(), [randn([2, 3, 4])], [randn([5, 3, 4])], 0, { opset });
    await roundTrip(new Pool(), [randn([2, 3, 4])], [randn([5, 3, 4])], 0, { opset: 18 });
    await roundTrip(new Pool(), [randn([2, 3, 4])], [randn([5, 3, 4])], 0, { opset: 17 });
  });

  it('exportOnnxFile (adjoint/node) writes the same bytes to a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'adjoint-onnx-'));
    try {
      manualSeed(12);
      const m = buildModel(4), x = randn([2, 784]);
      const n = await exportOnnxFile(m, x, join(dir, 'm.onnx'));
      const bytes = readFileSync(join(dir, 'm.onnx'));
      expect(bytes.length).toBe(n);
      expect(new Uint8Array(bytes)).toEqual(await exportOnnx(m, x));
      await expect(exportOnnxFile(m, x, join(dir, 'missing', 'm.onnx'))).rejects.toThrow(/exportOnnxFile: cannot write/);
    } finally {
      rmSync(dir, { recursive: true });
    }
  });

  it('the committed ONNX schema is what scripts/onnx-schema.ts makes from onnx.proto', () => {
    expect(readFileSync(new URL('../src/onnx/schema.generated.ts', import.meta.url), 'utf8')).toBe(schemaSource());
  });
});
