// safetensors files as untrusted input: layout checks as the reference reader (huggingface/safetensors) makes
// them, names that must round-trip, PyTorch's dtypes, and the errors of load/save.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { nn, tensor, zeros, type Tensor } from '../src/index.js';
import { load, save } from '../src/entry-node.js';

// Pass-through, so that one test can make a read fail with a permission error even when run as root.
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return { ...actual, readFile: vi.fn(actual.readFile), writeFile: vi.fn(actual.writeFile) };
});

const PREFIX = 'deserializeStateDict: not a valid state dict (safetensors) file: ';

/** safetensors bytes from header text (or a value to stringify) and data bytes. */
function file(header: string | object, data: ArrayLike<number> = []): Uint8Array {
  const text = new TextEncoder().encode(typeof header === 'string' ? header : JSON.stringify(header));
  const out = new Uint8Array(8 + text.length + data.length);
  new DataView(out.buffer).setUint32(0, text.length, true);
  out.set(text, 8);
  out.set(data instanceof Uint8Array ? data : Array.from(data), 8 + text.length);
  return out;
}

function entry(dtype: string, shape: unknown[], begin: unknown, end: unknown): object {
  return { dtype, shape, data_offsets: [begin, end] };
}

function bytesOf(values: number[], kind: 'u16' | 'i64'): number[] {
  const width = kind === 'u16' ? 2 : 8;
  const view = new DataView(new ArrayBuffer(values.length * width));
  values.forEach((v, i) => (kind === 'u16' ? view.setUint16(2 * i, v, true) : view.setBigInt64(8 * i, BigInt(v), true)));
  return Array.from(new Uint8Array(view.buffer));
}

/** The 4-byte F32 elements of a serialized state dict's only tensor, as bit patterns. */
function f32Bits(t: Tensor): number[] {
  const bytes = nn.serializeStateDict(new Map([['t', t]]));
  const n = new DataView(bytes.buffer).getUint32(0, true);
  const view = new DataView(bytes.buffer, 8 + n);
  return Array.from({ length: t.size }, (_, i) => view.getUint32(4 * i, true));
}

const load1 = (bytes: Uint8Array): Tensor => [...nn.deserializeStateDict(bytes).values()][0]!;

