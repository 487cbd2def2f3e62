#!/usr/bin/env python3
"""Dev-only PyTorch oracle for the elementwise ops of issue 15 (test/elementwise-fixtures.test.ts).

Never a test or CI dependency: the tests read the JSON this writes, test/fixtures/elementwise.json.
Needs Debian's PyTorch:

    apt-get install -y python3-torch libopenblas0-pthread
    /usr/bin/python3 scripts/oracle/elementwise.py

Each case names an op (adjoint's name), its tensor inputs (float64 values written here, so the tests build the
same tensors; float32 cases round them to float32 exactly as torch does), its keyword arguments (adjoint's
camelCase spelling), PyTorch's output, and for differentiable ops in float64 the gradient of
sum(output) with respect to every floating input. The inputs are chosen for the edge cases: round at halves,
NaN, ±Inf, ±0, the signs of fmod and remainder, domain edges (±1 for erfinv, asin, atanh; 1 for acosh; 0 for
the logarithms), kinks (clamp at its bounds, hypot at the origin, xlogy at x = 0).

JSON has no NaN, Infinity or -0: they are written as the strings "nan", "inf", "-inf" and "-0". float32 values are
written in their shortest float32 form (read them back through Math.fround).
"""
import json
import math
import os

import mpmath
import numpy
import torch

torch.set_num_threads(1)

INF = math.inf
NAN = math.nan


def enc(v):
    if isinstance(v, bool):
        return v
    if isinstance(v, int):
        return v
    if math.isnan(v):
        return 'nan'
    if v == INF:
        return 'inf'
    if v == -INF:
        return '-inf'
    if v == 0 and math.copysign(1, v) < 0:
        return '-0'
    return v


def enc_list(t):
    # float32 values are written in their shortest float32 form (the tests round them back with Math.fround).
    if t.dtype == torch.float32:
        return [enc(float(str(numpy.float32(v))) if math.isfinite(v) and v != 0 else v) for v in t.reshape(-1).tolist()]
    return [enc(v) for v in t.reshape(-1).tolist()]


def _erfinv(x):
    if x == 0:
        return x
    if x != x or x < -1 or x > 1:
        return mpmath.nan
    if x == 1:
        return mpmath.inf
    if x == -1:
        return -mpmath.inf
    return mpmath.erfinv(x)


# Functions whose cases also record the exact values, for where PyTorch's result is not correctly rounded.
EXACT = {'erfinv': _erfinv}

DTYPES = {'float64': torch.float64, 'float32': torch.float32, 'int32': torch.int32, 'bool': torch.bool}
cases = []


def case(op, fn, inputs, kwargs=None, dtypes=('float64', 'float32'), grad=True, label=None):
    """inputs: list of (values, shape) or ('int32'|'bool', values, shape) or a plain number (a Python scalar)."""
    kwargs = kwargs or {}
    for dtype in dtypes:
        tensors, specs = [], []
        for inp in inputs:
            if isinstance(inp, (int, float)) and not isinstance(inp, bool):
                tensors.append(inp)
                specs.append({'number': enc(float(inp))})
                continue
            if isinstance(inp[0], str):
                kind, values, shape = inp
                t = torch.tensor(values, dtype=DTYPES[kind]).reshape(shape)
                specs.append({'dtype': kind, 'shape': list(shape), 'values': enc_list(t)})
            else:
                values, shape = inp
                t = torch.tensor(values, dtype=torch.float64).reshape(shape)
                specs.append({'dtype': dtype, 'shape': list(shape), 'values': enc_list(t)})
                t = t.to(DTYPES[dtype])
                if grad and dtype == 'float64':
                    t.requires_grad_(True)
            tensors.append(t)
        out = fn(*tensors, **kwargs)
        entry = {'op': op, 'label': label or op, 'dtype': dtype, 'inputs': specs, 'kwargs': kwargs}
        if isinstance(out, bool):
            entry['out'] = out
        else:
            entry['outDtype'] = str(out.dtype).replace('torch.', '')
            entry['outShape'] = list(out.shape)
            entry['out'] = enc_list(out.detach())
            leaves = [t for t in tensors if isinstance(t, torch.Tensor) and t.requires_grad]
            if grad and dtype == 'float64' and leaves:
                gs = torch.autograd.grad(out.sum(), leaves, allow_unused=True)
                entry['grads'] = [enc_list(g) if g is not None else None for g in gs]
        if op in EXACT and not isinstance(out, bool):
            # The exact values (mpmath, 40 digits) of the function at the inputs as stored in this dtype, rounded.
            mpmath.mp.dps = 40
            xs = tensors[0].detach().to(torch.float64).reshape(-1).tolist()
            exact = torch.tensor([float(EXACT[op](mpmath.mpf(x) if x != 0 else x)) for x in xs], dtype=torch.float64).to(out.dtype)
            entry['exact'] = enc_list(exact)
        cases.append(entry)


