#!/usr/bin/env python3
"""Dev-only PyTorch oracle for the layer tests (test/layers-torch.test.ts, test/gpt-fixture.test.ts).

Never a test or CI dependency: the tests read what this writes. Needs Debian's PyTorch (1.13):

    /usr/bin/python3 scripts/oracle/layers.py

Writes
  test/fixtures/layers.json              one entry per case: the module's state dict (PyTorch's keys) and, for
                                         each step, its inputs, outputs, the output gradients, and the gradients
                                         of the float inputs and parameters of sum(out_i * gradOut_i), and the
                                         entries of the state dict that the step changed (running statistics,
                                         max-norm renormalised rows)
  test/fixtures/layers-gpt.safetensors   the float32 state dict of a minGPT-style model (written here by hand:
                                         Debian has no safetensors package)
  test/fixtures/layers-gpt.json          its input token ids and PyTorch's logits, in float32 and (the same
                                         parameters converted) in float64

Everything runs in float64 (the GPT in float32). Inputs and parameters are drawn from a seeded generator and
rounded to 6 significant digits first, so that the decimal numbers in the file are exactly what both sides
compute with; outputs and gradients are written with 13 significant digits. The test builders in
test/layers-torch.test.ts mirror the `cases` below by name.
"""
import json
import math
import os
import struct

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
OUT = os.path.join(ROOT, 'test', 'fixtures')
gen = torch.Generator().manual_seed(1234)


def r6(t):
    """Round to 6 significant digits (as the JSON will hold them)."""
    return torch.tensor([float(f'{v:.6g}') for v in t.reshape(-1).tolist()], dtype=t.dtype).reshape(t.shape)


def randn(*shape, scale=1.0, shift=0.0):
    return r6(torch.randn(*shape, generator=gen, dtype=torch.float64) * scale + shift)


def enc(t):
    if t is None:
        return None
    if t.dtype == torch.bool:
        return {'shape': list(t.shape), 'dtype': 'bool', 'data': [int(v) for v in t.reshape(-1).tolist()]}
    if t.dtype in (torch.int64, torch.int32):
        return {'shape': list(t.shape), 'dtype': 'int32', 'data': [int(v) for v in t.reshape(-1).tolist()]}
    return {'shape': list(t.shape), 'dtype': 'float64', 'data': [float(f'{v:.13g}') for v in t.reshape(-1).tolist()]}


def state(m):
    return {k: enc(v) for k, v in m.state_dict().items()}


def init_params(m, base=None):
    """Deterministic parameters: norm weights around 1, everything else small."""
    with torch.no_grad():
        for name, p in m.named_parameters():
            leaf = name.split('.')[-1]
            if leaf == 'weight' and p.dim() == 1:
                p.copy_(randn(*p.shape, scale=0.3, shift=1.0))
            else:
                p.copy_(randn(*p.shape, scale=0.4))


def run_case(m, steps, call):
    """steps: list of (train, inputs); call(m, inputs) -> list of output tensors."""
    out = {'state': state(m), 'steps': []}
    for train, inputs in steps:
        before = {k: v.clone() for k, v in m.state_dict().items()}
        m.train(train)
        for p in m.parameters():
            p.grad = None
        xs = [x.clone().requires_grad_(x.is_floating_point()) for x in inputs]
        outs = call(m, xs)
        gys = [randn(*o.shape) for o in outs]
        total = sum((o * g).sum() for o, g in zip(outs, gys))
        total.backward()
        out['steps'].append({
            'train': train,
            'inputs': [enc(x.detach()) for x in inputs],
            'outputs': [enc(o.detach()) for o in outs],
            'gradOutputs': [enc(g) for g in gys],
            'inputGrads': [enc(x.grad) if x.is_floating_point() else None for x in xs],
            'paramGrads': {k: enc(p.grad) for k, p in m.named_parameters() if p.grad is not None},
            # Only what the step changed (running statistics, renormalised embedding rows).
            'stateAfter': {k: enc(v) for k, v in m.state_dict().items() if not torch.equal(v, before[k])},
        })
    return out


def single(m, x):
    return [m(x[0])]


def with_kinks(shape, kinks, scale=1.0):
    x = randn(*shape, scale=scale).reshape(-1)
    x[:len(kinks)] = torch.tensor(kinks, dtype=torch.float64)
    return x.reshape(shape)


