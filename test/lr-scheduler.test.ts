// Every learning-rate scheduler against PyTorch 1.13's sequences (scripts/oracle/optim.py →
// test/fixtures/optim-schedulers.json), plus resume, state dicts and misuse.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { optim, zeros, type Tensor } from '../src/index.js';

const S = optim.lrScheduler;
interface Case {
  name: string;
  optimizer: 'SGD' | 'Adam';
  lrs: number[][];
  momentum?: number[][];
}
const F = JSON.parse(readFileSync(new URL('./fixtures/optim-schedulers.json', import.meta.url), 'utf8')) as {
  metrics: number[];
  cases: Case[];
  warmRestartsEpochs: { epochs: number[]; lrs: number[][] };
  closedForm: { name: string; epochs: number[]; lrs: number[][] }[];
};

type Opt = optim.lrScheduler.SchedulerOptimizer;
type Sched = optim.lrScheduler.LRScheduler | optim.lrScheduler.ReduceLROnPlateau;
const lambdaFactor = (epoch: number): number => 0.9 ** epoch + 1 / (epoch + 1);
const MAKE: Record<string, (o: Opt) => Sched> = {
  'StepLR': (o) => new S.StepLR(o, 3, { gamma: 0.5 }),
  'MultiStepLR': (o) => new S.MultiStepLR(o, [2, 5, 5, 9], { gamma: 0.3 }),
  'ConstantLR': (o) => new S.ConstantLR(o, { factor: 0.4, totalIters: 3 }),
  'LinearLR': (o) => new S.LinearLR(o, { startFactor: 0.25, totalIters: 4 }),
  'LinearLR decreasing': (o) => new S.LinearLR(o, { startFactor: 1, endFactor: 0.1, totalIters: 7 }),
  'ExponentialLR': (o) => new S.ExponentialLR(o, 0.9),
  'PolynomialLR': (o) => new S.PolynomialLR(o, { totalIters: 6, power: 2 }),
  'LambdaLR': (o) => new S.LambdaLR(o, lambdaFactor),
  'LambdaLR per group': (o) => new S.LambdaLR(o, [lambdaFactor, (e) => 1 / (1 + e)]),
  'MultiplicativeLR': (o) => new S.MultiplicativeLR(o, (e) => (e % 2 ? 0.95 : 1.02)),
  'CosineAnnealingLR': (o) => new S.CosineAnnealingLR(o, 5, { etaMin: 0.001 }),
  'CosineAnnealingLR long': (o) => new S.CosineAnnealingLR(o, 50),
  'CosineAnnealingWarmRestarts': (o) => new S.CosineAnnealingWarmRestarts(o, 3, { tMult: 2, etaMin: 0.01 }),
  'CosineAnnealingWarmRestarts T_mult 1': (o) => new S.CosineAnnealingWarmRestarts(o, 4),
  'OneCycleLR': (o) => new S.OneCycleLR(o, [0.5, 0.2], { totalSteps: 20 }),
  'OneCycleLR linear three phase': (o) => new S.OneCycleLR(o, 0.3, {
    epochs: 3, stepsPerEpoch: 5, annealStrategy: 'linear', threePhase: true, divFactor: 10, finalDivFactor: 100, pctStart: 0.25,
  }),
  'OneCycleLR Adam': (o) => new S.OneCycleLR(o, 0.01, { totalSteps: 12, baseMomentum: 0.8, maxMomentum: [0.9, 0.95] }),
  'SequentialLR warmup cosine': (o) => new S.SequentialLR(o, [new S.LinearLR(o, { startFactor: 0.1, totalIters: 3 }), new S.CosineAnnealingLR(o, 6)], [3]),
  'SequentialLR three': (o) => new S.SequentialLR(o, [
    new S.ConstantLR(o, { factor: 0.5, totalIters: 2 }), new S.ExponentialLR(o, 0.8), new S.StepLR(o, 2, { gamma: 0.5 }),
  ], [2, 6]),
  'ChainedScheduler': (o) => new S.ChainedScheduler([new S.ConstantLR(o, { factor: 0.1, totalIters: 2 }), new S.ExponentialLR(o, 0.9)]),
  'ReduceLROnPlateau': (o) => new S.ReduceLROnPlateau(o, 'min', { factor: 0.5, patience: 2, cooldown: 1, minLr: [0.01, 0.02] }),
  'ReduceLROnPlateau max abs': (o) => new S.ReduceLROnPlateau(o, 'max', { factor: 0.3, patience: 1, threshold: 0.05, thresholdMode: 'abs' }),
};

