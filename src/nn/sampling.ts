// Resampling: interpolate (nearest, nearest-exact, linear, bilinear) with PyTorch's source indices and weights,
// computed in PyTorch's arithmetic (float32 indices for nearest, the input's float type for (bi)linear), and the
// pixel (un)shuffles. Each axis is resampled by gathering rows (indexSelect), so the gradient is the transposed
// scatter, and a second derivative needs nothing more.
import { arange } from '../creation.js';
import { where } from '../ops/api.generated.js';
import { checkOptions } from '../options.js';
import { fmtShape } from '../shape.js';
import { Tensor } from '../tensor.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import '../autograd/record.js';

/** The resampling modes of `interpolate`. */
export type InterpolateMode = 'nearest' | 'nearest-exact' | 'linear' | 'bilinear';

/** Options of `interpolate`. @example `interpolate(x, { scaleFactor: 2, mode: 'bilinear', alignCorners: false })` */
export interface InterpolateOptions {
  /** The output's spatial size (one number for every spatial dim, or one per dim); or give scaleFactor. */
  readonly size?: number | readonly number[];
  /** The output size is ⌊input size · scaleFactor⌋ (one number, or one per spatial dim); or give size. */
  readonly scaleFactor?: number | readonly number[];
  /** Default 'nearest'; 'linear' takes `[N, C, L]` and 'bilinear' `[N, C, H, W]`. */
  readonly mode?: InterpolateMode;
  /** (bi)linear only: map the corner pixels' centres onto each other (default false). */
  readonly alignCorners?: boolean | null;
  /** With scaleFactor: compute the source positions from the sizes rather than from the factor (default false). */
  readonly recomputeScaleFactor?: boolean | null;
}

/** One spatial axis: input size, output size, and the scale factor the caller gave (if it is used). */
interface Axis {
  readonly size: number;
  readonly out: number;
  readonly factor: number | undefined;
}

/** Source rows of nearest modes, in float32 as PyTorch computes them (nearest_idx). */
function nearestIndex(a: Axis, exact: boolean, x: Tensor): Tensor {
  const dst = arange(0, a.out, 1, { dtype: 'int32', device: x.device });
  if (!exact && a.out === a.size) return dst;
  // float scale = factor ? 1/factor : in/out; src = min(floor(dst · scale), in − 1) (exact: floor((dst + 0.5)·scale)).
  const scale = a.factor !== undefined ? Math.fround(1 / a.factor) : Math.fround(a.size) / Math.fround(a.out);
  let src = arange(0, a.out, 1, { dtype: 'float32', device: x.device });
  if (exact) src = src.add(0.5);
  return src.mul(Math.fround(scale)).to('int32').clamp({ max: a.size - 1 });
}

/** Source rows i0, i1 and weights λ0, λ1 of linear modes (compute_source_index_and_lambda), in the input's float type. */
function linearIndex(a: Axis, alignCorners: boolean, x: Tensor): { i0: Tensor; i1: Tensor; l0: Tensor; l1: Tensor } | null {
  if (a.out === a.size) return null;
  const dtype = x.dtype === 'float64' ? 'float64' : 'float32';
  const round = dtype === 'float32' ? Math.fround : (v: number): number => v;
  const ratio = alignCorners
    ? (a.out > 1 ? round(round(a.size - 1) / round(a.out - 1)) : 0)
    : a.factor !== undefined ? round(1 / a.factor) : round(round(a.size) / round(a.out));
  const dst = arange(0, a.out, 1, { dtype, device: x.device });
  const src = alignCorners ? dst.mul(ratio) : dst.add(0.5).mul(ratio).sub(0.5).clamp({ min: 0 });
  const i0 = src.to('int32');
  const i1 = where(i0.lt(a.size - 1), i0.add(1), i0).to('int32');
  const l1 = src.sub(i0.to(dtype)).clamp({ min: 0, max: 1 });
  return { i0, i1, l0: l1.neg().add(1), l1 };
}

/** Resample `x` along `dim` with the mode's indices (and weights). */
function resample(x: Tensor, dim: number, a: Axis, mode: InterpolateMode, alignCorners: boolean): Tensor {
  if (mode === 'nearest' || mode === 'nearest-exact') return x.indexSelect(dim, nearestIndex(a, mode === 'nearest-exact', x));
  const ix = linearIndex(a, alignCorners, x);
  if (ix === null) return x;
  // The weights broadcast along the dims after `dim`.
  const shape = [a.out, ...new Array<number>(x.ndim - 1 - dim).fill(1)];
  return x.indexSelect(dim, ix.i0).mul(ix.l0.reshape(shape).to(x.dtype)).add(x.indexSelect(dim, ix.i1).mul(ix.l1.reshape(shape).to(x.dtype)));
}

/**
 * Resize the spatial dims of `[N, C, L]` or `[N, C, H, W]` by nearest-neighbour or (bi)linear interpolation, as
 * `torch.nn.functional.interpolate` does (same source positions and weights, same output sizes).
 *
 * @example
 * ```ts
 * interpolate(images, { scaleFactor: 2 }).shape;                       // [N, C, 2H, 2W]
 * interpolate(images, { size: [32, 32], mode: 'bilinear', alignCorners: true });
 * ```
 */
