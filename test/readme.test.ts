// README's example, run as written: the documentation cannot drift from the library.
import { expect, it } from 'vitest';
import { tensor } from '../src/index.js';

it("README's log(x·y) example gives 1/x and 1/y", () => {
  const x = tensor([0.5], { requiresGrad: true });
  const y = tensor([0.75], { requiresGrad: true });
  const f = x.mul(y).log();
  f.backward();
  expect(f.gradFn?.name).toBe('LogBackward0');
  expect(x.grad?.toArray()).toEqual([2]);
  expect(y.grad?.item()).toBeCloseTo(1 / 0.75, 6);
});
