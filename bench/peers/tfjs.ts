/**
 * Workloads B1–B9 (B7–B9 in tfjs-models.ts) for TensorFlow.js 4.22 on its `cpu` and `wasm` backends, and G1's
 * matmul, B3, B6 and B8 on its `webgpu` backend (`tfjsG1`, driven by bench/webgpu.ts).
 *
 * Pitfalls handled here (anchors/perf.md): the union package `@tensorflow/tfjs` is needed for gradients (the
 * tfjs-core Node bundle registers none); the wasm backend finds its .wasm files through `setWasmPaths`, and runs
 * single-threaded with SIMD in Node; it has no `Conv2DBackpropFilter` kernel. tfjs uses NHWC for conv2d.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import {
  B1_SIZES, B2, B3, B4, B4_OPS, B5, B6, accuracy, b1Data, b1RelError, b2Data, b3Data, b5Data, gatherLabels, gatherRows,
  hwioToOihw, mnistSplit, nchwToNhwc, oihwToHwio, oneHot,
} from '../data.js';
import {
  type Cell, type ColumnResult, type Stat, b6Cells, fingerprint, packageVersion, log, measure, nowMs, scaleStat, statCell, textCell, valueCell,
} from '../harness.js';

import { tfjsB7Step, tfjsB8Step, tfjsB8StepAsync, tfjsB9Step } from './tfjs-models.js';
import { type G1Workloads, type GpuDeviceLike, collectErrors } from '../webgpu.js';

const require = createRequire(import.meta.url);

export interface TfjsRunOptions {
  readonly backend: 'cpu' | 'wasm';
  readonly b1Sizes?: readonly number[];
  readonly b6: boolean;
  /** Only these workloads (e.g. ['B4']); all when absent. */
  readonly workloads?: readonly string[];
}

