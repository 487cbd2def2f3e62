// The generated-suite cases of the reductions, scans and sorting ops (issue 15, part B): forward against the
// naive references of reductions-reference.ts, float32, gradcheck, gradgradcheck and JVP on every backend.
// Ops that return { values, indices } are checked through both: values with every derivative test, indices
// (int32) forward only. The composites (varMean, nansum, norm, …) have cases here too.
import { linalgMatrixNorm, linalgVectorNorm, type Primitive, type Tensor } from '../../src/index.js';
import type { COMPOSITES } from '../../src/ops/composite.js';
import type { Arg, Case, Domain, OpSpec } from '../op-specs.js';
import { nd, type Nd } from '../reference.js';
import * as R from './reductions-reference.js';

const f = (shape: number[], domain: Domain = 'any'): Arg => ({ shape, domain });
/** A float argument with given values (ties, zeros, NaN). */
const given = (shape: number[], values: number[]): Arg => ({ shape, values });
const label = (shape: number[], rest: string): string => `[${shape.join(', ')}] ${rest}`;
const ints = (xs: readonly number[]): number[] => [...xs];

/** Values of a tensor whose output is an index list: the reference returns numbers, compared exactly. */
function indexCase(c: Omit<Case, 'outDType' | 'skipGradcheck'>): Case {
  return { ...c, outDType: 'int32', skipGradcheck: true };
}

const DIMS: [number[], number | undefined, boolean][] = [
  [[3, 4], 1, false],
  [[3, 4], 0, true],
  [[2, 3, 4], -1, false],
  [[2, 3, 4], 1, true],
  [[5], 0, false],
  [[], 0, false],
];

/** max/min: over everything (a tensor), along a dim (values and indices), elementwise against another tensor. */
function extremum(name: 'max' | 'min'): OpSpec {
  const max = name === 'max';
  return {
    cases: [
      { label: 'over everything', args: [f([3, 4])], run: (x) => x[name](), ref: (x) => R.whole(x!, max ? R.maxOf : R.minOf) },
      { label: 'over everything, 0-d', args: [f([])], run: (x) => x[name](), ref: (x) => R.whole(x!, max ? R.maxOf : R.minOf) },
      ...DIMS.map(([shape, dim, keepdim]): Case => ({
        label: label(shape, `dim ${dim} keepdim ${keepdim}: values`),
        args: [f(shape)],
        run: (x) => x[name](dim!, keepdim).values,
        ref: (x) => keepDim(R.lines(x!, dim!, (v) => [max ? R.maxOf(v) : R.minOf(v)], true), x!, dim!, keepdim),
      })),
      ...DIMS.map(([shape, dim, keepdim]): Case => indexCase({
        label: label(shape, `dim ${dim} keepdim ${keepdim}: indices`),
        args: [f(shape)],
        run: (x) => x[name](dim!, keepdim).indices,
        ref: (x) => keepDim(R.lines(x!, dim!, (v) => [R.firstExtremeIndex(v, max)], true), x!, dim!, keepdim),
      })),
      indexCase({
        label: 'ties and NaN: the first extreme, the first NaN',
        args: [given([3, 4], [1, 3, 3, 0, 2, NaN, 5, NaN, -1, -1, 4, 4])],
        run: (x) => x[name](1).indices,
        ref: (x) => R.lines(x!, 1, (v) => [R.firstExtremeIndex(v, max)], true),
      }),
      {
        label: 'elementwise against another tensor',
        args: [f([3, 4]), f([4])],
        run: (x, y) => x[name](y!),
        ref: (x, y) => nd(x!.shape, [...x!.data].map((v, i) => (max ? Math.max : Math.min)(v, y!.data[i % 4]!))),
      },
    ],
  };
}

/** With keepdim, the reference's squeezed line result gets its size-1 dim back. */
function keepDim(r: Nd, x: Nd, dim: number, keepdim: boolean): Nd {
  if (!keepdim || x.shape.length === 0) return r;
  const d = dim < 0 ? dim + x.shape.length : dim;
  const shape = [...x.shape];
  shape[d] = 1;
  return nd(shape, r.data);
}

