// Logarithmic-memory checkpointing: chains of n Linear(64, 64) + tanh layers, batch 64, run without
// checkpointing (O(n) saved activations), with ⌈√n⌉ checkpointed segments (O(√n)) and with the binomial
// ("revolve") schedule with c = ⌈log₂ n⌉ snapshots (O(log n)). Prints saved bytes, fwd+bwd time and layer
// evaluations, checks the gradients agree, and plots the saved bytes to out/log-memory.svg.
//   npm run example:log-memory [-- --reps 2 --depths 64,128,256,512,1024]
import { mkdirSync, writeFileSync } from 'node:fs';
import { checkpointSequential, manualSeed, minAdvances, nn, randn, savedBytes, type SequentialStrategy, type Tensor } from '../src/index.js';
import { lineChart } from './plot.js';

const WIDTH = 64, BATCH = 64;
const ACTIVATION = WIDTH * BATCH * 4;

/**
 * One depth's measurements: saved bytes, least fwd+bwd milliseconds and layer evaluations per mode.
 *
 * @example
 * ```ts
 * const row: Row = measure(64, 1);
 * ```
 */
export interface Row {
  readonly depth: number;
  readonly snapshots: number;
  readonly bytes: Record<Mode, number>;
  readonly ms: Record<Mode, number>;
  readonly evaluations: Record<Mode, number>;
  readonly maxGradDiff: number;
}

/**
 * The three ways of running the chain.
 *
 * @example
 * ```ts
 * const m: Mode = 'binomial';
 * ```
 */
export type Mode = 'plain' | 'sqrt' | 'binomial';
const MODES: readonly Mode[] = ['plain', 'sqrt', 'binomial'];

const gc = (globalThis as { gc?: () => void }).gc;

/**
 * Measure one depth: modes interleaved per repetition, the first repetition a warm-up, the least time kept.
 *
 * @example
 * ```ts
 * measure(64, 2).bytes.binomial; // 8 snapshots-worth of 16 KiB activations
 * ```
 */
export function measure(depth: number, reps: number): Row {
  manualSeed(depth);
  let evals = 0;
  const layers = Array.from({ length: depth }, () => new nn.Sequential(new nn.Linear(WIDTH, WIDTH), new nn.Tanh()));
  const counted = layers.map((l) => (x: Tensor): Tensor => {
    evals++;
    return l.forward(x);
  });
  const params = layers.flatMap((l) => l.parameters());
  const x = randn([BATCH, WIDTH]);
  const snapshots = Math.ceil(Math.log2(depth));
  const strategy: Record<Exclude<Mode, 'plain'>, SequentialStrategy> = { sqrt: 'sqrt', binomial: { snapshots } };
  const bytes = {} as Record<Mode, number>, ms = {} as Record<Mode, number>, evaluations = {} as Record<Mode, number>;
  const grads = {} as Record<Mode, Float32Array[]>;
  for (let r = 0; r <= reps; r++) {
    for (const mode of MODES) {
      for (const p of params) p.grad = null;
      gc?.();
      evals = 0;
      const t0 = performance.now();
      const y = mode === 'plain' ? counted.reduce((h, l) => l(h), x) : checkpointSequential(counted, strategy[mode], x);
      const forward = performance.now() - t0;
      const saved = savedBytes(y); // outside the timed part: it walks the whole graph
      const t1 = performance.now();
      y.sum().backward();
      const t = forward + performance.now() - t1;
      if (r === 0) {
        bytes[mode] = saved;
        evaluations[mode] = evals;
        grads[mode] = params.map((p) => p.grad!.data() as Float32Array);
      } else ms[mode] = Math.min(ms[mode] ?? Infinity, t);
    }
  }
  let maxGradDiff = 0;
  for (const mode of ['sqrt', 'binomial'] as const) {
    grads[mode].forEach((g, i) => {
      const h = grads.plain[i]!;
      for (let k = 0; k < g.length; k++) maxGradDiff = Math.max(maxGradDiff, Math.abs(g[k]! - h[k]!));
    });
  }
  return { depth, snapshots, bytes, ms, evaluations, maxGradDiff };
}

