import { describe, expect, it } from 'vitest';
import {
  checkpoint, checkpointSequential, defaultGenerator, Generator, grad, manualSeed, nn, noGrad, rand, randn, savedBytes,
  savedTensorsHooks, tensor, type SequentialLayer, type Tensor,
} from '../src/index.js';

const values = (ts: readonly (Tensor | null)[]): number[][] => ts.map((t) => Array.from(t!.data()));

/** `.grad` of `params` after `loss().backward()`, starting from zero. */
function gradsAfterBackward(params: readonly Tensor[], loss: () => Tensor): number[][] {
  for (const p of params) p.grad = null;
  loss().backward();
  return values(params.map((p) => p.grad));
}

class Mlp extends nn.Module {
  fc1 = new nn.Linear(8, 16);
  fc2 = new nn.Linear(16, 16);
  fc3 = new nn.Linear(16, 4);
  override forward(x: Tensor): Tensor {
    return this.fc3.forward(this.fc2.forward(this.fc1.forward(x).tanh()).relu());
  }
}

describe('checkpoint gives the gradients of the plain computation', () => {
  it('an MLP: parameters used inside fn (not passed as inputs) get .grad, through backward()', () => {
    manualSeed(1);
    const model = new Mlp();
    const x = randn([5, 8], { requiresGrad: true });
    const params = [...model.parameters(), x];
    const plain = gradsAfterBackward(params, () => model.forward(x).square().sum());
    const ckpt = gradsAfterBackward(params, () => checkpoint((h: Tensor) => model.forward(h), x).square().sum());
    expect(ckpt).toEqual(plain);
    expect(model.fc1.weight.grad).not.toBeNull();
  });

  it('an MLP whose input does not require grad, through grad()', () => {
    manualSeed(2);
    const model = new Mlp();
    const x = randn([5, 8]);
    const params = model.parameters();
    const plain = grad(model.forward(x).square().sum(), params);
    const ckpt = grad(checkpoint((h: Tensor) => model.forward(h), x).square().sum(), params);
    expect(values(ckpt)).toEqual(values(plain));
    expect(params.every((p) => p.grad === null)).toBe(true);
  });

  it('a chain of plain weight tensors, for every number of segments, through backward() and grad()', () => {
    manualSeed(3);
    const ws = Array.from({ length: 6 }, () => randn([6, 6]).mul(0.5).requiresGrad_());
    const layers: SequentialLayer[] = ws.map((w) => (h: Tensor) => h.matmul(w).tanh());
    const x = randn([3, 6], { requiresGrad: true });
    const params = [...ws, x];
    const chain = (): Tensor => layers.reduce((h: Tensor, f) => (f as (t: Tensor) => Tensor)(h), x);
    const plain = gradsAfterBackward(params, () => chain().sum());
    const plainGrad = values(grad(chain().sum(), params));
    for (const segments of [1, 2, 3, 4, 6, 10, 'sqrt'] as const) {
      expect(gradsAfterBackward(params, () => checkpointSequential(layers, segments, x).sum())).toEqual(plain);
      expect(values(grad(checkpointSequential(layers, segments, x).sum(), params))).toEqual(plainGrad);
    }
  });

  it('a branching function with several tensor inputs, a number input and several outputs', () => {
    manualSeed(4);
    const a = randn([4, 3], { requiresGrad: true });
    const b = randn([3], { requiresGrad: true });
    const c = randn([4, 3]); // does not require grad
    const w = randn([3, 3], { requiresGrad: true }); // used inside, not an input
    const fn = (p: Tensor, q: Tensor, r: Tensor, k: number): { left: Tensor; right: Tensor } => {
      const shared = p.mul(q).add(r).sin();
      return { left: shared.matmul(w).exp(), right: shared.mul(p).pow(2).mul(k) };
    };
    const loss = (o: { left: Tensor; right: Tensor }): Tensor => o.left.sum().add(o.right.mul(o.left).mean());
    const params = [a, b, w];
    const plain = gradsAfterBackward(params, () => loss(fn(a, b, c, 3)));
    expect(gradsAfterBackward(params, () => loss(checkpoint(fn, a, b, c, 3)))).toEqual(plain);
    expect(values(grad(loss(checkpoint(fn, a, b, c, 3)), params))).toEqual(plain);
  });

  it('grad() of part of the inputs, and higher order with createGraph', () => {
    const x = tensor([0.5, -1, 2], { requiresGrad: true, dtype: 'float64' });
    const cube = (t: Tensor): Tensor => t.mul(t).mul(t);
    const [g] = grad(checkpoint(cube, x).sum(), [x], { createGraph: true });
    expect(g!.toArray()).toEqual([0.75, 3, 12]); // 3x²
    const [gg] = grad(g!.sum(), [x]);
    expect(gg!.toArray()).toEqual([3, -6, 12]); // 6x
  });

  it('fn runs once in the forward and once per backward; retainGraph allows a second backward', () => {
    const w = tensor([1.5, -2], { requiresGrad: true });
    let calls = 0;
    const fn = (t: Tensor): Tensor => {
      calls++;
      return t.mul(w).exp();
    };
    const y = checkpoint(fn, tensor([1, 2])).sum();
    expect(calls).toBe(1);
    y.backward(null, { retainGraph: true });
    expect(calls).toBe(2);
    const first = Array.from(w.grad!.data());
    y.backward();
    expect(calls).toBe(3);
    expect(Array.from(w.grad!.data())).toEqual(first.map((v) => v * 2));
    expect(() => y.backward()).toThrow(/backward through the graph a second time/);
  });
});