function makeOptimizer(kind: 'SGD' | 'Adam'): Opt {
  const p1 = zeros([2], { requiresGrad: true }), p2 = zeros([1], { requiresGrad: true });
  const groups = [{ params: [p1], lr: 0.1 }, { params: [p2], lr: 0.05 }];
  return (kind === 'Adam' ? new optim.Adam(groups) : new optim.SGD(groups, 0.1, { momentum: 0.9 })) as unknown as Opt;
}

function momenta(opt: Opt, kind: 'SGD' | 'Adam'): number[] {
  return opt.paramGroups.map((g) => (kind === 'Adam' ? (g as unknown as { betas: number[] }).betas[0]! : (g as unknown as { momentum: number }).momentum));
}

/** Each value within 4 units in the last place of PyTorch's (the libm cosines may differ by one ulp). */
function expectUlps(got: number[][], want: number[][], what: string): void {
  expect(got.length, what).toBe(want.length);
  got.forEach((row, i) => row.forEach((v, j) => {
    const w = want[i]![j]!;
    expect(Math.abs(v - w), `${what}, step ${i}, group ${j}: ${v} vs PyTorch's ${w}`).toBeLessThanOrEqual(4 * Number.EPSILON * Math.abs(w));
  }));
}

describe('learning-rate schedulers match PyTorch', () => {
  it.each(F.cases.map((c) => [c.name, c] as const))('%s', (name, c) => {
    const opt = makeOptimizer(c.optimizer);
    const sched = MAKE[name]!(opt);
    const lrs = [opt.paramGroups.map((g) => g.lr)];
    const moms = [momenta(opt, c.optimizer)];
    for (let i = 0; i < c.lrs.length - 1; i++) {
      opt.step();
      if (sched instanceof S.ReduceLROnPlateau) sched.step(F.metrics[i]!);
      else sched.step();
      lrs.push(sched.getLastLr());
      moms.push(momenta(opt, c.optimizer));
    }
    expectUlps(lrs, c.lrs, name);
    if (c.momentum) expectUlps(moms, c.momentum, `${name} momentum`);
  });

  it('covers every scheduler the issue names', () => {
    const names = new Set(F.cases.map((c) => c.name.split(' ')[0]));
    for (const n of ['StepLR', 'MultiStepLR', 'ExponentialLR', 'CosineAnnealingLR', 'CosineAnnealingWarmRestarts', 'LinearLR', 'OneCycleLR', 'LambdaLR',
      'SequentialLR', 'ReduceLROnPlateau']) expect(names.has(n), n).toBe(true);
  });

  it('CosineAnnealingWarmRestarts stepped with fractional epochs', () => {
    const p = zeros([1], { requiresGrad: true });
    const opt = new optim.SGD([p], 0.1);
    const sched = new S.CosineAnnealingWarmRestarts(opt, 3, { tMult: 2, etaMin: 0.001 });
    const lrs = F.warmRestartsEpochs.epochs.map((e) => {
      sched.step(e);
      return sched.getLastLr();
    });
    expectUlps(lrs, F.warmRestartsEpochs.lrs, 'fractional epochs');
  });

  it.each(F.closedForm.map((c) => [c.name, c] as const))('%s.step(epoch) uses the closed form', (name, c) => {
    const p = zeros([1], { requiresGrad: true });
    const opt = new optim.SGD([p], 0.1) as unknown as Opt;
    const sched = MAKE[name]!(opt);
    if (sched instanceof S.ReduceLROnPlateau) throw new Error('not a closed form');
    const lrs = c.epochs.map((e) => {
      sched.step(e);
      return sched.getLastLr();
    });
    expectUlps(lrs, c.lrs, name);
  });
});