describe('safetensors layout: the data is covered exactly once, as the reference reader requires', () => {
  it('rejects overlapping data_offsets, naming both tensors', () => {
    const bytes = file({ a: entry('F32', [2], 0, 8), b: entry('F32', [2], 4, 12) }, new Array(12).fill(0));
    expect(() => nn.deserializeStateDict(bytes)).toThrow(
      `${PREFIX}tensors 'a' (bytes 0–8) and 'b' (bytes 4–12) overlap in the data; each byte must belong to one tensor.`,
    );
    const same = file({ a: entry('F32', [2], 0, 8), b: entry('F32', [2], 0, 8) }, new Array(8).fill(0));
    expect(() => nn.deserializeStateDict(same)).toThrow(`${PREFIX}tensors 'a' (bytes 0–8) and 'b' (bytes 0–8) overlap`);
  });

  it('rejects 200 entries sharing 4 MiB of data instead of allocating 800 MiB', () => {
    const header: Record<string, object> = {};
    for (let i = 0; i < 200; i++) header[`w${i}`] = entry('F32', [2 ** 20], 0, 2 ** 22);
    const bytes = file(header, new Uint8Array(2 ** 22));
    const start = performance.now();
    expect(() => nn.deserializeStateDict(bytes)).toThrow(`${PREFIX}tensors 'w0' (bytes 0–4194304) and 'w1' (bytes 0–4194304) overlap`);
    expect(performance.now() - start).toBeLessThan(1000);
  });

  it('rejects gaps between tensors and before the first one', () => {
    const gap = file({ a: entry('F32', [1], 0, 4), b: entry('F32', [1], 8, 12) }, new Array(12).fill(0));
    expect(() => nn.deserializeStateDict(gap)).toThrow(
      `${PREFIX}no tensor holds bytes 4–8 of the data (between 'a' and 'b'); the tensors must cover the data without gaps.`,
    );
    const lead = file({ a: entry('F32', [1], 4, 8) }, new Array(8).fill(0));
    expect(() => nn.deserializeStateDict(lead)).toThrow(`${PREFIX}no tensor holds bytes 0–4 of the data (before 'a');`);
  });

  it('rejects trailing bytes after the last tensor, and data without tensors', () => {
    const bytes = file({ a: entry('F32', [1], 0, 4) }, new Array(7).fill(0));
    expect(() => nn.deserializeStateDict(bytes)).toThrow(`${PREFIX}3 trailing bytes after the last tensor ('a' ends at byte 4 but the data has 7 bytes).`);
    expect(() => nn.deserializeStateDict(file({}, [1, 2]))).toThrow(`${PREFIX}the header lists no tensors but the data has 2 bytes.`);
    expect(nn.deserializeStateDict(file({})).size).toBe(0);
    // Padding of the header with spaces is not data.
    expect(nn.deserializeStateDict(file('{}      ')).size).toBe(0);
  });

  it('accepts tensors listed in any order and empty tensors at a shared offset, returning them in data order', () => {
    const bytes = file(
      { b: entry('I32', [1], 4, 8), e2: entry('F32', [0, 5], 4, 4), a: entry('I32', [1], 0, 4), e1: entry('F32', [0], 4, 4) },
      [1, 0, 0, 0, 2, 0, 0, 0],
    );
    const sd = nn.deserializeStateDict(bytes);
    expect([...sd.keys()]).toEqual(['a', 'e2', 'e1', 'b']);
    expect(sd.get('b')!.toArray()).toEqual([2]);
    expect(sd.get('e2')!.shape).toEqual([0, 5]);
  });

  it('keeps the work within the file: the tensors hold at most 4 bytes per byte of data (U8 → int32)', () => {
    const data = new Uint8Array(1000).map((_, i) => i);
    const t = load1(file({ u: entry('U8', [1000], 0, 1000) }, data));
    expect(t.dtype).toBe('int32');
    expect(t.nbytes).toBe(4 * data.length);
  });
});

