// Multi-layer recurrent layers: RNN, LSTM and GRU, with PyTorch's parameter names, gate order, initial-state
// handling and shapes (batchFirst, bidirectional, unbatched inputs, dropout between layers, LSTM projections).
import { zeros } from '../creation.js';
import { isFloating, type DType } from '../dtype.js';
import { stack } from '../ops/api.generated.js';
import { checkOptions } from '../options.js';
import type { Generator } from '../random.js';
import { fmtShape, sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { uniform_ } from './init.js';
import { dropout } from './layer-functions.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { GATES, joinDirections, runDirection, type DirectionParams, type RecurrentMode } from './rnn-functions.js';

/** Options of `RNN`, `LSTM` and `GRU`. @example `new nn.LSTM(10, 20, { numLayers: 2, batchFirst: true })` */
export interface RecurrentOptions {
  /** Stacked layers (default 1); layer k > 0 reads the outputs of layer k − 1. */
  readonly numLayers?: number;
  /** Learn the biases `bias_ih_l*` and `bias_hh_l*` (default true). */
  readonly bias?: boolean;
  /** Inputs and outputs are `[batch, seq, feature]` instead of `[seq, batch, feature]` (default false; the states are unaffected). */
  readonly batchFirst?: boolean;
  /** Dropout probability on the outputs of every layer but the last, in training mode (default 0). */
  readonly dropout?: number;
  /** Run a second, reversed direction per layer and concatenate the two (default false). */
  readonly bidirectional?: boolean;
  /** Parameter dtype (default float32). */
  readonly dtype?: 'float32' | 'float64';
  /** Draw the initial weights (and the dropout masks) from this generator instead of the default one. */
  readonly generator?: Generator;
}

/** Options of `RNN`: the recurrent options and the nonlinearity. @example `new nn.RNN(10, 20, { nonlinearity: 'relu' })` */
export interface RNNOptions extends RecurrentOptions {
  /** `'tanh'` (default) or `'relu'`. */
  readonly nonlinearity?: 'tanh' | 'relu';
}

/** Options of `LSTM`: the recurrent options and an output projection. @example `new nn.LSTM(10, 20, { projSize: 8 })` */
export interface LSTMOptions extends RecurrentOptions {
  /** Project each hidden state to this size with `weight_hr_l*` (default 0: no projection); must be < hiddenSize. */
  readonly projSize?: number;
}

const COMMON_OPTIONS = {
  numLayers: 'integer', bias: 'boolean', batchFirst: 'boolean', dropout: 'number', bidirectional: 'boolean',
  dtype: ['float32', 'float64'], generator: 'generator',
} as const;

/**
 * What RNN, LSTM and GRU share: the parameters `weight_ih_l{k}`, `weight_hh_l{k}`, `bias_ih_l{k}`, `bias_hh_l{k}`
 * (and `weight_hr_l{k}` for a projected LSTM), with the suffix `_reverse` for the second direction, registered in
 * PyTorch's order and initialised from U(−1/√hiddenSize, 1/√hiddenSize) as PyTorch does.
 *
 * @example
 * ```ts
 * new nn.GRU(8, 16, 2).namedParameters().map(([n]) => n).slice(0, 4);
 * // ['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0']
 * ```
 */
export abstract class RecurrentBase extends Module {
  /** The parameters by PyTorch's names (`lstm.weight_ih_l0`, `gru.bias_hh_l1_reverse`); undefined for a name the layer lacks. */
  readonly [name: `weight_${string}` | `bias_${string}`]: Parameter | undefined;
  /** Stacked layers, each reading the previous one's output (default 1). */
  readonly numLayers: number;
  /** Whether the layers have the biases `bias_ih_l*` and `bias_hh_l*` (default true). */
  readonly bias: boolean;
  /** Inputs and outputs are [batch, seq, feature] (else [seq, batch, feature], the default); states stay [layers, batch, hidden]. */
  readonly batchFirst: boolean;
  /** The dropout probability on each layer's output except the last, in training (default 0). */
  readonly dropout: number;
  /** Whether each layer also runs backwards over the sequence (outputs concatenated; default false). */
  readonly bidirectional: boolean;
  /** LSTM only: the size the hidden state is projected to (0, the default: no projection). */
  readonly projSize: number;
  readonly #generator: Generator | undefined;

  constructor(
    /** Which recurrence it runs: `'RNN_TANH'`, `'RNN_RELU'`, `'LSTM'` or `'GRU'` (PyTorch's `mode`). */ readonly mode: RecurrentMode,
    /** Features of the input. */ readonly inputSize: number,
    /** Features of the hidden state. */ readonly hiddenSize: number,
    opts: LSTMOptions,
    op: string,
  ) {
    super();
    for (const [name, v] of [['inputSize', inputSize], ['hiddenSize', hiddenSize]] as const) {
      if (!Number.isInteger(v) || v < (name === 'hiddenSize' ? 1 : 0)) {
        throw new Error(`${op}: ${name} must be a ${name === 'hiddenSize' ? 'positive' : 'non-negative'} integer, got ${String(v)}.`);
      }
    }
    this.numLayers = opts.numLayers ?? 1;
    if (!(this.numLayers >= 1)) throw new Error(`${op}: numLayers must be a positive integer, got ${this.numLayers}.`);
    this.bias = opts.bias ?? true;
    this.batchFirst = opts.batchFirst ?? false;
    this.dropout = opts.dropout ?? 0;
    if (!(this.dropout >= 0 && this.dropout <= 1)) {
      throw new Error(`${op}: dropout should be a number in range [0, 1] representing the probability of an element being zeroed, got ${this.dropout}.`);
    }
    this.bidirectional = opts.bidirectional ?? false;
    this.projSize = opts.projSize ?? 0;
    if (!(Number.isInteger(this.projSize) && this.projSize >= 0)) throw new Error(`${op}: projSize must be a non-negative integer, got ${this.projSize}.`);
    if (this.projSize >= hiddenSize) throw new Error(`${op}: projSize has to be smaller than hiddenSize, got projSize ${this.projSize} and hiddenSize ${hiddenSize}.`);
    this.#generator = opts.generator;
    const dtype: DType = opts.dtype ?? 'float32';
    const gateSize = GATES[mode] * hiddenSize;
    const out = this.projSize > 0 ? this.projSize : hiddenSize;
    const dirs = this.bidirectional ? 2 : 1;
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (let dir = 0; dir < dirs; dir++) {
        const suffix = `_l${layer}${dir === 1 ? '_reverse' : ''}`;
        const layerIn = layer === 0 ? inputSize : out * dirs;
        this.registerParameter(`weight_ih${suffix}`, new Parameter(zeros([gateSize, layerIn], { dtype })));
        this.registerParameter(`weight_hh${suffix}`, new Parameter(zeros([gateSize, out], { dtype })));
        if (this.bias) {
          this.registerParameter(`bias_ih${suffix}`, new Parameter(zeros([gateSize], { dtype })));
          this.registerParameter(`bias_hh${suffix}`, new Parameter(zeros([gateSize], { dtype })));
        }
        if (this.projSize > 0) this.registerParameter(`weight_hr${suffix}`, new Parameter(zeros([this.projSize, hiddenSize], { dtype })));
      }
    }
    this.resetParameters();
  }

  /**
   * Redraw every parameter from U(−1/√hiddenSize, 1/√hiddenSize), in registration order (PyTorch's
   * `reset_parameters`).
   *
   * @example
   * ```ts
   * lstm.resetParameters();
   * ```
   */
  resetParameters(): void {
    const bound = 1 / Math.sqrt(this.hiddenSize);
    const init = this.#generator ? { generator: this.#generator } : {};
    for (const p of this.parameters()) uniform_(p, -bound, bound, init);
  }

  /**
   * The parameters per layer and direction, in PyTorch's order (`all_weights`): `[w_ih, w_hh, b_ih, b_hh, w_hr]`,
   * with the absent ones left out.
   *
   * @example
   * ```ts
   * lstm.allWeights[0]!.map((p) => p.shape); // [[80, 10], [80, 20], [80], [80]]
   * ```
   */
  get allWeights(): Parameter[][] {
    const out: Parameter[][] = [];
    for (let layer = 0; layer < this.numLayers; layer++) {
      for (let dir = 0; dir < (this.bidirectional ? 2 : 1); dir++) {
        const p = this.#params(layer, dir);
        out.push([p.wih, p.whh, p.bih, p.bhh, p.whr].filter((t): t is Parameter => t !== null));
      }
    }
    return out;
  }

  #params(layer: number, dir: number): DirectionParams & { readonly wih: Parameter; readonly whh: Parameter; readonly bih: Parameter | null; readonly bhh: Parameter | null; readonly whr: Parameter | null } {
    const props = this as unknown as Record<string, Parameter | undefined>;
    const suffix = `_l${layer}${dir === 1 ? '_reverse' : ''}`;
    const get = (name: string): Parameter | null => props[`${name}${suffix}`] ?? null;
    const wih = get('weight_ih'), whh = get('weight_hh');
    if (wih === null || whh === null) throw new Error(`${this.constructor.name}: the parameter weight_ih${suffix} or weight_hh${suffix} has been removed.`);
    return { wih, whh, bih: get('bias_ih'), bhh: get('bias_hh'), whr: get('weight_hr') };
  }

  /**
   * The recurrence over `input`, from the initial states `h0` (and `c0` for an LSTM): the outputs, and the final
   * states stacked as `[numLayers · directions, batch, size]` (without the batch dim for an unbatched input).
   */
  protected run(input: Tensor, h0: Tensor | undefined, c0: Tensor | undefined): { output: Tensor; hN: Tensor; cN: Tensor | null } {
    const op = this.constructor.name;
    if (!(input instanceof Tensor)) throw new Error(`${op}: expected the input to be a Tensor, got ${input === null ? 'null' : typeof input}.`);
    if (input.ndim !== 2 && input.ndim !== 3) {
      throw new Error(`${op}: Expected input to be 2D or 3D, got ${input.ndim}D instead (shape ${fmtShape(input.shape)}): [seq, batch, feature]${this.batchFirst ? ' ([batch, seq, feature] with batchFirst)' : ''}, or [seq, feature] unbatched.`);
    }
    const dtype = this.#params(0, 0).wih.dtype;
    if (input.dtype !== dtype) {
      throw new Error(`${op}: input must have the type ${dtype} (the parameters' dtype), got type ${input.dtype}. Convert the input (x.to('${dtype}')), or build the layer with { dtype: '${input.dtype}' }.`);
    }
    if (!isFloating(input.dtype)) throw new Error(`${op}: input must be floating point, got ${input.dtype}.`);
    const batched = input.ndim === 3;
    const x = batched ? (this.batchFirst ? input.transpose(0, 1) : input) : input.unsqueeze(1);
    if (x.shape[2] !== this.inputSize) throw new Error(`${op}: input.size(-1) must be equal to inputSize. Expected ${this.inputSize}, got ${x.shape[2]} (input shape ${fmtShape(input.shape)}).`);
    const steps = x.shape[0]!, batch = x.shape[1]!;
    if (steps === 0) throw new Error(`${op}: Expected sequence length to be larger than 0 in RNN, got input shape ${fmtShape(input.shape)}.`);
    const dirs = this.bidirectional ? 2 : 1, layers = this.numLayers * dirs;
    const hOut = this.projSize > 0 ? this.projSize : this.hiddenSize;
    const state = (given: Tensor | undefined, size: number, label: string): Tensor => {
      if (given === undefined || given === null) return zeros([layers, batch, size], { dtype, device: x.device });
      if (!(given instanceof Tensor)) throw new Error(`${op}: ${label} must be a Tensor, got ${typeof given}.`);
      if (given.ndim !== input.ndim) {
        throw new Error(batched
          ? `${op}: For batched 3-D input, ${label} should also be 3-D but got ${given.ndim}-D tensor (shape ${fmtShape(given.shape)}).`
          : `${op}: For unbatched 2-D input, ${label} should also be 2-D but got ${given.ndim}-D tensor (shape ${fmtShape(given.shape)}).`);
      }
      const expected = batched ? [layers, batch, size] : [layers, size];
      if (!sameShape(given.shape, expected)) throw new Error(`${op}: Expected ${label} size ${fmtShape(expected)}, got ${fmtShape(given.shape)}.`);
      if (given.dtype !== dtype) throw new Error(`${op}: ${label} must have the type ${dtype}, got ${given.dtype}.`);
      return batched ? given : given.unsqueeze(1);
    };
    const isLstm = this.mode === 'LSTM';
    const hx = state(h0, hOut, isLstm ? 'hidden[0]' : 'hidden');
    const cx = isLstm ? state(c0, this.hiddenSize, 'hidden[1]') : null;
    const hs: Tensor[] = [], cs: Tensor[] = [];
    let layerInput = x;
    for (let layer = 0; layer < this.numLayers; layer++) {
      const outs: Tensor[] = [];
      for (let dir = 0; dir < dirs; dir++) {
        const k = layer * dirs + dir;
        const h = hx.narrow(0, k, 1).squeeze(0), c = cx === null ? null : cx.narrow(0, k, 1).squeeze(0);
        const r = runDirection(this.mode, layerInput, this.#params(layer, dir), h, c, dir === 1);
        outs.push(r.output);
        hs.push(r.h);
        if (r.c !== null) cs.push(r.c);
      }
      layerInput = joinDirections(outs);
      if (this.dropout > 0 && this.training && layer < this.numLayers - 1) {
        layerInput = dropout(layerInput, this.dropout, this.#generator ? { training: true, generator: this.#generator } : { training: true });
      }
    }
    const finish = (states: Tensor[]): Tensor => (batched ? stack(states, 0) : stack(states, 0).squeeze(1));
    const output = batched ? (this.batchFirst ? layerInput.transpose(0, 1) : layerInput) : layerInput.squeeze(1);
    return { output, hN: finish(hs), cN: cx === null ? null : finish(cs) };
  }

  override extraRepr(): string {
    const parts = [`${this.inputSize}, ${this.hiddenSize}`];
    if (this.projSize !== 0) parts.push(`projSize=${this.projSize}`);
    if (this.numLayers !== 1) parts.push(`numLayers=${this.numLayers}`);
    if (!this.bias) parts.push('bias=false');
    if (this.batchFirst) parts.push('batchFirst=true');
    if (this.dropout !== 0) parts.push(`dropout=${this.dropout}`);
    if (this.bidirectional) parts.push('bidirectional=true');
    return parts.join(', ');
  }
}

/** The third argument of a recurrent layer: `numLayers` (as PyTorch users pass it), or the options. */
function splitArgs<O extends RecurrentOptions>(third: number | O | undefined, fourth: O | undefined, op: string, spec: Record<string, unknown>): O {
  if (typeof third === 'number') {
    const opts = checkOptions<O>(op, fourth, spec as never);
    if ((opts as RecurrentOptions).numLayers !== undefined) throw new Error(`${op}: numLayers is given twice, as the third argument and as an option.`);
    return { ...opts, numLayers: third };
  }
  if (fourth !== undefined) throw new Error(`${op}: the options come third, or fourth after numLayers: new nn.${op}(inputSize, hiddenSize, numLayers, { ... }).`);
  return checkOptions<O>(op, third, spec as never);
}

/**
 * A multi-layer Elman RNN: `h_t = tanh(x_t·W_ihᵀ + b_ih + h_{t−1}·W_hhᵀ + b_hh)` (or ReLU). Input
 * `[seq, batch, inputSize]` (`[batch, seq, inputSize]` with `batchFirst`, or `[seq, inputSize]` unbatched);
 * `forward(input, h0?)` returns `[output, hN]`: the last layer's states at every step `[seq, batch, D·hiddenSize]`
 * and every layer's final state `[numLayers·D, batch, hiddenSize]` (D = 2 when bidirectional).
 *
 * @example
 * ```ts
 * const rnn = new nn.RNN(10, 20, 2);
 * const [output, hN] = rnn.forward(randn([5, 3, 10]));
 * output.shape; // [5, 3, 20]
 * hN.shape;     // [2, 3, 20]
 * ```
 */
export class RNN extends RecurrentBase {
  /** The activation of the hidden state (default `'tanh'`). */
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, numLayersOrOptions?: number | RNNOptions, options?: RNNOptions) {
    const opts = splitArgs<RNNOptions>(numLayersOrOptions, options, 'RNN', { ...COMMON_OPTIONS, nonlinearity: ['tanh', 'relu'] });
    const nonlinearity = opts.nonlinearity ?? 'tanh';
    super(nonlinearity === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', inputSize, hiddenSize, opts, 'RNN');
    this.nonlinearity = nonlinearity;
  }

  /** Run over the sequence from `h0` (zeros when omitted). @example `const [out, hN] = rnn.forward(x, h0);` */
  override forward(input: Tensor, h0?: Tensor | null): [Tensor, Tensor] {
    const { output, hN } = this.run(input, h0 ?? undefined, undefined);
    return [output, hN];
  }

  override extraRepr(): string {
    return super.extraRepr() + (this.nonlinearity === 'relu' ? ", nonlinearity='relu'" : '');
  }
}

/**
 * A multi-layer LSTM with PyTorch's gate order (input, forget, cell, output) and parameter names;
 * `forward(input, [h0, c0]?)` returns `[output, [hN, cN]]`. With `projSize`, each hidden state is projected by
 * `weight_hr_l*` (hN and output have projSize features; cN keeps hiddenSize).
 *
 * @example
 * ```ts
 * const lstm = new nn.LSTM(10, 20, 2, { batchFirst: true });
 * const [output, [hN, cN]] = lstm.forward(randn([3, 5, 10]));
 * output.shape; // [3, 5, 20]
 * cN.shape;     // [2, 3, 20]
 * ```
 */
export class LSTM extends RecurrentBase {
  constructor(inputSize: number, hiddenSize: number, numLayersOrOptions?: number | LSTMOptions, options?: LSTMOptions) {
    super('LSTM', inputSize, hiddenSize, splitArgs<LSTMOptions>(numLayersOrOptions, options, 'LSTM', { ...COMMON_OPTIONS, projSize: 'integer' }), 'LSTM');
  }

  /** Run over the sequence from `[h0, c0]` (zeros when omitted). @example `const [out, [hN, cN]] = lstm.forward(x, [h0, c0]);` */
  override forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, [Tensor, Tensor]] {
    if (hx !== undefined && hx !== null && !(Array.isArray(hx) && hx.length === 2)) {
      throw new Error(`LSTM: the initial state must be a pair [h0, c0], got ${hx instanceof Tensor ? `a Tensor of shape ${fmtShape(hx.shape)}` : typeof hx}.`);
    }
    const { output, hN, cN } = this.run(input, hx?.[0], hx?.[1]);
    return [output, [hN, cN!]];
  }
}

