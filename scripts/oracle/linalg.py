#!/usr/bin/env python3
"""Dev-only PyTorch oracle for the linear-algebra tests (test/linalg.test.ts).

Never a test or CI dependency: the tests read the JSON this writes, test/fixtures/linalg.json. Needs Debian's
PyTorch:

    apt-get install -y python3-torch libopenblas0-pthread
    /usr/bin/python3 scripts/oracle/linalg.py

Each case names an adjoint op ('linalg.solve', 'einsum', 'diag', ...), its tensor inputs (float64 values drawn
from a seeded generator and rounded to three decimals, or given; float32 cases hold values exact in float32) and its options in adjoint's
camelCase spelling, and records PyTorch's outputs. Differentiable cases also record fixed random weights W and the
gradients of loss = sum over outputs of sum(W * out) with respect to every input (for eigh, the eigenvectors enter
the loss squared, which does not depend on their signs). Error cases record PyTorch's message.

Gradients at singular matrices: PyTorch 1.13's first-order det backward returns 0 at an exactly singular matrix
(it solves with a perturbed LU scaled by det = 0), while its create_graph path (SVD-based) returns the cofactor
matrix, the true gradient; cases marked "createGraph" record the latter.

Non-finite numbers are written as the strings "inf", "-inf" and "nan".
"""
import json
import math
import os

import torch

torch.set_num_threads(1)
GEN = torch.Generator().manual_seed(20240615)


def randn(*shape, dtype=torch.float64):
    # Three decimals: the inputs and weights are written short, and are exactly what PyTorch computed with.
    return (torch.randn(tuple(shape), generator=GEN, dtype=torch.float64) * 1000).round().div(1000).to(dtype)


def enc(values):
    out = []
    for v in values:
        if isinstance(v, bool):
            v = float(v)
        if isinstance(v, float) and not math.isfinite(v):
            out.append('nan' if math.isnan(v) else ('inf' if v > 0 else '-inf'))
        else:
            out.append(v)
    return out


def T(x):
    return {'shape': list(x.shape), 'data': enc(x.detach().flatten().tolist())}


def lin(name):
    return getattr(torch.linalg, name)


def run_op(op, xs, args):
    """Run the op as adjoint's `op` names it, returning a dict of named outputs."""
    a = dict(args)
    if op == 'linalg.solve':
        return {'X': torch.linalg.solve(xs[0], xs[1], left=a.get('left', True))}
    if op == 'linalg.solveTriangular':
        return {'X': torch.linalg.solve_triangular(xs[0], xs[1], upper=a['upper'], left=a.get('left', True),
                                                   unitriangular=a.get('unitriangular', False))}
    if op == 'linalg.inv':
        return {'X': torch.linalg.inv(xs[0])}
    if op == 'linalg.det':
        return {'det': torch.linalg.det(xs[0])}
    if op == 'linalg.slogdet':
        s = torch.linalg.slogdet(xs[0])
        return {'sign': s.sign, 'logabsdet': s.logabsdet}
    if op == 'linalg.cholesky':
        return {'L': torch.linalg.cholesky(xs[0], upper=a.get('upper', False))}
    if op == 'linalg.qr':
        q = torch.linalg.qr(xs[0], mode=a.get('mode', 'reduced'))
        return {'Q': q.Q, 'R': q.R}
    if op == 'linalg.eigh':
        e = torch.linalg.eigh(xs[0], UPLO=a.get('UPLO', 'L'))
        return {'eigenvalues': e.eigenvalues, 'eigenvectors': e.eigenvectors}
    if op == 'einsum':
        return {'out': torch.einsum(a['equation'], *xs)}
    if op == 'dot':
        return {'out': torch.dot(xs[0], xs[1])}
    if op == 'outer':
        return {'out': torch.outer(xs[0], xs[1])}
    if op == 'mv':
        return {'out': torch.mv(xs[0], xs[1])}
    if op == 'bmm':
        return {'out': torch.bmm(xs[0], xs[1])}
    if op == 'addmm':
        return {'out': torch.addmm(xs[0], xs[1], xs[2], beta=a.get('beta', 1), alpha=a.get('alpha', 1))}
    if op == 'baddbmm':
        return {'out': torch.baddbmm(xs[0], xs[1], xs[2], beta=a.get('beta', 1), alpha=a.get('alpha', 1))}
    if op == 'diag':
        return {'out': torch.diag(xs[0], a.get('diagonal', 0))}
    if op == 'diagonal':
        return {'out': torch.diagonal(xs[0], a.get('offset', 0), a.get('dim1', 0), a.get('dim2', 1))}
    if op == 'diagEmbed':
        return {'out': torch.diag_embed(xs[0], a.get('offset', 0), a.get('dim1', -2), a.get('dim2', -1))}
    if op == 'trace':
        return {'out': torch.trace(xs[0])}
    raise ValueError(op)


