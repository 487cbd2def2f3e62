// Linear algebra against PyTorch (test/fixtures/linalg.json, written by scripts/oracle/linalg.py; torch is never
// imported here): outputs, gradients of a weighted sum of the outputs, and error messages, including singular and
// ill-conditioned matrices. Then what the fixtures cannot show: einsum's contractions run the backend's matmul,
// diagonal is a view, misuse is refused with PyTorch's messages, and second derivatives at singular matrices.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  addmm, baddbmm, bmm, diag, diagEmbed, dot, einsum, getBackend, linalg, mv, outer, setBackend, tensor, trace, type Tensor,
} from '../src/index.js';
import { camelCase } from '../src/options.js';

interface Arr { readonly shape: number[]; readonly data: (number | string)[] }
interface FixtureCase {
  readonly label: string; readonly op: string; readonly args: Record<string, unknown>; readonly dtype: 'float32' | 'float64';
  readonly inputs: Arr[]; readonly outputs: Record<string, Arr>; readonly weights?: Record<string, Arr>; readonly grads?: Arr[];
  readonly createGraph?: boolean;
}
interface FixtureError { readonly label: string; readonly op: string; readonly args: Record<string, unknown>; readonly dtype: 'float32' | 'float64'; readonly inputs: Arr[]; readonly message: string }

const fixture = JSON.parse(readFileSync(new URL('./fixtures/linalg.json', import.meta.url), 'utf8')) as {
  torch: string; cases: FixtureCase[]; errors: FixtureError[];
};

const decode = (v: number | string): number => (typeof v === 'number' ? v : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : NaN);
const values = (a: Arr): number[] => a.data.map(decode);
const toTensor = (a: Arr, dtype: 'float32' | 'float64', requiresGrad = false): Tensor =>
  tensor(values(a), { shape: a.shape, dtype, requiresGrad });

/** Run the op a fixture names, the adjoint way; named outputs as PyTorch's. */
function run(op: string, xs: Tensor[], args: Record<string, unknown>): Record<string, Tensor> {
  const [a, b, c] = xs as [Tensor, Tensor, Tensor];
  const opts = args as never;
  switch (op) {
    case 'linalg.solve': return { X: linalg.solve(a, b, opts) };
    case 'linalg.solveTriangular': return { X: linalg.solveTriangular(a, b, opts) };
    case 'linalg.inv': return { X: linalg.inv(a) };
    case 'linalg.det': return { det: linalg.det(a) };
    case 'linalg.slogdet': { const s = linalg.slogdet(a); return { sign: s.sign, logabsdet: s.logabsdet }; }
    case 'linalg.cholesky': return { L: linalg.cholesky(a, opts) };
    case 'linalg.qr': { const q = linalg.qr(a, opts); return { Q: q.Q, R: q.R }; }
    case 'linalg.eigh': { const e = linalg.eigh(a, opts); return { eigenvalues: e.eigenvalues, eigenvectors: e.eigenvectors }; }
    case 'einsum': return { out: einsum(args.equation as string, ...xs) };
    case 'dot': return { out: dot(a, b) };
    case 'outer': return { out: outer(a, b) };
    case 'mv': return { out: mv(a, b) };
    case 'bmm': return { out: bmm(a, b) };
    case 'addmm': return { out: addmm(a, b, c, opts) };
    case 'baddbmm': return { out: baddbmm(a, b, c, opts) };
    case 'diag': return { out: diag(a, args.diagonal as number | undefined) };
    case 'diagonal': return { out: a.diagonal(args.offset as number | undefined, args.dim1 as number | undefined, args.dim2 as number | undefined) };
    case 'diagEmbed': return { out: diagEmbed(a, args.offset as number | undefined, args.dim1 as number | undefined, args.dim2 as number | undefined) };
    case 'trace': return { out: trace(a) };
    default: throw new Error(`no adjoint op for fixture op ${op}`);
  }
}

/** How close an ill-conditioned result can be: errors grow with the condition number, in PyTorch's result as in ours. */
function tolerance(c: FixtureCase, what: 'output' | 'grad'): number {
  if (c.dtype === 'float32') return what === 'grad' ? 2e-3 : 2e-5;
  if (/Hilbert/.test(c.label)) return 1e-6;
  return what === 'grad' ? 1e-9 : 1e-11;
}

