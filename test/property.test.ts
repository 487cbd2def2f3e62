// Property-based tests: fast-check searches for shapes and programs where adjoint disagrees with the float64
// reference or with finite differences. Fixed seed and bounded runs here; `npm run test:fuzz` runs longer.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { gradcheck, tensor, type Tensor } from '../src/index.js';
import * as R from './reference.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
const SEED = Number(process.env.FUZZ_SEED ?? 20261128);
const params = { numRuns: RUNS, seed: SEED };

const dim = fc.integer({ min: 1, max: 4 });
const shapeArb = fc.array(dim, { minLength: 0, maxLength: 3 });

/** A pair of shapes that broadcast: b is a with some dims set to 1 and some leading dims dropped, maybe swapped. */
const broadcastPair = fc
  .tuple(shapeArb, fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }), fc.integer({ min: 0, max: 3 }), fc.boolean())
  .map(([a, ones, drop, swap]) => {
    const b = a.map((d, i) => (ones[i] ? 1 : d)).slice(Math.min(drop, a.length));
    return swap ? [b, a] : [a, b];
  });

function values(n: number, seed: number, positive = false): number[] {
  let s = seed >>> 0;
  return Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const u = s / 4294967296;
    return positive ? 0.5 + 2 * u : (u < 0.5 ? -1 : 1) * (0.2 + 1.8 * Math.abs(2 * u - 1));
  });
}

function close(got: Tensor, want: R.Nd, tol = 1e-10): void {
  expect(got.shape).toEqual(want.shape);
  const g = got.data();
  want.data.forEach((w, i) => expect(Math.abs(g[i]! - w)).toBeLessThanOrEqual(tol * (1 + Math.abs(w))));
}

const BINARY: [string, (a: number, b: number) => number, boolean][] = [
  ['add', (a, b) => a + b, false],
  ['sub', (a, b) => a - b, false],
  ['mul', (a, b) => a * b, false],
  ['div', (a, b) => a / b, true],
  ['pow', (a, b) => Math.pow(a, b), true],
  ['maximum', Math.max, false],
  ['minimum', Math.min, false],
];

describe('random broadcastable shapes, every binary op', () => {
  for (const [name, ref, positive] of BINARY) {
    it(`${name}: forward matches the reference and gradients match finite differences`, () => {
      fc.assert(
        fc.property(broadcastPair, fc.integer({ min: 1, max: 1e6 }), ([sa, sb], seed) => {
          const av = values(R.size(sa!), seed, name === 'pow'), bv = values(R.size(sb!), seed + 7, positive);
          const a = tensor(av, { shape: sa!, dtype: 'float64', requiresGrad: true });
          const b = tensor(bv, { shape: sb!, dtype: 'float64', requiresGrad: true });
          const call = (x: Tensor, y: Tensor): Tensor => (x as unknown as Record<string, (o: Tensor) => Tensor>)[name]!.call(x, y);
          close(call(a, b), R.map([R.nd(sa!, av), R.nd(sb!, bv)], ref));
          expect(gradcheck((x, y) => call(x!, y!), [a, b])).toBe(true);
        }),
        params,
      );
    });
  }
});

describe('random reductions over random dims', () => {
  const REDUCE: [string, (v: number[]) => number][] = [
    ['sum', R.sumOf], ['mean', (v) => R.sumOf(v) / v.length], ['amax', (v) => Math.max(...v)], ['amin', (v) => Math.min(...v)], ['logsumexp', R.lse],
  ];
  for (const [name, ref] of REDUCE) {
    it(`${name}`, () => {
      fc.assert(
        fc.property(fc.array(dim, { minLength: 1, maxLength: 4 }), fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }), fc.boolean(), fc.boolean(), fc.integer({ min: 1, max: 1e6 }),
          (shape, pick, keepdim, negative, seed) => {
            let dims = shape.map((_, i) => i).filter((i) => pick[i]);
            if (dims.length === 0) dims = [0];
            const arg = negative ? dims.map((d) => d - shape.length) : dims;
            const v = values(R.size(shape), seed);
            const x = tensor(v, { shape, dtype: 'float64', requiresGrad: true });
            const f = (t: Tensor): Tensor => (t as unknown as Record<string, (d: number[], k: boolean) => Tensor>)[name]!.call(t, arg, keepdim);
            close(f(x), R.reduce(R.nd(shape, v), dims, keepdim, ref));
            expect(gradcheck((t) => f(t!), [x])).toBe(true);
          }),
        params,
      );
    });
  }
});