/**
 * A multi-layer GRU with PyTorch's gate order (reset, update, new) and parameter names:
 * `n = tanh(W_in·x + b_in + r·(W_hn·h + b_hn))`, `h' = (1 − z)·n + z·h`. `forward(input, h0?)` returns
 * `[output, hN]`.
 *
 * @example
 * ```ts
 * const gru = new nn.GRU(10, 20, { bidirectional: true });
 * const [output, hN] = gru.forward(randn([5, 3, 10]));
 * output.shape; // [5, 3, 40]
 * hN.shape;     // [2, 3, 20]
 * ```
 */
export class GRU extends RecurrentBase {
  constructor(inputSize: number, hiddenSize: number, numLayersOrOptions?: number | RecurrentOptions, options?: RecurrentOptions) {
    super('GRU', inputSize, hiddenSize, splitArgs<RecurrentOptions>(numLayersOrOptions, options, 'GRU', COMMON_OPTIONS), 'GRU');
  }

  /** Run over the sequence from `h0` (zeros when omitted). @example `const [out, hN] = gru.forward(x);` */
  override forward(input: Tensor, h0?: Tensor | null): [Tensor, Tensor] {
    const { output, hN } = this.run(input, h0 ?? undefined, undefined);
    return [output, hN];
  }
}
