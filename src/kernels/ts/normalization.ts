import type { DType } from '../../dtype.js';
import type { BatchNormStats, BufferHandle, NormMask } from '../backend.js';
import { arrayOf } from '../cpu/memory.js';

// The fused normalisation kernels: each call is one sweep per row (LayerNorm) or per channel (BatchNorm) that
// computes the statistics, normalises and applies the affine map, instead of a chain of reductions and
// elementwise ops with their intermediates. Sums accumulate in float64; the variance takes a second pass over
// the centred values (no cancellation of E[x²] − E[x]²).

/**
 * LayerNorm forward over `x` read as `[rows, m]` (contiguous from offset 0): per row, the mean and the biased
 * variance, `out = (x − mean) · rstd · weight + bias` with `rstd = 1/√(var + eps)`; `mean` and `rstd` ([rows])
 * are written for the backward. `weight` and `bias` ([m]) may be null.
 *
 * @example
 * ```ts
 * layerNorm('float32', x, w, b, out, mean, rstd, 8, 64, 1e-5);
 * ```
 */
export function layerNorm(_dtype: DType, xh: BufferHandle, wh: BufferHandle | null, bh: BufferHandle | null, outh: BufferHandle,
  meanh: BufferHandle, rstdh: BufferHandle, rows: number, m: number, eps: number): void {
  const x = arrayOf(xh), out = arrayOf(outh), meanOut = arrayOf(meanh), rstdOut = arrayOf(rstdh);
  const w = wh === null ? null : arrayOf(wh), b = bh === null ? null : arrayOf(bh);
  for (let r = 0; r < rows; r++) {
    const base = r * m;
    let s = 0;
    for (let j = 0; j < m; j++) s += x[base + j]!;
    const mean = s / m;
    let v = 0;
    for (let j = 0; j < m; j++) {
      const d = x[base + j]! - mean;
      v += d * d;
    }
    const rstd = 1 / Math.sqrt(v / m + eps);
    for (let j = 0; j < m; j++) {
      let y = (x[base + j]! - mean) * rstd;
      if (w !== null) y *= w[j]!;
      if (b !== null) y += b[j]!;
      out[base + j] = y;
    }
    meanOut[r] = mean;
    rstdOut[r] = rstd;
  }
}

/**
 * LayerNorm backward over `[rows, m]`: with `x̂ = (x − mean) · rstd` and `a = g · weight`,
 * `dx = rstd · (a − mean(a) − x̂ · mean(a · x̂))` per row, `dweight = Σ_rows g · x̂`, `dbias = Σ_rows g`, written one
 * after the other into `out`, each only where `mask` ([dx, dweight, dbias]) asks for it. Operands contiguous from 0.
 *
 * @example
 * ```ts
 * layerNormBackward('float32', g, x, mean, rstd, w, out, [true, true, true], 8, 64);
 * ```
 */
export function layerNormBackward(_dtype: DType, gh: BufferHandle, xh: BufferHandle, meanh: BufferHandle, rstdh: BufferHandle,
  wh: BufferHandle | null, outh: BufferHandle, mask: NormMask, rows: number, m: number): void {
  const g = arrayOf(gh), x = arrayOf(xh), means = arrayOf(meanh), rstds = arrayOf(rstdh), out = arrayOf(outh);
  const w = wh === null ? null : arrayOf(wh);
  const dwAt = mask[0] ? rows * m : 0, dbAt = dwAt + (mask[1] ? m : 0);
  const dw = mask[1] ? new Float64Array(m) : null, db = mask[2] ? new Float64Array(m) : null;
  for (let r = 0; r < rows; r++) {
    const base = r * m, mean = means[r]!, rstd = rstds[r]!;
    let sa = 0, sax = 0;
    for (let j = 0; j < m; j++) {
      const gj = g[base + j]!, xh_ = (x[base + j]! - mean) * rstd;
      const a = w === null ? gj : gj * w[j]!;
      sa += a;
      sax += a * xh_;
      if (dw !== null) dw[j]! += gj * xh_;
      if (db !== null) db[j]! += gj;
    }
    if (!mask[0]) continue;
    const ma = sa / m, max = sax / m;
    for (let j = 0; j < m; j++) {
      const xh_ = (x[base + j]! - mean) * rstd;
      const a = w === null ? g[base + j]! : g[base + j]! * w[j]!;
      out[base + j] = rstd * (a - ma - xh_ * max);
    }
  }
  if (dw !== null) out.set(dw, dwAt);
  if (db !== null) out.set(db, dbAt);
}

/**
 * BatchNorm forward over `x` read as `[n, c, s]` (contiguous from offset 0), per channel. With
 * `stats.training`, the statistics are the batch's (mean and biased variance over n·s values); the running
 * statistics, when given, are updated in place: `running = (1 − momentum) · running + momentum · batch`, with
 * the unbiased variance. Otherwise the running statistics are used. Writes `out = (x − mean) · invstd · weight
 * + bias` and the `mean` and `invstd` ([c]) it used.
 *
 * @example
 * ```ts
 * batchNorm('float32', x, w, b, out, mean, invstd, 4, 16, 64, { training: true, runningMean, runningVar, momentum: 0.1, eps: 1e-5 });
 * ```
 */