// ---- random DAG programs ----

type Instr = { op: 'add' | 'sub' | 'mul' | 'tanh' | 'sigmoid' | 'sin' | 'cos' | 'exp' | 'square' | 'divsoft' | 'sum1' | 'matmulT'; a: number; b: number };
const OPS: Instr['op'][] = ['add', 'sub', 'mul', 'tanh', 'sigmoid', 'sin', 'cos', 'exp', 'square', 'divsoft', 'sum1', 'matmulT'];
const program = fc.array(
  fc.record({ op: fc.constantFrom(...OPS), a: fc.nat(), b: fc.nat() }),
  { minLength: 5, maxLength: 40 },
);

const N = 3; // values are 3×3, so matmul and row sums keep the shape

function runTensor(prog: Instr[], inputs: Tensor[]): Tensor {
  const pool = [...inputs];
  for (const { op, a, b } of prog) {
    const x = pool[a % pool.length]!, y = pool[b % pool.length]!;
    const r = op === 'add' ? x.add(y) : op === 'sub' ? x.sub(y) : op === 'mul' ? x.mul(y) : op === 'tanh' ? x.tanh()
      : op === 'sigmoid' ? x.sigmoid() : op === 'sin' ? x.sin() : op === 'cos' ? x.cos() : op === 'exp' ? x.tanh().exp()
      : op === 'square' ? x.mul(x) : op === 'divsoft' ? x.div(y.mul(y).add(1)) : op === 'sum1' ? x.sum(1, true).expand([N, N]).mul(0.3)
      : x.matmul(y.transpose(0, 1)).mul(0.3);
    pool.push(r);
  }
  // Every value may feed the output: reuse and branches are the point.
  return pool.slice(inputs.length).reduce((s, t, i) => s.add(t.mul(1 / (i + 1))), pool[0]!.mul(0)).sum();
}

function runReference(prog: Instr[], inputs: R.Nd[]): number {
  const pool = [...inputs];
  const m = (x: R.Nd, f: (v: number) => number): R.Nd => R.map([x], f);
  const m2 = (x: R.Nd, y: R.Nd, f: (u: number, v: number) => number): R.Nd => R.map([x, y], f);
  for (const { op, a, b } of prog) {
    const x = pool[a % pool.length]!, y = pool[b % pool.length]!;
    const sig = (v: number): number => 1 / (1 + Math.exp(-v));
    const r = op === 'add' ? m2(x, y, (u, v) => u + v) : op === 'sub' ? m2(x, y, (u, v) => u - v) : op === 'mul' ? m2(x, y, (u, v) => u * v)
      : op === 'tanh' ? m(x, Math.tanh) : op === 'sigmoid' ? m(x, sig) : op === 'sin' ? m(x, Math.sin) : op === 'cos' ? m(x, Math.cos)
      : op === 'exp' ? m(x, (v) => Math.exp(Math.tanh(v))) : op === 'square' ? m(x, (v) => v * v)
      : op === 'divsoft' ? m2(x, y, (u, v) => u / (v * v + 1))
      : op === 'sum1' ? R.map([R.reduce(x, [1], true, R.sumOf), R.nd([N, N], new Array(N * N).fill(0))], (s) => s * 0.3)
      : m(R.matmul(x, R.permute(y, [1, 0])), (v) => v * 0.3);
    pool.push(r);
  }
  return pool.slice(inputs.length).reduce((s, t, i) => s + R.sumOf([...t.data]) / (i + 1), 0);
}

describe('random DAG programs', () => {
  it('forward equals the float64 reference and gradients equal finite differences', () => {
    fc.assert(
      fc.property(program, fc.integer({ min: 1, max: 1e6 }), (prog, seed) => {
        const raw = [values(N * N, seed), values(N * N, seed + 1)];
        const xs = raw.map((v) => tensor(v, { shape: [N, N], dtype: 'float64', requiresGrad: true }));
        const out = runTensor(prog, xs);
        const want = runReference(prog, raw.map((v) => R.nd([N, N], v)));
        expect(Math.abs(out.item() - want)).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(want)));
        expect(gradcheck((a, b) => runTensor(prog, [a!, b!]), xs, { atol: 1e-5, rtol: 1e-4 })).toBe(true);
      }),
      { ...params, numRuns: Math.max(10, Math.round(RUNS / 2)) },
    );
  });
});
