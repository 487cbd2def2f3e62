// The functional convolutions beyond conv2d (a primitive, re-exported by functional.ts): conv1d over conv2d, and
// the transposed convolution as PyTorch's slow path computes it (a product per group, then col2im).
import { conv2d, fold } from '../ops/api.generated.js';
import type { Size2 } from '../ops/conv.js';
import { checkOptions } from '../options.js';
import { fmtShape } from '../shape.js';
import { Tensor } from '../tensor.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import '../autograd/record.js';

/** A size of a 1-d window: one number (or a one-element array, as PyTorch's tuples). */
export type Size1 = number | readonly [number];

/** Options of `conv1d`. @example `conv1d(x, w, b, { padding: 'same', dilation: 2 })` */
export interface Conv1dFunctionOptions {
  /** Steps between window positions (default 1). */
  readonly stride?: Size1;
  /** Zero padding per side, `'valid'` (none) or `'same'` (the output keeps the input's length; stride 1 only). */
  readonly padding?: Size1 | 'same' | 'valid';
  /** Spacing between the filter's taps (default 1). */
  readonly dilation?: Size1;
  /** Split the channels into this many groups, each convolved with its own filters (default 1). */
  readonly groups?: number;
}

function single(v: Size1, name: string, op: string, min: number): number {
  const n = typeof v === 'number' ? v : Array.isArray(v) && v.length === 1 ? v[0] : NaN;
  if (!Number.isInteger(n) || n < min) throw new Error(`${op}: ${name} must be an integer ≥ ${min} (or a one-element array), got ${JSON.stringify(v)}.`);
  return n;
}

/**
 * 1-d convolution (cross-correlation): input `[N, C, L]` (or `[C, L]`), weight `[O, C / groups, k]`, optional bias
 * `[O]`; computed as a 2-d convolution of height 1.
 *
 * @example
 * ```ts
 * conv1d(randn([8, 4, 100]), randn([16, 4, 5]), null, { padding: 2 }).shape; // [8, 16, 100]
 * ```
 */
export function conv1d(input: Tensor, weight: Tensor, bias: Tensor | null = null, opts: Conv1dFunctionOptions = {}): Tensor {
  const o = checkOptions('conv1d', opts, { stride: 'integer|numbers', padding: 'integer|numbers|string', dilation: 'integer|numbers', groups: 'integer' });
  if (!(input instanceof Tensor) || (input.ndim !== 2 && input.ndim !== 3)) {
    throw new Error(`conv1d: expected a 2-d (unbatched) or 3-d input [N, C, L], got ${input instanceof Tensor ? `shape ${fmtShape(input.shape)}` : typeof input}.`);
  }
  if (!(weight instanceof Tensor) || weight.ndim !== 3) {
    throw new Error(`conv1d: weight must be 3-d [outChannels, inChannels / groups, k], got ${weight instanceof Tensor ? `shape ${fmtShape(weight.shape)}` : typeof weight}.`);
  }
  const groups = o.groups ?? 1;
  const channels = input.shape[input.ndim - 2]!;
  if (channels !== weight.shape[1]! * groups) {
    throw new Error(
      `conv1d: Given groups=${groups}, weight of size ${fmtShape(weight.shape)}, expected input${fmtShape(input.shape)} to have ` +
        `${weight.shape[1]! * groups} channels, but got ${channels} channels instead.`,
    );
  }
  const padding = o.padding ?? 0;
  if (typeof padding === 'string' && padding !== 'same' && padding !== 'valid') {
    throw new Error(`conv1d: padding must be a number, 'same' or 'valid', got '${padding}'.`);
  }
  const out = conv2d(input.unsqueeze(-2), weight.unsqueeze(-2), bias, {
    stride: [1, single(o.stride ?? 1, 'stride', 'conv1d', 1)],
    padding: typeof padding === 'string' ? padding : [0, single(padding, 'padding', 'conv1d', 0)],
    dilation: [1, single(o.dilation ?? 1, 'dilation', 'conv1d', 1)],
    groups,
  });
  return out.squeeze(-2);
}

/** Options of `convTranspose2d`. @example `convTranspose2d(x, w, b, { stride: 2, padding: 1, outputPadding: 1 })` */
export interface ConvTranspose2dFunctionOptions {
  /** The stride of the convolution this transposes: the output is about stride times larger (default 1). */
  readonly stride?: Size2;
  /** Removes `dilation·(k − 1) − padding` rows and columns of zero padding from each side of the output. */
  readonly padding?: Size2;
  /** Extra size added to one side of the output (less than the stride), to pick among the sizes that stride down to the input's. */
  readonly outputPadding?: Size2;
  /** Split the channels into this many groups, each with its own filters (default 1). */
  readonly groups?: number;
  /** Spacing between the filter's taps (default 1). */
  readonly dilation?: Size2;
}

function pairOf(v: Size2 | undefined, fallback: number, name: string, min: number): [number, number] {
  const p: [number, number] = v === undefined ? [fallback, fallback] : typeof v === 'number' ? [v, v] : Array.isArray(v) && v.length === 2 ? [v[0], v[1]] : [NaN, NaN];
  if (!p.every((x) => Number.isInteger(x) && x >= min)) throw new Error(`convTranspose2d: ${name} must be integers ≥ ${min}, got ${JSON.stringify(v)}.`);
  return p;
}

