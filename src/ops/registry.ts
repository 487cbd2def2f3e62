import { AccumulateGrad, Node, releasedGraphError, versionError } from '../autograd/node.js';
import { isGradEnabled, setGradEnabled } from '../autograd/grad-mode.js';
import { isAnomalyEnabled } from '../autograd/anomaly.js';
import { forwardLevel, setTangent, tangentOf, whilePaused } from '../autograd/forward-ad.js';
import { sameShape } from '../shape.js';
import { activeProfile, bytesOf, profileForward } from '../autograd/profiler.js';
import type { DType } from '../dtype.js';
import type { Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { currentSavedTensorsHooks, type SavedTensorsHooks } from '../autograd/saved-hooks.js';

/** What a forward kernel may do besides computing: save tensors for its backward rule. */
export interface ForwardCtx {
  /** True when the op is being recorded, i.e. a backward will need what `save` keeps. */
  readonly recording: boolean;
  /** Keep tensors for the backward rule (a no-op when not recording). */
  save(...tensors: Tensor[]): void;
}

/** What a backward rule sees: the op's attributes, what forward saved, and which inputs need a gradient. */
export interface BackwardCtx<A> {
  readonly attrs: A;
  readonly saved: readonly Tensor[];
  readonly needsInputGrad: readonly boolean[];
  readonly inputShapes: readonly Shape[];
  readonly inputDTypes: readonly DType[];
}

/**
 * One entry of the op table: a primitive's forward kernel and its vector-Jacobian rule, side by side.
 * The rule is written with differentiable tensor ops, so gradients of gradients need nothing more.
 * A rule returns one gradient per input (null where none is needed) in the output gradient's shape or the
 * input's; the engine sums broadcast gradients back to each input's shape and casts to its dtype.
 * An op without `backward` is not differentiable (comparisons, argmax) and is never recorded.
 *
 * @example
 * ```ts
 * const exp = defineOp<void>({
 *   name: 'exp',
 *   forward: ([x], _, ctx) => { const y = unaryKernel('exp', x!); ctx.save(y); return y; },
 *   backward: (g, { saved: [y] }) => [g.mul(y!)],
 * });
 * ```
 */
export interface OpDef<A> {
  readonly name: string;
  forward(inputs: readonly Tensor[], attrs: A, ctx: ForwardCtx): Tensor;
  backward?(grad: Tensor, ctx: BackwardCtx<A>): readonly (Tensor | null | undefined)[];
  /**
   * The forward-mode rule: the output's tangent from the inputs' tangents (null for a zero tangent). It may
   * return a tangent that broadcasts to the output's shape.
   */
  jvp?(tangents: readonly (Tensor | null)[], ctx: JvpCtx<A>): Tensor | null;
  /** Floating-point operations of one forward call, for the profiler (optional). */
  flops?(inputs: readonly Tensor[], output: Tensor, attrs: A): number;
  /**
   * True when the rules are user code (`customOp`): the gradients they return may also be held elsewhere, so
   * the engine copies them before making one a leaf's `.grad`.
   */
  readonly userCode?: boolean;
}

/** What a JVP rule sees: the op's attributes, its inputs and its output. */
export interface JvpCtx<A> {
  readonly attrs: A;
  readonly inputs: readonly Tensor[];
  readonly output: Tensor;
}

/** A forward-mode rule: input tangents in (null = zero), the output's tangent out. */
export type JvpRule<A> = NonNullable<OpDef<A>['jvp']>;

/** A vector-Jacobian rule: output gradient in, one gradient per input out. */
export type BackwardRule<A> = NonNullable<OpDef<A>['backward']>;

const table = new Map<string, OpDef<never>>();

/**
 * Add a primitive to the op table and return it.
 *
 * @example
 * ```ts
 * export const neg = defineOp<void>({ name: 'neg', forward: ..., backward: (g) => [g.neg()] });
 * ```
 */
export function defineOp<A>(def: OpDef<A>): OpDef<A> {
  if (table.has(def.name)) throw new Error(`defineOp: an op named '${def.name}' is already in the op table.`);
  table.set(def.name, def as unknown as OpDef<never>);
  return def;
}

/**
 * The op table: every primitive, by name. Tests are generated from it.
 *
 * @example
 * ```ts
 * [...opTable().keys()]; // ['add', 'sub', 'mul', ...]
 * ```
 */
export function opTable(): ReadonlyMap<string, OpDef<never>> {
  return table;
}

// Stands in the saved list for a tensor handed to saved-tensor hooks, so the node does not keep it alive.
const PACKED = Tensor.fromArray(new Float32Array(0), [0], 'float32');

const NOT_RECORDING: ForwardCtx = { recording: false, save() {} };

const NODE_NAMES = new Map<string, string>();
// Computed once per op: a string built per node would be one more allocation on the hottest path.
function nodeName(op: string): string {
  let name = NODE_NAMES.get(op);
  if (name === undefined) {
    name = op.charAt(0).toUpperCase() + op.slice(1) + 'Backward0';
    NODE_NAMES.set(op, name);
  }
  return name;
}

/** A recorded application of an op: holds the saved tensors until backward releases them. */
const NOTHING_NEEDED: readonly boolean[] = Object.freeze([]);
const NOTHING_SAVED: Tensor[] = Object.freeze([]) as unknown as Tensor[];
const NO_VERSIONS: number[] = Object.freeze([]) as unknown as number[];

class OpNode<A> extends Node implements ForwardCtx, BackwardCtx<A> {
  needsInputGrad: readonly boolean[] = NOTHING_NEEDED;
  // Created on the first save: many ops (add, reshape, …) save nothing, and every field is paid per node.
  private savedList: Tensor[] | null = NOTHING_SAVED;
  private versions: number[] = NO_VERSIONS;
  /** Per saved entry, the hooks that packed it (then savedList holds a placeholder and `packed` the value). */
  private hooked: { hooks: SavedTensorsHooks; packed: unknown }[] | null = null;

  constructor(readonly op: OpDef<A>, readonly attrs: A, next: (Node | null)[], inputs: readonly Tensor[]) {
    super(nodeName(op.name), next, inputs);
  }

  get recording(): boolean {
    return true;
  }

  override get userCode(): boolean {
    return this.op.userCode === true;
  }

  save(...tensors: Tensor[]): void {
    if (this.savedList === NOTHING_SAVED) {
      this.savedList = [];
      this.versions = [];
    }
    const hooks = currentSavedTensorsHooks();
    if (hooks) {
      this.hooked ??= [];
      for (const t of tensors) {
        // Packed under noGrad, as PyTorch does: ops in a pack hook (t.clone(), t.to(...)) must not be recorded,
        // or they would save tensors and call the hook again, forever.
        const prev = setGradEnabled(false);
        let packed: unknown;
        try {
          packed = hooks.pack(t);
        } finally {
          setGradEnabled(prev);
        }
        this.hooked[this.savedList!.length] = { hooks, packed };
        this.savedList!.push(PACKED);
        this.versions.push(0);
      }
      return;
    }
    for (const t of tensors) {
      this.savedList!.push(t);
      this.versions.push(t.storage.version);
    }
  }

  get saved(): readonly Tensor[] {
    const list = this.savedList;
    if (list === null) throw releasedGraphError(this.name);
    if (this.hooked) {
      return list.map((t, i) => {
        const h = this.hooked![i];
        return h ? h.hooks.unpack(h.packed) : checkVersion(this.name, t, this.versions[i]!);
      });
    }
    for (let i = 0; i < list.length; i++) checkVersion(this.name, list[i]!, this.versions[i]!);
    return list;
  }

  override get savedTensors(): readonly Tensor[] {
    const list = this.savedList ?? [];
    if (!this.hooked) return list;
    // A hooked entry is reported as what its packed value holds (a checkpoint's handle holds its inputs).
    return list.flatMap((t, i) => {
      const h = this.hooked![i];
      if (!h) return [t];
      if (h.hooks.kept) return h.hooks.kept(h.packed);
      return h.packed instanceof Tensor ? [h.packed] : [];
    });
  }

  apply(grad: Tensor, needsInputGrad: readonly boolean[]): readonly (Tensor | null | undefined)[] {
    this.needsInputGrad = needsInputGrad;
    return this.op.backward!(grad, this);
  }

  override release(): void {
    // Nodes that saved nothing can run again safely, as in PyTorch; only the others become unusable.
    if (this.savedList !== null && this.savedList.length > 0) {
      this.savedList = null;
      this.hooked = null;
    }
  }
}

// The stack minus the library's own frames, so it points at the user's line.
function forwardStack(): string {
  const lines = (new Error().stack ?? '').split('\n').slice(1);
  const user = lines.filter((l) => !/[\\/]src[\\/](ops|autograd|tensor-methods)[\\/.]|[\\/]dist[\\/]/.test(l));
  return (user.length ? user : lines).join('\n');
}

function checkVersion(name: string, t: Tensor, version: number): Tensor {
  if (t.storage.version !== version) throw versionError(name, t, version);
  return t;
}

function edgeOf(t: Tensor): Node | null {
  if (t.gradFn !== null) return t.gradFn;
  if (!t._requiresGrad) return null;
  return (t._accumulator ??= new AccumulateGrad(t));
}

/**
 * Run an op: compute its forward and, when grad mode is on and an input requires grad, record a node.
 *
 * @example
 * ```ts
 * const y = apply(expOp, [x], undefined);
 * ```
 */
export function apply<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor {
  const prof = activeProfile();
  if (prof !== null) {
    return profileForward(prof, op.name, (out) => op.flops?.(inputs, out, attrs) ?? 0, () => run(op, inputs, attrs),
      (out) => (out.gradFn ? bytesOf(out.gradFn.savedTensors) : 0));
  }
  return run(op, inputs, attrs);
}

function run<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor {
  const out = record(op, inputs, attrs);
  if (forwardLevel() !== 0 && op.backward !== undefined) pushTangent(op, inputs, attrs, out);
  return out;
}

function pushTangent<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A, out: Tensor): void {
  let any = false;
  const tangents = inputs.map((t) => {
    const tt = tangentOf(t);
    if (tt) any = true;
    return tt;
  });
  if (!any) return;
  if (!op.jvp) throw new Error(`jvp: the op '${op.name}' has no forward-mode (JVP) rule.`);
  const rule = op.jvp;
  let t = whilePaused(() => rule(tangents, { attrs, inputs, output: out }));
  if (t === null) return;
  t = whilePaused(() => {
    let r = t!;
    if (!sameShape(r.shape, out.shape)) r = r.expand(out.shape);
    return r.dtype === out.dtype ? r : r.to(out.dtype);
  });
  setTangent(out, t);
}

function record<A>(op: OpDef<A>, inputs: readonly Tensor[], attrs: A): Tensor {
  if (op.backward !== undefined && isGradEnabled()) {
    let record = false;
    for (const t of inputs) if (t.requiresGrad) { record = true; break; }
    if (record) {
      const next = new Array<Node | null>(inputs.length);
      for (let i = 0; i < inputs.length; i++) next[i] = edgeOf(inputs[i]!);
      const node = new OpNode(op, attrs, next, inputs);
      if (isAnomalyEnabled()) node.forwardStack = forwardStack();
      const out = op.forward(inputs, attrs, node);
      out.gradFn = node;
      return out;
    }
  }
  return op.forward(inputs, attrs, NOT_RECORDING);
}

/**
 * The gradient node of a leaf tensor that requires grad (created on demand), or its `gradFn`.
 *
 * @example
 * ```ts
 * gradEdge(x); // AccumulateGrad for a leaf x
 * ```
 */
export function gradEdge(t: Tensor): Node | null {
  return edgeOf(t);
}
