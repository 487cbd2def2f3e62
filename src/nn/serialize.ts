/**
 * State dicts as bytes, in the safetensors format, so that files written here load in Python with
 * `safetensors.torch.load_file` and the other way round (for the dtypes adjoint has). Browser-safe: no file
 * I/O here; `save`/`load` in `adjoint/node` add that.
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
 * @example
 * ```ts
 * import { nn } from 'adjoint';
 * const bytes = nn.serializeStateDict(model);
 * other.loadStateDict(nn.deserializeStateDict(bytes));
 * ```
 * @module
 */
import { allocate, itemSize, type DType, type TypedArray } from '../dtype.js';
import { fmtShape, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { Module, toStateMap, type StateDict, type StateDictLike } from './module.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import '../autograd/record.js';

const CODES: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32', bool: 'BOOL' };
const FROM_CODE = new Map<string, DType>(Object.entries(CODES).map(([d, c]) => [c, d as DType]));
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
// A header larger than this is not one we wrote; safetensors uses the same bound against hostile files.
const MAX_HEADER = 100_000_000;

/** Options of `serializeStateDict`. @example `nn.serializeStateDict(model, { metadata: { epochs: '10' } })` */
export interface SerializeOptions {
  /** Free-form string → string information stored in the header (e.g. the model's hyperparameters). */
  readonly metadata?: Readonly<Record<string, string>>;
}

interface HeaderEntry {
  readonly dtype: string;
  readonly shape: number[];
  readonly data_offsets: [number, number];
}

/**
 * Encode a module's state dict (or any name → tensor map) as safetensors bytes.
 *
 * @example
 * ```ts
 * const bytes = nn.serializeStateDict(model, { metadata: { hidden: '128' } });
 * ```
 */
export function serializeStateDict(source: Module | StateDictLike, opts: SerializeOptions = {}): Uint8Array {
  const tensors = source instanceof Module ? source.stateDict() : toStateMap(source, 'serializeStateDict');
  const header: Record<string, HeaderEntry | Record<string, string>> = {};
  if (opts.metadata) {
    for (const [k, v] of Object.entries(opts.metadata)) {
      if (typeof v !== 'string') throw new Error(`serializeStateDict: metadata values must be strings, but '${k}' is a ${typeof v}.`);
    }
    header.__metadata__ = { ...opts.metadata };
  }
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__') throw new Error(`serializeStateDict: '__metadata__' is reserved and cannot name a tensor.`);
    const bytes = toBytes(t.data());
    header[name] = { dtype: CODES[t.dtype], shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    parts.push(bytes);
    offset += bytes.length;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
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
 * Throws a clear error on truncated or malformed input and on dtypes adjoint does not have.
 *
 * @example
 * ```ts
 * model.loadStateDict(nn.deserializeStateDict(bytes));
 * ```
 */
export function deserializeStateDict(bytes: Uint8Array): StateDict {
  const { entries, dataStart } = parseHeader(bytes);
  const out: StateDict = new Map();
  for (const [name, e] of entries) {
    const dtype = FROM_CODE.get(e.dtype)!;
    const [begin, end] = e.data_offsets;
    const data = fromBytes(bytes.subarray(dataStart + begin, dataStart + end), dtype);
    out.set(name, Tensor.fromHost(data, e.shape, dtype));
  }
  return out;
}

/**
 * The `__metadata__` strings of safetensors bytes (empty when there are none).
 *
 * @example
 * ```ts
 * nn.readStateDictMetadata(bytes).hidden; // '128'
 * ```
 */
export function readStateDictMetadata(bytes: Uint8Array): Record<string, string> {
  return { ...parseHeader(bytes).metadata };
}

function fail(msg: string): never {
  throw new Error(`deserializeStateDict: not a valid state dict (safetensors) file: ${msg}.`);
}

function parseHeader(bytes: Uint8Array): {
  entries: [string, HeaderEntry][];
  metadata: Record<string, string>;
  dataStart: number;
} {
  if (!(bytes instanceof Uint8Array)) fail(`expected a Uint8Array, got ${typeof bytes}`);
  if (bytes.length < 8) fail(`only ${bytes.length} bytes, fewer than the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (n > MAX_HEADER || n > bytes.length - 8) fail(`the header claims ${n} bytes but the file has ${bytes.length - 8} after the length`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    fail(`the header is not UTF-8 JSON (${e instanceof Error ? e.message : String(e)})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) fail('the header is not a JSON object');
  const dataStart = 8 + n;
  const dataLength = bytes.length - dataStart;
  const entries: [string, HeaderEntry][] = [];
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (raw === null || typeof raw !== 'object' || Object.values(raw).some((v) => typeof v !== 'string')) {
        fail('__metadata__ must be an object of strings');
      }
      metadata = raw as Record<string, string>;
      continue;
    }
    const e = raw as Partial<HeaderEntry> | null;
    if (e === null || typeof e !== 'object') fail(`the entry for '${name}' is not an object`);
    const dtype = typeof e.dtype === 'string' ? FROM_CODE.get(e.dtype) : undefined;
    if (dtype === undefined) {
      fail(`tensor '${name}' has dtype ${JSON.stringify(e.dtype)}; adjoint reads ${[...FROM_CODE.keys()].join(', ')} (convert it before saving)`);
    }
    const shape = e.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) fail(`tensor '${name}' has an invalid shape`);
    const offsets = e.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isInteger(o) && o >= 0)) {
      fail(`tensor '${name}' has invalid data_offsets`);
    }
    const [begin, end] = offsets;
    const expected = sizeOf(shape) * itemSize(dtype);
    if (end - begin !== expected) {
      fail(`tensor '${name}' of shape ${fmtShape(shape)} and dtype ${e.dtype} needs ${expected} bytes but data_offsets span ${end - begin}`);
    }
    if (end > dataLength) fail(`tensor '${name}' ends at byte ${end} of the data but the data has only ${dataLength} bytes (truncated file?)`);
    entries.push([name, { dtype: e.dtype!, shape, data_offsets: [begin, end] }]);
  }
  // JSON objects put integer-like keys first; the data offsets keep the order the tensors were written in.
  entries.sort((a, b) => a[1].data_offsets[0] - b[1].data_offsets[0]);
  return { entries, metadata, dataStart };
}

function toBytes(data: TypedArray): Uint8Array {
  const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) return bytes;
  return swapped(bytes, data.BYTES_PER_ELEMENT);
}

function fromBytes(bytes: Uint8Array, dtype: DType): TypedArray {
  const out = allocate(dtype, bytes.length / itemSize(dtype));
  // Copying (rather than viewing the input) also fixes alignment: offsets in the file need not be multiples of 8.
  const dst = new Uint8Array(out.buffer);
  dst.set(LITTLE_ENDIAN || out.BYTES_PER_ELEMENT === 1 ? bytes : swapped(bytes, out.BYTES_PER_ELEMENT));
  return out;
}

function swapped(bytes: Uint8Array, width: number): Uint8Array {
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += width) for (let j = 0; j < width; j++) out[i + j] = bytes[i + width - 1 - j]!;
  return out;
}
