// Random sampling from distributions given by tensors: normal, bernoulli and multinomial, drawing from a
// Generator (the default one unless the `generator` option names another). Like creation, the draws happen on
// the host; normal and bernoulli then combine them with their parameters through ordinary ops.
import { noGrad, isGradEnabled } from './autograd/grad-mode.js';
import { rand, randn, type RandomOptions } from './creation.js';
import { isFloating, type DType } from './dtype.js';
import { describe, zerosOn } from './ops/buffers.js';
import { checkOptions } from './options.js';
import { defaultGenerator, Generator } from './random.js';
import { broadcastShapes, fmtShape } from './shape.js';
import { Tensor } from './tensor.js';
// Sampling makes tensors, and every tensor has the op methods: load them with it.
import { where } from './ops/api.generated.js';

const SAMPLE_KEYS = { generator: 'generator' } as const;
const RANDOM_KEYS = { dtype: 'dtype', requiresGrad: 'boolean', device: 'string', generator: 'generator' } as const;

/** Options of the sampling functions that take their shape and dtype from tensors: only the generator. */
export interface SampleOptions {
  /** The generator to draw from (default: the global one that `manualSeed` seeds). */
  readonly generator?: Generator;
}

/**
 * `sample` computed without a graph; when a parameter requires grad (and grad mode is on), the result requires
 * grad too, with a zero gradient to each parameter, as PyTorch's normal and bernoulli have (they are not
 * reparameterised: use `mean.add(std.mul(randnLike(std)))` for a pathwise gradient).
 */
function zeroGradSample(params: readonly Tensor[], sample: () => Tensor): Tensor {
  const out = noGrad(sample);
  const tracked = params.filter((p) => p.requiresGrad);
  if (tracked.length === 0 || !isGradEnabled()) return out;
  // where(false, p, out) is out, and sends p a zero gradient.
  const never = zerosOn(out.storage.device, 'bool', out.shape);
  const anchor = tracked.length === 1 ? tracked[0]! : tracked.reduce((a, b) => a.add(b));
  return where(never, anchor, out);
}

function floatParam(v: number | Tensor, name: string, op: string): void {
  if (v instanceof Tensor) {
    if (!isFloating(v.dtype)) throw new Error(`${op}: ${name} must be a floating point tensor, got ${v.dtype} (as in PyTorch); convert it with .to('float32').`);
  } else if (typeof v !== 'number') {
    throw new Error(`${op}: ${name} must be a number or a Tensor, got ${describe(v)}.`);
  }
}

/**
 * Normal samples with mean `mean` and standard deviation `std`, each a number or a tensor (broadcast together,
 * giving the shape and dtype); with two numbers, `size` gives the shape. std must be ≥ 0. The gradient toward
 * mean and std is zero, as in PyTorch.
 *
 * @example
 * ```ts
 * normal(0, 1, [2, 3], { generator: new Generator(0) });
 * normal(mu, sigma); // one sample per element of mu and sigma
 * ```
 */
