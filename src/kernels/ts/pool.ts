import type { DType, TypedArray } from '../../dtype.js';
import type { BufferHandle, ConvGeometry } from '../backend.js';
import { arrayOf } from '../cpu/memory.js';

/**
 * The divisor of average-pooling window (y, x), and the window's rows [h0, h1) and columns [w0, w1) clipped to the
 * input, as PyTorch computes them: the window is first clipped to the padded input (its size is the divisor with
 * `countIncludePad`), then to the input (its size is the divisor without). `divisor` overrides both when not 0.
 */
function avgWindow(g: ConvGeometry, y: number, x: number, countIncludePad: boolean, divisor: number): [number, number, number, number, number] {
  let h0 = y * g.sh - g.ph, w0 = x * g.sw - g.pw;
  let h1 = Math.min(h0 + g.kh, g.h + g.ph), w1 = Math.min(w0 + g.kw, g.w + g.pw);
  const padded = (h1 - h0) * (w1 - w0);
  h0 = Math.max(h0, 0);
  w0 = Math.max(w0, 0);
  h1 = Math.min(h1, g.h);
  w1 = Math.min(w1, g.w);
  return [divisor !== 0 ? divisor : countIncludePad ? padded : (h1 - h0) * (w1 - w0), h0, h1, w0, w1];
}

/**
 * Every window of a geometry, five numbers per output position l at 5·l: the divisor, then h0, h1, w0, w1 (see
 * `avgWindow`). The WebAssembly kernels take the same table.
 *
 * @example
 * ```ts
 * avgWindows(geometry, true, 0);
 * ```
 */
export function avgWindows(g: ConvGeometry, countIncludePad: boolean, divisor: number): Int32Array {
  const out = new Int32Array(5 * g.oh * g.ow);
  for (let y = 0; y < g.oh; y++) for (let x = 0; x < g.ow; x++) out.set(avgWindow(g, y, x, countIncludePad, divisor), 5 * (y * g.ow + x));
  return out;
}

/**
 * 2-d average pooling of `planes` planes `x` `[planes, h, w]` into `out` `[planes, oh·ow]`: each output is the sum of
 * the input its window covers divided by the window's divisor (see `Backend.avgPool2d`); 0 for a window that
 * covers no input.
 *
 * @example
 * ```ts
 * avgPool2d('float32', x, out, n * c, geometry, true, 0);
 * ```
 */
export function avgPool2d(_dtype: DType, xh: BufferHandle, outh: BufferHandle, planes: number, g: ConvGeometry, countIncludePad: boolean, divisor: number): void {
  poolWindows(arrayOf(xh), arrayOf(outh), planes, g.h * g.w, g.w, avgWindows(g, countIncludePad, divisor));
}

// Each output l of each plane: the sum of its window (five numbers at 5·l of `win`, see `avgWindows`) over its divisor.
function poolWindows(x: TypedArray, out: TypedArray, planes: number, plane: number, width: number, win: Int32Array): void {
  const L = win.length / 5;
  for (let p = 0; p < planes; p++) {
    const base = p * plane;
    for (let l = 0; l < L; l++) {
      const h0 = win[5 * l + 1]!, h1 = win[5 * l + 2]!, w0 = win[5 * l + 3]!, w1 = win[5 * l + 4]!;
      let s = 0;
      for (let i = h0; i < h1; i++) for (let j = w0; j < w1; j++) s += x[base + i * width + j]!;
      out[p * L + l] = h0 >= h1 || w0 >= w1 ? 0 : s / win[5 * l]!;
    }
  }
}

// The transpose of `poolWindows`: `out` (zeroed first) gets each gradient over its divisor added over its window.
function spreadWindows(grad: TypedArray, out: TypedArray, planes: number, plane: number, width: number, win: Int32Array): void {
  const L = win.length / 5;
  out.fill(0, 0, planes * plane);
  for (let p = 0; p < planes; p++) {
    const base = p * plane;
    for (let l = 0; l < L; l++) {
      const v = grad[p * L + l]! / win[5 * l]!;
      const h0 = win[5 * l + 1]!, h1 = win[5 * l + 2]!, w0 = win[5 * l + 3]!, w1 = win[5 * l + 4]!;
      for (let i = h0; i < h1; i++) for (let j = w0; j < w1; j++) out[base + i * width + j]! += v;
    }
  }
}

/**
 * The transpose of `avgPool2d`: `out` `[planes, h, w]` (zeroed first) gets, at each input element, the sum over the
 * windows that cover it of `grad` `[planes, oh·ow]` divided by each window's divisor.
 *
 * @example
 * ```ts
 * avgPool2dBackward('float32', g, dx, n * c, geometry, true, 0);
 * ```
 */
