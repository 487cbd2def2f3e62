import { Module, toStateMap, type StateDict, type StateDictLike } from '../nn/module.js';
import { deserializeStateDict, readStateDictMetadata, serializeStateDict } from '../nn/serialize.js';
import { describe } from '../ops/buffers.js';
import { Tensor } from '../tensor.js';
import type { SchedulerStateDict } from './lr-scheduler/scheduler.js';
import type { OptimizerStateDict, StateValue } from './state-dict.js';

/** What `serializeCheckpoint` writes: any of a model, an optimizer, a scheduler (each itself or its state dict), and metadata. @example `{ model, optimizer: opt, scheduler: sched }` */
export interface CheckpointParts {
  /** The model (its `stateDict()` is written under its own keys, so the file also loads as a model state dict). */
  readonly model?: Module | StateDictLike;
  /** The optimizer or its `stateDict()`. */
  readonly optimizer?: { stateDict(): OptimizerStateDict } | OptimizerStateDict;
  /** The learning-rate scheduler or its `stateDict()`. */
  readonly scheduler?: { stateDict(): SchedulerStateDict } | SchedulerStateDict;
  /** Free-form strings (the epoch, the hyperparameters). */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** What `deserializeCheckpoint` returns. @example `const { model, optimizer } = optim.deserializeCheckpoint(bytes);` */
export interface Checkpoint {
  /** The model's tensors (every tensor of the file that is not the optimizer's). */
  model: StateDict;
  /** The optimizer's state dict, or null when the file has none. */
  optimizer: OptimizerStateDict | null;
  /** The scheduler's state dict, or null when the file has none. */
  scheduler: SchedulerStateDict | null;
  /** The metadata strings written with it. */
  metadata: Record<string, string>;
}

const PREFIX = 'optimizer.';
const OPTIMIZER_KEY = 'adjoint.optimizer';
const SCHEDULER_KEY = 'adjoint.scheduler';

function hasStateDict<T>(x: unknown): x is { stateDict(): T } {
  return x !== null && typeof x === 'object' && typeof (x as { stateDict?: unknown }).stateDict === 'function';
}

/**
 * JSON text of a value whose tensors were replaced by `{"$tensor": name}` and whose non-finite numbers (a
 * plateau scheduler's best = Infinity) are written as `{"$number": "Infinity"}`, which plain JSON cannot hold.
 */
function toJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (typeof x === 'number' && !Number.isFinite(x) ? { $number: String(x) } : x));
}

function fromJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text, (_k, x: unknown) => {
      if (x !== null && typeof x === 'object' && !Array.isArray(x) && Object.keys(x).length === 1 && '$number' in x) return Number((x as { $number: string }).$number);
      return x;
    });
  } catch (e) {
    throw new Error(`${where}: the ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Training state as one safetensors file: the model's tensors under their own names (so Python's
 * `safetensors.torch.load_file` and `model.loadStateDict(..., { strict: false })` read them), the optimizer's
 * tensors under `optimizer.state.<index>.<name>`, and the rest of the optimizer's and the scheduler's state
 * dicts as JSON in the file's metadata. With only an optimizer it is the optimizer's state alone, to keep
 * beside the model's file. `deserializeCheckpoint` reads it back; training then resumes exactly.
 *
 * @example
 * ```ts
 * const bytes = optim.serializeCheckpoint({ model, optimizer: opt, scheduler: sched, metadata: { epoch: '5' } });
 * // later
 * const ck = optim.deserializeCheckpoint(bytes);
 * model.loadStateDict(ck.model);
 * opt.loadStateDict(ck.optimizer!);
 * sched.loadStateDict(ck.scheduler!);
 * ```
 */
export function serializeCheckpoint(parts: CheckpointParts): Uint8Array {
  if (parts === null || typeof parts !== 'object') throw new Error(`serializeCheckpoint: expected { model, optimizer, scheduler, metadata }, got ${describe(parts)}.`);
  for (const k of Object.keys(parts)) {
    if (!['model', 'optimizer', 'scheduler', 'metadata'].includes(k)) throw new Error(`serializeCheckpoint: unknown part '${k}'; the parts are model, optimizer, scheduler and metadata.`);
  }
  const tensors = new Map<string, Tensor>();
  if (parts.model !== undefined) {
    const model = parts.model instanceof Module ? parts.model.stateDict() : toStateMap(parts.model, 'serializeCheckpoint');
    for (const [name, t] of model) {
      if (name.startsWith(PREFIX)) throw new Error(`serializeCheckpoint: the model's key '${name}' starts with '${PREFIX}', which names the optimizer's tensors.`);
      tensors.set(name, t);
    }
  }
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(parts.metadata ?? {})) {
    if (k === OPTIMIZER_KEY || k === SCHEDULER_KEY) throw new Error(`serializeCheckpoint: the metadata key '${k}' is reserved.`);
    metadata[k] = v;
  }
  if (parts.optimizer !== undefined) {
    const sd = hasStateDict<OptimizerStateDict>(parts.optimizer) ? parts.optimizer.stateDict() : parts.optimizer;
    if (sd === null || typeof sd !== 'object' || typeof sd.state !== 'object' || !Array.isArray(sd.paramGroups)) {
      throw new Error(`serializeCheckpoint: optimizer must be an optimizer or its stateDict(), got ${describe(sd)}.`);
    }
    const pack = (v: StateValue, name: string): unknown => {
      if (v instanceof Tensor) {
        tensors.set(name, v);
        return { $tensor: name };
      }
      return Array.isArray(v) ? (v as readonly StateValue[]).map((x, j) => pack(x, `${name}.${j}`)) : v;
    };
    const state: Record<string, Record<string, unknown>> = {};
    for (const [i, entry] of Object.entries(sd.state)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(entry)) out[k] = pack(v, `${PREFIX}state.${i}.${k}`);
      state[i] = out;
    }
    metadata[OPTIMIZER_KEY] = toJson({ state, paramGroups: sd.paramGroups });
  }
  if (parts.scheduler !== undefined) {
    const sd = hasStateDict<SchedulerStateDict>(parts.scheduler) ? parts.scheduler.stateDict() : parts.scheduler;
    metadata[SCHEDULER_KEY] = toJson(sd);
  }
  return serializeStateDict(tensors, { metadata });
}

/**
 * Read a file written by `serializeCheckpoint` (or any safetensors file: its tensors come back as `model`).
 *
 * @example
 * ```ts
 * const { model: weights, optimizer } = optim.deserializeCheckpoint(bytes);
 * ```
 */
export function deserializeCheckpoint(bytes: Uint8Array): Checkpoint {
  const where = 'deserializeCheckpoint';
  const all = deserializeStateDict(bytes);
  const meta = readStateDictMetadata(bytes);
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(meta)) if (k !== OPTIMIZER_KEY && k !== SCHEDULER_KEY) metadata[k] = v;
  const model: StateDict = new Map();
  for (const [name, t] of all) if (!name.startsWith(PREFIX)) model.set(name, t);
  let optimizer: OptimizerStateDict | null = null;
  const optimizerJson = meta[OPTIMIZER_KEY];
  if (optimizerJson !== undefined) {
    const raw = fromJson(optimizerJson, `${where}: the optimizer's state`) as { state?: unknown; paramGroups?: unknown };
    if (raw === null || typeof raw !== 'object' || raw.state === null || typeof raw.state !== 'object' || !Array.isArray(raw.paramGroups)) {
      throw new Error(`${where}: the optimizer's state in the metadata is not { state, paramGroups }.`);
    }
    const used = new Set<string>();
    const unpack = (v: unknown): StateValue => {
      if (Array.isArray(v)) return v.map(unpack);
      if (v !== null && typeof v === 'object') {
        const name = (v as { $tensor?: unknown }).$tensor;
        const t = typeof name === 'string' ? all.get(name) : undefined;
        if (t === undefined) throw new Error(`${where}: the optimizer's state refers to the tensor ${describe(name)}, which the file does not hold.`);
        used.add(name as string);
        return t;
      }
      return v as StateValue;
    };
    const state: OptimizerStateDict['state'] = {};
    for (const [i, entry] of Object.entries(raw.state as Record<string, Record<string, unknown>>)) {
      const out: Record<string, StateValue> = {};
      for (const [k, v] of Object.entries(entry)) out[k] = unpack(v);
      state[Number(i)] = out;
    }
    for (const name of all.keys()) {
      if (name.startsWith(PREFIX) && !used.has(name)) throw new Error(`${where}: the tensor '${name}' is not part of the optimizer's state; the file is inconsistent.`);
    }
    optimizer = { state, paramGroups: raw.paramGroups as OptimizerStateDict['paramGroups'] };
  }
  const schedulerJson = meta[SCHEDULER_KEY];
  const scheduler = schedulerJson === undefined ? null : (fromJson(schedulerJson, `${where}: the scheduler's state`) as SchedulerStateDict);
  return { model, optimizer, scheduler, metadata };
}
