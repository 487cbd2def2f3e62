import { itemSize } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { observeEngine, type EngineObserver } from './events.js';
import { AccumulateGrad } from './node.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import './record.js';

/** What the profiler measured for one kind of op. */
export interface OpRecord {
  /** The op's name (`matmul`, `exp`, …). */
  readonly name: string;
  /** Forward calls and their total time (ms): the time inside the op, kernels and recording included. */
  calls: number;
  /** Total forward time in ms. */
  forwardMs: number;
  /** Backward node executions and their total time (ms), including the ops the rule runs. */
  backwardCalls: number;
  /** Total backward time in ms. */
  backwardMs: number;
  /** Bytes of tensors this op kind saved for backward (each save counted). */
  savedBytes: number;
  /** Floating-point operations of the forward calls, where the op knows them. */
  flops: number;
}

/** Totals of a profile. */
export interface ProfileTotals {
  /** Σ of the records' forward times. */
  readonly forwardMs: number;
  /** Σ of the records' backward times (nodes, plus the engine's own work). */
  readonly backwardMs: number;
  /** (forward + backward) / forward: the cost of a gradient in units of the function (Griewank's bound is 4). */
  readonly ratio: number;
  /** The most bytes held for backward at any moment (saved tensors not yet released). */
  readonly peakSavedBytes: number;
  /** Σ of the records' FLOPs. */
  readonly flops: number;
}

/** The result of `profile`. */
export interface Profile<T> {
  /** What the profiled function returned. */
  readonly result: T;
  /** One record per kind of op, in the order each was first run. */
  readonly records: readonly OpRecord[];
  /** The sums over the records, and the measured cost ratio. */
  readonly totals: ProfileTotals;
  /** A printable table, one row per op kind, sorted by total time. */
  table(): string;
  /** The records and totals as plain data, for `JSON.stringify`. */
  toJSON(): { records: OpRecord[]; totals: ProfileTotals };
}

interface Session {
  records: Map<string, OpRecord>;
  /** Ops running now (nested ops belong to the outermost one); the start time of the outermost. */
  depth: number;
  started: number;
  /** Backward passes running now, the start of the outermost, and the nodes' start times. */
  inBackward: number;
  passStarted: number;
  nodeStarted: number[];
  backwardMs: number;
  liveSaved: number;
  peakSaved: number;
}

let session: Session | null = null;

function record(s: Session, name: string): OpRecord {
  let r = s.records.get(name);
  if (!r) {
    r = { name, calls: 0, forwardMs: 0, backwardCalls: 0, backwardMs: 0, savedBytes: 0, flops: 0 };
    s.records.set(name, r);
  }
  return r;
}

/** Bytes of a list of saved tensors. @internal */
export function bytesOf(ts: readonly Tensor[]): number {
  let n = 0;
  for (const t of ts) n += t.size * itemSize(t.dtype);
  return n;
}

/**
 * The profiler as an engine observer: times outermost forward ops (ops that a forward kernel or a backward rule
 * runs internally belong to their caller), backward nodes and whole backward passes, and follows the bytes saved
 * for backward.
 */
function observer(s: Session): EngineObserver<Tensor> {
  return {
    opStart: () => {
      if (s.depth++ === 0 && s.inBackward === 0) s.started = performance.now();
    },
    opEnd: (name, out, flops) => {
      if (--s.depth > 0 || s.inBackward > 0 || out === null) return;
      const r = record(s, name);
      r.forwardMs += performance.now() - s.started;
      r.calls++;
      r.flops += flops();
      const bytes = out.gradFn ? bytesOf(out.gradFn.savedTensors) : 0;
      r.savedBytes += bytes;
      s.liveSaved += bytes;
      if (s.liveSaved > s.peakSaved) s.peakSaved = s.liveSaved;
    },
    passStart: () => {
      if (s.inBackward++ === 0) s.passStarted = performance.now();
    },
    passEnd: () => {
      if (--s.inBackward === 0) s.backwardMs += performance.now() - s.passStarted;
    },
    nodeStart: () => {
      s.nodeStarted.push(performance.now());
    },
    nodeEnd: (node, _g, _grads, freed) => {
      const dt = performance.now() - s.nodeStarted.pop()!;
      if (node instanceof AccumulateGrad) return;
      const r = record(s, node.name.replace(/Backward\d*$/, '').replace(/^./, (c) => c.toLowerCase()));
      r.backwardMs += dt;
      r.backwardCalls++;
      s.liveSaved -= freed;
    },
  };
}

