// The test table: for every entry of the op table, cases (input shapes and domains), how to call the op,
// and the float64 reference it must match. ops.test.ts and higher-order.test.ts turn each case into forward,
// float32, gradcheck, gradgradcheck and JVP tests on every backend. SPECS is typed by the op table's names, so
// an op without an entry here is a compile error (`npm test` type-checks first).
import {
  cat, conv2d, fold, maxPool2d, reluBackward, sigmoidBackward, stack, tanhBackward, unfold, type Primitive, type Tensor,
} from '../src/index.js';
import type { COMPOSITES } from '../src/ops/composite.js';
import * as R from './reference.js';
import type { Nd } from './reference.js';
import type { Arg, Domain } from './support/inputs.js';
import { LAYERS_SPECS } from './specs/layers.js';
import { RNN_SPECS } from './specs/rnn.js';
import { CLAMP_TENSOR_CASES, ELEMENTWISE_SPECS } from './specs/elementwise.js';
import { LINALG_SPECS } from './specs/linalg.js';
import { SPEED_SPECS } from './specs/speed.js';
import { INDEX_SELECT_CASES, INDEXING_SPECS } from './specs/indexing.js';
import { REDUCTION_SPECS } from './specs/reductions.js';

export type { Arg, Domain } from './support/inputs.js';

/** Tolerances `[rtol, atol]` of a forward check. */
export type Tolerance = readonly [rtol: number, atol: number];

export interface Case {
  readonly label: string;
  readonly args: readonly Arg[];
  readonly run: (...t: Tensor[]) => Tensor;
  readonly ref: (...a: Nd[]) => Nd;
  /** dtype of the result when it is not the float input dtype. */
  readonly outDType?: 'int32' | 'bool';
  /** Skip gradcheck for this case (a float32 round trip is not smooth at finite-difference scale). */
  readonly skipGradcheck?: boolean;
  /** Forward tolerances where the defaults (float64 `[1e-12, 1e-12]`, float32 `[2e-6, 2e-6]`) do not fit the op. */
  readonly tolerance?: { readonly float64?: Tolerance; readonly float32?: Tolerance };
}

export interface OpSpec {
  readonly cases: readonly Case[];
  /** Skip gradcheck (non-differentiable ops). */
  readonly noGrad?: boolean;
}

const f = (shape: number[], domain: Domain = 'any'): Arg => ({ shape, domain });
const BIN_SHAPES: [number[], number[], string][] = [
  [[3, 4], [3, 4], 'same shape'],
  [[3, 1], [1, 4], 'broadcast both'],
  [[2, 3, 4], [4], 'broadcast rank'],
  [[], [2, 3], '0-d and 2-d'],
  [[5], [], '1-d and 0-d'],
  [[], [], '0-d'],
];

function binary(name: string, ref: (a: number, b: number) => number, bDomain: Domain = 'any', aDomain: Domain = 'any', outDType?: 'bool'): OpSpec {
  return {
    noGrad: outDType === 'bool',
    cases: [
      ...BIN_SHAPES.map(([a, b, label]): Case => ({
        label,
        args: [f(a, aDomain), f(b, bDomain)],
        run: (x, y) => (x as unknown as Record<string, (o: Tensor) => Tensor>)[name]!.call(x, y!),
        ref: (x, y) => R.map([x!, y!], ref),
        ...(outDType ? { outDType } : {}),
      })),
      {
        label: 'tensor op number',
        args: [f([2, 3], aDomain)],
        run: (x) => (x as unknown as Record<string, (o: number) => Tensor>)[name]!.call(x, 1.5),
        ref: (x) => R.map([x!], (v) => ref(v, 1.5)),
        ...(outDType ? { outDType } : {}),
      },
    ],
  };
}

/** An activation gradient (g, y) → g·f(y), as a function (these ops have no Tensor method): y in (0, 1). */
function activationGrad(run: (g: Tensor, y: Tensor) => Tensor, ref: (g: number, y: number) => number): OpSpec {
  return {
    cases: BIN_SHAPES.map(([a, b, label]): Case => ({
      label,
      args: [f(a), f(b, 'unit')],
      run: (g, y) => run(g, y!),
      ref: (g, y) => R.map([g!, y!], ref),
    })),
  };
}

