// Specs of the wasmk area's primitives (issue 19): adaptive average pooling and its transpose. The generated suites
// run each case forward against the float64 references of wasmk-reference.ts, in float32, and through gradcheck,
// gradgradcheck and the JVP on every backend.
import { adaptiveAvgPool2d, adaptiveAvgPool2dBackward, type Primitive } from '../../src/index.js';
import type { Arg, Case, OpSpec } from '../op-specs.js';
import * as W from './wasmk-reference.js';

const f = (shape: number[]): Arg => ({ shape, domain: 'any' });

export const WASMK_SPECS = {
  adaptiveAvgPool2d: {
    cases: ([
      ['7×5 to 2×3 (uneven windows)', [2, 3, 7, 5], [2, 3]],
      ['4×6 to 2×3 (windows that tile the input)', [1, 2, 4, 6], [2, 3]],
      ['5×5 to 3×3 (overlapping windows)', [1, 1, 5, 5], [3, 3]],
      ['3×2 to 5×4 (upsampling)', [1, 2, 3, 2], [5, 4]],
      ['global (1×1)', [2, 2, 3, 4], [1, 1]],
    ] as [string, number[], [number, number]][]).map(([label, shape, size]): Case => ({
      label, args: [f(shape)], run: (x) => adaptiveAvgPool2d(x!, size), ref: (x) => W.adaptiveAvgPool(x!, size[0], size[1]),
    })).concat([
      { label: 'unbatched [C, H, W], a null size keeps the width', args: [f([2, 5, 3])], run: (x) => adaptiveAvgPool2d(x!, [2, null]),
        ref: (x) => W.adaptiveAvgPool(x!, 2, 3) },
    ]),
  },
  adaptiveAvgPool2dBackward: {
    cases: ([
      ['of 7×5 to 2×3', [2, 1, 2, 3], [7, 5]],
      ['of 5×5 to 3×3 (overlapping windows)', [1, 2, 3, 3], [5, 5]],
      ['of 3×2 to 5×4 (upsampling)', [1, 1, 5, 4], [3, 2]],
    ] as [string, number[], [number, number]][]).map(([label, shape, hw]): Case => ({
      label, args: [f(shape)],
      run: (g) => adaptiveAvgPool2dBackward(g!, { outputSize: [shape[2]!, shape[3]!], inputHW: hw }),
      ref: (g) => W.adaptiveAvgPoolBackward(g!, hw[0], hw[1]),
    })),
  },
} satisfies Partial<Record<Primitive, OpSpec>>;
