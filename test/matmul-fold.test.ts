// matmul of a batch of matrices by one matrix folds the batch into the rows (as PyTorch does): one product, and a
// weight gradient that is one product instead of a batch of products summed. Same values and gradients as the
// product taken matrix by matrix.
import { describe, expect, it } from 'vitest';
import { cat, randn, type Tensor } from '../src/index.js';

function perMatrix(a: Tensor, w: Tensor): Tensor {
  const [b] = a.shape as [number];
  return cat(Array.from({ length: b }, (_, i) => a.narrow(0, i, 1).squeeze(0).matmul(w).unsqueeze(0)), 0);
}

describe('matmul [batch…, m, k] · [k, n]', () => {
  it.each([
    ['contiguous', (a: Tensor) => a],
    ['transposed batch view', (a: Tensor) => a.transpose(0, 1).contiguous().transpose(0, 1)],
  ])('%s input: values and gradients equal the per-matrix products, through one folded product', (_, view) => {
    const a0 = randn([3, 4, 5], { dtype: 'float64', requiresGrad: true });
    const w0 = randn([6, 5], { dtype: 'float64', requiresGrad: true });
    const a = view(a0);
    const y = a.matmul(w0.transpose(0, 1));
    expect(y.shape).toEqual([3, 4, 6]);
    // The product was taken on the folded [12, 5] rows: the result is a reshape of a 2-d MatmulBackward.
    const mm = y.gradFn!.nextFunctions[0];
    expect(mm?.name).toBe('MatmulBackward0');
    expect(y.gradFn!.name).not.toBe('MatmulBackward0');
    const g = randn([3, 4, 6], { dtype: 'float64' });
    y.backward(g);
    const [ga, gw] = [a0.grad!, w0.grad!];
    a0.grad = null;
    w0.grad = null;
    const ref = perMatrix(view(a0), w0.transpose(0, 1));
    ref.backward(g);
    const close = (x: Tensor, r: Tensor): void => [...x.data()].forEach((v, i) => expect(Math.abs(v - r.data()[i]!)).toBeLessThan(1e-12));
    close(y, ref);
    close(ga, a0.grad!);
    close(gw, w0.grad!);
  });

  it('a 1-d right operand and 4-d batches fold too', () => {
    const a = randn([2, 3, 4, 5], { dtype: 'float64' }), v = randn([5], { dtype: 'float64' });
    const y = a.matmul(v);
    expect(y.shape).toEqual([2, 3, 4]);
    const ref = a.mul(v).sum(-1);
    [...y.data()].forEach((x, i) => expect(Math.abs(x - ref.data()[i]!)).toBeLessThan(1e-12));
  });
});
