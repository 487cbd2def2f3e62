// Hand-written tests of the autograd engine: accumulation, graph shapes, broadcasting, retainGraph, hooks,
// grad() and its pruning, higher order, deep graphs, saved tensors and in-place semantics.
import { describe, expect, it, vi } from 'vitest';
import {
  AccumulateGrad, customOp, enableGrad, getBackend, grad, isGradEnabled, jvp, noGrad, observeEngine, savedTensorsHooks, tensor, type Tensor,
} from '../src/index.js';

/** Elementwise closeness of a tensor (flattened) to expected numbers. */
function expectClose(t: Tensor | null | undefined, expected: readonly number[], tol = 1e-6): void {
  expect(t).toBeInstanceOf(Object);
  const got = Array.from(t!.data());
  expect(got.length).toBe(expected.length);
  got.forEach((v, i) => {
    const e = expected[i]!;
    if (Math.abs(v - e) > tol * Math.max(1, Math.abs(e))) {
      throw new Error(`element ${i}: got ${v}, expected ${e} (tolerance ${tol}); all: [${got.join(', ')}]`);
    }
  });
}

const f64 = (data: number[], requiresGrad = true): Tensor => tensor(data, { dtype: 'float64', requiresGrad });

describe('gradient accumulation', () => {
  it('sums the gradients that meet at a node into one buffer, adding the third and later in place', () => {
    // w is used at 10 "time steps": without in-place sums its 10 gradients would take 9 new buffers to add up.
    const w = tensor(Array.from({ length: 64 }, (_, i) => i / 64), { requiresGrad: true });
    const xs = Array.from({ length: 10 }, (_, t) => tensor(Array.from({ length: 64 }, (_, i) => Math.sin(i + t))));
    let y = xs[0]!.mul(w);
    for (const x of xs.slice(1)) y = y.add(x.mul(w));
    const loss = y.sum();
    const backend = getBackend();
    const alloc = vi.spyOn(backend, 'alloc');
    try {
      loss.backward();
      // One buffer per mul's gradient (10), one for the sum; the sum of the 10 costs 1 more, not 9.
      expect(alloc.mock.calls.filter(([, n]) => n === 64).length).toBe(11);
    } finally {
      alloc.mockRestore();
    }
    expectClose(w.grad, Array.from({ length: 64 }, (_, i) => xs.reduce((s, x) => s + x.data()[i]!, 0)), 1e-5);
  });

  it('accumulates across two backward calls through one retained graph', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward(null, { retainGraph: true });
    expectClose(x.grad, [2, 4, 6]);
    y.backward();
    expectClose(x.grad, [4, 8, 12]);
  });

  it('accumulates across separate graphs', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    x.mul(2).sum().backward();
    expectClose(x.grad, [2, 2, 2]);
    x.mul(x).sum().backward();
    expectClose(x.grad, [4, 6, 8]);
    // Resetting .grad starts over.
    x.grad = null;
    x.mul(5).sum().backward();
    expectClose(x.grad, [5, 5, 5]);
  });

  it('a leaf gradient is its own copy, not an alias of the seed or of another leaf gradient', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4], { requiresGrad: true });
    a.add(b).sum().backward();
    expectClose(a.grad, [1, 1]);
    expectClose(b.grad, [1, 1]);
    noGrad(() => a.grad!.mul_(10));
    expectClose(b.grad, [1, 1]);
  });

  // The engine hands a gradient it computed to a leaf without copying it when nobody else can see it; these
  // are the cases where somebody can, and each must still end up with its own copy.
  it('a fresh gradient reaching two leaves is taken by one and copied for the other', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4], { requiresGrad: true });
    // mul's rule makes a new gradient, which add passes unchanged to both leaves.
    a.add(b).mul(3).sum().backward();
    noGrad(() => a.grad!.mul_(10));
    expectClose(a.grad, [30, 30]);
    expectClose(b.grad, [3, 3]);
  });

  it('a gradient that a tensor hook saw or returned is copied', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    let seen: Tensor | null = null;
    x.registerHook((g) => {
      seen = g;
    });
    x.mul(2).sum().backward();
    noGrad(() => x.grad!.zero_());
    expectClose(seen, [2, 2]);
    const y = tensor([1, 2], { requiresGrad: true });
    const kept = tensor([7, 7]);
    y.registerHook(() => kept);
    y.mul(2).sum().backward();
    noGrad(() => y.grad!.zero_());
    expectClose(kept, [7, 7]);
  });

  it('a gradient passed in by the caller, or that a custom op returned, is copied', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const seed = tensor([5, 6]);
    x.reshape([2, 1]).backward(seed.reshape([2, 1]));
    noGrad(() => x.grad!.zero_());
    expectClose(seed, [5, 6]);
    let held: Tensor | null = null;
    const twice = customOp({
      name: 'twice',
      forward: (_ctx, t) => t.mul(2),
      backward: (_ctx, g) => (held = g.mul(2)),
    });
    const z = tensor([1, 2], { requiresGrad: true });
    twice(z).sum().backward();
    noGrad(() => z.grad!.zero_());
    expectClose(held, [2, 2]);
  });
});

