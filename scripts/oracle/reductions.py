#!/usr/bin/env python3
"""Dev-only PyTorch oracle for the reductions, scans and sorting ops (test/reductions-torch.test.ts).

Never a test or CI dependency: the tests read the JSON this writes, test/fixtures/reductions.json. Needs Debian's
PyTorch:

    /usr/bin/python3 scripts/oracle/reductions.py

Each case names an op, its float64 input (written into the fixture; NaN and infinities as the strings 'nan',
'inf', '-inf'), the arguments as adjoint spells them, and PyTorch's outputs: the values (float64, and float32 from
the same input rounded to float32), the int32 indices where the op returns them, and for differentiable ops the
float64 gradient of sum(output * w) with w = 1, 2, 3, ... over the output's elements. The inputs include ties in
sort/topk/max/median, NaN in reductions, zeros in prod/cumprod and integer inputs for the exact int32 paths.
PyTorch runs on one thread, so that nothing depends on the machine.
"""
import json
import math
import os

import torch

torch.set_num_threads(1)
NAN = float('nan')
INF = float('inf')


def enc(v):
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, float):
        if math.isnan(v):
            return 'nan'
        if math.isinf(v):
            return 'inf' if v > 0 else '-inf'
    return v


def flat(t):
    return [enc(v) for v in t.detach().reshape(-1).tolist()]


def weights(n):
    return torch.arange(1, n + 1, dtype=torch.float64)


CASES = []


def case(op, x, args, fn, grad=True, dtype=torch.float64, note=None):
    """fn(x) returns a tensor, a (values, indices) pair, or a tuple of tensors (unique)."""
    x = torch.tensor(x, dtype=dtype)
    entry = {'id': f'{op}/{len([c for c in CASES if c["op"] == op])}', 'op': op, 'args': args,
             'x': {'shape': list(x.shape), 'dtype': 'int32' if dtype in (torch.int32, torch.int64) else 'float64', 'data': flat(x)}}
    if note:
        entry['note'] = note
    try:
        out = fn(x)
    except RuntimeError as e:
        entry['error'] = str(e).split('\n')[0]
        CASES.append(entry)
        return
    if isinstance(out, torch.Tensor):
        vals, idx, extra = out, None, []
    elif hasattr(out, 'indices'):
        vals, idx, extra = out.values, out.indices, []
    else:
        vals, extra, idx = out[0], list(out[1:]), None
    entry['shape'] = list(vals.shape)
    entry['values'] = flat(vals)
    if idx is not None:
        entry['indices'] = flat(idx)
    if extra:
        entry['extra'] = [{'shape': list(e.shape), 'data': flat(e)} for e in extra]
    if x.is_floating_point():
        out32 = fn(x.float())
        v32 = out32 if isinstance(out32, torch.Tensor) else out32.values if hasattr(out32, 'values') else out32[0]
        entry['values32'] = flat(v32.double())
        if grad:
            xg = x.clone().requires_grad_(True)
            o = fn(xg)
            o = o if isinstance(o, torch.Tensor) else o.values if hasattr(o, 'values') else o[0]
            if o.requires_grad:
                (o * weights(o.numel()).reshape(o.shape)).sum().backward()
                entry['grad'] = flat(xg.grad if xg.grad is not None else torch.zeros_like(xg))
    CASES.append(entry)


TIES = [[1., 3., 3., 2., 3., 0.], [NAN, 2., NAN, 2., -1., 2.], [5., 5., 5., 5., 5., 5.]]
SMOOTH = [[0.3, -1.2, 2.5, 0.7], [1.1, 0.4, -0.9, 1.8], [-2.2, 0.6, 1.3, -0.1]]
NANS = [[1., NAN, 3., 0.5], [2., 2., -1., 4.]]
ZEROS = [[2., 0., 3., 0., 1.5], [1.5, -2., 0., 0.5, 1.2]]

# amax / amin / max / min
for name, fa, fm in (('amax', torch.amax, torch.max), ('amin', torch.amin, torch.min)):
    case(name, SMOOTH, {'dim': [0, 1]}, lambda x: fa(x, dim=(0, 1)))
    case(name, TIES, {'dim': 1, 'keepdim': True}, lambda x: fa(x, dim=1, keepdim=True), note='ties share the gradient; NaN rows give NaN')
    case(name, [[1., 5.], [5., 2.]], {'dim': [0, 1]}, lambda x: fa(x, dim=(0, 1)))
for name, fm in (('max', torch.max), ('min', torch.min)):
    case(name, TIES, {}, lambda x: fm(x), note='max() of everything: NaN, gradient shared among the NaN')
    case(name, [[1., 3., 3.], [2., 2., 0.]], {}, lambda x: fm(x), note='ties share the gradient')
    case(name, TIES, {'dim': 1}, lambda x: fm(x, 1), note='the first extreme or the first NaN')
    case(name, NANS, {'dim': 0, 'keepdim': True}, lambda x: fm(x, 0, True))
    case(name, SMOOTH, {'dim': -1}, lambda x: fm(x, -1))

