// The plain objects that the exporter builds and protobufjs encodes, shaped as onnx.proto's messages (field
// names as in the .proto: snake_case). Only the fields the exporter writes are declared.
import type { DType } from '../dtype.js';

/** onnx.proto's `TensorProto.DataType` codes of the dtypes adjoint has, plus INT64 (shapes, axes). */
export const ONNX_TYPES = { float32: 1, bool: 9, int32: 6, float64: 11, int64: 7 } as const satisfies Record<DType | 'int64', number>;

/** An ONNX element type code. */
export type OnnxType = (typeof ONNX_TYPES)[keyof typeof ONNX_TYPES];

/** `AttributeProto.AttributeType` codes. */
const ATTR = { FLOAT: 1, INT: 2, STRING: 3, FLOATS: 6, INTS: 7, STRINGS: 8 } as const;

/** An attribute value: a number is an INT when integral-typed by the caller (see `attr`). */
export type AttrValue = { readonly f: number } | { readonly i: number } | { readonly s: string } | { readonly ints: readonly number[] }
  | { readonly floats: readonly number[] } | { readonly strings: readonly string[] };

/** onnx.proto's AttributeProto. */
export interface AttributeProto {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  ints?: number[];
  floats?: number[];
  strings?: Uint8Array[];
}

/** onnx.proto's NodeProto. */
export interface NodeProto {
  input: string[];
  output: string[];
  name: string;
  op_type: string;
  attribute: AttributeProto[];
}

/** onnx.proto's TensorProto, with the elements as little-endian `raw_data`. */
export interface TensorProto {
  dims: number[];
  data_type: number;
  name: string;
  raw_data: Uint8Array;
}

/** onnx.proto's ValueInfoProto of a tensor: element type and shape, each dim a size or a symbolic name. */
export interface ValueInfoProto {
  name: string;
  type: { tensor_type: { elem_type: number; shape: { dim: ({ dim_value: number } | { dim_param: string })[] } } };
}

const utf8 = new TextEncoder();

/**
 * The AttributeProto of one attribute.
 *
 * @example
 * ```ts
 * attribute('perm', { ints: [1, 0] });
 * ```
 */
export function attribute(name: string, v: AttrValue): AttributeProto {
  if ('f' in v) return { name, type: ATTR.FLOAT, f: v.f };
  if ('i' in v) return { name, type: ATTR.INT, i: v.i };
  if ('s' in v) return { name, type: ATTR.STRING, s: utf8.encode(v.s) };
  if ('ints' in v) return { name, type: ATTR.INTS, ints: [...v.ints] };
  if ('floats' in v) return { name, type: ATTR.FLOATS, floats: [...v.floats] };
  return { name, type: ATTR.STRINGS, strings: v.strings.map((x) => utf8.encode(x)) };
}

/**
 * A tensor's ValueInfoProto: `dims[i]` is a size, or a name for a size known only when the model runs.
 *
 * @example
 * ```ts
 * valueInfo('input', ONNX_TYPES.float32, ['batch', 784]);
 * ```
 */
export function valueInfo(name: string, elemType: number, dims: readonly (number | string)[]): ValueInfoProto {
  return {
    name,
    type: { tensor_type: { elem_type: elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) } } },
  };
}