describe('graph shapes', () => {
  it('sums the gradients of a tensor used on two paths: x*x + x', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    x.mul(x).add(x).sum().backward();
    expectClose(x.grad, [3, 5, 7]); // 2x + 1
  });

  it('diamond: a = 2x feeds both exp and sin, which are multiplied', () => {
    const xs = [0.3, -0.7, 1.1];
    const x = f64(xs);
    const a = x.mul(2);
    a.exp().mul(a.sin()).sum().backward();
    // d/dx e^{2x} sin 2x = 2e^{2x}(sin 2x + cos 2x)
    expectClose(x.grad, xs.map((v) => 2 * Math.exp(2 * v) * (Math.sin(2 * v) + Math.cos(2 * v))), 1e-12);
  });

  it('a wide fan-out: one tensor used by 50 ops gets all 50 contributions', () => {
    const x = f64([1, 2]);
    let acc = x.mul(0);
    for (let k = 1; k <= 50; k++) acc = acc.add(x.mul(k));
    acc.sum().backward();
    expectClose(x.grad, [1275, 1275], 1e-12); // 1 + 2 + … + 50
  });

  it('both inputs of one op are the same tensor (x·x as matmul with its transpose)', () => {
    const x = f64([1, 2, 3]).reshape([1, 3]);
    const leaf = x.gradFn!.nextFunctions[0] as AccumulateGrad<Tensor>;
    x.matmul(x.T).sum().backward();
    expectClose(leaf.variable.grad, [2, 4, 6], 1e-12);
  });

  it('two ops using the same leaf point at the same AccumulateGrad node', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const a = x.mul(2), b = x.exp();
    const na = a.gradFn!.nextFunctions[0]!, nb = b.gradFn!.nextFunctions[0]!;
    expect(na).toBeInstanceOf(AccumulateGrad);
    expect(na).toBe(nb);
    expect((na as AccumulateGrad<Tensor>).variable).toBe(x);
  });
});

describe('broadcast gradients are reduced to the input shape', () => {
  it('bias [4] added to [3, 4]', () => {
    const w = tensor([[1, 2, 3, 4], [5, 6, 7, 8], [9, 10, 11, 12]], { requiresGrad: true });
    const b = tensor([0.5, 0.5, 0.5, 0.5], { requiresGrad: true });
    const c = tensor([[1, 0, 2, 0], [1, 1, 1, 1], [0, 3, 0, 1]]);
    w.add(b).mul(c).sum().backward();
    expect(b.grad!.shape).toEqual([4]);
    expectClose(b.grad, [2, 4, 3, 2]); // column sums of c
    expect(w.grad!.shape).toEqual([3, 4]);
    expectClose(w.grad, Array.from(c.data()));
  });

  it('[3, 1] * [1, 4]', () => {
    const a = tensor([[1], [2], [3]], { requiresGrad: true });
    const b = tensor([[1, 2, 3, 4]], { requiresGrad: true });
    const y = a.mul(b);
    expect(y.shape).toEqual([3, 4]);
    y.sum().backward();
    expect(a.grad!.shape).toEqual([3, 1]);
    expectClose(a.grad, [10, 10, 10]);
    expect(b.grad!.shape).toEqual([1, 4]);
    expectClose(b.grad, [6, 6, 6, 6]);
  });

  it('a 0-d tensor times [2, 3] gets the sum', () => {
    const s = tensor(2, { requiresGrad: true });
    const m = tensor([[1, 2, 3], [4, 5, 6]], { requiresGrad: true });
    s.mul(m).sum().backward();
    expect(s.grad!.shape).toEqual([]);
    expect(s.grad!.item()).toBe(21);
    expectClose(m.grad, [2, 2, 2, 2, 2, 2]);
  });

  it('a float32 leaf used with a float64 tensor gets a float32 gradient', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    x.mul(tensor([3, 4], { dtype: 'float64' })).sum().backward();
    expect(x.grad!.dtype).toBe('float32');
    expectClose(x.grad, [3, 4]);
  });
});

