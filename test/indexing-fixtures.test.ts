// Indexing and the movement/selection ops against PyTorch 1.13, on every backend: the outputs and the gradients of
// sum(out * w) that scripts/oracle/indexing.py recorded in test/fixtures/indexing.json (PyTorch is never imported
// here). Each case's program is written twice, in Python there and in TypeScript here, under the same name.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cat, getBackend, grad, meshgrid, pad, repeatInterleave, setBackend, stack, take, takeAlongDim, tensor, trilIndices, triuIndices, where,
  type Tensor,
} from '../src/index.js';
import { testBackends } from './support/backends.js';

interface Input { kind: 'float' | 'int32' | 'bool'; shape: number[]; seed?: number; values?: number[] }
interface Result { shape: number[]; out: number[]; grads?: number[][] }
interface FixtureCase { name: string; inputs: Input[]; float64?: Result; float32?: Result; int?: Result }
const fixture = JSON.parse(readFileSync(new URL('./fixtures/indexing.json', import.meta.url), 'utf8')) as { torch: string; cases: FixtureCase[] };

/** The oracle's float inputs: multiples of 1/16, distinct within a tensor. */
const values = (n: number, seed: number): number[] => Array.from({ length: n }, (_, i) => (((i * 37 + seed * 11) % 101) - 50) / 16);

const weighted = (ts: Tensor[], dim: number): Tensor => cat(ts.map((t, k) => t.mul(k + 1)), dim);
type Fn = (...t: Tensor[]) => Tensor;

