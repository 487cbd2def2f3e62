import { isFloating, promoteTypes, type DType } from '../dtype.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import type { ConvGeometry } from '../kernels/backend.js';
import { fmtShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { backendOf, castRaw, deviceOf, describe, packed, releaseTemporary, sumTangents, zerosOn } from './buffers.js';
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

/** Options of `conv2d`: the window's, with padding also `'same'` or `'valid'`, and `groups`. */
export interface Conv2dFunctionOptions {
  /** Steps between window positions (default 1). */
  readonly stride?: Size2;
  /** Zero padding per side, or `'valid'` (none), or `'same'` (the output keeps the input's size; stride 1 only). */
  readonly padding?: Size2 | 'same' | 'valid';
  /** Spacing between the filter's taps (default 1). */
  readonly dilation?: Size2;
  /** Split the channels into this many groups, each convolved with its own filters (default 1). */
  readonly groups?: number;
}

/** A convolution's window and its channel groups. */
export interface ConvAttrs extends WindowAttrs {
  readonly groups: number;
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

/** A size option as a checked (height, width) pair of integers ≥ `min`. @example `pair(3, 'stride', 'conv2d', 1) // [3, 3]` */
export const pair = (v: Size2, name: string, op: string, min: number): [number, number] => {
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
/** The options that rebuild a convolution's `attrs`. */
const convOptionsOf = (attrs: ConvAttrs): Conv2dFunctionOptions => ({ ...optionsOf(attrs), groups: attrs.groups });

const CONV_KEYS = ['stride', 'padding', 'dilation', 'groups'];

/**
 * Check conv2d's arguments; return the (batched) input, the attributes, and the rows and columns to trim from the
 * start of the output: `'same'` with an even total padding d·(k − 1) pads one more at the end, as PyTorch does,
 * which is computed as that padding on both sides and the first output row (or column) dropped.
 */
function convArgs(x: Tensor, weight: Tensor, bias: Tensor | null | undefined, options: Conv2dFunctionOptions): { x: Tensor; attrs: ConvAttrs; trim: [number, number] } {
  if (!(weight instanceof Tensor)) throw new Error(`conv2d: weight must be a Tensor, got ${describe(weight)}.`);
  if (bias !== undefined && bias !== null && !(bias instanceof Tensor)) {
    throw new Error(`conv2d: bias must be a Tensor or null, got ${describe(bias)}. Pass the options as the 4th argument: conv2d(x, w, null, { padding: 1 }).`);
  }
  if (options === null || typeof options !== 'object' || Array.isArray(options) || options instanceof Tensor) {
    throw new Error(`conv2d: expected the options as an object { stride, padding, dilation, groups }, got ${describe(options)}.`);
  }
  for (const k of Object.keys(options)) {
    if (!CONV_KEYS.includes(k)) throw new Error(`conv2d: unknown option '${k}'; the options are ${CONV_KEYS.join(', ')}.`);
  }
  if (weight.ndim !== 4) throw new Error(`conv2d: weight must be 4-d [outChannels, inChannels / groups, kh, kw], got shape ${fmtShape(weight.shape)}.`);
  const groups = options.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new Error(`conv2d: groups must be a positive integer, got ${describe(groups)}.`);
  const [o, cg, kh, kw] = weight.shape as [number, number, number, number];
  if (!(x instanceof Tensor) || (x.ndim !== 4 && x.ndim !== 3)) {
    throw new Error(`conv2d: expected a 3-d (unbatched) or 4-d input [N, C, H, W], got ${x instanceof Tensor ? `shape ${fmtShape(x.shape)}` : describe(x)}.`);
  }
  const input = x.ndim === 3 ? x.unsqueeze(0) : x;
  if (input.shape[1] !== cg * groups) {
    throw new Error(
      `conv2d: Given groups=${groups}, weight of size ${fmtShape(weight.shape)}, expected input${fmtShape(x.shape)} to have ${cg * groups} channels, ` +
        `but got ${input.shape[1]} channels instead.`,
    );
  }
  if (o % groups !== 0) throw new Error(`conv2d: out channels (${o}, the weight's first dim) must be divisible by groups (${groups}).`);
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== o)) throw new Error(`conv2d: bias must have shape [${o}], got ${fmtShape(bias.shape)}.`);
  const { padding = 0, ...rest } = options;
  let pad: Size2 = 0;
  let trim: [number, number] = [0, 0];
  if (padding === 'same' || padding === 'valid') {
    if (padding === 'same') {
      const stride = rest.stride ?? 1;
      if (!(stride === 1 || (Array.isArray(stride) && stride[0] === 1 && stride[1] === 1))) {
        throw new Error(`conv2d: padding='same' is not supported for strided convolutions (stride ${JSON.stringify(stride)}).`);
      }
      const dil = pair(rest.dilation ?? 1, 'dilation', 'conv2d', 1);
      const total = [dil[0] * (kh - 1), dil[1] * (kw - 1)];
      pad = [Math.ceil(total[0]! / 2), Math.ceil(total[1]! / 2)];
      trim = [total[0]! % 2, total[1]! % 2];
    }
  } else if (typeof padding === 'string') {
    throw new Error(`conv2d: padding must be a number, a pair, 'same' or 'valid', got ${describe(padding)}.`);
  } else {
    pad = padding;
  }
  const { groups: _g, ...window } = { ...rest, padding: pad };
  return { x: input, attrs: { ...windowAttrs(input, [kh, kw], window, 1, 'conv2d'), groups }, trim };
}

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
  backward: ({ attrs, call }, g) => [call(foldOp, g, attrs.inputHW, attrs.kernel, optionsOf(attrs))],
  jvp: ({ attrs, call }, [t]) => (t ? call(unfoldOp, t, attrs.kernel, optionsOf(attrs)) : null),
  flops: () => 0,
};