CASES = []


def case(label, op, inputs, args=None, grad=True, create_graph=False, note=None):
    args = args or {}
    xs = [x.clone().requires_grad_(grad and x.is_floating_point()) for x in inputs]
    outs = run_op(op, xs, args)
    rec = {'label': label, 'op': op, 'args': args, 'dtype': str(inputs[0].dtype).replace('torch.', ''),
           'inputs': [T(x) for x in inputs], 'outputs': {k: T(v) for k, v in outs.items()}}
    if note:
        rec['note'] = note
    if grad:
        weights, loss = {}, 0
        for k, v in outs.items():
            if k == 'sign' or v.numel() == 0:
                continue
            w = randn(*v.shape, dtype=v.dtype)
            weights[k] = T(w)
            loss = loss + (w * (v * v if k == 'eigenvectors' else v)).sum()
        gs = torch.autograd.grad(loss, xs, create_graph=create_graph)
        rec['weights'] = weights
        rec['grads'] = [T(g) for g in gs]
        if create_graph:
            rec['createGraph'] = True
    CASES.append(rec)


ERRORS = []


def error(label, op, inputs, args=None):
    try:
        run_op(op, inputs, args or {})
    except Exception as e:  # noqa: BLE001 (any PyTorch error is what we record)
        ERRORS.append({'label': label, 'op': op, 'args': args or {}, 'dtype': str(inputs[0].dtype).replace('torch.', ''),
                       'inputs': [T(x) for x in inputs], 'message': str(e).split('\n')[0]})
        return
    raise AssertionError(f'{label}: PyTorch did not raise')


def spd(n, batch=()):
    x = randn(*batch, n, n)
    return x @ x.mT + torch.eye(n, dtype=torch.float64)


def well(n, batch=()):
    return randn(*batch, n, n) + 3 * torch.eye(n, dtype=torch.float64)


def hilbert(n):
    return torch.tensor([[1.0 / (i + j + 1) for j in range(n)] for i in range(n)], dtype=torch.float64)


