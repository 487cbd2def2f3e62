// The fused recurrent cells over float32 rows, four lanes at a time: one pass applies the gates' nonlinearities
// (vmath's sigmoid4/tanh4, the same functions the unary kernels run) and updates the state. Each lane computes
// exactly the float32 operations of the composition of ops, in the same order, so the forward agrees with the
// unfused ops of this module bit for bit. A row whose hidden size is not a multiple of 4 ends with one step
// on a copy of its last elements in a static scratch area, so nothing is read or written outside the operands'
// rows.

import { sigmoid4, splatOne, tanh4 } from './vmath';

// Sixteen 4-lane slots for the tail step's operands and results (at most eight inputs and five outputs).
const SCRATCH = memory.data(16 * 16, 16);

@inline function slot(k: i32): usize {
  return SCRATCH + (<usize>k << 4);
}

/** Copy `k` floats (k < 4) from `src` into scratch slot `s`. */
@inline function stash(s: i32, src: usize, k: usize): usize {
  memory.copy(slot(s), src, k << 2);
  return slot(s);
}

// One LSTM step on four lanes: gates i, f, g, o and c at the given addresses, h' and c' stored.
@inline function lstm4(pi: usize, pf: usize, pg: usize, po: usize, pc: usize, oh: usize, oc: usize): void {
  const i = sigmoid4(v128.load(pi)), f = sigmoid4(v128.load(pf));
  const g = tanh4(v128.load(pg)), o = sigmoid4(v128.load(po));
  const c1 = f32x4.add(f32x4.mul(f, v128.load(pc)), f32x4.mul(i, g));
  v128.store(oh, f32x4.mul(o, tanh4(c1)));
  v128.store(oc, c1);
}

/**
 * LSTM cell forward (see `Backend.lstmCell`): `gates` `[rows, 4h]`, `c` `[rows, h]`; writes `h'` to `out[0, rows·h)`
 * and `c'` to `out[rows·h, 2·rows·h)`.
 *
 * @example
 * ```ts
 * exports.lstmCell(gates, c, out, 4, 128);
 * ```
 */
export function lstmCell(gates: usize, c: usize, out: usize, rows: i32, h: i32): void {
  const hb = <usize>h << 2, h4 = <usize>(h & ~3) << 2, k = <usize>(h & 3);
  const cOut = out + <usize>rows * hb;
  for (let r = 0; r < rows; r++) {
    const g = gates + <usize>r * hb * 4, s = <usize>r * hb;
    for (let j: usize = 0; j < h4; j += 16) {
      lstm4(g + j, g + hb + j, g + 2 * hb + j, g + 3 * hb + j, c + s + j, out + s + j, cOut + s + j);
    }
    if (k > 0) {
      lstm4(stash(0, g + h4, k), stash(1, g + hb + h4, k), stash(2, g + 2 * hb + h4, k), stash(3, g + 3 * hb + h4, k),
        stash(4, c + s + h4, k), slot(5), slot(6));
      memory.copy(out + s + h4, slot(5), k << 2);
      memory.copy(cOut + s + h4, slot(6), k << 2);
    }
  }
}

// One LSTM backward step on four lanes (the TS kernel's formulas, operation for operation).
@inline function lstmBack4(pgh: usize, pgc: usize, pi: usize, pf: usize, pg: usize, po: usize, pc: usize,
  di: usize, df: usize, dg: usize, dout: usize, dc: usize): void {
  const one = splatOne();
  const i = sigmoid4(v128.load(pi)), f = sigmoid4(v128.load(pf));
  const g = tanh4(v128.load(pg)), o = sigmoid4(v128.load(po));
  const cj = v128.load(pc);
  const tc = tanh4(f32x4.add(f32x4.mul(f, cj), f32x4.mul(i, g)));
  const gh = v128.load(pgh);
  const gc = f32x4.add(v128.load(pgc), f32x4.mul(f32x4.mul(gh, o), f32x4.sub(one, f32x4.mul(tc, tc))));
  v128.store(di, f32x4.mul(f32x4.mul(f32x4.mul(gc, g), i), f32x4.sub(one, i)));
  v128.store(df, f32x4.mul(f32x4.mul(f32x4.mul(gc, cj), f), f32x4.sub(one, f)));
  v128.store(dg, f32x4.mul(f32x4.mul(gc, i), f32x4.sub(one, f32x4.mul(g, g))));
  v128.store(dout, f32x4.mul(f32x4.mul(f32x4.mul(gh, tc), o), f32x4.sub(one, o)));
  v128.store(dc, f32x4.mul(gc, f));
}