class RMSNorm(nn.Module):
    """PyTorch 2.4's nn.RMSNorm (not in 1.13), by its definition."""

    def __init__(self, shape, eps=None):
        super().__init__()
        self.shape = (shape,) if isinstance(shape, int) else tuple(shape)
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(self.shape, dtype=torch.float64))

    def forward(self, x):
        dims = tuple(range(-len(self.shape), 0))
        eps = self.eps if self.eps is not None else torch.finfo(x.dtype).eps
        return x * torch.rsqrt(x.pow(2).mean(dims, keepdim=True) + eps) * self.weight


def sdpa(q, k, v, attn_mask=None, is_causal=False, scale=None):
    """PyTorch 2's F.scaled_dot_product_attention (not in 1.13), by its documented definition."""
    L, S = q.shape[-2], k.shape[-2]
    s = scale if scale is not None else 1 / math.sqrt(q.shape[-1])
    scores = q @ k.transpose(-2, -1) * s
    if is_causal:
        scores = scores.masked_fill(~torch.ones(L, S, dtype=torch.bool).tril(), float('-inf'))
    if attn_mask is not None:
        scores = scores.masked_fill(~attn_mask, float('-inf')) if attn_mask.dtype == torch.bool else scores + attn_mask
    return torch.softmax(scores, -1) @ v


def act(m, kinks, scale=1.0, shape=(3, 7)):
    return m, [(True, [with_kinks(shape, kinks, scale)])], single


