/**
 * Workloads B1–B9 (B7–B9 in jaxjs-models.ts) for @jax-js/jax 0.1.25 on its `wasm` device, eager and `jit`, and
 * G1's matmul, B3, B6 and B8 on its `webgpu` device with `jit` (`jaxG1`, driven by bench/webgpu.ts).
 *
 * Pitfalls (anchors/perf.md): call `init('cpu', 'wasm')` (a bare `init()` probes WebGPU and throws
 * `navigator is not defined` in Node). Arrays have move semantics: every function consumes its array arguments,
 * so an array used again is passed as `.ref`, and every result is disposed (`dataSync()` also consumes).
 * Work is lazy: each timed call waits for its results with `blockUntilReady`.
 * B4 is not run: jax-js's graph building and `valueAndGrad` grow super-linearly with the 30,000-op chain
 * (1,000 steps ran > 2.5 min before exhausting the 4 GB heap, per the anchors).
 */
import { type Array as JArray, blockUntilReady, defaultDevice, getWebGPUDevice, grad, init, jit, lax, nn, numpy as np, tree, valueAndGrad } from '@jax-js/jax';
import {
  B1_SIZES, B2, B3, B5, B6, accuracy, b1Data, b1RelError, b2Data, b3Data, b5Data, gatherLabels, gatherRows, mnistSplit, oneHot,
} from '../data.js';
import {
  type Cell, type ColumnResult, type Stat, b6Cells, fingerprint, packageVersion, log, measure, nowMs, scaleStat, statCell, textCell, valueCell,
} from '../harness.js';
import { type JaxStep, jaxB7Step, jaxB8Step, jaxB9Step } from './jaxjs-models.js';
import { type G1Workloads, type GpuDeviceLike, collectErrors } from '../webgpu.js';

export interface JaxRunOptions {
  readonly mode: 'eager' | 'jit';
  readonly b1Sizes?: readonly number[];
  readonly b6: boolean;
  /** Only these workloads (e.g. ['B4']); all when absent. */
  readonly workloads?: readonly string[];
}

const arr = (data: Float32Array, shape: number[]): JArray => np.array(data, { shape });

/** Wait for every array of a result tree, then dispose it. */
async function finish(result: unknown): Promise<void> {
  await blockUntilReady(result as never);
  tree.dispose(result as never);
}

/** Times a call (harness `measure`, or a single untimed call in G1's smoke run). */
export type Timer = (fn: () => unknown) => Promise<Stat>;

/** An array's values (consumes it): synchronously on the CPU devices, through the async `data()` on 'webgpu'. */
async function values(a: JArray): Promise<ArrayLike<number>> {
  return a.device === 'webgpu' ? await a.data() : a.dataSync();
}

/** B1 (and G1's matmul) on the default device: the time of an n×n product, and its error against float64 when `check`. */
export async function jaxMatmul(n: number, useJit: boolean, time: Timer, check: boolean): Promise<{ stat: Stat; relError?: number }> {
  const mm = useJit ? jit((a: JArray, b: JArray) => np.matmul(a, b)) : (a: JArray, b: JArray) => np.matmul(a, b);
  const d = b1Data(n);
  const a = arr(d.a, [n, n]);
  const b = arr(d.b, [n, n]);
  const relError = check ? b1RelError(d.a, d.b, await values(mm(a.ref, b.ref)), n) : undefined;
  const stat = await time(() => finish(mm(a.ref, b.ref)));
  a.dispose();
  b.dispose();
  return relError === undefined ? { stat } : { stat, relError };
}