SPECIAL = [0.0, -0.0, 0.5, -0.5, 1.0, -1.0, 1.5, -2.5, 2.5, 3.7, -3.7, 1e-8, -1e-8, 7.25, -7.25, 30.0, -30.0, 100.0,
           INF, -INF, NAN]


def unary(op, fn, extra=(), values=None, grad=True):
    xs = list(values if values is not None else SPECIAL) + list(extra)
    case(op, fn, [(xs, [len(xs)])], grad=grad)


unary('erfinv', torch.erfinv, values=[0.0, -0.0, 0.5, -0.5, 0.9, -0.99, 0.999999, 1e-8, 1.0, -1.0, 1.5, -2.0, NAN])
unary('log1p', torch.log1p, extra=[-1.0, -0.999, 1e-10, -1e-10, -2.0])
unary('expm1', torch.expm1, extra=[1e-10, -1e-10, 88.0, -88.0])
unary('log2', torch.log2, extra=[2.0, 1024.0, 1e-300])
unary('log10', torch.log10, extra=[10.0, 1e5, 1e-300])
unary('exp2', torch.exp2, extra=[-1074.0, 1023.5, 0.25])
unary('tan', torch.tan, extra=[1.5707963267948966, -1.5707])
unary('asin', torch.asin, extra=[0.9999, -0.9999])
unary('acos', torch.acos, extra=[0.9999, -0.9999])
unary('atan', torch.atan, extra=[1e10, -1e10])
unary('sinh', torch.sinh, extra=[711.0, -711.0, 1e-300])
unary('cosh', torch.cosh, extra=[710.0, -710.0])
unary('asinh', torch.asinh, extra=[1e10, -1e-300])
unary('acosh', torch.acosh, extra=[1.0001, 2.0, 1e10])
unary('atanh', torch.atanh, extra=[0.9999, -0.9999, 0.1])
unary('floor', torch.floor, extra=[-0.25, 2.0 ** 52 + 0.5, -(2.0 ** 52) - 1.5])
unary('ceil', torch.ceil, extra=[-0.25, -0.75])
unary('trunc', torch.trunc, extra=[-0.25, -0.75])
unary('frac', torch.frac, extra=[-0.25, 2.0 ** 30 + 0.75])
HALVES = [0.5, 1.5, 2.5, 3.5, 4.5, -0.5, -1.5, -2.5, -3.5, 0.49999999999999994, -0.49999999999999994, 2.0 ** 52 + 1,
          8388608.5, 8388609.5, 1e20, -1e-300]
unary('round', torch.round, extra=HALVES)
case('round', torch.round, [([1.2345, 2.675, -1.005, 0.125, 0.375, -0.125, 12.5, NAN, INF], [9])], {'decimals': 2}, label='round decimals 2')
case('round', torch.round, [([1234.5, 1250.0, 1350.0, -1250.0, 50.0, 149.99, -0.0], [7])], {'decimals': -2}, label='round decimals -2')
unary('softplus', torch.nn.functional.softplus, extra=[20.0, 20.000001, 19.99, -20.0, -100.0, 1e-7])
case('softplus', torch.nn.functional.softplus, [([-3.0, -0.5, 0.0, 0.25, 2.4, 2.5, 2.6, 10.0, -10.0, INF, -INF, NAN], [12])],
     {'beta': 2.0, 'threshold': 5.0}, label='softplus beta 2 threshold 5')
