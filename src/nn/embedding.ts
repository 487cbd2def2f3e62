// Embedding lookup: nn.functional.embedding and nn.Embedding.
import { noGrad } from '../autograd/grad-mode.js';
import { tensor, zeros } from '../creation.js';
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
    const unique = tensor([...new Set(indices.reshape([-1]).toArray() as number[])].sort((a, b) => a - b), { dtype: 'int32', device: weight.device });
    if (unique.size === 0) return;
    const rows = weight.indexSelect(0, unique);
    const norms = rows.abs().pow(p).sum(1, true).pow(1 / p);
    const factor = where(norms.gt(maxNorm), norms.add(1e-7).reciprocal().mul(maxNorm), 1);
    weight.copy_(weight.indexAdd(0, unique, rows.mul(factor.sub(1))));
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
  if (input.size > 0) {
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
  readonly weight: Parameter;
  readonly paddingIdx: number | null;
  readonly maxNorm: number | null;
  readonly normType: number;

  constructor(readonly numEmbeddings: number, readonly embeddingDim: number, opts: EmbeddingLayerOptions = {}) {
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

  /** Look up `input` (int32 indices of any shape). @example `emb.forward(ids)` */
  override forward(input: Tensor): Tensor {
    return embedding(input, this.weight, { paddingIdx: this.paddingIdx, maxNorm: this.maxNorm, normType: this.normType });
  }

  override extraRepr(): string {
    return `${this.numEmbeddings}, ${this.embeddingDim}${this.paddingIdx !== null ? `, paddingIdx=${this.paddingIdx}` : ''}${this.maxNorm !== null ? `, maxNorm=${this.maxNorm}` : ''}`;
  }
}
