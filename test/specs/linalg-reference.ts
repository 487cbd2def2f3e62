// Independent float64 references for the linear-algebra specs: textbook algorithms written out as naive loops on
// nested arrays (Laplace expansion for det, Gauss–Jordan for inv, Gaussian elimination for solve, modified
// Gram–Schmidt for QR, closed forms for 2×2 and 3×3 symmetric eigenproblems, full enumeration for einsum). They
// share no code with the library.
import { nd, size, type Nd } from '../reference.js';

type Mat = number[][];

function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) { idx[d] = i % shape[d]!; i = Math.floor(i / shape[d]!); }
  return idx;
}

function ravel(idx: readonly number[], shape: readonly number[]): number {
  let off = 0;
  for (let d = 0; d < shape.length; d++) off = off * shape[d]! + idx[d]!;
  return off;
}

/** The matrices of a `[..., m, n]` array. */
export function matrices(x: Nd): Mat[] {
  const m = x.shape[x.shape.length - 2]!, n = x.shape[x.shape.length - 1]!;
  const out: Mat[] = [];
  for (let b = 0; b < x.data.length / (m * n || 1); b++) {
    out.push(Array.from({ length: m }, (_, i) => Array.from({ length: n }, (_, j) => x.data[b * m * n + i * n + j]!)));
  }
  return out;
}

/** Stack per-matrix results (matrices, vectors or numbers) back under the batch dims `batch`. */
export function stackResults(batch: readonly number[], parts: readonly (Mat | number[] | number)[]): Nd {
  const first = parts[0]!;
  const inner = typeof first === 'number' ? [] : Array.isArray(first[0]) ? [first.length, (first[0] as number[]).length] : [first.length];
  return nd([...batch, ...inner], parts.flatMap((p) => (typeof p === 'number' ? [p] : (p as (number | number[])[]).flat())));
}

/** Apply `f` to each matrix of `x` (and the matching one of `y`, broadcast over batch dims, when given). */
export function perMatrix(x: Nd, f: (a: Mat) => Mat | number[] | number): Nd {
  return stackResults(x.shape.slice(0, -2), matrices(x).map(f));
}

export const transpose = (a: Mat): Mat => a[0] === undefined ? [] : a[0].map((_, j) => a.map((row) => row[j]!));
export const matmul = (a: Mat, b: Mat): Mat => a.map((row) => b[0]!.map((_, j) => row.reduce((s, v, p) => s + v * b[p]![j]!, 0)));
export const addIdentity = (a: Mat, s: number): Mat => a.map((row, i) => row.map((v, j) => (i === j ? v + s : v)));

/** det by Laplace expansion along the first row. */
export function det(a: Mat): number {
  const n = a.length;
  if (n === 0) return 1;
  if (n === 1) return a[0]![0]!;
  let s = 0;
  for (let j = 0; j < n; j++) {
    const minor = a.slice(1).map((row) => row.filter((_, c) => c !== j));
    s += (j % 2 === 0 ? 1 : -1) * a[0]![j]! * det(minor);
  }
  return s;
}

/** The inverse by Gauss–Jordan elimination with partial pivoting. */
export function inverse(a: Mat): Mat {
  const n = a.length;
  const m = a.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r]![c]!) > Math.abs(m[p]![c]!)) p = r;
    [m[c], m[p]] = [m[p]!, m[c]!];
    const d = m[c]![c]!;
    m[c] = m[c]!.map((v) => v / d);
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = m[r]![c]!;
      m[r] = m[r]!.map((v, j) => v - f * m[c]![j]!);
    }
  }
  return m.map((row) => row.slice(n));
}

/** Solve A·X = B (B a matrix) through the inverse. */
export const solve = (a: Mat, b: Mat): Mat => matmul(inverse(a), b);

