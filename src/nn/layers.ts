import { zeros } from '../creation.js';
import type { DType } from '../dtype.js';
import type { Generator } from '../random.js';
import type { Tensor } from '../tensor.js';
import { kaimingUniform_, uniform_ } from './init.js';
import { dropout, linear } from './layer-functions.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/**
 * A module that maps one tensor to one tensor: what `Sequential` chains.
 *
 * @example
 * ```ts
 * const layers: nn.TensorModule[] = [new nn.Linear(4, 4), new nn.ReLU()];
 * ```
 */
export type TensorModule = Module & {
  /** Map one tensor to one tensor. */
  forward(input: Tensor): Tensor;
};

/** Options of `Linear`. @example `new nn.Linear(128, 10, { bias: false, dtype: 'float64' })` */
export interface LinearOptions {
  /** Learn an additive bias (default true). */
  readonly bias?: boolean;
  /** Parameter dtype (default float32). */
  readonly dtype?: 'float32' | 'float64';
  /** Draw the initial weights from this generator instead of the default one. */
  readonly generator?: Generator;
}

/**
 * Fully connected layer `y = x·Wᵀ + b` with W of shape [outFeatures, inFeatures]. Initialised as PyTorch
 * does: W and b ~ U(-1/√inFeatures, 1/√inFeatures) (Kaiming-uniform with a = √5), weight drawn first.
 *
 * @example
 * ```ts
 * const fc = new nn.Linear(784, 128);
 * fc.forward(randn([64, 784])).shape; // [64, 128]
 * ```
 */
export class Linear extends Module {
  /** The weight, [outFeatures, inFeatures]. */
  readonly weight: Parameter;
  /** The bias, [outFeatures], or null with `{ bias: false }`. */
  readonly bias: Parameter | null;

  constructor(
    /** Size of each input sample (the last dim). */ readonly inFeatures: number,
    /** Size of each output sample. */ readonly outFeatures: number,
    opts: LinearOptions = {},
  ) {
    super();
    for (const [name, v] of [['inFeatures', inFeatures], ['outFeatures', outFeatures]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new Error(`Linear: ${name} must be a non-negative integer, got ${v}.`);
    }
    const dtype: DType = opts.dtype ?? 'float32';
    const init = opts.generator ? { generator: opts.generator } : {};
    this.weight = new Parameter(kaimingUniform_(zeros([outFeatures, inFeatures], { dtype }), { a: Math.sqrt(5), ...init }));
    const bound = inFeatures > 0 ? 1 / Math.sqrt(inFeatures) : 0;
    this.bias = (opts.bias ?? true) ? new Parameter(uniform_(zeros([outFeatures], { dtype }), -bound, bound, init)) : null;
  }

  /** `x·Wᵀ + b` over the last dim of `input`: any leading dims are kept. @example `new nn.Linear(4, 2).forward(zeros([8, 3, 4])).shape // [8, 3, 2]` */
  override forward(input: Tensor): Tensor {
    return linear(input, this.weight, this.bias);
  }

  override extraRepr(): string {
    return `inFeatures=${this.inFeatures}, outFeatures=${this.outFeatures}, bias=${this.bias !== null}`;
  }
}

/**
 * Chains modules: the output of each is the input of the next. Children are named '0', '1', … so that
 * parameters are called `0.weight`, `2.bias`, and so on.
 *
 * @example
 * ```ts
 * const model = new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
 * model.forward(x); // logits [N, 10]
 * ```
 */
export class Sequential extends Module {
  constructor(...modules: TensorModule[]) {
    super();
    for (const m of modules) this.append(m);
  }

  /** Number of modules. @example `model.length // 3` */
  get length(): number {
    return this.children().length;
  }

  /** The module at `index` (negative counts from the end). @example `model.at(0)` */
  at(index: number): TensorModule | undefined {
    return this.children().at(index) as TensorModule | undefined;
  }

  /** Add a module at the end. @example `model.append(new nn.ReLU())` */
  append(module: TensorModule): this {
    return this.registerModule(String(this.children().length), module);
  }

