// The activation modules: each holds its hyperparameters and calls its nn.functional form.
import { checkOptions } from '../options.js';
import { normalizeDim } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { gelu, softplus } from '../ops/api.generated.js';
import type { GeluOptions, SoftplusOptions } from '../ops/unary.js';
import {
  celu, elu, hardsigmoid, hardswish, hardtanh, implicitSoftmaxDim, leakyRelu, mish, relu6, selu, silu, softmin,
} from './activations.js';
import { Module } from './module.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import '../autograd/record.js';

/**
 * GELU, exact (`x·Φ(x)`) or with `approximate: 'tanh'`.
 *
 * @example
 * ```ts
 * new nn.GELU({ approximate: 'tanh' }).forward(x);
 * ```
 */
export class GELU extends Module {
  /** `'none'`: the exact `x·Φ(x)`; `'tanh'`: PyTorch's tanh approximation. */
  readonly approximate: 'none' | 'tanh';
  constructor(opts: GeluOptions = {}) {
    super();
    this.approximate = checkOptions('GELU', opts, { approximate: ['none', 'tanh'] }).approximate ?? 'none';
  }
  override forward(input: Tensor): Tensor {
    return gelu(input, { approximate: this.approximate });
  }
  override extraRepr(): string {
    return `approximate='${this.approximate}'`;
  }
}

/** SiLU (swish), `x·σ(x)`. @example `new nn.SiLU().forward(x)` */
export class SiLU extends Module {
  override forward(input: Tensor): Tensor {
    return silu(input);
  }
}

/** Mish, `x·tanh(softplus(x))`. @example `new nn.Mish().forward(x)` */
export class Mish extends Module {
  override forward(input: Tensor): Tensor {
    return mish(input);
  }
}

/** Leaky ReLU with `negativeSlope` (default 0.01). @example `new nn.LeakyReLU(0.2).forward(x)` */
export class LeakyReLU extends Module {
  constructor(
    /** The slope for negative inputs (default 0.01). */ readonly negativeSlope = 0.01,
  ) {
    super();
  }
  override forward(input: Tensor): Tensor {
    return leakyRelu(input, this.negativeSlope);
  }
  override extraRepr(): string {
    return `negativeSlope=${this.negativeSlope}`;
  }
}

