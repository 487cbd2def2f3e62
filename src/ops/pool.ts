import type { ConvGeometry } from '../kernels/backend.js';
import { isFloating } from '../dtype.js';
import { fmtShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { castRaw, describe, deviceOf, packed, zerosOn } from './buffers.js';
import { geometryOf, pair, windowAttrs, type Size2, type Window2dOptions, type WindowAttrs } from './conv.js';
import type { DifferentiableOp, NonDifferentiableOp } from './define.js';
import { INDEXING_OPS } from './indexing.js';

/** Options of `maxPool2d`: the window's, and ceil mode. @example `maxPool2d(x, 3, { stride: 2, ceilMode: true })` */
export interface MaxPool2dOptions extends Window2dOptions {
  /** Round the output size up, so that windows may start in the last partial stretch of the input (default false). */
  readonly ceilMode?: boolean;
}

/** A max pooling's window and its rounding. */
export interface MaxPoolAttrs extends WindowAttrs {
  readonly ceilMode: boolean;
}

/** The backend geometry of a max pooling (the output size follows ceil mode; the window map marks what lies outside). */
function maxGeometry(attrs: MaxPoolAttrs): ConvGeometry {
  const g = geometryOf(attrs);
  if (!attrs.ceilMode) return g;
  const [h, w] = attrs.inputHW;
  return { ...g, oh: poolOutSize(h, g.kh, g.sh, g.ph, true, g.dh), ow: poolOutSize(w, g.kw, g.sw, g.pw, true, g.dw) };
}

/** The pooled values and, per output, the position of its maximum in the input plane (int32). */
function pool(x: Tensor, attrs: MaxPoolAttrs): { values: Tensor; indices: Tensor } {
  const [n, c] = x.shape as [number, number];
  const g = maxGeometry(attrs);
  const src = packed(castRaw(x));
  const device = deviceOf('maxPool2d', x);
  const values = zerosOn(device, x.dtype, [n, c, g.oh, g.ow]);
  const indices = zerosOn(device, 'int32', [n, c, g.oh * g.ow]);
  if (values.size > 0) device.backend.maxPool2d(x.dtype, src.buffer, values.buffer, indices.buffer, n * c, g);
  return { values, indices };
}

const maxPool2dOp: DifferentiableOp<MaxPoolAttrs, readonly [x: Tensor, kernel: Size2, options?: MaxPool2dOptions]> = {
  name: 'maxPool2d',
  doc: '2-d max pooling over `[N, C, H, W]` (or `[C, H, W]`): stride defaults to the kernel size; padding counts as -∞; `ceilMode` as in PyTorch; the first maximum wins ties and NaN wins over everything.',
  example: 'maxPool2d(features, 2)',
  differentiable: true,
  call: (run, x, kernel, options = {}) => {
    if (options === null || typeof options !== 'object' || Array.isArray(options) || options instanceof Tensor) {
      throw new Error(`maxPool2d: expected the options as an object { stride, padding, dilation, ceilMode }, got ${describe(options)}.`);
    }
    const { ceilMode = false, ...window } = options;
    if (typeof ceilMode !== 'boolean') throw new Error(`maxPool2d: option 'ceilMode' must be true or false, got ${describe(ceilMode)}.`);
    const input = x instanceof Tensor && x.ndim === 3 ? x.unsqueeze(0) : x;
    const win = windowAttrs(input, kernel, window, kernel, 'maxPool2d');
    const [ph, pw] = win.padding;
    if (ph * 2 > win.kernel[0] || pw * 2 > win.kernel[1]) {
      throw new Error(`maxPool2d: padding ${fmtShape(win.padding)} should be at most half of the kernel size ${fmtShape(win.kernel)}.`);
    }
    const out = run([input], { ...win, ceilMode });
    return input === x ? out : out.squeeze(0);
  },
  forward: (ctx, [x], attrs) => {
    const { values, indices } = pool(x!, attrs);
    if (ctx.recording) ctx.save(indices);
    return values;
  },
  // The gradient goes to the element that was the maximum; scatterAdd keeps it differentiable.
  backward: ({ saved: [idx], inputShapes: [s], call }, g) => {
    const [n, c, h, w] = s! as [number, number, number, number];
    return [call(INDEXING_OPS.scatterAdd, zerosOn(g.storage.device, g.dtype, [n, c, h * w]), 2, idx!, g.reshape([n, c, -1])).reshape([n, c, h, w])];
  },
  jvp: ({ attrs, inputs: [x] }, [t]) => {
    if (!t) return null;
    const { values, indices } = pool(x!, attrs);
    const [n, c] = x!.shape as [number, number];
    return t.reshape([n, c, -1]).gather(2, indices).reshape(values.shape);
  },
  flops: (inputs) => inputs[0]!.size,
};

/** Options of `avgPool2d`. @example `avgPool2d(x, 3, { stride: 2, padding: 1, countIncludePad: false })` */
export interface AvgPool2dOptions {
  /** Default: the kernel size. */
  readonly stride?: Size2;
  /** Zero padding per side, at most half the kernel size. */
  readonly padding?: Size2;
  /** Round the output size up, so that windows may start in the last partial stretch of the input (default false). */
  readonly ceilMode?: boolean;
  /** Divide by the window size including the padding it covers (default true), else by the input it covers. */
  readonly countIncludePad?: boolean;
  /** Divide every window's sum by this instead (a non-zero integer). */
  readonly divisorOverride?: number | null;
}

/** An average pooling's window and divisor rules. */
export interface AvgPoolAttrs extends WindowAttrs {
  /** The output size was rounded up (windows may start in the last partial stretch of the input). */
  readonly ceilMode: boolean;
  /** Divide by the window size including the padding it covers, else by the input it covers. */
  readonly countIncludePad: boolean;
  /** 0: no override. */
  readonly divisor: number;
}

const AVG_KEYS = ['stride', 'padding', 'ceilMode', 'countIncludePad', 'divisorOverride'];

/** PyTorch's pooling output size along one axis (pooling_output_shape): with ceil mode, the last window must start inside the input or its left padding. */
function poolOutSize(size: number, k: number, s: number, p: number, ceil: boolean, d = 1): number {
  let out = Math.floor((size + 2 * p - d * (k - 1) - 1 + (ceil ? s - 1 : 0)) / s) + 1;
  if (ceil && (out - 1) * s >= size + p) out--;
  return out;
}

/** The backend geometry of an average pooling (the output size follows ceil mode). */
function avgGeometry(attrs: AvgPoolAttrs): ConvGeometry {
  const [h, w] = attrs.inputHW, [kh, kw] = attrs.kernel, [sh, sw] = attrs.stride, [ph, pw] = attrs.padding;
  return { h, w, kh, kw, sh, sw, ph, pw, dh: 1, dw: 1, oh: poolOutSize(h, kh, sh, ph, attrs.ceilMode), ow: poolOutSize(w, kw, sw, pw, attrs.ceilMode) };
}

function avgAttrs(x: Tensor, kernel: Size2, opts: AvgPool2dOptions): AvgPoolAttrs {
  const op = 'avgPool2d';
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts) || opts instanceof Tensor) {
    throw new Error(`${op}: expected the options as an object { stride, padding, ceilMode, countIncludePad, divisorOverride }, got ${describe(opts)}.`);
  }
  for (const k of Object.keys(opts)) {
    if (!AVG_KEYS.includes(k)) throw new Error(`${op}: unknown option '${k}'; the options are ${AVG_KEYS.join(', ')}.`);
  }
  for (const k of ['ceilMode', 'countIncludePad'] as const) {
    if (opts[k] !== undefined && typeof opts[k] !== 'boolean') throw new Error(`${op}: option '${k}' must be true or false, got ${describe(opts[k])}.`);
  }
  const divisor = opts.divisorOverride ?? 0;
  if (!Number.isInteger(divisor) || (opts.divisorOverride !== undefined && opts.divisorOverride !== null && divisor === 0)) {
    throw new Error(`${op}: divisorOverride must be a non-zero integer or null, got ${describe(opts.divisorOverride)}.`);
  }
  const k = pair(kernel, 'kernel size', op, 1);
  const stride = opts.stride === undefined || (Array.isArray(opts.stride) && opts.stride.length === 0) ? k : pair(opts.stride, 'stride', op, 1);
  const padding = pair(opts.padding ?? 0, 'padding', op, 0);
  if (padding[0] * 2 > k[0] || padding[1] * 2 > k[1]) {
    throw new Error(`${op}: pad should be smaller than or equal to half of kernel size, but got padding ${fmtShape(padding)} and kernel size ${fmtShape(k)}.`);
  }
  const attrs: AvgPoolAttrs = {
    kernel: k, stride, padding, dilation: [1, 1], inputHW: [x.shape[2]!, x.shape[3]!],
    ceilMode: opts.ceilMode ?? false, countIncludePad: opts.countIncludePad ?? true, divisor,
  };
  const { oh, ow } = avgGeometry(attrs);
  if (oh < 1 || ow < 1) {
    throw new Error(`${op}: the kernel ${fmtShape(k)} (padding ${fmtShape(padding)}) does not fit the input ${fmtShape(x.shape)}: the output would be ${oh}×${ow}.`);
  }
  return attrs;
}

