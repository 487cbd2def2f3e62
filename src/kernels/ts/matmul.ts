import type { TypedArray } from '../../dtype.js';
import type { MatrixOperand } from '../backend.js';

// Blocking parameters (Goto/BLIS naming), in elements of the Float64Array packs.
// A kc×NR sliver of B (8 KiB) stays in the 48 KiB L1 while the whole MC×KC block of A (256 KiB) streams
// from the 1 MiB L2 through it; the KC×NC panel of B is reused by every MC block, so it only needs L2/L3.
const MR = 4;
const NR = 4;
const KC = 256;
const MC = 128;
const NC = 512;
// Below this many multiply-adds the packing and blocking bookkeeping costs more than it saves.
const TINY = 4096;
// Float32 results go through a float64 accumulator of m×nc so that partial sums over kc blocks are never
// rounded to float32; nc shrinks for tall products to keep this scratch near 2 MiB.
const C_BUDGET = 1 << 18;

// Module-level scratch, grown on demand and never shrunk, so steady-state calls do not allocate.
let packA = new Float64Array(MC * KC);
let packB = new Float64Array(KC * NC);
let accC = new Float64Array(0);
let accRow = new Float64Array(0);

/**
 * Batched strided matrix product: `out[bi·m·n + i·n + j] = Σ_p A(bi, i, p) · B(bi, p, j)`, where
 * `A(bi, i, p) = a.data[a.offsets[bi] + i·a.rowStride + p·a.colStride]` and likewise for `B`. Any strides work:
 * transposed operands, stride-0 broadcast rows or columns, and repeated batch offsets. Sums are accumulated in
 * float64 for both float32 and float64 data; `k = 0` writes zeros.
 *
 * @example
 * ```ts
 * const a = new Float32Array([1, 2, 3, 4, 5, 6]); // 2×3, row-major
 * const b = new Float32Array([1, 0, 0, 1, 1, 1]); // 3×2, row-major
 * const out = new Float32Array(4);
 * matmul({ data: a, offsets: [0], rowStride: 3, colStride: 1 }, { data: b, offsets: [0], rowStride: 2, colStride: 1 },
 *   out, 1, 2, 2, 3);
 * // out = [4, 5, 10, 11]
 * ```
 */
export function matmul(
  a: MatrixOperand,
  b: MatrixOperand,
  out: TypedArray,
  batch: number,
  m: number,
  n: number,
  k: number,
): void {
  const mn = m * n;
  if (batch <= 0 || mn === 0) return;
  if (k === 0) {
    out.fill(0, 0, batch * mn);
    return;
  }
  // A single row or column would be padded to a 4-wide tile, wasting 3/4 of the micro-kernel's work.
  const direct = mn * k < TINY || m === 1 || n === 1;
  for (let bi = 0; bi < batch; bi++) {
    const ao = a.offsets[bi]!;
    const bo = b.offsets[bi]!;
    if (direct) directProduct(a.data, ao, a.rowStride, a.colStride, b.data, bo, b.rowStride, b.colStride, out, bi * mn, m, n, k);
    else if (out instanceof Float64Array) blocked(a, ao, b, bo, out, bi * mn, n, m, n, k);
    else blockedViaF64(a, ao, b, bo, out, bi * mn, m, n, k);
  }
}

/** i-p-j order with a float64 row accumulator: unit-stride writes, no packing, exact for float32. */
function directProduct(
  ad: TypedArray, ao: number, ars: number, acs: number,
  bd: TypedArray, bo: number, brs: number, bcs: number,
  out: TypedArray, oo: number, m: number, n: number, k: number,
): void {
  if (accRow.length < n) accRow = new Float64Array(n);
  const acc = accRow;
  for (let i = 0; i < m; i++) {
    acc.fill(0, 0, n);
    let ap = ao + i * ars;
    let bp = bo;
    for (let p = 0; p < k; p++) {
      const av = ad[ap]!;
      let bj = bp;
      for (let j = 0; j < n; j++) {
        acc[j]! += av * bd[bj]!;
        bj += bcs;
      }
      ap += acs;
      bp += brs;
    }
    const row = oo + i * n;
    for (let j = 0; j < n; j++) out[row + j] = acc[j]!;
  }
}

/** Float32 output: run the blocked product into a float64 accumulator, one column block at a time, then round once. */
function blockedViaF64(
  a: MatrixOperand, ao: number, b: MatrixOperand, bo: number,
  out: TypedArray, oo: number, m: number, n: number, k: number,
): void {
  const ncMax = Math.max(NR, Math.min(NC, Math.floor(C_BUDGET / m / NR) * NR));
  if (accC.length < m * Math.min(ncMax, n)) accC = new Float64Array(m * Math.min(ncMax, n));
  const c = accC;
  for (let jc = 0; jc < n; jc += ncMax) {
    const nc = Math.min(ncMax, n - jc);
    blocked(a, ao, b, bo + jc * b.colStride, c, 0, nc, m, nc, k);
    for (let i = 0; i < m; i++) {
      const src = i * nc;
      const dst = oo + i * n + jc;
      for (let j = 0; j < nc; j++) out[dst + j] = c[src + j]!;
    }
  }
}

/** Goto-blocked product into a float64 `c` with row stride `ldc`, starting at `co`. */
function blocked(
  a: MatrixOperand, ao: number, b: MatrixOperand, bo: number,
  c: Float64Array, co: number, ldc: number, m: number, n: number, k: number,
): void {
  const ad = a.data, ars = a.rowStride, acs = a.colStride;
  const bd = b.data, brs = b.rowStride, bcs = b.colStride;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packPanelB(bd, bo + pc * brs + jc * bcs, brs, bcs, kc, nc);
      const first = pc === 0;
      for (let ic = 0; ic < m; ic += MC) {
        const mc = Math.min(MC, m - ic);
        packBlockA(ad, ao + ic * ars + pc * acs, ars, acs, mc, kc);
        macroKernel(kc, mc, nc, c, co + ic * ldc + jc, ldc, first);
      }
    }
  }
}

