/**
 * Workloads B7 (2-layer LSTM), B8 (minGPT-style transformer) and B9 (LeNet-5 with BatchNorm2d and Dropout) for
 * @jax-js/jax 0.1.25 on its `wasm` device, eager and `jit`: one training step each, written as a JAX user would
 * (a pure loss function of a parameter tree, `valueAndGrad`, the optimizer written out, since jax-js has none;
 * @jax-js/optax is a separate package). Same shapes, hyperparameters, inputs and targets as adjoint's
 * (`../data.ts`), and the same initial weights: each step starts from the parameters of adjoint's model
 * (`initial()` of `../adjoint-models.ts`, by `namedParameters()` name, PyTorch layouts), so that its first two
 * losses can be compared with adjoint's in the checks table.
 *
 * Written by hand where the jax-js API would not do under Node 20: `nn.dotProductAttention` fails there (it
 * calls the iterator helper `.map` on a `matchAll` result, which V8 11.3 lacks), so attention is the usual
 * matmul–mask–softmax–matmul; max-pooling is a reshape and a max over the 2×2 windows (exact for these
 * non-overlapping windows); BatchNorm2d (training mode, batch statistics, running statistics updated) is written
 * from means; Dropout is a Bernoulli mask from `random.bernoulli` with a fresh key every step.
 *
 * Move semantics (see `jaxjs.ts`): every function consumes its array arguments, so an array used again is passed
 * as `.ref`. Each function below consumes each of its arguments exactly once.
 *
 * The steps run on jax-js's default device: G1 (bench/webgpu.ts) runs B8's on `webgpu`, where the loss is read
 * back asynchronously (`readScalar`).
 */
import { type Array as JArray, blockUntilReady, jit, lax, nn, numpy as np, random, tree, valueAndGrad } from '@jax-js/jax';
import { B7, B8, B9, b7Data, b8Data, b9Data, oneHot } from '../data.js';

/** Parameters by their `namedParameters()` name. */
type Params = Record<string, JArray>;
/** Initial values by name, as adjoint's `StepParts.initial()` gives them. */
export type Initial = Record<string, { data: Float32Array; shape: number[] }>;

/** One training step: runs it, waits for its results, returns the loss (read back, as adjoint's step does). */
export type JaxStep = () => Promise<number>;

const arr = (data: Float32Array, shape: number[]): JArray => np.array(data, { shape });
const scalar = (x: number): JArray => np.array(x);

/**
 * The value of a scalar array (consumes it): synchronously on the CPU devices, as before; through the async
 * `data()` on 'webgpu' (G1), where Node has no synchronous read-back.
 */
export async function readScalar(a: JArray): Promise<number> {
  return a.device === 'webgpu' ? (await a.data())[0]! : a.dataSync()[0]!;
}

function toParams(init: Initial): Params {
  const p: Params = {};
  for (const [k, v] of Object.entries(init)) p[k] = arr(v.data, v.shape);
  return p;
}

/** `p[name]`, or a clear error naming what is missing. */
function take(p: Params, name: string): JArray {
  const a = p[name];
  if (!a) throw new Error(`jax-js models: no parameter '${name}' (have ${Object.keys(p).join(', ')})`);
  return a;
}

/** x·Wᵀ + b for a PyTorch-layout weight [out, in] (x of any rank). */
function linear(x: JArray, w: JArray, b?: JArray): JArray {
  const y = np.matmul(x, w.transpose());
  return b ? y.add(b) : y;
}

/** Softmax cross-entropy (mean over rows) against one-hot targets. */
function crossEntropy(logits: JArray, yOneHot: JArray): JArray {
  return np.mean(np.sum(nn.logSoftmax(logits, 1).mul(yOneHot), 1)).neg();
}

/** LayerNorm over the last axis (biased variance, eps 1e-5), then the affine map. */
function layerNorm(x: JArray, w: JArray, b: JArray): JArray {
  const mean = np.mean(x.ref, -1, { keepdims: true });
  const xc = x.sub(mean);
  const v = np.mean(np.square(xc.ref), -1, { keepdims: true });
  return xc.div(np.sqrt(v.add(1e-5))).mul(w).add(b);
}

/** Σ over the leaves of a tree of arrays (consumes them). */
function sumAll(xs: JArray[]): JArray {
  return xs.reduce((s, x) => s.add(x));
}

// ------------------------------------------------------------------------------------------------ optimizers

interface AdamConfig {
  readonly lr: number;
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  /** Decoupled weight decay (AdamW); 0 for Adam. */
  readonly weightDecay: number;
}

