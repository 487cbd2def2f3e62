// The dense linear-algebra kernels of the reference backend: LU with partial pivoting (LAPACK's getrf/getrs
// conventions), triangular solves, Cholesky, Householder QR (geqrf/orgqr's sign convention, so Q and R agree with
// LAPACK's), the cyclic Jacobi eigenvalue method for symmetric matrices, and the cofactor matrix through a
// completely pivoted LU. Every matrix is copied into a float64 work array first, so float32 inputs are factored
// in float64 and rounded once on the way out. Inputs are `batch` contiguous matrices from offset 0.
import type { DType, TypedArray } from '../../dtype.js';
import type { BufferHandle } from '../backend.js';
import { arrayOf } from '../cpu/memory.js';

/** Matrix `b` of `data` (`size` elements each) as a fresh float64 array. */
function load(data: TypedArray, b: number, size: number): Float64Array {
  const out = new Float64Array(size);
  const o = b * size;
  for (let i = 0; i < size; i++) out[i] = data[o + i]!;
  return out;
}

function store(out: TypedArray, b: number, m: Float64Array): void {
  const o = b * m.length;
  for (let i = 0; i < m.length; i++) out[o + i] = m[i]!;
}

/**
 * In-place LU with partial pivoting of the n×n row-major `m`; returns the 1-based index of the first zero pivot, or
 * 0. Left-looking (column j gets the earlier columns' updates as dot products, then is pivoted and scaled by the
 * pivot's reciprocal), as OpenBLAS's getf2: matrices that are singular in exact arithmetic then give the exactly
 * zero pivots, and the errors naming them, that PyTorch gives.
 */
function factor(m: Float64Array, piv: TypedArray, po: number, n: number): number {
  let info = 0;
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const kmax = Math.min(i, j);
      let s = 0;
      for (let k = 0; k < kmax; k++) s += m[i * n + k]! * m[k * n + j]!;
      m[i * n + j]! -= s;
    }
    // The first row with the largest magnitude in column j (BLAS idamax); a NaN is never larger.
    let p = j, best = Math.abs(m[j * n + j]!);
    for (let i = j + 1; i < n; i++) {
      const v = Math.abs(m[i * n + j]!);
      if (v > best) { best = v; p = i; }
    }
    piv[po + j] = p;
    const pivot = m[p * n + j]!;
    if (pivot !== 0) {
      if (p !== j) {
        for (let c = 0; c < n; c++) { const t = m[j * n + c]!; m[j * n + c] = m[p * n + c]!; m[p * n + c] = t; }
      }
      const r = 1 / pivot;
      for (let i = j + 1; i < n; i++) m[i * n + j]! *= r;
    } else if (info === 0) info = j + 1;
  }
  return info;
}

/**
 * LU factorization with partial pivoting of `batch` n×n matrices: `lu` holds L (unit diagonal, not stored) below
 * the diagonal and U on and above it, `pivots` (int32, `[batch, n]`) the row swapped with row i at step i
 * (0-based), and `info` (int32, `[batch]`) 0, or i + 1 when U's diagonal element i is exactly zero (the first one).
 *
 * @example
 * ```ts
 * luFactor('float64', a, lu, pivots, info, 1, 3);
 * ```
 */
export function luFactor(_dtype: DType, a: BufferHandle, lu: BufferHandle, pivots: BufferHandle, info: BufferHandle, batch: number, n: number): void {
  const A = arrayOf(a), LU = arrayOf(lu), P = arrayOf(pivots), I = arrayOf(info);
  for (let b = 0; b < batch; b++) {
    const m = load(A, b, n * n);
    I[b] = factor(m, P, b * n, n);
    store(LU, b, m);
  }
}

/**
 * Solve A·X = B from A's LU factors (`luFactor`'s `lu` and `pivots`): `b` and `out` are `[batch, n, k]`. A zero
 * pivot gives infinities or NaN (the caller checks `info` first).
 *
 * @example
 * ```ts
 * luSolve('float64', lu, pivots, b, out, 1, 3, 2);
 * ```
 */
