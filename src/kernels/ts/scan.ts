import type { DType, TypedArray } from '../../dtype.js';
import type { BufferHandle } from '../backend.js';
import type { ScanKernel } from '../catalog.js';
import { arrayOf } from '../cpu/memory.js';

const INT32_MIN = -2147483648, INT32_MAX = 2147483647;

function int32Overflow(op: ScanKernel, v: number): Error {
  return new Error(
    `${op}: the running int32 ${op === 'cumsum' ? 'sum' : 'product'} reaches ${v}, which does not fit in int32 (adjoint has no ` +
      `int64); convert to float64 first, e.g. x.to('float64').${op}(dim).`,
  );
}

/** log(eᵃ + eᵇ) without overflow; −∞ when both are −∞, NaN when either is. */
function logAddExp(a: number, b: number): number {
  const m = a > b ? a : b;
  if (m === -Infinity || m === Infinity) return a !== a || b !== b ? NaN : m;
  return m + Math.log1p(Math.exp(-Math.abs(a - b)));
}

/**
 * An inclusive scan along the middle axis of contiguous `x` read as `[outer, r, inner]`, into contiguous `out`
 * of the same shape. cumsum and cumprod accumulate in float64 (exactly for int32, throwing when a running value
 * leaves int32); logcumsumexp adds in log space; cummax/cummin write the int32 index of the running extreme,
 * taking the later index on ties and at every NaN (a NaN sticks), as PyTorch does.
 *
 * @example
 * ```ts
 * scan('cumsum', 'float32', x, 0, out, 1, 3, 1); // x = [1, 2, 3] gives out = [1, 3, 6]
 * ```
 */
export function scan(op: ScanKernel, dtype: DType, xh: BufferHandle, offset: number, outh: BufferHandle, outer: number, r: number,
  inner: number): void {
  const x = arrayOf(xh), out = arrayOf(outh);
  const exact = dtype === 'int32';
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * r * inner + i;
      scanLine(op, x, offset + base, out, base, r, inner, exact);
    }
  }
}

function scanLine(op: ScanKernel, x: TypedArray, start: number, out: TypedArray, at: number, r: number, step: number, exact: boolean): void {
  switch (op) {
    case 'cumsum': {
      let s = 0;
      for (let j = 0, p = start, q = at; j < r; j++, p += step, q += step) {
        s += x[p]!;
        if (exact && (s < INT32_MIN || s > INT32_MAX)) throw int32Overflow(op, s);
        out[q] = s;
      }
      return;
    }
    case 'cumprod': {
      let s = 1;
      for (let j = 0, p = start, q = at; j < r; j++, p += step, q += step) {
        s *= x[p]!;
        if (exact && (s < INT32_MIN || s > INT32_MAX)) throw int32Overflow(op, s);
        out[q] = s;
      }
      return;
    }
    case 'logcumsumexp': {
      let s = -Infinity;
      for (let j = 0, p = start, q = at; j < r; j++, p += step, q += step) {
        s = logAddExp(s, x[p]!);
        out[q] = s;
      }
      return;
    }
    case 'cummax':
    case 'cummin': {
      const max = op === 'cummax';
      let best = x[start]!, bi = 0;
      for (let j = 0, p = start, q = at; j < r; j++, p += step, q += step) {
        const v = x[p]!;
        if (v !== v || (best === best && (max ? v >= best : v <= best))) {
          best = v;
          bi = j;
        }
        out[q] = bi;
      }
      return;
    }
  }
}
