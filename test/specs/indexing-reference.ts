// Independent float64 references for the indexing specs: naive loops over NumPy-style index lists, sharing no code
// with the library. Each builds the result element by element from its definition.
import { broadcastShape, nd, size, type Nd } from '../reference.js';

const stridesOf = (shape: readonly number[]): number[] => {
  const s: number[] = [];
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]!; }
  return s;
};
const unravel = (i: number, shape: readonly number[]): number[] => {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) { idx[d] = i % shape[d]!; i = Math.floor(i / shape[d]!); }
  return idx;
};
const ravel = (idx: readonly number[], shape: readonly number[]): number => {
  const st = stridesOf(shape);
  return idx.reduce((o, v, d) => o + v * st[d]!, 0);
};
/** Read `a` at `idx` of a shape it broadcasts to. */
const bread = (a: Nd, idx: readonly number[]): number => {
  const lead = idx.length - a.shape.length;
  return a.data[ravel(a.shape.map((d, i) => (d === 1 ? 0 : idx[i + lead]!)), a.shape)]!;
};

/** A spec of the reference's indexing: like the library's, with index arrays as Nd of integers. */
export type RefSpec = number | string | null | { readonly idx: Nd } | { readonly mask: Nd };

type Axis =
  | { kind: 'list'; src: number; list: number[] }
  | { kind: 'int'; src: number; at: number }
  | { kind: 'new' }
  | { kind: 'adv'; src: number; idx: Nd };

function axesOf(shape: readonly number[], specs: readonly RefSpec[]): Axis[] {
  const dimsOf = (s: RefSpec): number => (s === null || s === '...' ? 0 : typeof s === 'object' && 'mask' in s ? s.mask.shape.length : 1);
  const used = specs.reduce((n: number, s) => n + dimsOf(s), 0);
  const expanded: RefSpec[] = [];
  for (const s of specs) {
    if (s === '...') for (let i = 0; i < shape.length - used; i++) expanded.push(':');
    else expanded.push(s);
  }
  if (!specs.includes('...')) for (let i = used; i < shape.length; i++) expanded.push(':');
  const axes: Axis[] = [];
  let d = 0;
  for (const s of expanded) {
    if (s === null) axes.push({ kind: 'new' });
    else if (typeof s === 'number') { axes.push({ kind: 'int', src: d, at: s < 0 ? s + shape[d]! : s }); d++; }
    else if (typeof s === 'string') {
      const n = shape[d]!;
      const [a, b, c] = s.split(':');
      const step = c ? Number(c) : 1;
      const norm = (v: string | undefined, dflt: number): number => {
        if (v === undefined || v === '') return dflt;
        let w = Number(v);
        if (w < 0) w += n;
        return Math.min(Math.max(w, 0), n);
      };
      const list: number[] = [];
      for (let i = norm(a, 0); i < norm(b, n); i += step) list.push(i);
      axes.push({ kind: 'list', src: d, list });
      d++;
    } else if ('idx' in s) { axes.push({ kind: 'adv', src: d, idx: s.idx }); d++; }
    else {
      // A mask: the positions of its true elements, one index list per dimension it covers.
      const m = s.mask;
      const cols: number[][] = m.shape.map(() => []);
      for (let i = 0; i < m.data.length; i++) if (m.data[i]) unravel(i, m.shape).forEach((v, j) => cols[j]!.push(v));
      if (m.shape.length === 0) {
        axes.push({ kind: 'adv', src: -1, idx: nd([m.data[0] ? 1 : 0], m.data[0] ? [0] : []) });
      }
      cols.forEach((c) => { axes.push({ kind: 'adv', src: d, idx: nd([c.length], c) }); d++; });
    }
  }
  return axes;
}

