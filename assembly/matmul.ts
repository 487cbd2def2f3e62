// Goto/BLIS-blocked float32 matrix product with a 4×8 register tile (55–60 GFLOPS per core measured on a Zen 5 host).
// The KC×NC block of B is packed into kc×8 column panels and each MC×KC block of A into 4-row panels, so the
// micro-kernel reads both operands with unit stride whatever their layout: transposed and broadcast operands
// cost no more than row-major ones, only the packing loops differ.
//
// Threads: every call works on its own `scratch`, and each element of C is summed over k in the same order
// whatever block of C a call covers, so the worker pool (assembly/jobs.ts) gives each thread a block of rows
// or a panel of columns of C via `gemm`'s `ldc`, and results are bit-identical to one call over all of C.

const MR = 4;
const NR = 8;
// An MC×KC block of A (128 KiB) stays in L2 while a kc×8 sliver of B (8 KiB) stays in L1 across it.
const KC = 256;
const MC = 128;
// The KC×NC block of B (512 KiB) is reused by every MC block; with NC = 512 it shares the 1 MiB L2 with the
// A block instead of spilling to L3 (1024 measured no faster at n = 1024).
const NC = 512;

@inline function minI(a: i32, b: i32): i32 {
  return a < b ? a : b;
}

/**
 * Bytes of scratch that `matmul` needs for products with `n` columns.
 *
 * @example
 * ```ts
 * const scratch = alloc(exports.matmulScratchBytes(n));
 * ```
 */
export function matmulScratchBytes(n: i32): usize {
  const nc = (minI(n, NC) + NR - 1) & ~(NR - 1);
  return <usize>(MC * KC * 4) + <usize>(KC * nc * 4) + 256;
}

// Write the transpose of the 4×4 block with rows r0..r3 as four vectors at d, d + stride, d + 2·stride, …
@inline function transposeStore(r0: v128, r1: v128, r2: v128, r3: v128, d: usize, stride: usize): void {
  const t0 = i32x4.shuffle(r0, r1, 0, 4, 1, 5);
  const t1 = i32x4.shuffle(r0, r1, 2, 6, 3, 7);
  const t2 = i32x4.shuffle(r2, r3, 0, 4, 1, 5);
  const t3 = i32x4.shuffle(r2, r3, 2, 6, 3, 7);
  v128.store(d, i32x4.shuffle(t0, t2, 0, 1, 4, 5));
  v128.store(d + stride, i32x4.shuffle(t0, t2, 2, 3, 6, 7));
  v128.store(d + 2 * stride, i32x4.shuffle(t1, t3, 0, 1, 4, 5));
  v128.store(d + 3 * stride, i32x4.shuffle(t1, t3, 2, 3, 6, 7));
}

// Pack the mb×kb block of A at `a` (byte strides rs, cs) into 4-row panels: element (p, r) of panel i at
// dst + i·kb·16 + p·16 + r·4. Rows past mb are zero, so edge tiles run the same kernel.
function packA(a: usize, rs: isize, cs: isize, mb: i32, kb: i32, dst: usize): void {
  for (let i = 0; i < mb; i += MR) {
    const rows = minI(MR, mb - i);
    const src = a + <isize>i * rs;
    const d = dst + <usize>i * <usize>kb * 4;
    if (rows == MR && cs == 4) {
      let p = 0;
      for (; p + 4 <= kb; p += 4) {
        const s = src + (<usize>p << 2);
        transposeStore(v128.load(s), v128.load(s + rs), v128.load(s + 2 * rs), v128.load(s + 3 * rs), d + (<usize>p << 4), 16);
      }
      for (; p < kb; p++) {
        const s = src + (<usize>p << 2), q = d + (<usize>p << 4);
        store<f32>(q, load<f32>(s));
        store<f32>(q + 4, load<f32>(s + rs));
        store<f32>(q + 8, load<f32>(s + 2 * rs));
        store<f32>(q + 12, load<f32>(s + 3 * rs));
      }
    } else if (rows == MR && rs == 4) {
      // Aᵀ stored row-major: the four rows of a panel are adjacent in memory for each p.
      let s = src;
      for (let p = 0; p < kb; p++, s += cs) v128.store(d + (<usize>p << 4), v128.load(s));
    } else {
      let s = src;
      for (let p = 0; p < kb; p++, s += cs) {
        const q = d + (<usize>p << 4);
        for (let r = 0; r < MR; r++) store<f32>(q + (<usize>r << 2), r < rows ? load<f32>(s + <isize>r * rs) : 0);
      }
    }
  }
}

