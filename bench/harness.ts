/**
 * Timing and reporting helpers shared by the benchmark runners.
 *
 * Method (as in /work/shared/anchors/perf.md): warm-up first, then at least 5 timed reps; a fast call is repeated
 * `batch` times inside one rep so that a rep takes at least ~100 ms; the figure is the median over the reps of the
 * time per call, reported with the min–max spread. Clock: `process.hrtime.bigint()`.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

/** Time per call, in milliseconds. */
export interface Stat {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly reps: number;
  /** Calls per rep. */
  readonly batch: number;
}

export interface MeasureOptions {
  /** Timed reps (default 7, or 5 when a call takes over 250 ms; at least 5). */
  readonly reps?: number;
  /** Minimum duration of one rep; fast calls are batched to reach it (default 100 ms). */
  readonly minRepMs?: number;
  /** Minimum warm-up time (default 200 ms, and at least 2 calls; 1 call when a call takes over 1 s). */
  readonly warmupMs?: number;
  /** Untimed work before every call (its result is passed to the timed function). */
  readonly setup?: () => unknown;
}

/** Milliseconds from a monotonic clock. */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Run `fn` once and return the elapsed milliseconds (awaits it when it returns a promise). */
async function timeOnce(fn: (arg: unknown) => unknown, setup: (() => unknown) | undefined): Promise<number> {
  const arg = setup ? setup() : undefined;
  const t0 = process.hrtime.bigint();
  const r = fn(arg);
  if (r instanceof Promise) await r;
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/**
 * Median time per call of `fn`, in ms. With `setup`, each call is timed on its own and only `fn` counts;
 * without it, the batch of calls of a rep is timed as a whole.
 *
 * @example
 * ```ts
 * const s = await measure(() => a.matmul(b));
 * console.log(s.median, s.min, s.max);
 * ```
 */
export async function measure(fn: (arg: any) => unknown, opts: MeasureOptions = {}): Promise<Stat> {
  const minRepMs = opts.minRepMs ?? 100;
  const warmupMs = opts.warmupMs ?? 200;
  const setup = opts.setup;
  // Warm-up: JIT tiers, jax-js compilation, allocator pools. The last warm-up call calibrates the batch.
  let last = await timeOnce(fn, setup);
  let spent = last;
  let calls = 1;
  while ((calls < 2 && last < 1000) || spent < warmupMs) {
    last = await timeOnce(fn, setup);
    spent += last;
    calls++;
  }
  const batch = Math.max(1, Math.ceil(minRepMs / Math.max(last, 1e-6)));
  const reps = Math.max(5, opts.reps ?? (last > 250 ? 5 : 7));
  const perCall: number[] = [];
  for (let r = 0; r < reps; r++) {
    if (setup) {
      let acc = 0;
      for (let i = 0; i < batch; i++) acc += await timeOnce(fn, setup);
      perCall.push(acc / batch);
    } else {
      const t0 = process.hrtime.bigint();
      for (let i = 0; i < batch; i++) {
        const res = fn(undefined);
        if (res instanceof Promise) await res;
      }
      perCall.push(Number(process.hrtime.bigint() - t0) / 1e6 / batch);
    }
  }
  return { median: median(perCall), min: Math.min(...perCall), max: Math.max(...perCall), reps, batch };
}

/** Scale every figure of a stat (e.g. ms per call → µs per op, or → GFLOPS with `invert`). */
export function scaleStat(s: Stat, factor: number, invert = false): Stat {
  if (!invert) return { ...s, median: s.median * factor, min: s.min * factor, max: s.max * factor };
  // A rate: the fastest rep gives the highest figure.
  return { ...s, median: factor / s.median, min: factor / s.max, max: factor / s.min };
}

/** One cell of the results table: a measured figure, or a text such as "n/a". */
export type Cell =
  | { readonly kind: 'stat'; readonly stat: Stat }
  | { readonly kind: 'value'; readonly value: number }
  | { readonly kind: 'text'; readonly text: string };

export const statCell = (stat: Stat): Cell => ({ kind: 'stat', stat });
export const valueCell = (value: number): Cell => ({ kind: 'value', value });
export const textCell = (text: string): Cell => ({ kind: 'text', text });

/** What one library variant (one table column) reports. */
export interface ColumnResult {
  readonly column: string;
  readonly library: string;
  readonly version: string;
  readonly cells: Record<string, Cell>;
  /** Summary numbers of losses and gradients on the shared inputs, compared across columns. */
  readonly checks: Record<string, number[]>;
  readonly notes: string[];
  readonly seconds: number;
}

/** Numbers that fingerprint a gradient: L1 norm, and the dot product with a fixed probe pattern. */
export function fingerprint(data: ArrayLike<number>): number[] {
  let l1 = 0;
  let probe = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    l1 += Math.abs(v);
    probe += v * Math.sin(0.37 * i + 0.1);
  }
  return [l1, probe];
}

