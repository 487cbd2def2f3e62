// Optimizer state dicts (PyTorch's layout), loading them (checks, casts), and the new optimizers' misuse errors.
import { describe, expect, it } from 'vitest';
import { nn, optim, tensor, zeros, type Tensor } from '../src/index.js';

function stepOnce(opt: { zeroGrad(): void; step(): unknown }, params: Tensor[]): void {
  opt.zeroGrad();
  params.reduce((s, p) => s.add(p.square().sum()), tensor(0)).backward();
  opt.step();
}

describe('optimizer.stateDict()', () => {
  it("has PyTorch's layout: state by parameter index, groups with their options and parameter indices", () => {
    const a = zeros([2], { requiresGrad: true }), b = zeros([3], { requiresGrad: true }), c = zeros([1], { requiresGrad: true });
    a.data().fill(1);
    const opt = new optim.Adam([{ params: [a, b], lr: 0.1 }, { params: [c] }], 1e-3);
    a.grad = tensor([1, 2]);
    opt.step();
    const sd = opt.stateDict();
    expect(Object.keys(sd.state)).toEqual(['0']); // only a had a gradient
    expect(sd.state[0]!.step).toBe(1);
    expect((sd.state[0]!.expAvg as Tensor).shape).toEqual([2]);
    expect(sd.paramGroups.map((g) => g.params)).toEqual([[0, 1], [2]]);
    expect(sd.paramGroups.map((g) => g.lr)).toEqual([0.1, 1e-3]);
    expect(sd.paramGroups[0]).toMatchObject({ betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false });
    // Like PyTorch's, the tensors are the optimizer's own: a later step changes them.
    const before = [...(sd.state[0]!.expAvg as Tensor).data()];
    opt.step();
    expect([...(sd.state[0]!.expAvg as Tensor).data()]).not.toEqual(before);
  });

  it('Adagrad makes its state when the parameters are added, as PyTorch', () => {
    const p = zeros([2], { requiresGrad: true });
    const opt = new optim.Adagrad([p], 0.1, { initialAccumulatorValue: 0.5 });
    const sd = opt.stateDict();
    expect(sd.state[0]!.step).toBe(0);
    expect([...(sd.state[0]!.sum as Tensor).data()]).toEqual([0.5, 0.5]);
  });
});

