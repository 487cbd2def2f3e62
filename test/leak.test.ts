// Users never dispose tensors: these tests prove that long synchronous loops run in bounded memory, that a
// backward pass leaves no saved tensor reachable, and that a seed gives bit-identical training.
import { describe, expect, it } from 'vitest';
import { grad, manualSeed, nn, noGrad, optim, randint, randn, tensor, type Node, type Tensor } from '../src/index.js';

const gc = (globalThis as { gc?: () => void }).gc!;

/** Heap plus typed-array memory after a full collection, in bytes (synchronous: no yield needed). */
function usedAfterGc(): number {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.arrayBuffers;
}

function mnistNetwork(): nn.Sequential {
  return new nn.Sequential(new nn.Linear(784, 128), new nn.ReLU(), new nn.Linear(128, 10));
}

describe('bounded memory without dispose', () => {
  it('10,000 synchronous training steps of the MNIST network stay within a small bound of 100 steps', () => {
    expect(gc, 'vitest.config.ts runs workers with --expose-gc').toBeTypeOf('function');
    manualSeed(0);
    const model = mnistNetwork();
    const opt = new optim.Adam(model.parameters(), { lr: 1e-3 });
    // A small batch: the point is memory, and the steps are the same kind of work at any batch size.
    const x = randn([4, 784]);
    const y = randint(0, 10, [4]);
    let after100 = 0;
    let loss = NaN;
    for (let step = 1; step <= 10_000; step++) {
      opt.zeroGrad();
      const l = nn.functional.crossEntropy(model.forward(x), y);
      l.backward();
      opt.step();
      if (step === 100) after100 = usedAfterGc();
      if (step === 10_000) loss = l.item();
    }
    const after10k = usedAfterGc();
    // Everything a step allocates is garbage by the next one; 4 MiB of slack covers JIT code and caches.
    expect(after10k - after100).toBeLessThan(4 * 2 ** 20);
    expect(loss).toBeLessThan(0.01); // it did train: 4 fixed samples are memorised
  }, 300_000);

  it('10,000 grad() calls with createGraph stay bounded', () => {
    const w = randn([16, 16], { requiresGrad: true });
    const x = randn([4, 16]);
    let after100 = 0;
    for (let i = 1; i <= 10_000; i++) {
      const [g] = grad(x.matmul(w).tanh().pow(2).sum(), [w], { createGraph: true });
      const [gg] = grad(g!.sum(), [w]);
      if (gg!.size !== 256) throw new Error('unexpected shape');
      if (i === 100) after100 = usedAfterGc();
    }
    expect(usedAfterGc() - after100).toBeLessThan(4 * 2 ** 20);
  }, 300_000);
});

function nodes(root: Tensor): Node[] {
  const seen = new Set<Node>();
  const stack = root.gradFn ? [root.gradFn] : [];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const c of n.nextFunctions) if (c) stack.push(c);
  }
  return [...seen];
}

describe('saved tensors are released', () => {
  it('after backward without retainGraph no saved tensor is reachable from the graph', () => {
    const model = mnistNetwork();
    const loss = nn.functional.crossEntropy(model.forward(randn([4, 784])), tensor([1, 2, 3, 4], { dtype: 'int32' }));
    const graph = nodes(loss);
    expect(graph.reduce((n, node) => n + node.savedTensors.length, 0)).toBeGreaterThan(0);
    loss.backward();
    expect(graph.map((node) => node.savedTensors.length).filter((n) => n > 0)).toEqual([]);
  });

  it('with retainGraph they stay until the last backward', () => {
    const x = randn([3], { requiresGrad: true });
    const y = x.exp().sum();
    y.backward(null, { retainGraph: true });
    expect(nodes(y).some((n) => n.savedTensors.length > 0)).toBe(true);
    y.backward();
    expect(nodes(y).every((n) => n.savedTensors.length === 0)).toBe(true);
  });
});

describe('determinism', () => {
  function train(seed: number): Float32Array[] {
    manualSeed(seed);
    const model = mnistNetwork();
    const opt = new optim.SGD(model.parameters(), { lr: 0.05, momentum: 0.9 });
    for (let step = 0; step < 20; step++) {
      const x = randn([8, 784]);
      const y = randint(0, 10, [8]);
      opt.zeroGrad();
      nn.functional.crossEntropy(model.forward(x), y).backward();
      opt.step();
    }
    return noGrad(() => model.parameters().map((p) => p.data() as Float32Array));
  }

  it('the same seed gives bit-identical parameters; another seed does not', () => {
    const a = train(7), b = train(7), c = train(8);
    a.forEach((p, i) => expect(Buffer.from(p.buffer).equals(Buffer.from(b[i]!.buffer))).toBe(true));
    expect(Buffer.from(a[0]!.buffer).equals(Buffer.from(c[0]!.buffer))).toBe(false);
  });
});