/** Elementwise |got − want| ≤ tol · max(1, max |want|); non-finite values must be equal. */
function expectNear(got: Tensor, want: Arr, tol: number, label: string): void {
  expect(got.shape, `${label}: shape`).toEqual(want.shape);
  const g = [...got.data()], w = values(want);
  const scale = Math.max(1, ...w.filter(Number.isFinite).map(Math.abs));
  w.forEach((x, i) => {
    if (!Number.isFinite(x)) expect(g[i], `${label}[${i}]`).toBe(x);
    else if (!(Math.abs(g[i]! - x) <= tol * scale)) expect(g[i], `${label}[${i}] (tolerance ${tol * scale})`).toBe(x);
  });
}

/** Eigenvector columns with their largest entry made positive (each is only determined up to its sign). */
function fixSigns(v: number[], shape: readonly number[]): number[] {
  const n = shape[shape.length - 1]!, out = [...v];
  for (let b = 0; b < v.length / (n * n); b++) {
    for (let c = 0; c < n; c++) {
      let big = 0;
      for (let r = 0; r < n; r++) if (Math.abs(v[b * n * n + r * n + c]!) > Math.abs(big)) big = v[b * n * n + r * n + c]!;
      for (let r = 0; r < n; r++) out[b * n * n + r * n + c] = Math.sign(big) * v[b * n * n + r * n + c]!;
    }
  }
  return out;
}

const initial = getBackend().name;
afterEach(() => setBackend(initial));

describe(`linear algebra against PyTorch ${fixture.torch} (test/fixtures/linalg.json)`, () => {
  it('holds cases of every op and kind', () => {
    const ops = new Set(fixture.cases.map((c) => c.op));
    expect([...ops].sort()).toEqual(['addmm', 'baddbmm', 'bmm', 'diag', 'diagEmbed', 'diagonal', 'dot', 'einsum', 'linalg.cholesky', 'linalg.det',
      'linalg.eigh', 'linalg.inv', 'linalg.qr', 'linalg.slogdet', 'linalg.solve', 'linalg.solveTriangular', 'mv', 'outer', 'trace']);
    expect(fixture.cases.filter((c) => /singular|Hilbert|ill-conditioned/.test(c.label)).length).toBeGreaterThanOrEqual(7);
  });

  for (const c of fixture.cases) {
    it(`${c.label}: outputs`, () => {
      const outs = run(c.op, c.inputs.map((a) => toTensor(a, c.dtype)), c.args);
      expect(Object.keys(outs).sort()).toEqual(Object.keys(c.outputs).sort());
      for (const [k, want] of Object.entries(c.outputs)) {
        const got = outs[k]!;
        expect(got.dtype, `${k} dtype`).toBe(c.dtype);
        if (k === 'eigenvectors' && /repeated/.test(c.label)) {
          // An eigenspace of dimension 2 has no preferred basis: check V·diag(λ)·Vᵀ = A and VᵀV = I instead.
          const V = got, Lm = outs.eigenvalues!;
          const A = toTensor(c.inputs[0]!, c.dtype);
          expectNear(V.mul(Lm.unsqueeze(-2)).matmul(V.transpose(-2, -1)), { shape: A.shape as number[], data: [...A.data()] }, 1e-12, 'reconstruction');
          expectNear(V.transpose(-2, -1).matmul(V), { shape: [3, 3], data: [1, 0, 0, 0, 1, 0, 0, 0, 1] }, 1e-12, 'orthonormal');
        } else if (k === 'eigenvectors') {
          const fixed = tensor(fixSigns([...got.data()], got.shape), { shape: got.shape as number[], dtype: 'float64' });
          expectNear(fixed, { shape: want.shape, data: fixSigns(values(want), want.shape) }, tolerance(c, 'output') * 10, k);
        } else expectNear(got, want, tolerance(c, 'output'), k);
      }
    });
    if (c.grads) {
      it(`${c.label}: gradients${c.createGraph ? ' (PyTorch\'s create_graph path: the exact cofactor)' : ''}`, () => {
        const xs = c.inputs.map((a) => toTensor(a, c.dtype, true));
        const outs = run(c.op, xs, c.args);
        let loss: Tensor | null = null;
        for (const [k, w] of Object.entries(c.weights!)) {
          const o = outs[k]!;
          const term = (k === 'eigenvectors' ? o.mul(o) : o).mul(toTensor(w, c.dtype)).sum();
          loss = loss === null ? term : loss.add(term);
        }
        loss!.backward();
        xs.forEach((x, i) => expectNear(x.grad!, c.grads![i]!, tolerance(c, 'grad'), `grad ${i}`));
      });
    }
  }

  // PyTorch's type and op names, as adjoint spells them.
  const TYPES: Record<string, string> = { Double: 'float64', Float: 'float32', Int: 'int32' };
  const normalize = (m: string): string =>
    m.replace(/\.$/, '').replace(/\b[a-z]+(?:_[a-z0-9]+)+\b/g, camelCase).replace(/of type (\w+)/g, (_, t: string) => `of type ${TYPES[t] ?? t}`);
  for (const e of fixture.errors) {
    it(`error: ${e.label}`, () => {
      const xs = e.inputs.map((a) => toTensor(a, e.dtype === 'float32' ? 'float32' : 'float64'));
      // The mixed-dtype case's second input is float32 in PyTorch too.
      if (/mixed dtypes/.test(e.label)) xs[1] = xs[1]!.float();
      expect(() => run(e.op, xs, e.args)).toThrow(normalize(e.message));
    });
  }
});

