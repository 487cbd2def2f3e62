#!/usr/bin/env python3
"""Dev-only PyTorch oracle for the losses and distances (test/losses.test.ts). Never a test or CI dependency.

    /usr/bin/python3 scripts/oracle/losses.py

Writes test/fixtures/losses.json: for each case (a function of torch.nn.functional, its options in adjoint's
camelCase spelling, and its arguments), in float64 and float32, PyTorch's result and the gradients of every
floating argument of Σ(out · r) (r = lcg(500) when the result is not a scalar; out itself when it is). Each
argument is regenerated on both sides: lcg(shape, seed) mapped elementwise by its `map` (see MAPS, mirrored in the
test), then converted to the dtype. Tensor options (weight, posWeight) are arguments that get no gradient. A gradient
element that PyTorch computes as NaN (a 0·log 0 of its formula, where adjoint's is finite) is written as null.
"""
import math

import torch
import torch.nn.functional as F

from oracle_common import flat, lcg, write_json

torch.set_num_threads(1)

# Elementwise maps of lcg values in [-1, 1); the test applies the same arithmetic in float64.
MAPS = {
    'any': lambda v: v,
    'prob': lambda v: v * 0.4 + 0.5,
    'positive': lambda v: v * 0.5 + 1.0,
    'sign': lambda v: -1.0 if v < 0 else 1.0,
    'binary': lambda v: 0.0 if v < 0 else 1.0,
    'counts': lambda v: float(math.floor((v + 1.0) * 3.0)),
    'class4': lambda v: float(math.floor((v + 1.0) * 2.0)),
    'wide': lambda v: v * 3.0,
}

FUNCS = {
    'l1Loss': F.l1_loss, 'mseLoss': F.mse_loss, 'smoothL1Loss': F.smooth_l1_loss, 'huberLoss': F.huber_loss,
    'binaryCrossEntropy': F.binary_cross_entropy, 'binaryCrossEntropyWithLogits': F.binary_cross_entropy_with_logits,
    'klDiv': F.kl_div, 'poissonNllLoss': F.poisson_nll_loss, 'gaussianNllLoss': F.gaussian_nll_loss,
    'marginRankingLoss': F.margin_ranking_loss, 'hingeEmbeddingLoss': F.hinge_embedding_loss,
    'softMarginLoss': F.soft_margin_loss, 'multiLabelSoftMarginLoss': F.multilabel_soft_margin_loss,
    'cosineEmbeddingLoss': F.cosine_embedding_loss, 'tripletMarginLoss': F.triplet_margin_loss,
    'cosineSimilarity': F.cosine_similarity, 'pairwiseDistance': F.pairwise_distance, 'normalize': F.normalize,
    'crossEntropy': F.cross_entropy, 'nllLoss': F.nll_loss,
}

SNAKE = {'logTarget': 'log_target', 'logInput': 'log_input', 'posWeight': 'pos_weight', 'ignoreIndex': 'ignore_index',
         'labelSmoothing': 'label_smoothing'}


def arg(shape, seed, m='any', dtype=None):
    return {'shape': shape, 'seed': seed, 'map': m, **({'dtype': dtype} if dtype else {})}


