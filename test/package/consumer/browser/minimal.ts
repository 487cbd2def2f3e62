// The smallest useful page: a tensor, a product and its gradient. Its bundle size is README's figure.
import { mul, tensor } from 'adjoint';

const x = tensor(3, { requiresGrad: true });
const y = tensor(4);
mul(x, y).backward();
const result = { grad: x.grad?.item() };
document.getElementById('out')!.textContent = JSON.stringify(result);
(globalThis as { adjointResult?: unknown }).adjointResult = result;