function unary(name: string, ref: (x: number) => number, domain: Domain = 'any'): OpSpec {
  return {
    cases: [[3, 4], [], [2, 3, 5], [0]].map((shape): Case => ({
      label: `shape [${shape.join(', ')}]`,
      args: [f(shape, domain)],
      run: (x) => (x as unknown as Record<string, () => Tensor>)[name]!.call(x),
      ref: (x) => R.map([x!], ref),
    })),
    ...(name === 'sign' ? { noGrad: true } : {}),
  };
}

const DIM_CASES: [number[], number[] | number | undefined, boolean][] = [
  [[3, 4], undefined, false],
  [[3, 4], 1, false],
  [[3, 4], 0, true],
  [[2, 3, 4], [0, 2], false],
  [[2, 3, 4], [-1, -2], true],
  [[], undefined, false],
  [[5], 0, false],
];

function reduction(name: 'sum' | 'mean' | 'logsumexp', ref: (v: number[]) => number): OpSpec {
  return {
    cases: DIM_CASES.map(([shape, dim, keepdim]): Case => ({
      label: `[${shape.join(', ')}] dim ${JSON.stringify(dim)} keepdim ${keepdim}`,
      args: [f(shape)],
      run: (x) => x[name](dim, keepdim),
      ref: (x) => R.reduce(x!, dim === undefined ? undefined : typeof dim === 'number' ? [dim] : dim, keepdim, ref),
    })),
  };
}

function argReduction(name: 'argmax' | 'argmin', better: (a: number, b: number) => boolean): OpSpec {
  const cases: [number[], number | undefined, boolean][] = [[[3, 4], undefined, false], [[3, 4], 1, false], [[3, 4], 0, true], [[2, 3, 4], -1, false], [[4], undefined, true]];
  return {
    noGrad: true,
    cases: cases.map(([shape, dim, keepdim]): Case => ({
      label: `[${shape.join(', ')}] dim ${dim} keepdim ${keepdim}`,
      args: [f(shape)],
      run: (x) => x[name](dim, keepdim),
      ref: (x) => R.argReduce(x!, dim, keepdim, better),
      outDType: 'int32',
    })),
  };
}

const idx = (shape: number[], values: number[]): Arg => ({ shape, dtype: 'int32', values });

/**
 * Every primitive's spec (a compile error when one is missing), and specs of composites where an area's ops are
 * composites (einsum, addmm, …): the generated suites run them the same way.
 */