export function avgPool2dBackward(_dtype: DType, gh: BufferHandle, outh: BufferHandle, planes: number, g: ConvGeometry, countIncludePad: boolean, divisor: number): void {
  spreadWindows(arrayOf(gh), arrayOf(outh), planes, g.h * g.w, g.w, avgWindows(g, countIncludePad, divisor));
}

/**
 * The windows of adaptive pooling from `h × w` to `oh × ow` in `avgWindows`' format (divisor, h0, h1, w0, w1 per output
 * position): output (i, j) covers rows [⌊i·h/oh⌋, ⌈(i+1)·h/oh⌉) and columns [⌊j·w/ow⌋, ⌈(j+1)·w/ow⌉), and its divisor is
 * its size. The WebAssembly kernels take the same table.
 *
 * @example
 * ```ts
 * adaptiveWindows(10, 7, 3, 3);
 * ```
 */
export function adaptiveWindows(h: number, w: number, oh: number, ow: number): Int32Array {
  const out = new Int32Array(5 * oh * ow);
  for (let i = 0; i < oh; i++) {
    const h0 = Math.floor((i * h) / oh), h1 = Math.ceil(((i + 1) * h) / oh);
    for (let j = 0; j < ow; j++) {
      const w0 = Math.floor((j * w) / ow), w1 = Math.ceil(((j + 1) * w) / ow);
      out.set([(h1 - h0) * (w1 - w0), h0, h1, w0, w1], 5 * (i * ow + j));
    }
  }
  return out;
}

/**
 * Adaptive average pooling of `planes` planes `x` `[planes, h, w]` into `out` `[planes, oh·ow]`: each output is the mean
 * of its window (see `adaptiveWindows`).
 *
 * @example
 * ```ts
 * adaptiveAvgPool2d('float32', x, out, n * c, 10, 10, 3, 3);
 * ```
 */
export function adaptiveAvgPool2d(_dtype: DType, xh: BufferHandle, outh: BufferHandle, planes: number, h: number, w: number, oh: number, ow: number): void {
  poolWindows(arrayOf(xh), arrayOf(outh), planes, h * w, w, adaptiveWindows(h, w, oh, ow));
}

/**
 * The transpose of `adaptiveAvgPool2d`: `out` `[planes, h, w]` (zeroed first) gets, at each input element, the sum over
 * the windows that cover it of `grad` `[planes, oh·ow]` divided by each window's size.
 *
 * @example
 * ```ts
 * adaptiveAvgPool2dBackward('float32', g, dx, n * c, 10, 10, 3, 3);
 * ```
 */
export function adaptiveAvgPool2dBackward(_dtype: DType, gh: BufferHandle, outh: BufferHandle, planes: number, h: number, w: number, oh: number,
  ow: number): void {
  spreadWindows(arrayOf(gh), arrayOf(outh), planes, h * w, w, adaptiveWindows(h, w, oh, ow));
}

/**
 * Adaptive max pooling of `planes` planes `x` `[planes, h, w]` to `oh × ow`: output (i, j) is the maximum over rows
 * [⌊i·h/oh⌋, ⌈(i+1)·h/oh⌉) and columns [⌊j·w/ow⌋, ⌈(j+1)·w/ow⌉); `indices` (int32, `[planes, oh·ow]`) gets its position
 * `ih·w + iw` in the plane. The first maximum wins ties, and NaN wins over everything, as in PyTorch.
 *
 * @example
 * ```ts
 * adaptiveMaxPool2d('float32', x, indices, n * c, 7, 7, 1, 1);
 * ```
 */
export function adaptiveMaxPool2d(_dtype: DType, xh: BufferHandle, indicesh: BufferHandle, planes: number, h: number, w: number, oh: number, ow: number): void {
  const x = arrayOf(xh), arg = arrayOf(indicesh);
  const plane = h * w, L = oh * ow;
  for (let i = 0; i < oh; i++) {
    const h0 = Math.floor((i * h) / oh), h1 = Math.ceil(((i + 1) * h) / oh);
    for (let j = 0; j < ow; j++) {
      const w0 = Math.floor((j * w) / ow), w1 = Math.ceil(((j + 1) * w) / ow);
      for (let p = 0; p < planes; p++) {
        const base = p * plane;
        let best = -Infinity, at = -1;
        scan: for (let r = h0; r < h1; r++) {
          for (let c = w0; c < w1; c++) {
            const v = x[base + r * w + c]!;
            if (v > best || v !== v || at < 0) {
              best = v;
              at = r * w + c;
              if (v !== v) break scan;
            }
          }
        }
        arg[p * L + i * ow + j] = at;
      }
    }
  }
}
