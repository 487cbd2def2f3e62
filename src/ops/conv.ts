import { isFloating, promoteTypes, type DType } from '../dtype.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import type { ConvGeometry } from '../kernels/backend.js';
import { fmtShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { backendOf, castRaw, deviceOf, describe, packed, sumTangents, zerosOn } from './buffers.js';
import type { DifferentiableOp } from './define.js';

/** Geometry of a sliding 2-d window: kernel size, stride, zero padding and dilation, each (height, width). */
export interface Window2d {
  /** The window's (height, width). */
  readonly kernel: readonly [number, number];
  /** Steps between window positions. */
  readonly stride: readonly [number, number];
  /** Zeros added on each side. */
  readonly padding: readonly [number, number];
  /** Spacing between the window's taps (1: adjacent). */
  readonly dilation: readonly [number, number];
}

/** A window over an input of (height, width) `inputHW`: what unfold, fold, conv2d and maxPool2d take. */
export interface WindowAttrs extends Window2d {
  /** The (height, width) of the input the window sweeps (for fold: of the image it folds back into). */
  readonly inputHW: readonly [number, number];
}

/** A size given as one number or a (height, width) pair. */
export type Size2 = number | readonly [number, number];

/** Options of the 2-d window ops. */
export interface Window2dOptions {
  /** Steps between window positions (default 1; for pooling, the kernel size). */
  readonly stride?: Size2;
  /** Zeros added on each side (default 0). */
  readonly padding?: Size2;
  /** Spacing between the window's taps (default 1). */
  readonly dilation?: Size2;
}

/** Output size of a window sweep along one axis. */
export function outSize(size: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;
}

/**
 * The backend's description of a window over an input of `h × w`.
 *
 * @example
 * ```ts
 * geometryOf({ kernel: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1], inputHW: [4, 4] }); // oh = ow = 2
 * ```
 */
export function geometryOf(attrs: WindowAttrs): ConvGeometry {
  const [h, w] = attrs.inputHW, [kh, kw] = attrs.kernel, [sh, sw] = attrs.stride, [ph, pw] = attrs.padding, [dh, dw] = attrs.dilation;
  return { h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh: outSize(h, kh, sh, ph, dh), ow: outSize(w, kw, sw, pw, dw) };
}

const pair = (v: Size2, name: string, op: string, min: number): [number, number] => {
  const p: [number, number] = typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? [v[0], v[1]] : [NaN, NaN];
  if (!p.every((x) => Number.isInteger(x) && x >= min)) throw new Error(`${op}: ${name} must be integers ≥ ${min}, got ${describe(v) === 'an array' ? JSON.stringify(v) : describe(v)}.`);
  return p;
};

const OPTION_KEYS = ['stride', 'padding', 'dilation'];

/**
 * Check and complete a window's options for input `x` (default stride `defaultStride`).
 *
 * @example
 * ```ts
 * windowAttrs(x, 3, { padding: 1 }, 1, 'conv2d');
 * ```
 */
export function windowAttrs(x: Tensor, kernel: Size2, opts: Window2dOptions, defaultStride: Size2, op: string): WindowAttrs {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected the input to be a Tensor, got ${describe(x)}.`);
  if (x.ndim !== 4) throw new Error(`${op}: expected a 4-d input [N, C, H, W], got shape ${fmtShape(x.shape)}. Add a batch dim with unsqueeze(0).`);
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts) || opts instanceof Tensor) {
    throw new Error(`${op}: expected the options as an object { stride, padding, dilation }, got ${describe(opts)}.`);
  }
  for (const k of Object.keys(opts)) {
    if (!OPTION_KEYS.includes(k)) throw new Error(`${op}: unknown option '${k}'; the options are ${OPTION_KEYS.join(', ')}.`);
  }
  const win: WindowAttrs = {
    kernel: pair(kernel, 'kernel size', op, 1),
    stride: pair(opts.stride ?? defaultStride, 'stride', op, 1),
    padding: pair(opts.padding ?? 0, 'padding', op, 0),
    dilation: pair(opts.dilation ?? 1, 'dilation', op, 1),
    inputHW: [x.shape[2]!, x.shape[3]!],
  };
  const { oh, ow } = geometryOf(win);
  if (oh < 1 || ow < 1) {
    throw new Error(`${op}: the kernel ${fmtShape(win.kernel)} (dilation ${fmtShape(win.dilation)}, padding ${fmtShape(win.padding)}) does not fit the input ${fmtShape(x.shape)}: the output would be ${oh}×${ow}.`);
  }
  return win;
}

/** The options that rebuild `attrs` through `windowAttrs`. */
const optionsOf = (attrs: WindowAttrs): Window2dOptions => ({ stride: attrs.stride, padding: attrs.padding, dilation: attrs.dilation });

// unfold (im2col) and fold (col2im) are each other's transpose, so each one's VJP is the other: convolution
// composed from them and matmul is differentiable to any order.
const unfoldOp: DifferentiableOp<WindowAttrs, readonly [x: Tensor, kernel: Size2, options?: Window2dOptions]> = {
  name: 'unfold',
  doc: 'Sliding local blocks of a batched image (im2col): `[N, C, H, W]` → `[N, C·kh·kw, L]`, L output positions.',
  example: 'unfold(x, 3, { padding: 1 })',
  differentiable: true,
  call: (run, x, kernel, options = {}) => run([x], windowAttrs(x, kernel, options, 1, 'unfold')),
  forward: (_, [x], attrs) => {
    const [n, c] = x!.shape as [number, number];
    const g = geometryOf(attrs);
    const kk = g.kh * g.kw, L = g.oh * g.ow;
    const src = castRaw(x!);
    const out = zerosOn(x!.storage.device, x!.dtype, [n, c * kk, L]);
    if (out.size > 0) backendOf(x!).unfold(x!.dtype, src.buffer, src.offset, out.buffer, n * c, g);
    return out;
  },
  backward: ({ attrs, call }, g) => [call(foldOp, g, attrs)],
  jvp: ({ attrs, call }, [t]) => (t ? call(unfoldOp, t, attrs.kernel, optionsOf(attrs)) : null),
  flops: () => 0,
};

const foldOp: DifferentiableOp<WindowAttrs, readonly [cols: Tensor, attrs: WindowAttrs]> = {
  name: 'fold',
  doc: 'col2im, the transpose of `unfold`: sums `[N, C·kh·kw, L]` columns back into `[N, C, H, W]` (attributes as unfold makes them).',
  example: 'fold(cols, attrs)',
  differentiable: true,
  call: (run, cols, attrs) => run([cols], attrs),
  forward: (_, [cols], attrs) => {
    const g = geometryOf(attrs);
    const kk = g.kh * g.kw;
    const [n, ckk] = cols!.shape as [number, number, number];
    const c = ckk / kk;
    const src = castRaw(cols!);
    const out = zerosOn(cols!.storage.device, cols!.dtype, [n, c, g.h, g.w]);
    if (out.size > 0) backendOf(cols!).fold(cols!.dtype, src.buffer, src.offset, out.buffer, n * c, g);
    return out;
  },
  backward: ({ attrs, call }, g) => [call(unfoldOp, g, attrs.kernel, optionsOf(attrs))],
  jvp: ({ attrs, call }, [t]) => (t ? call(foldOp, t, attrs) : null),
  flops: () => 0,
};


// Convolution is its own primitive, so that inference and input-only gradients never materialise the im2col
// columns of the whole batch: the backend computes the output directly (or unfolds one image at a time next to
// the matrix product). When the weight needs a gradient, the backend keeps the columns it builds, because dW needs
// exactly them and recomputing costs as much as the convolution. The rules are written with unfold, fold and
// matmul, so they differentiate again: dX = fold(Wᵀ·g), dW = Σ_b g_b·unfold(x)_bᵀ.
const conv2dOp: DifferentiableOp<WindowAttrs, readonly [x: Tensor, weight: Tensor, bias?: Tensor | null, options?: Window2dOptions]> = {
  name: 'conv2d',
  doc: '2-d convolution (PyTorch\'s cross-correlation): input `[N, C, H, W]`, weight `[O, C, kh, kw]`, optional bias `[O]`.',
  example: 'conv2d(images, weight, bias, { padding: 2 })',
  differentiable: true,
  call: (run, x, weight, bias, options = {}) => {
    if (!(weight instanceof Tensor)) throw new Error(`conv2d: weight must be a Tensor, got ${describe(weight)}.`);
    if (bias !== undefined && bias !== null && !(bias instanceof Tensor)) {
      throw new Error(`conv2d: bias must be a Tensor or null, got ${describe(bias)}. Pass the options as the 4th argument: conv2d(x, w, null, { padding: 1 }).`);
    }
    if (weight.ndim !== 4) throw new Error(`conv2d: weight must be 4-d [outChannels, inChannels, kh, kw], got shape ${fmtShape(weight.shape)}.`);
    const [o, c, kh, kw] = weight.shape as [number, number, number, number];
    if (!(x instanceof Tensor) || x.ndim !== 4 || x.shape[1] !== c) {
      throw new Error(`conv2d: input ${x instanceof Tensor ? fmtShape(x.shape) : describe(x)} must be [N, ${c}, H, W] to match weight ${fmtShape(weight.shape)} (${c} input channels).`);
    }
    if (bias && (bias.ndim !== 1 || bias.shape[0] !== o)) throw new Error(`conv2d: bias must have shape [${o}], got ${fmtShape(bias.shape)}.`);
    const out = run([x, weight], windowAttrs(x, [kh, kw], options, 1, 'conv2d'));
    return bias ? out.add(bias.reshape([o, 1, 1])) : out;
  },
  forward: (ctx, [x, weight], attrs) => {
    const device = deviceOf('conv2d', x!, weight!);
    const [n, c] = x!.shape as [number, number];
    const o = weight!.shape[0]!;
    const dtype = promoteTypes(x!.dtype, weight!.dtype);
    // Integer convolutions run in float64, exact for every int32 product sum below 2^53, as matmul does.
    const work: DType = isFloating(dtype) ? dtype : 'float64';
    const g = geometryOf(attrs);
    const ck = c * g.kh * g.kw, L = g.oh * g.ow;
    const xs = packed(castRaw(x!, work)), ws = packed(castRaw(weight!, work));
    const out = zerosOn(device, work, [n, o, g.oh, g.ow]);
    const keep = ctx.recording && ctx.needsInputGrad[1]! ? zerosOn(device, work, [n, ck, L]) : null;
    if (out.size > 0) device.backend.conv2d(work, xs.buffer, ws.buffer, out.buffer, n, c, o, g, keep === null ? null : keep.buffer);
    if (ctx.recording) ctx.save(ctx.needsInputGrad[1] ? x! : null, weight!, ...(keep ? [keep] : []));
    return work === dtype ? out : castRaw(out, dtype);
  },
  backward: ({ saved: [x, weight, columns], needsInputGrad: need, attrs, call }, g) => {
    const [n, o, oh, ow] = g.shape as [number, number, number, number];
    const g3 = g.reshape([n, o, oh * ow]);
    const w2 = weight!.reshape([o, -1]);
    // The kept columns carry no graph: when the backward itself is recorded (createGraph), dW must reach x
    // through a recorded unfold.
    const cols = (): Tensor => (columns && !isGradEnabled() ? columns : call(unfoldOp, x!, attrs.kernel, optionsOf(attrs)));
    return [
      need[0] ? call(foldOp, w2.transpose(0, 1).matmul(g3), attrs) : null,
      need[1] ? g3.matmul(cols().transpose(1, 2)).sum(0).reshape(weight!.shape) : null,
    ];
  },
  jvp: ({ inputs: [x, weight], attrs, call }, [tx, tw]) =>
    sumTangents(tx ? call(conv2dOp, tx, weight!, null, optionsOf(attrs)) : null, tw ? call(conv2dOp, x!, tw, null, optionsOf(attrs)) : null),
  // Each output element is a dot product over C·kh·kw weights.
  flops: ([, weight], out) => 2 * out.size * (weight!.size / weight!.shape[0]!),
};

/** unfold, fold and conv2d. */
export const CONV_OPS = { unfold: unfoldOp, fold: foldOp, conv2d: conv2dOp };