describe('scheduler state', () => {
  it('a schedule resumes exactly from the optimizer and scheduler state dicts, through the bytes of a checkpoint', () => {
    const run = (split: boolean): number[] => {
      let opt = makeOptimizer('SGD');
      let warm = new S.LinearLR(opt, { startFactor: 0.1, totalIters: 3 });
      let sched = new S.SequentialLR(opt, [warm, new S.CosineAnnealingLR(opt, 6)], [3]);
      const out: number[] = [];
      for (let i = 0; i < 12; i++) {
        if (split && i === 5) {
          const ck = optim.deserializeCheckpoint(optim.serializeCheckpoint({ optimizer: opt, scheduler: sched }));
          opt = makeOptimizer('SGD');
          opt.loadStateDict(ck.optimizer!);
          warm = new S.LinearLR(opt, { startFactor: 0.1, totalIters: 3 });
          sched = new S.SequentialLR(opt, [warm, new S.CosineAnnealingLR(opt, 6)], [3]);
          sched.loadStateDict(ck.scheduler!);
          opt.loadStateDict(ck.optimizer!);
        }
        opt.step();
        sched.step();
        out.push(...sched.getLastLr());
      }
      return out;
    };
    expect(run(true)).toEqual(run(false));
  });

  it('ReduceLROnPlateau state survives JSON (best = Infinity)', () => {
    const opt = makeOptimizer('SGD');
    const sched = new S.ReduceLROnPlateau(opt);
    const ck = optim.deserializeCheckpoint(optim.serializeCheckpoint({ scheduler: sched }));
    expect(ck.scheduler!.best).toBe(Infinity);
    const again = new S.ReduceLROnPlateau(opt, 'max');
    again.loadStateDict(ck.scheduler!);
    expect([again.mode, again.best, again.modeWorse]).toEqual(['min', Infinity, Infinity]);
  });

  it('records initialLr in the groups, and resuming with lastEpoch needs it', () => {
    const opt = makeOptimizer('SGD');
    new S.StepLR(opt, 2);
    expect(opt.paramGroups.map((g) => g.initialLr)).toEqual([0.1, 0.05]);
    expect(() => new S.StepLR(makeOptimizer('SGD'), 2, { lastEpoch: 3 })).toThrow(
      /StepLR: param 'initialLr' is not specified in paramGroups\[0\] when resuming an optimizer/,
    );
    // Resuming at epoch 3 of a StepLR(2): the next step (epoch 4) decays from the group's current lr.
    const sched = new S.StepLR(opt, 2, { lastEpoch: 3, gamma: 0.5 });
    expect(sched.getLastLr()).toEqual([0.05, 0.025]);
  });
});

describe('scheduler misuse', () => {
  it('names the problem', () => {
    const opt = makeOptimizer('SGD');
    expect(() => new S.StepLR({} as Opt, 2)).toThrow(/StepLR: an object .* is not an Optimizer|StepLR: .* is not an Optimizer/);
    expect(() => new S.StepLR(opt, 0)).toThrow('StepLR: stepSize must be an integer >= 1, got the number 0.');
    expect(() => new S.StepLR(opt, 2, { step_size: 3 } as never)).toThrow(/unknown option 'step_size'/);
    expect(() => new S.LambdaLR(opt, [(e) => e])).toThrow('LambdaLR: expected 2 lrLambda functions (one per parameter group), but got 1.');
    expect(() => new S.OneCycleLR(opt, 0.1)).toThrow('OneCycleLR: you must define either totalSteps OR (epochs AND stepsPerEpoch).');
    const one = new S.OneCycleLR(opt, 0.1, { totalSteps: 2 });
    one.step();
    one.step();
    expect(() => one.step()).toThrow('OneCycleLR: tried to step 4 times. The specified number of total steps is 2.');
    const other = makeOptimizer('SGD');
    expect(() => new S.SequentialLR(opt, [new S.StepLR(other, 2), new S.StepLR(opt, 2)], [2])).toThrow(
      /SequentialLR expects all schedulers to belong to the same optimizer, but got schedulers at index 0/,
    );
    expect(() => new S.SequentialLR(opt, [new S.StepLR(opt, 2)], [2])).toThrow(/one more than the number of milestone points/);
    expect(() => new S.ReduceLROnPlateau(opt, { factor: 1 })).toThrow('ReduceLROnPlateau: factor should be < 1.0, got 1.');
    expect(() => new S.ReduceLROnPlateau(opt).step(zeros([2]) as Tensor)).toThrow(/metrics must be a number or a one-element tensor/);
    expect(() => new S.CosineAnnealingWarmRestarts(opt, 2, { tMult: 0 })).toThrow(/expected an integer tMult >= 1/);
    expect(() => new S.StepLR(opt, 2).loadStateDict({ stepsize: 3 })).toThrow(/StepLR.loadStateDict: unknown key 'stepsize'/);
  });
});