export function luSolve(_dtype: DType, lu: BufferHandle, pivots: BufferHandle, b: BufferHandle, out: BufferHandle, batch: number, n: number, k: number): void {
  const LU = arrayOf(lu), P = arrayOf(pivots), B = arrayOf(b), O = arrayOf(out);
  for (let bi = 0; bi < batch; bi++) {
    const x = load(B, bi, n * k);
    const o = bi * n * n;
    for (let i = 0; i < n; i++) {
      const p = P[bi * n + i]!;
      if (p !== i) for (let j = 0; j < k; j++) { const t = x[i * k + j]!; x[i * k + j] = x[p * k + j]!; x[p * k + j] = t; }
    }
    for (let i = 1; i < n; i++) {
      for (let p = 0; p < i; p++) {
        const l = LU[o + i * n + p]!;
        if (l !== 0) for (let j = 0; j < k; j++) x[i * k + j]! -= l * x[p * k + j]!;
      }
    }
    for (let i = n - 1; i >= 0; i--) {
      for (let p = i + 1; p < n; p++) {
        const u = LU[o + i * n + p]!;
        if (u !== 0) for (let j = 0; j < k; j++) x[i * k + j]! -= u * x[p * k + j]!;
      }
      const d = LU[o + i * n + i]!;
      for (let j = 0; j < k; j++) x[i * k + j]! /= d;
    }
    store(O, bi, x);
  }
}

/**
 * The determinant from LU factors: the product of U's diagonal, negated for an odd number of row swaps. With `log`,
 * `out` is `[batch, 2]`: the sign (0 for a singular matrix) and the log of the absolute value (-∞ then).
 *
 * @example
 * ```ts
 * luDet('float64', lu, pivots, out, 1, 3, false);
 * ```
 */
export function luDet(_dtype: DType, lu: BufferHandle, pivots: BufferHandle, out: BufferHandle, batch: number, n: number, log: boolean): void {
  const LU = arrayOf(lu), P = arrayOf(pivots), O = arrayOf(out);
  for (let b = 0; b < batch; b++) {
    let swaps = 0;
    for (let i = 0; i < n; i++) if (P[b * n + i] !== i) swaps++;
    const o = b * n * n;
    if (!log) {
      let d = swaps % 2 === 0 ? 1 : -1;
      for (let i = 0; i < n; i++) d *= LU[o + i * n + i]!;
      O[b] = d;
      continue;
    }
    let sign = swaps % 2 === 0 ? 1 : -1, logabs = 0;
    for (let i = 0; i < n; i++) {
      const u = LU[o + i * n + i]!;
      sign *= Math.sign(u);
      logabs += Math.log(Math.abs(u));
    }
    O[2 * b] = sign;
    O[2 * b + 1] = logabs;
  }
}

/**
 * Solve A·X = B for triangular A (`upper`: only the upper triangle is read, else only the lower; `unitDiagonal`:
 * the diagonal is taken as ones): `a` is `[batch, n, n]`, `b` and `out` `[batch, n, k]`. No singularity check: a
 * zero on the diagonal gives infinities or NaN, as LAPACK's trsm does.
 *
 * @example
 * ```ts
 * triangularSolve('float64', a, b, out, 1, 3, 1, true, false);
 * ```
 */
export function triangularSolve(_dtype: DType, a: BufferHandle, b: BufferHandle, out: BufferHandle, batch: number, n: number, k: number,
  upper: boolean, unitDiagonal: boolean): void {
  const A = arrayOf(a), B = arrayOf(b), O = arrayOf(out);
  for (let bi = 0; bi < batch; bi++) {
    const x = load(B, bi, n * k);
    const o = bi * n * n;
    for (let s = 0; s < n; s++) {
      const i = upper ? n - 1 - s : s;
      const from = upper ? i + 1 : 0, to = upper ? n : i;
      for (let p = from; p < to; p++) {
        const v = A[o + i * n + p]!;
        if (v !== 0) for (let j = 0; j < k; j++) x[i * k + j]! -= v * x[p * k + j]!;
      }
      if (!unitDiagonal) {
        const d = A[o + i * n + i]!;
        for (let j = 0; j < k; j++) x[i * k + j]! /= d;
      }
    }
    store(O, bi, x);
  }
}

/**
 * Cholesky factorization of `batch` symmetric positive-definite n×n matrices, reading only their lower triangle:
 * `out` gets L (zeros above the diagonal) with A = L·Lᵀ, and `info` (int32) 0, or i when the leading minor of
 * order i is not positive-definite (or NaN); that matrix's L is then left partial.
 *
 * @example
 * ```ts
 * cholesky('float64', a, out, info, 1, 3);
 * ```
 */
