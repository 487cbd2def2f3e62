import type { DType } from '../../dtype.js';
import type { BufferHandle } from '../backend.js';
import { arrayOf } from '../cpu/memory.js';

// The fused recurrent-cell kernels: one sweep over the rows applies the gates' nonlinearities and updates the state,
// where the composition of ops makes an activation per gate, a slice per part and the elementwise products, each
// with its own output (and, in backward, its own gradient).

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

/**
 * GRU cell forward: `gi`, `gh` `[rows, 3h]` (r, z, n parts of the input's and the hidden state's projections, biases
 * included), `hp` `[rows, h]`; writes `h' = (1 − z)·n + z·h` with `r = σ(gi_r + gh_r)`, `z = σ(gi_z + gh_z)`,
 * `n = tanh(gi_n + r·gh_n)` to `out` `[rows, h]`.
 *
 * @example
 * ```ts
 * gruCell('float32', gi, gh, h, out, 4, 128);
 * ```
 */
export function gruCell(_dtype: DType, gih: BufferHandle, ghh: BufferHandle, hph: BufferHandle, outh: BufferHandle, rows: number, h: number): void {
  const gi = arrayOf(gih), gh = arrayOf(ghh), hp = arrayOf(hph), out = arrayOf(outh);
  for (let r = 0; r < rows; r++) {
    const gb = 3 * h * r, sb = h * r;
    for (let j = 0; j < h; j++) {
      const rg = sigmoid(gi[gb + j]! + gh[gb + j]!), z = sigmoid(gi[gb + h + j]! + gh[gb + h + j]!);
      const n = Math.tanh(gi[gb + 2 * h + j]! + rg * gh[gb + 2 * h + j]!);
      out[sb + j] = n + z * (hp[sb + j]! - n);
    }
  }
}

/**
 * GRU cell backward: from `grad` `[rows, h]`, `gi`, `gh` and `hp`, writes `dgi` `[rows, 3h]`, `dgh` `[rows, 3h]` and
 * `dh` `[rows, h]` one after the other to `out`. With `dn' = g·(1 − z)·(1 − n²)`: `dgi_n = dn'`, `dgh_n = dn'·r`,
 * `dgi_r = dgh_r = dn'·gh_n·σ'(r)`, `dgi_z = dgh_z = g·(h − n)·σ'(z)`, `dh = g·z`.
 *
 * @example
 * ```ts
 * gruCellBackward('float32', grad, gi, gh, h, out, 4, 128);
 * ```
 */
export function gruCellBackward(_dtype: DType, gradh: BufferHandle, gih: BufferHandle, ghh: BufferHandle, hph: BufferHandle, outh: BufferHandle,
  rows: number, h: number): void {
  const grad = arrayOf(gradh), gi = arrayOf(gih), gh = arrayOf(ghh), hp = arrayOf(hph), out = arrayOf(outh);
  const ghOff = 3 * rows * h, dhOff = 6 * rows * h;
  for (let r = 0; r < rows; r++) {
    const gb = 3 * h * r, sb = h * r;
    for (let j = 0; j < h; j++) {
      const rg = sigmoid(gi[gb + j]! + gh[gb + j]!), z = sigmoid(gi[gb + h + j]! + gh[gb + h + j]!);
      const ghn = gh[gb + 2 * h + j]!;
      const n = Math.tanh(gi[gb + 2 * h + j]! + rg * ghn);
      const g = grad[sb + j]!, hj = hp[sb + j]!;
      const dn = g * (1 - z) * (1 - n * n);
      const dr = dn * ghn * rg * (1 - rg), dz = g * (hj - n) * z * (1 - z);
      out[gb + j] = dr;
      out[gb + h + j] = dz;
      out[gb + 2 * h + j] = dn;
      out[ghOff + gb + j] = dr;
      out[ghOff + gb + h + j] = dz;
      out[ghOff + gb + 2 * h + j] = dn * rg;
      out[dhOff + sb + j] = g * z;
    }
  }
}
