/**
 * G1 (issue 20): adjoint, TensorFlow.js (`@tensorflow/tfjs-backend-webgpu`) and jax-js (`init('webgpu')`, `jit`) on
 * WebGPU in Node, through the `webgpu` package (Dawn's Node bindings): matmul n = 1024, 2048, 4096 (GFLOPS), B3
 * (fwd, fwd+bwd), B6 (MNIST training, 10 epochs, seed 0: total time, time per step, test accuracy) and B8 (one
 * minGPT step), each library in its own child process of bench/run.ts (columns `webgpu:G1`, `webgpu:G1:tfjs`,
 * `webgpu:G1:jax`). Same data and initial weights as the CPU rows; the checks (B3's loss and gradients, B6's first
 * two losses, B8's first two losses where the weights are shared, the matmul's error against float64) use the CPU
 * rows' keys, so the checks table compares them with the CPU columns.
 *
 * Every timed call runs to completion: it ends with an awaited read-back (adjoint, tfjs) or `blockUntilReady`
 * (jax-js); a B6 step awaits its loss (or parameters) as GPU training loops do.
 *
 * Only a real GPU is timed. No adapter: every cell says "not measured, no GPU". A fallback (software) adapter such
 * as SwiftShader: "fallback adapter: correctness only", and nothing runs (an emulator's timings mean nothing, and
 * kernels are not tuned on one) — unless `--gpu-smoke` is given: then each workload of each column runs once, with
 * a 64×64 matmul and 3 B6 steps, its values (losses, checks) are printed and reported, and its cells say
 * "fallback adapter: correctness only (smoke run)". Each workload runs under a time limit; a failure becomes its
 * cell's text. The device is destroyed before the process ends (an unfinished map at exit crashes Node on some
 * drivers).
 */
import { type Cell, type ColumnResult, type Stat, fingerprint, log, measure, nowMs, packageVersion, scaleStat, statCell, textCell, valueCell } from './harness.js';

/** The matrix sizes of G1's matmul rows. */
export const G1_SIZES = [1024, 2048, 4096] as const;

/** Every cell key of a G1 column. */
export const G1_KEYS: readonly string[] = [
  ...G1_SIZES.map((n) => `G1 n=${n}`), 'G1 B3 fwd', 'G1 B3 fwd+bwd', 'G1 B6 train', 'G1 B6 step', 'G1 B6 acc', 'G1 B8 step',
];

/** The libraries of G1's three columns. */
export type G1Library = 'adjoint' | 'tfjs' | 'jax';

/** Times a call: the harness's `measure` on a real GPU, a single call in a smoke run. */
export type Timer = (fn: () => unknown) => Promise<Stat>;

/** What one library provides to G1: the workloads on its WebGPU backend, already initialised. */
export interface G1Workloads {
  /** Time of an n×n product (to completion), and its error against float64 when `check`. */
  readonly matmul: (n: number, time: Timer, check: boolean) => Promise<{ stat: Stat; relError?: number }>;
  /** B3's forward and forward+backward times and its checks (`B3 loss`, `B3 dW[0]`, …). */
  readonly b3: (time: Timer) => Promise<{ fwd: Stat; fb: Stat; checks: Record<string, number[]> }>;
  /** B6's first two losses from the shared initial weights (untimed). */
  readonly b6Check: () => Promise<number[]>;
  /** One timed B6 run: the full 10 epochs, or `maxSteps` steps. */
  readonly b6Run: (maxSteps?: number) => Promise<{ seconds: number; steps: number; acc: number }>;
  /** A fresh B8 model and its step (the loss read back); `sameWeights`: it starts from adjoint's initial weights. */
  readonly b8: { readonly make: () => () => Promise<number>; readonly sameWeights: boolean };
  /** Destroy the device. */
  readonly teardown: () => Promise<void>;
  /** The WebGPU errors (validation, out of memory) the device reported since the last call, which Dawn does not throw. */
  readonly errors: () => string[];
  /** Lines for the report (adapter, backend details). */
  readonly notes: readonly string[];
}

const NO_GPU = 'not measured, no GPU';
const FALLBACK = 'fallback adapter: correctness only';
const SMOKE = 'fallback adapter: correctness only (smoke run)';
/** The parts of a GPUDevice that G1 uses on the peers' devices. */
export interface GpuDeviceLike {
  destroy(): void;
  readonly queue: { onSubmittedWorkDone(): Promise<void> };
  addEventListener?(type: 'uncapturederror', f: (e: { error?: { message?: string } }) => void): void;
}

/** Collects a device's uncaptured errors (Dawn only logs them), for `G1Workloads.errors`. */
export function collectErrors(device: GpuDeviceLike): () => string[] {
  const seen: string[] = [];
  device.addEventListener?.('uncapturederror', (e) => seen.push(e.error?.message ?? 'unknown error'));
  return () => seen.splice(0);
}

