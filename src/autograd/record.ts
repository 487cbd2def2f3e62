// Running an entry of the op table: compute its forward through the backend and, when grad mode is on and an
// input requires grad, record a node holding what its backward rule needs. Loading this module installs the op
// table's functions and Tensor methods (ops/methods.ts), so no op can run before every method exists.
import type { BackwardCtx, Caller, ForwardCtx, OpDef, Run } from '../ops/define.js';
import { installOps, type Functions } from '../ops/methods.js';
import { sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { engineObservers } from './events.js';
import { forwardLevel, setTangent, tangentOf, whilePaused } from './forward-ad.js';
import { gradEdge } from './graph.js';
import { isGradEnabled, setGradEnabled } from './grad-mode.js';
import { Node, releasedGraphError, versionError } from './node.js';
import type { RegionGrad } from './region-grad.js';
import { currentSavedTensorsHooks, type SavedTensorsHooks } from './saved-hooks.js';

// Stands in the saved list for a tensor handed to saved-tensor hooks, or for one a rule does not need.
const NOTHING = null;

const NOT_RECORDING: ForwardCtx = { recording: false, needsInputGrad: [], save() {} };

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

const NOTHING_SAVED: (Tensor | null)[] = Object.freeze([]) as unknown as (Tensor | null)[];
const NO_VERSIONS: number[] = Object.freeze([]) as unknown as number[];

/** A recorded application of an op: holds the saved tensors until backward releases them. */
class OpNode<A> extends Node<Tensor> implements ForwardCtx, BackwardCtx<A> {
  // Created on the first save: many ops (add, reshape, …) save nothing, and every field is paid per node.
  private savedList: (Tensor | null)[] | null = NOTHING_SAVED;
  private versions: number[] = NO_VERSIONS;
  /** Per saved entry, the hooks that packed it (then savedList holds null and `packed` the value). */
  private hooked: ({ hooks: SavedTensorsHooks; packed: unknown } | undefined)[] | null = null;

  /** Which inputs need a gradient: in forward, those that require grad; in backward, what the engine asks for. */
  private needs: readonly boolean[] | null = null;

  constructor(readonly op: OpDef<A, readonly unknown[], unknown>, readonly attrs: A, next: (Node<Tensor> | null)[], inputs: readonly Tensor[]) {
    super(nodeName(op.name), next, inputs);
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
    if (this.savedList === NOTHING_SAVED) {
      this.savedList = [];
      this.versions = [];
    }
    const hooks = currentSavedTensorsHooks();
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
        (this.hooked ??= [])[this.savedList!.length] = { hooks, packed };
        this.savedList!.push(NOTHING);
        this.versions.push(0);
      } else {
        this.savedList!.push(t);
        this.versions.push(t === null ? 0 : t.storage.version);
      }
    }
  }

  get saved(): readonly (Tensor | null)[] {
    const list = this.savedList;
    if (list === null) throw releasedGraphError(this.name);
    if (this.hooked) {
      return list.map((t, i) => {
        const h = this.hooked![i];
        return h ? h.hooks.unpack(h.packed) : t === null ? null : checkVersion(this.name, t, this.versions[i]!);
      });
    }
    for (let i = 0; i < list.length; i++) {
      const t = list[i]!;
      if (t !== null) checkVersion(this.name, t, this.versions[i]!);
    }
    return list;
  }

  override get savedTensors(): readonly Tensor[] {
    const list = this.savedList ?? [];
    const out: Tensor[] = [];
    list.forEach((t, i) => {
      const h = this.hooked?.[i];
      // A hooked entry is reported as what its packed value holds (a checkpoint's handle holds its inputs).
      if (h) out.push(...(h.hooks.kept ? h.hooks.kept(h.packed) : h.packed instanceof Tensor ? [h.packed] : []));
      else if (t !== null) out.push(t);
    });
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
      this.hooked = null;
    }
  }
}

function checkVersion(name: string, t: Tensor, version: number): Tensor {
  if (t.storage.version !== version) throw versionError(name, t, version, t.storage.version);
  return t;
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
  const out = record(op, inputs, attrs);
  if (forwardLevel() !== 0 && op.differentiable) pushTangent(op, inputs, attrs, out);
  return out;
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

function record<A>(op: OpDef<A, readonly unknown[], unknown>, inputs: readonly Tensor[], attrs: A): Tensor {
  if (op.differentiable && isGradEnabled()) {
    let any = false;
    for (const t of inputs) if (t.requiresGrad) { any = true; break; }
    if (any) {
      const n = inputs.length;
      const next = new Array<Node<Tensor> | null>(n);
      for (let i = 0; i < n; i++) next[i] = gradEdge(inputs[i]!);
      const node = new OpNode(op, attrs, next, inputs);
      const observers = engineObservers<Tensor>();
      if (observers.length !== 0) for (const o of observers) o.recorded?.(node);
      const out = op.forward(node as unknown as ForwardCtx, inputs, attrs);
      out.gradFn = node;
      // A view made while recording is differentiable: if its base is written in place later, it is replayed.
      if (out._base !== null) out._viewVersion = out.storage.version;
      return out;
    }
  }
  return op.forward(NOT_RECORDING, inputs, attrs);
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
 * FUNCTIONS.exp(x);
 * ```
 */
export const FUNCTIONS: Functions = installOps(callOp, (op) => runOf(op));