/** B3 on the default device: forward and forward+backward times, and the checks of the shared inputs. */
export async function jaxB3(useJit: boolean, time: Timer): Promise<{ fwd: Stat; fb: Stat; checks: Record<string, number[]> }> {
  const d = b3Data();
  const x = arr(d.x, [B3.batch, B3.width]);
  const ws = d.ws.map((w) => arr(w, [B3.width, B3.width]));
  const bs = d.bs.map((b) => arr(b, [B3.width]));
  const lossFn = (wl: JArray[], bl: JArray[], xx: JArray): JArray => {
    let h = xx;
    for (let i = 0; i < wl.length; i++) h = np.tanh(np.matmul(h, wl[i]!).add(bl[i]!));
    return np.mean(np.square(h));
  };
  const fwdFn = useJit ? jit(lossFn) : lossFn;
  const vg = useJit ? jit(valueAndGrad(lossFn, { argnums: [0, 1] })) : valueAndGrad(lossFn, { argnums: [0, 1] });
  const args = (): [JArray[], JArray[], JArray] => [ws.map((w) => w.ref), bs.map((b) => b.ref), x.ref];
  const checks: Record<string, number[]> = {};
  {
    const [l, [gw, gb]] = vg(...args());
    checks['B3 loss'] = [(await values(l))[0]!];
    checks['B3 dW[0]'] = fingerprint(await values(gw[0]!.ref));
    checks['B3 db[0]'] = fingerprint(await values(gb[0]!.ref));
    checks['B3 dW[63]'] = fingerprint(await values(gw[B3.layers - 1]!.ref));
    tree.dispose([gw, gb]);
  }
  const fwd = await time(() => finish(fwdFn(...args())));
  const fb = await time(() => finish(vg(...args())));
  tree.dispose([x, ws, bs]);
  return { fwd, fb, checks };
}

/** B6's model and loss over a parameter list [W1, b1, W2, b2]. */
const b6Model = (p: JArray[], xx: JArray): JArray => np.matmul(nn.relu(np.matmul(xx, p[0]!).add(p[1]!)), p[2]!).add(p[3]!);
const b6Loss = (p: JArray[], xx: JArray, y: JArray): JArray => np.mean(np.sum(nn.logSoftmax(b6Model(p, xx), 1).mul(y), 1)).neg();

/**
 * B6's Adam step (written out: jax-js has no optimizers; @jax-js/optax is a separate package), `jit`ted or not.
 * `c1`, `c2` are the bias corrections 1/(1 − βᵗ) as arrays, so that `jit` traces it once.
 */
function b6AdamStep(useJit: boolean) {
  const { beta1: m1, beta2: m2, eps, lr } = B6;
  const f = (p: JArray[], m: JArray[], v: JArray[], xx: JArray, y: JArray, c1: JArray, c2: JArray) => {
    const gs = grad(b6Loss)(p.map((q) => q.ref), xx, y);
    const np1: JArray[] = [];
    const nm: JArray[] = [];
    const nv: JArray[] = [];
    for (let i = 0; i < p.length; i++) {
      const g = gs[i]!;
      const mi = m[i]!.mul(m1).add(g.ref.mul(1 - m1));
      const vi = v[i]!.mul(m2).add(g.ref.mul(g).mul(1 - m2));
      const mhat = mi.ref.mul(c1.ref);
      const vhat = vi.ref.mul(c2.ref);
      np1.push(p[i]!.sub(mhat.mul(lr).div(np.sqrt(vhat).add(eps))));
      nm.push(mi);
      nv.push(vi);
    }
    c1.dispose();
    c2.dispose();
    return [np1, nm, nv] as [JArray[], JArray[], JArray[]];
  };
  return useJit ? jit(f) : f;
}

