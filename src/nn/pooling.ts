// Pooling layers beyond MaxPool2d: AvgPool2d, AdaptiveAvgPool2d, AdaptiveMaxPool2d.
import { adaptiveAvgPool2d, avgPool2d } from '../ops/api.generated.js';
import type { Size2 } from '../ops/conv.js';
import type { AvgPool2dOptions } from '../ops/pool.js';
import { checkOptions } from '../options.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';
import { adaptiveMaxPool2d, type AdaptiveSize } from './pool-functions.js';

const options = (o: object): string => Object.entries(o).filter(([, v]) => v !== undefined).map(([k, v]) => `, ${k}=${JSON.stringify(v)}`).join('');

/**
 * 2-d average pooling layer over `[N, C, H, W]` (stride defaults to the kernel size), with PyTorch's
 * `ceilMode`, `countIncludePad` (default true) and `divisorOverride`.
 *
 * @example
 * ```ts
 * new nn.AvgPool2d(2).forward(randn([1, 8, 24, 24])).shape; // [1, 8, 12, 12]
 * ```
 */
export class AvgPool2d extends Module {
  /** The options as given (stride, padding, ceilMode, countIncludePad, divisorOverride). */
  readonly options: AvgPool2dOptions;

  constructor(
    /** The window's size: one number or (height, width). */ readonly kernelSize: Size2,
    opts: AvgPool2dOptions = {},
  ) {
    super();
    this.options = checkOptions('AvgPool2d', opts, {
      stride: 'integer|numbers', padding: 'integer|numbers', ceilMode: 'boolean', countIncludePad: 'boolean', divisorOverride: 'integer|null',
    });
  }

  override forward(input: Tensor): Tensor {
    return avgPool2d(input, this.kernelSize, this.options);
  }

  override extraRepr(): string {
    return `kernelSize=${JSON.stringify(this.kernelSize)}${options(this.options)}`;
  }
}

/**
 * Adaptive 2-d average pooling to a fixed output size (null keeps that input size): `new nn.AdaptiveAvgPool2d(1)`
 * is global average pooling.
 *
 * @example
 * ```ts
 * new nn.AdaptiveAvgPool2d([7, 7]).forward(randn([1, 512, 10, 13])).shape; // [1, 512, 7, 7]
 * ```
 */
export class AdaptiveAvgPool2d extends Module {
  constructor(
    /** The output's (height, width), or one number for both; null keeps the input's size in that dim. */ readonly outputSize: AdaptiveSize,
  ) {
    super();
  }

  override forward(input: Tensor): Tensor {
    return adaptiveAvgPool2d(input, this.outputSize);
  }

  override extraRepr(): string {
    return `outputSize=${JSON.stringify(this.outputSize)}`;
  }
}

/**
 * Adaptive 2-d max pooling to a fixed output size; with `returnIndices: true`, forward returns `[values, indices]`
 * (int32 positions `ih·W + iw` in each plane).
 *
 * @example
 * ```ts
 * new nn.AdaptiveMaxPool2d(3).forward(randn([1, 2, 9, 9])).shape; // [1, 2, 3, 3]
 * const [values, indices] = new nn.AdaptiveMaxPool2d(3, { returnIndices: true }).forward(x);
 * ```
 */
export class AdaptiveMaxPool2d<R extends boolean = false> extends Module {
  /** Also return the flat indices of the maxima within each (height × width) plane. */
  readonly returnIndices: R;

  constructor(
    /** The output's (height, width), or one number for both; null keeps the input's size in that dim. */ readonly outputSize: AdaptiveSize,
    opts: { readonly returnIndices?: R } = {},
  ) {
    super();
    this.returnIndices = (checkOptions('AdaptiveMaxPool2d', opts, { returnIndices: 'boolean' }).returnIndices ?? false) as R;
  }

  override forward(input: Tensor): R extends true ? [Tensor, Tensor] : Tensor {
    return adaptiveMaxPool2d(input, this.outputSize, { returnIndices: this.returnIndices }) as R extends true ? [Tensor, Tensor] : Tensor;
  }

  override extraRepr(): string {
    return `outputSize=${JSON.stringify(this.outputSize)}${this.returnIndices ? ', returnIndices=true' : ''}`;
  }
}
