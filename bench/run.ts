/**
 * `npm run bench`: runs workloads B1–B9 (see /work/shared/bench-workloads.md) for adjoint on every registered
 * backend (and 1 and 2 threads when `setNumThreads` is exported) and for the peers TensorFlow.js (cpu, wasm) and
 * jax-js (eager, jit), each column in its own child process so one library's heap and threads do not disturb
 * another's. Prints one table (figures, and ratios peer/adjoint) and writes BENCHMARKS.md at the repo root.
 *
 * G1 (bench/webgpu.ts): adjoint on the 'webgpu' device against TensorFlow.js's and jax-js's WebGPU backends (columns
 * `webgpu:G1`, `webgpu:G1:tfjs`, `webgpu:G1:jax`): matmul n = 1024/2048/4096, B3, B6 and B8, timed where a real GPU
 * (a non-fallback adapter of the `webgpu` package) exists; "fallback adapter: correctness only" on a software
 * adapter (SwiftShader), "not measured, no GPU" without one. `npm run bench -- --only=G1` (or `--only G1`) runs
 * the G1 columns alone. `--gpu-smoke` (a dev check, with `--only=G1`): on a fallback adapter, run each G1 workload
 * of each column once (64×64 matmul, 3 B6 steps), print its values and checks, and report the cells as
 * "fallback adapter: correctness only (smoke run)" instead of times (on a real GPU it changes nothing), e.g.
 * `VK_ICD_FILENAMES=/usr/lib/chromium/vk_swiftshader_icd.json npm run bench -- --only=G1 --gpu-smoke --no-write`.
 *
 * Options: `--only=<substring>` runs only the matching columns (e.g. `--only=adjoint`); `--quick` skips
 * n = 1024 and runs one B6 seed; `--no-b6` skips MNIST training; `--no-write` does not write BENCHMARKS.md;
 * `--workloads=B4,B7` runs only those workloads (a `--base` checkout whose bench predates the option runs all of
 * its own). Write BENCHMARKS.md only from a full run.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Cell, type ColumnResult, fmt, log, machineInfo, markdownTable, nowMs } from './harness.js';
import { B1_SIZES } from './data.js';
import { G1_SIZES } from './webgpu.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');

// ---------------------------------------------------------------- child mode
async function runChild(spec: string, outFile: string, quick: boolean, noB6: boolean, workloads: readonly string[] | undefined, gpuSmoke: boolean): Promise<void> {
  const only = workloads ? { workloads } : {};
  const [lib, variant, threads] = spec.split(':');
  const b1Sizes = quick ? B1_SIZES.filter((n) => n < 1024) : B1_SIZES;
  let result: ColumnResult;
  if (lib === 'adjoint') {
    const { runAdjoint } = await import('./adjoint.js');
    result = await runAdjoint({ backend: variant!, ...(threads ? { threads: Number(threads) } : {}), b1Sizes, b6Seeds: noB6 ? 0 : quick ? 1 : 3, ...only });
  } else if (lib === 'webgpu') {
    const { runG1 } = await import('./webgpu.js');
    result = await runG1(threads === 'tfjs' ? 'tfjs' : threads === 'jax' ? 'jax' : 'adjoint', gpuSmoke);
  } else if (lib === 'tfjs') {
    const { runTfjs } = await import('./peers/tfjs.js');
    result = await runTfjs({ backend: variant as 'cpu' | 'wasm', b1Sizes, b6: !noB6 && variant === 'wasm', ...only });
  } else if (lib === 'jax') {
    const { runJax } = await import('./peers/jaxjs.js');
    result = await runJax({ mode: variant as 'eager' | 'jit', b1Sizes, b6: !noB6 && variant === 'jit', ...only });
  } else {
    throw new Error(`unknown column spec ${spec}`);
  }
  writeFileSync(outFile, JSON.stringify(result));
}

// ---------------------------------------------------------------- table layout
interface Row {
  readonly key: string;
  readonly label: string;
  readonly unit: string;
  /** Compare columns: 'time' (lower is better), 'rate' (higher is better), or not at all. */
  readonly compare?: 'time' | 'rate';
  readonly target?: string;
}

