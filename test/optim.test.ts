import { describe, expect, it } from 'vitest';
import { nn, noGrad, optim, randn, tensor, zeros, type Tensor } from '../src/index.js';

// Every case starts from p = [1, -2] and feeds the gradients g₁ = [0.5, -1] and g₂ = [0.25, 2] by hand,
// so the expected parameters below can be checked with pencil and paper (float64 throughout).
const G1 = [0.5, -1];
const G2 = [0.25, 2];

function run(make: (p: Tensor) => optim.Optimizer<object, object>, grads: number[][] = [G1, G2]): number[][] {
  const p = tensor([1, -2], { dtype: 'float64', requiresGrad: true });
  const opt = make(p);
  return grads.map((g) => {
    p.grad = tensor(g, { dtype: 'float64' });
    opt.step();
    return [...p.data()];
  });
}

function expectClose(got: number[][], want: number[][], tol = 1e-12): void {
  expect(got.length).toBe(want.length);
  got.forEach((row, i) => row.forEach((v, j) => expect(Math.abs(v - want[i]![j]!), `step ${i + 1}, element ${j}: ${v} vs ${want[i]![j]}`).toBeLessThan(tol)));
}

describe.each([true, false])('SGD (fused: %s)', (fused) => {
  it('plain: p ← p − lr·g', () => {
    // p₁ = [1, -2] − 0.1·[0.5, -1] = [0.95, -1.9];  p₂ = p₁ − 0.1·[0.25, 2] = [0.925, -2.1]
    expectClose(run((p) => new optim.SGD([p], { fused, lr: 0.1 })), [[0.95, -1.9], [0.925, -2.1]]);
  });

  it('momentum with weight decay: the buffer starts as the first (decayed) gradient', () => {
    // step 1: g = g₁ + 0.1·p₀ = [0.6, -1.2]; b = g; p₁ = p₀ − 0.1·b = [0.94, -1.88]
    // step 2: g = g₂ + 0.1·p₁ = [0.344, 1.812]; b = 0.9·[0.6, -1.2] + g = [0.884, 0.732]; p₂ = [0.8516, -1.9532]
    expectClose(run((p) => new optim.SGD([p], { fused, lr: 0.1, momentum: 0.9, weightDecay: 0.1 })), [[0.94, -1.88], [0.8516, -1.9532]]);
  });

  it('dampening applies from the second step on', () => {
    // step 1: b = g₁; p₁ = [0.95, -1.9]
    // step 2: b = 0.9·[0.5, -1] + 0.5·[0.25, 2] = [0.575, 0.1]; p₂ = [0.8925, -1.91]
    expectClose(run((p) => new optim.SGD([p], { fused, lr: 0.1, momentum: 0.9, dampening: 0.5 })), [[0.95, -1.9], [0.8925, -1.91]]);
  });

  it('nesterov steps along g + μ·b', () => {
    // step 1: b = [0.5, -1]; g + 0.9·b = [0.95, -1.9]; p₁ = [0.905, -1.81]
    // step 2: b = 0.9·[0.5, -1] + [0.25, 2] = [0.7, 1.1]; g + 0.9·b = [0.88, 2.99]; p₂ = [0.817, -2.109]
    expectClose(run((p) => new optim.SGD([p], { fused, lr: 0.1, momentum: 0.9, nesterov: true })), [[0.905, -1.81], [0.817, -2.109]]);
  });

  it('maximize ascends', () => {
    expectClose(run((p) => new optim.SGD([p], { fused, lr: 0.1, maximize: true })), [[1.05, -2.1], [1.075, -1.9]]);
  });

  it('rejects invalid options', () => {
    const p = zeros([1], { requiresGrad: true });
    expect(() => new optim.SGD([p], { fused, lr: -1 })).toThrow(/SGD: invalid learning rate \(lr\) -1/);
    expect(() => new optim.SGD([p], { fused, nesterov: true })).toThrow(/nesterov momentum requires momentum > 0 and dampening = 0/);
  });
});

