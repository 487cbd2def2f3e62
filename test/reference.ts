// An independent float64 reference: naive, obviously-correct NumPy-style loops that share no code with the
// library. The generated op tests compare every forward against it.

export interface Nd {
  readonly shape: readonly number[];
  readonly data: Float64Array;
}

export const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

export function nd(shape: readonly number[], data: ArrayLike<number>): Nd {
  return { shape: [...shape], data: Float64Array.from(data) };
}

function strides(shape: readonly number[]): number[] {
  const s: number[] = [];
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) { s[i] = acc; acc *= shape[i]!; }
  return s;
}

function unravel(i: number, shape: readonly number[]): number[] {
  const idx = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) { idx[d] = i % shape[d]!; i = Math.floor(i / shape[d]!); }
  return idx;
}

function ravel(idx: readonly number[], shape: readonly number[]): number {
  let off = 0;
  const st = strides(shape);
  for (let d = 0; d < shape.length; d++) off += idx[d]! * st[d]!;
  return off;
}

export function broadcastShape(...shapes: (readonly number[])[]): number[] {
  const n = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: n }, (_, i) => Math.max(...shapes.map((s) => s[s.length - n + i] ?? 1)));
}

/** Read `a` at output index `idx` of a broadcast result. */
function at(a: Nd, idx: readonly number[]): number {
  const lead = idx.length - a.shape.length;
  const own = a.shape.map((d, i) => (d === 1 ? 0 : idx[i + lead]!));
  return a.data[ravel(own, a.shape)]!;
}

export function map(xs: Nd[], f: (...v: number[]) => number): Nd {
  const shape = broadcastShape(...xs.map((x) => x.shape));
  const out = new Float64Array(size(shape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    out[i] = f(...xs.map((x) => at(x, idx)));
  }
  return { shape, data: out };
}

export function reduce(x: Nd, dims: number[] | undefined, keepdim: boolean, f: (vals: number[]) => number): Nd {
  const nd_ = x.shape.length;
  const ds = (dims ?? [...Array(nd_).keys()]).map((d) => (d < 0 ? d + nd_ : d));
  const kept = x.shape.map((d, i) => (ds.includes(i) ? 1 : d));
  const groups = new Map<number, number[]>();
  for (let i = 0; i < x.data.length; i++) {
    const idx = unravel(i, x.shape).map((v, d) => (ds.includes(d) ? 0 : v));
    const key = ravel(idx, kept);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key)!.push(x.data[i]!);
  }
  const out = new Float64Array(size(kept));
  for (let k = 0; k < out.length; k++) out[k] = f(groups.get(k) ?? []);
  return { shape: keepdim ? kept : x.shape.filter((_, i) => !ds.includes(i)), data: out };
}

export const sumOf = (v: number[]): number => v.reduce((a, b) => a + b, 0);
export const lse = (v: number[]): number => {
  const m = Math.max(...v);
  return m + Math.log(sumOf(v.map((x) => Math.exp(x - m))));
};

export function permute(x: Nd, dims: number[]): Nd {
  const shape = dims.map((d) => x.shape[d]!);
  const out = new Float64Array(x.data.length);
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    const src = new Array<number>(dims.length);
    dims.forEach((d, j) => (src[d] = idx[j]!));
    out[i] = x.data[ravel(src, x.shape)]!;
  }
  return { shape, data: out };
}

export function matmul(a: Nd, b: Nd): Nd {
  const A = a.shape.length === 1 ? { shape: [1, a.shape[0]!], data: a.data } : a;
  const B = b.shape.length === 1 ? { shape: [b.shape[0]!, 1], data: b.data } : b;
  const m = A.shape[A.shape.length - 2]!, k = A.shape[A.shape.length - 1]!, n = B.shape[B.shape.length - 1]!;
  const batch = broadcastShape(A.shape.slice(0, -2), B.shape.slice(0, -2));
  const out = new Float64Array(size(batch) * m * n);
  for (let bi = 0; bi < size(batch); bi++) {
    const bidx = unravel(bi, batch);
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
      let s = 0;
      for (let p = 0; p < k; p++) s += at(A, [...bidx, i, p]) * at(B, [...bidx, p, j]);
      out[(bi * m + i) * n + j] = s;
    }
  }
  let shape = [...batch, m, n];
  if (b.shape.length === 1) shape = shape.slice(0, -1);
  if (a.shape.length === 1) shape = b.shape.length === 1 ? shape.slice(0, -1) : [...shape.slice(0, -2), n];
  return { shape, data: out };
}

export function softmax(x: Nd, dim: number, log: boolean): Nd {
  const d = dim < 0 ? dim + x.shape.length : dim;
  const m = reduce(x, [d], true, (v) => Math.max(...v));
  const shifted = map([x, m], (a, b) => a - b);
  const s = reduce(shifted, [d], true, (v) => sumOf(v.map(Math.exp)));
  return log ? map([shifted, s], (a, b) => a - Math.log(b)) : map([shifted, s], (a, b) => Math.exp(a) / b);
}

