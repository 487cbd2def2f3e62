// Specs of the rnn area's primitives (issue 16, part B): binary cross-entropy, the pooling and interpolation
// kernels. The generated suites run each case forward against the float64 reference, in float32, and through
// gradcheck, gradgradcheck and the JVP on every backend.
import { adaptiveMaxPool2dIndices, avgPool2d, avgPool2dBackward, binaryCrossEntropy, type Primitive, type Tensor } from '../../src/index.js';
import type { Arg, Case, OpSpec } from '../op-specs.js';
import type { Nd } from '../reference.js';
import * as R from '../reference.js';
import * as X from './rnn-reference.js';

const f = (shape: number[], domain: Arg['domain'] = 'any'): Arg => ({ shape, domain });
// Probabilities kept inside (0.1, 0.9), where finite differences of the logs are accurate.
const prob = (x: Tensor): Tensor => x.mul(0.8).add(0.1);
const probNd = (x: Nd): Nd => R.map([x], (v) => v * 0.8 + 0.1);

export const RNN_SPECS = {
  binaryCrossEntropy: {
    cases: [
      { label: 'reduction none', args: [f([3, 4], 'unit'), f([3, 4], 'unit')], run: (x, t) => binaryCrossEntropy(prob(x!), t!, { reduction: 'none' }),
        ref: (x, t) => X.binaryCrossEntropy(probNd(x!), t!) },
      { label: 'mean (the default), 0-d', args: [f([], 'unit'), f([], 'unit')], run: (x, t) => binaryCrossEntropy(prob(x!), t!),
        ref: (x, t) => X.binaryCrossEntropy(probNd(x!), t!) },
      { label: 'sum with a weight', args: [f([2, 3], 'unit'), f([2, 3], 'unit'), f([3], 'positive')], run: (x, t, w) => binaryCrossEntropy(prob(x!), t!, { weight: w!, reduction: 'sum' }),
        ref: (x, t, w) => {
          const l = R.map([X.binaryCrossEntropy(probNd(x!), t!), w!], (a, b) => a * b);
          return R.nd([], [R.sumOf([...l.data])]);
        } },
    ] satisfies Case[],
  },
  avgPool2d: {
    cases: ([
      ['kernel 2 (stride 2)', [2, 3, 4, 6], 2, {}, win([2, 2], [2, 2], [0, 0])],
      ['kernel 3, stride 2, padding 1, countIncludePad false', [1, 2, 7, 5], 3, { stride: 2, padding: 1, countIncludePad: false }, win([3, 3], [2, 2], [1, 1], { countIncludePad: false })],
      ['kernel 3, stride 2, padding 1, ceilMode (partial windows)', [1, 2, 6, 6], 3, { stride: 2, padding: 1, ceilMode: true }, win([3, 3], [2, 2], [1, 1], { ceilMode: true })],
      ['kernel (2, 3), stride (1, 2), divisorOverride 5, ceilMode', [2, 1, 4, 6], [2, 3], { stride: [1, 2], ceilMode: true, divisorOverride: 5 }, win([2, 3], [1, 2], [0, 0], { ceilMode: true, divisor: 5 })],
      ['ceilMode without padding, countIncludePad false', [1, 1, 5, 5], 2, { ceilMode: true, countIncludePad: false }, win([2, 2], [2, 2], [0, 0], { ceilMode: true, countIncludePad: false })],
    ] as [string, number[], number | [number, number], Record<string, unknown>, X.AvgWin][]).map(([label, shape, k, opts, w]): Case => ({
      label, args: [f(shape)], run: (x) => avgPool2d(x!, k, opts), ref: (x) => X.avgPool(x!, w),
    })).concat([{ label: 'unbatched [C, H, W]', args: [f([3, 4, 4])], run: (x) => avgPool2d(x!, 2, { stride: 1 }),
      ref: (x) => { const y = X.avgPool({ shape: [1, ...x!.shape], data: x!.data }, win([2, 2], [1, 1], [0, 0])); return { shape: y.shape.slice(1), data: y.data }; } }]),
  },
  avgPool2dBackward: {
    cases: ([
      ['of kernel 3, stride 2, padding 1', [1, 2, 4, 3], [7, 5], win([3, 3], [2, 2], [1, 1])],
      ['of ceilMode, countIncludePad false', [2, 1, 4, 4], [6, 6], win([3, 3], [2, 2], [1, 1], { ceilMode: true, countIncludePad: false })],
      ['of divisorOverride 3, overlapping windows', [1, 1, 3, 3], [4, 6], win([2, 3], [1, 2], [0, 0], { ceilMode: true, divisor: 3 })],
    ] as [string, number[], [number, number], X.AvgWin][]).map(([label, shape, hw, w]): Case => ({
      label, args: [f(shape)],
      run: (g) => avgPool2dBackward(g!, { kernel: w.kernel, stride: w.stride, padding: w.padding, dilation: [1, 1], inputHW: hw, ceilMode: w.ceilMode, countIncludePad: w.countIncludePad, divisor: w.divisor }),
      ref: (g) => X.avgPoolBackward(g!, hw, w),
    })),
  },
  adaptiveMaxPool2dIndices: {
    noGrad: true,
    cases: ([
      ['7×5 to 2×3 (uneven windows)', [2, 3, 7, 5], [2, 3]],
      ['4×4 to 2×2 (kernel 2)', [1, 2, 4, 4], [2, 2]],
      ['5×5 to 3×3 (overlapping windows)', [1, 1, 5, 5], [3, 3]],
      ['3×2 to 5×4 (upsampling)', [1, 2, 3, 2], [5, 4]],
    ] as [string, number[], [number, number]][]).map(([label, shape, size]): Case => ({
      label, args: [f(shape)], run: (x) => adaptiveMaxPool2dIndices(x!, size), ref: (x) => X.adaptiveMaxIndices(x!, size[0], size[1]), outDType: 'int32',
    })),
  },
} satisfies Partial<Record<Primitive, OpSpec>>;

function win(kernel: [number, number], stride: [number, number], padding: [number, number], o: Partial<X.AvgWin> = {}): X.AvgWin {
  return { kernel, stride, padding, ceilMode: false, countIncludePad: true, divisor: 0, ...o };
}