/** Description of the machine and runtime, for the report. */
export function machineInfo(): Record<string, string> {
  let model = os.cpus()[0]?.model ?? 'unknown';
  let family = '';
  let flags = '';
  try {
    const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
    const field = (name: string): string | undefined => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(cpuinfo)?.[1]?.trim();
    model = field('model name') ?? model;
    const fam = field('cpu family');
    const mod = field('model');
    if (fam) family = `family ${fam} model ${mod ?? '?'}`;
    const f = new Set((field('flags') ?? '').split(/\s+/));
    flags = ['sse4_2', 'avx', 'avx2', 'fma', 'avx512f', 'avx512vl', 'avx512_bf16'].filter((x) => f.has(x)).join(' ');
  } catch {
    // not Linux: keep os.cpus()
  }
  return {
    cpu: [model, family].filter(Boolean).join(', '),
    'SIMD flags': flags || 'unknown',
    cores: String(os.availableParallelism?.() ?? os.cpus().length),
    memory: `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: `${process.version} (V8 ${process.versions.v8})`,
    date: new Date().toISOString(),
    'load average at start (1/5/15 min)': os.loadavg().map((x) => x.toFixed(2)).join(' / '),
  };
}

/** Human formatting of a figure with 3 significant digits. */
export function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  const a = Math.abs(x);
  if (a >= 100) return x.toFixed(0);
  if (a >= 10) return x.toFixed(1);
  if (a >= 1) return x.toFixed(2);
  if (a >= 0.01) return x.toFixed(3);
  return x.toPrecision(2);
}

/** A markdown table from a header row and body rows. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** Progress line on stderr (stdout of children is reserved for nothing; results go to a file). */
export function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

/** B6 cells from per-seed train times (s) and test accuracies (%). */
export function b6Cells(times: readonly number[], accs: readonly number[]): Record<string, Cell> {
  const sorted = [...times].sort((a, b) => a - b);
  const accText =
    accs.length === 1
      ? `${accs[0]!.toFixed(2)} (seed 0)`
      : `${median(accs).toFixed(2)} (${Math.min(...accs).toFixed(2)}–${Math.max(...accs).toFixed(2)}, seeds 0–${accs.length - 1})`;
  return {
    'B6 train': statCell({ median: median(times), min: sorted[0]!, max: sorted[sorted.length - 1]!, reps: times.length, batch: 1 }),
    'B6 acc': textCell(accText),
  };
}

/** The installed version of a package, read from its package.json (found by walking up from its entry point). */
export function packageVersion(name: string): string {
  const require = createRequire(import.meta.url);
  let dir = path.dirname(require.resolve(name));
  for (;;) {
    try {
      const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === name) return pkg.version ?? '?';
    } catch {
      // no package.json here
    }
    const up = path.dirname(dir);
    if (up === dir) return '?';
    dir = up;
  }
}
