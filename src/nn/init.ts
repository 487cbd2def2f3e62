// Weight initialisers, as torch.nn.init: each fills a tensor in place without recording and returns it.
import { noGrad } from '../autograd/grad-mode.js';
import { rand, randn, full } from '../creation.js';
import type { Generator } from '../random.js';
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';

/** Options of the random initialisers. @example `nn.init.normal_(w, 0, 0.02, { generator: new Generator(0) })` */
export interface InitOptions {
  /** Draw from this generator instead of the default one (which `manualSeed` seeds). */
  readonly generator?: Generator;
}

function randomOpts(t: Tensor, opts: InitOptions): { dtype: 'float64'; device: 'cpu'; generator?: Generator } {
  if (t.dtype !== 'float32' && t.dtype !== 'float64') {
    throw new Error(`init: only floating-point tensors can be initialised randomly, got dtype ${t.dtype}.`);
  }
  // Draw in float64 (on the CPU: a GPU has no float64) so that the scaling below rounds once, when the result is
  // converted to the tensor's dtype; then moved to the tensor's device.
  return opts.generator ? { dtype: 'float64', device: 'cpu', generator: opts.generator } : { dtype: 'float64', device: 'cpu' };
}

/** `v` (float64, on the CPU) stored into `t`: rounded to its dtype once, then moved to its device. */
function store(t: Tensor, v: Tensor): Tensor {
  return noGrad(() => t.copy_(v.to(t.dtype).to(t.device)));
}

/**
 * Fill with samples from U(low, high).
 *
 * @example
 * ```ts
 * nn.init.uniform_(w, -0.1, 0.1);
 * ```
 */
export function uniform_(t: Tensor, low = 0, high = 1, opts: InitOptions = {}): Tensor {
  if (!(high >= low)) throw new Error(`uniform_: expected low <= high, got low=${low}, high=${high}.`);
  const u = rand(t.shape, randomOpts(t, opts));
  return store(t, u.mul(high - low).add(low));
}

/**
 * Fill with samples from N(mean, std²).
 *
 * @example
 * ```ts
 * nn.init.normal_(w, 0, 0.02);
 * ```
 */
export function normal_(t: Tensor, mean = 0, std = 1, opts: InitOptions = {}): Tensor {
  if (!(std >= 0)) throw new Error(`normal_: std must be non-negative, got ${std}.`);
  const z = randn(t.shape, randomOpts(t, opts));
  return store(t, z.mul(std).add(mean));
}

/** Fill with `value`. @example `nn.init.constant_(bias, 0.1)` */
export function constant_(t: Tensor, value: number): Tensor {
  return noGrad(() => t.copy_(full([], value, { dtype: t.dtype, device: t.device })));
}

/** Fill with zeros. @example `nn.init.zeros_(linear.bias!)` */
export function zeros_(t: Tensor): Tensor {
  return constant_(t, 0);
}

/** Fill with ones, in place and without recording a gradient. */
export function ones_(t: Tensor): Tensor {
  return constant_(t, 1);
}

/**
 * The fan-in and fan-out of a weight of shape [out, in, ...kernel] (PyTorch's convention).
 *
 * @example
 * ```ts
 * calculateFanInAndFanOut(zeros([128, 784])); // { fanIn: 784, fanOut: 128 }
 * ```
 */
export function calculateFanInAndFanOut(t: Tensor): { fanIn: number; fanOut: number } {
  if (t.ndim < 2) {
    throw new Error(`calculateFanInAndFanOut: fan in and fan out need a tensor with at least 2 dims, got shape ${fmtShape(t.shape)}.`);
  }
  const receptive = t.shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: t.shape[1]! * receptive, fanOut: t.shape[0]! * receptive };
}

/** The nonlinearities `calculateGain` knows. @example `const act: nn.init.Nonlinearity = 'relu';` */
export type Nonlinearity = 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'leakyRelu';

/**
 * The recommended gain for a nonlinearity (PyTorch's table; `param` is leaky ReLU's negative slope).
 *
 * @example
 * ```ts
 * calculateGain('relu'); // √2
 * ```
 */
export function calculateGain(nonlinearity: Nonlinearity, param = 0.01): number {
  switch (nonlinearity) {
    case 'linear':
    case 'sigmoid':
      return 1;
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu':
      return Math.sqrt(2 / (1 + param * param));
    default:
      throw new Error(`calculateGain: unknown nonlinearity '${String(nonlinearity)}'; use linear, sigmoid, tanh, relu or leakyRelu.`);
  }
}

/** Options of the Kaiming initialisers. @example `nn.init.kaimingUniform_(w, { mode: 'fanOut', nonlinearity: 'relu' })` */
export interface KaimingOptions extends InitOptions {
  /** Leaky ReLU's negative slope (√5 in Linear's default init). */
  readonly a?: number;
  /** Preserve the variance of the forward pass ('fanIn', default) or of the backward pass ('fanOut'). */
  readonly mode?: 'fanIn' | 'fanOut';
  /** The activation that follows, whose gain scales the bound (default `'leakyRelu'`). */
  readonly nonlinearity?: Nonlinearity;
}

/**
 * He/Kaiming uniform init: U(-b, b) with b = gain·√(3 / fan). `Linear` uses `{ a: √5 }`, which gives
 * b = 1/√fanIn.
 *
 * @example
 * ```ts
 * nn.init.kaimingUniform_(w, { nonlinearity: 'relu' });
 * ```
 */
export function kaimingUniform_(t: Tensor, opts: KaimingOptions = {}): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const fan = (opts.mode ?? 'fanIn') === 'fanIn' ? fanIn : fanOut;
  const gain = calculateGain(opts.nonlinearity ?? 'leakyRelu', opts.a ?? 0);
  const bound = fan === 0 ? 0 : gain * Math.sqrt(3 / fan);
  return uniform_(t, -bound, bound, opts);
}

/**
 * Glorot/Xavier uniform init: U(-b, b) with b = gain·√(6 / (fanIn + fanOut)).
 *
 * @example
 * ```ts
 * nn.init.xavierUniform_(w);
 * ```
 */
export function xavierUniform_(t: Tensor, gain = 1, opts: InitOptions = {}): Tensor {
  const { fanIn, fanOut } = calculateFanInAndFanOut(t);
  const bound = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform_(t, -bound, bound, opts);
}
