#!/usr/bin/env python3
"""Dev-only PyTorch oracle for indexing and the movement/selection ops (test/indexing-fixtures.test.ts).

Never a test or CI dependency: the tests read the JSON this writes, test/fixtures/indexing.json. Needs Debian's
PyTorch:

    apt-get install -y python3-torch libopenblas0-pthread
    /usr/bin/python3 scripts/oracle/indexing.py

Every float input is regenerated identically by the test from its shape and seed (see `values`: multiples of 1/16,
distinct within a tensor, exact in float32 and float64), so only index tensors, masks and results are stored. For
each case it records the output and, for differentiable cases, the gradient of sum(out * w) with respect to every
float input, where w[i] = ((i % 7) - 3) / 4; once with float64 inputs and once with float32 inputs.
"""
import json
import os

import torch
import torch.nn.functional as F


def values(n, seed):
    return [(((i * 37 + seed * 11) % 101) - 50) / 16 for i in range(n)]


def numel(shape):
    n = 1
    for d in shape:
        n *= d
    return n


def f(shape, seed):
    return ('f', list(shape), seed)


def i(vals, shape=None):
    return ('i', vals, [len(vals)] if shape is None else shape)


def b(vals, shape=None):
    return ('b', vals, [len(vals)] if shape is None else shape)


def weighted(ts, dim):
    return torch.cat([t * (k + 1) for k, t in enumerate(ts)], dim)


def put_slice(x, v):
    y = x * 1
    y[:, 1:3] = v
    return y * y


def put_view(x, v):
    y = x * 1
    y[0][1:] = v
    return y * y


def put_zero(x):
    y = x * 2
    y[:, 1:3] = 0
    return y


def put_mask(x, m, v):
    y = x * 1
    y[m] = v
    return y


def put_rows_cols(x, r, c, v):
    y = x * 1
    y[r, c] = v
    return y