describe('safetensors header: repeated keys, JSON syntax, prototypes', () => {
  it('rejects a tensor name given twice (JSON.parse would keep the last silently)', () => {
    const text = '{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}';
    expect(Object.keys(JSON.parse(text) as object)).toEqual(['w']);
    expect(() => nn.deserializeStateDict(file(text, [0, 0, 0, 0]))).toThrow(`${PREFIX}the header names 'w' twice.`);
    // The same name spelt with an escape is the same name.
    const escaped = '{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"\\u0077":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}';
    expect(() => nn.deserializeStateDict(file(escaped, new Array(8).fill(0)))).toThrow(`${PREFIX}the header names 'w' twice.`);
  });

  it('rejects keys repeated inside an entry or in __metadata__', () => {
    const inner = '{"w":{"dtype":"F64","dtype":"F32","shape":[1],"data_offsets":[0,4]}}';
    expect(() => nn.deserializeStateDict(file(inner, [0, 0, 0, 0]))).toThrow(`${PREFIX}the entry for 'w' has the key 'dtype' twice.`);
    const meta = '{"__metadata__":{"a":"1","a":"2"}}';
    expect(() => nn.readStateDictMetadata(file(meta))).toThrow(`${PREFIX}the entry for '__metadata__' has the key 'a' twice.`);
    expect(() => nn.deserializeStateDict(file('{"__metadata__":{},"__metadata__":{}}'))).toThrow(`${PREFIX}the header names '__metadata__' twice.`);
  });

  it('reports JSON syntax errors, bad UTF-8 and deep nesting cleanly', () => {
    expect(() => nn.deserializeStateDict(file('{"a":1,}'))).toThrow(`${PREFIX}the header is not valid JSON: expected a string key at character 7.`);
    expect(() => nn.deserializeStateDict(file('{"a" 1}'))).toThrow(`${PREFIX}the header is not valid JSON: expected ':' at character 5.`);
    expect(() => nn.deserializeStateDict(file('{"a":"\\x"}'))).toThrow(`${PREFIX}the header is not valid JSON: invalid escape in a string at character 5.`);
    expect(() => nn.deserializeStateDict(file('{"a":"b'))).toThrow(`${PREFIX}the header is not valid JSON: unterminated string at character 5.`);
    expect(() => nn.deserializeStateDict(file('{"a":01}'))).toThrow(`${PREFIX}the header is not valid JSON: expected ',' or '}' at character 6.`);
    expect(() => nn.deserializeStateDict(file('{} x'))).toThrow(`${PREFIX}the header is not valid JSON: unexpected text after the JSON value at character 3.`);
    expect(() => nn.deserializeStateDict(file(''))).toThrow(`${PREFIX}the header is not valid JSON: unexpected end at character 0.`);
    expect(() => nn.deserializeStateDict(file('[1]'))).toThrow(`${PREFIX}the header is not a JSON object.`);
    expect(() => nn.deserializeStateDict(file('\ufeff{}'))).toThrow(`${PREFIX}the header is not valid JSON: unexpected "\ufeff" at character 0.`);
    const deep = `{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    expect(() => nn.deserializeStateDict(file(deep))).toThrow(`${PREFIX}the header is not valid JSON: values nested more than 128 deep at character 133.`);
    const bad = file('{}  ');
    bad[9] = 0xff;
    expect(() => nn.deserializeStateDict(bad)).toThrow(`${PREFIX}the header is not valid UTF-8.`);
  });

  it('reads a tensor named __proto__ from the header as a name, not a prototype', () => {
    const bytes = file('{"__proto__":{"dtype":"I32","shape":[1],"data_offsets":[0,4]}}', [7, 0, 0, 0]);
    const sd = nn.deserializeStateDict(bytes);
    expect([...sd.keys()]).toEqual(['__proto__']);
    expect(sd.get('__proto__')!.toArray()).toEqual([7]);
    // A key the file does not have is not found on Object.prototype either.
    const md = nn.readStateDictMetadata(file('{"__metadata__":{"a":"1"}}'));
    expect(md.toString).toBeUndefined();
    expect(md).toEqual({ a: '1' });
  });

  it('accepts __metadata__: null, as the reference reader does, and rejects non-string values', () => {
    expect(nn.deserializeStateDict(file('{"__metadata__":null}')).size).toBe(0);
    expect(() => nn.readStateDictMetadata(file('{"__metadata__":{"k":3}}'))).toThrow(`${PREFIX}__metadata__ must be an object of strings, but 'k' is 3.`);
  });
});

describe('safetensors shapes and offsets', () => {
  const f32 = (shape: unknown[], begin: unknown = 0, end: unknown = 4, data: ArrayLike<number> = [0, 0, 0, 0]) =>
    file({ x: entry('F32', shape, begin, end) }, data);

  it('caps the rank at 64, as PyTorch does', () => {
    expect(() => nn.deserializeStateDict(f32(new Array(65).fill(1)))).toThrow(`${PREFIX}tensor 'x' has 65 dimensions; at most 64 are allowed (as in PyTorch).`);
    expect(load1(f32(new Array(64).fill(1))).shape).toEqual(new Array(64).fill(1));
  });

  it('rejects sizes that are not non-negative safe integers, 1e300 and 2**53 included', () => {
    const msg = (size: string, dim = 0) => `${PREFIX}tensor 'x' has size ${size} at dimension ${dim}; sizes must be integers from 0 to 2^53 - 1.`;
    expect(() => nn.deserializeStateDict(f32([1e300]))).toThrow(msg('1e+300'));
    expect(() => nn.deserializeStateDict(f32([2 ** 53]))).toThrow(msg('9007199254740992'));
    expect(() => nn.deserializeStateDict(f32([1, -1]))).toThrow(msg('-1', 1));
    expect(() => nn.deserializeStateDict(f32([1.5]))).toThrow(msg('1.5'));
    expect(() => nn.deserializeStateDict(f32(['1']))).toThrow(msg('"1"'));
    expect(() => nn.deserializeStateDict(f32([null]))).toThrow(msg('null'));
    expect(() => nn.deserializeStateDict(file('{"x":{"dtype":"F32","shape":[1e999],"data_offsets":[0,4]}}', [0, 0, 0, 0]))).toThrow(msg('Infinity'));
    expect(() => nn.deserializeStateDict(file({ x: { dtype: 'F32', data_offsets: [0, 4] } }, [0, 0, 0, 0]))).toThrow(
      `${PREFIX}tensor 'x' has no shape array (got missing).`,
    );
  });

  it('rejects shapes whose element count (or largest stride) overflows', () => {
    expect(() => nn.deserializeStateDict(f32([2 ** 26, 2 ** 26, 2 ** 26]))).toThrow(
      `${PREFIX}tensor 'x' of shape [67108864, 67108864, 67108864] is too large: the product of its sizes (a size of 0 counted as 1) exceeds 2^53 - 1.`,
    );
    expect(() => nn.deserializeStateDict(f32([0, 2 ** 30, 2 ** 30], 0, 0, []))).toThrow(`${PREFIX}tensor 'x' of shape [0, 1073741824, 1073741824] is too large`);
    expect(load1(f32([0, 2 ** 20], 0, 0, [])).shape).toEqual([0, 2 ** 20]);
  });

  it('refuses sizes whose bytes the file does not have, without allocating them', () => {
    expect(() => nn.deserializeStateDict(f32([2 ** 40], 0, 2 ** 42, []))).toThrow(
      `${PREFIX}tensor 'x' ends at byte 4398046511104 of the data but the data has only 0 bytes (truncated file?).`,
    );
    expect(() => nn.deserializeStateDict(f32([2 ** 40]))).toThrow(`${PREFIX}tensor 'x' of shape [1099511627776] and dtype F32 needs 4398046511104 bytes but data_offsets span 4.`);
    expect(() => nn.deserializeStateDict(f32([3], 0, 8, new Array(8).fill(0)))).toThrow(
      `${PREFIX}tensor 'x' of shape [3] and dtype F32 needs 12 bytes but data_offsets span 8.`,
    );
  });

  it('rejects malformed data_offsets', () => {
    const msg = (got: string) => `${PREFIX}tensor 'x' has data_offsets ${got}; expected [begin, end] with integers 0 ≤ begin ≤ end.`;
    expect(() => nn.deserializeStateDict(f32([1], 4, 0))).toThrow(msg('[4,0]'));
    expect(() => nn.deserializeStateDict(f32([1], -4, 0))).toThrow(msg('[-4,0]'));
    expect(() => nn.deserializeStateDict(f32([1], 0, 1e300))).toThrow(msg('[0,1e+300]'));
    expect(() => nn.deserializeStateDict(f32([1], 0, 2 ** 53))).toThrow(msg('[0,9007199254740992]'));
    expect(() => nn.deserializeStateDict(file({ x: { dtype: 'F32', shape: [1], data_offsets: [0] } }, [0, 0, 0, 0]))).toThrow(msg('[0]'));
    expect(() => nn.deserializeStateDict(file({ x: { dtype: 'F32', shape: [1] } }, [0, 0, 0, 0]))).toThrow(msg('missing'));
    expect(() => nn.deserializeStateDict(file({ x: [] }, [0, 0, 0, 0]))).toThrow(`${PREFIX}the entry for 'x' is not an object.`);
  });

  it('names the dtypes it reads when it meets another', () => {
    expect(() => nn.deserializeStateDict(file({ x: entry('F8_E4M3', [1], 0, 1) }, [0]))).toThrow(
      `${PREFIX}tensor 'x' has dtype "F8_E4M3"; adjoint reads F32, F64, I32, BOOL, F16, BF16, I64, I8, U8, I16, U16 (convert it before saving).`,
    );
    expect(() => nn.deserializeStateDict(file({ x: entry('float32' as string, [1], 0, 4) }, [0, 0, 0, 0]))).toThrow(`${PREFIX}tensor 'x' has dtype "float32"`);
  });

  it('cuts hostile names short in messages', () => {
    const name = 'n'.repeat(10_000);
    expect(() => nn.deserializeStateDict(file({ [name]: entry('F32', [1], 0, 8) }, new Array(8).fill(0)))).toThrow(
      `${PREFIX}tensor '${'n'.repeat(100)}…' (10000 characters) of shape [1] and dtype F32 needs 4 bytes but data_offsets span 8.`,
    );
    expect(() => nn.deserializeStateDict(file({ x: entry('x'.repeat(1000), [1], 0, 4) }, [0, 0, 0, 0]))).toThrow(
      `${PREFIX}tensor 'x' has dtype "${'x'.repeat(99)}…; adjoint reads`,
    );
    expect(() => nn.deserializeStateDict(file({ x: entry('F32', [1], 0, 4), y: { dtype: 'F32', shape: new Array(70).fill(1), data_offsets: [4, 8] } }, new Array(8).fill(0)))).toThrow(
      `${PREFIX}tensor 'y' has 70 dimensions;`,
    );
    expect(() => nn.deserializeStateDict(file({ x: entry('F32', [1], 0, new Array(20).fill(4)) }, [0, 0, 0, 0]))).toThrow(
      `${PREFIX}tensor 'x' has data_offsets [0,[4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4,4]]; expected`,
    );
  });
});