/**
 * Check fold's arguments as PyTorch does (`F.fold(input, output_size, kernel_size, ...)`): `[N, C·kh·kw, L]`
 * columns (or unbatched `[C·kh·kw, L]`) whose L is the number of window positions over `outputSize`.
 */
function foldAttrs(cols: Tensor, outputSize: Size2, kernel: Size2, options: Window2dOptions): WindowAttrs {
  if (!(cols instanceof Tensor)) throw new Error(`fold: expected the columns to be a Tensor, got ${describe(cols)}.`);
  if (cols.ndim !== 3) {
    throw new Error(`fold: expected a 2-d (unbatched) or 3-d (batched) input [N, C·kh·kw, L], got shape ${fmtShape(cols.shape)}.`);
  }
  if (options === null || typeof options !== 'object' || Array.isArray(options) || options instanceof Tensor) {
    throw new Error(`fold: expected the options as an object { stride, padding, dilation }, got ${describe(options)}.`);
  }
  for (const k of Object.keys(options)) {
    if (!OPTION_KEYS.includes(k)) throw new Error(`fold: unknown option '${k}'; the options are ${OPTION_KEYS.join(', ')}.`);
  }
  const attrs: WindowAttrs = {
    kernel: pair(kernel, 'kernel size', 'fold', 1),
    stride: pair(options.stride ?? 1, 'stride', 'fold', 1),
    padding: pair(options.padding ?? 0, 'padding', 'fold', 0),
    dilation: pair(options.dilation ?? 1, 'dilation', 'fold', 1),
    inputHW: pair(outputSize, 'output size', 'fold', 1),
  };
  const kk = attrs.kernel[0] * attrs.kernel[1];
  const { oh, ow } = geometryOf(attrs);
  const [, ckk, L] = cols.shape as [number, number, number];
  if (ckk % kk !== 0) {
    throw new Error(`fold: expected size of input's dimension 1 to be divisible by the product of kernel_size, but got input.size(1)=${ckk} and kernel_size=${fmtShape(attrs.kernel)}.`);
  }
  if (oh < 1 || ow < 1 || L !== oh * ow) {
    throw new Error(`fold: given output size ${fmtShape(attrs.inputHW)}, kernel ${fmtShape(attrs.kernel)}, dilation ${fmtShape(attrs.dilation)}, padding ${fmtShape(attrs.padding)} and stride ${fmtShape(attrs.stride)}, ` +
      `expected size of input's dimension 2 to match the calculated number of sliding blocks ${Math.max(oh, 0)} * ${Math.max(ow, 0)} = ${Math.max(oh, 0) * Math.max(ow, 0)}, but got input.size(2)=${L}.`);
  }
  return attrs;
}

