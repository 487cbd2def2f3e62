import { allocate, isFloating, promoteTypes, type DType } from '../dtype.js';
import { fmtShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { getBackend } from '../kernels/index.js';
import { isGradEnabled } from '../autograd/grad-mode.js';
import { apply, defineOp, type OpDef } from './registry.js';
import { castRaw, contiguousData, empty, sumTangents, wrap } from './util.js';

/** Geometry of a sliding 2-d window: kernel size, stride, zero padding and dilation, each (height, width). */
export interface Window2d {
  readonly kernel: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly dilation: readonly [number, number];
}

/** Output size of a window sweep along one axis. */
function outSize(size: number, k: number, s: number, p: number, d: number): number {
  return Math.floor((size + 2 * p - d * (k - 1) - 1) / s) + 1;
}

// The last few window maps, by geometry: a network calls the same convolutions every step, and backends may
// derive and cache their own plans per map.
const windowCache = new Map<string, { oh: number; ow: number; index: Int32Array }>();
const WINDOW_CACHE_SIZE = 16;

/** For unfold/fold: output positions (oh, ow) and, per (kernel offset, position), the input index or -1 (padding). */
function windowIndex(h: number, w: number, win: Window2d): { oh: number; ow: number; index: Int32Array } {
  const key = `${h},${w},${win.kernel},${win.stride},${win.padding},${win.dilation}`;
  let hit = windowCache.get(key);
  if (hit === undefined) {
    hit = buildWindowIndex(h, w, win);
    if (windowCache.size >= WINDOW_CACHE_SIZE) windowCache.delete(windowCache.keys().next().value!);
    windowCache.set(key, hit);
  }
  return hit;
}

function buildWindowIndex(h: number, w: number, win: Window2d): { oh: number; ow: number; index: Int32Array } {
  const [kh, kw] = win.kernel, [sh, sw] = win.stride, [ph, pw] = win.padding, [dh, dw] = win.dilation;
  const oh = outSize(h, kh, sh, ph, dh), ow = outSize(w, kw, sw, pw, dw);
  const L = oh * ow;
  const index = new Int32Array(kh * kw * L);
  for (let ki = 0; ki < kh; ki++) {
    for (let kj = 0; kj < kw; kj++) {
      const row = (ki * kw + kj) * L;
      for (let y = 0; y < oh; y++) {
        const ih = y * sh - ph + ki * dh;
        for (let x = 0; x < ow; x++) {
          const iw = x * sw - pw + kj * dw;
          index[row + y * ow + x] = ih >= 0 && ih < h && iw >= 0 && iw < w ? ih * w + iw : -1;
        }
      }
    }
  }
  return { oh, ow, index };
}

interface UnfoldAttrs extends Window2d { readonly inputHW: readonly [number, number] }

// unfold (im2col) and fold (col2im) are each other's transpose, so each one's VJP is the other: convolution
// composed from them and matmul is differentiable to any order with no rule of its own.
export const unfoldOp: OpDef<UnfoldAttrs> = defineOp<UnfoldAttrs>({
  name: 'unfold',
  forward: ([x], attrs) => {
    const [n, c, h, w] = x!.shape as [number, number, number, number];
    const { oh, ow, index } = windowIndex(h, w, attrs);
    const kk = attrs.kernel[0] * attrs.kernel[1], L = oh * ow;
    const out = allocate(x!.dtype, n * c * kk * L);
    getBackend().unfold(contiguousData(x!), index, out, n * c, h * w, kk * L);
    return wrap(out, [n, c * kk, L], x!.dtype);
  },
  backward: (g, { attrs }) => [apply(foldOp, [g], attrs)],
  jvp: ([t], { attrs }) => (t ? apply(unfoldOp, [t], attrs) : null),
});

export const foldOp: OpDef<UnfoldAttrs> = defineOp<UnfoldAttrs>({
  name: 'fold',
  forward: ([cols], attrs) => {
    const [h, w] = attrs.inputHW;
    const { oh, ow, index } = windowIndex(h, w, attrs);
    const kk = attrs.kernel[0] * attrs.kernel[1], L = oh * ow;
    const [n, ckk] = cols!.shape as [number, number, number];
    const c = ckk / kk;
    const out = allocate(cols!.dtype, n * c * h * w);
    getBackend().fold(contiguousData(cols!), index, out, n * c, h * w, kk * L);
    return wrap(out, [n, c, h, w], cols!.dtype);
  },
  backward: (g, { attrs }) => [apply(unfoldOp, [g], attrs)],
  jvp: ([t], { attrs }) => (t ? apply(foldOp, [t], attrs) : null),
});

/** A size given as one number or a (height, width) pair. */
export type Size2 = number | readonly [number, number];

const pair = (v: Size2, name: string, op: string, min: number): [number, number] => {
  const p: [number, number] = typeof v === 'number' ? [v, v] : [v[0], v[1]];
  if (!p.every((x) => Number.isInteger(x) && x >= min)) throw new Error(`${op}: ${name} must be integers ≥ ${min}, got ${JSON.stringify(v)}.`);
  return p;
};

/** Options of the 2-d window ops. */
export interface Window2dOptions {
  readonly stride?: Size2;
  readonly padding?: Size2;
  readonly dilation?: Size2;
}

function window(x: Tensor, kernel: Size2, opts: Window2dOptions, defaultStride: Size2, op: string): UnfoldAttrs {
  if (x.ndim !== 4) throw new Error(`${op}: expected a 4-d input [N, C, H, W], got shape ${fmtShape(x.shape)}. Add a batch dim with unsqueeze(0).`);
  const win: UnfoldAttrs = {
    kernel: pair(kernel, 'kernel size', op, 1),
    stride: pair(opts.stride ?? defaultStride, 'stride', op, 1),
    padding: pair(opts.padding ?? 0, 'padding', op, 0),
    dilation: pair(opts.dilation ?? 1, 'dilation', op, 1),
    inputHW: [x.shape[2]!, x.shape[3]!],
  };
  const oh = outSize(x.shape[2]!, win.kernel[0], win.stride[0], win.padding[0], win.dilation[0]);
  const ow = outSize(x.shape[3]!, win.kernel[1], win.stride[1], win.padding[1], win.dilation[1]);
  if (oh < 1 || ow < 1) {
    throw new Error(`${op}: the kernel ${fmtShape(win.kernel)} (dilation ${fmtShape(win.dilation)}, padding ${fmtShape(win.padding)}) does not fit the input ${fmtShape(x.shape)}: the output would be ${oh}×${ow}.`);
  }
  return win;
}

/**
 * Sliding local blocks of a batched image (im2col): `[N, C, H, W]` → `[N, C·kh·kw, L]`, L output positions.
 *
 * @example
 * ```ts
 * unfold(x, 3, { padding: 1 }); // [N, 9C, H·W]
 * ```
 */
export function unfold(x: Tensor, kernel: Size2, opts: Window2dOptions = {}): Tensor {
  return apply(unfoldOp, [x], window(x, kernel, opts, 1, 'unfold'));
}

// Convolution is its own primitive, so that inference and input-only gradients never materialise the im2col
// columns of the whole batch: the backend's kernel computes the output directly (or unfolds one image at a
// time next to the matrix product). When the weight needs a gradient, the forward pass builds the columns
// once and keeps them, because dW needs exactly them and recomputing costs as much as the convolution. The
// rules are written with unfold, fold and matmul, so they differentiate again: dX = fold(Wᵀ·g),
// dW = Σ_b g_b·unfold(x)_bᵀ.
export const conv2dOp: OpDef<UnfoldAttrs> = defineOp<UnfoldAttrs>({
  name: 'conv2d',
  forward: ([x, weight], attrs, ctx) => {
    const [n, c, h, w] = x!.shape as [number, number, number, number];
    const o = weight!.shape[0]!;
    const dtype = promoteTypes(x!.dtype, weight!.dtype);
    // Integer convolutions run in float64, exact for every int32 product sum below 2^53, as matmul does.
    const work: DType = isFloating(dtype) ? dtype : 'float64';
    const { oh, ow, index } = windowIndex(h, w, attrs);
    const kk = attrs.kernel[0] * attrs.kernel[1], L = oh * ow, ck = c * kk;
    const xd = contiguousData(x!, work), wd = contiguousData(weight!, work);
    const out = allocate(work, n * o * L);
    if (ctx.recording && weight!.requiresGrad) {
      // Through the columns, kept for dW: out[b] = W · columns[b], the weight broadcast over the batch.
      const cols = allocate(work, n * ck * L);
      getBackend().unfold(xd, index, cols, n * c, h * w, kk * L);
      const batch = Array.from({ length: n }, (_, b) => b * ck * L);
      getBackend().matmul({ data: wd, offsets: new Int32Array(n), rowStride: ck, colStride: 1 },
        { data: cols, offsets: batch, rowStride: L, colStride: 1 }, out, n, o, L, ck);
      ctx.save(x!, weight!, wrap(cols, [n, ck, L], work));
    } else {
      if (ctx.recording) ctx.save(x!, weight!);
      const [kh, kw] = attrs.kernel, [sh, sw] = attrs.stride, [ph, pw] = attrs.padding, [dh, dw] = attrs.dilation;
      getBackend().conv2d(xd, wd, index, out, n, c, o, { h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow });
    }
    const result = wrap(out, [n, o, oh, ow], work);
    return work === dtype ? result : castRaw(result, dtype);
  },
  backward: (g, { saved: [x, weight, columns], needsInputGrad: need, attrs }) => {
    const [n, o, oh, ow] = g.shape as [number, number, number, number];
    const g3 = g.reshape([n, o, oh * ow]);
    const w2 = weight!.reshape([o, -1]);
    // The kept columns carry no graph: when the backward itself is recorded (createGraph), dW must reach x
    // through a recorded unfold.
    const cols = (): Tensor => (columns !== undefined && !isGradEnabled() ? columns : apply(unfoldOp, [x!], attrs));
    return [
      need[0] ? apply(foldOp, [w2.transpose(0, 1).matmul(g3)], attrs) : null,
      need[1] ? g3.matmul(cols().transpose(1, 2)).sum(0).reshape(weight!.shape) : null,
    ];
  },
  jvp: ([tx, tw], { inputs: [x, weight], attrs }) =>
    sumTangents(tx ? apply(conv2dOp, [tx, weight!], attrs) : null, tw ? apply(conv2dOp, [x!, tw], attrs) : null),
  // Each output element is a dot product over C·kh·kw weights.
  flops: ([, weight], out) => 2 * out.size * (weight!.size / weight!.shape[0]!),
});

/**
 * 2-d convolution (PyTorch's cross-correlation): input `[N, C, H, W]`, weight `[O, C, kh, kw]`, optional bias
 * `[O]`. Computed as im2col and a matrix product per image (see `unfold` for the columns).
 *
 * @example
 * ```ts
 * conv2d(images, weight, bias, { padding: 2 });
 * ```
 */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts: Window2dOptions = {}): Tensor {
  if (weight.ndim !== 4) throw new Error(`conv2d: weight must be 4-d [outChannels, inChannels, kh, kw], got shape ${fmtShape(weight.shape)}.`);
  const [o, c, kh, kw] = weight.shape as [number, number, number, number];
  if (x.ndim !== 4 || x.shape[1] !== c) {
    throw new Error(`conv2d: input ${fmtShape(x.shape)} must be [N, ${c}, H, W] to match weight ${fmtShape(weight.shape)} (${c} input channels).`);
  }
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== o)) throw new Error(`conv2d: bias must have shape [${o}], got ${fmtShape(bias.shape)}.`);
  const win = window(x, [kh, kw], opts, 1, 'conv2d');
  const out = apply(conv2dOp, [x, weight], win);
  return bias ? out.add(bias.reshape([o, 1, 1])) : out;
}

