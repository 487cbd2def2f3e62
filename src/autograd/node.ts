import type { DType } from '../dtype.js';
import type { Shape } from '../shape.js';
import { fmtShape } from '../shape.js';
import type { RegionGrad } from './region-grad.js';

/** What a node records of each input: its shape and dtype (a node never keeps its inputs themselves). */
export interface TensorMeta {
  /** The tensor's shape. */
  readonly shape: Shape;
  /** The tensor's dtype. */
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
  /**
   * @internal true while nothing but `_buffer` refers to its storage (a sum the engine made, or a gradient a rule
   * made for this node alone), so that the storage may go back to the backend once the buffer has been used.
   */
  _bufferExclusive = false;
  /**
   * @internal while `_buffer` is a buffer of zeros that only regions were copied into: their boxes (see
   * `regionBox`), so that a region apart from all of them is copied in, not added; null otherwise.
   */
  _regions: number[] | null = null;
  // What the node records of its inputs, to reduce and cast each input's gradient in one place: the first two
  // inputs' shapes and dtypes in fields, any others in one array (shape, dtype, shape, dtype, …). A node is made
  // for every recorded op, so it holds no array it can do without.
  private readonly s0: Shape | null;
  private readonly d0: DType | null;
  private readonly s1: Shape | null;
  private readonly d1: DType | null;
  private readonly more: readonly (Shape | DType)[] | null;

  constructor(
    /** Per input, the node that receives that input's gradient (null where none is needed). */
    readonly nextFunctions: readonly (Node<T> | null)[],
    inputs: readonly TensorMeta[],
  ) {
    const n = inputs.length;
    const a = n > 0 ? inputs[0]! : null, b = n > 1 ? inputs[1]! : null;
    this.s0 = a === null ? null : a.shape;
    this.d0 = a === null ? null : a.dtype;
    this.s1 = b === null ? null : b.shape;
    this.d1 = b === null ? null : b.dtype;
    let more: (Shape | DType)[] | null = null;
    if (n > 2) {
      more = new Array<Shape | DType>(2 * (n - 2));
      for (let i = 2; i < n; i++) {
        more[2 * i - 4] = inputs[i]!.shape;
        more[2 * i - 3] = inputs[i]!.dtype;
      }
    }
    this.more = more;
  }

  /** The node's name, PyTorch's (`MulBackward0`, `AccumulateGrad`). */
  abstract get name(): string;

  /** The shape of input `i` (what its gradient is reduced to). @internal */
  inputShape(i: number): Shape {
    return (i === 0 ? this.s0 : i === 1 ? this.s1 : (this.more?.[2 * i - 4] as Shape | undefined)) ?? missingInput(this, i);
  }

  /** The dtype of input `i` (what its gradient is cast to). @internal */
  inputDType(i: number): DType {
    return (i === 0 ? this.d0 : i === 1 ? this.d1 : (this.more?.[2 * i - 3] as DType | undefined)) ?? missingInput(this, i);
  }

  /** Number of inputs of the recorded op. */
  get inputCount(): number {
    return this.s0 === null ? 0 : this.s1 === null ? 1 : this.more === null ? 2 : 2 + this.more.length / 2;
  }

  /** Shapes of the inputs (a fresh array). */
  get inputShapes(): readonly Shape[] {
    const out: Shape[] = [];
    for (let i = 0, n = this.inputCount; i < n; i++) out.push(this.inputShape(i));
    return out;
  }

  /** Dtypes of the inputs (a fresh array). */
  get inputDTypes(): readonly DType[] {
    const out: DType[] = [];
    for (let i = 0, n = this.inputCount; i < n; i++) out.push(this.inputDType(i));
    return out;
  }

  /** Where the forward op was called, recorded under anomaly detection. */
  get forwardStack(): string | undefined {
    return forwardStacks.get(this);
  }

  /** Records (or, with undefined, forgets) where the forward op was called. */
  set forwardStack(stack: string | undefined) {
    if (stack === undefined) forwardStacks.delete(this);
    else forwardStacks.set(this, stack);
  }

  /** Which inputs take a gradient in a full backward (those with a node): a shared, frozen array. @internal */
  edgeMask(): readonly boolean[] {
    const next = this.nextFunctions;
    const n = next.length;
    if (n > MASK_INPUTS) return next.map((c) => c !== null);
    let bits = 0;
    for (let i = 0; i < n; i++) if (next[i] !== null) bits |= 1 << i;
    return MASKS[n]![bits]!;
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

  /** The node's name, as in `MulBackward0`. */
  toString(): string {
    return `<${this.name}>`;
  }
}

// Anomaly detection's record of where each node's forward op was called: kept beside the nodes, since only that
// mode writes it.
const forwardStacks = new WeakMap<object, string>();

function missingInput(node: { readonly name: string }, i: number): never {
  throw new Error(`${node.name}: the op has no input ${i}.`);
}

// The masks of nodes of up to MASK_INPUTS inputs, shared: MASKS[n][bits] has entry i true where bit i is set.
const MASK_INPUTS = 6;
const MASKS: readonly (readonly (readonly boolean[])[])[] = Array.from({ length: MASK_INPUTS + 1 }, (_, n) =>
  Array.from({ length: 1 << n }, (_, bits) => Object.freeze(Array.from({ length: n }, (_, i) => (bits & (1 << i)) !== 0))),
);

const NO_NEXT: readonly never[] = Object.freeze([]);

/**
 * The sink for a leaf's gradient: adds it into `variable.grad` (PyTorch's `AccumulateGrad`).
 *
 * @example
 * ```ts
 * x.mul(2).gradFn?.nextFunctions[0]; // AccumulateGrad for x
 * ```
 */
export class AccumulateGrad<T extends TensorMeta = TensorMeta> extends Node<T> {
  constructor(
    /** The leaf whose `.grad` this node fills. */
    readonly variable: T,
  ) {
    super(NO_NEXT, [variable]);
  }

  get name(): string {
    return 'AccumulateGrad';
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
