/**
 * State dicts as bytes, in the safetensors format, so that files written here load in Python with
 * `safetensors.torch.load_file` and the other way round. Browser-safe: no file I/O here; `save`/`load` in
 * `adjoint/node` add that.
 *
 * Layout (all integers little-endian):
 *
 * | bytes        | content                                                                          |
 * | ------------ | -------------------------------------------------------------------------------- |
 * | 0 – 7        | N, the header length, as an unsigned 64-bit integer                              |
 * | 8 – 8+N      | UTF-8 JSON header, padded with spaces so that the data starts at a multiple of 8 |
 * | 8+N – end    | the tensors' elements, row-major, one tensor after another                       |
 *
 * The header maps each tensor name to `{"dtype": "F32" | "F64" | "I32" | "BOOL", "shape": [...],
 * "data_offsets": [begin, end]}` (byte offsets into the data section), plus an optional `"__metadata__"`
 * object of string → string. `BOOL` elements are one byte each (0 or 1).
 *
 * Writing uses F32, F64, I32 and BOOL. Reading also takes what PyTorch writes for dtypes adjoint does not
 * have: F16 and BF16 become float32 (exactly: every half and bfloat16 value, subnormals, infinities and NaN
 * payloads included, is a float32), I8, U8, I16 and U16 become int32, and I64 becomes int32 when every value
 * fits (otherwise it is an error that names the tensor and the first value that does not).
 *
 * Files are untrusted input. Reading checks them as the reference implementation (huggingface/safetensors)
 * does: the tensors' byte ranges must cover the data section exactly, in order, without overlaps, gaps or
 * trailing bytes; a name may appear only once; shapes have at most 64 dimensions of non-negative safe
 * integers that match the byte ranges. So the work is bounded by the file: the tensors returned hold at most
 * 4 bytes per byte of data (the widest widening, I8/U8 → int32), and the time is linear in the file's size.
 *
 * @example
 * ```ts
 * import { nn } from 'adjoint';
 * const bytes = nn.serializeStateDict(model);
 * other.loadStateDict(nn.deserializeStateDict(bytes));
 * ```
 * @module
 */
import { MAX_ELEMENTS, type DType, type TypedArray } from '../dtype.js';
import { fmtShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { Module, toStateMap, type StateDict, type StateDictLike } from './module.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import '../autograd/record.js';

const CODES: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32', bool: 'BOOL' };

/** How each safetensors dtype that adjoint reads is stored in the file, and what it becomes. */
interface Format {
  /** Bytes per element in the file. */
  readonly size: number;
  /** The dtype of the loaded tensor. */
  readonly dtype: DType;
}

const FORMATS = new Map<string, Format>([
  ['F32', { size: 4, dtype: 'float32' }],
  ['F64', { size: 8, dtype: 'float64' }],
  ['I32', { size: 4, dtype: 'int32' }],
  ['BOOL', { size: 1, dtype: 'bool' }],
  ['F16', { size: 2, dtype: 'float32' }],
  ['BF16', { size: 2, dtype: 'float32' }],
  ['I64', { size: 8, dtype: 'int32' }],
  ['I8', { size: 1, dtype: 'int32' }],
  ['U8', { size: 1, dtype: 'int32' }],
  ['I16', { size: 2, dtype: 'int32' }],
  ['U16', { size: 2, dtype: 'int32' }],
]);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
// A header larger than this is not one we wrote; safetensors uses the same bound against hostile files.
const MAX_HEADER = 100_000_000;
// PyTorch's limit on the number of dimensions.
const MAX_RANK = 64;
// serde_json's default recursion limit, which the reference reader parses the header with.
const MAX_DEPTH = 128;

/** Options of `serializeStateDict`. @example `nn.serializeStateDict(model, { metadata: { epochs: '10' } })` */
export interface SerializeOptions {
  /** Free-form string → string information stored in the header (e.g. the model's hyperparameters). */
  readonly metadata?: Readonly<Record<string, string>>;
}

/**
 * Encode a module's state dict (or any name → tensor map) as safetensors bytes. Every name
 * `deserializeStateDict` accepts round-trips, `'__proto__'` and `''` included; only `'__metadata__'` is
 * reserved.
 *
 * @example
 * ```ts
 * const bytes = nn.serializeStateDict(model, { metadata: { hidden: '128' } });
 * ```
 */
export function serializeStateDict(source: Module | StateDictLike, opts: SerializeOptions = {}): Uint8Array {
  const tensors = source instanceof Module ? source.stateDict() : toStateMap(source, 'serializeStateDict');
  // The header is written as JSON text member by member (never through a plain object, where a tensor named
  // '__proto__' would set the prototype instead of adding a key).
  const members: string[] = [];
  if (opts.metadata) {
    const fields: string[] = [];
    for (const [k, v] of Object.entries(opts.metadata)) {
      if (typeof v !== 'string') throw new Error(`serializeStateDict: metadata values must be strings, but '${k}' is a ${typeof v}.`);
      fields.push(`${JSON.stringify(k)}:${JSON.stringify(v)}`);
    }
    members.push(`"__metadata__":{${fields.join(',')}}`);
  }
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    if (typeof name !== 'string') {
      throw new Error(`serializeStateDict: tensor names must be strings, got the ${typeof name} ${String(name)}; use String(name) as the key.`);
    }
    if (name === '__metadata__') throw new Error(`serializeStateDict: '__metadata__' is reserved and cannot name a tensor.`);
    const bytes = toBytes(t.data());
    const entry = `{"dtype":"${CODES[t.dtype]}","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${offset + bytes.length}]}`;
    members.push(`${JSON.stringify(name)}:${entry}`);
    parts.push(bytes);
    offset += bytes.length;
  }
  let json = new TextEncoder().encode(`{${members.join(',')}}`);
  const padded = Math.ceil((8 + json.length) / 8) * 8 - 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, json.length, true);
  view.setUint32(4, Math.floor(json.length / 2 ** 32), true);
  out.set(json, 8);
  let pos = 8 + json.length;
  for (const p of parts) {
    out.set(p, pos);
    pos += p.length;
  }
  return out;
}