/** Solve A·X = B for triangular A, reading only the given triangle (and ones on the diagonal when unit). */
export function solveTriangular(a: Mat, b: Mat, upper: boolean, unit: boolean): Mat {
  const n = a.length;
  const t = a.map((row, i) => row.map((v, j) => (i === j ? (unit ? 1 : v) : (upper ? j > i : j < i) ? v : 0)));
  return solve(t, b);
}

/** Cholesky–Banachiewicz: L with A = L·Lᵀ. */
export function cholesky(a: Mat): Mat {
  const n = a.length;
  const l: Mat = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i]![j]!;
      for (let k = 0; k < j; k++) s -= l[i]![k]! * l[j]![k]!;
      l[i]![j] = i === j ? Math.sqrt(s) : s / l[j]![j]!;
    }
  }
  return l;
}

/** QR by modified Gram–Schmidt (R's diagonal positive), reduced; for m < n, of the first m columns, then R = Qᵀ·A. */
export function qr(a: Mat): { Q: Mat; R: Mat } {
  const m = a.length, n = a[0]!.length, k = Math.min(m, n);
  const cols = transpose(a).slice(0, k).map((c) => [...c]);
  const q: number[][] = [];
  for (let j = 0; j < k; j++) {
    const v = cols[j]!;
    for (const u of q) {
      const d = u.reduce((s, x, i) => s + x * v[i]!, 0);
      for (let i = 0; i < m; i++) v[i]! -= d * u[i]!;
    }
    const norm = Math.sqrt(v.reduce((s, x) => s + x * x, 0));
    q.push(v.map((x) => x / norm));
  }
  const Q = transpose(q);
  return { Q, R: matmul(q, a).map((row, i) => row.map((v, j) => (j < i ? 0 : v))) };
}

/** Eigenvalues (ascending) of a symmetric 2×2 or 3×3 matrix in closed form, and unit eigenvectors (first entry ≥ 0). */
export function eigh(a: Mat): { values: number[]; vectors: Mat } {
  const n = a.length;
  let values: number[];
  if (n === 2) {
    const [p, q, r] = [a[0]![0]!, a[0]![1]!, a[1]![1]!];
    const mid = (p + r) / 2, rad = Math.sqrt(((p - r) / 2) ** 2 + q * q);
    values = [mid - rad, mid + rad];
  } else if (n === 3) {
    // Trigonometric solution of the characteristic cubic (Smith, 1961).
    const q = (a[0]![0]! + a[1]![1]! + a[2]![2]!) / 3;
    const p1 = a[0]![1]! ** 2 + a[0]![2]! ** 2 + a[1]![2]! ** 2;
    const p2 = (a[0]![0]! - q) ** 2 + (a[1]![1]! - q) ** 2 + (a[2]![2]! - q) ** 2 + 2 * p1;
    const p = Math.sqrt(p2 / 6);
    const B = a.map((row, i) => row.map((v, j) => (v - (i === j ? q : 0)) / p));
    const r = Math.min(1, Math.max(-1, det(B) / 2));
    const phi = Math.acos(r) / 3;
    const e1 = q + 2 * p * Math.cos(phi), e3 = q + 2 * p * Math.cos(phi + (2 * Math.PI) / 3);
    values = [e3, 3 * q - e1 - e3, e1];
  } else throw new Error(`eigh reference: only 2×2 and 3×3, got ${n}×${n}`);
  const vectors = values.map((lambda) => {
    const m = addIdentity(a, -lambda);
    // The null vector: the largest cross product of two rows (3×3), or a perpendicular of a row (2×2).
    let v: number[];
    if (n === 2) v = Math.abs(m[0]![0]!) + Math.abs(m[0]![1]!) > Math.abs(m[1]![0]!) + Math.abs(m[1]![1]!) ? [-m[0]![1]!, m[0]![0]!] : [-m[1]![1]!, m[1]![0]!];
    else {
      const cross = (x: number[], y: number[]): number[] => [x[1]! * y[2]! - x[2]! * y[1]!, x[2]! * y[0]! - x[0]! * y[2]!, x[0]! * y[1]! - x[1]! * y[0]!];
      const cands = [cross(m[0]!, m[1]!), cross(m[0]!, m[2]!), cross(m[1]!, m[2]!)];
      v = cands.reduce((best, c) => (Math.hypot(...c) > Math.hypot(...best) ? c : best));
    }
    const norm = Math.hypot(...v), sign = v[0]! < 0 ? -1 : 1;
    return v.map((x) => (sign * x) / norm);
  });
  return { values, vectors: transpose(vectors) };
}