/** B6 on the default device: `steps` Adam steps of seed 0 (or the full run), with the losses of the first two. */
async function b6Train(useJit: boolean, maxSteps: number, lossesOf: number): Promise<{ seconds: number; steps: number; acc: number; losses: number[] }> {
  const s = mnistSplit(0);
  const { beta1: m1, beta2: m2 } = B6;
  const adamStep = b6AdamStep(useJit);
  let p = [arr(s.w1, [784, 128]), arr(s.b1, [128]), arr(s.w2, [128, 10]), arr(s.b2, [10])];
  let m = p.map((q) => np.zerosLike(q.ref));
  let v = p.map((q) => np.zerosLike(q.ref));
  const losses: number[] = [];
  const t0b = nowMs();
  let t = 0;
  for (let e = 0; e < B6.epochs && t < maxSteps; e++) {
    const order = s.epochOrder(e);
    for (let i = 0; i + B6.batch <= B6.train && t < maxSteps; i += B6.batch) {
      t++;
      const xb = arr(gatherRows(s.trainX, 784, order, i, B6.batch), [B6.batch, 784]);
      const yb = arr(oneHot(gatherLabels(s.trainY, order, i, B6.batch), 10), [B6.batch, 10]);
      if (t <= lossesOf) losses.push((await values(b6Loss(p.map((q) => q.ref), xb.ref, yb.ref)))[0]!);
      const c1 = np.array(1 / (1 - m1 ** t));
      const c2 = np.array(1 / (1 - m2 ** t));
      [p, m, v] = adamStep(p, m, v, xb, yb, c1, c2);
      await blockUntilReady(p);
    }
  }
  const seconds = (nowMs() - t0b) / 1000;
  const acc = accuracy(await values(b6Model(p, arr(s.testX, [B6.test, 784]))), s.testY, 10) * 100;
  tree.dispose([m, v]);
  return { seconds, steps: t, acc, losses };
}

/** B6's check: the losses of the first two steps of seed 0 (untimed), as adjoint's `adjointB6Check`. */
export async function jaxB6Check(useJit = true): Promise<number[]> {
  return (await b6Train(useJit, 2, 2)).losses;
}

/** One timed B6 run (seed 0): seconds, steps, test accuracy (%); each step waits for its parameters. */
export async function jaxB6Run(useJit: boolean, maxSteps = Infinity): Promise<{ seconds: number; steps: number; acc: number }> {
  const { seconds, steps, acc } = await b6Train(useJit, maxSteps, 0);
  return { seconds, steps, acc };
}