/**
 * Decode safetensors bytes into a state dict (tensors in file order, each with its own copy of the data).
 * Throws an error starting `deserializeStateDict:` on truncated or malformed input (overlapping, missing or
 * trailing bytes, repeated names, bad shapes), on dtypes adjoint cannot read, and on I64 values outside
 * int32. BOOL bytes other than 0 are read as true (1), as PyTorch does.
 *
 * @example
 * ```ts
 * model.loadStateDict(nn.deserializeStateDict(bytes));
 * ```
 */
export function deserializeStateDict(bytes: Uint8Array): StateDict {
  const { entries, dataStart } = parseHeader(bytes);
  const out: StateDict = new Map();
  for (const e of entries) out.set(e.name, makeTensor(decode(bytes.subarray(dataStart + e.begin, dataStart + e.end), e), e.shape, e.format.dtype));
  return out;
}

/**
 * The `__metadata__` strings of safetensors bytes (empty when there are none), as an object without a
 * prototype, so that a key such as `'toString'` is there only when the file has it.
 *
 * @example
 * ```ts
 * nn.readStateDictMetadata(bytes).hidden; // '128'
 * ```
 */
export function readStateDictMetadata(bytes: Uint8Array): Record<string, string> {
  const out = Object.create(null) as Record<string, string>;
  for (const [k, v] of parseHeader(bytes).metadata) out[k] = v;
  return out;
}

/** The one place this module makes a tensor over a typed array (no copy). */
function makeTensor(data: TypedArray, shape: number[], dtype: DType): Tensor {
  return Tensor.fromHost(data, shape, dtype);
}

function fail(msg: string): never {
  throw new Error(`deserializeStateDict: not a valid state dict (safetensors) file: ${msg}.`);
}

/** A name as error messages quote it, cut short when a hostile file makes it huge. */
function q(name: string): string {
  return name.length <= 100 ? `'${name}'` : `'${name.slice(0, 100)}…' (${name.length} characters)`;
}

/** A JSON value of the header (objects as Maps, so that no key can reach a prototype). */
type Json = null | boolean | number | string | Json[] | Map<string, Json>;