const foldOp: DifferentiableOp<WindowAttrs, readonly [cols: Tensor, outputSize: Size2, kernel: Size2, options?: Window2dOptions]> = {
  name: 'fold',
  doc: 'col2im, the transpose of `unfold`: sums `[N, C·kh·kw, L]` columns (or unbatched `[C·kh·kw, L]`) back into `[N, C, H, W]` images of `outputSize` (PyTorch\'s `F.fold(input, output_size, kernel_size, ...)`).',
  example: 'fold(unfold(x, 3, { padding: 1 }), [28, 28], 3, { padding: 1 })',
  differentiable: true,
  call: (run, cols, outputSize, kernel, options = {}) => {
    const batched = cols instanceof Tensor && cols.ndim === 2 ? cols.unsqueeze(0) : cols;
    const out = run([batched], foldAttrs(batched, outputSize, kernel, options));
    return batched === cols ? out : out.squeeze(0);
  },
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
  jvp: ({ attrs, call }, [t]) => (t ? call(foldOp, t, attrs.inputHW, attrs.kernel, optionsOf(attrs)) : null),
  flops: () => 0,
};


// Convolution is its own primitive, so that inference and input-only gradients never materialise the im2col
// columns of the whole batch: the backend computes the output directly (or unfolds one image at a time next to
// the matrix product). The rules are written with conv2d itself, unfold, fold and matmul, so they differentiate
// again: dX = fold(Wᵀ·g), and dW = Σ_b g_b·unfold(x)_bᵀ. For dW the backend keeps the columns it builds for the
// forward (recomputing them costs as much as the convolution), except where the convolution has few taps per output
// (C·kh·kw ≤ FEW_TAPS, unit stride and dilation, one group: the early layers, which backends run directly). There the
// columns would be C·kh·kw times the input and cost more to keep than the convolution does, so none are kept, and dW
// is the convolution of the input with g, batch and channels swapped: dW = (xᵀ ⋆ gᵀ)ᵀ with padding p, whose output is
// kh × kw. (Measured on B5, 32×1×28×28 ⋆ 8×1×5×5: forward + backward 0.85× the time with kept columns on one
// thread, 0.70× on two; on B9's LeNet, unchanged.)
const FEW_TAPS = 64;

/** Whether conv2d's dW is the convolution xᵀ ⋆ gᵀ instead of a product with kept columns (see above). */
const weightGradByConv = (a: ConvAttrs, channels: number): boolean => a.groups === 1 && a.stride[0] === 1 && a.stride[1] === 1 &&
  a.dilation[0] === 1 && a.dilation[1] === 1 && channels * a.kernel[0] * a.kernel[1] <= FEW_TAPS;