describe('einsum contracts through the backend matmul', () => {
  for (const [eq, shapes, matmuls] of [
    ['bij,bjk->bik', [[4, 8, 16], [4, 16, 8]], 1],
    ['ij,jk,kl->il', [[8, 16], [16, 16], [16, 8]], 2],
    ['bhqd,bhkd->bhqk', [[2, 3, 8, 16], [2, 3, 8, 16]], 1],
    ['i,i', [[64], [64]], 1],
  ] as [string, number[][], number][]) {
    it(`'${eq}' makes ${matmuls} matmul call(s) and no elementwise product`, () => {
      setBackend('ts');
      const backend = getBackend();
      const xs = shapes.map((s) => tensor(Array.from({ length: s.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i)), { shape: s, dtype: 'float64' }));
      const matmul = vi.spyOn(backend, 'matmul'), binary = vi.spyOn(backend, 'binary');
      try {
        const out = einsum(eq, ...xs);
        expect(matmul).toHaveBeenCalledTimes(matmuls);
        expect(binary).not.toHaveBeenCalled();
        // The same numbers as an explicit product.
        if (eq === 'bij,bjk->bik') expect([...out.data()]).toEqual([...xs[0]!.matmul(xs[1]!).data()]);
      } finally {
        matmul.mockRestore();
        binary.mockRestore();
      }
    });
  }
});

