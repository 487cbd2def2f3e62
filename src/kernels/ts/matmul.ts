import type { DType, TypedArray } from '../../dtype.js';
import type { BufferHandle, MatrixOperand } from '../backend.js';
import { arrayOf } from '../cpu/memory.js';

/** A matrix operand over a typed array (what the loops below read). */
export interface ArrayOperand {
  readonly data: TypedArray;
  readonly offsets: ArrayLike<number>;
  readonly rowStride: number;
  readonly colStride: number;
}

/**
 * The backend entry: `out[b] = A[b] · B[b]` over CPU buffers (see `matmulArrays`).
 *
 * @example
 * ```ts
 * matmul('float32', { buffer: a, offsets: [0], rowStride: 3, colStride: 1 }, { buffer: b, offsets: [0], rowStride: 2, colStride: 1 }, out, 1, 2, 2, 3);
 * ```
 */
export function matmul(_dtype: DType, a: MatrixOperand, b: MatrixOperand, out: BufferHandle, batch: number, m: number, n: number, k: number): void {
  matmulArrays({ data: arrayOf(a.buffer), offsets: a.offsets, rowStride: a.rowStride, colStride: a.colStride },
    { data: arrayOf(b.buffer), offsets: b.offsets, rowStride: b.rowStride, colStride: b.colStride }, arrayOf(out), batch, m, n, k);
}

// Goto/BLIS blocking, sized for 48 KiB L1d and 1 MiB L2. A kc×NR sliver of packed B (8 KiB) stays in L1 while
// the MC×KC block of packed A (256 KiB) streams through it from L2; the KC×NC panel of B is shared by all MC
// blocks. In pure JS the micro-kernel's bounds checks and register spills, not memory, set the speed, so these
// values are forgiving as long as the slivers stay in L1 and the A block in L2.
const MR = 4;
const NR = 4;
const KC = 256;
const MC = 128;
const NC = 512;
// Below this many multiply-adds, packing and the blocking bookkeeping cost more than they save (measured
// crossover: the direct loop wins at 8×8×4 = 256, the blocked path from 8×8×8 = 512 up).
const TINY = 512;
// Float32 products accumulate in a float64 m×nc block so partial sums over kc blocks are never rounded to
// float32; nc shrinks for tall products to keep that scratch near 2 MiB.
const C_BUDGET = 1 << 18;

// Packed A and B share one module-level array. The micro-kernel reads it as a module constant, which lets V8
// embed its data pointer and length instead of re-checking two parameters' maps in every iteration (measured
// ~25% faster). Float64 packs are as fast as Float32 ones here and keep float64 inputs exact. The capacity is
// fixed because mc ≤ MC, kc ≤ KC and nc ≤ NC, with MC and NC multiples of the tile.
const B_BASE = MC * KC;
const work = new Float64Array(MC * KC + KC * NC);
// Grown on demand and kept, so steady-state calls do not allocate.
let accC = new Float64Array(0);
// Edge tiles are computed in full against the zero padding into here; only their valid part is copied out.
const edge = new Float64Array(MR * NR);

/**
 * Batched strided matrix product: `out[bi·m·n + i·n + j] = Σ_p A(bi, i, p) · B(bi, p, j)` for `bi < batch`, where
 * `A(bi, i, p) = a.data[a.offsets[bi] + i·a.rowStride + p·a.colStride]` and likewise for `B`. Any strides work:
 * transposed operands, stride-0 broadcast rows or columns, and repeated batch offsets. Float32 and float64 data
 * both accumulate in float64 and are rounded to `out`'s dtype once; `k = 0` writes zeros.
 *
 * Larger products use Goto-style blocking with packed A and B and a 4×4 register tile; tiny ones and
 * single-row or single-column ones use a direct loop.
 *
 * @example
 * ```ts
 * const a = new Float32Array([1, 2, 3, 4, 5, 6]); // 2×3, row-major
 * const b = new Float32Array([1, 0, 0, 1, 1, 1]); // 3×2, row-major
 * const out = new Float32Array(4);
 * matmulArrays(
 *   { data: a, offsets: [0], rowStride: 3, colStride: 1 },
 *   { data: b, offsets: [0], rowStride: 2, colStride: 1 },
 *   out, 1, 2, 2, 3,
 * );
 * // out = Float32Array [4, 5, 10, 11]
 * ```
 */
export function matmulArrays(
  a: ArrayOperand,
  b: ArrayOperand,
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
    const oo = bi * mn;
    // An m×1 result has the memory layout of its 1×m transpose Bᵀ·Aᵀ, which lets the 1×4 tile run across rows.
    if (direct && n === 1) directProduct(b.data, bo, b.colStride, b.rowStride, a.data, ao, a.colStride, a.rowStride, out, oo, 1, m, k);
    else if (direct) directProduct(a.data, ao, a.rowStride, a.colStride, b.data, bo, b.rowStride, b.colStride, out, oo, m, n, k);
    // A float64 result is its own accumulator.
    else if (out instanceof Float64Array) blocked(a, ao, b, bo, out, oo, n, m, n, k);
    else blockedViaF64(a, ao, b, bo, out, oo, m, n, k);
  }
}

