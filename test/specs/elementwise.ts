// The generated-suite specs of the elementwise ops of issue 15: for every new primitive, cases (shapes, domains,
// dtypes) and the independent float64 reference it must match (elementwise-reference.ts). op-specs.ts spreads
// ELEMENTWISE_SPECS into SPECS, so ops.test.ts and higher-order.test.ts run each case forward in float64 and
// float32, through gradcheck, gradgradcheck and the JVP checks, on every backend.
import {
  addcdiv, addcmul, atan2, bitwiseAnd, bitwiseLeftShift, bitwiseOr, bitwiseRightShift, bitwiseXor, floorDivide, fmod, hypot, lerp,
  gelu, geluBackward, logSigmoid, remainder, softplus, xlogy, type Primitive, type Tensor,
} from '../../src/index.js';
import type { Arg, Case, Domain, OpSpec } from '../op-specs.js';
import * as R from '../reference.js';
import { rng } from '../support/inputs.js';
import * as E from './elementwise-reference.js';

const f = (shape: number[], domain: Domain = 'any'): Arg => ({ shape, domain });

/** A float argument with values drawn uniformly from [lo, hi) (seeded), for domains the shared ones lack. */
function within(shape: number[], lo: number, hi: number, seed: number): Arg {
  const r = rng(seed), n = R.size(shape);
  return { shape, values: Array.from({ length: n }, () => lo + (hi - lo) * r()) };
}

/** An int32 argument with the given values (repeated to fill the shape). */
function ints(shape: number[], values: number[]): Arg {
  return { shape, dtype: 'int32', values: Array.from({ length: R.size(shape) }, (_, i) => values[i % values.length]!) };
}

/** A bool argument with values drawn from a pattern. */
function bools(shape: number[], values: number[]): Arg {
  return { shape, dtype: 'bool', values: Array.from({ length: R.size(shape) }, (_, i) => values[i % values.length]!) };
}

// [4, 25] has 100 elements: above every wasm size threshold, so the WebAssembly kernels run in the wasm backend.
const UNARY_SHAPES: number[][] = [[3, 4], [], [4, 25]];

type Method = (this: Tensor) => Tensor;

/** A unary op called as a method, against `ref`, on `domain` (or on values drawn from [lo, hi)). */
function unary(name: string, ref: (x: number) => number, domain: Domain | [number, number] = 'any', tolerance?: Case['tolerance']): OpSpec {
  return {
    cases: UNARY_SHAPES.map((shape, i): Case => ({
      label: `shape [${shape.join(', ')}]`,
      args: [typeof domain === 'string' ? f(shape, domain) : within(shape, domain[0], domain[1], 17 + i)],
      run: (x) => ((x as unknown as Record<string, Method>)[name]!).call(x),
      ref: (x) => R.map([x!], ref),
      ...(tolerance ? { tolerance } : {}),
    })),
  };
}

const BIN_SHAPES: [number[], number[], string][] = [
  [[3, 4], [3, 4], 'same shape'],
  [[3, 1], [1, 4], 'broadcast both'],
  [[2, 3, 4], [4], 'broadcast rank'],
  [[], [2, 3], '0-d and 2-d'],
  [[4, 30], [30], 'rows of 30 (wasm)'],
];

/** A binary op called as a function, against `ref`, with a tensor-op-number case. */
function binary(run: (a: Tensor, b: Tensor | number) => Tensor, ref: (a: number, b: number) => number, aDomain: Domain = 'any', bDomain: Domain = 'any', tolerance?: Case['tolerance']): OpSpec {
  return {
    cases: [
      ...BIN_SHAPES.map(([a, b, label]): Case => ({
        label,
        args: [f(a, aDomain), f(b, bDomain)],
        run: (x, y) => run(x!, y!),
        ref: (x, y) => R.map([x!, y!], ref),
        ...(tolerance ? { tolerance } : {}),
      })),
      {
        label: 'tensor op number',
        args: [f([2, 3], aDomain)],
        run: (x) => run(x!, 1.5),
        ref: (x) => R.map([x!], (v) => ref(v, 1.5)),
        ...(tolerance ? { tolerance } : {}),
      },
    ],
  };
}

