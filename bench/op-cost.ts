/**
 * `npm run bench:op-cost`: what one small op costs, in figures that a loaded machine does not distort, and A/B
 * timings that it distorts the same way for both sides.
 *
 * - **Allocations per op** of B4's chain (`x = tanh(x·w + b)` on scalars), forward and backward: every object V8
 *   allocates, counted with the sampling heap profiler at a 1-byte interval (so every allocation is sampled, and
 *   objects collected by minor or major GCs are kept in the profile), grouped by the function that allocated it.
 * - **Time per op**, the closure tape of `scalar-tape.ts` (the yardstick) and each tree, in alternating reps in one
 *   process, so that load from other processes falls on all of them alike; ratios are of medians.
 *
 * Options: `--base=DIR` also loads the library of another checkout (e.g. a worktree of the commit before) in the
 * same process; `--steps=N` B4 steps for the counts (default 1000); `--reps=N` timing reps (default 15); `--json`
 * prints the figures as JSON too; `--no-timing` only counts.
 */
import { spawnSync } from 'node:child_process';
import { Session } from 'node:inspector/promises';
import v8 from 'node:v8';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { B4 } from './data.js';
import { Value } from './scalar-tape.js';

const here = path.dirname(fileURLToPath(import.meta.url));

interface Lib {
  readonly label: string;
  readonly chain: (steps: number) => { fwd: () => unknown; bwd: (root: unknown) => void };
}

async function loadLib(label: string, root: string): Promise<Lib> {
  const m = (await import(pathToFileURL(path.join(root, 'src', 'index.ts')).href)) as typeof import('../src/index.js');
  m.setBackend('wasm');
  return {
    label,
    chain: (steps) => {
      const x0 = m.tensor(B4.x0);
      const w = m.tensor(B4.w, { requiresGrad: true });
      const b = m.tensor(B4.b, { requiresGrad: true });
      return {
        fwd: () => {
          let x = x0;
          for (let i = 0; i < steps; i++) x = x.mul(w).add(b).tanh();
          return x;
        },
        bwd: (root) => {
          w.grad = null;
          b.grad = null;
          (root as import('../src/index.js').Tensor).backward();
        },
      };
    },
  };
}

const tapeLib: Lib = {
  label: 'closure tape',
  chain: (steps) => {
    const w = new Value(B4.w), b = new Value(B4.b);
    return {
      fwd: () => {
        let x = new Value(B4.x0);
        for (let i = 0; i < steps; i++) x = x.mul(w).add(b).tanh();
        return x;
      },
      bwd: (root) => {
        w.grad = 0;
        b.grad = 0;
        (root as Value).backward();
      },
    };
  },
};

// ------------------------------------------------------------------ allocation counts
interface SampleNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children: SampleNode[];
}
interface Profile {
  head: SampleNode;
  samples: { size: number; nodeId: number }[];
}

/** Objects and bytes allocated while `fn` runs, by the allocating function (innermost frame with a name in src/ or bench/). */
async function allocations(session: Session, fn: () => void): Promise<{ objects: number; bytes: number; sites: Map<string, { objects: number; bytes: number }> }> {
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 1,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  } as never);
  fn();
  const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: Profile };
  const site = new Map<number, string>();
  const walk = (n: SampleNode, parent: string): void => {
    const f = n.callFrame;
    const file = f.url.replace(/^.*\/(src|bench)\//, '$1/');
    const own = f.functionName && /(src|bench)\//.test(file) ? `${f.functionName} (${file})` : f.url === '' && f.functionName === '' ? parent : parent || `${f.functionName || '(anonymous)'}`;
    site.set(n.id, own);
    for (const c of n.children) walk(c, own);
  };
  walk(profile.head, '');
  const sites = new Map<string, { objects: number; bytes: number }>();
  let objects = 0, bytes = 0;
  for (const s of profile.samples) {
    const k = site.get(s.nodeId) ?? '?';
    const e = sites.get(k) ?? { objects: 0, bytes: 0 };
    e.objects++;
    e.bytes += s.size;
    sites.set(k, e);
    objects++;
    bytes += s.size;
  }
  return { objects, bytes, sites };
}

async function counts(session: Session, lib: Lib, steps: number): Promise<{ fwd: Awaited<ReturnType<typeof allocations>>; bwd: Awaited<ReturnType<typeof allocations>> }> {
  const c = lib.chain(steps);
  // Warm up so that the JIT has settled (optimised code allocates less than the interpreter).
  for (let i = 0; i < 20; i++) c.bwd(c.fwd());
  let root: unknown;
  const fwd = await allocations(session, () => {
    root = c.fwd();
  });
  const bwd = await allocations(session, () => c.bwd(root));
  return { fwd, bwd };
}

// ------------------------------------------------------------------ timing
function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function timeRep(lib: ReturnType<Lib['chain']>): { fwd: number; bwd: number } {
  const t0 = process.hrtime.bigint();
  const root = lib.fwd();
  const t1 = process.hrtime.bigint();
  lib.bwd(root);
  const t2 = process.hrtime.bigint();
  return { fwd: Number(t1 - t0) / 1e3, bwd: Number(t2 - t1) / 1e3 };
}

/** Heap bytes that survive a full GC while the forward graph of `steps` steps is alive, per op. */
function retainedPerOp(lib: Lib, steps: number): number {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return NaN;
  const c = lib.chain(steps);
  c.bwd(c.fwd());
  gc();
  gc();
  const before = v8.getHeapStatistics().used_heap_size;
  const root = c.fwd();
  gc();
  gc();
  const after = v8.getHeapStatistics().used_heap_size;
  if (root === null) process.stdout.write('');
  return (after - before) / (3 * steps);
}

