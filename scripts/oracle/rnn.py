#!/usr/bin/env python3
"""Dev-only PyTorch oracle for the recurrent layers (test/rnn.test.ts). Never a test or CI dependency.

    /usr/bin/python3 scripts/oracle/rnn.py

Writes test/fixtures/rnn.json: for each case (a layer or cell, its options, the input and state shapes), in float64
and float32, PyTorch's outputs and the gradients of the input, the initial states and every parameter of the loss
Σ_k Σ(out_k · r_k). Inputs, states, parameters and the r_k are regenerated on both sides with `lcg`
(oracle_common.py, test/support/lcg.ts): parameter i (in named_parameters() order) from seed 1000 + 7i, scaled
by 1/2; the input from seed 77; the states from 91 (h0) and 93 (c0); r_k from 500 + k.

Also writes the 2-layer LSTM state-dict fixture: test/fixtures/lstm-2layer.safetensors (PyTorch's own
initialisation, seed 0, float32) and test/fixtures/lstm-2layer.json (the input, seed 77, and PyTorch's outputs, in float32
and with the same weights in float64).
"""
import copy

import torch

from oracle_common import flat, lcg_tensor, write_json, write_safetensors

torch.set_num_threads(1)

KWARGS = {'numLayers': 'num_layers', 'bias': 'bias', 'batchFirst': 'batch_first', 'bidirectional': 'bidirectional',
          'nonlinearity': 'nonlinearity', 'projSize': 'proj_size'}

CASES = [
    dict(name='RNN tanh with h0', kind='RNN', args=[3, 4], options={}, input=[5, 2, 3], states=True),
    dict(name='RNN relu, 2 layers, bidirectional, batchFirst, no bias', kind='RNN', args=[3, 4],
         options={'nonlinearity': 'relu', 'numLayers': 2, 'bidirectional': True, 'batchFirst': True, 'bias': False},
         input=[2, 4, 3], states=False),
    dict(name='LSTM 2 layers with (h0, c0)', kind='LSTM', args=[3, 4], options={'numLayers': 2}, input=[4, 2, 3], states=True),
    dict(name='LSTM bidirectional, unbatched, with (h0, c0)', kind='LSTM', args=[2, 3], options={'bidirectional': True},
         input=[4, 2], states=True),
    dict(name='LSTM 2 layers, bidirectional, batchFirst, zero states', kind='LSTM', args=[3, 3],
         options={'numLayers': 2, 'bidirectional': True, 'batchFirst': True}, input=[2, 3, 3], states=False),
    dict(name='LSTM projSize 2', kind='LSTM', args=[3, 4], options={'projSize': 2, 'numLayers': 2}, input=[3, 2, 3], states=True),
    dict(name='GRU 2 layers, bidirectional, with h0', kind='GRU', args=[3, 4], options={'numLayers': 2, 'bidirectional': True},
         input=[4, 2, 3], states=True),
    dict(name='GRU unbatched, no bias', kind='GRU', args=[3, 4], options={'bias': False}, input=[5, 3], states=False),
    dict(name='RNNCell tanh with hx', kind='RNNCell', args=[3, 4], options={}, input=[2, 3], states=True),
    dict(name='RNNCell relu unbatched', kind='RNNCell', args=[3, 4], options={'nonlinearity': 'relu'}, input=[3], states=True),
    dict(name='LSTMCell with (hx, cx)', kind='LSTMCell', args=[3, 4], options={}, input=[2, 3], states=True),
    dict(name='LSTMCell zero state, no bias', kind='LSTMCell', args=[3, 4], options={'bias': False}, input=[2, 3], states=False),
    dict(name='GRUCell with hx', kind='GRUCell', args=[3, 4], options={}, input=[2, 3], states=True),
    dict(name='GRUCell unbatched, zero state', kind='GRUCell', args=[3, 4], options={}, input=[3], states=False),
]


def build(case, dtype):
    kwargs = {KWARGS[k]: v for k, v in case['options'].items()}
    return getattr(torch.nn, case['kind'])(*case['args'], dtype=dtype, **kwargs)


