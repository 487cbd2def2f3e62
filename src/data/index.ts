import { randperm, tensor } from '../creation.js';
import { defaultGenerator, Generator } from '../random.js';
import { fmtShape } from '../shape.js';
import { Tensor } from '../tensor.js';

/**
 * Samples stored as tensors that share their first dimension: sample `i` is row `i` of each tensor
 * (e.g. images [N, 784] and labels [N]), like `torch.utils.data.TensorDataset`.
 *
 * @example
 * ```ts
 * import { data, randn, randint } from 'adjoint';
 * const ds = new data.TensorDataset(randn([100, 4]), randint(0, 3, [100]));
 * ds.length; // 100
 * ```
 */
export class TensorDataset<T extends readonly Tensor[]> {
  /** The tensors, each with one row per sample. */
  readonly tensors: T;

  constructor(...tensors: T) {
    if (tensors.length === 0) throw new Error('TensorDataset: give at least one tensor.');
    const n = tensors[0]!.shape[0];
    tensors.forEach((t, i) => {
      if (!(t instanceof Tensor)) throw new Error(`TensorDataset: argument ${i} is not a Tensor.`);
      if (t.ndim === 0 || t.shape[0] !== n) {
        throw new Error(
          `TensorDataset: all tensors must have the same size in dim 0 (one row per sample), but tensor 0 has shape ` +
            `${fmtShape(tensors[0]!.shape)} and tensor ${i} has shape ${fmtShape(t.shape)}.`,
        );
      }
    });
    this.tensors = tensors;
  }

  /** Number of samples. @example `ds.length` */
  get length(): number {
    return this.tensors[0]!.shape[0]!;
  }

  /**
   * Sample `index`: one row of each tensor, without the sample dim.
   *
   * @example
   * ```ts
   * const [x, y] = ds.get(0); // x [4], y []
   * ```
   */
  get(index: number): T {
    if (!Number.isInteger(index) || index < -this.length || index >= this.length) {
      throw new Error(`TensorDataset.get: index ${index} is out of range for ${this.length} samples.`);
    }
    const i = index < 0 ? index + this.length : index;
    return this.tensors.map((t) => t.narrow(0, i, 1).squeeze(0)) as unknown as T;
  }

  /**
   * The samples at `indices` stacked into one batch per tensor (a copy).
   *
   * @example
   * ```ts
   * const [xb, yb] = ds.batch([3, 1, 4]); // xb [3, 4], yb [3]
   * ```
   */
  batch(indices: readonly number[] | Int32Array): T {
    const host = indices instanceof Int32Array ? indices : Int32Array.from(indices);
    // The index goes to each tensor's device (a dataset may live on a GPU).
    const index = new Map<string, Tensor>();
    const on = (device: string): Tensor => {
      let i = index.get(device);
      if (i === undefined) index.set(device, (i = tensor(host, { dtype: 'int32', device })));
      return i;
    };
    return this.tensors.map((t) => t.indexSelect(0, on(t.device))) as unknown as T;
  }

  /**
   * Samples `start … start+length-1` (views of the tensors, no copy).
   *
   * @example
   * ```ts
   * const [xs, ys] = ds.slice(0, 64);
   * ```
   */
  slice(start: number, length: number): T {
    return this.tensors.map((t) => t.narrow(0, start, length)) as unknown as T;
  }
}

/** Options of `DataLoader`. @example `new data.DataLoader(ds, { batchSize: 64, shuffle: true, dropLast: true, seed: 1 })` */
export interface DataLoaderOptions {
  /** Samples per batch (default 1). */
  readonly batchSize?: number;
  /** Visit the samples in a new random order every epoch (default false). */
  readonly shuffle?: boolean;
  /** Drop the last batch when it is smaller than `batchSize` (default false: keep it). */
  readonly dropLast?: boolean;
  /** Shuffle with this generator (default: the global one that `manualSeed` seeds). */
  readonly generator?: Generator;
  /** Shuffle with a private generator seeded with this, independent of everything else. */
  readonly seed?: number;
}