export function interpolate(input: Tensor, opts: InterpolateOptions = {}): Tensor {
  const o = checkOptions('interpolate', opts, {
    size: 'integer|numbers', scaleFactor: 'number|numbers', mode: ['nearest', 'nearest-exact', 'linear', 'bilinear'],
    alignCorners: 'boolean|null', recomputeScaleFactor: 'boolean|null',
  });
  if (!(input instanceof Tensor) || (input.ndim !== 3 && input.ndim !== 4)) {
    throw new Error(`interpolate: expected a 3-d [N, C, L] or 4-d [N, C, H, W] input, got ${input instanceof Tensor ? `shape ${fmtShape(input.shape)}` : typeof input}.`);
  }
  if (input.dtype !== 'float32' && input.dtype !== 'float64') throw new Error(`interpolate: expected a floating-point input, got ${input.dtype}.`);
  const mode = o.mode ?? 'nearest';
  const spatial = input.ndim - 2;
  if (mode === 'linear' && spatial !== 1) throw new Error(`interpolate: mode 'linear' needs a 3-D input [N, C, L], got ${input.ndim}-D. Use 'bilinear' for images.`);
  if (mode === 'bilinear' && spatial !== 2) throw new Error(`interpolate: mode 'bilinear' needs a 4-D input [N, C, H, W], got ${input.ndim}-D. Use 'linear' for sequences.`);
  const linear = mode === 'linear' || mode === 'bilinear';
  if (!linear && o.alignCorners !== undefined && o.alignCorners !== null) {
    throw new Error(`interpolate: alignCorners option can only be set with the interpolating modes: linear | bilinear (mode is '${mode}').`);
  }
  if ((o.size === undefined) === (o.scaleFactor === undefined)) throw new Error('interpolate: only one of size or scaleFactor should be defined.');
  const perDim = (v: number | readonly number[], name: string): number[] => {
    const list = typeof v === 'number' ? new Array<number>(spatial).fill(v) : [...v];
    if (list.length !== spatial) throw new Error(`interpolate: ${name} has ${list.length} entries, but the input has ${spatial} spatial dim(s).`);
    return list;
  };
  const inSizes = input.shape.slice(2);
  let axes: Axis[];
  if (o.size !== undefined) {
    const sizes = perDim(o.size, 'size');
    if (!sizes.every((s) => Number.isInteger(s) && s >= 1)) throw new Error(`interpolate: size must be positive integers, got ${JSON.stringify(o.size)}.`);
    axes = sizes.map((out, i) => ({ size: inSizes[i]!, out, factor: undefined }));
  } else {
    const factors = perDim(o.scaleFactor!, 'scaleFactor');
    if (!factors.every((f) => f > 0 && Number.isFinite(f))) throw new Error(`interpolate: scaleFactor must be positive, got ${JSON.stringify(o.scaleFactor)}.`);
    axes = factors.map((f, i) => {
      const out = Math.floor(inSizes[i]! * f);
      if (out < 1) throw new Error(`interpolate: input size ${inSizes[i]} times scaleFactor ${f} gives an empty output.`);
      return { size: inSizes[i]!, out, factor: o.recomputeScaleFactor ? undefined : f };
    });
  }
  let x = input;
  axes.forEach((a, i) => { x = resample(x, 2 + i, a, mode, o.alignCorners ?? false); });
  return x;
}

function checkShuffle(op: string, x: Tensor, factor: number, name: string): void {
  if (!(x instanceof Tensor) || x.ndim < 3) throw new Error(`${op}: expected an input of at least 3 dims [*, C, H, W], got ${x instanceof Tensor ? `shape ${fmtShape(x.shape)}` : typeof x}.`);
  if (!Number.isInteger(factor) || factor < 1) throw new Error(`${op}: ${name} must be a positive integer, got ${factor}.`);
}

/**
 * Rearrange `[*, C·r², H, W]` into `[*, C, H·r, W·r]` (sub-pixel convolution's upscaling).
 *
 * @example
 * ```ts
 * pixelShuffle(randn([1, 12, 8, 8]), 2).shape; // [1, 3, 16, 16]
 * ```
 */
export function pixelShuffle(input: Tensor, upscaleFactor: number): Tensor {
  checkShuffle('pixelShuffle', input, upscaleFactor, 'upscaleFactor');
  const r = upscaleFactor, lead = input.shape.slice(0, -3);
  const [c, h, w] = input.shape.slice(-3) as [number, number, number];
  if (c % (r * r) !== 0) throw new Error(`pixelShuffle: pixel_shuffle expects its input's 'channel' dimension to be divisible by the square of upscale_factor, but input.size(-3)=${c} is not divisible by ${r * r}.`);
  const k = lead.length;
  const perm = [...lead.keys(), k, k + 3, k + 1, k + 4, k + 2];
  return input.reshape([...lead, c / (r * r), r, r, h, w]).permute(perm).reshape([...lead, c / (r * r), h * r, w * r]);
}

/**
 * The inverse of `pixelShuffle`: `[*, C, H·r, W·r]` into `[*, C·r², H, W]`.
 *
 * @example
 * ```ts
 * pixelUnshuffle(randn([1, 3, 16, 16]), 2).shape; // [1, 12, 8, 8]
 * ```
 */
export function pixelUnshuffle(input: Tensor, downscaleFactor: number): Tensor {
  checkShuffle('pixelUnshuffle', input, downscaleFactor, 'downscaleFactor');
  const r = downscaleFactor, lead = input.shape.slice(0, -3);
  const [c, h, w] = input.shape.slice(-3) as [number, number, number];
  if (h % r !== 0 || w % r !== 0) throw new Error(`pixelUnshuffle: pixel_unshuffle expects height (${h}) and width (${w}) to be divisible by downscale_factor ${r}.`);
  const k = lead.length;
  const perm = [...lead.keys(), k, k + 2, k + 4, k + 1, k + 3];
  return input.reshape([...lead, c, h / r, r, w / r, r]).permute(perm).reshape([...lead, c * r * r, h / r, w / r]);
}
