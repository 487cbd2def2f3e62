// Worked checks of the transforms against closed forms, custom ops, and the memory behaviour of createGraph.
import { describe, expect, it } from 'vitest';
import {
  backward, customOp, func, grad, gradcheck, gradgradcheck, hessian, hvp, jacobian, jvp, tensor, valueAndGrad, vjp, type Tensor,
} from '../src/index.js';

const close = (got: Tensor, want: number[][] | number[] | number, tol = 1e-9): void => {
  const flat = [want].flat(3) as number[];
  const g = got.data();
  expect(g.length).toBe(flat.length);
  flat.forEach((w, i) => expect(Math.abs(g[i]! - w)).toBeLessThanOrEqual(tol * (1 + Math.abs(w))));
};

// f(x, y) = (1 - x)² + 100 (y - x²)²
const rosenbrock = (v: Tensor): Tensor => {
  const x = v.narrow(0, 0, 1), y = v.narrow(0, 1, 1);
  return x.neg().add(1).pow(2).add(y.sub(x.pow(2)).pow(2).mul(100)).sum();
};

describe('closed forms', () => {
  it('the Hessian of the Rosenbrock function', () => {
    const p = tensor([1.5, -0.5], { dtype: 'float64' });
    const [x, y] = [1.5, -0.5];
    // ∂²f/∂x² = 2 − 400(y − x²) + 800x², ∂²f/∂x∂y = −400x, ∂²f/∂y² = 200
    close(hessian(rosenbrock, p), [[2 - 400 * (y - x * x) + 800 * x * x, -400 * x], [-400 * x, 200]]);
  });

  it('hvp equals hessian · v', () => {
    const p = tensor([0.3, 0.7], { dtype: 'float64' });
    const v = tensor([0.25, -1.5], { dtype: 'float64' });
    const H = hessian(rosenbrock, p);
    close(hvp(rosenbrock, p, v), H.matmul(v).toArray() as number[]);
  });

  it('the third derivative of tanh, by nesting reverse mode three times', () => {
    const xs = [-1.2, 0, 0.4, 2];
    const d3 = func.grad((x: Tensor) => (func.grad((x: Tensor) => (func.grad((x: Tensor) => x.tanh().sum()) as (x: Tensor) => Tensor)(x).sum()) as (x: Tensor) => Tensor)(x).sum());
    const got = d3(tensor(xs, { dtype: 'float64' })) as Tensor;
    // d³/dx³ tanh = −2 sech²x (1 − 3 tanh²x)
    close(got, xs.map((x) => { const t = Math.tanh(x), s2 = 1 - t * t; return -2 * s2 * (1 - 3 * t * t); }));
  });

  it('createGraph on backward() and grad() gives second derivatives', () => {
    const x = tensor([2], { dtype: 'float64', requiresGrad: true });
    const [dx] = grad(x.pow(3).sum(), [x], { createGraph: true });
    close(dx!, [12]);
    backward(dx!.sum());
    close(x.grad!, [12]); // d²/dx² x³ = 6x
  });

  it('jacobian in both modes agrees with the closed form', () => {
    const f = (x: Tensor): Tensor => x.mul(x);
    const x = tensor([1, 2, 3], { dtype: 'float64' });
    const want = [[2, 0, 0], [0, 4, 0], [0, 0, 6]];
    close(jacobian(f, x, { mode: 'rev' }), want);
    close(jacobian(f, x, { mode: 'fwd' }), want);
    const g = (v: Tensor): Tensor => v.sum(0); // [2, 3] → [3]
    const m = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' });
    expect(jacobian(g, m).shape).toEqual([3, 2, 3]);
    close(jacobian(g, m, { mode: 'fwd' }), jacobian(g, m).toArray() as number[]);
  });

  it('jvp and vjp of sin', () => {
    const [y, t] = jvp((x) => x.sin(), [tensor([0, 1], { dtype: 'float64' })], [tensor([1, 2], { dtype: 'float64' })]);
    close(y as Tensor, [0, Math.sin(1)]);
    close(t as Tensor, [1, 2 * Math.cos(1)]);
    const [, pullback] = vjp((x) => x.sin(), tensor([0, 1], { dtype: 'float64' }));
    close(pullback(tensor([1, 1], { dtype: 'float64' }))[0]!, [1, Math.cos(1)]);
    close(pullback(tensor([2, 0], { dtype: 'float64' }))[0]!, [2, 0]); // callable twice
  });

  it('func.grad with argnums and valueAndGrad', () => {
    const f = (a: Tensor, b: Tensor): Tensor => a.mul(b).sum();
    const [ga, gb] = func.grad(f, { argnums: [0, 1] })(tensor([1, 2]), tensor([3, 4])) as Tensor[];
    expect(ga!.toArray()).toEqual([3, 4]);
    expect(gb!.toArray()).toEqual([1, 2]);
    const [value, g] = valueAndGrad((w: Tensor) => w.mul(w).sum())(tensor([1, 2]));
    expect(value.item()).toBe(5);
    expect((g as Tensor).toArray()).toEqual([2, 4]);
    expect(() => func.grad((x: Tensor) => x.mul(2))(tensor([1, 2]))).toThrow(/must return a scalar .* shape \[2\]/);
  });
});