/** A bitwise op on int32 (signed values, broadcasting, a number) and on bool. */
function bitwise(run: (a: Tensor, b: Tensor | number) => Tensor, ref: (a: number, b: number) => number, shift: boolean): OpSpec {
  const counts = shift ? [0, 1, 5, 31, 3] : [-7, 12, 0x7fffffff, -1, 6, -2147483648];
  const cases: Case[] = [
    { label: 'int32 same shape', args: [ints([3, 4], [-5, 7, 1, 0, -1, 2147483647, -2147483648, 96]), ints([3, 4], counts)], run: (a, b) => run(a!, b!), ref: (a, b) => R.map([a!, b!], ref), outDType: 'int32' },
    { label: 'int32 broadcast', args: [ints([2, 3], [9, -9, 300, 4, -1, 0]), ints([3], counts)], run: (a, b) => run(a!, b!), ref: (a, b) => R.map([a!, b!], ref), outDType: 'int32' },
    { label: 'int32 op number', args: [ints([5], [9, -9, 300, 4, -1])], run: (a) => run(a!, 3), ref: (a) => R.map([a!], (v) => ref(v, 3)), outDType: 'int32' },
  ];
  if (!shift) {
    cases.push({ label: 'bool', args: [bools([2, 4], [1, 0, 1, 1]), bools([4], [0, 1, 1, 0])], run: (a, b) => run(a!, b!), ref: (a, b) => R.map([a!, b!], ref), outDType: 'bool' });
  }
  return { noGrad: true, cases };
}

const float32Loose: Case['tolerance'] = { float32: [1e-5, 1e-6] };

