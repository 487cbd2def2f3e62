// The worker-pool side of the threaded build (assembly/threads.ts, compiled with --enable threads and a shared,
// imported memory). The main thread writes one operation into a control block, publishes it, and every
// thread (main included) calls `runJobs`, which claims job indices until none are left. Only this file knows
// how a job index maps to a kernel call, so the JS in the workers stays a small wait/notify loop.
//
// Control block layout (byte offsets from `ctrl`); src/kernels/wasm/threads.ts writes the same layout.
//   0  i32 generation: bumped once per operation; idle workers Atomics.wait on it
//   4  i32 jobs completed by the workers in this operation
//   8  i32 error flag, set by a worker whose job threw
//  12  i32 active threads: worker t takes part while t < this
//  16  i64 claim word: bits 0–15 next job, 16–31 job count, 32–63 operation tag
//  24  i32 operation kind
//  28  i32 scratch bytes per thread
//  32  i32 scratch base
//  36  i32 workers that have started
//  40… i32/f32 arguments of the operation (at most 20 words)
// 120  i32 µs that an idle thread spins before it sleeps (poolTuning.spinMicros)
// 124  i32 workers asleep in Atomics.wait on the generation word (the main thread notifies only if any)
//
// Why a claim word with a tag instead of a plain counter: a worker may wake late (its core taken by another
// process) and try to claim after the operation is over and the next one is being written. Its
// compare-exchange then fails, because the tag has changed, so it never runs a job with half-written
// arguments; and the main thread never waits for a worker that has no job, only for claimed jobs.

import { binary } from './binary.generated';
import { B_FIRST_COMPARE, K_BINARY, K_CLAMP, K_CONV2D, K_CONV2D_DIRECT, K_CONV2D_WIDE, K_MATMUL, K_UNARY, unary } from './codes.generated';
import { conv2d, conv2dDirect, conv2dWide } from './conv';
import { clamp } from './elementwise';
import { gemm } from './matmul';

const CLAIM = 16;
const KIND = 24;
const SCRATCH_STRIDE = 28;
const SCRATCH_BASE = 32;
const ARGS = 40;


@inline function arg(ctrl: usize, i: i32): i32 {
  return load<i32>(ctrl + ARGS + (<usize>i << 2));
}

@inline function minI(a: i32, b: i32): i32 {
  return a < b ? a : b;
}

// One gemm call per (matrix, row block, column panel). Arguments: 0 table of [a, b] byte addresses per
// matrix, 1–4 strides of A and B in elements, 5–7 m n k, 8 C, 9 rows per block, 10 row blocks, 11 columns per
// panel, 12 panels, 13 matrices per job (> 1 only with one block and one panel per matrix), 14 matrices.
function matmulJob(ctrl: usize, j: i32, scratch: usize): void {
  const table = <usize>arg(ctrl, 0);
  const ars = arg(ctrl, 1), acs = arg(ctrl, 2), brs = arg(ctrl, 3), bcs = arg(ctrl, 4);
  const m = arg(ctrl, 5), n = arg(ctrl, 6), k = arg(ctrl, 7);
  const c = <usize>arg(ctrl, 8);
  const rowChunk = arg(ctrl, 9), rowBlocks = arg(ctrl, 10), colChunk = arg(ctrl, 11), panels = arg(ctrl, 12);
  const perJob = arg(ctrl, 13);
  const ldc = <usize>n << 2, cStride = <usize>m * ldc;
  if (perJob > 1) {
    // Many small matrices: whole products, several per job, so the job count stays within the claim word.
    const end = minI(j * perJob + perJob, arg(ctrl, 14));
    for (let t = j * perJob; t < end; t++) {
      const e = table + (<usize>t << 3);
      gemm(<usize>load<i32>(e), ars, acs, <usize>load<i32>(e, 4), brs, bcs, c + <usize>t * cStride, ldc, m, n, k, scratch);
    }
    return;
  }
  const per = rowBlocks * panels;
  const t = j / per, rem = j % per;
  const r0 = (rem / panels) * rowChunk, c0 = (rem % panels) * colChunk;
  const e = table + (<usize>t << 3);
  const a = <usize>load<i32>(e) + <usize>(<isize>r0 * <isize>ars << 2);
  const b = <usize>load<i32>(e, 4) + <usize>(<isize>c0 * <isize>bcs << 2);
  gemm(a, ars, acs, b, brs, bcs, c + <usize>t * cStride + <usize>r0 * ldc + (<usize>c0 << 2), ldc,
    minI(rowChunk, m - r0), minI(colChunk, n - c0), k, scratch);
}

