"""Helpers shared by the dev-only PyTorch oracles of the layer fixtures (rnn.py, conv.py, losses.py).

Inputs are never stored: both sides regenerate them with `lcg`, which test/support/lcg.ts mirrors exactly.
"""
import json
import os
import struct

import torch

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
FIXTURES = os.path.join(ROOT, 'test', 'fixtures')


def lcg(n, seed, scale=1.0):
    """n values in [-scale, scale): s = (1103515245 s + 12345) mod 2^32 from s0 = seed, value ((s >> 8) / 2^24 · 2 − 1) · scale.

    The values are multiples of 2^-23 (times scale, a power of two in practice), exact in float32 and float64.
    """
    out = [0.0] * n
    s = seed & 0xFFFFFFFF
    for i in range(n):
        s = (1103515245 * s + 12345) & 0xFFFFFFFF
        out[i] = ((s >> 8) / 16777216.0 * 2.0 - 1.0) * scale
    return out


def lcg_tensor(shape, seed, dtype, scale=1.0, requires_grad=False):
    n = 1
    for d in shape:
        n *= d
    t = torch.tensor(lcg(n, seed, scale), dtype=torch.float64).reshape(shape).to(dtype)
    return t.requires_grad_(requires_grad)


def flat(t, dtype):
    """A tensor's elements as a flat list, float32 ones rounded to 9 significant digits (enough to round-trip)."""
    vals = t.detach().to(torch.float64).reshape(-1).tolist()
    if dtype == torch.float32:
        return [float(f'{v:.9g}') for v in vals]
    return vals


def write_json(name, payload):
    path = os.path.join(FIXTURES, name)
    with open(path, 'w') as f:
        json.dump(payload, f, separators=(',', ':'))
        f.write('\n')
    print(f'wrote {path} ({os.path.getsize(path)} bytes)')


def write_safetensors(name, tensors, metadata=None):
    """A PyTorch state dict as a safetensors file, written by hand (the safetensors package is not needed)."""
    codes = {torch.float32: 'F32', torch.float64: 'F64', torch.int64: 'I64', torch.int32: 'I32'}
    header = {}
    blobs = []
    offset = 0
    for key, t in tensors.items():
        t = t.detach().contiguous().cpu()
        data = t.numpy().astype(t.numpy().dtype.newbyteorder('<')).tobytes()
        header[key] = {'dtype': codes[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    if metadata:
        header['__metadata__'] = metadata
    text = json.dumps(header, separators=(',', ':')).encode('utf8')
    text += b' ' * ((8 - len(text) % 8) % 8)
    path = os.path.join(FIXTURES, name)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    print(f'wrote {path} ({os.path.getsize(path)} bytes)')