/**
 * Adam / AdamW as PyTorch 1.13 computes it: p ← p·(1 − lr·λ) (AdamW), m ← β₁m + (1−β₁)g, v ← β₂v + (1−β₂)g²,
 * p ← p − (lr / bc₁) · m / (√v / √bc₂ + ε). `s1` = lr / bc₁ and `s2` = 1 / √bc₂ are arrays so that `jit` traces
 * the step once. Consumes everything it is given.
 */
function adam(p: Params, g: Params, m: Params, v: Params, s1: JArray, s2: JArray, c: AdamConfig): [Params, Params, Params] {
  const np1: Params = {}, nm: Params = {}, nv: Params = {};
  for (const k of Object.keys(p)) {
    const gk = g[k]!;
    const mk = m[k]!.mul(c.beta1).add(gk.ref.mul(1 - c.beta1));
    const vk = v[k]!.mul(c.beta2).add(np.square(gk).mul(1 - c.beta2));
    const denom = np.sqrt(vk.ref).mul(s2.ref).add(c.eps);
    const pk = c.weightDecay ? p[k]!.mul(1 - c.lr * c.weightDecay) : p[k]!;
    np1[k] = pk.sub(mk.ref.mul(s1.ref).div(denom));
    nm[k] = mk;
    nv[k] = vk;
  }
  s1.dispose();
  s2.dispose();
  return [np1, nm, nv];
}

/** The bias-correction scalars of Adam's step t (1-based). */
function adamScalars(t: number, c: AdamConfig): [JArray, JArray] {
  return [scalar(c.lr / (1 - c.beta1 ** t)), scalar(1 / Math.sqrt(1 - c.beta2 ** t))];
}

/** PyTorch 1.13's clip_grad_norm_: total 2-norm over all gradients, scale by min(1, max / (norm + 1e-6)). */
function clipGrads(g: Params, maxNorm: number): Params {
  const keys = Object.keys(g);
  const norm = np.sqrt(sumAll(keys.map((k) => np.sum(np.square(g[k]!.ref)))));
  const coef = np.minimum(np.reciprocal(norm.add(1e-6)).mul(maxNorm), 1);
  const out: Params = {};
  for (const k of keys) out[k] = g[k]!.mul(coef.ref);
  coef.dispose();
  return out;
}

const zerosLike = (p: Params): Params => Object.fromEntries(Object.entries(p).map(([k, a]) => [k, np.zerosLike(a.ref)]));

// ------------------------------------------------------------------------------------------------ B7

/** B7's loss: the 2-layer LSTM (PyTorch gate order i, f, g, o) over [T, batch, 64], the head at every step. */
function b7Loss(p: Params, x: JArray, y: JArray): JArray {
  const { steps: T, batch: B, hidden: H } = B7;
  let inp = x;
  for (let l = 0; l < B7.layers; l++) {
    const inSize = l === 0 ? B7.input : H;
    const bias = take(p, `lstm.bias_ih_l${l}`).add(take(p, `lstm.bias_hh_l${l}`));
    const xw = linear(inp.reshape([T * B, inSize]), take(p, `lstm.weight_ih_l${l}`), bias).reshape([T, B, 4 * H]);
    const whhT = take(p, `lstm.weight_hh_l${l}`).transpose();
    let h = np.zeros([B, H]);
    let c = np.zeros([B, H]);
    const hs: JArray[] = [];
    for (let t = 0; t < T; t++) {
      const gates = xw.ref.slice(t).add(np.matmul(h, whhT.ref));
      const [gi, gf, gg, go] = np.split(gates, 4, 1) as [JArray, JArray, JArray, JArray];
      c = nn.sigmoid(gf).mul(c).add(nn.sigmoid(gi).mul(np.tanh(gg)));
      h = nn.sigmoid(go).mul(np.tanh(c.ref));
      hs.push(h.ref);
    }
    tree.dispose([h, c, xw, whhT]);
    inp = np.stack(hs, 0);
  }
  const logits = linear(inp.reshape([T * B, H]), take(p, 'head.weight'), take(p, 'head.bias'));
  return crossEntropy(logits, y);
}

/**
 * B7's step on jax-js: loss and gradients of the LSTM, then Adam (lr 1e-3, PyTorch's defaults otherwise).
 *
 * @example
 * ```ts
 * const step = jaxB7Step(b7Parts().initial(), true); await step();
 * ```
 */
