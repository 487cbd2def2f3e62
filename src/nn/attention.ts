// Attention: nn.functional.scaledDotProductAttention, the causal mask of nn.Transformer, and
// nn.MultiheadAttention with PyTorch's parameter names (in_proj_weight, in_proj_bias, out_proj.weight, …).
import { noGrad } from '../autograd/grad-mode.js';
import { arange, zeros } from '../creation.js';
import type { DType } from '../dtype.js';
import { isFloating } from '../dtype.js';
import { defaultDevice } from '../kernels/index.js';
import { cat, where } from '../ops/api.generated.js';
import { checkOptions } from '../options.js';
import type { Generator } from '../random.js';
import { fmtShape, sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { calculateFanInAndFanOut, normal_, xavierUniform_ } from './init.js';
import { dropout, linear } from './layer-functions.js';
import { Linear } from './layers.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import '../autograd/record.js';

/** A bool [l, s] tensor, true where column ≤ row (the positions a causal query may attend to). */
function causalKeep(l: number, s: number, device: string): Tensor {
  const rows = arange(0, l, 1, { dtype: 'int32', device }).reshape([l, 1]);
  const cols = arange(0, s, 1, { dtype: 'int32', device }).reshape([1, s]);
  return cols.le(rows);
}

/**
 * The causal attention mask of size `sz` (PyTorch's `nn.Transformer.generate_square_subsequent_mask`): a float
 * `[sz, sz]` tensor with −∞ above the diagonal and 0 on and below it, to add to attention scores.
 *
 * @example
 * ```ts
 * generateSquareSubsequentMask(3);
 * // [[0, -Infinity, -Infinity], [0, 0, -Infinity], [0, 0, 0]]
 * ```
 */
export function generateSquareSubsequentMask(sz: number, opts: { readonly dtype?: 'float32' | 'float64'; readonly device?: string } = {}): Tensor {
  if (!Number.isInteger(sz) || sz < 0) throw new Error(`generateSquareSubsequentMask: sz must be a non-negative integer, got ${sz}.`);
  const o = checkOptions('generateSquareSubsequentMask', opts, { dtype: ['float32', 'float64'], device: 'string' });
  const keep = causalKeep(sz, sz, o.device ?? defaultDevice().name);
  return where(keep, 0, -Infinity).to(o.dtype ?? 'float32');
}

/** Options of `scaledDotProductAttention`. @example `{ isCausal: true }` */
export interface AttentionOptions {
  /**
   * Bool: true where a query may attend to a key (PyTorch's SDPA convention); or float: added to the scores.
   * Broadcasts against `[..., L, S]`.
   */
  readonly attnMask?: Tensor | null;
  /** Dropout probability on the attention weights (applied whenever > 0, as PyTorch's function does). */
  readonly dropoutP?: number;
  /** Mask out keys after each query (top-left aligned); not together with attnMask. */
  readonly isCausal?: boolean;
  /** Score scale (default 1/√E, E the query's last dim). */
  readonly scale?: number | null;
  /** Draw the dropout mask from this generator. */
  readonly generator?: Generator;
}

function floatTensor(t: unknown, op: string, what: string): Tensor {
  if (!(t instanceof Tensor)) throw new Error(`${op}: ${what} must be a Tensor, got ${t === null ? 'null' : typeof t}.`);
  if (!isFloating(t.dtype)) throw new Error(`${op}: ${what} must be floating point (float32 or float64), got dtype ${t.dtype}.`);
  return t;
}

/**
 * Scaled dot-product attention, `softmax(q·kᵀ·scale + mask) · v`, over any leading batch dims: query
 * `[..., L, E]`, key `[..., S, E]`, value `[..., S, Ev]` → `[..., L, Ev]`. A row whose keys are all masked gives
 * NaN, as in PyTorch.
 *
 * @example
 * ```ts
 * scaledDotProductAttention(q, k, v, { isCausal: true }); // q, k, v [batch, heads, T, headDim]
 * ```
 */
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, opts: AttentionOptions = {}): Tensor {
  const op = 'scaledDotProductAttention';
  const o = checkOptions(op, opts, { attnMask: 'tensor|null', dropoutP: 'number', isCausal: 'boolean', scale: 'number|null', generator: 'generator' });
  const q = floatTensor(query, op, 'query'), k = floatTensor(key, op, 'key'), v = floatTensor(value, op, 'value');
  if (q.ndim < 2 || k.ndim < 2 || v.ndim < 2) throw new Error(`${op}: query, key and value must have at least 2 dims [..., seq, features], got ${fmtShape(q.shape)}, ${fmtShape(k.shape)}, ${fmtShape(v.shape)}.`);
  const e = q.shape[q.ndim - 1]!, l = q.shape[q.ndim - 2]!, s = k.shape[k.ndim - 2]!;
  if (k.shape[k.ndim - 1] !== e) throw new Error(`${op}: the key's last dim (${k.shape[k.ndim - 1]}) must equal the query's (${e}); got query ${fmtShape(q.shape)} and key ${fmtShape(k.shape)}.`);
  if (v.shape[v.ndim - 2] !== s) throw new Error(`${op}: key and value must have the same sequence length, got key ${fmtShape(k.shape)} and value ${fmtShape(v.shape)}.`);
  if (q.dtype !== k.dtype || q.dtype !== v.dtype) throw new Error(`${op}: query, key and value must have one dtype, got ${q.dtype}, ${k.dtype} and ${v.dtype}.`);
  const p = o.dropoutP ?? 0;
  if (!(p >= 0 && p <= 1)) throw new Error(`${op}: dropoutP must be in [0, 1], got ${p}.`);
  if (o.isCausal && o.attnMask) throw new Error(`${op}: an explicit attnMask should not be set when isCausal is true.`);
  const scale = o.scale ?? 1 / Math.sqrt(e);
  let scores = q.matmul(k.transpose(-2, -1)).mul(scale);
  if (o.isCausal) scores = where(causalKeep(l, s, q.device), scores, -Infinity);
  const mask = o.attnMask;
  if (mask) {
    if (mask.dtype === 'bool') scores = where(mask, scores, -Infinity);
    else if (isFloating(mask.dtype)) scores = scores.add(mask);
    else throw new Error(`${op}: attnMask must be bool (true = attend) or floating point (added to the scores), got dtype ${mask.dtype}.`);
  }
  let weights = scores.softmax(-1);
  if (p > 0) weights = dropout(weights, p, o.generator ? { generator: o.generator } : {});
  return weights.matmul(v);
}