// Arguments: 0 op, 1 x, 2 out, 3 n, 4 elements per job (a multiple of 16, so that each job's whole-vector
// loop ends exactly where the next job starts and only the last job runs into the padding).
function unaryJob(ctrl: usize, j: i32): void {
  const chunk = arg(ctrl, 4), s = j * chunk, off = <usize>s << 2;
  unary(arg(ctrl, 0), <usize>arg(ctrl, 1) + off, <usize>arg(ctrl, 2) + off, minI(chunk, arg(ctrl, 3) - s));
}

// Arguments: 0 x, 1 out, 2 n, 3 elements per job (a multiple of 16), 4 lo, 5 hi (float32 bits).
function clampJob(ctrl: usize, j: i32): void {
  const chunk = arg(ctrl, 3), s = j * chunk, off = <usize>s << 2;
  clamp(<usize>arg(ctrl, 0) + off, <usize>arg(ctrl, 1) + off, minI(chunk, arg(ctrl, 2) - s),
    load<f32>(ctrl + ARGS + 16), load<f32>(ctrl + ARGS + 20));
}

// Arguments: 0 op, 1 a, 2 aRow, 3 sa, 4 b, 5 bRow, 6 sb, 7 out, 8 rows, 9 cols, 10 rows per job, 11 columns
// per job, 12 column chunks. Column chunks (multiples of 16) come with one row per job; the JS side only
// splits rows whose output is a whole number of 16-byte vectors, so no job's overrun reaches another's output.
function binaryJob(ctrl: usize, j: i32): void {
  const op = arg(ctrl, 0), sa = arg(ctrl, 3) != 0, sb = arg(ctrl, 6) != 0;
  const aRow = <isize>arg(ctrl, 2), bRow = <isize>arg(ctrl, 5);
  const rows = arg(ctrl, 8), cols = arg(ctrl, 9), rowChunk = arg(ctrl, 10), colChunk = arg(ctrl, 11);
  const chunks = arg(ctrl, 12);
  const r0 = (j / chunks) * rowChunk, c0 = (j % chunks) * colChunk;
  // Comparisons write one byte per element.
  const eb: usize = op >= B_FIRST_COMPARE ? 1 : 4;
  const pa = <usize>(<isize>arg(ctrl, 1) + <isize>r0 * aRow) + (sa ? 0 : <usize>c0 << 2);
  const pb = <usize>(<isize>arg(ctrl, 4) + <isize>r0 * bRow) + (sb ? 0 : <usize>c0 << 2);
  const po = <usize>arg(ctrl, 7) + (<usize>r0 * <usize>cols + <usize>c0) * eb;
  binary(op, pa, aRow, sa, pb, bRow, sb, po, minI(rowChunk, rows - r0), minI(colChunk, cols - c0));
}

// A run of images of conv2d (im2col + gemm). Arguments: 0 x, 1 w, 2 out, 3 n, 4 c, 5 plane, 6 o, 7 kk, 8 len,
// 9 index, 10 the kept columns of every image, or 0 when they are not kept (each thread then unfolds into the
// start of its scratch slot, and its gemm scratch follows 11 bytes later), 11 bytes of one image's columns
// (64-aligned), 12 images per job.
function conv2dJob(ctrl: usize, j: i32, scratch: usize): void {
  const n = arg(ctrl, 3), c = arg(ctrl, 4), plane = arg(ctrl, 5), o = arg(ctrl, 6), kk = arg(ctrl, 7), len = arg(ctrl, 8);
  const kept = <usize>arg(ctrl, 10), colBytes = <usize>arg(ctrl, 11), per = arg(ctrl, 12);
  const b0 = j * per, count = minI(per, n - b0);
  const keep = kept != 0;
  const cols = keep ? kept + (<usize>b0 * <usize>c * <usize>kk * <usize>len << 2) : scratch;
  conv2d(<usize>arg(ctrl, 0) + (<usize>b0 * <usize>c * <usize>plane << 2), <usize>arg(ctrl, 1),
    <usize>arg(ctrl, 2) + (<usize>b0 * <usize>o * <usize>len << 2), count, c, plane, o, kk, len, <usize>arg(ctrl, 9),
    cols, keep ? 1 : 0, keep ? scratch : scratch + colBytes);
}