describe('random ops inside the checkpointed function', () => {
  it('recompute the same random numbers, and leave the generator where the forward left it', () => {
    const x = randn([6, 5], { requiresGrad: true });
    const fn = (t: Tensor): Tensor => {
      const mask = rand(t.shape).gt(0.5).float(); // a dropout mask drawn from the default generator
      return nn.functional.dropout(t.mul(mask).tanh(), 0.3).mul(t);
    };
    manualSeed(7);
    const plain = gradsAfterBackward([x], () => fn(x).sum());
    const plainNext = rand([3]).toArray();
    manualSeed(7);
    const ckpt = gradsAfterBackward([x], () => checkpoint(fn, x).sum());
    expect(rand([3]).toArray()).toEqual(plainNext);
    expect(ckpt).toEqual(plain);
  });

  it('replay a generator of the user\'s own (a Dropout with its own generator), not only the default one', () => {
    const x = randn([6, 5], { requiresGrad: true });
    const g = new Generator(11);
    const fn = (t: Tensor): Tensor => nn.functional.dropout(t.tanh(), 0.5, { generator: g }).mul(t);
    g.seed(3);
    const plain = gradsAfterBackward([x], () => fn(x).sum());
    const plainNext = g.nextUint32();
    g.seed(3);
    const ckpt = gradsAfterBackward([x], () => checkpoint(fn, x).sum());
    expect(g.nextUint32()).toBe(plainNext);
    expect(ckpt).toEqual(plain);
  });

  it('restore the generator even when the recomputation fails', () => {
    let calls = 0;
    const x = randn([4], { requiresGrad: true });
    const y = checkpoint((t: Tensor) => (++calls === 1 ? t.mul(rand([4])) : t.mul(rand([4])).exp()), x).sum();
    rand([5]); // moves the generator on from the state checkpoint recorded
    const expected = new Generator();
    expected.setState(defaultGenerator.getState());
    expect(() => y.backward()).toThrow(/checkpoint/);
    expect([1, 2, 3].map(() => defaultGenerator.nextUint32())).toEqual([1, 2, 3].map(() => expected.nextUint32()));
  });
});

describe('nested checkpoints', () => {
  it('give the same gradients; the outer checkpoint recomputes the inner one, which recomputes itself', () => {
    manualSeed(8);
    const w1 = randn([5, 5], { requiresGrad: true });
    const w2 = randn([5, 5], { requiresGrad: true });
    const x = randn([3, 5], { requiresGrad: true });
    let innerCalls = 0, outerCalls = 0;
    const inner = (h: Tensor): Tensor => {
      innerCalls++;
      return h.matmul(w2).tanh().mul(h);
    };
    const outer = (useCheckpoint: boolean) => (h: Tensor): Tensor => {
      outerCalls++;
      const a = h.matmul(w1).sin();
      const b = useCheckpoint ? checkpoint(inner, a) : inner(a);
      return b.exp().add(a);
    };
    const params = [w1, w2, x];
    const plain = gradsAfterBackward(params, () => outer(false)(x).sum());
    innerCalls = outerCalls = 0;
    const nested = gradsAfterBackward(params, () => checkpoint(outer(true), x).sum());
    expect(nested).toEqual(plain);
    expect(outerCalls).toBe(2); // forward, recomputation
    expect(innerCalls).toBe(3); // forward, inside the outer recomputation, its own recomputation
  });

  it('keep only the outermost inputs: the inner checkpoint input is recomputed by the outer one', () => {
    const w = randn([64, 64], { requiresGrad: true });
    const x = randn([16, 64]); // a leaf: not counted
    const layer = (h: Tensor): Tensor => h.matmul(w).tanh();
    const y = checkpoint((h: Tensor) => checkpoint(layer, layer(h)), x).sum();
    expect(savedBytes(y)).toBe(0);
    const z = checkpoint((h: Tensor) => checkpoint(layer, layer(h)), layer(x)).sum();
    expect(savedBytes(z)).toBe(16 * 64 * 4); // the outer input, the output of a plain layer
  });
});

