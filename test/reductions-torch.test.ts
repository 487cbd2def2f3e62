// The reductions, scans and sorting ops against PyTorch: the cases and outputs that scripts/oracle/reductions.py
// recorded from torch in test/fixtures/reductions.json (PyTorch is never imported here). Values in float64 and
// float32, int32 indices, and the float64 gradient of sum(output · w), w = 1, 2, 3, …, on every backend. Where
// PyTorch documents the index among equal elements as unspecified (topk, kthvalue, median), an index may differ
// from torch's but must point at an element equal to torch's value, and the gradient then goes to it.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import {
  getBackend, linalgMatrixNorm, linalgVectorNorm, setBackend, tensor, type Tensor,
} from '../src/index.js';
import { testBackends } from './support/backends.js';

type Enc = number | string;
interface Fixture {
  readonly torch: string;
  readonly cases: readonly {
    readonly id: string;
    readonly op: string;
    readonly args: Record<string, unknown>;
    readonly x: { readonly shape: number[]; readonly dtype: 'float64' | 'int32'; readonly data: Enc[] };
    readonly shape: number[];
    readonly values: Enc[];
    readonly values32?: Enc[];
    readonly indices?: Enc[];
    readonly extra?: { readonly shape: number[]; readonly data: Enc[] }[];
    readonly grad?: Enc[];
    readonly note?: string;
  }[];
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/reductions.json', import.meta.url), 'utf8')) as Fixture;

const dec = (v: Enc): number => (v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : (v as number));
const decAll = (vs: readonly Enc[]): number[] => vs.map(dec);

interface Result {
  readonly values: Tensor;
  readonly indices?: Tensor;
  readonly extra?: Tensor[];
}

/** Run one fixture case the way a PyTorch user would write it in adjoint. */
function run(op: string, x: Tensor, a: Record<string, unknown>): Result {
  const dim = a.dim as number | number[] | undefined;
  const keepdim = a.keepdim as boolean | undefined;
  const varOptions = { ...(keepdim === undefined ? {} : { keepdim }), ...(a.correction === undefined ? {} : { correction: a.correction as number }) };
  const vi = (r: { values: Tensor; indices: Tensor }): Result => ({ values: r.values, indices: r.indices });
  switch (op) {
    case 'amax': return { values: x.amax(dim, keepdim) };
    case 'amin': return { values: x.amin(dim, keepdim) };
    case 'max': return dim === undefined ? { values: x.max() } : vi(x.max(dim as number, keepdim));
    case 'min': return dim === undefined ? { values: x.min() } : vi(x.min(dim as number, keepdim));
    case 'prod': {
      const opts = a.dtype === undefined ? {} : { dtype: a.dtype as 'float64' };
      return { values: dim === undefined ? x.prod(opts) : x.prod(dim as number, keepdim, opts) };
    }
    case 'all': return { values: x.all(dim) };
    case 'any': return { values: x.any(dim) };
    case 'var': return { values: x.var(dim ?? null, varOptions) };
    case 'std': return { values: x.std(dim ?? null, varOptions) };
    case 'varMean': { const [v, m] = x.varMean(dim, varOptions); return { values: v, extra: [m] }; }
    case 'stdMean': { const [v, m] = x.stdMean(dim, varOptions); return { values: v, extra: [m] }; }
    case 'cumsum': return { values: x.cumsum(dim as number, a.dtype === undefined ? {} : { dtype: a.dtype as 'float64' }) };
    case 'cumprod': return { values: x.cumprod(dim as number) };
    case 'logcumsumexp': return { values: x.logcumsumexp(dim as number) };
    case 'cummax': return vi(x.cummax(dim as number));
    case 'cummin': return vi(x.cummin(dim as number));
    case 'argsort': return { values: x.argsort(dim as number, { descending: (a.descending as boolean | undefined) ?? false }) };
    case 'sort': return vi(x.sort(dim as number, { descending: (a.descending as boolean | undefined) ?? false, stable: true }));
    case 'topk': return vi(x.topk(a.k as number, dim as number, { largest: (a.largest as boolean | undefined) ?? true }));
    case 'kthvalue': return vi(x.kthvalue(a.k as number, dim as number, keepdim));
    case 'median': return dim === undefined ? { values: x.median() } : vi(x.median(dim as number, keepdim));
    case 'unique': {
      const [v, inverse, counts] = x.unique({ ...(dim === undefined ? {} : { dim: dim as number }), returnInverse: true, returnCounts: true });
      return { values: v, extra: [inverse, counts] };
    }
    case 'nansum': return { values: x.nansum(dim, keepdim) };
    case 'nanmean': return { values: x.nanmean(dim, keepdim) };
    case 'countNonzero': return { values: x.countNonzero(dim) };
    case 'vectorNorm': return { values: linalgVectorNorm(x, dec(a.ord as Enc), dim, keepdim) };
    case 'matrixNorm': return { values: linalgMatrixNorm(x, a.ord === 'fro' ? 'fro' : dec(a.ord as Enc)) };
    case 'norm': return { values: x.norm(a.p as number | undefined, dim, keepdim) };
    default: throw new Error(`no runner for ${op}`);
  }
}

/** Where PyTorch leaves the index among equal elements unspecified. */
const UNSPECIFIED_TIES = new Set(['topk', 'kthvalue', 'median']);

function close(got: readonly number[], want: readonly number[], rtol: number, atol: number, what: string): void {
  expect(got.length, `${what}: length`).toBe(want.length);
  want.forEach((w, i) => {
    const g = got[i]!;
    if (Number.isNaN(w)) expect(g, `${what}[${i}]`).toBeNaN();
    else if (!Number.isFinite(w)) expect(g, `${what}[${i}]`).toBe(w);
    else if (Math.abs(g - w) > atol + rtol * Math.abs(w)) expect(g, `${what}[${i}]`).toBe(w);
  });
}

const nums = (t: Tensor): number[] => [...t.data()].map(Number);

const initial = getBackend().name;
afterAll(() => setBackend(initial));

for (const backend of testBackends()) {
  describe(`against PyTorch ${fixture.torch} (test/fixtures/reductions.json), backend ${backend}`, () => {
    it('has the cases the issue asks for: ties, NaN, zeros, integers', () => {
      const notes = fixture.cases.map((c) => `${c.op} ${c.note ?? ''}`).join('\n');
      for (const op of ['sort', 'topk', 'max', 'median', 'cummax']) expect(fixture.cases.some((c) => c.op === op && /ties/.test(c.note ?? '')), op).toBe(true);
      expect(notes).toMatch(/NaN/);
      expect(fixture.cases.some((c) => c.x.dtype === 'int32')).toBe(true);
    });

    for (const c of fixture.cases) {
      it(`${c.id}${c.note ? ` (${c.note})` : ''}`, () => {
        setBackend(backend);
        const data = decAll(c.x.data);
        const x = tensor(data, { shape: c.x.shape, dtype: c.x.dtype });
        const r = run(c.op, x, c.args);
        expect(r.values.shape, 'shape').toEqual(c.shape);
        if (c.args.dtype !== undefined) expect(r.values.dtype, 'dtype').toBe(c.args.dtype);
        const torchValues = decAll(c.values);
        close(nums(r.values), torchValues, 1e-10, 1e-12, 'values');

        // Indices: exact, or (where PyTorch leaves ties unspecified) pointing at an element equal to torch's value.
        let sameIndices = true;
        if (c.indices) {
          const got = nums(r.indices!), want = decAll(c.indices);
          expect(r.indices!.dtype).toBe('int32');
          if (UNSPECIFIED_TIES.has(c.op) && got.some((g, i) => g !== want[i])) {
            sameIndices = false;
            // Read the input along the dim at our index: the values tensor already is x at our indices.
            close(nums(r.values), torchValues, 0, 0, 'values at our indices');
          } else {
            expect(got, 'indices').toEqual(want);
          }
        }
        c.extra?.forEach((e, k) => {
          expect(r.extra![k]!.shape, `output ${k + 1} shape`).toEqual(e.shape);
          close(nums(r.extra![k]!), decAll(e.data), 1e-12, 1e-12, `output ${k + 1}`);
        });

        if (c.values32) {
          const r32 = run(c.op, x.to('float32'), c.args);
          close(nums(r32.values), decAll(c.values32), 2e-6, 2e-6, 'float32 values');
        }

        if (c.grad) {
          const xg = tensor(data, { shape: c.x.shape, dtype: 'float64', requiresGrad: true });
          const out = run(c.op, xg, c.args).values;
          const w = tensor(Array.from({ length: out.size }, (_, i) => i + 1), { shape: out.shape, dtype: 'float64' });
          out.mul(w).sum().backward();
          const want = decAll(c.grad);
          // nansum/nanmean send 0 to a NaN element; PyTorch multiplies by the mask instead, which gives NaN there when a
          // whole slice is NaN (its output is NaN, so the upstream gradient 1/0 is infinite). A documented difference.
          if (c.op === 'nanmean') data.forEach((v, i) => { if (Number.isNaN(v)) want[i] = 0; });
          if (sameIndices) close(nums(xg.grad!), want, 1e-10, 1e-12, 'gradient');
          else expect(nums(xg.grad!).reduce((s, v) => s + v, 0)).toBeCloseTo(want.reduce((s, v) => s + v, 0), 10);
        }
      });
    }
  });
}
