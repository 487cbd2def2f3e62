/**
 * Workloads B1–B9 (B7–B9 in tfjs-models.ts) for TensorFlow.js 4.22 on its `cpu` and `wasm` backends.
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
  type Cell, type ColumnResult, b6Cells, fingerprint, packageVersion, log, measure, nowMs, scaleStat, statCell, textCell, valueCell,
} from '../harness.js';

import { tfjsB7Step, tfjsB8Step, tfjsB9Step } from './tfjs-models.js';

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
    const d = b1Data(n);
    const a = tf.tensor2d(d.a, [n, n]);
    const b = tf.tensor2d(d.b, [n, n]);
    if (n <= 256) {
      const c = tf.matMul(a, b);
      checks[`err:B1 n=${n} rel. error vs f64`] = [b1RelError(d.a, d.b, c.dataSync(), n)];
      c.dispose();
    }
    const s = await measure(() => {
      const c = tf.matMul(a, b);
      c.dataSync(); // cpu and wasm run synchronously; this only makes sure the work is done
      c.dispose();
    });
    cells[`B1 n=${n}`] = statCell(scaleStat(s, (2 * n ** 3) / 1e6, true));
    log(`  ${column} B1 n=${n}: ${(2 * n ** 3 / 1e6 / s.median).toFixed(2)} GFLOPS`);
    tf.dispose([a, b]);
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
    {
      const before = tf.memory().numBytes;
      const prof = await tf.profile(() => {
        const { value, grads } = tf.variableGrads(forward, vars);
        checks['B3 loss'] = [value.dataSync()[0]!];
        checks['B3 dW[0]'] = fingerprint(grads[ws[0]!.name]!.dataSync());
        checks['B3 db[0]'] = fingerprint(grads[bs[0]!.name]!.dataSync());
        checks['B3 dW[63]'] = fingerprint(grads[ws[B3.layers - 1]!.name]!.dataSync());
        tf.dispose([value, ...Object.values(grads)]);
      });
      cells['B3 peak'] = valueCell((prof.peakBytes - before) / 2 ** 20);
    }
    const fwd = await measure(() => {
      const l = tf.tidy(forward);
      l.dataSync();
      l.dispose();
    });
    const fb = await measure(() => {
      const { value, grads } = tf.variableGrads(forward, vars);
      value.dataSync();
      tf.dispose([value, ...Object.values(grads)]);
    });
    cells['B3 fwd'] = statCell(fwd);
    cells['B3 fwd+bwd'] = statCell(fb);
    log(`  ${column} B3: fwd ${fwd.median.toFixed(2)} fwd+bwd ${fb.median.toFixed(2)} ms`);
    tf.dispose([x, ...vars]);
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
    const s = mnistSplit(0);
    const w1 = tf.variable(tf.tensor2d(s.w1, [784, 128]));
    const b1 = tf.variable(tf.tensor1d(s.b1));
    const w2 = tf.variable(tf.tensor2d(s.w2, [128, 10]));
    const b2 = tf.variable(tf.tensor1d(s.b2));
    const vars = [w1, b1, w2, b2];
    const model = (xb: tf.Tensor): tf.Tensor => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(xb, w1), b1)), w2), b2);
    const opt = tf.train.adam(B6.lr, B6.beta1, B6.beta2, B6.eps);
    const t0b = nowMs();
    for (let e = 0; e < B6.epochs; e++) {
      const order = s.epochOrder(e);
      for (let i = 0; i + B6.batch <= B6.train; i += B6.batch) {
        const xb = tf.tensor2d(gatherRows(s.trainX, 784, order, i, B6.batch), [B6.batch, 784]);
        const yb = tf.tensor2d(oneHot(gatherLabels(s.trainY, order, i, B6.batch), 10), [B6.batch, 10]);
        opt.minimize(() => tf.neg(tf.mean(tf.sum(tf.mul(tf.logSoftmax(model(xb), 1), yb), 1))) as tf.Scalar, false, vars);
        tf.dispose([xb, yb]);
      }
    }
    const t = (nowMs() - t0b) / 1000;
    const logits = tf.tidy(() => model(tf.tensor2d(s.testX, [B6.test, 784])));
    const acc = accuracy(logits.dataSync(), s.testY, 10) * 100;
    logits.dispose();
    Object.assign(cells, b6Cells([t], [acc]));
    log(`  ${column} B6 seed 0: ${t.toFixed(2)} s, test accuracy ${acc.toFixed(2)} %`);
  }

  return { column, library: '@tensorflow/tfjs', version, cells, checks, notes, seconds: (nowMs() - t0) / 1000 };
}
