// Data and hyperparameters of `npm run example:gpt`: the first names of two npm packages, lower-cased and
// deduplicated, a seeded train/validation split, the character vocabulary, encoding into padded int32 rows, and
// the bigram baseline. No Node imports: the page reuses all of it (examples/gpt-names.ts reads the lists in Node).
import { Generator, randint, randperm, tensor, type Tensor } from '../src/index.js';

/** The run's hyperparameters (the same in the PyTorch script). @example `HYPER.steps // 1000` */
export const HYPER = {
  seed: 1337,
  /** Fraction of the names held out for validation. */
  valFraction: 0.1,
  /** Inputs per row: the start token and up to 15 characters (the longest name). */
  blockSize: 16,
  embd: 64,
  heads: 4,
  layers: 2,
  batch: 32,
  steps: 1000,
  lr: 3e-3,
  /** LinearLR's start factor and length of the warmup, then cosine decay to lr · minLrFactor. */
  warmupStart: 0.01,
  warmup: 100,
  minLrFactor: 0.1,
  weightDecay: 0.01,
  clip: 1,
} as const;

/** Hyperparameters as a plain record (the example's options override some). @example `{ ...HYPER, steps: 100 }` */
export type Hyper = { -readonly [K in keyof typeof HYPER]: number };

/** Names split into training and validation, and the vocabulary. @example `split.train.length` */
export interface NameSplit {
  /** Token id → character; id 0 is '.', which starts and ends every name. */
  readonly itos: readonly string[];
  readonly train: readonly string[];
  readonly val: readonly string[];
}

/**
 * Lower-case, deduplicate and sort `lists`, build the vocabulary (sorted characters after '.'), and split the names
 * with a seeded permutation.
 *
 * @example
 * ```ts
 * splitNames([['Anna', 'Bob'], ['Carl']], 0.34, 1); // { itos: ['.', 'a', 'b', …], train: [...2 names], val: [...1] }
 * ```
 */
export function splitNames(lists: readonly (readonly string[])[], valFraction: number, seed: number): NameSplit {
  const names = [...new Set(lists.flat().map((n) => n.trim().toLowerCase()).filter((n) => n.length > 0))].sort();
  const chars = [...new Set(names.join(''))].sort();
  if (chars.includes('.')) throw new Error("splitNames: '.' is the start/end token and cannot appear in a name.");
  const order = randperm(names.length, { generator: new Generator(seed) }).data();
  const nVal = Math.round(valFraction * names.length);
  const shuffled = Array.from(order, (i) => names[i]!);
  return { itos: ['.', ...chars], val: shuffled.slice(0, nVal), train: shuffled.slice(nVal) };
}

/** Rows of inputs and targets. @example `encode(split.train, split.itos, 16).x.shape // [7580, 16]` */
export interface Encoded {
  /** [names, blockSize] int32: 0, then the name's characters, then 0 as padding. */
  readonly x: Tensor;
  /** [names, blockSize] int32: the next token at each input position (the name's characters, then 0), −1 after. */
  readonly y: Tensor;
}

/**
 * Each name as one row: inputs `.name` and targets `name.`, padded to `blockSize` (targets with −1, which
 * `crossEntropy(…, { ignoreIndex: -1 })` skips).
 *
 * @example
 * ```ts
 * encode(['ab'], ['.', 'a', 'b'], 4); // x [[0, 1, 2, 0]], y [[1, 2, 0, -1]]
 * ```
 */
export function encode(names: readonly string[], itos: readonly string[], blockSize: number): Encoded {
  const stoi = new Map(itos.map((c, i) => [c, i]));
  const xs: number[][] = [], ys: number[][] = [];
  for (const name of names) {
    if (name.length + 1 > blockSize) throw new Error(`encode: '${name}' needs ${name.length + 1} positions, more than the block size ${blockSize}.`);
    const ids = [...name].map((c) => {
      const id = stoi.get(c);
      if (id === undefined) throw new Error(`encode: '${c}' (in '${name}') is not in the vocabulary.`);
      return id;
    });
    const seq = [0, ...ids, 0];
    xs.push(Array.from({ length: blockSize }, (_, t) => (t < seq.length - 1 ? seq[t]! : 0)));
    ys.push(Array.from({ length: blockSize }, (_, t) => (t < seq.length - 1 ? seq[t + 1]! : -1)));
  }
  return { x: tensor(xs, { dtype: 'int32' }), y: tensor(ys, { dtype: 'int32' }) };
}

/**
 * A batch of `size` rows drawn uniformly with replacement (as `torch.randint` indices).
 *
 * @example
 * ```ts
 * const { x, y } = batchOf(trainRows, 32, generator);
 * ```
 */
export function batchOf(rows: Encoded, size: number, generator: Generator): Encoded {
  const ix = randint(0, rows.x.shape[0]!, [size], { generator });
  return { x: rows.x.indexSelect(0, ix), y: rows.y.indexSelect(0, ix) };
}

/**
 * The bigram baseline: next-character counts on the training names (add-one smoothed), and its mean negative
 * log-likelihood per character on `names`, the same quantity as the GPT's validation loss.
 *
 * @example
 * ```ts
 * bigramLoss(split.train, split.val, split.itos); // ≈ 2.4 nats
 * ```
 */
export function bigramLoss(train: readonly string[], names: readonly string[], itos: readonly string[]): number {
  const v = itos.length;
  const stoi = new Map(itos.map((c, i) => [c, i]));
  const counts = new Float64Array(v * v).fill(1);
  const pairs = (name: string): [number, number][] => {
    const seq = [0, ...[...name].map((c) => stoi.get(c) ?? -1), 0];
    if (seq.includes(-1)) throw new Error(`bigramLoss: '${name}' has a character outside the vocabulary.`);
    return seq.slice(1).map((b, i) => [seq[i]!, b]);
  };
  for (const name of train) for (const [a, b] of pairs(name)) counts[a * v + b]! += 1;
  const rowSums = Array.from({ length: v }, (_, a) => counts.subarray(a * v, (a + 1) * v).reduce((s, c) => s + c, 0));
  let nll = 0, n = 0;
  for (const name of names) {
    for (const [a, b] of pairs(name)) {
      nll -= Math.log(counts[a * v + b]! / rowSums[a]!);
      n++;
    }
  }
  return nll / n;
}
