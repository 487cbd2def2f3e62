// One WebGPU device as the backend sees it: buffers (pooled, released when their handles are collected), compiled
// pipelines, and the command stream. Kernel calls only record: dispatches go into one compute pass of one command
// encoder, their parameters into a host array, and the batch is submitted when a result is read back, when a
// host write must not overtake it, or when it grows long. Nothing is ever read back inside an op.
//
// Errors a kernel finds (an index out of range, an int32 sum that does not fit) are written to a small error buffer
// by the first invocation that finds one; every read-back copies that buffer along with the data and rejects with
// the error it describes, so a bad index surfaces at the next read, as on a GPU in PyTorch.
import type { DType } from '../../dtype.js';
import { BUFFER_USAGE, MAP_READ, STAGE_COMPUTE, type GpuBindGroupLayout, type GpuBindGroupLayoutEntry, type GpuBuffer, type GpuCommandEncoder, type GpuComputePassEncoder,
  type GpuComputePipeline, type GpuDevice } from './gpu-types.js';
import { BufferPool } from './pool.js';

/** How a kernel uses one of its buffers: read, written (and maybe read), or updated with atomics. */
export type Access = 'r' | 'w' | 'a';

/**
 * A compute kernel: its WGSL (given the variable name of each of its buffers) and how it uses them. The context
 * declares the bindings: `P` (the parameters, `array<u32>`, with the check id at P[0] and the kernel's own from
 * P[1]), one `array<u32>` (or `array<atomic<u32>>`) per distinct buffer, and `E` when `errors` is set, with
 * `fail(code, a, b)` to report an error.
 */
export interface Kernel {
  /** Unique per shader text (the pipeline cache key, with the aliasing of the buffers). */
  readonly key: string;
  readonly access: readonly Access[];
  readonly errors?: boolean;
  readonly wgsl: (names: readonly string[]) => string;
}

/** A device buffer behind a tensor storage; what `BufferHandle` is on the 'webgpu' device. */
export class GpuHandle {
  /**
   * True while a reused buffer still holds old data that must read as zeros: it is zeroed just before the first
   * command that reads it, or not at all when a kernel overwrites it whole first (see `GpuContext.overwrite`).
   */
  pendingZero = false;
  /** @internal The next dispatch writes all of this buffer: its pending zero fill is not needed unless it also reads it. */
  overwriteNext = false;
  constructor(
    /** @internal */ readonly gpu: GpuBuffer,
    /** Bytes of the buffer (its size class). */
    readonly size: number,
    /** The 32-bit elements asked for. */
    readonly words: number,
    /** The context that made it. */
    readonly owner: GpuContext,
  ) {}
}

/** Parameters of one dispatch, written as 32-bit words. */
export class Params {
  readonly words: number[] = [0];
  /** An unsigned (or non-negative) integer. */
  u(v: number): this {
    this.words.push(v >>> 0);
    return this;
  }
  /** A signed integer, as its two's complement bits. */
  i(v: number): this {
    this.words.push(v | 0);
    return this;
  }
  /** A float32, as its bits. */
  f(v: number): this {
    F32[0] = v;
    this.words.push(U32[0]!);
    return this;
  }
  /** Several unsigned integers. */
  us(vs: readonly number[]): this {
    for (const v of vs) this.words.push(v >>> 0);
    return this;
  }
  /** Several signed integers. */
  is(vs: readonly number[] | ArrayLike<number>): this {
    for (let k = 0; k < vs.length; k++) this.words.push(vs[k]! | 0);
    return this;
  }
}

const F32 = new Float32Array(1);
const U32 = new Uint32Array(F32.buffer);

/** Builds the error a kernel reported from its two words (a, b). */
export type ErrorReport = (a: number, b: number, code: number) => Error;

/** Live bytes below which a read-back never runs a collection (see `#maybeCollect`). */
const COLLECT_MIN = 1 << 16;
/** How long a read-back waits for the finalizers of a collection before it collects again (ms). */
const FINALIZE_WAIT = 50;
/** The baseline is the least live bytes after the last this many collections. */
const BASELINE_COLLECTIONS = 4;
/** Collections tried at one read-back before it gives up waiting for their finalizers. */
const COLLECT_TRIES = 3;

/**
 * What the registry holds for one handle: its buffer, to release when the handle is collected; or, for the
 * sentinel a collection registers, the function that tells the read-back the finalizers have run.
 */
