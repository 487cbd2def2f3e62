import { zeros } from '../creation.js';
import type { DType } from '../dtype.js';
import { conv2d, maxPool2d } from '../ops/api.generated.js';
import type { Size2, Window2dOptions } from '../ops/conv.js';
import type { Generator } from '../random.js';
import type { Tensor } from '../tensor.js';
import { kaimingUniform_, uniform_ } from './init.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';

/** Options of `Conv2d`. @example `new nn.Conv2d(1, 8, 5, { padding: 2, bias: false })` */
export interface Conv2dOptions extends Window2dOptions {
  /** Learn an additive bias per output channel (default true). */
  readonly bias?: boolean;
  /** Parameter dtype (default float32). */
  readonly dtype?: 'float32' | 'float64';
  /** Draw the initial weights from this generator instead of the default one. */
  readonly generator?: Generator;
}

const pairOf = (v: Size2): [number, number] => (typeof v === 'number' ? [v, v] : [v[0], v[1]]);

/**
 * 2-d convolution layer (PyTorch's cross-correlation): input `[N, inChannels, H, W]`, weight
 * `[outChannels, inChannels, kh, kw]`, bias `[outChannels]`. Initialised as PyTorch does: the weight with
 * Kaiming-uniform (a = √5) and the bias from U(-1/√fanIn, 1/√fanIn), fanIn = inChannels·kh·kw, weight first.
 * Grouped convolution is not supported.
 *
 * @example
 * ```ts
 * const conv = new nn.Conv2d(1, 8, 5);
 * conv.forward(randn([32, 1, 28, 28])).shape; // [32, 8, 24, 24]
 * ```
 */
export class Conv2d extends Module {
  /** The filters, [outChannels, inChannels, kh, kw]. */
  readonly weight: Parameter;
  /** The bias, [outChannels], or null with `{ bias: false }`. */
  readonly bias: Parameter | null;
  /** The filters' (height, width). */
  readonly kernelSize: [number, number];
  readonly #window: Window2dOptions;

  constructor(
    /** Channels of the input. */ readonly inChannels: number,
    /** Channels of the output (the number of filters). */ readonly outChannels: number,
    kernelSize: Size2,
    opts: Conv2dOptions = {},
  ) {
    super();
    for (const [name, v] of [['inChannels', inChannels], ['outChannels', outChannels]] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`Conv2d: ${name} must be a positive integer, got ${v}.`);
    }
    this.kernelSize = pairOf(kernelSize);
    if (!this.kernelSize.every((k) => Number.isInteger(k) && k >= 1)) {
      throw new Error(`Conv2d: kernelSize must be positive integers, got ${JSON.stringify(kernelSize)}.`);
    }
    const { stride, padding, dilation } = opts;
    this.#window = { ...(stride !== undefined ? { stride } : {}), ...(padding !== undefined ? { padding } : {}), ...(dilation !== undefined ? { dilation } : {}) };
    const dtype: DType = opts.dtype ?? 'float32';
    const init = opts.generator ? { generator: opts.generator } : {};
    const [kh, kw] = this.kernelSize;
    this.weight = new Parameter(kaimingUniform_(zeros([outChannels, inChannels, kh, kw], { dtype }), { a: Math.sqrt(5), ...init }));
    const bound = 1 / Math.sqrt(inChannels * kh * kw);
    this.bias = (opts.bias ?? true) ? new Parameter(uniform_(zeros([outChannels], { dtype }), -bound, bound, init)) : null;
  }

  /** The convolution of `input` `[N, inChannels, H, W]`. @example `conv.forward(images)` */
  override forward(input: Tensor): Tensor {
    return conv2d(input, this.weight, this.bias, this.#window);
  }

  override extraRepr(): string {
    const w = this.#window;
    const extra = [
      w.stride !== undefined ? `stride=${JSON.stringify(w.stride)}` : '',
      w.padding !== undefined ? `padding=${JSON.stringify(w.padding)}` : '',
      w.dilation !== undefined ? `dilation=${JSON.stringify(w.dilation)}` : '',
    ].filter(Boolean);
    return [`${this.inChannels}, ${this.outChannels}`, `kernelSize=[${this.kernelSize.join(', ')}]`, ...extra, `bias=${this.bias !== null}`].join(', ');
  }
}

/**
 * 2-d max pooling layer over `[N, C, H, W]` (stride defaults to the kernel size, padding counts as -∞).
 *
 * @example
 * ```ts
 * new nn.MaxPool2d(2).forward(randn([1, 8, 24, 24])).shape; // [1, 8, 12, 12]
 * ```
 */
export class MaxPool2d extends Module {
  readonly #window: Window2dOptions;

  constructor(
    /** The window's size: one number or (height, width). */
    readonly kernelSize: Size2,
    opts: Window2dOptions = {},
  ) {
    super();
    this.#window = opts;
  }

  override forward(input: Tensor): Tensor {
    return maxPool2d(input, this.kernelSize, this.#window);
  }

  override extraRepr(): string {
    return `kernelSize=${JSON.stringify(this.kernelSize)}${Object.entries(this.#window).map(([k, v]) => `, ${k}=${JSON.stringify(v)}`).join('')}`;
  }
}
