import type { DType } from './dtype.js';
import { itemSize } from './dtype.js';
import type { BufferHandle } from './kernels/backend.js';
import type { Device } from './kernels/index.js';

/**
 * The memory behind one or more tensors: a buffer on a device, its length in elements and its dtype, plus a
 * version counter that in-place operations bump, shared by a tensor and all its views. Nothing here needs
 * freeing by hand: buffers are garbage-collected with their storage.
 *
 * @example
 * ```ts
 * x.storage.version; // 0 until an in-place op writes into x or a view of it
 * ```
 */
export class Storage {
  /** Bumped by every in-place write, so a saved tensor that was modified is caught when backward needs it. */
  version = 0;
  /** The value of the generation counter when this storage was made (see `nextStorageGeneration`). */
  readonly generation = generation;
  constructor(
    /** The device's handle to the memory; only `device.backend` can use it. */
    readonly buffer: BufferHandle,
    /** Number of elements the buffer holds. */
    readonly length: number,
    /** The element type. */
    readonly dtype: DType,
    /** Where the buffer lives. */
    readonly device: Device,
  ) {
    if (created !== null) created(this);
  }

  /** Bytes of the buffer. */
  get nbytes(): number {
    return this.length * itemSize(this.dtype);
  }
}

let generation = 0;
let created: ((s: Storage) => void) | null = null;

/**
 * Start a new generation of storages and return its number: every storage made from now on (until the next
 * call) carries it. The backward engine calls this as a walk begins, so that it can tell the gradients it
 * computed itself (which it may hand to a leaf's `.grad` without a copy) from tensors that existed before.
 *
 * @example
 * ```ts
 * const g = nextStorageGeneration();
 * x.add(1).storage.generation >= g; // true
 * ```
 */
export function nextStorageGeneration(): number {
  return ++generation;
}

/**
 * Observe every storage as it is made (one observer; null removes it). Memory accounting subscribes here, so
 * that storage itself knows nothing of it.
 *
 * @example
 * ```ts
 * onStorageCreated((s) => { live += s.nbytes; });
 * ```
 */
export function onStorageCreated(observer: ((s: Storage) => void) | null): void {
  created = observer;
}
