// Specs of the indexing primitives (index, indexPut, select, flip, nonzero, scatter, scatterReduce) and of the
// composites built on them (split, chunk, pad, …), each under its own name. The generated suites run every case
// forward against the float64 reference, in float32, and (differentiable ones) through gradcheck, gradgradcheck
// and the JVP, on every backend.
import { cat, meshgrid, pad, stack, take, trilIndices, triuIndices, where, type Tensor } from '../../src/index.js';
import type { Case, OpSpec } from '../op-specs.js';
import type { Primitive } from '../../src/index.js';
import type { COMPOSITES } from '../../src/ops/composite.js';
import * as R from '../reference.js';
import type { Nd } from '../reference.js';
import type { Arg, Domain } from '../support/inputs.js';
import * as I from './indexing-reference.js';

const f = (shape: number[], domain: Domain = 'any'): Arg => ({ shape, domain });
const idx = (shape: number[], values: number[]): Arg => ({ shape, dtype: 'int32', values });
const mask = (shape: number[], values: number[]): Arg => ({ shape, dtype: 'bool', values });
const ix = (i: Nd): { idx: Nd } => ({ idx: i });
const mk = (m: Nd): { mask: Nd } => ({ mask: m });
/** Scale the k-th of several results by k + 1 and join them, so that each piece gets its own gradient. */
const joined = (ts: Tensor[], dim: number): Tensor => cat(ts.map((t, k) => t.mul(k + 1)), dim);
const joinedRef = (ns: Nd[], dim: number): Nd => R.cat(ns.map((n, k) => I.scale(n, k + 1)), dim);
const splitRef = (x: Nd, dim: number, sizes: number[]): Nd[] => {
  let at = 0;
  return sizes.map((n) => { const p = R.narrow(x, dim, at, n); at += n; return p; });
};

