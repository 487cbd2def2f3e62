import { kernelCode } from '../catalog.js';
import { Arena, PAGE, type ArenaExports, type KernelExports } from './arena.js';
import { WASM_SHARED_BASE64 } from './module-shared.generated.js';
import { coreCount, getNumThreads, isNode, nodeProcess, threadsUnavailable } from './thread-count.js';
import { poolTuning } from './tuning.js';

export { getNumThreads, setNumThreads } from './thread-count.js';

/**
 * Maximum size of the worker pool's shared memory, in 64 KiB pages: 16384 pages = 1 GiB. A shared
 * WebAssembly.Memory must declare its maximum when it is made (it can never move, so engines reserve that
 * much address space up front), and the threaded module is compiled against this value. An operation whose
 * operands, result and scratch need more runs on the single-threaded path instead (4 GiB limit), and beyond
 * that on the TypeScript kernels.
 *
 * @example
 * ```ts
 * const fits = 3 * n * n * 4 < SHARED_MAX_PAGES * 65536; // a square float32 matmul, roughly
 * ```
 */
export const SHARED_MAX_PAGES = 16384;


// Control block: int32 word indices, the layout documented in assembly/jobs.ts.
const GEN = 0, DONE = 1, ERROR = 2, ACTIVE = 3, CLAIM64 = 2, KIND = 6, SCRATCH_STRIDE = 7, SCRATCH_BASE = 8,
  READY = 9, ARGS = 10, SPIN = 30, SLEEPING = 31;
const CTRL_BYTES = 128;
/** Operation kinds of assembly/jobs.ts, numbered by src/kernels/catalog.ts. */
export const K_MATMUL = kernelCode('job', 'matmul'), K_UNARY = kernelCode('job', 'unary'), K_CLAMP = kernelCode('job', 'clamp'),
  K_BINARY = kernelCode('job', 'binary');
/** The claim word holds a 16-bit job count. */
export const MAX_JOBS = 65535;

// Polls between two reads of the clock while a thread spins (a poll takes a few ns, a clock read some 30 ns).
const POLLS_PER_CLOCK = 1024;

// The worker: instantiate the threaded module on the shared memory, then loop: sleep until the generation
// word changes, claim and run jobs, report how many. Plain JS in a string, so that it starts the same way
// from src/ under tsx or vitest, from dist/ after tsc, and from any bundle: `new Worker(code, { eval: true })`
// in Node, a Blob URL in browsers. No file has to be found next to this module.
const WORKER_SOURCE = `'use strict';
const start = (d) => {
  const memory = d.memory, thread = d.thread, ctrl = d.ctrl;
  const ex = new WebAssembly.Instance(d.module, { env: { memory } }).exports;
  const w = new Int32Array(memory.buffer, ctrl, ${CTRL_BYTES / 4});
  Atomics.add(w, ${READY}, 1);
  Atomics.notify(w, ${READY});
  const clock = typeof performance === 'object' ? () => performance.now() : Date.now;
  let seen = Atomics.load(w, ${GEN});
  for (;;) {
    // Spin for the time the control block asks (µs; none while this worker is not active), then sleep until
    // the generation word changes.
    if (Atomics.load(w, ${GEN}) === seen) {
      const until = clock() + (thread < Atomics.load(w, ${ACTIVE}) ? Atomics.load(w, ${SPIN}) / 1000 : 0);
      for (let s = 1; Atomics.load(w, ${GEN}) === seen; s++) {
        if (s % ${POLLS_PER_CLOCK} === 0 && clock() >= until) {
          Atomics.add(w, ${SLEEPING}, 1);
          Atomics.wait(w, ${GEN}, seen);
          Atomics.sub(w, ${SLEEPING}, 1);
        }
      }
    }
    seen = Atomics.load(w, ${GEN});
    if (thread >= Atomics.load(w, ${ACTIVE})) continue;
    let ran = 0;
    try {
      ran = ex.runJobs(ctrl, thread);
    } catch (e) {
      Atomics.store(w, ${ERROR}, 1);
      Atomics.notify(w, ${DONE});
      throw e;
    }
    if (ran > 0) {
      Atomics.add(w, ${DONE}, ran);
      Atomics.notify(w, ${DONE});
    }
  }
};
if (typeof process === 'object' && process.versions && typeof process.versions.node === 'string') {
  if (typeof require === 'function') start(require('node:worker_threads').workerData);
  else import('node:worker_threads').then((m) => start(m.workerData));
} else {
  self.onmessage = (e) => { self.onmessage = null; start(e.data); };
}
`;