describe('retainGraph', () => {
  it('allows a second backward and frees the graph without it', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(x).sum();
    y.backward(null, { retainGraph: true });
    y.backward();
    expectClose(x.grad, [4, 8, 12]);
    let message = '';
    try {
      y.backward();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/MulBackward0/);
    expect(message).toMatch(/second time/);
    expect(message).toMatch(/retainGraph: true/);
    // The failed backward did not change the gradient.
    expectClose(x.grad, [4, 8, 12]);
  });

  it('grad() frees the graph too unless retainGraph', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.exp().sum();
    grad(y, [x]);
    expect(() => y.backward()).toThrow(/ExpBackward0.*retainGraph/s);
    const z = x.exp().sum();
    grad(z, [x], { retainGraph: true });
    z.backward();
    expectClose(x.grad, [Math.exp(1), Math.exp(2)], 1e-6);
  });

  it('nodes that saved nothing can be walked again, as in PyTorch', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.add(1).sum();
    y.backward();
    y.backward();
    expectClose(x.grad, [2, 2]);
  });
});

describe('backward', () => {
  it('on a leaf', () => {
    const x = tensor(3, { requiresGrad: true });
    x.backward();
    expect(x.grad!.item()).toBe(1);
    const v = tensor([1, 2], { requiresGrad: true });
    v.backward(tensor([5, 7]));
    expectClose(v.grad, [5, 7]);
  });

  it('with an explicit gradient for a non-scalar output (a vector-Jacobian product)', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(x);
    y.backward(tensor([1, 0.5, 2]));
    expectClose(x.grad, [2, 2, 12]);
  });

  it('casts an explicit gradient to the output dtype', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    x.mul(3).backward(tensor([1, 2], { dtype: 'float64' }));
    expect(x.grad!.dtype).toBe('float32');
    expectClose(x.grad, [3, 6]);
  });

  it('only fills .grad of leaves (non-leaves keep null unless retainGrad)', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(2);
    h.sum().backward();
    expect(h.grad).toBeNull();
    expectClose(x.grad, [2, 2]);
  });

  it('does not flow into tensors that do not require grad', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const c = tensor([3, 4]);
    x.mul(c).sum().backward();
    expect(c.grad).toBeNull();
    expectClose(x.grad, [3, 4]);
  });
});

describe('grad mode', () => {
  it('noGrad records nothing', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = noGrad(() => x.mul(2).exp());
    expect(y.gradFn).toBeNull();
    expect(y.requiresGrad).toBe(false);
    expect(y.isLeaf).toBe(true);
    expectClose(y, [Math.exp(2), Math.exp(4)], 1e-6);
    expect(isGradEnabled()).toBe(true);
  });

  it('nests noGrad and enableGrad', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const inner = noGrad(() => {
      expect(isGradEnabled()).toBe(false);
      const a = enableGrad(() => {
        expect(isGradEnabled()).toBe(true);
        return x.mul(2);
      });
      expect(isGradEnabled()).toBe(false);
      return { a, b: x.mul(2), c: noGrad(() => x.mul(2)) };
    });
    expect(inner.a.gradFn?.name).toBe('MulBackward0');
    expect(inner.b.gradFn).toBeNull();
    expect(inner.c.gradFn).toBeNull();
    const outer = enableGrad(() => noGrad(() => x.mul(2)));
    expect(outer.requiresGrad).toBe(false);
    expect(isGradEnabled()).toBe(true);
  });

  it('restores the mode after an exception', () => {
    expect(() => noGrad(() => { throw new Error('boom'); })).toThrow('boom');
    expect(isGradEnabled()).toBe(true);
    noGrad(() => {
      expect(() => enableGrad(() => { throw new Error('inner'); })).toThrow('inner');
      expect(isGradEnabled()).toBe(false);
    });
    expect(isGradEnabled()).toBe(true);
  });
});

describe('detach, requiresGrad_, retainGrad', () => {
  it('detach shares data and cuts the graph', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(2);
    const d = y.detach();
    expect(d.requiresGrad).toBe(false);
    expect(d.gradFn).toBeNull();
    expect(d.isLeaf).toBe(true);
    expect(d.toArray()).toEqual([2, 4, 6]);
    // Same memory: writing through the detached tensor shows in the original.
    d.add_(1);
    expect(y.toArray()).toEqual([3, 5, 7]);
    // No gradient flows through the detached copy: d(x · detach(2x))/dx = detach(2x).
    const x2 = tensor([1, 2, 3], { requiresGrad: true });
    x2.mul(x2.mul(2).detach()).sum().backward();
    expectClose(x2.grad, [2, 4, 6]);
  });

  it('requiresGrad_ turns a plain tensor into a leaf that gets gradients, and back', () => {
    const t = tensor([1, 2]);
    expect(t.requiresGrad).toBe(false);
    expect(t.requiresGrad_()).toBe(t);
    expect(t.requiresGrad).toBe(true);
    t.mul(3).sum().backward();
    expectClose(t.grad, [3, 3]);
    t.requiresGrad_(false);
    expect(t.mul(3).gradFn).toBeNull();
  });

  it('retainGrad keeps the gradient of a non-leaf, accumulating over backward calls', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(3);
    h.retainGrad();
    const y = h.mul(h).sum();
    y.backward(null, { retainGraph: true });
    expectClose(h.grad, [6, 12]); // 2h
    expectClose(x.grad, [18, 36]); // 2h · 3
    y.backward();
    expectClose(h.grad, [12, 24]);
    // A retained gradient is not part of any graph.
    expect(h.grad!.requiresGrad).toBe(false);
  });
});

