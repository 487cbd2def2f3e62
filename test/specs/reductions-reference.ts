// Independent float64 references for the reductions, scans and sorting ops: naive loops over one line (the
// elements along a dim) at a time, sharing no code with the library. Ties and NaN follow PyTorch as its
// documentation and the oracle fixtures (test/fixtures/reductions.json) state.
import { nd, type Nd } from '../reference.js';

const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** Positive dim. */
const norm = (dim: number, rank: number): number => (rank === 0 ? 0 : dim < 0 ? dim + rank : dim);

/**
 * Apply `f` to every line of `x` along `dim`; each result line (of any fixed length m) replaces the line, so the
 * output has size m at `dim` (or loses `dim` when `squeeze` and m = 1). A 0-d x is one line of one element.
 */
export function lines(x: Nd, dim: number, f: (line: number[]) => number[], squeeze = false): Nd {
  const shape = x.shape.length === 0 ? [1] : [...x.shape];
  const d = norm(dim, x.shape.length);
  const outer = sizeOf(shape.slice(0, d)), r = shape[d]!, inner = sizeOf(shape.slice(d + 1));
  let m = -1;
  let out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const line: number[] = [];
      for (let j = 0; j < r; j++) line.push(x.data[(o * r + j) * inner + i]!);
      const res = f(line);
      if (m < 0) {
        m = res.length;
        out = new Array<number>(outer * m * inner).fill(0);
      }
      res.forEach((v, j) => (out[(o * m + j) * inner + i] = v));
    }
  }
  if (m < 0) m = 0;
  const outShape = [...shape];
  outShape[d] = m;
  if (x.shape.length === 0) return nd(m === 1 ? [] : [m], out);
  return nd(squeeze ? outShape.filter((_, i) => i !== d) : outShape, out);
}

/** Reduce the whole tensor as one line. */
export function whole(x: Nd, f: (line: number[]) => number): Nd {
  return nd([], [f([...x.data])]);
}

/** Reduce over several dims (all when undefined): one value per group, as the reduce of test/reference.ts. */
export function over(x: Nd, dims: readonly number[] | undefined, keepdim: boolean, f: (vals: number[]) => number): Nd {
  const rank = x.shape.length;
  const ds = (dims ?? x.shape.map((_, i) => i)).map((d) => norm(d, rank));
  const kept = x.shape.map((s, i) => (ds.includes(i) ? 1 : s));
  const groups: number[][] = Array.from({ length: sizeOf(kept) }, () => []);
  for (let flat = 0; flat < x.data.length; flat++) {
    let rest = flat, key = 0, mul = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const idx = rest % x.shape[d]!;
      rest = Math.floor(rest / x.shape[d]!);
      if (!ds.includes(d)) key += idx * mul;
      mul *= kept[d]!;
    }
    groups[key]!.push(x.data[flat]!);
  }
  return nd(keepdim ? kept : x.shape.filter((_, i) => !ds.includes(i)), groups.map(f));
}

// ---- line functions ----

export const prod = (v: number[]): number => v.reduce((a, b) => a * b, 1);

export const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

export function variance(v: number[], correction: number): number {
  const m = mean(v);
  let s = 0;
  for (const a of v) s += (a - m) * (a - m);
  return s / Math.max(0, v.length - correction);
}

export const hasNaN = (v: number[]): boolean => v.some((a) => Number.isNaN(a));

export const maxOf = (v: number[]): number => (hasNaN(v) ? NaN : Math.max(...v));
export const minOf = (v: number[]): number => (hasNaN(v) ? NaN : Math.min(...v));

/** Index of the first maximum (first NaN wins), as torch.max(dim). */
export function firstExtremeIndex(v: number[], max: boolean): number {
  let best = 0;
  for (let j = 0; j < v.length; j++) {
    if (Number.isNaN(v[j]!)) return j;
    if (max ? v[j]! > v[best]! : v[j]! < v[best]!) best = j;
  }
  return best;
}

export function cumsum(v: number[]): number[] {
  let s = 0;
  return v.map((a) => (s += a));
}

export function cumprod(v: number[]): number[] {
  let s = 1;
  return v.map((a) => (s *= a));
}

export function logcumsumexp(v: number[]): number[] {
  const out: number[] = [];
  for (let j = 0; j < v.length; j++) {
    const head = v.slice(0, j + 1);
    if (hasNaN(head)) { out.push(NaN); continue; }
    const m = Math.max(...head);
    if (!Number.isFinite(m)) { out.push(m); continue; }
    out.push(m + Math.log(head.reduce((s, a) => s + Math.exp(a - m), 0)));
  }
  return out;
}

/** cummax/cummin positions: a later equal element or any NaN takes over; after a NaN only a NaN does. */
export function cumExtremeIndex(v: number[], max: boolean): number[] {
  const out: number[] = [];
  let best = 0;
  for (let j = 0; j < v.length; j++) {
    const a = v[j]!, b = v[best]!;
    if (j > 0 && (Number.isNaN(a) || (!Number.isNaN(b) && (max ? a >= b : a <= b)))) best = j;
    out.push(best);
  }
  return out;
}

