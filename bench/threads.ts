/**
 * The worker pool against one thread, in the same run: B1 (square matmul, GFLOPS = 2n³/t), the cost of one
 * parallel dispatch, and elementwise ops by size (to place the thresholds in `wasmTuning`).
 *
 * One and two threads alternate rep by rep, so both see the same machine load, and every figure comes with
 * process CPU time next to wall time: when other processes take the cores, wall-clock GFLOPS fall for
 * reasons outside this code, while CPU-time GFLOPS (work per core-second actually received, spin-waits
 * included) do not. The "idle estimate" for T threads is T × the CPU-time figure per core: what the run
 * would give if every thread had a core to itself, assuming the threads are busy for the whole call.
 *
 * Usage: node --import tsx bench/threads.ts [--quick] [--reps N] [--only b1|mid|dispatch|elementwise]
 */
import { cpus, loadavg } from 'node:os';
import { matmul, setNumThreads, tensor, type Tensor, type View } from '../src/index.js';
import { handleOf } from '../src/kernels/cpu/memory.js';
import { wasmBackend, wasmTuning } from '../src/kernels/wasm/index.js';
import { threadPool } from '../src/kernels/wasm/threads.js';

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const repsArg = args.indexOf('--reps');
const REPS = repsArg >= 0 ? Number(args[repsArg + 1]) : quick ? 5 : 9;
const MIN_REP_MS = quick ? 30 : 80;
const onlyArg = args.indexOf('--only');
const only = onlyArg >= 0 ? args[onlyArg + 1] : undefined;
const section = (name: string): boolean => only === undefined || only === name;

const now = (): number => Number(process.hrtime.bigint()) / 1e6;
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const randomArray = (n: number, seed: number): Float32Array => {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r() * 2 - 1);
};

interface Sample {
  wall: number;
  cpu: number;
}

/** Per-call wall and CPU ms for each thread count, reps interleaved; `calls` calls per rep. */
function compare(threads: readonly number[], calls: number, fn: () => void): Map<number, Sample[]> {
  const out = new Map<number, Sample[]>(threads.map((t) => [t, []]));
  for (const t of threads) {
    setNumThreads(t);
    for (let i = 0; i < Math.max(2, calls); i++) fn();
  }
  for (let r = 0; r < REPS; r++) {
    const order = r % 2 ? [...threads].reverse() : threads;
    for (const t of order) {
      setNumThreads(t);
      const c0 = cpuMs(), t0 = now();
      for (let i = 0; i < calls; i++) fn();
      const t1 = now(), c1 = cpuMs();
      out.get(t)!.push({ wall: (t1 - t0) / calls, cpu: (c1 - c0) / calls });
    }
  }
  return out;
}

/** Calls per rep so that a rep at one thread takes at least MIN_REP_MS. */
function callsFor(fn: () => void): number {
  setNumThreads(1);
  fn();
  const t0 = now();
  fn();
  const dt = Math.max(now() - t0, 1e-3);
  return Math.max(1, Math.ceil(MIN_REP_MS / dt));
}

const fmt = (x: number, d = 1): string => x.toFixed(d);

async function waitForWorkers(n: number): Promise<void> {
  setNumThreads(n);
  const pool = threadPool();
  for (let i = 0; i < 200 && pool && pool.ready < n - 1; i++) await new Promise((r) => setTimeout(r, 10));
}

function b1(): void {
  console.log('\n## B1: C = A·B, square float32, GFLOPS = 2n³/t (median over reps, [min–max])\n');
  console.log('| n | 1 thread, wall | 2 threads, wall | 2T/1T wall (median of per-rep ratios) | 1T CPU-time GFLOPS | ' +
    '2T CPU-time GFLOPS per core | 2T idle estimate |');
  console.log('|---|---|---|---|---|---|---|');
  for (const n of quick ? [128, 256, 512] : [128, 256, 512, 1024]) {
    const a = tensor(randomArray(n * n, n), { shape: [n, n] });
    const b = tensor(randomArray(n * n, n + 1), { shape: [n, n] });
    let sink: Tensor | undefined;
    const fn = (): void => { sink = matmul(a, b); };
    const s = compare([1, 2], callsFor(fn), fn);
    void sink;
    const flop = 2 * n ** 3 / 1e6; // MFLOP, so MFLOP / ms = GFLOPS
    const one = s.get(1)!, two = s.get(2)!;
    const g = (xs: Sample[]): string => {
      const v = xs.map((x) => flop / x.wall);
      return `${fmt(median(v))} [${fmt(Math.min(...v))}–${fmt(Math.max(...v))}]`;
    };
    const ratio = median(one.map((x, i) => x.wall / two[i]!.wall));
    const cpu1 = median(one.map((x) => flop / x.cpu));
    const cpu2 = median(two.map((x) => flop / x.cpu));
    console.log(`| ${n} | ${g(one)} | ${g(two)} | ${fmt(ratio, 2)}× | ${fmt(cpu1)} | ${fmt(cpu2)} | ${fmt(2 * cpu2)} |`);
  }
}