# prod, all, any
case('prod', SMOOTH, {}, lambda x: torch.prod(x))
case('prod', SMOOTH, {'dim': 1}, lambda x: torch.prod(x, 1))
case('prod', ZEROS, {'dim': 1, 'keepdim': True}, lambda x: torch.prod(x, 1, True), note='one zero and two zeros per row')
case('prod', [2., 0., 3., 4., 5.], {}, lambda x: torch.prod(x))
case('prod', [[46340, 3], [-7, 0]], {'dim': 1}, lambda x: torch.prod(x, 1), dtype=torch.int32, note='int32 prod is exact')
case('prod', [[65536, 65536, 3], [-7, 2, 5]], {'dim': 1, 'dtype': 'float64'}, lambda x: torch.prod(x, 1, dtype=torch.float64), dtype=torch.int32,
     note='dtype converts first: a product past int32 as float64')
for name, fn in (('all', torch.all), ('any', torch.any)):
    case(name, [[0., NAN, 1.], [2., 3., 4.], [0., 0., 0.]], {'dim': 1}, lambda x: fn(x, 1), note='NaN counts as true')
    case(name, [[0., NAN, 1.], [2., 3., 4.]], {}, lambda x: fn(x))

# var, std, varMean, stdMean
for name, fn in (('var', torch.var), ('std', torch.std)):
    case(name, SMOOTH, {}, lambda x: fn(x))
    case(name, SMOOTH, {'dim': 1, 'correction': 0}, lambda x: fn(x, dim=1, correction=0))
    case(name, SMOOTH, {'dim': 0, 'keepdim': True, 'correction': 2}, lambda x: fn(x, dim=0, correction=2, keepdim=True))
    case(name, NANS, {'dim': 1}, lambda x: fn(x, dim=1), note='NaN propagates')
    case(name, [[2., 2., 2.], [1., 2., 3.]], {'dim': 1}, lambda x: fn(x, dim=1), note='a constant row: std gradient 0')
    case(name, [[1e8 + 0.25, 1e8 - 0.5, 1e8 + 0.75, 1e8]], {'dim': 1}, lambda x: fn(x, dim=1), note='a large offset')
case('varMean', SMOOTH, {'dim': 1, 'correction': 0}, lambda x: torch.var_mean(x, dim=1, correction=0))
case('stdMean', SMOOTH, {'dim': 0}, lambda x: torch.std_mean(x, dim=0))

# scans
case('cumsum', SMOOTH, {'dim': 1}, lambda x: torch.cumsum(x, 1))
case('cumsum', NANS, {'dim': 0}, lambda x: torch.cumsum(x, 0))
case('cumsum', [[2147483000, 600, -5], [1, 2, 3]], {'dim': 1}, lambda x: torch.cumsum(x, 1), dtype=torch.int32, note='int32 cumsum is exact')
case('cumsum', [[2147483000, 600, 5000], [1, 2, 3]], {'dim': 1, 'dtype': 'float64'}, lambda x: torch.cumsum(x, 1, dtype=torch.float64), dtype=torch.int32,
     note='dtype converts first: running sums past int32 as float64')
case('cumprod', SMOOTH, {'dim': 1}, lambda x: torch.cumprod(x, 1))
case('cumprod', ZEROS, {'dim': 1}, lambda x: torch.cumprod(x, 1), note='zeros: the gradient without division')
case('logcumsumexp', SMOOTH, {'dim': 1}, lambda x: torch.logcumsumexp(x, 1))
case('logcumsumexp', [[-INF, -INF, 1., 1000.], [1000., 1000., -1000., NAN]], {'dim': 1}, lambda x: torch.logcumsumexp(x, 1), grad=False)
for name, fn in (('cummax', torch.cummax), ('cummin', torch.cummin)):
    case(name, TIES, {'dim': 1}, lambda x: fn(x, 1), note='ties take the later index; NaN sticks')
    case(name, SMOOTH, {'dim': 0}, lambda x: fn(x, 0))

