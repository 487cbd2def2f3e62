// Generated from the op table: every primitive, every case in op-specs.ts, on every backend:
// forward in float64 against the reference, forward in float32 within float32 tolerance, and gradcheck.
import { describe, expect, it, afterAll } from 'vitest';
import { gradcheck, listBackends, opTable, setBackend, tensor, type Tensor } from '../src/index.js';
import { SPECS, type Arg, type Case } from './op-specs.js';
import * as R from './reference.js';

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
}

function values(arg: Arg, rnd: () => number): number[] {
  const n = R.size(arg.shape);
  if (arg.values) return [...arg.values];
  if (arg.dtype === 'bool') return Array.from({ length: n }, () => (rnd() < 0.5 ? 1 : 0));
  if (arg.dtype === 'int32') return Array.from({ length: n }, () => Math.floor(rnd() * (arg.high ?? 3)));
  return Array.from({ length: n }, () => {
    if (arg.domain === 'positive') return 0.5 + 2 * rnd();
    if (arg.domain === 'unit') return rnd();
    // Keep away from 0 so kinks (abs, relu, sign) and ties are never within a finite-difference step.
    const v = 0.2 + 1.8 * rnd();
    return rnd() < 0.5 ? -v : v;
  });
}

function build(c: Case, seed: number, dtype: 'float32' | 'float64', grad: boolean): { tensors: Tensor[]; nds: R.Nd[] } {
  const rnd = lcg(seed);
  const tensors: Tensor[] = [], nds: R.Nd[] = [];
  for (const arg of c.args) {
    const v = values(arg, rnd);
    const float = arg.dtype === undefined;
    const t = tensor(v, { shape: [...arg.shape], dtype: float ? dtype : arg.dtype!, requiresGrad: grad && float });
    tensors.push(t);
    nds.push(R.nd(arg.shape, float && dtype === 'float32' ? v.map(Math.fround) : v));
  }
  return { tensors, nds };
}

function expectClose(got: Tensor, want: R.Nd, rtol: number, atol: number, label: string): void {
  expect(got.shape, `${label}: shape`).toEqual(want.shape);
  const g = got.data();
  for (let i = 0; i < want.data.length; i++) {
    const a = g[i]!, b = want.data[i]!;
    if (Number.isNaN(b)) { expect(Number.isNaN(a), `${label}[${i}] NaN`).toBe(true); continue; }
    if (Math.abs(a - b) > atol + rtol * Math.abs(b)) expect(a, `${label}: element ${i}`).toBe(b);
  }
}

describe('op table', () => {
  it('every op has test cases', () => {
    const missing = [...opTable().keys()].filter((name) => !SPECS[name]);
    expect(missing).toEqual([]);
  });
});

const initial = listBackends()[0]!;
afterAll(() => setBackend(initial));

for (const backend of listBackends()) {
  describe(`backend ${backend}`, () => {
    for (const [name, spec] of Object.entries(SPECS)) {
      describe(name, () => {
        spec.cases.forEach((c, ci) => {
          const seed = 1000 + ci * 17 + name.length;
          it(`${c.label}: forward float64 matches the reference`, () => {
            setBackend(backend);
            const { tensors, nds } = build(c, seed, 'float64', false);
            const out = c.run(...tensors);
            expect(out.dtype).toBe(c.outDType ?? 'float64');
            expectClose(out, c.ref(...nds), 1e-12, 1e-12, name);
          });
          it(`${c.label}: forward float32 within tolerance`, () => {
            setBackend(backend);
            const { tensors, nds } = build(c, seed, 'float32', false);
            const out = c.run(...tensors);
            if (c.outDType) expect(out.dtype).toBe(c.outDType);
            expectClose(out, c.ref(...nds), 2e-6, 2e-6, name);
          });
          if (!spec.noGrad && !c.skipGradcheck) {
            it(`${c.label}: gradcheck in float64`, () => {
              setBackend(backend);
              const { tensors } = build(c, seed, 'float64', true);
              expect(gradcheck((...ts) => c.run(...ts), tensors)).toBe(true);
            });
          }
        });
      });
    }
  });
}