const ROWS: Row[] = [
  ...B1_SIZES.map((n): Row => ({
    key: `B1 n=${n}`, label: `B1 matmul n=${n}`, unit: 'GFLOPS', compare: 'rate',
    target: n >= 512 ? '≥ 55 (1 thr), ≥ 100 (2 thr)' : '',
  })),
  ...G1_SIZES.map((n): Row => ({ key: `G1 n=${n}`, label: `G1 matmul on WebGPU n=${n}`, unit: 'GFLOPS', compare: 'rate', target: "≥ jax-js's (WebGPU)" })),
  { key: 'G1 B3 fwd', label: 'G1 B3 fwd on WebGPU', unit: 'ms', compare: 'time' },
  { key: 'G1 B3 fwd+bwd', label: 'G1 B3 fwd+bwd on WebGPU', unit: 'ms', compare: 'time' },
  { key: 'G1 B6 train', label: 'G1 B6 MNIST train on WebGPU (10 epochs)', unit: 's', compare: 'time', target: 'faster than both peers (WebGPU)' },
  { key: 'G1 B6 step', label: 'G1 B6 step on WebGPU (train / steps)', unit: 'ms', compare: 'time', target: 'faster than both peers (WebGPU)' },
  { key: 'G1 B6 acc', label: 'G1 B6 test accuracy on WebGPU', unit: '%' },
  { key: 'G1 B8 step', label: 'G1 B8 minGPT step on WebGPU', unit: 'ms', compare: 'time', target: 'faster than both peers (WebGPU)' },
  { key: 'B2 fwd', label: 'B2 MLP fwd', unit: 'ms', compare: 'time' },
  { key: 'B2 fwd+bwd', label: 'B2 MLP fwd+bwd', unit: 'ms', compare: 'time' },
  { key: 'B2 ratio', label: 'B2 (fwd+bwd)/fwd', unit: '×', target: '≤ 2.5' },
  { key: 'B2 step', label: 'B2 MLP step (SGD)', unit: 'ms', compare: 'time', target: '≤ 1.0' },
  { key: 'B3 fwd', label: 'B3 64×Linear+tanh fwd', unit: 'ms', compare: 'time' },
  { key: 'B3 fwd+bwd', label: 'B3 fwd+bwd', unit: 'ms', compare: 'time', target: '≤ 30' },
  { key: 'B3 saved', label: 'B3 saved for backward', unit: 'MiB', target: '≈ 4 (torch 4.06)' },
  { key: 'B3 retained', label: 'B3 retained after fwd (gc)', unit: 'MiB' },
  { key: 'B3 peak', label: 'B3 peak tf.memory() in fwd+bwd', unit: 'MiB' },
  { key: 'B3c fwd+bwd', label: 'B3c checkpointed fwd+bwd', unit: 'ms', compare: 'time' },
  { key: 'B3c time ratio', label: 'B3c time / B3 time', unit: '×', target: '≤ 1.15' },
  { key: 'B3c saved', label: 'B3c saved for backward', unit: 'MiB' },
  { key: 'B3c saved ratio', label: 'B3c saved / B3 saved', unit: '×', target: '≤ 0.26' },
  { key: 'B3c retained', label: 'B3c retained after fwd (gc)', unit: 'MiB' },
  { key: 'B3c grads', label: 'B3c grads vs B3', unit: '', target: 'equal' },
  { key: 'B4 fwd', label: 'B4 scalar chain fwd', unit: 'µs/op', compare: 'time', target: '≤ 1.0' },
  { key: 'B4 bwd', label: 'B4 scalar chain bwd', unit: 'µs/op', compare: 'time', target: '≤ 1.5' },
  { key: 'B4 tape fwd', label: 'B4 closure tape fwd (same process)', unit: 'µs/op' },
  { key: 'B4 tape bwd', label: 'B4 closure tape bwd (same process)', unit: 'µs/op' },
  { key: 'B4 ratio', label: 'B4 (fwd+bwd) / tape best (fwd+bwd)', unit: '×', target: '≤ 5 (aim 3)' },
  { key: 'B4 ratio medians', label: 'B4 (fwd+bwd) / tape (fwd+bwd), both medians', unit: '×' },
  { key: 'B5 fwd', label: 'B5 conv2d fwd', unit: 'ms', compare: 'time' },
  { key: 'B5 fwd+bwd', label: 'B5 conv2d fwd+bwd', unit: 'ms', compare: 'time', target: '≤ 1.5' },
  { key: 'B7 step', label: 'B7 2-layer LSTM step (Adam)', unit: 'ms', compare: 'time', target: '≤ 1.5× PyTorch' },
  { key: 'B8 step', label: 'B8 minGPT step (AdamW, clip)', unit: 'ms', compare: 'time', target: '≤ 1.5× PyTorch' },
  { key: 'B9 step', label: 'B9 LeNet-BN step (SGD-momentum)', unit: 'ms', compare: 'time', target: '≤ 1.5× PyTorch' },
  { key: 'B6 train', label: 'B6 MNIST train (10 epochs)', unit: 's', compare: 'time', target: '≤ 1.5' },
  { key: 'B6 acc', label: 'B6 MNIST test accuracy', unit: '%', target: '≥ 93.75' },
];

