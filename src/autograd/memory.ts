import { onStorageCreated, type Storage } from '../storage.js';
import type { Tensor } from '../tensor.js';
import { depthFirst } from './graph.js';
import { AccumulateGrad } from './node.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import './record.js';

/**
 * What `memory()` reports, in bytes; both stay 0 until `setMemoryTracking(true)`.
 *
 * @example
 * ```ts
 * const { liveBytes, peakBytes } = memory();
 * ```
 */
export interface MemoryStats {
  /**
   * Bytes of the typed arrays behind every storage not yet known to be garbage-collected. Exact once the
   * garbage collector has run and the event loop has yielded (finalization callbacks only run then); inside
   * a synchronous loop it is an upper bound that includes tensors already unreachable. Storages under 1 KiB
   * are left out.
   */
  readonly liveBytes: number;
  /** The highest `liveBytes` since the last `resetPeakMemory()` (or since the library was loaded). */
  readonly peakBytes: number;
}

let live = 0;
let peak = 0;
// Off by default: a FinalizationRegistry keeps a record of every collected storage until its callbacks run,
// and they only run when the event loop yields. In a long synchronous training loop those records would
// pile up without bound, which is exactly what users must never have to think about.
let tracking = false;

/**
 * Turn live-memory accounting on or off (off by default). While on, every storage of 1 KiB or more is counted
 * when created and uncounted when the garbage collector finalizes it; `memory()` reports the result.
 * Leave it off in long synchronous loops: the finalization records of collected storages are only cleared
 * when the event loop yields.
 *
 * @example
 * ```ts
 * setMemoryTracking(true);
 * const before = memory().liveBytes;
 * ```
 */
export function setMemoryTracking(enabled: boolean): void {
  tracking = enabled;
  onStorageCreated(enabled ? trackStorage : null);
}

/** Whether `memory()` is counting. @example `isMemoryTracking() // false` */
export function isMemoryTracking(): boolean {
  return tracking;
}

/**
 * Storages smaller than this are not counted. Registering an object with a FinalizationRegistry costs about
 * 1.5 µs, ten times the allocation of a small typed array, which would slow scalar-heavy code by half; at
 * 1 KiB (256 float32) and above the kernel dominates, and the activations worth measuring are far larger.
 */
const MIN_TRACKED_BYTES = 1024;

// Tensors are never disposed by hand, so the only signal that a storage is gone is its finalization. The
// held value is the byte count, so the callback needs nothing that would keep the storage alive.
const finalizer = new FinalizationRegistry<number>((bytes) => {
  live -= bytes;
});

/**
 * Count a new storage's bytes. Observes every storage made while tracking is on (see `onStorageCreated`), so it
 * is kept to a comparison, an addition and one registration.
 */
function trackStorage(storage: Storage): void {
  const bytes = storage.nbytes;
  if (!tracking || bytes < MIN_TRACKED_BYTES) return;
  live += bytes;
  if (live > peak) peak = live;
  finalizer.register(storage, bytes);
}

/**
 * Bytes held by live tensors' storages, and the peak since `resetPeakMemory()` (like PyTorch's
 * `torch.cuda.memory_allocated` / `max_memory_allocated`, for the JS heap's typed arrays). Counting is off
 * until `setMemoryTracking(true)`, and only storages created while it is on are counted. Each is counted at
 * creation and subtracted when the garbage collector finalizes it, which JavaScript only
 * reports after the event loop yields. So `liveBytes` is exact after a GC and an `await`, and an upper bound
 * inside a synchronous loop; `peakBytes` is then an upper bound of the true peak too. Views share their
 * base's storage and add nothing. Storages under 1 KiB (scalars, small vectors) are not
 * counted, because the per-object finalizer registration would cost more than creating them.
 *
 * @example
 * ```ts
 * setMemoryTracking(true);
 * resetPeakMemory();
 * const before = memory().liveBytes;
 * const h = randn([1024, 256]);              // +1 MiB
 * memory().liveBytes - before;               // 1048576
 * ```
 */
export function memory(): MemoryStats {
  return { liveBytes: live, peakBytes: peak };
}

/**
 * Start a new peak measurement: `memory().peakBytes` becomes the current `liveBytes`.
 *
 * @example
 * ```ts
 * resetPeakMemory();
 * model.forward(x).sum().backward();
 * memory().peakBytes; // the high-water mark of this step
 * ```
 */
export function resetPeakMemory(): void {
  peak = live;
}

/**
 * Bytes of the activations that `t`'s graph holds for backward: the storages of every tensor saved by the
 * nodes reachable from `t.gradFn`, each storage counted once. Leaves (weights, inputs, buffers) belong to the
 * caller and stay alive anyway, so tensors that are leaves or share a leaf's storage (such as `w.T`, a view
 * of a parameter `w`) are not counted. Tensors handed to saved-tensor hooks count as what the hooks keep:
 * for `checkpoint`, its inputs and any recomputed tensor not yet used. Zero once backward has freed the
 * graph, and for a tensor without `gradFn`.
 *
 * @example
 * ```ts
 * const w = randn([256, 256], { requiresGrad: true });
 * const h = randn([64, 256]).matmul(w).tanh();
 * savedBytes(h); // 65536: tanh keeps its [64, 256] float32 output; x and w are leaves
 * ```
 */
export function savedBytes(t: Tensor): number {
  const root = t.gradFn;
  if (root === null) return 0;
  const leafStorages = new Set<Storage>();
  const saved: Tensor[] = [];
  for (const node of depthFirst([root])) {
    if (node instanceof AccumulateGrad) leafStorages.add(node.variable.storage);
    for (const s of node.savedTensors) saved.push(s);
  }
  // Leaves that do not require grad have no AccumulateGrad; a saved one is recognised by having no gradFn.
  for (const s of saved) if (s.gradFn === null) leafStorages.add(s.storage);
  const counted = new Set<Storage>();
  let bytes = 0;
  for (const s of saved) {
    if (leafStorages.has(s.storage) || counted.has(s.storage)) continue;
    counted.add(s.storage);
    bytes += s.storage.nbytes;
  }
  return bytes;
}