/** A software adapter's names, for drivers that do not set `isFallbackAdapter` (as adjoint's `webgpu.init`). */
const SOFTWARE = /swiftshader|llvmpipe|lavapipe|warp|software|mesa offscreen/i;
/** The longest one workload may take before its cells report a timeout. */
const WORKLOAD_LIMIT_MS = 150_000;

interface Adapter {
  readonly isFallbackAdapter?: boolean;
  readonly info?: { vendor?: string; architecture?: string; description?: string; device?: string; isFallbackAdapter?: boolean };
}
interface Gpu {
  requestAdapter(opts?: { powerPreference?: string }): Promise<Adapter | null>;
}

/** The `webgpu` package's GPU, the adapter it offers (null: none), and whether that adapter is a software one. */
async function probe(): Promise<{ gpu: Gpu; globals: Record<string, unknown>; adapter: string; fallback: boolean } | { why: string }> {
  let pkg: { create: (flags: string[]) => Gpu; globals: Record<string, unknown> };
  try {
    pkg = (await import('webgpu')) as unknown as typeof pkg;
  } catch (e) {
    return { why: `the webgpu package could not be loaded (${(e as Error).message.split('\n')[0]})` };
  }
  const gpu = pkg.create([]);
  const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  if (adapter === null) return { why: 'requestAdapter() gave null (no Vulkan, Metal or D3D12 driver)' };
  const i = adapter.info ?? {};
  const name = [i.vendor, i.architecture, i.description].filter(Boolean).join(' ');
  const fallback = adapter.isFallbackAdapter === true || i.isFallbackAdapter === true || SOFTWARE.test(`${name} ${i.device ?? ''}`);
  return { gpu, globals: pkg.globals, adapter: name, fallback };
}

/**
 * Give the peers the browser globals their WebGPU backends look for: `navigator.gpu` (and `navigator.userAgent`,
 * which jax-js reads) and the WebGPU constants (`GPUBufferUsage`, …) that tfjs uses. Only in G1's child processes.
 */
function installBrowserGlobals(gpu: Gpu, globals: Record<string, unknown>): void {
  const g = globalThis as Record<string, unknown>;
  for (const [k, v] of Object.entries(globals)) if (g[k] === undefined) g[k] = v;
  if (g.navigator === undefined) {
    Object.defineProperty(globalThis, 'navigator', { value: {}, writable: true, configurable: true });
  }
  const nav = g.navigator as Record<string, unknown>;
  nav.gpu = gpu;
  nav.userAgent ??= `Node.js/${process.version}`;
}