def cases():
    torch.set_default_dtype(torch.float64)
    c = {}
    x34 = lambda: [randn(3, 4)]
    # ---- activations (values at the kinks first: the subgradients are PyTorch's) ----
    c['GELU'] = act(nn.GELU(), [0.0], 2)
    c['GELU tanh'] = act(nn.GELU(approximate='tanh'), [0.0], 2)
    c['SiLU'] = act(nn.SiLU(), [0.0], 2)
    c['Mish'] = act(nn.Mish(), [0.0, 25.0, -30.0], 2)
    c['LeakyReLU'] = act(nn.LeakyReLU(0.2), [0.0], 2)
    c['ELU'] = act(nn.ELU(0.7), [0.0, 800.0], 2)
    c['SELU'] = act(nn.SELU(), [0.0], 2)
    c['CELU'] = act(nn.CELU(0.5), [0.0], 2)
    c['Softplus'] = act(nn.Softplus(beta=2, threshold=3), [0.0, 1.5, -40.0], 2)
    c['Hardtanh'] = act(nn.Hardtanh(-0.5, 1.2), [-0.5, 1.2, 0.0], 1.5)
    c['ReLU6'] = act(nn.ReLU6(), [0.0, 6.0], 5)
    c['Hardswish'] = act(nn.Hardswish(), [-3.0, 3.0, 0.0], 4)
    c['Hardsigmoid'] = act(nn.Hardsigmoid(), [-3.0, 3.0, 0.0], 4)
    c['Softmax'] = (nn.Softmax(1), [(True, [randn(2, 3, 4)])], single)
    c['LogSoftmax'] = (nn.LogSoftmax(-1), [(True, [randn(2, 3, 4)])], single)
    c['Softmin'] = (nn.Softmin(0), [(True, [randn(3, 4)])], single)
    c['Identity'] = (nn.Identity(), [(True, x34())], single)
    c['Unflatten'] = (nn.Unflatten(1, (2, 3)), [(True, [randn(2, 6, 2)])], single)
    c['Dropout2d eval'] = (nn.Dropout2d(0.5), [(False, [randn(2, 3, 2, 2)])], single)
    # ---- normalisation ----
    ln = nn.LayerNorm(4)
    c['LayerNorm'] = (ln, [(True, [randn(2, 3, 4, scale=2, shift=0.5)])], single)
    c['LayerNorm [3, 4] no affine eps 1e-3'] = (nn.LayerNorm([3, 4], eps=1e-3, elementwise_affine=False), [(True, [randn(2, 3, 4)])], single)
    ln_nb = nn.LayerNorm(5)
    ln_nb.register_parameter('bias', None)
    c['LayerNorm no bias'] = (ln_nb, [(True, [randn(4, 5)])], single)
    c['RMSNorm'] = (RMSNorm(4), [(True, [randn(2, 3, 4)])], single)
    c['RMSNorm eps 1e-3 [2, 4]'] = (RMSNorm([2, 4], eps=1e-3), [(True, [randn(3, 2, 4)])], single)
    bn_steps = lambda *shape: [(True, [randn(*shape, scale=1.5, shift=0.3)]), (True, [randn(*shape)]), (False, [randn(*shape)])]
    c['BatchNorm1d 2-d'] = (nn.BatchNorm1d(3), bn_steps(5, 3), single)
    c['BatchNorm1d 3-d momentum 0.3'] = (nn.BatchNorm1d(3, momentum=0.3), bn_steps(2, 3, 4), single)
    c['BatchNorm1d cumulative'] = (nn.BatchNorm1d(2, momentum=None), bn_steps(4, 2) + [(True, [randn(4, 2)])], single)
    c['BatchNorm2d'] = (nn.BatchNorm2d(3, eps=1e-3), bn_steps(2, 3, 2, 3), single)
    c['BatchNorm2d no affine'] = (nn.BatchNorm2d(2, affine=False), bn_steps(2, 2, 2, 2), single)
    c['BatchNorm2d no running stats'] = (nn.BatchNorm2d(2, track_running_stats=False), bn_steps(3, 2, 2, 1), single)
    c['GroupNorm'] = (nn.GroupNorm(2, 4), [(True, [randn(2, 4, 3)])], single)
    c['GroupNorm no affine'] = (nn.GroupNorm(3, 3, affine=False), [(True, [randn(2, 3, 2, 2)])], single)
    c['InstanceNorm2d'] = (nn.InstanceNorm2d(3), [(True, [randn(2, 3, 2, 3)]), (False, [randn(2, 3, 2, 3)])], single)
    c['InstanceNorm2d affine tracked'] = (nn.InstanceNorm2d(2, affine=True, track_running_stats=True),
                                          [(True, [randn(2, 2, 3, 3, shift=0.5)]), (True, [randn(3, 2, 2, 2)]), (False, [randn(2, 2, 3, 3)])], single)
    c['InstanceNorm1d unbatched'] = (nn.InstanceNorm1d(2, affine=True), [(True, [randn(2, 5)])], single)
    # ---- embedding ----
    ids = torch.tensor([[1, 4, 1], [0, 3, 9]])
    c['Embedding'] = (nn.Embedding(10, 3), [(True, [ids])], single)
    c['Embedding paddingIdx'] = (nn.Embedding(10, 3, padding_idx=1), [(True, [ids])], single)
    c['Embedding maxNorm'] = (nn.Embedding(10, 3, max_norm=0.6), [(True, [ids]), (True, [torch.tensor([2, 2, 5])])], single)
    i32 = lambda v: torch.tensor(v)
    c['EmbeddingBag sum offsets'] = (nn.EmbeddingBag(10, 3, mode='sum'), [(True, [i32([1, 2, 4, 5, 4, 3, 2, 9]), i32([0, 4])])],
                                     lambda m, x: [m(x[0], x[1])])
    c['EmbeddingBag mean 2-d paddingIdx'] = (nn.EmbeddingBag(10, 3, padding_idx=2), [(True, [i32([[1, 2, 4], [2, 2, 2], [7, 7, 1]])])], single)
    c['EmbeddingBag max empty bag includeLastOffset'] = (nn.EmbeddingBag(10, 3, mode='max', include_last_offset=True),
                                                         [(True, [i32([1, 4, 5, 4, 9]), i32([0, 2, 2, 5])])], lambda m, x: [m(x[0], x[1])])
    c['EmbeddingBag sum perSampleWeights'] = (nn.EmbeddingBag(10, 3, mode='sum'), [(True, [i32([3, 1, 3, 8]), i32([0, 1]), randn(4)])],
                                              lambda m, x: [m(x[0], x[1], per_sample_weights=x[2])])
    # ---- attention ----
    L, S, N, E = 3, 4, 2, 4
    causal = nn.Transformer.generate_square_subsequent_mask(L)
    kpm = torch.tensor([[False, False, True, False], [False, False, False, True]])
    mha_call = lambda **kw: (lambda m, x: [t for t in m(x[0], x[1], x[2], **kw) if t is not None])
    qkv = lambda: [(True, [randn(L, N, E), randn(S, N, E), randn(S, N, E)])]
    c['MultiheadAttention'] = (nn.MultiheadAttention(E, 2), qkv(), mha_call())
    c['MultiheadAttention masks, per-head weights'] = (nn.MultiheadAttention(E, 2), [(True, [randn(L, N, E), randn(L, N, E), randn(L, N, E)])],
                                                       lambda m, x: list(m(x[0], x[1], x[2], attn_mask=causal, average_attn_weights=False)))
    c['MultiheadAttention key padding, bool mask, no bias'] = (
        nn.MultiheadAttention(E, 2, bias=False), qkv(),
        lambda m, x: [m(x[0], x[1], x[2], key_padding_mask=kpm, attn_mask=torch.tensor([[False, True, False, False]] * L))[0]])
    c['MultiheadAttention batchFirst kdim vdim no weights'] = (
        nn.MultiheadAttention(E, 4, batch_first=True, kdim=3, vdim=5), [(True, [randn(N, L, E), randn(N, S, 3), randn(N, S, 5)])],
        mha_call(need_weights=False))
    c['MultiheadAttention addBiasKv addZeroAttn'] = (
        nn.MultiheadAttention(E, 2, add_bias_kv=True, add_zero_attn=True), qkv(), lambda m, x: list(m(x[0], x[1], x[2], key_padding_mask=kpm)))
    c['MultiheadAttention unbatched'] = (nn.MultiheadAttention(E, 2), [(True, [randn(L, E), randn(S, E), randn(S, E)])], mha_call())
    # scaledDotProductAttention: PyTorch 2's function by its definition (no module: inputs only).
    fn = nn.Identity()
    bool_mask = torch.tensor([[True, True, False, True], [False, True, True, True], [True, False, True, True]])
    sd = lambda **kw: (lambda m, x: [sdpa(x[0], x[1], x[2], **kw)])
    qkv4 = lambda: [(True, [randn(2, 2, L, 3), randn(2, 2, S, 3), randn(2, 2, S, 5)])]
    c['scaledDotProductAttention'] = (fn, qkv4(), sd())
    c['scaledDotProductAttention causal scale'] = (fn, [(True, [randn(2, L, 3), randn(2, L, 3), randn(2, L, 2)])], sd(is_causal=True, scale=0.3))
    c['scaledDotProductAttention bool mask'] = (fn, qkv4(), sd(attn_mask=bool_mask))
    c['scaledDotProductAttention float mask'] = (fn, [(True, [randn(2, 2, L, 3), randn(2, 2, S, 3), randn(2, 2, S, 5), randn(L, S)])],
                                                  lambda m, x: [sdpa(x[0], x[1], x[2], attn_mask=x[3])])
    # ---- transformer layers (dropout 0: no random masks) ----
    T = 3
    src = lambda: [(True, [randn(T, N, E)])]
    c['TransformerEncoderLayer'] = (nn.TransformerEncoderLayer(E, 2, dim_feedforward=6, dropout=0.0), src(), single)
    c['TransformerEncoderLayer normFirst gelu batchFirst masks'] = (
        nn.TransformerEncoderLayer(E, 2, dim_feedforward=6, dropout=0.0, activation='gelu', batch_first=True, norm_first=True),
        [(True, [randn(N, T, E)])], lambda m, x: [m(x[0], src_mask=causal, src_key_padding_mask=kpm[:, :T])])
    enc_layer = nn.TransformerEncoderLayer(E, 2, dim_feedforward=6, dropout=0.0)
    c['TransformerEncoder'] = (nn.TransformerEncoder(enc_layer, 2, norm=nn.LayerNorm(E), enable_nested_tensor=False), src(),
                               lambda m, x: [m(x[0], mask=causal)])
    c['TransformerDecoderLayer'] = (nn.TransformerDecoderLayer(E, 2, dim_feedforward=6, dropout=0.0),
                                    [(True, [randn(T, N, E), randn(S, N, E)])], lambda m, x: [m(x[0], x[1], tgt_mask=causal)])
    c['TransformerDecoderLayer normFirst gelu batchFirst'] = (
        nn.TransformerDecoderLayer(E, 2, dim_feedforward=6, dropout=0.0, activation='gelu', batch_first=True, norm_first=True),
        [(True, [randn(N, T, E), randn(N, S, E)])], lambda m, x: [m(x[0], x[1], tgt_mask=causal, memory_key_padding_mask=kpm)])
    return c