export function jaxB7Step(init: Initial, useJit: boolean): JaxStep {
  const cfg: AdamConfig = { lr: B7.lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 };
  const d = b7Data();
  const x = arr(d.x, [B7.steps, B7.batch, B7.input]);
  const y = arr(oneHot(d.y, B7.classes), [B7.steps * B7.batch, B7.classes]);
  const body = (p: Params, m: Params, v: Params, xx: JArray, yy: JArray, s1: JArray, s2: JArray): [JArray, Params, Params, Params] => {
    const [loss, g] = valueAndGrad(b7Loss)(tree.ref(p), xx, yy);
    return [loss, ...adam(p, g, m, v, s1, s2, cfg)];
  };
  const f = useJit ? jit(body) : body;
  let p = toParams(init);
  let m = zerosLike(p);
  let v = zerosLike(p);
  let t = 0;
  return async () => {
    const [s1, s2] = adamScalars(++t, cfg);
    const [loss, np1, nm, nv] = f(p, m, v, x.ref, y.ref, s1, s2);
    [p, m, v] = [np1, nm, nv];
    await blockUntilReady([p, m, v]);
    return readScalar(loss);
  };
}

// ------------------------------------------------------------------------------------------------ B8

/** B8's loss: token and position embeddings, 2 pre-LayerNorm blocks (causal attention, GELU MLP), the head. */
function b8Loss(p: Params, idx: JArray, y: JArray, mask: JArray): JArray {
  const { batch: B, block: T, embd: C, heads: Hn, vocab: V } = B8;
  const hd = C / Hn;
  let x = np.take(take(p, 'wte.weight'), idx, 0).add(take(p, 'wpe.weight'));
  for (let i = 0; i < B8.blocks; i++) {
    const q = (name: string): JArray => take(p, `blocks.${i}.${name}`);
    const qkv = linear(layerNorm(x.ref, q('ln1.weight'), q('ln1.bias')), q('attn.weight'), q('attn.bias'));
    const [qh, kh, vh] = np.split(qkv, 3, 2).map((a) => a.reshape([B, T, Hn, hd]).transpose([0, 2, 1, 3])) as [JArray, JArray, JArray];
    const att = np.matmul(qh, kh.transpose([0, 1, 3, 2])).mul(1 / Math.sqrt(hd)).add(mask.ref);
    const yh = np.matmul(nn.softmax(att, -1), vh).transpose([0, 2, 1, 3]).reshape([B, T, C]);
    x = x.add(linear(yh, q('proj.weight'), q('proj.bias')));
    const hidden = nn.gelu(linear(layerNorm(x.ref, q('ln2.weight'), q('ln2.bias')), q('fc.weight'), q('fc.bias')), { approximate: false });
    x = x.add(linear(hidden, q('fc2.weight'), q('fc2.bias')));
  }
  mask.dispose();
  const logits = linear(layerNorm(x, take(p, 'lnF.weight'), take(p, 'lnF.bias')), take(p, 'head.weight')).reshape([B * T, V]);
  return crossEntropy(logits, y);
}

/**
 * B8's step on jax-js: loss and gradients of the transformer, global-norm clipping to 1, AdamW (lr 3e-4,
 * betas 0.9/0.95, weight decay 0.1 on every parameter, as adjoint's and PyTorch's AdamW given one group).
 *
 * @example
 * ```ts
 * const step = jaxB8Step(b8Parts().initial(), true); await step();
 * ```
 */
export function jaxB8Step(init: Initial, useJit: boolean): JaxStep {
  const cfg: AdamConfig = { lr: B8.lr, beta1: B8.beta1, beta2: B8.beta2, eps: 1e-8, weightDecay: B8.weightDecay };
  const d = b8Data();
  const T = B8.block;
  const idx = np.array(d.idx, { shape: [B8.batch, T], dtype: np.int32 });
  const y = arr(oneHot(d.targets, B8.vocab), [B8.batch * T, B8.vocab]);
  // −∞ above the diagonal (a query attends to keys at or before it), as a causal attention mask does.
  const mask = arr(Float32Array.from({ length: T * T }, (_, i) => (i % T > Math.floor(i / T) ? -Infinity : 0)), [T, T]);
  const body = (p: Params, m: Params, v: Params, ii: JArray, yy: JArray, mk: JArray, s1: JArray, s2: JArray): [JArray, Params, Params, Params] => {
    const [loss, g] = valueAndGrad(b8Loss)(tree.ref(p), ii, yy, mk);
    return [loss, ...adam(p, clipGrads(g, B8.clip), m, v, s1, s2, cfg)];
  };
  const f = useJit ? jit(body) : body;
  let p = toParams(init);
  let m = zerosLike(p);
  let v = zerosLike(p);
  let t = 0;
  return async () => {
    const [s1, s2] = adamScalars(++t, cfg);
    const [loss, np1, nm, nv] = f(p, m, v, idx.ref, y.ref, mask.ref, s1, s2);
    [p, m, v] = [np1, nm, nv];
    await blockUntilReady([p, m, v]);
    return readScalar(loss);
  };
}

// ------------------------------------------------------------------------------------------------ B9

