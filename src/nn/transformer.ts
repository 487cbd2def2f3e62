// The transformer layers of torch.nn, with PyTorch's submodule names (self_attn, multihead_attn, linear1, norm1,
// …), so that PyTorch state dicts load as they are; the snake_case children are also camelCase properties.
import { checkOptions } from '../options.js';
import type { Generator } from '../random.js';
import type { Tensor } from '../tensor.js';
import { gelu } from '../ops/api.generated.js';
import { generateSquareSubsequentMask, MultiheadAttention } from './attention.js';
import { Dropout, Linear, ModuleList } from './layers.js';
import { Module } from './module.js';
import { LayerNorm } from './normalization.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import '../autograd/record.js';

/** The feed-forward activation of a transformer layer: 'relu', 'gelu' (exact), or a function. */
export type TransformerActivation = 'relu' | 'gelu' | ((x: Tensor) => Tensor);

/** Options of `TransformerEncoderLayer` and `TransformerDecoderLayer`. @example `{ dimFeedforward: 256, batchFirst: true, normFirst: true }` */
export interface TransformerLayerOptions {
  /** Width of the feed-forward network (default 2048). */
  readonly dimFeedforward?: number;
  /** Dropout probability (default 0.1). */
  readonly dropout?: number;
  /** The feed-forward activation (default 'relu'). */
  readonly activation?: TransformerActivation;
  /** eps of the LayerNorms (default 1e-5). */
  readonly layerNormEps?: number;
  /** Inputs and outputs are [batch, seq, feature] (default false: [seq, batch, feature]). */
  readonly batchFirst?: boolean;
  /** Normalise before attention and feed-forward (pre-LN) rather than after (default false). */
  readonly normFirst?: boolean;
  /** Learn biases in the linear layers and LayerNorms (default true). */
  readonly bias?: boolean;
  /** Parameter dtype (default float32). */
  readonly dtype?: 'float32' | 'float64';
  /** Draw the initial weights and the dropout masks from this generator. */
  readonly generator?: Generator;
}

const LAYER_OPTIONS = {
  dimFeedforward: 'integer', dropout: 'number', activation: ['relu', 'gelu'], layerNormEps: 'number', batchFirst: 'boolean', normFirst: 'boolean',
  bias: 'boolean', dtype: ['float32', 'float64'], generator: 'generator',
} as const;

function layerOptions(layer: string, opts: TransformerLayerOptions): TransformerLayerOptions {
  const { activation, ...rest } = opts;
  if (activation !== undefined && typeof activation !== 'function' && activation !== 'relu' && activation !== 'gelu') {
    throw new Error(`${layer}: activation should be 'relu', 'gelu' or a function, not ${JSON.stringify(activation)}.`);
  }
  checkOptions(layer, rest, LAYER_OPTIONS);
  return opts;
}

function activate(a: TransformerActivation, x: Tensor): Tensor {
  if (a === 'relu') return x.relu();
  if (a === 'gelu') return gelu(x);
  return a(x);
}

const child = <T extends Module>(m: Module, name: string): T => (m as unknown as Record<string, T>)[name]!;

/** The pieces both layer kinds share: the feed-forward network and its norms and dropouts. */
function feedForward(m: Module, dModel: number, o: TransformerLayerOptions): void {
  const dtype = o.dtype ?? 'float32', bias = o.bias ?? true, p = o.dropout ?? 0.1;
  const init = o.generator ? { generator: o.generator } : {};
  const dim = o.dimFeedforward ?? 2048;
  m.registerModule('linear1', new Linear(dModel, dim, { bias, dtype, ...init }));
  m.registerModule('dropout', new Dropout(p, init));
  m.registerModule('linear2', new Linear(dim, dModel, { bias, dtype, ...init }));
}