export function batchNorm(_dtype: DType, xh: BufferHandle, wh: BufferHandle | null, bh: BufferHandle | null, outh: BufferHandle,
  meanh: BufferHandle, invstdh: BufferHandle, n: number, c: number, s: number, stats: BatchNormStats): void {
  const x = arrayOf(xh), out = arrayOf(outh), meanOut = arrayOf(meanh), invstdOut = arrayOf(invstdh);
  const w = wh === null ? null : arrayOf(wh), b = bh === null ? null : arrayOf(bh);
  const rm = stats.runningMean === null ? null : arrayOf(stats.runningMean);
  const rv = stats.runningVar === null ? null : arrayOf(stats.runningVar);
  const count = n * s, plane = c * s;
  for (let ch = 0; ch < c; ch++) {
    let mean: number, invstd: number;
    if (stats.training) {
      let sum = 0;
      for (let i = 0; i < n; i++) {
        const base = i * plane + ch * s;
        for (let j = 0; j < s; j++) sum += x[base + j]!;
      }
      mean = sum / count;
      let v = 0;
      for (let i = 0; i < n; i++) {
        const base = i * plane + ch * s;
        for (let j = 0; j < s; j++) {
          const d = x[base + j]! - mean;
          v += d * d;
        }
      }
      invstd = 1 / Math.sqrt(v / count + stats.eps);
      const mo = stats.momentum;
      if (rm !== null) rm[ch] = (1 - mo) * rm[ch]! + mo * mean;
      if (rv !== null) rv[ch] = (1 - mo) * rv[ch]! + mo * (v / (count - 1));
    } else {
      mean = rm![ch]!;
      invstd = 1 / Math.sqrt(rv![ch]! + stats.eps);
    }
    const scale = w === null ? invstd : invstd * w[ch]!, shift = b === null ? 0 : b[ch]!;
    for (let i = 0; i < n; i++) {
      const base = i * plane + ch * s;
      for (let j = 0; j < s; j++) out[base + j] = (x[base + j]! - mean) * scale + shift;
    }
    meanOut[ch] = mean;
    invstdOut[ch] = invstd;
  }
}

/**
 * BatchNorm backward over `[n, c, s]`, per channel: with `x̂ = (x − mean) · invstd`, `dx = weight · invstd · (g −
 * mean(g) − x̂ · mean(g · x̂))` when the statistics were the batch's (`training`), else `dx = weight · invstd · g`;
 * `dweight = Σ g · x̂`, `dbias = Σ g`; written one after the other into `out`, each only where `mask` asks for it.
 *
 * @example
 * ```ts
 * batchNormBackward('float32', g, x, mean, invstd, w, out, [true, true, true], 4, 16, 64, true);
 * ```
 */
export function batchNormBackward(_dtype: DType, gh: BufferHandle, xh: BufferHandle, meanh: BufferHandle, invstdh: BufferHandle,
  wh: BufferHandle | null, outh: BufferHandle, mask: NormMask, n: number, c: number, s: number, training: boolean): void {
  const g = arrayOf(gh), x = arrayOf(xh), means = arrayOf(meanh), invstds = arrayOf(invstdh), out = arrayOf(outh);
  const w = wh === null ? null : arrayOf(wh);
  const count = n * s, plane = c * s;
  const dwAt = mask[0] ? n * plane : 0, dbAt = dwAt + (mask[1] ? c : 0);
  for (let ch = 0; ch < c; ch++) {
    const mean = means[ch]!, invstd = invstds[ch]!;
    let sg = 0, sgx = 0;
    for (let i = 0; i < n; i++) {
      const base = i * plane + ch * s;
      for (let j = 0; j < s; j++) {
        const gj = g[base + j]!;
        sg += gj;
        sgx += gj * (x[base + j]! - mean);
      }
    }
    sgx *= invstd;
    if (mask[1]) out[dwAt + ch] = sgx;
    if (mask[2]) out[dbAt + ch] = sg;
    if (!mask[0]) continue;
    const k = w === null ? invstd : invstd * w[ch]!;
    if (training) {
      const mg = sg / count, mgx = sgx / count;
      for (let i = 0; i < n; i++) {
        const base = i * plane + ch * s;
        for (let j = 0; j < s; j++) out[base + j] = k * (g[base + j]! - mg - (x[base + j]! - mean) * invstd * mgx);
      }
    } else {
      for (let i = 0; i < n; i++) {
        const base = i * plane + ch * s;
        for (let j = 0; j < s; j++) out[base + j] = k * g[base + j]!;
      }
    }
  }
}