/** BatchNorm2d in training mode: normalise with the batch statistics; returns the output, mean and biased var. */
function batchNorm2d(x: JArray, w: JArray, b: JArray, channels: number): [JArray, JArray, JArray] {
  const mean = np.mean(x.ref, [0, 2, 3], { keepdims: true });
  const xc = x.sub(mean.ref);
  const v = np.mean(np.square(xc.ref), [0, 2, 3], { keepdims: true });
  const out = xc.div(np.sqrt(v.ref.add(1e-5))).mul(w.reshape([channels, 1, 1])).add(b.reshape([channels, 1, 1]));
  return [out, lax.stopGradient(mean.reshape([channels])), lax.stopGradient(v.reshape([channels]))];
}

/** Max-pool 2×2, stride 2, over NCHW with even H and W. */
function maxPool2(x: JArray): JArray {
  const [n, c, h, w] = x.shape as [number, number, number, number];
  return x.reshape([n, c, h / 2, 2, w / 2, 2]).max([3, 5]);
}

/** B9's loss (and the batch statistics of both BatchNorms, for the running statistics) in training mode. */
function b9Loss(p: Params, x: JArray, y: JArray, keep: JArray): [JArray, JArray[]] {
  const conv1 = lax.conv(x, take(p, '0.weight'), [1, 1], [[2, 2], [2, 2]]).add(take(p, '0.bias').reshape([6, 1, 1]));
  const [bn1, m1, v1] = batchNorm2d(conv1, take(p, '1.weight'), take(p, '1.bias'), 6);
  const pool1 = maxPool2(nn.relu(bn1));
  const conv2 = lax.conv(pool1, take(p, '4.weight'), [1, 1], 'VALID').add(take(p, '4.bias').reshape([16, 1, 1]));
  const [bn2, m2, v2] = batchNorm2d(conv2, take(p, '5.weight'), take(p, '5.bias'), 16);
  const flat = maxPool2(nn.relu(bn2)).reshape([B9.batch, 16 * 5 * 5]);
  const h1 = nn.relu(linear(flat, take(p, '9.weight'), take(p, '9.bias'))).mul(keep);
  const h2 = nn.relu(linear(h1, take(p, '12.weight'), take(p, '12.bias')));
  return [crossEntropy(linear(h2, take(p, '14.weight'), take(p, '14.bias')), y), [m1, v1, m2, v2]];
}

/**
 * B9's step on jax-js: loss and gradients of the LeNet in training mode (a new dropout mask each step from a
 * fresh key), SGD with momentum 0.9 as PyTorch's (buf ← μ·buf + g; p ← p − lr·buf), and both BatchNorms' running
 * statistics updated (momentum 0.1, unbiased variance) as PyTorch does in training mode. `dropout` = 0 gives the
 * deterministic step used for the correctness check.
 *
 * @example
 * ```ts
 * const step = jaxB9Step(b9Parts().initial(), true); await step();
 * ```
 */
export function jaxB9Step(init: Initial, useJit: boolean, dropout: number = B9.dropout): JaxStep {
  const d = b9Data();
  const x = arr(d.x, [B9.batch, 1, B9.h, B9.w]);
  const y = arr(oneHot(d.y, B9.classes), [B9.batch, B9.classes]);
  const counts = [B9.batch * 28 * 28, B9.batch * 10 * 10];
  const body = (p: Params, buf: Params, run: JArray[], xx: JArray, yy: JArray, key: JArray): [JArray, Params, Params, JArray[]] => {
    const keep = random.bernoulli(key, 1 - dropout, [B9.batch, 120]).astype(np.float32).mul(1 / (1 - dropout));
    const [[loss, stats], g] = valueAndGrad(b9Loss, { hasAux: true })(tree.ref(p), xx, yy, keep);
    const np1: Params = {}, nb: Params = {};
    for (const k of Object.keys(p)) {
      const bk = buf[k]!.mul(B9.momentum).add(g[k]!);
      np1[k] = p[k]!.sub(bk.ref.mul(B9.lr));
      nb[k] = bk;
    }
    // running ← 0.9·running + 0.1·batch statistic (the variance unbiased, n / (n − 1)).
    const nr = run.map((r, i) => {
      const n = counts[i >> 1]!;
      const s = i % 2 === 1 ? stats[i]!.mul(n / (n - 1)) : stats[i]!;
      return r.mul(0.9).add(s.mul(0.1));
    });
    return [loss, np1, nb, nr];
  };
  const f = useJit ? jit(body) : body;
  let p = toParams(init);
  let buf = zerosLike(p);
  let run = [np.zeros([6]), np.ones([6]), np.zeros([16]), np.ones([16])];
  let t = 0;
  return async () => {
    const [loss, np1, nb, nr] = f(p, buf, run, x.ref, y.ref, random.key(9000 + ++t));
    [p, buf, run] = [np1, nb, nr];
    await blockUntilReady([p, buf, run]);
    return readScalar(loss);
  };
}