export const SPECS: Record<Primitive, OpSpec> & Partial<Record<keyof typeof COMPOSITES, OpSpec>> = {
  ...LINALG_SPECS,
  ...INDEXING_SPECS,
  ...REDUCTION_SPECS,
  ...LAYERS_SPECS,
  ...SPEED_SPECS,
  add: binary('add', (a, b) => a + b),
  sub: binary('sub', (a, b) => a - b),
  mul: binary('mul', (a, b) => a * b),
  div: binary('div', (a, b) => a / b, 'positive'),
  pow: binary('pow', Math.pow, 'any', 'positive'),
  maximum: binary('maximum', Math.max),
  minimum: binary('minimum', Math.min),
  eq: binary('eq', (a, b) => (a === b ? 1 : 0), 'any', 'any', 'bool'),
  ne: binary('ne', (a, b) => (a !== b ? 1 : 0), 'any', 'any', 'bool'),
  lt: binary('lt', (a, b) => (a < b ? 1 : 0), 'any', 'any', 'bool'),
  le: binary('le', (a, b) => (a <= b ? 1 : 0), 'any', 'any', 'bool'),
  gt: binary('gt', (a, b) => (a > b ? 1 : 0), 'any', 'any', 'bool'),
  ge: binary('ge', (a, b) => (a >= b ? 1 : 0), 'any', 'any', 'bool'),
  tanhBackward: activationGrad(tanhBackward, (g, y) => g * (1 - y * y)),
  sigmoidBackward: activationGrad(sigmoidBackward, (g, y) => g * (1 - y) * y),
  // y is shifted into (-0.5, 0.5) so that both sides of the cut are tested.
  reluBackward: {
    cases: BIN_SHAPES.map(([a, b, label]): Case => ({
      label,
      args: [f(a), f(b, 'unit')],
      run: (g, y) => reluBackward(g, y!.sub(0.5)),
      ref: (g, y) => R.map([g!, y!], (gv, yv) => (yv - 0.5 <= 0 ? 0 : gv)),
    })),
  },
  neg: unary('neg', (x) => -x),
  exp: unary('exp', Math.exp),
  log: unary('log', Math.log, 'positive'),
  sqrt: unary('sqrt', Math.sqrt, 'positive'),
  abs: unary('abs', Math.abs),
  sin: unary('sin', Math.sin),
  cos: unary('cos', Math.cos),
  tanh: unary('tanh', Math.tanh),
  sigmoid: unary('sigmoid', (x) => 1 / (1 + Math.exp(-x))),
  relu: unary('relu', (x) => Math.max(x, 0)),
  sign: unary('sign', Math.sign),
  erf: unary('erf', R.erf),
  where: {
    cases: [
      { label: 'same shape', args: [{ shape: [3, 4], dtype: 'bool' as const }, f([3, 4]), f([3, 4])] },
      { label: 'broadcast', args: [{ shape: [3, 1], dtype: 'bool' as const }, f([4]), f([3, 4])] },
      { label: '0-d branch', args: [{ shape: [2, 3], dtype: 'bool' as const }, f([2, 3]), f([])] },
    ].map((c): Case => ({ ...c, run: (c_, a, b) => a!.where(c_!, b!), ref: (c_, a, b) => R.map([c_!, a!, b!], (p, x, y) => (p ? x : y)) })),
  },
  clamp: {
    cases: [
      { label: 'both bounds', args: [f([3, 4])], run: (x) => x.clamp({ min: -0.5, max: 0.75 }), ref: (x) => R.map([x!], (v) => Math.min(Math.max(v, -0.5), 0.75)) },
      { label: 'min only', args: [f([5])], run: (x) => x.clamp({ min: 0.25 }), ref: (x) => R.map([x!], (v) => Math.max(v, 0.25)) },
      { label: 'max only 0-d', args: [f([])], run: (x) => x.clamp({ max: -0.3 }), ref: (x) => R.map([x!], (v) => Math.min(v, -0.3)) },
      ...CLAMP_TENSOR_CASES,
    ],
  },
  sum: reduction('sum', R.sumOf),
  mean: reduction('mean', (v) => R.sumOf(v) / v.length),
  logsumexp: reduction('logsumexp', R.lse),
  argmax: argReduction('argmax', (a, b) => a > b),
  argmin: argReduction('argmin', (a, b) => a < b),
  matmul: {
    cases: ([
      [[3, 4], [4, 5], '2-d'],
      [[4], [4], '1-d · 1-d'],
      [[4], [4, 3], '1-d · 2-d'],
      [[3, 4], [4], '2-d · 1-d'],
      [[2, 3, 4], [4, 5], 'batched · 2-d'],
      [[2, 1, 3, 4], [3, 4, 2], 'broadcast batches'],
      [[1, 7], [7, 9], 'row'],
      [[9, 17], [17, 13], 'odd sizes'],
    ] as [number[], number[], string][]).map(([a, b, label]): Case => ({ label, args: [f(a), f(b)], run: (x, y) => x!.matmul(y!), ref: (x, y) => R.matmul(x!, y!) })),
  },
  reshape: {
    cases: [
      { label: '[3, 4] → [2, 6]', args: [f([3, 4])], run: (x) => x.reshape([2, 6]), ref: (x) => R.nd([2, 6], x!.data) },
      { label: 'infer -1', args: [f([2, 3, 4])], run: (x) => x.reshape([-1, 4]), ref: (x) => R.nd([6, 4], x!.data) },
      { label: 'to 0-d', args: [f([1, 1])], run: (x) => x.reshape([]), ref: (x) => R.nd([], x!.data) },
      { label: 'non-contiguous input', args: [f([3, 4])], run: (x) => x.transpose(0, 1).reshape([12]), ref: (x) => R.nd([12], R.permute(x!, [1, 0]).data) },
      { label: 'squeeze/unsqueeze/flatten', args: [f([2, 1, 3])], run: (x) => x.squeeze(1).unsqueeze(0).flatten(), ref: (x) => R.nd([6], x!.data) },
    ],
  },
  permute: {
    cases: [
      { label: 'permute 3-d', args: [f([2, 3, 4])], run: (x) => x.permute([2, 0, 1]), ref: (x) => R.permute(x!, [2, 0, 1]) },
      { label: 'transpose', args: [f([3, 5])], run: (x) => x.transpose(0, 1), ref: (x) => R.permute(x!, [1, 0]) },
      { label: 'negative dims', args: [f([2, 3, 4])], run: (x) => x.transpose(-1, -3), ref: (x) => R.permute(x!, [2, 1, 0]) },
      { label: 'then exp (strided kernel input)', args: [f([3, 4])], run: (x) => x.T.exp(), ref: (x) => R.map([R.permute(x!, [1, 0])], Math.exp) },
    ],
  },
  expand: {
    cases: [
      { label: '[3, 1] → [3, 4]', args: [f([3, 1])], run: (x) => x.expand([3, 4]), ref: (x) => R.map([x!, R.nd([3, 4], new Array(12).fill(0))], (a) => a) },
      { label: 'new leading dims', args: [f([4])], run: (x) => x.expand([2, 3, -1]), ref: (x) => R.map([x!, R.nd([2, 3, 4], new Array(24).fill(0))], (a) => a) },
      { label: '0-d', args: [f([])], run: (x) => x.expand([2, 2]).mul(1), ref: (x) => R.map([x!, R.nd([2, 2], [0, 0, 0, 0])], (a) => a) },
    ],
  },
  narrow: {
    cases: [
      { label: 'dim 1', args: [f([3, 5])], run: (x) => x.narrow(1, 1, 3), ref: (x) => R.narrow(x!, 1, 1, 3) },
      { label: 'dim 0 start', args: [f([4, 2])], run: (x) => x.narrow(0, 0, 2), ref: (x) => R.narrow(x!, 0, 0, 2) },
      { label: 'to the end', args: [f([6])], run: (x) => x.narrow(0, 4, 2), ref: (x) => R.narrow(x!, 0, 4, 2) },
    ],
  },
  cat: {
    cases: [
      { label: 'dim 0', args: [f([2, 3]), f([1, 3])], run: (a, b) => cat([a!, b!], 0), ref: (a, b) => R.cat([a!, b!], 0) },
      { label: 'dim 1 of three', args: [f([2, 1]), f([2, 3]), f([2, 2])], run: (a, b, c) => cat([a!, b!, c!], 1), ref: (a, b, c) => R.cat([a!, b!, c!], 1) },
      { label: 'stack', args: [f([3]), f([3])], run: (a, b) => stack([a!, b!], 1), ref: (a, b) => R.permute(R.cat([R.nd([1, 3], a!.data), R.nd([1, 3], b!.data)], 0), [1, 0]) },
    ],
  },
  indexSelect: {
    cases: [
      { label: 'dim 0', args: [f([4, 3]), idx([3], [2, 0, 2])], run: (x, i) => x!.indexSelect(0, i!), ref: (x, i) => R.indexSelect(x!, 0, i!) },
      { label: 'dim 1', args: [f([2, 5]), idx([2], [4, 1])], run: (x, i) => x!.indexSelect(1, i!), ref: (x, i) => R.indexSelect(x!, 1, i!) },
      ...INDEX_SELECT_CASES,
    ],
  },
  indexAdd: {
    cases: [
      { label: 'dim 0 repeated index', args: [f([4, 3]), idx([3], [1, 3, 1]), f([3, 3])], run: (b, i, s) => b!.indexAdd(0, i!, s!), ref: (b, i, s) => R.indexAdd(b!, 0, i!, s!) },
    ],
  },
  gather: {
    cases: [
      { label: 'dim 1', args: [f([3, 4]), idx([3, 2], [0, 3, 1, 1, 2, 0])], run: (x, i) => x!.gather(1, i!), ref: (x, i) => R.gather(x!, 1, i!) },
      { label: 'dim 0 smaller index', args: [f([3, 4]), idx([2, 3], [2, 0, 1, 1, 2, 0])], run: (x, i) => x!.gather(0, i!), ref: (x, i) => R.gather(x!, 0, i!) },
    ],
  },
  scatterAdd: {
    cases: [
      { label: 'dim 1 collisions', args: [f([2, 4]), idx([2, 3], [0, 0, 3, 1, 2, 1]), f([2, 3])], run: (b, i, s) => b!.scatterAdd(1, i!, s!), ref: (b, i, s) => R.scatterAdd(b!, 1, i!, s!) },
    ],
  },
  unfold: {
    cases: [
      { label: 'kernel 2×3, stride (1, 2), padding (1, 0)', args: [f([2, 2, 5, 4])], run: (x) => unfold(x, [2, 3], { stride: [1, 2], padding: [1, 0] }),
        ref: (x) => R.unfold(x!, { kernel: [2, 3], stride: [1, 2], padding: [1, 0], dilation: [1, 1] }) },
      { label: 'dilation 2', args: [f([1, 1, 5, 5])], run: (x) => unfold(x, 2, { dilation: 2 }),
        ref: (x) => R.unfold(x!, { kernel: [2, 2], stride: [1, 1], padding: [0, 0], dilation: [2, 2] }) },
    ],
  },
  conv2d: {
    cases: [
      { label: 'with bias, padding 1, stride (2, 1)', args: [f([2, 3, 6, 5]), f([4, 3, 3, 2]), f([4])], run: (x, w, b) => conv2d(x!, w!, b!, { padding: 1, stride: [2, 1] }),
        ref: (x, w, b) => R.conv2d(x!, w!, b!, { kernel: [3, 2], stride: [2, 1], padding: [1, 1], dilation: [1, 1] }) },
      { label: 'no bias, dilation 2', args: [f([1, 2, 7, 6]), f([3, 2, 2, 2])], run: (x, w) => conv2d(x, w!, null, { dilation: 2 }),
        ref: (x, w) => R.conv2d(x!, w!, null, { kernel: [2, 2], stride: [1, 1], padding: [0, 0], dilation: [2, 2] }) },
      { label: '1×1 kernel', args: [f([3, 4, 2, 3]), f([5, 4, 1, 1])], run: (x, w) => conv2d(x, w!),
        ref: (x, w) => R.conv2d(x!, w!, null, { kernel: [1, 1], stride: [1, 1], padding: [0, 0], dilation: [1, 1] }) },
      // Stride 1: the wasm backend's direct kernel, its runs of 16 and 4 and its padded borders.
      { label: 'stride 1, padding (1, 2), rows of 23', args: [f([2, 2, 5, 21]), f([3, 2, 3, 3]), f([3])], run: (x, w, b) => conv2d(x, w!, b!, { padding: [1, 2] }),
        ref: (x, w, b) => R.conv2d(x!, w!, b!, { kernel: [3, 3], stride: [1, 1], padding: [1, 2], dilation: [1, 1] }) },
      { label: 'stride 1, padding 3 wider than the input', args: [f([2, 1, 2, 3]), f([3, 1, 2, 2])], run: (x, w) => conv2d(x, w!, null, { padding: 3 }),
        ref: (x, w) => R.conv2d(x!, w!, null, { kernel: [2, 2], stride: [1, 1], padding: [3, 3], dilation: [1, 1] }) },
      // 8·3·3 = 72 taps: im2col with kept columns for dW, and dX as the transposed convolution.
      { label: 'stride 1, 72 taps, padding (2, 1)', args: [f([2, 8, 5, 4]), f([3, 8, 3, 3]), f([3])], run: (x, w, b) => conv2d(x, w!, b!, { padding: [2, 1] }),
        ref: (x, w, b) => R.conv2d(x!, w!, b!, { kernel: [3, 3], stride: [1, 1], padding: [2, 1], dilation: [1, 1] }) },
      { label: 'one channel, kernel 5, batch 4 (the B5 shape, smaller)', args: [f([4, 1, 9, 8]), f([3, 1, 5, 5]), f([3])], run: (x, w, b) => conv2d(x, w!, b!),
        ref: (x, w, b) => R.conv2d(x!, w!, b!, { kernel: [5, 5], stride: [1, 1], padding: [0, 0], dilation: [1, 1] }) },
    ],
  },
  fold: {
    cases: [
      { label: 'transpose of unfold', args: [f([2, 12, 6])],
        run: (c) => foldOf(c), ref: (c) => R.fold(c!, [5, 4], { kernel: [2, 3], stride: [1, 2], padding: [1, 0], dilation: [1, 1] }) },
    ],
  },
  maxPool2d: {
    cases: [
      { label: 'kernel 2', args: [f([2, 3, 4, 6])], run: (x) => maxPool2d(x, 2), ref: (x) => R.maxPool(x!, { kernel: [2, 2], stride: [2, 2], padding: [0, 0], dilation: [1, 1] }) },
      { label: 'kernel 3 stride 2 padding 1', args: [f([1, 2, 7, 5])], run: (x) => maxPool2d(x, 3, { stride: 2, padding: 1 }),
        ref: (x) => R.maxPool(x!, { kernel: [3, 3], stride: [2, 2], padding: [1, 1], dilation: [1, 1] }) },
    ],
  },
  softmax: {
    cases: [[[3, 4], 1], [[3, 4], 0], [[2, 3, 4], 1], [[5], -1]].map(([shape, dim]): Case => ({
      label: `[${String(shape)}] dim ${String(dim)}`, args: [f(shape as number[])], run: (x) => x.softmax(dim as number), ref: (x) => R.softmax(x!, dim as number, false),
    })),
  },
  logSoftmax: {
    cases: [[[3, 4], 1], [[3, 4], 0], [[2, 3, 4], 1], [[5], -1]].map(([shape, dim]): Case => ({
      label: `[${String(shape)}] dim ${String(dim)}`, args: [f(shape as number[])], run: (x) => x.logSoftmax(dim as number), ref: (x) => R.softmax(x!, dim as number, true),
    })),
  },
  asStrided: {
    cases: [
      { label: 'a transpose by strides', args: [f([3, 4])], run: (x) => x.asStrided([4, 3], [1, 4], 0), ref: (x) => R.asStrided(x!, [4, 3], [1, 4], 0) },
      { label: 'a block at an offset', args: [f([3, 4])], run: (x) => x.asStrided([2, 2], [4, 1], 5), ref: (x) => R.asStrided(x!, [2, 2], [4, 1], 5) },
      // Overlapping windows: every element but the ends is read twice, so its gradient adds up.
      { label: 'overlapping windows', args: [f([6])], run: (x) => x.asStrided([5, 2], [1, 1], 0), ref: (x) => R.asStrided(x!, [5, 2], [1, 1], 0) },
      { label: 'of a view (storage offsets)', args: [f([4, 5])], run: (x) => x.narrow(0, 1, 2).asStrided([3, 2], [1, 5], 6), ref: (x) => R.asStrided(x!, [3, 2], [1, 5], 6) },
    ],
  },
  asStridedScatter: {
    cases: [
      { label: 'a block', args: [f([3, 4]), f([2, 2])], run: (x, s) => x.asStridedScatter(s!, [2, 2], [4, 1], 5), ref: (x, s) => R.asStridedScatter(x!, s!, [2, 2], [4, 1], 5) },
      { label: 'a column', args: [f([3, 4]), f([3])], run: (x, s) => x.asStridedScatter(s!, [3], [4], 2), ref: (x, s) => R.asStridedScatter(x!, s!, [3], [4], 2) },
      { label: 'transposed region of a transposed input', args: [f([4, 3]), f([2, 3])], run: (x, s) => x.T.asStridedScatter(s!, [2, 3], [1, 4], 0),
        ref: (x, s) => R.asStridedScatter(R.permute(x!, [1, 0]), s!, [2, 3], [1, 4], 0) },
    ],
  },
  clone: {
    cases: [
      { label: 'contiguous', args: [f([3, 2])], run: (x) => x.clone(), ref: (x) => x! },
      { label: 'of a transpose', args: [f([3, 2])], run: (x) => x.T.clone(), ref: (x) => R.permute(x!, [1, 0]) },
    ],
  },
  ...ELEMENTWISE_SPECS,
  to: {
    cases: [
      { label: 'float64 → float32 → float64', args: [f([4])], run: (x) => x.to('float32').to('float64'), ref: (x) => R.map([x!], Math.fround), skipGradcheck: true },
      { label: 'float32 → float64 keeps the graph', args: [f([4])], run: (x) => x.to('float64').mul(2), ref: (x) => R.map([x!], (v) => 2 * v) },
    ],
  },
  ...RNN_SPECS,
};


// fold takes the attributes unfold makes (it is unfold's transpose).
function foldOf(cols: Tensor): Tensor {
  return fold(cols, [5, 4], [2, 3], { stride: [1, 2], padding: [1, 0] });
}
