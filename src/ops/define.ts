import type { RegionGrad } from '../autograd/region-grad.js';
import type { DType } from '../dtype.js';
import type { Shape } from '../shape.js';
import type { Tensor } from '../tensor.js';

/** What a forward kernel may do besides computing: save tensors for its backward rule. */
export interface ForwardCtx {
  /** True when the op is being recorded, i.e. a backward will need what `save` keeps. */
  readonly recording: boolean;
  /** Which inputs require grad (all false when not recording): save only what their gradients need. */
  readonly needsInputGrad: readonly boolean[];
  /** Keep tensors for the backward rule, by position (null for one it does not need; a no-op when not recording). */
  save(...tensors: (Tensor | null)[]): void;
  /**
   * `save` for tensors the forward made only to be saved (never returned, never an input, such as a convolution's
   * im2col columns): once backward releases the saved tensors, their storage goes back to the backend, unless
   * saved-tensor hooks took them or someone read the node's `savedTensors`.
   */
  saveOwned(...tensors: Tensor[]): void;
}

/**
 * Calls another entry of the op table by its public signature, recorded like any op call. Rules reach ops
 * without a Tensor method (`cat`, `fold`, `tanhBackward`, …) this way; the others read better as methods.
 */
export type Caller = <A, Args extends readonly unknown[], R>(op: OpDef<A, Args, R>, ...args: Args) => R;

/** What a backward rule sees: the op's attributes, what forward saved, and which inputs need a gradient. */
export interface BackwardCtx<A> {
  /** The op's attributes, as its `call` passed them to `run`. */
  readonly attrs: A;
  /** What forward saved, in order (null where it saved nothing in that position). */
  readonly saved: readonly (Tensor | null)[];
  /** Per input, whether its gradient is wanted: a rule may skip (return null for) the others. */
  readonly needsInputGrad: readonly boolean[];
  /** The inputs' shapes (the engine sums a gradient back to its input's shape). */
  readonly inputShapes: readonly Shape[];
  /** The inputs' dtypes. */
  readonly inputDTypes: readonly DType[];
  /** Run another op of the table (see `Caller`). */
  readonly call: Caller;
}

/** What a JVP rule sees: the op's attributes, its inputs and its output. */
export interface JvpCtx<A> {
  /** The op's attributes, as its `call` passed them to `run`. */
  readonly attrs: A;
  /** The op's inputs. */
  readonly inputs: readonly Tensor[];
  /** The op's output. */
  readonly output: Tensor;
  /** Run another op of the table (see `Caller`). */
  readonly call: Caller;
}

/** Runs an op through autograd (records it when needed): what an entry's `call` is handed. */
export type Run<A> = (inputs: readonly Tensor[], attrs: A) => Tensor;

/**
 * A vector-Jacobian rule: output gradient in, one gradient per input out (null where none is needed), in the
 * output gradient's shape or the input's; the engine sums broadcast gradients back to each input's shape and
 * casts to its dtype. Written with differentiable tensor ops, so gradients of gradients need nothing more. A
 * slicing view returns a `RegionGrad` (its gradient is zero outside the slice), which the engine adds into one
 * gradient buffer for the input.
 */
export type Backward<A> = (ctx: BackwardCtx<A>, grad: Tensor) => readonly (Tensor | RegionGrad<Tensor> | null | undefined)[];
/** A forward-mode rule: the inputs' tangents (null = zero) in, the output's tangent out (it may broadcast to the output). */
export type Jvp<A> = (ctx: JvpCtx<A>, tangents: readonly (Tensor | null)[]) => Tensor | null;

interface OpCommon<A, Args extends readonly unknown[], R> {
  /** The op's name: its gradFn is `<Name>Backward0`, its function and method are named after it. */
  readonly name: string;
  /** One sentence for the API reference (the generated export carries it). */
  readonly doc: string;
  /** A short call that shows the op in use. */
  readonly example: string;
  /**
   * The public call: check the arguments, turn them into inputs and attributes, and run the op with `run`.
   * The exported function is `(...args) => call(run, ...args)`, and the Tensor method passes the tensor first.
   */
  call(run: Run<A>, ...args: Args): R;
  /** The forward kernel: compute the output from the inputs through the backend, saving what the rules need. */
  forward(ctx: ForwardCtx, inputs: readonly Tensor[], attrs: A): Tensor;
  /** Floating-point operations of one forward call, for the profiler. */
  flops(inputs: readonly Tensor[], output: Tensor, attrs: A): number;
  /**
   * True when the rules are user code (`customOp`): the gradients they return may also be held elsewhere, so
   * the engine copies them before making one a leaf's `.grad`.
   */
  readonly userCode?: boolean;
}

/** A differentiable primitive: its backward (VJP) and forward-mode (JVP) rules are both required. */
export interface DifferentiableOp<A, Args extends readonly unknown[] = readonly [x: Tensor], R = Tensor> extends OpCommon<A, Args, R> {
  /** It has VJP and JVP rules. */
  readonly differentiable: true;
  /** The vector-Jacobian rule (see `Backward`). */
  backward(ctx: BackwardCtx<A>, grad: Tensor): readonly (Tensor | RegionGrad<Tensor> | null | undefined)[];
  /** The forward-mode rule (see `Jvp`). */
  jvp(ctx: JvpCtx<A>, tangents: readonly (Tensor | null)[]): Tensor | null;
}

/** A primitive with no derivative (comparisons, argmax): never recorded. */
export interface NonDifferentiableOp<A, Args extends readonly unknown[] = readonly [x: Tensor], R = Tensor> extends OpCommon<A, Args, R> {
  /** It has no gradient (comparisons, argmax, …): its output never requires grad. */
  readonly differentiable: false;
}

/**
 * One entry of the op table: a primitive's public call, forward kernel, derivative rules and cost, side by
 * side. A missing rule is a compile error (`differentiable: true` requires both `backward` and `jvp`).
 *
 * @example
 * ```ts
 * const expOp: OpDef<void> = {
 *   name: 'exp', doc: 'eˣ elementwise.', example: 'exp(x)', differentiable: true,
 *   call: (run, x: Tensor) => run([x], undefined),
 *   forward: (ctx, [x]) => { const y = unaryKernel('exp', x!); ctx.save(y); return y; },
 *   backward: ({ saved: [y] }, g) => [g.mul(y!)],
 *   jvp: ({ output }, [t]) => (t ? t.mul(output) : null),
 *   flops: (_, out) => out.size,
 * };
 * ```
 */
export type OpDef<A, Args extends readonly unknown[] = readonly [x: Tensor], R = Tensor> =
  | DifferentiableOp<A, Args, R>
  | NonDifferentiableOp<A, Args, R>;

/** Any entry of the op table, whatever its attributes and signature (method signatures compare bivariantly). @internal */
export type AnyOp = OpDef<unknown, readonly unknown[], unknown>;

/** The FLOP count of an elementwise op: one per output element. @example `flops: elementwiseFlops` */
export const elementwiseFlops = (_inputs: readonly Tensor[], output: Tensor): number => output.size;

/** The FLOP count of an op that only moves or views data. @example `flops: noFlops` */
export const noFlops = (): number => 0;
