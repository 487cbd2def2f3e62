import type { DType, TypedArray } from '../../dtype.js';
import type { BufferHandle } from '../backend.js';
import type { ReduceKernel } from '../catalog.js';
import { arrayOf } from '../cpu/memory.js';

/**
 * Reduce the middle axis of contiguous `x` read as `[outer, r, inner]` into `out` of `[outer, inner]`.
 * max/min propagate NaN and argmax/argmin point at the first NaN, as PyTorch does; ties pick the first index.
 *
 * @example
 * ```ts
 * reduce('sum', 'float32', x, 0, out, 1, 2, 2); // x = [1, 2, 3, 4] gives out = [4, 6]
 * ```
 */
export function reduce(op: ReduceKernel, _dtype: DType, xh: BufferHandle, offset: number, outh: BufferHandle, outer: number, r: number,
  inner: number): void {
  const x = arrayOf(xh), out = arrayOf(outh);
  for (let o = 0; o < outer; o++) {
    const base = offset + o * r * inner;
    for (let i = 0; i < inner; i++) {
      const start = base + i;
      out[o * inner + i] = reduceLine(op, x, start, r, inner);
    }
  }
}

function reduceLine(op: ReduceKernel, x: TypedArray, start: number, r: number, step: number): number {
  switch (op) {
    case 'sum': {
      let s = 0;
      for (let j = 0, p = start; j < r; j++, p += step) s += x[p]!;
      return s;
    }
    case 'max':
    case 'min': {
      const sign = op === 'max' ? 1 : -1;
      let best = -Infinity * sign;
      for (let j = 0, p = start; j < r; j++, p += step) {
        const v = x[p]!;
        if (v !== v) return NaN;
        if ((v - best) * sign > 0 || (r > 0 && j === 0)) best = v;
      }
      return best;
    }
    case 'argmax':
    case 'argmin': {
      const sign = op === 'argmax' ? 1 : -1;
      let best = 0, bestV = x[start]!;
      if (bestV !== bestV) return 0;
      for (let j = 1, p = start + step; j < r; j++, p += step) {
        const v = x[p]!;
        if (v !== v) return j;
        if ((v - bestV) * sign > 0) { best = j; bestV = v; }
      }
      return best;
    }
    case 'logsumexp': {
      let m = -Infinity;
      for (let j = 0, p = start; j < r; j++, p += step) {
        const v = x[p]!;
        if (v !== v) return NaN;
        if (v > m) m = v;
      }
      // An infinite max would give inf - inf = NaN below; PyTorch shifts by 0 instead.
      if (!Number.isFinite(m)) m = 0;
      let s = 0;
      for (let j = 0, p = start; j < r; j++, p += step) s += Math.exp(x[p]! - m);
      return Math.log(s) + m;
    }
  }
}

/**
 * Numerically stable softmax (or log-softmax) along the middle axis of `[outer, r, inner]`.
 *
 * @example
 * ```ts
 * softmax('float32', x, 0, out, 1, 2, 1, false); // x = [1000, 1000] gives out = [0.5, 0.5]
 * ```
 */
export function softmax(_dtype: DType, xh: BufferHandle, offset: number, outh: BufferHandle, outer: number, r: number, inner: number,
  log: boolean): void {
  const x = arrayOf(xh), out = arrayOf(outh);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const start = offset + o * r * inner + i;
      let m = -Infinity;
      for (let j = 0, p = start; j < r; j++, p += inner) if (x[p]! > m || x[p]! !== x[p]!) m = x[p]!;
      let s = 0;
      for (let j = 0, p = start; j < r; j++, p += inner) s += Math.exp(x[p]! - m);
      if (log) {
        const lse = Math.log(s);
        for (let j = 0, p = start; j < r; j++, p += inner) out[p - offset] = x[p]! - m - lse;
      } else {
        const inv = 1 / s;
        for (let j = 0, p = start; j < r; j++, p += inner) out[p - offset] = Math.exp(x[p]! - m) * inv;
      }
    }
  }
}