function cellNumber(c: Cell | undefined): number | undefined {
  if (!c) return undefined;
  if (c.kind === 'stat') return c.stat.median;
  if (c.kind === 'value') return c.value;
  return undefined;
}

function cellText(c: Cell | undefined): string {
  if (!c) return '–';
  if (c.kind === 'text') return c.text;
  return fmt(cellNumber(c)!);
}

function spreadText(c: Cell | undefined): string {
  if (!c) return '–';
  if (c.kind === 'stat') return `${fmt(c.stat.median)} (${fmt(c.stat.min)}–${fmt(c.stat.max)})`;
  return cellText(c);
}

/** Main table: adjoint columns, then each peer with its ratio against the best adjoint figure of the row. */
function buildTables(results: ColumnResult[]): { main: string; spread: string; checks: string } {
  const ours = results.filter((r) => r.library === 'adjoint');
  const peers = results.filter((r) => r.library !== 'adjoint');
  const header = ['workload', 'unit', ...ours.map((r) => r.column), ...peers.map((r) => `${r.column} (ratio)`), 'target'];
  const rows: string[][] = [];
  for (const row of ROWS) {
    const all = results.map((r) => r.cells[row.key]);
    if (all.every((c) => c === undefined)) continue;
    const ourNums = ours.map((r) => cellNumber(r.cells[row.key])).filter((x): x is number => x !== undefined && x > 0);
    const best = ourNums.length === 0 ? undefined : row.compare === 'rate' ? Math.max(...ourNums) : Math.min(...ourNums);
    const peerCells = peers.map((r) => {
      const c = r.cells[row.key];
      const v = cellNumber(c);
      const text = cellText(c);
      if (!row.compare || v === undefined || best === undefined || v <= 0) return text;
      const ratio = row.compare === 'time' ? v / best : best / v;
      return `${text} (${ratio >= 10 ? ratio.toFixed(0) : ratio >= 1 ? ratio.toFixed(1) : ratio.toPrecision(2)}×)`;
    });
    rows.push([row.label, row.unit, ...ours.map((r) => cellText(r.cells[row.key])), ...peerCells, row.target ?? '']);
  }
  const main = markdownTable(header, rows);

  const spreadRows = ROWS.filter((row) => results.some((r) => r.cells[row.key]?.kind === 'stat')).map((row) => [
    row.label, row.unit, ...results.map((r) => spreadText(r.cells[row.key])),
  ]);
  const spread = markdownTable(['workload', 'unit', ...results.map((r) => r.column)], spreadRows);

  // Checks: every column against the first column that has the same check; "err:" checks against a threshold.
  const keys = [...new Set(results.flatMap((r) => Object.keys(r.checks)))];
  const checkRows = keys.map((k) => {
    const ref = results.find((r) => r.checks[k])?.checks[k];
    const cells = results.map((r) => {
      const v = r.checks[k];
      if (!v) return '–';
      if (k.startsWith('err:')) return `${v[0]! < 1e-4 ? 'ok' : 'FAIL'} ${v[0]!.toExponential(1)}`;
      const scale = Math.max(...ref!.map(Math.abs));
      let dev = 0;
      v.forEach((x, i) => {
        const r0 = ref![i]!;
        dev = Math.max(dev, Math.abs(x - r0) / Math.max(Math.abs(r0), 0.01 * scale, 1e-12));
      });
      const shown = v.map((x) => x.toPrecision(6)).join(', ');
      return r === results.find((q) => q.checks[k]) ? shown : `${dev < 2e-3 ? 'ok' : 'MISMATCH'} (${dev.toExponential(1)})`;
    });
    return [k.replace(/^err:/, ''), ...cells];
  });
  const checks = markdownTable(['check', ...results.map((r) => r.column)], checkRows);
  return { main, spread, checks };
}

