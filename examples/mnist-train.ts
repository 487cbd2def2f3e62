// Model, optimizer and training loop of the MNIST example, apart from the command line so tests reuse them.
import { data, nn, noGrad, optim, type Generator, type Tensor } from '../src/index.js';
import { PIXELS } from './mnist-data.js';

/** The optimizers the example can use. @example `const name: OptimizerName = 'adamw';` */
export type OptimizerName = 'sgd' | 'adam' | 'adamw';

/** Hyperparameters of a run. @example `{ hidden: 128, epochs: 10, lr: 1e-3, optimizer: 'adam', batch: 64 }` */
export interface TrainConfig {
  /** Hidden units; 0 gives softmax regression (one Linear layer). */
  readonly hidden: number;
  readonly epochs: number;
  readonly lr: number;
  readonly optimizer: OptimizerName;
  readonly batch: number;
}

/** What one epoch achieved. @example `history.map((s) => s.testAccuracy)` */
export interface EpochStats {
  readonly epoch: number;
  /** Mean cross-entropy over the epoch's training batches (weighted by batch size). */
  readonly trainLoss: number;
  /** Fraction of training samples classified correctly while training (as the batches went by). */
  readonly trainAccuracy: number;
  /** Fraction of test samples classified correctly after the epoch. */
  readonly testAccuracy: number;
  readonly seconds: number;
  readonly samplesPerSecond: number;
}

/** Progress inside an epoch, for a progress bar. @example `onBatch: (p) => console.log(p.batch, p.loss)` */
export interface BatchProgress {
  readonly epoch: number;
  readonly batch: number;
  readonly batches: number;
  readonly loss: number;
  readonly accuracy: number;
  readonly samplesPerSecond: number;
}

/**
 * 784 → hidden → ReLU → 10, or 784 → 10 when `hidden` is 0.
 *
 * @example
 * ```ts
 * buildModel(128); // Sequential(Linear(784, 128), ReLU(), Linear(128, 10))
 * ```
 */
export function buildModel(hidden: number): nn.Sequential {
  return hidden === 0
    ? new nn.Sequential(new nn.Linear(PIXELS, 10))
    : new nn.Sequential(new nn.Linear(PIXELS, hidden), new nn.ReLU(), new nn.Linear(hidden, 10));
}

/**
 * The optimizer named on the command line. SGD uses momentum 0.9, the usual choice for this problem.
 *
 * @example
 * ```ts
 * makeOptimizer('adam', model.parameters(), 1e-3);
 * ```
 */
export function makeOptimizer(name: OptimizerName, params: nn.Parameter[], lr: number): optim.Optimizer<object, object> {
  switch (name) {
    case 'sgd': return new optim.SGD(params, { lr, momentum: 0.9 });
    case 'adam': return new optim.Adam(params, { lr });
    case 'adamw': return new optim.AdamW(params, { lr });
  }
}

/**
 * Predicted classes and accuracy of `model` on a dataset, in eval mode without recording. Asynchronous: on the
 * 'webgpu' device values come back only with `dataAsync` (on the CPU it resolves at once).
 *
 * @example
 * ```ts
 * (await evaluate(model, test)).accuracy; // 0.94
 * ```
 */
export async function evaluate(model: nn.Module & { forward(x: Tensor): Tensor }, dataset: data.TensorDataset<[Tensor, Tensor]>): Promise<{
  accuracy: number;
  predictions: Int32Array;
}> {
  const wasTraining = model.training;
  model.eval();
  const [x, y] = dataset.tensors;
  const predictions = (await noGrad(() => model.forward(x).argmax(1)).dataAsync()) as Int32Array;
  const labels = await y.dataAsync();
  let correct = 0;
  for (let i = 0; i < labels.length; i++) if (predictions[i] === labels[i]) correct++;
  model.train(wasTraining);
  return { accuracy: correct / labels.length, predictions };
}

/**
 * Train with cross-entropy and mini-batches shuffled by `generator`, evaluating on `test` after each epoch, on
 * the device where the model and the data live. Each step awaits its loss (`itemAsync`), as a GPU loop must.
 *
 * @example
 * ```ts
 * const history = await train(model, train, test, config, new Generator(0));
 * ```
 */
export async function train(
  model: nn.Sequential,
  trainSet: data.TensorDataset<[Tensor, Tensor]>,
  testSet: data.TensorDataset<[Tensor, Tensor]>,
  config: TrainConfig,
  generator: Generator,
  hooks: { onBatch?: (p: BatchProgress) => void; onEpoch?: (s: EpochStats) => void } = {},
): Promise<EpochStats[]> {
  const loader = new data.DataLoader(trainSet, { batchSize: config.batch, shuffle: true, generator });
  const opt = makeOptimizer(config.optimizer, model.parameters(), config.lr);
  const history: EpochStats[] = [];
  for (let epoch = 1; epoch <= config.epochs; epoch++) {
    model.train();
    const start = performance.now();
    let seen = 0, lossSum = 0, correct = 0, batch = 0;
    for (const [xb, yb] of loader) {
      opt.zeroGrad();
      const logits = model.forward(xb);
      const loss = nn.functional.crossEntropy(logits, yb);
      loss.backward();
      opt.step();
      const n = yb.shape[0]!;
      seen += n;
      const [l, c] = await Promise.all([loss.itemAsync(), logits.argmax(1).eq(yb).sum().itemAsync()]);
      lossSum += l * n;
      correct += c;
      batch++;
      const seconds = (performance.now() - start) / 1000;
      hooks.onBatch?.({ epoch, batch, batches: loader.length, loss: lossSum / seen, accuracy: correct / seen, samplesPerSecond: seen / seconds });
    }
    const seconds = (performance.now() - start) / 1000;
    const stats: EpochStats = {
      epoch,
      trainLoss: lossSum / seen,
      trainAccuracy: correct / seen,
      testAccuracy: (await evaluate(model, testSet)).accuracy,
      seconds,
      samplesPerSecond: seen / seconds,
    };
    history.push(stats);
    hooks.onEpoch?.(stats);
  }
  return history;
}