export function cholesky(_dtype: DType, a: BufferHandle, out: BufferHandle, info: BufferHandle, batch: number, n: number): void {
  const A = arrayOf(a), O = arrayOf(out), I = arrayOf(info);
  for (let b = 0; b < batch; b++) {
    const m = load(A, b, n * n);
    const l = new Float64Array(n * n);
    I[b] = 0;
    for (let j = 0; j < n; j++) {
      let s = m[j * n + j]!;
      for (let p = 0; p < j; p++) s -= l[j * n + p]! * l[j * n + p]!;
      if (!(s > 0)) { I[b] = j + 1; break; }
      const d = Math.sqrt(s);
      l[j * n + j] = d;
      for (let i = j + 1; i < n; i++) {
        let t = m[i * n + j]!;
        for (let p = 0; p < j; p++) t -= l[i * n + p]! * l[j * n + p]!;
        l[i * n + j] = t / d;
      }
    }
    store(O, b, l);
  }
}

/** √(Σ x²) of `len` elements of `m` from `start` with stride `step`, scaled against overflow and underflow. */
function norm2(m: Float64Array, start: number, step: number, len: number): number {
  let scale = 0;
  for (let i = 0; i < len; i++) scale = Math.max(scale, Math.abs(m[start + i * step]!));
  if (scale === 0 || !Number.isFinite(scale)) return scale;
  let s = 0;
  for (let i = 0; i < len; i++) { const v = m[start + i * step]! / scale; s += v * v; }
  return scale * Math.sqrt(s);
}

/**
 * Householder QR of `batch` m×n matrices (LAPACK's geqrf + orgqr conventions: each reflector maps its column to
 * −sign(a_jj)·‖x‖, and is the identity when the column below the diagonal is already zero). With k = min(m, n):
 * `r` gets R, k×n, or m×n when `complete`; `q` (unless null) gets Q, m×k, or m×m when `complete`.
 *
 * @example
 * ```ts
 * qr('float64', a, q, r, 1, 4, 3, false);
 * ```
 */
export function qr(_dtype: DType, a: BufferHandle, q: BufferHandle | null, r: BufferHandle, batch: number, m: number, n: number, complete: boolean): void {
  const A = arrayOf(a), Q = q === null ? null : arrayOf(q), Rout = arrayOf(r);
  const k = Math.min(m, n);
  const rRows = complete ? m : k, qCols = complete ? m : k;
  const taus = new Float64Array(k);
  for (let b = 0; b < batch; b++) {
    const w = load(A, b, m * n);
    for (let j = 0; j < k; j++) {
      const alpha = w[j * n + j]!;
      const xnorm = norm2(w, (j + 1) * n + j, n, m - j - 1);
      if (xnorm === 0) { taus[j] = 0; continue; }
      const beta = -(alpha >= 0 ? 1 : -1) * Math.hypot(alpha, xnorm);
      const tau = (beta - alpha) / beta;
      const scale = 1 / (alpha - beta);
      for (let i = j + 1; i < m; i++) w[i * n + j]! *= scale;
      w[j * n + j] = beta;
      taus[j] = tau;
      // Apply H = I − τ·v·vᵀ (v = [1; w[j+1:, j]]) to the columns right of j.
      for (let c = j + 1; c < n; c++) {
        let s = w[j * n + c]!;
        for (let i = j + 1; i < m; i++) s += w[i * n + j]! * w[i * n + c]!;
        s *= tau;
        w[j * n + c]! -= s;
        for (let i = j + 1; i < m; i++) w[i * n + c]! -= s * w[i * n + j]!;
      }
    }
    const ro = b * rRows * n;
    for (let i = 0; i < rRows; i++) for (let c = 0; c < n; c++) Rout[ro + i * n + c] = i < m && c >= i ? w[i * n + c]! : 0;
    if (Q === null) continue;
    // Q = H₀·H₁·…·H_{k−1} applied to the first qCols columns of the identity, last reflector first.
    const qm = new Float64Array(m * qCols);
    for (let i = 0; i < Math.min(m, qCols); i++) qm[i * qCols + i] = 1;
    for (let j = k - 1; j >= 0; j--) {
      const tau = taus[j]!;
      if (tau === 0) continue;
      for (let c = 0; c < qCols; c++) {
        let s = qm[j * qCols + c]!;
        for (let i = j + 1; i < m; i++) s += w[i * n + j]! * qm[i * qCols + c]!;
        s *= tau;
        qm[j * qCols + c]! -= s;
        for (let i = j + 1; i < m; i++) qm[i * qCols + c]! -= s * w[i * n + j]!;
      }
    }
    store(Q, b, qm);
  }
}