export function narrow(x: Nd, dim: number, start: number, length: number): Nd {
  const shape = [...x.shape];
  shape[dim] = length;
  const out = new Float64Array(size(shape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    idx[dim]! += start;
    out[i] = x.data[ravel(idx, x.shape)]!;
  }
  return { shape, data: out };
}

export function cat(xs: Nd[], dim: number): Nd {
  const shape = [...xs[0]!.shape];
  shape[dim] = xs.reduce((n, x) => n + x.shape[dim]!, 0);
  const out = new Float64Array(size(shape));
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, shape);
    let k = idx[dim]!, j = 0;
    while (k >= xs[j]!.shape[dim]!) { k -= xs[j]!.shape[dim]!; j++; }
    idx[dim] = k;
    out[i] = xs[j]!.data[ravel(idx, xs[j]!.shape)]!;
  }
  return { shape, data: out };
}

export function gather(x: Nd, dim: number, index: Nd): Nd {
  const out = new Float64Array(index.data.length);
  for (let i = 0; i < out.length; i++) {
    const idx = unravel(i, index.shape);
    idx[dim] = index.data[i]!;
    out[i] = x.data[ravel(idx, x.shape)]!;
  }
  return { shape: [...index.shape], data: out };
}

export function scatterAdd(base: Nd, dim: number, index: Nd, src: Nd): Nd {
  const out = Float64Array.from(base.data);
  for (let i = 0; i < index.data.length; i++) {
    const idx = unravel(i, index.shape);
    idx[dim] = index.data[i]!;
    out[ravel(idx, base.shape)]! += src.data[i]!;
  }
  return { shape: [...base.shape], data: out };
}

export function indexSelect(x: Nd, dim: number, index: Nd): Nd {
  return cat([...index.data].map((k) => narrow(x, dim, k, 1)), dim);
}

export function indexAdd(base: Nd, dim: number, index: Nd, src: Nd): Nd {
  const out = Float64Array.from(base.data);
  for (let i = 0; i < src.data.length; i++) {
    const idx = unravel(i, src.shape);
    idx[dim] = index.data[idx[dim]!]!;
    out[ravel(idx, base.shape)]! += src.data[i]!;
  }
  return { shape: [...base.shape], data: out };
}

export function argReduce(x: Nd, dim: number | undefined, keepdim: boolean, better: (a: number, b: number) => boolean): Nd {
  if (dim === undefined) {
    let best = 0;
    for (let i = 1; i < x.data.length; i++) if (better(x.data[i]!, x.data[best]!)) best = i;
    return { shape: keepdim ? x.shape.map(() => 1) : [], data: Float64Array.of(best) };
  }
  const d = dim < 0 ? dim + x.shape.length : dim;
  const moved = permute(x, [...[...Array(x.shape.length).keys()].filter((i) => i !== d), d]);
  const r = x.shape[d]!;
  const out = new Float64Array(moved.data.length / r);
  for (let o = 0; o < out.length; o++) {
    let best = 0;
    for (let j = 1; j < r; j++) if (better(moved.data[o * r + j]!, moved.data[o * r + best]!)) best = j;
    out[o] = best;
  }
  const shape = x.shape.filter((_, i) => i !== d);
  return { shape: keepdim ? x.shape.map((s, i) => (i === d ? 1 : s)) : shape, data: out };
}

export interface Win { kernel: [number, number]; stride: [number, number]; padding: [number, number]; dilation: [number, number] }

function positions(h: number, w: number, win: Win): { oh: number; ow: number } {
  const o = (n: number, k: number, s: number, p: number, d: number): number => Math.floor((n + 2 * p - d * (k - 1) - 1) / s) + 1;
  return { oh: o(h, win.kernel[0], win.stride[0], win.padding[0], win.dilation[0]), ow: o(w, win.kernel[1], win.stride[1], win.padding[1], win.dilation[1]) };
}

/** im2col the slow way: [N, C, H, W] → [N, C·kh·kw, L]. */
export function unfold(x: Nd, win: Win): Nd {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const { oh, ow } = positions(h, w, win);
  const [kh, kw] = win.kernel;
  const out: number[] = [];
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++)
    for (let y = 0; y < oh; y++) for (let z = 0; z < ow; z++) {
      const ih = y * win.stride[0] - win.padding[0] + i * win.dilation[0], iw = z * win.stride[1] - win.padding[1] + j * win.dilation[1];
      out.push(ih >= 0 && ih < h && iw >= 0 && iw < w ? x.data[((b * c + ch) * h + ih) * w + iw]! : 0);
    }
  return nd([n, c * kh * kw, oh * ow], out);
}