/** The options that rebuild `attrs` through `avgAttrs`. */
const avgOptionsOf = (a: AvgPoolAttrs): AvgPool2dOptions => ({
  stride: a.stride, padding: a.padding, ceilMode: a.ceilMode, countIncludePad: a.countIncludePad, divisorOverride: a.divisor === 0 ? null : a.divisor,
});

function checkPoolInput(x: unknown, op: string): asserts x is Tensor {
  if (!(x instanceof Tensor) || (x.ndim !== 3 && x.ndim !== 4)) {
    throw new Error(`${op}: expected a 3-d (unbatched) or 4-d input [N, C, H, W], got ${x instanceof Tensor ? `shape ${fmtShape(x.shape)}` : describe(x)}.`);
  }
  if (!isFloating(x.dtype)) throw new Error(`${op}: expected a floating-point input, got ${x.dtype}.`);
}

// avgPool2d and its transpose are linear, and each one's VJP is the other, so both differentiate to any order.
const avgPool2dOp: DifferentiableOp<AvgPoolAttrs, readonly [x: Tensor, kernel: Size2, options?: AvgPool2dOptions]> = {
  name: 'avgPool2d',
  doc: '2-d average pooling over `[N, C, H, W]` (or `[C, H, W]`): stride defaults to the kernel size; `ceilMode`, `countIncludePad` (default true) and `divisorOverride` as in PyTorch.',
  example: 'avgPool2d(features, 2)',
  differentiable: true,
  call: (run, x, kernel, options = {}) => {
    checkPoolInput(x, 'avgPool2d');
    const input = x.ndim === 3 ? x.unsqueeze(0) : x;
    const out = run([input], avgAttrs(input, kernel, options));
    return x.ndim === 3 ? out.squeeze(0) : out;
  },
  forward: (_, [x], attrs) => {
    const [n, c] = x!.shape as [number, number];
    const g = avgGeometry(attrs);
    const src = packed(castRaw(x!));
    const device = deviceOf('avgPool2d', x!);
    const out = zerosOn(device, x!.dtype, [n, c, g.oh, g.ow]);
    if (out.size > 0) device.backend.avgPool2d(x!.dtype, src.buffer, out.buffer, n * c, g, attrs.countIncludePad, attrs.divisor);
    return out;
  },
  backward: ({ attrs, call }, g) => [call(avgPool2dBackwardOp, g, attrs)],
  jvp: ({ attrs, call }, [t]) => (t ? call(avgPool2dOp, t, attrs.kernel, avgOptionsOf(attrs)) : null),
  flops: (_, out, attrs) => out.size * attrs.kernel[0] * attrs.kernel[1],
};