/** Options of `MultiheadAttention`. @example `new nn.MultiheadAttention(64, 4, { batchFirst: true })` */
export interface MultiheadAttentionOptions {
  /** Dropout on the attention weights in training (default 0). */
  readonly dropout?: number;
  /** Learn input and output projection biases (default true). */
  readonly bias?: boolean;
  /** Learn a bias appended to the keys and values along the sequence (default false). */
  readonly addBiasKv?: boolean;
  /** Append a zero key and value along the sequence (default false). */
  readonly addZeroAttn?: boolean;
  /** Features of the key (default embedDim). */
  readonly kdim?: number | null;
  /** Features of the value (default embedDim). */
  readonly vdim?: number | null;
  /** Inputs and outputs are [batch, seq, feature] (default false: [seq, batch, feature]). */
  readonly batchFirst?: boolean;
  /** Parameter dtype (default float32). */
  readonly dtype?: 'float32' | 'float64';
  /** Draw the initial weights and the dropout masks from this generator. */
  readonly generator?: Generator;
}

/** Options of `MultiheadAttention.forward`. @example `{ attnMask: mask, needWeights: false }` */
export interface MultiheadAttentionForwardOptions {
  /** A mask of shape [batch, S]: bool true = ignore that key (padding), or float added to its scores. */
  readonly keyPaddingMask?: Tensor | null;
  /** Return the attention weights (default true). */
  readonly needWeights?: boolean;
  /** A mask of shape [L, S] or [batch·numHeads, L, S]: bool true = not allowed to attend, or float added to the scores. */
  readonly attnMask?: Tensor | null;
  /** Average the returned weights over the heads (default true). */
  readonly averageAttnWeights?: boolean;
  /** Apply a causal mask (when no attnMask is given; with one, the mask is taken as the causal mask). */
  readonly isCausal?: boolean;
}

const slot = (m: Module, name: string): Parameter | null => ((m as unknown as Record<string, Parameter | null | undefined>)[name]) ?? null;

/** A bool or float mask as an additive float mask of `dtype` (bool true → −∞). */
function additive(mask: Tensor, dtype: DType, what: string): Tensor {
  if (mask.dtype === 'bool') return where(mask, -Infinity, 0).to(dtype);
  if (isFloating(mask.dtype)) return mask.dtype === dtype ? mask : mask.to(dtype);
  throw new Error(`MultiheadAttention: only bool and floating types of ${what} are supported, got dtype ${mask.dtype}.`);
}