def state_shapes(case, module):
    kind = case['kind']
    batched = len(case['input']) == (2 if kind.endswith('Cell') else 3)
    if kind.endswith('Cell'):
        b = [case['input'][0]] if batched else []
        shape = b + [module.hidden_size]
        return [shape, shape] if kind == 'LSTMCell' else [shape]
    layers = module.num_layers * (2 if module.bidirectional else 1)
    batch = case['input'][0 if module.batch_first else 1] if batched else None
    def shape(size):
        return [layers, batch, size] if batched else [layers, size]
    h_size = module.proj_size if kind == 'LSTM' and module.proj_size > 0 else module.hidden_size
    return [shape(h_size), shape(module.hidden_size)] if kind == 'LSTM' else [shape(h_size)]


def run(case, dtype):
    module = build(case, dtype)
    with torch.no_grad():
        for i, (_, p) in enumerate(module.named_parameters()):
            p.copy_(lcg_tensor(list(p.shape), 1000 + 7 * i, dtype, 0.5))
    x = lcg_tensor(case['input'], 77, dtype, requires_grad=True)
    shapes = state_shapes(case, module)
    states = [lcg_tensor(s, 91 + 2 * k, dtype, requires_grad=True) for k, s in enumerate(shapes)] if case['states'] else []
    kind = case['kind']
    if not states:
        result = module(x)
    elif kind in ('LSTM', 'LSTMCell'):
        result = module(x, (states[0], states[1]))
    else:
        result = module(x, states[0])
    if kind in ('RNN', 'GRU'):
        outs = [result[0], result[1]]
    elif kind == 'LSTM':
        outs = [result[0], result[1][0], result[1][1]]
    elif kind == 'LSTMCell':
        outs = [result[0], result[1]]
    else:
        outs = [result]
    loss = sum((o * lcg_tensor(list(o.shape), 500 + k, dtype)).sum() for k, o in enumerate(outs))
    loss.backward()
    params = list(module.named_parameters())
    return {
        'outputs': [flat(o, dtype) for o in outs],
        'grads': {
            'input': flat(x.grad, dtype),
            'states': [flat(s.grad, dtype) for s in states],
            'params': [flat(p.grad, dtype) for _, p in params],
        },
    }, [list(o.shape) for o in outs], [[n, list(p.shape)] for n, p in params], shapes if case['states'] else []


def lstm_state_dict_fixture():
    torch.manual_seed(0)
    model = torch.nn.LSTM(8, 16, num_layers=2)
    write_safetensors('lstm-2layer.safetensors', model.state_dict(), {'format': 'pt', 'about': 'torch.nn.LSTM(8, 16, num_layers=2), torch.manual_seed(0); written by scripts/oracle/rnn.py'})
    x = lcg_tensor([6, 3, 8], 77, torch.float32)
    with torch.no_grad():
        out, (h, c) = model(x)
        out64, (h64, c64) = copy.deepcopy(model).double()(x.double())
    write_json('lstm-2layer.json', {
        'about': 'torch.nn.LSTM(8, 16, num_layers=2) with the state dict in lstm-2layer.safetensors, run on lcg([6, 3, 8], seed 77) in float32; written by scripts/oracle/rnn.py',
        'torch': torch.__version__, 'input': [6, 3, 8],
        'output': flat(out, torch.float32), 'hN': flat(h, torch.float32), 'cN': flat(c, torch.float32),
        'output64': flat(out64, torch.float64), 'hN64': flat(h64, torch.float64), 'cN64': flat(c64, torch.float64),
    })


def main():
    cases = []
    for case in CASES:
        entry = {k: case[k] for k in ('name', 'kind', 'args', 'options', 'input')}
        for name, dtype in (('float64', torch.float64), ('float32', torch.float32)):
            values, out_shapes, params, shapes = run(case, dtype)
            entry[name] = values
        entry['outputShapes'] = out_shapes
        entry['params'] = params
        entry['states'] = shapes
        cases.append(entry)
    write_json('rnn.json', {'about': 'Written by scripts/oracle/rnn.py; see its docstring for the inputs.', 'torch': torch.__version__, 'cases': cases})
    lstm_state_dict_fixture()


if __name__ == '__main__':
    main()
