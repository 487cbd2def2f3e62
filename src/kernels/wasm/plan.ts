import type { Shape } from '../../shape.js';
import type { MatrixOperand, View } from '../backend.js';
import { MAX_JOBS } from './threads.js';
import { poolTuning } from './tuning.js';

// How the wasm backend lays calls out in its memory and cuts them into jobs: plain arithmetic on shapes and
// strides, shared by the kernel glue files.

/** The layout of a strided operand (a `View` without its buffer). */
export type Layout = Pick<View, 'offset' | 'strides'>;

/** Elements per job (a multiple of 16, see assembly/jobs.ts) and the job count for `n` elements. */
export function rangeJobs(n: number, threads: number): [number, number] {
  const chunk = Math.ceil(Math.max(poolTuning.minChunk, n / (threads * poolTuning.jobsPerThread), n / MAX_JOBS) / 16) * 16;
  return [Math.ceil(n / chunk), chunk];
}

/** Smallest and one-past-largest element index that a strided view over `shape` touches. */
export function viewSpan(v: Layout, shape: Shape): [number, number] {
  let lo = v.offset, hi = v.offset;
  for (let d = 0; d < shape.length; d++) {
    const ext = (shape[d]! - 1) * v.strides[d]!;
    if (ext < 0) lo += ext;
    else hi += ext;
  }
  return [lo, hi + 1];
}

/** An elementwise op as `slabs` repetitions of a `rows × cols` plan, with each operand's step (in elements) per level. */
export interface RowPlan {
  readonly slabs: number;
  readonly rows: number;
  readonly cols: number;
  readonly slabSteps: number[];
  readonly rowSteps: number[];
  readonly colSteps: number[];
}

/**
 * Collapse a broadcast elementwise op to `slabs × rows × cols` where, within a row, each operand is contiguous
 * (stride 1) or one repeated value (stride 0): equal shapes, scalars, bias-style row or column broadcasts, and
 * per-channel broadcasts such as [N, C, H·W] with [C, 1]. Null for anything else (transposed inner axes, four
 * or more irreducible dims), and when slabs are too small for the per-slab call to pay.
 */
export function planRows(shape: Shape, strides: readonly (readonly number[])[]): RowPlan | null {
  const groups = mergeDims(shape, strides);
  if (groups.length > 3) return null;
  const inner = groups[0] ?? { size: 1, st: strides.map(() => 1) };
  if (inner.st.some((s) => s !== 0 && s !== 1)) return null;
  const row = groups[1] ?? { size: 1, st: strides.map(() => 0) };
  const slab = groups[2] ?? { size: 1, st: strides.map(() => 0) };
  if (slab.size > 1 && row.size * inner.size < 64) return null;
  return { slabs: slab.size, rows: row.size, cols: inner.size, slabSteps: slab.st, rowSteps: row.st, colSteps: inner.st };
}

/**
 * The dims of a layout shared by several strided operands, innermost first, with size-1 dims dropped and
 * neighbours merged where, for every operand, the outer stride steps over the inner dim whole: each group is a
 * size and one stride per operand.
 */
export function mergeDims(shape: Shape, strides: readonly (readonly number[])[]): { size: number; st: number[] }[] {
  const groups: { size: number; st: number[] }[] = [];
  for (let d = shape.length - 1; d >= 0; d--) {
    const size = shape[d]!;
    if (size === 1) continue;
    const g = groups[groups.length - 1];
    let merges = g !== undefined;
    for (let i = 0; merges && i < strides.length; i++) merges = strides[i]![d] === g!.st[i]! * g!.size;
    if (merges) g!.size *= size;
    else groups.push({ size, st: strides.map((s) => s[d]!) });
  }
  return groups;
}

/**
 * Where the batch matrices of one operand live: [lo, hi) of the whole batch, and [dLo, dHi) of one matrix
 * relative to its offset.
 */
export function operandSpan(x: Pick<MatrixOperand, 'offsets' | 'rowStride' | 'colStride'>, batch: number, rows: number, cols: number): [number, number, number, number] {
  const er = (rows - 1) * x.rowStride, ec = (cols - 1) * x.colStride;
  const dLo = Math.min(0, er) + Math.min(0, ec), dHi = Math.max(0, er) + Math.max(0, ec) + 1;
  let oLo = Infinity, oHi = -Infinity;
  for (let i = 0; i < batch; i++) {
    const o = x.offsets[i]!;
    if (o < oLo) oLo = o;
    if (o > oHi) oHi = o;
  }
  return [oLo + dLo, oHi + dHi, dLo, dHi];
}

// Matmul jobs: blocks of whole rows of C (a multiple of the 4-row tile) or panels of whole columns (a
// multiple of the 8-column tile), so that every tile is the one the single-threaded call would compute.
// Split along the longer side of C, which makes the operand that every job repacks the smaller one; on a
// square C, by columns: each job then repacks A, which packs faster than B (cut into 4 jobs on one thread,
// B2's 128×784·784×128 cost 0.3 % more than one call by columns and 4.5 % more by rows).

export interface MatmulPlan {
  jobs: number;
  rowChunk: number;
  rowBlocks: number;
  colChunk: number;
  panels: number;
  perJob: number;
}

export function matmulPlan(batch: number, m: number, n: number, threads: number): MatmulPlan {
  const target = threads * poolTuning.matmulJobsPerThread;
  if (batch >= target) {
    const perJob = Math.max(1, Math.floor(batch / target), Math.ceil(batch / MAX_JOBS));
    return { jobs: Math.ceil(batch / perJob), rowChunk: m, rowBlocks: 1, colChunk: n, panels: 1, perJob };
  }
  const parts = Math.ceil(target / batch);
  if (m > n) {
    const rowChunk = Math.ceil(Math.ceil(m / Math.min(parts, Math.ceil(m / poolTuning.minRows))) / 4) * 4;
    const rowBlocks = Math.ceil(m / rowChunk);
    return { jobs: batch * rowBlocks, rowChunk, rowBlocks, colChunk: n, panels: 1, perJob: 1 };
  }
  const colChunk = Math.ceil(Math.ceil(n / Math.min(parts, Math.ceil(n / poolTuning.minCols))) / 8) * 8;
  const panels = Math.ceil(n / colChunk);
  return { jobs: batch * panels, rowChunk: m, rowBlocks: 1, colChunk, panels, perJob: 1 };
}