const REDUCE_DIMS: [number[], number[] | number | undefined, boolean][] = [
  [[3, 4], undefined, false],
  [[3, 4], 1, false],
  [[3, 4], 0, true],
  [[2, 3, 4], [0, 2], false],
  [[2, 3, 4], [-1, -2], true],
  [[], undefined, false],
  [[5], 0, false],
];

function amax(name: 'amax' | 'amin'): OpSpec {
  return {
    cases: REDUCE_DIMS.map(([shape, dim, keepdim]): Case => ({
      label: label(shape, `dim ${JSON.stringify(dim)} keepdim ${keepdim}`),
      args: [f(shape)],
      run: (x) => x[name](dim, keepdim),
      ref: (x) => R.over(x!, dim === undefined ? undefined : typeof dim === 'number' ? [dim] : dim, keepdim, name === 'amax' ? R.maxOf : R.minOf),
    })),
  };
}

function logical(name: 'all' | 'any'): OpSpec {
  const test = name === 'all' ? (v: number[]) => (v.every((a) => a !== 0) ? 1 : 0) : (v: number[]) => (v.some((a) => a !== 0) ? 1 : 0);
  const data = [0, 1, 2, 0, 3, 4, 5, NaN, 0, 0, 0, 0];
  return {
    noGrad: true,
    cases: [
      { label: 'everything', args: [given([3, 4], data)], run: (x) => x[name](), ref: (x) => R.whole(x!, test), outDType: 'bool' },
      { label: 'dim 1 (NaN is true)', args: [given([3, 4], data)], run: (x) => x[name](1), ref: (x) => R.over(x!, [1], false, test), outDType: 'bool' },
      { label: 'dims [0, 1] keepdim', args: [given([2, 2, 3], data)], run: (x) => x[name]([0, 1], true), ref: (x) => R.over(x!, [0, 1], true, test), outDType: 'bool' },
      { label: 'bool input', args: [{ shape: [3, 4], dtype: 'bool' }], run: (x) => x[name](0), ref: (x) => R.over(x!, [0], false, test), outDType: 'bool' },
    ],
  };
}

function cumulative(name: 'cumsum' | 'cumprod' | 'logcumsumexp', ref: (v: number[]) => number[]): OpSpec {
  const shapes: [number[], number][] = [[[3, 4], 1], [[3, 4], 0], [[2, 3, 4], -2], [[5], 0], [[], 0]];
  return {
    cases: [
      ...shapes.map(([shape, dim]): Case => ({
        label: label(shape, `dim ${dim}`), args: [f(shape)], run: (x) => x[name](dim), ref: (x) => R.lines(x!, dim, ref),
        ...(name === 'logcumsumexp' ? { tolerance: { float64: [1e-12, 1e-12] as const, float32: [4e-6, 4e-6] as const } } : {}),
      })),
      ...(name === 'cumprod' ? [
        // Zeros: the gradient is the product of the other factors (no division by zero); one zero and two per line.
        { label: 'one zero per line', args: [given([2, 4], [1.5, 0, -2, 0.5, 0, 1.2, 0.7, -1.1])], run: (x: Tensor) => x.cumprod(1), ref: (x: Nd) => R.lines(x, 1, R.cumprod) },
        { label: 'two zeros in a line', args: [given([5], [2, 0, 3, 0, 1.5])], run: (x: Tensor) => x.cumprod(0), ref: (x: Nd) => R.lines(x, 0, R.cumprod) },
      ] : []),
    ],
  };
}