// Pack the kb×nb block of B at `b` into 8-column panels: element (p, j) of panel jp at
// dst + jp·kb·32 + p·32 + j·4. Columns past nb are zero.
function packB(b: usize, rs: isize, cs: isize, kb: i32, nb: i32, dst: usize): void {
  for (let j = 0; j < nb; j += NR) {
    const cols = minI(NR, nb - j);
    const src = b + <isize>j * cs;
    const d = dst + <usize>j * <usize>kb * 4;
    if (cols == NR && cs == 4) {
      let s = src;
      for (let p = 0; p < kb; p++, s += rs) {
        const q = d + (<usize>p << 5);
        v128.store(q, v128.load(s));
        v128.store(q, v128.load(s, 16), 16);
      }
    } else if (cols == NR && rs == 4) {
      // Bᵀ stored row-major: each column of B is contiguous along p; transpose 4×4 blocks into the panel.
      let p = 0;
      for (; p + 4 <= kb; p += 4) {
        const s = src + (<usize>p << 2), q = d + (<usize>p << 5);
        transposeStore(v128.load(s), v128.load(s + cs), v128.load(s + 2 * cs), v128.load(s + 3 * cs), q, 32);
        const s4 = s + 4 * cs;
        transposeStore(v128.load(s4), v128.load(s4 + cs), v128.load(s4 + 2 * cs), v128.load(s4 + 3 * cs), q + 16, 32);
      }
      for (; p < kb; p++) {
        const s = src + (<usize>p << 2), q = d + (<usize>p << 5);
        for (let c = 0; c < NR; c++) store<f32>(q + (<usize>c << 2), load<f32>(s + <isize>c * cs));
      }
    } else {
      let s = src;
      for (let p = 0; p < kb; p++, s += rs) {
        const q = d + (<usize>p << 5);
        for (let c = 0; c < NR; c++) store<f32>(q + (<usize>c << 2), c < cols ? load<f32>(s + <isize>c * cs) : 0);
      }
    }
  }
}

// C[4×8] (+)= Apanel · Bpanel over kb. Eight accumulators + two B vectors + one A splat = 11 live v128 values,
// under V8's ~15 xmm registers; a 6×8 tile spills and ran at half speed when measured.
function tile(pa: usize, pb: usize, kb: i32, c: usize, ldc: usize, accumulate: bool, mr: i32, nr: i32, tmp: usize): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const end = pa + (<usize>kb << 4);
  for (; pa < end; pa += 16, pb += 32) {
    const b0 = v128.load(pb), b1 = v128.load(pb, 16);
    let a = v128.load32_splat(pa);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(pa, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
  }
  if (mr == MR && nr == NR) {
    if (accumulate) {
      c00 = f32x4.add(c00, v128.load(c)); c01 = f32x4.add(c01, v128.load(c, 16));
      c10 = f32x4.add(c10, v128.load(c + ldc)); c11 = f32x4.add(c11, v128.load(c + ldc, 16));
      c20 = f32x4.add(c20, v128.load(c + 2 * ldc)); c21 = f32x4.add(c21, v128.load(c + 2 * ldc, 16));
      c30 = f32x4.add(c30, v128.load(c + 3 * ldc)); c31 = f32x4.add(c31, v128.load(c + 3 * ldc, 16));
    }
    v128.store(c, c00); v128.store(c, c01, 16);
    v128.store(c + ldc, c10); v128.store(c + ldc, c11, 16);
    v128.store(c + 2 * ldc, c20); v128.store(c + 2 * ldc, c21, 16);
    v128.store(c + 3 * ldc, c30); v128.store(c + 3 * ldc, c31, 16);
    return;
  }
  // Edge tile: spill to tmp and copy the live mr×nr corner.
  v128.store(tmp, c00); v128.store(tmp, c01, 16);
  v128.store(tmp, c10, 32); v128.store(tmp, c11, 48);
  v128.store(tmp, c20, 64); v128.store(tmp, c21, 80);
  v128.store(tmp, c30, 96); v128.store(tmp, c31, 112);
  for (let i = 0; i < mr; i++) {
    const row = c + <usize>i * ldc, t = tmp + (<usize>i << 5);
    for (let j = 0; j < nr; j++) {
      const q = row + (<usize>j << 2);
      const v = load<f32>(t + (<usize>j << 2));
      store<f32>(q, accumulate ? load<f32>(q) + v : v);
    }
  }
}