/**
 * The mid-size products of real networks (B3's 64×256·256×256 layer; B2's forward x·W1 and backward xᵀ·g),
 * called back to back: the regime where waking workers and copying operands into shared memory weigh most
 * against the halved arithmetic.
 */
function mid(): void {
  console.log('\n## Mid-size products, µs per call (median over reps, [min–max]); share of jobs the worker ran\n');
  console.log('| product | 1 thread | 2 threads | 2T/1T (median of per-rep ratios) | worker jobs |');
  console.log('|---|---|---|---|---|');
  const shapes: [string, number, number, number, boolean][] = [
    ['64×256·256×256 (B3 layer)', 64, 256, 256, false],
    ['128×784·784×128 (B2 x·W1)', 128, 784, 128, false],
    ['784×128·128×128, Aᵀ (B2 xᵀ·g)', 784, 128, 128, true],
  ];
  for (const [label, m, k, n, tr] of shapes) {
    const a = tensor(randomArray(m * k, m + k), { shape: tr ? [k, m] : [m, k] });
    const b = tensor(randomArray(k * n, k + n), { shape: [k, n] });
    const lhs = tr ? a.transpose(0, 1) : a;
    let sink: Tensor | undefined;
    const fn = (): void => { sink = matmul(lhs, b); };
    const pool = threadPool();
    const jobs0 = pool?.workerJobs ?? 0;
    const calls = callsFor(fn);
    const s = compare([1, 2], calls, fn);
    void sink;
    const one = s.get(1)!, two = s.get(2)!;
    const us = (xs: Sample[]): string => {
      const v = xs.map((x) => x.wall * 1000);
      return `${fmt(median(v), 0)} [${fmt(Math.min(...v), 0)}–${fmt(Math.max(...v), 0)}]`;
    };
    const share = pool ? (pool.workerJobs - jobs0) / (Math.max(2, calls) + REPS * calls) : 0;
    console.log(`| ${label} | ${us(one)} | ${us(two)} | ${fmt(median(one.map((x, i) => x.wall / two[i]!.wall)), 2)}× | ` +
      `${fmt(share, 1)} per call |`);
  }
}

/** A 64-element exp forced through the pool: what one dispatch costs. */
function dispatch(): void {
  console.log('\n## Cost of one parallel dispatch (exp of 64 floats, thresholds forced to 0), µs per call\n');
  const x = handleOf(randomArray(64, 3)), y = handleOf(new Float32Array(64));
  const s = compare([1, 2], 2000, () => wasmBackend.unary('exp', 'float32', x, 0, y, 64));
  console.log(`1 thread: ${fmt(median(s.get(1)!.map((v) => v.wall)) * 1000, 2)} µs; ` +
    `2 threads: ${fmt(median(s.get(2)!.map((v) => v.wall)) * 1000, 2)} µs`);
}

/** Elementwise ops by size with the pool forced on, to see where it pays. */
function elementwise(): void {
  console.log('\n## Elementwise, Gelem/s (median) with the pool forced on for 2 threads; ratio 2T/1T\n');
  console.log('| op | n | 1T wall | 2T wall | 2T/1T | 1T CPU-time | 2T idle estimate (2 × CPU-time) |');
  console.log('|---|---|---|---|---|---|---|');
  const view = (d: Float32Array): View => ({ buffer: handleOf(d), offset: 0, strides: [1] });
  for (const op of ['add', 'tanh', 'exp', 'relu'] as const) {
    for (const n of quick ? [65536, 1 << 20] : [65536, 262144, 1 << 20, 1 << 22]) {
      const x = randomArray(n, 5), z = randomArray(n, 6), y = handleOf(new Float32Array(n));
      const fn = op === 'add'
        ? (): void => wasmBackend.binary('add', 'float32', view(x), view(z), y, [n])
        : (): void => wasmBackend.unary(op, 'float32', handleOf(x), 0, y, n);
      const s = compare([1, 2], callsFor(fn), fn);
      const one = s.get(1)!, two = s.get(2)!;
      const ge = (v: number): string => fmt(n / v / 1e6, 2);
      console.log(`| ${op} | ${n} | ${ge(median(one.map((v) => v.wall)))} | ${ge(median(two.map((v) => v.wall)))} | ` +
        `${fmt(median(one.map((v, i) => v.wall / two[i]!.wall)), 2)}× | ${ge(median(one.map((v) => v.cpu)))} | ` +
        `${ge(median(two.map((v) => v.cpu)) / 2)} |`);
    }
  }
}

async function main(): Promise<void> {
  console.log(`# bench/threads.ts — ${cpus().length} logical cores, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}, ` +
    `${REPS} reps, Node ${process.version}`);
  await waitForWorkers(2);
  if (section('b1')) b1();
  if (section('mid')) mid();
  const saved = { ...wasmTuning };
  Object.assign(wasmTuning, { parallelCostly: 0, parallelSimple: 0, parallelMatmul: 0 });
  if (section('dispatch')) dispatch();
  if (section('elementwise')) elementwise();
  Object.assign(wasmTuning, saved);
  console.log(`\nworker jobs run: ${threadPool()?.workerJobs ?? 0}; load average now ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
}

await main();
