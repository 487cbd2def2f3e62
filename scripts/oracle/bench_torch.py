#!/usr/bin/env python3
"""Dev-only: PyTorch 1.13's step time for benchmark workloads B7, B8 and B9, at 1 and 2 threads.

Not used by any test, and not part of `npm run bench` (PyTorch cannot run inside it). BENCHMARKS.md quotes its
figures with their date and machine. Needs PyTorch (Debian's /usr/bin/python3 has 1.13). Run it on the quiet
machine right after `npm run bench`, so that the ratios compare figures of the same machine and hour:

    npm run bench:torch
    # which is:
    node --import tsx bench/torch-weights.ts /tmp/adjoint-bench-weights
    /usr/bin/python3 scripts/oracle/bench_torch.py --weights /tmp/adjoint-bench-weights

The workloads are /work/shared/bench-workloads.md's, with the shapes and hyperparameters of bench/data.ts, the
same inputs (bench/data.ts's generator, reimplemented below) and, with --weights, adjoint's initial weights:
then the first two losses (the second after one optimizer step; B9's without dropout) are checked against
adjoint's before anything is timed. Without --weights the models keep PyTorch's own initialisation.

  B7: 2-layer LSTM (input 64, hidden 128) over T = 20 steps of batch 4, a Linear head to 65 classes at every
      step, cross-entropy, Adam(lr 1e-3).
  B8: minGPT-style transformer, 2 pre-LayerNorm blocks (causal self-attention written out, since 1.13 has no
      scaled_dot_product_attention; exact GELU MLP), n_embd 64, 4 heads, block 32, vocab 65, batch 8,
      cross-entropy, clip_grad_norm_(1.0), AdamW(lr 3e-4, betas (0.9, 0.95), weight_decay 0.1).
  B9: LeNet-5 with BatchNorm2d and Dropout(0.5) on 28x28, batch 64, training mode, SGD(lr 0.01, momentum 0.9).

One step = zero_grad, forward, loss, backward, (clip,) optimizer step, loss.item() — as adjoint's step.
Threads: torch.set_num_threads(n) and, through ctypes, openblas_set_num_threads(n) (Debian's OpenBLAS pthread build
keeps its own pool, 2 threads here, whatever torch's setting). The header reports OpenBLAS's core type and the
OPENBLAS_CORETYPE / OMP_WAIT_POLICY variables, which move these figures (see /work/shared/anchors/perf.md).
Timing as bench/harness.ts: warm-up (>= 200 ms and >= 2 steps), steps batched so that a rep takes >= 100 ms,
>= 5 reps (7 when a step takes under 250 ms), median ms per step with the min-max spread over reps.
"""
import argparse
import datetime
import json
import math
import os
import platform
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

M32 = 0xFFFFFFFF


# ------------------------------------------------------------------ bench/data.ts's inputs, bit for bit
def rng(seed):
    """mulberry32, as bench/data.ts's rng(): uniform floats in [0, 1)."""
    a = seed & M32

    def nxt():
        nonlocal a
        a = (a + 0x6D2B79F5) & M32
        t = a
        t = ((t ^ (t >> 15)) * (t | 1)) & M32
        t = (t ^ ((t + (((t ^ (t >> 7)) * (t | 61)) & M32)) & M32)) & M32
        return ((t ^ (t >> 14)) & M32) / 4294967296

    return nxt


def normal(n, seed):
    """bench/data.ts's normal(): Box-Muller pairs from mulberry32, rounded to float32."""
    r = rng(seed)
    out = np.empty(n, dtype=np.float64)
    for i in range(0, n, 2):
        u = 1 - r()
        v = r()
        m = math.sqrt(-2 * math.log(u))
        out[i] = m * math.cos(2 * math.pi * v)
        if i + 1 < n:
            out[i + 1] = m * math.sin(2 * math.pi * v)
    return out.astype(np.float32)


B7 = dict(input=64, hidden=128, layers=2, steps=20, batch=4, classes=65, lr=1e-3)
B8 = dict(blocks=2, embd=64, heads=4, block=32, vocab=65, batch=8, lr=3e-4, beta1=0.9, beta2=0.95, weight_decay=0.1, clip=1.0)
B9 = dict(batch=64, h=28, w=28, classes=10, lr=0.01, momentum=0.9, dropout=0.5)