// A run of images of the direct convolution. Arguments: 0 x, 1 w, 2 out, 3 n, 4 c, 5 h, 6 width, 7 o, 8 kh, 9 kw,
// 10 ph, 11 pw, 12 oh, 13 ow, 14 images per job.
function conv2dDirectJob(ctrl: usize, j: i32): void {
  const n = arg(ctrl, 3), c = arg(ctrl, 4), h = arg(ctrl, 5), wd = arg(ctrl, 6), o = arg(ctrl, 7);
  const oh = arg(ctrl, 12), ow = arg(ctrl, 13), per = arg(ctrl, 14);
  const b0 = j * per, count = minI(per, n - b0);
  conv2dDirect(<usize>arg(ctrl, 0) + (<usize>b0 * <usize>c * <usize>h * <usize>wd << 2), <usize>arg(ctrl, 1),
    <usize>arg(ctrl, 2) + (<usize>b0 * <usize>o * <usize>oh * <usize>ow << 2), count, c, h, wd, o, arg(ctrl, 8), arg(ctrl, 9),
    arg(ctrl, 10), arg(ctrl, 11), oh, ow);
}

// A run of output planes of the wide-kernel convolution. Arguments: 0 padded x, 1 w, 2 out, 3 c, 4 hp, 5 wp, 6 o,
// 7 kh, 8 kw, 9 oh, 10 ow, 11 planes in all, 12 planes per job.
function conv2dWideJob(ctrl: usize, j: i32): void {
  const per = arg(ctrl, 12), u0 = j * per;
  conv2dWide(<usize>arg(ctrl, 0), <usize>arg(ctrl, 1), <usize>arg(ctrl, 2), arg(ctrl, 3), arg(ctrl, 4), arg(ctrl, 5), arg(ctrl, 6),
    arg(ctrl, 7), arg(ctrl, 8), arg(ctrl, 9), arg(ctrl, 10), u0, minI(u0 + per, arg(ctrl, 11)));
}

/**
 * Claim and run jobs of the published operation until none are left; returns how many this thread ran.
 * Thread `thread` (0 = main) uses the scratch slot `thread` of the operation's scratch area.
 *
 * @example
 * ```ts
 * const ran = exports.runJobs(ctrl, 1); // in worker 1, after the generation word changed
 * ```
 */
export function runJobs(ctrl: usize, thread: i32): i32 {
  let ran = 0;
  for (;;) {
    const w = atomic.load<i64>(ctrl + CLAIM);
    const j = <i32>(w & 0xffff);
    if (j >= <i32>((w >>> 16) & 0xffff)) break;
    if (atomic.cmpxchg<i64>(ctrl + CLAIM, w, w + 1) != w) continue;
    // The claim succeeded while the operation was unfinished, so its arguments are the ones read below.
    switch (load<i32>(ctrl + KIND)) {
      case K_MATMUL: {
        const scratch = <usize>load<i32>(ctrl + SCRATCH_BASE) + <usize>thread * <usize>load<i32>(ctrl + SCRATCH_STRIDE);
        matmulJob(ctrl, j, scratch);
        break;
      }
      case K_UNARY: unaryJob(ctrl, j); break;
      case K_CLAMP: clampJob(ctrl, j); break;
      case K_BINARY: binaryJob(ctrl, j); break;
      case K_CONV2D: {
        const scratch = <usize>load<i32>(ctrl + SCRATCH_BASE) + <usize>thread * <usize>load<i32>(ctrl + SCRATCH_STRIDE);
        conv2dJob(ctrl, j, scratch);
        break;
      }
      case K_CONV2D_DIRECT: conv2dDirectJob(ctrl, j); break;
      case K_CONV2D_WIDE: conv2dWideJob(ctrl, j); break;
      default: unreachable();
    }
    ran++;
  }
  return ran;
}