/** One call, as a one-rep "stat": for checks and smoke runs, which print it and never report it as a timing. */
const once: Timer = async (fn) => {
  const t0 = nowMs();
  const r = fn();
  if (r instanceof Promise) await r;
  const ms = nowMs() - t0;
  return { median: ms, min: ms, max: ms, reps: 1, batch: 1 };
};

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms / 1000} s`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

const COLUMNS: Record<G1Library, { column: string; library: string; version: () => string }> = {
  adjoint: { column: 'adjoint webgpu', library: 'adjoint', version: () => 'working tree' },
  tfjs: { column: 'tfjs-webgpu', library: '@tensorflow/tfjs', version: () => packageVersion('@tensorflow/tfjs-backend-webgpu') },
  jax: { column: 'jax-js webgpu (jit)', library: '@jax-js/jax', version: () => packageVersion('@jax-js/jax') },
};

/** The workloads of `lib` on its WebGPU backend (imported only here, after the globals are in place). */
async function open(lib: G1Library, gpu: Gpu): Promise<G1Workloads> {
  if (lib === 'adjoint') return adjointG1(gpu);
  if (lib === 'tfjs') return (await import('./peers/tfjs.js')).tfjsG1();
  return (await import('./peers/jaxjs.js')).jaxG1();
}

/**
 * Runs G1's column for `lib` in this process (a child of bench/run.ts). `smoke` (`--gpu-smoke`): on a fallback
 * adapter, run every workload once to show that the code paths work, without reporting times.
 */
export async function runG1(lib: G1Library, smoke: boolean): Promise<ColumnResult> {
  const t0 = nowMs();
  const { column, library, version } = COLUMNS[lib];
  const cells: Record<string, Cell> = {};
  const checks: Record<string, number[]> = {};
  const notes: string[] = [];
  const result = (): ColumnResult => ({ column, library, version: version(), cells, checks, notes, seconds: (nowMs() - t0) / 1000 });
  const fillAll = (text: string): void => {
    for (const k of G1_KEYS) cells[k] ??= textCell(text);
  };

  const p = await probe();
  if ('why' in p) {
    fillAll(NO_GPU);
    notes.push(`G1: not measured, no GPU: ${p.why}.`);
    log(`  ${column}: not measured, no GPU (${p.why})`);
    return result();
  }
  if (p.fallback && !smoke) {
    fillAll(FALLBACK);
    notes.push(`G1: not measured, no GPU: fallback adapter (${p.adapter}): correctness only (\`--gpu-smoke\` runs each workload once).`);
    log(`  ${column}: fallback adapter (${p.adapter}): correctness only; nothing timed`);
    return result();
  }
  const smokeRun = p.fallback && smoke;
  notes.push(`G1 adapter: ${p.adapter}${smokeRun ? ' (fallback adapter: smoke run, nothing timed)' : ''}`);
  log(`  ${column}: adapter ${p.adapter}${smokeRun ? ' (fallback: smoke run, one call per workload, no timings)' : ''}`);

  /** Runs one workload; a failure or a timeout becomes the text of its cells and a note. */
  const guard = async (what: string, keys: readonly string[], fn: () => Promise<void>): Promise<void> => {
    try {
      await withTimeout(fn(), WORKLOAD_LIMIT_MS, what);
      const errors = w.errors();
      if (errors.length) throw new Error(`WebGPU error (${errors.length}×): ${errors[0]!.split('\n')[0]}`);
    } catch (e) {
      const msg = (e as Error).message.split('\n')[0]!;
      for (const k of keys) cells[k] = textCell(`error: ${msg.slice(0, 80)}`);
      notes.push(`G1 ${what} failed: ${msg}`);
      log(`  ${column} G1 ${what} failed: ${(e as Error).stack ?? msg}`);
    }
  };

  if (lib !== 'adjoint') installBrowserGlobals(p.gpu, p.globals);
  let w: G1Workloads;
  try {
    w = await withTimeout(open(lib, p.gpu), 60_000, 'opening the device');
  } catch (e) {
    const msg = (e as Error).message.split('\n')[0]!;
    fillAll(`error: ${msg.slice(0, 80)}`);
    notes.push(`G1: the ${library} WebGPU backend did not start: ${msg}`);
    log(`  ${column}: the WebGPU backend did not start: ${(e as Error).stack ?? msg}`);
    return result();
  }
  notes.push(...w.notes);
  const time: Timer = smokeRun ? once : (fn) => measure(fn);
  try {
    // ---- matmul: the error against float64 at a small size, then the timed sizes (one 64×64 product when smoking).
    const checkN = smokeRun ? 64 : 256;
    await guard(`matmul n=${checkN} check`, [], async () => {
      const r = await w.matmul(checkN, once, true);
      checks[`err:G1 matmul n=${checkN} rel. error vs f64`] = [r.relError!];
      log(`  ${column} G1 matmul n=${checkN}: rel. error vs f64 ${r.relError!.toExponential(2)}`);
    });
    if (!smokeRun) {
      for (const n of G1_SIZES) {
        await guard(`matmul n=${n}`, [`G1 n=${n}`], async () => {
          const { stat } = await w.matmul(n, time, false);
          cells[`G1 n=${n}`] = statCell(scaleStat(stat, (2 * n ** 3) / 1e6, true));
          log(`  ${column} G1 n=${n}: ${(2 * n ** 3 / 1e6 / stat.median).toFixed(1)} GFLOPS`);
        });
      }
    }

    // ---- B3
    await guard('B3', ['G1 B3 fwd', 'G1 B3 fwd+bwd'], async () => {
      const r = await w.b3(time);
      Object.assign(checks, r.checks);
      cells['G1 B3 fwd'] = statCell(r.fwd);
      cells['G1 B3 fwd+bwd'] = statCell(r.fb);
      log(`  ${column} G1 B3: loss ${r.checks['B3 loss']![0]!.toPrecision(6)}, dW[0] L1 ${r.checks['B3 dW[0]']![0]!.toPrecision(6)}; ` +
        `fwd ${r.fwd.median.toFixed(2)} fwd+bwd ${r.fb.median.toFixed(2)} ms${smokeRun ? ' (one call, not a timing)' : ''}`);
    });

    // ---- B6
    await guard('B6', ['G1 B6 train', 'G1 B6 step', 'G1 B6 acc'], async () => {
      const first = await w.b6Check();
      checks['B6 loss, steps 1–2'] = first;
      const r = await w.b6Run(smokeRun ? 3 : undefined);
      cells['G1 B6 train'] = statCell({ median: r.seconds, min: r.seconds, max: r.seconds, reps: 1, batch: 1 });
      cells['G1 B6 step'] = valueCell((r.seconds * 1000) / r.steps);
      cells['G1 B6 acc'] = textCell(`${r.acc.toFixed(2)} (seed 0)`);
      log(`  ${column} G1 B6: losses of steps 1–2 ${first.map((x) => x.toPrecision(6)).join(', ')}; ${r.steps} steps in ${r.seconds.toFixed(2)} s ` +
        `(${((r.seconds * 1000) / r.steps).toFixed(2)} ms/step), test accuracy ${r.acc.toFixed(2)} %`);
    });

    // ---- B8
    await guard('B8', ['G1 B8 step'], async () => {
      if (w.b8.sameWeights) {
        const check = w.b8.make();
        checks['B8 loss, steps 1–2'] = [await check(), await check()];
      }
      const step = w.b8.make();
      const first = await step();
      const s = await time(() => step());
      const last = await step();
      if (!Number.isFinite(first) || !Number.isFinite(last)) throw new Error(`loss ${first} → ${last}`);
      cells['G1 B8 step'] = statCell(s);
      const shown = checks['B8 loss, steps 1–2'] ? `losses of steps 1–2 ${checks['B8 loss, steps 1–2']!.map((x) => x.toPrecision(6)).join(', ')}; ` : '';
      log(`  ${column} G1 B8: ${shown}step ${s.median.toFixed(2)} ms (loss ${first.toFixed(4)} → ${last.toFixed(4)})`);
    });
  } finally {
    await withTimeout(w.teardown(), 30_000, 'destroying the device').catch((e: Error) => notes.push(`G1 teardown: ${e.message}`));
  }
  if (smokeRun) {
    // The values stay (checks, log); the figures of one call on an emulator are not reported.
    for (const k of G1_KEYS) if (cells[k]?.kind !== 'text' || !(cells[k] as { text: string }).text.startsWith('error')) cells[k] = textCell(SMOKE);
  }
  return result();
}