interface Entry {
  readonly name: string;
  readonly code: string;
  readonly format: Format;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

function parseHeader(bytes: Uint8Array): { entries: Entry[]; metadata: Map<string, string>; dataStart: number } {
  if (!(bytes instanceof Uint8Array)) fail(`expected a Uint8Array, got ${bytes === null ? 'null' : typeof bytes}`);
  if (bytes.length < 8) fail(`only ${bytes.length} bytes, fewer than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (n > MAX_HEADER || n > bytes.length - 8) fail(`the header claims ${n} bytes but the file has ${bytes.length - 8} after the length`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes.subarray(8, 8 + n));
  } catch {
    fail('the header is not valid UTF-8');
  }
  const header = parseJson(text);
  if (!(header instanceof Map)) fail('the header is not a JSON object');
  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  const entries: Entry[] = [];
  const metadata = new Map<string, string>();
  for (const [name, raw] of header) {
    if (name === '__metadata__') {
      if (raw === null) continue; // the reference reader takes null as "no metadata"
      if (!(raw instanceof Map)) fail('__metadata__ must be an object of strings');
      for (const [k, v] of raw) {
        if (typeof v !== 'string') fail(`__metadata__ must be an object of strings, but ${q(k)} is ${describeJson(v)}`);
        metadata.set(k, v);
      }
      continue;
    }
    entries.push(parseEntry(name, raw, dataLength));
  }
  // JSON objects need not list the tensors in data order; the reference reader sorts by (begin, end) too.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  let previous: Entry | undefined;
  for (const e of entries) {
    if (e.begin < covered) {
      fail(`tensors ${q(previous!.name)} (bytes ${previous!.begin}–${previous!.end}) and ${q(e.name)} (bytes ${e.begin}–${e.end}) overlap in the data; each byte must belong to one tensor`);
    }
    if (e.begin > covered) {
      fail(`no tensor holds bytes ${covered}–${e.begin} of the data (${previous ? `between ${q(previous.name)} and ${q(e.name)}` : `before ${q(e.name)}`}); the tensors must cover the data without gaps`);
    }
    covered = e.end;
    previous = e;
  }
  if (previous === undefined && dataLength > 0) fail(`the header lists no tensors but the data has ${dataLength} bytes`);
  if (previous !== undefined && covered !== dataLength) {
    fail(`${dataLength - covered} trailing bytes after the last tensor (${q(previous.name)} ends at byte ${covered} but the data has ${dataLength} bytes)`);
  }
  return { entries, metadata, dataStart };
}

function parseEntry(name: string, raw: Json, dataLength: number): Entry {
  if (!(raw instanceof Map)) fail(`the entry for ${q(name)} is not an object`);
  const code = raw.get('dtype');
  const format = typeof code === 'string' ? FORMATS.get(code) : undefined;
  if (format === undefined || typeof code !== 'string') {
    fail(`tensor ${q(name)} has dtype ${describeJson(code)}; adjoint reads ${[...FORMATS.keys()].join(', ')} (convert it before saving)`);
  }
  const shape = raw.get('shape');
  if (!Array.isArray(shape)) fail(`tensor ${q(name)} has no shape array (got ${describeJson(shape)})`);
  if (shape.length > MAX_RANK) fail(`tensor ${q(name)} has ${shape.length} dimensions; at most ${MAX_RANK} are allowed (as in PyTorch)`);
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i]!;
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      fail(`tensor ${q(name)} has size ${describeJson(d)} at dimension ${i}; sizes must be integers from 0 to 2^53 - 1`);
    }
  }
  const dims = (shape as number[]).map((d) => d + 0); // -0 → 0
  let numel = 1;
  let extent = 1; // the product with zero sizes counted as 1: the largest stride, which must stay exact too
  for (const d of dims) {
    numel *= d;
    extent *= Math.max(d, 1);
    if (extent > Number.MAX_SAFE_INTEGER) fail(`tensor ${q(name)} of shape ${fmtShape(dims)} is too large: the product of its sizes (a size of 0 counted as 1) exceeds 2^53 - 1`);
  }
  const offsets = raw.get('data_offsets');
  if (
    !Array.isArray(offsets) || offsets.length !== 2 ||
    !offsets.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0) || (offsets[0] as number) > (offsets[1] as number)
  ) {
    fail(`tensor ${q(name)} has data_offsets ${describeJson(offsets)}; expected [begin, end] with integers 0 ≤ begin ≤ end`);
  }
  const begin = (offsets[0] as number) + 0, end = (offsets[1] as number) + 0;
  const expected = numel * format.size; // exact: numel ≤ 2^53 - 1 times a power of two
  if (end - begin !== expected) {
    fail(`tensor ${q(name)} of shape ${fmtShape(dims)} and dtype ${code} needs ${expected} bytes but data_offsets span ${end - begin}`);
  }
  if (end > dataLength) fail(`tensor ${q(name)} ends at byte ${end} of the data but the data has only ${dataLength} bytes (truncated file?)`);
  if (numel > MAX_ELEMENTS) fail(`tensor ${q(name)} has ${numel} elements; an adjoint tensor holds at most ${MAX_ELEMENTS}`);
  return { name, code, format, shape: dims, begin, end };
}

/** A header value as error messages show it, cut short when a hostile file makes it huge. */
function describeJson(v: Json | undefined): string {
  if (v === undefined) return 'missing';
  if (v instanceof Map) return 'an object';
  if (typeof v === 'number') return String(v); // 1e999 parses as Infinity, which JSON.stringify would show as null
  if (Array.isArray(v) && v.length > 8) return `an array of ${v.length} items`;
  const s = JSON.stringify(v, (_k, x: unknown) => (x instanceof Map ? {} : x));
  return s.length <= 100 ? s : `${s.slice(0, 100)}…`;
}

/**
 * Parse the header's JSON text. Unlike `JSON.parse`, a key repeated in one object is an error (JSON.parse
 * keeps the last, so a file could hide a tensor), objects become Maps, and nesting is bounded.
 */
function parseJson(s: string): Json {
  const n = s.length;
  let i = 0;
  const error = (what: string): never => fail(`the header is not valid JSON: ${what} at character ${i}`);
  const ws = (): void => {
    for (let c = s.charCodeAt(i); c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09; c = s.charCodeAt(++i));
  };
  const string = (): string => {
    const start = i;
    let plain = true;
    let j = i + 1;
    for (;;) {
      if (j >= n) return error('unterminated string');
      const c = s.charCodeAt(j);
      if (c === 0x22) break;
      if (c === 0x5c) {
        plain = false;
        j += 2;
      } else if (c < 0x20) {
        i = j;
        return error('control character in a string');
      } else j++;
    }
    i = j + 1;
    if (plain) return s.slice(start + 1, j);
    try {
      return JSON.parse(s.slice(start, j + 1)) as string;
    } catch {
      i = start;
      return error('invalid escape in a string');
    }
  };
  const digits = (): number => {
    const start = i;
    for (let c = s.charCodeAt(i); c >= 0x30 && c <= 0x39; c = s.charCodeAt(++i));
    return i - start;
  };
  const number = (): number => {
    const start = i;
    if (s.charCodeAt(i) === 0x2d) i++; // -
    const lead = s.charCodeAt(i);
    if (lead === 0x30) i++; // a leading 0 stands alone
    else if (digits() === 0) {
      i = start;
      return error(i >= n ? 'unexpected end' : `unexpected ${JSON.stringify(s[i])}`);
    }
    if (s.charCodeAt(i) === 0x2e && (i++, digits() === 0)) return error('expected a digit');
    const e = s.charCodeAt(i);
    if (e === 0x65 || e === 0x45) {
      i++;
      const sign = s.charCodeAt(i);
      if (sign === 0x2b || sign === 0x2d) i++;
      if (digits() === 0) return error('expected a digit');
    }
    return Number(s.slice(start, i));
  };
  const literal = <T extends Json>(word: string, v: T): T => {
    if (!s.startsWith(word, i)) return error(`unexpected ${JSON.stringify(s[i])}`);
    i += word.length;
    return v;
  };
  const value = (depth: number, owner: string | undefined): Json => {
    if (depth > MAX_DEPTH) error(`values nested more than ${MAX_DEPTH} deep`);
    ws();
    const c = s.charCodeAt(i);
    if (c === 0x7b) { // {
      i++;
      const map = new Map<string, Json>();
      ws();
      if (s.charCodeAt(i) === 0x7d) {
        i++;
        return map;
      }
      for (;;) {
        ws();
        if (s.charCodeAt(i) !== 0x22) return error('expected a string key');
        const key = string();
        if (map.has(key)) {
          fail(owner === undefined ? `the header names ${q(key)} twice` : `the entry for ${q(owner)} has the key ${q(key)} twice`);
        }
        ws();
        if (s.charCodeAt(i) !== 0x3a) return error("expected ':'");
        i++;
        map.set(key, value(depth + 1, owner ?? key));
        ws();
        const next = s.charCodeAt(i++);
        if (next === 0x7d) return map;
        if (next !== 0x2c) {
          i--;
          return error("expected ',' or '}'");
        }
      }
    }
    if (c === 0x5b) { // [
      i++;
      const arr: Json[] = [];
      ws();
      if (s.charCodeAt(i) === 0x5d) {
        i++;
        return arr;
      }
      for (;;) {
        arr.push(value(depth + 1, owner));
        ws();
        const next = s.charCodeAt(i++);
        if (next === 0x5d) return arr;
        if (next !== 0x2c) {
          i--;
          return error("expected ',' or ']'");
        }
      }
    }
    if (c === 0x22) return string();
    if (c === 0x74) return literal('true', true);
    if (c === 0x66) return literal('false', false);
    if (c === 0x6e) return literal('null', null);
    return number();
  };
  const out = value(0, undefined);
  ws();
  if (i < n) error('unexpected text after the JSON value');
  return out;
}

/** The elements of one tensor, converted from the file's dtype. */
function decode(bytes: Uint8Array, e: Entry): TypedArray {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (e.code) {
    case 'F32': return copyOf(bytes, new Float32Array(bytes.length / 4));
    case 'F64': return copyOf(bytes, new Float64Array(bytes.length / 8));
    case 'I32': return copyOf(bytes, new Int32Array(bytes.length / 4));
    case 'BOOL': {
      const out = new Uint8Array(bytes.length);
      for (let i = 0; i < out.length; i++) out[i] = bytes[i] === 0 ? 0 : 1;
      return out;
    }
    case 'F16': case 'BF16': {
      const out = new Float32Array(bytes.length / 2);
      const bits = new Uint32Array(out.buffer);
      if (e.code === 'BF16') for (let i = 0; i < bits.length; i++) bits[i] = view.getUint16(2 * i, true) << 16;
      else {
        const table = halfTable();
        for (let i = 0; i < bits.length; i++) bits[i] = table[view.getUint16(2 * i, true)]!;
      }
      return out;
    }
    case 'I64': {
      const out = new Int32Array(bytes.length / 8);
      for (let i = 0; i < out.length; i++) {
        const lo = view.getInt32(8 * i, true), hi = view.getInt32(8 * i + 4, true);
        if (hi !== lo >> 31) {
          throw new Error(
            `deserializeStateDict: tensor ${q(e.name)} (I64) holds ${view.getBigInt64(8 * i, true)} at flat index ${i}, which does not fit in int32 ` +
              `(adjoint has no int64); convert it before saving, e.g. t.to(torch.int32) once the values fit, or t.to(torch.float64).`,
          );
        }
        out[i] = lo;
      }
      return out;
    }
    default: {
      const out = new Int32Array(bytes.length / e.format.size);
      for (let i = 0; i < out.length; i++) {
        out[i] = e.code === 'I8' ? view.getInt8(i) : e.code === 'U8' ? bytes[i]! : e.code === 'I16' ? view.getInt16(2 * i, true) : view.getUint16(2 * i, true);
      }
      return out;
    }
  }
}

let HALF: Uint32Array | undefined;

/** float32 bit patterns of all 65536 half-precision values (exact; NaN payloads kept). */
function halfTable(): Uint32Array {
  if (HALF) return HALF;
  HALF = new Uint32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = (h & 0x8000) << 16, exp = (h >> 10) & 0x1f;
    let mant = h & 0x3ff;
    if (exp === 0x1f) HALF[h] = sign | 0x7f800000 | (mant << 13);
    else if (exp !== 0) HALF[h] = sign | ((exp + 112) << 23) | (mant << 13);
    else if (mant === 0) HALF[h] = sign;
    else {
      // Subnormal: shift the mantissa up to the implicit bit; each shift halves the exponent.
      let e = 113;
      while ((mant & 0x400) === 0) {
        mant <<= 1;
        e--;
      }
      HALF[h] = sign | (e << 23) | ((mant & 0x3ff) << 13);
    }
  }
  return HALF;
}

/** Copy little-endian bytes into `out` (a copy also fixes alignment: offsets in the file need not be aligned). */
function copyOf<T extends Float32Array | Float64Array | Int32Array>(bytes: Uint8Array, out: T): T {
  new Uint8Array(out.buffer).set(LITTLE_ENDIAN ? bytes : swapped(bytes, out.BYTES_PER_ELEMENT));
  return out;
}

function toBytes(data: TypedArray): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) return bytes;
  return swapped(bytes, data.BYTES_PER_ELEMENT);
}

function swapped(bytes: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += width) for (let j = 0; j < width; j++) out[i + j] = bytes[i + width - 1 - j]!;
  return out;
}
