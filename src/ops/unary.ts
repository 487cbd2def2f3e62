import { zerosLike } from '../creation.js';
import type { UnaryKernel } from '../kernels/backend.js';
import type { Tensor } from '../tensor.js';
import { reluBackward, sigmoidBackward, tanhBackward } from './binary.js';
import { apply, defineOp, type OpDef } from './registry.js';
import { unaryKernel } from './unary-kernel.js';

type Saves = 'input' | 'output' | 'none';

function unaryOp(name: UnaryKernel, saves: Saves, backward?: (g: Tensor, saved: Tensor) => Tensor): OpDef<void> {
  return defineOp<void>({
    name,
    forward: ([x], _, ctx) => {
      const y = unaryKernel(name, x!);
      if (ctx.recording && saves !== 'none') ctx.save(saves === 'input' ? x! : y);
      return y;
    },
    flops: (_: readonly Tensor[], out: Tensor) => out.size,
    // Elementwise, so the Jacobian is diagonal: the same rule maps a gradient backward and a tangent forward.
    ...(backward
      ? {
          backward: (g: Tensor, { saved }: { saved: readonly Tensor[] }) => [backward(g, saved[0]!)],
          jvp: ([t]: readonly (Tensor | null)[], { inputs: [x], output }: { inputs: readonly Tensor[]; output: Tensor }) =>
            t ? backward(t, saves === 'input' ? x! : output) : null,
        }
      : {}),
  });
}

// Derivative rules, one line each, in terms of the saved input x or the saved output y.
export const negOp = unaryOp('neg', 'none', (g) => g.neg());
export const expOp = unaryOp('exp', 'output', (g, y) => g.mul(y));
export const logOp = unaryOp('log', 'input', (g, x) => g.div(x));
export const sqrtOp = unaryOp('sqrt', 'output', (g, y) => g.div(y.mul(2)));
export const absOp = unaryOp('abs', 'input', (g, x) => g.mul(x.sign()));
export const sinOp = unaryOp('sin', 'input', (g, x) => g.mul(x.cos()));
export const cosOp = unaryOp('cos', 'input', (g, x) => g.mul(x.sin()).neg());
// tanh, sigmoid and relu take their gradient in one fused op each (PyTorch's tanh_backward, sigmoid_backward
// and threshold_backward), which are primitives with their own rules, so they differentiate again.
export const tanhOp = unaryOp('tanh', 'output', (g, y) => tanhBackward(g, y));
export const sigmoidOp = unaryOp('sigmoid', 'output', (g, y) => sigmoidBackward(g, y));
export const reluOp = unaryOp('relu', 'output', (g, y) => reluBackward(g, y));
// Piecewise constant: PyTorch records it with a zero gradient, so sign(x).sum().backward() works.
export const signOp = unaryOp('sign', 'none', (g) => zerosLike(g));

const call = (op: OpDef<void>) => (x: Tensor): Tensor => apply(op, [x], undefined);

/** `-x`. @example `neg(x)` */
export const neg = call(negOp);
/** `eˣ`. @example `exp(x)` */
export const exp = call(expOp);
/** Natural logarithm. @example `log(x)` */
export const log = call(logOp);
/** Square root. @example `sqrt(x)` */
export const sqrt = call(sqrtOp);
/** Absolute value; its gradient at 0 is 0. @example `abs(x)` */
export const abs = call(absOp);
/** Sine. @example `sin(x)` */
export const sin = call(sinOp);
/** Cosine. @example `cos(x)` */
export const cos = call(cosOp);
/** Hyperbolic tangent. @example `tanh(x)` */
export const tanh = call(tanhOp);
/** Logistic sigmoid `1 / (1 + e⁻ˣ)`, stable for large |x|. @example `sigmoid(x)` */
export const sigmoid = call(sigmoidOp);
/** `max(x, 0)`; its gradient at 0 is 0. @example `relu(x)` */
export const relu = call(reluOp);
/** -1, 0 or 1 by the sign of x (0 for NaN and -0, as in PyTorch); its gradient is zero. @example `sign(x)` */
export const sign = call(signOp);
