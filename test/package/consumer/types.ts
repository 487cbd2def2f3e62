// A TypeScript consumer of the installed package, type-checked under moduleResolution "bundler" and "node16"
// with skipLibCheck off, so the published .d.ts files are checked too. Never run: only compiled.
import { func, nn, optim, ready, tensor, zeros, type DType, type NestedArray, type Tensor } from 'adjoint';
import { load, save } from 'adjoint/node';

const x: Tensor = tensor([1, 2, 3], { requiresGrad: true });
const loss: Tensor = x.mul(x).sum();
loss.backward();
const grad: Tensor | null = x.grad;
const dtype: DType = x.dtype;
const values: NestedArray = zeros([2, 3]).toArray();

const model = new nn.Sequential(new nn.Linear(3, 4), new nn.ReLU(), new nn.Linear(4, 1));
const opt = new optim.Adam(model.parameters(), 1e-3);
const out: Tensor = model.forward(tensor([[1, 2, 3]]));
opt.zeroGrad();
out.sum().backward();
opt.step();

const df = func.grad((t: Tensor) => t.sin().sum());
const backend: Promise<string> = ready();

// The types are real, not `any`: each of these is an error, and an unused @ts-expect-error is one too.
// @ts-expect-error a string is not a tensor
x.mul('two');
// @ts-expect-error tensor options are camelCase
tensor([1], { requires_grad: true });
// @ts-expect-error ready() resolves to the backend's name, not a number
const wrong: Promise<number> = ready();

export async function roundTrip(path: string): Promise<void> {
  await save(model, path);
  model.loadStateDict(await load(path));
}

export { backend, df, dtype, grad, values, wrong };
