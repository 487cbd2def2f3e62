// A minGPT-style model written with adjoint's layers (token and position embeddings, two blocks of causal
// self-attention with LayerNorm and a tanh-GELU MLP, a final LayerNorm and an untied head), loaded from the
// state dict that PyTorch saved as safetensors (test/fixtures/layers-gpt.safetensors, written by
// scripts/oracle/layers.py): every key must line up, and the logits must be PyTorch's.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { arange, nn, noGrad, tensor, type Tensor } from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
const expected = JSON.parse(readFileSync(join(here, 'fixtures', 'layers-gpt.json'), 'utf8')) as {
  config: { vocabSize: number; blockSize: number; nEmbd: number; nHead: number; nLayer: number };
  idx: number[][];
  logits: { float32: number[]; float64: number[] };
  shape: number[];
};

class Block extends nn.Module {
  ln_1: nn.LayerNorm;
  attn: nn.MultiheadAttention;
  ln_2: nn.LayerNorm;
  mlp: nn.Sequential;
  constructor(e: number, heads: number) {
    super();
    this.ln_1 = new nn.LayerNorm(e);
    this.attn = new nn.MultiheadAttention(e, heads, { batchFirst: true });
    this.ln_2 = new nn.LayerNorm(e);
    this.mlp = new nn.Sequential(new nn.Linear(e, 4 * e), new nn.GELU({ approximate: 'tanh' }), new nn.Linear(4 * e, e), new nn.Dropout(0));
  }
  override forward(x: Tensor, mask: Tensor): Tensor {
    const h = this.ln_1.forward(x);
    const [a] = this.attn.forward(h, h, h, { attnMask: mask, needWeights: false });
    const y = x.add(a);
    return y.add(this.mlp.forward(this.ln_2.forward(y)));
  }
}

class GPT extends nn.Module {
  transformer: nn.ModuleDict;
  lm_head: nn.Linear;
  constructor(c: typeof expected.config) {
    super();
    this.transformer = new nn.ModuleDict({
      wte: new nn.Embedding(c.vocabSize, c.nEmbd),
      wpe: new nn.Embedding(c.blockSize, c.nEmbd),
      drop: new nn.Dropout(0),
      h: new nn.ModuleList(Array.from({ length: c.nLayer }, () => new Block(c.nEmbd, c.nHead))),
      ln_f: new nn.LayerNorm(c.nEmbd),
    });
    this.lm_head = new nn.Linear(c.nEmbd, c.vocabSize, { bias: false });
  }
  override forward(idx: Tensor): Tensor {
    const t = idx.shape[1]!;
    const m = this.transformer;
    const emb = (k: string, ids: Tensor): Tensor => (m.get(k) as nn.Embedding).forward(ids);
    let x = (m.get('drop') as nn.Dropout).forward(emb('wte', idx).add(emb('wpe', arange(t, undefined, 1, { dtype: 'int32' }))));
    const mask = nn.Transformer.generateSquareSubsequentMask(t);
    for (const block of m.get('h') as nn.ModuleList) x = (block as Block).forward(x, mask);
    return this.lm_head.forward((m.get('ln_f') as nn.LayerNorm).forward(x));
  }
}

describe('a minGPT-style model loads PyTorch\'s state dict', () => {
  const bytes = new Uint8Array(readFileSync(join(here, 'fixtures', 'layers-gpt.safetensors')));
  const sd = nn.deserializeStateDict(bytes);

  it('has exactly PyTorch\'s keys', () => {
    const model = new GPT(expected.config);
    expect([...model.stateDict().keys()].sort()).toEqual([...sd.keys()].sort());
    expect(sd.has('transformer.h.1.attn.in_proj_weight') && sd.has('transformer.h.0.attn.out_proj.weight')).toBe(true);
  });

  for (const dtype of ['float32', 'float64'] as const) {
    it(`gives PyTorch's logits (${dtype})`, () => {
      const model = new GPT(expected.config);
      model.loadStateDict(sd);
      model.to(dtype).eval();
      const logits = noGrad(() => model.forward(tensor(expected.idx, { dtype: 'int32' })));
      expect(logits.shape).toEqual(expected.shape);
      const got = logits.data();
      // Errors relative to the logits' scale (about 1): PyTorch's float32 logits are 2.4e-7 from its float64 ones
      // by this measure; float64 computations differ by rounding only.
      let worst = 0;
      expected.logits[dtype].forEach((w, i) => { worst = Math.max(worst, Math.abs(got[i]! - w) / (1 + Math.abs(w))); });
      expect(worst).toBeLessThan(dtype === 'float64' ? 1e-11 : 1e-5);
    });
  }

  it('a changed parameter changes the logits (the comparison can fail)', () => {
    const model = new GPT(expected.config);
    model.loadStateDict(sd);
    model.eval();
    noGrad(() => (model.transformer.get('ln_f') as nn.LayerNorm).bias!.add_(0.01));
    const got = noGrad(() => model.forward(tensor(expected.idx, { dtype: 'int32' }))).data();
    expect(expected.logits.float32.some((w, i) => Math.abs(got[i]! - w) > 1e-4)).toBe(true);
  });
});
