// Gradient checkpointing on top of saved-tensor hooks, after PyTorch's non-reentrant design
// (torch/utils/checkpoint.py, `_checkpoint_without_reentrant_generator`): the forward runs once, normally,
// except that every tensor an op saves for backward is replaced by its index; the first time backward asks
// for one of them, the function runs again from its inputs and the recomputed saved tensors, which come
// out in the same order, stand in for the originals. The graph itself is the ordinary one, so backward(),
// grad(), hooks and parameters used inside the function all work unchanged.
import type { DType } from '../dtype.js';
import { defaultGenerator } from '../random.js';
import { fmtShape, sameShape, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { enableGrad, isGradEnabled } from './grad-mode.js';
import { currentSavedTensorsHooks, savedTensorsHooks, type SavedTensorsHooks } from './saved-hooks.js';

/** An argument of the checkpointed function, as the frame keeps it until backward. */
type StoredInput =
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'tensor'; readonly tensor: Tensor; readonly version: number }
  // Under enclosing hooks (an outer checkpoint) the inputs are saved through them like any saved tensor,
  // so that a nested checkpoint's inputs are recomputed by the outer one instead of being kept alive.
  | { readonly kind: 'packed'; readonly hooks: SavedTensorsHooks; readonly packed: unknown };

function kept(hooks: SavedTensorsHooks, packed: unknown): readonly Tensor[] {
  if (hooks.kept) return hooks.kept(packed);
  return packed instanceof Tensor ? [packed] : [];
}

/** One call of `checkpoint`: what is needed to recompute it, and the recomputed tensors not yet used. */
class Frame {
  /** Shape and dtype of each tensor the forward saved, to catch a recomputation that differs. */
  private readonly shapes: Shape[] = [];
  private readonly dtypes: DType[] = [];
  /** The recomputed saved tensors; each slot is emptied once backward has taken it, to free it early. */
  private slots: (Tensor | undefined)[] | null = null;
  private remaining = 0;
  readonly hooks: SavedTensorsHooks;

  constructor(
    private readonly fn: (...args: never[]) => unknown,
    private readonly inputs: readonly StoredInput[],
    private readonly rngState: readonly number[],
  ) {
    // Only an index per saved tensor is kept: the node's saved entry holds this number and these hooks.
    this.hooks = {
      pack: (t) => {
        this.shapes.push(t.shape);
        this.dtypes.push(t.dtype);
        return this.shapes.length - 1;
      },
      unpack: (packed) => this.unpack(packed as number),
      kept: (packed) => this.kept(packed as number),
    };
  }

  private unpack(i: number): Tensor {
    let t = this.slots?.[i];
    if (t === undefined) {
      // Either the first request of this backward or, after retainGraph, of a later one: recompute all.
      this.recompute();
      t = this.slots![i]!;
    }
    this.slots![i] = undefined;
    if (--this.remaining === 0) this.slots = null;
    return t;
  }

  private kept(i: number): readonly Tensor[] {
    const out: Tensor[] = [];
    for (const s of this.inputs) {
      if (s.kind === 'tensor') out.push(s.tensor);
      else if (s.kind === 'packed') out.push(...kept(s.hooks, s.packed));
    }
    const slot = this.slots?.[i];
    if (slot !== undefined) out.push(slot);
    return out;
  }

  private recompute(): void {
    const args = this.inputs.map((s, i) => {
      if (s.kind === 'value') return s.value;
      if (s.kind === 'packed') return s.hooks.unpack(s.packed);
      if (s.tensor.storage.version !== s.version) {
        throw new Error(
          `checkpoint: input ${i} (shape ${fmtShape(s.tensor.shape)}, dtype ${s.tensor.dtype}) was modified by an in-place ` +
            `operation after checkpoint() was called (or inside the checkpointed function), so recomputing the function ` +
            `for backward would see different values: it is at version ${s.tensor.storage.version}, expected ${s.version}. ` +
            `Pass a clone() to checkpoint, or use out-of-place operations on it.`,
        );
      }
      return s.tensor;
    });
    // During a backward with createGraph the recomputed graph must stay differentiable, so its nodes keep
    // their saved tensors; otherwise they only need to exist long enough to hand the tensors over.
    const keep = isGradEnabled();
    const captured: Tensor[] = [];
    const expected = this.shapes.length;
    const recording: SavedTensorsHooks = {
      pack: (t) => {
        const i = captured.length;
        if (i >= expected) throw mismatch(`it saves more than the ${tensors(expected)} the forward saved`);
        if (!sameShape(t.shape, this.shapes[i]!) || t.dtype !== this.dtypes[i]) {
          throw mismatch(
            `saved tensor ${i} has shape ${fmtShape(t.shape)} and dtype ${t.dtype}, but had shape ` +
              `${fmtShape(this.shapes[i]!)} and dtype ${this.dtypes[i]} in the forward`,
          );
        }
        captured.push(t);
        return keep ? t : null;
      },
      unpack: (packed) => {
        if (packed instanceof Tensor) return packed;
        throw new Error(
          'checkpoint: backward reached the graph built while recomputing a checkpointed function, whose saved tensors ' +
            'are not kept. Differentiate the outputs of the original forward instead.',
        );
      },
    };
    const state = defaultGenerator.getState();
    defaultGenerator.setState(this.rngState);
    try {
      savedTensorsHooks(recording, () => enableGrad(() => this.fn(...(args as never[]))));
    } finally {
      defaultGenerator.setState(state);
    }
    if (captured.length !== expected) {
      throw mismatch(`it saves ${tensors(captured.length)} where the forward saved ${expected}`);
    }
    this.slots = captured;
    this.remaining = expected;
  }
}

