import { describe, expect, it } from 'vitest';
import { matmul, nn, profile, randn, tensor } from '../src/index.js';

describe('profile', () => {
  it('records each op kind, and its totals are the sums of its records', () => {
    const w = randn([64, 32], { requiresGrad: true });
    const x = randn([16, 64]);
    const labels = tensor(Array.from({ length: 16 }, (_, i) => i % 32), { dtype: 'int32' });
    const p = profile(() => {
      const loss = nn.functional.crossEntropy(matmul(x, w).tanh(), labels);
      loss.backward();
      return loss.item();
    });
    expect(Number.isFinite(p.result)).toBe(true);
    const names = p.records.map((r) => r.name);
    expect(names).toEqual(expect.arrayContaining(['matmul', 'tanh', 'logSoftmax', 'gather']));
    const mm = p.records.find((r) => r.name === 'matmul')!;
    expect(mm.calls).toBe(1);
    expect(mm.backwardCalls).toBe(1);
    expect(mm.flops).toBe(2 * 16 * 64 * 32);
    expect(mm.savedBytes).toBeGreaterThanOrEqual(16 * 64 * 4);
    const sumF = p.records.reduce((n, r) => n + r.forwardMs, 0);
    const sumB = p.records.reduce((n, r) => n + r.backwardMs, 0);
    expect(p.totals.forwardMs).toBeCloseTo(sumF, 10);
    expect(p.totals.backwardMs).toBeCloseTo(sumB, 10);
    expect(p.totals.forwardMs).toBeGreaterThan(0);
    expect(p.totals.ratio).toBeCloseTo((p.totals.forwardMs + p.totals.backwardMs) / p.totals.forwardMs, 10);
    expect(p.totals.peakSavedBytes).toBeGreaterThan(0);
    expect(p.table()).toMatch(/matmul .*\n/);
    expect(JSON.parse(JSON.stringify(p.toJSON())).records.length).toBe(p.records.length);
  });

  it('does not nest, and leaves nothing behind', () => {
    expect(() => profile(() => profile(() => 1))).toThrow(/do not nest/);
    const p = profile(() => 1);
    expect(p.records).toEqual([]);
  });
});