describe('safetensors names round-trip', () => {
  const names = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '', 'ünïcødé 名前 🚀', 'quote"back\\slash\nnewline', '\u0000', '\ud800', '0', '10'];

  it.each(names)('round-trips a tensor named %j', (name) => {
    const sd = new Map<string, Tensor>([['before', tensor([1, 2])], [name, tensor([3, 4, 5])], ['after', tensor([6])]]);
    const back = nn.deserializeStateDict(nn.serializeStateDict(sd));
    expect([...back.keys()]).toEqual(['before', name, 'after']);
    expect(back.get(name)!.toArray()).toEqual([3, 4, 5]);
  });

  it('round-trips metadata keys such as __proto__ and toString', () => {
    const metadata = JSON.parse('{"__proto__":"p","toString":"s","":"e"}') as Record<string, string>;
    const md = nn.readStateDictMetadata(nn.serializeStateDict(new Map(), { metadata }));
    expect(Object.entries(md)).toEqual([['__proto__', 'p'], ['toString', 's'], ['', 'e']]);
  });

  it('refuses names it cannot write', () => {
    expect(() => nn.serializeStateDict(new Map([['__metadata__', tensor([1])]]))).toThrow(
      `serializeStateDict: '__metadata__' is reserved and cannot name a tensor.`,
    );
    const numeric = new Map([[3, tensor([1])]]) as unknown as Map<string, Tensor>;
    expect(() => nn.serializeStateDict(numeric)).toThrow(`serializeStateDict: tensor names must be strings, got the number 3; use String(name) as the key.`);
  });
});

