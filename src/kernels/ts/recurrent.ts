import type { DType } from '../../dtype.js';
import type { BufferHandle } from '../backend.js';
import { arrayOf } from '../cpu/memory.js';

// The fused recurrent-cell kernels: one sweep over the rows applies the four gates' nonlinearities and updates the
// state, where the composition of ops makes four activations, four slices and five elementwise products, each with
// its own output (and, in backward, its own gradient).

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * LSTM cell forward: `gates` `[rows, 4h]` (i, f, g, o pre-activations), `c` `[rows, h]`; writes `h'` to
 * `out[0 : rows·h]` and `c'` to `out[rows·h : 2·rows·h]`, with `c' = σ(f)·c + σ(i)·tanh(g)`, `h' = σ(o)·tanh(c')`.
 *
 * @example
 * ```ts
 * lstmCell('float32', gates, c, out, 4, 128);
 * ```
 */
export function lstmCell(_dtype: DType, gatesh: BufferHandle, ch: BufferHandle, outh: BufferHandle, rows: number, h: number): void {
  const gates = arrayOf(gatesh), c = arrayOf(ch), out = arrayOf(outh);
  const cOff = rows * h;
  for (let r = 0; r < rows; r++) {
    const gb = 4 * h * r, sb = h * r;
    for (let j = 0; j < h; j++) {
      const i = sigmoid(gates[gb + j]!), f = sigmoid(gates[gb + h + j]!);
      const g = Math.tanh(gates[gb + 2 * h + j]!), o = sigmoid(gates[gb + 3 * h + j]!);
      const c1 = f * c[sb + j]! + i * g;
      out[sb + j] = o * Math.tanh(c1);
      out[cOff + sb + j] = c1;
    }
  }
}

/**
 * LSTM cell backward: from `grad` (`gh` then `gc`, `rows·h` each), the gates' pre-activations and `c`, writes
 * `dgates` `[rows, 4h]` then `dc` `[rows, h]` to `out`. With `gc' = gc + gh·σ(o)·(1 − tanh²c')`:
 * `di = gc'·tanh(g)·σ'(i)`, `df = gc'·c·σ'(f)`, `dg = gc'·σ(i)·(1 − tanh²g)`, `do = gh·tanh(c')·σ'(o)`, `dc = gc'·σ(f)`.
 *
 * @example
 * ```ts
 * lstmCellBackward('float32', grad, gates, c, out, 4, 128);
 * ```
 */
export function lstmCellBackward(_dtype: DType, gradh: BufferHandle, gatesh: BufferHandle, ch: BufferHandle, outh: BufferHandle,
  rows: number, h: number): void {
  const grad = arrayOf(gradh), gates = arrayOf(gatesh), c = arrayOf(ch), out = arrayOf(outh);
  const n = rows * h, dcOff = 4 * n;
  for (let r = 0; r < rows; r++) {
    const gb = 4 * h * r, sb = h * r;
    for (let j = 0; j < h; j++) {
      const i = sigmoid(gates[gb + j]!), f = sigmoid(gates[gb + h + j]!);
      const g = Math.tanh(gates[gb + 2 * h + j]!), o = sigmoid(gates[gb + 3 * h + j]!);
      const cj = c[sb + j]!;
      const tc = Math.tanh(f * cj + i * g);
      const gh = grad[sb + j]!;
      const gc = grad[n + sb + j]! + gh * o * (1 - tc * tc);
      out[gb + j] = gc * g * i * (1 - i);
      out[gb + h + j] = gc * cj * f * (1 - f);
      out[gb + 2 * h + j] = gc * i * (1 - g * g);
      out[gb + 3 * h + j] = gh * tc * o * (1 - o);
      out[dcOff + sb + j] = gc * f;
    }
  }
}
