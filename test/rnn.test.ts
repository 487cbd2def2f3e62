// The recurrent layers and cells against PyTorch (test/fixtures/rnn.json, written by scripts/oracle/rnn.py):
// outputs and the gradients of the input, the initial states and every parameter, in float64 and float32; the
// 2-layer LSTM state dict saved by PyTorch as safetensors; and the layers' misuse errors.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { manualSeed, nn, noGrad, randn, zeros, type Tensor } from '../src/index.js';
import { FIXTURE_TOL, lcg, lcgTensor, mismatch } from './support/lcg.js';

interface Values {
  outputs: number[][];
  grads: { input: number[]; states: number[][]; params: number[][] };
}
interface Case {
  name: string;
  kind: 'RNN' | 'LSTM' | 'GRU' | 'RNNCell' | 'LSTMCell' | 'GRUCell';
  args: [number, number];
  options: Record<string, unknown>;
  input: number[];
  states: number[][];
  outputShapes: number[][];
  params: [string, number[]][];
  float64: Values;
  float32: Values;
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/rnn.json', import.meta.url), 'utf8')) as { torch: string; cases: Case[] };

type AnyRecurrent = nn.Module & { forward(x: Tensor, state?: unknown): unknown };

function build(c: Case, dtype: 'float32' | 'float64'): AnyRecurrent {
  const opts = { ...c.options, dtype };
  switch (c.kind) {
    case 'RNN': return new nn.RNN(c.args[0], c.args[1], opts);
    case 'LSTM': return new nn.LSTM(c.args[0], c.args[1], opts);
    case 'GRU': return new nn.GRU(c.args[0], c.args[1], opts);
    case 'RNNCell': return new nn.RNNCell(c.args[0], c.args[1], opts);
    case 'LSTMCell': return new nn.LSTMCell(c.args[0], c.args[1], opts);
    case 'GRUCell': return new nn.GRUCell(c.args[0], c.args[1], opts);
  }
}

function outputsOf(kind: Case['kind'], result: unknown): Tensor[] {
  if (kind === 'LSTM') {
    const [out, [h, c]] = result as [Tensor, [Tensor, Tensor]];
    return [out, h, c];
  }
  if (kind === 'RNN' || kind === 'GRU' || kind === 'LSTMCell') return result as Tensor[];
  return [result as Tensor];
}

describe(`recurrent layers against PyTorch ${fixture.torch} (test/fixtures/rnn.json)`, () => {
  for (const c of fixture.cases) {
    for (const dtype of ['float64', 'float32'] as const) {
      it(`${c.name} (${dtype}): outputs and gradients`, () => {
        const want = c[dtype];
        const tol = FIXTURE_TOL[dtype];
        const m = build(c, dtype);
        expect(m.namedParameters().map(([n, p]) => [n, p.shape])).toEqual(c.params);
        m.loadStateDict(Object.fromEntries(c.params.map(([n, shape], i) => [n, lcgTensor(shape, 1000 + 7 * i, dtype, 0.5)])));
        const x = lcgTensor(c.input, 77, dtype, 1, true);
        const states = c.states.map((s, k) => lcgTensor(s, 91 + 2 * k, dtype, 1, true));
        const state = states.length === 0 ? undefined : c.kind === 'LSTM' || c.kind === 'LSTMCell' ? [states[0]!, states[1]!] : states[0]!;
        const outs = outputsOf(c.kind, m.forward(x, state));
        expect(outs.map((o) => o.shape)).toEqual(c.outputShapes);
        outs.forEach((o, k) => expect(mismatch(o.data(), want.outputs[k]!, tol), `output ${k}`).toBeNull());
        let loss = outs[0]!.mul(lcgTensor(outs[0]!.shape, 500, dtype)).sum();
        for (let k = 1; k < outs.length; k++) loss = loss.add(outs[k]!.mul(lcgTensor(outs[k]!.shape, 500 + k, dtype)).sum());
        loss.backward();
        expect(mismatch(x.grad!.data(), want.grads.input, tol), 'input grad').toBeNull();
        states.forEach((s, k) => expect(mismatch(s.grad!.data(), want.grads.states[k]!, tol), `state ${k} grad`).toBeNull());
        m.namedParameters().forEach(([n, p], i) => expect(mismatch(p.grad!.data(), want.grads.params[i]!, tol), `${n} grad`).toBeNull());
      });
    }
  }
});

describe('PyTorch state dicts load into the recurrent layers', () => {
  it('a 2-layer LSTM saved by PyTorch as safetensors gives PyTorch\'s outputs', () => {
    const want = JSON.parse(readFileSync(new URL('./fixtures/lstm-2layer.json', import.meta.url), 'utf8')) as Record<'output' | 'hN' | 'cN' | 'output64' | 'hN64' | 'cN64', number[]> & { input: number[] };
    const sd = nn.deserializeStateDict(new Uint8Array(readFileSync(new URL('./fixtures/lstm-2layer.safetensors', import.meta.url))));
    const lstm = new nn.LSTM(8, 16, 2);
    lstm.loadStateDict(sd);
    expect([...lstm.stateDict().keys()]).toEqual([...sd.keys()]);
    const [out, [h, c]] = noGrad(() => lstm.forward(lcgTensor(want.input, 77, 'float32')));
    expect(out.shape).toEqual([6, 3, 16]);
    expect(mismatch(out.data(), want.output, FIXTURE_TOL.float32)).toBeNull();
    expect(mismatch(h.data(), want.hN, FIXTURE_TOL.float32)).toBeNull();
    expect(mismatch(c.data(), want.cN, FIXTURE_TOL.float32)).toBeNull();
    // The same weights in float64 agree with PyTorch's float64 run to rounding.
    const lstm64 = new nn.LSTM(8, 16, 2, { dtype: 'float64' });
    lstm64.loadStateDict(sd);
    const [o64, [h64, c64]] = noGrad(() => lstm64.forward(lcgTensor(want.input, 77, 'float64')));
    expect(mismatch(o64.data(), want.output64, FIXTURE_TOL.float64)).toBeNull();
    expect(mismatch(h64.data(), want.hN64, FIXTURE_TOL.float64)).toBeNull();
    expect(mismatch(c64.data(), want.cN64, FIXTURE_TOL.float64)).toBeNull();
  });
});

describe('recurrent layers: construction and behaviour', () => {
  it('the lcg generator matches the oracle\'s (first values of seed 77)', () => {
    // From oracle_common.lcg(3, 77): a guard that both sides draw the same inputs.
    expect(lcg(3, 77)).toEqual([0.5675591230392456, -0.2596273422241211, -0.3997218608856201]);
  });

  it('registers PyTorch\'s parameter names in PyTorch\'s order, and initialises from U(-1/√hidden, 1/√hidden)', () => {
    manualSeed(3);
    const gru = new nn.GRU(5, 16, 2, { bidirectional: true });
    const names = gru.namedParameters().map(([n]) => n);
    expect(names.slice(0, 8)).toEqual(['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0',
      'weight_ih_l0_reverse', 'weight_hh_l0_reverse', 'bias_ih_l0_reverse', 'bias_hh_l0_reverse']);
    expect(gru.weight_ih_l1!.shape).toEqual([48, 32]);
    for (const p of gru.parameters()) {
      expect(p.abs().max().item()).toBeLessThanOrEqual(0.25);
    }
    expect(gru.weight_hh_l0!.abs().max().item()).toBeGreaterThan(0.2);
    expect(gru.allWeights.map((w) => w.length)).toEqual([4, 4, 4, 4]);
    expect(new nn.LSTM(3, 4, { projSize: 2 }).namedParameters().map(([n, p]) => `${n}${JSON.stringify(p.shape)}`))
      .toEqual(['weight_ih_l0[16,3]', 'weight_hh_l0[16,2]', 'bias_ih_l0[16]', 'bias_hh_l0[16]', 'weight_hr_l0[2,4]']);
    expect(new nn.RNNCell(3, 4, { bias: false }).namedParameters().map(([n]) => n)).toEqual(['weight_ih', 'weight_hh']);
  });

  it('takes numLayers positionally or as an option, and prints like PyTorch', () => {
    expect(new nn.LSTM(3, 4, 2).numLayers).toBe(2);
    expect(new nn.LSTM(3, 4, { numLayers: 3 }).numLayers).toBe(3);
    expect(String(new nn.GRU(3, 4, 2, { batchFirst: true }))).toBe('GRU(3, 4, numLayers=2, batchFirst=true)');
    expect(() => new nn.LSTM(3, 4, 2, { numLayers: 2 })).toThrow('LSTM: numLayers is given twice');
    expect(() => new nn.LSTM(3, 4, { num_layers: 2 } as never)).toThrow("LSTM: unknown option 'num_layers'; did you mean 'numLayers'?");
    expect(() => new nn.RNN(3, 4, { nonlinearity: 'sigmoid' } as never)).toThrow("RNN: option 'nonlinearity' must be one of 'tanh', 'relu'");
    expect(() => new nn.LSTM(3, 4, { projSize: 4 })).toThrow('LSTM: projSize has to be smaller than hiddenSize');
    expect(() => new nn.GRU(3, 0)).toThrow('GRU: hiddenSize must be a positive integer, got 0.');
    expect(() => new nn.LSTM(3, 4, { dropout: 1.5 })).toThrow('LSTM: dropout should be a number in range [0, 1]');
  });

  it('refuses inputs and states of the wrong shape or dtype, naming what was expected', () => {
    const lstm = new nn.LSTM(3, 4, 2);
    expect(() => lstm.forward(randn([5, 2, 6]))).toThrow('LSTM: input.size(-1) must be equal to inputSize. Expected 3, got 6');
    expect(() => lstm.forward(randn([5, 2, 3, 1]))).toThrow('LSTM: Expected input to be 2D or 3D, got 4D instead');
    expect(() => lstm.forward(randn([5, 2, 3], { dtype: 'float64' }))).toThrow('LSTM: input must have the type float32');
    expect(() => lstm.forward(randn([5, 2, 3]), [zeros([2, 3, 4]), zeros([2, 2, 4])])).toThrow('LSTM: Expected hidden[0] size [2, 2, 4], got [2, 3, 4].');
    expect(() => lstm.forward(randn([5, 2, 3]), [zeros([2, 2, 4]), zeros([1, 2, 4])])).toThrow('LSTM: Expected hidden[1] size [2, 2, 4], got [1, 2, 4].');
    expect(() => lstm.forward(randn([5, 3]), [zeros([2, 1, 4]), zeros([2, 1, 4])])).toThrow('LSTM: For unbatched 2-D input, hidden[0] should also be 2-D but got 3-D tensor');
    expect(() => lstm.forward(randn([5, 2, 3]), zeros([2, 2, 4]) as never)).toThrow('LSTM: the initial state must be a pair [h0, c0]');
    expect(() => new nn.GRU(3, 4).forward(randn([0, 2, 3]))).toThrow('GRU: Expected sequence length to be larger than 0');
    const cell = new nn.GRUCell(3, 4);
    expect(() => cell.forward(randn([2, 5]))).toThrow('GRUCell: input has inconsistent input_size: got 5 expected 3');
    expect(() => cell.forward(randn([2, 3]), zeros([3, 4]))).toThrow("GRUCell: Input batch size 2 doesn't match hidden batch size 3.");
    expect(() => cell.forward(randn([2, 3]), zeros([2, 5]))).toThrow('GRUCell: hidden has inconsistent hidden_size: got 5, expected 4.');
  });

  it('batchFirst transposes the input and output but not the states', () => {
    manualSeed(1);
    const a = new nn.LSTM(3, 4, 2, { bidirectional: true });
    const b = new nn.LSTM(3, 4, 2, { bidirectional: true, batchFirst: true });
    b.loadStateDict(a.stateDict());
    const x = randn([5, 2, 3]);
    const [oa, [ha]] = a.forward(x);
    const [ob, [hb]] = b.forward(x.transpose(0, 1));
    expect(ob.shape).toEqual([2, 5, 8]);
    expect(ob.transpose(0, 1).sub(oa).abs().max().item()).toBe(0);
    expect(hb.sub(ha).abs().max().item()).toBe(0);
  });

  it('an unbatched input gives the batched result of a batch of one', () => {
    manualSeed(2);
    const gru = new nn.GRU(3, 4, 2, { bidirectional: true });
    const x = randn([6, 3]);
    const [o1, h1] = gru.forward(x);
    const [o2, h2] = gru.forward(x.unsqueeze(1));
    expect(o1.shape).toEqual([6, 8]);
    expect(h1.shape).toEqual([4, 4]);
    expect(o1.sub(o2.squeeze(1)).abs().max().item()).toBe(0);
    expect(h1.sub(h2.squeeze(1)).abs().max().item()).toBe(0);
  });

  it('dropout acts between layers in training mode only', () => {
    manualSeed(4);
    const lstm = new nn.LSTM(3, 4, 2, { dropout: 0.5 });
    const x = randn([5, 2, 3]);
    const [e1] = lstm.eval().forward(x);
    const [e2] = lstm.forward(x);
    expect(e1.sub(e2).abs().max().item()).toBe(0);
    const [t1] = lstm.train().forward(x);
    expect(t1.sub(e1).abs().max().item()).toBeGreaterThan(0);
    // With one layer there is no layer after which to drop: training equals evaluation, as in PyTorch.
    const one = new nn.GRU(3, 4, { dropout: 0.5 });
    expect(one.forward(x)[0].sub(one.eval().forward(x)[0]).abs().max().item()).toBe(0);
  });

  it('a step of the layer equals the cell with the same weights', () => {
    manualSeed(5);
    const lstm = new nn.LSTM(3, 4);
    const cell = new nn.LSTMCell(3, 4);
    cell.loadStateDict(Object.fromEntries([...lstm.stateDict()].map(([k, v]) => [k.replace('_l0', ''), v])));
    const x = randn([3, 2, 3]);
    const [out, [h, c]] = lstm.forward(x);
    let state: [Tensor, Tensor] = [zeros([2, 4]), zeros([2, 4])];
    for (let t = 0; t < 3; t++) state = cell.forward(x.narrow(0, t, 1).squeeze(0), state);
    expect(out.narrow(0, 2, 1).squeeze(0).sub(state[0]).abs().max().item()).toBeLessThan(1e-6);
    expect(h.squeeze(0).sub(state[0]).abs().max().item()).toBeLessThan(1e-6);
    expect(c.squeeze(0).sub(state[1]).abs().max().item()).toBeLessThan(1e-6);
  });
});
