import { describe, expect, it } from 'vitest';
import { detectAnomaly, isAnomalyEnabled, tensor } from '../src/index.js';

describe('anomaly detection', () => {
  it('names the backward op and the forward call that produced a NaN gradient', () => {
    const x = tensor([0, 1], { requiresGrad: true });
    let message = '';
    detectAnomaly(() => {
      const y = x.sqrt().mul(0).sum(); // d sqrt at 0 is inf, times 0 gives NaN
      try {
        y.backward();
      } catch (e) {
        message = (e as Error).message;
      }
    });
    expect(message).toMatch(/Function 'SqrtBackward0' returned (nan|Inf) values in its 0th output/);
    expect(message).toMatch(/anomaly\.test\.ts/);
  });

  it('is off by default and costs nothing: no stack is recorded', () => {
    expect(isAnomalyEnabled()).toBe(false);
    const x = tensor([1], { requiresGrad: true });
    expect(x.exp().gradFn?.forwardStack).toBeUndefined();
    const y = x.sub(1).sqrt().sum();
    expect(() => y.backward()).not.toThrow();
    expect(Number.isFinite(x.grad!.item())).toBe(false);
  });

  it('restores the previous mode after an exception', () => {
    expect(() => detectAnomaly(() => { throw new Error('boom'); })).toThrow('boom');
    expect(isAnomalyEnabled()).toBe(false);
  });
});