describe('registerHook', () => {
  it('on a leaf: observes, replaces, and its remover works', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const seen: number[][] = [];
    const removeObserver = x.registerHook((g) => { seen.push(Array.from(g.data())); });
    const removeScaler = x.registerHook((g) => g.mul(10));
    x.mul(3).sum().backward();
    expect(seen).toEqual([[3, 3]]);
    expectClose(x.grad, [30, 30]);
    removeScaler();
    removeObserver();
    x.grad = null;
    x.mul(3).sum().backward();
    expect(seen).toHaveLength(1);
    expectClose(x.grad, [3, 3]);
  });

  it('on a non-leaf: the replaced gradient is what flows on', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(3);
    let calls = 0;
    const remove = h.registerHook((g) => {
      calls++;
      expect(g.shape).toEqual([2]);
      return g.mul(2);
    });
    h.exp().sum().backward(null, { retainGraph: true });
    expect(calls).toBe(1);
    expectClose(x.grad, [6 * Math.exp(3), 6 * Math.exp(6)], 1e-5);
    remove();
    x.grad = null;
    h.exp().sum().backward();
    expect(calls).toBe(1);
    expectClose(x.grad, [3 * Math.exp(3), 3 * Math.exp(6)], 1e-5);
  });

  it('a hook sees the total gradient of a tensor used twice, once', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(1);
    const seen: number[][] = [];
    h.registerHook((g) => { seen.push(Array.from(g.data())); });
    h.mul(2).add(h.mul(5)).sum().backward();
    expect(seen).toEqual([[7, 7]]);
  });

  it('retainGrad sees the gradient after the hooks, as in PyTorch', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(3);
    h.retainGrad();
    h.registerHook((g) => g.mul(2));
    h.sum().backward();
    expectClose(h.grad, [2, 2]);
    expectClose(x.grad, [6, 6]);
  });
});

describe('the modes the op path tests in one word', () => {
  // runOp takes its plain path only when no mode is on; each mode must turn its bit off again, thrown out of or not.
  const recordsAndHasNoTangent = (): void => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(3);
    expect(y.gradFn?.name).toBe('MulBackward0');
    y.sum().backward();
    expectClose(x.grad, [3, 3]);
  };
  const boom = (): never => {
    throw new Error('boom');
  };

  it('records again after noGrad, jvp, savedTensorsHooks and an observer end, also by a throw', () => {
    expect(() => noGrad(boom)).toThrow('boom');
    recordsAndHasNoTangent();
    expect(() => jvp(() => boom(), [tensor([1])], [tensor([1])])).toThrow('boom');
    recordsAndHasNoTangent();
    expect(() => savedTensorsHooks({ pack: (t) => t, unpack: (p) => p as Tensor }, boom)).toThrow('boom');
    recordsAndHasNoTangent();
    let seen = 0;
    const stop = observeEngine({ recorded: () => { seen++; } });
    tensor([1], { requiresGrad: true }).mul(2);
    stop();
    tensor([1], { requiresGrad: true }).mul(2);
    expect(seen).toBe(1);
    recordsAndHasNoTangent();
  });

  it('keeps each mode on while another nested one ends', () => {
    const x = tensor([2], { requiresGrad: true });
    noGrad(() => {
      const stop = observeEngine({});
      stop();
      expect(x.mul(2).gradFn).toBeNull();
    });
    let packed = 0;
    savedTensorsHooks({ pack: (t) => { packed++; return t; }, unpack: (p) => p as Tensor }, () => {
      noGrad(() => x.mul(x));
      x.mul(x);
    });
    expect(packed).toBe(2);
    const [, t] = jvp((a) => {
      noGrad(() => a.mul(2));
      return a.mul(3);
    }, [tensor([1])], [tensor([1])]);
    expectClose(t as Tensor, [3]);
  });
});