const MAX_SWEEPS = 100;

/**
 * Eigenvalues (ascending) and orthonormal eigenvectors (as columns) of `batch` symmetric n×n matrices, reading
 * only their lower triangle, by the cyclic Jacobi method: `values` is `[batch, n]`, `vectors` `[batch, n, n]`, and
 * `info` (int32) 0, or 1 for a matrix whose iteration did not converge (a NaN or an infinity in it); its outputs
 * are then NaN.
 *
 * @example
 * ```ts
 * eigh('float64', a, values, vectors, info, 1, 3);
 * ```
 */
export function eigh(_dtype: DType, a: BufferHandle, values: BufferHandle, vectors: BufferHandle, info: BufferHandle, batch: number, n: number): void {
  const A = arrayOf(a), W = arrayOf(values), V = arrayOf(vectors), I = arrayOf(info);
  for (let b = 0; b < batch; b++) {
    const m = load(A, b, n * n);
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) m[i * n + j] = m[j * n + i]!;
    const v = new Float64Array(n * n);
    for (let i = 0; i < n; i++) v[i * n + i] = 1;
    const ok = jacobi(m, v, n);
    I[b] = ok ? 0 : 1;
    // Sort ascending (stable: equal eigenvalues keep Jacobi's order), moving the eigenvector columns along.
    const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => m[x * n + x]! - m[y * n + y]!);
    for (let c = 0; c < n; c++) {
      const src = order[c]!;
      W[b * n + c] = ok ? m[src * n + src]! : NaN;
      for (let r = 0; r < n; r++) V[b * n * n + r * n + c] = ok ? v[r * n + src]! : NaN;
    }
  }
}

/**
 * Cyclic Jacobi rotations on the symmetric `m` (both triangles kept), accumulating them into `v`: sweeps until no
 * off-diagonal element is above 1e-18·‖A‖_F (below rounding of the whole matrix; those left are set to zero).
 * Convergence is quadratic, so a handful of sweeps suffice; false when the matrix holds a NaN or an infinity.
 */
function jacobi(m: Float64Array, v: Float64Array, n: number): boolean {
  let total = 0;
  for (let i = 0; i < n * n; i++) total += m[i]! * m[i]!;
  if (!Number.isFinite(total)) return false;
  const negligible = 1e-18 * Math.sqrt(total);
  for (let sweep = 0; sweep < MAX_SWEEPS; sweep++) {
    let rotated = false;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = m[p * n + q]!;
        if (Math.abs(apq) <= negligible) {
          m[p * n + q] = 0;
          m[q * n + p] = 0;
          continue;
        }
        rotated = true;
        const app = m[p * n + p]!, aqq = m[q * n + q]!;
        // Rutishauser's rotation: t = tan φ, the smaller root, which annihilates m[p][q].
        const theta = (aqq - app) / (2 * apq);
        const t = (theta >= 0 ? 1 : -1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1), s = t * c;
        for (let r = 0; r < n; r++) {
          const mrp = m[r * n + p]!, mrq = m[r * n + q]!;
          m[r * n + p] = c * mrp - s * mrq;
          m[r * n + q] = s * mrp + c * mrq;
        }
        for (let r = 0; r < n; r++) {
          const mpr = m[p * n + r]!, mqr = m[q * n + r]!;
          m[p * n + r] = c * mpr - s * mqr;
          m[q * n + r] = s * mpr + c * mqr;
        }
        m[p * n + q] = 0;
        m[q * n + p] = 0;
        for (let r = 0; r < n; r++) {
          const vrp = v[r * n + p]!, vrq = v[r * n + q]!;
          v[r * n + p] = c * vrp - s * vrq;
          v[r * n + q] = s * vrp + c * vrq;
        }
      }
    }
    if (!rotated) return true;
  }
  return false;
}

/**
 * The cofactor matrix cof(A) = adj(A)ᵀ (the gradient of det) of `batch` n×n matrices, exact for singular ones too:
 * through a completely pivoted LU, P·A·Q = L·U, it is det(A)·A⁻ᵀ when no pivot is zero; when only the last is
 * (rank n − 1) it is the rank-one adjugate built from U's null vector; when more are (rank ≤ n − 2) it is zero.
 *
 * @example
 * ```ts
 * cofactor('float64', a, out, 1, 3);
 * ```
 */
