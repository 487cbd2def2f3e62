// One-step recurrent cells: RNNCell, LSTMCell and GRUCell, with PyTorch's parameter names (weight_ih, weight_hh,
// bias_ih, bias_hh), gate order and initialisation; batched `[batch, inputSize]` or unbatched `[inputSize]` input.
import { zeros } from '../creation.js';
import type { DType } from '../dtype.js';
import { checkOptions } from '../options.js';
import type { Generator } from '../random.js';
import { fmtShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { uniform_ } from './init.js';
import { linear } from './layer-functions.js';
import { Module } from './module.js';
import { Parameter } from './parameter.js';
import { GATES, gruStep, lstmStep, rnnStep, type CellWeights, type RecurrentMode } from './rnn-functions.js';

/** Options of `RNNCell`, `LSTMCell` and `GRUCell`. @example `new nn.LSTMCell(10, 20, { bias: false })` */
export interface CellOptions {
  /** Learn `bias_ih` and `bias_hh` (default true). */
  readonly bias?: boolean;
  /** Parameter dtype (default float32). */
  readonly dtype?: 'float32' | 'float64';
  /** Draw the initial weights from this generator instead of the default one. */
  readonly generator?: Generator;
}

/** Options of `RNNCell`. @example `new nn.RNNCell(10, 20, { nonlinearity: 'relu' })` */
export interface RNNCellOptions extends CellOptions {
  /** `'tanh'` (default) or `'relu'`. */
  readonly nonlinearity?: 'tanh' | 'relu';
}

const CELL_OPTIONS = { bias: 'boolean', dtype: ['float32', 'float64'], generator: 'generator' } as const;

/**
 * What the cells share: `weight_ih` `[gates·hidden, input]`, `weight_hh` `[gates·hidden, hidden]`, `bias_ih` and
 * `bias_hh` `[gates·hidden]`, initialised from U(−1/√hiddenSize, 1/√hiddenSize) in that order, as PyTorch does.
 *
 * @example
 * ```ts
 * new nn.GRUCell(4, 8).weight_ih.shape; // [24, 4]
 * ```
 */
export abstract class CellBase extends Module {
  /** The input-to-hidden weights, [gates·hiddenSize, inputSize] (gates: 1 for RNN, 4 for LSTM, 3 for GRU), PyTorch's gate order. */
  readonly weight_ih: Parameter;
  /** The hidden-to-hidden weights, [gates·hiddenSize, hiddenSize]. */
  readonly weight_hh: Parameter;
  /** The input-to-hidden bias, [gates·hiddenSize], or null with `{ bias: false }`. */
  readonly bias_ih: Parameter | null;
  /** The hidden-to-hidden bias, [gates·hiddenSize], or null with `{ bias: false }`. */
  readonly bias_hh: Parameter | null;

  constructor(
    /** Which recurrence it runs: `'RNN_TANH'`, `'RNN_RELU'`, `'LSTM'` or `'GRU'` (PyTorch's `mode`). */ readonly mode: RecurrentMode,
    /** Features of the input. */ readonly inputSize: number,
    /** Features of the hidden state. */ readonly hiddenSize: number,
    opts: CellOptions,
    op: string,
  ) {
    super();
    for (const [name, v] of [['inputSize', inputSize], ['hiddenSize', hiddenSize]] as const) {
      if (!Number.isInteger(v) || v < (name === 'hiddenSize' ? 1 : 0)) {
        throw new Error(`${op}: ${name} must be a ${name === 'hiddenSize' ? 'positive' : 'non-negative'} integer, got ${String(v)}.`);
      }
    }
    const dtype: DType = opts.dtype ?? 'float32';
    const rows = GATES[mode] * hiddenSize;
    this.weight_ih = new Parameter(zeros([rows, inputSize], { dtype }));
    this.weight_hh = new Parameter(zeros([rows, hiddenSize], { dtype }));
    const bias = opts.bias ?? true;
    this.bias_ih = bias ? new Parameter(zeros([rows], { dtype })) : null;
    this.bias_hh = bias ? new Parameter(zeros([rows], { dtype })) : null;
    const bound = 1 / Math.sqrt(hiddenSize);
    const init = opts.generator ? { generator: opts.generator } : {};
    for (const p of this.parameters()) uniform_(p, -bound, bound, init);
  }

  /** Check the input and a state; return them batched (the flag says whether to unbatch the result). */
  protected prepare(input: Tensor, states: readonly (Tensor | null | undefined)[]): { x: Tensor; states: Tensor[]; batched: boolean } {
    const op = this.constructor.name;
    if (!(input instanceof Tensor)) throw new Error(`${op}: expected the input to be a Tensor, got ${input === null ? 'null' : typeof input}.`);
    if (input.ndim !== 1 && input.ndim !== 2) throw new Error(`${op}: Expected input to be 1D or 2D, got ${input.ndim}D instead (shape ${fmtShape(input.shape)}).`);
    if (input.dtype !== this.weight_ih.dtype) {
      throw new Error(`${op}: input must have the type ${this.weight_ih.dtype} (the parameters' dtype), got ${input.dtype}. Convert it with x.to('${this.weight_ih.dtype}').`);
    }
    if (input.shape[input.ndim - 1] !== this.inputSize) {
      throw new Error(`${op}: input has inconsistent input_size: got ${input.shape[input.ndim - 1]} expected ${this.inputSize} (input shape ${fmtShape(input.shape)}).`);
    }
    const batched = input.ndim === 2;
    const x = batched ? input : input.unsqueeze(0);
    const batch = x.shape[0]!;
    const out = states.map((s, i) => {
      const label = `hidden${states.length > 1 ? `[${i}]` : ''}`;
      if (s === undefined || s === null) return zeros([batch, this.hiddenSize], { dtype: x.dtype, device: x.device });
      if (!(s instanceof Tensor)) throw new Error(`${op}: ${label} must be a Tensor, got ${typeof s}.`);
      if (s.ndim !== input.ndim) {
        throw new Error(`${op}: Expected ${label} to be ${input.ndim}D (like the input) but got a ${s.ndim}D tensor of shape ${fmtShape(s.shape)}.`);
      }
      const h = batched ? s : s.unsqueeze(0);
      if (h.shape[0] !== batch) throw new Error(`${op}: Input batch size ${batch} doesn't match ${label} batch size ${h.shape[0]}.`);
      if (h.shape[1] !== this.hiddenSize) throw new Error(`${op}: ${label} has inconsistent hidden_size: got ${h.shape[1]}, expected ${this.hiddenSize}.`);
      return h;
    });
    return { x, states: out, batched };
  }

  /** The input's gate projection and the hidden weights of one step. */
  protected projections(x: Tensor): { gi: Tensor; w: CellWeights } {
    return { gi: linear(x, this.weight_ih, this.bias_ih), w: { whhT: this.weight_hh.T, bhh: this.bias_hh, whrT: null } };
  }

  override extraRepr(): string {
    return `${this.inputSize}, ${this.hiddenSize}${this.bias_ih === null ? ', bias=false' : ''}`;
  }
}

/**
 * An Elman RNN cell: `h' = tanh(x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh)` (or ReLU). `forward(input, hx?)` returns h'.
 *
 * @example
 * ```ts
 * const cell = new nn.RNNCell(10, 20);
 * let h = zeros([3, 20]);
 * for (const x of steps) h = cell.forward(x, h);
 * ```
 */
export class RNNCell extends CellBase {
  /** The activation of the new hidden state (default `'tanh'`). */
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(inputSize: number, hiddenSize: number, opts: RNNCellOptions = {}) {
    const o = checkOptions('RNNCell', opts, { ...CELL_OPTIONS, nonlinearity: ['tanh', 'relu'] });
    const nonlinearity = o.nonlinearity ?? 'tanh';
    super(nonlinearity === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', inputSize, hiddenSize, o, 'RNNCell');
    this.nonlinearity = nonlinearity;
  }

  /** One step from `hx` (zeros when omitted). @example `h = cell.forward(x, h)` */
  override forward(input: Tensor, hx?: Tensor | null): Tensor {
    const { x, states: [h], batched } = this.prepare(input, [hx]);
    const { gi, w } = this.projections(x);
    const h1 = rnnStep(this.nonlinearity === 'tanh' ? 'RNN_TANH' : 'RNN_RELU', gi, h!, w);
    return batched ? h1 : h1.squeeze(0);
  }

  override extraRepr(): string {
    return super.extraRepr() + (this.nonlinearity === 'relu' ? ", nonlinearity='relu'" : '');
  }
}

/**
 * An LSTM cell (gate order input, forget, cell, output). `forward(input, [hx, cx]?)` returns `[h', c']`.
 *
 * @example
 * ```ts
 * const cell = new nn.LSTMCell(10, 20);
 * let [h, c] = cell.forward(x0);
 * [h, c] = cell.forward(x1, [h, c]);
 * ```
 */
export class LSTMCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, opts: CellOptions = {}) {
    super('LSTM', inputSize, hiddenSize, checkOptions('LSTMCell', opts, CELL_OPTIONS), 'LSTMCell');
  }

  /** One step from `[hx, cx]` (zeros when omitted). @example `[h, c] = cell.forward(x, [h, c])` */
  override forward(input: Tensor, hx?: readonly [Tensor, Tensor] | null): [Tensor, Tensor] {
    if (hx !== undefined && hx !== null && !(Array.isArray(hx) && hx.length === 2)) {
      throw new Error(`LSTMCell: the state must be a pair [hx, cx], got ${hx instanceof Tensor ? `a Tensor of shape ${fmtShape(hx.shape)}` : typeof hx}.`);
    }
    const { x, states: [h, c], batched } = this.prepare(input, [hx?.[0], hx?.[1]]);
    const { gi, w } = this.projections(x);
    const [h1, c1] = lstmStep(gi, h!, c!, w);
    return batched ? [h1, c1] : [h1.squeeze(0), c1.squeeze(0)];
  }
}

/**
 * A GRU cell (gate order reset, update, new): `h' = (1 − z)·n + z·h`. `forward(input, hx?)` returns h'.
 *
 * @example
 * ```ts
 * const cell = new nn.GRUCell(10, 20);
 * const h = cell.forward(randn([3, 10]));
 * ```
 */
export class GRUCell extends CellBase {
  constructor(inputSize: number, hiddenSize: number, opts: CellOptions = {}) {
    super('GRU', inputSize, hiddenSize, checkOptions('GRUCell', opts, CELL_OPTIONS), 'GRUCell');
  }

  /** One step from `hx` (zeros when omitted). @example `h = cell.forward(x, h)` */
  override forward(input: Tensor, hx?: Tensor | null): Tensor {
    const { x, states: [h], batched } = this.prepare(input, [hx]);
    const { gi, w } = this.projections(x);
    const h1 = gruStep(gi, h!, w);
    return batched ? h1 : h1.squeeze(0);
  }
}