/**
 * The exports of the threaded module (assembly/threads.ts): the job loop, and what a parallel call runs on the main
 * thread before publishing its jobs. Its kernels are reachable only as jobs.
 */
export interface SharedExports extends ArenaExports {
  runJobs(ctrl: number, thread: number): number;
  padPlanes: KernelExports['padPlanes'];
}

interface WorkerData {
  readonly module: WebAssembly.Module;
  readonly memory: WebAssembly.Memory;
  readonly thread: number;
  readonly ctrl: number;
}

// The parts of node:worker_threads used here, so that no Node type leaks into the browser build.
interface NodeWorker {
  unref(): void;
  on(event: 'error', listener: (err: unknown) => void): void;
}
interface NodeWorkerThreads {
  Worker: new (code: string, options: { eval: true; workerData: WorkerData; name: string; execArgv: string[] }) => NodeWorker;
}

let workerThreads: NodeWorkerThreads | null | undefined;
let loading = false;

/** node:worker_threads in Node (synchronously where `process.getBuiltinModule` exists, Node ≥ 20.16), else null. */
function nodeWorkerThreads(): NodeWorkerThreads | null {
  if (workerThreads !== undefined) return workerThreads;
  if (!isNode) return (workerThreads = null);
  const get = nodeProcess?.getBuiltinModule;
  if (typeof get === 'function') {
    return (workerThreads = (get.call(nodeProcess, 'node:worker_threads') as NodeWorkerThreads | undefined) ?? null);
  }
  // Older Node 20: load it asynchronously; until it arrives every operation runs single-threaded. The
  // specifier is not a literal so that browser bundlers do not try to resolve it.
  if (!loading) {
    loading = true;
    const spec = ['node', 'worker_threads'].join(':');
    import(/* @vite-ignore */ /* webpackIgnore: true */ spec).then((m: NodeWorkerThreads) => { workerThreads = m; }, () => { workerThreads = null; });
  }
  return null;
}



let probeBlock: boolean | undefined;

/** Whether this thread may block in Atomics.wait: not on a browser's main thread. */
function canBlock(i32: Int32Array): boolean {
  if (probeBlock === undefined) {
    try {
      // The value differs, so this returns at once where waiting is allowed and throws where it is not.
      Atomics.wait(i32, GEN, Atomics.load(i32, GEN) + 1, 0);
      probeBlock = true;
    } catch {
      probeBlock = false;
    }
  }
  return probeBlock;
}

const floatBits = new Float32Array(1), floatWord = new Int32Array(floatBits.buffer);

/**
 * A 32-bit word holding the float32 bits of `x`, for operation arguments that the kernels read as f32.
 *
 * @example
 * ```ts
 * pool.run(K_CLAMP, jobs, [x, out, n, chunk, f32Bits(lo), f32Bits(hi)]);
 * ```
 */
export function f32Bits(x: number): number {
  floatBits[0] = x;
  return floatWord[0]!;
}

/**
 * The calling thread plus a set of workers, all running the threaded module on one shared memory. The
 * backend copies operands into `arena` (which allocates from that memory), describes an operation as jobs
 * with `run`, and copies the result out.
 *
 * @example
 * ```ts
 * const pool = threadPool();
 * if (pool && pool.arena.begin(bytes)) {
 *   // …copy operands in…
 *   pool.run(K_UNARY, jobs, [op, p, p, n, chunk]);
 * }
 * ```
 */
export class Pool {
  readonly arena: Arena<SharedExports>;
  private readonly ex: SharedExports;
  private readonly module: WebAssembly.Module;
  private readonly memory: WebAssembly.Memory;
  private readonly ctrl: number;
  private readonly w: Int32Array;
  private readonly claim: BigInt64Array;
  private readonly block: boolean;
  private spawned = 0;
  private tag = 0;
  private broken: string | null = null;
  /** Jobs run by the workers (not the calling thread) since the pool started; for tests and benchmarks. */
  workerJobs = 0;

