#!/usr/bin/env python3
"""Dev-only PyTorch oracle for convolution, pooling and resampling (test/conv.test.ts). Never a test or CI dependency.

    /usr/bin/python3 scripts/oracle/conv.py

Writes test/fixtures/conv.json: for each case (a function of torch.nn.functional, its tensor arguments, its other
positional arguments and its options in adjoint's camelCase spelling), in float64 and float32, PyTorch's result
and the gradients of every tensor argument of Σ(out · r), r = lcg(500) of the result's shape. Tensor argument k is
lcg(shape, seed) (oracle_common.py; test/support/lcg.ts mirrors it) in the dtype. For adaptive max pooling with
returnIndices, the indices are recorded too.

Also writes the LeNet-with-BatchNorm state-dict fixture when run with --lenet (test/fixtures/lenet-bn.*): see
lenet_fixture().
"""
import copy
import sys

import torch
import torch.nn.functional as F

from oracle_common import flat, lcg_tensor, write_json, write_safetensors

torch.set_num_threads(1)

FUNCS = {
    'conv2d': F.conv2d, 'conv1d': F.conv1d, 'convTranspose2d': F.conv_transpose2d, 'avgPool2d': F.avg_pool2d,
    'adaptiveAvgPool2d': F.adaptive_avg_pool2d, 'adaptiveMaxPool2d': F.adaptive_max_pool2d, 'interpolate': F.interpolate,
    'maxPool2d': F.max_pool2d, 'pixelShuffle': F.pixel_shuffle, 'pixelUnshuffle': F.pixel_unshuffle,
}

SNAKE = {'outputPadding': 'output_padding', 'ceilMode': 'ceil_mode', 'countIncludePad': 'count_include_pad',
         'divisorOverride': 'divisor_override', 'returnIndices': 'return_indices', 'scaleFactor': 'scale_factor',
         'alignCorners': 'align_corners', 'recomputeScaleFactor': 'recompute_scale_factor'}


def case(fn, shapes, positional=None, options=None, label=''):
    return {'fn': fn, 'shapes': shapes, 'positional': positional or [], 'options': options or {}, 'label': label}


CASES = [
    case('conv2d', [[1, 4, 4, 5], [4, 2, 3, 3], [4]], options={'padding': 1, 'groups': 2}),
    case('conv2d', [[1, 2, 6, 5], [3, 2, 4, 3], [3]], options={'padding': 'same'}, label='even kernel height: one more padding row at the end'),
    case('conv2d', [[1, 2, 7, 7], [2, 2, 3, 3]], options={'padding': 'same', 'dilation': 2}),
    case('conv2d', [[2, 3, 7, 6], [3, 1, 3, 3], [3]], options={'padding': 'valid', 'stride': 2, 'groups': 3}, label='depthwise'),
    case('conv2d', [[2, 5, 5], [3, 2, 2, 2]], options={'stride': [1, 2], 'dilation': [2, 1]}, label='unbatched'),
    case('conv1d', [[2, 3, 10], [4, 3, 3], [4]], options={'stride': 2, 'padding': 1}),
    case('conv1d', [[1, 3, 9], [6, 1, 4]], options={'padding': 'same', 'dilation': 2, 'groups': 3}),
    case('conv1d', [[2, 7], [3, 2, 2], [3]], label='unbatched'),
    case('convTranspose2d', [[1, 4, 3, 3], [4, 2, 3, 3], [2]], options={'stride': 2, 'padding': 1, 'outputPadding': 1}),
    case('convTranspose2d', [[1, 4, 3, 4], [4, 2, 2, 3]], options={'stride': [2, 1], 'dilation': [1, 2], 'padding': [0, 1], 'groups': 2}),
    case('convTranspose2d', [[2, 3, 3], [2, 2, 3, 3], [2]], label='unbatched'),
    case('avgPool2d', [[1, 3, 7, 6]], [3], {'stride': 2, 'padding': 1, 'countIncludePad': False}),
    case('avgPool2d', [[1, 2, 6, 6]], [3], {'stride': 2, 'padding': 1, 'ceilMode': True}),
    case('avgPool2d', [[1, 2, 5, 5]], [2], {'ceilMode': True, 'divisorOverride': 3}),
    case('avgPool2d', [[2, 5, 4]], [[2, 1]], {'stride': [1, 2]}, label='unbatched'),
    case('maxPool2d', [[1, 2, 6, 7]], [3], {'stride': 2, 'padding': 1, 'ceilMode': True}),
    case('maxPool2d', [[2, 5, 5]], [2], {'ceilMode': True}, label='unbatched'),
    case('adaptiveAvgPool2d', [[1, 3, 7, 5]], [[3, 2]]),
    case('adaptiveAvgPool2d', [[1, 2, 8, 6]], [[4, 3]], label='windows that tile the input'),
    case('adaptiveAvgPool2d', [[1, 2, 5, 6]], [[None, 4]], label='null keeps the height'),
    case('adaptiveAvgPool2d', [[2, 3, 4]], [1], label='unbatched, global'),
    case('adaptiveMaxPool2d', [[2, 3, 7, 5]], [[3, 2]], {'returnIndices': True}),
    case('adaptiveMaxPool2d', [[1, 2, 3, 4]], [[5, 6]], label='more outputs than inputs'),
    case('interpolate', [[1, 2, 3, 4]], options={'scaleFactor': 2}),
    case('interpolate', [[1, 2, 3, 4]], options={'size': [5, 7]}),
    case('interpolate', [[1, 2, 4, 5]], options={'scaleFactor': 1.7}),
    case('interpolate', [[1, 2, 3, 4]], options={'size': [5, 7], 'mode': 'nearest-exact'}),
    case('interpolate', [[1, 2, 3, 4]], options={'size': [5, 7], 'mode': 'bilinear', 'alignCorners': False}),
    case('interpolate', [[1, 2, 3, 4]], options={'scaleFactor': 2.5, 'mode': 'bilinear', 'alignCorners': True}),
    case('interpolate', [[2, 1, 5, 7]], options={'size': [2, 3], 'mode': 'bilinear'}, label='downsampling'),
    case('interpolate', [[1, 2, 5, 4]], options={'scaleFactor': 1.3, 'mode': 'bilinear', 'recomputeScaleFactor': True}),
    case('interpolate', [[1, 2, 5, 4]], options={'scaleFactor': [1.5, 0.5], 'mode': 'bilinear'}),
    case('interpolate', [[2, 3, 4]], options={'size': 7, 'mode': 'linear'}),
    case('interpolate', [[2, 3, 4]], options={'scaleFactor': 3, 'mode': 'linear', 'alignCorners': True}),
    case('pixelShuffle', [[1, 8, 2, 3]], [2]),
    case('pixelUnshuffle', [[2, 1, 4, 6]], [2]),
]


