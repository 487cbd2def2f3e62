// Specs of the rnn area's primitives (issue 16, part B): binary cross-entropy, the pooling and interpolation
// kernels. The generated suites run each case forward against the float64 reference, in float32, and through
// gradcheck, gradgradcheck and the JVP on every backend.
import { binaryCrossEntropy, type Primitive, type Tensor } from '../../src/index.js';
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
} satisfies Partial<Record<Primitive, OpSpec>>;