describe('optimizer.loadStateDict()', () => {
  const make = (): { params: Tensor[]; opt: optim.RMSprop } => {
    const params = [zeros([2, 2], { requiresGrad: true }), zeros([3], { requiresGrad: true })];
    return { params, opt: new optim.RMSprop([{ params: [params[0]!] }, { params: [params[1]!], lr: 0.5 }], 0.01, { momentum: 0.9, centered: true }) };
  };

  it('takes the options from the state dict and copies (not shares) the tensors', () => {
    const src = make();
    stepOnce(src.opt, src.params);
    const dst = make();
    dst.opt.paramGroups[1]!.lr = 7;
    dst.opt.loadStateDict(src.opt.stateDict());
    expect(dst.opt.paramGroups.map((g) => g.lr)).toEqual([0.01, 0.5]);
    expect(dst.opt.paramGroups[0]!.params[0]).toBe(dst.params[0]);
    const mine = dst.opt.state.get(dst.params[0]!)!.squareAvg;
    const theirs = src.opt.state.get(src.params[0]!)!.squareAvg;
    expect(mine).not.toBe(theirs);
    expect(mine.storage).not.toBe(theirs.storage);
    expect([...mine.data()]).toEqual([...theirs.data()]);
  });

  it("casts floating state to the parameter's dtype (step counts stay numbers)", () => {
    const p = zeros([2], { requiresGrad: true });
    const opt = new optim.Adam([p]);
    opt.loadStateDict({ state: { 0: { step: 3, expAvg: tensor([1, 2], { dtype: 'float64' }), expAvgSq: tensor([1, 1], { dtype: 'float64' }) } },
      paramGroups: [{ params: [0], lr: 0.1, betas: [0.9, 0.999], eps: 1e-8, weightDecay: 0, amsgrad: false, maximize: false, fused: true }] });
    const s = opt.state.get(p)!;
    expect([s.step, s.expAvg.dtype, s.expAvgSq.dtype]).toEqual([3, 'float32', 'float32']);
  });

  it('checks everything before changing anything', () => {
    const src = make();
    stepOnce(src.opt, src.params);
    const sd = src.opt.stateDict();
    const dst = make();
    const fresh = (): ReturnType<typeof make>['opt'] => make().opt;
    expect(() => fresh().loadStateDict({ ...sd, paramGroups: sd.paramGroups.slice(0, 1) })).toThrow(
      'RMSprop.loadStateDict: the state dict has 1 parameter group(s) but this optimizer has 2; make the optimizer with the same groups as the one saved.',
    );
    expect(() => fresh().loadStateDict({ ...sd, paramGroups: [sd.paramGroups[0]!, { ...sd.paramGroups[1]!, params: [1, 2] }] })).toThrow(
      /parameter group 1 of the state dict has 2 parameter\(s\) but the optimizer's group 1 has 1/,
    );
    expect(() => fresh().loadStateDict({ ...sd, state: { ...sd.state, 1: { ...sd.state[1]!, squareAvg: zeros([4]) } } })).toThrow(
      "RMSprop.loadStateDict: the state of parameter 1 (shape [3]): 'squareAvg' has shape [4]; it must have the parameter's shape.",
    );
    expect(() => fresh().loadStateDict({ ...sd, state: { ...sd.state, 5: { step: 1 } } })).toThrow(/state for parameter 5, but its groups list 2 parameter/);
    expect(() => fresh().loadStateDict({ ...sd, paramGroups: [{ ...sd.paramGroups[0]!, weight_decay: 0 }, sd.paramGroups[1]!] })).toThrow(
      /unknown option 'weight_decay'; did you mean 'weightDecay'/,
    );
    expect(() => fresh().loadStateDict({ ...sd, paramGroups: [{ ...sd.paramGroups[0]!, lr: -1 }, sd.paramGroups[1]!] })).toThrow(/invalid learning rate \(lr\) -1/);
    // A failed load leaves the optimizer as it was.
    stepOnce(dst.opt, dst.params);
    const before = dst.opt.stateDict();
    expect(() => dst.opt.loadStateDict({ ...sd, state: { ...sd.state, 1: { ...sd.state[1]!, gradAvg: zeros([9]) } } })).toThrow(/'gradAvg' has shape \[9\]/);
    expect(dst.opt.stateDict().state[0]!.squareAvg).toBe(before.state[0]!.squareAvg);
    expect(() => dst.opt.loadStateDict(null as never)).toThrow(/expected a state dict \{ state, paramGroups \}/);
  });

  it('restores a model + optimizer + scheduler checkpoint, metadata included', () => {
    const model = new nn.Linear(2, 1);
    const opt = new optim.SGD(model.parameters(), 0.1, { momentum: 0.9 });
    const sched = new optim.lrScheduler.StepLR(opt, 2);
    for (let i = 0; i < 3; i++) {
      stepOnce(opt, model.parameters());
      sched.step();
    }
    const bytes = optim.serializeCheckpoint({ model, optimizer: opt, scheduler: sched, metadata: { epoch: '3' } });
    // The file is a plain safetensors state dict too: the model's keys as they are, the optimizer's under optimizer.
    expect([...nn.deserializeStateDict(bytes).keys()]).toEqual(['weight', 'bias', 'optimizer.state.0.momentumBuffer', 'optimizer.state.1.momentumBuffer']);
    const ck = optim.deserializeCheckpoint(bytes);
    expect(ck.metadata).toEqual({ epoch: '3' });
    const model2 = new nn.Linear(2, 1);
    model2.loadStateDict(ck.model);
    const opt2 = new optim.SGD(model2.parameters(), 0.5);
    opt2.loadStateDict(ck.optimizer!);
    const sched2 = new optim.lrScheduler.StepLR(opt2, 5);
    sched2.loadStateDict(ck.scheduler!);
    expect([sched2.stepSize, sched2.lastEpoch, sched2.getLastLr()]).toEqual([2, 3, sched.getLastLr()]);
    expect(opt2.paramGroups[0]!.momentum).toBe(0.9);
    expect(() => optim.serializeCheckpoint({ model, optimiser: opt } as never)).toThrow("serializeCheckpoint: unknown part 'optimiser'; the parts are model, optimizer, scheduler and metadata.");
  });
});