CASES = [
    dict(fn='l1Loss', args=[arg([3, 4], 1), arg([3, 4], 2)], options={}),
    dict(fn='l1Loss', args=[arg([5], 1), arg([5], 2)], options={'reduction': 'none'}),
    dict(fn='mseLoss', args=[arg([2, 3], 3), arg([2, 3], 4)], options={'reduction': 'sum'}),
    dict(fn='smoothL1Loss', args=[arg([4, 3], 5, 'wide'), arg([4, 3], 6)], options={'beta': 0.5}),
    dict(fn='smoothL1Loss', args=[arg([6], 5, 'wide'), arg([6], 6)], options={'beta': 0.0, 'reduction': 'none'}),
    dict(fn='huberLoss', args=[arg([4, 3], 7, 'wide'), arg([4, 3], 8)], options={'delta': 0.7, 'reduction': 'none'}),
    dict(fn='binaryCrossEntropy', args=[arg([3, 4], 9, 'prob'), arg([3, 4], 10, 'prob')], options={}),
    dict(fn='binaryCrossEntropy', args=[arg([3, 4], 9, 'prob'), arg([3, 4], 11, 'binary')],
         options={'reduction': 'none'}, tensorOptions={'weight': arg([4], 12, 'positive')}),
    dict(fn='binaryCrossEntropyWithLogits', args=[arg([3, 4], 13, 'wide'), arg([3, 4], 14, 'prob')], options={},
         tensorOptions={'weight': arg([3, 1], 15, 'positive'), 'posWeight': arg([4], 16, 'positive')}),
    dict(fn='binaryCrossEntropyWithLogits', args=[arg([5], 13, 'wide'), arg([5], 14, 'binary')], options={'reduction': 'sum'}),
    dict(fn='klDiv', args=[arg([3, 4], 17), arg([3, 4], 18, 'prob')], options={'reduction': 'batchmean'}),
    dict(fn='klDiv', args=[arg([3, 4], 17), arg([3, 4], 18)], options={'logTarget': True, 'reduction': 'none'}),
    dict(fn='klDiv', args=[arg([2, 5], 19), arg([2, 5], 20, 'prob')], options={}),
    dict(fn='poissonNllLoss', args=[arg([3, 4], 21), arg([3, 4], 22, 'counts')], options={}),
    dict(fn='poissonNllLoss', args=[arg([3, 4], 23, 'positive'), arg([3, 4], 22, 'counts')],
         options={'logInput': False, 'full': True, 'reduction': 'none'}),
    dict(fn='gaussianNllLoss', args=[arg([3, 4], 24), arg([3, 4], 25), arg([3, 4], 26, 'positive')], options={}),
    dict(fn='gaussianNllLoss', args=[arg([3, 4], 24), arg([3, 4], 25), arg([3], 27, 'positive')], options={'full': True, 'reduction': 'none'}),
    dict(fn='gaussianNllLoss', args=[arg([3, 4], 24), arg([3, 4], 25), arg([3, 1], 28, 'positive')], options={'reduction': 'sum'}),
    dict(fn='marginRankingLoss', args=[arg([6], 29), arg([6], 30), arg([6], 31, 'sign')], options={'margin': 0.2}),
    dict(fn='hingeEmbeddingLoss', args=[arg([3, 4], 32, 'positive'), arg([3, 4], 33, 'sign')], options={'margin': 1.2, 'reduction': 'none'}),
    dict(fn='softMarginLoss', args=[arg([3, 4], 34, 'wide'), arg([3, 4], 35, 'sign')], options={}),
    dict(fn='multiLabelSoftMarginLoss', args=[arg([3, 4], 36, 'wide'), arg([3, 4], 37, 'binary')], options={'reduction': 'none'},
         tensorOptions={'weight': arg([4], 38, 'positive')}),
    dict(fn='cosineEmbeddingLoss', args=[arg([4, 5], 39), arg([4, 5], 40), arg([4], 41, 'sign')], options={'margin': 0.1, 'reduction': 'none'}),
    dict(fn='cosineEmbeddingLoss', args=[arg([5], 42), arg([5], 43), arg([], 44, 'sign')], options={}),
    dict(fn='tripletMarginLoss', args=[arg([4, 5], 45), arg([4, 5], 46), arg([4, 5], 47)], options={'margin': 0.8}),
    dict(fn='tripletMarginLoss', args=[arg([4, 5], 45), arg([4, 5], 46), arg([4, 5], 47)], options={'p': 1.0, 'swap': True, 'reduction': 'none'}),
    dict(fn='cosineSimilarity', args=[arg([3, 4], 48), arg([3, 4], 49)], options={}),
    dict(fn='cosineSimilarity', args=[arg([2, 3, 4], 48), arg([3, 4], 49)], options={'dim': -1}),
    dict(fn='pairwiseDistance', args=[arg([3, 4], 50), arg([3, 4], 51)], options={}),
    dict(fn='pairwiseDistance', args=[arg([3, 4], 50), arg([3, 4], 51)], options={'p': 3.0, 'keepdim': True}),
    dict(fn='pairwiseDistance', args=[arg([3, 4], 50), arg([3, 4], 51)], options={'p': 1.0, 'eps': 0.0}),
    dict(fn='normalize', args=[arg([3, 4], 52)], options={}),
    dict(fn='normalize', args=[arg([3, 4], 52)], options={'p': 1.0, 'dim': 0}),
    dict(fn='crossEntropy', args=[arg([4, 4], 53), arg([4], 54, 'class4', 'int32')], options={}),
    dict(fn='crossEntropy', args=[arg([4, 4, 2], 55), arg([4, 2], 54, 'class4', 'int32')],
         options={'labelSmoothing': 0.2, 'ignoreIndex': 1}, tensorOptions={'weight': arg([4], 56, 'positive')}),
    dict(fn='crossEntropy', args=[arg([3, 4], 57), arg([3, 4], 58, 'prob')], options={'reduction': 'sum'}),
    dict(fn='nllLoss', args=[arg([4, 4], 59), arg([4], 60, 'class4', 'int32')], options={'reduction': 'none'},
         tensorOptions={'weight': arg([4], 61, 'positive')}),
]