/** For every element of `x[specs]`: the shape of the result and, per element, the flat position in `x` it reads. */
function indexPlan(shape: readonly number[], specs: readonly RefSpec[]): { shape: number[]; at: number[] } {
  const axes = axesOf(shape, specs);
  const kept = axes.filter((a) => a.kind !== 'int');
  const advPos = kept.map((a, i) => (a.kind === 'adv' ? i : -1)).filter((i) => i >= 0);
  const b = advPos.length ? broadcastShape(...advPos.map((i) => (kept[i] as { idx: Nd }).idx.shape)) : [];
  const adjacent = advPos.length > 0 && advPos[advPos.length - 1]! - advPos[0]! === advPos.length - 1;
  // The result's dimensions: ('k', position in kept) or ('b', dimension of b).
  const dims: [string, number][] = [];
  if (!advPos.length) kept.forEach((_, i) => dims.push(['k', i]));
  else if (adjacent) {
    kept.forEach((_, i) => { if (i < advPos[0]!) dims.push(['k', i]); });
    b.forEach((_, j) => dims.push(['b', j]));
    kept.forEach((_, i) => { if (i > advPos[advPos.length - 1]!) dims.push(['k', i]); });
  } else {
    b.forEach((_, j) => dims.push(['b', j]));
    kept.forEach((a, i) => { if (a.kind !== 'adv') dims.push(['k', i]); });
  }
  const extent = (a: Axis): number => (a.kind === 'list' ? a.list.length : a.kind === 'new' ? 1 : 0);
  const outShape = dims.map(([k, i]) => (k === 'b' ? b[i]! : extent(kept[i]!)));
  const at: number[] = [];
  for (let e = 0; e < size(outShape); e++) {
    const pos = unravel(e, outShape);
    const bIdx = dims.map(([k], j) => (k === 'b' ? pos[j]! : -1)).filter((v) => v >= 0);
    const src = new Array<number>(shape.length).fill(0);
    for (const a of axes) if (a.kind === 'int') src[a.src] = a.at;
    dims.forEach(([k, i], j) => {
      if (k !== 'k') return;
      const a = kept[i]!;
      if (a.kind === 'list') src[a.src] = a.list[pos[j]!]!;
    });
    for (const i of advPos) {
      const a = kept[i] as { src: number; idx: Nd };
      if (a.src < 0) continue;
      let v = bread(a.idx, bIdx);
      if (v < 0) v += shape[a.src]!;
      src[a.src] = v;
    }
    at.push(ravel(src, shape));
  }
  return { shape: outShape, at };
}

/** `x[specs]`, PyTorch's semantics. */
export function index(x: Nd, ...specs: RefSpec[]): Nd {
  const p = indexPlan(x.shape, specs);
  return nd(p.shape, p.at.map((i) => x.data[i]!));
}

/** A copy of `x` with `x[specs] = value` (or `+=` with accumulate), in row-major order of the result. */
export function indexPut(x: Nd, specs: readonly RefSpec[], value: Nd, accumulate = false): Nd {
  const p = indexPlan(x.shape, specs);
  const out = Float64Array.from(x.data);
  p.at.forEach((t, e) => {
    const v = bread(value, unravel(e, p.shape));
    out[t] = accumulate ? out[t]! + v : v;
  });
  return nd(x.shape, out);
}

export function flip(x: Nd, dims: number[]): Nd {
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, x.shape);
    out[i] = x.data[ravel(idx.map((v, d) => (dims.includes(d) ? x.shape[d]! - 1 - v : v)), x.shape)]!;
  }
  return nd(x.shape, out);
}

export function roll(x: Nd, shift: number, dim: number): Nd {
  const n = x.shape[dim]!;
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, x.shape);
    const from = idx.slice();
    from[dim] = (((idx[dim]! - shift) % n) + n) % n;
    out[i] = x.data[ravel(from, x.shape)]!;
  }
  return nd(x.shape, out);
}

export function nonzero(x: Nd): Nd {
  const rows: number[] = [];
  let count = 0;
  for (let i = 0; i < x.data.length; i++) if (x.data[i] !== 0) { rows.push(...unravel(i, x.shape)); count++; }
  return nd([count, x.shape.length], rows);
}

/** `out = x` with `src[k]` combined into `out[index[k] along dim]`: 'assign' or a reduction. */
export function scatter(x: Nd, dim: number, index: Nd, src: Nd, reduce: 'assign' | 'sum' | 'prod' | 'mean' | 'amax' | 'amin', includeSelf = true): Nd {
  const out = Float64Array.from(x.data);
  const groups = new Map<number, number[]>();
  for (let k = 0; k < index.data.length; k++) {
    const pos = unravel(k, index.shape);
    pos[dim] = index.data[k]!;
    const t = ravel(pos, x.shape);
    const v = src.data[ravel(unravel(k, index.shape), src.shape)]!;
    if (reduce === 'assign') out[t] = v;
    else (groups.get(t) ?? groups.set(t, []).get(t)!).push(v);
  }
  for (const [t, vs] of groups) {
    const all = includeSelf ? [x.data[t]!, ...vs] : vs;
    switch (reduce) {
      case 'sum': out[t] = all.reduce((a, b) => a + b, 0); break;
      case 'prod': out[t] = all.reduce((a, b) => a * b, 1); break;
      case 'mean': out[t] = all.reduce((a, b) => a + b, 0) / all.length; break;
      case 'amax': out[t] = Math.max(...all); break;
      case 'amin': out[t] = Math.min(...all); break;
      default: break;
    }
  }
  return nd(x.shape, out);
}

/** `x.repeat(...reps)`: out[i] = x[i mod shape]. */
export function repeat(x: Nd, reps: number[]): Nd {
  const shape = [...new Array<number>(reps.length - x.shape.length).fill(1), ...x.shape];
  const outShape = shape.map((n, i) => n * reps[i]!);
  const out = new Float64Array(size(outShape));
  for (let i = 0; i < out.length; i++) out[i] = x.data[ravel(unravel(i, outShape).map((v, d) => v % shape[d]!), shape)]!;
  return nd(outShape, out);
}

