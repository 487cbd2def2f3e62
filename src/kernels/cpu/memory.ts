import { allocate, type DType, type TypedArray } from '../../dtype.js';
import type { BufferHandle } from '../backend.js';

/**
 * The typed array behind a CPU buffer handle. The TypeScript and WebAssembly backends keep every buffer as a JS
 * typed array of the storage's dtype, so a handle *is* the array; only these two backends may look through it.
 *
 * @example
 * ```ts
 * const xs = arrayOf(x) as Float32Array;
 * ```
 */
export function arrayOf(handle: BufferHandle): TypedArray {
  return handle as unknown as TypedArray;
}

/**
 * A typed array as a CPU buffer handle (no copy).
 *
 * @example
 * ```ts
 * const h = handleOf(new Float32Array(4));
 * ```
 */
export function handleOf(data: TypedArray): BufferHandle {
  return data as unknown as BufferHandle;
}

/**
 * The memory half of the CPU backends: buffers are plain garbage-collected typed arrays, so allocation is
 * `new Float32Array(n)`, uploading takes the array as it is, and reading is a slice.
 *
 * @example
 * ```ts
 * const b = { name: 'ts', ...cpuMemory, ...kernels };
 * ```
 */
export const cpuMemory = {
  device: 'cpu',
  alloc: (dtype: DType, n: number): BufferHandle => handleOf(allocate(dtype, n)),
  fromHost: (data: TypedArray): BufferHandle => handleOf(data),
  read: (buffer: BufferHandle, _dtype: DType, offset: number, n: number): TypedArray => arrayOf(buffer).slice(offset, offset + n),
  readScalar: (buffer: BufferHandle, _dtype: DType, offset: number): number => arrayOf(buffer)[offset]!,
  readAsync: (buffer: BufferHandle, _dtype: DType, offset: number, n: number): Promise<TypedArray> =>
    Promise.resolve(arrayOf(buffer).slice(offset, offset + n)),
} as const;
