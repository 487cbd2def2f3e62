// The training of `npm run example:gpt`, one step at a time so that the command line and the page (which yields to
// the browser between steps) share it: AdamW (weight decay on matrices only), linear warmup then cosine decay,
// gradient clipping at norm 1, batches drawn with a seeded generator.
import { Generator, nn, noGrad, optim, type Tensor } from '../src/index.js';
import { batchOf, encode, type Encoded, type Hyper, type NameSplit } from './gpt-data.js';
import { Gpt } from './gpt-model.js';

/** What one training step did. @example `const { loss, lr, gradNorm } = trainer.step();` */
export interface StepResult {
  readonly step: number;
  readonly loss: number;
  readonly lr: number;
  /** Total gradient norm before clipping. */
  readonly gradNorm: number;
}

/**
 * The model, optimizer, scheduler and data of one run. `step()` trains on one batch; `valLoss()` is the mean
 * cross-entropy per character on the validation names.
 *
 * @example
 * ```ts
 * const trainer = new GptTrainer(split, { ...HYPER, steps: 100 });
 * for (let i = 0; i < 100; i++) trainer.step();
 * trainer.valLoss();
 * ```
 */
export class GptTrainer {
  readonly model: Gpt;
  readonly optimizer: optim.AdamW;
  readonly scheduler: optim.lrScheduler.SequentialLR;
  readonly generator: Generator;
  readonly trainRows: Encoded;
  readonly valRows: Encoded;
  steps = 0;

  constructor(readonly split: NameSplit, readonly hyper: Hyper) {
    this.generator = new Generator(hyper.seed);
    this.model = new Gpt({ vocab: split.itos.length, blockSize: hyper.blockSize, embd: hyper.embd, heads: hyper.heads, layers: hyper.layers });
    // As nanoGPT: weight decay on every parameter of 2 or more dims (matrices, embeddings), none on biases and LayerNorm's.
    const named = this.model.namedParameters();
    const decay = named.filter(([, p]) => p.ndim >= 2).map(([, p]) => p);
    const noDecay = named.filter(([, p]) => p.ndim < 2).map(([, p]) => p);
    this.optimizer = new optim.AdamW(
      [{ params: decay, weightDecay: hyper.weightDecay }, { params: noDecay, weightDecay: 0 }],
      hyper.lr, { betas: [0.9, 0.99] },
    );
    const warm = new optim.lrScheduler.LinearLR(this.optimizer, { startFactor: hyper.warmupStart, totalIters: hyper.warmup });
    const cosine = new optim.lrScheduler.CosineAnnealingLR(this.optimizer, hyper.steps - hyper.warmup, { etaMin: hyper.lr * hyper.minLrFactor });
    this.scheduler = new optim.lrScheduler.SequentialLR(this.optimizer, [warm, cosine], [hyper.warmup]);
    this.trainRows = encode(split.train, split.itos, hyper.blockSize);
    this.valRows = encode(split.val, split.itos, hyper.blockSize);
  }

  /** One AdamW step on a random batch of training names. @example `trainer.step().loss` */
  step(): StepResult {
    const { x, y } = batchOf(this.trainRows, this.hyper.batch, this.generator);
    const lr = this.scheduler.getLastLr()[0]!;
    const loss = lossOf(this.model.forward(x), y);
    this.optimizer.zeroGrad();
    loss.backward();
    const gradNorm = nn.utils.clipGradNorm_(this.model.parameters(), this.hyper.clip).item();
    this.optimizer.step();
    this.scheduler.step();
    this.steps++;
    return { step: this.steps, loss: loss.item(), lr, gradNorm };
  }

  /** Mean cross-entropy (nats per character, end token included) on the validation names, in eval mode. @example `trainer.valLoss()` */
  valLoss(model: Gpt = this.model): number {
    const wasTraining = model.training;
    model.eval();
    try {
      return noGrad(() => lossOf(model.forward(this.valRows.x), this.valRows.y).item());
    } finally {
      model.train(wasTraining);
    }
  }
}

/** Cross-entropy of logits [batch, time, vocab] against targets [batch, time], padding (−1) skipped. */
function lossOf(logits: Tensor, y: Tensor): Tensor {
  return nn.functional.crossEntropy(logits.view(-1, logits.shape[2]!), y.view(-1), { ignoreIndex: -1 });
}