describe('gradFn and nextFunctions', () => {
  it('walks y = (x*2).exp() down to the leaf', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(2).exp();
    expect(x.gradFn).toBeNull();
    expect(y.gradFn!.name).toBe('ExpBackward0');
    expect(y.gradFn!.nextFunctions).toHaveLength(1);
    const mul = y.gradFn!.nextFunctions[0]!;
    expect(mul.name).toBe('MulBackward0');
    expect(mul.nextFunctions).toHaveLength(2);
    const acc = mul.nextFunctions[0]!;
    expect(acc.name).toBe('AccumulateGrad');
    expect(acc).toBeInstanceOf(AccumulateGrad);
    expect((acc as AccumulateGrad<Tensor>).variable).toBe(x);
    expect(acc.nextFunctions).toEqual([]);
    // The constant 2 needs no gradient, so its edge is null.
    expect(mul.nextFunctions[1]).toBeNull();
  });

  it('names follow the op: AddBackward0, SumBackward0, MatmulBackward0', () => {
    const a = tensor([[1, 2]], { requiresGrad: true });
    const b = tensor([[3], [4]]);
    const y = a.matmul(b).add(1).sum();
    expect(y.gradFn!.name).toBe('SumBackward0');
    expect(y.gradFn!.nextFunctions[0]!.name).toBe('AddBackward0');
    expect(y.gradFn!.nextFunctions[0]!.nextFunctions[0]!.name).toBe('MatmulBackward0');
  });
});

describe('grad()', () => {
  it('returns only the requested gradients and leaves .grad alone', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const z = tensor([3, 4], { requiresGrad: true });
    const out = x.mul(z).sum();
    const result = grad(out, [x]);
    expect(result).toHaveLength(1);
    expectClose(result[0], [3, 4]);
    expect(x.grad).toBeNull();
    expect(z.grad).toBeNull();
    // A single tensor is accepted for inputs and outputs.
    const [gz] = grad(x.mul(z).sum(), z);
    expectClose(gz, [1, 2]);
    expect(z.grad).toBeNull();
  });

  it('does not run the part of the graph that does not lead to the inputs', () => {
    const build = () => {
      const x = tensor([1, 2], { requiresGrad: true });
      const z = tensor([0.5, -0.5], { requiresGrad: true });
      let unpacks = 0;
      let hookCalls = 0;
      // u is an intermediate of z's branch only; its exp is what that branch contributes to out.
      const u = z.mul(2);
      u.registerHook(() => { hookCalls++; });
      const branch = savedTensorsHooks(
        { pack: (t) => t, unpack: (p) => { unpacks++; return p as Tensor; } },
        () => u.exp(),
      );
      const out = x.mul(x).add(branch).sum();
      return { x, z, out, counts: () => ({ unpacks, hookCalls }) };
    };
    const g = build();
    const [gx] = grad(g.out, [g.x], { retainGraph: true });
    expectClose(gx, [2, 4]);
    // Neither the hook on u nor ExpBackward0 (which would unpack its saved output) ran.
    expect(g.counts()).toEqual({ unpacks: 0, hookCalls: 0 });
    expect(g.z.grad).toBeNull();
    // A full backward does run them.
    g.out.backward();
    expect(g.counts()).toEqual({ unpacks: 1, hookCalls: 1 });
    expectClose(g.z.grad, [2 * Math.exp(1), 2 * Math.exp(-1)], 1e-6);
  });

  it('w.r.t. non-leaf inputs', () => {
    const x = f64([0.5, 1]);
    const h = x.mul(3);
    const out = h.exp().sum();
    const [gh, gx] = grad(out, [h, x], { retainGraph: true });
    expectClose(gh, [Math.exp(1.5), Math.exp(3)], 1e-12);
    expectClose(gx, [3 * Math.exp(1.5), 3 * Math.exp(3)], 1e-12);
    // Stopping at h: nothing below h runs, so x's hook is not called.
    let below = 0;
    x.registerHook(() => { below++; });
    const [onlyH] = grad(out, [h]);
    expectClose(onlyH, [Math.exp(1.5), Math.exp(3)], 1e-12);
    expect(below).toBe(0);
    expect(x.grad).toBeNull();
  });

  it('with gradOutputs for non-scalar outputs, one per output', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const y = x.mul(x);
    const [g1] = grad(y, [x], { gradOutputs: tensor([1, 10, 100]), retainGraph: true });
    expectClose(g1, [2, 40, 600]);
    // Several outputs: their vector-Jacobian products add up; null stands for a scalar output's implicit 1.
    const s = x.sum();
    const [g2] = grad([y, s], [x], { gradOutputs: [tensor([1, 1, 1]), null] });
    expectClose(g2, [3, 5, 7]);
  });

  it('allowUnused gives null for an input the outputs do not depend on', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const unused = tensor([1, 2], { requiresGrad: true });
    const [gx, gu] = grad(x.mul(x).sum(), [x, unused], { allowUnused: true });
    expectClose(gx, [2, 4]);
    expect(gu).toBeNull();
  });

  it('createGraph: the second derivative of x³ is 6x', () => {
    const x = f64([1, 2, -3]);
    const [g] = grad(x.pow(3).sum(), [x], { createGraph: true });
    expectClose(g, [3, 12, 27], 1e-12);
    expect(g!.requiresGrad).toBe(true);
    expect(g!.gradFn).not.toBeNull();
    const [h] = grad(g!.sum(), [x]);
    expectClose(h, [6, 12, -18], 1e-12);
  });

  it('createGraph: grad of grad of tanh matches the closed form', () => {
    const xs = [-1.3, -0.2, 0, 0.4, 2];
    const x = f64(xs);
    const [d1] = grad(x.tanh().sum(), [x], { createGraph: true });
    const [d2] = grad(d1!.sum(), [x], { createGraph: true });
    const [d3] = grad(d2!.sum(), [x]);
    const th = xs.map(Math.tanh);
    expectClose(d1, th.map((t) => 1 - t * t), 1e-12);
    expectClose(d2, th.map((t) => -2 * t * (1 - t * t)), 1e-12);
    expectClose(d3, th.map((t) => (1 - t * t) * (6 * t * t - 2)), 1e-12);
  });

  it('createGraph with backward(): .grad itself is differentiable', () => {
    const x = f64([2, 3]);
    x.pow(3).sum().backward(null, { createGraph: true });
    const g = x.grad!;
    expect(g.requiresGrad).toBe(true);
    const [h] = grad(g.sum(), [x]);
    expectClose(h, [12, 18], 1e-12);
  });
});