describe('new optimizers: options and misuse', () => {
  const p = (): Tensor => zeros([2], { requiresGrad: true });
  it('take lr positionally or in the options, with PyTorch defaults', () => {
    expect(new optim.RMSprop([p()]).paramGroups[0]).toMatchObject({ lr: 1e-2, alpha: 0.99, eps: 1e-8, momentum: 0, centered: false });
    expect(new optim.Adagrad([p()]).paramGroups[0]).toMatchObject({ lr: 1e-2, lrDecay: 0, eps: 1e-10, initialAccumulatorValue: 0 });
    expect(new optim.Adamax([p()]).paramGroups[0]).toMatchObject({ lr: 2e-3, betas: [0.9, 0.999], eps: 1e-8 });
    expect(new optim.NAdam([p()]).paramGroups[0]).toMatchObject({ lr: 2e-3, momentumDecay: 4e-3 });
    expect(new optim.RAdam([p()], 0.5).paramGroups[0]).toMatchObject({ lr: 0.5, betas: [0.9, 0.999] });
    expect(new optim.LBFGS([p()]).paramGroups[0]).toMatchObject({
      lr: 1, maxIter: 20, maxEval: 25, toleranceGrad: 1e-7, toleranceChange: 1e-9, historySize: 100, lineSearchFn: null,
    });
    expect(new optim.LBFGS([p()], 1, { maxIter: 9 }).paramGroups[0]!.maxEval).toBe(11);
  });

  it('reject bad values and unknown options, naming them', () => {
    expect(() => new optim.RMSprop([p()], -1)).toThrow(/RMSprop: invalid learning rate \(lr\) -1/);
    expect(() => new optim.RMSprop([p()], { alpha: -0.5 })).toThrow(/RMSprop: invalid alpha -0.5/);
    expect(() => new optim.Adagrad([p()], { lr_decay: 0.1 } as never)).toThrow(/unknown option 'lr_decay'; did you mean 'lrDecay'/);
    expect(() => new optim.Adamax([p()], { betas: [0.9, 1] })).toThrow(/Adamax: invalid beta2 \(betas\[1\]\) 1/);
    expect(() => new optim.NAdam([p()], { momentumDecay: -1 })).toThrow(/NAdam: invalid momentumDecay -1/);
    expect(() => new optim.RAdam([p()], 0.1, { lr: 0.2 })).toThrow(/RAdam: lr given twice/);
    expect(() => new optim.LBFGS([p()], { lineSearchFn: 'strong_wolfe' } as never)).toThrow(/option 'lineSearchFn' must be one of 'strongWolfe', null/);
    expect(() => new optim.LBFGS([{ params: [p()] }, { params: [p()] }])).toThrow(/LBFGS doesn't support per-parameter options \(parameter groups\)/);
    expect(() => new optim.LBFGS([p()]).step()).toThrow(/LBFGS.step: needs a closure that re-evaluates the model and returns the loss/);
    const x = p();
    const lbfgs = new optim.LBFGS([x]);
    expect(() => lbfgs.step(() => 'loss' as never)).toThrow("LBFGS.step: the closure must return the loss (a tensor or a number), got the string 'loss'.");
  });

  it('L-BFGS stops at once when the gradient is already below toleranceGrad', () => {
    const x = tensor([1, 1], { dtype: 'float64', requiresGrad: true });
    const opt = new optim.LBFGS([x]);
    let calls = 0;
    opt.step(() => {
      calls++;
      opt.zeroGrad();
      const l = x.sub(1).square().sum();
      l.backward();
      return l;
    });
    expect([calls, opt.state.get(x)!.nIter]).toEqual([1, 0]);
  });
});