case('softplus', torch.nn.functional.softplus, [([-3.0, -0.5, 0.0, 0.25, 30.0, 41.0, 39.0], [7])], {'beta': 0.5}, label='softplus beta 0.5')
unary('logSigmoid', torch.nn.functional.logsigmoid, extra=[-100.0, -800.0, 800.0, 1e-10])

# Integer inputs keep their dtype through floor, ceil, round and trunc; the others compute in float32.
for op, fn in (('floor', torch.floor), ('ceil', torch.ceil), ('round', torch.round), ('trunc', torch.trunc)):
    case(op, fn, [('int32', [3, -2, 0, 2147483647, -2147483648], [5])], dtypes=('int32',), grad=False, label=f'{op} int32')
for op, fn in (('log1p', torch.log1p), ('exp2', torch.exp2), ('atan', torch.atan), ('erfinv', torch.erfinv)):
    case(op, fn, [('int32', [0, 1, 3, -2], [4])], dtypes=('int32',), grad=False, label=f'{op} int32')

# Binary ops on a grid of special values (a down, b across).
def grid(op, fn, av, bv, kwargs=None, grad=True, dtypes=('float64', 'float32')):
    a = [x for x in av for _ in bv]
    b = [y for _ in av for y in bv]
    case(op, fn, [(a, [len(av), len(bv)]), (b, [len(av), len(bv)])], kwargs, grad=grad, dtypes=dtypes)


MOD_A = [5.0, -5.0, 5.5, -5.5, 0.0, -0.0, 3.0, -3.0, 1e-3, 7.5, INF, -INF, NAN]
MOD_B = [3.0, -3.0, 2.5, -2.5, 0.0, -0.0, 1.5, INF, -INF, NAN]
grid('fmod', torch.fmod, MOD_A, MOD_B)
grid('remainder', torch.remainder, MOD_A, MOD_B)
case('fmod', torch.fmod, [('int32', [5, -5, 5, -5, 7, 0, -2147483648], [7]), ('int32', [3, 3, -3, -3, 7, 5, 3], [7])], dtypes=('int32',), grad=False, label='fmod int32')
case('remainder', torch.remainder, [('int32', [5, -5, 5, -5, 7, 0, -2147483648], [7]), ('int32', [3, 3, -3, -3, 7, 5, 3], [7])], dtypes=('int32',), grad=False, label='remainder int32')
grid('floorDivide', torch.floor_divide, MOD_A, MOD_B, grad=False)
case('floorDivide', torch.floor_divide, [('int32', [5, -5, 5, -5, 7, 0, -7], [7]), ('int32', [3, 3, -3, -3, 7, 5, 2], [7])], dtypes=('int32',), grad=False, label='floorDivide int32')
case('fmod', torch.fmod, [([5.5, -5.5, 2.0, -0.0], [4]), -2.0], label='fmod by a number')
case('remainder', torch.remainder, [([5.5, -5.5, 2.0, -0.0], [4]), -2.0], label='remainder by a number')
SIGNED = [0.0, -0.0, 1.0, -1.0, 2.5, -3.0, INF, -INF, NAN]
grid('atan2', torch.atan2, SIGNED, SIGNED)
grid('hypot', torch.hypot, SIGNED, SIGNED)
grid('xlogy', torch.xlogy, [0.0, -0.0, 1.0, -2.0, 0.5, INF, NAN], [0.0, -0.0, 1.0, 2.0, -1.0, 0.5, INF, NAN])
case('atan2', torch.atan2, [('int32', [1, -1, 0, 3], [4]), ('int32', [1, 1, -1, 0], [4])], dtypes=('int32',), grad=False, label='atan2 int32')
case('xlogy', torch.xlogy, [('int32', [0, 2, 3, 0], [4]), ('int32', [0, 2, 1, 5], [4])], dtypes=('int32',), grad=False, label='xlogy int32')

INTS = [0, 1, -1, 5, -5, 12, -2147483648, 2147483647, 0x5555, -0x5556]
SHIFTS = [0, 1, 3, 31, 7, 16, 2, 30, 4, 5]
for op, fn in (('bitwiseAnd', torch.bitwise_and), ('bitwiseOr', torch.bitwise_or), ('bitwiseXor', torch.bitwise_xor)):
    case(op, fn, [('int32', INTS, [10]), ('int32', INTS[::-1], [10])], dtypes=('int32',), grad=False)
    case(op, fn, [('bool', [True, True, False, False], [4]), ('bool', [True, False, True, False], [4])], dtypes=('bool',), grad=False, label=f'{op} bool')
