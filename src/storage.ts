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
  constructor(readonly data: TypedArray) {
    trackStorage(this, data.byteLength);
  }
}