/** B(pc.., jc..) as kc×NR slivers, p-major inside each, zero-padded past `nc` so edge tiles need no branches. */
function packPanelB(bd: TypedArray, base: number, brs: number, bcs: number, kc: number, nc: number): void {
  const need = kc * Math.ceil(nc / NR) * NR;
  if (packB.length < need) packB = new Float64Array(need);
  const dst = packB;
  let d = 0;
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const col = base + j0 * bcs;
    if (j0 + NR <= nc) {
      for (let p = 0; p < kc; p++) {
        const s = col + p * brs;
        dst[d] = bd[s]!;
        dst[d + 1] = bd[s + bcs]!;
        dst[d + 2] = bd[s + 2 * bcs]!;
        dst[d + 3] = bd[s + 3 * bcs]!;
        d += NR;
      }
    } else {
      const w = nc - j0;
      for (let p = 0; p < kc; p++) {
        const s = col + p * brs;
        for (let jj = 0; jj < NR; jj++) dst[d + jj] = jj < w ? bd[s + jj * bcs]! : 0;
        d += NR;
      }
    }
  }
}

/** A(ic.., pc..) as MR×kc slivers, p-major inside each, zero-padded past `mc`. */
function packBlockA(ad: TypedArray, base: number, ars: number, acs: number, mc: number, kc: number): void {
  const need = kc * Math.ceil(mc / MR) * MR;
  if (packA.length < need) packA = new Float64Array(need);
  const dst = packA;
  let d = 0;
  for (let i0 = 0; i0 < mc; i0 += MR) {
    const row = base + i0 * ars;
    if (i0 + MR <= mc) {
      for (let p = 0; p < kc; p++) {
        const s = row + p * acs;
        dst[d] = ad[s]!;
        dst[d + 1] = ad[s + ars]!;
        dst[d + 2] = ad[s + 2 * ars]!;
        dst[d + 3] = ad[s + 3 * ars]!;
        d += MR;
      }
    } else {
      const h = mc - i0;
      for (let p = 0; p < kc; p++) {
        const s = row + p * acs;
        for (let ii = 0; ii < MR; ii++) dst[d + ii] = ii < h ? ad[s + ii * ars]! : 0;
        d += MR;
      }
    }
  }
}

// Edge tiles are computed in full against the zero padding, land here, and only the valid part is copied out.
const edge = new Float64Array(MR * NR);

/** Loop over the MR×NR tiles of one packed A block against the packed B panel. */
function macroKernel(kc: number, mc: number, nc: number, c: Float64Array, co: number, ldc: number, first: boolean): void {
  const A = packA, B = packB;
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const bOff = (j0 / NR) * kc * NR;
    const nr = Math.min(NR, nc - j0);
    for (let i0 = 0; i0 < mc; i0 += MR) {
      const aOff = (i0 / MR) * kc * MR;
      const mr = Math.min(MR, mc - i0);
      const cOff = co + i0 * ldc + j0;
      if (mr === MR && nr === NR) {
        microKernel(kc, A, aOff, B, bOff, c, cOff, ldc, first);
      } else {
        microKernel(kc, A, aOff, B, bOff, edge, 0, NR, true);
        for (let i = 0; i < mr; i++) {
          for (let j = 0; j < nr; j++) {
            const v = edge[i * NR + j]!;
            if (first) c[cOff + i * ldc + j] = v;
            else c[cOff + i * ldc + j]! += v;
          }
        }
      }
    }
  }
}

/** The 4×4 register tile: sixteen float64 locals, one rank-1 update per p. */
function microKernel(
  kc: number, A: Float64Array, ai: number, B: Float64Array, bi: number,
  c: Float64Array, ci: number, ldc: number, first: boolean,
): void {
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < kc; p++) {
    const a0 = A[ai]!, a1 = A[ai + 1]!, a2 = A[ai + 2]!, a3 = A[ai + 3]!;
    const b0 = B[bi]!, b1 = B[bi + 1]!, b2 = B[bi + 2]!, b3 = B[bi + 3]!;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    ai += 4;
    bi += 4;
  }
  const r1 = ci + ldc, r2 = r1 + ldc, r3 = r2 + ldc;
  if (first) {
    c[ci] = c00; c[ci + 1] = c01; c[ci + 2] = c02; c[ci + 3] = c03;
    c[r1] = c10; c[r1 + 1] = c11; c[r1 + 2] = c12; c[r1 + 3] = c13;
    c[r2] = c20; c[r2 + 1] = c21; c[r2 + 2] = c22; c[r2 + 3] = c23;
    c[r3] = c30; c[r3 + 1] = c31; c[r3 + 2] = c32; c[r3 + 3] = c33;
  } else {
    c[ci]! += c00; c[ci + 1]! += c01; c[ci + 2]! += c02; c[ci + 3]! += c03;
    c[r1]! += c10; c[r1 + 1]! += c11; c[r1 + 2]! += c12; c[r1 + 3]! += c13;
    c[r2]! += c20; c[r2 + 1]! += c21; c[r2 + 2]! += c22; c[r2 + 3]! += c23;
    c[r3]! += c30; c[r3 + 1]! += c31; c[r3 + 2]! += c32; c[r3 + 3]! += c33;
  }
}