describe('safetensors dtypes from PyTorch', () => {
  it('normalises BOOL bytes other than 0/1 to true (1)', () => {
    const t = load1(file({ b: entry('BOOL', [5], 0, 5) }, [0, 1, 2, 255, 0x80]));
    expect(t.dtype).toBe('bool');
    expect(Array.from(t.data())).toEqual([0, 1, 1, 1, 1]);
    expect(t.toArray()).toEqual([false, true, true, true, true]);
  });

  it('reads F16 exactly: hand-computed bit patterns', () => {
    const patterns = [0x3c00, 0x7c00, 0xfc00, 0x0001, 0x03ff, 0x0400, 0x7bff, 0x8000, 0xc000, 0x3555, 0x7e00];
    const t = load1(file({ h: entry('F16', [patterns.length], 0, 2 * patterns.length) }, bytesOf(patterns, 'u16')));
    expect(t.dtype).toBe('float32');
    const v = Array.from(t.data());
    expect(v).toEqual([1, Infinity, -Infinity, 2 ** -24, 1023 * 2 ** -24, 2 ** -14, 65504, -0, -2, 0.333251953125, NaN]);
    expect(Object.is(v[7], -0)).toBe(true);
  });

  it('reads every F16 value exactly, NaN payloads included', () => {
    const all = Array.from({ length: 65536 }, (_, h) => h);
    const t = load1(file({ h: entry('F16', [65536], 0, 131072) }, bytesOf(all, 'u16')));
    const got = t.data();
    for (const h of all) {
      const s = h >> 15 ? -1 : 1, e = (h >> 10) & 31, m = h & 1023;
      const want = e === 31 ? (m ? NaN : s * Infinity) : e === 0 ? s * m * 2 ** -24 : s * (1 + m / 1024) * 2 ** (e - 15);
      if (!Object.is(got[h], want)) throw new Error(`F16 0x${h.toString(16)}: got ${got[h]}, want ${want}`);
    }
    const nans = load1(file({ h: entry('F16', [2], 0, 4) }, bytesOf([0x7e01, 0xfd01], 'u16')));
    expect(f32Bits(nans)).toEqual([0x7fc02000, 0xffa02000]);
  });

  it('reads BF16 exactly', () => {
    const patterns = [0x3f80, 0x4049, 0xc2f7, 0x7f80, 0x0001, 0x8000, 0x7fc1];
    const t = load1(file({ h: entry('BF16', [patterns.length], 0, 2 * patterns.length) }, bytesOf(patterns, 'u16')));
    expect(t.dtype).toBe('float32');
    expect(Array.from(t.data())).toEqual([1, 3.140625, -123.5, Infinity, 2 ** -133, -0, NaN]);
    expect(f32Bits(t)).toEqual(patterns.map((p) => (p << 16) >>> 0));
  });

  it('reads unaligned F16 after a BOOL and writes it back as F32', () => {
    const bytes = file({ b: entry('BOOL', [1], 0, 1), h: entry('F16', [1], 1, 3) }, [1, 0x00, 0x3c]);
    const sd = nn.deserializeStateDict(bytes);
    expect(sd.get('h')!.toArray()).toEqual([1]);
    const again = nn.serializeStateDict(sd);
    const n = new DataView(again.buffer).getUint32(0, true);
    expect(JSON.parse(new TextDecoder().decode(again.subarray(8, 8 + n))).h.dtype).toBe('F32');
  });

  it('reads I64 as int32 when the values fit', () => {
    const values = [0, 1, -1, 2147483647, -2147483648];
    const t = load1(file({ i: entry('I64', [5], 0, 40) }, bytesOf(values, 'i64')));
    expect(t.dtype).toBe('int32');
    expect(t.toArray()).toEqual(values);
  });

  it('refuses I64 values outside int32, naming the tensor and the first such value', () => {
    const msg = (v: string, i: number) =>
      `deserializeStateDict: tensor 'big' (I64) holds ${v} at flat index ${i}, which does not fit in int32 (adjoint has no int64); ` +
      `convert it before saving, e.g. t.to(torch.int32) once the values fit, or t.to(torch.float64).`;
    const one = (values: number[]) => file({ big: entry('I64', [values.length], 0, 8 * values.length) }, bytesOf(values, 'i64'));
    expect(() => nn.deserializeStateDict(one([5, 2147483648, 2 ** 40]))).toThrow(msg('2147483648', 1));
    expect(() => nn.deserializeStateDict(one([-2147483649]))).toThrow(msg('-2147483649', 0));
    expect(() => nn.deserializeStateDict(one([0, 0, 2 ** 32]))).toThrow(msg('4294967296', 2));
    expect(() => nn.deserializeStateDict(one([-(2 ** 32)]))).toThrow(msg('-4294967296', 0));
  });

  it('reads I8, U8, I16 and U16 as int32', () => {
    const bytes = file(
      { i8: entry('I8', [4], 0, 4), u8: entry('U8', [4], 4, 8), i16: entry('I16', [3], 8, 14), u16: entry('U16', [3], 14, 20) },
      [0x00, 0x7f, 0x80, 0xff, 0x00, 0x7f, 0x80, 0xff, ...bytesOf([0x8000, 0x7fff, 0xffff], 'u16'), ...bytesOf([0x8000, 0x7fff, 0xffff], 'u16')],
    );
    const sd = nn.deserializeStateDict(bytes);
    expect([...sd.values()].map((t) => t.dtype)).toEqual(['int32', 'int32', 'int32', 'int32']);
    expect(sd.get('i8')!.toArray()).toEqual([0, 127, -128, -1]);
    expect(sd.get('u8')!.toArray()).toEqual([0, 127, 128, 255]);
    expect(sd.get('i16')!.toArray()).toEqual([-32768, 32767, -1]);
    expect(sd.get('u16')!.toArray()).toEqual([32768, 32767, 65535]);
  });

  it('still writes F32, F64, I32 and BOOL', () => {
    const sd = new Map<string, Tensor>([['f', zeros([1])], ['d', zeros([1], { dtype: 'float64' })], ['i', zeros([1], { dtype: 'int32' })], ['b', tensor([true])]]);
    const bytes = nn.serializeStateDict(sd);
    const n = new DataView(bytes.buffer).getUint32(0, true);
    const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n))) as Record<string, { dtype: string }>;
    expect(Object.values(header).map((e) => e.dtype)).toEqual(['F32', 'F64', 'I32', 'BOOL']);
  });
});

