#!/usr/bin/env python3
"""Dev-only: the GPT of `npm run example:gpt` (examples/gpt.ts) in PyTorch, to time the same model and training on
the same machine. Never a test or CI dependency. Needs Debian's PyTorch (1.13):

    node --import tsx scripts/oracle/gpt-split.ts > /tmp/gpt-split.json   # the example's split and hyperparameters
    /usr/bin/python3 scripts/oracle/gpt_torch.py /tmp/gpt-split.json [--threads N]

The split file holds the vocabulary, the encoded training and validation names, and the hyperparameters, so both
programs train the same architecture (examples/gpt-model.ts: token + position embeddings, pre-LayerNorm blocks of causal
self-attention (nn.MultiheadAttention with a causal mask) and a GELU MLP, a final LayerNorm and a linear head, with the
same parameter names), with AdamW, linear warmup then cosine decay, gradient clipping at
norm 1, the same batch size and number of steps. Batches are drawn with PyTorch's own generator (the timing does not
depend on which names are drawn). It prints the training time (wall and CPU, the validation
every tenth of the run included, as in the example), the time per step and the validation loss.
"""
import argparse
import json
import time
import warnings

import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.ln1 = nn.LayerNorm(d)
        self.attn = nn.MultiheadAttention(d, heads, batch_first=True)
        self.ln2 = nn.LayerNorm(d)
        self.mlp = nn.Sequential(nn.Linear(d, 4 * d), nn.GELU(), nn.Linear(4 * d, d))

    def forward(self, x, mask):
        h = self.ln1(x)
        a, _ = self.attn(h, h, h, attn_mask=mask, need_weights=False)
        x = x + a
        return x + self.mlp(self.ln2(x))


class GPT(nn.Module):
    def __init__(self, vocab, block, d, heads, layers):
        super().__init__()
        self.wte = nn.Embedding(vocab, d)
        self.wpe = nn.Embedding(block, d)
        self.blocks = nn.ModuleList([Block(d, heads) for _ in range(layers)])
        self.lnF = nn.LayerNorm(d)
        self.head = nn.Linear(d, vocab, bias=False)

    def forward(self, idx):
        t = idx.shape[1]
        x = self.wte(idx) + self.wpe(torch.arange(t))
        mask = nn.Transformer.generate_square_subsequent_mask(t)
        for blk in self.blocks:
            x = blk(x, mask)
        return self.head(self.lnF(x))


def main():
    # SequentialLR in 1.13 steps its schedulers with an epoch argument, which warns; nothing to act on.
    warnings.filterwarnings('ignore', category=UserWarning, module='torch.optim.lr_scheduler')
    ap = argparse.ArgumentParser()
    ap.add_argument('split')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--steps', type=int, default=0, help='override the number of steps (a quick check)')
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    with open(args.split) as f:
        s = json.load(f)
    hp = s['hyper']
    if args.steps:
        hp['steps'] = args.steps
    torch.manual_seed(hp['seed'])
    block = hp['blockSize']

    def encode(names):
        x = torch.zeros(len(names), block, dtype=torch.long)
        y = torch.full((len(names), block), -1, dtype=torch.long)
        for i, ids in enumerate(names):
            seq = [0] + ids + [0]
            x[i, :len(seq) - 1] = torch.tensor(seq[:-1])
            y[i, :len(seq) - 1] = torch.tensor(seq[1:])
        return x, y

    xtr, ytr = encode(s['train'])
    xva, yva = encode(s['val'])
    model = GPT(len(s['vocab']), block, hp['embd'], hp['heads'], hp['layers'])
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': hp['weightDecay']}, {'params': no_decay, 'weight_decay': 0.0}],
                            lr=hp['lr'], betas=(0.9, 0.99))
    warm = torch.optim.lr_scheduler.LinearLR(opt, start_factor=hp['warmupStart'], total_iters=hp['warmup'])
    cos = torch.optim.lr_scheduler.CosineAnnealingLR(opt, hp['steps'] - hp['warmup'], eta_min=hp['lr'] * hp['minLrFactor'])
    sched = torch.optim.lr_scheduler.SequentialLR(opt, [warm, cos], [hp['warmup']])
    every = max(1, round(hp['steps'] / 10))
    def val_loss():
        model.eval()
        with torch.no_grad():
            logits = model(xva)
            out = F.cross_entropy(logits.view(-1, logits.shape[-1]), yva.view(-1), ignore_index=-1).item()
        model.train()
        return out

    start, cpu_start = time.perf_counter(), time.process_time()
    for step in range(hp['steps']):
        ix = torch.randint(0, xtr.shape[0], (hp['batch'],))
        logits = model(xtr[ix])
        loss = F.cross_entropy(logits.view(-1, logits.shape[-1]), ytr[ix].view(-1), ignore_index=-1)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), hp['clip'])
        opt.step()
        sched.step()
        if (step + 1) % every == 0 or step + 1 == hp['steps']:
            val = val_loss()  # as the example: the validation loss every tenth of the run, in the timing
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    params = sum(p.numel() for p in model.parameters())
    print(json.dumps({'torch': torch.__version__, 'threads': args.threads, 'params': params, 'steps': hp['steps'], 'seconds': round(seconds, 2), 'cpuSeconds': round(cpu_seconds, 2),
                      'msPerStep': round(1000 * seconds / hp['steps'], 2), 'valLoss': round(val, 4)}))


if __name__ == '__main__':
    main()
