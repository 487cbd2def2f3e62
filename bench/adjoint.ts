/**
 * Workloads B1–B9 (B7–B9 in adjoint-models.ts) for adjoint, through its public API (`../src/index.js`). Features that other work adds later
 * (`checkpointSequential`, `nn.functional.conv2d`, `optim.Adam`, `setNumThreads`, more backends) are detected at
 * run time; a missing one gives "n/a (not built yet)".
 */
import * as adjoint from '../src/index.js';
import { type Tensor, tensor, matmul, noGrad, setBackend, nn, savedTensorsHooks } from '../src/index.js';
import {
  B1_SIZES, B2, B3, B4, B4_OPS, B5, B6, accuracy, b1Data, b1RelError, b2Data, b3Data, b5Data, gatherLabels, gatherRows, mnistSplit,
} from './data.js';
import {
  type Cell, type ColumnResult, b6Cells, fingerprint, log, measure, nowMs, scaleStat, statCell, textCell, valueCell,
} from './harness.js';
import { tapeChain, Value } from './scalar-tape.js';
import { b7Step, b8Step, b9Step } from './adjoint-models.js';

const NOT_BUILT = 'n/a (not built yet)';

type AnyFn = (...args: any[]) => any;
const api = adjoint as unknown as Record<string, any>;

function findExport(name: string): AnyFn | undefined {
  for (const ns of [api, api.utils, api.autograd, api.nn, api.nn?.utils, api.checkpoint]) {
    const f = ns?.[name];
    if (typeof f === 'function') return f as AnyFn;
  }
  return undefined;
}

/** What exists now. */
export function adjointFeatures(): {
  setNumThreads: AnyFn | undefined;
  checkpointSequential: AnyFn | undefined;
  conv2d: AnyFn | undefined;
  adam: (new (...args: any[]) => any) | undefined;
} {
  const fn = nn.functional as unknown as Record<string, unknown>;
  const optim = api.optim ?? api.nn?.optim;
  return {
    setNumThreads: findExport('setNumThreads'),
    checkpointSequential: findExport('checkpointSequential'),
    conv2d: typeof fn.conv2d === 'function' ? (fn.conv2d as AnyFn) : typeof api.conv2d === 'function' ? (api.conv2d as AnyFn) : undefined,
    adam: typeof optim?.Adam === 'function' ? optim.Adam : typeof api.Adam === 'function' ? api.Adam : undefined,
  };
}

const f32 = (data: Float32Array, shape: number[], requiresGrad = false): Tensor => tensor(data, { shape, requiresGrad });
const gradOf = (t: Tensor): Float32Array => {
  if (!t.grad) throw new Error('missing gradient');
  return Float32Array.from(t.grad.data());
};
const zeroGrads = (ps: readonly Tensor[]): void => {
  for (const p of ps) p.grad = null;
};
const mib = (bytes: number): number => bytes / 2 ** 20;

/** Bytes of the distinct storages saved for backward while `fn` runs (parameters excluded). */
function savedBytes<T>(params: readonly Tensor[], fn: () => T): { bytes: number; count: number; result: T } {
  const paramStorages = new Set<unknown>(params.map((p) => p.storage));
  const seen = new Map<unknown, number>();
  const result = savedTensorsHooks(
    {
      pack(t: Tensor) {
        if (!paramStorages.has(t.storage)) seen.set(t.storage, t.storage.nbytes);
        return t;
      },
      unpack: (p: unknown) => p as Tensor,
    },
    fn,
  );
  let bytes = 0;
  for (const b of seen.values()) bytes += b;
  return { bytes, count: seen.size, result };
}

/** ArrayBuffer bytes still reachable after `fn` returns (its result is kept alive), with a full GC before and after. */
function retainedBytes(fn: () => unknown): number | undefined {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) return undefined;
  gc();
  gc();
  const before = process.memoryUsage().arrayBuffers;
  const keep = fn();
  gc();
  gc();
  const after = process.memoryUsage().arrayBuffers;
  if (keep === null) log('unreachable'); // keeps `keep` alive until here
  return after - before;
}