CASES = [
    # x[...] with basic specs: views
    ('x[:, 1:4]', [f([3, 5], 1)], lambda x: x[:, 1:4]),
    ('x[..., ::2]', [f([2, 3, 5], 2)], lambda x: x[..., ::2]),
    ('x[:, -1]', [f([3, 4], 3)], lambda x: x[:, -1]),
    ('x[None, 0, -2:]', [f([3, 4], 4)], lambda x: x[None, 0, -2:]),
    ('x[1:, ..., None, 1::2]', [f([4, 3, 5], 5)], lambda x: x[1:, ..., None, 1::2]),
    ('x[-10:2, 7:]', [f([4, 9], 6)], lambda x: x[-10:2, 7:]),
    # advanced indexing: copies, PyTorch's placement of the index dims
    ('x[idx]', [f([4, 3], 7), i([3, 0, 3])], lambda x, k: x[k]),
    ('x[rows, cols]', [f([3, 4], 8), i([0, 2, 2]), i([1, 3, 1])], lambda x, r, c: x[r, c]),
    ('x[rows[:, None], cols]', [f([3, 4], 9), i([2, 0], [2, 1]), i([1, 3, 0])], lambda x, r, c: x[r, c]),
    ('x[i, :, j]', [f([2, 3, 4], 10), i([1, 0]), i([3, 1])], lambda x, a, c: x[a, :, c]),
    ('x[:, i, j]', [f([2, 3, 4, 2], 11), i([0, 2, 1, 1], [2, 2]), i([3, 0])], lambda x, a, c: x[:, a, c]),
    ('x[0, :, idx]', [f([2, 3, 4], 12), i([0, 1, 2, 3, 0])], lambda x, k: x[0, :, k]),
    ('x[:, [-1, 0]]', [f([3, 4], 13)], lambda x: x[:, [-1, 0]]),
    ('x[:, idx, None, idx2]', [f([2, 3, 4], 14), i([0, 1]), i([1, 2])], lambda x, a, c: x[:, a, None, c]),
    ('x[mask]', [f([3, 4], 15), b([1, 0, 0, 1, 0, 1, 1, 0, 0, 0, 1, 1], [3, 4])], lambda x, m: x[m]),
    ('x[mask2d] over leading dims', [f([3, 2, 2], 16), b([0, 1, 1, 1, 0, 0], [3, 2])], lambda x, m: x[m]),
    ('x[:, mask]', [f([2, 4], 17), b([1, 0, 1, 1])], lambda x, m: x[:, m]),
    ('x[True]', [f([2, 3], 18)], lambda x: x[True]),
    # x[...] = v
    ('y[:, 1:3] = v', [f([3, 4], 19), f([3, 1], 20)], put_slice),
    ('y[0][1:] = v (through a view)', [f([2, 4], 21), f([3], 22)], put_view),
    ('y[:, 1:3] = 0', [f([3, 4], 23)], put_zero),
    ('y[mask] = v', [f([3, 4], 24), b([1, 0, 0, 1, 0, 1, 1, 0, 0, 0, 1, 1], [3, 4]), f([], 25)], put_mask),
    ('y[rows, cols] = v', [f([4, 3], 26), i([3, 0]), i([1, 1]), f([2], 27)], put_rows_cols),
    ('index_put accumulate', [f([5, 2], 28), i([1, 3, 1]), f([3, 2], 29)], lambda x, k, v: x.index_put((k,), v, accumulate=True)),
    # selection and movement
    ('select(1, -1)', [f([3, 4], 30)], lambda x: x.select(1, -1)),
    ('narrow(1, 1, 2)', [f([3, 4], 31)], lambda x: x.narrow(1, 1, 2)),
    ('unbind(1)', [f([2, 3], 32)], lambda x: torch.stack([t * (k + 1) for k, t in enumerate(x.unbind(1))])),
    ('split(2, 1)', [f([3, 5], 33)], lambda x: weighted(x.split(2, 1), 1)),
    ('split([1, 3, 1], 1)', [f([2, 5], 34)], lambda x: weighted(x.split([1, 3, 1], 1), 1)),
    ('chunk(3) of 7', [f([7, 2], 35)], lambda x: weighted(x.chunk(3), 0)),
    ('chunk(4) of 6', [f([6], 36)], lambda x: weighted(x.chunk(4), 0)),
    ('flip(0, 2)', [f([2, 3, 4], 37)], lambda x: x.flip(0, 2)),
    ('roll([1, -2], [0, 1])', [f([3, 4], 38)], lambda x: x.roll([1, -2], [0, 1])),
    ('roll(5)', [f([3, 4], 39)], lambda x: x.roll(5)),
    ('repeat(2, 1, 3)', [f([2, 3], 40)], lambda x: x.repeat(2, 1, 3)),
    ('tile((2,))', [f([2, 3], 41)], lambda x: x.tile((2,))),
    ('repeat_interleave(2, 1)', [f([2, 3], 42)], lambda x: x.repeat_interleave(2, 1)),
    ('repeat_interleave(counts, 0)', [f([3, 2], 43), i([2, 0, 3])], lambda x, r: x.repeat_interleave(r, 0)),
    ('repeat_interleave(3)', [f([2, 2], 44)], lambda x: x.repeat_interleave(3)),
    ('movedim((0, 1), (2, 0))', [f([2, 3, 4], 45)], lambda x: x.movedim((0, 1), (2, 0))),
    ('swapaxes(0, 2)', [f([2, 3, 4], 46)], lambda x: x.swapaxes(0, 2)),
    ('unflatten(1, (2, -1))', [f([3, 6], 47)], lambda x: x.unflatten(1, (2, -1))),
    ('broadcast_to((2, 3, 4))', [f([3, 1], 48)], lambda x: x.broadcast_to((2, 3, 4))),
    ('view_as', [f([2, 6], 49), f([3, 4], 50)], lambda x, y: x.view_as(y) * y),
    ('pad constant', [f([2, 3], 51)], lambda x: F.pad(x, (1, 2, 0, 1), value=0.5)),
    ('pad constant cropping', [f([2, 4], 52)], lambda x: F.pad(x, (-1, 2))),
    ('pad reflect', [f([1, 2, 3, 4], 53)], lambda x: F.pad(x, (2, 1, 1, 2), mode='reflect')),
    ('pad replicate', [f([1, 2, 3], 54)], lambda x: F.pad(x, (2, 1), mode='replicate')),
    ('pad circular', [f([1, 2, 3], 55)], lambda x: F.pad(x, (3, 1), mode='circular')),
    ('tril(-1)', [f([3, 4], 56)], lambda x: x.tril(-1)),
    ('triu(1) batched', [f([2, 3, 4], 57)], lambda x: x.triu(1)),
    ('meshgrid xy', [f([3], 58), f([2], 59)], lambda a, c: (lambda g: g[0] * (2 * g[1] + 1))(torch.meshgrid(a, c, indexing='xy'))),
    ('meshgrid ij', [f([2], 60), f([3], 61), f([2], 62)], lambda a, c, d: (lambda g: g[0] * g[1] + g[2])(torch.meshgrid(a, c, d, indexing='ij'))),
    # masked and index ops
    ('masked_fill', [f([3, 4], 63), b([1, 0, 0, 1])], lambda x, m: x.masked_fill(m, 0.5)),
    ('masked_fill 0-d tensor', [f([2, 3], 64), b([0, 1, 1, 0, 0, 1], [2, 3]), f([], 65)], lambda x, m, v: x.masked_fill(m, v)),
    ('masked_select', [f([3, 4], 66), b([0, 1, 1, 0])], lambda x, m: x.masked_select(m)),
    ('masked_scatter', [f([3, 4], 67), b([1, 0, 1, 1]), f([11], 68)], lambda x, m, s: x.masked_scatter(m, s)),
    ('index_fill', [f([3, 4], 69), i([2, 0])], lambda x, k: x.index_fill(1, k, -0.5)),
    ('index_fill 0-d tensor', [f([3, 4], 70), i([2, 0]), f([], 71)], lambda x, k, v: x.index_fill(1, k, v)),
    ('index_copy', [f([4, 3], 72), i([3, 1]), f([2, 3], 73)], lambda x, k, s: x.index_copy(0, k, s)),
    ('index_select', [f([3, 4], 74), i([3, 0, 3])], lambda x, k: x.index_select(1, k)),
    ('scatter src', [f([2, 4], 75), i([3, 0, 1, 2], [2, 2]), f([2, 2], 76)], lambda x, k, s: x.scatter(1, k, s)),
    ('scatter value', [f([3, 2], 77), i([2, 0], [1, 2])], lambda x, k: x.scatter(0, k, 1.5)),
    ('take_along_dim', [f([3, 4], 80), i([3, 0], [1, 2])], lambda x, k: torch.take_along_dim(x, k, 1)),
    ('take_along_dim no dim', [f([3, 4], 81), i([11, 0, 5])], lambda x, k: torch.take_along_dim(x, k)),
    ('take', [f([3, 4], 82), i([0, -1, 5, 5], [2, 2])], lambda x, k: torch.take(x, k)),
    # aliases, expand_as, and the in-place forms on tensors in the graph
    ('moveaxis(0, -1)', [f([2, 3, 4], 87)], lambda x: x.moveaxis(0, -1)),
    ('swapdims(1, 2)', [f([2, 3, 4], 88)], lambda x: x.swapdims(1, 2)),
    ('expand_as', [f([3, 1], 89), f([2, 3, 4], 90)], lambda x, y: x.expand_as(y) * y),
    ('masked_fill_ on a non-leaf', [f([2, 3], 91), b([0, 1, 1, 0, 0, 1], [2, 3])], lambda x, m: (x * 2).masked_fill_(m, -1.0)),
    ('masked_scatter_ on a non-leaf', [f([2, 3], 92), b([0, 1, 1, 1, 0, 0], [2, 3]), f([4], 93)], lambda x, m, s: (x * 2).masked_scatter_(m, s)),
    ('index_fill_ on a non-leaf', [f([3, 2], 94), i([2, 0]), f([], 95)], lambda x, k, v: (x * 2).index_fill_(0, k, v)),
    ('index_copy_ on a non-leaf', [f([2, 4], 96), i([0, 3]), f([2, 2], 97)], lambda x, k, s: (x * 2).index_copy_(1, k, s)),
    ('scatter_ on a non-leaf', [f([2, 3], 98), i([2, 0], [2, 1]), f([2, 1], 99)], lambda x, k, s: (x * 3).scatter_(1, k, s)),
    ('scatter_reduce_ sum on a non-leaf', [f([2, 3], 100), i([2, 2, 0, 1], [2, 2]), f([2, 2], 101)], lambda x, k, s: (x * 2).scatter_reduce_(1, k, s, 'sum')),
]