/**
 * The output size of a transposed convolution along each axis: `(in − 1)·stride − 2·padding + dilation·(k − 1) +
 * outputPadding + 1`.
 *
 * @example
 * ```ts
 * convTranspose2dOutputSize([4, 4], [3, 3], { stride: 2, padding: 1, outputPadding: 1 }); // [8, 8]
 * ```
 */
export function convTranspose2dOutputSize(inputHW: readonly [number, number], kernel: readonly [number, number], opts: ConvTranspose2dFunctionOptions = {}): [number, number] {
  const s = pairOf(opts.stride, 1, 'stride', 1), p = pairOf(opts.padding, 0, 'padding', 0);
  const d = pairOf(opts.dilation, 1, 'dilation', 1), op = pairOf(opts.outputPadding, 0, 'outputPadding', 0);
  return [0, 1].map((i) => (inputHW[i]! - 1) * s[i]! - 2 * p[i]! + d[i]! * (kernel[i]! - 1) + op[i]! + 1) as [number, number];
}

/**
 * 2-d transposed convolution (the gradient of conv2d with respect to its input, sometimes called a deconvolution):
 * input `[N, Cin, H, W]` (or `[Cin, H, W]`), weight `[Cin, Cout / groups, kh, kw]`, optional bias `[Cout]`.
 *
 * @example
 * ```ts
 * convTranspose2d(randn([1, 16, 4, 4]), randn([16, 8, 3, 3]), null, { stride: 2, padding: 1, outputPadding: 1 }).shape; // [1, 8, 8, 8]
 * ```
 */
export function convTranspose2d(input: Tensor, weight: Tensor, bias: Tensor | null = null, opts: ConvTranspose2dFunctionOptions = {}): Tensor {
  const o = checkOptions('convTranspose2d', opts, { stride: 'integer|numbers', padding: 'integer|numbers', outputPadding: 'integer|numbers', groups: 'integer', dilation: 'integer|numbers' });
  if (!(input instanceof Tensor) || (input.ndim !== 3 && input.ndim !== 4)) {
    throw new Error(`convTranspose2d: expected a 3-d (unbatched) or 4-d input [N, C, H, W], got ${input instanceof Tensor ? `shape ${fmtShape(input.shape)}` : typeof input}.`);
  }
  if (!(weight instanceof Tensor) || weight.ndim !== 4) {
    throw new Error(`convTranspose2d: weight must be 4-d [inChannels, outChannels / groups, kh, kw], got ${weight instanceof Tensor ? `shape ${fmtShape(weight.shape)}` : typeof weight}.`);
  }
  if (bias !== null && !(bias instanceof Tensor)) throw new Error(`convTranspose2d: bias must be a Tensor or null, got ${typeof bias}.`);
  const x = input.ndim === 3 ? input.unsqueeze(0) : input;
  const [n, cin, h, w] = x.shape as [number, number, number, number];
  const [wIn, coutG, kh, kw] = weight.shape as [number, number, number, number];
  const groups = o.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new Error(`convTranspose2d: groups must be a positive integer, got ${groups}.`);
  if (cin !== wIn) {
    throw new Error(`convTranspose2d: Given transposed=1, weight of size ${fmtShape(weight.shape)}, expected input${fmtShape(input.shape)} to have ${wIn} channels, but got ${cin} channels instead.`);
  }
  if (cin % groups !== 0) throw new Error(`convTranspose2d: in channels (${cin}) must be divisible by groups (${groups}).`);
  const stride = pairOf(o.stride, 1, 'stride', 1), padding = pairOf(o.padding, 0, 'padding', 0);
  const dilation = pairOf(o.dilation, 1, 'dilation', 1), outputPadding = pairOf(o.outputPadding, 0, 'outputPadding', 0);
  for (let i = 0; i < 2; i++) {
    if (outputPadding[i]! >= stride[i]! && outputPadding[i]! >= dilation[i]!) {
      throw new Error(`convTranspose2d: output padding must be smaller than either stride or dilation, got outputPadding ${fmtShape(outputPadding)}, stride ${fmtShape(stride)} and dilation ${fmtShape(dilation)}.`);
    }
    if (outputPadding[i]! >= stride[i]!) {
      throw new Error(`convTranspose2d: output padding ${fmtShape(outputPadding)} at least the stride ${fmtShape(stride)} (which PyTorch allows when it is below the dilation) is not supported.`);
    }
  }
  const out = convTranspose2dOutputSize([h, w], [kh, kw], { stride, padding, dilation, outputPadding });
  if (out[0] < 1 || out[1] < 1) throw new Error(`convTranspose2d: the output would be ${out[0]}×${out[1]} for input ${fmtShape(input.shape)}: reduce the padding.`);
  const cout = coutG * groups, kk = kh * kw;
  // Per group, the columns Wᵀ·x [Cout/G·kh·kw, H·W], which col2im then sums into the output.
  const wT = weight.reshape([groups, cin / groups, coutG * kk]).transpose(1, 2);
  const cols = wT.matmul(x.reshape([n, groups, cin / groups, h * w])).reshape([n, cout * kk, h * w]);
  let y = fold(cols, out, [kh, kw], { stride, padding, dilation });
  if (bias !== null) {
    if (bias.ndim !== 1 || bias.shape[0] !== cout) throw new Error(`convTranspose2d: bias must have shape [${cout}], got ${fmtShape(bias.shape)}.`);
    y = y.add(bias.reshape([cout, 1, 1]));
  }
  return input.ndim === 3 ? y.squeeze(0) : y;
}
