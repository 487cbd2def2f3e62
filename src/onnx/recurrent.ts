// RNN, LSTM and GRU layers as ONNX's RNN, LSTM and GRU operators, one per layer: the weights reordered into
// ONNX's gate order (LSTM i,o,f,c from PyTorch's i,f,g,o; GRU z,r,h from r,z,n, with linear_before_reset as
// PyTorch computes), both directions stacked, and the layers chained.
import '../autograd/record.js';
import { noGrad } from '../autograd/grad-mode.js';
import type { RecurrentBase } from '../nn/recurrent.js';
import { cat } from '../ops/api.generated.js';
import type { Tensor } from '../tensor.js';
import { UnsupportedOpError, type GraphBuilder } from './graph.js';

const ORDER = { LSTM: [0, 3, 1, 2], GRU: [1, 0, 2], RNN_TANH: [0], RNN_RELU: [0] } as const;

/** A weight or bias in ONNX's gate order. */
function reorder(t: Tensor, order: readonly number[], hidden: number): Tensor {
  return order.length === 1 ? t : cat(order.map((k) => t.narrow(0, k * hidden, hidden)), 0);
}

/**
 * Write one recurrent layer call; returns the value names of its results (`[output, hN]`, or `[output, hN, cN]`
 * for an LSTM), in the order the layer returns them.
 *
 * @example
 * ```ts
 * const [y, h] = writeRecurrent(g, gru, 'gru', [x], [0]);
 * ```
 */
export function writeRecurrent(g: GraphBuilder, m: RecurrentBase, path: string, inputs: readonly (Tensor | null)[], versions: readonly number[]): string[] {
  const x = inputs[0]!;
  const where = `exportOnnx: ${m.constructor.name}${path ? ` '${path}'` : ''}`;
  if (x.ndim !== 3) throw new UnsupportedOpError(`${where}: only batched input [seq, batch, features] (or [batch, seq, features] with batchFirst) can be exported; got [${x.shape.join(', ')}].`);
  if (m.projSize > 0) throw new UnsupportedOpError(`${where}: projSize has no ONNX LSTM form.`);
  const mode = m.mode;
  const H = m.hiddenSize, dirs = m.bidirectional ? 2 : 1;
  const opType = mode === 'LSTM' ? 'LSTM' : mode === 'GRU' ? 'GRU' : 'RNN';
  const h0 = inputs[1] ?? null, c0 = inputs[2] ?? null;
  const v = (t: Tensor): string => g.value(t, versions[inputs.indexOf(t)]);
  const prefix = path ? `${path}.` : '';
  let seq = g.value(x, versions[0]);
  if (m.batchFirst) seq = g.one('Transpose', [seq], { perm: { ints: [1, 0, 2] } });
  const hs: string[] = [], cs: string[] = [];
  for (let layer = 0; layer < m.numLayers; layer++) {
    const stacked = noGrad(() => {
      const parts = { W: [] as Tensor[], R: [] as Tensor[], B: [] as Tensor[] };
      for (let d = 0; d < dirs; d++) {
        const [wih, whh, bih, bhh] = m.allWeights[layer * dirs + d]! as [Tensor, Tensor, Tensor?, Tensor?];
        parts.W.push(reorder(wih, ORDER[mode], H).unsqueeze(0));
        parts.R.push(reorder(whh, ORDER[mode], H).unsqueeze(0));
        if (bih && bhh) parts.B.push(cat([reorder(bih, ORDER[mode], H), reorder(bhh, ORDER[mode], H)], 0).unsqueeze(0));
      }
      return { W: cat(parts.W, 0), R: cat(parts.R, 0), B: parts.B.length ? cat(parts.B, 0) : null };
    });
    const state = (t: Tensor | null): string => (t === null ? '' : g.one('Slice', [v(t), g.int64([layer * dirs], 'starts'), g.int64([(layer + 1) * dirs], 'ends'), g.int64([0], 'axes')]));
    const ins = [seq, g.constant(stacked.W, `${prefix}W_l${layer}`), g.constant(stacked.R, `${prefix}R_l${layer}`),
      stacked.B ? g.constant(stacked.B, `${prefix}B_l${layer}`) : '', '', state(h0)];
    if (mode === 'LSTM') ins.push(state(c0));
    while (ins[ins.length - 1] === '') ins.pop();
    const outs = g.node(opType, ins, {
      hidden_size: { i: H },
      direction: { s: dirs === 2 ? 'bidirectional' : 'forward' },
      ...(mode === 'GRU' ? { linear_before_reset: { i: 1 } } : {}),
      ...(mode === 'RNN_TANH' || mode === 'RNN_RELU' ? { activations: { strings: Array<string>(dirs).fill(mode === 'RNN_RELU' ? 'Relu' : 'Tanh') } } : {}),
    }, mode === 'LSTM' ? 3 : 2);
    // Y is [seq, dirs, batch, H]; PyTorch's output is [seq, batch, dirs·H].
    const y = g.one('Transpose', [outs[0]!], { perm: { ints: [0, 2, 1, 3] } });
    seq = g.one('Reshape', [y, g.int64([0, 0, -1])]);
    hs.push(outs[1]!);
    if (mode === 'LSTM') cs.push(outs[2]!);
  }
  const output = m.batchFirst ? g.one('Transpose', [seq], { perm: { ints: [1, 0, 2] } }) : seq;
  const join = (xs: string[]): string => (xs.length === 1 ? xs[0]! : g.one('Concat', xs, { axis: { i: 0 } }));
  return mode === 'LSTM' ? [output, join(hs), join(cs)] : [output, join(hs)];
}