/** Each entry along `dim` repeated `counts[j]` times. */
export function repeatInterleave(x: Nd, counts: number[], dim: number): Nd {
  const map: number[] = [];
  counts.forEach((c, j) => { for (let k = 0; k < c; k++) map.push(j); });
  const outShape = x.shape.slice();
  outShape[dim] = map.length;
  const out = new Float64Array(size(outShape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, outShape);
    idx[dim] = map[idx[dim]!]!;
    out[i] = x.data[ravel(idx, x.shape)]!;
  }
  return nd(outShape, out);
}

/** F.pad on the last dims: `pads` = [before, after] from the last dimension backwards. */
export function pad(x: Nd, pads: number[], mode: 'constant' | 'reflect' | 'replicate' | 'circular', value = 0): Nd {
  const outShape = x.shape.slice();
  const before = new Array<number>(x.shape.length).fill(0);
  for (let i = 0; i < pads.length / 2; i++) {
    const d = x.shape.length - 1 - i;
    before[d] = pads[2 * i]!;
    outShape[d] = x.shape[d]! + pads[2 * i]! + pads[2 * i + 1]!;
  }
  const out = new Float64Array(size(outShape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, outShape);
    let inside = true;
    const src = idx.map((v, d) => {
      const n = x.shape[d]!;
      let s = v - before[d]!;
      if (s >= 0 && s < n) return s;
      if (mode === 'constant') inside = false;
      else if (mode === 'replicate') s = Math.min(Math.max(s, 0), n - 1);
      else if (mode === 'circular') s = ((s % n) + n) % n;
      else s = s < 0 ? -s : 2 * (n - 1) - s;
      return s;
    });
    out[i] = inside ? x.data[ravel(src, x.shape)]! : value;
  }
  return nd(outShape, out);
}

/** The lower (or upper) triangle of the last two dims. */
export function tri(x: Nd, k: number, lower: boolean): Nd {
  const r = x.shape.length;
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, x.shape);
    const diff = idx[r - 1]! - idx[r - 2]!;
    out[i] = (lower ? diff <= k : diff >= k) ? x.data[i]! : 0;
  }
  return nd(x.shape, out);
}

export function triIndices(rows: number, cols: number, k: number, lower: boolean): Nd {
  const a: number[] = [], b: number[] = [];
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) if (lower ? j - i <= k : j - i >= k) { a.push(i); b.push(j); }
  return nd([2, a.length], [...a, ...b]);
}

/** `x[idx along dim]` for an index of any shape, its shape in place of dim. */
export function takeAlong(x: Nd, dim: number, idx: Nd): Nd {
  const outShape = [...x.shape.slice(0, dim), ...idx.shape, ...x.shape.slice(dim + 1)];
  const out = new Float64Array(size(outShape));
  const k = idx.shape.length;
  for (let i = 0; i < out.length; i++) {
    const pos = unravel(i, outShape);
    const j = idx.data[ravel(pos.slice(dim, dim + k), idx.shape)]!;
    out[i] = x.data[ravel([...pos.slice(0, dim), j, ...pos.slice(dim + k)], x.shape)]!;
  }
  return nd(outShape, out);
}

/** `where(mask, value, x)`, broadcasting. */
export function maskedFill(x: Nd, mask: Nd, value: number): Nd {
  const shape = broadcastShape(x.shape, mask.shape);
  const out = new Float64Array(size(shape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    out[i] = bread(mask, idx) ? value : bread(x, idx);
  }
  return nd(shape, out);
}

/** `x` with its masked elements replaced, in order, by the leading elements of `src`. */
export function maskedScatter(x: Nd, mask: Nd, src: Nd): Nd {
  const out = Float64Array.from(x.data);
  let k = 0;
  for (let i = 0; i < out.length; i++) if (bread(mask, unravel(i, x.shape))) out[i] = src.data[k++]!;
  return nd(x.shape, out);
}

/** `x` read as `shape` (same elements, row-major). */
export const reshape = (x: Nd, shape: number[]): Nd => nd(shape, x.data);

/** `x` broadcast to `shape`. */
export function expand(x: Nd, shape: number[]): Nd {
  const out = new Float64Array(size(shape));
  for (let i = 0; i < out.length; i++) out[i] = bread(x, unravel(i, shape));
  return nd(shape, out);
}

/** Join along a new leading dimension. */
export function stack(xs: Nd[]): Nd {
  return nd([xs.length, ...xs[0]!.shape], xs.flatMap((x) => [...x.data]));
}

/** Scale by a constant. */
export const scale = (x: Nd, k: number): Nd => nd(x.shape, x.data.map((v) => v * k));