async function init(backend: 'cpu' | 'wasm'): Promise<void> {
  if (backend === 'wasm') {
    setWasmPaths(`${path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))}/dist/`);
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs backend ${backend} failed to initialise`);
  await tf.ready();
  if (tf.getBackend() !== backend) throw new Error(`tfjs is on ${tf.getBackend()}, not ${backend}`);
}

/**
 * How a column reads results: synchronously (`cpu`, `wasm`), or through the async `data()` (`webgpu`, G1: WebGPU
 * has no synchronous read-back in Node).
 */
export type ReadMode = 'sync' | 'async';

/** Times a call (harness `measure`, or a single untimed call in G1's smoke run). */
export type Timer = (fn: () => unknown) => Promise<Stat>;

/** `t`'s values, read as `mode` says. */
async function values(mode: ReadMode, t: tf.Tensor): Promise<ArrayLike<number>> {
  return mode === 'sync' ? t.dataSync() : await t.data();
}

/** Wait until `t` is computed (by reading it back), then dispose `ts`. */
function settle(mode: ReadMode, t: tf.Tensor, ts: tf.Tensor[]): void | Promise<void> {
  if (mode === 'sync') {
    t.dataSync(); // cpu and wasm run synchronously; this only makes sure the work is done
    tf.dispose(ts);
    return;
  }
  return t.data().then(() => tf.dispose(ts));
}

/**
 * B1 (and G1's matmul): the time of an n×n product read back to completion, and its error against a float64
 * product when `check` (cheap only for n ≤ 256).
 */
export async function tfjsMatmul(n: number, mode: ReadMode, time: Timer, check: boolean): Promise<{ stat: Stat; relError?: number }> {
  const d = b1Data(n);
  const a = tf.tensor2d(d.a, [n, n]);
  const b = tf.tensor2d(d.b, [n, n]);
  let relError: number | undefined;
  if (check) {
    const c = tf.matMul(a, b);
    relError = b1RelError(d.a, d.b, await values(mode, c), n);
    c.dispose();
  }
  const stat = await time(() => {
    const c = tf.matMul(a, b);
    return settle(mode, c, [c]);
  });
  tf.dispose([a, b]);
  return relError === undefined ? { stat } : { stat, relError };
}

/**
 * B3: 64 × [Linear(256,256) + tanh]: forward and forward+backward times, the checks of the shared inputs, and
 * (synchronous backends) the peak of tf.memory() over one forward+backward.
 */
export async function tfjsB3(mode: ReadMode, time: Timer): Promise<{ fwd: Stat; fb: Stat; checks: Record<string, number[]>; peakMiB?: number }> {
  const d = b3Data();
  const x = tf.tensor2d(d.x, [B3.batch, B3.width]);
  const ws = d.ws.map((w) => tf.variable(tf.tensor2d(w, [B3.width, B3.width])));
  const bs = d.bs.map((b) => tf.variable(tf.tensor1d(b)));
  const vars = [...ws, ...bs];
  const forward = (): tf.Scalar => {
    let h: tf.Tensor = x;
    for (let i = 0; i < B3.layers; i++) h = tf.tanh(tf.add(tf.matMul(h, ws[i]!), bs[i]!));
    return tf.mean(tf.square(h)) as tf.Scalar;
  };
  const checks: Record<string, number[]> = {};
  const once = async (): Promise<void> => {
    const { value, grads } = tf.variableGrads(forward, vars);
    checks['B3 loss'] = [(await values(mode, value))[0]!];
    checks['B3 dW[0]'] = fingerprint(await values(mode, grads[ws[0]!.name]!));
    checks['B3 db[0]'] = fingerprint(await values(mode, grads[bs[0]!.name]!));
    checks['B3 dW[63]'] = fingerprint(await values(mode, grads[ws[B3.layers - 1]!.name]!));
    tf.dispose([value, ...Object.values(grads)]);
  };
  let peakMiB: number | undefined;
  if (mode === 'sync') {
    const before = tf.memory().numBytes;
    const prof = await tf.profile(once);
    peakMiB = (prof.peakBytes - before) / 2 ** 20;
  } else {
    await once();
  }
  const fwd = await time(() => {
    const l = tf.tidy(forward);
    return settle(mode, l, [l]);
  });
  // Reading the first layer's gradient (the last one backward computes) makes sure all of it was done.
  const fb = await time(() => {
    const { value, grads } = tf.variableGrads(forward, vars);
    return settle(mode, mode === 'sync' ? value : grads[ws[0]!.name]!, [value, ...Object.values(grads)]);
  });
  tf.dispose([x, ...vars]);
  return peakMiB === undefined ? { fwd, fb, checks } : { fwd, fb, checks, peakMiB };
}

/** B6's model (784→128→10 from the shared initial weights of seed 0's split) and Adam. */
function b6Model(s: ReturnType<typeof mnistSplit>) {
  const vars = [
    tf.variable(tf.tensor2d(s.w1, [784, 128])), tf.variable(tf.tensor1d(s.b1)),
    tf.variable(tf.tensor2d(s.w2, [128, 10])), tf.variable(tf.tensor1d(s.b2)),
  ];
  const [w1, b1, w2, b2] = vars as [tf.Variable, tf.Variable, tf.Variable, tf.Variable];
  const model = (xb: tf.Tensor): tf.Tensor => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(xb, w1), b1)), w2), b2);
  const opt = tf.train.adam(B6.lr, B6.beta1, B6.beta2, B6.eps);
  const batch = (order: Int32Array, i: number): [tf.Tensor, tf.Tensor] => [
    tf.tensor2d(gatherRows(s.trainX, 784, order, i, B6.batch), [B6.batch, 784]),
    tf.tensor2d(oneHot(gatherLabels(s.trainY, order, i, B6.batch), 10), [B6.batch, 10]),
  ];
  const loss = (xb: tf.Tensor, yb: tf.Tensor) => (): tf.Scalar => tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(model(xb), 1), yb), 1))) as tf.Scalar;
  return { vars, model, opt, batch, loss };
}

/** B6's check: the losses of the first two steps of seed 0 (untimed), as adjoint's `adjointB6Check`. */
export async function tfjsB6Check(mode: ReadMode): Promise<number[]> {
  const s = mnistSplit(0);
  const { vars, opt, batch, loss } = b6Model(s);
  const order = s.epochOrder(0);
  const out: number[] = [];
  for (let k = 0; k < 2; k++) {
    const [xb, yb] = batch(order, k * B6.batch);
    const cost = opt.minimize(loss(xb, yb), true, vars)!;
    out.push((await values(mode, cost))[0]!);
    tf.dispose([xb, yb, cost]);
  }
  tf.dispose(vars);
  opt.dispose();
  return out;
}

/**
 * One timed B6 run (seed 0): seconds, steps, test accuracy (%). Synchronous backends never read inside the loop
 * (as before); on `webgpu` each step ends with an awaited read of its loss, as GPU training loops do.
 */
export async function tfjsB6Run(mode: ReadMode, maxSteps = Infinity): Promise<{ seconds: number; steps: number; acc: number }> {
  const s = mnistSplit(0);
  const { vars, model, opt, batch, loss } = b6Model(s);
  let steps = 0;
  const t0 = nowMs();
  for (let e = 0; e < B6.epochs && steps < maxSteps; e++) {
    const order = s.epochOrder(e);
    for (let i = 0; i + B6.batch <= B6.train && steps < maxSteps; i += B6.batch) {
      const [xb, yb] = batch(order, i);
      steps++;
      if (mode === 'sync') {
        opt.minimize(loss(xb, yb), false, vars);
      } else {
        const cost = opt.minimize(loss(xb, yb), true, vars)!;
        await cost.data();
        cost.dispose();
      }
      tf.dispose([xb, yb]);
    }
  }
  const seconds = (nowMs() - t0) / 1000;
  const logits = tf.tidy(() => model(tf.tensor2d(s.testX, [B6.test, 784])));
  const acc = accuracy(await values(mode, logits), s.testY, 10) * 100;
  tf.dispose([logits, ...vars]);
  opt.dispose();
  return { seconds, steps, acc };
}

export async function runTfjs(opts: TfjsRunOptions): Promise<ColumnResult> {
  const t0 = nowMs();
  await init(opts.backend);
  const column = `tfjs-${opts.backend}`;
  const want = (id: string): boolean => !opts.workloads || opts.workloads.includes(id);
  const cells: Record<string, Cell> = {};
  const checks: Record<string, number[]> = {};
  const notes: string[] = [];
  const version = packageVersion('@tensorflow/tfjs');

  // ---- B1
  if (want('B1')) for (const n of opts.b1Sizes ?? B1_SIZES) {
    const r = await tfjsMatmul(n, 'sync', (fn) => measure(fn), n <= 256);
    if (r.relError !== undefined) checks[`err:B1 n=${n} rel. error vs f64`] = [r.relError];
    cells[`B1 n=${n}`] = statCell(scaleStat(r.stat, (2 * n ** 3) / 1e6, true));
    log(`  ${column} B1 n=${n}: ${(2 * n ** 3 / 1e6 / r.stat.median).toFixed(2)} GFLOPS`);
  }

  // ---- B2
  if (want('B2')) {
    const d = b2Data();
    const x = tf.tensor2d(d.x, [B2.batch, B2.inp]);
    const yh = tf.tensor2d(d.yOneHot, [B2.batch, B2.out]);
    const w1 = tf.variable(tf.tensor2d(d.w1, [B2.inp, B2.hid]));
    const b1 = tf.variable(tf.tensor1d(d.b1));
    const w2 = tf.variable(tf.tensor2d(d.w2, [B2.hid, B2.out]));
    const b2 = tf.variable(tf.tensor1d(d.b2));
    const vars = [w1, b1, w2, b2];
    const loss = (): tf.Scalar => {
      const logits = tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, w1), b1)), w2), b2);
      return tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(logits, 1), yh), 1))) as tf.Scalar;
    };
    {
      const { value, grads } = tf.variableGrads(loss, vars);
      checks['B2 loss'] = [value.dataSync()[0]!];
      ['dW1', 'db1', 'dW2', 'db2'].forEach((name, i) => (checks[`B2 ${name}`] = fingerprint(grads[vars[i]!.name]!.dataSync())));
      tf.dispose([value, ...Object.values(grads)]);
    }
    const fwd = await measure(() => {
      const l = tf.tidy(loss);
      l.dataSync();
      l.dispose();
    });
    const fb = await measure(() => {
      const { value, grads } = tf.variableGrads(loss, vars);
      value.dataSync();
      tf.dispose([value, ...Object.values(grads)]);
    });
    const step = await measure(() => {
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(loss, vars);
        for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name]!, B2.lr)));
        value.dataSync();
      });
    });
    cells['B2 fwd'] = statCell(fwd);
    cells['B2 fwd+bwd'] = statCell(fb);
    cells['B2 ratio'] = valueCell(fb.median / fwd.median);
    cells['B2 step'] = statCell(step);
    log(`  ${column} B2: fwd ${fwd.median.toFixed(3)} fwd+bwd ${fb.median.toFixed(3)} step ${step.median.toFixed(3)} ms`);
    tf.dispose([x, yh, ...vars]);
  }

  // ---- B3
  if (want('B3')) {
    const r = await tfjsB3('sync', (fn) => measure(fn));
    Object.assign(checks, r.checks);
    if (r.peakMiB !== undefined) cells['B3 peak'] = valueCell(r.peakMiB);
    cells['B3 fwd'] = statCell(r.fwd);
    cells['B3 fwd+bwd'] = statCell(r.fb);
    log(`  ${column} B3: fwd ${r.fwd.median.toFixed(2)} fwd+bwd ${r.fb.median.toFixed(2)} ms`);
  }

  // ---- B4: fwd timed directly; bwd = (fwd+bwd) − fwd, since tfjs records and differentiates in one call.
  if (want('B4')) {
    const x0 = tf.scalar(B4.x0);
    const w = tf.scalar(B4.w);
    const b = tf.scalar(B4.b);
    const chain = (wv: tf.Tensor, bv: tf.Tensor): tf.Scalar => {
      let xx: tf.Tensor = x0;
      for (let i = 0; i < B4.steps; i++) xx = tf.tanh(tf.add(tf.mul(xx, wv), bv));
      return xx as tf.Scalar;
    };
    const gradsOf = tf.grads((wv: tf.Tensor, bv: tf.Tensor) => chain(wv, bv));
    {
      const out = tf.tidy(() => chain(w, b));
      const [gw, gb] = tf.tidy(() => gradsOf([w, b]));
      checks['B4 x, dw, db'] = [out.dataSync()[0]!, gw!.dataSync()[0]!, gb!.dataSync()[0]!];
      tf.dispose([out, gw!, gb!]);
    }
    const fwd = await measure(() => {
      const out = tf.tidy(() => chain(w, b));
      out.dataSync();
      out.dispose();
    });
    const fb = await measure(() => {
      const gs = tf.tidy(() => gradsOf([w, b]));
      gs[0]!.dataSync();
      tf.dispose(gs);
    });
    const bwd = { ...fb, median: fb.median - fwd.median, min: fb.min - fwd.median, max: fb.max - fwd.median };
    cells['B4 fwd'] = statCell(scaleStat(fwd, 1000 / B4_OPS));
    cells['B4 bwd'] = statCell(scaleStat(bwd, 1000 / B4_OPS));
    log(`  ${column} B4: fwd ${((fwd.median * 1000) / B4_OPS).toFixed(3)} bwd ${((bwd.median * 1000) / B4_OPS).toFixed(3)} µs/op`);
    tf.dispose([x0, w, b]);
  }

  // ---- B5: NHWC input, HWIO filter
  if (want('B5')) {
    const d = b5Data();
    const x = tf.tensor4d(nchwToNhwc(d.x, B5.n, B5.c, B5.h, B5.w), [B5.n, B5.h, B5.w, B5.c]);
    const filt = tf.variable(tf.tensor4d(oihwToHwio(d.w, B5.o, B5.c, B5.k, B5.k), [B5.k, B5.k, B5.c, B5.o]));
    const bias = tf.variable(tf.tensor1d(d.b));
    const f = (): tf.Scalar => tf.sum(tf.relu(tf.add(tf.conv2d(x, filt as tf.Tensor4D, 1, 'valid'), bias))) as tf.Scalar;
    const fwd = await measure(() => {
      const l = tf.tidy(f);
      l.dataSync();
      l.dispose();
    });
    cells['B5 fwd'] = statCell(fwd);
    try {
      const { value, grads } = tf.variableGrads(f, [filt, bias]);
      checks['B5 loss'] = [value.dataSync()[0]!];
      checks['B5 dW'] = fingerprint(hwioToOihw(grads[filt.name]!.dataSync(), B5.o, B5.c, B5.k, B5.k));
      checks['B5 db'] = fingerprint(grads[bias.name]!.dataSync());
      tf.dispose([value, ...Object.values(grads)]);
      const fb = await measure(() => {
        const r = tf.variableGrads(f, [filt, bias]);
        r.value.dataSync();
        tf.dispose([r.value, ...Object.values(r.grads)]);
      });
      cells['B5 fwd+bwd'] = statCell(fb);
      log(`  ${column} B5: fwd ${fwd.median.toFixed(3)} fwd+bwd ${fb.median.toFixed(3)} ms`);
    } catch (e) {
      const msg = (e as Error).message;
      cells['B5 fwd+bwd'] = textCell(/Conv2DBackpropFilter/.test(msg) ? 'n/a: no Conv2DBackpropFilter kernel' : `error: ${msg.slice(0, 60)}`);
      notes.push(`B5 fwd+bwd on tfjs-${opts.backend}: ${msg}`);
      log(`  ${column} B5: fwd ${fwd.median.toFixed(3)} ms; fwd+bwd fails: ${msg}`);
    }
    tf.dispose([x, filt, bias]);
  }

  // ---- B7, B8, B9: one training step
  for (const [id, make] of [['B7', tfjsB7Step], ['B8', tfjsB8Step], ['B9', tfjsB9Step]] as const) {
    if (!want(id)) continue;
    try {
      const step = make();
      const first = step();
      // A step takes seconds on tfjs-cpu: no warm-up beyond the first step, and the fewest reps.
      const s = await measure(() => step(), { warmupMs: 0, reps: 5 });
      cells[`${id} step`] = statCell(s);
      log(`  ${column} ${id}: step ${s.median.toFixed(2)} ms (first loss ${first.toFixed(4)}, tensors alive ${tf.memory().numTensors})`);
    } catch (e) {
      const msg = (e as Error).message;
      const missing = /Kernel '(\w+)' not registered/.exec(msg) ?? /(Conv2DBackpropFilter)/.exec(msg);
      cells[`${id} step`] = textCell(missing ? `n/a: no ${missing[1]} kernel` : `error: ${msg.slice(0, 60)}`);
      notes.push(`${id} on tfjs-${opts.backend}: ${msg.split('\n')[0]}`);
    }
  }

  // ---- B6 (optional for peers)
  if (!want('B6')) {
    // not asked for
  } else if (!opts.b6) {
    cells['B6 train'] = textCell('–');
    cells['B6 acc'] = textCell('–');
  } else {
    checks['B6 loss, steps 1–2'] = await tfjsB6Check('sync');
    const { seconds: t, acc } = await tfjsB6Run('sync');
    Object.assign(cells, b6Cells([t], [acc]));
    log(`  ${column} B6 seed 0: ${t.toFixed(2)} s, test accuracy ${acc.toFixed(2)} %`);
  }

  return { column, library: '@tensorflow/tfjs', version, cells, checks, notes, seconds: (nowMs() - t0) / 1000 };
}

/**
 * G1: TensorFlow.js's `webgpu` backend (`@tensorflow/tfjs-backend-webgpu`), for bench/webgpu.ts. The package
 * registers its backend when it is loaded, and only where `navigator.gpu` exists, so it is imported here, after
 * bench/webgpu.ts has put the `webgpu` package's GPU there. Reads are asynchronous (`data()`): its synchronous
 * read needs an OffscreenCanvas, which Node lacks.
 */
export async function tfjsG1(): Promise<G1Workloads> {
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!tf.findBackendFactory('webgpu')) throw new Error('tfjs: the webgpu backend did not register (no navigator.gpu when it loaded)');
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs: the webgpu backend failed to initialise');
  await tf.ready();
  if (tf.getBackend() !== 'webgpu') throw new Error(`tfjs is on ${tf.getBackend()}, not webgpu`);
  const device = (tf.backend() as unknown as { device?: GpuDeviceLike }).device;
  const { b8Parts } = await import('../adjoint-models.js');
  return {
    errors: device ? collectErrors(device) : () => [],
    notes: ['tfjs-webgpu: B8 starts from adjoint\'s initial weights (the CPU tfjs columns use their own minGPT init); the step clips on the device.'],
    matmul: (n, time, check) => tfjsMatmul(n, 'async', time, check),
    b3: (time) => tfjsB3('async', time),
    b6Check: () => tfjsB6Check('async'),
    b6Run: (maxSteps) => tfjsB6Run('async', maxSteps),
    b8: { make: () => tfjsB8StepAsync(b8Parts().initial()), sameWeights: true },
    teardown: async () => {
      if (!device) return;
      await device.queue.onSubmittedWorkDone();
      device.destroy();
    },
  };
}
