// Generated from the op table: every primitive, every case in op-specs.ts, on every backend of this test
// project: forward in float64 against the reference, forward in float32 within float32 tolerance, and gradcheck.
import { describe, expect, it, afterAll } from 'vitest';
import { getBackend, gradcheck, OP_TABLE, tensor, type Tensor } from '../src/index.js';
import { COMPOSITES } from '../src/ops/composite.js';
import { SPECS, type Case, type Tolerance } from './op-specs.js';
import * as R from './reference.js';
import { testBackends, useBackend } from './support/backends.js';
import { argValues, rng } from './support/inputs.js';

function build(c: Case, seed: number, dtype: 'float32' | 'float64', grad: boolean): { tensors: Tensor[]; nds: R.Nd[] } {
  const rnd = rng(seed);
  const tensors: Tensor[] = [], nds: R.Nd[] = [];
  for (const arg of c.args) {
    const v = argValues(arg, rnd);
    const float = arg.dtype === undefined;
    const t = tensor(v, { shape: [...arg.shape], dtype: float ? dtype : arg.dtype!, requiresGrad: grad && float });
    tensors.push(t);
    nds.push(R.nd(arg.shape, float && dtype === 'float32' ? v.map(Math.fround) : v));
  }
  return { tensors, nds };
}

function expectClose(got: Tensor, want: R.Nd, [rtol, atol]: Tolerance, label: string): void {
  expect(got.shape, `${label}: shape`).toEqual(want.shape);
  const g = got.data();
  for (let i = 0; i < want.data.length; i++) {
    const a = g[i]!, b = want.data[i]!;
    if (Number.isNaN(b)) { expect(Number.isNaN(a), `${label}[${i}] NaN`).toBe(true); continue; }
    if (Math.abs(a - b) > atol + rtol * Math.abs(b)) expect(a, `${label}: element ${i}`).toBe(b);
  }
}

describe('op table', () => {
  it('every op has test cases, and every spec names an op', () => {
    expect(Object.keys(OP_TABLE).filter((name) => !(name in SPECS))).toEqual([]);
    expect(Object.keys(SPECS).filter((name) => !(name in OP_TABLE) && !(name in COMPOSITES))).toEqual([]);
  });
});

const initial = getBackend().name;
afterAll(() => useBackend(initial));

for (const backend of testBackends()) {
  describe(`backend ${backend}`, () => {
    for (const [name, spec] of Object.entries(SPECS)) {
      describe(name, () => {
        spec.cases.forEach((c, ci) => {
          const seed = 1000 + ci * 17 + name.length;
          it(`${c.label}: forward float64 matches the reference`, () => {
            useBackend(backend);
            const { tensors, nds } = build(c, seed, 'float64', false);
            const out = c.run(...tensors);
            expect(out.dtype).toBe(c.outDType ?? 'float64');
            expect(out.device).toBe(tensors[0]!.device);
            expectClose(out, c.ref(...nds), c.tolerance?.float64 ?? [1e-12, 1e-12], name);
          });
          it(`${c.label}: forward float32 within tolerance`, () => {
            useBackend(backend);
            const { tensors, nds } = build(c, seed, 'float32', false);
            const out = c.run(...tensors);
            if (c.outDType) expect(out.dtype).toBe(c.outDType);
            expectClose(out, c.ref(...nds), c.tolerance?.float32 ?? [2e-6, 2e-6], name);
          });
          if (!spec.noGrad && !c.skipGradcheck) {
            it(`${c.label}: gradcheck in float64`, () => {
              useBackend(backend);
              const { tensors } = build(c, seed, 'float64', true);
              expect(gradcheck((...ts) => c.run(...ts), tensors)).toBe(true);
            });
          }
        });
      });
    }
  });
}