def run(c, dtype):
    args = [lcg_tensor(s, 1 + k, dtype, requires_grad=True) for k, s in enumerate(c['shapes'])]
    kwargs = {SNAKE.get(k, k): (tuple(v) if isinstance(v, list) else v) for k, v in c['options'].items()}
    positional = [tuple(p) if isinstance(p, list) else p for p in c['positional']]
    result = FUNCS[c['fn']](*args, *positional, **kwargs)
    indices = None
    if isinstance(result, tuple):
        result, indices = result
    loss = (result * lcg_tensor(list(result.shape), 500, dtype)).sum()
    grads = torch.autograd.grad(loss, args)
    out = {'out': flat(result, dtype), 'shape': list(result.shape), 'grads': [flat(g, dtype) for g in grads]}
    if indices is not None:
        out['indices'] = indices.reshape(-1).tolist()
    return out


def lenet_fixture():
    """A small LeNet with BatchNorm (28×28 input), PyTorch's own initialisation (seed 0), its running statistics
    moved by three training-mode forwards on lcg inputs (seeds 11, 12, 13), saved as safetensors; and its outputs on
    lcg([2, 1, 28, 28], 77) in eval mode and in training mode, with the first BatchNorm's running statistics after that
    training-mode forward.
    """
    torch.manual_seed(0)
    nn = torch.nn
    model = nn.Sequential(
        nn.Conv2d(1, 4, 5, padding=2), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(4, 8, 5), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(200, 32), nn.BatchNorm1d(32), nn.ReLU(), nn.Linear(32, 10),
    )
    model.train()
    with torch.no_grad():
        for seed in (11, 12, 13):
            model(lcg_tensor([4, 1, 28, 28], seed, torch.float32))
    write_safetensors('lenet-bn.safetensors', model.state_dict(), {'format': 'pt', 'about': 'a LeNet with BatchNorm; see scripts/oracle/conv.py lenet_fixture()'})
    x = lcg_tensor([2, 1, 28, 28], 77, torch.float32)
    # The same weights in float64, for a comparison to rounding (the float32 one differs by the order of the sums).
    model64 = copy.deepcopy(model).double()
    with torch.no_grad():
        model.eval()
        model64.eval()
        eval_out, eval64 = model(x), model64(x.double())
        model.train()
        model64.train()
        train_out, train64 = model(x), model64(x.double())
    write_json('lenet-bn.json', {
        'about': 'Written by scripts/oracle/conv.py (lenet_fixture): outputs of the model in lenet-bn.safetensors on lcg([2, 1, 28, 28], 77)',
        'torch': torch.__version__, 'input': [2, 1, 28, 28],
        'eval': flat(eval_out, torch.float32), 'train': flat(train_out, torch.float32),
        'eval64': flat(eval64, torch.float64), 'train64': flat(train64, torch.float64),
        'runningMean': flat(model[1].running_mean, torch.float32), 'runningVar': flat(model[1].running_var, torch.float32),
        'numBatchesTracked': int(model[1].num_batches_tracked),
    })


def main():
    if '--lenet' in sys.argv:
        lenet_fixture()
        return
    cases = []
    for c in CASES:
        entry = dict(c)
        for name, dtype in (('float64', torch.float64), ('float32', torch.float32)):
            entry[name] = run(c, dtype)
        cases.append(entry)
    write_json('conv.json', {'about': 'Written by scripts/oracle/conv.py; see its docstring for the inputs.', 'torch': torch.__version__, 'cases': cases})


if __name__ == '__main__':
    main()