/** The sub_ method when the Tensor has it, else an out-of-place update that swaps the leaf in `ps`. */
function sgdStep(ps: Tensor[], lr: number): void {
  noGrad(() => {
    for (let i = 0; i < ps.length; i++) {
      const p = ps[i]!;
      const g = p.grad!;
      if (typeof (p as any).sub_ === 'function') {
        p.sub_(g.mul(lr));
        p.grad = null;
      } else {
        const q = p.sub(g.mul(lr));
        q.requiresGrad = true;
        ps[i] = q;
      }
    }
  });
}

export interface AdjointRunOptions {
  readonly backend: string;
  readonly threads?: number;
  readonly b1Sizes?: readonly number[];
  /** Seeds for B6 (more are run only while one run takes under 5 s); 0 skips B6. */
  readonly b6Seeds?: number;
  /** Only these workloads (e.g. ['B4']); all when absent. */
  readonly workloads?: readonly string[];
}

export async function runAdjoint(opts: AdjointRunOptions): Promise<ColumnResult> {
  const t0 = nowMs();
  setBackend(opts.backend);
  const feats = adjointFeatures();
  const notes: string[] = [];
  if (opts.threads !== undefined) {
    if (!feats.setNumThreads) throw new Error('setNumThreads is not exported');
    feats.setNumThreads(opts.threads);
  }
  const want = (id: string): boolean => !opts.workloads || opts.workloads.includes(id);
  const column = `adjoint ${opts.backend}${opts.threads !== undefined ? ` t${opts.threads}` : ''}`;
  const cells: Record<string, Cell> = {};
  const checks: Record<string, number[]> = {};

  // ---- B1: matmul
  if (want('B1')) for (const n of opts.b1Sizes ?? B1_SIZES) {
    const d = b1Data(n);
    const a = f32(d.a, [n, n]);
    const b = f32(d.b, [n, n]);
    if (n <= 256) checks[`err:B1 n=${n} rel. error vs f64`] = [b1RelError(d.a, d.b, matmul(a, b).data(), n)];
    const s = await measure(() => matmul(a, b));
    cells[`B1 n=${n}`] = statCell(scaleStat(s, (2 * n ** 3) / 1e6, true));
    log(`  ${column} B1 n=${n}: ${(2 * n ** 3 / 1e6 / s.median).toFixed(2)} GFLOPS`);
  }

  // ---- B2: MLP
  if (want('B2')) {
    const d = b2Data();
    const x = f32(d.x, [B2.batch, B2.inp]);
    const y = tensor(d.y, { shape: [B2.batch], dtype: 'int32' });
    const ps = [f32(d.w1, [B2.inp, B2.hid], true), f32(d.b1, [B2.hid], true), f32(d.w2, [B2.hid, B2.out], true), f32(d.b2, [B2.out], true)];
    const loss = (): Tensor => {
      const [w1, b1, w2, b2] = ps as [Tensor, Tensor, Tensor, Tensor];
      return nn.functional.crossEntropy(x.matmul(w1).add(b1).relu().matmul(w2).add(b2), y);
    };
    const l = loss();
    l.backward();
    checks['B2 loss'] = [l.item()];
    ['dW1', 'db1', 'dW2', 'db2'].forEach((name, i) => (checks[`B2 ${name}`] = fingerprint(gradOf(ps[i]!))));
    const fwd = await measure(() => loss());
    const fb = await measure(() => {
      zeroGrads(ps);
      loss().backward();
    });
    const step = await measure(() => {
      zeroGrads(ps);
      loss().backward();
      sgdStep(ps, B2.lr);
    });
    cells['B2 fwd'] = statCell(fwd);
    cells['B2 fwd+bwd'] = statCell(fb);
    cells['B2 ratio'] = valueCell(fb.median / fwd.median);
    cells['B2 step'] = statCell(step);
    if (typeof (ps[0] as any).sub_ !== 'function') notes.push('B2 step: out-of-place SGD (no sub_).');
    log(`  ${column} B2: fwd ${fwd.median.toFixed(3)} fwd+bwd ${fb.median.toFixed(3)} step ${step.median.toFixed(3)} ms`);
  }

  // ---- B3: deep chain (and B3c: checkpointed)
  if (want('B3')) {
    const d = b3Data();
    const x = f32(d.x, [B3.batch, B3.width]);
    const ws = d.ws.map((w) => f32(w, [B3.width, B3.width], true));
    const bs = d.bs.map((b) => f32(b, [B3.width], true));
    const params = [...ws, ...bs];
    const layers = ws.map((w, i) => (h: Tensor) => h.matmul(w).add(bs[i]!).tanh());
    const forward = (): Tensor => {
      let h = x;
      for (const f of layers) h = f(h);
      return h.square().mean();
    };
    const saved = savedBytes(params, forward);
    saved.result.backward();
    checks['B3 loss'] = [saved.result.item()];
    checks['B3 dW[0]'] = fingerprint(gradOf(ws[0]!));
    checks['B3 db[0]'] = fingerprint(gradOf(bs[0]!));
    checks['B3 dW[63]'] = fingerprint(gradOf(ws[B3.layers - 1]!));
    const refGrads = params.map(gradOf);
    zeroGrads(params);
    const retained = retainedBytes(forward);
    const fwd = await measure(() => forward());
    const fb = await measure(() => {
      zeroGrads(params);
      forward().backward();
    });
    cells['B3 fwd'] = statCell(fwd);
    cells['B3 fwd+bwd'] = statCell(fb);
    cells['B3 saved'] = valueCell(mib(saved.bytes));
    if (retained !== undefined) cells['B3 retained'] = valueCell(mib(retained));
    log(`  ${column} B3: fwd ${fwd.median.toFixed(2)} fwd+bwd ${fb.median.toFixed(2)} ms, saved ${mib(saved.bytes).toFixed(2)} MiB (${saved.count} storages)`);

    const ckpt = feats.checkpointSequential;
    if (!ckpt) {
      for (const k of ['B3c fwd+bwd', 'B3c time ratio', 'B3c saved', 'B3c saved ratio', 'B3c grads']) cells[k] = textCell(NOT_BUILT);
    } else {
      // Each layer is a plain function that also has `forward`, so either calling convention works.
      const mods = layers.map((f) => Object.assign((h: Tensor) => f(h), { forward: f }));
      const forwardC = (): Tensor => (ckpt(mods, B3.segments, x) as Tensor).square().mean();
      try {
        zeroGrads(params);
        const savedC = savedBytes(params, forwardC);
        savedC.result.backward();
        let maxDiff = 0;
        let scale = 0;
        params.forEach((p, i) => {
          const g = gradOf(p);
          const r = refGrads[i]!;
          for (let j = 0; j < g.length; j++) {
            maxDiff = Math.max(maxDiff, Math.abs(g[j]! - r[j]!));
            scale = Math.max(scale, Math.abs(r[j]!));
          }
        });
        const retainedC = retainedBytes(forwardC);
        const fbC = await measure(() => {
          zeroGrads(params);
          forwardC().backward();
        });
        cells['B3c fwd+bwd'] = statCell(fbC);
        cells['B3c time ratio'] = valueCell(fbC.median / fb.median);
        cells['B3c saved'] = valueCell(mib(savedC.bytes));
        cells['B3c saved ratio'] = valueCell(savedC.bytes / saved.bytes);
        if (retainedC !== undefined) cells['B3c retained'] = valueCell(mib(retainedC));
        cells['B3c grads'] = textCell(maxDiff === 0 ? 'identical' : `max diff ${(maxDiff / scale).toExponential(1)} (rel.)`);
        log(`  ${column} B3c: fwd+bwd ${fbC.median.toFixed(2)} ms, saved ${mib(savedC.bytes).toFixed(2)} MiB, grads max diff ${maxDiff}`);
      } catch (e) {
        cells['B3c fwd+bwd'] = textCell(`error: ${(e as Error).message.slice(0, 80)}`);
        notes.push(`B3c failed: ${(e as Error).stack}`);
      }
    }
  }

  // ---- B4: small-op overhead on scalars
  if (want('B4')) {
    const x0 = tensor(B4.x0);
    const w = tensor(B4.w, { requiresGrad: true });
    const b = tensor(B4.b, { requiresGrad: true });
    const chain = (): Tensor => {
      let xx = x0;
      for (let i = 0; i < B4.steps; i++) xx = xx.mul(w).add(b).tanh();
      return xx;
    };
    const out = chain();
    out.backward();
    checks['B4 x, dw, db'] = [out.item(), w.grad!.item(), b.grad!.item()];
    const fwd = await measure(() => chain());
    const bwd = await measure((root: Tensor) => root.backward(), {
      setup: () => {
        w.grad = null;
        b.grad = null;
        return chain();
      },
    });
    cells['B4 fwd'] = statCell(scaleStat(fwd, 1000 / B4_OPS));
    cells['B4 bwd'] = statCell(scaleStat(bwd, 1000 / B4_OPS));
    // The yardstick: the closure tape of scalar-tape.ts on the same chain, in this process, right after.
    const tw = new Value(B4.w), tb = new Value(B4.b);
    const tape = tapeChain(tw, tb);
    tape.backward();
    checks['B4 tape x, dw, db'] = [tape.data, tw.grad, tb.grad];
    const tapeFwd = await measure(() => tapeChain(tw, tb));
    const tapeBwd = await measure((root: Value) => root.backward(), {
      setup: () => {
        tw.grad = 0;
        tb.grad = 0;
        return tapeChain(tw, tb);
      },
    });
    cells['B4 tape fwd'] = statCell(scaleStat(tapeFwd, 1000 / B4_OPS));
    cells['B4 tape bwd'] = statCell(scaleStat(tapeBwd, 1000 / B4_OPS));
    // The target's ratio: adjoint's median fwd + bwd over the tape's best fwd + best bwd.
    cells['B4 ratio'] = valueCell((fwd.median + bwd.median) / (tapeFwd.min + tapeBwd.min));
    // The same ratio on medians: the tape's best rep is one that no major GC fell into (its reps spread 3-6x,
    // adjoint's far less), so the ratio above moves with the tape's luck; this one compares like with like.
    cells['B4 ratio medians'] = valueCell((fwd.median + bwd.median) / (tapeFwd.median + tapeBwd.median));
    log(`  ${column} B4: fwd ${((fwd.median * 1000) / B4_OPS).toFixed(3)} bwd ${((bwd.median * 1000) / B4_OPS).toFixed(3)} µs/op; ` +
      `closure tape best ${(((tapeFwd.min + tapeBwd.min) * 1000) / B4_OPS).toFixed(3)} µs/op; ratio ${((fwd.median + bwd.median) / (tapeFwd.min + tapeBwd.min)).toFixed(2)}× ` +
      `(medians ${((fwd.median + bwd.median) / (tapeFwd.median + tapeBwd.median)).toFixed(2)}×)`);
  }

  // ---- B5: conv2d
  if (!want('B5')) {
    // not asked for
  } else if (!feats.conv2d) {
    cells['B5 fwd'] = textCell(NOT_BUILT);
    cells['B5 fwd+bwd'] = textCell(NOT_BUILT);
  } else {
    const conv2d = feats.conv2d;
    const d = b5Data();
    const x = f32(d.x, [B5.n, B5.c, B5.h, B5.w]);
    const wt = f32(d.w, [B5.o, B5.c, B5.k, B5.k], true);
    const bias = f32(d.b, [B5.o], true);
    const outShape = [B5.n, B5.o, B5.h - B5.k + 1, B5.w - B5.k + 1].join(',');
    // conv2d(input, weight, bias) as in PyTorch; if that form is not accepted, add the bias by broadcasting.
    let withBias = true;
    try {
      const probe = conv2d(x, wt, bias) as Tensor;
      if (probe.shape.join(',') !== outShape) throw new Error(`shape ${probe.shape.join(',')}`);
    } catch {
      withBias = false;
      notes.push('B5: conv2d(x, w, b) not accepted; bias added by broadcasting.');
    }
    const f = (): Tensor =>
      (withBias ? (conv2d(x, wt, bias) as Tensor) : (conv2d(x, wt) as Tensor).add(bias.reshape([1, B5.o, 1, 1]))).relu().sum();
    try {
      const l = f();
      l.backward();
      checks['B5 loss'] = [l.item()];
      checks['B5 dW'] = fingerprint(gradOf(wt));
      checks['B5 db'] = fingerprint(gradOf(bias));
      const fwd = await measure(() => f());
      const fb = await measure(() => {
        zeroGrads([wt, bias]);
        f().backward();
      });
      cells['B5 fwd'] = statCell(fwd);
      cells['B5 fwd+bwd'] = statCell(fb);
      log(`  ${column} B5: fwd ${fwd.median.toFixed(3)} fwd+bwd ${fb.median.toFixed(3)} ms`);
    } catch (e) {
      cells['B5 fwd'] = textCell(`error: ${(e as Error).message.slice(0, 80)}`);
      notes.push(`B5 failed: ${(e as Error).stack}`);
    }
  }

  // ---- B7, B8, B9: one training step of an LSTM, a small transformer and a LeNet with BatchNorm
  // The checks: the first two losses of a fresh model (the second after one optimizer step), which the jax-js
  // columns reproduce from the same initial weights; B9's without dropout (no random mask to share).
  const checkSteps = { B7: ['B7 loss, steps 1–2', () => b7Step()], B8: ['B8 loss, steps 1–2', () => b8Step()], B9: ['B9 loss without dropout, steps 1–2', () => b9Step(0)] } as const;
  for (const [id, make] of [['B7', b7Step], ['B8', b8Step], ['B9', b9Step]] as const) {
    if (!want(id)) continue;
    try {
      const [checkKey, makeCheck] = checkSteps[id];
      const check = makeCheck();
      checks[checkKey] = [check.step(), check.step()];
      const made = make();
      const first = made.step();
      const s = await measure(() => made.step());
      const last = made.step();
      if (!Number.isFinite(first) || !Number.isFinite(last)) throw new Error(`loss ${first} → ${last}`);
      cells[`${id} step`] = statCell(s);
      if ('clipBuiltIn' in made && !made.clipBuiltIn) notes.push(`${id}: no nn.utils.clipGradNorm_ yet; the step clips with tensor ops.`);
      log(`  ${column} ${id}: step ${s.median.toFixed(2)} ms (loss ${first.toFixed(4)} → ${last.toFixed(4)})`);
    } catch (e) {
      cells[`${id} step`] = textCell(`error: ${(e as Error).message.slice(0, 80)}`);
      notes.push(`${id} failed: ${(e as Error).stack}`);
    }
  }

  // ---- B6: MNIST training
  if (!want('B6')) {
    // not asked for
  } else if (opts.b6Seeds === 0) {
    cells['B6 train'] = textCell('skipped');
  } else if (!feats.adam) {
    cells['B6 train'] = textCell(NOT_BUILT);
    cells['B6 acc'] = textCell(NOT_BUILT);
  } else {
    try {
      const r = await b6(feats.adam, opts.b6Seeds ?? 3, column, checks);
      Object.assign(cells, r);
    } catch (e) {
      cells['B6 train'] = textCell(`error: ${(e as Error).message.slice(0, 80)}`);
      notes.push(`B6 failed: ${(e as Error).stack}`);
    }
  }

  return { column, library: 'adjoint', version: 'working tree', cells, checks, notes, seconds: (nowMs() - t0) / 1000 };
}