/**
 * Unpacked product for tiny or single-row/column shapes: a 1×4 register tile reading A and B in place, so each
 * A element feeds four independent float64 sums and nothing is copied or allocated.
 */
function directProduct(
  ad: TypedArray, ao: number, ars: number, acs: number,
  bd: TypedArray, bo: number, brs: number, bcs: number,
  out: TypedArray, oo: number, m: number, n: number, k: number,
): void {
  const bcs2 = 2 * bcs, bcs3 = 3 * bcs;
  for (let i = 0; i < m; i++) {
    const ai = ao + i * ars;
    const row = oo + i * n;
    let j = 0;
    for (; j + 4 <= n; j += 4) {
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      let ap = ai;
      let bp = bo + j * bcs;
      for (let p = 0; p < k; p++) {
        const av = ad[ap]!;
        s0 += av * bd[bp]!;
        s1 += av * bd[bp + bcs]!;
        s2 += av * bd[bp + bcs2]!;
        s3 += av * bd[bp + bcs3]!;
        ap += acs;
        bp += brs;
      }
      out[row + j] = s0;
      out[row + j + 1] = s1;
      out[row + j + 2] = s2;
      out[row + j + 3] = s3;
    }
    for (; j < n; j++) {
      let s = 0;
      let ap = ai;
      let bp = bo + j * bcs;
      for (let p = 0; p < k; p++) {
        s += ad[ap]! * bd[bp]!;
        ap += acs;
        bp += brs;
      }
      out[row + j] = s;
    }
  }
}

/** Non-float64 output: the blocked product into a float64 block of columns, then one rounding per element. */
function blockedViaF64(
  a: ArrayOperand, ao: number, b: ArrayOperand, bo: number,
  out: TypedArray, oo: number, m: number, n: number, k: number,
): void {
  const ncMax = Math.min(n, Math.max(NR, Math.floor(C_BUDGET / m / NR) * NR));
  if (accC.length < m * ncMax) accC = new Float64Array(m * ncMax);
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

/** Goto-blocked product of one matrix pair into float64 `c` (row stride `ldc`, starting at `co`). */
function blocked(
  a: ArrayOperand, ao: number, b: ArrayOperand, bo: number,
  c: Float64Array, co: number, ldc: number, m: number, n: number, k: number,
): void {
  const ad = a.data, ars = a.rowStride, acs = a.colStride;
  const bd = b.data, brs = b.rowStride, bcs = b.colStride;
  for (let jc = 0; jc < n; jc += NC) {
    const nc = Math.min(NC, n - jc);
    for (let pc = 0; pc < k; pc += KC) {
      const kc = Math.min(KC, k - pc);
      packPanelB(bd, bo + pc * brs + jc * bcs, brs, bcs, kc, nc);
      // The first kc block overwrites `c`, so it needs no zeroing beforehand.
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
  const dst = work;
  let d = B_BASE;
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
  const dst = work;
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

/** All MR×NR tiles of the packed A block against the packed B panel. */
function macroKernel(kc: number, mc: number, nc: number, c: Float64Array, co: number, ldc: number, first: boolean): void {
  for (let j0 = 0; j0 < nc; j0 += NR) {
    const bOff = B_BASE + (j0 / NR) * kc * NR;
    const nr = Math.min(NR, nc - j0);
    for (let i0 = 0; i0 < mc; i0 += MR) {
      const aOff = (i0 / MR) * kc * MR;
      const mr = Math.min(MR, mc - i0);
      const cOff = co + i0 * ldc + j0;
      if (mr === MR && nr === NR) {
        microKernel(kc, aOff, bOff, c, cOff, ldc, first);
      } else {
        microKernel(kc, aOff, bOff, edge, 0, NR, true);
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

/**
 * The 4×4 register tile over packed slivers at `ai` (A) and `bi` (B): sixteen float64 locals, one rank-1
 * update per p. Larger tiles (4×6, 4×8) spill and measured ~20% slower; 4×3, 3×4, 2×6 tie with 4×4.
 */
function microKernel(kc: number, ai: number, bi: number, c: Float64Array, ci: number, ldc: number, first: boolean): void {
  const w = work;
  let c00 = 0, c01 = 0, c02 = 0, c03 = 0;
  let c10 = 0, c11 = 0, c12 = 0, c13 = 0;
  let c20 = 0, c21 = 0, c22 = 0, c23 = 0;
  let c30 = 0, c31 = 0, c32 = 0, c33 = 0;
  for (let p = 0; p < kc; p++) {
    // `| 0` keeps the index arithmetic in wrapping int32, which drops V8's overflow checks.
    const a0 = w[ai]!, a1 = w[(ai + 1) | 0]!, a2 = w[(ai + 2) | 0]!, a3 = w[(ai + 3) | 0]!;
    const b0 = w[bi]!, b1 = w[(bi + 1) | 0]!, b2 = w[(bi + 2) | 0]!, b3 = w[(bi + 3) | 0]!;
    c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
    c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
    c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
    c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
    ai = (ai + 4) | 0;
    bi = (bi + 4) | 0;
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
