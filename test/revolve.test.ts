import { describe, expect, it } from 'vitest';
import {
  checkpointSchedule, checkpointSequential, manualSeed, minAdvances, nn, planCheckpointSequential, randn, reversibleSteps,
  savedBytes, type ScheduleAction, type SequentialLayer, type Tensor,
} from '../src/index.js';

const N = 40, C = 5;

// The brute-force dynamic program over all split points, independent of the library's closed form:
// T(1, c) = 0, T(m, 0) = m(m − 1)/2, T(m, c) = min_k k + T(m − k, c − 1) + T(k, c).
const dp: number[][] = [];
for (let m = 1; m <= N; m++) {
  dp[m] = [];
  for (let c = 0; c <= C; c++) {
    let best = m === 1 ? 0 : Infinity;
    if (m > 1 && c === 0) best = (m * (m - 1)) / 2;
    else for (let k = 1; k < m; k++) best = Math.min(best, k + dp[m - k]![c - 1]! + dp[k]![c]!);
    dp[m]![c] = best;
  }
}
const T = (m: number, c: number): number => dp[m]![c]!;

// Whether m steps can be reversed with c snapshots advancing no step more than r times, over all schedules
// of revolve's recursive form (advance k, snapshot, reverse the tail with c − 1, then the head with c).
const feasibleMemo = new Map<string, boolean>();
function feasible(m: number, c: number, r: number): boolean {
  if (m === 1) return true;
  if (r === 0) return false;
  const key = `${m},${c},${r}`;
  let v = feasibleMemo.get(key);
  if (v === undefined) {
    v = false;
    for (let k = 1; k < m && !v; k++) v = (m - k === 1 || (c > 0 && feasible(m - k, c - 1, r))) && feasible(k, c, r - 1);
    feasibleMemo.set(key, v);
  }
  return v;
}

describe('the binomial schedule', () => {
  it('does as few forward recomputations as the brute-force DP, for every n ≤ 40 and c ≤ 5', () => {
    for (let n = 1; n <= N; n++) {
      for (let c = 0; c <= C; c++) {
        const s = checkpointSchedule(n, c);
        expect([n, c, s.advances]).toEqual([n, c, T(n, c)]);
        expect(minAdvances(n, c)).toBe(T(n, c));
        expect(s.evaluations).toBe(n + T(n, c));
        expect(s.peakSnapshots).toBeLessThanOrEqual(c);
      }
    }
  });

  it('β: reversibleSteps(c, r) is the longest chain reversible with r sweeps; the schedule needs no more sweeps', () => {
    for (let c = 0; c <= 4; c++) {
      for (let r = 0; r <= 4; r++) {
        let longest = 1;
        while (feasible(longest + 1, c, r)) longest++;
        expect([c, r, reversibleSteps(c, r)]).toEqual([c, r, longest]);
      }
    }
    for (let n = 1; n <= N; n++) {
      for (let c = 0; c <= C; c++) {
        let r = 0;
        while (reversibleSteps(c, r) < n) r++;
        expect(checkpointSchedule(n, c).sweeps).toBe(r);
      }
    }
  });

  it("the closed form T(m, c) = r·m − β(c + 2, r − 1) matches the DP (Griewank's formula, input counted)", () => {
    const binom = (a: number, b: number): number => (b < 0 || b > a ? 0 : b === 0 ? 1 : (binom(a - 1, b - 1) * a) / b);
    for (let m = 1; m <= N; m++) {
      for (let c = 0; c <= C; c++) {
        let r = 0;
        while (binom(c + 1 + r, c + 1) < m) r++;
        expect(r * m - (r === 0 ? 0 : binom(c + 1 + r, c + 2))).toBe(T(m, c));
      }
    }
  });

  it('is a valid execution: states exist when used, snapshots are freed, every step taped and reversed once, last to first', () => {
    for (let n = 1; n <= 25; n++) {
      for (let c = 0; c <= 4; c++) {
        const s = checkpointSchedule(n, c);
        const held = new Set<number>([0]);
        let at = 0;
        const reversed: number[] = [];
        s.actions.forEach((a: ScheduleAction, i) => {
          switch (a.kind) {
            case 'advance':
              expect(held.has(a.from) || at === a.from).toBe(true);
              expect(a.to).toBeGreaterThan(a.from);
              at = a.to;
              break;
            case 'snapshot':
              expect(a.at).toBe(at);
              held.add(a.at);
              break;
            case 'tape':
              expect(held.has(a.step) || at === a.step).toBe(true);
              // Only the step right before the already reversed part can be taped.
              expect(a.step).toBe(n - 1 - reversed.length);
              at = a.step + 1;
              break;
            case 'reverse':
              expect(s.actions[i - 1]).toEqual({ kind: 'tape', step: a.step });
              reversed.push(a.step);
              break;
            case 'free':
              expect(held.delete(a.at)).toBe(true);
              break;
          }
        });
        expect(reversed).toEqual(Array.from({ length: n }, (_, i) => n - 1 - i));
        expect([...held]).toEqual([0]);
        expect(s.actions[s.forwardActions - 1]).toEqual({ kind: 'tape', step: n - 1 });
      }
    }
  });

  it('matches the documented example', () => {
    const s = checkpointSchedule(4, 1);
    expect(s.actions.slice(0, 4)).toEqual([
      { kind: 'advance', from: 0, to: 2 }, { kind: 'snapshot', at: 2 }, { kind: 'advance', from: 2, to: 3 }, { kind: 'tape', step: 3 },
    ]);
    expect([s.advances, s.evaluations, minAdvances(16, 3), reversibleSteps(3, 2)]).toEqual([4, 8, 27, 15]);
    expect(() => checkpointSchedule(0, 1)).toThrow('checkpointSchedule: steps must be an integer ≥ 1, got 0.');
  });
});

