// Node ESM: the installed package, both entries. Prints what it saw as JSON for test/package/run.ts.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getBackend, nn, optim, ready, tensor } from 'adjoint';
import { load, save } from 'adjoint/node';

const backend = await ready();
const x = tensor([1, 2, 3], { requiresGrad: true });
x.mul(x).sum().backward();

// A few steps of SGD on a line, and the model saved and loaded back through adjoint/node.
const model = new nn.Linear(1, 1);
const opt = new optim.SGD(model.parameters(), 0.1);
const xs = tensor([[0], [1], [2], [3]]), ys = tensor([[1], [3], [5], [7]]);
const losses = [];
for (let i = 0; i < 50; i++) {
  opt.zeroGrad();
  const l = model.forward(xs).sub(ys).square().mean();
  l.backward();
  opt.step();
  losses.push(l.item());
}
const dir = mkdtempSync(join(tmpdir(), 'adjoint-esm-'));
const path = join(dir, 'line.safetensors');
await save(model, path);
const copy = new nn.Linear(1, 1);
copy.loadStateDict(await load(path));
rmSync(dir, { recursive: true, force: true });

console.log(JSON.stringify({
  backend,
  current: getBackend().name,
  grad: x.grad?.toArray(),
  firstLoss: losses[0],
  lastLoss: losses.at(-1),
  reloaded: copy.forward(tensor([[10]])).item() === model.forward(tensor([[10]])).item(),
}));