function cumExtremum(name: 'cummax' | 'cummin'): OpSpec {
  const max = name === 'cummax';
  const shapes: [number[], number][] = [[[3, 5], 1], [[4, 3], 0], [[2, 3, 4], -1], [[], 0]];
  const valuesOf = (v: number[]): number[] => R.cumExtremeIndex(v, max).map((j) => v[j]!);
  return {
    cases: [
      ...shapes.map(([shape, dim]): Case => ({ label: label(shape, `dim ${dim}: values`), args: [f(shape)], run: (x) => x[name](dim).values, ref: (x) => R.lines(x!, dim, valuesOf) })),
      ...shapes.map(([shape, dim]): Case => indexCase({
        label: label(shape, `dim ${dim}: indices`), args: [f(shape)], run: (x) => x[name](dim).indices, ref: (x) => R.lines(x!, dim, (v) => R.cumExtremeIndex(v, max)),
      })),
      indexCase({
        label: 'ties take the later index, NaN sticks',
        args: [given([2, 6], [1, 3, 3, 2, 3, 0, 3, NaN, 1, NaN, 5, 2])],
        run: (x) => x[name](1).indices,
        ref: (x) => R.lines(x!, 1, (v) => R.cumExtremeIndex(v, max)),
      }),
    ],
  };
}

const SORT_SHAPES: [number[], number | undefined, boolean][] = [
  [[3, 5], undefined, false],
  [[3, 5], 0, true],
  [[2, 3, 4], 1, false],
  [[6], -1, true],
  [[], 0, false],
];
const TIES = given([3, 6], [1, 3, 3, 2, 3, 0, NaN, 2, NaN, 2, -1, 2, 5, 5, 5, 5, 5, 5]);

