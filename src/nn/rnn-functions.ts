// The recurrent cells' arithmetic, shared by the cells (RNNCell, LSTMCell, GRUCell) and the multi-layer layers
// (RNN, LSTM, GRU): PyTorch's gate order and formulas. The LSTM and GRU steps run their gates' nonlinearities and
// state update as one fused primitive each (src/ops/recurrent.ts); the layers precompute every step's input
// projection with one matrix product, as PyTorch does.
import { cat, fusedGruCell, fusedLstmCell, stack } from '../ops/api.generated.js';
import type { Tensor } from '../tensor.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import '../autograd/record.js';

/** Which recurrence a layer or cell runs: Elman with tanh or ReLU, LSTM or GRU. */
export type RecurrentMode = 'RNN_TANH' | 'RNN_RELU' | 'LSTM' | 'GRU';

/** Gates per mode: the weights have `gates · hiddenSize` rows. */
export const GATES: Readonly<Record<RecurrentMode, number>> = { RNN_TANH: 1, RNN_RELU: 1, LSTM: 4, GRU: 3 };

/** The weights of one direction of one layer (or of a cell), with the hidden-to-hidden weights pre-transposed. */
export interface CellWeights {
  /** `W_hhᵀ`, `[hiddenOut, gates·hidden]` (hiddenOut is projSize for a projected LSTM). */
  readonly whhT: Tensor;
  /** `b_hh`, or null when it has been folded into the input projection (or there is no bias). */
  readonly bhh: Tensor | null;
  /** `W_hrᵀ` of a projected LSTM, `[hidden, projSize]`, else null. */
  readonly whrT: Tensor | null;
}

/**
 * One step of an Elman RNN: `act(gi + h·W_hhᵀ + b_hh)`, where `gi` is the input's projection `x·W_ihᵀ + b_ih`.
 *
 * @example
 * ```ts
 * const h1 = rnnStep('RNN_TANH', x.matmul(wih.T), h0, { whhT: whh.T, bhh, whrT: null });
 * ```
 */
export function rnnStep(mode: 'RNN_TANH' | 'RNN_RELU', gi: Tensor, h: Tensor, w: CellWeights): Tensor {
  let pre = gi.add(h.matmul(w.whhT));
  if (w.bhh !== null) pre = pre.add(w.bhh);
  return mode === 'RNN_TANH' ? pre.tanh() : pre.relu();
}

/**
 * One LSTM step with PyTorch's gate order (input, forget, cell, output):
 * `c' = σ(f)·c + σ(i)·tanh(g)`, `h' = σ(o)·tanh(c')` (then `h'·W_hrᵀ` with a projection).
 *
 * @example
 * ```ts
 * const [h1, c1] = lstmStep(x.matmul(wih.T).add(bih), h0, c0, { whhT: whh.T, bhh, whrT: null });
 * ```
 */
export function lstmStep(gi: Tensor, h: Tensor, c: Tensor, w: CellWeights): [Tensor, Tensor] {
  let gates = gi.add(h.matmul(w.whhT));
  if (w.bhh !== null) gates = gates.add(w.bhh);
  const [h1, c1] = fusedLstmCell(gates, c);
  return [w.whrT === null ? h1 : h1.matmul(w.whrT), c1];
}

/**
 * One GRU step with PyTorch's gate order (reset, update, new): `r = σ(gi_r + gh_r)`, `z = σ(gi_z + gh_z)`,
 * `n = tanh(gi_n + r·gh_n)`, `h' = n + z·(h − n)`, where `gh = h·W_hhᵀ + b_hh` (b_hn stays inside the reset).
 *
 * @example
 * ```ts
 * const h1 = gruStep(x.matmul(wih.T).add(bih), h0, { whhT: whh.T, bhh, whrT: null });
 * ```
 */
export function gruStep(gi: Tensor, h: Tensor, w: CellWeights): Tensor {
  let gh = h.matmul(w.whhT);
  if (w.bhh !== null) gh = gh.add(w.bhh);
  return fusedGruCell(gi, gh, h);
}

/** The parameters of one direction of one layer, as the layer holds them. */
export interface DirectionParams {
  readonly wih: Tensor;
  readonly whh: Tensor;
  readonly bih: Tensor | null;
  readonly bhh: Tensor | null;
  readonly whr: Tensor | null;
}

/** What one direction of one layer returns: its outputs `[T, B, hiddenOut]` and its final states. */
export interface DirectionResult {
  readonly output: Tensor;
  readonly h: Tensor;
  readonly c: Tensor | null;
}

/**
 * Run one direction of one recurrent layer over `x` `[T, B, in]` from the states `h0` (and `c0` for an LSTM),
 * backwards in time when `reverse`: the outputs stay in input order.
 *
 * @example
 * ```ts
 * const { output, h } = runDirection('GRU', x, params, h0, null, false);
 * ```
 */
export function runDirection(mode: RecurrentMode, x: Tensor, p: DirectionParams, h0: Tensor, c0: Tensor | null, reverse: boolean): DirectionResult {
  const steps = x.shape[0]!;
  // The input projections of every step in one product. Except for the GRU (whose b_hn is gated by the reset),
  // b_hh is folded in here once rather than added at every step.
  const fold = mode !== 'GRU' && p.bih !== null && p.bhh !== null;
  const bias = fold ? p.bih!.add(p.bhh!) : p.bih;
  // As a 2-d product over the T·B rows, so that dW_ih is one product too (not T products and a sum over them).
  const [, batch, size] = x.shape as [number, number, number];
  let xw = x.reshape([steps * batch, size]).matmul(p.wih.T);
  if (bias !== null) xw = xw.add(bias);
  xw = xw.reshape([steps, batch, -1]);
  const outs: Tensor[] = new Array<Tensor>(steps);
  let h = h0, c = c0;
  for (let s = 0; s < steps; s++) {
    const t = reverse ? steps - 1 - s : s;
    const gi = xw.narrow(0, t, 1).squeeze(0);
    // W_hhᵀ is taken afresh at each step: its gradient then reaches W_hh contiguous, and the steps' gradients are
    // summed there with contiguous adds (through one shared transpose they would be summed transposed, strided).
    const w: CellWeights = { whhT: p.whh.T, bhh: fold ? null : p.bhh, whrT: p.whr === null ? null : p.whr.T };
    if (mode === 'LSTM') [h, c] = lstmStep(gi, h, c!, w);
    else if (mode === 'GRU') h = gruStep(gi, h, w);
    else h = rnnStep(mode, gi, h, w);
    outs[t] = h;
  }
  return { output: stack(outs, 0), h, c };
}

/** Join the directions' outputs of one layer along the feature dim. @example `joinDirections([fwd, bwd])` */
export function joinDirections(outputs: readonly Tensor[]): Tensor {
  return outputs.length === 1 ? outputs[0]! : cat([...outputs], 2);
}