describe('saved-tensor hooks', () => {
  const mlp = (): { model: Mlp; x: Tensor } => {
    manualSeed(9);
    return { model: new Mlp(), x: randn([5, 8]) };
  };

  it('see every saved tensor, and unpack each once in backward', () => {
    const { model, x } = mlp();
    // Count what a plain graph saves: the tensors reachable from the loss through savedTensors.
    const loss = model.forward(x).square().sum();
    let saved = 0;
    const stack = [loss.gradFn!];
    const seen = new Set(stack);
    while (stack.length) {
      const n = stack.pop()!;
      saved += n.savedTensors.length;
      for (const c of n.nextFunctions) if (c && !seen.has(c)) { seen.add(c); stack.push(c); }
    }
    expect(saved).toBeGreaterThan(0);
    let packs = 0, unpacks = 0;
    const hooked = savedTensorsHooks(
      { pack: (t) => { packs++; return { t }; }, unpack: (p) => { unpacks++; return (p as { t: Tensor }).t; } },
      () => model.forward(x).square().sum(),
    );
    expect(packs).toBe(saved);
    const g = grad(hooked, model.parameters());
    expect(unpacks).toBe(saved);
    expect(values(g)).toEqual(values(grad(loss, model.parameters())));
  });

  it('around checkpoint see its tensor inputs (as in PyTorch), while the checkpoint takes the saved tensors of fn', () => {
    const { model, x } = mlp();
    const h = x.mul(1).requiresGrad_(); // a leaf requiring grad
    const seen: Tensor[] = [];
    const y = savedTensorsHooks(
      { pack: (t) => { seen.push(t); return t; }, unpack: (p) => p as Tensor },
      () => checkpoint((t: Tensor, k: number) => model.forward(t).mul(k), h, 2),
    );
    expect(seen.length).toBe(1);
    expect(seen[0]).toBe(h);
    const plain = grad(model.forward(h).mul(2).sum(), [h]);
    expect(values(grad(y.sum(), [h]))).toEqual(values(plain));
  });
});

describe('memory for backward', () => {
  // A chain of 64 layers Linear(256, 256) + tanh on a batch of 64. Every activation is [64, 256] float32,
  // 64 · 256 · 4 = 65 536 bytes. Without checkpointing the graph keeps, per layer, the tanh output (which
  // the next layer's matmul saves too: one storage); the matmul also saves the input x (a leaf) and W.T (a
  // view of a parameter), and add saves nothing, so 64 · 65 536 = 4 194 304 bytes. With 8 segments of 8
  // layers, the first 7 are checkpointed: they keep their inputs, of which the first is x (a leaf) and 6
  // are activations; the last segment runs normally and keeps its input plus its 8 tanh outputs. That is
  // 6 + 1 + 8 = 15 activations, 983 040 bytes, 15/64 ≈ 0.23 of the plain graph.
  const chain = (() => {
    manualSeed(10);
    const layers = Array.from({ length: 64 }, () => new nn.Sequential(new nn.Linear(256, 256), new nn.Tanh()));
    return { layers, x: randn([64, 256]) };
  })();

  it('savedBytes of the 64-layer chain matches the arithmetic', () => {
    const { layers, x } = chain;
    const plain = layers.reduce((h: Tensor, l) => l.forward(h), x).sum();
    expect(savedBytes(plain)).toBe(4_194_304);
    expect(savedBytes(checkpointSequential(layers, 8, x).sum())).toBe(983_040);
    expect(savedBytes(checkpointSequential(layers, 'sqrt', x).sum())).toBe(983_040); // √64 = 8
    // 64 segments of one layer: 63 checkpoint inputs (the first is x) plus the last layer's input and output.
    expect(savedBytes(checkpointSequential(layers, 64, x).sum())).toBe(64 * 65_536);
    // One segment is the plain chain (the last segment is never checkpointed).
    expect(savedBytes(checkpointSequential(layers, 1, x).sum())).toBe(4_194_304);
  });

  it('recomputed tensors are freed as backward uses them', () => {
    const { layers, x } = chain;
    const short = layers.slice(0, 8);
    const loss = checkpointSequential(short, 4, x).sum();
    // 3 checkpointed segments of 2 layers keep 2 activations (the first input is x); the last keeps 3.
    expect(savedBytes(loss)).toBe(5 * 65_536);
    let during = 0;
    // Halfway through backward one segment has been recomputed and only partly consumed.
    short[3]!.parameters()[0]!.registerHook(() => { during = Math.max(during, savedBytes(loss)); });
    loss.backward(null, { retainGraph: true });
    expect(during).toBeGreaterThan(5 * 65_536);
    expect(savedBytes(loss)).toBe(5 * 65_536);
    loss.backward();
    expect(savedBytes(loss)).toBe(0);
  });
});

