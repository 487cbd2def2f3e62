// Fuzzing deserializeStateDict with hostile bytes: fully random files, random headers behind a plausible
// length, structurally valid headers with mutated offsets, shapes, dtypes, names, duplicate keys and huge
// numbers, and valid files with flipped bytes. Every case must either load a valid state dict or throw an
// Error (not a RangeError or TypeError) starting `deserializeStateDict:`, within the bounds below.
// Fixed seed and a few hundred cases per property; FUZZ_RUNS=5000 npx vitest run test/safetensors-fuzz.test.ts
// runs longer.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { nn, Tensor, tensor } from '../src/index.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 300);
const SEED = Number(process.env.FUZZ_SEED ?? 20261206);
const params = { numRuns: RUNS, seed: SEED };

// Memory bound: the element bytes of the returned tensors are at most 4 per byte of the data section, the
// widest widening (I8/U8 → int32, one byte to four; F16/BF16/I16/U16 → 4-byte elements are 2 per byte; I64 →
// int32 is 1/2; the other dtypes are copied as they are). Overlapping entries could otherwise make a small
// file allocate without bound.
const MAX_WIDENING = 4;
// Each tensor needs an entry of at least this many header bytes: "":{"dtype":"U8","shape":[],"data_offsets":[0,1]}
// (a zero-size tensor needs a 0 in its shape, which is no shorter), so the number of tensors is bounded by the
// header too.
const MIN_ENTRY = '"":{"dtype":"U8","shape":[],"data_offsets":[0,1]}'.length;
// Time bound per case. The inputs are at most a few kilobytes and a case takes well under a millisecond; the
// bound is loose so that a slow CI machine does not flake, and tight enough to catch work proportional to a
// declared (not actual) size, such as allocating 2**40 elements.
const MAX_MS = 250;

const DTYPES = ['F32', 'F64', 'I32', 'BOOL', 'F16', 'BF16', 'I64', 'I8', 'U8', 'I16', 'U16'];
const SIZES: Record<string, number> = { F32: 4, F64: 8, I32: 4, BOOL: 1, F16: 2, BF16: 2, I64: 8, I8: 1, U8: 1, I16: 2, U16: 2 };
const BAD_DTYPES = ['U32', 'U64', 'F8_E4M3', 'f32', 'float32', '', 'BOOL '];
const NAMES = ['w', 'b', 'layer.0.weight', '__proto__', 'constructor', 'toString', '', 'ü名', '__metadata__', '\\u0077'];
const WEIRD = [-1, -0, 1.5, 1e300, 2 ** 53, 2 ** 53 - 1, 2 ** 31, 2 ** 32, 2 ** 40, 65, '3', null, true, [], {}, '1e999', '-0.0e0'];

interface Outcome {
  ok: boolean;
}

/** Run one case and check the contract; returns whether it loaded. */
function check(bytes: Uint8Array): Outcome {
  const start = performance.now();
  let sd: Map<string, Tensor>;
  try {
    sd = nn.deserializeStateDict(bytes);
  } catch (e) {
    const ms = performance.now() - start;
    if (!(e instanceof Error) || e.constructor !== Error || !e.message.startsWith('deserializeStateDict:')) {
      throw new Error(`threw ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)} for ${Array.from(bytes.subarray(0, 200))}`);
    }
    expect(ms).toBeLessThan(MAX_MS);
    return { ok: false };
  }
  const ms = performance.now() - start;
  expect(ms).toBeLessThan(MAX_MS);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  const dataLength = bytes.length - 8 - headerLength;
  // A file that loads is valid JSON without repeated keys, so JSON.parse sees the same header.
  const header = new Map(Object.entries(JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength))) as Record<string, { dtype: string }>));
  let total = 0;
  let claimed = 0;
  for (const [name, t] of sd) {
    claimed += t.size * SIZES[header.get(name)!.dtype]!;
    expect(typeof name).toBe('string');
    expect(name).not.toBe('__metadata__');
    expect(t).toBeInstanceOf(Tensor);
    expect(['float32', 'float64', 'int32', 'bool']).toContain(t.dtype);
    expect(t.shape.length).toBeLessThanOrEqual(64);
    for (const d of t.shape) expect(Number.isSafeInteger(d) && d >= 0 && !Object.is(d, -0)).toBe(true);
    const data = t.data();
    expect(data.length).toBe(t.size);
    if (t.dtype === 'bool') for (const v of data) expect(v === 0 || v === 1).toBe(true);
    total += t.nbytes;
  }
  // The tensors account for the data section exactly (no byte read twice, none left over) ...
  expect(claimed).toBe(dataLength);
  // ... so the memory they hold is bounded by the file.
  expect(total).toBeLessThanOrEqual(MAX_WIDENING * dataLength);
  expect(sd.size * MIN_ENTRY).toBeLessThanOrEqual(headerLength);
  return { ok: true };
}