  constructor(module: WebAssembly.Module) {
    this.module = module;
    this.memory = new WebAssembly.Memory({ initial: 1, maximum: SHARED_MAX_PAGES, shared: true });
    const instance = new WebAssembly.Instance(module, { env: { memory: this.memory } });
    this.ex = instance.exports as unknown as SharedExports;
    this.arena = new Arena(this.ex, SHARED_MAX_PAGES * PAGE, CTRL_BYTES);
    this.ctrl = this.arena.reserved;
    // The control block sits below everything the arena hands out, so these views stay valid after growth.
    this.w = new Int32Array(this.memory.buffer, this.ctrl, CTRL_BYTES / 4);
    this.claim = new BigInt64Array(this.memory.buffer, this.ctrl, CTRL_BYTES / 8);
    this.block = canBlock(this.w);
  }

  /** Threads that take part now: the calling thread and the active workers. */
  get threads(): number {
    return Math.min(Atomics.load(this.w, ACTIVE), this.spawned + 1);
  }

  /** Scratch slots an operation must provide: one per thread that may run a job, asleep or not. */
  get slots(): number {
    return this.spawned + 1;
  }

  /** Workers that have instantiated the module and are waiting for work. */
  get ready(): number {
    return Atomics.load(this.w, READY);
  }

  /** Workers asleep in Atomics.wait now (the others are running jobs or spinning); for tests and benchmarks. */
  get sleeping(): number {
    return Atomics.load(this.w, SLEEPING);
  }

  /** Make `n` threads active, starting workers if there are fewer than `n − 1`; false if none can start. */
  activate(n: number): boolean {
    if (this.broken) return false;
    while (this.spawned < n - 1) {
      try {
        this.spawn(this.spawned + 1);
      } catch (err) {
        // Not retried on every call: an environment that cannot start one worker will not start the next.
        if (this.spawned === 0) this.fail(err);
        break;
      }
      this.spawned++;
    }
    Atomics.store(this.w, ACTIVE, Math.min(n, this.spawned + 1));
    return this.spawned > 0;
  }

  private spawn(thread: number): void {
    // Instantiating writes the module's static data (active data segments) into the shared memory again:
    // the same bytes, so a worker that starts while the others compute changes nothing they read.
    const data: WorkerData = { module: this.module, memory: this.memory, thread, ctrl: this.ctrl };
    const wt = nodeWorkerThreads();
    if (wt) {
      // No inherited execArgv: the worker runs only wasm, and flags such as `--import tsx` or
      // `--input-type=module` would slow its start or change how its source is read.
      const worker = new wt.Worker(WORKER_SOURCE, { eval: true, workerData: data, name: `adjoint-${thread}`, execArgv: [] });
      // A worker never holds the process open: it sleeps in Atomics.wait between operations, and the main
      // thread never needs it to finish anything it has not claimed.
      worker.unref();
      worker.on('error', (err) => this.fail(err));
      return;
    }
    if (isNode) throw new Error('node:worker_threads is not available');
    // One Blob URL for all workers, kept for the page's lifetime: a worker fetches its script after
    // `new Worker` returns, so revoking the URL early could fail the next one.
    workerUrl ??= URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
    const worker = new Worker(workerUrl, { name: `adjoint-${thread}` });
    worker.onerror = (e) => this.fail(e.message);
    worker.postMessage(data);
  }

  private fail(err: unknown): void {
    // A worker that dies before claiming a job is harmless (the others take its share); one that dies in a
    // job has set the error word, and `run` throws. Either way stop using this pool, and say so once: the
    // only symptom would otherwise be lost speed.
    if (this.broken === null) {
      this.broken = err instanceof Error ? err.message : String(err);
      console.warn(`adjoint: a worker thread failed (${this.broken}); running single-threaded from now on.`);
    }
  }

