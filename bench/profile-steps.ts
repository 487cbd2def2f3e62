/**
 * `npm run bench:profile`: where one training step of B7 (2-layer LSTM), B8 (minGPT) and B9 (LeNet-BN) spends its
 * time, per phase (forward, backward, optimizer, reading the loss) and per kind of work, on the wasm backend at 1
 * and 2 threads. The steps are bench/adjoint-models.ts's, exactly as `npm run bench` times them.
 *
 * Three passes per workload and thread count, each over the same number of steps after a warm-up:
 * 1. **plain**: the step time with nothing attached (the figure the shares below are of);
 * 2. **kernels**: every method of the active Backend wrapped with a timer (outermost calls only; a kernel that
 *    calls another counts as one), and V8's GC events (`PerformanceObserver`, entry type `gc`). The time of a phase
 *    splits into kernels (by group: matmul/conv, fused cells and norms, elementwise, reductions, copies and
 *    indexing, pooling, optimizer kernels, memory), GC pauses, and *framework*: the rest (op dispatch, shape and
 *    dtype checks, tensor and node objects, the engine's ordering, module code); the wrapper's own cost, calibrated
 *    on a no-op, is subtracted from the framework's share. A kernel that the wasm backend borrows from the TS
 *    backend is marked "(ts)".
 * 3. **ops**: adjoint's profiler (`profile`), phase by phase: the forward ops and the optimizer's ops, by total
 *    time including their kernels, and the number of backward nodes. Backward nodes are not timed by the
 *    profiler here: observing the engine changes the backward (region gradients of `narrow`/`select` are
 *    materialized whole for observers) and a node skipped for having no input that needs a gradient gets a
 *    `nodeStart` without a `nodeEnd`, which shifts the profiler's later node times; the kernel pass covers the
 *    backward instead.
 *
 * Shares are meaningful on a loaded machine; absolute times are not, so the load average is printed with them.
 * The output is markdown, ready to paste into BENCHMARKS.md ("Where the time goes in B7–B9"); the first table
 * summarises every configuration on one line each.
 *
 * Options: `--workloads=B7,B9` (default all three), `--threads=1,2` (default 1 and 2 where wasm threads exist),
 * `--steps=N` timed steps per pass (default 30), `--backend=wasm|ts` (default wasm), `--top=N` rows of the kernel
 * and op tables (default 8), `--summary` prints only the summary table, `--json` also prints the figures as JSON.
 *
 * For a flame graph of the same steps: `node --cpu-prof --import tsx bench/profile-steps.ts --workloads=B7
 * --threads=1` writes a `.cpuprofile` that Chrome DevTools opens.
 */
import os from 'node:os';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { type Backend, getBackend, profile, setBackend, setNumThreads } from '../src/index.js';
import { type StepParts, b7Parts, b8Parts, b9Parts } from './adjoint-models.js';
import { fmt, machineInfo, markdownTable } from './harness.js';

// ---------------------------------------------------------------- options
const arg = (name: string): string | undefined => process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
const backendName = arg('backend') ?? 'wasm';
const steps = Number(arg('steps') ?? 30);
const top = Number(arg('top') ?? 8);
const summaryOnly = process.argv.includes('--summary');
const wantJson = process.argv.includes('--json');
const workloads = (arg('workloads') ?? 'B7,B8,B9').split(',').map((s) => s.trim()).filter(Boolean);

const WORKLOADS: Record<string, { label: string; make: () => StepParts; update: string }> = {
  B7: { label: 'B7 2-layer LSTM step (Adam)', make: () => b7Parts(), update: 'Adam' },
  B8: { label: 'B8 minGPT step (AdamW, clip)', make: () => b8Parts(), update: 'clip + AdamW' },
  B9: { label: 'B9 LeNet-BN step (SGD-momentum)', make: () => b9Parts(), update: 'SGD-momentum' },
};
for (const w of workloads) if (!WORKLOADS[w]) throw new Error(`--workloads: unknown workload '${w}' (B7, B8, B9)`);

setBackend(backendName);
const threadCounts = (arg('threads') ?? (backendName === 'wasm' ? '1,2' : '1')).split(',').map(Number);

// ---------------------------------------------------------------- phases
const PHASES = ['forward', 'backward', 'update', 'read loss'] as const;
type Phase = (typeof PHASES)[number];