describe('deep graphs', () => {
  it('backwards through a 100,000-op chain without overflowing the stack', () => {
    const n = 100_000;
    const start = performance.now();
    const x = tensor(1, { dtype: 'float64', requiresGrad: true });
    let y = x;
    for (let i = 0; i < n; i++) y = y.mul(1.0000001);
    const [gx] = grad(y, [x], { retainGraph: true });
    y.backward();
    const elapsed = performance.now() - start;
    const expected = Math.pow(1.0000001, n);
    expect(y.item()).toBeCloseTo(expected, 10);
    expect(gx!.item()).toBeCloseTo(expected, 10);
    expect(x.grad!.item()).toBeCloseTo(expected, 10);
    expect(elapsed).toBeLessThan(30_000);
  }, 120_000);
});

describe('dead gradients go back to the backend', () => {
  // 128 × 128 float32 is 64 KiB, the smallest buffer the CPU backends take back (src/kernels/cpu/memory.ts).
  const N = 128;
  const big = (seed: number, requiresGrad = false): Tensor =>
    tensor(Array.from({ length: N * N }, (_, i) => Math.sin(i * 0.37 + seed)), { shape: [N, N], requiresGrad });
  const sameValues = (a: Tensor | null | undefined, b: Tensor): void => {
    expect(a).toBeInstanceOf(Object);
    const x = a!.data(), y = b.data();
    for (let i = 0; i < y.length; i++) if (Math.abs(x[i]! - y[i]!) > 1e-4 * Math.max(1, Math.abs(y[i]!))) expect(x[i], `element ${i}`).toBe(y[i]);
  };

  it('a weight used at 6 steps: the summed gradients are released, and the sum is right', () => {
    const w = big(0, true);
    const xs = Array.from({ length: 6 }, (_, t) => big(t + 1));
    let y = xs[0]!.matmul(w);
    for (const x of xs.slice(1)) y = y.add(x.matmul(w));
    const backend = getBackend();
    // The opaque test backend keeps no pool (release is optional): there the sum must simply be right.
    const release = backend.release ? vi.spyOn(backend, 'release') : null;
    try {
      y.sum().backward();
      if (release) expect(release.mock.calls.length).toBeGreaterThanOrEqual(5);
    } finally {
      release?.mockRestore();
    }
    // d/dW Σ (x_t W) = Σ x_tᵀ·1, computed apart from the engine.
    const ones = noGrad(() => big(0).mul(0).add(1));
    const want = noGrad(() => xs.reduce((s: Tensor | null, x) => { const p = x.transpose(0, 1).matmul(ones); return s ? s.add(p) : p; }, null)!);
    sameValues(w.grad, want);
  });

  it('never releases what grad() returns, a hook keeps, or retainGrad holds, even where a rule passes it on', () => {
    const full = (v: number): Tensor => noGrad(() => big(0).mul(0).add(v));
    // h's gradient is a sum the engine makes (of two fresh products), which grad() captures or a hook keeps;
    // transpose's rule passes it on as a view to a, where it meets a third gradient. Released there, it would be
    // overwritten by the next buffers of its size.
    const graph = (): { a: Tensor; h: Tensor; z: Tensor } => {
      const a = big(1, true);
      const h = a.transpose(0, 1);
      return { a, h, z: h.mul(full(1)).add(h.mul(full(2))).sum().add(a.mul(full(5)).sum()) };
    };
    // Allocate (and fill) buffers of the same size: a wrongly released buffer would be handed out here.
    const churn = (): number => Array.from({ length: 8 }, (_, i) => big(10 + i).mul(7)).length;

    const first = graph();
    const [gh, ga] = grad(first.z, [first.h, first.a]);
    churn();
    sameValues(gh, full(3));
    sameValues(ga, full(8));

    const second = graph();
    const kept: Tensor[] = [];
    second.h.registerHook((g) => { kept.push(g); });
    second.h.retainGrad();
    second.z.backward();
    churn();
    expect(kept.length).toBe(1);
    sameValues(kept[0]!, full(3));
    sameValues(second.h.grad, full(3));
    sameValues(second.a.grad, full(8));
  });
});