const conv2dOp: DifferentiableOp<ConvAttrs, readonly [x: Tensor, weight: Tensor, bias?: Tensor | null, options?: Conv2dFunctionOptions]> = {
  name: 'conv2d',
  doc: '2-d convolution (PyTorch\'s cross-correlation): input `[N, C, H, W]` (or `[C, H, W]`), weight `[O, C / groups, kh, kw]`, optional bias `[O]`; padding may be `\'same\'` or `\'valid\'`.',
  example: "conv2d(images, weight, bias, { padding: 'same', groups: 2 })",
  differentiable: true,
  call: (run, x, weight, bias, options = {}) => {
    const { x: input, attrs, trim } = convArgs(x, weight, bias, options);
    let out = run([input, weight], attrs);
    if (trim[0]) out = out.narrow(2, 1, out.shape[2]! - 1);
    if (trim[1]) out = out.narrow(3, 1, out.shape[3]! - 1);
    if (bias) out = out.add(bias.reshape([bias.shape[0]!, 1, 1]));
    return x.ndim === 3 ? out.squeeze(0) : out;
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
    const keepCols = ctx.recording && ctx.needsInputGrad[1]! && !weightGradByConv(attrs, c);
    const groups = attrs.groups;
    let keep: Tensor | null = null;
    if (groups === 1) {
      keep = keepCols ? zerosOn(device, work, [n, ck, L]) : null;
      if (out.size > 0) device.backend.conv2d(work, xs.buffer, ws.buffer, out.buffer, n, c, o, g, keep === null ? null : keep.buffer);
    } else {
      // Grouped: the im2col columns of every channel, then one product per (image, group) of that group's filters
      // [O/G, C/G·kh·kw] with its rows of the columns [C/G·kh·kw, L].
      const cols = zerosOn(device, work, [n, ck, L]);
      const og = o / groups, gk = ck / groups;
      if (out.size > 0) {
        device.backend.unfold(work, xs.buffer, 0, cols.buffer, n * c, g);
        const count = n * groups;
        device.backend.matmul(work,
          { buffer: ws.buffer, offsets: Array.from({ length: count }, (_, b) => (b % groups) * og * gk), rowStride: gk, colStride: 1 },
          { buffer: cols.buffer, offsets: Array.from({ length: count }, (_, b) => b * gk * L), rowStride: L, colStride: 1 },
          out.buffer, count, og, L, gk);
      }
      keep = keepCols ? cols : null;
    }
    if (ctx.recording) {
      ctx.save(ctx.needsInputGrad[1] ? x! : null, weight!);
      if (keep) ctx.saveOwned(keep);
    }
    // Packed or cast copies of the operands are used up.
    releaseTemporary(xs, x!);
    releaseTemporary(ws, weight!);
    if (work === dtype) return out;
    const result = castRaw(out, dtype);
    releaseTemporary(out, result);
    return result;
  },
  backward: ({ saved: [x, weight, columns], needsInputGrad: need, attrs, call }, g) => {
    const [n, o, oh, ow] = g.shape as [number, number, number, number];
    const G = attrs.groups;
    // The kept columns carry no graph: when the backward itself is recorded (createGraph), dW must reach x
    // through a recorded unfold.
    const cols = (): Tensor => (columns && !isGradEnabled() ? columns : call(unfoldOp, x!, attrs.kernel, optionsOf(attrs)));
    const [ph, pw] = attrs.padding;
    if (G === 1) {
      const g3 = g.reshape([n, o, oh * ow]);
      const w2 = weight!.reshape([o, -1]);
      // Without a graph of the backward, the columns of dX (as large as the kept columns) are a temporary.
      const dx = (): Tensor => {
        const cols = w2.transpose(0, 1).matmul(g3);
        const d = call(foldOp, cols, attrs.inputHW, attrs.kernel, optionsOf(attrs));
        if (!isGradEnabled()) releaseTemporary(cols);
        return d;
      };
      const dw = (): Tensor => {
        if (weightGradByConv(attrs, weight!.shape[1]!)) {
          return call(conv2dOp, x!.transpose(0, 1), g.transpose(0, 1), null, { padding: [ph, pw] }).transpose(0, 1);
        }
        const c = cols();
        const perImage = g3.matmul(c.transpose(1, 2));
        const d = perImage.sum(0).reshape(weight!.shape);
        // The per-image products, and columns unfolded again here (not the kept ones, which the node gives back).
        if (!isGradEnabled()) {
          releaseTemporary(perImage);
          if (c !== columns) releaseTemporary(c);
        }
        return d;
      };
      return [need[0] ? dx() : null, need[1] ? dw() : null];
    }
    const g4 = g.reshape([n, G, o / G, oh * ow]);
    const w3 = weight!.reshape([G, o / G, -1]);
    return [
      need[0] ? call(foldOp, w3.transpose(1, 2).matmul(g4).reshape([n, -1, oh * ow]), attrs.inputHW, attrs.kernel, optionsOf(attrs)) : null,
      need[1] ? g4.matmul(cols().reshape([n, G, -1, oh * ow]).transpose(2, 3)).sum(0).reshape(weight!.shape) : null,
    ];
  },
  jvp: ({ inputs: [x, weight], attrs, call }, [tx, tw]) =>
    sumTangents(tx ? call(conv2dOp, tx, weight!, null, convOptionsOf(attrs)) : null, tw ? call(conv2dOp, x!, tw, null, convOptionsOf(attrs)) : null),
  // Each output element is a dot product over C/groups·kh·kw weights.
  flops: ([, weight], out) => 2 * out.size * (weight!.size / weight!.shape[0]!),
};

/** unfold, fold and conv2d. */
export const CONV_OPS = { unfold: unfoldOp, fold: foldOp, conv2d: conv2dOp };