describe('customOp', () => {
  // softplus(x) = log(1 + eˣ), computed stably; its derivative is sigmoid(x).
  const softplus = customOp({
    name: 'softplus',
    forward: (ctx, x) => {
      ctx.saveForBackward(x!);
      return x!.relu().add(x!.abs().neg().exp().add(1).log());
    },
    backward: ({ saved: [x] }, g) => [g.mul(x!.sigmoid())],
    jvp: ({ inputs: [x] }, t) => (t ? t.mul(x!.sigmoid()) : null),
  });

  it('is one node in the graph, stable at large inputs, and passes gradcheck and gradgradcheck', () => {
    const x = tensor([-30, -1, 0.5, 40], { dtype: 'float64', requiresGrad: true });
    const y = softplus(x);
    expect(y.gradFn?.name).toBe('SoftplusBackward0');
    close(y, [-30, -1, 0.5, 40].map((v) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)))));
    const small = tensor([-1.3, 0.2, 2.1], { dtype: 'float64', requiresGrad: true });
    expect(gradcheck(softplus, [small])).toBe(true);
    expect(gradgradcheck(softplus, [small])).toBe(true);
  });

  it('supports forward mode through its jvp rule', () => {
    const [, t] = jvp(softplus, [tensor([0, 1], { dtype: 'float64' })], [tensor([1, 1], { dtype: 'float64' })]);
    close(t as Tensor, [0.5, 1 / (1 + Math.exp(-1))]);
  });

  it('a backward returning the wrong number of gradients is a clear error', () => {
    const bad = customOp({ name: 'bad', forward: (_, a, b) => a!.add(b!), backward: (_, g) => [g] });
    const a = tensor([1], { requiresGrad: true }), b = tensor([2], { requiresGrad: true });
    expect(() => bad(a, b).sum().backward()).toThrow(/customOp 'bad': backward returned 1 gradient, expected 2/);
  });
});

describe('memory', () => {
  it('a createGraph gradient that is dropped does not keep its graph alive', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc, 'run with --expose-gc (vitest.config.ts sets it)').toBeTypeOf('function');
    const refs: WeakRef<object>[] = [];
    const x = tensor([1, 2, 3], { requiresGrad: true });
    (() => {
      const y = x.tanh().mul(x).sum();
      const [g] = grad(y, [x], { createGraph: true });
      refs.push(new WeakRef(g!.gradFn!), new WeakRef(y.gradFn!));
    })();
    // WeakRefs are only cleared between jobs, so yield before collecting.
    for (let i = 0; i < 5 && refs.some((r) => r.deref()); i++) {
      await new Promise((r) => setTimeout(r, 0));
      gc!();
    }
    expect(refs.map((r) => r.deref() === undefined)).toEqual([true, true]);
  });
});

describe("Newton's method (examples/newton.ts)", () => {
  it('converges quadratically on a small convex problem', async () => {
    const { newton } = await import('../examples/newton.js');
    const { gradNorms } = newton([3, -2, 1], 7);
    expect(gradNorms[0]!).toBeGreaterThan(1);
    expect(gradNorms[6]!).toBeLessThan(1e-12);
    // Quadratic convergence near the solution: each error is about the square of the previous one.
    expect(gradNorms[5]!).toBeLessThan(10 * gradNorms[4]! ** 2);
  });
});