const tensors = (n: number): string => `${n} tensor${n === 1 ? '' : 's'}`;

function mismatch(what: string): Error {
  return new Error(
    `checkpoint: recomputing the checkpointed function during backward went differently from the forward: ${what}. ` +
      `The function must do the same ` +
      `operations on tensors of the same shapes every time it runs: make it deterministic (no branching on ` +
      `Math.random(), counters or other state that changes between calls; draw random tensors from the default ` +
      `generator, whose state checkpoint restores), and do not change which tensors require grad between the forward ` +
      `and backward.`,
  );
}

/**
 * Run `fn(...inputs)` without keeping the intermediate tensors its backward needs, and recompute them
 * from `inputs` when backward reaches them: memory for time (PyTorch's `torch.utils.checkpoint.checkpoint`
 * with `use_reentrant=False`). Only the inputs are kept (tensors that are also saved through any enclosing
 * saved-tensor hooks, so nested checkpoints recompute each other's inputs) together with the state of the
 * default generator, which is restored during the recomputation so random ops draw the same numbers.
 * Works with `backward()` and `grad()`, with parameters that `fn` uses without receiving them, with inputs
 * that do not require grad and with nested checkpoints; the recomputed tensors are freed as backward uses
 * them. `fn` must be deterministic apart from the default generator (a generator passed explicitly is not
 * restored), and it may return anything. Inside `noGrad()` nothing is recorded, so there is nothing to
 * recompute: `fn` is simply called.
 *
 * @example
 * ```ts
 * const block = (x: Tensor) => fc2.forward(fc1.forward(x).tanh()).tanh();
 * const y = checkpoint(block, h);   // block's activations are not kept…
 * y.sum().backward();               // …but recomputed here; fc1 and fc2 get .grad
 * ```
 */
export function checkpoint<A extends readonly unknown[], R>(fn: (...args: A) => R, ...inputs: A): R {
  if (typeof fn !== 'function') {
    throw new Error(`checkpoint: the first argument must be the function to run, got ${fn === null ? 'null' : typeof fn}.`);
  }
  if (!isGradEnabled()) return fn(...inputs);
  const outer = currentSavedTensorsHooks();
  const stored = inputs.map((value): StoredInput => {
    if (!(value instanceof Tensor)) return { kind: 'value', value };
    if (outer) return { kind: 'packed', hooks: outer, packed: outer.pack(value) };
    return { kind: 'tensor', tensor: value, version: value.storage.version };
  });
  const frame = new Frame(fn as unknown as (...args: never[]) => unknown, stored, defaultGenerator.getState());
  return savedTensorsHooks(frame.hooks, () => fn(...inputs));
}

/**
 * A layer of `checkpointSequential`: a module (anything with `forward`) or a function.
 *
 * @example
 * ```ts
 * const layers: SequentialLayer[] = [new nn.Linear(8, 8), (x) => x.tanh()];
 * ```
 */
export type SequentialLayer = ((input: Tensor) => Tensor) | { forward(input: Tensor): Tensor };

/**
 * Run `layers` one after another on `input`, in `segments` consecutive segments of which all but the
 * last run under `checkpoint` (PyTorch's `checkpoint_sequential`). The graph then keeps only the input of
 * each checkpointed segment plus the last segment's activations, and backward recomputes one segment at a
 * time: with n layers and s segments about s + n/s activations instead of n. `'sqrt'` picks ⌈√n⌉ segments,
 * the minimum of that sum. Segments differ in length by at most one layer, the longer ones first, so the
 * last segment, whose activations are all kept, is never the longest (PyTorch instead gives the remainder
 * to the last one). `segments` larger than the number of layers means one layer per segment.
 *
 * @example
 * ```ts
 * const layers = Array.from({ length: 64 }, () => new nn.Sequential(new nn.Linear(256, 256), new nn.Tanh()));
 * const y = checkpointSequential(layers, 'sqrt', x); // 8 segments of 8 layers
 * y.sum().backward();
 * ```
 */
export function checkpointSequential(
  layers: Iterable<SequentialLayer>,
  segments: number | 'sqrt',
  input: Tensor,
): Tensor {
  const list = [...layers];
  list.forEach((l, i) => {
    if (typeof l !== 'function' && (l === null || typeof l !== 'object' || typeof l.forward !== 'function')) {
      throw new Error(`checkpointSequential: layer ${i} is neither a function nor a module with a forward() method.`);
    }
  });
  const n = list.length;
  if (segments !== 'sqrt' && !(Number.isInteger(segments) && segments >= 1)) {
    throw new Error(`checkpointSequential: segments must be a positive integer or 'sqrt', got ${String(segments)}.`);
  }
  if (n === 0) return input;
  const s = Math.min(n, segments === 'sqrt' ? Math.ceil(Math.sqrt(n)) : segments);
  const run = (from: number, to: number) => (x: Tensor): Tensor => {
    for (let i = from; i < to; i++) {
      const l = list[i]!;
      x = typeof l === 'function' ? l(x) : l.forward(x);
    }
    return x;
  };
  const base = Math.floor(n / s), extra = n % s;
  let x = input, start = 0;
  for (let k = 0; k < s; k++) {
    const end = start + base + (k < extra ? 1 : 0);
    x = k < s - 1 ? checkpoint(run(start, end), x) : run(start, end)(x);
    start = end;
  }
  return x;
}
