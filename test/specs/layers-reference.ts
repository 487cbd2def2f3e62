// Independent float64 references for the layers' primitives: naive loops over rows and channels, sharing no code
// with the library (test/specs/layers.ts compares the generated suites against them).
import { nd, size, type Nd } from '../reference.js';

/** LayerNorm over the trailing `m` elements of each row: (x − mean)/√(var + eps)·w + b. */
export function layerNorm(x: Nd, m: number, w: Nd | null, b: Nd | null, eps: number): Nd {
  const out = new Float64Array(x.data.length);
  for (let r = 0; r * m < x.data.length; r++) {
    const row = Array.from(x.data.subarray(r * m, (r + 1) * m));
    const mean = row.reduce((s, v) => s + v, 0) / m;
    const v = row.reduce((s, e) => s + (e - mean) ** 2, 0) / m;
    row.forEach((e, j) => {
      out[r * m + j] = ((e - mean) / Math.sqrt(v + eps)) * (w ? w.data[j]! : 1) + (b ? b.data[j]! : 0);
    });
  }
  return nd(x.shape, out);
}

/** LayerNorm's [dx, dw, db] (the masked parts, flattened one after the other), from the definition. */
export function layerNormBackward(g: Nd, x: Nd, m: number, w: Nd | null, eps: number, mask: readonly boolean[]): Nd {
  const rows = x.data.length / m;
  const dx = new Float64Array(x.data.length), dw = new Float64Array(m), db = new Float64Array(m);
  for (let r = 0; r < rows; r++) {
    const xs = Array.from(x.data.subarray(r * m, (r + 1) * m)), gs = Array.from(g.data.subarray(r * m, (r + 1) * m));
    const mean = xs.reduce((s, v) => s + v, 0) / m;
    const sd = Math.sqrt(xs.reduce((s, e) => s + (e - mean) ** 2, 0) / m + eps);
    const xhat = xs.map((e) => (e - mean) / sd);
    const a = gs.map((e, j) => e * (w ? w.data[j]! : 1));
    // dx_i = Σ_j a_j ∂x̂_j/∂x_i, ∂x̂_j/∂x_i = (δ_ij − 1/m − x̂_i x̂_j / m) / sd.
    for (let i = 0; i < m; i++) {
      let s = 0;
      for (let j = 0; j < m; j++) s += a[j]! * ((i === j ? 1 : 0) - 1 / m - (xhat[i]! * xhat[j]!) / m) / sd;
      dx[r * m + i] = s;
      dw[i]! += gs[i]! * xhat[i]!;
      db[i]! += gs[i]!;
    }
  }
  return packParts([dx, dw, db], mask);
}

function packParts(parts: Float64Array[], mask: readonly boolean[]): Nd {
  const data = parts.filter((_, i) => mask[i]).flatMap((p) => Array.from(p));
  return nd([data.length], data);
}

/** The channel c elements of x [n, c, *], in order. */
function channel(x: Nd, ch: number): number[] {
  const [n, c] = x.shape as [number, number];
  const s = size(x.shape.slice(2));
  const out: number[] = [];
  for (let i = 0; i < n; i++) for (let j = 0; j < s; j++) out.push(x.data[(i * c + ch) * s + j]!);
  return out;
}

function setChannel(out: Float64Array, shape: readonly number[], ch: number, values: number[]): void {
  const [n, c] = shape as [number, number];
  const s = size(shape.slice(2));
  let k = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < s; j++) out[(i * c + ch) * s + j] = values[k++]!;
}

/** BatchNorm over [n, c, *]: batch statistics (training) or the given running mean and variance. */
export function batchNorm(x: Nd, w: Nd | null, b: Nd | null, eps: number, running: { mean: number[]; var: number[] } | null): Nd {
  const c = x.shape[1]!;
  const out = new Float64Array(x.data.length);
  for (let ch = 0; ch < c; ch++) {
    const vs = channel(x, ch);
    const mean = running ? running.mean[ch]! : vs.reduce((s, v) => s + v, 0) / vs.length;
    const v = running ? running.var[ch]! : vs.reduce((s, e) => s + (e - mean) ** 2, 0) / vs.length;
    setChannel(out, x.shape, ch, vs.map((e) => ((e - mean) / Math.sqrt(v + eps)) * (w ? w.data[ch]! : 1) + (b ? b.data[ch]! : 0)));
  }
  return nd(x.shape, out);
}

/** BatchNorm's [dx, dw, db] (masked parts flattened), from the definition. */
export function batchNormBackward(g: Nd, x: Nd, w: Nd | null, eps: number, running: { mean: number[]; var: number[] } | null, mask: readonly boolean[]): Nd {
  const c = x.shape[1]!;
  const dx = new Float64Array(x.data.length), dw = new Float64Array(c), db = new Float64Array(c);
  for (let ch = 0; ch < c; ch++) {
    const xs = channel(x, ch), gs = channel(g, ch), m = xs.length;
    const mean = running ? running.mean[ch]! : xs.reduce((s, v) => s + v, 0) / m;
    const sd = Math.sqrt((running ? running.var[ch]! : xs.reduce((s, e) => s + (e - mean) ** 2, 0) / m) + eps);
    const xhat = xs.map((e) => (e - mean) / sd);
    const wc = w ? w.data[ch]! : 1;
    const d = xs.map((_, i) => {
      if (running) return (gs[i]! * wc) / sd;
      let s = 0;
      for (let j = 0; j < m; j++) s += gs[j]! * wc * ((i === j ? 1 : 0) - 1 / m - (xhat[i]! * xhat[j]!) / m) / sd;
      return s;
    });
    setChannel(dx, x.shape, ch, d);
    dw[ch] = gs.reduce((s, e, i) => s + e * xhat[i]!, 0);
    db[ch] = gs.reduce((s, e) => s + e, 0);
  }
  return packParts([dx, dw, db], mask);
}