export async function runJax(opts: JaxRunOptions): Promise<ColumnResult> {
  const t0 = nowMs();
  const devices = await init('cpu', 'wasm');
  if (!devices.includes('wasm')) throw new Error(`jax-js: no wasm device (got ${devices.join(', ')})`);
  defaultDevice('wasm');
  const useJit = opts.mode === 'jit';
  const maybeJit = <F extends (...args: any[]) => any>(f: F): F => (useJit ? (jit(f) as unknown as F) : f);
  const column = `jax-js ${opts.mode}`;
  const want = (id: string): boolean => !opts.workloads || opts.workloads.includes(id);
  const cells: Record<string, Cell> = {};
  const checks: Record<string, number[]> = {};
  const notes: string[] = [];
  const version = packageVersion('@jax-js/jax');

  // ---- B1
  if (want('B1')) for (const n of opts.b1Sizes ?? B1_SIZES) {
    const r = await jaxMatmul(n, useJit, (fn) => measure(fn), n <= 256);
    if (r.relError !== undefined) checks[`err:B1 n=${n} rel. error vs f64`] = [r.relError];
    cells[`B1 n=${n}`] = statCell(scaleStat(r.stat, (2 * n ** 3) / 1e6, true));
    log(`  ${column} B1 n=${n}: ${(2 * n ** 3 / 1e6 / r.stat.median).toFixed(2)} GFLOPS`);
  }

  // ---- B2
  if (want('B2')) {
    const d = b2Data();
    const x = arr(d.x, [B2.batch, B2.inp]);
    const yh = arr(d.yOneHot, [B2.batch, B2.out]);
    let ps = [arr(d.w1, [B2.inp, B2.hid]), arr(d.b1, [B2.hid]), arr(d.w2, [B2.hid, B2.out]), arr(d.b2, [B2.out])];
    const lossFn = (w1: JArray, b1: JArray, w2: JArray, b2: JArray, xx: JArray, y: JArray): JArray => {
      const logits = np.matmul(nn.relu(np.matmul(xx, w1).add(b1)), w2).add(b2);
      return np.mean(np.sum(nn.logSoftmax(logits, 1).mul(y), 1)).neg();
    };
    const fwdFn = maybeJit(lossFn);
    const vg = maybeJit(valueAndGrad(lossFn, { argnums: [0, 1, 2, 3] }));
    const stepFn = maybeJit((w1: JArray, b1: JArray, w2: JArray, b2: JArray, xx: JArray, y: JArray) => {
      const [l, gs] = valueAndGrad(lossFn, { argnums: [0, 1, 2, 3] })(w1.ref, b1.ref, w2.ref, b2.ref, xx, y);
      const next = [w1, b1, w2, b2].map((p, i) => p.sub(gs[i]!.mul(B2.lr)));
      return [l, ...next] as JArray[];
    });
    const refs = () => ps.map((p) => p.ref) as [JArray, JArray, JArray, JArray];
    {
      const [l, gs] = vg(...refs(), x.ref, yh.ref);
      checks['B2 loss'] = [l.dataSync()[0]!];
      ['dW1', 'db1', 'dW2', 'db2'].forEach((name, i) => (checks[`B2 ${name}`] = fingerprint(gs[i]!.dataSync())));
    }
    const fwd = await measure(() => finish(fwdFn(...refs(), x.ref, yh.ref)));
    const fb = await measure(() => finish(vg(...refs(), x.ref, yh.ref)));
    const step = await measure(async () => {
      const [l, ...next] = stepFn(...(ps as [JArray, JArray, JArray, JArray]), x.ref, yh.ref);
      ps = next;
      await finish(l);
      await blockUntilReady(ps);
    });
    cells['B2 fwd'] = statCell(fwd);
    cells['B2 fwd+bwd'] = statCell(fb);
    cells['B2 ratio'] = valueCell(fb.median / fwd.median);
    cells['B2 step'] = statCell(step);
    log(`  ${column} B2: fwd ${fwd.median.toFixed(3)} fwd+bwd ${fb.median.toFixed(3)} step ${step.median.toFixed(3)} ms`);
    tree.dispose([x, yh, ps]);
  }

  // ---- B3
  if (want('B3')) {
    const r = await jaxB3(useJit, (fn) => measure(fn));
    Object.assign(checks, r.checks);
    cells['B3 fwd'] = statCell(r.fwd);
    cells['B3 fwd+bwd'] = statCell(r.fb);
    log(`  ${column} B3: fwd ${r.fwd.median.toFixed(2)} fwd+bwd ${r.fb.median.toFixed(2)} ms`);
  }

  // ---- B4: not run (see the header)
  if (want('B4')) {
    cells['B4 fwd'] = textCell('fails (super-linear)');
    cells['B4 bwd'] = textCell('fails (super-linear)');
  }

  // ---- B5: NCHW, OIHW as adjoint
  if (want('B5')) {
    const d = b5Data();
    const x = arr(d.x, [B5.n, B5.c, B5.h, B5.w]);
    const w = arr(d.w, [B5.o, B5.c, B5.k, B5.k]);
    const b = arr(d.b, [B5.o]);
    const lossFn = (wt: JArray, bias: JArray, xx: JArray): JArray =>
      np.sum(nn.relu(lax.conv(xx, wt, [1, 1], 'VALID').add(bias.reshape([B5.o, 1, 1]))));
    const fwdFn = maybeJit(lossFn);
    const vg = maybeJit(valueAndGrad(lossFn, { argnums: [0, 1] }));
    {
      const [l, [gw, gb]] = vg(w.ref, b.ref, x.ref);
      checks['B5 loss'] = [l.dataSync()[0]!];
      checks['B5 dW'] = fingerprint(gw.dataSync());
      checks['B5 db'] = fingerprint(gb.dataSync());
    }
    const fwd = await measure(() => finish(fwdFn(w.ref, b.ref, x.ref)));
    const fb = await measure(() => finish(vg(w.ref, b.ref, x.ref)));
    cells['B5 fwd'] = statCell(fwd);
    cells['B5 fwd+bwd'] = statCell(fb);
    log(`  ${column} B5: fwd ${fwd.median.toFixed(3)} fwd+bwd ${fb.median.toFixed(3)} ms`);
    tree.dispose([x, w, b]);
  }

  // ---- B6 (optional for peers): Adam written out (jax-js has no optimizers; @jax-js/optax is a separate package)
  if (!want('B6')) {
    // not asked for
  } else if (!opts.b6) {
    cells['B6 train'] = textCell('–');
    cells['B6 acc'] = textCell('–');
  } else {
    checks['B6 loss, steps 1–2'] = await jaxB6Check();
    const { seconds: time, acc } = await jaxB6Run(useJit);
    Object.assign(cells, b6Cells([time], [acc]));
    log(`  ${column} B6 seed 0: ${time.toFixed(2)} s, test accuracy ${acc.toFixed(2)} %`);
  }
  notes.push('B4 not run on jax-js: super-linear graph growth (anchors: 1,000 steps > 2.5 min, then out of heap).');

  // ---- B7, B8, B9: one training step each (jaxjs-models.ts), from adjoint's initial weights
  if (['B7', 'B8', 'B9'].some(want)) {
    const { b7Parts, b8Parts, b9Parts } = await import('../adjoint-models.js');
    const makers = [
      ['B7', (): JaxStep => jaxB7Step(b7Parts().initial(), useJit), (): JaxStep => jaxB7Step(b7Parts().initial(), useJit), 'B7 loss, steps 1–2'],
      ['B8', (): JaxStep => jaxB8Step(b8Parts().initial(), useJit), (): JaxStep => jaxB8Step(b8Parts().initial(), useJit), 'B8 loss, steps 1–2'],
      ['B9', (): JaxStep => jaxB9Step(b9Parts().initial(), useJit), (): JaxStep => jaxB9Step(b9Parts(0).initial(), useJit, 0), 'B9 loss without dropout, steps 1–2'],
    ] as const;
    for (const [id, make, makeCheck, checkKey] of makers) {
      if (!want(id)) continue;
      try {
        const check = makeCheck();
        checks[checkKey] = [await check(), await check()];
        const step = make();
        const first = await step();
        const s = await measure(() => step());
        const last = await step();
        if (!Number.isFinite(first) || !Number.isFinite(last)) throw new Error(`loss ${first} → ${last}`);
        cells[`${id} step`] = statCell(s);
        log(`  ${column} ${id}: step ${s.median.toFixed(2)} ms (loss ${first.toFixed(4)} → ${last.toFixed(4)})`);
      } catch (e) {
        cells[`${id} step`] = textCell(`error: ${(e as Error).message.slice(0, 80)}`);
        notes.push(`${id} failed: ${(e as Error).stack}`);
      }
    }
    notes.push('B7–B9 start from adjoint\'s initial weights; attention, max-pooling, BatchNorm2d and dropout written from jax-js ops (see bench/peers/jaxjs-models.ts).');
  }

  return { column, library: '@jax-js/jax', version, cells, checks, notes, seconds: (nowMs() - t0) / 1000 };
}