for reduce in ['sum', 'prod', 'mean', 'amax', 'amin']:
    for include_self in [True, False]:
        CASES.append((
            f'scatter_reduce {reduce} include_self={include_self}',
            [f([2, 4], 83), i([0, 0, 3, 1, 1, 1], [2, 3]), f([2, 3], 84)],
            (lambda r, s: lambda x, k, src: x.scatter_reduce(1, k, src, r, include_self=s))(reduce, include_self),
        ))

# Forward only: PyTorch 1.13 has no derivative for scatter with reduce.
FORWARD_CASES = [
    ('scatter reduce add', [f([3], 78), i([0, 2, 0, 0]), f([4], 79)], lambda x, k, s: x.scatter(0, k, s, reduce='add')),
    ('scatter reduce multiply', [f([3], 86), i([1, 2, 1])], lambda x, k: x.scatter(0, k, 2.0, reduce='multiply')),
]

# Integer results: forward only.
INT_CASES = [
    ('nonzero', [f([3, 4], 85)], lambda x: torch.nonzero(x * (x.abs() > 1))),
    ('where(cond)', [b([1, 0, 1, 0, 1, 1], [2, 3])], lambda m: torch.stack(torch.where(m))),
    ('tril_indices(4, 3, -1)', [], lambda: torch.tril_indices(4, 3, -1)),
    ('triu_indices(3, 4, 1)', [], lambda: torch.triu_indices(3, 4, 1)),
    ('repeat_interleave(counts)', [i([1, 0, 3, 2])], lambda r: torch.repeat_interleave(r)),
]