def b7_data():
    r = rng(71)
    x = normal(B7['steps'] * B7['batch'] * B7['input'], 72).reshape(B7['steps'], B7['batch'], B7['input'])
    y = np.array([math.floor(r() * B7['classes']) for _ in range(B7['steps'] * B7['batch'])], dtype=np.int64)
    return torch.from_numpy(x), torch.from_numpy(y)


def b8_data():
    r = rng(81)
    n, T = B8['batch'] * B8['block'], B8['block']
    stream = [math.floor(r() * B8['vocab']) for _ in range(n + B8['batch'])]
    idx = np.array([[stream[b * (T + 1) + t] for t in range(T)] for b in range(B8['batch'])], dtype=np.int64)
    tgt = np.array([[stream[b * (T + 1) + t + 1] for t in range(T)] for b in range(B8['batch'])], dtype=np.int64)
    return torch.from_numpy(idx), torch.from_numpy(tgt.reshape(-1))


def b9_data():
    r = rng(91)
    x = normal(B9['batch'] * B9['h'] * B9['w'], 92).reshape(B9['batch'], 1, B9['h'], B9['w'])
    y = np.array([math.floor(r() * B9['classes']) for _ in range(B9['batch'])], dtype=np.int64)
    return torch.from_numpy(x), torch.from_numpy(y)


# ------------------------------------------------------------------ models (parameter names = adjoint's)
class LstmModel(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(B7['input'], B7['hidden'], B7['layers'])
        self.head = nn.Linear(B7['hidden'], B7['classes'])

    def forward(self, x):
        out, _ = self.lstm(x)
        return self.head(out.reshape(B7['steps'] * B7['batch'], B7['hidden']))


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        c = B8['embd']
        self.ln1 = nn.LayerNorm(c)
        self.attn = nn.Linear(c, 3 * c)
        self.proj = nn.Linear(c, c)
        self.ln2 = nn.LayerNorm(c)
        self.fc = nn.Linear(c, 4 * c)
        self.fc2 = nn.Linear(4 * c, c)

    def forward(self, x, mask):
        b, t, c = x.shape
        nh = B8['heads']
        hd = c // nh
        q, k, v = self.attn(self.ln1(x)).split(c, dim=2)
        q, k, v = (a.reshape(b, t, nh, hd).transpose(1, 2) for a in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(hd))
        att = att.masked_fill(mask[:t, :t], float('-inf')).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, c)
        x = x + self.proj(y)
        return x + self.fc2(F.gelu(self.fc(self.ln2(x))))


class MiniGpt(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(B8['vocab'], B8['embd'])
        self.wpe = nn.Embedding(B8['block'], B8['embd'])
        self.blocks = nn.ModuleList([Block() for _ in range(B8['blocks'])])
        self.lnF = nn.LayerNorm(B8['embd'])
        self.head = nn.Linear(B8['embd'], B8['vocab'], bias=False)
        T = B8['block']
        self.register_buffer('pos', torch.arange(T), persistent=False)
        self.register_buffer('mask', torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1), persistent=False)

    def forward(self, idx):
        x = self.wte(idx) + self.wpe(self.pos)
        for blk in self.blocks:
            x = blk(x, self.mask)
        return self.head(self.lnF(x))


def lenet(dropout):
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.BatchNorm2d(6), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(16 * 5 * 5, 120), nn.ReLU(), nn.Dropout(dropout),
        nn.Linear(120, 84), nn.ReLU(),
        nn.Linear(84, B9['classes']),
    )


def load_weights(model, weights, wid):
    """Copy adjoint's initial parameters (by name) into the model; every parameter must be covered."""
    if weights is None:
        return
    index, blob = weights
    entries = index['workloads'][wid]['params']
    names = {n for n, _ in model.named_parameters()}
    if names != set(entries):
        raise SystemExit(f'{wid}: parameter names differ from adjoint\'s: only torch {sorted(names - set(entries))}, '
                         f'only adjoint {sorted(set(entries) - names)}')
    with torch.no_grad():
        for name, p in model.named_parameters():
            e = entries[name]
            if list(p.shape) != e['shape']:
                raise SystemExit(f'{wid}: {name} has shape {list(p.shape)} here, {e["shape"]} in adjoint')
            n = int(np.prod(e['shape']))
            p.copy_(torch.from_numpy(blob[e['offset']:e['offset'] + n].reshape(e['shape'])))