/**
 * G1: jax-js on its `webgpu` device, `jit` throughout, for bench/webgpu.ts (which has put the `webgpu` package's
 * GPU at `navigator.gpu`, where `init('webgpu')` looks). Reads are asynchronous (`data()`); B8 starts from
 * adjoint's initial weights, as the CPU jax-js columns do.
 */
export async function jaxG1(): Promise<G1Workloads> {
  const got = await init('webgpu');
  if (!got.includes('webgpu')) throw new Error("jax-js: init('webgpu') gave no webgpu device (requestAdapter or requestDevice failed)");
  defaultDevice('webgpu');
  const { b8Parts } = await import('../adjoint-models.js');
  const device = getWebGPUDevice() as unknown as GpuDeviceLike;
  return {
    errors: collectErrors(device),
    notes: ['jax-js webgpu: jit; B8 from adjoint\'s initial weights (bench/peers/jaxjs-models.ts).'],
    matmul: (n, time, check) => jaxMatmul(n, true, time, check),
    b3: (time) => jaxB3(true, time),
    b6Check: () => jaxB6Check(true),
    b6Run: (maxSteps) => jaxB6Run(true, maxSteps),
    b8: { make: () => jaxB8Step(b8Parts().initial(), true), sameWeights: true },
    teardown: async () => {
      await device.queue.onSubmittedWorkDone();
      device.destroy();
    },
  };
}