/** ELU with `alpha` (default 1). @example `new nn.ELU().forward(x)` */
export class ELU extends Module {
  constructor(
    /** The α of `α·(e^x − 1)` for negative inputs (default 1). */ readonly alpha = 1,
  ) {
    super();
  }
  override forward(input: Tensor): Tensor {
    return elu(input, this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/** SELU, the self-normalising ELU. @example `new nn.SELU().forward(x)` */
export class SELU extends Module {
  override forward(input: Tensor): Tensor {
    return selu(input);
  }
}

/** CELU with `alpha` (default 1). @example `new nn.CELU(0.5).forward(x)` */
export class CELU extends Module {
  constructor(
    /** The α of `max(0, x) + min(0, α·(e^(x/α) − 1))` (default 1). */ readonly alpha = 1,
  ) {
    super();
  }
  override forward(input: Tensor): Tensor {
    return celu(input, this.alpha);
  }
  override extraRepr(): string {
    return `alpha=${this.alpha}`;
  }
}

/** Softplus, `log(1 + e^(β·x))/β`, linear above `threshold`. @example `new nn.Softplus({ beta: 2 }).forward(x)` */
export class Softplus extends Module {
  /** The β of `log(1 + e^(β·x))/β` (default 1). */
  readonly beta: number;
  /** Above `β·x > threshold` the output is x itself (default 20). */
  readonly threshold: number;
  constructor(opts: SoftplusOptions = {}) {
    super();
    const o = checkOptions('Softplus', opts, { beta: 'number', threshold: 'number' });
    this.beta = o.beta ?? 1;
    this.threshold = o.threshold ?? 20;
  }
  override forward(input: Tensor): Tensor {
    return softplus(input, { beta: this.beta, threshold: this.threshold });
  }
  override extraRepr(): string {
    return `beta=${this.beta}, threshold=${this.threshold}`;
  }
}

/** HardTanh: x clamped to [minVal, maxVal] (default [-1, 1]). @example `new nn.Hardtanh(-2, 2).forward(x)` */
export class Hardtanh extends Module {
  constructor(
    /** The lower bound (default −1). */ readonly minVal = -1,
    /** The upper bound (default 1). */ readonly maxVal = 1,
  ) {
    super();
    if (minVal > maxVal) throw new Error(`Hardtanh: minVal (${minVal}) cannot be greater than maxVal (${maxVal}).`);
  }
  override forward(input: Tensor): Tensor {
    return hardtanh(input, this.minVal, this.maxVal);
  }
  override extraRepr(): string {
    return `minVal=${this.minVal}, maxVal=${this.maxVal}`;
  }
}

/** ReLU6, `min(max(x, 0), 6)`. @example `new nn.ReLU6().forward(x)` */
export class ReLU6 extends Module {
  override forward(input: Tensor): Tensor {
    return relu6(input);
  }
}

/** Hard swish (MobileNetV3). @example `new nn.Hardswish().forward(x)` */
export class Hardswish extends Module {
  override forward(input: Tensor): Tensor {
    return hardswish(input);
  }
}

/** Hard sigmoid, `relu6(x + 3)/6`. @example `new nn.Hardsigmoid().forward(x)` */
export class Hardsigmoid extends Module {
  override forward(input: Tensor): Tensor {
    return hardsigmoid(input);
  }
}

/** The dim of a softmax module: its own, or PyTorch's legacy implicit choice. */
function softmaxDim(dim: number | undefined, x: Tensor, layer: string): number {
  return normalizeDim(dim ?? implicitSoftmaxDim(x.ndim), Math.max(x.ndim, 1), layer);
}

/**
 * Softmax along `dim`. Without a dim, PyTorch's legacy implicit choice is made (0 for 0-, 1- and 3-d inputs, else
 * 1); give the dim.
 *
 * @example
 * ```ts
 * new nn.Softmax(-1).forward(logits);
 * ```
 */
export class Softmax extends Module {
  constructor(
    /** The dim the probabilities sum to 1 along; `undefined`: PyTorch's legacy implicit choice (0 for 0-, 1- and 3-d inputs, else 1). */ readonly dim?: number,
  ) {
    super();
  }
  override forward(input: Tensor): Tensor {
    return input.softmax(softmaxDim(this.dim, input, 'Softmax'));
  }
  override extraRepr(): string {
    return `dim=${this.dim ?? 'null'}`;
  }
}

/** Log-softmax along `dim` (implicit dim as `Softmax`). @example `new nn.LogSoftmax(1).forward(logits)` */
export class LogSoftmax extends Module {
  constructor(
    /** The dim the log-probabilities normalise along; `undefined`: the implicit choice of `Softmax`. */ readonly dim?: number,
  ) {
    super();
  }
  override forward(input: Tensor): Tensor {
    return input.logSoftmax(softmaxDim(this.dim, input, 'LogSoftmax'));
  }
  override extraRepr(): string {
    return `dim=${this.dim ?? 'null'}`;
  }
}

/** Softmin along `dim`, `softmax(−x)` (implicit dim as `Softmax`). @example `new nn.Softmin(1).forward(d)` */
export class Softmin extends Module {
  constructor(
    /** The dim the probabilities sum to 1 along; `undefined`: the implicit choice of `Softmax`. */ readonly dim?: number,
  ) {
    super();
  }
  override forward(input: Tensor): Tensor {
    return softmin(input, softmaxDim(this.dim, input, 'Softmin'));
  }
  override extraRepr(): string {
    return `dim=${this.dim ?? 'null'}`;
  }
}