# ------------------------------------------------------------------ steps
def make_step(wid, weights, dropout=None):
    """A training step of workload wid; returns a function that runs one step and returns the loss."""
    torch.manual_seed(int(wid[1:]))
    if wid == 'B7':
        model = LstmModel()
        load_weights(model, weights, wid)
        x, y = b7_data()
        opt = torch.optim.Adam(model.parameters(), lr=B7['lr'])

        def step():
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss.item()
    elif wid == 'B8':
        model = MiniGpt()
        load_weights(model, weights, wid)
        idx, tgt = b8_data()
        params = list(model.parameters())
        opt = torch.optim.AdamW(params, lr=B8['lr'], betas=(B8['beta1'], B8['beta2']), weight_decay=B8['weight_decay'])

        def step():
            opt.zero_grad()
            loss = F.cross_entropy(model(idx).reshape(-1, B8['vocab']), tgt)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, B8['clip'])
            opt.step()
            return loss.item()
    elif wid == 'B9':
        model = lenet(B9['dropout'] if dropout is None else dropout)
        load_weights(model, weights, wid)
        model.train()
        x, y = b9_data()
        opt = torch.optim.SGD(model.parameters(), lr=B9['lr'], momentum=B9['momentum'])

        def step():
            opt.zero_grad()
            loss = F.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            return loss.item()
    else:
        raise SystemExit(f'unknown workload {wid}')
    return step


def measure(fn, min_rep_ms=100.0, warmup_ms=200.0, reps=None):
    """bench/harness.ts's measure(): median (and min, max) ms per call over reps of batched calls."""
    def once():
        t0 = time.perf_counter()
        fn()
        return (time.perf_counter() - t0) * 1e3

    last = once()
    spent, calls = last, 1
    while (calls < 2 and last < 1000) or spent < warmup_ms:
        last = once()
        spent += last
        calls += 1
    batch = max(1, math.ceil(min_rep_ms / max(last, 1e-6)))
    reps = max(5, reps or (5 if last > 250 else 7))
    per_call = []
    for _ in range(reps):
        t0 = time.perf_counter()
        for _ in range(batch):
            fn()
        per_call.append((time.perf_counter() - t0) * 1e3 / batch)
    return dict(median=statistics.median(per_call), min=min(per_call), max=max(per_call), reps=reps, batch=batch)


def fmt(x):
    """bench/harness.ts's fmt(): 3 significant digits."""
    a = abs(x)
    if a >= 100:
        return f'{x:.0f}'
    if a >= 10:
        return f'{x:.1f}'
    if a >= 1:
        return f'{x:.2f}'
    if a >= 0.01:
        return f'{x:.3f}'
    return f'{x:.2g}'


def cpu_model():
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown'


def openblas():
    """The OpenBLAS library torch loaded (ctypes handle), or None: torch.set_num_threads does not size its pool."""
    import ctypes
    try:
        with open('/proc/self/maps') as f:
            paths = sorted({l.split()[-1] for l in f if 'openblas' in l.lower() and l.split()[-1].startswith('/')})
    except OSError:
        return None
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_get_corename.restype = ctypes.c_char_p
            lib.openblas_set_num_threads.argtypes = [ctypes.c_int]
            return lib
        except (OSError, AttributeError):
            continue
    return None


def set_threads(n, blas):
    """n threads for torch's intra-op pool (OpenMP) and for OpenBLAS's own pthread pool."""
    torch.set_num_threads(n)
    if blas is not None:
        blas.openblas_set_num_threads(n)