case('bitwiseLeftShift', torch.bitwise_left_shift, [('int32', INTS, [10]), ('int32', SHIFTS, [10])], dtypes=('int32',), grad=False)
case('bitwiseRightShift', torch.bitwise_right_shift, [('int32', INTS, [10]), ('int32', SHIFTS, [10])], dtypes=('int32',), grad=False)
case('bitwiseNot', torch.bitwise_not, [('int32', INTS, [10])], dtypes=('int32',), grad=False)
case('bitwiseNot', torch.bitwise_not, [('bool', [True, False], [2])], dtypes=('bool',), grad=False, label='bitwiseNot bool')

# Three-operand ops.
S = [0.0, -1.5, 2.0, 3.25, -7.0, 1e10, -0.0, INF, NAN]
E = [1.0, 2.5, -2.0, 3.25, 5.0, -1e10, 0.0, 1.0, 1.0]
W = [0.0, 0.25, 0.5, 1.0, -1.0, 2.0, 0.75, 0.5, 0.5]
case('lerp', torch.lerp, [(S, [9]), (E, [9]), (W, [9])], label='lerp tensor weight')
case('lerp', torch.lerp, [(S, [9]), (E, [9]), 0.3], label='lerp weight 0.3')
case('lerp', torch.lerp, [(S, [9]), (E, [9]), 0.7], label='lerp weight 0.7')
case('lerp', torch.lerp, [(S[:3], [3, 1]), (E[:4], [1, 4]), (W[:4], [4])], label='lerp broadcast')
T1 = [1.0, -2.0, 0.5, 3.0, 0.0, INF, 1e-20, NAN]
T2 = [2.0, 4.0, -0.25, 0.0, 5.0, 2.0, 1e-20, 1.0]
A0 = [0.5, 1.0, -1.0, 2.0, 0.0, 1.0, 1.0, 1.0]
case('addcmul', torch.addcmul, [(A0, [8]), (T1, [8]), (T2, [8])])
case('addcmul', torch.addcmul, [(A0[:2], [2, 1]), (T1[:3], [3]), (T2[:3], [3])], {'value': -0.5}, label='addcmul value -0.5 broadcast')
case('addcdiv', torch.addcdiv, [(A0, [8]), (T1, [8]), (T2, [8])])
case('addcdiv', torch.addcdiv, [(A0[:2], [2, 1]), (T1[:3], [3]), (T2[:3], [3])], {'value': 0.1}, label='addcdiv value 0.1 broadcast')
case('addcmul', torch.addcmul, [('int32', [1, 2], [2]), ('int32', [3, 4], [2]), ([0.5, 0.25], [2])], {'value': 2}, dtypes=('float32',), grad=False, label='addcmul int32 with float32')

X = [-2.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0, NAN, 1.5, -3.0]
LO = [-1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0, 2.0, NAN]
HI = [1.0, 1.0, 1.0, 1.0, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0]
case('clamp', lambda x, lo, hi: torch.clamp(x, lo, hi), [(X, [10]), (LO, [10]), (HI, [10])], label='clamp tensor min and max (ties, NaN, min > max)')
case('clamp', lambda x, lo: torch.clamp(x, min=lo), [(X, [10]), (LO, [10])], label='clamp tensor min')
case('clamp', lambda x, hi: torch.clamp(x, max=hi), [(X, [10]), (HI, [10])], label='clamp tensor max')
case('clamp', lambda x: torch.clamp(x, -1.0, 1.0), [(X, [10])], label='clamp numbers (ties)')
case('clamp', lambda x, lo, hi: torch.clamp(x, lo, hi), [(X[:6] + X[:6], [4, 3]), (LO[:3], [3]), ([0.25], [1])], label='clamp tensor bounds broadcast')

# Tests and replacements of special values.
V = [0.0, -0.0, 1.5, -2.0, INF, -INF, NAN, 1e308, -1e38, 3e38]
for op, fn in (('isnan', torch.isnan), ('isinf', torch.isinf), ('isfinite', torch.isfinite)):
    case(op, fn, [(V, [10])], grad=False)
    case(op, fn, [('int32', [0, 5, -3], [3])], dtypes=('int32',), grad=False, label=f'{op} int32')