/**
 * Batches of a `TensorDataset`. Iterating the loader runs one epoch: a `for … of` loop gives `[x, y]`
 * tuples of batch tensors. With `shuffle`, each epoch draws a new permutation from the generator, so
 * seeded runs repeat exactly and every sample appears once per epoch.
 *
 * @example
 * ```ts
 * const loader = new data.DataLoader(new data.TensorDataset(x, y), { batchSize: 64, shuffle: true, seed: 0 });
 * for (let epoch = 0; epoch < 10; epoch++) {
 *   for (const [xb, yb] of loader) { ... }
 * }
 * ```
 */
export class DataLoader<T extends readonly Tensor[]> implements Iterable<T> {
  /** Samples per batch. */
  readonly batchSize: number;
  /** Whether each epoch visits the samples in a new random order. */
  readonly shuffle: boolean;
  /** Whether a last batch smaller than `batchSize` is dropped. */
  readonly dropLast: boolean;
  readonly #generator: Generator;

  constructor(
    /** The samples it batches. */
    readonly dataset: TensorDataset<T>,
    opts: DataLoaderOptions = {},
  ) {
    this.batchSize = opts.batchSize ?? 1;
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) {
      throw new Error(`DataLoader: batchSize must be a positive integer, got ${opts.batchSize}.`);
    }
    if (opts.seed !== undefined && opts.generator !== undefined) {
      throw new Error('DataLoader: give either seed or generator, not both.');
    }
    this.shuffle = opts.shuffle ?? false;
    this.dropLast = opts.dropLast ?? false;
    this.#generator = opts.generator ?? (opts.seed !== undefined ? new Generator(opts.seed) : defaultGenerator);
  }

  /** Number of batches per epoch. @example `loader.length` */
  get length(): number {
    const n = this.dataset.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }

  /** One epoch of batches. @example `for (const [xb, yb] of loader) { ... }` */
  *[Symbol.iterator](): Iterator<T> {
    const n = this.dataset.length;
    const order = this.shuffle ? (randperm(n, { generator: this.#generator, device: 'cpu' }).data() as Int32Array) : null;
    for (let b = 0; b < this.length; b++) {
      const start = b * this.batchSize;
      const size = Math.min(this.batchSize, n - start);
      // A batch is always a copy, never a view of the dataset: a loop that updates its batch in place
      // (xb.div_(2)) must not change the data. In order, the rows are consecutive; shuffled, they are gathered.
      yield order === null
        ? (this.dataset.slice(start, size).map((t) => t.clone()) as unknown as T)
        : this.dataset.batch(order.subarray(start, start + size));
    }
  }
}

/**
 * Split a dataset into non-overlapping random parts of the given sizes (which must add up to its length).
 *
 * @example
 * ```ts
 * const [train, test] = data.randomSplit(ds, [8000, 2000], { generator: new Generator(0) });
 * ```
 */
export function randomSplit<T extends readonly Tensor[]>(
  dataset: TensorDataset<T>,
  lengths: readonly number[],
  opts: { readonly generator?: Generator } = {},
): TensorDataset<T>[] {
  const total = lengths.reduce((a, b) => a + b, 0);
  if (!lengths.every((l) => Number.isInteger(l) && l >= 0) || total !== dataset.length) {
    throw new Error(`randomSplit: the lengths [${lengths.join(', ')}] must be non-negative integers adding up to the dataset's ${dataset.length} samples.`);
  }
  const perm = randperm(dataset.length, { generator: opts.generator ?? defaultGenerator, device: 'cpu' }).data() as Int32Array;
  const out: TensorDataset<T>[] = [];
  let start = 0;
  for (const l of lengths) {
    out.push(new TensorDataset<T>(...dataset.batch(perm.subarray(start, start + l))));
    start += l;
  }
  return out;
}
