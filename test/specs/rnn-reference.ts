// Independent float64 references for the rnn area's primitives (losses, pooling, interpolation): naive loops
// that share no code with the library.
import { map, type Nd } from '../reference.js';

/** Per-element binary cross-entropy with PyTorch's log clamp at −100. */
export function binaryCrossEntropy(x: Nd, t: Nd): Nd {
  return map([x, t], (p, y) => -(y * Math.max(Math.log(p), -100) + (1 - y) * Math.max(Math.log(1 - p), -100)));
}

/** An average pooling's parameters, spelled out. */
export interface AvgWin {
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  ceilMode: boolean;
  countIncludePad: boolean;
  /** 0: none. */
  divisor: number;
}

function pooledLength(size: number, k: number, s: number, p: number, ceil: boolean): number {
  const span = size + 2 * p - k;
  let n = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  // The last window must start inside the input or the left padding.
  if (ceil && (n - 1) * s >= size + p) n -= 1;
  return n;
}

/** For each output position of one axis: [first, end) of the input it covers and the size of the padded window. */
function windows(size: number, k: number, s: number, p: number, ceil: boolean): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let o = 0; o < pooledLength(size, k, s, p, ceil); o++) {
    const start = o * s - p;
    const end = Math.min(start + k, size + p);
    out.push([Math.max(start, 0), Math.min(end, size), end - start]);
  }
  return out;
}

/** Average pooling of `[N, C, H, W]`, written out window by window. */
export function avgPool(x: Nd, w: AvgWin): Nd {
  const [n, c, h, wd] = x.shape as [number, number, number, number];
  const rows = windows(h, w.kernel[0], w.stride[0], w.padding[0], w.ceilMode), cols = windows(wd, w.kernel[1], w.stride[1], w.padding[1], w.ceilMode);
  const out: number[] = [];
  for (let b = 0; b < n * c; b++) {
    for (const [r0, r1, rp] of rows) {
      for (const [c0, c1, cp] of cols) {
        let s = 0;
        for (let i = r0; i < r1; i++) for (let j = c0; j < c1; j++) s += x.data[b * h * wd + i * wd + j]!;
        const count = w.divisor || (w.countIncludePad ? rp * cp : (r1 - r0) * (c1 - c0));
        out.push(r0 >= r1 || c0 >= c1 ? 0 : s / count);
      }
    }
  }
  return { shape: [n, c, rows.length, cols.length], data: Float64Array.from(out) };
}

/** The transpose of `avgPool`: each output gradient spread over its window, for an input of `hw`. */
export function avgPoolBackward(g: Nd, hw: [number, number], w: AvgWin): Nd {
  const [n, c] = g.shape as [number, number];
  const [h, wd] = hw;
  const rows = windows(h, w.kernel[0], w.stride[0], w.padding[0], w.ceilMode), cols = windows(wd, w.kernel[1], w.stride[1], w.padding[1], w.ceilMode);
  const out = new Float64Array(n * c * h * wd);
  let k = 0;
  for (let b = 0; b < n * c; b++) {
    for (const [r0, r1, rp] of rows) {
      for (const [c0, c1, cp] of cols) {
        const count = w.divisor || (w.countIncludePad ? rp * cp : (r1 - r0) * (c1 - c0));
        const v = g.data[k++]!;
        for (let i = r0; i < r1; i++) for (let j = c0; j < c1; j++) out[b * h * wd + i * wd + j]! += v / count;
      }
    }
  }
  return { shape: [n, c, h, wd], data: out };
}

/** The position (ih·W + iw) of the first maximum of each adaptive window of `[N, C, H, W]`. */
export function adaptiveMaxIndices(x: Nd, oh: number, ow: number): Nd {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  const out: number[] = [];
  for (let b = 0; b < n * c; b++) {
    for (let i = 0; i < oh; i++) {
      for (let j = 0; j < ow; j++) {
        let best = -Infinity, at = -1;
        for (let r = Math.floor((i * h) / oh); r < Math.ceil(((i + 1) * h) / oh); r++) {
          for (let q = Math.floor((j * w) / ow); q < Math.ceil(((j + 1) * w) / ow); q++) {
            const v = x.data[b * h * w + r * w + q]!;
            if (at < 0 || v > best) { best = v; at = r * w + q; }
          }
        }
        out.push(at);
      }
    }
  }
  return { shape: [n, c, oh, ow], data: Float64Array.from(out) };
}
