// The autograd engine on the 'webgpu' device (float32; values read back asynchronously): accumulation, shared and
// broadcast inputs, retainGraph, grad() with pruning and createGraph (higher order), hooks, retainGrad, noGrad,
// detach, in-place version checks, saved tensors released by backward, and a deep chain.
import { describe, expect, it } from 'vitest';
import { grad, noGrad, tensor, type Tensor } from '../../src/index.js';

const skip = process.env.ADJOINT_WEBGPU_SKIP;

async function expectClose(t: Tensor | null | undefined, expected: readonly number[], tol = 1e-5): Promise<void> {
  expect(t).toBeInstanceOf(Object);
  expect(t!.device).toBe('webgpu');
  const got = Array.from(await t!.dataAsync());
  expect(got.length).toBe(expected.length);
  got.forEach((v, i) => {
    const e = expected[i]!;
    if (!(Math.abs(v - e) <= tol * Math.max(1, Math.abs(e)))) throw new Error(`element ${i}: got ${v}, expected ${e}; all: [${got.join(', ')}]`);
  });
}

describe.skipIf(skip !== undefined)("the engine on the 'webgpu' device", () => {
  it('accumulates across two backward calls through one retained graph, and across graphs', async () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward(null, { retainGraph: true });
    await expectClose(x.grad, [2, 4, 6]);
    y.backward();
    await expectClose(x.grad, [4, 8, 12]);
    expect(() => y.backward()).toThrow(/second time/);
    x.grad = null;
    x.mul(5).sum().backward();
    await expectClose(x.grad, [5, 5, 5]);
  });

  it('a leaf gradient is its own copy, not an alias of another leaf gradient', async () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4], { requiresGrad: true });
    a.add(b).sum().backward();
    noGrad(() => a.grad!.mul_(10));
    await expectClose(a.grad, [10, 10]);
    await expectClose(b.grad, [1, 1]);
  });

  it('sums over paths (a diamond) and over broadcasting', async () => {
    const xs = [0.5, -1, 2];
    const x = tensor(xs, { requiresGrad: true });
    const a = x.mul(2);
    a.exp().mul(a.sin()).sum().backward();
    await expectClose(x.grad, xs.map((v) => 2 * Math.exp(2 * v) * (Math.sin(2 * v) + Math.cos(2 * v))), 1e-4);
    const bias = tensor([1, 2, 3, 4], { requiresGrad: true });
    const m = tensor([[1, 1, 1, 1], [2, 2, 2, 2], [3, 3, 3, 3]], { requiresGrad: true });
    m.add(bias).mul(m).sum().backward();
    await expectClose(bias.grad, [6, 6, 6, 6]);
    const s = tensor(2, { requiresGrad: true });
    s.mul(tensor([[1, 2, 3], [4, 5, 6]])).sum().backward();
    await expectClose(s.grad, [21]);
  });

  it('grad() returns the requested gradients, leaves .grad alone, and w.r.t. non-leaves', async () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(3);
    const [gx, gh] = grad(h.mul(h).sum(), [x, h]);
    await expectClose(gx, [18, 36]);
    await expectClose(gh, [6, 12]);
    expect(x.grad).toBeNull();
    const unused = tensor([1], { requiresGrad: true });
    const [none] = grad(x.sum(), [unused], { allowUnused: true });
    expect(none).toBeNull();
  });

  it('createGraph: second and third derivatives of tanh on the GPU', async () => {
    const xs = [-1.3, -0.2, 0, 0.4, 2];
    const x = tensor(xs, { requiresGrad: true });
    const [d1] = grad(x.tanh().sum(), [x], { createGraph: true });
    const [d2] = grad(d1!.sum(), [x], { createGraph: true });
    const [d3] = grad(d2!.sum(), [x]);
    const th = xs.map(Math.tanh);
    await expectClose(d1, th.map((t) => 1 - t * t));
    await expectClose(d2, th.map((t) => -2 * t * (1 - t * t)));
    await expectClose(d3, th.map((t) => (1 - t * t) * (6 * t * t - 2)), 1e-4);
    const w = tensor([2, 3], { requiresGrad: true });
    w.pow(3).sum().backward(null, { createGraph: true });
    const [hess] = grad(w.grad!.sum(), [w]);
    await expectClose(hess, [12, 18]);
  });

  it('hooks replace gradients, retainGrad keeps a non-leaf gradient', async () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(2);
    y.retainGrad();
    const remove = y.registerHook((g) => g.mul(10));
    y.sum().backward();
    await expectClose(y.grad, [10, 10]);
    await expectClose(x.grad, [20, 20]);
    remove();
  });

  it('noGrad records nothing; detach shares data and cuts the graph', async () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = noGrad(() => x.mul(2));
    expect(y.requiresGrad).toBe(false);
    expect(y.gradFn).toBeNull();
    const d = x.mul(3).detach();
    expect(d.requiresGrad).toBe(false);
    await expectClose(d, [3, 6]);
  });

  it('an in-place change of a saved tensor is caught at backward', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(1);
    const z = y.exp();
    noGrad(() => z.add_(1));
    expect(() => z.sum().backward()).toThrow(/^ExpBackward0: one of the tensors needed for gradient computation has been modified by an in-place operation/);
  });

  it('saved tensors are released by backward unless retainGraph', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.exp();
    const node = y.gradFn!;
    expect(node.savedTensors.length).toBe(1);
    y.sum().backward(null, { retainGraph: true });
    expect(node.savedTensors.length).toBe(1);
    y.sum().backward();
    expect(node.savedTensors).toEqual([]);
  });

  it('backwards through a 2,000-op chain recorded without a read', async () => {
    const x = tensor(1, { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 2000; i++) y = y.mul(1.0001);
    y.backward();
    expect(await x.grad!.itemAsync()).toBeCloseTo(Math.pow(1.0001, 2000), 3);
  });
});