def make(a, dtype):
    n = 1
    for d in a['shape']:
        n *= d
    vals = [MAPS[a['map']](v) for v in lcg(n, a['seed'])]
    if a.get('dtype') == 'int32':
        return torch.tensor(vals, dtype=torch.int64).reshape(a['shape'])
    return torch.tensor(vals, dtype=torch.float64).reshape(a['shape']).to(dtype)


def nan_free(values):
    """NaN gradients (PyTorch's 0·log 0 in poisson_nll_loss's Stirling term at target 0) as null: the test requires a finite number there."""
    return [None if math.isnan(v) else v for v in values]


TARGET_INDEX = {'marginRankingLoss': 2, 'cosineEmbeddingLoss': 2}


def run(case, dtype):
    try:
        return run_with(case, dtype, True)
    except RuntimeError as e:
        # Some of PyTorch's losses are not differentiable in their target: then only the others get gradients.
        if 'not differentiable with respect to argument' not in str(e):
            raise
        return run_with(case, dtype, False)


def run_with(case, dtype, target_grad):
    args = [make(a, dtype) for a in case['args']]
    for i, t in enumerate(args):
        if t.is_floating_point() and (target_grad or i != TARGET_INDEX.get(case['fn'], 1)):
            t.requires_grad_(True)
    kwargs = {SNAKE.get(k, k): v for k, v in case['options'].items()}
    for k, a in case.get('tensorOptions', {}).items():
        kwargs[SNAKE.get(k, k)] = make(a, dtype)
    fn = FUNCS[case['fn']]
    if case['fn'] == 'gaussianNllLoss':
        out = fn(args[0], args[1], args[2], **kwargs)
    else:
        out = fn(*args, **kwargs)
    loss = out if out.dim() == 0 else (out * make({'shape': list(out.shape), 'seed': 500, 'map': 'any'}, dtype)).sum()
    wanted = [t for t in args if t.requires_grad]
    grads = torch.autograd.grad(loss, wanted, allow_unused=True)
    it = iter(grads)
    return {
        'out': flat(out, dtype), 'shape': list(out.shape),
        'grads': [(None if g is None else nan_free(flat(g, dtype))) for g in (next(it) if t.requires_grad else None for t in args)],
    }


def main():
    cases = []
    for case in CASES:
        entry = dict(case)
        for name, dtype in (('float64', torch.float64), ('float32', torch.float32)):
            entry[name] = run(case, dtype)
        cases.append(entry)
    write_json('losses.json', {'about': 'Written by scripts/oracle/losses.py; see its docstring for the inputs.', 'torch': torch.__version__, 'cases': cases})


if __name__ == '__main__':
    main()
