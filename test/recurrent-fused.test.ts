// The fused LSTM and GRU cells (issue 19): forward and gradients against the unfused composition of ops on the current
// backend (every vitest project: ts/wasm in "cpu", the opaque device in "opaque"), one kernel each way, second
// order through the composed rule, and the misuse messages. The generated suites (test/specs/speed.ts) check it
// against an independent float64 reference, with gradcheck, gradgradcheck and JVP.
import { describe, expect, it } from 'vitest';
import {
  fusedGruCell, fusedGruCellBackward, fusedLstmCell, fusedLstmCellBackward, getBackend, grad, gradgradcheck, listBackends, randn, registerBackend, setBackend,
  type Backend, type Tensor,
} from '../src/index.js';
import { tsBackend } from '../src/kernels/ts/index.js';
import { opaqueBackend } from './support/opaque-backend.js';

/** The LSTM step written with ordinary ops (the composition the fused primitive replaces). */
function composed(gates: Tensor, c: Tensor): [Tensor, Tensor] {
  const d = gates.ndim - 1, h = gates.shape[d]! / 4;
  const i = gates.narrow(d, 0, h).sigmoid(), f = gates.narrow(d, h, h).sigmoid();
  const g = gates.narrow(d, 2 * h, h).tanh(), o = gates.narrow(d, 3 * h, h).sigmoid();
  const c1 = f.mul(c).add(i.mul(g));
  return [o.mul(c1.tanh()), c1];
}

/** The GRU step written with ordinary ops (PyTorch's formulas, as the layers compose them). */
function composedGru(gi: Tensor, gh: Tensor, hp: Tensor): Tensor {
  const d = gi.ndim - 1, h = gi.shape[d]! / 3;
  const r = gi.narrow(d, 0, h).add(gh.narrow(d, 0, h)).sigmoid();
  const z = gi.narrow(d, h, h).add(gh.narrow(d, h, h)).sigmoid();
  const n = gi.narrow(d, 2 * h, h).add(r.mul(gh.narrow(d, 2 * h, h))).tanh();
  return n.add(z.mul(hp.sub(n)));
}

function maxDiff(a: Tensor, b: Tensor): number {
  expect(a.shape).toEqual(b.shape);
  const x = a.data(), y = b.data();
  let m = 0;
  for (let k = 0; k < x.length; k++) m = Math.max(m, Math.abs(x[k]! - y[k]!));
  return m;
}

const MEMORY = new Set(['name', 'device', 'alloc', 'fromHost', 'read', 'readScalar', 'readAsync']);
const calls: string[] = [];
const counting = Object.fromEntries(Object.entries(tsBackend).map(([k, v]) => [
  k,
  typeof v === 'function' && !MEMORY.has(k) ? (...args: unknown[]) => { calls.push(k); return (v as (...a: unknown[]) => unknown)(...args); } : v,
])) as unknown as Backend;
(counting as { name: string }).name = 'counting-lstm';
if (!listBackends().includes('counting-lstm')) registerBackend(counting);
if (!listBackends().includes(opaqueBackend.name)) registerBackend(opaqueBackend);

/** Run `fn` with `name` as the current backend. */
function onBackend(name: string, fn: () => void): void {
  const before = getBackend().name;
  setBackend(name);
  try {
    fn();
  } finally {
    setBackend(before);
  }
}

describe('fusedLstmCell', () => {
  for (const backend of ['ts', 'wasm', opaqueBackend.name]) for (const dtype of ['float64', 'float32'] as const) {
    it(`matches the composition forward and backward (${dtype}, backend ${backend})`, () => onBackend(backend, () => {
      const tol = dtype === 'float64' ? 1e-12 : 2e-6;
      const gates = randn([5, 4 * 7], { dtype }).mul(2).requiresGrad_();
      const c = randn([5, 7], { dtype, requiresGrad: true });
      const [h1, c1] = fusedLstmCell(gates, c);
      const [h2, c2] = composed(gates, c);
      expect(maxDiff(h1, h2)).toBeLessThan(tol);
      expect(maxDiff(c1, c2)).toBeLessThan(tol);
      const gh = randn([5, 7], { dtype }), gc = randn([5, 7], { dtype });
      const fused = grad([h1, c1], [gates, c], { gradOutputs: [gh, gc] });
      const plain = grad([h2, c2], [gates, c], { gradOutputs: [gh, gc] });
      expect(maxDiff(fused[0]!, plain[0]!)).toBeLessThan(4 * tol);
      expect(maxDiff(fused[1]!, plain[1]!)).toBeLessThan(4 * tol);
      // Only h' used: the gradient of c' is zero and the fused backward still agrees.
      const onlyH = grad(fusedLstmCell(gates, c)[0], [gates, c], { gradOutputs: gh });
      const onlyHPlain = grad(composed(gates, c)[0], [gates, c], { gradOutputs: gh });
      expect(maxDiff(onlyH[0]!, onlyHPlain[0]!)).toBeLessThan(4 * tol);
      expect(maxDiff(onlyH[1]!, onlyHPlain[1]!)).toBeLessThan(4 * tol);
    }));
  }

  it('is one backend kernel forward and one backward, with no separate activations', () => {
    onBackend('counting-lstm', () => {
      const gates = randn([3, 16], { requiresGrad: true }), c = randn([3, 4], { requiresGrad: true });
      calls.length = 0;
      const [h1, c1] = fusedLstmCell(gates, c);
      expect(calls).toEqual(['lstmCell']);
      calls.length = 0;
      grad(h1.add(c1).sum(), [gates, c]);
      expect(calls.filter((k) => k === 'lstmCellBackward')).toEqual(['lstmCellBackward']);
      expect(calls).not.toContain('unary');
    });
  });

  it('differentiates twice (createGraph takes the composed rule) and agrees with the composition there', () => {
    const gates = randn([2, 12], { dtype: 'float64', requiresGrad: true }), c = randn([2, 3], { dtype: 'float64', requiresGrad: true });
    expect(gradgradcheck((g, s) => fusedLstmCell(g, s)[0].mul(fusedLstmCell(g, s)[1]), [gates, c])).toBe(true);
    const second = (f: (g: Tensor, s: Tensor) => [Tensor, Tensor]): Tensor[] => {
      const [h1, c1] = f(gates, c);
      const [dg] = grad(h1.mul(c1).sum(), [gates], { createGraph: true });
      return grad(dg!.square().sum(), [gates, c]) as Tensor[];
    };
    const a = second(fusedLstmCell), b = second(composed);
    expect(maxDiff(a[0]!, b[0]!)).toBeLessThan(1e-12);
    expect(maxDiff(a[1]!, b[1]!)).toBeLessThan(1e-12);
  });

  it('names the shapes when they do not fit', () => {
    expect(() => fusedLstmCell(randn([3, 15]), randn([3, 4]))).toThrow('fusedLstmCell: expected gates [*, 4·h] and a cell state [*, h] with the same leading dims, got gates [3, 15] and c [3, 4].');
    expect(() => fusedLstmCell(randn([2, 16]), randn([3, 4]))).toThrow('got gates [2, 16] and c [3, 4]');
    expect(() => fusedLstmCell(randn([3, 16]), randn([3, 4], { dtype: 'float64' }))).toThrow('fusedLstmCell: gates (float32) and c (float64) must have the same dtype.');
    expect(() => fusedLstmCellBackward(randn([3, 4]), randn([3, 16]), randn([3, 4]))).toThrow(
      "fusedLstmCellBackward: expected grad of shape [2, 3, 4] (the gradients of h' and c' stacked), got [3, 4].");
  });
});