interface PoolAttrs extends UnfoldAttrs { readonly outHW: readonly [number, number] }

function poolIndices(x: Tensor, attrs: PoolAttrs): { values: Tensor; index: Int32Array } {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const { oh, ow, index } = windowIndex(h, w, attrs);
  const kk = attrs.kernel[0] * attrs.kernel[1], L = oh * ow;
  const src = contiguousData(x);
  const out = allocate(x.dtype, n * c * L);
  const arg = new Int32Array(n * c * L);
  for (let b = 0; b < n * c; b++) {
    const base = b * h * w;
    for (let l = 0; l < L; l++) {
      let best = -Infinity, at = -1;
      for (let k = 0; k < kk; k++) {
        const i = index[k * L + l]!;
        if (i < 0) continue;
        const v = src[base + i]!;
        // The first maximum wins ties, and NaN wins over everything, as in PyTorch.
        if (v > best || v !== v || at < 0) { best = v; at = i; if (v !== v) break; }
      }
      out[b * L + l] = best;
      arg[b * L + l] = at;
    }
  }
  return { values: wrap(out, [n, c, oh, ow], x.dtype), index: arg };
}

export const maxPool2dOp: OpDef<PoolAttrs> = defineOp<PoolAttrs>({
  name: 'maxPool2d',
  forward: ([x], attrs, ctx) => {
    const { values, index } = poolIndices(x!, attrs);
    if (ctx.recording) ctx.save(wrap(index, values.shape, 'int32'));
    return values;
  },
  // The gradient goes to the element that was the maximum; scatterAdd keeps it differentiable.
  backward: (g, { saved: [idx], inputShapes: [s] }) => {
    const [n, c, h, w] = s! as [number, number, number, number];
    return [empty([n, c, h * w], g.dtype).scatterAdd(2, idx!.reshape([n, c, -1]), g.reshape([n, c, -1])).reshape([n, c, h, w])];
  },
  jvp: ([t], { attrs, inputs: [x] }) => {
    if (!t) return null;
    const { values, index } = poolIndices(x!, attrs);
    const [n, c] = x!.shape as [number, number];
    return t.reshape([n, c, -1]).gather(2, wrap(index, [n, c, values.size / (n * c)], 'int32')).reshape(values.shape);
  },
});

/**
 * 2-d max pooling over `[N, C, H, W]` (stride defaults to the kernel size; padding counts as -∞).
 *
 * @example
 * ```ts
 * maxPool2d(features, 2); // halves H and W
 * ```
 */
export function maxPool2d(x: Tensor, kernel: Size2, opts: Window2dOptions = {}): Tensor {
  const win = window(x, kernel, opts, kernel, 'maxPool2d');
  const [ph, pw] = win.padding;
  if (ph * 2 > win.kernel[0] || pw * 2 > win.kernel[1]) {
    throw new Error(`maxPool2d: padding ${fmtShape(win.padding)} should be at most half of the kernel size ${fmtShape(win.kernel)}.`);
  }
  const oh = outSize(x.shape[2]!, win.kernel[0], win.stride[0], ph, win.dilation[0]);
  const ow = outSize(x.shape[3]!, win.kernel[1], win.stride[1], pw, win.dilation[1]);
  return apply(maxPool2dOp, [x], { ...win, outHW: [oh, ow] });
}
