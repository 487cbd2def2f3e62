import { fmtShape } from '../shape.js';
import { apply, type OpDef } from '../ops/registry.js';
import type { Tensor } from '../tensor.js';
import { noGrad } from './grad-mode.js';

/** The context of a custom op's forward: keep tensors for backward. */
export interface CustomForwardCtx {
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
  readonly inputs: readonly Tensor[];
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
  const op: OpDef<void> = {
    name: spec.name,
    userCode: true,
    forward: (inputs, _, ctx) => {
      const out = noGrad(() => spec.forward({ saveForBackward: (...ts) => ctx.save(...ts) }, ...inputs));
      if (!out || typeof out !== 'object' || !('shape' in out)) {
        throw new Error(`customOp '${spec.name}': forward must return a Tensor.`);
      }
      return out.gradFn === null && !inputs.includes(out) ? out : out.detach();
    },
    backward: (g, ctx) => {
      const r = spec.backward({ saved: ctx.saved, needsInputGrad: ctx.needsInputGrad }, g);
      const grads = r === null || !Array.isArray(r) ? [r as Tensor | null] : (r as readonly (Tensor | null)[]);
      if (grads.length !== ctx.inputShapes.length) {
        throw new Error(
          `customOp '${spec.name}': backward returned ${grads.length} gradient${grads.length === 1 ? '' : 's'}, expected ` +
            `${ctx.inputShapes.length} (one per input of shapes ${ctx.inputShapes.map(fmtShape).join(', ')}; use null where there is none).`,
        );
      }
      return grads;
    },
  };
  if (spec.jvp) {
    const rule = spec.jvp;
    (op as { jvp?: OpDef<void>['jvp'] }).jvp = (tangents, { inputs, output }) => rule({ inputs, output }, ...tangents);
  }
  return (...inputs: Tensor[]) => apply(op, inputs, undefined);
}