const avgPool2dBackwardOp: DifferentiableOp<AvgPoolAttrs, readonly [grad: Tensor, attrs: AvgPoolAttrs]> = {
  name: 'avgPool2dBackward',
  doc: 'The transpose of `avgPool2d` (its gradient): spreads each output gradient `[N, C, oh, ow]` evenly over its window of `[N, C, H, W]` (attributes as avgPool2d makes them).',
  example: 'avgPool2dBackward(grad, attrs)',
  differentiable: true,
  call: (run, grad, attrs) => {
    const { oh, ow } = avgGeometry(attrs);
    if (!(grad instanceof Tensor) || grad.ndim !== 4 || grad.shape[2] !== oh || grad.shape[3] !== ow) {
      throw new Error(`avgPool2dBackward: expected a gradient [N, C, ${oh}, ${ow}] for these attributes, got ${grad instanceof Tensor ? `shape ${fmtShape(grad.shape)}` : describe(grad)}.`);
    }
    return run([grad], attrs);
  },
  forward: (_, [grad], attrs) => {
    const [n, c] = grad!.shape as [number, number];
    const g = avgGeometry(attrs);
    const src = packed(castRaw(grad!));
    const device = deviceOf('avgPool2dBackward', grad!);
    const out = zerosOn(device, grad!.dtype, [n, c, g.h, g.w]);
    if (out.size > 0) device.backend.avgPool2dBackward(grad!.dtype, src.buffer, out.buffer, n * c, g, attrs.countIncludePad, attrs.divisor);
    return out;
  },
  backward: ({ attrs, call }, g) => [call(avgPool2dOp, g, attrs.kernel, avgOptionsOf(attrs))],
  jvp: ({ attrs, call }, [t]) => (t ? call(avgPool2dBackwardOp, t, attrs) : null),
  flops: (inputs, _, attrs) => inputs[0]!.size * attrs.kernel[0] * attrs.kernel[1],
};

