// The smallest useful page: a tensor, a product and its gradient, with the methods alone (so the one module
// that installs them, listed in "sideEffects", must survive tree-shaking). Its bundle size is README's figure.
import { tensor } from 'adjoint';

const x = tensor(3, { requiresGrad: true });
x.mul(tensor(4)).backward();
const result = { grad: x.grad?.item() };
document.getElementById('out')!.textContent = JSON.stringify(result);
(globalThis as { adjointResult?: unknown }).adjointResult = result;