case('nanToNum', torch.nan_to_num, [(V, [10])])
case('nanToNum', torch.nan_to_num, [(V, [10])], {'nan': -1.0, 'posinf': 1e4, 'neginf': -5.0}, label='nanToNum custom')
case('nanToNum', torch.nan_to_num, [(V, [10])], {'posinf': 2.0}, label='nanToNum posinf only')
case('nanToNum', torch.nan_to_num, [('int32', [0, 5, -3], [3])], dtypes=('int32',), grad=False, label='nanToNum int32')
CA = [1.0, 1.0, 1.0, 0.0, INF, INF, -INF, NAN, NAN, 1e-9, 100.0, -0.0]
CB = [1.0, 1.00001, 1.0001, 1e-9, INF, -INF, -INF, NAN, 1.0, 0.0, 100.001, 0.0]
case('isclose', torch.isclose, [(CA, [12]), (CB, [12])], grad=False)
case('isclose', torch.isclose, [(CA, [12]), (CB, [12])], {'rtol': 1e-3, 'atol': 0.0, 'equal_nan': True}, grad=False, label='isclose rtol 1e-3 equalNan')
case('isclose', torch.isclose, [(CA, [12]), (CB, [12])], {'rtol': 0.0, 'atol': 0.0}, grad=False, label='isclose exact')
case('isclose', torch.isclose, [('int32', [1, 5, 100, -3], [4]), ('int32', [1, 6, 101, -3], [4])], {'rtol': 0.01, 'atol': 0.0}, dtypes=('int32',), grad=False, label='isclose int32')
case('allclose', torch.allclose, [([1.0, 2.0, 3.0], [3]), ([1.0, 2.0, 3.00001], [3])], grad=False)
case('allclose', torch.allclose, [([1.0, 2.0, 3.0], [3]), ([1.0, 2.0, 3.001], [3])], grad=False, label='allclose not close')
case('allclose', torch.allclose, [([1.0, NAN], [2]), ([1.0, NAN], [2])], {'equal_nan': True}, grad=False, label='allclose equalNan')
case('allclose', torch.allclose, [([1.0], [1]), ([1.0, 1.0], [2])], grad=False, label='allclose broadcast')
case('equal', torch.equal, [([1.0, 2.0], [2]), ([1.0, 2.0], [2])], grad=False)
case('equal', torch.equal, [([1.0, NAN], [2]), ([1.0, NAN], [2])], grad=False, label='equal NaN')
case('equal', torch.equal, [([1.0], [1]), ([1.0], [1, 1])], grad=False, label='equal shapes differ')

# logspace: (start, end, steps, base, dtype).
logspace = []
for start, end, steps, base, dtype in [(0, 2, 5, 10.0, 'float32'), (0, 2, 5, 10.0, 'float64'), (-1, 1, 4, 2.0, 'float32'),
                                       (1, 3, 7, 10.0, 'float64'), (0, 2, 5, 10.0, 'int32'), (2, 0, 3, 10.0, 'float32'),
                                       (0.5, 3.5, 1, 10.0, 'float32'), (0, 10, 11, 2.0, 'int32'), (0, 1, 0, 10.0, 'float32'),
                                       (-2, 30, 9, 10.0, 'float32'), (0, 3, 6, 0.5, 'float64')]:
    t = torch.logspace(start, end, steps, base=base, dtype=DTYPES[dtype])
    logspace.append({'start': start, 'end': end, 'steps': steps, 'base': base, 'dtype': dtype,
                     'out': enc_list(t)})


def main():
    fixture = {
        'about': 'Written by scripts/oracle/elementwise.py; see its docstring.',
        'torch': torch.__version__,
        'cases': cases,
        'logspace': logspace,
    }
    path = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'elementwise.json')
    with open(path, 'w') as f:
        json.dump(fixture, f, separators=(',', ':'))
        f.write('\n')
    print(len(cases), 'cases,', os.path.getsize(path), 'bytes')


if __name__ == '__main__':
    main()
