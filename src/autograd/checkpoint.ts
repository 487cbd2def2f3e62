// Gradient checkpointing on top of saved-tensor hooks, after PyTorch's non-reentrant design
// (torch/utils/checkpoint.py, `_checkpoint_without_reentrant_generator`): the forward runs once, normally,
// except that every tensor an op saves for backward is replaced by its index; the first time backward asks
// for one of them, the function runs again from its inputs and the recomputed saved tensors, which come
// out in the same order, stand in for the originals. The graph itself is the ordinary one, so backward(),
// grad(), hooks and parameters used inside the function all work unchanged.
import type { DType } from '../dtype.js';
import { recordGeneratorStates, setGeneratorStates, type GeneratorStates } from '../random.js';
import { fmtShape, sameShape, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { enableGrad, isGradEnabled } from './grad-mode.js';
import { savedBytes } from './memory.js';
import { forwardSnapshots, minAdvances, splitPoint } from './revolve.js';
import { currentSavedTensorsHooks, savedTensorsHooks, type SavedTensorsHooks } from './saved-hooks.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import './record.js';

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
  /** The state, before the forward drew from it, of every generator the forward used: the recomputation replays them. */
  rngStates: GeneratorStates = new Map();

  constructor(
    private readonly fn: (...args: never[]) => unknown,
    private readonly inputs: readonly StoredInput[],
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
    // Every generator the forward drew from (the default one, a Dropout's own, …) replays the same numbers, and
    // is put back afterwards, so that the recomputation consumes no randomness.
    const now = setGeneratorStates(this.rngStates);
    try {
      savedTensorsHooks(recording, () => enableGrad(() => this.fn(...(args as never[]))));
    } finally {
      setGeneratorStates(now);
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
  const frame = new Frame(fn as unknown as (...args: never[]) => unknown, stored);
  const { result, states } = recordGeneratorStates(() => savedTensorsHooks(frame.hooks, () => fn(...inputs)));
  frame.rngStates = states;
  return result;
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
 * How `checkpointSequential` trades memory for time: a number of segments (or `'sqrt'`, see there);
 * `{ snapshots: c }`, the optimal binomial schedule holding at most c layer outputs besides the input
 * (`checkpointSchedule`); or `{ memoryBudget: bytes }`, the cheapest schedule whose saved tensors fit in that
 * many bytes (`planCheckpointSequential`).
 *
 * @example
 * ```ts
 * const how: SequentialStrategy = { snapshots: 10 }; // 1024 layers with 11 activations kept
 * ```
 */
export type SequentialStrategy = number | 'sqrt' | { readonly snapshots: number } | { readonly memoryBudget: number };

/**
 * Run `layers` one after another on `input`, checkpointed according to `strategy`.
 *
 * With a number of `segments`, all segments but the last run under `checkpoint` (PyTorch's
 * `checkpoint_sequential`). The graph then keeps only the input of
 * each checkpointed segment plus the last segment's activations, and backward recomputes one segment at a
 * time: with n layers and s segments about s + n/s activations instead of n. `'sqrt'` picks ⌈√n⌉ segments,
 * the minimum of that sum. Segments differ in length by at most one layer, the longer ones first, so the
 * last segment, whose activations are all kept, is never the longest (PyTorch instead gives the remainder
 * to the last one). `segments` larger than the number of layers means one layer per segment.
 *
 * With `{ snapshots: c }` it runs Griewank's binomial schedule (`checkpointSchedule(n, c)`): the graph keeps
 * at most c layer outputs besides the input, plus the last layer's activations, at any time during forward
 * and backward, and forward + backward evaluate the layers n + `minAdvances(n, c)` times, the fewest
 * possible with c snapshots. With c = ⌈log₂ n⌉ that is O(log n) memory for O(n log n) time. The schedule is
 * realised with nested `checkpoint` calls that mirror its recursion: the first k layers run under a
 * checkpoint whose recomputation reverses them with c snapshots, and the remaining layers with c − 1.
 *
 * With `{ memoryBudget: bytes }` it runs the schedule `planCheckpointSequential` picks (which runs the first
 * two layers once more to measure them), and throws if none fits.
 *
 * @example
 * ```ts
 * const layers = Array.from({ length: 64 }, () => new nn.Sequential(new nn.Linear(256, 256), new nn.Tanh()));
 * const y = checkpointSequential(layers, 'sqrt', x);            // 8 segments of 8 layers
 * const z = checkpointSequential(layers, { snapshots: 6 }, x);  // ≤ 6 outputs kept, 64 + 147 evaluations
 * const w = checkpointSequential(layers, { memoryBudget: 2 ** 20 }, x);
 * y.sum().backward();
 * ```
 */
export function checkpointSequential(layers: Iterable<SequentialLayer>, strategy: SequentialStrategy, input: Tensor): Tensor {
  const list = checkLayers(layers);
  if (typeof strategy === 'object' && strategy !== null) {
    if ('snapshots' in strategy) {
      const c = strategy.snapshots;
      if (!(Number.isInteger(c) && c >= 0)) {
        throw new Error(`checkpointSequential: snapshots must be a non-negative integer, got ${String(c)}.`);
      }
      return list.length === 0 ? input : binomialChain(list, 0, list.length, c)(input);
    }
    if ('memoryBudget' in strategy) return runPlan(list, plan(list, strategy.memoryBudget, input), input);
    throw new Error(`checkpointSequential: the strategy object must have a snapshots or a memoryBudget property.`);
  }
  const segments = strategy;
  if (segments !== 'sqrt' && !(Number.isInteger(segments) && segments >= 1)) {
    throw new Error(`checkpointSequential: segments must be a positive integer or 'sqrt', got ${String(segments)}.`);
  }
  const n = list.length;
  if (n === 0) return input;
  return segmented(list, Math.min(n, segments === 'sqrt' ? Math.ceil(Math.sqrt(n)) : segments), input);
}

function checkLayers(layers: Iterable<SequentialLayer>): SequentialLayer[] {
  const list = [...layers];
  list.forEach((l, i) => {
    if (typeof l !== 'function' && (l === null || typeof l !== 'object' || typeof l.forward !== 'function')) {
      throw new Error(`checkpointSequential: layer ${i} is neither a function nor a module with a forward() method.`);
    }
  });
  return list;
}

const call = (l: SequentialLayer, x: Tensor): Tensor => (typeof l === 'function' ? l(x) : l.forward(x));

const run = (list: readonly SequentialLayer[], from: number, to: number) => (x: Tensor): Tensor => {
  for (let i = from; i < to; i++) x = call(list[i]!, x);
  return x;
};

function segmented(list: readonly SequentialLayer[], s: number, input: Tensor): Tensor {
  const n = list.length;
  const base = Math.floor(n / s), extra = n % s;
  let x = input, start = 0;
  for (let k = 0; k < s; k++) {
    const end = start + base + (k < extra ? 1 : 0);
    x = k < s - 1 ? checkpoint(run(list, start, end), x) : run(list, start, end)(x);
    start = end;
  }
  return x;
}

/**
 * Layers `i`…`j − 1` reversed with `c` snapshots. The head checkpoint keeps only its input (the snapshot),
 * and its recomputation during backward runs this same function, so the head is reversed by the same recursion
 * with `c` snapshots once the tail, which holds the other c − 1, has been reversed and freed: the evaluation
 * count is the recursion of `minAdvances`. Inside an enclosing checkpoint's recomputation the inner head runs
 * as an advance, and its frame recomputes it again when backward reaches it, exactly as the schedule does.
 */
function binomialChain(list: readonly SequentialLayer[], i: number, j: number, c: number): (x: Tensor) => Tensor {
  if (j - i === 1) return (x) => call(list[i]!, x);
  const k = i + splitPoint(j - i, c);
  const head = binomialChain(list, i, k, c);
  const tail = binomialChain(list, k, j, c - 1);
  return (x) => tail(checkpoint(head, x));
}

/**
 * The schedule `planCheckpointSequential` chose, with its estimated cost.
 *
 * @example
 * ```ts
 * const p: CheckpointPlan = { kind: 'binomial', snapshots: 3, estimatedBytes: 4096, extraEvaluations: 27 };
 * ```
 */
export type CheckpointPlan = (
  | { readonly kind: 'none' }
  | { readonly kind: 'segments'; readonly segments: number }
  | { readonly kind: 'binomial'; readonly snapshots: number }
) & {
  /** An upper bound of `savedBytes` of the output once the forward has run. */
  readonly estimatedBytes: number;
  /** Layer evaluations beyond the n of a plain forward, over forward + backward. */
  readonly extraEvaluations: number;
};

/**
 * The cheapest way to run `layers` on `input` whose saved tensors fit in `memoryBudget` bytes: no
 * checkpointing, s checkpointed segments (2 ≤ s ≤ ⌈√n⌉; more segments only cost more), or the binomial
 * schedule with the most snapshots that fit (fewer snapshots, more recomputation). "Cheapest" means fewest
 * extra layer evaluations. The bytes are estimated by running the first two layers once on a copy of
 * `input` (with the default generator's state restored afterwards) and measuring with `savedBytes` what one
 * layer keeps and how much a second one adds; this assumes the layers are alike (as in a stack of identical
 * blocks), and the estimate counts tensors shared between neighbouring layers twice, so it errs on the safe
 * side. Throws when even the binomial schedule with no snapshots (the input and the last layer's activations
 * only, n(n − 1)/2 extra evaluations) does not fit, naming the least budget that would.
 *
 * @example
 * ```ts
 * const p = planCheckpointSequential(layers, 4 * 2 ** 20, x);
 * p.kind; // 'segments' when √n segments fit in 4 MiB but the plain graph does not
 * ```
 */
export function planCheckpointSequential(layers: Iterable<SequentialLayer>, memoryBudget: number, input: Tensor): CheckpointPlan {
  return plan(checkLayers(layers), memoryBudget, input);
}

function plan(list: readonly SequentialLayer[], budget: number, input: Tensor): CheckpointPlan {
  if (!(typeof budget === 'number' && budget >= 0 && !Number.isNaN(budget))) {
    throw new Error(`checkpointSequential: memoryBudget must be a number of bytes ≥ 0, got ${String(budget)}.`);
  }
  const n = list.length;
  // Nothing is saved without grad mode or layers, so the plain run costs no memory at all.
  if (n === 0 || !isGradEnabled()) return { kind: 'none', estimatedBytes: 0, extraEvaluations: 0 };
  const { first, perLayer, activation } = probe(list, input);
  const inputBytes = input.gradFn === null ? 0 : input.storage.nbytes;
  const chain = (m: number): number => (m === 0 ? 0 : first + (m - 1) * perLayer);
  const candidates: CheckpointPlan[] = [{ kind: 'none', estimatedBytes: inputBytes + chain(n), extraEvaluations: 0 }];
  for (let s = 2; s <= Math.min(n, Math.ceil(Math.sqrt(n))); s++) {
    const last = Math.floor(n / s);
    candidates.push({ kind: 'segments', segments: s, estimatedBytes: inputBytes + (s - 1) * activation + chain(last), extraEvaluations: n - last });
  }
  for (let c = 0; c <= Math.max(0, n - 2); c++) {
    candidates.push({
      kind: 'binomial', snapshots: c, estimatedBytes: inputBytes + forwardSnapshots(n, c) * activation + first,
      extraEvaluations: minAdvances(n, c),
    });
  }
  let best: CheckpointPlan | undefined;
  for (const p of candidates) {
    if (p.estimatedBytes > budget) continue;
    if (!best || p.extraEvaluations < best.extraEvaluations || (p.extraEvaluations === best.extraEvaluations && p.estimatedBytes < best.estimatedBytes)) best = p;
  }
  if (best) return best;
  const least = Math.min(...candidates.map((p) => p.estimatedBytes));
  throw new Error(
    `checkpointSequential: no checkpointing schedule keeps the saved tensors of these ${n} layers within the memoryBudget of ` +
      `${budget} bytes. The least any schedule needs is about ${least} bytes (binomial checkpointing with no snapshots, which ` +
      `keeps only the input and the last layer's activations and re-runs ${minAdvances(n, 0)} layer evaluations), because one ` +
      `layer alone saves ${first} bytes. Raise memoryBudget to at least ${least}, or shrink the activations (a smaller batch, ` +
      `narrower layers), or split each layer into smaller ones.`,
  );
}

/**
 * Bytes the first layer saves (its input included, as it would be deeper in the chain), what a second one
 * adds, and the size of one layer output, measured on a fresh non-leaf copy of the input. Identity hooks
 * shield the measurement from an enclosing checkpoint, whose saved-tensor count must not change.
 */
function probe(list: readonly SequentialLayer[], input: Tensor): { first: number; perLayer: number; activation: number } {
  const identity: SavedTensorsHooks = { pack: (t) => t, unpack: (p) => p as Tensor };
  // The probe must not consume randomness: every generator it draws from is put back.
  const { result, states } = recordGeneratorStates(() => savedTensorsHooks(identity, () => enableGrad(() => {
    const x = input.detach().requiresGrad_(true).clone();
    const y1 = call(list[0]!, x);
    const first = savedBytes(y1);
    let perLayer = first, activation = y1.storage.nbytes;
    if (list.length >= 2) {
      const y2 = call(list[1]!, y1);
      perLayer = Math.max(0, savedBytes(y2) - first);
      activation = Math.max(activation, y2.storage.nbytes);
    }
    return { first, perLayer, activation };
  })));
  setGeneratorStates(states);
  return result;
}

function runPlan(list: readonly SequentialLayer[], p: CheckpointPlan, input: Tensor): Tensor {
  if (p.kind === 'none') return run(list, 0, list.length)(input);
  if (p.kind === 'segments') return segmented(list, p.segments, input);
  return binomialChain(list, 0, list.length, p.snapshots)(input);
}
