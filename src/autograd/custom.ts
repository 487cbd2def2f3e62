import type { DifferentiableOp } from '../ops/define.js';
import { fmtShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { noGrad } from './grad-mode.js';
import { runOp } from './record.js';

/** The context of a custom op's forward: keep tensors for backward. */
export interface CustomForwardCtx {
  /** Keep these tensors for `backward`, which finds them in `ctx.saved` in the same order. */
  saveForBackward(...tensors: Tensor[]): void;
}

/** The context of a custom op's backward and JVP rules. */
export interface CustomBackwardCtx {
  /** What forward saved, in order. */
  readonly saved: readonly Tensor[];
  /** Which inputs need a gradient (backward only; return null for the others). */
  readonly needsInputGrad: readonly boolean[];
}

/** The context of a custom op's JVP rule: its inputs and output. */
export interface CustomJvpCtx {
  /** The op's inputs (their tangents come as the rule's second argument). */
  readonly inputs: readonly Tensor[];
  /** The op's output, as `forward` returned it. */
  readonly output: Tensor;
}

/** A user-defined primitive: forward kernel plus derivative rules, like `torch.autograd.Function`. */
export interface CustomOpSpec {
  /** Used in gradFn names and errors, e.g. 'softplus' → SoftplusBackward0. */
  readonly name: string;
  /** Computes the output from the inputs; runs without recording, so any tensor ops may be used. */
  forward(ctx: CustomForwardCtx, ...inputs: Tensor[]): Tensor;
  /** The vector-Jacobian product: one gradient per input (null where none). Write it with tensor ops to allow higher order. */
  backward(ctx: CustomBackwardCtx, grad: Tensor): Tensor | readonly (Tensor | null)[] | null;
  /** The Jacobian-vector product, for forward mode (optional): the output's tangent from the inputs' (null = zero). */
  jvp?(ctx: CustomJvpCtx, ...tangents: (Tensor | null)[]): Tensor | null;
}

/**
 * Define a new differentiable primitive from a forward function and its backward (and optionally JVP)
 * rule, the way `torch.autograd.Function` works. The result is checked by `gradcheck` like any built-in op.
 *
 * @example
 * ```ts
 * const softplus = customOp({
 *   name: 'softplus',
 *   forward: (ctx, x) => { ctx.saveForBackward(x); return x.relu().add(x.abs().neg().exp().add(1).log()); },
 *   backward: ({ saved: [x] }, g) => [g.mul(x!.sigmoid())],
 * });
 * softplus(tensor([0, 1], { requiresGrad: true })).sum().backward();
 * ```
 */
export function customOp(spec: CustomOpSpec): (...inputs: Tensor[]) => Tensor {
  if (spec === null || typeof spec !== 'object' || typeof spec.name !== 'string' || typeof spec.forward !== 'function' || typeof spec.backward !== 'function') {
    throw new Error("customOp: expected { name: string, forward(ctx, ...inputs), backward(ctx, grad), jvp?(ctx, ...tangents) }.");
  }
  const rule = spec.jvp;
  // The same entry type as the op table's: ctx first in every rule, as in torch.autograd.Function.
  const op: DifferentiableOp<void, readonly Tensor[]> = {
    name: spec.name,
    doc: `The custom op '${spec.name}'.`,
    example: `${spec.name}(x)`,
    userCode: true,
    differentiable: true,
    call: (run, ...inputs) => {
      inputs.forEach((t, i) => {
        if (!(t instanceof Tensor)) throw new Error(`customOp '${spec.name}': input ${i} is not a Tensor.`);
      });
      return run(inputs, undefined);
    },
    forward: (ctx, inputs) => {
      const out = noGrad(() => spec.forward({ saveForBackward: (...ts) => ctx.save(...ts) }, ...inputs));
      if (!(out instanceof Tensor)) throw new Error(`customOp '${spec.name}': forward must return a Tensor.`);
      return out.gradFn === null && !inputs.includes(out) ? out : out.detach();
    },
    backward: (ctx, g) => {
      const r = spec.backward({ saved: ctx.saved as readonly Tensor[], needsInputGrad: ctx.needsInputGrad }, g);
      const grads = r === null || !Array.isArray(r) ? [r as Tensor | null] : (r as readonly (Tensor | null)[]);
      if (grads.length !== ctx.inputShapes.length) {
        throw new Error(
          `customOp '${spec.name}': backward returned ${grads.length} gradient${grads.length === 1 ? '' : 's'}, expected ` +
            `${ctx.inputShapes.length} (one per input of shapes ${ctx.inputShapes.map(fmtShape).join(', ')}; use null where there is none).`,
        );
      }
      return grads;
    },
    jvp: (ctx, tangents) => {
      if (!rule) throw new Error(`jvp: the custom op '${spec.name}' has no forward-mode (JVP) rule; give it a jvp(ctx, ...tangents).`);
      return rule({ inputs: ctx.inputs, output: ctx.output }, ...tangents);
    },
    flops: () => 0,
  };
  return (...inputs: Tensor[]) => op.call((ins, attrs) => runOp(op, ins, attrs), ...inputs);
}
