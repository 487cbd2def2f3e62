// The functional transforms under one namespace, JAX style: `func.grad(f)` returns a function, while the
// top-level `grad(outputs, inputs)` keeps PyTorch's meaning.
export { gradTransform as grad, valueAndGrad, jvp, vjp, jacobian, hessian, hvp } from './transforms.js';
