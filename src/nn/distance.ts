// Distances and similarities of torch.nn.functional: pairwiseDistance, cosineSimilarity, normalize. Their norms
// have PyTorch's subgradient at 0 (zero), never a 0/0.
import { broadcastShapes, fmtShape, normalizeDim } from '../shape.js';
import { checkOptions } from '../options.js';
import { isFloating } from '../dtype.js';
import { where } from '../ops/api.generated.js';
import { Tensor } from '../tensor.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import '../autograd/record.js';

/**
 * The p-norm of `x` along `dim` (p ≥ 0, or Infinity), with gradient 0 where the norm is 0, as PyTorch's norm.
 *
 * @example
 * ```ts
 * pNorm(x, 2, -1, false);
 * ```
 */
export function pNorm(x: Tensor, p: number, dim: number, keepdim: boolean): Tensor {
  if (p === Infinity) return x.abs().amax(dim, keepdim);
  if (p === 0) return x.ne(0).to(x.dtype).sum(dim, keepdim);
  if (p === 1) return x.abs().sum(dim, keepdim);
  const s = p === 2 ? x.mul(x).sum(dim, keepdim) : x.abs().pow(p).sum(dim, keepdim);
  const pos = s.gt(0);
  // The root reads 1 where the sum is 0, so that its derivative there is finite and cut by the outer where.
  const safe = where(pos, s, 1);
  return where(pos, p === 2 ? safe.sqrt() : safe.pow(1 / p), 0);
}

function checkPair(op: string, x1: unknown, x2: unknown): asserts x1 is Tensor {
  if (!(x1 instanceof Tensor) || !(x2 instanceof Tensor)) throw new Error(`${op}: expected x1 and x2 to be Tensors.`);
  if (!isFloating(x1.dtype) || !isFloating(x2.dtype)) throw new Error(`${op}: expected floating-point inputs, got ${x1.dtype} and ${x2.dtype}.`);
}

/** Options of `pairwiseDistance`. @example `pairwiseDistance(a, b, { p: 1, keepdim: true })` */
export interface PairwiseDistanceOptions {
  /** The norm degree (default 2; Infinity for the largest difference). */
  readonly p?: number;
  /** Added to the differences before the norm, keeping its gradient defined (default 1e-6). */
  readonly eps?: number;
  /** Keep the reduced last dim with size 1 (default false). */
  readonly keepdim?: boolean;
}

/**
 * The p-norm distance `‖x1 − x2 + eps‖_p` along the last dim, broadcasting the two inputs.
 *
 * @example
 * ```ts
 * pairwiseDistance(randn([4, 8]), randn([4, 8])).shape; // [4]
 * ```
 */
export function pairwiseDistance(x1: Tensor, x2: Tensor, opts: PairwiseDistanceOptions = {}): Tensor {
  const o = checkOptions('pairwiseDistance', opts, { p: 'number', eps: 'number', keepdim: 'boolean' });
  checkPair('pairwiseDistance', x1, x2);
  const p = o.p ?? 2;
  if (!(p >= 0)) throw new Error(`pairwiseDistance: p must be non-negative, got ${p}.`);
  const d = x1.sub(x2).add(o.eps ?? 1e-6);
  if (d.ndim === 0) return d.abs();
  return pNorm(d, p, d.ndim - 1, o.keepdim ?? false);
}

/** Options of `cosineSimilarity`. @example `cosineSimilarity(a, b, 1, { eps: 1e-6 })` */
export interface CosineSimilarityOptions {
  /** The smallest norm each input is divided by (default 1e-8). */
  readonly eps?: number;
}

/**
 * Cosine similarity along `dim` (default 1), broadcasting the inputs: `Σ (x1/max(‖x1‖, eps))·(x2/max(‖x2‖, eps))`,
 * PyTorch's formula (each input normalised on its own, which is more accurate than dividing the dot product).
 *
 * @example
 * ```ts
 * cosineSimilarity(queries, keys, -1);
 * ```
 */
export function cosineSimilarity(x1: Tensor, x2: Tensor, dim = 1, opts: CosineSimilarityOptions = {}): Tensor {
  const o = checkOptions('cosineSimilarity', opts, { eps: 'number' });
  checkPair('cosineSimilarity', x1, x2);
  const shape = broadcastShapes(x1.shape, x2.shape, 'cosineSimilarity');
  if (shape.length === 0) throw new Error(`cosineSimilarity: the inputs need at least one dim, got shapes ${fmtShape(x1.shape)} and ${fmtShape(x2.shape)}.`);
  const d = normalizeDim(dim, shape.length, 'cosineSimilarity');
  const a = x1.expand(shape), b = x2.expand(shape);
  const eps = o.eps ?? 1e-8;
  const na = pNorm(a, 2, d, true).clamp({ min: eps }), nb = pNorm(b, 2, d, true).clamp({ min: eps });
  return a.div(na).mul(b.div(nb)).sum(d);
}

/** Options of `normalize`. @example `normalize(x, { p: 1, dim: -1 })` */
export interface NormalizeOptions {
  /** The norm degree (default 2). */
  readonly p?: number;
  /** The dim to normalise along (default 1). */
  readonly dim?: number;
  /** The smallest norm to divide by (default 1e-12). */
  readonly eps?: number;
}

/**
 * `x / max(‖x‖_p, eps)` along `dim`: unit vectors (F.normalize).
 *
 * @example
 * ```ts
 * normalize(embeddings, { dim: -1 });
 * ```
 */
export function normalize(input: Tensor, opts: NormalizeOptions = {}): Tensor {
  const o = checkOptions('normalize', opts, { p: 'number', dim: 'integer', eps: 'number' });
  if (!(input instanceof Tensor) || !isFloating(input.dtype)) throw new Error(`normalize: expected a floating-point Tensor.`);
  const p = o.p ?? 2;
  if (!(p >= 0)) throw new Error(`normalize: p must be non-negative, got ${p}.`);
  if (input.ndim === 0) return input.div(input.abs().clamp({ min: o.eps ?? 1e-12 }));
  const d = normalizeDim(o.dim ?? 1, input.ndim, 'normalize');
  return input.div(pNorm(input, p, d, true).clamp({ min: o.eps ?? 1e-12 }));
}