/** The diagonal of `x` over dims d1, d2 at `offset`: the other dims first, the diagonal last. */
export function diagonal(x: Nd, offset: number, d1: number, d2: number): Nd {
  const nd_ = x.shape.length;
  const a = (d1 + nd_) % nd_, b = (d2 + nd_) % nd_;
  const rest = x.shape.map((_, i) => i).filter((i) => i !== a && i !== b);
  const len = Math.max(0, offset >= 0 ? Math.min(x.shape[a]!, x.shape[b]! - offset) : Math.min(x.shape[a]! + offset, x.shape[b]!));
  const shape = [...rest.map((i) => x.shape[i]!), len];
  const out = new Float64Array(size(shape));
  for (let o = 0; o < out.length; o++) {
    const idx = unravel(o, shape);
    const full = new Array<number>(nd_);
    rest.forEach((d, j) => (full[d] = idx[j]!));
    const t = idx[idx.length - 1]!;
    full[a] = offset >= 0 ? t : t - offset;
    full[b] = offset >= 0 ? t + offset : t;
    out[o] = x.data[ravel(full, x.shape)]!;
  }
  return { shape, data: out };
}

/** A copy of `x` with `src` written over its diagonal. */
export function diagonalScatter(x: Nd, src: Nd, offset: number, d1: number, d2: number): Nd {
  const nd_ = x.shape.length;
  const a = (d1 + nd_) % nd_, b = (d2 + nd_) % nd_;
  const rest = x.shape.map((_, i) => i).filter((i) => i !== a && i !== b);
  const out = Float64Array.from(x.data);
  for (let o = 0; o < src.data.length; o++) {
    const idx = unravel(o, src.shape);
    const full = new Array<number>(nd_);
    rest.forEach((d, j) => (full[d] = idx[j]!));
    const t = idx[idx.length - 1]!;
    full[a] = offset >= 0 ? t : t - offset;
    full[b] = offset >= 0 ? t + offset : t;
    out[ravel(full, x.shape)] = src.data[o]!;
  }
  return { shape: [...x.shape], data: out };
}

/**
 * einsum by enumerating every assignment of every subscript (explicit `->` equations of letters only; a dim of
 * size 1 broadcasts against the same subscript's larger size).
 */
export function einsum(equation: string, operands: readonly Nd[]): Nd {
  const [lhs, rhs] = equation.split('->') as [string, string];
  const terms = lhs.split(',');
  const sizes = new Map<string, number>();
  terms.forEach((t, i) => [...t].forEach((l, d) => sizes.set(l, Math.max(sizes.get(l) ?? 1, operands[i]!.shape[d]!))));
  const labels = [...sizes.keys()];
  const outShape = [...rhs].map((l) => sizes.get(l)!);
  const out = new Float64Array(size(outShape));
  const all = labels.map((l) => sizes.get(l)!);
  for (let i = 0; i < size(all); i++) {
    const v = unravel(i, all);
    const val = (l: string): number => v[labels.indexOf(l)]!;
    let prod = 1;
    terms.forEach((t, k) => {
      const op = operands[k]!;
      prod *= op.data[ravel([...t].map((l, d) => (op.shape[d] === 1 ? 0 : val(l))), op.shape)]!;
    });
    out[ravel([...rhs].map(val), outShape)]! += prod;
  }
  return { shape: outShape, data: out };
}
