// Section 6: how much of the graph exists and how much of it runs, for one batch through the MLP, five ways:
// backward(), grad() of the last layer only, a detached first layer, a frozen first layer, and noGrad.
import {
  AccumulateGrad, grad, manualSeed, nn, noGrad, profile, randint, randn, savedBytes, type Node, type Tensor,
} from '../../src/index.js';
import { busy, bytes, nextFrame, row } from './util.js';

/** Op nodes (not AccumulateGrad) reachable from `t.gradFn`: what the forward recorded. */
function recordedNodes(t: Tensor): number {
  const seen = new Set<Node>();
  const stack = t.gradFn ? [t.gradFn] : [];
  while (stack.length) {
    const n = stack.pop()!;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const next of n.nextFunctions) if (next) stack.push(next);
  }
  return [...seen].filter((n) => !(n instanceof AccumulateGrad)).length;
}

/** Backward nodes that ran during `fn`, counted by the profiler. */
function nodesRun(fn: () => void): number {
  return profile(fn).records.reduce((n, r) => n + r.backwardCalls, 0);
}

export interface PruningRow {
  readonly what: string;
  readonly recorded: number;
  readonly saved: number;
  readonly ran: number | null;
  readonly grads: string;
}

export function measurePruning(): PruningRow[] {
  manualSeed(2);
  const fc1 = new nn.Linear(784, 128), fc2 = new nn.Linear(128, 10);
  const x = randn([64, 784]);
  const labels = randint(0, 10, [64], { dtype: 'int32' });
  const params = { 'fc1.weight': fc1.weight, 'fc1.bias': fc1.bias!, 'fc2.weight': fc2.weight, 'fc2.bias': fc2.bias! };
  const lossOf = (h: Tensor): Tensor => nn.functional.crossEntropy(fc2.forward(h), labels);
  const clear = (): void => {
    for (const p of Object.values(params)) p.grad = null;
  };
  const withGrad = (): string => {
    const names = Object.entries(params).filter(([, p]) => p.grad !== null).map(([n]) => n);
    return names.length === 4 ? 'all four .grad' : names.length ? names.map((n) => `${n}.grad`).join(', ') : 'no .grad';
  };
  const rows: PruningRow[] = [];

  clear();
  let loss = lossOf(fc1.forward(x).relu());
  let recorded = recordedNodes(loss), saved = savedBytes(loss);
  let ran = nodesRun(() => loss.backward());
  rows.push({ what: 'loss.backward()', recorded, saved, ran, grads: withGrad() });

  clear();
  loss = lossOf(fc1.forward(x).relu());
  recorded = recordedNodes(loss);
  saved = savedBytes(loss);
  let dW: Tensor | null = null;
  ran = nodesRun(() => {
    dW = grad(loss, [fc2.weight])[0] ?? null;
  });
  rows.push({ what: 'grad(loss, [fc2.weight])', recorded, saved, ran, grads: dW ? `returns ∂loss/∂fc2.weight; ${withGrad()}` : '—' });

  clear();
  loss = lossOf(fc1.forward(x).relu().detach());
  recorded = recordedNodes(loss);
  saved = savedBytes(loss);
  ran = nodesRun(() => loss.backward());
  rows.push({ what: 'fc1.forward(x).relu().detach()', recorded, saved, ran, grads: withGrad() });

  clear();
  fc1.weight.requiresGrad_(false);
  fc1.bias!.requiresGrad_(false);
  loss = lossOf(fc1.forward(x).relu());
  recorded = recordedNodes(loss);
  saved = savedBytes(loss);
  ran = nodesRun(() => loss.backward());
  rows.push({ what: 'fc1 frozen: requiresGrad_(false)', recorded, saved, ran, grads: withGrad() });
  fc1.weight.requiresGrad_(true);
  fc1.bias!.requiresGrad_(true);

  clear();
  const out = noGrad(() => lossOf(fc1.forward(x).relu()));
  rows.push({ what: 'noGrad(() => …)', recorded: recordedNodes(out), saved: savedBytes(out), ran: null, grads: 'no graph: nothing to differentiate' });
  return rows;
}

export function setupPruning(): void {
  const button = document.querySelector<HTMLButtonElement>('#pruning-run')!;
  const body = document.querySelector<HTMLTableSectionElement>('#pruning-table tbody')!;
  const status = document.querySelector<HTMLElement>('#pruning-status')!;
  const run = async (): Promise<void> => {
    await nextFrame();
    const rows = measurePruning();
    body.replaceChildren(...rows.map((r) => {
      const tr = row([r.what, r.recorded, bytes(r.saved), r.ran === null ? '—' : r.ran, r.grads]);
      tr.querySelector('th')!.classList.add('code');
      return tr;
    }));
    const [all, only] = rows;
    status.textContent = `grad() ran ${only!.ran} of the ${all!.ran} nodes backward() runs; detaching or freezing the first ` +
      `layer cut what the graph saved from ${bytes(all!.saved)} to ${bytes(rows[2]!.saved)}.`;
  };
  button.addEventListener('click', () => void busy(button, status, run));
}
