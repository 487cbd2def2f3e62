import type { DType } from '../../dtype.js';
import type { BufferHandle, ConvGeometry } from '../backend.js';
import { arrayOf } from '../cpu/memory.js';
import { tsBackend } from '../ts/index.js';
import { adaptiveWindows, avgWindows } from '../ts/pool.js';
import { padded } from './arena.js';
import { stage } from './stage.js';
import { wasmTuning } from './tuning.js';

// Average pooling and its transpose in wasm: one pass over each plane, driven by the windows' table (divisor and
// clipped bounds per output position, from the TS kernels so the two agree). `fallback` runs the TS kernel.
function windowPool(backward: boolean, dtype: DType, src: BufferHandle, outh: BufferHandle, planes: number, h: number, w: number,
  table: () => Int32Array, fallback: () => void): void {
  const plane = h * w;
  if (dtype !== 'float32' || planes * plane < wasmTuning.minReduce) {
    fallback();
    return;
  }
  const win = table(), len = win.length / 5;
  const inN = planes * (backward ? len : plane), outN = planes * (backward ? plane : len);
  const got = stage(false, () => padded(inN * 4) + padded(len * 20) + padded(outN * 4));
  if (!got) {
    fallback();
    return;
  }
  const { ar } = got;
  const px = ar.put((arrayOf(src) as Float32Array).subarray(0, inN)), pw = ar.put(win);
  const po = ar.alloc(outN * 4);
  if (backward) ar.ex.avgPool2dBackward(px, pw, po, planes, plane, w, len);
  else ar.ex.avgPool2d(px, pw, po, planes, plane, w, len);
  ar.get(po, arrayOf(outh) as Float32Array, outN);
}

function avgPool(backward: boolean, dtype: DType, src: BufferHandle, outh: BufferHandle, planes: number, g: ConvGeometry, countIncludePad: boolean,
  divisor: number): void {
  windowPool(backward, dtype, src, outh, planes, g.h, g.w, () => avgWindows(g, countIncludePad, divisor), () => {
    if (backward) tsBackend.avgPool2dBackward(dtype, src, outh, planes, g, countIncludePad, divisor);
    else tsBackend.avgPool2d(dtype, src, outh, planes, g, countIncludePad, divisor);
  });
}

/**
 * float32 2-d average pooling in wasm (see `Backend.avgPool2d`).
 *
 * @example
 * ```ts
 * avgPool2d('float32', x, out, n * c, geometry, true, 0);
 * ```
 */
export function avgPool2d(dtype: DType, x: BufferHandle, out: BufferHandle, planes: number, g: ConvGeometry, countIncludePad: boolean, divisor: number): void {
  avgPool(false, dtype, x, out, planes, g, countIncludePad, divisor);
}

/**
 * float32 transpose of average pooling in wasm (see `Backend.avgPool2dBackward`).
 *
 * @example
 * ```ts
 * avgPool2dBackward('float32', grad, dx, n * c, geometry, true, 0);
 * ```
 */
export function avgPool2dBackward(dtype: DType, grad: BufferHandle, out: BufferHandle, planes: number, g: ConvGeometry, countIncludePad: boolean,
  divisor: number): void {
  avgPool(true, dtype, grad, out, planes, g, countIncludePad, divisor);
}

/**
 * float32 adaptive max pooling in wasm (see `Backend.adaptiveMaxPool2d`): the position of each window's maximum,
 * plane by plane, over the adaptive windows' table.
 *
 * @example
 * ```ts
 * adaptiveMaxPool2d('float32', x, indices, n * c, 14, 14, 7, 7);
 * ```
 */
export function adaptiveMaxPool2d(dtype: DType, xh: BufferHandle, indicesh: BufferHandle, planes: number, h: number, w: number, oh: number,
  ow: number): void {
  const inN = planes * h * w, outN = planes * oh * ow;
  const got = dtype !== 'float32' || inN < wasmTuning.minReduce ? null
    : stage(false, () => padded(inN * 4) + padded(oh * ow * 20) + padded(outN * 4));
  if (!got) {
    tsBackend.adaptiveMaxPool2d(dtype, xh, indicesh, planes, h, w, oh, ow);
    return;
  }
  const { ar } = got;
  const px = ar.put((arrayOf(xh) as Float32Array).subarray(0, inN)), pw = ar.put(adaptiveWindows(h, w, oh, ow)), pi = ar.alloc(outN * 4);
  ar.ex.adaptiveMaxPool2d(px, pw, pi, planes, h, w, oh * ow);
  ar.get(pi, arrayOf(indicesh) as Int32Array, outN);
}

/**
 * float32 adaptive average pooling in wasm (see `Backend.adaptiveAvgPool2d`): the average-pooling kernel over the
 * adaptive windows.
 *
 * @example
 * ```ts
 * adaptiveAvgPool2d('float32', x, out, n * c, 10, 10, 3, 3);
 * ```
 */
export function adaptiveAvgPool2d(dtype: DType, x: BufferHandle, out: BufferHandle, planes: number, h: number, w: number, oh: number, ow: number): void {
  windowPool(false, dtype, x, out, planes, h, w, () => adaptiveWindows(h, w, oh, ow),
    () => tsBackend.adaptiveAvgPool2d(dtype, x, out, planes, h, w, oh, ow));
}

/**
 * float32 transpose of adaptive average pooling in wasm (see `Backend.adaptiveAvgPool2dBackward`).
 *
 * @example
 * ```ts
 * adaptiveAvgPool2dBackward('float32', grad, dx, n * c, 10, 10, 3, 3);
 * ```
 */
export function adaptiveAvgPool2dBackward(dtype: DType, grad: BufferHandle, out: BufferHandle, planes: number, h: number, w: number, oh: number,
  ow: number): void {
  windowPool(true, dtype, grad, out, planes, h, w, () => adaptiveWindows(h, w, oh, ow),
    () => tsBackend.adaptiveAvgPool2dBackward(dtype, grad, out, planes, h, w, oh, ow));
}
