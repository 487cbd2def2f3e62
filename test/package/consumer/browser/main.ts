// A page bundled from the installed package: ops before and after `await ready()`, a small model trained with
// Adam, and what the page saw for test/package/run.ts (globalThis.adjointResult).
import { getBackend, nn, optim, ready, tensor } from 'adjoint';

interface Result {
  error?: string;
  backendBefore?: string;
  early?: number[];
  ready?: string;
  late?: number[];
  grad?: number[];
  losses?: [number, number];
  refusals?: number;
}

const result: Result = {};
try {
  // Before ready(): the first op compiles the kernels synchronously, or, where the page refuses that, runs on
  // the TypeScript kernels.
  const big = tensor(Float32Array.from({ length: 4096 }, (_, i) => Math.sin(i)));
  result.backendBefore = getBackend().name;
  result.early = Array.from(big.exp().data().subarray(0, 8));
  result.ready = await ready();
  result.late = Array.from(big.exp().data().subarray(0, 8));

  const x = tensor([1, 2, 3], { requiresGrad: true });
  x.mul(x).sum().backward();
  result.grad = x.grad?.toArray() as number[];

  // XOR with a 2-8-1 network and Adam.
  const model = new nn.Sequential(new nn.Linear(2, 8), new nn.Tanh(), new nn.Linear(8, 1));
  const opt = new optim.Adam(model.parameters(), 0.05);
  const xs = tensor([[0, 0], [0, 1], [1, 0], [1, 1]]), ys = tensor([[0], [1], [1], [0]]);
  let first = 0, last = 0;
  for (let i = 0; i < 200; i++) {
    opt.zeroGrad();
    const loss = model.forward(xs).sub(ys).square().mean();
    loss.backward();
    opt.step();
    if (i === 0) first = loss.item();
    last = loss.item();
  }
  result.losses = [first, last];
} catch (e) {
  result.error = e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e);
}
result.refusals = (globalThis as { syncCompileRefusals?: number }).syncCompileRefusals ?? 0;
document.getElementById('out')!.textContent = JSON.stringify(result, null, 2);
(globalThis as { adjointResult?: unknown }).adjointResult = result;