/** Options of one B6 training run of adjoint. */
export interface AdjointB6Options {
  /** The device of the model, the data batches and the optimizer state (default 'cpu'). */
  readonly device?: 'cpu' | 'webgpu';
  /** Stop after this many steps (a smoke run); the full 10 epochs when absent. */
  readonly maxSteps?: number;
}

type AdamCtor = new (...args: any[]) => any;

/** B6's model and optimizer for `seed`'s split, on `device`. */
function b6Model(Adam: AdamCtor, s: ReturnType<typeof mnistSplit>, device: 'cpu' | 'webgpu') {
  const on = device === 'cpu' ? {} : { device };
  const p = (data: Float32Array, shape: number[]): Tensor => tensor(data, { shape, requiresGrad: true, ...on });
  const ps = [p(s.w1, [784, 128]), p(s.b1, [128]), p(s.w2, [128, 10]), p(s.b2, [10])];
  const [w1, b1, w2, b2] = ps as [Tensor, Tensor, Tensor, Tensor];
  const model = (xb: Tensor): Tensor => xb.matmul(w1).add(b1).relu().matmul(w2).add(b2);
  const opt = new Adam(ps, { lr: B6.lr, betas: [B6.beta1, B6.beta2], eps: B6.eps });
  const zero = typeof opt.zeroGrad === 'function' ? () => opt.zeroGrad() : () => zeroGrads(ps);
  const batch = (order: Int32Array, i: number): [Tensor, Tensor] => [
    tensor(gatherRows(s.trainX, 784, order, i, B6.batch), { shape: [B6.batch, 784], ...on }),
    tensor(gatherLabels(s.trainY, order, i, B6.batch), { shape: [B6.batch], dtype: 'int32', ...on }),
  ];
  return { model, opt, zero, batch, on };
}