const norm = (dModel: number, o: TransformerLayerOptions): LayerNorm => new LayerNorm(dModel, { eps: o.layerNormEps ?? 1e-5, bias: o.bias ?? true, dtype: o.dtype ?? 'float32' });
const attention = (dModel: number, nhead: number, o: TransformerLayerOptions): MultiheadAttention =>
  new MultiheadAttention(dModel, nhead, { dropout: o.dropout ?? 0.1, bias: o.bias ?? true, batchFirst: o.batchFirst ?? false, dtype: o.dtype ?? 'float32', ...(o.generator ? { generator: o.generator } : {}) });

/** Options of `TransformerEncoderLayer.forward`. @example `{ srcMask: mask, srcKeyPaddingMask: pad }` */
export interface EncoderLayerForwardOptions {
  /** The attention mask ([L, L] or [batch·heads, L, L]; bool true = blocked, or float added). */
  readonly srcMask?: Tensor | null;
  /** A mask of shape [batch, L]: bool true = padding. */
  readonly srcKeyPaddingMask?: Tensor | null;
  /** Apply a causal mask (when srcMask is not given). */
  readonly isCausal?: boolean;
}

/**
 * A transformer encoder layer (PyTorch's `nn.TransformerEncoderLayer`): self-attention and a feed-forward
 * network, each with a residual connection and a LayerNorm, after (default) or before (`normFirst`) the block.
 * Children: `self_attn` (also `selfAttn`), `linear1`, `dropout`, `linear2`, `norm1`, `norm2`, `dropout1`, `dropout2`.
 *
 * @example
 * ```ts
 * const layer = new nn.TransformerEncoderLayer(32, 4, { dimFeedforward: 64, batchFirst: true });
 * layer.forward(randn([2, 10, 32])).shape; // [2, 10, 32]
 * ```
 */
export class TransformerEncoderLayer extends Module {
  /** The LayerNorms come before each block (pre-norm) instead of after (default false). */
  readonly normFirst: boolean;
  /** Inputs and outputs are [batch, seq, feature] (else [seq, batch, feature], the default). */
  readonly batchFirst: boolean;
  /** The feed-forward network's activation: `'relu'` (default), `'gelu'` or a function. */
  readonly activation: TransformerActivation;
  readonly #config: readonly [number, number, TransformerLayerOptions];

  constructor(dModel: number, nhead: number, opts: TransformerLayerOptions = {}) {
    super();
    const o = layerOptions('TransformerEncoderLayer', opts);
    this.#config = [dModel, nhead, o];
    this.normFirst = o.normFirst ?? false;
    this.batchFirst = o.batchFirst ?? false;
    this.activation = o.activation ?? 'relu';
    const init = o.generator ? { generator: o.generator } : {};
    this.registerModule('self_attn', attention(dModel, nhead, o));
    feedForward(this, dModel, o);
    this.registerModule('norm1', norm(dModel, o));
    this.registerModule('norm2', norm(dModel, o));
    this.registerModule('dropout1', new Dropout(o.dropout ?? 0.1, init));
    this.registerModule('dropout2', new Dropout(o.dropout ?? 0.1, init));
  }

  /** The self-attention (`self_attn`). */
  get selfAttn(): MultiheadAttention {
    return child(this, 'self_attn');
  }

  /** A fresh layer with the same configuration, parameters (copied, not shared) and mode: what TransformerEncoder stacks. */
  clone(): TransformerEncoderLayer {
    const copy = new TransformerEncoderLayer(...this.#config);
    copy.loadStateDict(this.stateDict());
    return copy.train(this.training);
  }

  #saBlock(x: Tensor, mask: Tensor | null, kpm: Tensor | null, isCausal: boolean): Tensor {
    const [out] = this.selfAttn.forward(x, x, x, { attnMask: mask, keyPaddingMask: kpm, needWeights: false, isCausal });
    return child<Dropout>(this, 'dropout1').forward(out);
  }