/** One step, phase by phase; `around` brackets each phase (a timer, or the profiler). */
function runStep(parts: StepParts, around: <T>(phase: Phase, fn: () => T) => T): void {
  const loss = around('forward', () => parts.forward());
  around('backward', () => loss.backward());
  around('update', () => parts.update());
  around('read loss', () => loss.item());
}

const plainAround = <T>(_phase: Phase, fn: () => T): T => fn();

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

// ---------------------------------------------------------------- kernel instrumentation
/** The groups kernels are reported in. */
const GROUPS: Record<string, string> = {
  matmul: 'matmul/conv', conv2d: 'matmul/conv', unfold: 'matmul/conv', fold: 'matmul/conv',
  lstmCell: 'fused cells/norms/softmax', lstmCellBackward: 'fused cells/norms/softmax', gruCell: 'fused cells/norms/softmax',
  gruCellBackward: 'fused cells/norms/softmax', layerNorm: 'fused cells/norms/softmax', layerNormBackward: 'fused cells/norms/softmax',
  batchNorm: 'fused cells/norms/softmax', batchNormBackward: 'fused cells/norms/softmax', softmax: 'fused cells/norms/softmax',
  unary: 'elementwise', binary: 'elementwise', ternary: 'elementwise', where: 'elementwise', clamp: 'elementwise',
  fill: 'elementwise', arange: 'elementwise',
  reduce: 'reductions', variance: 'reductions', norm: 'reductions', scan: 'reductions',
  copy: 'copies/indexing', indexSelect: 'copies/indexing', indexAdd: 'copies/indexing', gather: 'copies/indexing',
  scatterAdd: 'copies/indexing', indexGather: 'copies/indexing', indexPut: 'copies/indexing', select: 'copies/indexing',
  scatterReduce: 'copies/indexing', nonzero: 'copies/indexing', sort: 'copies/indexing', unique: 'copies/indexing',
  maxPool2d: 'pooling', avgPool2d: 'pooling', avgPool2dBackward: 'pooling', adaptiveMaxPool2d: 'pooling',
  adam: 'optimizer kernels', sgd: 'optimizer kernels', rmsprop: 'optimizer kernels', adagrad: 'optimizer kernels',
  adamax: 'optimizer kernels', nadam: 'optimizer kernels', radam: 'optimizer kernels',
  alloc: 'memory (alloc, read)', fromHost: 'memory (alloc, read)', read: 'memory (alloc, read)', readScalar: 'memory (alloc, read)',
};
const GROUP_ORDER = [
  'matmul/conv', 'fused cells/norms/softmax', 'elementwise', 'reductions', 'copies/indexing', 'pooling', 'optimizer kernels',
  'memory (alloc, read)', 'other kernels',
];
const groupOf = (kernel: string): string => GROUPS[kernel] ?? 'other kernels';

/** What a kernel call is, for the table: the op of an elementwise kernel or reduction, the sizes of a product. */
function detail(name: string, args: readonly unknown[]): string {
  switch (name) {
    case 'unary': case 'binary': case 'ternary': case 'reduce': case 'scan':
      return `${name} ${String(args[0])}`;
    case 'matmul': {
      const [, , , , batch, m, n, k] = args as number[];
      return `matmul ${batch! > 1 ? `${batch}× ` : ''}${m}×${k}·${k}×${n}`;
    }
    case 'alloc':
      return `alloc ${String(args[0])}[${String(args[1])}]`;
    case 'conv2d': {
      const [, , , , n, c, o] = args as number[];
      return `conv2d n${n} c${c}→${o}`;
    }
    default:
      return name;
  }
}

interface KernelRecord { calls: number; ms: number }

/** Every outermost kernel call of the timed steps: its key (phase, kernel, detail) and its start and end. */
interface CallLog { keys: string[]; t0: number[]; t1: number[] }