export function normal(mean: number | Tensor, std: number | Tensor, size?: readonly number[] | SampleOptions, opts?: RandomOptions): Tensor {
  floatParam(mean, 'mean', 'normal');
  floatParam(std, 'std', 'normal');
  if (!(mean instanceof Tensor) && !(std instanceof Tensor)) {
    if (!Array.isArray(size)) throw new Error('normal: with a number mean and std, give the shape, e.g. normal(0, 1, [2, 3]).');
    const o = checkOptions('normal', opts, RANDOM_KEYS);
    if (!(std >= 0)) throw new Error(`normal: expects std >= 0.0, but found std ${std}.`);
    const z = randn(size as number[], { ...o, requiresGrad: false });
    const out = noGrad(() => z.mul(std).add(mean));
    if (o.requiresGrad) out.requiresGrad = true;
    return out;
  }
  if (Array.isArray(size)) throw new Error('normal: a shape is only taken with a number mean and std; with a tensor mean or std the shape is theirs.');
  if (opts !== undefined) throw new Error('normal: with a tensor mean or std, the only options are { generator }, given third.');
  const o = checkOptions('normal', size as SampleOptions | undefined, SAMPLE_KEYS);
  const like = (mean instanceof Tensor ? mean : std) as Tensor;
  const m = mean instanceof Tensor ? mean : null, s = std instanceof Tensor ? std : null;
  if (s !== null && noGrad(() => s.lt(0).to('int32').sum().item()) > 0) {
    throw new Error(`normal: expects all elements of std >= 0.0 (std has shape ${fmtShape(s.shape)}).`);
  }
  if (typeof std === 'number' && !(std >= 0)) throw new Error(`normal: expects std >= 0.0, but found std ${std}.`);
  const shape = broadcastShapes(m?.shape ?? [], s?.shape ?? [], 'normal');
  const dtype: DType = m && s ? (m.dtype === 'float64' || s.dtype === 'float64' ? 'float64' : 'float32') : like.dtype;
  return zeroGradSample([m, s].filter((t): t is Tensor => t !== null), () => {
    const z = randn(shape, { dtype, device: like.device, ...(o.generator ? { generator: o.generator } : {}) });
    return z.mul(std).add(mean);
  });
}

/**
 * 0/1 samples, 1 with probability `input` (each element in [0, 1]), in `input`'s shape and dtype; with `p`, every
 * element has probability `p` instead. The gradient toward `input` is zero, as in PyTorch.
 *
 * @example
 * ```ts
 * bernoulli(probs);
 * bernoulli(x, 0.3, { generator: g }); // x's shape and dtype, each 1 with probability 0.3
 * ```
 */
export function bernoulli(input: Tensor, p?: number | SampleOptions, opts?: SampleOptions): Tensor {
  if (!(input instanceof Tensor)) throw new Error(`bernoulli: expected a Tensor, got ${describe(input)}.`);
  if (!isFloating(input.dtype)) throw new Error(`bernoulli: "bernoulli" is not implemented for ${input.dtype} tensors (as in PyTorch); give probabilities as a float tensor.`);
  const [prob, o] = typeof p === 'number' ? [p, checkOptions('bernoulli', opts, SAMPLE_KEYS)] : [null, checkOptions('bernoulli', p, SAMPLE_KEYS)];
  if (prob !== null) {
    if (!(prob >= 0 && prob <= 1)) throw new Error(`bernoulli: p must be in [0, 1], got ${prob}.`);
  } else if (noGrad(() => input.ge(0).logicalAnd(input.le(1)).logicalNot().to('int32').sum().item()) > 0) {
    throw new Error(`bernoulli: every probability must be in [0, 1] (PyTorch: Expected p_in >= 0 && p_in <= 1); the input of shape ${fmtShape(input.shape)} has elements outside (or NaN).`);
  }
  return zeroGradSample([input], () => {
    const u = rand(input.shape, { dtype: 'float64', device: input.device, ...(o.generator ? { generator: o.generator } : {}) });
    return u.lt(prob ?? input).to(input.dtype);
  });
}

/** Options of `multinomial`. */
export interface MultinomialOptions extends SampleOptions {
  /** Draw with replacement (each draw from the full distribution). Default false. */
  readonly replacement?: boolean;
}

/**
 * `numSamples` category indices (int32) per row of `input`, a 1-d or 2-d tensor of non-negative weights (each row
 * normalised, not necessarily summing to 1). Without replacement (the default) a category is drawn at most once:
 * numSamples must not exceed the number of categories, and once the categories of nonzero weight are used up,
 * the zero-weight ones follow (as in PyTorch). `replacement` may be given third, as PyTorch users do.
 *
 * @example
 * ```ts
 * multinomial(probs, 1);                          // one index per row
 * multinomial(weights, 10, true);                 // with replacement
 * multinomial(weights, 3, { generator: g });      // three distinct categories
 * ```
 */
