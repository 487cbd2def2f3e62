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
  if (bytes >= RECYCLE_BYTES) {
    const reused = spare.get(dtype)?.get(n)?.pop();
    if (reused !== undefined) {
      spareBytes -= bytes;
      return handleOf(reused.fill(0));
    }
  }
  return handleOf(bytes > 0 && bytes <= SMALL_BYTES ? smallArray(dtype, n, bytes) : allocate(dtype, n));
}

// Large buffers that the autograd engine knows to be dead (a gradient it has just added into another one), kept
// for the next allocation of the same dtype and length: a fresh large typed array costs page faults on first touch
// (measured 20-30 µs for 256 KiB on the 2-core VM of BENCHMARKS.md, where an LSTM step makes 40 such gradients),
// and GC pressure. At most SPARE_PER_SIZE per size and SPARE_LIMIT bytes in all; nothing else is ever recycled.
const RECYCLE_BYTES = 64 * 1024;
const SPARE_PER_SIZE = 8;
const SPARE_LIMIT = 64 * 1024 * 1024;
const spare = new Map<DType, Map<number, TypedArray[]>>();
let spareBytes = 0;

/**
 * Take back a large buffer that nothing refers to any more, for {@link allocCpu} to hand out again (zeroed).
 * The caller guarantees that no tensor, storage or user code can reach `handle` again; small buffers (views into
 * shared slabs) and views into larger arrays are ignored.
 *
 * @example
 * ```ts
 * releaseCpu(allocCpu('float32', 65536)); // the next allocCpu('float32', 65536) reuses it
 * ```
 */
export function releaseCpu(handle: BufferHandle): void {
  const a = arrayOf(handle);
  const bytes = a.byteLength;
  if (bytes < RECYCLE_BYTES || a.byteOffset !== 0 || bytes !== a.buffer.byteLength || spareBytes + bytes > SPARE_LIMIT) return;
  const dtype: DType = a instanceof Float32Array ? 'float32' : a instanceof Float64Array ? 'float64' : a instanceof Int32Array ? 'int32' : 'bool';
  let sizes = spare.get(dtype);
  if (sizes === undefined) spare.set(dtype, (sizes = new Map()));
  let list = sizes.get(a.length);
  if (list === undefined) sizes.set(a.length, (list = []));
  if (list.length >= SPARE_PER_SIZE || list.includes(a)) return;
  list.push(a);
  spareBytes += bytes;
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
  release: releaseCpu,
  read: (buffer: BufferHandle, _dtype: DType, offset: number, n: number): TypedArray => arrayOf(buffer).slice(offset, offset + n),
  readScalar: (buffer: BufferHandle, _dtype: DType, offset: number): number => arrayOf(buffer)[offset]!,
  readAsync: (buffer: BufferHandle, _dtype: DType, offset: number, n: number): Promise<TypedArray> =>
    Promise.resolve(arrayOf(buffer).slice(offset, offset + n)),
} as const;