/** Times the outermost calls of every Backend method while `phase` is set, into `log`; returns an undo. */
function instrument(backend: Backend, tsBackend: Backend | undefined) {
  const log: CallLog = { keys: [], t0: [], t1: [] };
  const state = { phase: null as Phase | null, depth: 0, calls: 0 };
  const target = backend as unknown as Record<string, unknown>;
  const originals: Record<string, unknown> = {};
  const borrowed = new Set<string>();
  for (const [name, f] of Object.entries(target)) {
    if (typeof f !== 'function') continue;
    originals[name] = f;
    if (tsBackend && backend !== tsBackend && (tsBackend as unknown as Record<string, unknown>)[name] === f) borrowed.add(name);
    const fn = f as (...a: unknown[]) => unknown;
    target[name] = function timed(this: unknown, ...args: unknown[]): unknown {
      if (state.phase === null || state.depth > 0) return fn.apply(this, args);
      state.depth++;
      const t0 = performance.now();
      try {
        return fn.apply(this, args);
      } finally {
        log.t1.push(performance.now());
        log.t0.push(t0);
        state.depth--;
        state.calls++;
        log.keys.push(`${state.phase}\u0000${name}\u0000${detail(name, args)}`);
      }
    };
  }
  return { log, state, borrowed, undo: () => Object.assign(target, originals) };
}

/**
 * The cost of the timing wrapper itself per call, in ms: a wrapped no-op `binary` (which builds a key like a real
 * elementwise call) against the bare no-op; the fastest of several reps, since load only ever adds time.
 */
function wrapperCost(): number {
  const obj: Record<string, (...a: unknown[]) => unknown> = { binary: (a: unknown) => a };
  const bare = obj.binary!;
  const fake = { ...obj } as unknown as Backend;
  const { state, log, undo } = instrument(fake, undefined);
  state.phase = 'forward';
  const wrapped = (fake as unknown as Record<string, (...a: unknown[]) => unknown>).binary!;
  const n = 20_000;
  const time = (f: (...a: unknown[]) => unknown): number => {
    const t0 = performance.now();
    for (let i = 0; i < n; i++) f('add', 'float32', null, null, null, 8);
    const dt = performance.now() - t0;
    log.keys.length = log.t0.length = log.t1.length = 0;
    return dt;
  };
  let best = Infinity;
  for (let r = 0; r < 15; r++) best = Math.min(best, (time(wrapped) - time(bare)) / n);
  undo();
  return Math.max(0, best);
}

// ---------------------------------------------------------------- GC
interface Window { phase: Phase; step: number; start: number; end: number }

/** The index of the last start ≤ t in an ascending array, or −1. */
function lastAtOrBefore(starts: readonly number[], t: number): number {
  let lo = 0, hi = starts.length - 1, found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid]! <= t) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

// ---------------------------------------------------------------- one configuration
interface ConfigResult {
  workload: string;
  label: string;
  threads: number;
  /** Median ms of the whole step, nothing attached. */
  stepMs: number;
  stepMin: number;
  stepMax: number;
  /** Mean ms per step by phase in the kernels pass, and its split. */
  phases: Record<Phase, { wall: number; kernels: number; gc: number; framework: number }>;
  /** ms per step by group (kernel groups, 'framework', 'GC'), shares of the kernels pass' step. */
  groups: Record<string, number>;
  instrumentedStepMs: number;
  kernelCallsPerStep: number;
  wrapperMsPerStep: number;
  gcPerStep: number;
  /** ms per step of GC pauses that fell inside a kernel call (counted as GC, not as that kernel). */
  gcInKernelsMs: number;
  /** Steps of the kernel pass that count (the others took over 1.5× the median: preempted). */
  keptSteps: number;
  topKernels: { phase: Phase; kernel: string; borrowed: boolean; calls: number; ms: number }[];
  /** The op's share is of its phase's time in the same (profiled) steps. */
  topOps: { phase: Phase; op: string; calls: number; ms: number; share: number }[];
  opsPerStep: number;
  nodesPerStep: number;
}

