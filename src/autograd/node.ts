import type { DType } from '../dtype.js';
import type { Shape } from '../shape.js';
import { fmtShape } from '../shape.js';
import type { RegionGrad } from './region-grad.js';

/** What a node records of each input: its shape and dtype (a node never keeps its inputs themselves). */
export interface TensorMeta {
  readonly shape: Shape;
  readonly dtype: DType;
}

/**
 * A hook on a gradient, declared as a method so that its parameter compares bivariantly: a `Node<Tensor>` is
 * then usable where a `Node` of the default type is expected.
 */
type GradHook<T> = { hook(grad: T): T | void }['hook'];

/**
 * A node of the backward graph (PyTorch's `grad_fn`): one per recorded operation, plus one `AccumulateGrad`
 * per leaf that requires grad. `nextFunctions[i]` is the node that receives the gradient for input `i`
 * (null where that input needs no gradient). `T` is the tensor type (`Tensor`); the class is generic so that
 * this module does not depend on the tensor module, which refers to it.
 *
 * @example
 * ```ts
 * const y = x.mul(2).exp();
 * y.gradFn?.name;                      // 'ExpBackward0'
 * y.gradFn?.nextFunctions[0]?.name;    // 'MulBackward0'
 * ```
 */
export abstract class Node<T extends TensorMeta = TensorMeta> {
  /** Tensor hooks of the tensor this node produced, run on its gradient before `apply`. @internal */
  preHooks: GradHook<T>[] | null = null;
  /** @internal the last graph walk that reached this node (see graph.ts). */
  _seen = 0;
  /** @internal */ _needed = 0;
  /** @internal */ _bufferWalk = 0;
  /** @internal the gradient summed so far during a walk. */ _buffer: T | null = null;
  /**
   * @internal true while `_buffer` is a tensor the engine made for this walk and nobody else holds, so that a
   * `RegionGrad` may be added into it in place.
   */
  _bufferOwned = false;
  private mask: readonly boolean[] | null = null;
  /** Where the forward op was called, recorded under anomaly detection. */
  forwardStack: string | undefined = undefined;
  /** Shapes and dtypes of the inputs, to reduce and cast each input's gradient in one place. @internal */
  readonly inputShapes: readonly Shape[];
  readonly inputDTypes: readonly DType[];

  constructor(
    readonly name: string,
    readonly nextFunctions: readonly (Node<T> | null)[],
    inputs: readonly TensorMeta[],
  ) {
    const n = inputs.length;
    const shapes = new Array<Shape>(n), dtypes = new Array<DType>(n);
    for (let i = 0; i < n; i++) {
      shapes[i] = inputs[i]!.shape;
      dtypes[i] = inputs[i]!.dtype;
    }
    this.inputShapes = shapes;
    this.inputDTypes = dtypes;
  }

  /** Which inputs take a gradient in a full backward (those with a node). @internal */
  edgeMask(): readonly boolean[] {
    return (this.mask ??= this.nextFunctions.map((c) => c !== null));
  }

  /**
   * Compute the gradients of the inputs from the gradient of the output: a tensor, or a `RegionGrad` (zero outside
   * one region of the input), or null. @internal
   */
  abstract apply(grad: T, needsInputGrad: readonly boolean[]): readonly (T | RegionGrad<T> | null | undefined)[];

  /** True when `apply` runs user code, whose gradients may be held elsewhere (see `OpDef.userCode`). @internal */
  get userCode(): boolean {
    return false;
  }

  /** Drop what the node saved for backward. @internal */
  release(): void {}

  /** The tensors this node keeps for backward (empty once released). */
  get savedTensors(): readonly T[] {
    return [];
  }

  toString(): string {
    return `<${this.name}>`;
  }
}

/**
 * The sink for a leaf's gradient: adds it into `variable.grad` (PyTorch's `AccumulateGrad`).
 *
 * @example
 * ```ts
 * x.mul(2).gradFn?.nextFunctions[0]; // AccumulateGrad for x
 * ```
 */
export class AccumulateGrad<T extends TensorMeta = TensorMeta> extends Node<T> {
  constructor(readonly variable: T) {
    super('AccumulateGrad', [], [variable]);
  }

  apply(): readonly (T | null)[] {
    // The engine accumulates: it knows whether to build a graph for the sum (createGraph).
    return [];
  }
}

/**
 * The error thrown when a node's saved tensors are needed after they were released.
 *
 * @example
 * ```ts
 * throw releasedGraphError('MulBackward0');
 * ```
 */
export function releasedGraphError(name: string): Error {
  return new Error(
    `${name}: trying to backward through the graph a second time (or to read saved tensors after they were ` +
      `freed). Saved intermediate values are freed when you call backward() or grad(). Pass ` +
      `{ retainGraph: true } to the first backward() or grad() call if you need to backward through the graph again.`,
  );
}

/**
 * The error thrown when a saved tensor was modified in place after it was saved.
 *
 * @example
 * ```ts
 * throw versionError('MulBackward0', t, 0, 1);
 * ```
 */
export function versionError(name: string, t: TensorMeta, savedVersion: number, version: number): Error {
  return new Error(
    `${name}: one of the tensors needed for gradient computation has been modified by an in-place operation: ` +
      `tensor of shape ${fmtShape(t.shape)} and dtype ${t.dtype} is at version ${version}; expected ` +
      `version ${savedVersion}. Use an out-of-place operation (e.g. x.add(y) instead of x.add_(y)) or clone() the ` +
      `tensor before modifying it. Hint: detectAnomaly() shows the forward operation that saved it.`,
  );
}