interface Held {
  readonly buffer: GpuBuffer | null;
  readonly size: number;
  readonly done: (() => void) | null;
}
const PARAM_WORDS = 1 << 18; // 1 MiB of parameters per batch
const SLOT_WORDS = 64; // storage offsets must be multiples of 256 bytes
const MAX_BATCH = 512; // dispatches per submit
const WORKGROUP = 64;
const MAX_GROUPS = 65535;

/**
 * The WGSL every kernel starts with, after its bindings: NaN tests on bits (a shader compiler may assume that
 * float comparisons never see NaN), NaN and infinity made at run time (WGSL refuses them as constants), and the
 * linear invocation index over a 2-d grid of 64-wide workgroups.
 */
const PRELUDE = /* wgsl */ `
var<private> NAN_BITS: u32 = 0x7fc00000u;
var<private> INF_BITS: u32 = 0x7f800000u;
fn isnan_(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn nan_() -> f32 { return bitcast<f32>(NAN_BITS); }
fn inf_() -> f32 { return bitcast<f32>(INF_BITS); }
fn gid(wg: vec3u, nwg: vec3u, lid: u32) -> u32 { return (wg.y * nwg.x + wg.x) * ${WORKGROUP}u + lid; }
`;

/** The attributes and first lines of a 1-d kernel over `count` invocations: `i` is the index; out-of-range ones return. */
export function main1d(count: string): string {
  return `@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = gid(wg, nwg, lid);
  if (i >= ${count}) { return; }`;
}

/** Workgroups for `threads` invocations of a `main1d` kernel: (x, y) with x ≤ 65535. */
export function grid1d(threads: number): [number, number, number] {
  const groups = Math.max(1, Math.ceil(threads / WORKGROUP));
  if (groups <= MAX_GROUPS) return [groups, 1, 1];
  return [MAX_GROUPS, Math.ceil(groups / MAX_GROUPS), 1];
}

/**
 * The WebGPU device state behind the 'webgpu' backend.
 *
 * @example
 * ```ts
 * const ctx = new GpuContext(device, info);
 * const h = ctx.alloc(16);
 * ```
 */
export class GpuContext {
  readonly pool: BufferPool;
  readonly #registry: FinalizationRegistry<Held>;
  readonly #pipelines = new Map<string, { pipeline: GpuComputePipeline; layout: GpuBindGroupLayout }>();
  readonly #params: GpuBuffer;
  readonly #paramWords = new Uint32Array(PARAM_WORDS);
  #paramUsed = 0;
  readonly #errorBuffer: GpuBuffer;
  #encoder: GpuCommandEncoder | null = null;
  #pass: GpuComputePassEncoder | null = null;
  #pending = 0;
  /** Check ids handed to kernels that report errors, with how to describe their errors. */
  readonly #checks = new Map<number, ErrorReport>();
  #nextCheck = 1;
  /** Device errors (validation, out of memory) seen since the last read-back. */
  #deviceErrors: string[] = [];
  readonly #reads = new Set<Promise<unknown>>();
  #lost: string | null = null;
  /** Live bytes after each of the last collections (`BASELINE_COLLECTIONS` of them). */
  readonly #survivors: number[] = [];
  /**
   * The fewest live bytes after one of the last collections: what survives a collection, not counting garbage
   * that one collection happened to miss (a dead tensor that a frame or a cache still held at that moment).
   */
  #baseline = 0;
  /** `pool.allocatedBytes` at the last read-back: what was allocated since is one step's worth, for a loop that reads once a step. */
  #allocatedAtRead = 0;
  /** Read-backs at which a collection ran so far. */
  collections = 0;
  /** The collection whose finalizers have not run yet, if any. */
  #collecting: Promise<void> | null = null;
  /** Dispatches recorded so far (for tests that check batching). */
  dispatches = 0;
  /** Command buffers submitted so far. */
  submits = 0;