/** The TypeScript of each case, by the name the oracle gave it. */
const PROGRAMS: Record<string, Fn> = {
  'x[:, 1:4]': (x) => x.index(':', '1:4'),
  'x[..., ::2]': (x) => x.index('...', '::2'),
  'x[:, -1]': (x) => x.index(':', -1),
  'x[None, 0, -2:]': (x) => x.index(null, 0, '-2:'),
  'x[1:, ..., None, 1::2]': (x) => x.index('1:', '...', null, '1::2'),
  'x[-10:2, 7:]': (x) => x.index('-10:2', '7:'),
  'x[idx]': (x, k) => x.index(k!),
  'x[rows, cols]': (x, r, c) => x.index(r!, c!),
  'x[rows[:, None], cols]': (x, r, c) => x.index(r!, c!),
  'x[i, :, j]': (x, a, c) => x.index(a!, ':', c!),
  'x[:, i, j]': (x, a, c) => x.index(':', a!, c!),
  'x[0, :, idx]': (x, k) => x.index(0, ':', k!),
  'x[:, [-1, 0]]': (x) => x.index(':', [-1, 0]),
  'x[:, idx, None, idx2]': (x, a, c) => x.index(':', a!, null, c!),
  'x[mask]': (x, m) => x.index(m!),
  'x[mask2d] over leading dims': (x, m) => x.index(m!),
  'x[:, mask]': (x, m) => x.index(':', m!),
  'x[True]': (x) => x.index(true),
  'y[:, 1:3] = v': (x, v) => { const y = x.mul(1); y.indexPut_([':', '1:3'], v!); return y.mul(y); },
  'y[0][1:] = v (through a view)': (x, v) => { const y = x.mul(1); y.index(0).indexPut_(['1:'], v!); return y.mul(y); },
  'y[:, 1:3] = 0': (x) => x.mul(2).indexPut_([':', '1:3'], 0),
  'y[mask] = v': (x, m, v) => x.mul(1).indexPut_([m!], v!),
  'y[rows, cols] = v': (x, r, c, v) => x.mul(1).indexPut_([r!, c!], v!),
  'index_put accumulate': (x, k, v) => x.indexPut([k!], v!, { accumulate: true }),
  'select(1, -1)': (x) => x.select(1, -1),
  'narrow(1, 1, 2)': (x) => x.narrow(1, 1, 2),
  'unbind(1)': (x) => stack(x.unbind(1).map((t, k) => t.mul(k + 1))),
  'split(2, 1)': (x) => weighted(x.split(2, 1), 1),
  'split([1, 3, 1], 1)': (x) => weighted(x.split([1, 3, 1], 1), 1),
  'chunk(3) of 7': (x) => weighted(x.chunk(3), 0),
  'chunk(4) of 6': (x) => weighted(x.chunk(4), 0),
  'flip(0, 2)': (x) => x.flip(0, 2),
  'roll([1, -2], [0, 1])': (x) => x.roll([1, -2], [0, 1]),
  'roll(5)': (x) => x.roll(5),
  'repeat(2, 1, 3)': (x) => x.repeat(2, 1, 3),
  'tile((2,))': (x) => x.tile([2]),
  'repeat_interleave(2, 1)': (x) => x.repeatInterleave(2, 1),
  'repeat_interleave(counts, 0)': (x, r) => x.repeatInterleave(r!, 0),
  'repeat_interleave(3)': (x) => x.repeatInterleave(3),
  'movedim((0, 1), (2, 0))': (x) => x.movedim([0, 1], [2, 0]),
  'swapaxes(0, 2)': (x) => x.swapaxes(0, 2),
  'unflatten(1, (2, -1))': (x) => x.unflatten(1, [2, -1]),
  'broadcast_to((2, 3, 4))': (x) => x.broadcastTo([2, 3, 4]),
  'view_as': (x, y) => x.viewAs(y!).mul(y!),
  'pad constant': (x) => pad(x, [1, 2, 0, 1], { value: 0.5 }),
  'pad constant cropping': (x) => pad(x, [-1, 2]),
  'pad reflect': (x) => pad(x, [2, 1, 1, 2], { mode: 'reflect' }),
  'pad replicate': (x) => pad(x, [2, 1], 'replicate'),
  'pad circular': (x) => pad(x, [3, 1], 'circular'),
  'tril(-1)': (x) => x.tril(-1),
  'triu(1) batched': (x) => x.triu(1),
  'meshgrid xy': (a, c) => { const [g0, g1] = meshgrid([a!, c!], { indexing: 'xy' }); return g0!.mul(g1!.mul(2).add(1)); },
  'meshgrid ij': (a, c, d) => { const [g0, g1, g2] = meshgrid(a!, c!, d!, { indexing: 'ij' }); return g0!.mul(g1!).add(g2!); },
  'masked_fill': (x, m) => x.maskedFill(m!, 0.5),
  'masked_fill 0-d tensor': (x, m, v) => x.maskedFill(m!, v!),
  'masked_select': (x, m) => x.maskedSelect(m!),
  'masked_scatter': (x, m, s) => x.maskedScatter(m!, s!),
  'index_fill': (x, k) => x.indexFill(1, k!, -0.5),
  'index_fill 0-d tensor': (x, k, v) => x.indexFill(1, k!, v!),
  'index_copy': (x, k, s) => x.indexCopy(0, k!, s!),
  'index_select': (x, k) => x.indexSelect(1, k!),
  'scatter src': (x, k, s) => x.scatter(1, k!, s!),
  'scatter value': (x, k) => x.scatter(0, k!, 1.5),
  'scatter reduce add': (x, k, s) => x.scatter(0, k!, s!, { reduce: 'add' }),
  'scatter reduce multiply': (x, k) => x.scatter(0, k!, 2, { reduce: 'multiply' }),
  'take_along_dim': (x, k) => takeAlongDim(x, k!, 1),
  'take_along_dim no dim': (x, k) => takeAlongDim(x, k!),
  'take': (x, k) => take(x, k!),
  'moveaxis(0, -1)': (x) => x.moveaxis(0, -1),
  'swapdims(1, 2)': (x) => x.swapdims(1, 2),
  'expand_as': (x, y) => x.expandAs(y!).mul(y!),
  'masked_fill_ on a non-leaf': (x, m) => x.mul(2).maskedFill_(m!, -1),
  'masked_scatter_ on a non-leaf': (x, m, s) => x.mul(2).maskedScatter_(m!, s!),
  'index_fill_ on a non-leaf': (x, k, v) => x.mul(2).indexFill_(0, k!, v!),
  'index_copy_ on a non-leaf': (x, k, s) => x.mul(2).indexCopy_(1, k!, s!),
  'scatter_ on a non-leaf': (x, k, s) => x.mul(3).scatter_(1, k!, s!),
  'scatter_reduce_ sum on a non-leaf': (x, k, s) => x.mul(2).scatterReduce_(1, k!, s!, 'sum'),
  'nonzero': (x) => x.mul(x.abs().gt(1)).nonzero(),
  'where(cond)': (m) => stack(where(m!)),
  'tril_indices(4, 3, -1)': () => trilIndices(4, 3, -1),
  'triu_indices(3, 4, 1)': () => triuIndices(3, 4, 1),
  'repeat_interleave(counts)': (r) => repeatInterleave(r!),
};
for (const reduce of ['sum', 'prod', 'mean', 'amax', 'amin'] as const) {
  for (const includeSelf of [true, false]) {
    PROGRAMS[`scatter_reduce ${reduce} include_self=${includeSelf ? 'True' : 'False'}`] = (x, k, s) => x.scatterReduce(1, k!, s!, reduce, { includeSelf });
  }
}