/**
 * Run `fn` (a forward and a backward, or a whole training step) and measure it per op kind: forward and
 * backward time, call counts, bytes saved for backward, FLOPs; and the totals, including the measured cost
 * ratio (forward + backward) / forward that the cheap-gradient principle bounds by about 4.
 *
 * @example
 * ```ts
 * const p = profile(() => { const loss = model.forward(x).sum(); loss.backward(); });
 * console.log(p.table());
 * p.totals.ratio; // e.g. 2.4
 * ```
 */
export function profile<T>(fn: () => T): Profile<T> {
  if (session) throw new Error('profile: already profiling; profile() calls do not nest.');
  const s: Session = { records: new Map(), depth: 0, started: 0, inBackward: 0, passStarted: 0, nodeStarted: [], backwardMs: 0, liveSaved: 0, peakSaved: 0 };
  session = s;
  const stop = observeEngine(observer(s));
  let result: T;
  try {
    result = fn();
  } finally {
    stop();
    session = null;
  }
  const nodeMs = [...s.records.values()].reduce((n, r) => n + r.backwardMs, 0);
  // What a backward pass spends outside the nodes (ordering, summing gradients, reducing broadcasts) is
  // part of the gradient's cost too: it gets its own row so that the totals are the sums of the rows.
  if (s.backwardMs > nodeMs) record(s, '(engine)').backwardMs += s.backwardMs - nodeMs;
  const records = [...s.records.values()];
  const forwardMs = records.reduce((n, r) => n + r.forwardMs, 0);
  const backwardMs = records.reduce((n, r) => n + r.backwardMs, 0);
  const totals: ProfileTotals = {
    forwardMs,
    backwardMs,
    ratio: forwardMs > 0 ? (forwardMs + backwardMs) / forwardMs : NaN,
    peakSavedBytes: s.peakSaved,
    flops: records.reduce((n, r) => n + r.flops, 0),
  };
  return {
    result,
    records,
    totals,
    table: () => formatTable(records, totals),
    toJSON: () => ({ records: records.map((r) => ({ ...r })), totals }),
  };
}

function formatTable(records: readonly OpRecord[], totals: ProfileTotals): string {
  const rows = [...records].sort((a, b) => b.forwardMs + b.backwardMs - (a.forwardMs + a.backwardMs));
  const head = ['op', 'calls', 'fwd ms', 'bwd calls', 'bwd ms', 'saved KiB', 'GFLOP'];
  const body = rows.map((r) => [
    r.name, String(r.calls), r.forwardMs.toFixed(3), String(r.backwardCalls), r.backwardMs.toFixed(3),
    (r.savedBytes / 1024).toFixed(1), (r.flops / 1e9).toFixed(4),
  ]);
  const all = [head, ...body];
  const widths = head.map((_, i) => Math.max(...all.map((row) => row[i]!.length)));
  const line = (row: string[]): string => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [
    line(head),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...body.map(line),
    '',
    `forward ${totals.forwardMs.toFixed(3)} ms, backward ${totals.backwardMs.toFixed(3)} ms, ` +
      `(forward + backward) / forward = ${totals.ratio.toFixed(2)} (bound: 4), peak saved ${(totals.peakSavedBytes / 1024).toFixed(1)} KiB`,
  ].join('\n');
}