export const ELEMENTWISE_SPECS = {
  gelu: {
    cases: [
      ...UNARY_SHAPES.map((shape, i): Case => ({
        label: `shape [${shape.join(', ')}]`, args: [within(shape, -3.5, 3.5, 40 + i)], run: (x) => gelu(x), ref: (x) => R.map([x!], E.gelu),
      })),
      // Both tails: Φ is taken from erfc below x = -3 in the kernels (1 + erf would cancel); the reference's erf
      // carries ~1e-16 absolute error, so relative closeness is looser where Φ is tiny.
      { label: 'tails (wasm size)', args: [within([4, 25], -9, 9, 44)], run: (x) => gelu(x), ref: (x) => R.map([x!], E.gelu), tolerance: { float64: [1e-9, 1e-12] } },
      { label: 'approximate tanh', args: [within([3, 4], -3, 3, 45)], run: (x) => gelu(x, { approximate: 'tanh' }), ref: (x) => R.map([x!], E.geluTanh) },
    ],
  },
  geluBackward: {
    cases: [
      ...BIN_SHAPES.map(([a, b, label], i): Case => ({
        label, args: [f(a), within(b, -3.5, 3.5, 50 + i)], run: (g, x) => geluBackward(g!, x!), ref: (g, x) => R.map([g!, x!], E.geluBackward),
      })),
      { label: 'tensor g, number x', args: [f([2, 3])], run: (g) => geluBackward(g!, 0.75), ref: (g) => R.map([g!], (v) => E.geluBackward(v, 0.75)) },
    ],
  },
  erfinv: unary('erfinv', E.erfinv, [-0.95, 0.95], { float64: [1e-11, 1e-12] }),
  log1p: unary('log1p', (x) => Math.log(1 + x), [-0.9, 3], { float64: [1e-11, 1e-13] }),
  expm1: unary('expm1', (x) => Math.exp(x) - 1, 'any', { float64: [1e-11, 1e-13] }),
  log2: unary('log2', E.log2, 'positive'),
  log10: unary('log10', E.log10, 'positive'),
  exp2: unary('exp2', E.exp2),
  tan: unary('tan', (x) => Math.sin(x) / Math.cos(x), [-1.4, 1.4], float32Loose),
  asin: unary('asin', Math.asin, [-0.9, 0.9]),
  acos: unary('acos', Math.acos, [-0.9, 0.9]),
  atan: unary('atan', Math.atan),
  sinh: unary('sinh', E.sinh),
  cosh: unary('cosh', E.cosh),
  asinh: unary('asinh', E.asinh),
  acosh: unary('acosh', E.acosh, [1.1, 4]),
  atanh: unary('atanh', E.atanh, [-0.9, 0.9], float32Loose),
  floor: unary('floor', Math.floor, [-3, 3]),
  ceil: unary('ceil', Math.ceil, [-3, 3]),
  round: {
    cases: [
      ...unary('round', E.roundHalfEven, [-3, 3]).cases,
      // Ties to even at every half, and decimals both ways.
      { label: 'halves', args: [{ shape: [8], values: [-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5, 4.5] }], run: (x) => x.round(), ref: (x) => R.map([x!], E.roundHalfEven), skipGradcheck: true },
      { label: 'decimals 2', args: [within([3, 4], -3, 3, 5)], run: (x) => x.round({ decimals: 2 }), ref: (x) => R.map([x!], (v) => E.roundHalfEven(v * 100) / 100), tolerance: { float32: [1e-6, 1e-6] } },
      { label: 'decimals -1', args: [within([5], -300, 300, 6)], run: (x) => x.round({ decimals: -1 }), ref: (x) => R.map([x!], (v) => E.roundHalfEven(v / 10) * 10) },
    ],
  },
  trunc: unary('trunc', Math.trunc, [-3, 3]),
  frac: unary('frac', (x) => x - Math.trunc(x), [-3, 3]),
  softplus: {
    cases: [
      { label: 'defaults', args: [within([3, 4], -4, 4, 7)], run: (x) => softplus(x), ref: (x) => R.map([x!], (v) => E.softplus(v)) },
      { label: 'defaults, past the threshold (wasm size)', args: [within([4, 25], -30, 30, 8)], run: (x) => softplus(x), ref: (x) => R.map([x!], (v) => E.softplus(v)), tolerance: { float64: [1e-12, 1e-12], float32: [3e-6, 2e-6] } },
      { label: 'beta 2, threshold 1', args: [within([3, 4], -2, 2, 9)], run: (x) => softplus(x, { beta: 2, threshold: 1 }), ref: (x) => R.map([x!], (v) => E.softplus(v, 2, 1)) },
      { label: '0-d, beta 0.5', args: [f([])], run: (x) => softplus(x, { beta: 0.5 }), ref: (x) => R.map([x!], (v) => E.softplus(v, 0.5)) },
    ],
  },
  logSigmoid: {
    cases: UNARY_SHAPES.map((shape, i): Case => ({
      label: `shape [${shape.join(', ')}]`, args: [within(shape, -8, 8, 30 + i)], run: (x) => logSigmoid(x), ref: (x) => R.map([x!], E.logSigmoid), tolerance: { float64: [1e-11, 1e-13] },
    })),
  },
  atan2: binary((a, b) => atan2(a, b), Math.atan2),
  fmod: binary((a, b) => fmod(a, b), E.fmod, 'any', 'any', { float64: [1e-12, 1e-12], float32: [1e-5, 1e-6] }),
  remainder: binary((a, b) => remainder(a, b), E.remainder, 'any', 'any', { float64: [1e-12, 1e-12], float32: [1e-5, 1e-6] }),
  floorDivide: { ...binary((a, b) => floorDivide(a, b), E.floorDivide), noGrad: true },
  hypot: binary((a, b) => hypot(a, b), E.hypot),
  xlogy: {
    cases: [
      ...binary((a, b) => xlogy(a, b), E.xlogy, 'any', 'positive').cases,
      // a = 0 exactly: the result is 0 and the gradient toward a is log(b) (b > 0).
      { label: 'zeros in a', args: [{ shape: [4], values: [0, 1.5, 0, -0.5] }, f([4], 'positive')], run: (a, b) => xlogy(a!, b!), ref: (a, b) => R.map([a!, b!], E.xlogy) },
    ],
  },
  bitwiseAnd: bitwise((a, b) => bitwiseAnd(a, b), (a, b) => a & b, false),
  bitwiseOr: bitwise((a, b) => bitwiseOr(a, b), (a, b) => a | b, false),
  bitwiseXor: bitwise((a, b) => bitwiseXor(a, b), (a, b) => a ^ b, false),
  bitwiseLeftShift: bitwise((a, b) => bitwiseLeftShift(a, b), (a, b) => Number(BigInt.asIntN(32, BigInt(a) << BigInt(b))), true),
  bitwiseRightShift: bitwise((a, b) => bitwiseRightShift(a, b), (a, b) => Math.floor(a / 2 ** b), true),
  lerp: {
    cases: [
      { label: 'tensor weight, same shape', args: [f([3, 4]), f([3, 4]), f([3, 4], 'unit')], run: (a, b, w) => lerp(a!, b!, w!), ref: (a, b, w) => R.map([a!, b!, w!], E.lerp) },
      { label: 'weight beyond [0, 1], broadcast', args: [f([2, 1, 4]), f([3, 1]), f([4])], run: (a, b, w) => lerp(a!, b!, w!), ref: (a, b, w) => R.map([a!, b!, w!], E.lerp) },
      { label: 'number weight 0.25', args: [f([2, 3]), f([2, 3])], run: (a, b) => a!.lerp(b!, 0.25), ref: (a, b) => R.map([a!, b!], (x, y) => E.lerp(x, y, 0.25)) },
      { label: 'number weight 0.75 (the far side)', args: [f([5]), f([])], run: (a, b) => lerp(a!, b!, 0.75), ref: (a, b) => R.map([a!, b!], (x, y) => E.lerp(x, y, 0.75)) },
    ],
  },
  addcmul: {
    cases: [
      { label: 'same shape', args: [f([3, 4]), f([3, 4]), f([3, 4])], run: (a, b, c) => addcmul(a!, b!, c!), ref: (a, b, c) => R.map([a!, b!, c!], (x, y, z) => x + y * z) },
      { label: 'broadcast, value 0.5', args: [f([4]), f([3, 1]), f([2, 1, 4])], run: (a, b, c) => a!.addcmul(b!, c!, { value: 0.5 }), ref: (a, b, c) => R.map([a!, b!, c!], (x, y, z) => x + 0.5 * y * z) },
      { label: '0-d input, value -2', args: [f([]), f([2, 3]), f([2, 3])], run: (a, b, c) => addcmul(a!, b!, c!, { value: -2 }), ref: (a, b, c) => R.map([a!, b!, c!], (x, y, z) => x - 2 * y * z) },
    ],
  },
  addcdiv: {
    cases: [
      { label: 'same shape', args: [f([3, 4]), f([3, 4]), f([3, 4], 'positive')], run: (a, b, c) => addcdiv(a!, b!, c!), ref: (a, b, c) => R.map([a!, b!, c!], (x, y, z) => x + y / z) },
      { label: 'broadcast, value -0.1', args: [f([2, 3]), f([3]), f([2, 1], 'positive')], run: (a, b, c) => a!.addcdiv(b!, c!, { value: -0.1 }), ref: (a, b, c) => R.map([a!, b!, c!], (x, y, z) => x - (0.1 * y) / z) },
    ],
  },
} satisfies Partial<Record<Primitive, OpSpec>>;

/** Extra cases for clamp (whose number-bound cases are in op-specs.ts): tensor bounds. */
export const CLAMP_TENSOR_CASES: Case[] = [
  { label: 'tensor min and max (some min > max)', args: [f([3, 4]), f([3, 4]), f([4])], run: (x, lo, hi) => x!.clamp(lo!, hi!), ref: (x, lo, hi) => R.map([x!, lo!, hi!], E.clamp) },
  { label: 'tensor min only, broadcast', args: [f([2, 3]), f([3])], run: (x, lo) => x!.clamp({ min: lo! }), ref: (x, lo) => R.map([x!, lo!], (v, l) => Math.max(v, l)) },
  { label: 'tensor max, number min', args: [f([5]), f([])], run: (x, hi) => x!.clamp(-0.5, hi!), ref: (x, hi) => R.map([x!, hi!], (v, h) => E.clamp(v, -0.5, h)) },
];