LABELS = {'B7': 'B7 2-layer LSTM step (Adam)', 'B8': 'B8 minGPT step (AdamW, clip)', 'B9': 'B9 LeNet-BN step (SGD-momentum)'}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--weights', help='directory with weights.json/.bin from bench/torch-weights.ts (adjoint\'s initial weights)')
    ap.add_argument('--workloads', default='B7,B8,B9')
    ap.add_argument('--threads', default='1,2')
    ap.add_argument('--reps', type=int, default=None, help='timed reps (default 7, or 5 when a step takes over 250 ms)')
    ap.add_argument('--json', help='also write the figures to this file')
    args = ap.parse_args()
    wids = [w.strip() for w in args.workloads.split(',') if w.strip()]
    threads = [int(t) for t in args.threads.split(',')]

    weights = None
    if args.weights:
        with open(os.path.join(args.weights, 'weights.json')) as f:
            index = json.load(f)
        blob = np.fromfile(os.path.join(args.weights, 'weights.bin'), dtype='<f4')
        weights = (index, blob)

    torch.mm(torch.ones(8, 8), torch.ones(8, 8))  # loads the BLAS
    blas = openblas()
    blas_text = (f'OpenBLAS core {blas.openblas_get_corename().decode()}, its threads set with the torch threads'
                 if blas is not None else 'OpenBLAS not found (threads: torch.set_num_threads only)')
    env = ', '.join(f'{k}={os.environ[k]}' for k in ('OPENBLAS_CORETYPE', 'OMP_WAIT_POLICY', 'OMP_NUM_THREADS') if k in os.environ) or 'no BLAS/OpenMP variables set'

    load_start = ' / '.join(f'{x:.2f}' for x in os.getloadavg())
    started = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec='seconds')
    checks = {}
    for wid in wids:
        set_threads(1, blas)
        check = make_step(wid, weights, dropout=0.0)
        ours = [check(), check()]
        if weights is not None:
            ref = weights[0]['workloads'][wid]['losses']
            dev = max(abs(a - b) / max(abs(b), 1e-12) for a, b in zip(ours, ref))
            checks[wid] = (ours, ref, dev)
            if dev > 2e-3:
                print(f'{wid}: MISMATCH: torch losses {ours} vs adjoint {ref} (rel. dev. {dev:.1e})', file=sys.stderr)
        else:
            checks[wid] = (ours, None, None)

    results = {}
    for n in threads:
        set_threads(n, blas)
        for wid in wids:
            step = make_step(wid, weights)
            s = measure(step, reps=args.reps)
            results[(wid, n)] = s
            print(f'  torch t{n} {wid}: {s["median"]:.3f} ms ({s["min"]:.3f}-{s["max"]:.3f}, {s["reps"]} reps x {s["batch"]})', file=sys.stderr)

    load_end = ' / '.join(f'{x:.2f}' for x in os.getloadavg())
    print(f'PyTorch {torch.__version__} (Debian python3-torch; {torch.__config__.parallel_info().splitlines()[-1].strip()}; '
          f'{blas_text}; {env}), {cpu_model()}, {os.cpu_count()} cores, {started}; load average at start {load_start}, at end {load_end}.')
    print('Step time in ms per step, median (min-max over reps); losses of the first two steps (B9 without dropout)'
          + (' against adjoint\'s from the same initial weights.' if weights else ' from PyTorch\'s own initialisation.'))
    print()
    head = ['workload'] + [f'PyTorch 1.13 t{n} (ms)' for n in threads] + ['losses, steps 1-2 (check)']
    print('| ' + ' | '.join(head) + ' |')
    print('| ' + ' | '.join('---' for _ in head) + ' |')
    for wid in wids:
        ours, ref, dev = checks[wid]
        check = ', '.join(f'{x:.5f}' for x in ours)
        if dev is not None:
            check += f' ({"ok" if dev <= 2e-3 else "MISMATCH"} vs adjoint, {dev:.1e})'
        cells = [f'{fmt(results[(wid, n)]["median"])} ({fmt(results[(wid, n)]["min"])}-{fmt(results[(wid, n)]["max"])})' for n in threads]
        print('| ' + ' | '.join([LABELS.get(wid, wid)] + cells + [check]) + ' |')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump({
                'torch': torch.__version__, 'blas': blas_text, 'env': env, 'cpu': cpu_model(), 'date': started, 'load_start': load_start, 'load_end': load_end,
                'steps': {f'{w} t{n}': s for (w, n), s in results.items()},
                'checks': {w: {'torch': c[0], 'adjoint': c[1], 'rel_dev': c[2]} for w, c in checks.items()},
            }, f, indent=1)


if __name__ == '__main__':
    main()