/** Layers x ↦ tanh(x·wᵢ + 0.1) that count their evaluations. */
function countingChain(n: number, width = 4): { layers: SequentialLayer[]; weights: Tensor[]; count: () => number } {
  let evals = 0;
  const weights = Array.from({ length: n }, () => randn([width, width], { requiresGrad: true }).mul(0.5).detach().requiresGrad_(true));
  const layers = weights.map((w) => (x: Tensor): Tensor => {
    evals++;
    return x.matmul(w).add(0.1).tanh();
  });
  return { layers, weights, count: () => evals };
}

describe('checkpointSequential with { snapshots }', () => {
  it('evaluates the layers exactly n + minAdvances(n, c) times over forward + backward, n of them in the forward', () => {
    manualSeed(0);
    for (const n of [1, 2, 3, 5, 8, 13, 16, 21, 30]) {
      for (let c = 0; c <= 4; c++) {
        const { layers, count } = countingChain(n);
        const x = randn([3, 4], { requiresGrad: true });
        const y = checkpointSequential(layers, { snapshots: c }, x);
        expect([n, c, count()]).toEqual([n, c, n]);
        y.sum().backward();
        expect([n, c, count()]).toEqual([n, c, n + minAdvances(n, c)]);
        expect(count()).toBe(checkpointSchedule(n, c).evaluations);
      }
    }
  });

  it('keeps c layer outputs plus the last layer (its input and output) after the forward, and no more during backward', () => {
    manualSeed(1);
    const n = 40, A = 16 * 64 * 4;
    for (let c = 0; c <= 5; c++) {
      const layers = Array.from({ length: n }, () => new nn.Sequential(new nn.Linear(64, 64), new nn.Tanh()));
      const x = randn([16, 64]);
      let peak = 0;
      let y: Tensor | null = null;
      // A hook on every original layer output samples the graph's saved bytes as backward passes through it.
      const watched = layers.map((l) => (h: Tensor): Tensor => {
        const out = l.forward(h);
        if (out.requiresGrad) out.registerHook(() => { peak = Math.max(peak, savedBytes(y!)); });
        return out;
      });
      y = checkpointSequential(watched, { snapshots: c }, x);
      expect(savedBytes(y)).toBe((c + 2) * A);
      y.sum().backward();
      expect(peak).toBeGreaterThan(0);
      expect(peak).toBeLessThanOrEqual((c + 2) * A);
    }
  });
});

function linearTanh(n: number, width = 8): nn.Sequential[] {
  return Array.from({ length: n }, () => new nn.Sequential(new nn.Linear(width, width), new nn.Tanh()));
}

function grads(layers: readonly nn.Sequential[], x: Tensor, run: () => Tensor): number[][] {
  const params = [...layers.flatMap((l) => l.parameters()), x];
  for (const p of params) p.grad = null;
  run().square().sum().backward();
  return params.map((p) => Array.from(p.grad!.data()));
}