function frame(header: Uint8Array | string, data: Uint8Array, lengthDelta = 0, highWord = 0): Uint8Array {
  const text = typeof header === 'string' ? new TextEncoder().encode(header) : header;
  const out = new Uint8Array(8 + text.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, Math.max(0, text.length + lengthDelta), true);
  view.setUint32(4, highWord, true);
  out.set(text, 8);
  out.set(data, 8 + text.length);
  return out;
}

/** Deterministic bytes for the data section: zeros, small values (so that I64 and BOOL often load), or noise. */
function fill(n: number, mode: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = mode === 0 ? 0 : mode === 1 ? (i % 8 === 0 ? s >>> 30 : 0) : s >>> 24;
  }
  return out;
}

/** `arb` one time in five, undefined otherwise. */
function rarely<T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> {
  return fc.oneof({ weight: 4, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: arb });
}

const sizeArb = fc.oneof({ weight: 15, arbitrary: fc.integer({ min: 0, max: 4 }) }, { weight: 1, arbitrary: fc.constantFrom(...WEIRD) });
const shapeArb = fc.oneof(
  { weight: 20, arbitrary: fc.array(sizeArb, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.array(fc.constant(1), { minLength: 62, maxLength: 66 }) },
  { weight: 1, arbitrary: fc.constantFrom(...WEIRD) },
);
const offsetArb = fc.oneof(fc.integer({ min: 0, max: 64 }), fc.constantFrom(...WEIRD));
const entryArb = fc.record({
  name: fc.oneof({ weight: 1, arbitrary: fc.constantFrom(...NAMES) }, { weight: 2, arbitrary: fc.string({ maxLength: 4 }) }),
  dtype: fc.oneof({ weight: 15, arbitrary: fc.constantFrom(...DTYPES) }, { weight: 1, arbitrary: fc.constantFrom(...BAD_DTYPES) }),
  shape: shapeArb,
  // undefined: the offsets that fit; { shift }: the right span moved by that many bytes, or restarted at byte 0
  // for -Infinity (an overlap or a gap that only the layout checks catch); otherwise these offsets as they are.
  offsets: rarely(
    fc.oneof(
      fc.record({ shift: fc.oneof(fc.integer({ min: -8, max: 8 }), fc.constant(-Infinity)) }),
      fc.tuple(offsetArb, offsetArb),
      fc.constantFrom(...WEIRD),
    ),
  ),
  // A key repeated inside the entry, or an unknown one.
  extra: fc.oneof({ weight: 12, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('"dtype":"F64",', '"shape":[1],', '"junk":[[{"a":null}]],') }),
});
const mutationArb = rarely(
  fc.record({ kind: fc.constantFrom('truncate', 'replace', 'insert', 'delete'), at: fc.nat(), char: fc.constantFrom(...'{}[]",:0-9e. \\u\u0000\u00ffx') }),
);
const caseArb = fc.record({
  entries: fc.array(entryArb, { maxLength: 5 }),
  metadata: rarely(fc.constantFrom('{}', '{"k":"v"}', '{"k":3}', 'null', '[]', '{"a":"1","a":"2"}', '"x"')),
  dataDelta: rarely(fc.constantFrom(1, -1, 7)),
  dataMode: fc.integer({ min: 0, max: 2 }),
  seed: fc.nat(),
  padding: fc.integer({ min: 0, max: 7 }),
  lengthDelta: rarely(fc.constantFrom(1, -1, 1000)),
  highWord: rarely(fc.constantFrom(1, 0xffffffff)),
  mutation: mutationArb,
});

type Case = typeof caseArb extends fc.Arbitrary<infer T> ? T : never;

/** The bytes of a structured case: a header that follows the format unless the case says otherwise. */
function build(c: Case): Uint8Array {
  const members: string[] = [];
  if (c.metadata !== undefined) members.push(`"__metadata__":${c.metadata}`);
  let pos = 0;
  for (const e of c.entries) {
    let offsets: unknown = e.offsets;
    const shift = e.offsets !== null && typeof e.offsets === 'object' && 'shift' in e.offsets ? (e.offsets as { shift: number }).shift : undefined;
    if (offsets === undefined || shift !== undefined) {
      const shape = Array.isArray(e.shape) && e.shape.every((d) => typeof d === 'number' && Number.isSafeInteger(d) && d >= 0 && d <= 4) ? (e.shape as number[]) : [];
      const bytes = shape.reduce((a, b) => a * b, 1) * (SIZES[e.dtype] ?? 1);
      const begin = shift === undefined ? pos : shift === -Infinity ? 0 : Math.max(0, pos + shift);
      offsets = [begin, begin + bytes];
      pos = Math.max(pos, begin + bytes);
    }
    const name = e.name === '\\u0077' ? '"\\u0077"' : JSON.stringify(e.name); // an escaped spelling of 'w'
    members.push(`${name}:{${e.extra}"dtype":${JSON.stringify(e.dtype)},"shape":${JSON.stringify(e.shape)},"data_offsets":${JSON.stringify(offsets)}}`);
  }
  let text = `{${members.join(',')}}${' '.repeat(c.padding)}`;
  const m = c.mutation;
  if (m !== undefined) {
    const at = m.at % (text.length + 1);
    if (m.kind === 'truncate') text = text.slice(0, at);
    else if (m.kind === 'replace') text = text.slice(0, at) + m.char + text.slice(at + 1);
    else if (m.kind === 'insert') text = text.slice(0, at) + m.char + text.slice(at);
    else text = text.slice(0, at) + text.slice(at + 1);
  }
  return frame(text, fill(Math.max(0, pos + (c.dataDelta ?? 0)), c.dataMode, c.seed), c.lengthDelta ?? 0, c.highWord ?? 0);
}

/** A random state dict of the dtypes adjoint writes, with names from all of Unicode (lone surrogates included). */
const stateDictArb = fc
  .array(
    fc.record({
      name: fc.oneof(fc.string({ unit: 'binary', maxLength: 6 }), fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)), maxLength: 4 }), fc.constantFrom(...NAMES)),
      dtype: fc.constantFrom('float32' as const, 'float64' as const, 'int32' as const, 'bool' as const),
      values: fc.array(fc.integer({ min: -1000, max: 1000 }), { maxLength: 6 }),
    }),
    { maxLength: 6 },
  )
  .map((items) => {
    const sd = new Map<string, Tensor>();
    for (const { name, dtype, values } of items) {
      if (name === '__metadata__') continue;
      sd.set(name, dtype === 'bool' ? tensor(values.map((v) => v > 0)) : tensor(values, { dtype }));
    }
    return sd;
  });

