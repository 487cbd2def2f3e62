import { allocate, itemSize, type DType, type TypedArray } from '../../dtype.js';
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

// Small buffers are views into shared slabs. A typed array of its own costs three objects and 224 bytes even for
// one element (the array, its ArrayBuffer and the elements), and one over 64 bytes a malloc besides; a view of a
// slab is one object of 96 bytes, and the slab's memory is zeroed once. A view keeps its whole slab alive, so slabs
// are small: at most SLAB_BYTES stay reachable for one small tensor that outlives the others of its slab.
const SLAB_BYTES = 1024;
const SMALL_BYTES = 128;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabUsed = 0;

function smallArray(dtype: DType, n: number, bytes: number): TypedArray {
  if (slabUsed + bytes > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const at = slabUsed;
  // 8-byte aligned, for float64 views.
  slabUsed += (bytes + 7) & ~7;
  switch (dtype) {
    case 'float32': return new Float32Array(slab, at, n);
    case 'float64': return new Float64Array(slab, at, n);
    case 'int32': return new Int32Array(slab, at, n);
    case 'bool': return new Uint8Array(slab, at, n);
  }
}

/**
 * A zero-filled buffer of `n` elements of `dtype` on the CPU: a view into a shared slab when it is small, else a
 * typed array of its own.
 *
 * @example
 * ```ts
 * const h = allocCpu('float32', 4);
 * ```
 */
export function allocCpu(dtype: DType, n: number): BufferHandle {
  const bytes = n * itemSize(dtype);
  return handleOf(bytes > 0 && bytes <= SMALL_BYTES ? smallArray(dtype, n, bytes) : allocate(dtype, n));
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
  alloc: allocCpu,
  fromHost: (data: TypedArray): BufferHandle => handleOf(data),
  read: (buffer: BufferHandle, _dtype: DType, offset: number, n: number): TypedArray => arrayOf(buffer).slice(offset, offset + n),
  readScalar: (buffer: BufferHandle, _dtype: DType, offset: number): number => arrayOf(buffer)[offset]!,
  readAsync: (buffer: BufferHandle, _dtype: DType, offset: number, n: number): Promise<TypedArray> =>
    Promise.resolve(arrayOf(buffer).slice(offset, offset + n)),
} as const;