# sorting
case('argsort', TIES, {'dim': 1}, lambda x: torch.argsort(x, dim=1))
case('argsort', TIES, {'dim': 1, 'descending': True}, lambda x: torch.argsort(x, dim=1, descending=True))
case('sort', TIES, {'dim': 1}, lambda x: torch.sort(x, dim=1, stable=True), note='ties stay in order (stable); NaN last')
case('sort', TIES, {'dim': 1, 'descending': True}, lambda x: torch.sort(x, dim=1, descending=True, stable=True), note='ties stay in order (stable); NaN first')
case('sort', SMOOTH, {'dim': 0}, lambda x: torch.sort(x, dim=0))
case('topk', SMOOTH, {'k': 2, 'dim': 1}, lambda x: torch.topk(x, 2, 1))
case('topk', SMOOTH, {'k': 2, 'dim': 0, 'largest': False}, lambda x: torch.topk(x, 2, 0, largest=False))
case('topk', TIES, {'k': 3, 'dim': 1}, lambda x: torch.topk(x, 3, 1), note='ties: PyTorch leaves the order of equal elements unspecified')
case('topk', TIES, {'k': 3, 'dim': 1, 'largest': False}, lambda x: torch.topk(x, 3, 1, largest=False))
case('kthvalue', SMOOTH, {'k': 2, 'dim': 1}, lambda x: torch.kthvalue(x, 2, 1))
case('kthvalue', TIES, {'k': 5, 'dim': 1}, lambda x: torch.kthvalue(x, 5, 1), note='NaN counts as the largest')
case('kthvalue', TIES, {'k': 2, 'dim': 1, 'keepdim': True}, lambda x: torch.kthvalue(x, 2, 1, True), note='ties: index unspecified')
case('median', SMOOTH, {}, lambda x: torch.median(x))
case('median', [[3., 1., 3., 2.], [2., 2., 2., 5.]], {}, lambda x: torch.median(x), note='ties share the gradient')
case('median', NANS, {}, lambda x: torch.median(x), grad=False)
case('median', SMOOTH, {'dim': 1}, lambda x: torch.median(x, 1))
case('median', TIES, {'dim': 1, 'keepdim': True}, lambda x: torch.median(x, 1, True), note='NaN propagates with the first NaN; ties: index unspecified')
case('unique', [[3., 1., 2.], [3., 1., 1.]], {'returnInverse': True, 'returnCounts': True},
     lambda x: torch.unique(x, return_inverse=True, return_counts=True), grad=False)
case('unique', [[1, 2], [1, 2], [0, 5], [0, 4]], {'dim': 0, 'returnInverse': True, 'returnCounts': True},
     lambda x: torch.unique(x, dim=0, return_inverse=True, return_counts=True), dtype=torch.int32, grad=False)

# nansum, nanmean, countNonzero
case('nansum', NANS, {'dim': 1}, lambda x: torch.nansum(x, 1))
case('nanmean', [[1., NAN, 3., 0.5], [NAN, NAN, NAN, NAN]], {'dim': 1}, lambda x: torch.nanmean(x, 1),
     note='an all-NaN row is NaN; torch sends NaN gradients to it, adjoint 0')
case('countNonzero', [[0., NAN, 1.], [0., 0., -2.]], {'dim': 0}, lambda x: torch.count_nonzero(x, 0), grad=False)

# norms
for ord_ in (2, 1, INF, -INF, 3, 0.5, 0):
    case('vectorNorm', SMOOTH, {'ord': enc(float(ord_))}, lambda x, o=ord_: torch.linalg.vector_norm(x, o))
case('vectorNorm', [[0., 0., 0.], [3., -4., 0.]], {'ord': 2, 'dim': 1}, lambda x: torch.linalg.vector_norm(x, 2, 1), note='gradient 0 at a zero vector')
case('vectorNorm', [[2., 1., -2.], [0., 1., -2.]], {'ord': 'inf', 'dim': 1, 'keepdim': True},
     lambda x: torch.linalg.vector_norm(x, INF, 1, True), note='ties share the gradient')
case('vectorNorm', [[0., 1., -2.]], {'ord': 0.5, 'dim': 1}, lambda x: torch.linalg.vector_norm(x, 0.5, 1), note='gradient 0 at 0 for p < 1')
case('vectorNorm', NANS, {'ord': 2, 'dim': 1}, lambda x: torch.linalg.vector_norm(x, 2, 1), grad=False)
for ord_ in ('fro', 1, -1, INF, -INF):
    case('matrixNorm', [[1., -2., 0.5], [3., 4., -1.]], {'ord': enc(ord_ if isinstance(ord_, str) else float(ord_))},
         lambda x, o=ord_: torch.linalg.matrix_norm(x, o))
case('norm', SMOOTH, {}, lambda x: torch.norm(x))
case('norm', SMOOTH, {'p': 1, 'dim': 1}, lambda x: torch.norm(x, 1, 1))


def main():
    fixture = {
        'about': 'Written by scripts/oracle/reductions.py; see its docstring.',
        'torch': torch.__version__,
        'cases': CASES,
    }
    path = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'reductions.json')
    with open(path, 'w') as f:
        json.dump(fixture, f, separators=(',', ':'))
        f.write('\n')
    print(f'{len(CASES)} cases written to test/fixtures/reductions.json')


if __name__ == '__main__':
    main()
