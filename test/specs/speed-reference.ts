// Independent float64 references for the fused recurrent cells: the LSTM equations written out per element,
// sharing no code with the library (test/specs/speed.ts compares the generated suites against them).
import { nd, type Nd } from '../reference.js';

const sig = (x: number): number => 1 / (1 + Math.exp(-x));

/** The LSTM step per element: c' = σ(f)c + σ(i)tanh(g), h' = σ(o)tanh(c'); returns [h', c'] stacked ([2, *, h]). */
export function lstmCell(gates: Nd, c: Nd): Nd {
  const h = c.shape[c.shape.length - 1]!, rows = c.data.length / h;
  const out = new Float64Array(2 * rows * h);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < h; j++) {
      const at = (k: number): number => gates.data[r * 4 * h + k * h + j]!;
      const c1 = sig(at(1)) * c.data[r * h + j]! + sig(at(0)) * Math.tanh(at(2));
      out[r * h + j] = sig(at(3)) * Math.tanh(c1);
      out[rows * h + r * h + j] = c1;
    }
  }
  return nd([2, ...c.shape], out);
}

/**
 * The LSTM step's vector-Jacobian product by the chain rule through each gate, from the gradients of h' and c'
 * (`grad` [2, *, h]): [dgates, dc] flattened one after the other.
 */
export function lstmCellBackward(grad: Nd, gates: Nd, c: Nd): Nd {
  const h = c.shape[c.shape.length - 1]!, rows = c.data.length / h, n = rows * h;
  const dg = new Float64Array(4 * n), dc = new Float64Array(n);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < h; j++) {
      const at = (k: number): number => gates.data[r * 4 * h + k * h + j]!;
      const si = sig(at(0)), sf = sig(at(1)), tg = Math.tanh(at(2)), so = sig(at(3));
      const cPrev = c.data[r * h + j]!;
      const c1 = sf * cPrev + si * tg;
      const gh = grad.data[r * h + j]!;
      // ∂L/∂c' collects the direct gradient and the one through h' = σ(o)·tanh(c').
      const gc1 = grad.data[n + r * h + j]! + gh * so * (1 - Math.tanh(c1) ** 2);
      dg[r * 4 * h + j] = gc1 * tg * si * (1 - si);
      dg[r * 4 * h + h + j] = gc1 * cPrev * sf * (1 - sf);
      dg[r * 4 * h + 2 * h + j] = gc1 * si * (1 - tg * tg);
      dg[r * 4 * h + 3 * h + j] = gh * Math.tanh(c1) * so * (1 - so);
      dc[r * h + j] = gc1 * sf;
    }
  }
  const out = new Float64Array(5 * n);
  out.set(dg);
  out.set(dc, 4 * n);
  return nd([5 * n], out);
}

/** The GRU step per element: r = σ(gi_r + gh_r), z = σ(gi_z + gh_z), n = tanh(gi_n + r·gh_n), h' = (1 − z)n + zh. */
export function gruCell(gi: Nd, gh: Nd, hp: Nd): Nd {
  const h = hp.shape[hp.shape.length - 1]!, rows = hp.data.length / h;
  const out = new Float64Array(rows * h);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < h; j++) {
      const a = (t: Nd, k: number): number => t.data[r * 3 * h + k * h + j]!;
      const rg = sig(a(gi, 0) + a(gh, 0)), z = sig(a(gi, 1) + a(gh, 1));
      const n = Math.tanh(a(gi, 2) + rg * a(gh, 2));
      out[r * h + j] = (1 - z) * n + z * hp.data[r * h + j]!;
    }
  }
  return nd(hp.shape, out);
}

/** The GRU step's vector-Jacobian product by the chain rule: [dgi, dgh, dh] flattened one after the other. */
export function gruCellBackward(grad: Nd, gi: Nd, gh: Nd, hp: Nd): Nd {
  const h = hp.shape[hp.shape.length - 1]!, rows = hp.data.length / h, n3 = 3 * rows * h;
  const out = new Float64Array(7 * rows * h);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < h; j++) {
      const at = (k: number): number => r * 3 * h + k * h + j;
      const rg = sig(gi.data[at(0)]! + gh.data[at(0)]!), z = sig(gi.data[at(1)]! + gh.data[at(1)]!);
      const n = Math.tanh(gi.data[at(2)]! + rg * gh.data[at(2)]!);
      const g = grad.data[r * h + j]!, hj = hp.data[r * h + j]!;
      // ∂h'/∂n = 1 − z, ∂h'/∂z = h − n, ∂h'/∂h = z; the pre-activation of n is gi_n + r·gh_n.
      const gPre = g * (1 - z) * (1 - n * n);
      const gR = gPre * gh.data[at(2)]! * rg * (1 - rg);
      const gZ = g * (hj - n) * z * (1 - z);
      out[at(0)] = gR;
      out[at(1)] = gZ;
      out[at(2)] = gPre;
      out[n3 + at(0)] = gR;
      out[n3 + at(1)] = gZ;
      out[n3 + at(2)] = gPre * rg;
      out[2 * n3 + r * h + j] = g * z;
    }
  }
  return nd([7 * rows * h], out);
}