describe('load and save name the path and say what to do', () => {
  const dir = mkdtempSync(join(tmpdir(), 'adjoint-st-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  afterEach(() => vi.mocked(fsp.readFile).mockClear());

  it('load: a directory, a missing file, a file in the way', async () => {
    await expect(load(dir)).rejects.toThrow(`load: cannot read '${dir}': it is a directory; pass the path of a .safetensors file.`);
    const missing = join(dir, 'nope.safetensors');
    await expect(load(missing)).rejects.toThrow(`load: cannot read '${missing}': no such file ('${missing}'); check the path and the working directory.`);
    await expect(load('nope.safetensors')).rejects.toThrow(`load: cannot read 'nope.safetensors': no such file ('${resolve('nope.safetensors')}');`);
    const plain = join(dir, 'plain');
    writeFileSync(plain, 'x');
    await expect(load(join(plain, 'm.safetensors'))).rejects.toThrow(
      `load: cannot read '${join(plain, 'm.safetensors')}': a part of the path before the file name is not a directory; check the path.`,
    );
  });

  it('load: no permission', async () => {
    const path = join(dir, 'secret.safetensors');
    const denied = Object.assign(new Error(`EACCES: permission denied, open '${path}'`), { code: 'EACCES' });
    vi.mocked(fsp.readFile).mockRejectedValueOnce(denied);
    const err = await load(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(`load: cannot read '${path}': permission denied; check the permissions of the file and its directory.`);
    expect((err as Error).cause).toBe(denied);
  });

  it('load: keeps the prefix for files that are not state dicts', async () => {
    const path = join(dir, 'garbage.safetensors');
    writeFileSync(path, 'PK\u0003\u0004 this is a zip file');
    await expect(load(path)).rejects.toThrow(`load: cannot read '${path}': ${PREFIX}the header claims`);
  });

  it('save: a directory, a missing parent, no permission', async () => {
    const sd = { w: tensor([1]) };
    await expect(save(sd, dir)).rejects.toThrow(`save: cannot write '${dir}': it is a directory; pass a file path such as '${join(dir, 'model.safetensors')}'.`);
    const deep = join(dir, 'sub', 'm.safetensors');
    await expect(save(sd, deep)).rejects.toThrow(
      `save: cannot write '${deep}': the directory '${dirname(deep)}' does not exist; create it first (fs.mkdir with { recursive: true }).`,
    );
    mkdirSync(dirname(deep));
    await save(sd, deep);
    expect((await load(deep)).get('w')!.toArray()).toEqual([1]);
    vi.mocked(fsp.writeFile).mockRejectedValueOnce(Object.assign(new Error('EPERM: operation not permitted'), { code: 'EPERM' }));
    await expect(save(sd, deep)).rejects.toThrow(`save: cannot write '${deep}': permission denied; check the permissions of the file and its directory.`);
  });
});
