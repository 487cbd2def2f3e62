// Files written from PyTorch (scripts/oracle/safetensors_dtypes.py, the format written by hand as
// safetensors.torch.save_file writes it) with the dtypes adjoint converts: I64 → int32, F16/BF16 → float32, and
// the small integer types; an I64 value outside int32 is an error naming the tensor.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { nn } from '../src/index.js';
import { load } from '../src/entry-node.js';

const fixture = (name: string): URL => new URL(`./fixtures/${name}`, import.meta.url);
const expected = JSON.parse(readFileSync(fixture('torch-dtypes.json'), 'utf8')) as {
  tensors: Record<string, { fileDtype: string; dtype: string; shape: number[]; values: (number | boolean | string)[] }>;
  nanBits: Record<string, number>;
  overflow: { name: string; value: number; index: number };
};
const bytes = (name: string): Uint8Array => new Uint8Array(readFileSync(fixture(name)));

describe('safetensors written by PyTorch', () => {
  it('loads every tensor with the dtype, shape and values PyTorch converts to', () => {
    const sd = nn.deserializeStateDict(bytes('torch-dtypes.safetensors'));
    expect([...sd.keys()].sort()).toEqual(Object.keys(expected.tensors).sort());
    const codes = new Set(Object.values(expected.tensors).map((t) => t.fileDtype));
    for (const code of ['I64', 'F16', 'BF16']) expect(codes.has(code), code).toBe(true);
    for (const [name, want] of Object.entries(expected.tensors)) {
      const t = sd.get(name)!;
      expect([t.dtype, t.shape], name).toEqual([want.dtype, want.shape]);
      const values = [...t.data()].map((v) => (want.dtype === 'bool' ? v === 1 : Number.isFinite(v) ? v : v > 0 ? 'inf' : '-inf'));
      expect(values, name).toEqual(want.values);
      // -0 stays -0 (the sign bit of half and bfloat16 zeros is kept; JSON.parse reads PyTorch's -0.0 as -0).
      want.values.forEach((v, i) => {
        if (v === 0) expect(Object.is(t.data()[i], v), `${name}[${i}] sign`).toBe(true);
      });
    }
  });

  it('keeps NaN payloads of half and bfloat16 as PyTorch does', () => {
    const sd = nn.deserializeStateDict(bytes('torch-nan.safetensors'));
    for (const [name, bits] of Object.entries(expected.nanBits)) {
      const f = sd.get(name)!.data() as Float32Array;
      expect(new Uint32Array(f.buffer, f.byteOffset, 1)[0], name).toBe(bits);
    }
  });

  it('loads the half-precision Linear into a float32 model (and through adjoint/node load)', async () => {
    const sd = await load(fileURLPath('torch-dtypes.safetensors'));
    const linear = new nn.Linear(3, 2);
    const weights = new Map([...sd].filter(([k]) => k.startsWith('linear.')).map(([k, v]) => [k.slice('linear.'.length), v]));
    linear.loadStateDict(weights);
    expect(linear.weight.dtype).toBe('float32');
    expect([...linear.weight.data()]).toEqual(expected.tensors['linear.weight']!.values);
    expect([...linear.bias!.data()]).toEqual(expected.tensors['linear.bias']!.values);
  });

  it('refuses an I64 value outside int32, naming the tensor, the value and where it is', () => {
    const { name, value, index } = expected.overflow;
    expect(() => nn.deserializeStateDict(bytes('torch-int64-overflow.safetensors'))).toThrow(
      `deserializeStateDict: tensor '${name}' (I64) holds ${value} at flat index ${index}, which does not fit in int32`,
    );
  });
});

function fileURLPath(name: string): string {
  return decodeURIComponent(fixture(name).pathname);
}
