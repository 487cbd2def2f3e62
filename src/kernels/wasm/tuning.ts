/**
 * Size thresholds below which the wasm backend hands a call to the TS backend, because the fixed cost of a
 * wasm call (subarray views, the copies in and out, the export call) is more than the SIMD kernel saves over
 * the TS loop. Each is where the two backends broke even on Node 20 (Zen 5); benchmarks and tests may change
 * them, e.g. set all to 0 to force every call through the wasm kernels.
 *
 * @example
 * ```ts
 * wasmTuning.minMatmul = 0; // run even 1×1 products in wasm
 * ```
 */
export const wasmTuning = {
  /** Elements, for add/sub/mul/div and the comparisons, which TS runs as tight specialised loops. */
  minArith: 256,
  /** Elements, for neg/abs/sqrt/relu/sign, clamp, maximum/minimum and pow. */
  minSimple: 96,
  /** Elements, for exp/log/sin/cos/tanh/sigmoid, logsumexp and softmax, whose libm calls cost TS 10–20 ns each. */
  minCostly: 16,
  /** Input elements, for sum/max/min/argmax/argmin and max pooling. */
  minReduce: 256,
  /** Elements of a parameter, for the Adam and SGD updates. */
  minOptim: 1024,
  /** Multiply-adds (batch·m·n·k), for matmul. */
  minMatmul: 512,
  /**
   * Multiply-adds from which a matmul is split over all threads (see `setNumThreads`), about n = 128 for a
   * square product: below it, waking the workers and packing B once per job cost more than the second core
   * saves (2 threads measured 1.0× at n = 96, 1.4–1.5× at 128, 1.9× at 1024).
   */
  parallelMatmul: 1 << 20,
  /**
   * Elements from which the cheap elementwise ops (arithmetic, comparisons, neg/abs/sqrt/relu/sign,
   * maximum/minimum, clamp) are split over all threads. Their operands are copied in and out by the calling
   * thread, and a worker must pull them from that core's cache, which costs more than the arithmetic: 2
   * threads measured 0.5× at 64K–256K elements and broke even only at 4M.
   */
  parallelSimple: 1 << 22,
  /** Elements from which exp/log/sin/cos/tanh/sigmoid and pow are split over all threads (1.2–1.45× from 64K). */
  parallelCostly: 1 << 16,
};

/**
 * How the worker pool cuts an operation into jobs (see `setNumThreads`). More jobs than threads let a
 * thread whose core is taken by another process hold up only a small share, since the others claim the
 * rest; but every job has a fixed cost, and a matmul job repacks its own copy of B's blocks (or A's, for
 * column panels). Exported for benchmarks and tests, like `wasmTuning`.
 *
 * @example
 * ```ts
 * poolTuning.matmulJobsPerThread = 1; // one block of rows per thread
 * ```
 */
export const poolTuning = {
  /** Target jobs per thread for elementwise ops. */
  jobsPerThread: 4,
  /** Elementwise jobs are at least this many elements. */
  minChunk: 16384,
  /**
   * Target jobs per thread for matmul. Cutting a 1024² product into 2, 4, 8 or 16 row blocks on one thread
   * cost 1 %, 4 %, 11 % and 28 % more than one call (each block repacks all of B), so 2 per thread.
   */
  matmulJobsPerThread: 2,
  /** Matmul row blocks are at least this many rows (a multiple of the 4-row tile)... */
  minRows: 32,
  /** ...and column panels at least this many columns (a multiple of the 8-column tile). */
  minCols: 32,
  /**
   * Microseconds that an idle thread of the pool spins (polling shared memory) before it sleeps in
   * `Atomics.wait`: workers after their last job, and the calling thread while it waits for workers' jobs.
   * Waking a sleeping thread costs 20–50 µs on an idle core of a virtual machine (more on a busy one), a
   * large share of a 4M-MAC product's 100–200 µs per thread, so a worker spins a while after its job; but a
   * worker spinning through a whole step takes the core that V8's garbage collector and the rest of the step
   * would use. Measured on the 2-core VM of BENCHMARKS.md (separate processes, alternating), 100 µs against
   * 1000: MNIST's step (B6) 0.91–0.93×, B2 0.67–0.94×, B3 0.97×, B7 0.97×, B8 0.94×, B9 0.85×. Operations also
   * wake the workers before copying their operands in, which hides most of the wake-up.
   */
  spinMicros: 100,
};