  /** The modules, in order. */
  [Symbol.iterator](): Iterator<TensorModule> {
    return (this.children() as TensorModule[])[Symbol.iterator]();
  }

  /** Run the modules in order, each on the previous one's output. */
  override forward(input: Tensor): Tensor {
    let x = input;
    for (const m of this.children() as TensorModule[]) x = m.forward(x);
    return x;
  }
}

/**
 * A list of child modules, registered as '0', '1', …, for models that loop over layers in their own
 * `forward` (a plain array would hide the layers' parameters).
 *
 * @example
 * ```ts
 * class Deep extends nn.Module {
 *   blocks = new nn.ModuleList([new nn.Linear(8, 8), new nn.Linear(8, 8)]);
 *   override forward(x: Tensor): Tensor {
 *     for (const b of this.blocks) x = (b as nn.Linear).forward(x).tanh();
 *     return x;
 *   }
 * }
 * ```
 */
export class ModuleList extends Module {
  constructor(modules: Iterable<Module> = []) {
    super();
    for (const m of modules) this.append(m);
  }

  /** Number of modules. @example `list.length` */
  get length(): number {
    return this.children().length;
  }

  /** The module at `index` (negative counts from the end). @example `list.at(-1)` */
  at(index: number): Module | undefined {
    return this.children().at(index);
  }

  /** Add a module at the end. @example `list.append(new nn.Linear(8, 8))` */
  append(module: Module): this {
    return this.registerModule(String(this.children().length), module);
  }

  /** The modules, in order. */
  [Symbol.iterator](): Iterator<Module> {
    return this.children()[Symbol.iterator]();
  }
}

/** Returns its input. @example `new nn.Identity().forward(x) === x` */
export class Identity extends Module {
  override forward(input: Tensor): Tensor {
    return input;
  }
}

/** max(x, 0) elementwise. @example `new nn.ReLU().forward(x)` */
export class ReLU extends Module {
  override forward(input: Tensor): Tensor {
    return input.relu();
  }
}

/** tanh elementwise. @example `new nn.Tanh().forward(x)` */
export class Tanh extends Module {
  override forward(input: Tensor): Tensor {
    return input.tanh();
  }
}

/** 1 / (1 + e^(-x)) elementwise. @example `new nn.Sigmoid().forward(x)` */
export class Sigmoid extends Module {
  override forward(input: Tensor): Tensor {
    return input.sigmoid();
  }
}

/**
 * Flattens dims `startDim … endDim` into one (by default everything but the batch dim).
 *
 * @example
 * ```ts
 * new nn.Flatten().forward(zeros([64, 1, 28, 28])).shape; // [64, 784]
 * ```
 */
export class Flatten extends Module {
  constructor(
    /** The first dim to flatten. */
    readonly startDim = 1,
    /** The last dim to flatten (inclusive). */
    readonly endDim = -1,
  ) {
    super();
  }

  override forward(input: Tensor): Tensor {
    return input.flatten(this.startDim, this.endDim);
  }

  override extraRepr(): string {
    return `startDim=${this.startDim}, endDim=${this.endDim}`;
  }
}

/**
 * Inverted dropout: in training mode zeroes each element with probability `p` and scales the rest by
 * 1/(1-p); in eval mode returns the input unchanged. The mask comes from `generator`, or from the default
 * generator (seeded by `manualSeed`).
 *
 * @example
 * ```ts
 * const drop = new nn.Dropout(0.2);
 * drop.forward(h);        // training: masked and scaled
 * drop.eval().forward(h); // h itself
 * ```
 */
export class Dropout extends Module {
  readonly #generator: Generator | undefined;

  constructor(
    /** The probability of zeroing an element in training. */
    readonly p = 0.5,
    opts: { readonly generator?: Generator } = {},
  ) {
    super();
    if (!(p >= 0 && p <= 1)) throw new Error(`Dropout: probability p must be in [0, 1], got ${p}.`);
    this.#generator = opts.generator;
  }

  override forward(input: Tensor): Tensor {
    return dropout(input, this.p, this.#generator ? { training: this.training, generator: this.#generator } : { training: this.training });
  }

  override extraRepr(): string {
    return `p=${this.p}`;
  }
}
