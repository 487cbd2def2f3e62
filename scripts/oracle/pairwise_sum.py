#!/usr/bin/env python3
"""Dev-only PyTorch oracle for the summation-accuracy tests (test/kernels/sum-accuracy.test.ts).

Never a test or CI dependency: the tests read the JSON this writes, test/fixtures/pairwise-sum.json.
Needs Debian's PyTorch:

    apt-get install -y python3-torch libopenblas0-pthread
    /usr/bin/python3 scripts/oracle/pairwise_sum.py

For each input (regenerated identically by the tests) it records the exact sums (as Fractions, then rounded to
the nearest double, which is exact for the float32 inputs here: they are multiples of 2^-27 whose sums stay far
below 2^53 units) and PyTorch's sums and absolute errors. PyTorch runs on one thread so that its reduction
order, and hence its error, does not depend on the machine's core count.

Inputs:
  const    every element 0.1 (rounded to the dtype)
  lcg      (s >> 8) / 2^24 with s = (1103515245 s + 12345) mod 2^32, s0 = 12345: uniform on [0, 1) in steps of
           2^-24, exact in float32; element i of the flat (row-major) array is the i-th draw
Shapes: 'rows' is [1, N] summed over dim 1 (a contiguous row), 'cols' is [N, 2] summed over dim 0 (two
interleaved columns of N values each), with N = 10^6.
"""
import json
import os
from fractions import Fraction

import torch

torch.set_num_threads(1)
N = 10**6


def lcg(n, seed=12345):
    out = [0.0] * n
    s = seed
    for i in range(n):
        s = (1103515245 * s + 12345) & 0xFFFFFFFF
        out[i] = (s >> 8) / 16777216.0
    return out


def main():
    cases = []
    gens = {'lcg': lcg(2 * N)}
    for dtype_name, dtype in (('float32', torch.float32), ('float64', torch.float64)):
        # float64 sums of the lcg values are exact in any order (multiples of 2^-24 below 2^21), so only const.
        for gen in (('const', 'lcg') if dtype_name == 'float32' else ('const',)):
            for layout in ('rows', 'cols'):
                shape, dim = ([1, N], 1) if layout == 'rows' else ([N, 2], 0)
                count = shape[0] * shape[1]
                if gen == 'const':
                    x = torch.full((count,), 0.1, dtype=dtype)
                else:
                    x = torch.tensor(gens['lcg'][:count], dtype=torch.float64).to(dtype)
                x = x.reshape(shape)
                got = torch.sum(x, dim=dim).double().tolist()
                # Exact sums of the values as stored in `dtype`, by rational arithmetic.
                flat = [Fraction(v) for v in x.double().reshape(-1).tolist()]
                if layout == 'rows':
                    exact = [sum(flat, Fraction(0))]
                else:
                    exact = [sum(flat[c::2], Fraction(0)) for c in range(2)]
                errors = [float(abs(Fraction(g) - e)) for g, e in zip(got, exact)]
                cases.append({
                    'dtype': dtype_name, 'gen': gen, 'layout': layout, 'shape': shape, 'dim': dim,
                    # Exact as a double only for float32 inputs; float64 tests compute their own exact reference.
                    'exact': [float(e) for e in exact],
                    'exactIsDouble': all(Fraction(float(e)) == e for e in exact),
                    'torch': got,
                    'torchError': errors,
                })
                print(dtype_name, gen, layout, 'torch error', errors)
    fixture = {
        'about': 'Written by scripts/oracle/pairwise_sum.py; see its docstring for the inputs.',
        'torch': torch.__version__,
        'threads': 1,
        'n': N,
        'cases': cases,
    }
    path = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'pairwise-sum.json')
    with open(path, 'w') as f:
        json.dump(fixture, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