/** `t` with a zero column appended along the last dim. */
const padColumn = (t: Tensor): Tensor => cat([t, zeros([...t.shape.slice(0, -1), 1], { dtype: t.dtype, device: t.device })], -1);

/**
 * Multi-head attention (PyTorch's `nn.MultiheadAttention`): `forward(query, key, value, opts)` returns
 * `[output, weights]`, the weights averaged over heads (`[batch, L, S]`) unless `averageAttnWeights: false`
 * (`[batch, heads, L, S]`), or null with `needWeights: false`. Parameters are named as in PyTorch
 * (`in_proj_weight`, `in_proj_bias`, `out_proj.weight`, `out_proj.bias`; `q_proj_weight`, … when kdim or vdim
 * differ; `bias_k`, `bias_v`), and are also properties in camelCase (`inProjWeight`, `outProj`, …).
 *
 * @example
 * ```ts
 * const mha = new nn.MultiheadAttention(16, 4, { batchFirst: true });
 * const [out, w] = mha.forward(x, x, x, { attnMask: nn.generateSquareSubsequentMask(10) }); // x [2, 10, 16]
 * ```
 */
export class MultiheadAttention extends Module {
  /** The model's width: the size of the queries and of the output. */
  readonly embedDim: number;
  /** The number of heads, each attending over `headDim` = embedDim / numHeads features. */
  readonly numHeads: number;
  /** Features per head, embedDim / numHeads. */
  readonly headDim: number;
  /** The keys' feature size (default embedDim). */
  readonly kdim: number;
  /** The values' feature size (default embedDim). */
  readonly vdim: number;
  /** The dropout probability on the attention weights in training (default 0). */
  readonly dropout: number;
  /** Inputs and outputs are [batch, seq, feature] (else [seq, batch, feature], the default). */
  readonly batchFirst: boolean;
  /** A batch of zeros is appended to the keys and values (default false). */
  readonly addZeroAttn: boolean;
  readonly #generator: Generator | undefined;

  constructor(embedDim: number, numHeads: number, opts: MultiheadAttentionOptions = {}) {
    super();
    const o = checkOptions('MultiheadAttention', opts, {
      dropout: 'number', bias: 'boolean', addBiasKv: 'boolean', addZeroAttn: 'boolean', kdim: 'integer|null', vdim: 'integer|null',
      batchFirst: 'boolean', dtype: ['float32', 'float64'], generator: 'generator',
    });
    if (!Number.isInteger(embedDim) || embedDim < 1) throw new Error(`MultiheadAttention: embedDim must be a positive integer, got ${embedDim}.`);
    if (!Number.isInteger(numHeads) || numHeads < 1) throw new Error(`MultiheadAttention: numHeads must be a positive integer, got ${numHeads}.`);
    if (embedDim % numHeads !== 0) throw new Error(`MultiheadAttention: embedDim (${embedDim}) must be divisible by numHeads (${numHeads}).`);
    this.embedDim = embedDim;
    this.numHeads = numHeads;
    this.headDim = embedDim / numHeads;
    this.kdim = o.kdim ?? embedDim;
    this.vdim = o.vdim ?? embedDim;
    this.dropout = o.dropout ?? 0;
    if (!(this.dropout >= 0 && this.dropout <= 1)) throw new Error(`MultiheadAttention: dropout must be in [0, 1], got ${this.dropout}.`);
    this.batchFirst = o.batchFirst ?? false;
    this.addZeroAttn = o.addZeroAttn ?? false;
    this.#generator = o.generator;
    const dtype: DType = o.dtype ?? 'float32';
    const init = o.generator ? { generator: o.generator } : {};
    const bias = o.bias ?? true;
    if (this.kdim === embedDim && this.vdim === embedDim) {
      this.registerParameter('in_proj_weight', new Parameter(xavierUniform_(zeros([3 * embedDim, embedDim], { dtype }), 1, init)));
    } else {
      this.registerParameter('q_proj_weight', new Parameter(xavierUniform_(zeros([embedDim, embedDim], { dtype }), 1, init)));
      this.registerParameter('k_proj_weight', new Parameter(xavierUniform_(zeros([embedDim, this.kdim], { dtype }), 1, init)));
      this.registerParameter('v_proj_weight', new Parameter(xavierUniform_(zeros([embedDim, this.vdim], { dtype }), 1, init)));
    }
    this.registerParameter('in_proj_bias', bias ? new Parameter(zeros([3 * embedDim], { dtype })) : null);
    const outProj = new Linear(embedDim, embedDim, { bias, dtype, ...init });
    if (outProj.bias) noGrad(() => outProj.bias!.zero_());
    this.registerModule('out_proj', outProj);
    if (o.addBiasKv) {
      for (const name of ['bias_k', 'bias_v']) {
        const t = zeros([1, 1, embedDim], { dtype });
        const { fanIn, fanOut } = calculateFanInAndFanOut(t);
        this.registerParameter(name, new Parameter(normal_(t, 0, Math.sqrt(2 / (fanIn + fanOut)), init)));
      }
    }
  }

