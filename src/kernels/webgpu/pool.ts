// GPU memory without dispose: every buffer belongs to a handle, and a handle that becomes unreachable gives its
// buffer back (a FinalizationRegistry) to a pool of free buffers by size class, from which the next allocation
// of that class is served. The pool never frees a buffer the GPU may still use: reuse is ordered after every
// command already recorded, because all writes to a buffer go through the same queue (see context.ts).
import { BUFFER_USAGE, type GpuBuffer, type GpuDevice } from './gpu-types.js';

/** Usage of every tensor buffer: read and written by kernels, copied for read-back and upload. */
const STORAGE_USAGE = BUFFER_USAGE.STORAGE | BUFFER_USAGE.COPY_SRC | BUFFER_USAGE.COPY_DST;

/**
 * The bytes of the size class that holds `bytes`: at least 256, then four classes per power of two (a buffer is at
 * most a quarter larger than asked for).
 *
 * @example
 * ```ts
 * sizeClass(1000); // 1024
 * sizeClass(600);  // 640
 * ```
 */
export function sizeClass(bytes: number): number {
  if (bytes <= 256) return 256;
  const top = 2 ** Math.floor(Math.log2(bytes - 1));
  const step = top / 4;
  return Math.ceil(bytes / step) * step;
}

/** What the pool holds, in bytes. */
export interface PoolStats {
  /** Bytes of buffers owned by live tensors (handles not yet collected). */
  readonly liveBytes: number;
  /** Bytes of free buffers waiting in the pool for reuse. */
  readonly pooledBytes: number;
  /** The most bytes of GPU memory the pool has held at once (live + pooled) since the last `resetPeak`. */
  readonly peakBytes: number;
  /** The most live bytes at once since the last `resetPeak`. */
  readonly peakLiveBytes: number;
  /** Buffers created on the device so far, and allocations served from the pool. */
  readonly created: number;
  /** Allocations served from the pool (a buffer released earlier, reused). */
  readonly reused: number;
  /** Bytes handed out by every allocation so far (created or reused). */
  readonly allocatedBytes: number;
}

/**
 * A size-class pool of storage buffers on one device.
 *
 * @example
 * ```ts
 * const pool = new BufferPool(device);
 * const { buffer, size, fresh } = pool.acquire(4000);
 * pool.release(buffer, size);
 * ```
 */
export class BufferPool {
  readonly #free = new Map<number, GpuBuffer[]>();
  /**
   * Buffers to destroy once the commands recorded so far are submitted: a released buffer may still be bound by a
   * dispatch of the batch being recorded, and a destroyed buffer must not be submitted.
   */
  #retired: GpuBuffer[] = [];
  #live = 0;
  #pooled = 0;
  #peak = 0;
  #peakLive = 0;
  #created = 0;
  #reused = 0;
  #allocated = 0;
  #closed = false;

  constructor(
    private readonly device: GpuDevice,
    /** Pooled bytes beyond which released buffers are destroyed rather than kept. */
    private readonly maxPooled = 1 << 30,
  ) {}

  /** A buffer of at least `bytes`: a pooled one (`fresh` false: it holds old data) or a new zero-filled one. */
  acquire(bytes: number): { buffer: GpuBuffer; size: number; fresh: boolean } {
    const size = sizeClass(bytes);
    const list = this.#free.get(size);
    const pooled = list?.pop();
    this.#live += size;
    this.#allocated += size;
    if (pooled !== undefined) {
      this.#pooled -= size;
      this.#reused++;
      this.#track();
      return { buffer: pooled, size, fresh: false };
    }
    const buffer = this.device.createBuffer({ size, usage: STORAGE_USAGE });
    this.#created++;
    this.#track();
    return { buffer, size, fresh: true };
  }

  /** Give a buffer back (its handle was collected). */
  release(buffer: GpuBuffer, size: number): void {
    this.#live -= size;
    if (this.#closed) return;
    if (this.#pooled + size > this.maxPooled) {
      this.#retired.push(buffer);
      return;
    }
    let list = this.#free.get(size);
    if (list === undefined) this.#free.set(size, (list = []));
    list.push(buffer);
    this.#pooled += size;
  }

  #track(): void {
    if (this.#live + this.#pooled > this.#peak) this.#peak = this.#live + this.#pooled;
    if (this.#live > this.#peakLive) this.#peakLive = this.#live;
  }

  stats(): PoolStats {
    return { liveBytes: this.#live, pooledBytes: this.#pooled, peakBytes: this.#peak, peakLiveBytes: this.#peakLive, created: this.#created, reused: this.#reused, allocatedBytes: this.#allocated };
  }

  /** Start measuring peaks from now. */
  resetPeak(): void {
    this.#peak = this.#live + this.#pooled;
    this.#peakLive = this.#live;
  }

  /**
   * Give up every free buffer (none is owned by a tensor): they are destroyed at `destroyRetired`, after the batch
   * that may still bind them has been submitted. Returns the bytes given up.
   */
  empty(): number {
    const bytes = this.#pooled;
    for (const list of this.#free.values()) this.#retired.push(...list);
    this.#free.clear();
    this.#pooled = 0;
    return bytes;
  }

  /** Destroy the buffers given up so far; call only once every command recorded before has been submitted. */
  destroyRetired(): void {
    if (this.#retired.length === 0) return;
    const retired = this.#retired;
    this.#retired = [];
    for (const b of retired) b.destroy();
  }

  /** Destroy every pooled buffer; buffers released later are dropped (the device is going away). */
  close(): void {
    this.destroyRetired();
    this.#closed = true;
    for (const list of this.#free.values()) for (const b of list) b.destroy();
    this.#free.clear();
    this.#pooled = 0;
  }
}