describe.each([true, false])('Adam and AdamW (fused: %s)', (fused) => {
  // With β = (0.9, 0.999) the first step moves each coordinate by lr·g/(|g| + ε) ≈ lr·sign(g), hence the
  // 2e-9-sized offsets from ε = 1e-8 below.
  // step 2: m = 0.9·0.1·g₁ + 0.1·g₂ = [0.07, 0.11]; v = 0.999·0.001·g₁² + 0.001·g₂² = [0.00031225, 0.004999];
  // p₂ = p₁ − (0.1 / (1 − 0.9²)) · m / (√(v / (1 − 0.999²)) + ε)
  const ADAM_STEP2 = [0.8067820404774624, -1.9366103534720749];

  it('Adam, with bias correction', () => {
    expectClose(run((p) => new optim.Adam([p], { fused, lr: 0.1 })), [[0.900000002, -1.900000001], ADAM_STEP2]);
  });

  it('Adam with weight decay adds λ·p to the gradient', () => {
    // step 1: g = g₁ + 0.1·[1, -2] = [0.6, -1.2], again a step of ≈ lr·sign(g)
    // step 2: g = g₂ + 0.1·p₁ ≈ [0.34, 1.81]; m = [0.088, 0.073]; v = [0.00047524, 0.00471466]
    expectClose(
      run((p) => new optim.Adam([p], { fused, lr: 0.1, weightDecay: 0.1 })),
      [[0.9000000016666666, -1.9000000008333333], [0.8050097658613199, -1.9250178784643248]],
    );
  });

  it('AdamW decays the weights first, p ← p·(1 − lr·λ), then takes the plain Adam step', () => {
    // step 1: p = [1, -2]·0.99 = [0.99, -1.98], then the Adam step of ≈ ∓0.1: [0.89, -1.88]
    // step 2: p = p₁·0.99 = [0.8811, -1.8612] (plus ε-sized terms), then the same Adam step as ADAM_STEP2 − p₁
    expectClose(run((p) => new optim.AdamW([p], { fused, lr: 0.1, weightDecay: 0.1 })), [[0.890000002, -1.880000001], [0.7878820404574624, -1.897810353462075]]);
  });

  it('AMSGrad keeps the largest second moment', () => {
    // step 2 with g₂ = [0.01, 0.01]: v shrinks to 0.999·v₁ + 1e-7, so the max stays v₁ = [0.00025, 0.001];
    // m = [0.046, -0.089]; p₂ = p₁ − (0.1/0.19)·m / (√(v₁/0.001999) + ε)
    expectClose(
      run((p) => new optim.Adam([p], { fused, lr: 0.1, amsgrad: true }), [G1, [0.01, 0.01]]),
      [[0.900000002, -1.900000001], [0.8315394161677112, -1.8337718246389123]],
    );
  });

  it('keeps the moments in its state', () => {
    const p = tensor([1, -2], { dtype: 'float64', requiresGrad: true });
    const opt = new optim.Adam([p], { fused, lr: 0.1 });
    for (const g of [G1, G2]) {
      p.grad = tensor(g, { dtype: 'float64' });
      opt.step();
    }
    const state = opt.state.get(p)!;
    expect(state.step).toBe(2);
    expectClose([[...state.expAvg.data()], [...state.expAvgSq.data()]], [[0.07, 0.11], [0.00031225, 0.004999]]);
  });

  it('works in float32 within float32 rounding', () => {
    const p = tensor([1, -2], { requiresGrad: true });
    const opt = new optim.Adam([p], { fused, lr: 0.1 });
    for (const g of [G1, G2]) {
      p.grad = tensor(g);
      opt.step();
    }
    expectClose([[...p.data()]], [ADAM_STEP2], 1e-6);
  });

  it('rejects invalid options', () => {
    const p = zeros([1], { requiresGrad: true });
    expect(() => new optim.Adam([p], { betas: [0.9, 1] })).toThrow(/Adam: invalid beta2 \(betas\[1\]\) 1: it must be a finite number in \[0, 1\)/);
    expect(() => new optim.AdamW([p], { fused, eps: -1 })).toThrow(/AdamW: invalid epsilon/);
  });
});