async function runConfig(id: string, threads: number, tsBackend: Backend | undefined, perCall: number): Promise<ConfigResult> {
  const w = WORKLOADS[id]!;
  if (backendName === 'wasm') setNumThreads(threads);
  const parts = w.make();
  for (let i = 0; i < 5; i++) runStep(parts, plainAround);

  // Pass 1: plain step times.
  const plain: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    runStep(parts, plainAround);
    plain.push(performance.now() - t0);
  }

  // Pass 2: kernels and GC. Every outermost kernel call and every phase window is logged; a GC pause is given
  // to the phase (and, when it falls inside one, the kernel call) it started in, and taken out of that kernel's
  // time, so that a pause inside `alloc` counts once, as GC. Steps slower than 1.5× the median step of the
  // pass (another process took the core) are left out of the shares.
  const gcEntries: PerformanceEntry[] = [];
  const obs = new PerformanceObserver((list) => gcEntries.push(...list.getEntries()));
  obs.observe({ entryTypes: ['gc'] });
  const inst = instrument(getBackend(), tsBackend);
  const windows: Window[] = [];
  const callsAtStepEnd: number[] = [];
  try {
    runStep(parts, (phase, fn) => { inst.state.phase = phase; try { return fn(); } finally { inst.state.phase = null; } });
    inst.log.keys.length = inst.log.t0.length = inst.log.t1.length = 0;
    inst.state.calls = 0;
    for (let i = 0; i < steps; i++) {
      runStep(parts, (phase, fn) => {
        inst.state.phase = phase;
        const t0 = performance.now();
        try {
          return fn();
        } finally {
          const t1 = performance.now();
          inst.state.phase = null;
          windows.push({ phase, step: i, start: t0, end: t1 });
        }
      });
      callsAtStepEnd.push(inst.state.calls);
    }
  } finally {
    inst.undo();
  }
  await new Promise((r) => setTimeout(r, 100)); // GC entries arrive asynchronously
  obs.disconnect();

  // Which steps count: the wrapper's cost taken out, at most 1.5× the median step.
  const callsInStep = (i: number): number => callsAtStepEnd[i]! - (i > 0 ? callsAtStepEnd[i - 1]! : 0);
  const stepWall = Array.from({ length: steps }, (_, i) =>
    windows.filter((w) => w.step === i).reduce((t, w) => t + w.end - w.start, 0) - callsInStep(i) * perCall);
  const cutoff = 1.5 * median(stepWall);
  const kept = new Set(stepWall.flatMap((t, i) => (t <= cutoff ? [i] : [])));
  const nKept = kept.size;

  const records = new Map<string, KernelRecord>();
  const wall = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>;
  const callsIn = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>;
  for (const w of windows) if (kept.has(w.step)) wall[w.phase] += w.end - w.start;
  for (let c = 0, step = 0; c < inst.log.keys.length; c++) {
    while (c >= callsAtStepEnd[step]!) step++; // calls are logged in order: call c is in the first step ending after it
    if (!kept.has(step)) continue;
    const key = inst.log.keys[c]!;
    const r = records.get(key) ?? { calls: 0, ms: 0 };
    r.calls++;
    r.ms += inst.log.t1[c]! - inst.log.t0[c]!;
    records.set(key, r);
    callsIn[key.slice(0, key.indexOf('\u0000')) as Phase]++;
  }
  const gcMs = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>;
  let gcCount = 0, gcInKernels = 0;
  const windowStarts = windows.map((w) => w.start);
  for (const e of gcEntries) {
    const w = windows[lastAtOrBefore(windowStarts, e.startTime)];
    if (!w || e.startTime >= w.end || !kept.has(w.step)) continue;
    gcMs[w.phase] += e.duration;
    gcCount++;
    const c = lastAtOrBefore(inst.log.t0, e.startTime);
    if (c >= 0 && e.startTime < inst.log.t1[c]!) {
      const r = records.get(inst.log.keys[c]!)!;
      const inside = Math.min(e.duration, inst.log.t1[c]! - e.startTime);
      r.ms -= inside;
      gcInKernels += inside;
    }
  }

  const phases = {} as ConfigResult['phases'];
  const groups: Record<string, number> = {};
  let wrapperMs = 0;
  for (const p of PHASES) {
    let kernels = 0;
    for (const [key, r] of records) {
      const [phase, name] = key.split('\u0000') as [Phase, string];
      if (phase !== p) continue;
      kernels += r.ms;
      const g = groupOf(name);
      groups[g] = (groups[g] ?? 0) + r.ms / nKept;
    }
    const wrap = callsIn[p] * perCall;
    wrapperMs += wrap;
    const framework = Math.max(0, wall[p] - kernels - gcMs[p] - wrap);
    phases[p] = { wall: (wall[p] - wrap) / nKept, kernels: kernels / nKept, gc: gcMs[p] / nKept, framework: framework / nKept };
    groups.framework = (groups.framework ?? 0) + framework / nKept;
    groups.GC = (groups.GC ?? 0) + gcMs[p] / nKept;
  }
  const topKernels = [...records].map(([key, r]) => {
    const [phase, name, what] = key.split('\u0000') as [Phase, string, string];
    return { phase, kernel: what, borrowed: inst.borrowed.has(name), calls: r.calls / nKept, ms: r.ms / nKept };
  }).sort((a, b) => b.ms - a.ms).slice(0, top);

  // Pass 3: adjoint's profiler, phase by phase.
  const opMs = new Map<string, { phase: Phase; op: string; calls: number; ms: number }>();
  let ops = 0, nodes = 0;
  const opPhaseMs = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>;
  for (let i = 0; i < steps; i++) {
    runStep(parts, (phase, fn) => {
      const t0 = performance.now();
      const p = profile(fn);
      opPhaseMs[phase] += (performance.now() - t0) / steps;
      for (const r of p.records) {
        const inBackward = phase === 'backward';
        const ms = inBackward ? r.backwardMs : r.forwardMs;
        const calls = inBackward ? r.backwardCalls : r.calls;
        if (inBackward) nodes += r.backwardCalls;
        else ops += r.calls;
        // Backward nodes are counted, not timed: under an engine observer the backward differs from the plain one
        // (region gradients of narrow/select are materialized whole), and a node skipped for having no input that
        // needs a gradient gets a nodeStart without a nodeEnd, which shifts the profiler's later node times.
        if (inBackward || (ms === 0 && calls === 0)) continue;
        const key = `${phase}\u0000${r.name}`;
        const o = opMs.get(key) ?? { phase, op: r.name, calls: 0, ms: 0 };
        o.calls += calls / steps;
        o.ms += ms / steps;
        opMs.set(key, o);
      }
      return p.result;
    });
  }
  const topOps = [...opMs.values()].sort((a, b) => b.ms - a.ms).slice(0, top).map((o) => ({ ...o, share: o.ms / opPhaseMs[o.phase] }));

  const instrumentedStepMs = PHASES.reduce((s, p) => s + phases[p].wall, 0);
  return {
    workload: id, label: w.label, threads, stepMs: median(plain), stepMin: Math.min(...plain), stepMax: Math.max(...plain),
    phases, groups, instrumentedStepMs, kernelCallsPerStep: inst.state.calls / steps, wrapperMsPerStep: wrapperMs / nKept,
    gcPerStep: gcCount / nKept, gcInKernelsMs: gcInKernels / nKept, keptSteps: nKept, topKernels, topOps, opsPerStep: ops / steps, nodesPerStep: nodes / steps,
  };
}

