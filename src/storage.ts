import type { TypedArray } from './dtype.js';
import { trackStorage } from './autograd/memory.js';

/**
 * The memory behind one or more tensors: a garbage-collected typed array plus a version counter that
 * in-place operations bump, shared by a tensor and all its views. Nothing here needs freeing by hand;
 * `memory()` counts the bytes of the storages still alive.
 *
 * @example
 * ```ts
 * const s = new Storage(new Float32Array(4));
 * s.version; // 0
 * ```
 */
export class Storage {
  version = 0;
  /** The value of the generation counter when this storage was made (see `nextStorageGeneration`). */
  readonly generation = generation;
  constructor(readonly data: TypedArray) {
    trackStorage(this, data.byteLength);
  }
}

let generation = 0;

/**
 * Start a new generation of storages and return its number: every storage made from now on (until the next
 * call) carries it. The backward engine calls this as a walk begins, so that it can tell the gradients it
 * computed itself (which it may hand to a leaf's `.grad` without a copy) from tensors that existed before.
 *
 * @example
 * ```ts
 * const g = nextStorageGeneration();
 * new Storage(new Float32Array(1)).generation >= g; // true
 * ```
 */
export function nextStorageGeneration(): number {
  return ++generation;
}