/** Output size of an adaptive pooling. */
export interface AdaptiveAttrs {
  /** The output's (height, width). */
  readonly outputSize: readonly [number, number];
}

const adaptiveMaxPool2dIndicesOp: NonDifferentiableOp<AdaptiveAttrs, readonly [x: Tensor, outputSize: Size2]> = {
  name: 'adaptiveMaxPool2dIndices',
  doc: 'Where the maxima of adaptive max pooling are: for `[N, C, H, W]` and an output size (oh, ow), the int32 position `ih·W + iw` of the maximum of each window [⌊i·H/oh⌋, ⌈(i+1)·H/oh⌉) × [⌊j·W/ow⌋, ⌈(j+1)·W/ow⌉), `[N, C, oh, ow]` (nn.functional.adaptiveMaxPool2d gathers the values with it).',
  example: 'adaptiveMaxPool2dIndices(x, [7, 7])',
  differentiable: false,
  call: (run, x, outputSize) => {
    if (!(x instanceof Tensor) || x.ndim !== 4) throw new Error(`adaptiveMaxPool2dIndices: expected a 4-d input [N, C, H, W], got ${x instanceof Tensor ? `shape ${fmtShape(x.shape)}` : describe(x)}.`);
    const size = pair(outputSize, 'output size', 'adaptiveMaxPool2dIndices', 1);
    if ((x.shape[2] === 0 || x.shape[3] === 0) && x.shape[0]! * x.shape[1]! > 0) {
      throw new Error(`adaptiveMaxPool2dIndices: the input ${fmtShape(x.shape)} has an empty plane: there is no maximum to take.`);
    }
    return run([x], { outputSize: size });
  },
  forward: (_, [x], { outputSize: [oh, ow] }) => {
    const [n, c, h, w] = x!.shape as [number, number, number, number];
    const src = packed(castRaw(x!));
    const device = deviceOf('adaptiveMaxPool2dIndices', x!);
    const indices = zerosOn(device, 'int32', [n, c, oh, ow]);
    if (indices.size > 0) device.backend.adaptiveMaxPool2d(x!.dtype, src.buffer, indices.buffer, n * c, h, w, oh, ow);
    return indices;
  },
  flops: (inputs) => inputs[0]!.size,
};

/** An adaptive pooling's output size: one number for both sides, or (height, width), where null keeps the input's. */
export type AdaptiveSize = number | readonly [number | null, number | null];

/**
 * The checked output size (oh, ow) of an adaptive pooling of `x` (3-d or 4-d) to `size`; `op` names the caller in errors.
 *
 * @example
 * ```ts
 * adaptiveOutputSize(randn([1, 3, 10, 7]), [4, null], 'adaptiveAvgPool2d'); // [4, 7]
 * ```
 */
export function adaptiveOutputSize(x: Tensor, size: AdaptiveSize, op: string): [number, number] {
  if (!(x instanceof Tensor) || (x.ndim !== 3 && x.ndim !== 4)) {
    throw new Error(`${op}: expected a 3-d (unbatched) or 4-d input [N, C, H, W], got ${x instanceof Tensor ? `shape ${fmtShape(x.shape)}` : typeof x}.`);
  }
  const hw = x.shape.slice(-2) as [number, number];
  const sizes = typeof size === 'number' ? [size, size] : Array.isArray(size) && size.length === 2 ? size : null;
  if (sizes === null) throw new Error(`${op}: outputSize must be a number or a pair (an entry may be null), got ${JSON.stringify(size)}.`);
  const out = sizes.map((v, i) => (v === null ? hw[i]! : v)) as [number, number];
  if (!out.every((v) => Number.isInteger(v) && v >= 1)) throw new Error(`${op}: outputSize must be positive integers, got ${JSON.stringify(size)}.`);
  if (hw[0] === 0 || hw[1] === 0) throw new Error(`${op}: the input ${fmtShape(x.shape)} has empty planes; every window needs an element.`);
  return out;
}

/** An adaptive average pooling's output size and its input's plane size. */
export interface AdaptiveAvgAttrs extends AdaptiveAttrs {
  /** The (height, width) of the input planes (for the backward: of the gradient it makes). */
  readonly inputHW: readonly [number, number];
}