function inputs(c: FixtureCase, dtype: 'float32' | 'float64'): Tensor[] {
  return c.inputs.map((s) => {
    if (s.kind === 'float') {
      const n = s.shape.reduce((a, b) => a * b, 1);
      return tensor(values(n, s.seed!), { shape: s.shape, dtype, requiresGrad: true });
    }
    return tensor(s.values!, { shape: s.shape, dtype: s.kind });
  });
}

function close(got: ArrayLike<number>, want: readonly number[], tol: number, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    if (Math.abs(got[i]! - want[i]!) > tol * (1 + Math.abs(want[i]!))) expect(got[i], `${what}[${i}]`).toBe(want[i]);
  }
}

const initial = getBackend().name;
afterAll(() => setBackend(initial));

describe(`indexing against PyTorch ${fixture.torch} (test/fixtures/indexing.json)`, () => {
  it('has a TypeScript program for every recorded case, and a recorded case for every program', () => {
    const names = fixture.cases.map((c) => c.name);
    expect(names.filter((n) => !(n in PROGRAMS))).toEqual([]);
    expect(Object.keys(PROGRAMS).filter((n) => !names.includes(n))).toEqual([]);
  });

  for (const backend of testBackends()) {
    describe(`backend ${backend}`, () => {
      for (const c of fixture.cases) {
        const program = PROGRAMS[c.name]!;
        if (c.int) {
          it(`${c.name}: int32 result`, () => {
            setBackend(backend);
            const out = program(...inputs(c, 'float64'));
            expect(out.dtype).toBe('int32');
            expect(out.shape).toEqual(c.int!.shape);
            expect([...out.data()]).toEqual(c.int!.out);
          });
          continue;
        }
        for (const dtype of ['float64', 'float32'] as const) {
          const want = c[dtype]!;
          it(`${c.name}: ${dtype} output${want.grads ? ' and gradients' : ''}`, () => {
            setBackend(backend);
            const xs = inputs(c, dtype);
            const out = program(...xs);
            expect(out.shape).toEqual(want.shape);
            expect(out.dtype).toBe(dtype);
            const tol = dtype === 'float64' ? 1e-12 : 2e-6;
            close(out.data(), want.out, tol, 'output');
            if (!want.grads) return;
            const w = tensor(Array.from({ length: out.size }, (_, i) => ((i % 7) - 3) / 4), { shape: [...out.shape], dtype });
            const floats = xs.filter((x) => x.dtype === dtype);
            const gs = grad(out.mul(w).sum(), floats, { allowUnused: true });
            gs.forEach((g, k) => close(g ? g.data() : new Array<number>(floats[k]!.size).fill(0), want.grads![k]!, tol, `gradient ${k}`));
          });
        }
      }
    });
  }
});
