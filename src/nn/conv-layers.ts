import { zeros } from '../creation.js';
import type { DType } from '../dtype.js';
import { conv2d, maxPool2d } from '../ops/api.generated.js';
import type { Conv2dFunctionOptions, Size2 } from '../ops/conv.js';
import type { MaxPool2dOptions } from '../ops/pool.js';
import { checkOptions } from '../options.js';
import type { Generator } from '../random.js';
import { fmtShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { conv1d, convTranspose2d, convTranspose2dOutputSize, type Size1 } from './conv-functions.js';
import { kaimingUniform_, uniform_ } from './init.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/** Options shared by the convolution layers. */
interface ConvLayerOptions {
  /** Split the channels into this many groups, each with its own filters (default 1; both channel counts must divide by it). */
  readonly groups?: number;
  /** Learn an additive bias per output channel (default true). */
  readonly bias?: boolean;
  /** How the input is padded: only `'zeros'` (PyTorch's default) is supported. */
  readonly paddingMode?: 'zeros';
  /** Parameter dtype (default float32). */
  readonly dtype?: 'float32' | 'float64';
  /** Draw the initial weights from this generator instead of the default one. */
  readonly generator?: Generator;
}

/** Options of `Conv2d`. @example `new nn.Conv2d(1, 8, 5, { padding: 'same', groups: 1, bias: false })` */
export interface Conv2dOptions extends ConvLayerOptions {
  /** Steps between window positions (default 1). */
  readonly stride?: Size2;
  /** Zero padding per side, or `'valid'` (none), or `'same'` (the output keeps the input's size; stride 1 only). */
  readonly padding?: Size2 | 'same' | 'valid';
  /** Spacing between the filter's taps (default 1). */
  readonly dilation?: Size2;
}

/** Options of `Conv1d`. @example `new nn.Conv1d(4, 8, 3, { padding: 'same' })` */
export interface Conv1dOptions extends ConvLayerOptions {
  /** Steps between window positions (default 1). */
  readonly stride?: Size1;
  /** Zero padding per side, or `'valid'` (none), or `'same'` (the output keeps the input's length; stride 1 only). */
  readonly padding?: Size1 | 'same' | 'valid';
  /** Spacing between the filter's taps (default 1). */
  readonly dilation?: Size1;
}

/** Options of `ConvTranspose2d`. @example `new nn.ConvTranspose2d(16, 8, 3, { stride: 2, padding: 1, outputPadding: 1 })` */
export interface ConvTranspose2dOptions extends ConvLayerOptions {
  /** The stride of the convolution this transposes: the output is about stride times larger (default 1). */
  readonly stride?: Size2;
  /** Removes `dilation·(k − 1) − padding` rows and columns of zero padding from each side of the output (default 0). */
  readonly padding?: Size2;
  /** Extra size on one side of the output (less than the stride). */
  readonly outputPadding?: Size2;
  /** Spacing between the filter's taps (default 1). */
  readonly dilation?: Size2;
}

const LAYER_KEYS = { groups: 'integer', bias: 'boolean', paddingMode: 'string', dtype: ['float32', 'float64'], generator: 'generator' } as const;

/** Check a layer's channel counts, groups and padding mode; create its weight and bias as PyTorch initialises them. */
function convParameters(op: string, inChannels: number, outChannels: number, weightShape: number[], opts: ConvLayerOptions): { weight: Parameter; bias: Parameter | null } {
  for (const [name, v] of [['inChannels', inChannels], ['outChannels', outChannels]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new Error(`${op}: ${name} must be a positive integer, got ${v}.`);
  }
  const groups = opts.groups ?? 1;
  if (!(groups >= 1)) throw new Error(`${op}: groups must be a positive integer, got ${groups}.`);
  if (inChannels % groups !== 0) throw new Error(`${op}: in_channels must be divisible by groups (inChannels ${inChannels}, groups ${groups}).`);
  if (outChannels % groups !== 0) throw new Error(`${op}: out_channels must be divisible by groups (outChannels ${outChannels}, groups ${groups}).`);
  if ((opts.paddingMode ?? 'zeros') !== 'zeros') {
    throw new Error(`${op}: paddingMode '${opts.paddingMode}' is not supported; only 'zeros' is (pad the input yourself for reflect, replicate or circular padding).`);
  }
  if (!weightShape.every((k) => Number.isInteger(k) && k >= 1)) throw new Error(`${op}: kernelSize must be positive integers, got weight shape ${fmtShape(weightShape)}.`);
  const dtype: DType = opts.dtype ?? 'float32';
  const init = opts.generator ? { generator: opts.generator } : {};
  // Kaiming-uniform with a = √5 gives U(-1/√fanIn, 1/√fanIn); the bias uses the same bound (weight drawn first).
  const weight = new Parameter(kaimingUniform_(zeros(weightShape, { dtype }), { a: Math.sqrt(5), ...init }));
  const fanIn = weightShape.slice(1).reduce((a, b) => a * b, 1);
  const bound = 1 / Math.sqrt(fanIn);
  const bias = (opts.bias ?? true) ? new Parameter(uniform_(zeros([outChannels], { dtype }), -bound, bound, init)) : null;
  return { weight, bias };
}

function padded(padding: unknown, stride: unknown, op: string): void {
  if (typeof padding === 'string') {
    if (padding !== 'same' && padding !== 'valid') throw new Error(`${op}: Invalid padding string '${padding}', should be one of 'valid', 'same'.`);
    const strides = typeof stride === 'number' ? [stride] : Array.isArray(stride) ? stride : [1];
    if (padding === 'same' && strides.some((s) => s !== 1)) throw new Error(`${op}: padding='same' is not supported for strided convolutions.`);
  }
}

function describeWindow(entries: Record<string, unknown>): string[] {
  return Object.entries(entries).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
}

const pairOf = (v: Size2): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/**
 * 2-d convolution layer (PyTorch's cross-correlation): input `[N, inChannels, H, W]` (or `[inChannels, H, W]`),
 * weight `[outChannels, inChannels / groups, kh, kw]`, bias `[outChannels]`. Initialised as PyTorch does: the
 * weight with Kaiming-uniform (a = √5) and the bias from U(-1/√fanIn, 1/√fanIn), fanIn = inChannels/groups·kh·kw,
 * weight first.
 *
 * @example
 * ```ts
 * const conv = new nn.Conv2d(1, 8, 5);
 * conv.forward(randn([32, 1, 28, 28])).shape; // [32, 8, 24, 24]
 * new nn.Conv2d(8, 8, 3, { padding: 'same', groups: 8 }); // depthwise
 * ```
 */
export class Conv2d extends Module {
  /** The filters, [outChannels, inChannels / groups, kh, kw]. */
  readonly weight: Parameter;
  /** The bias, [outChannels], or null with `{ bias: false }`. */
  readonly bias: Parameter | null;
  /** The filters' (height, width). */
  readonly kernelSize: [number, number];
  /** Channel groups, each convolved with its own filters (default 1). */
  readonly groups: number;
  readonly #window: Conv2dFunctionOptions;

  constructor(
    /** Channels of the input. */ readonly inChannels: number,
    /** Channels of the output (the number of filters). */ readonly outChannels: number,
    kernelSize: Size2,
    opts: Conv2dOptions = {},
  ) {
    super();
    const o = checkOptions('Conv2d', opts, { ...LAYER_KEYS, stride: 'integer|numbers', padding: 'integer|numbers|string', dilation: 'integer|numbers' });
    this.kernelSize = pairOf(kernelSize);
    padded(o.padding, o.stride, 'Conv2d');
    this.groups = o.groups ?? 1;
    ({ weight: this.weight, bias: this.bias } = convParameters('Conv2d', inChannels, outChannels, [outChannels, inChannels / this.groups, ...this.kernelSize], o));
    const { stride, padding, dilation } = o;
    this.#window = { ...(stride !== undefined ? { stride } : {}), ...(padding !== undefined ? { padding } : {}), ...(dilation !== undefined ? { dilation } : {}), groups: this.groups };
  }

  /** The convolution of `input` `[N, inChannels, H, W]` (or unbatched `[inChannels, H, W]`). @example `new nn.Conv2d(3, 8, 3).forward(zeros([2, 3, 32, 32])).shape // [2, 8, 30, 30]` */
  override forward(input: Tensor): Tensor {
    return conv2d(input, this.weight, this.bias, this.#window);
  }

  override extraRepr(): string {
    const w = this.#window;
    return [`${this.inChannels}, ${this.outChannels}`, `kernelSize=[${this.kernelSize.join(', ')}]`,
      ...describeWindow({ stride: w.stride, padding: w.padding, dilation: w.dilation, groups: this.groups === 1 ? undefined : this.groups }),
      `bias=${this.bias !== null}`].join(', ');
  }
}

/**
 * 1-d convolution layer: input `[N, inChannels, L]` (or `[inChannels, L]`), weight
 * `[outChannels, inChannels / groups, kernelSize]`, bias `[outChannels]`, initialised as PyTorch does.
 *
 * @example
 * ```ts
 * const conv = new nn.Conv1d(4, 8, 3, { padding: 1 });
 * conv.forward(randn([2, 4, 50])).shape; // [2, 8, 50]
 * ```
 */
export class Conv1d extends Module {
  /** The filters, [outChannels, inChannels / groups, k]. */
  readonly weight: Parameter;
  /** The bias, [outChannels], or null with `{ bias: false }`. */
  readonly bias: Parameter | null;
  /** The filters' length. */
  readonly kernelSize: number;
  /** Channel groups, each convolved with its own filters (default 1). */
  readonly groups: number;
  readonly #window: { stride?: Size1; padding?: Size1 | 'same' | 'valid'; dilation?: Size1; groups: number };

  constructor(
    /** Channels of the input. */ readonly inChannels: number,
    /** Channels of the output (the number of filters). */ readonly outChannels: number,
    kernelSize: Size1,
    opts: Conv1dOptions = {},
  ) {
    super();
    const o = checkOptions('Conv1d', opts, { ...LAYER_KEYS, stride: 'integer|numbers', padding: 'integer|numbers|string', dilation: 'integer|numbers' });
    this.kernelSize = typeof kernelSize === 'number' ? kernelSize : kernelSize[0];
    padded(o.padding, o.stride, 'Conv1d');
    this.groups = o.groups ?? 1;
    ({ weight: this.weight, bias: this.bias } = convParameters('Conv1d', inChannels, outChannels, [outChannels, inChannels / this.groups, this.kernelSize], o));
    const { stride, padding, dilation } = o;
    this.#window = { ...(stride !== undefined ? { stride } : {}), ...(padding !== undefined ? { padding } : {}), ...(dilation !== undefined ? { dilation } : {}), groups: this.groups };
  }

  /** The convolution of `input` `[N, inChannels, L]` (or unbatched `[inChannels, L]`). @example `new nn.Conv1d(4, 8, 3, { padding: 'same' }).forward(zeros([2, 4, 50])).shape // [2, 8, 50]` */
  override forward(input: Tensor): Tensor {
    return conv1d(input, this.weight, this.bias, this.#window);
  }

  override extraRepr(): string {
    const w = this.#window;
    return [`${this.inChannels}, ${this.outChannels}`, `kernelSize=${this.kernelSize}`,
      ...describeWindow({ stride: w.stride, padding: w.padding, dilation: w.dilation, groups: this.groups === 1 ? undefined : this.groups }),
      `bias=${this.bias !== null}`].join(', ');
  }
}

/**
 * 2-d transposed convolution layer: input `[N, inChannels, H, W]`, weight `[inChannels, outChannels / groups, kh,
 * kw]`, bias `[outChannels]`, initialised as PyTorch does (fanIn = outChannels/groups·kh·kw). `forward(input,
 * outputSize?)` may ask for one of the output sizes that a strided convolution maps back to the input's size.
 *
 * @example
 * ```ts
 * const up = new nn.ConvTranspose2d(16, 8, 3, { stride: 2, padding: 1 });
 * up.forward(randn([1, 16, 4, 4]), [8, 8]).shape; // [1, 8, 8, 8]
 * ```
 */
export class ConvTranspose2d extends Module {
  /** The filters, [inChannels, outChannels / groups, kh, kw] (PyTorch's layout for a transposed convolution). */
  readonly weight: Parameter;
  /** The bias, [outChannels], or null with `{ bias: false }`. */
  readonly bias: Parameter | null;
  /** The filters' (height, width). */
  readonly kernelSize: [number, number];
  /** Channel groups, each with its own filters (default 1). */
  readonly groups: number;
  readonly #window: { stride?: Size2; padding?: Size2; outputPadding?: Size2; dilation?: Size2; groups: number };

  constructor(
    /** Channels of the input. */ readonly inChannels: number,
    /** Channels of the output. */ readonly outChannels: number,
    kernelSize: Size2,
    opts: ConvTranspose2dOptions = {},
  ) {
    super();
    const o = checkOptions('ConvTranspose2d', opts, {
      ...LAYER_KEYS, stride: 'integer|numbers', padding: 'integer|numbers', outputPadding: 'integer|numbers', dilation: 'integer|numbers',
    });
    this.kernelSize = pairOf(kernelSize);
    this.groups = o.groups ?? 1;
    ({ weight: this.weight, bias: this.bias } = convParameters('ConvTranspose2d', inChannels, outChannels, [inChannels, outChannels / this.groups, ...this.kernelSize], o));
    const { stride, padding, outputPadding, dilation } = o;
    this.#window = {
      ...(stride !== undefined ? { stride } : {}), ...(padding !== undefined ? { padding } : {}),
      ...(outputPadding !== undefined ? { outputPadding } : {}), ...(dilation !== undefined ? { dilation } : {}), groups: this.groups,
    };
  }

  /**
   * The transposed convolution of `input`; `outputSize` ([H, W], or the whole shape) picks the output padding.
   *
   * @example
   * ```ts
   * up.forward(x, [8, 8]);
   * ```
   */
  override forward(input: Tensor, outputSize?: readonly number[]): Tensor {
    if (outputSize === undefined) return convTranspose2d(input, this.weight, this.bias, this.#window);
    if (!(input instanceof Tensor)) throw new Error('ConvTranspose2d: expected the input to be a Tensor.');
    const want = outputSize.slice(-2);
    if (want.length !== 2) throw new Error(`ConvTranspose2d: outputSize must end with [H, W], got ${JSON.stringify(outputSize)}.`);
    const { outputPadding: _, ...window } = this.#window;
    const smallest = convTranspose2dOutputSize(input.shape.slice(-2) as [number, number], this.kernelSize, window);
    const stride = pairOf(window.stride ?? 1), dilation = pairOf(window.dilation ?? 1);
    const extra = want.map((v, i) => v! - smallest[i]!) as [number, number];
    for (let i = 0; i < 2; i++) {
      const limit = Math.max(stride[i]!, dilation[i]!) - 1;
      if (!(extra[i]! >= 0 && extra[i]! <= limit)) {
        throw new Error(`ConvTranspose2d: requested an output size of ${fmtShape(want)}, but valid sizes range from ${fmtShape(smallest)} to ${fmtShape(smallest.map((s, j) => s + Math.max(stride[j]!, dilation[j]!) - 1))} (for an input of ${fmtShape(input.shape)}).`);
      }
    }
    return convTranspose2d(input, this.weight, this.bias, { ...window, outputPadding: extra });
  }

  override extraRepr(): string {
    const w = this.#window;
    return [`${this.inChannels}, ${this.outChannels}`, `kernelSize=[${this.kernelSize.join(', ')}]`,
      ...describeWindow({ stride: w.stride, padding: w.padding, outputPadding: w.outputPadding, dilation: w.dilation, groups: this.groups === 1 ? undefined : this.groups }),
      `bias=${this.bias !== null}`].join(', ');
  }
}

/**
 * 2-d max pooling layer over `[N, C, H, W]` (stride defaults to the kernel size, padding counts as -∞; `ceilMode`
 * as in PyTorch).
 *
 * @example
 * ```ts
 * new nn.MaxPool2d(2).forward(randn([1, 8, 24, 24])).shape; // [1, 8, 12, 12]
 * ```
 */
export class MaxPool2d extends Module {
  readonly #window: MaxPool2dOptions;

  constructor(
    /** The window's size: one number or (height, width). */
    readonly kernelSize: Size2,
    opts: MaxPool2dOptions = {},
  ) {
    super();
    this.#window = checkOptions('MaxPool2d', opts, { stride: 'integer|numbers', padding: 'integer|numbers', dilation: 'integer|numbers', ceilMode: 'boolean' });
  }

  override forward(input: Tensor): Tensor {
    return maxPool2d(input, this.kernelSize, this.#window);
  }

  override extraRepr(): string {
    return `kernelSize=${JSON.stringify(this.kernelSize)}${Object.entries(this.#window).map(([k, v]) => `, ${k}=${JSON.stringify(v)}`).join('')}`;
  }
}
