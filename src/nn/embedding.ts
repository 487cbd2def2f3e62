// Embedding lookup: nn.functional.embedding and nn.Embedding.
import { noGrad } from '../autograd/grad-mode.js';
import { arange, ones, tensor, zeros } from '../creation.js';
import type { DType } from '../dtype.js';
import { where } from '../ops/api.generated.js';
import { checkOptions } from '../options.js';
import type { Generator } from '../random.js';
import { fmtShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { normal_ } from './init.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import '../autograd/record.js';

/** Options of `embedding`. @example `embedding(ids, weight, { paddingIdx: 0 })` */
export interface EmbeddingOptions {
  /** The row of this index gets no gradient (its output is the row as it is); negative counts from the end. */
  readonly paddingIdx?: number | null;
  /** Before the lookup, rescale (in place) every referenced row whose `normType`-norm exceeds this to this norm. */
  readonly maxNorm?: number | null;
  /** The p of the max-norm renormalisation (default 2). */
  readonly normType?: number;
}

const EMBEDDING_OPTIONS = { paddingIdx: 'integer|null', maxNorm: 'number|null', normType: 'number' } as const;

function paddingOf(paddingIdx: number | null | undefined, rows: number, op: string): number | null {
  if (paddingIdx === null || paddingIdx === undefined) return null;
  if (paddingIdx >= rows || paddingIdx < -rows) throw new Error(`${op}: paddingIdx must be within the number of embeddings (${rows}), got ${paddingIdx}.`);
  return paddingIdx < 0 ? paddingIdx + rows : paddingIdx;
}

/**
 * Rescale in place (without recording) each row of `weight` that `indices` refers to and whose p-norm exceeds
 * `maxNorm`, to norm `maxNorm` (PyTorch's embedding_renorm_: factor maxNorm / (norm + 1e-7)).
 */
function renorm(weight: Tensor, indices: Tensor, maxNorm: number, p: number): void {
  noGrad(() => {
    const rows = weight.shape[0]!;
    const flat = indices.reshape([-1]);
    const used = zeros([rows], { dtype: weight.dtype, device: weight.device }).indexAdd(0, flat, ones([flat.size], { dtype: weight.dtype, device: weight.device })).gt(0);
    const norms = weight.abs().pow(p).sum(1).pow(1 / p);
    const factor = where(used.logicalAnd(norms.gt(maxNorm)), norms.add(1e-7).reciprocal().mul(maxNorm), 1);
    weight.mul_(factor.unsqueeze(1));
  });
}

/**
 * The rows of `weight` ([numEmbeddings, dim]) at int32 `input` indices of any shape: a tensor of shape
 * `[...input.shape, dim]`. Out-of-range indices are an error naming the index.
 *
 * @example
 * ```ts
 * embedding(tensor([[1, 2], [0, 3]], { dtype: 'int32' }), weight); // [2, 2, dim]
 * ```
 */
export function embedding(input: Tensor, weight: Tensor, opts: EmbeddingOptions = {}): Tensor {
  if (!(input instanceof Tensor) || input.dtype !== 'int32') {
    throw new Error(`embedding: expected int32 indices (any shape), got ${input instanceof Tensor ? `dtype ${input.dtype}` : typeof input}. Create them with { dtype: 'int32' }.`);
  }
  if (!(weight instanceof Tensor) || weight.ndim !== 2) {
    throw new Error(`embedding: weight must be 2-d [numEmbeddings, embeddingDim], got ${weight instanceof Tensor ? fmtShape(weight.shape) : typeof weight}.`);
  }
  const o = checkOptions('embedding', opts, EMBEDDING_OPTIONS);
  const [rows, dim] = weight.shape as [number, number];
  const pad = paddingOf(o.paddingIdx, rows, 'embedding');
  const backend = input.storage.device.backend;
  if (input.size > 0 && backend.readsAsyncOnly === true && backend.deferCheck) {
    // A device that cannot read synchronously checks on the device and reports at the next read-back.
    const flat = input.flatten().contiguous(), mask = flat.lt(0).logicalOr(flat.ge(rows));
    backend.deferCheck(mask.buffer, mask.offset, flat.buffer, flat.offset, mask.size, (_, v) => new Error(
      `embedding: index ${v} is out of range for ${rows} embeddings: indices must be in [0, ${rows - 1}] (negative indices are not wrapped around).`));
  } else if (input.size > 0) {
    const lo = input.min().item(), hi = input.max().item();
    if (lo < 0 || hi >= rows) {
      throw new Error(`embedding: index ${lo < 0 ? lo : hi} is out of range for ${rows} embeddings: indices must be in [0, ${rows - 1}] (negative indices are not wrapped around).`);
    }
  }
  if (o.maxNorm !== null && o.maxNorm !== undefined) renorm(weight, input, o.maxNorm, o.normType ?? 2);
  const out = weight.indexSelect(0, input.reshape([-1])).reshape([...input.shape, dim]);
  if (pad === null) return out;
  // The padding row's value, without a gradient to it.
  return where(input.eq(pad).unsqueeze(-1), out.detach(), out);
}

/** Options of `Embedding`. @example `new nn.Embedding(1000, 64, { paddingIdx: 0 })` */
export interface EmbeddingLayerOptions extends EmbeddingOptions {
  /** Parameter dtype (default float32). */
  readonly dtype?: 'float32' | 'float64';
  /** Draw the initial weights from this generator instead of the default one. */
  readonly generator?: Generator;
}

/**
 * A lookup table of `numEmbeddings` vectors of size `embeddingDim`: `forward(ids)` maps int32 indices of any shape
 * to `[...ids.shape, embeddingDim]`. The weight starts from N(0, 1), with the `paddingIdx` row zero (and never
 * trained), as in PyTorch.
 *
 * @example
 * ```ts
 * const emb = new nn.Embedding(10, 3);
 * emb.forward(tensor([[1, 2, 4], [4, 3, 9]], { dtype: 'int32' })).shape; // [2, 3, 3]
 * ```
 */
export class Embedding extends Module {
  /** The table, [numEmbeddings, embeddingDim], initialised from N(0, 1) (the padding row zero). */
  readonly weight: Parameter;
  /** The row that gets no gradient (made non-negative), or null. */
  readonly paddingIdx: number | null;
  /** Rows looked up with a larger `normType`-norm are rescaled in place to this norm; null: never. */
  readonly maxNorm: number | null;
  /** The p of the max-norm renormalisation (default 2). */
  readonly normType: number;

  constructor(
    /** The number of rows of the table (the size of the vocabulary). */ readonly numEmbeddings: number,
    /** The size of each row. */ readonly embeddingDim: number,
    opts: EmbeddingLayerOptions = {}) {
    super();
    for (const [name, v] of [['numEmbeddings', numEmbeddings], ['embeddingDim', embeddingDim]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new Error(`Embedding: ${name} must be a non-negative integer, got ${v}.`);
    }
    const o = checkOptions('Embedding', opts, { ...EMBEDDING_OPTIONS, dtype: ['float32', 'float64'], generator: 'generator' });
    this.paddingIdx = paddingOf(o.paddingIdx, numEmbeddings, 'Embedding');
    this.maxNorm = o.maxNorm ?? null;
    this.normType = o.normType ?? 2;
    const dtype: DType = o.dtype ?? 'float32';
    const w = normal_(zeros([numEmbeddings, embeddingDim], { dtype }), 0, 1, o.generator ? { generator: o.generator } : {});
    if (this.paddingIdx !== null) noGrad(() => w.narrow(0, this.paddingIdx!, 1).zero_());
    this.weight = new Parameter(w);
  }

  /**
   * An Embedding holding `embeddings` ([numEmbeddings, embeddingDim]) as its weight, frozen unless `freeze: false`.
   *
   * @example
   * ```ts
   * const emb = nn.Embedding.fromPretrained(vectors, { freeze: true });
   * ```
   */
  static fromPretrained(embeddings: Tensor, opts: EmbeddingOptions & { readonly freeze?: boolean } = {}): Embedding {
    if (!(embeddings instanceof Tensor) || embeddings.ndim !== 2) throw new Error('Embedding.fromPretrained: embeddings must be a 2-d tensor [numEmbeddings, embeddingDim].');
    const { freeze = true, ...rest } = checkOptions('Embedding.fromPretrained', opts, { ...EMBEDDING_OPTIONS, freeze: 'boolean' });
    const [n, d] = embeddings.shape as [number, number];
    const emb = new Embedding(n, d, { ...rest, dtype: embeddings.dtype === 'float64' ? 'float64' : 'float32' });
    noGrad(() => emb.weight.copy_(embeddings));
    emb.weight.requiresGrad = !freeze;
    return emb;
  }

  /** Look up `input` (int32 indices of any shape): the output has its shape plus [embeddingDim]. @example `new nn.Embedding(10, 3).forward(tensor([[1, 2], [4, 9]], { dtype: 'int32' })).shape // [2, 2, 3]` */
  override forward(input: Tensor): Tensor {
    return embedding(input, this.weight, { paddingIdx: this.paddingIdx, maxNorm: this.maxNorm, normType: this.normType });
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, paddingIdx=${this.paddingIdx}` : ''}${this.maxNorm !== null ? `, maxNorm=${this.maxNorm}` : ''}`;
  }
}

/** How `embeddingBag` reduces each bag. */
export type EmbeddingBagMode = 'sum' | 'mean' | 'max';

/** Options of `embeddingBag`. @example `embeddingBag(ids, weight, { offsets, mode: 'sum' })` */
export interface EmbeddingBagOptions {
  /** With 1-d input: where each bag starts (int32, first 0); a 2-d input's rows are its bags. */
  readonly offsets?: Tensor | null;
  /** 'mean' (default), 'sum' or 'max' over each bag. */
  readonly mode?: EmbeddingBagMode;
  /** Scale each looked-up row by this weight (input's shape; mode 'sum' only). */
  readonly perSampleWeights?: Tensor | null;
  /** `offsets` has one more entry, the end of the last bag (CSR layout). */
  readonly includeLastOffset?: boolean;
  /** Entries equal to this index are left out of their bag (and of its count, for 'mean'). */
  readonly paddingIdx?: number | null;
  /** Before the lookup, rescale (in place) every referenced row whose `normType`-norm exceeds this to this norm. */
  readonly maxNorm?: number | null;
  /** The p of the max-norm renormalisation (default 2). */
  readonly normType?: number;
}

const BAG_OPTIONS = {
  offsets: 'tensor|null', mode: ['sum', 'mean', 'max'], perSampleWeights: 'tensor|null', includeLastOffset: 'boolean', ...EMBEDDING_OPTIONS,
} as const;

/** Where each bag of `input` starts in its flat entries, and how long it is (read on the host: one number per bag). */
function bagRanges(input: Tensor, offsets: Tensor | null, includeLast: boolean): { starts: number[]; lengths: number[] } {
  if (input.ndim === 2) {
    if (offsets !== null) throw new Error('embeddingBag: offsets must be null when the input is 2-d (each row is a bag).');
    const [b, n] = input.shape as [number, number];
    return { starts: Array.from({ length: b }, (_, i) => i * n), lengths: Array<number>(b).fill(n) };
  }
  if (input.ndim !== 1) throw new Error(`embeddingBag: input has to be 1-d or 2-d, but got a tensor of shape ${fmtShape(input.shape)}.`);
  if (offsets === null) throw new Error('embeddingBag: offsets has to be a 1-d int32 tensor when the input is 1-d.');
  if (offsets.dtype !== 'int32' || offsets.ndim !== 1) throw new Error(`embeddingBag: offsets has to be a 1-d int32 tensor, got dtype ${offsets.dtype} and shape ${fmtShape(offsets.shape)}.`);
  const o = offsets.toArray() as number[];
  if (o.length > 0 && o[0] !== 0) throw new Error(`embeddingBag: offsets[0] has to be 0, i.e., the first bag has to start from position 0; got ${o[0]}.`);
  const n = input.size;
  const bounds = includeLast ? o : [...o, n];
  const starts = bounds.slice(0, -1), lengths = starts.map((s, i) => bounds[i + 1]! - s);
  if (lengths.some((l, i) => l < 0 || starts[i]! + l > n)) {
    throw new Error(`embeddingBag: offsets must be non-decreasing and at most the input's length (${n}); got ${JSON.stringify(o)}.`);
  }
  return { starts, lengths };
}

/**
 * Sums, means or maxima of bags of embeddings without materialising each bag's rows as separate tensors
 * (PyTorch's `embedding_bag`): `input` is 2-d (each row a bag) or 1-d with `offsets`; the result is
 * `[bags, embeddingDim]`, an empty bag giving zeros.
 *
 * @example
 * ```ts
 * embeddingBag(tensor([1, 2, 4, 5, 4, 3], { dtype: 'int32' }), weight, { offsets: tensor([0, 3], { dtype: 'int32' }), mode: 'sum' });
 * ```
 */
export function embeddingBag(input: Tensor, weight: Tensor, opts: EmbeddingBagOptions = {}): Tensor {
  const o = checkOptions('embeddingBag', opts, BAG_OPTIONS);
  const mode = o.mode ?? 'mean';
  if (!(input instanceof Tensor) || input.dtype !== 'int32') {
    throw new Error(`embeddingBag: expected int32 indices, got ${input instanceof Tensor ? `dtype ${input.dtype}` : typeof input}.`);
  }
  const psw = o.perSampleWeights ?? null;
  if (psw !== null) {
    if (mode !== 'sum') throw new Error(`embeddingBag: perSampleWeights was not null; perSampleWeights is only supported for mode 'sum' (got mode '${mode}').`);
    if (!sameShapeAs(psw, input)) throw new Error(`embeddingBag: perSampleWeights (shape ${fmtShape(psw.shape)}) has to have the input's shape ${fmtShape(input.shape)}.`);
    if (psw.dtype !== weight.dtype) throw new Error(`embeddingBag: perSampleWeights has dtype ${psw.dtype} but the weight has dtype ${weight.dtype}.`);
  }
  const { starts, lengths } = bagRanges(input, o.offsets ?? null, o.includeLastOffset ?? false);
  const flat = input.reshape([-1]);
  const rows = embedding(flat, weight, { maxNorm: o.maxNorm ?? null, normType: o.normType ?? 2 });
  const [n, dim] = [weight.shape[0]!, weight.shape[1]!];
  const pad = paddingOf(o.paddingIdx, n, 'embeddingBag');
  // A dense [bags, longest, dim] view of the bags: slot (b, j) holds entry starts[b] + j where j < lengths[b].
  const b = starts.length, longest = lengths.reduce((m, l) => Math.max(m, l), 1);
  const device = weight.device;
  const j = arange(0, longest, 1, { dtype: 'int32', device }).reshape([1, longest]);
  const inBag = j.lt(tensor(lengths, { dtype: 'int32', device }).reshape([b, 1]));
  const slots = where(inBag, j.add(tensor(starts, { dtype: 'int32', device }).reshape([b, 1])), 0).to('int32').reshape([-1]);
  const keep = pad === null ? inBag : inBag.logicalAnd(flat.indexSelect(0, slots).reshape([b, longest]).ne(pad));
  const counts = keep.to('int32').sum(1, true);
  const keep3 = keep.unsqueeze(2);
  let dense = rows.indexSelect(0, slots).reshape([b, longest, dim]);
  if (psw !== null) dense = dense.mul(psw.reshape([-1]).indexSelect(0, slots).reshape([b, longest, 1]));
  if (mode === 'max') return where(counts.gt(0), where(keep3, dense, -Infinity).max(1).values, 0);
  const sum = where(keep3, dense, 0).sum(1);
  if (mode === 'sum') return sum;
  return sum.div(counts.clamp({ min: 1 }).to(weight.dtype));
}

const sameShapeAs = (a: Tensor, b: Tensor): boolean => a instanceof Tensor && a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);

/** Options of `EmbeddingBag`. @example `new nn.EmbeddingBag(1000, 64, { mode: 'sum' })` */
export interface EmbeddingBagLayerOptions {
  /** 'mean' (default), 'sum' or 'max' over each bag. */
  readonly mode?: EmbeddingBagMode;
  /** Before the lookup, rescale (in place) every referenced row whose `normType`-norm exceeds this to this norm. */
  readonly maxNorm?: number | null;
  /** The p of the max-norm renormalisation (default 2). */
  readonly normType?: number;
  /** `offsets` has one more entry, the end of the last bag (CSR layout). */
  readonly includeLastOffset?: boolean;
  /** Entries equal to this index are left out of their bag, and its row gets no gradient. */
  readonly paddingIdx?: number | null;
  /** Parameter dtype (default float32). */
  readonly dtype?: 'float32' | 'float64';
  /** Draw the initial weights from this generator instead of the default one. */
  readonly generator?: Generator;
}

/**
 * Bags of embeddings reduced by sum, mean (default) or max, as PyTorch's `nn.EmbeddingBag`: `forward(input,
 * { offsets, perSampleWeights })` with 2-d input (each row a bag) or 1-d input and offsets.
 *
 * @example
 * ```ts
 * const bag = new nn.EmbeddingBag(10, 3, { mode: 'sum' });
 * bag.forward(tensor([1, 2, 4, 5, 4, 3, 2, 9], { dtype: 'int32' }), { offsets: tensor([0, 4], { dtype: 'int32' }) }).shape; // [2, 3]
 * ```
 */
export class EmbeddingBag extends Module {
  /** The table, [numEmbeddings, embeddingDim], initialised from N(0, 1) (the padding row zero). */
  readonly weight: Parameter;
  /** How each bag's rows combine: 'mean' (default), 'sum' or 'max'. */
  readonly mode: EmbeddingBagMode;
  /** Entries equal to this index are left out of their bag (made non-negative), or null. */
  readonly paddingIdx: number | null;
  /** Rows looked up with a larger `normType`-norm are rescaled in place to this norm; null: never. */
  readonly maxNorm: number | null;
  /** The p of the max-norm renormalisation (default 2). */
  readonly normType: number;
  /** `offsets` has one more entry, the end of the last bag (CSR layout). */
  readonly includeLastOffset: boolean;

  constructor(
    /** The number of rows of the table (the size of the vocabulary). */ readonly numEmbeddings: number,
    /** The size of each row. */ readonly embeddingDim: number,
    opts: EmbeddingBagLayerOptions = {}) {
    super();
    for (const [name, v] of [['numEmbeddings', numEmbeddings], ['embeddingDim', embeddingDim]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new Error(`EmbeddingBag: ${name} must be a non-negative integer, got ${v}.`);
    }
    const o = checkOptions('EmbeddingBag', opts, {
      mode: ['sum', 'mean', 'max'], maxNorm: 'number|null', normType: 'number', includeLastOffset: 'boolean', paddingIdx: 'integer|null',
      dtype: ['float32', 'float64'], generator: 'generator',
    });
    this.mode = o.mode ?? 'mean';
    this.paddingIdx = paddingOf(o.paddingIdx, numEmbeddings, 'EmbeddingBag');
    this.maxNorm = o.maxNorm ?? null;
    this.normType = o.normType ?? 2;
    this.includeLastOffset = o.includeLastOffset ?? false;
    const w = normal_(zeros([numEmbeddings, embeddingDim], { dtype: o.dtype ?? 'float32' }), 0, 1, o.generator ? { generator: o.generator } : {});
    if (this.paddingIdx !== null) noGrad(() => w.narrow(0, this.paddingIdx!, 1).zero_());
    this.weight = new Parameter(w);
  }

  /** Reduce the bags of `input`. @example `bag.forward(ids, { offsets })` */
  override forward(input: Tensor, opts: { readonly offsets?: Tensor | null; readonly perSampleWeights?: Tensor | null } = {}): Tensor {
    const o = checkOptions('EmbeddingBag', opts, { offsets: 'tensor|null', perSampleWeights: 'tensor|null' });
    return embeddingBag(input, this.weight, {
      offsets: o.offsets ?? null, perSampleWeights: o.perSampleWeights ?? null, mode: this.mode, paddingIdx: this.paddingIdx,
      maxNorm: this.maxNorm, normType: this.normType, includeLastOffset: this.includeLastOffset,
    });
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}, mode='${this.mode}'${this.paddingIdx !== null ? `, paddingIdx=${this.paddingIdx}` : ''}`;
  }
}