export const REDUCTION_SPECS = {
  amax: amax('amax'),
  amin: amax('amin'),
  max: extremum('max'),
  min: extremum('min'),
  prod: {
    cases: [
      { label: 'everything', args: [f([3, 4])], run: (x) => x.prod(), ref: (x) => R.whole(x!, R.prod) },
      { label: 'dim 1', args: [f([3, 4])], run: (x) => x.prod(1), ref: (x) => R.lines(x!, 1, (v) => [R.prod(v)], true) },
      { label: 'dim 0 keepdim', args: [f([3, 4])], run: (x) => x.prod(0, true), ref: (x) => keepDim(R.lines(x!, 0, (v) => [R.prod(v)], true), x!, 0, true) },
      { label: 'dim -2 of 3-d', args: [f([2, 3, 4])], run: (x) => x.prod(-2), ref: (x) => R.lines(x!, -2, (v) => [R.prod(v)], true) },
      { label: '0-d', args: [f([])], run: (x) => x.prod(), ref: (x) => R.whole(x!, R.prod) },
      // The gradient at zeros is the product of the others: one zero, two zeros, over everything and along a dim.
      { label: 'one zero, everything', args: [given([2, 3], [1.5, -2, 0, 0.5, 1.2, 0.8])], run: (x) => x.prod(), ref: (x) => R.whole(x!, R.prod) },
      { label: 'two zeros, everything', args: [given([5], [2, 0, 3, 0, 1.5])], run: (x) => x.prod(), ref: (x) => R.whole(x!, R.prod) },
      { label: 'zeros along dim 1', args: [given([3, 3], [0, 1.5, 2, 1.1, 0, 0, 0.9, -1.3, 0.7])], run: (x) => x.prod(1), ref: (x) => R.lines(x!, 1, (v) => [R.prod(v)], true) },
    ],
  },
  all: logical('all'),
  any: logical('any'),
  var: {
    cases: [
      { label: 'everything', args: [f([3, 4])], run: (x) => x.var(), ref: (x) => R.whole(x!, (v) => R.variance(v, 1)) },
      { label: 'dim 1, correction 0', args: [f([3, 4])], run: (x) => x.var(1, { correction: 0 }), ref: (x) => R.over(x!, [1], false, (v) => R.variance(v, 0)) },
      { label: 'dim 0 keepdim positional', args: [f([3, 4])], run: (x) => x.var(0, true), ref: (x) => R.over(x!, [0], true, (v) => R.variance(v, 1)) },
      { label: 'dims [0, 2], correction 2, keepdim option', args: [f([2, 3, 4])], run: (x) => x.var([0, 2], { correction: 2, keepdim: true }),
        ref: (x) => R.over(x!, [0, 2], true, (v) => R.variance(v, 2)) },
      { label: 'unbiased: false', args: [f([6])], run: (x) => x.var(0, false, { unbiased: false }), ref: (x) => R.over(x!, [0], false, (v) => R.variance(v, 0)) },
      { label: 'options only', args: [f([2, 5])], run: (x) => x.var({ correction: 0 }), ref: (x) => R.whole(x!, (v) => R.variance(v, 0)) },
    ],
  },
  std: {
    cases: [
      { label: 'everything', args: [f([3, 4])], run: (x) => x.std(), ref: (x) => R.whole(x!, (v) => Math.sqrt(R.variance(v, 1))) },
      { label: 'dim 1, correction 0, keepdim', args: [f([3, 4])], run: (x) => x.std(1, { correction: 0, keepdim: true }),
        ref: (x) => R.over(x!, [1], true, (v) => Math.sqrt(R.variance(v, 0))) },
      { label: 'dims [-1, 0]', args: [f([2, 3, 4])], run: (x) => x.std([-1, 0]), ref: (x) => R.over(x!, [0, 2], false, (v) => Math.sqrt(R.variance(v, 1))) },
    ],
  },
  cumsum: cumulative('cumsum', R.cumsum),
  cumprod: cumulative('cumprod', R.cumprod),
  logcumsumexp: cumulative('logcumsumexp', R.logcumsumexp),
  cummax: cumExtremum('cummax'),
  cummin: cumExtremum('cummin'),
  argsort: {
    noGrad: true,
    cases: [
      ...SORT_SHAPES.map(([shape, dim, descending]): Case => ({
        label: label(shape, `dim ${dim} descending ${descending}`), args: [f(shape)], outDType: 'int32',
        run: (x) => x.argsort(dim, { descending }), ref: (x) => R.lines(x!, dim ?? -1, (v) => R.sortIndex(v, descending)),
      })),
      { label: 'ties are stable, NaN last', args: [TIES], outDType: 'int32', run: (x) => x.argsort(1), ref: (x) => R.lines(x!, 1, (v) => R.sortIndex(v, false)) },
      { label: 'ties are stable descending, NaN first', args: [TIES], outDType: 'int32', run: (x) => x.argsort(1, { descending: true, stable: true }),
        ref: (x) => R.lines(x!, 1, (v) => R.sortIndex(v, true)) },
      { label: 'int32 input', args: [{ shape: [4, 5], dtype: 'int32', high: 4 }], outDType: 'int32', run: (x) => x.argsort(0), ref: (x) => R.lines(x!, 0, (v) => R.sortIndex(v, false)) },
    ],
  },
  sort: {
    cases: [
      ...SORT_SHAPES.map(([shape, dim, descending]): Case => ({
        label: label(shape, `dim ${dim} descending ${descending}: values`), args: [f(shape)],
        run: (x) => x.sort(dim, { descending }).values, ref: (x) => R.lines(x!, dim ?? -1, (v) => R.sortIndex(v, descending).map((j) => v[j]!)),
      })),
      ...SORT_SHAPES.map(([shape, dim, descending]): Case => indexCase({
        label: label(shape, `dim ${dim} descending ${descending}: indices`), args: [f(shape)],
        run: (x) => x.sort(dim, { descending }).indices, ref: (x) => R.lines(x!, dim ?? -1, (v) => R.sortIndex(v, descending)),
      })),
      indexCase({ label: 'ties and NaN: indices', args: [TIES], run: (x) => x.sort(1, { descending: true }).indices, ref: (x) => R.lines(x!, 1, (v) => R.sortIndex(v, true)) }),
    ],
  },
  topk: {
    cases: [
      { label: '[3, 5] k 2', args: [f([3, 5])], run: (x) => x.topk(2).values, ref: (x) => R.lines(x!, -1, (v) => R.sortIndex(v, true).slice(0, 2).map((j) => v[j]!)) },
      { label: '[4, 3] k 3 dim 0 smallest', args: [f([4, 3])], run: (x) => x.topk(3, 0, { largest: false }).values,
        ref: (x) => R.lines(x!, 0, (v) => R.sortIndex(v, false).slice(0, 3).map((j) => v[j]!)) },
      { label: '[2, 3, 4] k 1 dim 1', args: [f([2, 3, 4])], run: (x) => x.topk(1, 1, { sorted: true }).values, ref: (x) => R.lines(x!, 1, (v) => [R.maxOf(v)]) },
      { label: 'k 0', args: [f([3, 4])], run: (x) => x.topk(0).values, ref: () => nd([3, 0], []) },
      indexCase({ label: '[3, 5] k 3: indices', args: [f([3, 5])], run: (x) => x.topk(3).indices, ref: (x) => R.lines(x!, -1, (v) => R.sortIndex(v, true).slice(0, 3)) }),
      indexCase({ label: 'ties and NaN: indices', args: [TIES], run: (x) => x.topk(4, 1).indices, ref: (x) => R.lines(x!, 1, (v) => R.sortIndex(v, true).slice(0, 4)) }),
      indexCase({ label: 'ties and NaN, smallest: indices', args: [TIES], run: (x) => x.topk(4, 1, { largest: false }).indices,
        ref: (x) => R.lines(x!, 1, (v) => R.sortIndex(v, false).slice(0, 4)) }),
    ],
  },
  kthvalue: {
    cases: [
      { label: '[3, 5] k 2', args: [f([3, 5])], run: (x) => x.kthvalue(2).values, ref: (x) => R.lines(x!, -1, (v) => [R.sortIndex(v, false).map((j) => v[j]!)[1]!], true) },
      { label: '[4, 3] k 4 dim 0 keepdim', args: [f([4, 3])], run: (x) => x.kthvalue(4, 0, true).values,
        ref: (x) => keepDim(R.lines(x!, 0, (v) => [R.maxOf(v)], true), x!, 0, true) },
      { label: '0-d', args: [f([])], run: (x) => x.kthvalue(1).values, ref: (x) => x! },
      indexCase({ label: '[2, 3, 4] k 2 dim 1: indices', args: [f([2, 3, 4])], run: (x) => x.kthvalue(2, 1).indices, ref: (x) => R.lines(x!, 1, (v) => [R.sortIndex(v, false)[1]!], true) }),
      indexCase({ label: 'ties and NaN: indices (NaN is largest)', args: [TIES], run: (x) => x.kthvalue(5, 1).indices, ref: (x) => R.lines(x!, 1, (v) => [R.sortIndex(v, false)[4]!], true) }),
    ],
  },
  median: {
    cases: [
      { label: 'everything, odd count', args: [f([3, 5])], run: (x) => x.median(), ref: (x) => R.whole(x!, R.median) },
      { label: 'everything, even count (lower median)', args: [f([2, 4])], run: (x) => x.median(), ref: (x) => R.whole(x!, R.median) },
      { label: 'everything with NaN', args: [given([4], [1, NaN, 2, 3])], run: (x) => x.median(), ref: () => nd([], [NaN]), skipGradcheck: true },
      { label: 'dim 1', args: [f([3, 4])], run: (x) => x.median(1).values, ref: (x) => R.lines(x!, 1, (v) => [R.median(v)], true) },
      { label: 'dim 0 keepdim', args: [f([5, 2])], run: (x) => x.median(0, true).values, ref: (x) => keepDim(R.lines(x!, 0, (v) => [R.median(v)], true), x!, 0, true) },
      indexCase({ label: 'dim -1: indices', args: [f([2, 3, 4])], run: (x) => x.median(-1).indices, ref: (x) => R.lines(x!, -1, (v) => [R.medianIndex(v)], true) }),
      indexCase({ label: 'ties and NaN: indices (the first NaN)', args: [TIES], run: (x) => x.median(1).indices, ref: (x) => R.lines(x!, 1, (v) => [R.medianIndex(v)], true) }),
    ],
  },
  unique: {
    noGrad: true,
    cases: [
      { label: 'values', args: [given([2, 4], [3, 1, 2, 3, 1, 1, 5, -2])], run: (x) => x.unique(), ref: (x) => nd([5], R.unique([...x!.data]).values) },
      { label: 'inverse (the input\'s shape)', args: [given([2, 4], [3, 1, 2, 3, 1, 1, 5, -2])], outDType: 'int32', run: (x) => x.unique({ returnInverse: true })[1],
        ref: (x) => nd([2, 4], R.unique([...x!.data]).inverse) },
      { label: 'counts', args: [given([6], [2, 2, 7, 2, 7, 0])], outDType: 'int32', run: (x) => x.unique({ returnCounts: true, sorted: true })[1],
        ref: (x) => nd([3], R.unique([...x!.data]).counts) },
      { label: 'NaN: each distinct, last', args: [given([5], [2, NaN, 1, NaN, 2])], run: (x) => x.unique(), ref: (x) => nd([4], R.unique([...x!.data]).values) },
      { label: 'dim 0: distinct rows', args: [given([4, 2], [1, 2, 0, 5, 1, 2, 0, 4])], run: (x) => x.unique({ dim: 0 }), ref: (x) => R.uniqueRows(x!).values },
      { label: 'dim 0: inverse', args: [given([4, 2], [1, 2, 0, 5, 1, 2, 0, 4])], outDType: 'int32', run: (x) => x.unique({ dim: 0, returnInverse: true, returnCounts: true })[1],
        ref: (x) => nd([4], R.uniqueRows(x!).inverse) },
      { label: 'dim 1: distinct columns', args: [given([2, 4], [1, 0, 1, 0, 2, 5, 2, 4])], run: (x) => x.unique({ dim: 1 }),
        ref: (x) => R.transpose2(R.uniqueRows(R.transpose2(x!)).values) },
      { label: 'int32 input', args: [{ shape: [7], dtype: 'int32', values: ints([4, 1, 4, 0, 1, 9, 4]) }], outDType: 'int32', run: (x) => x.unique(), ref: () => nd([4], [0, 1, 4, 9]) },
    ],
  },
  linalgVectorNorm: {
    cases: [
      ...([2, 1, Infinity, -Infinity, 3, 0.5, 0] as const).map((ord): Case => ({
        label: `ord ${ord} over everything`, args: [f([3, 4])], run: (x) => linalgVectorNorm(x, ord), ref: (x) => R.whole(x!, (v) => R.vectorNorm(v, ord)),
      })),
      { label: 'ord 2 dim 1 keepdim', args: [f([3, 4])], run: (x) => linalgVectorNorm(x, 2, 1, true), ref: (x) => R.over(x!, [1], true, (v) => R.vectorNorm(v, 2)) },
      { label: 'ord 3 dims [0, 2]', args: [f([2, 3, 4])], run: (x) => linalgVectorNorm(x, 3, [0, 2]), ref: (x) => R.over(x!, [0, 2], false, (v) => R.vectorNorm(v, 3)) },
      { label: 'ord -inf dim 0', args: [f([4, 3])], run: (x) => linalgVectorNorm(x, -Infinity, 0), ref: (x) => R.over(x!, [0], false, (v) => R.vectorNorm(v, -Infinity)) },
      { label: 'default ord, 0-d', args: [f([])], run: (x) => linalgVectorNorm(x), ref: (x) => R.whole(x!, (v) => R.vectorNorm(v, 2)) },
    ],
  },
  // The composites, run by the generated suites like the primitives.
  varMean: {
    cases: [
      { label: 'var of varMean, dim 1', args: [f([3, 4])], run: (x) => x.varMean(1)[0], ref: (x) => R.over(x!, [1], false, (v) => R.variance(v, 1)) },
      { label: 'mean of varMean, dims [0, 1] keepdim, correction 0', args: [f([2, 3, 4])], run: (x) => x.varMean([0, 1], true, { correction: 0 })[1],
        ref: (x) => R.over(x!, [0, 1], true, R.mean) },
    ],
  },
  stdMean: {
    cases: [
      { label: 'std of stdMean', args: [f([3, 4])], run: (x) => x.stdMean(0, { correction: 0 })[0], ref: (x) => R.over(x!, [0], false, (v) => Math.sqrt(R.variance(v, 0))) },
      { label: 'mean of stdMean', args: [f([3, 4])], run: (x) => x.stdMean()[1], ref: (x) => R.whole(x!, R.mean) },
    ],
  },
  nansum: {
    cases: [
      { label: 'everything', args: [f([3, 4])], run: (x) => x.nansum(), ref: (x) => R.whole(x!, (v) => v.reduce((s, a) => s + a, 0)) },
      { label: 'NaN counts as 0, dim 1', args: [given([2, 3], [1.5, NaN, -0.5, NaN, NaN, 2])], run: (x) => x.nansum(1),
        ref: (x) => R.over(x!, [1], false, (v) => v.filter((a) => !Number.isNaN(a)).reduce((s, a) => s + a, 0)), skipGradcheck: true },
    ],
  },
  nanmean: {
    cases: [
      { label: 'dim 0 keepdim', args: [f([3, 4])], run: (x) => x.nanmean(0, true), ref: (x) => R.over(x!, [0], true, R.mean) },
      { label: 'NaN left out; all NaN gives NaN', args: [given([2, 3], [1.5, NaN, -0.5, NaN, NaN, NaN])], run: (x) => x.nanmean(1),
        ref: (x) => R.over(x!, [1], false, (v) => R.mean(v.filter((a) => !Number.isNaN(a)))), skipGradcheck: true },
    ],
  },
  countNonzero: {
    noGrad: true,
    cases: [
      { label: 'everything (NaN counts)', args: [given([2, 3], [0, NaN, 1, 0, -2, 0])], outDType: 'int32', run: (x) => x.countNonzero(), ref: () => nd([], [3]) },
      { label: 'dim 0', args: [given([2, 3], [0, NaN, 1, 0, -2, 0])], outDType: 'int32', run: (x) => x.countNonzero(0), ref: () => nd([3], [0, 2, 1]) },
    ],
  },
  linalgMatrixNorm: {
    cases: [
      ...(['fro', 1, -1, Infinity, -Infinity] as const).map((ord): Case => ({
        label: `ord ${ord}`, args: [f([3, 4])], run: (x) => linalgMatrixNorm(x, ord), ref: (x) => nd([], [R.matrixNorm(x!, ord)]),
      })),
      { label: 'batched, dims [0, 2], keepdim', args: [f([3, 2, 4])], run: (x) => linalgMatrixNorm(x, 1, [0, 2], true),
        ref: (x) => nd([1, 2, 1], [0, 1].map((b) => R.matrixNorm(nd([3, 4], [...Array(12).keys()].map((i) => x!.data[Math.floor(i / 4) * 8 + b * 4 + (i % 4)]!)), 1))) },
    ],
  },
  norm: {
    cases: [
      { label: "'fro' (default) over everything", args: [f([3, 4])], run: (x) => x.norm(), ref: (x) => R.whole(x!, (v) => R.vectorNorm(v, 2)) },
      { label: 'p 1 dim 1', args: [f([3, 4])], run: (x) => x.norm(1, 1), ref: (x) => R.over(x!, [1], false, (v) => R.vectorNorm(v, 1)) },
      { label: "'fro' over two dims", args: [f([2, 3, 4])], run: (x) => x.norm('fro', [1, 2], true), ref: (x) => R.over(x!, [1, 2], true, (v) => R.vectorNorm(v, 2)) },
    ],
  },
} satisfies Partial<Record<Primitive | keyof typeof COMPOSITES, OpSpec>>;
