// Independent float64 references for the wasmk area's primitives (adaptive average pooling and its transpose):
// naive loops that share no code with the library.
import { nd, type Nd } from '../reference.js';

/** Rows [start, end) of adaptive window i of `out` over `size`: [⌊i·size/out⌋, ⌈(i+1)·size/out⌉). */
function bounds(i: number, size: number, out: number): [number, number] {
  return [Math.floor((i * size) / out), Math.ceil(((i + 1) * size) / out)];
}

/** Adaptive average pooling of `x` `[N, C, H, W]` (or `[C, H, W]`) to `oh × ow`: the mean of each window. */
export function adaptiveAvgPool(x: Nd, oh: number, ow: number): Nd {
  const lead = x.shape.slice(0, -2), [H, W] = x.shape.slice(-2) as [number, number];
  const planes = lead.reduce((a, b) => a * b, 1);
  const out: number[] = [];
  for (let p = 0; p < planes; p++) {
    for (let i = 0; i < oh; i++) {
      const [r0, r1] = bounds(i, H, oh);
      for (let j = 0; j < ow; j++) {
        const [c0, c1] = bounds(j, W, ow);
        let s = 0;
        for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) s += x.data[p * H * W + r * W + c]!;
        out.push(s / ((r1 - r0) * (c1 - c0)));
      }
    }
  }
  return nd([...lead, oh, ow], out);
}

/** The transpose of `adaptiveAvgPool`: each gradient of `g` `[N, C, oh, ow]` spread evenly over its window of `H × W`. */
export function adaptiveAvgPoolBackward(g: Nd, H: number, W: number): Nd {
  const [n, c, oh, ow] = g.shape as [number, number, number, number];
  const out = new Float64Array(n * c * H * W);
  for (let p = 0; p < n * c; p++) {
    for (let i = 0; i < oh; i++) {
      const [r0, r1] = bounds(i, H, oh);
      for (let j = 0; j < ow; j++) {
        const [c0, c1] = bounds(j, W, ow);
        const v = g.data[(p * oh + i) * ow + j]! / ((r1 - r0) * (c1 - c0));
        for (let r = r0; r < r1; r++) for (let c = c0; c < c1; c++) out[p * H * W + r * W + c]! += v;
      }
    }
  }
  return nd([n, c, H, W], out);
}