/**
 * LSTM cell backward (see `Backend.lstmCellBackward`): `grad` is `[gh | gc]` (`rows·h` each); writes `dgates`
 * `[rows, 4h]` then `dc` `[rows, h]` to `out`, recomputing the activations.
 *
 * @example
 * ```ts
 * exports.lstmCellBackward(grad, gates, c, out, 4, 128);
 * ```
 */
export function lstmCellBackward(grad: usize, gates: usize, c: usize, out: usize, rows: i32, h: i32): void {
  const hb = <usize>h << 2, h4 = <usize>(h & ~3) << 2, k = <usize>(h & 3);
  const n = <usize>rows * hb, dcOut = out + 4 * n;
  for (let r = 0; r < rows; r++) {
    const g = gates + <usize>r * hb * 4, d = out + <usize>r * hb * 4, s = <usize>r * hb;
    for (let j: usize = 0; j < h4; j += 16) {
      lstmBack4(grad + s + j, grad + n + s + j, g + j, g + hb + j, g + 2 * hb + j, g + 3 * hb + j, c + s + j,
        d + j, d + hb + j, d + 2 * hb + j, d + 3 * hb + j, dcOut + s + j);
    }
    if (k > 0) {
      lstmBack4(stash(0, grad + s + h4, k), stash(1, grad + n + s + h4, k), stash(2, g + h4, k), stash(3, g + hb + h4, k),
        stash(4, g + 2 * hb + h4, k), stash(5, g + 3 * hb + h4, k), stash(6, c + s + h4, k),
        slot(7), slot(8), slot(9), slot(10), slot(11));
      for (let q = 0; q < 4; q++) memory.copy(d + <usize>q * hb + h4, slot(7 + q), k << 2);
      memory.copy(dcOut + s + h4, slot(11), k << 2);
    }
  }
}

// One GRU step on four lanes: h' = n + z·(h − n).
@inline function gru4(ir: usize, iz: usize, inn: usize, hr: usize, hz: usize, hn: usize, ph: usize, oh: usize): void {
  const r = sigmoid4(f32x4.add(v128.load(ir), v128.load(hr)));
  const z = sigmoid4(f32x4.add(v128.load(iz), v128.load(hz)));
  const n = tanh4(f32x4.add(v128.load(inn), f32x4.mul(r, v128.load(hn))));
  v128.store(oh, f32x4.add(n, f32x4.mul(z, f32x4.sub(v128.load(ph), n))));
}

/**
 * GRU cell forward (see `Backend.gruCell`): `gi`, `gh` `[rows, 3h]` (r, z, n), `hp` `[rows, h]`; writes `h'` to `out`
 * `[rows, h]`.
 *
 * @example
 * ```ts
 * exports.gruCell(gi, gh, hp, out, 4, 128);
 * ```
 */
export function gruCell(gi: usize, gh: usize, hp: usize, out: usize, rows: i32, h: i32): void {
  const hb = <usize>h << 2, h4 = <usize>(h & ~3) << 2, k = <usize>(h & 3);
  for (let r = 0; r < rows; r++) {
    const a = gi + <usize>r * hb * 3, b = gh + <usize>r * hb * 3, s = <usize>r * hb;
    for (let j: usize = 0; j < h4; j += 16) {
      gru4(a + j, a + hb + j, a + 2 * hb + j, b + j, b + hb + j, b + 2 * hb + j, hp + s + j, out + s + j);
    }
    if (k > 0) {
      gru4(stash(0, a + h4, k), stash(1, a + hb + h4, k), stash(2, a + 2 * hb + h4, k), stash(3, b + h4, k), stash(4, b + hb + h4, k),
        stash(5, b + 2 * hb + h4, k), stash(6, hp + s + h4, k), slot(7));
      memory.copy(out + s + h4, slot(7), k << 2);
    }
  }
}