export function multinomial(input: Tensor, numSamples: number, replacement?: boolean | MultinomialOptions, opts?: SampleOptions): Tensor {
  if (!(input instanceof Tensor)) throw new Error(`multinomial: expected a Tensor, got ${describe(input)}.`);
  const o = typeof replacement === 'boolean'
    ? { ...checkOptions('multinomial', opts, SAMPLE_KEYS), replacement }
    : checkOptions('multinomial', replacement, { ...SAMPLE_KEYS, replacement: 'boolean' });
  if (!isFloating(input.dtype)) throw new Error(`multinomial: only supports floating-point dtypes for input, got ${input.dtype} (as in PyTorch).`);
  if (input.ndim !== 1 && input.ndim !== 2) throw new Error(`multinomial: prob_dist must be 1 or 2 dim, got shape ${fmtShape(input.shape)}.`);
  if (!Number.isInteger(numSamples) || numSamples <= 0) throw new Error(`multinomial: numSamples must be a positive integer, got ${describe(numSamples)}.`);
  const withReplacement = o.replacement ?? false;
  const rows = input.ndim === 1 ? 1 : input.shape[0]!, cats = input.shape[input.ndim - 1]!;
  if (cats === 0) throw new Error('multinomial: the number of categories cannot be 0.');
  if (!withReplacement && numSamples > cats) {
    throw new Error(`multinomial: cannot sample n_sample > prob_dist.size(-1) samples without replacement (${numSamples} > ${cats}); pass replacement: true to draw with replacement.`);
  }
  const w = input.detach().to('float64').data() as Float64Array;
  for (let i = 0; i < w.length; i++) {
    const v = w[i]!;
    if (!(v >= 0 && v < Infinity)) throw new Error('multinomial: probability tensor contains either `inf`, `nan` or element < 0.');
  }
  const g = o.generator ?? defaultGenerator;
  const out = new Int32Array(rows * numSamples);
  for (let r = 0; r < rows; r++) {
    const row = w.subarray(r * cats, (r + 1) * cats);
    const total = row.reduce((a, b) => a + b, 0);
    if (!(total > 0)) throw new Error(`multinomial: invalid multinomial distribution (sum of probabilities <= 0) in row ${r}.`);
    const dst = out.subarray(r * numSamples, (r + 1) * numSamples);
    if (withReplacement) drawWithReplacement(row, dst, g);
    else drawWithoutReplacement(row, dst, g);
  }
  return Tensor.fromHost(out, input.ndim === 1 ? [numSamples] : [rows, numSamples], 'int32', input.storage.device);
}

/** Inverse-CDF draws: the first category whose cumulative weight exceeds u · total (never one of weight 0). */
function drawWithReplacement(row: Float64Array, dst: Int32Array, g: Generator): void {
  const cdf = new Float64Array(row.length);
  let acc = 0, last = 0;
  for (let i = 0; i < row.length; i++) {
    acc += row[i]!;
    cdf[i] = acc;
    if (row[i]! > 0) last = i;
  }
  for (let k = 0; k < dst.length; k++) {
    const u = g.random() * acc;
    let lo = 0, hi = last;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cdf[mid]! > u) hi = mid;
      else lo = mid + 1;
    }
    dst[k] = lo;
  }
}

/**
 * Weighted sampling without replacement as PyTorch does it (the exponential race): each category gets the key
 * w / E with E ~ Exp(1), and the largest keys win, in order; zero weights have key 0 and come last, by index.
 */
function drawWithoutReplacement(row: Float64Array, dst: Int32Array, g: Generator): void {
  const keys = Array.from(row, (w) => {
    let u = 0;
    while (u === 0) u = g.random();
    return w === 0 ? 0 : w / -Math.log(u);
  });
  const order = keys.map((_, i) => i).sort((a, b) => keys[b]! - keys[a]! || a - b);
  for (let k = 0; k < dst.length; k++) dst[k] = order[k]!;
}