describe('misuse', () => {
  it('a recomputation that saves a different number of tensors', () => {
    let calls = 0;
    const x = randn([4], { requiresGrad: true });
    const y = checkpoint((t: Tensor) => (++calls === 1 ? t.exp().exp() : t.exp()), x).sum();
    expect(() => y.backward()).toThrow(
      'checkpoint: recomputing the checkpointed function during backward went differently from the forward: it saves ' +
        '1 tensor where the forward saved 2. The function must do the same operations on tensors of the same shapes',
    );
    let calls2 = 0;
    const z = checkpoint((t: Tensor) => (++calls2 === 1 ? t.exp() : t.exp().exp()), x).sum();
    expect(() => z.backward()).toThrow(/from the forward: it saves more than the 1 tensor the forward saved\. The function must/);
  });

  it('a recomputation that saves a tensor of another shape or dtype', () => {
    let calls = 0;
    const x = randn([4], { requiresGrad: true });
    const y = checkpoint((t: Tensor) => t.narrow(0, 0, ++calls === 1 ? 2 : 3).exp(), x).sum();
    expect(() => y.backward()).toThrow(
      'checkpoint: recomputing the checkpointed function during backward went differently from the forward: saved ' +
        'tensor 0 has shape [3] and dtype float32, but had shape [2] and dtype float32 in the forward.',
    );
    let calls2 = 0;
    const z = checkpoint((t: Tensor) => (++calls2 === 1 ? t : t.double()).exp(), x).sum();
    expect(() => z.backward()).toThrow(/saved tensor 0 has shape \[4\] and dtype float64, but had shape \[4\] and dtype float32/);
  });

  it('an input modified in place between the forward and backward', () => {
    const w = randn([4], { requiresGrad: true });
    const x = randn([4]);
    const y = checkpoint((t: Tensor) => t.mul(w).exp(), x).sum();
    x.add_(1);
    expect(() => y.backward()).toThrow(/checkpoint: input 0 \(shape \[4\], dtype float32\) was modified by an in-place operation.*Pass a clone\(\)/);
  });

  it('inside noGrad: nothing is recorded, fn simply runs once', () => {
    const w = randn([4], { requiresGrad: true });
    let calls = 0;
    const y = noGrad(() => checkpoint((t: Tensor) => { calls++; return t.mul(w); }, randn([4])));
    expect(calls).toBe(1);
    expect(y.requiresGrad).toBe(false);
    expect(() => y.sum().backward()).toThrow(/noGrad/);
  });

  it('arguments that are not a function or layers', () => {
    expect(() => checkpoint(null as unknown as (t: Tensor) => Tensor, randn([2]))).toThrow(
      'checkpoint: the first argument must be the function to run, got null.',
    );
    expect(() => checkpointSequential([(t: Tensor) => t], 0, randn([2]))).toThrow(
      "checkpointSequential: segments must be a positive integer or 'sqrt', got 0.",
    );
    expect(() => checkpointSequential([{} as SequentialLayer], 1, randn([2]))).toThrow(
      'checkpointSequential: layer 0 is neither a function nor a module with a forward() method.',
    );
  });
});

describe('checkpointSequential', () => {
  it('takes modules or an nn.Sequential, recomputes all but the last segment, and splits evenly', () => {
    manualSeed(11);
    const calls: number[] = [];
    const layers = Array.from({ length: 7 }, (_, i) => {
      const fc = new nn.Linear(4, 4);
      return { fc, forward: (x: Tensor): Tensor => { calls[i] = (calls[i] ?? 0) + 1; return fc.forward(x).tanh(); } };
    });
    const x = randn([2, 4]);
    // 7 layers in 3 segments: 3, 2, 2 (the longer first); the last 2 layers are not recomputed.
    checkpointSequential(layers, 3, x).sum().backward();
    expect(calls).toEqual([2, 2, 2, 2, 2, 1, 1]);
    const seq = new nn.Sequential(...layers.map((l) => l.fc));
    expect(checkpointSequential(seq, 'sqrt', x).toArray()).toEqual(seq.forward(x).toArray());
    expect(checkpointSequential([], 3, x)).toBe(x);
  });
});
