#!/usr/bin/env python3
"""Dev-only: safetensors files written from PyTorch tensors with the dtypes adjoint converts on load (I64, F16,
BF16, plus I8/U8/BOOL/F32/F64), for test/safetensors-torch.test.ts. The `safetensors` package is not installed here,
so the format is written by hand exactly as `safetensors.torch.save_file` writes it: an 8-byte little-endian header
length, the JSON header (keys sorted, `__metadata__` {"format": "pt"} first, data offsets in key order) padded with
spaces to a multiple of 8, then each tensor's little-endian bytes. The tensors' bytes come from torch itself
(`tensor.view(torch.uint8)`), so the files hold exactly what PyTorch stores.

    /usr/bin/python3 scripts/oracle/safetensors_dtypes.py

writes test/fixtures/torch-dtypes.safetensors, test/fixtures/torch-int64-overflow.safetensors and
test/fixtures/torch-dtypes.json (what each tensor must load as: shape, adjoint dtype, values as PyTorch converts
them to float32/int32; non-finite values as strings).
"""
import json
import math
import os
import struct

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(HERE, '..', '..', 'test', 'fixtures')
CODES = {torch.int64: 'I64', torch.float16: 'F16', torch.bfloat16: 'BF16', torch.float32: 'F32', torch.float64: 'F64',
         torch.int8: 'I8', torch.uint8: 'U8', torch.bool: 'BOOL', torch.int32: 'I32', torch.int16: 'I16'}


def save_file(tensors, path, metadata=None):
    names = sorted(tensors)
    header = {}
    if metadata is not None:
        header['__metadata__'] = metadata
    blobs = []
    offset = 0
    for name in names:
        t = tensors[name].contiguous()
        data = t.reshape(-1).view(torch.uint8).numpy().tobytes() if t.numel() else b''
        header[name] = {'dtype': CODES[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(',', ':')).encode('utf-8')
    text += b' ' * ((8 - len(text) % 8) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)
    print('wrote', os.path.relpath(path), os.path.getsize(path), 'bytes')


def plain(v):
    return v if isinstance(v, (int, bool)) or math.isfinite(v) else str(v)


def main():
    tensors = {
        # A Linear(3, 2) saved in half precision (weight F16, bias BF16), and the step counter PyTorch keeps in int64.
        'linear.weight': torch.tensor([[0.1, -0.25, 3.0], [65504.0, -6e-8, 1e-4]]).to(torch.float16),
        'linear.bias': torch.tensor([1.0, -3.14159]).to(torch.bfloat16),
        'step': torch.tensor(1234, dtype=torch.int64),
        'indices': torch.tensor([[-2147483648, 2147483647, 0], [-1, 123456789, 42]], dtype=torch.int64),
        'half_specials': torch.tensor([math.inf, -math.inf, -0.0, 5.96e-8, 6.1e-5, 0.333333]).to(torch.float16),
        'bf16_specials': torch.tensor([math.inf, -math.inf, 1e-40, 3.3e38, -0.0, 0.1]).to(torch.bfloat16),
        'bytes_i8': torch.tensor([-128, 127, 0], dtype=torch.int8),
        'bytes_u8': torch.tensor([0, 255, 7], dtype=torch.uint8),
        'mask': torch.tensor([True, False, True]),
        'empty_i64': torch.zeros(0, 3, dtype=torch.int64),
    }
    save_file(tensors, os.path.join(FIXTURES, 'torch-dtypes.safetensors'), {'format': 'pt'})
    expected = {}
    for name, t in tensors.items():
        if t.dtype in (torch.float16, torch.bfloat16):
            dtype, values = 'float32', t.float()
        elif t.dtype == torch.bool:
            dtype, values = 'bool', t
        else:
            dtype, values = 'int32', t.to(torch.int64)
        expected[name] = {'fileDtype': CODES[t.dtype], 'dtype': dtype, 'shape': list(t.shape),
                          'values': [plain(v) for v in values.reshape(-1).tolist()]}
    # NaN separately: its payload survives as PyTorch's float() keeps it (checked by bits in the test).
    nan = {'half_nan': torch.tensor([math.nan]).to(torch.float16), 'bf16_nan': torch.tensor([math.nan]).to(torch.bfloat16)}
    save_file({**nan, 'other': torch.tensor([1.0])}, os.path.join(FIXTURES, 'torch-nan.safetensors'))
    expected_nan = {k: struct.unpack('<I', struct.pack('<f', v.float().item()))[0] for k, v in nan.items()}
    save_file({'ok': torch.tensor([1, 2], dtype=torch.int64), 'too_big': torch.tensor([[3, 2 ** 40]], dtype=torch.int64)},
              os.path.join(FIXTURES, 'torch-int64-overflow.safetensors'), {'format': 'pt'})
    with open(os.path.join(FIXTURES, 'torch-dtypes.json'), 'w') as f:
        json.dump({'about': 'Written by scripts/oracle/safetensors_dtypes.py (PyTorch ' + torch.__version__ + ').',
                   'tensors': expected, 'nanBits': expected_nan, 'overflow': {'name': 'too_big', 'value': 2 ** 40, 'index': 1}}, f, indent=1)
        f.write('\n')


if __name__ == '__main__':
    main()