/** The stable sort's positions: ascending with NaN last, or descending with NaN first. */
export function sortIndex(v: number[], descending: boolean): number[] {
  const key = (a: number): number => (Number.isNaN(a) ? Infinity : a);
  const idx = v.map((_, j) => j);
  // Insertion sort: obviously stable.
  for (let i = 1; i < idx.length; i++) {
    const cur = idx[i]!;
    let j = i - 1;
    const before = (p: number, q: number): boolean => {
      const a = v[p]!, b = v[q]!;
      const an = Number.isNaN(a), bn = Number.isNaN(b);
      if (an || bn) return descending ? an && !bn : !an && bn;
      return descending ? key(a) > key(b) : key(a) < key(b);
    };
    while (j >= 0 && before(cur, idx[j]!)) {
      idx[j + 1] = idx[j]!;
      j--;
    }
    idx[j + 1] = cur;
  }
  return idx;
}

/** The lower median, NaN if any NaN. */
export function median(v: number[]): number {
  if (v.length === 0 || hasNaN(v)) return NaN;
  const s = [...v].sort((a, b) => a - b);
  return s[(v.length - 1) >> 1]!;
}

/** Position of the lower median as a stable sort puts it; the first NaN when there is one. */
export function medianIndex(v: number[]): number {
  const nan = v.findIndex((a) => Number.isNaN(a));
  if (nan >= 0) return nan;
  return sortIndex(v, false)[(v.length - 1) >> 1]!;
}

export function vectorNorm(v: number[], ord: number): number {
  if (hasNaN(v)) return NaN;
  const a = v.map(Math.abs);
  if (ord === Infinity) return Math.max(...a);
  if (ord === -Infinity) return Math.min(...a);
  if (ord === 0) return a.filter((x) => x !== 0).length;
  return a.reduce((s, x) => s + x ** ord, 0) ** (1 / ord);
}

/** Sorted distinct values with inverse and counts (every NaN distinct, last). */
export function unique(v: number[]): { values: number[]; inverse: number[]; counts: number[] } {
  const order = sortIndex(v, false);
  const values: number[] = [], counts: number[] = [], inverse = new Array<number>(v.length).fill(0);
  for (const j of order) {
    const a = v[j]!;
    if (values.length === 0 || Number.isNaN(a) || values[values.length - 1] !== a) {
      values.push(a);
      counts.push(0);
    }
    counts[counts.length - 1]!++;
    inverse[j] = values.length - 1;
  }
  return { values, inverse, counts };
}

/** Distinct slices along dim 0 of a 2-d [r, c] array, sorted lexicographically. */
export function uniqueRows(x: Nd): { values: Nd; inverse: number[]; counts: number[] } {
  const [r, c] = x.shape as [number, number];
  const rows = Array.from({ length: r }, (_, i) => [...x.data.slice(i * c, i * c + c)]);
  const cmp = (a: number[], b: number[]): number => {
    for (let k = 0; k < c; k++) if (a[k] !== b[k]) return a[k]! - b[k]!;
    return 0;
  };
  const distinct = [...rows].sort(cmp).filter((row, i, all) => i === 0 || cmp(row, all[i - 1]!) !== 0);
  return {
    values: nd([distinct.length, c], distinct.flat()),
    inverse: rows.map((row) => distinct.findIndex((d) => cmp(d, row) === 0)),
    counts: distinct.map((d) => rows.filter((row) => cmp(d, row) === 0).length),
  };
}

/** Matrix norms of a 2-d array: 'fro', 1, -1, Infinity, -Infinity. */
export function matrixNorm(x: Nd, ord: number | 'fro'): number {
  const [r, c] = x.shape as [number, number];
  const a = (i: number, j: number): number => Math.abs(x.data[i * c + j]!);
  if (ord === 'fro') return Math.sqrt([...x.data].reduce((s, v) => s + v * v, 0));
  const colSums = Array.from({ length: c }, (_, j) => Array.from({ length: r }, (_, i) => a(i, j)).reduce((s, v) => s + v, 0));
  const rowSums = Array.from({ length: r }, (_, i) => Array.from({ length: c }, (_, j) => a(i, j)).reduce((s, v) => s + v, 0));
  if (ord === 1) return Math.max(...colSums);
  if (ord === -1) return Math.min(...colSums);
  if (ord === Infinity) return Math.max(...rowSums);
  return Math.min(...rowSums);
}

/** The transpose of a 2-d array. */
export function transpose2(x: Nd): Nd {
  const [r, c] = x.shape as [number, number];
  return nd([c, r], Array.from({ length: r * c }, (_, k) => x.data[(k % r) * c + Math.floor(k / r)]!));
}