describe('fusedGruCell', () => {
  for (const backend of ['ts', 'wasm', opaqueBackend.name]) for (const dtype of ['float64', 'float32'] as const) {
    it(`matches the composition forward and backward (${dtype}, backend ${backend})`, () => onBackend(backend, () => {
      const tol = dtype === 'float64' ? 1e-12 : 2e-6;
      const gi = randn([5, 3 * 7], { dtype }).mul(2).requiresGrad_(), gh = randn([5, 21], { dtype, requiresGrad: true });
      const hp = randn([5, 7], { dtype, requiresGrad: true });
      const y1 = fusedGruCell(gi, gh, hp), y2 = composedGru(gi, gh, hp);
      expect(maxDiff(y1, y2)).toBeLessThan(tol);
      const g = randn([5, 7], { dtype });
      const fused = grad(y1, [gi, gh, hp], { gradOutputs: g }), plain = grad(y2, [gi, gh, hp], { gradOutputs: g });
      for (let k = 0; k < 3; k++) expect(maxDiff(fused[k]!, plain[k]!)).toBeLessThan(4 * tol);
    }));
  }

  it('is one backend kernel forward and one backward, with no separate activations', () => {
    onBackend('counting-lstm', () => {
      const gi = randn([3, 12], { requiresGrad: true }), gh = randn([3, 12], { requiresGrad: true }), hp = randn([3, 4], { requiresGrad: true });
      calls.length = 0;
      const y = fusedGruCell(gi, gh, hp);
      expect(calls).toEqual(['gruCell']);
      calls.length = 0;
      grad(y, [gi, gh, hp], { gradOutputs: randn([3, 4]) });
      expect(calls.filter((k) => k === 'gruCellBackward')).toEqual(['gruCellBackward']);
      expect(calls).not.toContain('unary');
    });
  });

  it('differentiates twice (createGraph takes the composed rule) and agrees with the composition there', () => {
    const gi = randn([2, 9], { dtype: 'float64', requiresGrad: true }), gh = randn([2, 9], { dtype: 'float64', requiresGrad: true });
    const hp = randn([2, 3], { dtype: 'float64', requiresGrad: true });
    expect(gradgradcheck((a, b, h) => fusedGruCell(a, b, h).square(), [gi, gh, hp])).toBe(true);
    const second = (f: (a: Tensor, b: Tensor, h: Tensor) => Tensor): Tensor[] => {
      const [dh] = grad(f(gi, gh, hp).square().sum(), [hp], { createGraph: true });
      return grad(dh!.square().sum(), [gi, gh, hp]) as Tensor[];
    };
    const a = second(fusedGruCell), b = second(composedGru);
    for (let k = 0; k < 3; k++) expect(maxDiff(a[k]!, b[k]!)).toBeLessThan(1e-12);
  });

  it('names the shapes when they do not fit', () => {
    expect(() => fusedGruCell(randn([3, 12]), randn([3, 9]), randn([3, 4]))).toThrow(
      'fusedGruCell: expected gi and gh [*, 3·h] and a hidden state [*, h] with the same leading dims, got gi [3, 12], gh [3, 9] and h [3, 4].');
    expect(() => fusedGruCellBackward(randn([3, 5]), randn([3, 12]), randn([3, 12]), randn([3, 4]))).toThrow(
      "fusedGruCellBackward: expected grad of the hidden state's shape [3, 4], got [3, 5].");
  });
});
