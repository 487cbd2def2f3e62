// The GPT of `npm run example:gpt`, written as a PyTorch user writes one (minGPT's layout) from adjoint's nn layers:
// token and position embeddings, pre-LayerNorm blocks of causal self-attention and a GELU MLP, a final LayerNorm and
// a linear head. No Node imports: the page (site/src/gpt.ts) trains the same model in the browser.
import { arange, multinomial, nn, noGrad, tensor, type Generator, type Tensor } from '../src/index.js';

/** The model's size. @example `{ vocab: 28, blockSize: 16, embd: 64, heads: 4, layers: 2 }` */
export interface GptConfig {
  /** Number of tokens (characters, with the start/end token 0). */
  readonly vocab: number;
  /** Longest context: positions 0 … blockSize − 1. */
  readonly blockSize: number;
  /** Width of the residual stream. */
  readonly embd: number;
  readonly heads: number;
  readonly layers: number;
}

/**
 * One transformer block: `x + attn(ln1(x))`, then `x + mlp(ln2(x))`, the attention causal (a position sees only
 * itself and earlier ones).
 *
 * @example
 * ```ts
 * new Block(64, 4).forward(x, nn.generateSquareSubsequentMask(10)); // x [batch, 10, 64] → [batch, 10, 64]
 * ```
 */
export class Block extends nn.Module {
  ln1: nn.LayerNorm;
  attn: nn.MultiheadAttention;
  ln2: nn.LayerNorm;
  mlp: nn.Sequential;

  constructor(embd: number, heads: number) {
    super();
    this.ln1 = new nn.LayerNorm(embd);
    this.attn = new nn.MultiheadAttention(embd, heads, { batchFirst: true });
    this.ln2 = new nn.LayerNorm(embd);
    this.mlp = new nn.Sequential(new nn.Linear(embd, 4 * embd), new nn.GELU(), new nn.Linear(4 * embd, embd));
  }

  /** `mask`: the causal mask [time, time], −∞ above the diagonal (`nn.generateSquareSubsequentMask`). */
  override forward(x: Tensor, mask: Tensor): Tensor {
    const h = this.ln1.forward(x);
    const [a] = this.attn.forward(h, h, h, { attnMask: mask, needWeights: false });
    const y = x.add(a);
    return y.add(this.mlp.forward(this.ln2.forward(y)));
  }
}

/**
 * A character-level GPT: `forward(idx)` maps token ids [batch, time] (int32) to next-token logits
 * [batch, time, vocab].
 *
 * @example
 * ```ts
 * const model = new Gpt({ vocab: 28, blockSize: 16, embd: 64, heads: 4, layers: 2 });
 * model.forward(tensor([[0, 5, 13]], { dtype: 'int32' })).shape; // [1, 3, 28]
 * ```
 */
export class Gpt extends nn.Module {
  readonly config: GptConfig;
  wte: nn.Embedding;
  wpe: nn.Embedding;
  blocks: nn.ModuleList;
  lnF: nn.LayerNorm;
  head: nn.Linear;

  constructor(config: GptConfig) {
    super();
    this.config = config;
    this.wte = new nn.Embedding(config.vocab, config.embd);
    this.wpe = new nn.Embedding(config.blockSize, config.embd);
    this.blocks = new nn.ModuleList(Array.from({ length: config.layers }, () => new Block(config.embd, config.heads)));
    this.lnF = new nn.LayerNorm(config.embd);
    this.head = new nn.Linear(config.embd, config.vocab, { bias: false });
  }

  override forward(idx: Tensor): Tensor {
    const t = idx.shape[1]!;
    if (t > this.config.blockSize) throw new Error(`Gpt: ${t} tokens is longer than the block size ${this.config.blockSize}.`);
    let x = this.wte.forward(idx).add(this.wpe.forward(arange(t)));
    const mask = nn.generateSquareSubsequentMask(t);
    for (const block of this.blocks) x = (block as Block).forward(x, mask);
    return this.head.forward(this.lnF.forward(x));
  }
}

/**
 * Sample `count` new names, one token at a time from the softmax of the last position's logits (divided by
 * `temperature`), each name ending at the end token 0 or at the block size. Token 0 starts every name.
 *
 * @example
 * ```ts
 * sampleNames(model, itos, 10, new Generator(1)); // ['marlena', 'joric', …]
 * ```
 */
export function sampleNames(model: Gpt, itos: readonly string[], count: number, generator: Generator, temperature = 1): string[] {
  const wasTraining = model.training;
  model.eval();
  try {
    return noGrad(() => {
      const { blockSize } = model.config;
      const rows: number[][] = Array.from({ length: count }, () => [0]);
      const done = new Array<boolean>(count).fill(false);
      for (let t = 0; t < blockSize - 1 && done.includes(false); t++) {
        const idx = tensor(rows, { dtype: 'int32' });
        const logits = model.forward(idx).narrow(1, t, 1).squeeze(1).div(temperature);
        const next = multinomial(logits.softmax(-1), 1, { generator }).data();
        for (let i = 0; i < count; i++) {
          const tok = done[i] ? 0 : next[i]!;
          rows[i]!.push(tok);
          if (tok === 0) done[i] = true;
        }
      }
      return rows.map((r) => {
        const end = r.indexOf(0, 1);
        return r.slice(1, end < 0 ? r.length : end).map((k) => itos[k]!).join('');
      });
    });
  } finally {
    model.train(wasTraining);
  }
}
