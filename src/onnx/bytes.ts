// The bytes of an ONNX file's tensors (little-endian `raw_data`, as every platform adjoint runs on stores
// them): shape constants, scalars, and weights read back from a device. Like safetensors (nn/serialize.ts),
// this is file encoding, not computation on tensor elements.
import type { DType, TypedArray } from '../dtype.js';

/**
 * Int64 values (shapes, axes, starts) as bytes.
 *
 * @example
 * ```ts
 * int64Bytes([2, -1]).length; // 16
 * ```
 */
export function int64Bytes(values: readonly number[]): Uint8Array {
  return new Uint8Array(new BigInt64Array(values.map((v) => BigInt(v))).buffer);
}

/**
 * One number in `dtype` as bytes.
 *
 * @example
 * ```ts
 * scalarBytes(1, 'float32').length; // 4
 * ```
 */
export function scalarBytes(value: number, dtype: DType): Uint8Array {
  const a = dtype === 'float32' ? new Float32Array([value]) : dtype === 'float64' ? new Float64Array([value])
    : dtype === 'int32' ? new Int32Array([value]) : new Uint8Array([value]);
  return new Uint8Array(a.buffer);
}

/**
 * A typed array's bytes (a view, no copy).
 *
 * @example
 * ```ts
 * bytesOf(await t.dataAsync());
 * ```
 */
export function bytesOf(elements: TypedArray): Uint8Array {
  return new Uint8Array(elements.buffer, elements.byteOffset, elements.byteLength);
}

/**
 * A copy of bytes in a Uint8Array of its own (not a Node Buffer, nor a view of a shared pool).
 *
 * @example
 * ```ts
 * ownBytes(encoded);
 * ```
 */
export function ownBytes(bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.byteLength);
  out.set(bytes);
  return out;
}