  constructor(
    readonly device: GpuDevice,
    /** The adapter was a software one (SwiftShader, lavapipe): correctness only, never timings. */
    readonly fallback: boolean,
    /**
     * Objects the device needs alive: the GPU entry point and the adapter. Dawn's Node bindings process the
     * device's events through its instance, so a collected `create([])` object leaves read-backs unfinished.
     */
    readonly keepAlive: readonly unknown[] = [],
    /**
     * A full garbage collection (Node's `gc` with --expose-gc), run at a read-back once the live bytes have doubled
     * since the last one: dead tensors' buffers then return to the pool before the next step, instead of whenever
     * the JS heap happens to fill (GPU memory is invisible to the collector). Null: rely on the collector.
     */
    private readonly collect: (() => void) | null = null,
  ) {
    this.pool = new BufferPool(device);
    this.#registry = new FinalizationRegistry((held) => {
      if (held.buffer !== null) this.pool.release(held.buffer, held.size);
      // The sentinel: the rest of this cleanup's callbacks run first, in the same task.
      else if (held.done !== null) queueMicrotask(held.done);
    });
    this.#params = device.createBuffer({ size: PARAM_WORDS * 4, usage: BUFFER_USAGE.STORAGE | BUFFER_USAGE.COPY_DST });
    this.#errorBuffer = device.createBuffer({ size: 16, usage: BUFFER_USAGE.STORAGE | BUFFER_USAGE.COPY_SRC | BUFFER_USAGE.COPY_DST });
    device.onuncapturederror = (e) => {
      this.#deviceErrors.push(e.error.message);
    };
    void device.lost.then((info) => {
      this.#lost ??= info.message || info.reason || 'lost';
    });
  }

  /** True until the device is destroyed or lost. */
  get alive(): boolean {
    return this.#lost === null;
  }

  #checkAlive(): void {
    if (this.#lost !== null) {
      throw new Error(`webgpu: the device is no longer usable (${this.#lost}); call webgpu.init() again and recreate the tensors.`);
    }
  }

  /** A buffer of `words` 32-bit elements that reads as zeros (a reused one is zeroed lazily, see `pendingZero`). */
  alloc(words: number): GpuHandle {
    const h = this.allocRaw(words);
    if (!h.fresh) h.handle.pendingZero = true;
    return h.handle;
  }

  /** The next command writes elements [0, words) of `h` before reading any: a pending zero fill is not needed. */
  overwrite(h: GpuHandle, words: number): void {
    if (h.pendingZero && words >= h.words) h.overwriteNext = true;
  }

  /** Zero `h` now (in command order) if it is still waiting for its zero fill. */
  #settle(h: GpuHandle): void {
    if (!h.pendingZero) return;
    h.pendingZero = false;
    this.zero(h, h.words);
  }

  /** A buffer of `words` elements holding whatever it held (`fresh` ones are zero). */
  allocRaw(words: number): { handle: GpuHandle; fresh: boolean } {
    this.#checkAlive();
    const bytes = Math.max(4, words * 4);
    const max = this.device.limits.maxStorageBufferBindingSize ?? 134217728;
    if (bytes > max) {
      throw new Error(`webgpu: a buffer of ${words} elements (${bytes} bytes) is larger than this device allows (${max} bytes per buffer). Use smaller tensors, or the CPU.`);
    }
    const { buffer, size, fresh } = this.pool.acquire(bytes);
    const handle = new GpuHandle(buffer, size, words, this);
    this.#registry.register(handle, { buffer, size, done: null });
    return { handle, fresh };
  }

  /** Write `data` (32-bit words) at word `offset` of `h`, after every command recorded before. */
  write(h: GpuHandle, data: Uint32Array | Int32Array | Float32Array, offset = 0): void {
    this.#checkAlive();
    if (data.length === 0) return;
    if (offset === 0 && data.length >= h.words) h.pendingZero = false;
    else this.#settle(h);
    // A host write goes straight to the queue: the batch recorded so far must be submitted first.
    this.flush();
    this.device.queue.writeBuffer(h.gpu, offset * 4, data);
  }

  /** Zero `words` elements of `h` from word 0. */
  zero(h: GpuHandle, words: number): void {
    if (words === 0) return;
    this.dispatch(ZERO, [h], new Params().u(words), grid1d(words));
  }

  /**
   * Record one dispatch of `kernel` over `buffers` with `params`, in `groups` workgroups. `report` describes the
   * error the kernel may report (its `fail` calls), checked at the next read-back.
   */
  dispatch(kernel: Kernel, buffers: readonly GpuHandle[], params: Params, groups: readonly [number, number, number], report?: ErrorReport): void {
    this.#checkAlive();
    if (groups[0] === 0 || groups[1] === 0 || groups[2] === 0) return;
    for (let k = 0; k < buffers.length; k++) {
      const b = buffers[k]!;
      if (b.owner !== this) throw new Error('webgpu: a buffer of another (destroyed) device was passed to a kernel; recreate the tensor.');
      // A buffer the kernel only writes, whole, needs no zero fill; one it also reads (an in-place op) does.
      if (b.overwriteNext && !buffers.some((o, j) => o === b && kernel.access[j] !== 'w')) b.pendingZero = false;
    }
    for (const b of buffers) {
      b.overwriteNext = false;
      this.#settle(b);
    }
    const words = params.words;
    if (report) {
      const id = this.#nextCheck++;
      this.#checks.set(id, report);
      words[0] = id;
    }
    const slotWords = Math.ceil(words.length / SLOT_WORDS) * SLOT_WORDS;
    if (slotWords > PARAM_WORDS) throw new Error(`webgpu: ${kernel.key}: ${words.length} parameter words is more than one batch holds.`);
    if (this.#paramUsed + slotWords > PARAM_WORDS) this.flush();
    const offset = this.#paramUsed;
    for (let k = 0; k < words.length; k++) this.#paramWords[offset + k] = words[k]!;
    this.#paramUsed += slotWords;

    // Distinct buffers get one binding each; a buffer passed twice (an output over its input) is bound once.
    const unique: GpuHandle[] = [];
    const slot: number[] = [];
    const access: Access[] = [];
    buffers.forEach((b, k) => {
      let j = unique.indexOf(b);
      const a = kernel.access[k]!;
      if (j < 0) {
        j = unique.length;
        unique.push(b);
        access.push(a);
      } else {
        if (a === 'a' || access[j] === 'a') throw new Error(`webgpu: ${kernel.key}: a buffer updated with atomics is also bound as another operand.`);
        if (a === 'w') access[j] = 'w';
      }
      slot.push(j);
    });
    const { pipeline, layout } = this.#pipeline(kernel, slot, access);
    const entries = [{ binding: 0, resource: { buffer: this.#params, offset: offset * 4, size: slotWords * 4 } }];
    unique.forEach((b, j) => entries.push({ binding: j + 1, resource: { buffer: b.gpu, offset: 0, size: b.size } }));
    if (kernel.errors) entries.push({ binding: unique.length + 1, resource: { buffer: this.#errorBuffer, offset: 0, size: 16 } });
    const group = this.device.createBindGroup({ layout, entries });
    const pass = this.#computePass();
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.dispatchWorkgroups(groups[0], groups[1], groups[2]);
    this.dispatches++;
    if (++this.#pending >= MAX_BATCH) this.flush();
  }

  #pipeline(kernel: Kernel, slot: readonly number[], access: readonly Access[]): { pipeline: GpuComputePipeline; layout: GpuBindGroupLayout } {
    const key = `${kernel.key}|${slot.join(',')}|${access.join('')}`;
    let hit = this.#pipelines.get(key);
    if (hit !== undefined) return hit;
    const decls = ['@group(0) @binding(0) var<storage, read> P: array<u32>;'];
    access.forEach((a, j) => {
      const type = a === 'a' ? 'array<atomic<u32>>' : 'array<u32>';
      decls.push(`@group(0) @binding(${j + 1}) var<storage, ${a === 'r' ? 'read' : 'read_write'}> B${j + 1}: ${type};`);
    });
    const entries: GpuBindGroupLayoutEntry[] = [{ binding: 0, visibility: STAGE_COMPUTE, buffer: { type: 'read-only-storage' } }];
    access.forEach((a, j) => entries.push({ binding: j + 1, visibility: STAGE_COMPUTE, buffer: { type: a === 'r' ? 'read-only-storage' : 'storage' } }));
    if (kernel.errors) {
      const e = access.length + 1;
      decls.push(`@group(0) @binding(${e}) var<storage, read_write> E: array<atomic<u32>>;`);
      decls.push(FAIL);
      entries.push({ binding: e, visibility: STAGE_COMPUTE, buffer: { type: 'storage' } });
    }
    const code = `${decls.join('\n')}\n${PRELUDE}\n${kernel.wgsl(slot.map((j) => `B${j + 1}`))}`;
    const module = this.device.createShaderModule({ code });
    const layout = this.device.createBindGroupLayout({ entries });
    const pipeline = this.device.createComputePipeline({ layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }), compute: { module, entryPoint: 'main' } });
    hit = { pipeline, layout };
    this.#pipelines.set(key, hit);
    return hit;
  }

  #computePass(): GpuComputePassEncoder {
    if (this.#pass !== null) return this.#pass;
    this.#encoder ??= this.device.createCommandEncoder();
    this.#pass = this.#encoder.beginComputePass();
    return this.#pass;
  }

  /** The encoder outside any compute pass, for copies. */
  #commands(): GpuCommandEncoder {
    if (this.#pass !== null) {
      this.#pass.end();
      this.#pass = null;
    }
    this.#encoder ??= this.device.createCommandEncoder();
    return this.#encoder;
  }

  /** Record a buffer-to-buffer copy of `words` elements. */
  copyWords(src: GpuHandle, srcOffset: number, dst: GpuHandle, dstOffset: number, words: number): void {
    this.#checkAlive();
    if (words === 0) return;
    this.#settle(src);
    if (dstOffset === 0 && dst !== src && words >= dst.words) dst.pendingZero = false;
    dst.overwriteNext = false;
    this.#settle(dst);
    this.#commands().copyBufferToBuffer(src.gpu, srcOffset * 4, dst.gpu, dstOffset * 4, words * 4);
    if (++this.#pending >= MAX_BATCH) this.flush();
  }

  /** Submit everything recorded so far. */
  flush(): void {
    if (this.#encoder === null) return;
    if (this.#pass !== null) {
      this.#pass.end();
      this.#pass = null;
    }
    if (this.#paramUsed > 0) this.device.queue.writeBuffer(this.#params, 0, this.#paramWords, 0, this.#paramUsed);
    this.device.queue.submit([this.#encoder.finish()]);
    this.submits++;
    this.#encoder = null;
    this.#paramUsed = 0;
    this.#pending = 0;
    // Submitted work keeps what it uses alive in the driver: buffers given up before can be destroyed now.
    this.pool.destroyRetired();
  }

  /**
   * Free the pool's unused buffers (no tensor owns them), as PyTorch's `torch.cuda.empty_cache()`: the batch
   * recorded so far is submitted first, since it may still bind some of them. Returns the bytes freed.
   */
  emptyCache(): number {
    this.#checkAlive();
    const bytes = this.pool.empty();
    if (this.#encoder === null) this.pool.destroyRetired();
    else this.flush();
    return bytes;
  }

  /**
   * `words` elements of `h` from word `offset`, once every command recorded before has run; rejects with the first
   * error a kernel reported since the last read-back.
   */
  read(h: GpuHandle, offset: number, words: number): Promise<Uint32Array> {
    this.#checkAlive();
    this.#settle(h);
    const bytes = words * 4;
    const staging = this.device.createBuffer({ size: bytes + 16, usage: MAP_READ_USAGE });
    const enc = this.#commands();
    if (words > 0) enc.copyBufferToBuffer(h.gpu, offset * 4, staging, 0, bytes);
    enc.copyBufferToBuffer(this.#errorBuffer, 0, staging, bytes, 16);
    enc.clearBuffer(this.#errorBuffer, 0, 16);
    const lastCheck = this.#nextCheck - 1;
    const deviceErrors = this.#deviceErrors;
    this.#deviceErrors = [];
    this.flush();
    const finalized = this.#maybeCollect();
    const done = staging.mapAsync(MAP_READ).then(() => {
      const all = new Uint32Array(staging.getMappedRange().slice(0));
      staging.unmap();
      staging.destroy();
      const [code, id, a, b] = [all[words]!, all[words + 1]!, all[words + 2]!, all[words + 3]!];
      const report = this.#checks.get(id);
      for (const k of this.#checks.keys()) if (k <= lastCheck) this.#checks.delete(k);
      if (deviceErrors.length > 0) throw new Error(`webgpu: the device reported an error: ${deviceErrors[0]}`);
      if (code !== 0) throw report ? report(a, b, code) : new Error(`webgpu: a kernel reported error ${code} (${a}, ${b}).`);
      return all.subarray(0, words);
    }).then(async (data) => {
      // After a collection, let the finalizers return the dead buffers to the pool (they run as a task of their
      // own) before the caller, typically a training loop, goes on to allocate its next step.
      if (finalized !== null) await finalized;
      return data;
    });
    this.#reads.add(done);
    const forget = (): void => {
      this.#reads.delete(done);
    };
    done.then(forget, forget);
    return done;
  }

  /**
   * At a read-back, the one point where a loop waits for the GPU: run a full collection if the buffers waiting for
   * the collector could otherwise push the pool past twice one step's live set. Between two collections the live
   * bytes grow from the baseline `B` (what survived the last ones) by the garbage not yet found, and a read-back
   * collects once that garbage reaches `T = max(B, A)`, `A` being what was allocated since the previous read-back
   * (one step, for a loop that reads once a step). If it does not collect, the next step adds at most `A`, so the
   * live bytes, and with them the pool (which reuses freed buffers before it makes new ones), stay below
   * `B + T + A = max(2B + A, B + 2A) < 2·(B + A)`, with `min(A, B)` to spare for size-class rounding and garbage
   * a collection misses. The collection's cost is paid at most once per step, and where the live set is large
   * beside a step's allocation, once every `B/A` steps or so. While fewer than `COLLECT_MIN` bytes are live
   * nothing is collected. Returns a promise that settles when the collection's finalizers have run (null
   * when none is due).
   */
  #maybeCollect(): Promise<void> | null {
    const { liveBytes, allocatedBytes } = this.pool.stats();
    const step = allocatedBytes - this.#allocatedAtRead;
    this.#allocatedAtRead = allocatedBytes;
    const collect = this.collect;
    if (collect === null || this.#collecting !== null || liveBytes < COLLECT_MIN) return null;
    if (liveBytes - this.#baseline < Math.max(this.#baseline, step)) return null;
    const collecting = new Promise<void>((resolve) => {
      // In a task of its own, once the caller has gone on to await the read: no frame of the caller's step is on
      // the stack then to keep its dead tensors alive through the collection.
      setTimeout(() => {
        let finished = false;
        let timer: ReturnType<typeof setTimeout> | undefined;
        let tries = 0;
        const finish = (found: boolean): void => {
          if (finished) return;
          finished = true;
          clearTimeout(timer);
          if (found) {
            this.#survivors.push(this.pool.stats().liveBytes);
            if (this.#survivors.length > BASELINE_COLLECTIONS) this.#survivors.shift();
            this.#baseline = Math.min(...this.#survivors);
          }
          this.#collecting = null;
          resolve();
        };
        // A sentinel registered with the buffers' registry and dropped at once: the collection finds it with the
        // dead handles, and its finalizer runs in the same cleanup task as theirs (it signals in a microtask,
        // after them), so once it has run, every buffer the collection found is back in the pool; the baseline
        // is measured then. A collection that finishes an incremental marking already under way keeps what was
        // allocated during it, the sentinel included: if the sentinel has not come back soon, collect again.
        const attempt = (): void => {
          tries++;
          registerSentinel(this.#registry, () => finish(true));
          collect();
          timer = setTimeout(() => (tries < COLLECT_TRIES ? attempt() : finish(false)), FINALIZE_WAIT);
        };
        this.collections++;
        attempt();
      }, 0);
    });
    this.#collecting = collecting;
    return collecting;
  }

  /** Wait for every read-back in flight, then destroy the device (an unfinished map at exit crashes some drivers). */
  async destroy(): Promise<void> {
    if (this.#lost !== null) return;
    this.flush();
    await Promise.allSettled([...this.#reads]);
    await this.device.queue.onSubmittedWorkDone();
    this.#lost = 'destroyed by webgpu.destroy()';
    this.pool.close();
    this.#params.destroy();
    this.#errorBuffer.destroy();
    this.device.destroy();
  }
}

/**
 * Register an object that nothing references with `registry`, its finalizer calling `done`. (Made here, in a function
 * of its own, so that no register or stack slot of the caller keeps it alive through the collection; an empty `{}`
 * literal is not reliably collected.)
 */
function registerSentinel(registry: FinalizationRegistry<Held>, done: () => void): void {
  registry.register({ sentinel: true }, { buffer: null, size: 0, done });
}

const MAP_READ_USAGE = BUFFER_USAGE.MAP_READ | BUFFER_USAGE.COPY_DST;

const FAIL = /* wgsl */ `
fn fail(code: u32, a: u32, b: u32) {
  loop {
    let r = atomicCompareExchangeWeak(&E[0], 0u, code);
    if (r.exchanged) {
      atomicStore(&E[1], P[0]);
      atomicStore(&E[2], a);
      atomicStore(&E[3], b);
      return;
    }
    if (r.old_value != 0u) { return; }
  }
}`;

const ZERO: Kernel = {
  key: 'zero',
  access: ['w'],
  wgsl: ([o]) => `${main1d('P[1]')}
  ${o}[i] = 0u;
}`,
};

/** The element type a dtype computes in on the GPU (bool computes as 0/1 integers). */
export function wgslType(dtype: DType): 'f32' | 'i32' {
  return dtype === 'float32' ? 'f32' : 'i32';
}