const kib = (b: number): string => (b / 1024).toFixed(0);

/**
 * The results as a text table.
 *
 * @example
 * ```ts
 * console.log(formatTable([measure(64, 1)]));
 * ```
 */
export function formatTable(rows: readonly Row[]): string {
  const head = ['n', 'c', 'saved KiB: plain', '√n seg', 'binomial', 'fwd+bwd ms: plain', '√n seg', 'binomial', 'layer evals: plain', '√n seg', 'binomial', 'max |Δgrad|'];
  const body = rows.map((r) => [
    String(r.depth), String(r.snapshots),
    kib(r.bytes.plain), kib(r.bytes.sqrt), kib(r.bytes.binomial),
    r.ms.plain.toFixed(0), `${r.ms.sqrt.toFixed(0)} (${(r.ms.sqrt / r.ms.plain).toFixed(2)}×)`, `${r.ms.binomial.toFixed(0)} (${(r.ms.binomial / r.ms.plain).toFixed(2)}×)`,
    String(r.evaluations.plain), String(r.evaluations.sqrt), String(r.evaluations.binomial),
    r.maxGradDiff.toExponential(1),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padStart(widths[i]!)).join('  ');
  return [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const reps = Number(option('reps', '2'));
  const depths = option('depths', '64,128,256,512,1024').split(',').map(Number);
  if (!(Number.isInteger(reps) && reps >= 1) || depths.some((d) => !(Number.isInteger(d) && d >= 2))) {
    console.error('usage: log-memory.ts [--reps N ≥ 1] [--depths 64,128,...]');
    process.exit(2);
  }
  console.log(`Linear(${WIDTH}, ${WIDTH}) + tanh chains, batch ${BATCH} (one activation = ${ACTIVATION / 1024} KiB); c = ⌈log₂ n⌉ snapshots; ` +
    `times are the least of ${reps} after a warm-up\n`);
  const rows: Row[] = [];
  for (const d of depths) rows.push(measure(d, reps));
  console.log(formatTable(rows));
  const checks: [string, boolean][] = [];
  for (const r of rows) {
    checks.push([`n = ${r.depth}: binomial evaluations = n + minAdvances(n, c) = ${r.depth + minAdvances(r.depth, r.snapshots)}`,
      r.evaluations.binomial === r.depth + minAdvances(r.depth, r.snapshots)]);
    checks.push([`n = ${r.depth}: binomial saved bytes = (c + 2) activations (c snapshots, the last layer's input and output)`,
      r.bytes.binomial === (r.snapshots + 2) * ACTIVATION]);
    checks.push([`n = ${r.depth}: gradients agree (max |Δ| ≤ 1e-6)`, r.maxGradDiff <= 1e-6]);
  }
  console.log('');
  for (const [text, ok] of checks) console.log(`  ${ok ? 'ok  ' : 'FAIL'} ${text}`);
  if (checks.some(([, ok]) => !ok)) process.exitCode = 1;
  mkdirSync('out', { recursive: true });
  const series = (mode: Mode, name: string, color: string) => ({ name, color, points: rows.map((r) => [r.depth, r.bytes[mode] / 1_048_576] as const) });
  writeFileSync('out/log-memory.svg', lineChart(
    `Saved for backward; revolve uses c = ⌈log₂ n⌉`, 'depth n (layers)', 'savedBytes (MiB)',
    [series('plain', 'plain: O(n)', '#d62728'), series('sqrt', '√n segs: O(√n)', '#2ca02c'), series('binomial', 'revolve: O(log n)', '#1f77b4')],
    (v) => v.toFixed(1),
  ));
  console.log('\nwrote out/log-memory.svg');
}