  /** The packed query/key/value projection `in_proj_weight` [3·embedDim, embedDim] (null when kdim or vdim differ). */
  get inProjWeight(): Parameter | null {
    return slot(this, 'in_proj_weight');
  }

  /** The projection biases `in_proj_bias` [3·embedDim], or null without bias. */
  get inProjBias(): Parameter | null {
    return slot(this, 'in_proj_bias');
  }

  /** `q_proj_weight` (only when kdim or vdim differ from embedDim). */
  get qProjWeight(): Parameter | null {
    return slot(this, 'q_proj_weight');
  }

  /** `k_proj_weight` (only when kdim or vdim differ from embedDim). */
  get kProjWeight(): Parameter | null {
    return slot(this, 'k_proj_weight');
  }

  /** `v_proj_weight` (only when kdim or vdim differ from embedDim). */
  get vProjWeight(): Parameter | null {
    return slot(this, 'v_proj_weight');
  }

  /** `bias_k` [1, 1, embedDim] with addBiasKv, else null. */
  get biasK(): Parameter | null {
    return slot(this, 'bias_k');
  }

  /** `bias_v` [1, 1, embedDim] with addBiasKv, else null. */
  get biasV(): Parameter | null {
    return slot(this, 'bias_v');
  }

  /** The output projection `out_proj` (a Linear). */
  get outProj(): Linear {
    return (this as unknown as { out_proj: Linear }).out_proj;
  }