// ---------------------------------------------------------------- parent mode
async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const quick = args.includes('--quick');
  const childAt = args.indexOf('--child');
  if (childAt >= 0) {
    const w = args.find((a) => a.startsWith('--workloads='))?.slice('--workloads='.length);
    await runChild(args[childAt + 1]!, args[childAt + 2]!, quick, args.includes('--no-b6'), w ? w.split(',') : undefined, args.includes('--gpu-smoke'));
    return;
  }
  const onlyAt = args.indexOf('--only');
  const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length) ?? (onlyAt >= 0 ? args[onlyAt + 1] : undefined);
  // A partial run (--workloads) never overwrites BENCHMARKS.md.
  const noWrite = args.includes('--no-write') || args.some((a) => a.startsWith('--workloads='));
  // --base=DIR: also run adjoint's columns from another checkout (e.g. a worktree of the previous commit), in the
  // same run, shown as "before" columns with their ratio to this tree's best figure.
  const base = args.find((a) => a.startsWith('--base='))?.slice('--base='.length);

  const { listBackends } = await import('../src/index.js');
  const { adjointFeatures } = await import('./adjoint.js');
  const feats = adjointFeatures();
  const specs: string[] = [];
  for (const b of listBackends()) {
    // Threads apply to the wasm kernels; the pure-TS backend runs once, single-threaded.
    if (feats.setNumThreads && b !== 'ts') specs.push(`adjoint:${b}:1`, `adjoint:${b}:2`);
    else specs.push(`adjoint:${b}`);
  }
  if (base) specs.push(...specs.filter((s) => s.startsWith('adjoint:')).map((s) => `before:${s}`));
  specs.push('webgpu:G1', 'webgpu:G1:tfjs', 'webgpu:G1:jax', 'tfjs:cpu', 'tfjs:wasm', 'jax:eager', 'jax:jit');
  // A partial run (--workloads) runs G1's columns only when it names G1.
  const partial = args.find((a) => a.startsWith('--workloads='))?.slice('--workloads='.length).split(',');
  const chosen = specs.filter((s) => (!only || s.includes(only)) && (!partial || !s.startsWith('webgpu:') || partial.includes('G1')));
  const gcAvailable = typeof (globalThis as { gc?: unknown }).gc === 'function';
  log(`adjoint backends: ${listBackends().join(', ')}; setNumThreads: ${feats.setNumThreads ? 'yes' : 'no'}; ` +
    `checkpointSequential: ${feats.checkpointSequential ? 'yes' : 'no'}; conv2d: ${feats.conv2d ? 'yes' : 'no'}; ` +
    `optim.Adam: ${feats.adam ? 'yes' : 'no'}; gc: ${gcAvailable ? 'yes' : 'no (run with --expose-gc)'}`);
  log(`columns: ${chosen.join(', ')}`);

  const machine = machineInfo();
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'adjoint-bench-'));
  const results: ColumnResult[] = [];
  const failures: string[] = [];
  const t0 = nowMs();
  for (const spec of chosen) {
    const out = path.join(tmp, `${spec.replace(/[^a-z0-9]+/gi, '_')}.json`);
    log(`[${spec}]`);
    const started = nowMs();
    const before = spec.startsWith('before:');
    const script = before ? path.join(path.resolve(base!), 'bench', 'run.ts') : fileURLToPath(import.meta.url);
    const r = spawnSync(process.execPath, [...process.execArgv, script, '--child', before ? spec.slice('before:'.length) : spec, out, ...args.filter((a) => a === '--quick' || a === '--no-b6' || a === '--gpu-smoke' || a.startsWith('--workloads='))], {
      cwd: before ? path.resolve(base!) : root,
      stdio: ['ignore', 2, 2], // the child's stdout (tfjs prints a banner) goes to our stderr
      timeout: 8 * 60_000,
    });
    if (r.status !== 0) {
      const why = r.error ? r.error.message : `exit ${r.status}${r.signal ? ` (${r.signal})` : ''}`;
      // A G1 child that wrote its results and then died at exit (some GPU drivers crash there) still counts.
      if (spec.startsWith('webgpu:') && existsSync(out)) {
        const res = JSON.parse(readFileSync(out, 'utf8')) as ColumnResult;
        results.push({ ...res, notes: [...res.notes, `the process exited with ${why} after writing its results`] });
        log(`  ${spec}: exited with ${why} after writing its results`);
        continue;
      }
      failures.push(`${spec}: ${why}`);
      log(`  ${spec} failed: ${why}`);
      continue;
    }
    const res = JSON.parse(readFileSync(out, 'utf8')) as ColumnResult;
    results.push(before ? { ...res, library: 'adjoint (before)', column: res.column.replace(/^adjoint/, 'before') } : res);
    log(`  ${spec} done in ${((nowMs() - started) / 1000).toFixed(1)} s`);
  }
  rmSync(tmp, { recursive: true, force: true });
  const totalS = (nowMs() - t0) / 1000;
  machine['load average at end (1/5/15 min)'] = os.loadavg().map((x) => x.toFixed(2)).join(' / ');

  const { main: table, spread, checks } = buildTables(results);
  const versions = results.map((r) => `${r.column}: ${r.library} ${r.version}`).join('; ');
  const notes = results.flatMap((r) => r.notes.map((n) => `- ${r.column}: ${n.split('\n')[0]}`));
  const command = `npm run bench${process.argv.slice(2).length ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`;
  const legend =
    'Figures are medians of ≥ 5 timed reps after warm-up (fast calls batched so a rep takes ≥ 100 ms), float32. ' +
    'Each peer cell shows "figure (ratio)", where ratio = peer time ÷ adjoint time for the best adjoint column of that row ' +
    '(for GFLOPS: adjoint ÷ peer), so a ratio above 1 means adjoint is faster. B4 bwd of tfjs is (fwd+bwd) − fwd; ' +
    "adjoint's is timed directly. B6 is a single timed training run per seed (peers: seed 0 only; " +
    'tfjs-cpu and jax-js eager skip it to keep the run short). "Saved for backward" counts the distinct storages that ' +
    'saved-tensor hooks see (parameters excluded); "retained after fwd" is the ArrayBuffer growth that survives a full GC ' +
    'while the loss is alive.';
  const cores = os.availableParallelism?.() ?? os.cpus().length;
  const loadStart = Number(machine['load average at start (1/5/15 min)']!.split(' / ')[0]);
  const loadWarning = loadStart > cores / 2
    ? `**Warning:** the 1-min load average was ${loadStart.toFixed(1)} on ${cores} cores when this run started: other processes ` +
      'competed for the CPU, so absolute figures are inflated and noisy (see the spread table); ratios between columns suffer less.'
    : '';
  let report = [
    '# Benchmarks',
    '',
    ...(loadWarning ? [loadWarning, ''] : []),
    `Generated by \`${command}\` (bench/run.ts) on ${machine.date}; total run time ${totalS.toFixed(0)} s. ` +
      'Workloads and targets: /work/shared/bench-workloads.md. Timings are from one noisy shared machine: compare ratios measured in the same run. ' +
      'The anchor figures of /work/shared/anchors/perf.md come from a Zen 5 machine with AVX-512; when the CPU below differs, ' +
      'compare with them only through ratios to a peer measured here.',
    '',
    '## Machine',
    '',
    markdownTable(['item', 'value'], Object.entries(machine)),
    '',
    '## Results',
    '',
    legend,
    '',
    table,
    '',
    '## Spread (median, min–max over reps)',
    '',
    spread,
    '',
    '## Correctness checks (same inputs for every library)',
    '',
    'The first column with a check shows its values (loss; gradient L1 norm and dot product with a fixed probe); the others show ' +
      'the largest relative deviation from it ("ok" below 2e-3). B1 shows the relative error of the n×n product against a float64 product.',
    '',
    checks,
    '',
    '## Versions and notes',
    '',
    `- ${versions}`,
    ...notes,
    ...failures.map((f) => `- FAILED: ${f}`),
    '',
  ].join('\n');

  const kept = keptSections();
  if (kept) report += `\n${kept}\n`;
  report += `\n${historySection(results, machine, base)}\n`;
  process.stdout.write(`\n${table}\n\nSpread:\n${spread}\n\nChecks:\n${checks}\n\n`);
  for (const [k, v] of Object.entries(machine)) process.stdout.write(`${k}: ${v}\n`);
  if (loadWarning) process.stdout.write(`\n${loadWarning.replace(/\*\*/g, '')}\n`);
  if (failures.length) process.stdout.write(`\nFAILED: ${failures.join('; ')}\n`);
  if (!noWrite) {
    writeFileSync(path.join(root, 'BENCHMARKS.md'), report);
    process.stdout.write(`\nwrote BENCHMARKS.md (${totalS.toFixed(0)} s)\n`);
  }
}