// ---------------------------------------------------------------- report
const pct = (x: number, of: number): string => `${((100 * x) / of).toFixed(0)} %`;

function configTitle(r: ConfigResult): string {
  return `${r.workload} ${backendName}${backendName === 'wasm' ? ` t${r.threads}` : ''}`;
}

function details(r: ConfigResult): string {
  const total = r.instrumentedStepMs;
  const phaseRows = PHASES.map((p) => {
    const x = r.phases[p];
    return [p === 'update' ? `update (${WORKLOADS[r.workload]!.update})` : p, fmt(x.wall), pct(x.wall, total), pct(x.kernels, total), pct(x.framework, total), pct(x.gc, total)];
  });
  const groupRows = [...GROUP_ORDER, 'framework', 'GC'].filter((g) => (r.groups[g] ?? 0) > 0).map((g) => [g, fmt(r.groups[g]!), pct(r.groups[g]!, total)]);
  const kernelRows = r.topKernels.map((k) => [`${k.kernel}${k.borrowed ? ' (ts)' : ''}`, k.phase, fmt(k.calls), fmt(k.ms), pct(k.ms, total)]);
  const opRows = r.topOps.map((o) => [o.op, o.phase, fmt(o.calls), fmt(o.ms), pct(o.share, 1)]);
  return [
    `### ${r.label}: ${configTitle(r)}`,
    '',
    `Step ${fmt(r.stepMs)} ms (median of ${steps}, ${fmt(r.stepMin)}–${fmt(r.stepMax)}); with kernel timers ${fmt(r.instrumentedStepMs)} ms ` +
      `(their own cost, ${fmt(r.wrapperMsPerStep)} ms, taken out). Per step: ${r.opsPerStep.toFixed(0)} forward and optimizer ops, ` +
      `${r.nodesPerStep.toFixed(0)} backward nodes, ${r.kernelCallsPerStep.toFixed(0)} kernel calls, ${r.gcPerStep.toFixed(1)} GC pauses ` +
      `(${fmt(r.gcInKernelsMs)} ms of them inside kernel calls, counted as GC); shares from ${r.keptSteps} of ${steps} steps (the others took over 1.5× the median step); ` +
      `framework time ${fmt((1000 * (r.groups.framework ?? 0)) / Math.max(1, r.opsPerStep + r.nodesPerStep))} µs per op or node.`,
    '',
    markdownTable(['phase', 'ms/step', 'share of step', 'kernels', 'framework', 'GC'], phaseRows),
    '',
    markdownTable(['where', 'ms/step', 'share of step'], groupRows),
    '',
    `Top kernels (outermost Backend calls; "(ts)": the wasm backend runs the TS kernel):`,
    '',
    markdownTable(['kernel', 'phase', 'calls/step', 'ms/step', 'share of step'], kernelRows),
    '',
    `Top ops (adjoint's profiler: forward and optimizer ops, their kernels included; backward nodes are not timed, see the header of bench/profile-steps.ts):`,
    '',
    markdownTable(['op', 'phase', 'calls/step', 'ms/step (profiled)', 'share of phase'], opRows),
  ].join('\n');
}

