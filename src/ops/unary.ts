import type { UnaryKernel } from '../kernels/catalog.js';
import { Tensor } from '../tensor.js';
import { describe, zerosFor } from './buffers.js';
import { unaryKernel } from './elementwise.js';
import { BINARY_OPS } from './binary.js';
import { elementwiseFlops, type Caller, type DifferentiableOp } from './define.js';

/** Which value a unary rule needs: the input x, the output y, or nothing. */
type Saves = 'input' | 'output' | 'none';

/**
 * An elementwise op of one tensor: its kernel, what its rule needs, and the rule `dy = g · f'(·)` in terms of the
 * saved input or output. The Jacobian is diagonal, so the same rule maps a gradient backward and a tangent
 * forward.
 *
 * @example
 * ```ts
 * unaryOp('exp', 'output', (g, y) => g.mul(y), 'eˣ elementwise.', 'exp(x)');
 * ```
 */
export function unaryOp(name: UnaryKernel, saves: Saves, rule: (g: Tensor, saved: Tensor, call: Caller) => Tensor, doc: string,
  example: string, check?: (x: Tensor) => void): DifferentiableOp<void> {
  return {
    name, doc, example,
    differentiable: true,
    call: (run, x: Tensor) => {
      if (!(x instanceof Tensor)) throw new Error(`${name}: expected a Tensor, got ${describe(x)}.`);
      check?.(x);
      return run([x], undefined);
    },
    forward: (ctx, [x]) => {
      const y = unaryKernel(name, x!);
      if (ctx.recording && saves !== 'none') ctx.save(saves === 'input' ? x! : y);
      return y;
    },
    backward: ({ saved, call }, g) => [rule(g, saved[0]!, call)],
    jvp: ({ inputs: [x], output, call }, [t]) => (t ? rule(t, saves === 'input' ? x! : output, call) : null),
    flops: elementwiseFlops,
  };
}

// Derivative rules, one line each, in terms of the saved input x or the saved output y.
// tanh, sigmoid and relu take their gradient in one fused op each (PyTorch's tanh_backward, sigmoid_backward
// and threshold_backward), which are primitives with their own rules, so they differentiate again.
// sign is piecewise constant: PyTorch records it with a zero gradient, so sign(x).sum().backward() works.

/**
 * The unary elementwise primitives, one per kernel of the catalog (a compile error for a kernel without its op).
 * The type is declared rather than inferred, so that the Tensor methods derived from the table do not depend on
 * checking the rules, which call those methods.
 */
export const UNARY_OPS: Record<UnaryKernel, DifferentiableOp<void>> = {
  neg: unaryOp('neg', 'none', (g) => g.neg(), '`-x` elementwise (not for bool: use logicalNot).', 'neg(x)', (x) => {
    if (x.dtype === 'bool') {
      throw new Error('neg: Negation, the `-` operator, on a bool tensor is not supported. If you are trying to invert a mask, use logicalNot() instead (PyTorch\'s `~`).');
    }
  }),
  exp: unaryOp('exp', 'output', (g, y) => g.mul(y), '`eˣ` elementwise.', 'exp(x)'),
  log: unaryOp('log', 'input', (g, x) => g.div(x), 'Natural logarithm elementwise.', 'log(x)'),
  sqrt: unaryOp('sqrt', 'output', (g, y) => g.div(y.mul(2)), 'Square root elementwise.', 'sqrt(x)'),
  abs: unaryOp('abs', 'input', (g, x) => g.mul(x.sign()), 'Absolute value elementwise; its gradient at 0 is 0.', 'abs(x)'),
  sin: unaryOp('sin', 'input', (g, x) => g.mul(x.cos()), 'Sine elementwise.', 'sin(x)'),
  cos: unaryOp('cos', 'input', (g, x) => g.mul(x.sin()).neg(), 'Cosine elementwise.', 'cos(x)'),
  tanh: unaryOp('tanh', 'output', (g, y, call) => call(BINARY_OPS.tanhBackward, g, y), 'Hyperbolic tangent elementwise.', 'tanh(x)'),
  sigmoid: unaryOp('sigmoid', 'output', (g, y, call) => call(BINARY_OPS.sigmoidBackward, g, y), 'Logistic sigmoid `1 / (1 + e⁻ˣ)` elementwise, stable for large |x|.', 'sigmoid(x)'),
  relu: unaryOp('relu', 'output', (g, y, call) => call(BINARY_OPS.reluBackward, g, y), '`max(x, 0)` elementwise; its gradient at 0 is 0.', 'relu(x)'),
  sign: unaryOp('sign', 'none', (g) => zerosFor(g), '-1, 0 or 1 by the sign of x (0 for NaN and -0, as in PyTorch); its gradient is zero.', 'sign(x)'),
  erf: unaryOp('erf', 'input', (g, x) => g.mul(x.square().neg().exp().mul(2 / Math.sqrt(Math.PI))), 'The error function `2/√π ∫₀ˣ e^(−t²) dt` elementwise.', 'erf(x)'),
};