// adaptiveAvgPool2d and its transpose are linear, and each one's VJP is the other, so both differentiate to any order.
const adaptiveAvgPool2dOp: DifferentiableOp<AdaptiveAvgAttrs, readonly [x: Tensor, outputSize: AdaptiveSize]> = {
  name: 'adaptiveAvgPool2d',
  doc: 'Adaptive 2-d average pooling to `outputSize` over `[N, C, H, W]` (or `[C, H, W]`): output (i, j) is the mean of rows [⌊i·H/oh⌋, ⌈(i+1)·H/oh⌉) and columns [⌊j·W/ow⌋, ⌈(j+1)·W/ow⌉); a null entry of `outputSize` keeps the input\'s size.',
  example: 'adaptiveAvgPool2d(features, 1).shape; // [N, C, 1, 1]: global average pooling\nadaptiveAvgPool2d(randn([1, 3, 10, 7]), [4, null]).shape; // [1, 3, 4, 7]',
  differentiable: true,
  call: (run, x, outputSize) => {
    const [oh, ow] = adaptiveOutputSize(x, outputSize, 'adaptiveAvgPool2d');
    if (!isFloating(x.dtype)) throw new Error(`adaptiveAvgPool2d: expected a floating-point input, got ${x.dtype}.`);
    const input = x.ndim === 3 ? x.unsqueeze(0) : x;
    const out = run([input], { outputSize: [oh, ow], inputHW: [input.shape[2]!, input.shape[3]!] });
    return x.ndim === 3 ? out.squeeze(0) : out;
  },
  forward: (_, [x], { outputSize: [oh, ow] }) => {
    const [n, c, h, w] = x!.shape as [number, number, number, number];
    const src = packed(castRaw(x!));
    const device = deviceOf('adaptiveAvgPool2d', x!);
    const out = zerosOn(device, x!.dtype, [n, c, oh, ow]);
    if (out.size > 0) device.backend.adaptiveAvgPool2d(x!.dtype, src.buffer, out.buffer, n * c, h, w, oh, ow);
    return out;
  },
  backward: ({ attrs, call }, g) => [call(adaptiveAvgPool2dBackwardOp, g, attrs)],
  jvp: ({ attrs, call }, [t]) => (t ? call(adaptiveAvgPool2dOp, t, attrs.outputSize) : null),
  flops: (inputs) => inputs[0]!.size,
};

const adaptiveAvgPool2dBackwardOp: DifferentiableOp<AdaptiveAvgAttrs, readonly [grad: Tensor, attrs: AdaptiveAvgAttrs]> = {
  name: 'adaptiveAvgPool2dBackward',
  doc: 'The transpose of `adaptiveAvgPool2d` (its gradient): spreads each output gradient `[N, C, oh, ow]` evenly over its window of `[N, C, H, W]` (attributes as adaptiveAvgPool2d makes them).',
  example: 'adaptiveAvgPool2dBackward(grad, { outputSize: [3, 3], inputHW: [10, 10] })',
  differentiable: true,
  call: (run, grad, attrs) => {
    const [oh, ow] = attrs.outputSize;
    if (!(grad instanceof Tensor) || grad.ndim !== 4 || grad.shape[2] !== oh || grad.shape[3] !== ow) {
      throw new Error(`adaptiveAvgPool2dBackward: expected a gradient [N, C, ${oh}, ${ow}] for these attributes, got ${grad instanceof Tensor ? `shape ${fmtShape(grad.shape)}` : describe(grad)}.`);
    }
    return run([grad], attrs);
  },
  forward: (_, [grad], { outputSize: [oh, ow], inputHW: [h, w] }) => {
    const [n, c] = grad!.shape as [number, number];
    const src = packed(castRaw(grad!));
    const device = deviceOf('adaptiveAvgPool2dBackward', grad!);
    const out = zerosOn(device, grad!.dtype, [n, c, h, w]);
    if (out.size > 0) device.backend.adaptiveAvgPool2dBackward(grad!.dtype, src.buffer, out.buffer, n * c, h, w, oh, ow);
    return out;
  },
  backward: ({ attrs, call }, g) => [call(adaptiveAvgPool2dOp, g, attrs.outputSize)],
  jvp: ({ attrs, call }, [t]) => (t ? call(adaptiveAvgPool2dBackwardOp, t, attrs) : null),
  flops: (_, out) => out.size,
};

/** maxPool2d, avgPool2d (and its transpose), adaptiveMaxPool2dIndices, adaptiveAvgPool2d (and its transpose). */
export const POOL_OPS = {
  maxPool2d: maxPool2dOp, avgPool2d: avgPool2dOp, avgPool2dBackward: avgPool2dBackwardOp, adaptiveMaxPool2dIndices: adaptiveMaxPool2dIndicesOp,
  adaptiveAvgPool2d: adaptiveAvgPool2dOp, adaptiveAvgPool2dBackward: adaptiveAvgPool2dBackwardOp,
};