describe('deserializeStateDict under fuzzing', () => {
  it('fully random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => void check(bytes)), params);
  });

  it('random header bytes behind a length that fits', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 64 }), (header, data) => void check(frame(header, data))),
      params,
    );
  });

  it('structured headers with mutated offsets, shapes, dtypes, names, duplicate keys and huge numbers', () => {
    let loaded = 0;
    let rejected = 0;
    fc.assert(
      fc.property(caseArb, (c) => {
        if (check(build(c)).ok) loaded++;
        else rejected++;
      }),
      params,
    );
    // Both outcomes are exercised: a reader that rejects everything (or accepts everything) fails here.
    if (process.env.FUZZ_STATS) console.log({ loaded, rejected });
    expect(loaded).toBeGreaterThan(RUNS / 20);
    expect(rejected).toBeGreaterThan(RUNS / 4);
  });

  it('valid files with bytes flipped', () => {
    fc.assert(
      fc.property(stateDictArb, fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 3 }), (sd, flips) => {
        const bytes = nn.serializeStateDict(sd).slice();
        for (const [at, x] of flips) bytes[at % bytes.length]! ^= x;
        check(bytes);
      }),
      params,
    );
  });

  it('valid files round-trip, whatever the names', () => {
    fc.assert(
      fc.property(stateDictArb, (sd) => {
        const bytes = nn.serializeStateDict(sd);
        expect(check(bytes).ok).toBe(true);
        const back = nn.deserializeStateDict(bytes);
        expect([...back.keys()]).toEqual([...sd.keys()]);
        for (const [name, t] of sd) {
          expect(back.get(name)!.dtype).toBe(t.dtype);
          expect(back.get(name)!.toArray()).toEqual(t.toArray());
        }
      }),
      params,
    );
  });
});
