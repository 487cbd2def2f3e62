// Channel dropout (Dropout2d) and Unflatten: layers that only reshape or mask their input.
import { ones } from '../creation.js';
import { isFloating } from '../dtype.js';
import type { Generator } from '../random.js';
import { fmtShape, normalizeDim, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { dropout, type DropoutOptions } from './layer-functions.js';
import { Module } from './module.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import '../autograd/record.js';

/**
 * Channel dropout: in training, zero each whole channel of `[N, C, H, W]` with probability `p` and scale the
 * others by 1/(1-p). A 3-d input is read as `[N, C, L]` (PyTorch's behaviour, with its warning). Returns the input
 * itself when not training or when p = 0.
 *
 * @example
 * ```ts
 * dropout2d(features, 0.2, { training: model.training });
 * ```
 */
export function dropout2d(input: Tensor, p = 0.5, opts: DropoutOptions = {}): Tensor {
  if (!(input instanceof Tensor)) throw new Error(`dropout2d: expected a Tensor, got ${input === null ? 'null' : typeof input}.`);
  if (!(p >= 0 && p <= 1)) throw new Error(`dropout2d: probability p must be in [0, 1], got ${p}.`);
  if (!isFloating(input.dtype)) throw new Error(`dropout2d: input must be floating point, got dtype ${input.dtype}.`);
  if (input.ndim !== 3 && input.ndim !== 4) {
    throw new Error(`dropout2d: expected a 4-d input [N, C, H, W] (or 3-d [N, C, L]), got shape ${fmtShape(input.shape)}.`);
  }
  if (!(opts.training ?? true) || p === 0) return input;
  const maskShape = [input.shape[0]!, input.shape[1]!, ...input.shape.slice(2).map(() => 1)];
  // One dropout draw per channel: the kept channels carry 1/(1-p), the dropped ones 0.
  const mask = dropout(ones(maskShape, { dtype: input.dtype, device: input.device }), p, opts);
  return input.mul(mask);
}

/**
 * Dropout of whole channels of `[N, C, H, W]` (see `dropout2d`); the input unchanged in eval mode.
 *
 * @example
 * ```ts
 * const drop = new nn.Dropout2d(0.1);
 * drop.forward(randn([8, 16, 5, 5]));
 * ```
 */
export class Dropout2d extends Module {
  readonly #generator: Generator | undefined;

  constructor(
    /** The probability of zeroing each channel in training (default 0.5). */ readonly p = 0.5,
    opts: { readonly generator?: Generator } = {},
  ) {
    super();
    if (!(p >= 0 && p <= 1)) throw new Error(`Dropout2d: probability p must be in [0, 1], got ${p}.`);
    this.#generator = opts.generator;
  }

  override forward(input: Tensor): Tensor {
    return dropout2d(input, this.p, this.#generator ? { training: this.training, generator: this.#generator } : { training: this.training });
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}

/**
 * Splits dim `dim` into `unflattenedSize` (one entry may be -1), the inverse of `Flatten`.
 *
 * @example
 * ```ts
 * new nn.Unflatten(1, [2, 5]).forward(zeros([3, 10])).shape; // [3, 2, 5]
 * ```
 */
export class Unflatten extends Module {
  /** The sizes the dim is split into (one may be -1, inferred). */
  readonly unflattenedSize: number[];

  constructor(
    /** The dim that is split. */ readonly dim: number,
    unflattenedSize: readonly number[],
  ) {
    super();
    if (!Number.isInteger(dim)) throw new Error(`Unflatten: dim must be an integer, got ${dim}.`);
    if (!Array.isArray(unflattenedSize) || unflattenedSize.length === 0 || !unflattenedSize.every((d) => Number.isInteger(d) && d >= -1)) {
      throw new Error(`Unflatten: unflattenedSize must be a non-empty array of sizes (one may be -1), got ${JSON.stringify(unflattenedSize)}.`);
    }
    if (unflattenedSize.filter((d) => d === -1).length > 1) throw new Error('Unflatten: only one size of unflattenedSize may be -1.');
    this.unflattenedSize = [...unflattenedSize];
  }

  override forward(input: Tensor): Tensor {
    const d = normalizeDim(this.dim, input.ndim, 'Unflatten');
    const size = input.shape[d]!;
    const known = sizeOf(this.unflattenedSize.filter((s) => s !== -1));
    const sizes = this.unflattenedSize.map((s) => (s === -1 ? (known === 0 ? 0 : size / known) : s));
    if (sizeOf(sizes) !== size || !sizes.every(Number.isInteger)) {
      throw new Error(`Unflatten: unflattenedSize ${fmtShape(this.unflattenedSize)} does not multiply to ${size}, the size of dim ${this.dim} of the input ${fmtShape(input.shape)}.`);
    }
    return input.reshape([...input.shape.slice(0, d), ...sizes, ...input.shape.slice(d + 1)]);
  }

  override extraRepr(): string {
    return `dim=${this.dim}, unflattenedSize=[${this.unflattenedSize.join(', ')}]`;
  }
}