// ------------------------------------------------------------------------------------------------ adjoint

/** adjoint's G1 workloads on the 'webgpu' device (data and weights made on the CPU as the CPU rows', then moved). */
async function adjointG1(gpu: Gpu): Promise<G1Workloads> {
  const { matmul, tensor, webgpu, optim } = await import('../src/index.js');
  const { B3, b1Data, b1RelError, b3Data } = await import('./data.js');
  const { adjointB6Check, adjointB6Run } = await import('./adjoint.js');
  const { b8StepWebgpu } = await import('./adjoint-models.js');
  const info = await webgpu.init({ gpu: gpu as never });
  const dev = { device: 'webgpu' } as const;
  return {
    notes: [`adjoint webgpu features: ${info.features.join(', ') || 'none'}`],
    matmul: async (n, time, check) => {
      const d = b1Data(n);
      const a = tensor(d.a, { shape: [n, n], ...dev });
      const b = tensor(d.b, { shape: [n, n], ...dev });
      const relError = check ? b1RelError(d.a, d.b, await matmul(a, b).dataAsync(), n) : undefined;
      const stat = await time(async () => {
        await matmul(a, b).narrow(0, 0, 1).narrow(1, 0, 1).itemAsync();
      });
      return relError === undefined ? { stat } : { stat, relError };
    },
    b3: async (time) => {
      const d = b3Data();
      const x = tensor(d.x, { shape: [B3.batch, B3.width], ...dev });
      const ws = d.ws.map((w) => tensor(w, { shape: [B3.width, B3.width], requiresGrad: true, ...dev }));
      const bs = d.bs.map((b) => tensor(b, { shape: [B3.width], requiresGrad: true, ...dev }));
      const params = [...ws, ...bs];
      const forward = () => {
        let h = x;
        for (let i = 0; i < B3.layers; i++) h = h.matmul(ws[i]!).add(bs[i]!).tanh();
        return h.square().mean();
      };
      const l = forward();
      l.backward();
      const checks: Record<string, number[]> = {
        'B3 loss': [await l.itemAsync()],
        'B3 dW[0]': fingerprint(await ws[0]!.grad!.dataAsync()),
        'B3 db[0]': fingerprint(await bs[0]!.grad!.dataAsync()),
        'B3 dW[63]': fingerprint(await ws[B3.layers - 1]!.grad!.dataAsync()),
      };
      const fwd = await time(async () => {
        await forward().itemAsync();
      });
      // Reading the first layer's gradient (the last one backward computes) makes sure all of it was done.
      const fb = await time(async () => {
        for (const q of params) q.grad = null;
        forward().backward();
        await ws[0]!.grad!.dataAsync();
      });
      return { fwd, fb, checks };
    },
    b6Check: () => adjointB6Check(optim.Adam, 'webgpu'),
    b6Run: (maxSteps) => adjointB6Run(optim.Adam, 0, maxSteps === undefined ? { device: 'webgpu' } : { device: 'webgpu', maxSteps }),
    b8: { make: () => b8StepWebgpu().step, sameWeights: true },
    // adjoint's context reports its device's errors itself (they reject the next read).
    errors: () => [],
    teardown: () => webgpu.destroy(),
  };
}