async function countsMain(libs: Lib[], steps: number, json: boolean): Promise<void> {
  const session = new Session();
  session.connect();
  await session.post('HeapProfiler.enable');
  const report: Record<string, unknown> = {};
  const ops = 3 * steps;
  for (const lib of libs) {
    const { fwd, bwd } = await counts(session, lib, steps);
    const kept = retainedPerOp(lib, 5 * steps);
    process.stdout.write(`\n${lib.label}: per op, forward ${(fwd.objects / ops).toFixed(2)} objects / ${(fwd.bytes / ops).toFixed(0)} B ` +
      `(${kept.toFixed(0)} B of them still reachable from the output after a full GC); ` +
      `backward ${(bwd.objects / ops).toFixed(2)} objects / ${(bwd.bytes / ops).toFixed(0)} B\n`);
    for (const [phase, a] of [['forward', fwd], ['backward', bwd]] as const) {
      const rows = [...a.sites].sort((x, y) => y[1].objects - x[1].objects).filter(([, v]) => v.objects / ops >= 0.05);
      for (const [k, v] of rows) process.stdout.write(`  ${phase.padEnd(8)} ${(v.objects / ops).toFixed(2).padStart(6)} obj ${(v.bytes / ops).toFixed(0).padStart(5)} B  ${k}\n`);
    }
    report[lib.label] = { fwdObjectsPerOp: fwd.objects / ops, fwdBytesPerOp: fwd.bytes / ops, fwdRetainedBytesPerOp: kept, bwdObjectsPerOp: bwd.objects / ops, bwdBytesPerOp: bwd.bytes / ops };
  }
  session.disconnect();
  if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
}

function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function timingMain(libs: Lib[], reps: number, json: boolean): void {
  // Alternating reps of the full B4 chain (10,000 steps): tape, then each tree, in turn. Wall time and this
  // process's CPU time (which other processes' load inflates much less).
  const chains = [tapeLib, ...libs].map((l) => ({ label: l.label, c: l.chain(B4.steps), fwd: [] as number[], bwd: [] as number[], cpu: [] as number[] }));
  for (const ch of chains) for (let i = 0; i < 3; i++) timeRep(ch.c); // warm-up
  const ops = 3 * B4.steps;
  for (let r = 0; r < reps; r++) {
    for (const ch of chains) {
      const c0 = cpuUs();
      const t = timeRep(ch.c);
      ch.cpu.push((cpuUs() - c0) / ops);
      ch.fwd.push(t.fwd / ops);
      ch.bwd.push(t.bwd / ops);
    }
  }
  const report: Record<string, unknown> = {};
  const tape = chains[0]!;
  const tapeBest = Math.min(...tape.fwd) + Math.min(...tape.bwd);
  const tapeCpuBest = Math.min(...tape.cpu);
  process.stdout.write(`\nB4 timing, ${reps} alternating reps (µs per op, wall: median (min); CPU time of fwd+bwd: median (min)):\n`);
  for (const ch of chains) {
    const f = median(ch.fwd), b = median(ch.bwd), c = median(ch.cpu);
    process.stdout.write(`  ${ch.label.padEnd(24)} fwd ${f.toFixed(3)} (${Math.min(...ch.fwd).toFixed(3)})  bwd ${b.toFixed(3)} (${Math.min(...ch.bwd).toFixed(3)})  ` +
      `cpu ${c.toFixed(3)} (${Math.min(...ch.cpu).toFixed(3)});  / tape best: wall ${((f + b) / tapeBest).toFixed(2)}×, cpu ${(c / tapeCpuBest).toFixed(2)}×\n`);
    report[ch.label] = { fwdMedianUs: f, bwdMedianUs: b, cpuMedianUs: c, ratioToTapeBest: (f + b) / tapeBest, cpuRatioToTapeBest: c / tapeCpuBest };
  }
  if (chains.length === 3) {
    const [, mine, other] = chains as [typeof tape, typeof tape, typeof tape];
    // Per-rep ratios (each rep of this tree against the base's rep right after it), then their median.
    const per = (f: (c: typeof tape, i: number) => number): number => median(mine.fwd.map((_, i) => f(other, i) / f(mine, i)));
    const rf = per((c, i) => c.fwd[i]!), rb = per((c, i) => c.bwd[i]!), rt = per((c, i) => c.fwd[i]! + c.bwd[i]!), rc = per((c, i) => c.cpu[i]!);
    process.stdout.write(`  base / this tree, median of per-rep ratios: fwd ${rf.toFixed(2)}×, bwd ${rb.toFixed(2)}×, fwd+bwd ${rt.toFixed(2)}×, cpu ${rc.toFixed(2)}×\n`);
    report['base / this tree'] = { fwd: rf, bwd: rb, total: rt, cpu: rc };
  }
  if (json) process.stdout.write(`${JSON.stringify(report)}\n`);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string): string | undefined => args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
  const steps = Number(opt('steps') ?? 1000);
  const reps = Number(opt('reps') ?? 15);
  const base = opt('base');
  const json = args.includes('--json');
  const libs: Lib[] = [await loadLib('this tree', path.resolve(here, '..'))];
  if (base) libs.push(await loadLib(`base (${base})`, path.resolve(base)));
  if (args.includes('--counts')) {
    await countsMain([tapeLib, ...libs], steps, json);
    return;
  }
  // Counts in a child without allocation folding, so that each object is one allocation (folding merges the
  // objects an optimised function allocates together into one); timing here, with V8's defaults.
  const r = spawnSync(process.execPath, ['--expose-gc', '--no-turbo-allocation-folding', '--no-enable-allocation-folding',
    '--import', 'tsx', fileURLToPath(import.meta.url), '--counts', ...args], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`counting child failed: ${r.status}`);
  if (!args.includes('--no-timing')) timingMain(libs, reps, json);
}

await main();