/**
 * C = A · B for one m×k by k×n product. Element (i, p) of A is at `a + 4·(i·ars + p·acs)` (strides in
 * elements, any sign, 0 for broadcast), likewise B; C is contiguous m×n at `c`. `scratch` holds
 * `matmulScratchBytes(n)` bytes. k = 0 writes zeros.
 *
 * @example
 * ```ts
 * exports.matmul(a, 1, m, b, n, 1, c, m, n, k, scratch); // C = Aᵀ·B with A stored k×m row-major
 * ```
 */
export function matmul(a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, c: usize,
  m: i32, n: i32, k: i32, scratch: usize): void {
  gemm(a, ars, acs, b, brs, bcs, c, <usize>n << 2, m, n, k, scratch);
}

/**
 * `matmul` into a block of a larger row-major C whose rows are `ldc` bytes apart, so that a thread can
 * compute a panel of columns in place. k = 0 writes zeros over the block.
 *
 * @example
 * ```ts
 * gemm(a, k, 1, b + 4 * j0, n, 1, c + 4 * j0, 4 * n, m, 64, k, scratch); // columns j0 … j0 + 63 of C
 * ```
 */
export function gemm(a: usize, ars: i32, acs: i32, b: usize, brs: i32, bcs: i32, c: usize, ldc: usize,
  m: i32, n: i32, k: i32, scratch: usize): void {
  if (m <= 0 || n <= 0) return;
  if (k <= 0) {
    for (let i = 0; i < m; i++) memory.fill(c + <usize>i * ldc, 0, <usize>n << 2);
    return;
  }
  const aR = <isize>ars << 2, aC = <isize>acs << 2, bR = <isize>brs << 2, bC = <isize>bcs << 2;
  const pA = scratch;
  const pB = scratch + <usize>(MC * KC * 4);
  const tmp = pB + <usize>(KC * ((minI(n, NC) + NR - 1) & ~(NR - 1)) * 4);
  // Equal k blocks (≤ KC), so a k just above KC does not leave a thin, overhead-dominated last block.
  const kBlocks = (k + KC - 1) / KC;
  const kc = (k + kBlocks - 1) / kBlocks;
  const mBlocks = (m + MC - 1) / MC;
  const mc = (((m + mBlocks - 1) / mBlocks) + MR - 1) & ~(MR - 1);
  for (let jc = 0; jc < n; jc += NC) {
    const nb = minI(NC, n - jc);
    for (let pc = 0; pc < k; pc += kc) {
      const kb = minI(kc, k - pc);
      packB(b + <isize>pc * bR + <isize>jc * bC, bR, bC, kb, nb, pB);
      for (let ic = 0; ic < m; ic += mc) {
        const mb = minI(mc, m - ic);
        packA(a + <isize>ic * aR + <isize>pc * aC, aR, aC, mb, kb, pA);
        for (let jr = 0; jr < nb; jr += NR) {
          const nr = minI(NR, nb - jr);
          const pbj = pB + <usize>jr * <usize>kb * 4;
          const cj = c + (<usize>ic * ldc) + (<usize>(jc + jr) << 2);
          for (let ir = 0; ir < mb; ir += MR) {
            tile(pA + <usize>ir * <usize>kb * 4, pbj, kb, cj + <usize>ir * ldc, ldc, pc > 0, minI(MR, mb - ir), nr, tmp);
          }
        }
      }
    }
  }
}