/** col2im the slow way: the transpose of unfold. */
export function fold(cols: Nd, hw: [number, number], win: Win): Nd {
  const [h, w] = hw;
  const [kh, kw] = win.kernel;
  const n = cols.shape[0]!, c = cols.shape[1]! / (kh * kw);
  const { oh, ow } = positions(h, w, win);
  const out = new Float64Array(n * c * h * w);
  let r = 0;
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++)
    for (let y = 0; y < oh; y++) for (let z = 0; z < ow; z++) {
      const ih = y * win.stride[0] - win.padding[0] + i * win.dilation[0], iw = z * win.stride[1] - win.padding[1] + j * win.dilation[1];
      const v = cols.data[r++]!;
      if (ih >= 0 && ih < h && iw >= 0 && iw < w) out[((b * c + ch) * h + ih) * w + iw]! += v;
    }
  return { shape: [n, c, h, w], data: out };
}

/** Max pooling the slow way. */
export function maxPool(x: Nd, win: Win): Nd {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const { oh, ow } = positions(h, w, win);
  const out: number[] = [];
  for (let b = 0; b < n; b++) for (let ch = 0; ch < c; ch++) for (let y = 0; y < oh; y++) for (let z = 0; z < ow; z++) {
    let m = -Infinity;
    for (let i = 0; i < win.kernel[0]; i++) for (let j = 0; j < win.kernel[1]; j++) {
      const ih = y * win.stride[0] - win.padding[0] + i * win.dilation[0], iw = z * win.stride[1] - win.padding[1] + j * win.dilation[1];
      if (ih >= 0 && ih < h && iw >= 0 && iw < w) m = Math.max(m, x.data[((b * c + ch) * h + ih) * w + iw]!);
    }
    out.push(m);
  }
  return nd([n, c, oh, ow], out);
}

/** Convolution the slow way (cross-correlation, as PyTorch). */
export function conv2d(x: Nd, wt: Nd, bias: Nd | null, win: Win): Nd {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const [o, , kh, kw] = wt.shape as [number, number, number, number];
  const { oh, ow } = positions(h, w, win);
  const out: number[] = [];
  for (let b = 0; b < n; b++) for (let oc = 0; oc < o; oc++) for (let y = 0; y < oh; y++) for (let z = 0; z < ow; z++) {
    let s = bias ? bias.data[oc]! : 0;
    for (let ch = 0; ch < c; ch++) for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) {
      const ih = y * win.stride[0] - win.padding[0] + i * win.dilation[0], iw = z * win.stride[1] - win.padding[1] + j * win.dilation[1];
      if (ih >= 0 && ih < h && iw >= 0 && iw < w) s += x.data[((b * c + ch) * h + ih) * w + iw]! * wt.data[((oc * c + ch) * kh + i) * kw + j]!;
    }
    out.push(s);
  }
  return nd([n, o, oh, ow], out);
}

// The three-point Gauss–Legendre rule on [-1, 1]: nodes and weights.
const GL_NODES = [-Math.sqrt(3 / 5), 0, Math.sqrt(3 / 5)];
const GL_WEIGHTS = [5 / 9, 8 / 9, 5 / 9];

/** erf by numerical integration of 2/√π·e^(−t²) from 0 to x (composite Gauss–Legendre, 400 panels): independent of the library's series. */
export function erf(x: number): number {
  if (x !== x) return NaN;
  if (!Number.isFinite(x)) return Math.sign(x);
  const panels = 400, h = x / panels;
  let s = 0;
  for (let i = 0; i < panels; i++) {
    const mid = (i + 0.5) * h;
    for (let k = 0; k < 3; k++) {
      const t = mid + (GL_NODES[k]! * h) / 2;
      s += (GL_WEIGHTS[k]! * Math.exp(-t * t) * h) / 2;
    }
  }
  return (s * 2) / Math.sqrt(Math.PI);
}

/** `x`'s row-major elements read through (size, stride, offset), as torch.as_strided on a contiguous x. */
export function asStrided(x: Nd, size: number[], stride: number[], offset: number): Nd {
  const out = new Float64Array(size.reduce((a, b) => a * b, 1));
  for (let i = 0; i < out.length; i++) {
    let rem = i, at = offset;
    for (let d = size.length - 1; d >= 0; d--) { at += (rem % size[d]!) * stride[d]!; rem = Math.floor(rem / size[d]!); }
    out[i] = x.data[at]!;
  }
  return { shape: [...size], data: out };
}

/** A copy of `x` with the elements at (size, stride, offset) replaced by `src`'s, as torch.as_strided_scatter. */
export function asStridedScatter(x: Nd, src: Nd, size: number[], stride: number[], offset: number): Nd {
  const data = Float64Array.from(x.data);
  for (let i = 0; i < src.data.length; i++) {
    let rem = i, at = offset;
    for (let d = size.length - 1; d >= 0; d--) { at += (rem % size[d]!) * stride[d]!; rem = Math.floor(rem / size[d]!); }
    data[at] = src.data[i]!;
  }
  return { shape: [...x.shape], data };
}
