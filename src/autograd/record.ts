// Running an entry of the op table: compute its forward through the backend and, when grad mode is on and an
// input requires grad, record a node holding what its backward rule needs. Loading this module installs the op
// table's functions and Tensor methods (ops/methods.ts), so no op can run before every method exists.
import type { BackwardCtx, Caller, ForwardCtx, OpDef, Run } from '../ops/define.js';
import { DeviceSupportError } from '../kernels/backend.js';
import { releaseTemporary } from '../ops/buffers.js';
import { installOps, type Functions } from '../ops/methods.js';
import { sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { engineObservers } from './events.js';
import { setTangent, tangentOf, whilePaused } from './forward-ad.js';
import { gradEdge } from './graph.js';
import { setGradEnabled } from './grad-mode.js';
import { FORWARD, GRAD_OFF, modeBits, OBSERVED, SAVED_HOOKS } from './mode.js';
import { Node, releasedGraphError, versionError } from './node.js';
import type { RegionGrad } from './region-grad.js';
import { currentSavedTensorsHooks, type SavedTensorsHooks } from './saved-hooks.js';

const NOT_RECORDING: ForwardCtx = { recording: false, needsInputGrad: [], save() {}, saveOwned() {} };

// The saved-tensor hooks in force, read only when the mode bits say some are (the plain path tests one bit).
const activeSavedHooks = (): SavedTensorsHooks | undefined => ((modeBits & SAVED_HOOKS) === 0 ? undefined : currentSavedTensorsHooks());

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

const NOTHING_SAVED: (Tensor | Packed | null)[] = Object.freeze([]) as unknown as (Tensor | Packed | null)[];

/** A saved tensor handed to saved-tensor hooks: what `pack` made of it, and the hooks that unpack it. */
class Packed {
  constructor(
    readonly hooks: SavedTensorsHooks,
    readonly packed: unknown,
  ) {}
}

/**
 * A recorded application of an op: holds the saved tensors until backward releases them. One is made per
 * recorded op, so it holds as little as it can: no array until a rule saves something, and the saved tensors'
 * versions only when one is not 0 (a tensor that was never written in place).
 */
class OpNode<A> extends Node<Tensor> implements ForwardCtx, BackwardCtx<A> {
  private savedList: (Tensor | Packed | null)[] | null = NOTHING_SAVED;
  /** The storage version of each saved tensor when it was saved, where one is not 0; null when all are. */
  private versions: number[] | null = null;

  /** Saved tensors that only this node holds (`saveOwned`), given back to the backend by `release`; else null. */
  private owned: Tensor[] | null = null;

  /** In backward, which inputs the engine asks a gradient for (in forward, those with a node: `edgeMask`). */
  private needs: readonly boolean[] | null = null;

  constructor(readonly op: OpDef<A, readonly unknown[], unknown>, readonly attrs: A, next: (Node<Tensor> | null)[], inputs: readonly Tensor[]) {
    super(next, inputs);
  }

  get name(): string {
    return nodeName(this.op.name);
  }

  get needsInputGrad(): readonly boolean[] {
    return this.needs ?? this.edgeMask();
  }

  get recording(): boolean {
    return true;
  }

  get call(): Caller {
    return callOp;
  }

  override get userCode(): boolean {
    return this.op.userCode === true;
  }

  save(...tensors: (Tensor | null)[]): void {
    const hooks = activeSavedHooks();
    if (this.savedList === NOTHING_SAVED && hooks === undefined) {
      // The first save keeps its own argument list: a fresh array, and exactly the size needed.
      this.savedList = tensors;
      for (let i = 0; i < tensors.length; i++) {
        const t = tensors[i]!;
        if (t !== null && t.storage.version !== 0) this.setVersion(i, t.storage.version);
      }
      return;
    }
    if (this.savedList === NOTHING_SAVED) this.savedList = [];
    const list = this.savedList!;
    for (const t of tensors) {
      if (hooks && t !== null) {
        // Packed under noGrad, as PyTorch does: ops in a pack hook (t.clone(), t.to(...)) must not be recorded,
        // or they would save tensors and call the hook again, forever.
        const prev = setGradEnabled(false);
        let packed: unknown;
        try {
          packed = hooks.pack(t);
        } finally {
          setGradEnabled(prev);
        }
        list.push(new Packed(hooks, packed));
      } else {
        if (t !== null && t.storage.version !== 0) this.setVersion(list.length, t.storage.version);
        list.push(t);
      }
    }
  }

  saveOwned(...tensors: Tensor[]): void {
    this.save(...tensors);
    // A pack hook may keep what it is given.
    if (activeSavedHooks() === undefined) (this.owned ??= []).push(...tensors);
  }

  private setVersion(i: number, version: number): void {
    const vs = (this.versions ??= []);
    while (vs.length < i) vs.push(0);
    vs[i] = version;
  }

  get saved(): readonly (Tensor | null)[] {
    const list = this.savedList;
    if (list === null) throw releasedGraphError(this.name);
    const versions = this.versions;
    let out: (Tensor | Packed | null)[] = list;
    for (let i = 0; i < list.length; i++) {
      const t = list[i]!;
      if (t === null) continue;
      if (t instanceof Packed) {
        if (out === list) out = list.slice();
        out[i] = t.hooks.unpack(t.packed);
      } else {
        const v = versions === null ? 0 : versions[i] ?? 0;
        if (t.storage.version !== v) throw versionError(this.name, t, v, t.storage.version);
      }
    }
    return out as readonly (Tensor | null)[];
  }

  override get savedTensors(): readonly Tensor[] {
    // Whoever reads them may keep them.
    this.owned = null;
    const list = this.savedList ?? [];
    const out: Tensor[] = [];
    for (const t of list) {
      // A hooked entry is reported as what its packed value holds (a checkpoint's handle holds its inputs).
      if (t instanceof Packed) out.push(...(t.hooks.kept ? t.hooks.kept(t.packed) : t.packed instanceof Tensor ? [t.packed] : []));
      else if (t !== null) out.push(t);
    }
    return out;
  }

  apply(grad: Tensor, needsInputGrad: readonly boolean[]): readonly (Tensor | RegionGrad<Tensor> | null | undefined)[] {
    this.needs = needsInputGrad;
    const op = this.op;
    if (!op.differentiable) throw new Error(`${this.name}: ${op.name} has no derivative.`);
    return op.backward(this, grad);
  }

  override release(): void {
    // Nodes that saved nothing can run again safely, as in PyTorch; only the others become unusable.
    if (this.savedList !== null && this.savedList.length > 0) {
      this.savedList = null;
      this.versions = null;
    }
    const owned = this.owned;
    if (owned !== null) {
      this.owned = null;
      for (const t of owned) releaseTemporary(t);
    }
  }
}

/**
 * Run an entry of the op table on `inputs` with `attrs`: its forward, a recorded node when grad mode is on and
 * an input requires grad, and its tangent when forward-mode AD is active. Observers (the profiler) see it.
 *
 * @example
 * ```ts
 * runOp(OP_TABLE.exp, [x], undefined);
 * ```
 */
export function runOp<A>(op: OpDef<A, readonly unknown[], unknown>, inputs: readonly Tensor[], attrs: A): Tensor {
  // The plain path (grad mode on, nothing observing, no forward mode, no saved-tensor hooks): one test.
  if (modeBits === 0) {
    try {
      return op.differentiable ? record(op, inputs, attrs) : op.forward(NOT_RECORDING, inputs, attrs);
    } catch (e) {
      throw namedDeviceError(e, op.name);
    }
  }
  const observers = engineObservers<Tensor>();
  if (observers.length === 0) return run(op, inputs, attrs);
  for (const o of observers) o.opStart?.(op.name);
  let out: Tensor | null = null;
  try {
    out = run(op, inputs, attrs);
    return out;
  } finally {
    const result = out;
    for (const o of observers) o.opEnd?.(op.name, result, () => (result ? op.flops(inputs, result, attrs) : 0), inputs, attrs);
  }
}

function run<A>(op: OpDef<A, readonly unknown[], unknown>, inputs: readonly Tensor[], attrs: A): Tensor {
  let out: Tensor;
  try {
    out = op.differentiable && (modeBits & GRAD_OFF) === 0 ? record(op, inputs, attrs) : op.forward(NOT_RECORDING, inputs, attrs);
  } catch (e) {
    throw namedDeviceError(e, op.name);
  }
  if ((modeBits & FORWARD) !== 0 && op.differentiable) pushTangent(op, inputs, attrs, out);
  return out;
}

/** A kernel the device lacks: name the op that needed it (the innermost one), not the backend method. */
function namedDeviceError(e: unknown, op: string): unknown {
  return e instanceof DeviceSupportError && e.op === undefined ? new DeviceSupportError(e.kernel, e.device, op) : e;
}

function pushTangent<A>(op: OpDef<A, readonly unknown[], unknown>, inputs: readonly Tensor[], attrs: A, out: Tensor): void {
  let any = false;
  const tangents = inputs.map((t) => {
    const tt = tangentOf(t);
    if (tt) any = true;
    return tt;
  });
  if (!any || !op.differentiable) return;
  const rule = op;
  let t = whilePaused(() => rule.jvp({ attrs, inputs, output: out, call: callOp }, tangents));
  if (t === null) return;
  t = whilePaused(() => {
    let r = t!;
    if (!sameShape(r.shape, out.shape)) r = r.expand(out.shape);
    return r.dtype === out.dtype ? r : r.to(out.dtype);
  });
  setTangent(out, t);
}

/** The forward of a differentiable op with grad mode on: recorded when an input requires grad. */
function record<A>(op: OpDef<A, readonly unknown[], unknown>, inputs: readonly Tensor[], attrs: A): Tensor {
  const n = inputs.length;
  let next: (Node<Tensor> | null)[] | null = null;
  // The edges to the inputs' nodes, and whether there is any: one pass, and an array only when there is.
  if (n === 1) {
    const e0 = gradEdge(inputs[0]!);
    if (e0 !== null) next = [e0];
  } else if (n === 2) {
    const e0 = gradEdge(inputs[0]!), e1 = gradEdge(inputs[1]!);
    if (e0 !== null || e1 !== null) next = [e0, e1];
  } else {
    for (let i = 0; i < n; i++) {
      const e = gradEdge(inputs[i]!);
      if (e !== null && next === null) {
        next = new Array<Node<Tensor> | null>(n);
        for (let j = 0; j < i; j++) next[j] = null;
      }
      if (next !== null) next[i] = e;
    }
  }
  if (next === null) return op.forward(NOT_RECORDING, inputs, attrs);
  const node = new OpNode(op, attrs, next, inputs);
  if ((modeBits & OBSERVED) !== 0) for (const o of engineObservers<Tensor>()) o.recorded?.(node);
  const out = op.forward(node as unknown as ForwardCtx, inputs, attrs);
  out._gradFn = node;
  // A view made while recording is differentiable: if its base is written in place later, it is replayed.
  if (out._base !== null) out._viewVersion = out.storage.version;
  return out;
}

// One run function per entry, made on first use: `call` hands entries to each other by their public signature.
const runs = new Map<unknown, Run<never>>();

function runOf<A>(op: OpDef<A, readonly unknown[], unknown>): Run<A> {
  let r = runs.get(op) as Run<A> | undefined;
  if (r === undefined) {
    r = (inputs, attrs) => runOp(op, inputs, attrs);
    runs.set(op, r as Run<never>);
  }
  return r;
}

/**
 * Call an entry of the op table by its public signature (what rules and composites use for ops without a
 * method).
 *
 * @example
 * ```ts
 * callOp(OP_TABLE.cat, [a, b], 0);
 * ```
 */
export const callOp: Caller = <A, Args extends readonly unknown[], R>(op: OpDef<A, Args, R>, ...args: Args): R =>
  op.call(runOf(op as unknown as OpDef<A, readonly unknown[], unknown>), ...args);

/**
 * The functions of every op (primitives, composites, in-place ops), by name; the Tensor methods are installed
 * with them. `ops/api.generated.ts` exports each one under its name.
 *
 * @example
 * ```ts
 * FUNCTIONS.exp === exp;          // the generated export is this function
 * typeof tensor(1).exp;           // 'function': installed once this module has loaded
 * ```
 */
export const FUNCTIONS: Functions = installOps(callOp, (op) => runOf(op));