  #ffBlock(x: Tensor): Tensor {
    const h = child<Dropout>(this, 'dropout').forward(activate(this.activation, child<Linear>(this, 'linear1').forward(x)));
    return child<Dropout>(this, 'dropout2').forward(child<Linear>(this, 'linear2').forward(h));
  }

  /** Encode `src` [L, N, E] (or [N, L, E] with batchFirst). @example `layer.forward(src, { srcMask })` */
  override forward(src: Tensor, opts: EncoderLayerForwardOptions = {}): Tensor {
    const o = checkOptions('TransformerEncoderLayer', opts, { srcMask: 'tensor|null', srcKeyPaddingMask: 'tensor|null', isCausal: 'boolean' });
    const n1 = child<LayerNorm>(this, 'norm1'), n2 = child<LayerNorm>(this, 'norm2');
    const mask = o.srcMask ?? null, kpm = o.srcKeyPaddingMask ?? null, causal = o.isCausal ?? false;
    let x = src;
    if (this.normFirst) {
      x = x.add(this.#saBlock(n1.forward(x), mask, kpm, causal));
      x = x.add(this.#ffBlock(n2.forward(x)));
    } else {
      x = n1.forward(x.add(this.#saBlock(x, mask, kpm, causal)));
      x = n2.forward(x.add(this.#ffBlock(x)));
    }
    return x;
  }
}

/** Options of `TransformerDecoderLayer.forward`. @example `{ tgtMask: nn.generateSquareSubsequentMask(T) }` */
export interface DecoderLayerForwardOptions {
  /** The self-attention mask ([T, T] or [batch·heads, T, T]; bool true = blocked, or float added to the scores). */
  readonly tgtMask?: Tensor | null;
  /** The cross-attention mask ([T, S] or [batch·heads, T, S]; bool true = blocked, or float added to the scores). */
  readonly memoryMask?: Tensor | null;
  /** A mask of shape [batch, T]: bool true = that target position is padding. */
  readonly tgtKeyPaddingMask?: Tensor | null;
  /** A mask of shape [batch, S]: bool true = that memory position is padding. */
  readonly memoryKeyPaddingMask?: Tensor | null;
  /** Apply a causal mask to the self-attention (when tgtMask is not given). */
  readonly tgtIsCausal?: boolean;
  /** Apply a causal mask to the cross-attention (when memoryMask is not given). */
  readonly memoryIsCausal?: boolean;
}

const DECODER_FORWARD = {
  tgtMask: 'tensor|null', memoryMask: 'tensor|null', tgtKeyPaddingMask: 'tensor|null', memoryKeyPaddingMask: 'tensor|null',
  tgtIsCausal: 'boolean', memoryIsCausal: 'boolean',
} as const;

/**
 * A transformer decoder layer (PyTorch's `nn.TransformerDecoderLayer`): self-attention, attention over the
 * encoder's `memory`, and a feed-forward network, each with a residual connection and a LayerNorm. Children:
 * `self_attn`, `multihead_attn` (also `selfAttn`, `multiheadAttn`), `linear1`, `dropout`, `linear2`, `norm1`–`norm3`,
 * `dropout1`–`dropout3`.
 *
 * @example
 * ```ts
 * const layer = new nn.TransformerDecoderLayer(32, 4, { dimFeedforward: 64 });
 * layer.forward(randn([7, 2, 32]), randn([10, 2, 32])).shape; // [7, 2, 32]
 * ```
 */
export class TransformerDecoderLayer extends Module {
  /** The LayerNorms come before each block (pre-norm) instead of after (default false). */
  readonly normFirst: boolean;
  /** Inputs and outputs are [batch, seq, feature] (else [seq, batch, feature], the default). */
  readonly batchFirst: boolean;
  /** The feed-forward network's activation: `'relu'` (default), `'gelu'` or a function. */
  readonly activation: TransformerActivation;
  readonly #config: readonly [number, number, TransformerLayerOptions];

  constructor(dModel: number, nhead: number, opts: TransformerLayerOptions = {}) {
    super();
    const o = layerOptions('TransformerDecoderLayer', opts);
    this.#config = [dModel, nhead, o];
    this.normFirst = o.normFirst ?? false;
    this.batchFirst = o.batchFirst ?? false;
    this.activation = o.activation ?? 'relu';
    const init = o.generator ? { generator: o.generator } : {};
    this.registerModule('self_attn', attention(dModel, nhead, o));
    this.registerModule('multihead_attn', attention(dModel, nhead, o));
    feedForward(this, dModel, o);
    for (const name of ['norm1', 'norm2', 'norm3']) this.registerModule(name, norm(dModel, o));
    for (const name of ['dropout1', 'dropout2', 'dropout3']) this.registerModule(name, new Dropout(o.dropout ?? 0.1, init));
  }

  /** The self-attention (`self_attn`). */
  get selfAttn(): MultiheadAttention {
    return child(this, 'self_attn');
  }

  /** The attention over the memory (`multihead_attn`). */
  get multiheadAttn(): MultiheadAttention {
    return child(this, 'multihead_attn');
  }

  /** A fresh layer with the same configuration, parameters (copied, not shared) and mode: what TransformerDecoder stacks. */
  clone(): TransformerDecoderLayer {
    const copy = new TransformerDecoderLayer(...this.#config);
    copy.loadStateDict(this.stateDict());
    return copy.train(this.training);
  }

  #ffBlock(x: Tensor): Tensor {
    const h = child<Dropout>(this, 'dropout').forward(activate(this.activation, child<Linear>(this, 'linear1').forward(x)));
    return child<Dropout>(this, 'dropout3').forward(child<Linear>(this, 'linear2').forward(h));
  }

  /** Decode `tgt` [T, N, E] attending to `memory` [S, N, E] (batch first with batchFirst). @example `layer.forward(tgt, memory, { tgtMask })` */
  override forward(tgt: Tensor, memory: Tensor, opts: DecoderLayerForwardOptions = {}): Tensor {
    const o = checkOptions('TransformerDecoderLayer', opts, DECODER_FORWARD);
    const [n1, n2, n3] = ['norm1', 'norm2', 'norm3'].map((k) => child<LayerNorm>(this, k)) as [LayerNorm, LayerNorm, LayerNorm];
    const sa = (x: Tensor): Tensor => child<Dropout>(this, 'dropout1').forward(
      this.selfAttn.forward(x, x, x, { attnMask: o.tgtMask ?? null, keyPaddingMask: o.tgtKeyPaddingMask ?? null, needWeights: false, isCausal: o.tgtIsCausal ?? false })[0]);
    const mha = (x: Tensor): Tensor => child<Dropout>(this, 'dropout2').forward(
      this.multiheadAttn.forward(x, memory, memory, { attnMask: o.memoryMask ?? null, keyPaddingMask: o.memoryKeyPaddingMask ?? null, needWeights: false, isCausal: o.memoryIsCausal ?? false })[0]);
    let x = tgt;
    if (this.normFirst) {
      x = x.add(sa(n1.forward(x)));
      x = x.add(mha(n2.forward(x)));
      x = x.add(this.#ffBlock(n3.forward(x)));
    } else {
      x = n1.forward(x.add(sa(x)));
      x = n2.forward(x.add(mha(x)));
      x = n3.forward(x.add(this.#ffBlock(x)));
    }
    return x;
  }
}

function checkLayers(layer: string, numLayers: number): void {
  if (!Number.isInteger(numLayers) || numLayers < 1) throw new Error(`${layer}: numLayers must be a positive integer, got ${numLayers}.`);
}

/** Options of `TransformerEncoder.forward`. @example `{ mask, srcKeyPaddingMask }` */
export interface EncoderForwardOptions {
  /** The attention mask for every layer ([S, S] or [batch·heads, S, S]; bool true = blocked, or float added to the scores). */
  readonly mask?: Tensor | null;
  /** A mask of shape [batch, S]: bool true = padding. */
  readonly srcKeyPaddingMask?: Tensor | null;
  /** Apply a causal mask (when mask is not given). */
  readonly isCausal?: boolean;
}

/**
 * A stack of `numLayers` copies of `encoderLayer` (each starting from its parameters, as PyTorch deep-copies it),
 * then an optional final `norm`. Children: `layers` (`layers.0.self_attn.in_proj_weight`, …) and `norm`.
 *
 * @example
 * ```ts
 * const enc = new nn.TransformerEncoder(new nn.TransformerEncoderLayer(32, 4, { dimFeedforward: 64 }), 2);
 * enc.forward(randn([10, 2, 32]), { mask: nn.generateSquareSubsequentMask(10) });
 * ```
 */
export class TransformerEncoder extends Module {
  /** The number of layers. */
  readonly numLayers: number;
  /** The layers, copies of the given one (the child `layers`). */
  readonly layers: ModuleList;
  /** The final normalisation (the child `norm`), or null. */
  readonly norm: Module | null;

  constructor(encoderLayer: TransformerEncoderLayer, numLayers: number, opts: { readonly norm?: Module | null; readonly enableNestedTensor?: boolean } = {}) {
    super();
    if (!(encoderLayer instanceof TransformerEncoderLayer)) throw new Error('TransformerEncoder: encoderLayer must be a TransformerEncoderLayer.');
    checkLayers('TransformerEncoder', numLayers);
    const o = checkOptions('TransformerEncoder', opts, { norm: 'object|null', enableNestedTensor: 'boolean' });
    this.numLayers = numLayers;
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => encoderLayer.clone()));
    this.norm = (o.norm as Module | undefined) ?? null;
  }

  /** Run every layer, then the norm; `opts.mask` and the padding mask go to every layer. */
  override forward(src: Tensor, opts: EncoderForwardOptions = {}): Tensor {
    const o = checkOptions('TransformerEncoder', opts, { mask: 'tensor|null', srcKeyPaddingMask: 'tensor|null', isCausal: 'boolean' });
    let x = src;
    for (const layer of this.layers) {
      x = (layer as TransformerEncoderLayer).forward(x, { srcMask: o.mask ?? null, srcKeyPaddingMask: o.srcKeyPaddingMask ?? null, isCausal: o.isCausal ?? false });
    }
    return this.norm ? (this.norm as LayerNorm).forward(x) : x;
  }
}

/**
 * A stack of `numLayers` copies of `decoderLayer`, then an optional final `norm`.
 *
 * @example
 * ```ts
 * const dec = new nn.TransformerDecoder(new nn.TransformerDecoderLayer(32, 4), 2);
 * dec.forward(tgt, memory, { tgtMask: nn.generateSquareSubsequentMask(tgt.shape[0]) });
 * ```
 */
export class TransformerDecoder extends Module {
  /** The number of layers. */
  readonly numLayers: number;
  /** The layers, copies of the given one (the child `layers`). */
  readonly layers: ModuleList;
  /** The final normalisation (the child `norm`), or null. */
  readonly norm: Module | null;

  constructor(decoderLayer: TransformerDecoderLayer, numLayers: number, opts: { readonly norm?: Module | null } = {}) {
    super();
    if (!(decoderLayer instanceof TransformerDecoderLayer)) throw new Error('TransformerDecoder: decoderLayer must be a TransformerDecoderLayer.');
    checkLayers('TransformerDecoder', numLayers);
    const o = checkOptions('TransformerDecoder', opts, { norm: 'object|null' });
    this.numLayers = numLayers;
    this.layers = new ModuleList(Array.from({ length: numLayers }, () => decoderLayer.clone()));
    this.norm = (o.norm as Module | undefined) ?? null;
  }

  /** Run every layer, then the norm. @example `dec.forward(tgt, memory, { tgtMask })` */
  override forward(tgt: Tensor, memory: Tensor, opts: DecoderLayerForwardOptions = {}): Tensor {
    const o = checkOptions('TransformerDecoder', opts, DECODER_FORWARD);
    let x = tgt;
    for (const layer of this.layers) x = (layer as TransformerDecoderLayer).forward(x, memory, o);
    return this.norm ? (this.norm as LayerNorm).forward(x) : x;
  }
}

/** Options of `Transformer`. @example `{ dModel: 64, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 2 }` */
export interface TransformerOptions extends TransformerLayerOptions {
  /** Model width (default 512). */
  readonly dModel?: number;
  /** Attention heads (default 8). */
  readonly nhead?: number;
  /** Encoder layers (default 6). */
  readonly numEncoderLayers?: number;
  /** Decoder layers (default 6). */
  readonly numDecoderLayers?: number;
}

/** Options of `Transformer.forward`. @example `{ tgtMask: nn.Transformer.generateSquareSubsequentMask(T) }` */
export interface TransformerForwardOptions extends DecoderLayerForwardOptions {
  /** The encoder's attention mask ([S, S] or [batch·heads, S, S]; bool true = blocked, or float added to the scores). */
  readonly srcMask?: Tensor | null;
  /** A mask of shape [batch, S]: bool true = that source position is padding. */
  readonly srcKeyPaddingMask?: Tensor | null;
  /** Apply a causal mask in the encoder (when srcMask is not given). */
  readonly srcIsCausal?: boolean;
}

/**
 * The encoder-decoder transformer of "Attention Is All You Need" (PyTorch's `nn.Transformer`): an encoder and a
 * decoder stack, each with a final LayerNorm. Children `encoder` and `decoder`.
 *
 * @example
 * ```ts
 * const model = new nn.Transformer({ dModel: 32, nhead: 4, numEncoderLayers: 2, numDecoderLayers: 2, dimFeedforward: 64 });
 * model.forward(src, tgt, { tgtMask: nn.Transformer.generateSquareSubsequentMask(tgt.shape[0]!) });
 * ```
 */
export class Transformer extends Module {
  /** The model's width (default 512). */
  readonly dModel: number;
  /** Attention heads per layer (default 8). */
  readonly nhead: number;
  /** Inputs and outputs are [batch, seq, feature] (else [seq, batch, feature], the default). */
  readonly batchFirst: boolean;
  /** The encoder stack, with its final LayerNorm. */
  readonly encoder: TransformerEncoder;
  /** The decoder stack, with its final LayerNorm. */
  readonly decoder: TransformerDecoder;

  constructor(opts: TransformerOptions = {}) {
    super();
    const { dModel = 512, nhead = 8, numEncoderLayers = 6, numDecoderLayers = 6, ...layer } = checkOptions('Transformer', opts, {
      dModel: 'integer', nhead: 'integer', numEncoderLayers: 'integer', numDecoderLayers: 'integer', ...LAYER_OPTIONS, activation: 'any',
    });
    this.dModel = dModel;
    this.nhead = nhead;
    this.batchFirst = layer.batchFirst ?? false;
    this.encoder = new TransformerEncoder(new TransformerEncoderLayer(dModel, nhead, layer), numEncoderLayers, { norm: norm(dModel, layer) });
    this.decoder = new TransformerDecoder(new TransformerDecoderLayer(dModel, nhead, layer), numDecoderLayers, { norm: norm(dModel, layer) });
  }

  /** The causal mask (see `generateSquareSubsequentMask`). @example `nn.Transformer.generateSquareSubsequentMask(5)` */
  static generateSquareSubsequentMask(sz: number, opts: { readonly dtype?: 'float32' | 'float64'; readonly device?: string } = {}): Tensor {
    return generateSquareSubsequentMask(sz, opts);
  }

  /** Encode `src` and decode `tgt` against it. @example `model.forward(src, tgt, { tgtMask })` */
  override forward(src: Tensor, tgt: Tensor, opts: TransformerForwardOptions = {}): Tensor {
    const { srcMask, srcKeyPaddingMask, srcIsCausal, ...dec } = checkOptions('Transformer', opts, {
      ...DECODER_FORWARD, srcMask: 'tensor|null', srcKeyPaddingMask: 'tensor|null', srcIsCausal: 'boolean',
    });
    const memory = this.encoder.forward(src, { mask: srcMask ?? null, srcKeyPaddingMask: srcKeyPaddingMask ?? null, isCausal: srcIsCausal ?? false });
    return this.decoder.forward(tgt, memory, dec);
  }
}