describe('every schedule gives the gradients of the plain chain', () => {
  it('none, segments, binomial with c = 1…4 (and 0), memory budgets: exactly equal', () => {
    manualSeed(2);
    const n = 13;
    const layers = linearTanh(n);
    const x = randn([5, 8], { requiresGrad: true });
    const plain = grads(layers, x, () => layers.reduce((h: Tensor, l) => l.forward(h), x));
    const strategies = [1, 3, 'sqrt', { snapshots: 0 }, { snapshots: 1 }, { snapshots: 2 }, { snapshots: 3 }, { snapshots: 4 }, { snapshots: 20 }] as const;
    for (const s of strategies) expect(grads(layers, x, () => checkpointSequential(layers, s, x))).toEqual(plain);
    const kinds = new Set<string>();
    for (const budget of [1e9, 6000, 3000, 2000, 1200, 900]) {
      kinds.add(planCheckpointSequential(layers, budget, x).kind);
      expect(grads(layers, x, () => checkpointSequential(layers, { memoryBudget: budget }, x))).toEqual(plain);
    }
    expect([...kinds].sort()).toEqual(['binomial', 'none', 'segments']);
  });

  it('with dropout: the planner\'s probe does not shift the random stream', () => {
    const n = 6;
    const make = (): nn.Sequential[] => {
      manualSeed(3);
      return Array.from({ length: n }, () => new nn.Sequential(new nn.Linear(8, 8), new nn.Dropout(0.3), new nn.Tanh()));
    };
    const a = make(), b = make();
    manualSeed(4);
    const x = randn([5, 8], { requiresGrad: true });
    manualSeed(5);
    const plain = grads(a, x, () => a.reduce((h: Tensor, l) => l.forward(h), x));
    manualSeed(5);
    expect(grads(b, x, () => checkpointSequential(b, { memoryBudget: 1500 }, x))).toEqual(plain);
  });
});

describe('the memory-budget planner', () => {
  it('never exceeds the budget (savedBytes after the forward) and takes the cheapest schedule that fits', () => {
    manualSeed(6);
    const n = 64, A = 32 * 32 * 4;
    const layers = linearTanh(n, 32);
    const x = randn([32, 32]);
    const plainBytes = savedBytes(layers.reduce((h: Tensor, l) => l.forward(h), x));
    let lastCost = -1;
    for (let budget = 60 * A; budget >= 3 * A; budget -= A / 2) {
      const p = planCheckpointSequential(layers, budget, x);
      const bytes = savedBytes(checkpointSequential(layers, { memoryBudget: budget }, x));
      expect(bytes).toBeLessThanOrEqual(budget);
      expect(bytes).toBeLessThanOrEqual(p.estimatedBytes);
      // A smaller budget never buys a cheaper schedule.
      expect(p.extraEvaluations).toBeGreaterThanOrEqual(lastCost);
      lastCost = p.extraEvaluations;
    }
    expect(planCheckpointSequential(layers, plainBytes * 2 + A, x)).toMatchObject({ kind: 'none', extraEvaluations: 0 });
    expect(planCheckpointSequential(layers, 20 * A, x).kind).toBe('segments');
    expect(planCheckpointSequential(layers, 9 * A, x)).toMatchObject({ kind: 'binomial', snapshots: 7, extraEvaluations: minAdvances(n, 7) });
    expect(planCheckpointSequential(layers, 2 * A, x)).toMatchObject({ kind: 'binomial', snapshots: 0 });
  });

  it('raises a clear error when no schedule fits', () => {
    manualSeed(7);
    const layers = linearTanh(10, 32);
    const x = randn([32, 32]);
    const call = (): Tensor => checkpointSequential(layers, { memoryBudget: 4000 }, x);
    expect(call).toThrow(/no checkpointing schedule keeps the saved tensors of these 10 layers within the memoryBudget of 4000 bytes/);
    expect(call).toThrow(/The least any schedule needs is about 8192 bytes .*Raise memoryBudget to at least 8192/);
    expect(() => checkpointSequential(layers, { memoryBudget: -1 }, x)).toThrow('memoryBudget must be a number of bytes ≥ 0, got -1.');
    expect(() => checkpointSequential(layers, { snapshots: 1.5 }, x)).toThrow('snapshots must be a non-negative integer, got 1.5.');
  });
});