/**
 * B6's correctness check: the losses of the first two training steps of seed 0 from the shared initial weights
 * (the second after one Adam step), untimed; every library that trains B6 reports the same pair.
 */
export async function adjointB6Check(Adam: AdamCtor, device: 'cpu' | 'webgpu' = 'cpu'): Promise<number[]> {
  const s = mnistSplit(0);
  const { model, opt, zero, batch } = b6Model(Adam, s, device);
  const order = s.epochOrder(0);
  const losses: number[] = [];
  for (let k = 0; k < 2; k++) {
    const [xb, yb] = batch(order, k * B6.batch);
    zero();
    const loss = nn.functional.crossEntropy(model(xb), yb);
    loss.backward();
    opt.step();
    losses.push(await loss.itemAsync());
  }
  return losses;
}

/**
 * One timed B6 training run: seconds, steps and test accuracy (%). On 'cpu' the loop never awaits (as before); on
 * 'webgpu' each step ends with an awaited read of its loss, as every GPU training loop does, so that the time is
 * that of work done.
 */
export async function adjointB6Run(Adam: AdamCtor, seed: number, opts: AdjointB6Options = {}): Promise<{ seconds: number; steps: number; acc: number }> {
  const device = opts.device ?? 'cpu';
  const s = mnistSplit(seed);
  const { model, opt, zero, batch, on } = b6Model(Adam, s, device);
  const max = opts.maxSteps ?? Infinity;
  let steps = 0;
  const t0 = nowMs();
  for (let e = 0; e < B6.epochs && steps < max; e++) {
    const order = s.epochOrder(e);
    for (let i = 0; i + B6.batch <= B6.train && steps < max; i += B6.batch) {
      const [xb, yb] = batch(order, i);
      zero();
      const loss = nn.functional.crossEntropy(model(xb), yb);
      loss.backward();
      opt.step();
      steps++;
      if (device !== 'cpu') await loss.itemAsync();
    }
  }
  const seconds = (nowMs() - t0) / 1000;
  const logits = noGrad(() => model(tensor(s.testX, { shape: [B6.test, 784], ...on })));
  const acc = accuracy(await logits.dataAsync(), s.testY, 10) * 100;
  return { seconds, steps, acc };
}

async function b6(Adam: AdamCtor, maxSeeds: number, column: string, checks: Record<string, number[]>): Promise<Record<string, Cell>> {
  checks['B6 loss, steps 1–2'] = await adjointB6Check(Adam);
  const times: number[] = [];
  const accs: number[] = [];
  for (let seed = 0; seed < maxSeeds; seed++) {
    const { seconds: t, acc } = await adjointB6Run(Adam, seed);
    times.push(t);
    accs.push(acc);
    log(`  ${column} B6 seed ${seed}: ${t.toFixed(2)} s, test accuracy ${acc.toFixed(2)} %`);
    if (t > 5) break; // slow: one seed is enough for the timing
  }
  return b6Cells(times, accs);
}