def build(spec, dtype):
    kind = spec[0]
    if kind == 'f':
        shape, seed = spec[1], spec[2]
        return torch.tensor(values(numel(shape), seed), dtype=dtype).reshape(shape).requires_grad_()
    vals, shape = spec[1], spec[2]
    if kind == 'i':
        return torch.tensor(vals, dtype=torch.int64).reshape(shape)
    return torch.tensor([bool(v) for v in vals]).reshape(shape)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def run(fn, specs, dtype, grads):
    xs = [build(s, dtype) for s in specs]
    out = fn(*xs)
    if not grads:
        out = out.detach()
    rec = {'shape': list(out.shape), 'out': flat(out)}
    if grads:
        n = out.numel()
        w = torch.tensor([((k % 7) - 3) / 4 for k in range(n)], dtype=out.dtype).reshape(out.shape)
        floats = [x for x in xs if x.dtype.is_floating_point]
        gs = torch.autograd.grad((out * w).sum(), floats, allow_unused=True)
        rec['grads'] = [flat(g) if g is not None else [0.0] * x.numel() for g, x in zip(gs, floats)]
    return rec


def spec_json(s):
    if s[0] == 'f':
        return {'kind': 'float', 'shape': s[1], 'seed': s[2]}
    return {'kind': 'int32' if s[0] == 'i' else 'bool', 'shape': s[2], 'values': s[1]}


def main():
    cases = []
    for name, specs, fn in CASES:
        cases.append({
            'name': name, 'inputs': [spec_json(s) for s in specs],
            'float64': run(fn, specs, torch.float64, True), 'float32': run(fn, specs, torch.float32, True),
        })
    for name, specs, fn in FORWARD_CASES:
        cases.append({
            'name': name, 'inputs': [spec_json(s) for s in specs],
            'float64': run(fn, specs, torch.float64, False), 'float32': run(fn, specs, torch.float32, False),
        })
    for name, specs, fn in INT_CASES:
        rec = run(fn, specs, torch.float64, False)
        cases.append({'name': name, 'inputs': [spec_json(s) for s in specs], 'int': rec})
    path = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'indexing.json')
    with open(path, 'w') as fh:
        json.dump({'torch': torch.__version__, 'weights': '((i % 7) - 3) / 4', 'cases': cases}, fh, separators=(',', ':'))
        fh.write('\n')
    print(f'wrote {len(cases)} cases to {os.path.normpath(path)}')


if __name__ == '__main__':
    main()
