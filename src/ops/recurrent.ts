// The fused recurrent cells: one primitive for an LSTM step after its gate pre-activations and one for a GRU step
// after its projections (the gates' nonlinearities and the state update, where the composition costs 12–14 ops
// forward and as many backward), each with a second primitive for its backward. Each runs one backend kernel.
import { isGradEnabled } from '../autograd/grad-mode.js';
import { isFloating } from '../dtype.js';
import { fmtShape, sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { castRaw, deviceOf, packed, zerosOn, tensorArg } from './buffers.js';
import type { Caller, DifferentiableOp, NonDifferentiableOp } from './define.js';
import { INDEXING_OPS } from './indexing.js';

/** Attributes of the LSTM cell primitives: the hidden size `h` and the number of rows (batch elements). */
export interface LstmCellAttrs {
  readonly h: number;
  readonly rows: number;
}

function floatTensor(t: unknown, op: string, what: string): Tensor {
  const x = tensorArg(t, op, what);
  if (!isFloating(x.dtype)) throw new Error(`${op}: ${what} must be floating point (float32 or float64), got dtype ${x.dtype}.`);
  return x;
}

/** Check `gates` `[*, 4h]` against `c` `[*, h]`; returns the attributes. */
function cellAttrs(op: string, gates: Tensor, c: Tensor): LstmCellAttrs {
  const d = gates.ndim - 1;
  const h = c.ndim === 0 ? -1 : c.shape[c.ndim - 1]!;
  if (d < 0 || h < 0 || gates.shape[d] !== 4 * h || !sameShape(gates.shape.slice(0, d), c.shape.slice(0, -1))) {
    throw new Error(`${op}: expected gates [*, 4·h] and a cell state [*, h] with the same leading dims, got gates ${fmtShape(gates.shape)} ` +
      `and c ${fmtShape(c.shape)}.`);
  }
  if (gates.dtype !== c.dtype) throw new Error(`${op}: gates (${gates.dtype}) and c (${c.dtype}) must have the same dtype.`);
  return { h, rows: c.size / Math.max(h, 1) };
}

/** The two `[*, h]` halves of a packed `[2, *, h]` result, as views. */
function halves(p: Tensor, like: Tensor): [Tensor, Tensor] {
  return [p.narrow(0, 0, 1).reshape(like.shape), p.narrow(0, 1, 1).reshape(like.shape)];
}

/** The gates' activations and the new state, with ordinary (differentiable) ops. */
function activations(gates: Tensor, c: Tensor, h: number) {
  const d = gates.ndim - 1;
  const i = gates.narrow(d, 0, h).sigmoid(), f = gates.narrow(d, h, h).sigmoid();
  const g = gates.narrow(d, 2 * h, h).tanh(), o = gates.narrow(d, 3 * h, h).sigmoid();
  const c1 = f.mul(c).add(i.mul(g));
  return { i, f, g, o, c1, tc: c1.tanh() };
}

const dSigmoid = (s: Tensor): Tensor => s.mul(s.neg().add(1));
const dTanh = (t: Tensor): Tensor => t.mul(t).neg().add(1);

/**
 * The cell's backward with ordinary ops, for a recorded backward (createGraph): `[dgates, dc]` from the gradients
 * `gh`, `gc` of h' and c' (either may be null), so that it differentiates again.
 */
function composedBackward(call: Caller, gates: Tensor, c: Tensor, h: number, gh: Tensor | null, gc: Tensor | null): [Tensor, Tensor] {
  const a = activations(gates, c, h);
  let gct = gc;
  if (gh !== null) {
    const viaH = gh.mul(a.o).mul(dTanh(a.tc));
    gct = gct === null ? viaH : gct.add(viaH);
  }
  const zero = c.mul(0);
  const gcs = gct ?? zero;
  const dgates = call(INDEXING_OPS.cat, [
    gcs.mul(a.g).mul(dSigmoid(a.i)),
    gcs.mul(c).mul(dSigmoid(a.f)),
    gcs.mul(a.i).mul(dTanh(a.g)),
    gh === null ? zero : gh.mul(a.tc).mul(dSigmoid(a.o)),
  ], gates.ndim - 1);
  return [dgates, gcs.mul(a.f)];
}

const fusedLstmCellOp: DifferentiableOp<LstmCellAttrs, readonly [gates: Tensor, c: Tensor], [Tensor, Tensor]> = {
  name: 'fusedLstmCell',
  doc: 'One LSTM step after its gate pre-activations, as one fused kernel: `gates` `[*, 4·h]` (input, forget, cell, output, PyTorch\'s order, biases already added) and the cell state `c` `[*, h]` give `[h\', c\']` with `c\' = σ(f)·c + σ(i)·tanh(g)` and `h\' = σ(o)·tanh(c\')` (PyTorch\'s `_thnn_fused_lstm_cell`). Its backward is one fused kernel too; differentiable again.',
  example: 'const [h1, c1] = fusedLstmCell(x.matmul(wih.T).add(h0.matmul(whh.T)).add(bias), c0)',
  differentiable: true,
  call: (run, gates, c) => {
    const op = 'fusedLstmCell';
    const gt = floatTensor(gates, op, 'gates'), ct = floatTensor(c, op, 'the cell state c');
    const p = run([gt, ct], cellAttrs(op, gt, ct));
    return halves(p, ct);
  },
  forward: (ctx, [gates, c], { h, rows }) => {
    const device = deviceOf('fusedLstmCell', gates!, c!);
    const out = zerosOn(device, c!.dtype, [2, ...c!.shape]);
    if (out.size > 0) device.backend.lstmCell(c!.dtype, packed(castRaw(gates!)).buffer, packed(castRaw(c!)).buffer, out.buffer, rows, h);
    if (ctx.recording) ctx.save(gates!, c!);
    return out;
  },
  backward: ({ saved: [gates, c], attrs: { h }, call }, g) => {
    // A recorded backward (createGraph) takes the composed rule, which differentiates again; otherwise one kernel.
    if (isGradEnabled()) {
      const [gh, gc] = halves(g, c!);
      return composedBackward(call, gates!, c!, h, gh, gc);
    }
    return call(fusedLstmCellBackwardOp, g, gates!, c!);
  },
  jvp: ({ inputs: [gates, c], attrs: { h }, call }, [tg, tc]) => {
    if (!tg && !tc) return null;
    const a = activations(gates!, c!, h);
    const d = gates!.ndim - 1;
    const part = (k: number): Tensor | null => (tg ? tg.narrow(d, k * h, h) : null);
    const ti = part(0), tf = part(1), tgg = part(2), to = part(3);
    const terms: Tensor[] = [];
    if (tf) terms.push(tf.mul(dSigmoid(a.f)).mul(c!));
    if (tc) terms.push(tc.mul(a.f));
    if (ti) terms.push(ti.mul(dSigmoid(a.i)).mul(a.g));
    if (tgg) terms.push(tgg.mul(dTanh(a.g)).mul(a.i));
    const dc1 = terms.reduce((s, t) => s.add(t));
    let dh1 = dc1.mul(dTanh(a.tc)).mul(a.o);
    if (to) dh1 = dh1.add(to.mul(dSigmoid(a.o)).mul(a.tc));
    const one = [1, ...c!.shape];
    return call(INDEXING_OPS.cat, [dh1.reshape(one), dc1.reshape(one)], 0);
  },
  // Per element: 3 sigmoids and 2 tanhs (counted as 4 each), 3 products and a sum.
  flops: ([, c]) => 24 * c!.size,
};

const fusedLstmCellBackwardOp: NonDifferentiableOp<LstmCellAttrs, readonly [grad: Tensor, gates: Tensor, c: Tensor], [Tensor, Tensor]> = {
  name: 'fusedLstmCellBackward',
  doc: 'The backward of `fusedLstmCell` as one fused kernel: `[dGates, dC]` from the gradient of its packed output `[2, *, h]` (that of h\' then of c\'), the gate pre-activations and the cell state, recomputing the activations. Not differentiable itself: a recorded backward of `fusedLstmCell` uses ordinary ops instead.',
  example: 'const [dgates, dc] = fusedLstmCellBackward(grad, gates, c)',
  differentiable: false,
  call: (run, grad, gates, c) => {
    const op = 'fusedLstmCellBackward';
    const gt = floatTensor(gates, op, 'gates'), ct = floatTensor(c, op, 'the cell state c'), g = floatTensor(grad, op, 'grad');
    const attrs = cellAttrs(op, gt, ct);
    if (!sameShape(g.shape, [2, ...ct.shape])) {
      throw new Error(`${op}: expected grad of shape ${fmtShape([2, ...ct.shape])} (the gradients of h' and c' stacked), got ${fmtShape(g.shape)}.`);
    }
    const p = run([g, gt, ct], attrs);
    const n = ct.size;
    return [p.narrow(0, 0, 4 * n).reshape(gt.shape), p.narrow(0, 4 * n, n).reshape(ct.shape)];
  },
  forward: (_ctx, [grad, gates, c], { h, rows }) => {
    const device = deviceOf('fusedLstmCellBackward', grad!, gates!, c!);
    const out = zerosOn(device, c!.dtype, [5 * c!.size]);
    if (out.size > 0) {
      device.backend.lstmCellBackward(c!.dtype, packed(castRaw(grad!, c!.dtype)).buffer, packed(castRaw(gates!)).buffer, packed(castRaw(c!)).buffer,
        out.buffer, rows, h);
    }
    return out;
  },
  flops: ([, , c]) => 40 * c!.size,
};

// ---- GRU ----

/** Check `gi`, `gh` `[*, 3h]` against the hidden state `h` `[*, h]`; returns the attributes. */
function gruAttrs(op: string, gi: Tensor, gh: Tensor, h: Tensor): LstmCellAttrs {
  const hs = h.ndim === 0 ? -1 : h.shape[h.ndim - 1]!;
  const d = gi.ndim - 1;
  if (d < 0 || hs < 0 || gi.shape[d] !== 3 * hs || !sameShape(gi.shape, gh.shape) || !sameShape(gi.shape.slice(0, d), h.shape.slice(0, -1))) {
    throw new Error(`${op}: expected gi and gh [*, 3·h] and a hidden state [*, h] with the same leading dims, got gi ${fmtShape(gi.shape)}, ` +
      `gh ${fmtShape(gh.shape)} and h ${fmtShape(h.shape)}.`);
  }
  if (gi.dtype !== h.dtype || gh.dtype !== h.dtype) throw new Error(`${op}: gi (${gi.dtype}), gh (${gh.dtype}) and h (${h.dtype}) must have the same dtype.`);
  return { h: hs, rows: h.size / Math.max(hs, 1) };
}

/** The GRU's gates and new state with ordinary (differentiable) ops. */
function gruGates(gi: Tensor, gh: Tensor, hp: Tensor, h: number) {
  const d = gi.ndim - 1;
  const part = (t: Tensor, k: number): Tensor => t.narrow(d, k * h, h);
  const r = part(gi, 0).add(part(gh, 0)).sigmoid(), z = part(gi, 1).add(part(gh, 1)).sigmoid();
  const ghn = part(gh, 2);
  const n = part(gi, 2).add(r.mul(ghn)).tanh();
  return { r, z, n, ghn, out: n.add(z.mul(hp.sub(n))) };
}

const fusedGruCellOp: DifferentiableOp<LstmCellAttrs, readonly [gi: Tensor, gh: Tensor, h: Tensor]> = {
  name: 'fusedGruCell',
  doc: 'One GRU step after its projections, as one fused kernel: `gi` `[*, 3·h]` (the input\'s projection with `b_ih`), `gh` `[*, 3·h]` (the hidden state\'s, with `b_hh`), in PyTorch\'s gate order (reset, update, new), and the hidden state `h` `[*, h]` give `h\' = (1 − z)·n + z·h` with `r = σ(gi_r + gh_r)`, `z = σ(gi_z + gh_z)`, `n = tanh(gi_n + r·gh_n)` (PyTorch\'s `_thnn_fused_gru_cell`). Its backward is one fused kernel too; differentiable again.',
  example: 'const h1 = fusedGruCell(x.matmul(wih.T).add(bih), h0.matmul(whh.T).add(bhh), h0)',
  differentiable: true,
  call: (run, gi, gh, h) => {
    const op = 'fusedGruCell';
    const a = floatTensor(gi, op, 'gi'), b = floatTensor(gh, op, 'gh'), hp = floatTensor(h, op, 'the hidden state h');
    return run([a, b, hp], gruAttrs(op, a, b, hp));
  },
  forward: (ctx, [gi, gh, hp], { h, rows }) => {
    const device = deviceOf('fusedGruCell', gi!, gh!, hp!);
    const out = zerosOn(device, hp!.dtype, hp!.shape);
    if (out.size > 0) {
      device.backend.gruCell(hp!.dtype, packed(castRaw(gi!)).buffer, packed(castRaw(gh!)).buffer, packed(castRaw(hp!)).buffer, out.buffer, rows, h);
    }
    if (ctx.recording) ctx.save(gi!, gh!, hp!);
    return out;
  },
  backward: ({ saved: [gi, gh, hp], attrs: { h }, call }, g) => {
    if (!isGradEnabled()) return call(fusedGruCellBackwardOp, g, gi!, gh!, hp!);
    // A recorded backward (createGraph): the same derivatives with ordinary ops, so that they differentiate again.
    const a = gruGates(gi!, gh!, hp!, h);
    const dn = g.mul(a.z.neg().add(1)).mul(dTanh(a.n));
    const dr = dn.mul(a.ghn).mul(dSigmoid(a.r)), dz = g.mul(hp!.sub(a.n)).mul(dSigmoid(a.z));
    const d = gi!.ndim - 1;
    return [call(INDEXING_OPS.cat, [dr, dz, dn], d), call(INDEXING_OPS.cat, [dr, dz, dn.mul(a.r)], d), g.mul(a.z)];
  },
  jvp: ({ inputs: [gi, gh, hp], attrs: { h } }, [ti, th, tp]) => {
    if (!ti && !th && !tp) return null;
    const a = gruGates(gi!, gh!, hp!, h);
    const d = gi!.ndim - 1;
    const part = (t: Tensor | null | undefined, k: number): Tensor | null => (t ? t.narrow(d, k * h, h) : null);
    const sum = (...ts: (Tensor | null)[]): Tensor | null => ts.reduce<Tensor | null>((s, t) => (t === null ? s : s === null ? t : s.add(t)), null);
    const dr = sum(part(ti, 0), part(th, 0))?.mul(dSigmoid(a.r)) ?? null;
    const dz = sum(part(ti, 1), part(th, 1))?.mul(dSigmoid(a.z)) ?? null;
    const ghnDot = part(th, 2);
    const dan = sum(part(ti, 2), dr === null ? null : dr.mul(a.ghn), ghnDot === null ? null : ghnDot.mul(a.r));
    const dn = dan === null ? null : dan.mul(dTanh(a.n));
    // h' = n + z·(h − n): ḣ' = ṅ·(1 − z) + ż·(h − n) + z·ḣ.
    const out = sum(dn === null ? null : dn.mul(a.z.neg().add(1)), dz === null ? null : dz.mul(hp!.sub(a.n)), tp ? tp.mul(a.z) : null);
    return out;
  },
  // Per element: 2 sigmoids and a tanh (counted as 4 each), 3 sums and 3 products.
  flops: ([, , hp]) => 18 * hp!.size,
};

const fusedGruCellBackwardOp: NonDifferentiableOp<LstmCellAttrs, readonly [grad: Tensor, gi: Tensor, gh: Tensor, h: Tensor], [Tensor, Tensor, Tensor]> = {
  name: 'fusedGruCellBackward',
  doc: 'The backward of `fusedGruCell` as one fused kernel: `[dGi, dGh, dH]` from the gradient of its output, the two projections and the hidden state, recomputing the gates. Not differentiable itself: a recorded backward of `fusedGruCell` uses ordinary ops instead.',
  example: 'const [dgi, dgh, dh] = fusedGruCellBackward(grad, gi, gh, h)',
  differentiable: false,
  call: (run, grad, gi, gh, h) => {
    const op = 'fusedGruCellBackward';
    const a = floatTensor(gi, op, 'gi'), b = floatTensor(gh, op, 'gh'), hp = floatTensor(h, op, 'the hidden state h'), g = floatTensor(grad, op, 'grad');
    const attrs = gruAttrs(op, a, b, hp);
    if (!sameShape(g.shape, hp.shape)) throw new Error(`${op}: expected grad of the hidden state's shape ${fmtShape(hp.shape)}, got ${fmtShape(g.shape)}.`);
    const p = run([g, a, b, hp], attrs);
    const n = hp.size;
    return [p.narrow(0, 0, 3 * n).reshape(a.shape), p.narrow(0, 3 * n, 3 * n).reshape(b.shape), p.narrow(0, 6 * n, n).reshape(hp.shape)];
  },
  forward: (_ctx, [grad, gi, gh, hp], { h, rows }) => {
    const device = deviceOf('fusedGruCellBackward', grad!, gi!, gh!, hp!);
    const out = zerosOn(device, hp!.dtype, [7 * hp!.size]);
    if (out.size > 0) {
      device.backend.gruCellBackward(hp!.dtype, packed(castRaw(grad!, hp!.dtype)).buffer, packed(castRaw(gi!)).buffer, packed(castRaw(gh!)).buffer,
        packed(castRaw(hp!)).buffer, out.buffer, rows, h);
    }
    return out;
  },
  flops: ([, , , hp]) => 30 * hp!.size,
};

/** The fused recurrent-cell primitives. */
export const RECURRENT_OPS = {
  fusedLstmCell: fusedLstmCellOp,
  fusedLstmCellBackward: fusedLstmCellBackwardOp,
  fusedGruCell: fusedGruCellOp,
  fusedGruCellBackward: fusedGruCellBackwardOp,
};