// One GRU backward step on four lanes (the TS kernel's formulas): dgi_r, dgi_z, dgi_n, dgh_n and dh stored
// (dgh_r = dgi_r and dgh_z = dgi_z are stored by the caller from the same values).
@inline function gruBack4(ir: usize, iz: usize, inn: usize, hr: usize, hz: usize, hn: usize, ph: usize, pg: usize,
  dr: usize, dz: usize, dn: usize, dhn: usize, dh: usize): void {
  const one = splatOne();
  const r = sigmoid4(f32x4.add(v128.load(ir), v128.load(hr)));
  const z = sigmoid4(f32x4.add(v128.load(iz), v128.load(hz)));
  const ghn = v128.load(hn);
  const n = tanh4(f32x4.add(v128.load(inn), f32x4.mul(r, ghn)));
  const g = v128.load(pg), hj = v128.load(ph);
  const dnv = f32x4.mul(f32x4.mul(g, f32x4.sub(one, z)), f32x4.sub(one, f32x4.mul(n, n)));
  v128.store(dr, f32x4.mul(f32x4.mul(f32x4.mul(dnv, ghn), r), f32x4.sub(one, r)));
  v128.store(dz, f32x4.mul(f32x4.mul(f32x4.mul(g, f32x4.sub(hj, n)), z), f32x4.sub(one, z)));
  v128.store(dn, dnv);
  v128.store(dhn, f32x4.mul(dnv, r));
  v128.store(dh, f32x4.mul(g, z));
}

/**
 * GRU cell backward (see `Backend.gruCellBackward`): from `grad` `[rows, h]`, `gi`, `gh` and `hp`, writes `dgi`
 * `[rows, 3h]`, `dgh` `[rows, 3h]` and `dh` `[rows, h]` one after the other to `out`, recomputing the gates.
 *
 * @example
 * ```ts
 * exports.gruCellBackward(grad, gi, gh, hp, out, 4, 128);
 * ```
 */
export function gruCellBackward(grad: usize, gi: usize, gh: usize, hp: usize, out: usize, rows: i32, h: i32): void {
  const hb = <usize>h << 2, h4 = <usize>(h & ~3) << 2, k = <usize>(h & 3);
  const ghOut = out + 3 * <usize>rows * hb, dhOut = out + 6 * <usize>rows * hb;
  for (let r = 0; r < rows; r++) {
    const row3 = <usize>r * hb * 3, a = gi + row3, b = gh + row3, s = <usize>r * hb;
    const d = out + row3, e = ghOut + row3;
    for (let j: usize = 0; j < h4; j += 16) {
      gruBack4(a + j, a + hb + j, a + 2 * hb + j, b + j, b + hb + j, b + 2 * hb + j, hp + s + j, grad + s + j,
        d + j, d + hb + j, d + 2 * hb + j, e + 2 * hb + j, dhOut + s + j);
      v128.store(e + j, v128.load(d + j));
      v128.store(e + hb + j, v128.load(d + hb + j));
    }
    if (k > 0) {
      gruBack4(stash(0, a + h4, k), stash(1, a + hb + h4, k), stash(2, a + 2 * hb + h4, k), stash(3, b + h4, k), stash(4, b + hb + h4, k),
        stash(5, b + 2 * hb + h4, k), stash(6, hp + s + h4, k), stash(7, grad + s + h4, k), slot(8), slot(9), slot(10), slot(11), slot(12));
      const kb = k << 2;
      memory.copy(d + h4, slot(8), kb);
      memory.copy(d + hb + h4, slot(9), kb);
      memory.copy(d + 2 * hb + h4, slot(10), kb);
      memory.copy(e + h4, slot(8), kb);
      memory.copy(e + hb + h4, slot(9), kb);
      memory.copy(e + 2 * hb + h4, slot(11), kb);
      memory.copy(dhOut + s + h4, slot(12), kb);
    }
  }
}
