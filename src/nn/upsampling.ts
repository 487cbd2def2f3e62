// Resampling layers: Upsample (and PyTorch's UpsamplingNearest2d / UpsamplingBilinear2d), PixelShuffle, PixelUnshuffle.
import { checkOptions } from '../options.js';
import type { Tensor } from '../tensor.js';
import { Module } from './module.js';
import { interpolate, pixelShuffle, pixelUnshuffle, type InterpolateOptions } from './sampling.js';

/** Options of `Upsample`. @example `new nn.Upsample({ scaleFactor: 2, mode: 'bilinear' })` */
export type UpsampleOptions = InterpolateOptions;

/**
 * Resize the spatial dims of `[N, C, L]` or `[N, C, H, W]` (see `nn.functional.interpolate`): give `size` or
 * `scaleFactor`, and a `mode` ('nearest' by default).
 *
 * @example
 * ```ts
 * new nn.Upsample({ scaleFactor: 2, mode: 'bilinear', alignCorners: false }).forward(randn([1, 3, 8, 8])).shape; // [1, 3, 16, 16]
 * ```
 */
export class Upsample extends Module {
  /** The options as given (size or scaleFactor, mode, alignCorners). */
  readonly options: UpsampleOptions;

  constructor(opts: UpsampleOptions = {}) {
    super();
    this.options = checkOptions(new.target.name, opts, {
      size: 'integer|numbers', scaleFactor: 'number|numbers', mode: ['nearest', 'nearest-exact', 'linear', 'bilinear'],
      alignCorners: 'boolean|null', recomputeScaleFactor: 'boolean|null',
    });
  }

  override forward(input: Tensor): Tensor {
    return interpolate(input, this.options);
  }

  override extraRepr(): string {
    return Object.entries(this.options).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
  }
}

/** Nearest-neighbour upsampling of images (PyTorch's UpsamplingNearest2d). @example `new nn.UpsamplingNearest2d({ scaleFactor: 2 })` */
export class UpsamplingNearest2d extends Upsample {
  constructor(opts: Pick<UpsampleOptions, 'size' | 'scaleFactor'> = {}) {
    super({ ...checkOptions('UpsamplingNearest2d', opts, { size: 'integer|numbers', scaleFactor: 'number|numbers' }), mode: 'nearest' });
  }
}

/** Bilinear upsampling of images with aligned corners (PyTorch's UpsamplingBilinear2d). @example `new nn.UpsamplingBilinear2d({ size: [32, 32] })` */
export class UpsamplingBilinear2d extends Upsample {
  constructor(opts: Pick<UpsampleOptions, 'size' | 'scaleFactor'> = {}) {
    super({ ...checkOptions('UpsamplingBilinear2d', opts, { size: 'integer|numbers', scaleFactor: 'number|numbers' }), mode: 'bilinear', alignCorners: true });
  }
}

/** `[*, C·r², H, W]` → `[*, C, H·r, W·r]` (see `nn.functional.pixelShuffle`). @example `new nn.PixelShuffle(2).forward(x)` */
export class PixelShuffle extends Module {
  constructor(
    /** The factor r by which height and width grow. */ readonly upscaleFactor: number,
  ) {
    super();
  }

  override forward(input: Tensor): Tensor {
    return pixelShuffle(input, this.upscaleFactor);
  }

  override extraRepr(): string {
    return `upscaleFactor=${this.upscaleFactor}`;
  }
}

/** `[*, C, H·r, W·r]` → `[*, C·r², H, W]` (see `nn.functional.pixelUnshuffle`). @example `new nn.PixelUnshuffle(2).forward(x)` */
export class PixelUnshuffle extends Module {
  constructor(
    /** The factor r by which height and width shrink. */ readonly downscaleFactor: number,
  ) {
    super();
  }

  override forward(input: Tensor): Tensor {
    return pixelUnshuffle(input, this.downscaleFactor);
  }

  override extraRepr(): string {
    return `downscaleFactor=${this.downscaleFactor}`;
  }
}