  /**
   * Run `jobs` jobs of operation `kind` with `args` (int32 words; see assembly/jobs.ts) and return when all
   * are done. The calling thread claims jobs too, so this finishes even if no worker ever wakes.
   */
  run(kind: number, jobs: number, args: readonly number[], scratchBase = 0, scratchStride = 0): void {
    if (!(jobs >= 1 && jobs <= MAX_JOBS)) throw new RangeError(`Pool.run: ${jobs} jobs; 1 to ${MAX_JOBS} fit the claim word.`);
    if (args.length > SPIN - ARGS) throw new RangeError(`Pool.run: ${args.length} arguments; the control block holds ${SPIN - ARGS}.`);
    const w = this.w;
    w[KIND] = kind;
    w[SCRATCH_BASE] = scratchBase;
    w[SCRATCH_STRIDE] = scratchStride;
    for (let i = 0; i < args.length; i++) w[ARGS + i] = args[i]!;
    Atomics.store(w, DONE, 0);
    this.tag = (this.tag + 1) >>> 0;
    // Publishing the claim word (sequentially consistent) makes the plain stores above visible to any thread
    // whose claim succeeds.
    Atomics.store(this.claim, CLAIM64, (BigInt(this.tag) << 32n) | BigInt(jobs * 65536));
    this.publish();
    const need = jobs - this.ex.runJobs(this.ctrl, 0);
    // Wait for the jobs that workers claimed: spin (they are running, and a spin sees the last one finish at
    // once), then, where this thread may block, sleep until a worker's notify.
    let until = -1;
    for (let s = 1; ; s++) {
      const done = Atomics.load(w, DONE);
      if (done >= need) break;
      if (Atomics.load(w, ERROR) !== 0) {
        this.broken = 'a worker failed in a job';
        throw new Error('adjoint: a worker thread failed while running a kernel; threads are now off for this pool.');
      }
      if (this.block && s % POLLS_PER_CLOCK === 0) {
        const t = performance.now();
        if (until < 0) until = t + w[SPIN]! / 1000;
        else if (t >= until) Atomics.wait(w, DONE, done);
      }
    }
    this.workerJobs += need;
  }

  /**
   * Wake sleeping workers ahead of an operation (the caller is about to copy its operands in), so that they
   * are spinning by the time `run` publishes it: waking a thread from Atomics.wait takes 20–50 µs on an idle
   * core and more on a busy one, while copying a few hundred KiB into shared memory takes as long.
   */
  wake(): void {
    if (this.broken === null) this.publish();
  }

  // Bump the generation word: spinning workers see it within a poll, sleeping ones are notified. Either way
  // each starts a new spin of `poolTuning.spinMicros` after it has run its jobs (none, for a wake); none
  // when there are more threads than cores, where a spinning worker would take the core of a busy thread.
  private publish(): void {
    const w = this.w;
    w[SPIN] = this.threads <= coreCount() ? poolTuning.spinMicros : 0;
    Atomics.add(w, GEN, 1);
    if (Atomics.load(w, SLEEPING) > 0) Atomics.notify(w, GEN);
  }

  get usable(): boolean {
    return this.broken === null;
  }
}

let pool: Pool | null | undefined;
let workerUrl: string | undefined;
/** The threaded module, compiled ahead by {@link compileThreadsModule}; else compiled synchronously on first use. */
let sharedModule: WebAssembly.Module | undefined;

function sharedBytes(): Uint8Array<ArrayBuffer> {
  const bin = atob(WASM_SHARED_BASE64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/**
 * Compile the threaded kernel module asynchronously (`WebAssembly.compile`), where threads can run here, so that
 * the pool never compiles on a thread that refuses synchronous compilation; `ready()` calls it. Resolves to
 * whether the module is compiled.
 *
 * @example
 * ```ts
 * await compileThreadsModule(); // then setNumThreads(2) starts workers without compiling again
 * ```
 */
export async function compileThreadsModule(): Promise<boolean> {
  if (sharedModule || pool) return true;
  if (threadsUnavailable() !== null) return false;
  sharedModule ??= await WebAssembly.compile(sharedBytes());
  return true;
}

/**
 * The pool with `getNumThreads()` threads active, or null when that is 1 or threads cannot run here (then
 * callers take the single-threaded path).
 *
 * @example
 * ```ts
 * const pool = threadPool();
 * if (pool) pool.threads; // ≥ 2
 * ```
 */
export function threadPool(): Pool | null {
  const n = getNumThreads();
  if (n < 2) return null;
  if (pool === undefined) {
    pool = null;
    if (threadsUnavailable() === null) {
      try {
        pool = new Pool(sharedModule ?? new WebAssembly.Module(sharedBytes()));
      } catch {
        pool = null;
      }
    }
  }
  if (!pool || !pool.usable) return null;
  if (isNode && !nodeWorkerThreads()) return null;
  return pool.activate(n) ? pool : null;
}