describe('Optimizer', () => {
  it('updates in place: the parameter tensors and their storages stay the same', () => {
    const model = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 2));
    const params = model.parameters();
    const storages = params.map((p) => p.storage.buffer);
    const versions = params.map((p) => p.storage.version);
    const before = params.map((p) => [...p.data()]);
    const makers = [
      (ps: nn.Parameter[], fused: boolean) => new optim.SGD(ps, { lr: 0.1, momentum: 0.9, fused }),
      (ps: nn.Parameter[], fused: boolean) => new optim.Adam(ps, { fused, amsgrad: true }),
      (ps: nn.Parameter[], fused: boolean) => new optim.AdamW(ps, { fused }),
    ];
    for (const [make, fused] of makers.flatMap((m) => [[m, true], [m, false]] as const)) {
      const opt = make(params, fused);
      for (let i = 0; i < 2; i++) {
        opt.zeroGrad();
        nn.functional.mseLoss(model.forward(tensor([[1, 2, 3], [-1, 0, 1]])), zeros([2, 2])).backward();
        opt.step();
      }
    }
    expect(model.parameters()).toEqual(params);
    model.parameters().forEach((p, i) => {
      expect(p).toBe(params[i]);
      expect(p.storage.buffer).toBe(storages[i]);
      expect(p.storage.version).toBeGreaterThan(versions[i]!);
      expect(p.requiresGrad && p.isLeaf).toBe(true);
      expect([...p.data()]).not.toEqual(before[i]);
    });
  });

  it('fused loops and tensor ops agree; non-contiguous parameters take the tensor-op path', () => {
    const values = [[0.5, -1], [2, 0.25], [-3, 1.5]];
    const grads = [0, 1, 2].map(() => randn([3, 2]));
    const makers = [
      (p: Tensor) => new optim.SGD([p], { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 }),
      (p: Tensor) => new optim.Adam([p], { lr: 0.1, weightDecay: 0.1, amsgrad: true }),
      (p: Tensor) => new optim.AdamW([p], { lr: 0.1, maximize: true }),
    ];
    for (const make of makers) {
      const contiguous = new nn.Parameter(tensor(values));
      // The same values seen through a transpose: strides [1, 3], so no flat loop can walk them.
      const strided = new nn.Parameter(tensor([[0.5, 2, -3], [-1, 0.25, 1.5]]).T);
      expect(strided.isContiguous()).toBe(false);
      const a = make(contiguous), b = make(strided);
      for (const g of grads) {
        contiguous.grad = g;
        strided.grad = g;
        a.step();
        b.step();
      }
      const got = [...strided.data()], want = [...contiguous.data()];
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));
      expect(want).not.toEqual(values.flat());
    }
  });

  it('skips parameters whose gradient is null', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const b = tensor([3, 4], { requiresGrad: true });
    const opt = new optim.Adam([a, b], { lr: 0.1 });
    a.grad = tensor([1, 1]);
    opt.step();
    expect(b.toArray()).toEqual([3, 4]);
    expect(opt.state.has(b)).toBe(false);
    expect(a.toArray()).not.toEqual([1, 2]);
  });

  it('zeroGrad sets gradients to null', () => {
    const a = tensor([1, 2], { requiresGrad: true });
    const opt = new optim.SGD([a]);
    a.mul(a).sum().backward();
    opt.zeroGrad();
    expect(a.grad).toBeNull();
  });

  it('supports parameter groups with their own options', () => {
    const a = tensor([1], { dtype: 'float64', requiresGrad: true });
    const b = tensor([1], { dtype: 'float64', requiresGrad: true });
    const opt = new optim.SGD([{ params: [a] }, { params: [b], lr: 1 }], { lr: 0.1 });
    a.grad = tensor([1], { dtype: 'float64' });
    b.grad = tensor([1], { dtype: 'float64' });
    opt.step();
    expect(a.toArray()).toEqual([0.9]);
    expect(b.toArray()).toEqual([0]);
    opt.paramGroups[0]!.lr = 0.5;
    opt.step();
    expect(a.toArray()).toEqual([0.4]);
  });

  it('refuses parameters that cannot be optimized, with clear errors', () => {
    const frozen = tensor([1, 2]);
    expect(() => new optim.Adam([tensor([1], { requiresGrad: true }), frozen])).toThrow(
      /Adam: parameter 1 of group 0 \(shape \[2\]\) does not require grad, so it would never be updated/,
    );
    const leaf = tensor([1], { requiresGrad: true });
    expect(() => new optim.SGD([leaf.mul(2)])).toThrow(/is not a leaf tensor \(it was computed by MulBackward0\)/);
    expect(() => new optim.SGD([leaf, leaf])).toThrow(/appears more than once/);
    expect(() => new optim.SGD([])).toThrow(/empty parameter list/);
    const frozenModel = new nn.Linear(2, 2).requiresGrad_(false);
    expect(() => new optim.SGD(frozenModel.parameters())).toThrow(/does not require grad/);
  });

  it('step(closure) re-evaluates the loss with grad recording on', () => {
    const w = tensor([2], { requiresGrad: true });
    const opt = new optim.SGD([w], { lr: 0.25 });
    const loss = noGrad(() => opt.step(() => {
      opt.zeroGrad();
      const l = w.mul(w).sum();
      l.backward();
      return l.item();
    }));
    expect(loss).toBe(4);
    expect(w.toArray()).toEqual([1]);
  });
});