  /**
   * Attend from `query` to `key`/`value`: `[L, N, E]` (or `[N, L, E]` with batchFirst, or unbatched `[L, E]`).
   *
   * @example
   * ```ts
   * const [out, weights] = mha.forward(q, k, v, { keyPaddingMask });
   * ```
   */
  override forward(query: Tensor, key: Tensor, value: Tensor, opts: MultiheadAttentionForwardOptions = {}): [Tensor, Tensor | null] {
    const op = 'MultiheadAttention';
    const o = checkOptions(op, opts, { keyPaddingMask: 'tensor|null', needWeights: 'boolean', attnMask: 'tensor|null', averageAttnWeights: 'boolean', isCausal: 'boolean' });
    floatTensor(query, op, 'query');
    floatTensor(key, op, 'key');
    floatTensor(value, op, 'value');
    if (query.ndim !== 2 && query.ndim !== 3) throw new Error(`${op}: query should be unbatched 2D or batched 3D tensor but received ${query.ndim}-D query tensor (shape ${fmtShape(query.shape)}).`);
    if (key.ndim !== query.ndim || value.ndim !== query.ndim) {
      throw new Error(`${op}: for ${query.ndim === 3 ? 'batched (3-D)' : 'unbatched (2-D)'} query, expected key and value to be ${query.ndim}-D, but found ${key.ndim}-D and ${value.ndim}-D tensors respectively.`);
    }
    const batched = query.ndim === 3;
    let q = query, k = key, v = value;
    let kpm = o.keyPaddingMask ?? null;
    if (batched && this.batchFirst) {
      q = q.transpose(0, 1);
      k = k.transpose(0, 1);
      v = v.transpose(0, 1);
    }
    if (!batched) {
      q = q.unsqueeze(1);
      k = k.unsqueeze(1);
      v = v.unsqueeze(1);
      if (kpm) kpm = kpm.unsqueeze(0);
    }
    const [l, n, e] = q.shape as [number, number, number];
    const h = this.numHeads, hd = this.headDim;
    if (e !== this.embedDim) throw new Error(`${op}: was expecting embedding dimension of ${this.embedDim}, but got ${e} (query ${fmtShape(query.shape)}).`);
    if (k.shape[2] !== this.kdim || v.shape[2] !== this.vdim) throw new Error(`${op}: expected key features ${this.kdim} and value features ${this.vdim}, got key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)}.`);
    if (k.shape[0] !== v.shape[0] || k.shape[1] !== n || v.shape[1] !== n) {
      throw new Error(`${op}: key ${fmtShape(key.shape)} and value ${fmtShape(value.shape)} must have the same sequence length, and the query's batch size (${n}).`);
    }
    if (kpm && !sameShape(kpm.shape, [n, k.shape[0]!])) {
      throw new Error(`${op}: expected keyPaddingMask of shape [${n}, ${k.shape[0]}] (batch, source length), but got ${fmtShape(o.keyPaddingMask!.shape)}.`);
    }
    const dtype = q.dtype;
    // Input projections.
    const b = this.inProjBias;
    const bPart = (i: number): Tensor | null => (b === null ? null : b.narrow(0, i * e, e));
    const w = this.inProjWeight;
    const wq = w ? w.narrow(0, 0, e) : this.qProjWeight!, wk = w ? w.narrow(0, e, e) : this.kProjWeight!, wv = w ? w.narrow(0, 2 * e, e) : this.vProjWeight!;
    let qp = linear(q, wq, bPart(0)), kp = linear(k, wk, bPart(1)), vp = linear(v, wv, bPart(2));
    // The attention mask, as floats to add.
    let mask: Tensor | null = null;
    if (o.attnMask) {
      const m = o.attnMask;
      const s0 = k.shape[0]!;
      if (m.ndim === 2 ? !sameShape(m.shape, [l, s0]) : m.ndim === 3 ? !sameShape(m.shape, [n * h, l, s0]) : true) {
        throw new Error(`${op}: the shape of the attnMask is ${fmtShape(m.shape)}, but should be [${l}, ${s0}] (2-D) or [${n * h}, ${l}, ${s0}] (3-D: batch·numHeads, L, S).`);
      }
      mask = additive(m, dtype, 'attnMask');
    } else if (o.isCausal) {
      mask = where(causalKeep(l, k.shape[0]!, q.device), 0, -Infinity).to(dtype);
    }
    const biasK = this.biasK, biasV = this.biasV;
    if (biasK && biasV) {
      kp = cat([kp, biasK.expand([1, n, e])], 0);
      vp = cat([vp, biasV.expand([1, n, e])], 0);
      if (mask) mask = padColumn(mask);
      if (kpm) kpm = padColumn(additive(kpm, dtype, 'keyPaddingMask'));
    }
    // Heads: [seq, n, e] → [n·h, seq, hd].
    const heads = (t: Tensor): Tensor => t.reshape([t.shape[0]!, n * h, hd]).transpose(0, 1);
    let qh = heads(qp), kh = heads(kp), vh = heads(vp);
    if (this.addZeroAttn) {
      const z = zeros([n * h, 1, hd], { dtype, device: q.device });
      kh = cat([kh, z], 1);
      vh = cat([vh, z], 1);
      if (mask) mask = padColumn(mask);
      if (kpm) kpm = padColumn(additive(kpm, dtype, 'keyPaddingMask'));
    }
    const s = kh.shape[1]!;
    if (kpm) {
      const pad = additive(kpm, dtype, 'keyPaddingMask').reshape([n, 1, 1, s]).expand([n, h, 1, s]).reshape([n * h, 1, s]);
      mask = mask ? mask.add(pad) : pad;
    }
    let scores = qh.mul(1 / Math.sqrt(hd)).matmul(kh.transpose(1, 2));
    if (mask) scores = scores.add(mask);
    let weights = scores.softmax(-1);
    const p = this.training ? this.dropout : 0;
    if (p > 0) weights = dropout(weights, p, this.#generator ? { generator: this.#generator } : {});
    const attended = weights.matmul(vh).transpose(0, 1).reshape([l, n, e]);
    let out = this.outProj.forward(attended);
    let avg: Tensor | null = null;
    if (o.needWeights ?? true) {
      avg = weights.reshape([n, h, l, s]);
      if (o.averageAttnWeights ?? true) avg = avg.mean(1);
      if (!batched) avg = avg.squeeze(0);
    }
    if (!batched) out = out.squeeze(1);
    else if (this.batchFirst) out = out.transpose(0, 1);
    return [out, avg];
  }

  override extraRepr(): string {
    return `embedDim=${this.embedDim}, numHeads=${this.numHeads}${this.dropout ? `, dropout=${this.dropout}` : ''}${this.batchFirst ? ', batchFirst=true' : ''}`;
  }
}