export const INDEXING_SPECS = {
  index: {
    cases: [
      { label: 'x[:, 1:4] (a view)', args: [f([3, 5])], run: (x) => x.index(':', '1:4'), ref: (x) => I.index(x!, ':', '1:4') },
      { label: 'x[..., ::2]', args: [f([2, 3, 5])], run: (x) => x.index('...', '::2'), ref: (x) => I.index(x!, '...', '::2') },
      { label: 'x[:, -1]', args: [f([3, 4])], run: (x) => x.index(':', -1), ref: (x) => I.index(x!, ':', -1) },
      { label: 'x[None, 0, -2:]', args: [f([3, 4])], run: (x) => x.index(null, 0, '-2:'), ref: (x) => I.index(x!, null, 0, '-2:') },
      { label: 'x[1:, ..., None, 1::2] of a transpose', args: [f([4, 3, 5])], run: (x) => x.permute(2, 0, 1).index('1:', '...', null, '1::2'),
        ref: (x) => I.index(R.permute(x!, [2, 0, 1]), '1:', '...', null, '1::2') },
      { label: 'x[idx] with a repeated index', args: [f([4, 3]), idx([3], [3, 0, 3])], run: (x, i) => x.index(i!), ref: (x, i) => I.index(x!, ix(i!)) },
      { label: 'x[rows, cols]', args: [f([3, 4]), idx([3], [0, 2, 2]), idx([3], [1, 3, 1])], run: (x, r, c) => x.index(r!, c!),
        ref: (x, r, c) => I.index(x!, ix(r!), ix(c!)) },
      { label: 'x[rows[:, None], cols] broadcast', args: [f([3, 4]), idx([2, 1], [2, 0]), idx([3], [1, 3, 0])], run: (x, r, c) => x.index(r!, c!),
        ref: (x, r, c) => I.index(x!, ix(r!), ix(c!)) },
      { label: 'x[i, :, j]: separated indices go first', args: [f([2, 3, 4]), idx([2], [1, 0]), idx([2], [3, 1])], run: (x, i, j) => x.index(i!, ':', j!),
        ref: (x, i, j) => I.index(x!, ix(i!), ':', ix(j!)) },
      { label: 'x[:, i, j] adjacent in the middle', args: [f([2, 3, 4, 2]), idx([2, 2], [0, 2, 1, 1]), idx([2], [3, 0])], run: (x, i, j) => x.index(':', i!, j!),
        ref: (x, i, j) => I.index(x!, ':', ix(i!), ix(j!)) },
      { label: 'x[0, :, idx]: numbers select first (PyTorch)', args: [f([2, 3, 4]), idx([5], [0, 1, 2, 3, 0])], run: (x, i) => x.index(0, ':', i!),
        ref: (x, i) => I.index(x!, 0, ':', ix(i!)) },
      { label: 'x[:, [-1, 0]] negative indices, JS array', args: [f([3, 4])], run: (x) => x.index(':', [-1, 0]), ref: (x) => I.index(x!, ':', ix(R.nd([2], [-1, 0]))) },
      { label: 'x[1:, idx, ::2] slices around an index', args: [f([3, 3, 4]), idx([2], [2, 0])], run: (x, i) => x.index('1:', i!, '::2'),
        ref: (x, i) => I.index(x!, '1:', ix(i!), '::2') },
      { label: 'x[mask]', args: [f([3, 4]), mask([3, 4], [1, 0, 0, 1, 0, 1, 1, 0, 0, 0, 1, 1])], run: (x, m) => x.index(m!), ref: (x, m) => I.index(x!, mk(m!)) },
      { label: 'x[mask] over the leading dims', args: [f([3, 2, 2]), mask([3, 2], [0, 1, 1, 1, 0, 0])], run: (x, m) => x.index(m!), ref: (x, m) => I.index(x!, mk(m!)) },
      { label: 'x[:, mask]', args: [f([2, 4]), mask([4], [1, 0, 1, 1])], run: (x, m) => x.index(':', m!), ref: (x, m) => I.index(x!, ':', mk(m!)) },
      { label: 'x[True] (a 0-d mask)', args: [f([2, 3]), mask([], [1])], run: (x, m) => x.index(m!), ref: (x, m) => I.index(x!, mk(m!)) },
      { label: 'overlapping slices share one gradient buffer', args: [f([3, 4])],
        run: (x) => x.index(':', 0).mul(2).add(x.index(':', 1)).add(x.index(':', '1:3').sum(1)).add(x.select(1, 3).mul(3)),
        ref: (x) => R.map([I.index(x!, ':', 0), I.index(x!, ':', 1), R.reduce(I.index(x!, ':', '1:3'), [1], false, R.sumOf), I.index(x!, ':', 3)],
          (a, b, c, d) => 2 * a + b + c + 3 * d) },
    ],
  },
  indexPut: {
    cases: [
      { label: 'x[:, 1:3] = v (broadcast)', args: [f([3, 4]), f([3, 1])], run: (x, v) => x.indexPut([':', '1:3'], v!), ref: (x, v) => I.indexPut(x!, [':', '1:3'], v!) },
      { label: 'x[:, 1:3] = 0', args: [f([3, 4])], run: (x) => x.indexPut([':', '1:3'], 0), ref: (x) => I.indexPut(x!, [':', '1:3'], R.nd([], [0])) },
      { label: 'x[idx] += v, repeated indices add up', args: [f([5, 2]), idx([3], [1, 3, 1]), f([3, 2])], run: (x, i, v) => x.indexPut([i!], v!, { accumulate: true }),
        ref: (x, i, v) => I.indexPut(x!, [ix(i!)], v!, true) },
      { label: 'x[rows, cols] = v', args: [f([4, 3]), idx([2], [3, 0]), idx([2], [1, 1]), f([2])], run: (x, r, c, v) => x.indexPut([r!, c!], v!),
        ref: (x, r, c, v) => I.indexPut(x!, [ix(r!), ix(c!)], v!) },
      { label: 'x[mask] = scalar tensor', args: [f([3, 4]), mask([3, 4], [1, 0, 0, 1, 0, 1, 1, 0, 0, 0, 1, 1]), f([])], run: (x, m, v) => x.indexPut([m!], v!),
        ref: (x, m, v) => I.indexPut(x!, [mk(m!)], v!) },
      { label: 'x[i, :, j] = v (separated)', args: [f([2, 3, 4]), idx([2], [1, 0]), idx([2], [3, 1]), f([2, 3])], run: (x, i, j, v) => x.indexPut([i!, ':', j!], v!),
        ref: (x, i, j, v) => I.indexPut(x!, [ix(i!), ':', ix(j!)], v!) },
      { label: 'indexPut_ through a view of a non-leaf', args: [f([3, 4]), f([3, 2])],
        run: (x, v) => { const y = x.mul(1); y.index(':', '1:3').indexPut_(['...'], v!); return y.mul(y); },
        ref: (x, v) => { const y = I.indexPut(x!, [':', '1:3'], v!); return R.map([y], (a) => a * a); } },
      { label: 'indexPut_ with accumulate on a non-leaf', args: [f([4, 2]), idx([3], [0, 2, 0]), f([3, 2])],
        run: (x, i, v) => x.mul(2).indexPut_([i!], v!, { accumulate: true }), ref: (x, i, v) => I.indexPut(I.scale(x!, 2), [ix(i!)], v!, true) },
    ],
  },
  select: {
    cases: [
      { label: 'select(1, -1)', args: [f([3, 4])], run: (x) => x.select(1, -1), ref: (x) => I.index(x!, ':', -1) },
      { label: 'select(0, 1) of a transpose', args: [f([3, 4])], run: (x) => x.T.select(0, 1), ref: (x) => I.index(R.permute(x!, [1, 0]), 1) },
    ],
  },
  flip: {
    cases: [
      { label: 'flip(0, 2)', args: [f([2, 3, 4])], run: (x) => x.flip(0, 2), ref: (x) => I.flip(x!, [0, 2]) },
      { label: 'flip([-1]) of 1-d', args: [f([5])], run: (x) => x.flip([-1]), ref: (x) => I.flip(x!, [0]) },
      { label: 'flip of a transpose', args: [f([3, 4])], run: (x) => x.T.flip(0), ref: (x) => I.flip(R.permute(x!, [1, 0]), [0]) },
    ],
  },
  nonzero: {
    noGrad: true,
    cases: [
      { label: 'nonzero of a float tensor', args: [{ shape: [3, 4], values: [0, 1.5, 0, -2, 0, 0, 3, 0, 1, 0, 0, 4] }], run: (x) => x.nonzero(), ref: (x) => I.nonzero(x!), outDType: 'int32' },
      { label: 'nonzero of a bool tensor', args: [mask([2, 3], [0, 1, 1, 0, 0, 1]), f([1])], run: (m) => m.nonzero(), ref: (m) => I.nonzero(m!), outDType: 'int32' },
      { label: 'nonzero asTuple / where(cond)', args: [mask([2, 3], [1, 0, 1, 0, 1, 1]), f([1])],
        run: (m) => stack([...where(m!), ...m!.nonzero({ asTuple: true })]), ref: (m) => { const n = I.nonzero(m!); const t = R.permute(n, [1, 0]); return I.stack([R.narrow(t, 0, 0, 1), R.narrow(t, 0, 1, 1), R.narrow(t, 0, 0, 1), R.narrow(t, 0, 1, 1)].map((r) => I.reshape(r, [r.shape[1]!]))); },
        outDType: 'int32' },
    ],
  },
  scatter: {
    cases: [
      { label: 'scatter(1, index, src) with a larger src', args: [f([2, 4]), idx([2, 2], [3, 0, 1, 2]), f([2, 3])], run: (x, i, s) => x.scatter(1, i!, s!),
        ref: (x, i, s) => I.scatter(x!, 1, i!, R.narrow(s!, 1, 0, 2), 'assign') },
      { label: 'scatter(0, index, value)', args: [f([3, 2]), idx([1, 2], [2, 0])], run: (x, i) => x.scatter(0, i!, 1.5),
        ref: (x, i) => I.scatter(x!, 0, i!, R.nd([1, 2], [1.5, 1.5]), 'assign') },
      { label: 'scatter_ on a non-leaf', args: [f([2, 3]), idx([2, 1], [2, 0]), f([2, 1])], run: (x, i, s) => x.mul(3).scatter_(1, i!, s!),
        ref: (x, i, s) => I.scatter(I.scale(x!, 3), 1, i!, s!, 'assign') },
    ],
  },
  scatterReduce: {
    cases: ([
      ['sum', true], ['sum', false], ['prod', true], ['prod', false], ['mean', true], ['mean', false], ['amax', true], ['amax', false], ['amin', true], ['amin', false],
    ] as const).map(([reduce, includeSelf]): Case => ({
      label: `${reduce}${includeSelf ? '' : ', includeSelf false'}`,
      args: [f([2, 4]), idx([2, 3], [0, 0, 3, 1, 1, 1]), f([2, 3])],
      run: (x, i, s) => x.scatterReduce(1, i!, s!, reduce, { includeSelf }),
      ref: (x, i, s) => I.scatter(x!, 1, i!, s!, reduce, includeSelf),
    })).concat([
      { label: "scatter with reduce 'add'", args: [f([3]), idx([4], [0, 2, 0, 0]), f([4])], run: (x, i, s) => x.scatter(0, i!, s!, { reduce: 'add' }),
        ref: (x, i, s) => I.scatter(x!, 0, i!, s!, 'sum') },
      { label: "scatter with reduce 'multiply'", args: [f([3]), idx([3], [1, 2, 1])], run: (x, i) => x.scatter(0, i!, 2, { reduce: 'multiply' }),
        ref: (x, i) => I.scatter(x!, 0, i!, R.nd([3], [2, 2, 2]), 'prod') },
      { label: 'amax over a 1-d index', args: [f([3]), idx([5], [2, 0, 2, 2, 1]), f([5])], run: (x, i, s) => x.scatterReduce(0, i!, s!, 'amax'),
        ref: (x, i, s) => I.scatter(x!, 0, i!, s!, 'amax') },
      { label: "scatterReduce_ 'sum' on a non-leaf", args: [f([2, 3]), idx([2, 2], [2, 2, 0, 1]), f([2, 2])], run: (x, i, s) => x.mul(2).scatterReduce_(1, i!, s!, 'sum'),
        ref: (x, i, s) => I.scatter(I.scale(x!, 2), 1, i!, s!, 'sum') },
    ]),
  },
  // ---- the composites ----
  take: {
    cases: [
      { label: 'take (flat, any index shape, negative wraps)', args: [f([3, 4]), idx([2, 2], [0, -1, 5, 5])], run: (x, i) => take(x, i!),
        ref: (x, i) => I.index(R.nd([12], x!.data), ix(i!)) },
    ],
  },
  maskedSelect: {
    cases: [
      { label: 'maskedSelect broadcasting the mask', args: [f([3, 4]), mask([4], [0, 1, 1, 0])], run: (x, m) => x.maskedSelect(m!),
        ref: (x, m) => I.index(x!, mk(I.expand(m!, [3, 4]))) },
    ],
  },
  indexFill: {
    cases: [
      { label: 'indexFill with a 0-d tensor', args: [f([3, 4]), idx([2], [2, 0]), f([])], run: (x, i, v) => x.indexFill(1, i!, v!),
        ref: (x, i, v) => I.indexPut(x!, [':', ix(i!)], v!) },
      { label: 'indexFill with a number', args: [f([3, 4]), idx([], [1])], run: (x, i) => x.indexFill(0, i!, -0.5),
        ref: (x) => I.indexPut(x!, [1], R.nd([], [-0.5])) },
      { label: 'indexFill_ on a non-leaf with a 0-d tensor', args: [f([3, 2]), idx([2], [2, 0]), f([])], run: (x, i, v) => x.mul(2).indexFill_(0, i!, v!),
        ref: (x, i, v) => I.indexPut(I.scale(x!, 2), [ix(i!)], v!) },
    ],
  },
  indexCopy: {
    cases: [
      { label: 'indexCopy', args: [f([4, 3]), idx([2], [3, 1]), f([2, 3])], run: (x, i, s) => x.indexCopy(0, i!, s!), ref: (x, i, s) => I.indexPut(x!, [ix(i!)], s!) },
      { label: 'indexCopy_ on a non-leaf', args: [f([2, 4]), idx([2], [0, 3]), f([2, 2])], run: (x, i, s) => x.mul(2).indexCopy_(1, i!, s!),
        ref: (x, i, s) => I.indexPut(I.scale(x!, 2), [':', ix(i!)], s!) },
    ],
  },
  maskedScatter: {
    cases: [
      { label: 'maskedScatter', args: [f([3, 4]), mask([4], [1, 0, 1, 1]), f([11])], run: (x, m, s) => x.maskedScatter(m!, s!),
        ref: (x, m, s) => I.maskedScatter(x!, m!, s!) },
      { label: 'maskedScatter_ on a non-leaf', args: [f([2, 3]), mask([2, 3], [0, 1, 1, 1, 0, 0]), f([4])], run: (x, m, s) => x.mul(2).maskedScatter_(m!, s!),
        ref: (x, m, s) => I.maskedScatter(I.scale(x!, 2), m!, s!) },
    ],
  },
  unbind: {
    cases: [
      { label: 'unbind(1)', args: [f([2, 3])], run: (x) => stack(x.unbind(1).map((t, k) => t.mul(k + 1))),
        ref: (x) => I.stack([0, 1, 2].map((k) => I.scale(I.index(x!, ':', k), k + 1))) },
    ],
  },
  split: {
    cases: [
      { label: 'split(2, 1)', args: [f([3, 5])], run: (x) => joined(x.split(2, 1), 1), ref: (x) => joinedRef(splitRef(x!, 1, [2, 2, 1]), 1) },
      { label: 'split([1, 3, 1], 1)', args: [f([2, 5])], run: (x) => joined(x.split([1, 3, 1], 1), 1), ref: (x) => joinedRef(splitRef(x!, 1, [1, 3, 1]), 1) },
    ],
  },
  chunk: {
    cases: [
      { label: 'chunk(3) of 7', args: [f([7, 2])], run: (x) => joined(x.chunk(3), 0), ref: (x) => joinedRef(splitRef(x!, 0, [3, 3, 1]), 0) },
      { label: 'chunk(4, 1): an LSTM\'s gates', args: [f([2, 8])],
        run: (x) => { const [i, fg, g, o] = x.chunk(4, 1); return i!.sigmoid().mul(g!.tanh()).add(fg!.sigmoid()).mul(o!.sigmoid()); },
        ref: (x) => {
          const [i, fg, g, o] = splitRef(x!, 1, [2, 2, 2, 2]);
          const s = (v: number): number => 1 / (1 + Math.exp(-v));
          return R.map([i!, fg!, g!, o!], (a, b, c, d) => (s(a) * Math.tanh(c) + s(b)) * s(d));
        } },
    ],
  },
  movedim: {
    cases: [
      { label: 'movedim([0, 1], [2, 0])', args: [f([2, 3, 4])], run: (x) => x.movedim([0, 1], [2, 0]), ref: (x) => R.permute(x!, [1, 2, 0]) },
    ],
  },
  moveaxis: {
    cases: [
      { label: 'moveaxis(0, -1)', args: [f([2, 3, 4])], run: (x) => x.moveaxis(0, -1), ref: (x) => R.permute(x!, [1, 2, 0]) },
    ],
  },
  swapaxes: {
    cases: [
      { label: 'swapaxes(0, 2)', args: [f([2, 3, 4])], run: (x) => x.swapaxes(0, 2), ref: (x) => R.permute(x!, [2, 1, 0]) },
      { label: 'swapaxes(-1, 0) of a transpose', args: [f([3, 4])], run: (x) => x.T.swapaxes(-1, 0), ref: (x) => x! },
    ],
  },
  swapdims: {
    cases: [
      { label: 'swapdims(1, 2)', args: [f([2, 3, 4])], run: (x) => x.swapdims(1, 2), ref: (x) => R.permute(x!, [0, 2, 1]) },
    ],
  },
  unflatten: {
    cases: [
      { label: 'unflatten(1, [2, -1])', args: [f([3, 6])], run: (x) => x.unflatten(1, [2, -1]), ref: (x) => I.reshape(x!, [3, 2, 3]) },
    ],
  },
  broadcastTo: {
    cases: [
      { label: 'broadcastTo(2, 3, 4)', args: [f([3, 1])], run: (x) => x.broadcastTo(2, 3, 4).mul(1), ref: (x) => I.expand(x!, [2, 3, 4]) },
    ],
  },
  expandAs: {
    cases: [
      { label: 'expandAs a larger tensor', args: [f([3, 1]), f([2, 3, 4])], run: (x, y) => x.expandAs(y!).mul(y!), ref: (x, y) => R.map([I.expand(x!, [2, 3, 4]), y!], (a, b) => a * b) },
    ],
  },
  viewAs: {
    cases: [
      { label: 'viewAs', args: [f([2, 6]), f([3, 4])], run: (x, y) => x.viewAs(y!).mul(y!), ref: (x, y) => R.map([I.reshape(x!, [3, 4]), y!], (a, b) => a * b) },
    ],
  },
  meshgrid: {
    cases: [
      { label: 'meshgrid xy', args: [f([3]), f([2])], run: (a, b) => { const [g0, g1] = meshgrid([a!, b!], { indexing: 'xy' }); return g0!.mul(g1!.mul(2).add(1)); },
        ref: (a, b) => R.map([I.expand(I.reshape(a!, [1, 3]), [2, 3]), I.expand(I.reshape(b!, [2, 1]), [2, 3])], (p, q) => p * (2 * q + 1)) },
      { label: 'meshgrid ij of three', args: [f([2]), f([3]), f([2])], run: (a, b, c) => { const [g0, g1, g2] = meshgrid(a!, b!, c!); return g0!.mul(g1!).add(g2!); },
        ref: (a, b, c) => R.map([I.reshape(a!, [2, 1, 1]), I.reshape(b!, [1, 3, 1]), I.reshape(c!, [1, 1, 2])], (p, q, r) => p * q + r) },
    ],
  },
  roll: {
    cases: [
      { label: 'roll([1, -2], [0, 1])', args: [f([3, 4])], run: (x) => x.roll([1, -2], [0, 1]), ref: (x) => I.roll(I.roll(x!, 1, 0), -2, 1) },
      { label: 'roll(5) flattened', args: [f([3, 4])], run: (x) => x.roll(5), ref: (x) => I.reshape(I.roll(R.nd([12], x!.data), 5, 0), [3, 4]) },
    ],
  },
  repeat: {
    cases: [
      { label: 'repeat(2, 1, 3)', args: [f([2, 3])], run: (x) => x.repeat(2, 1, 3), ref: (x) => I.repeat(x!, [2, 1, 3]) },
    ],
  },
  tile: {
    cases: [
      { label: 'tile([2])', args: [f([2, 3])], run: (x) => x.tile([2]), ref: (x) => I.repeat(x!, [1, 2]) },
    ],
  },
  repeatInterleave: {
    cases: [
      { label: 'repeatInterleave(2, 1)', args: [f([2, 3])], run: (x) => x.repeatInterleave(2, 1), ref: (x) => I.repeatInterleave(x!, [2, 2, 2], 1) },
      { label: 'repeatInterleave(counts, 0)', args: [f([3, 2]), idx([3], [2, 0, 3])], run: (x, r) => x.repeatInterleave(r!, 0), ref: (x) => I.repeatInterleave(x!, [2, 0, 3], 0) },
      { label: 'repeatInterleave(3) flattened', args: [f([2, 2])], run: (x) => x.repeatInterleave(3), ref: (x) => I.repeatInterleave(R.nd([4], x!.data), [3, 3, 3, 3], 0) },
      { label: 'repeatInterleave(counts): the indices form', args: [idx([4], [1, 0, 3, 2]), f([1])], run: (r) => r.repeatInterleave(),
        ref: () => R.nd([6], [0, 2, 2, 2, 3, 3]), outDType: 'int32', skipGradcheck: true },
    ],
  },
  pad: {
    cases: [
      { label: 'pad constant with a value', args: [f([2, 3])], run: (x) => pad(x, [1, 2, 0, 1], { value: 0.5 }), ref: (x) => I.pad(x!, [1, 2, 0, 1], 'constant', 0.5) },
      { label: 'pad constant cropping', args: [f([2, 4])], run: (x) => pad(x, [-1, 2]), ref: (x) => I.pad(R.narrow(x!, 1, 1, 3), [0, 2], 'constant') },
      { label: "pad 'reflect'", args: [f([2, 3, 4])], run: (x) => pad(x, [2, 1, 1, 2], 'reflect'), ref: (x) => I.pad(x!, [2, 1, 1, 2], 'reflect') },
      { label: "pad 'replicate'", args: [f([2, 3])], run: (x) => pad(x, [2, 1, 0, 3], { mode: 'replicate' }), ref: (x) => I.pad(x!, [2, 1, 0, 3], 'replicate') },
      { label: "pad 'circular'", args: [f([2, 3])], run: (x) => pad(x, [3, 1, 1, 0], 'circular'), ref: (x) => I.pad(x!, [3, 1, 1, 0], 'circular') },
    ],
  },
  trilIndices: {
    noGrad: true,
    cases: [
      { label: 'trilIndices(4, 3, -1)', args: [f([1])], run: () => trilIndices(4, 3, -1), ref: () => I.triIndices(4, 3, -1, true), outDType: 'int32' },
      { label: 'trilIndices(3, 5, 1)', args: [f([1])], run: () => trilIndices(3, 5, 1), ref: () => I.triIndices(3, 5, 1, true), outDType: 'int32' },
    ],
  },
  triuIndices: {
    noGrad: true,
    cases: [
      { label: 'triuIndices(3, 4, 1)', args: [f([1])], run: () => triuIndices(3, 4, 1), ref: () => I.triIndices(3, 4, 1, false), outDType: 'int32' },
      { label: 'triuIndices(4, 3, -2)', args: [f([1])], run: () => triuIndices(4, 3, -2), ref: () => I.triIndices(4, 3, -2, false), outDType: 'int32' },
    ],
  },
  takeAlongDim: {
    cases: [
      { label: 'takeAlongDim broadcasting', args: [f([3, 4]), idx([1, 2], [3, 0])], run: (x, i) => x.takeAlongDim(i!, 1),
        ref: (x, i) => R.gather(x!, 1, I.expand(i!, [3, 2])) },
      { label: 'takeAlongDim with no dim', args: [f([3, 4]), idx([3], [11, 0, 5])], run: (x, i) => x.takeAlongDim(i!), ref: (x, i) => I.index(R.nd([12], x!.data), ix(i!)) },
    ],
  },
  maskedFill: {
    cases: [
      { label: 'maskedFill with a number', args: [f([3, 4]), mask([4], [1, 0, 0, 1])], run: (x, m) => x.maskedFill(m!, 0.5), ref: (x, m) => I.maskedFill(x!, m!, 0.5) },
      { label: 'maskedFill with a 0-d tensor', args: [f([2, 3]), mask([2, 3], [0, 1, 1, 0, 0, 1]), f([])], run: (x, m, v) => x.maskedFill(m!, v!),
        ref: (x, m, v) => I.maskedFill(x!, m!, v!.data[0]!) },
      { label: 'maskedFill_ on a non-leaf', args: [f([2, 3]), mask([2, 3], [0, 1, 1, 0, 0, 1])], run: (x, m) => x.mul(2).maskedFill_(m!, -1),
        ref: (x, m) => I.maskedFill(I.scale(x!, 2), m!, -1) },
    ],
  },
  tril: {
    cases: [
      { label: 'tril(-1)', args: [f([3, 4])], run: (x) => x.tril(-1), ref: (x) => I.tri(x!, -1, true) },
    ],
  },
  triu: {
    cases: [
      { label: 'triu(1) batched', args: [f([2, 3, 4])], run: (x) => x.triu(1), ref: (x) => I.tri(x!, 1, false) },
    ],
  },
} satisfies Partial<Record<Primitive | keyof typeof COMPOSITES, OpSpec>>;

/** Cases of `indexSelect` (a primitive whose spec lives in op-specs.ts) with an index of any shape. */
export const INDEX_SELECT_CASES: Case[] = [
  { label: 'a 2-d index', args: [f([3, 4]), idx([2, 2], [3, 0, 1, 3])], run: (x, i) => x.indexSelect(1, i!), ref: (x, i) => I.takeAlong(x!, 1, i!) },
  { label: 'a 0-d index', args: [f([3, 4]), idx([], [2])], run: (x, i) => x.indexSelect(0, i!), ref: (x) => R.narrow(x!, 0, 2, 1) },
  { label: 'a 3-d index on the last dim', args: [f([2, 5]), idx([2, 1, 2], [4, 0, 0, 2])], run: (x, i) => x.indexSelect(-1, i!), ref: (x, i) => I.takeAlong(x!, 1, i!) },
];