describe('saved tensors', () => {
  it('are released by backward unless retainGraph', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.exp();
    const node = y.gradFn!;
    expect(node.savedTensors.length).toBe(1);
    expect(node.savedTensors[0]).toBe(y);
    y.sum().backward(null, { retainGraph: true });
    expect(node.savedTensors.length).toBe(1);
    y.sum().backward();
    expect(node.savedTensors).toEqual([]);
  });

  it('are released by grad() too', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const y = x.mul(x);
    const node = y.gradFn!;
    expect(node.savedTensors.length).toBe(2);
    grad(y.sum(), [x]);
    expect(node.savedTensors).toEqual([]);
  });

  it('savedTensorsHooks sees every saved tensor and backward uses what unpack returns', () => {
    const x = f64([0.5, -1]);
    const packed: Tensor[] = [];
    let unpacked = 0;
    const y = savedTensorsHooks(
      {
        pack: (t) => { packed.push(t); return { box: t }; },
        unpack: (p) => { unpacked++; return (p as { box: Tensor }).box; },
      },
      () => x.mul(x).exp().sum(),
    );
    // mul saves both operands (x and x), exp saves its output, sum saves nothing.
    expect(packed).toHaveLength(3);
    expect(packed[0]).toBe(x);
    expect(packed[1]).toBe(x);
    expect(packed[2]!.shape).toEqual([2]);
    y.backward();
    expect(unpacked).toBe(3);
    expectClose(x.grad, [0.5, -1].map((v) => 2 * v * Math.exp(v * v)), 1e-12);
  });

  it('the unpacked tensor is the one backward computes with', () => {
    const x = f64([0, 1]);
    // exp saves its output y and its gradient is g·y; unpacking 2y doubles the gradient.
    const y = savedTensorsHooks({ pack: (t) => t, unpack: (p) => (p as Tensor).mul(2) }, () => x.exp());
    y.sum().backward();
    expectClose(x.grad, [2, 2 * Math.E], 1e-12);
  });

  it('pack runs without recording, so it may use tensor ops (regression: used to recurse forever)', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const modes: boolean[] = [];
    const y = savedTensorsHooks(
      {
        pack: (t) => { modes.push(isGradEnabled()); return t.clone(); },
        unpack: (p) => p as Tensor,
      },
      () => x.mul(x).sum(),
    );
    expect(modes).toEqual([false, false]);
    expect(isGradEnabled()).toBe(true);
    y.backward();
    expectClose(x.grad, [2, 4]);
  });

  it('hooks apply only inside their scope', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    let packs = 0;
    savedTensorsHooks({ pack: (t) => { packs++; return t; }, unpack: (p) => p as Tensor }, () => x.exp());
    expect(packs).toBe(1);
    x.exp();
    expect(packs).toBe(1);
  });
});

