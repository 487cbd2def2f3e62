import type { DType, TypedArray } from '../../dtype.js';
import type { BufferHandle, ConvGeometry } from '../backend.js';
import { arrayOf } from '../cpu/memory.js';
import { matmulArrays } from './matmul.js';

// The last few window maps, by geometry: a network calls the same convolutions every step, and backends may
// derive and cache their own plans per map (the WebAssembly backend keeps its runs of consecutive indices).
const windowCache = new Map<string, Int32Array>();
const WINDOW_CACHE_SIZE = 16;

/**
 * The window map of a geometry: for each (kernel offset k, output position l), at `k·oh·ow + l`, the input
 * index `ih·w + iw` within a plane that the window reads there, or -1 where it reaches into the padding. Cached
 * per geometry, so a caller must not write into it.
 *
 * @example
 * ```ts
 * windowIndex({ h: 4, w: 4, kh: 2, kw: 2, sh: 2, sw: 2, ph: 0, pw: 0, dh: 1, dw: 1, oh: 2, ow: 2 }); // 16 indices
 * ```
 */
export function windowIndex(g: ConvGeometry): Int32Array {
  const key = `${g.h},${g.w},${g.kh},${g.kw},${g.sh},${g.sw},${g.ph},${g.pw},${g.dh},${g.dw}`;
  let hit = windowCache.get(key);
  if (hit === undefined) {
    hit = buildWindowIndex(g);
    if (windowCache.size >= WINDOW_CACHE_SIZE) windowCache.delete(windowCache.keys().next().value!);
    windowCache.set(key, hit);
  }
  return hit;
}

function buildWindowIndex({ h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow }: ConvGeometry): Int32Array {
  const L = oh * ow;
  const index = new Int32Array(kh * kw * L);
  for (let ki = 0; ki < kh; ki++) {
    for (let kj = 0; kj < kw; kj++) {
      const row = (ki * kw + kj) * L;
      for (let y = 0; y < oh; y++) {
        const ih = y * sh - ph + ki * dh;
        for (let x = 0; x < ow; x++) {
          const iw = x * sw - pw + kj * dw;
          index[row + y * ow + x] = ih >= 0 && ih < h && iw >= 0 && iw < w ? ih * w + iw : -1;
        }
      }
    }
  }
  return index;
}

/**
 * im2col over `blocks` planes of typed arrays: `out[b·len + r] = x[b·plane + index[r]]`, 0 where `index[r]` is -1.
 *
 * @example
 * ```ts
 * unfoldArrays(x, 0, windowIndex(g), out, n * c, h * w, kh * kw * oh * ow);
 * ```
 */
export function unfoldArrays(x: TypedArray, offset: number, index: Int32Array, out: TypedArray, blocks: number, plane: number, len: number): void {
  for (let b = 0; b < blocks; b++) {
    const inBase = offset + b * plane, outBase = b * len;
    for (let r = 0; r < len; r++) {
      const i = index[r]!;
      out[outBase + r] = i >= 0 ? x[inBase + i]! : 0;
    }
  }
}

/**
 * im2col (the backend entry): `x` `[blocks, h, w]` from `offset` into `out` `[blocks, kh·kw, oh·ow]`.
 *
 * @example
 * ```ts
 * unfold('float32', x, 0, out, n * c, geometry);
 * ```
 */
export function unfold(_dtype: DType, x: BufferHandle, offset: number, out: BufferHandle, blocks: number, g: ConvGeometry): void {
  unfoldArrays(arrayOf(x), offset, windowIndex(g), arrayOf(out), blocks, g.h * g.w, g.kh * g.kw * g.oh * g.ow);
}

/**
 * col2im, unfold's transpose: zero `out`, then `out[b·plane + index[r]] += cols[b·len + r]` in order of r.
 *
 * @example
 * ```ts
 * fold('float32', cols, 0, out, n * c, geometry);
 * ```
 */
export function fold(_dtype: DType, colsh: BufferHandle, offset: number, outh: BufferHandle, blocks: number, g: ConvGeometry): void {
  const cols = arrayOf(colsh), out = arrayOf(outh), index = windowIndex(g);
  const plane = g.h * g.w, len = g.kh * g.kw * g.oh * g.ow;
  out.fill(0, 0, blocks * plane);
  for (let b = 0; b < blocks; b++) {
    const outBase = b * plane, inBase = offset + b * len;
    for (let r = 0; r < len; r++) {
      const i = index[r]!;
      if (i >= 0) out[outBase + i]! += cols[inBase + r]!;
    }
  }
}

/**
 * 2-d convolution, image by image: unfold image b into `[c·kk, len]` columns (into `columns` when given, else a
 * scratch array), then `out[b] = weight · columns`.
 *
 * @example
 * ```ts
 * conv2d('float32', x, w, out, 32, 1, 8, geometry, null);
 * ```
 */
export function conv2d(_dtype: DType, xh: BufferHandle, wh: BufferHandle, outh: BufferHandle, n: number, c: number, o: number,
  g: ConvGeometry, columns: BufferHandle | null): void {
  const x = arrayOf(xh), weight = arrayOf(wh), out = arrayOf(outh), index = windowIndex(g);
  const plane = g.h * g.w, kk = g.kh * g.kw, len = g.oh * g.ow, ck = c * kk;
  const all = columns === null ? null : arrayOf(columns);
  // Columns of the input's own float type, for one image at a time unless the caller keeps them all.
  const scratch = all === null ? new (x.constructor as Float64ArrayConstructor)(ck * len) as TypedArray : null;
  const w = { data: weight, offsets: [0], rowStride: ck, colStride: 1 };
  for (let b = 0; b < n; b++) {
    const cols = all === null ? scratch! : all.subarray(b * ck * len, (b + 1) * ck * len);
    unfoldArrays(x, b * c * plane, index, cols, c, plane, kk * len);
    matmulArrays(w, { data: cols, offsets: [0], rowStride: len, colStride: 1 }, out.subarray(b * o * len, (b + 1) * o * len), 1, o, len, ck);
  }
}

/**
 * 2-d max pooling of `planes` planes: each output is its window's maximum (padding counts as -∞) and `indices`
 * its position in the plane. The first maximum wins ties, and NaN wins over everything, as in PyTorch.
 *
 * @example
 * ```ts
 * maxPool2d('float32', x, out, indices, n * c, geometry);
 * ```
 */
export function maxPool2d(_dtype: DType, xh: BufferHandle, outh: BufferHandle, indicesh: BufferHandle, planes: number, g: ConvGeometry): void {
  const src = arrayOf(xh), out = arrayOf(outh), arg = arrayOf(indicesh), index = windowIndex(g);
  const plane = g.h * g.w, kk = g.kh * g.kw, L = g.oh * g.ow;
  for (let b = 0; b < planes; b++) {
    const base = b * plane;
    for (let l = 0; l < L; l++) {
      let best = -Infinity, at = -1;
      for (let k = 0; k < kk; k++) {
        const i = index[k * L + l]!;
        if (i < 0) continue;
        const v = src[base + i]!;
        if (v > best || v !== v || at < 0) { best = v; at = i; if (v !== v) break; }
      }
      out[b * L + l] = best;
      arg[b * L + l] = at;
    }
  }
}