/** The sections of BENCHMARKS.md that this script writes; every other `## ` section is written by hand and kept. */
const GENERATED_SECTIONS = new Set(['Machine', 'Results', 'Spread (median, min–max over reps)', 'Correctness checks (same inputs for every library)', 'Versions and notes', 'History']);

/**
 * The hand-written sections of the previous BENCHMARKS.md (e.g. "Where the time goes in B7–B9" from
 * `npm run bench:profile`, the PyTorch figures of `npm run bench:torch`), in their order, so that a run keeps them.
 */
function keptSections(): string {
  let old: string;
  try {
    old = readFileSync(path.join(root, 'BENCHMARKS.md'), 'utf8');
  } catch {
    return '';
  }
  const parts = old.split(/\n(?=## )/);
  return parts
    .slice(1)
    .filter((part) => !GENERATED_SECTIONS.has(part.slice(3, part.indexOf('\n') < 0 ? undefined : part.indexOf('\n')).trim()))
    .map((part) => part.trimEnd())
    .join('\n\n');
}

/** The rows a history line keeps: the workloads with a target, each at its best adjoint figure. */
const HISTORY_KEYS: readonly [key: string, label: string][] = [
  ['B1 n=1024', 'B1 n=1024 GFLOPS'], ['B2 step', 'B2 step ms'], ['B3 fwd+bwd', 'B3 ms'], ['B4 fwd', 'B4 fwd µs/op'],
  ['B4 bwd', 'B4 bwd µs/op'], ['B5 fwd+bwd', 'B5 ms'], ['B6 train', 'B6 s'], ['B7 step', 'B7 ms'], ['B8 step', 'B8 ms'], ['B9 step', 'B9 ms'],
];

/** One history line: the best figure per workload over the given columns. */
function historyLine(columns: readonly ColumnResult[]): string {
  return HISTORY_KEYS.map(([key, label]) => {
    const row = ROWS.find((r) => r.key === key)!;
    const nums = columns.map((c) => cellNumber(c.cells[key])).filter((x): x is number => x !== undefined && x > 0);
    if (nums.length === 0) return `${label} –`;
    return `${label} ${fmt(row.compare === 'rate' ? Math.max(...nums) : Math.min(...nums))}`;
  }).join(', ');
}

/**
 * The history of BENCHMARKS.md, kept across runs: the previous file's lines, then this run's best adjoint figures
 * (and, with --base, the other checkout's, measured in the same run).
 */
function historySection(results: readonly ColumnResult[], machine: Record<string, string>, base: string | undefined): string {
  let previous: string[] = [];
  try {
    const old = readFileSync(path.join(root, 'BENCHMARKS.md'), 'utf8');
    const at = old.indexOf('\n## History\n');
    if (at >= 0) previous = old.slice(at + '\n## History\n'.length).split('\n').filter((l) => l.startsWith('- '));
  } catch {
    // No previous file: the history starts here.
  }
  const commit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).stdout.trim() || 'working tree';
  const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8' }).stdout.trim() ? ' (uncommitted changes)' : '';
  const ours = results.filter((r) => r.library === 'adjoint');
  const lines = [...previous, `- ${machine.date}, ${commit}${dirty}, load ${machine['load average at start (1/5/15 min)']!.split(' / ')[0]}: ${historyLine(ours)}`];
  const before = results.filter((r) => r.library === 'adjoint (before)');
  if (base && before.length) {
    const baseCommit = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: path.resolve(base), encoding: 'utf8' }).stdout.trim();
    lines.push(`- ${machine.date}, ${baseCommit || base} measured in the same run (before): ${historyLine(before)}`);
  }
  return ['## History', '', 'Best adjoint figure per workload, one line per run (ratios between lines of different runs carry the noise of two runs).', '', ...lines].join('\n');
}

await main();