describe('in-place operations', () => {
  it('modifying a saved tensor makes backward fail, naming the op, shape and versions', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    const h = x.mul(2);
    const y = h.sin(); // SinBackward0 saves h
    h.add_(1);
    let message = '';
    try {
      y.sum().backward();
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toMatch(/^SinBackward0: /);
    expect(message).toMatch(/modified by an in-place operation/);
    expect(message).toMatch(/shape \[3\]/);
    expect(message).toMatch(/at version 1; expected version 0/);
    expect(message).toMatch(/clone\(\)/);
  });

  it('refuses to modify a leaf that requires grad outside noGrad', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    expect(() => w.add_(1)).toThrow(/add_: a leaf tensor that requires grad \(shape \[2\]\).*noGrad/);
    expect(() => w.mul_(2)).toThrow(/mul_:.*out-of-place mul\(\)/);
    expect(() => w.zero_()).toThrow(/fill_: a leaf tensor/);
    expect(w.toArray()).toEqual([1, 2]);
    expect(w.storage.version).toBe(0);
  });

  it('an update with nothing to record writes into the storage, with the out-of-place result, any operand', () => {
    const base = Float32Array.from({ length: 600 }, (_, i) => Math.sin(i) * 3);
    const other = Float32Array.from({ length: 600 }, (_, i) => Math.cos(i) + 2);
    const cases: [string, (t: Tensor) => Tensor, (t: Tensor) => Tensor][] = [
      ['sub_ tensor', (t) => t.sub_(tensor(other, { shape: [20, 30] })), (t) => t.sub(tensor(other, { shape: [20, 30] }))],
      ['mul_ number', (t) => t.mul_(0.9), (t) => t.mul(0.9)],
      ['div_ row broadcast', (t) => t.div_(tensor(other.subarray(0, 30))), (t) => t.div(tensor(other.subarray(0, 30)))],
      ['add_ column broadcast', (t) => t.add_(tensor(other.subarray(0, 20), { shape: [20, 1] })), (t) => t.add(tensor(other.subarray(0, 20), { shape: [20, 1] }))],
      ['sub_ itself', (t) => t.sub_(t), (t) => t.sub(t)],
      ['add_ its own transpose view', (t) => t.narrow(0, 0, 20).narrow(1, 0, 20).add_(t.narrow(0, 0, 20).narrow(1, 0, 20).T),
        (t) => t.narrow(0, 0, 20).narrow(1, 0, 20).add(t.narrow(0, 0, 20).narrow(1, 0, 20).T)],
    ];
    for (const [label, update, reference] of cases) {
      for (const requiresGrad of [false, true]) {
        const t = tensor(base, { shape: [20, 30], requiresGrad });
        const want = noGrad(() => reference(t)).toArray();
        const storage = t.storage, v0 = storage.version;
        const got = noGrad(() => update(t));
        expect(t.storage, label).toBe(storage);
        expect(storage.version, label).toBe(v0 + 1);
        expect(got.toArray(), label).toEqual(want);
        expect(t.isLeaf && t.requiresGrad === requiresGrad, label).toBe(true);
      }
    }
  });

  it('works on a leaf under noGrad and bumps the storage version', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    const v0 = w.storage.version;
    noGrad(() => w.sub_(tensor([0.5, 0.5])));
    expect(w.toArray()).toEqual([0.5, 1.5]);
    expect(w.storage.version).toBe(v0 + 1);
    noGrad(() => w.mul_(2).add_(1));
    expect(w.toArray()).toEqual([2, 4]);
    expect(w.storage.version).toBe(v0 + 3);
    expect(w.gradFn).toBeNull();
    expect(w.requiresGrad).toBe(true);
    // The leaf is still a working parameter.
    w.mul(w).sum().backward();
    expectClose(w.grad, [4, 8]);
  });

  it('a leaf saved before an in-place noGrad update fails backward with its version', () => {
    const w = tensor([1, 2], { requiresGrad: true });
    const y = w.mul(w).sum();
    noGrad(() => w.add_(1));
    expect(() => y.backward()).toThrow(/MulBackward0: .*version 1; expected version 0/);
  });

  it('on a non-leaf whose old value is not needed (add_) keeps gradients right', () => {
    const x = tensor([1, 2], { requiresGrad: true });
    const h = x.mul(2);
    h.add_(x);
    expect(h.toArray()).toEqual([3, 6]);
    expect(h.gradFn!.name).toBe('AddBackward0');
    expect(h.gradFn!.nextFunctions[0]!.name).toBe('MulBackward0');
    h.mul(tensor([1, 10])).sum().backward();
    expectClose(x.grad, [3, 30]); // d/dx (2x + x)·c
    const x2 = tensor([1, 2], { requiresGrad: true });
    const h2 = x2.sin(); // SinBackward0 saves its input, not its output, so h2 may change
    h2.sub_(1).sub_(1);
    expectClose(h2, [Math.sin(1) - 2, Math.sin(2) - 2], 1e-6);
    h2.sum().backward();
    expectClose(x2.grad, [Math.cos(1), Math.cos(2)], 1e-6);
  });

  it('in-place on a view of a leaf that requires grad is refused; on any other view it is recorded (see views-inplace.test.ts)', () => {
    const x = tensor([1, 2, 3], { requiresGrad: true });
    expect(() => x.narrow(0, 0, 1).add_(1)).toThrow(/add_: a view of a leaf tensor that requires grad \(the view has shape \[1\], the leaf \[3\]\)/);
    expect(x.toArray()).toEqual([1, 2, 3]);
    // A view of a non-leaf: the base takes the new history.
    const y = x.mul(2);
    y.narrow(0, 0, 1).mul_(3);
    expect(y.toArray()).toEqual([6, 4, 6]);
    y.sum().backward();
    expect(x.grad!.toArray()).toEqual([6, 2, 2]);
    // Under noGrad views can be written, even of leaves.
    noGrad(() => x.narrow(0, 2, 1).fill_(7));
    expect(x.toArray()).toEqual([1, 2, 7]);
    // Views of tensors outside autograd are unaffected.
    const plain = tensor([1, 2, 3, 4]);
    plain.reshape([2, 2]).narrow(1, 0, 1).mul_(10);
    expect(plain.toArray()).toEqual([10, 2, 30, 4]);
    expect(plain.requiresGrad).toBe(false);
  });
});