function summary(results: readonly ConfigResult[]): string {
  const cols = ['matmul/conv', 'fused cells/norms/softmax', 'elementwise', 'reductions', 'copies/indexing', 'pooling', 'optimizer kernels', 'memory (alloc, read)'];
  const used = cols.filter((c) => results.some((r) => (r.groups[c] ?? 0) > 0));
  const header = ['config', 'step ms', 'fwd / bwd / update', ...used, 'other kernels', 'framework', 'GC'];
  const rows = results.map((r) => {
    const t = r.instrumentedStepMs;
    const other = Object.entries(r.groups).filter(([g]) => !used.includes(g) && g !== 'framework' && g !== 'GC').reduce((s, [, v]) => s + v, 0);
    return [
      configTitle(r), fmt(r.stepMs),
      ['forward', 'backward', 'update'].map((p) => pct(r.phases[p as Phase].wall, t).replace(' %', '')).join(' / ') + ' %',
      ...used.map((c) => pct(r.groups[c] ?? 0, t)), pct(other, t), pct(r.groups.framework ?? 0, t), pct(r.groups.GC ?? 0, t),
    ];
  });
  return markdownTable(header, rows);
}

async function main(): Promise<void> {
  const info = machineInfo();
  const ts = (() => {
    const current = getBackend().name;
    setBackend('ts');
    const b = getBackend();
    setBackend(current);
    return b;
  })();
  const perCall = wrapperCost();
  const results: ConfigResult[] = [];
  for (const id of workloads) {
    for (const n of threadCounts) {
      process.stderr.write(`profiling ${id} ${backendName} t${n} (${steps} steps × 3 passes)…\n`);
      results.push(await runConfig(id, n, ts, perCall));
    }
  }
  const loadEnd = os.loadavg().map((x) => x.toFixed(2)).join(' / ');
  const out: string[] = [
    `Generated by \`npm run bench:profile\` (bench/profile-steps.ts) on ${info.date}: ${info.cpu}, ${info.cores} cores, node ${info.node}; ` +
      `load average (1/5/15 min) ${info['load average at start (1/5/15 min)']} at start, ${loadEnd} at end. ` +
      `${steps} steps per pass after 5 warm-up steps. Shares are of the step as timed with kernel timers (their own cost taken out); ` +
      '"framework" is the step\'s time outside kernels and GC pauses (op dispatch, checks, tensor and node objects, the engine, module code).',
    '',
    summary(results),
  ];
  if (!summaryOnly) for (const r of results) out.push('', details(r));
  process.stdout.write(`${out.join('\n')}\n`);
  if (wantJson) process.stdout.write(`\n${JSON.stringify({ machine: info, loadEnd, steps, results }, null, 1)}\n`);
}

await main();