def write_cases():
    out = {'about': 'Written by scripts/oracle/layers.py (see its docstring).', 'torch': torch.__version__, 'cases': {}}
    for name, (m, steps, call) in cases().items():
        m = m.double()
        init_params(m)
        if isinstance(m, (nn.Embedding, nn.EmbeddingBag)) and m.padding_idx is not None:
            with torch.no_grad():
                m.weight[m.padding_idx].zero_()
        out['cases'][name] = run_case(m, steps, call)
    path = os.path.join(OUT, 'layers.json')
    with open(path, 'w') as f:
        json.dump(out, f, separators=(',', ':'))
    print(f'wrote {path} ({os.path.getsize(path)} bytes, {len(out["cases"])} cases)')


# ---- the minGPT-style model ----

class Block(nn.Module):
    def __init__(self, e, heads):
        super().__init__()
        self.ln_1 = nn.LayerNorm(e)
        self.attn = nn.MultiheadAttention(e, heads, batch_first=True)
        self.ln_2 = nn.LayerNorm(e)
        self.mlp = nn.Sequential(nn.Linear(e, 4 * e), nn.GELU(approximate='tanh'), nn.Linear(4 * e, e), nn.Dropout(0.0))

    def forward(self, x, mask):
        h = self.ln_1(x)
        x = x + self.attn(h, h, h, attn_mask=mask, need_weights=False)[0]
        return x + self.mlp(self.ln_2(x))