def main():
    f64 = torch.float64
    singular3 = torch.tensor([[1., 2, 3], [4, 5, 6], [7, 8, 9]], dtype=f64)
    singular2 = torch.tensor([[1., 2], [2, 4]], dtype=f64)
    nilpotent = torch.tensor([[0., 1], [0, 0]], dtype=f64)
    rank1 = torch.tensor([[1., 2, 3], [2, 4, 6], [3, 6, 9]], dtype=f64)

    # ---- solve ----
    case('solve, matrix B', 'linalg.solve', [randn(3, 3), randn(3, 2)])
    case('solve, vector b', 'linalg.solve', [randn(4, 4), randn(4)])
    case('solve, batch of vectors', 'linalg.solve', [randn(2, 3, 3), randn(2, 3)])
    case('solve, A broadcast over B', 'linalg.solve', [randn(3, 3), randn(2, 3, 2)])
    case('solve, left false', 'linalg.solve', [randn(3, 3), randn(2, 3)], {'left': False})
    case('solve, ill-conditioned (Hilbert 6)', 'linalg.solve', [hilbert(6), torch.ones(6, dtype=f64)], grad=False)
    case('solve, float32', 'linalg.solve', [well(3, ()).float(), randn(3, 2).float()])
    # ---- solveTriangular ----
    case('solveTriangular, upper', 'linalg.solveTriangular', [well(3), randn(3, 2)], {'upper': True})
    case('solveTriangular, lower, left false, unitriangular', 'linalg.solveTriangular', [randn(2, 3, 3), randn(2, 4, 3)],
         {'upper': False, 'left': False, 'unitriangular': True})
    # ---- inv ----
    case('inv', 'linalg.inv', [randn(3, 3)])
    case('inv, batched', 'linalg.inv', [randn(2, 4, 4)])
    case('inv, ill-conditioned (Hilbert 5)', 'linalg.inv', [hilbert(5)], grad=False)
    case('inv, float32', 'linalg.inv', [well(3).float()])
    case('inv, empty', 'linalg.inv', [torch.zeros(0, 0, dtype=f64)], grad=False)
    # ---- det ----
    case('det', 'linalg.det', [randn(3, 3)])
    case('det, batched', 'linalg.det', [randn(2, 4, 4)])
    case('det, 1x1', 'linalg.det', [randn(1, 1)])
    case('det, empty batch', 'linalg.det', [torch.zeros(2, 0, 0, dtype=f64)], grad=False)
    case('det, singular 3x3', 'linalg.det', [singular3], create_graph=True)
    case('det, singular 2x2', 'linalg.det', [singular2], create_graph=True)
    case('det, nilpotent', 'linalg.det', [nilpotent], create_graph=True)
    case('det, rank 1', 'linalg.det', [rank1], create_graph=True)
    case('det, ill-conditioned (Hilbert 4)', 'linalg.det', [hilbert(4)])
    case('det, float32', 'linalg.det', [randn(3, 3).float()])
    # ---- slogdet ----
    case('slogdet', 'linalg.slogdet', [randn(3, 3)])
    case('slogdet, batched', 'linalg.slogdet', [randn(2, 3, 3)])
    case('slogdet, singular', 'linalg.slogdet', [singular2])
    case('slogdet, Hilbert 8 (det 2.7e-33)', 'linalg.slogdet', [hilbert(8)])
    # ---- cholesky ----
    case('cholesky', 'linalg.cholesky', [spd(3)])
    case('cholesky, upper', 'linalg.cholesky', [spd(4)], {'upper': True})
    case('cholesky, batched', 'linalg.cholesky', [spd(3, (2,))])
    case('cholesky, float32', 'linalg.cholesky', [spd(3).float()])
    # ---- qr ----
    case('qr, tall reduced', 'linalg.qr', [randn(5, 3)])
    case('qr, wide reduced', 'linalg.qr', [randn(3, 5)])
    case('qr, square complete', 'linalg.qr', [randn(4, 4)], {'mode': 'complete'})
    case('qr, wide complete', 'linalg.qr', [randn(2, 4)], {'mode': 'complete'})
    case('qr, tall complete', 'linalg.qr', [randn(4, 2)], {'mode': 'complete'}, grad=False)
    case('qr, mode r', 'linalg.qr', [randn(4, 3)], {'mode': 'r'}, grad=False)
    case('qr, batched', 'linalg.qr', [randn(2, 3, 2)])
    case('qr, zero first column', 'linalg.qr', [torch.tensor([[0., 1], [0, 2], [0, 3]], dtype=f64)], grad=False)
    case('qr, float32', 'linalg.qr', [randn(4, 3).float()])
    # ---- eigh ----
    s3 = randn(3, 3)
    case('eigh', 'linalg.eigh', [s3 + s3.mT])
    s4 = randn(4, 4)
    case('eigh, 4x4', 'linalg.eigh', [s4 + s4.mT])
    case('eigh, UPLO U reads the upper triangle', 'linalg.eigh', [randn(3, 3)], {'UPLO': 'U'})
    case('eigh, lower triangle of a non-symmetric input', 'linalg.eigh', [randn(3, 3)])
    sb = randn(2, 3, 3)
    case('eigh, batched', 'linalg.eigh', [sb + sb.mT])
    case('eigh, repeated eigenvalue', 'linalg.eigh', [torch.tensor([[2., 1, 0], [1, 2, 0], [0, 0, 3]], dtype=f64)], grad=False)
    case('eigh, float32', 'linalg.eigh', [(s3 + s3.mT).float()])
    # ---- products and diagonals ----
    for eq, shapes in [('ij,jk->ik', [(3, 4), (4, 2)]), ('bij,bjk->bik', [(2, 3, 4), (2, 4, 2)]), ('ii->i', [(3, 3)]),
                       ('ii', [(3, 3)]), ('...ij,...jk', [(2, 3, 4), (4, 2)]), ('i,i', [(4,), (4,)]), ('ij->', [(2, 3)]),
                       ('ijk->kj', [(2, 3, 4)]), ('bii,bj->bj', [(2, 3, 3), (2, 4)]), ('ij,jk', [(2, 1), (3, 4)]),
                       ('...ij->ij', [(2, 3, 4)]), ('ij,jk,kl->il', [(2, 3), (3, 4), (4, 2)]), ('i,j', [(2,), (3,)]),
                       ('Ba', [(2, 3)]), ('ij->j...i', [(3, 2)]), ('bn,anm,bm->ba', [(2, 3), (4, 3, 5), (2, 5)])]:
        case(f'einsum {eq}', 'einsum', [randn(*s) for s in shapes], {'equation': eq})
    case('dot', 'dot', [randn(5), randn(5)])
    case('outer', 'outer', [randn(3), randn(4)])
    case('mv', 'mv', [randn(3, 4), randn(4)])
    case('bmm', 'bmm', [randn(2, 3, 4), randn(2, 4, 2)])
    case('addmm, beta and alpha, broadcast input', 'addmm', [randn(3), randn(2, 4), randn(4, 3)], {'beta': 0.5, 'alpha': -2})
    case('addmm, beta 0 ignores NaN', 'addmm', [torch.full((2, 3), float('nan'), dtype=f64), randn(2, 4), randn(4, 3)],
         {'beta': 0}, grad=False)
    case('baddbmm', 'baddbmm', [randn(2, 3, 2), randn(2, 3, 4), randn(2, 4, 2)], {'beta': 2, 'alpha': 0.25})
    case('diag of a vector, offset 1', 'diag', [randn(3)], {'diagonal': 1})
    case('diag of a matrix, offset -1', 'diag', [randn(3, 4)], {'diagonal': -1})
    case('diagonal, offset out of range (empty)', 'diagonal', [randn(2, 3)], {'offset': 5}, grad=False)
    case('diagonal, offset 1, dims (2, 0)', 'diagonal', [randn(3, 2, 4)], {'offset': 1, 'dim1': 2, 'dim2': 0})
    case('diagEmbed, offset -1, dims (0, 2)', 'diagEmbed', [randn(2, 3)], {'offset': -1, 'dim1': 0, 'dim2': 2})
    case('trace', 'trace', [randn(3, 4)])

    # ---- errors ----
    error('inv of a singular matrix', 'linalg.inv', [singular3])
    error('inv of a batch with a singular matrix', 'linalg.inv', [torch.stack([torch.eye(3, dtype=f64), singular3])])
    error('inv of a zero matrix', 'linalg.inv', [torch.zeros(2, 2, dtype=f64)])
    error('solve with a singular matrix', 'linalg.solve', [singular2, torch.ones(2, dtype=f64)])
    error('solve with a batch holding a singular matrix', 'linalg.solve', [torch.stack([torch.eye(2, dtype=f64), singular2]), torch.ones(2, 2, dtype=f64)])
    error('cholesky of an indefinite matrix', 'linalg.cholesky', [singular3])
    error('cholesky of a batch holding an indefinite matrix', 'linalg.cholesky', [torch.stack([torch.eye(3, dtype=f64), -torch.eye(3, dtype=f64)])])
    error('inv of a non-square matrix', 'linalg.inv', [randn(2, 3)])
    error('det of a vector', 'linalg.inv', [randn(3)])
    error('solve with incompatible shapes', 'linalg.solve', [randn(3, 3), randn(4, 3)])
    error('solve, left false, incompatible shapes', 'linalg.solve', [randn(3, 3), randn(3, 2)], {'left': False})
    error('solve with mixed dtypes', 'linalg.solve', [randn(3, 3), randn(3).float()])
    error('solveTriangular with a vector B', 'linalg.solveTriangular', [randn(3, 3), randn(3)], {'upper': True})
    error('qr with an unknown mode', 'linalg.qr', [randn(3, 3)], {'mode': 'full'})
    error('eigh of a non-square matrix', 'linalg.eigh', [randn(2, 3)])
    error('einsum, too many operands', 'einsum', [randn(2, 3), randn(3, 2)], {'equation': 'ij'})
    error('einsum, too few operands', 'einsum', [randn(2, 3)], {'equation': 'ij,jk'})
    error('einsum, sizes that do not broadcast', 'einsum', [randn(2, 3), randn(2, 4)], {'equation': 'ij,jk'})
    error('einsum, repeated subscript of unequal sizes', 'einsum', [randn(2, 3)], {'equation': 'ii'})
    error('einsum, wrong number of subscripts', 'einsum', [randn(2, 3, 4)], {'equation': 'ij->i'})
    error('einsum, unknown output subscript', 'einsum', [randn(2, 3)], {'equation': 'ij->k'})
    error('einsum, repeated output subscript', 'einsum', [randn(2, 3)], {'equation': 'ij->ii'})
    error('einsum, invalid subscript', 'einsum', [randn(2, 3)], {'equation': 'i1'})
    error('einsum, a lone dot', 'einsum', [randn(2, 3)], {'equation': '..'})
    error('dot of a matrix', 'dot', [randn(2, 2), randn(3)])
    error('dot of unequal sizes', 'dot', [randn(2), randn(3)])
    error('outer of a matrix', 'outer', [randn(2, 2), randn(3)])
    error('bmm of 2-d tensors', 'bmm', [randn(2, 3), randn(3, 2)])
    error('bmm of mismatched batches', 'bmm', [randn(2, 2, 3), randn(3, 3, 2)])
    error('diag of a 3-d tensor', 'diag', [randn(2, 2, 2)])
    error('diagonal over one dim twice', 'diagonal', [randn(2, 3)], {'offset': 0, 'dim1': 0, 'dim2': 0})
    error('trace of a 3-d tensor', 'trace', [randn(2, 2, 2)])

    out = {
        'about': 'Written by scripts/oracle/linalg.py; see its docstring for the cases and the loss behind the gradients.',
        'torch': torch.__version__,
        'cases': CASES,
        'errors': ERRORS,
    }
    path = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'linalg.json')
    with open(path, 'w') as fh:
        json.dump(out, fh, separators=(',', ':'))
        fh.write('\n')
    print(f'wrote {len(CASES)} cases and {len(ERRORS)} errors to {os.path.normpath(path)}')


if __name__ == '__main__':
    main()
