// Generated from the op table: second derivatives (gradgradcheck), forward mode against finite differences, and
// the transpose identity ⟨J·v, u⟩ = ⟨v, Jᵀ·u⟩ between forward and reverse mode, for every differentiable op.
import { afterAll, describe, expect, it } from 'vitest';
import { getBackend, gradgradcheck, jvp, noGrad, OP_TABLE, tensor, vjp, type Tensor } from '../src/index.js';
import { SPECS, type Case } from './op-specs.js';
import { testBackends, useBackend } from './support/backends.js';
import { argValues, rng } from './support/inputs.js';

function inputs(c: Case, seed: number, requiresGrad: boolean): Tensor[] {
  const rnd = rng(seed);
  return c.args.map((arg) => {
    const v = argValues(arg, rnd);
    const float = arg.dtype === undefined;
    return tensor(v, { shape: [...arg.shape], dtype: float ? 'float64' : arg.dtype!, requiresGrad: requiresGrad && float });
  });
}

function randomLike(t: Tensor, rnd: () => number): Tensor {
  return tensor(Array.from({ length: t.size }, () => rnd() * 2 - 1), { shape: [...t.shape], dtype: 'float64' });
}

const dot = (a: Tensor, b: Tensor): number => a.mul(b).sum().item();

describe('every differentiable op has a JVP rule', () => {
  it('op table', () => {
    const missing = Object.values(OP_TABLE).filter((op) => op.differentiable && typeof op.jvp !== 'function').map((op) => op.name);
    expect(missing).toEqual([]);
  });
});

const initial = getBackend().name;
afterAll(() => useBackend(initial));

for (const backend of testBackends()) for (const [name, spec] of Object.entries(SPECS)) {
  if (spec.noGrad) continue;
  describe(`backend ${backend}: ${name}`, () => {
    spec.cases.forEach((c, ci) => {
      if (c.skipGradcheck) return;
      const seed = 4242 + ci * 31 + name.length;
      it(`${c.label}: gradgradcheck in float64`, () => {
        useBackend(backend);
        const xs = inputs(c, seed, true);
        expect(gradgradcheck((...ts) => c.run(...ts), xs)).toBe(true);
      });
      it(`${c.label}: JVP matches central finite differences`, () => {
        useBackend(backend);
        const xs = inputs(c, seed, false);
        const rnd = rng(seed + 1);
        const floatIdx = xs.map((x, i) => (x.dtype === 'float64' ? i : -1)).filter((i) => i >= 0);
        const vs = floatIdx.map((i) => randomLike(xs[i]!, rnd));
        const f = (...fl: Tensor[]): Tensor => {
          const all = xs.slice();
          floatIdx.forEach((i, k) => (all[i] = fl[k]!));
          return c.run(...all);
        };
        const primals = floatIdx.map((i) => xs[i]!);
        const [, t] = jvp(f, primals, vs);
        const eps = 1e-6;
        const shifted = (s: number): Tensor => noGrad(() => f(...primals.map((p, k) => p.add(vs[k]!.mul(s)))));
        const numeric = shifted(eps).sub(shifted(-eps)).div(2 * eps);
        const got = (t as Tensor).data(), want = numeric.data();
        expect((t as Tensor).shape).toEqual(numeric.shape);
        want.forEach((w, i) => expect(Math.abs(got[i]! - w)).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(w)));
      });
      it(`${c.label}: ⟨J·v, u⟩ = ⟨v, Jᵀ·u⟩`, () => {
        useBackend(backend);
        const xs = inputs(c, seed, false);
        const rnd = rng(seed + 2);
        const floatIdx = xs.map((x, i) => (x.dtype === 'float64' ? i : -1)).filter((i) => i >= 0);
        const f = (...fl: Tensor[]): Tensor => {
          const all = xs.slice();
          floatIdx.forEach((i, k) => (all[i] = fl[k]!));
          return c.run(...all);
        };
        const primals = floatIdx.map((i) => xs[i]!);
        const vs = primals.map((p) => randomLike(p, rnd));
        const [y, jv] = jvp(f, primals, vs);
        const u = randomLike(y as Tensor, rnd);
        const [, pullback] = vjp(f, ...primals);
        const jtu = pullback(u);
        const lhs = dot(jv as Tensor, u);
        const rhs = jtu.reduce((s, g, k) => s + dot(vs[k]!, g), 0);
        expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-10 * (1 + Math.abs(lhs)));
      });
    });
  });
}