describe('linear algebra: behaviour the fixtures do not show', () => {
  it('diagonal is a view of its input: writes show through, and its gradient lands on the diagonal', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' });
    const d = x.diagonal(1);
    expect(d.storage).toBe(x.storage);
    d.mul_(10);
    expect(x.toArray()).toEqual([[1, 20, 3], [4, 5, 60]]);
    const y = tensor([[1, 2], [3, 4]], { requiresGrad: true });
    y.diagonal().sum().backward();
    expect(y.grad!.toArray()).toEqual([[1, 0], [0, 1]]);
  });

  it('diag of a matrix is a copy, not a view', () => {
    const x = tensor([[1, 2], [3, 4]]);
    const d = diag(x);
    d.mul_(0);
    expect(x.toArray()).toEqual([[1, 2], [3, 4]]);
  });

  it('det at a singular matrix: 0, the exact cofactor as gradient, and a clear error for second derivatives', () => {
    const A = tensor([[1, 2], [2, 4]], { dtype: 'float64', requiresGrad: true });
    const d = linalg.det(A);
    expect(Math.abs(d.item())).toBe(0);
    d.backward(null, { createGraph: true });
    expect(A.grad!.toArray()).toEqual([[4, -2], [-2, 1]]);
    expect(() => A.grad!.sum().backward()).toThrow('linalg.det: the second derivative of det at a singular matrix is not implemented');
  });

  it('slogdet of a singular matrix: sign 0, logabsdet −∞; a loss of the sign alone has a zero gradient', () => {
    const A = tensor([[1, 2], [2, 4]], { dtype: 'float64', requiresGrad: true });
    const { sign, logabsdet } = A.slogdet();
    expect([Math.abs(sign.item()), logabsdet.item()]).toEqual([0, -Infinity]);
    sign.sum().backward();
    expect([...A.grad!.data()].map(Math.abs)).toEqual([0, 0, 0, 0]);
  });

  it('qr: the rules refuse what PyTorch cannot differentiate', () => {
    const A = tensor([[1, 2], [3, 4], [5, 7]], { dtype: 'float64', requiresGrad: true });
    expect(() => linalg.qr(A, 'r').R.sum().backward()).toThrow("linalg.qr: The derivative of linalg.qr depends on Q, which is not computed when mode='r'");
    expect(() => linalg.qr(A, { mode: 'complete' }).Q.sum().backward()).toThrow("The QR decomposition is not differentiable when mode='complete' and nrows > ncols");
    expect(linalg.qr(A, 'r').Q.shape).toEqual([0]);
  });

  it('eigh of a matrix with a NaN is an error naming the batch element', () => {
    const A = tensor([[[1, 0], [0, 1]], [[NaN, 0], [0, 1]]], { dtype: 'float64' });
    expect(() => linalg.eigh(A)).toThrow('linalg.eigh: (Batch element 1): The algorithm failed to converge because the input matrix holds NaN or infinite values.');
  });

  it('refuses integer inputs, unknown and snake_case options, missing required options', () => {
    const A = tensor([[2, 1], [1, 2]], { dtype: 'int32' });
    expect(() => linalg.inv(A)).toThrow('linalg.inv: Expected a floating point tensor as input. Got int32');
    const F = A.double();
    expect(() => linalg.solve(F, F, { Left: true } as never)).toThrow("linalg.solve: unknown option 'Left'");
    expect(() => linalg.cholesky(F, { upper: 'yes' } as never)).toThrow('linalg.cholesky');
    expect(() => linalg.solveTriangular(F, F, {} as never)).toThrow('linalg.solveTriangular: the option upper is required');
    expect(() => linalg.eigh(F, { uplo: 'U' } as never)).toThrow("linalg.eigh: unknown option 'uplo'");
    expect(() => linalg.eigh(F, 'X' as never)).toThrow("linalg.eigh: Expected UPLO argument to be 'L' or 'U', but got X");
    expect(() => addmm(F, F, F, { beta_: 1 } as never)).toThrow("addmm: unknown option 'beta_'");
    expect(() => einsum('ij,jk', F, F.float())).toThrow('einsum(): expected all operands to have the same dtype');
  });

  it('methods exist where PyTorch has them, and einsum is a function only', () => {
    const A = tensor([[4, 1], [1, 3]], { dtype: 'float64' });
    expect(A.det().item()).toBeCloseTo(11, 12);
    [...A.inverse().matmul(A).data()].forEach((v, i) => expect(v).toBeCloseTo([1, 0, 0, 1][i]!, 14));
    expect(A.slogdet().logabsdet.item()).toBeCloseTo(Math.log(11), 12);
    expect(A.trace().item()).toBe(7);
    expect(A.diag().toArray()).toEqual([4, 3]);
    expect(A.diagEmbed().shape).toEqual([2, 2, 2]);
    expect((A as unknown as Record<string, unknown>).einsum).toBeUndefined();
    expect(A.diagonalScatter(tensor([0, 0], { dtype: 'float64' })).toArray()).toEqual([[0, 1], [1, 0]]);
  });

  it('addmm with beta 0 ignores NaN in the input', () => {
    const out = addmm(tensor([[NaN]]), tensor([[2]]), tensor([[3]]), { beta: 0, alpha: 0.5 });
    expect(out.toArray()).toEqual([[3]]);
  });

  it('empty batches and empty matrices', () => {
    expect(linalg.det(tensor([], { shape: [2, 0, 0], dtype: 'float64' })).toArray()).toEqual([1, 1]);
    expect(linalg.inv(tensor([], { shape: [0, 3, 3], dtype: 'float64' })).shape).toEqual([0, 3, 3]);
    expect(linalg.eigh(tensor([], { shape: [0, 2, 2], dtype: 'float64' })).eigenvalues.shape).toEqual([0, 2]);
  });
});

it("README's linear-algebra example runs as written", () => {
  const A = tensor([[4, 1], [1, 3]], { dtype: 'float64', requiresGrad: true });
  const { eigenvalues } = linalg.eigh(A);
  [...eigenvalues.data()].forEach((v, i) => expect(v).toBeCloseTo([(7 - Math.sqrt(5)) / 2, (7 + Math.sqrt(5)) / 2][i]!, 12));
  linalg.slogdet(A).logabsdet.backward();
  [...A.grad!.data()].forEach((v, i) => expect(v).toBeCloseTo([3 / 11, -1 / 11, -1 / 11, 4 / 11][i]!, 14));
  const x = linalg.solve(A, tensor([1, 2], { dtype: 'float64' }));
  [...x.data()].forEach((v, i) => expect(v).toBeCloseTo([1 / 11, 7 / 11][i]!, 14));
});