class GPT(nn.Module):
    def __init__(self, vocab, block, e, heads, layers):
        super().__init__()
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(vocab, e), wpe=nn.Embedding(block, e), drop=nn.Dropout(0.0),
            h=nn.ModuleList([Block(e, heads) for _ in range(layers)]), ln_f=nn.LayerNorm(e)))
        self.lm_head = nn.Linear(e, vocab, bias=False)

    def forward(self, idx):
        t = idx.shape[1]
        x = self.transformer.drop(self.transformer.wte(idx) + self.transformer.wpe(torch.arange(t)))
        mask = nn.Transformer.generate_square_subsequent_mask(t)
        for block in self.transformer.h:
            x = block(x, mask)
        return self.lm_head(self.transformer.ln_f(x))


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        data = t.detach().contiguous().numpy().astype('<f4').tobytes()
        header[name] = {'dtype': 'F32', 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    header['__metadata__'] = {'format': 'pt', 'source': 'scripts/oracle/layers.py'}
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * ((8 - len(h) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)) + h + b''.join(blobs))


def write_gpt():
    torch.set_default_dtype(torch.float32)
    torch.manual_seed(7)
    cfg = {'vocabSize': 16, 'blockSize': 8, 'nEmbd': 16, 'nHead': 2, 'nLayer': 2}
    model = GPT(cfg['vocabSize'], cfg['blockSize'], cfg['nEmbd'], cfg['nHead'], cfg['nLayer']).eval()
    with torch.no_grad():
        for p in model.parameters():  # LayerNorm weights and biases away from their 1 and 0
            p.add_(torch.randn(p.shape) * 0.1)
    idx = torch.randint(0, cfg['vocabSize'], (2, cfg['blockSize']), generator=torch.Generator().manual_seed(3))
    with torch.no_grad():
        logits = model(idx)
    write_safetensors(os.path.join(OUT, 'layers-gpt.safetensors'), model.state_dict())
    with torch.no_grad():
        logits64 = model.double()(idx)
    with open(os.path.join(OUT, 'layers-gpt.json'), 'w') as f:
        json.dump({'about': 'Written by scripts/oracle/layers.py: minGPT-style model (see GPT there), float32, eval mode.',
                   'config': cfg, 'idx': idx.tolist(), 'shape': list(logits.shape),
                   'logits': {'float32': [float(f'{v:.9g}') for v in logits.reshape(-1).tolist()],
                              'float64': [float(f'{v:.13g}') for v in logits64.reshape(-1).tolist()]}}, f, separators=(',', ':'))
    print('wrote layers-gpt.safetensors and layers-gpt.json')


if __name__ == '__main__':
    write_cases()
    write_gpt()