export function cofactor(_dtype: DType, a: BufferHandle, out: BufferHandle, batch: number, n: number): void {
  const A = arrayOf(a), O = arrayOf(out);
  for (let b = 0; b < batch; b++) store(O, b, cofactorOf(load(A, b, n * n), n));
}

function cofactorOf(m: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  if (n === 0) return out;
  if (n === 1) { out[0] = 1; return out; }
  // Complete pivoting: rows[i] and cols[j] say which row and column of A sit at position i, j of P·A·Q.
  const rows = Array.from({ length: n }, (_, i) => i), cols = Array.from({ length: n }, (_, i) => i);
  let sign = 1, zeros = 0;
  for (let k = 0; k < n; k++) {
    let pr = k, pc = k, best = -1;
    for (let i = k; i < n; i++) for (let j = k; j < n; j++) {
      const v = Math.abs(m[i * n + j]!);
      if (v > best) { best = v; pr = i; pc = j; }
    }
    if (pr !== k) {
      for (let j = 0; j < n; j++) { const t = m[k * n + j]!; m[k * n + j] = m[pr * n + j]!; m[pr * n + j] = t; }
      [rows[k], rows[pr]] = [rows[pr]!, rows[k]!];
      sign = -sign;
    }
    if (pc !== k) {
      for (let i = 0; i < n; i++) { const t = m[i * n + k]!; m[i * n + k] = m[i * n + pc]!; m[i * n + pc] = t; }
      [cols[k], cols[pc]] = [cols[pc]!, cols[k]!];
      sign = -sign;
    }
    const pivot = m[k * n + k]!;
    if (pivot === 0) { zeros = n - k; break; }
    for (let i = k + 1; i < n; i++) {
      const l = (m[i * n + k]! /= pivot);
      if (l !== 0) for (let j = k + 1; j < n; j++) m[i * n + j]! -= l * m[k * n + j]!;
    }
  }
  // adj(P·A·Q) = adj(U)·L⁻¹, and adj(A) = Q·adj(PAQ)·P·sign (P, Q permutations, sign = det(P)·det(Q)).
  // adjU is the adjugate of U; then M = adjU·L⁻¹ (a row solve from the right with unit lower L).
  const adjU = new Float64Array(n * n);
  if (zeros >= 2) return out;
  if (zeros === 1) {
    // U = [[U₁, u], [0, 0]] with U₁ nonsingular: adj(U) = det(U₁)·x·e_nᵀ, x = [−U₁⁻¹u; 1].
    let d = 1;
    for (let i = 0; i < n - 1; i++) d *= m[i * n + i]!;
    const x = new Float64Array(n);
    x[n - 1] = 1;
    for (let i = n - 2; i >= 0; i--) {
      let s = -m[i * n + n - 1]!;
      for (let p = i + 1; p < n - 1; p++) s -= m[i * n + p]! * x[p]!;
      x[i] = s / m[i * n + i]!;
    }
    for (let i = 0; i < n; i++) adjU[i * n + n - 1] = d * x[i]!;
  } else {
    // adj(U) = det(U)·U⁻¹, column by column.
    let d = 1;
    for (let i = 0; i < n; i++) d *= m[i * n + i]!;
    for (let c = 0; c < n; c++) {
      for (let i = n - 1; i >= 0; i--) {
        let s = i === c ? d : 0;
        for (let p = i + 1; p < n; p++) s -= m[i * n + p]! * adjU[p * n + c]!;
        adjU[i * n + c] = s / m[i * n + i]!;
      }
    }
  }
  // M = adjU·L⁻¹: solve M·L = adjU from the right, last column first (L unit lower, below m's diagonal).
  for (let r = 0; r < n; r++) {
    for (let c = n - 1; c >= 0; c--) {
      let s = adjU[r * n + c]!;
      for (let p = c + 1; p < n; p++) s -= adjU[r * n + p]! * m[p * n + c]!;
      adjU[r * n + c] = s;
    }
  }
  // adj(A)[cols[i], rows[j]] = sign·M[i][j]; the cofactor matrix is its transpose: cof[rows[j], cols[i]].
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[rows[j]! * n + cols[i]!] = sign * adjU[i * n + j]!;
  return out;
}
