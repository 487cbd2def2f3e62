/**
 * Workloads B7 (2-layer LSTM), B8 (minGPT-style transformer) and B9 (LeNet-5 with BatchNorm2d and Dropout) for TensorFlow.js: the same
 * shapes, hyperparameters, inputs and targets as adjoint's (`../data.ts`), each parameter initialised the way
 * PyTorch's layer would be (the values differ; only the step time is compared). B7 and B9 use tfjs-layers (B9 NHWC,
 * B7 batch-major, as tfjs-layers' LSTM wants);
 * B8 is written with tf ops, since tfjs-layers has no causal self-attention.
 */
import * as tf from '@tensorflow/tfjs';
import { B7, B8, B9, b7Data, b8Data, b9Data, nchwToNhwc, oneHot } from '../data.js';

/**
 * One B7 training step: two stacked LSTM layers over the sequence, a dense head at every step, softmax
 * cross-entropy, gradients, Adam.
 *
 * @example
 * ```ts
 * const step = tfjsB7Step(); step();
 * ```
 */
export function tfjsB7Step(): () => number {
  const model = tf.sequential({
    layers: [
      tf.layers.lstm({ units: B7.hidden, returnSequences: true, inputShape: [B7.steps, B7.input] }),
      tf.layers.lstm({ units: B7.hidden, returnSequences: true }),
      tf.layers.timeDistributed({ layer: tf.layers.dense({ units: B7.classes }) }),
    ],
  });
  const d = b7Data();
  // [T, batch, in] → [batch, T, in]; the labels follow the same order.
  const x = tf.tidy(() => tf.transpose(tf.tensor3d(d.x, [B7.steps, B7.batch, B7.input]), [1, 0, 2]));
  const y = tf.tidy(() => tf.reshape(tf.transpose(tf.tensor3d(oneHot(d.y, B7.classes), [B7.steps, B7.batch, B7.classes]), [1, 0, 2]), [-1, B7.classes]));
  const opt = tf.train.adam(B7.lr);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return () => {
    const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, tf.reshape(model.apply(x, { training: true }) as tf.Tensor, [-1, B7.classes])) as tf.Scalar, true, vars)!;
    const v = loss.dataSync()[0]!;
    loss.dispose();
    return v;
  };
}

/**
 * One B9 training step: forward in training mode, softmax cross-entropy, gradients, SGD with momentum.
 *
 * @example
 * ```ts
 * const step = tfjsB9Step(); step();
 * ```
 */
export function tfjsB9Step(): () => number {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [B9.h, B9.w, 1], filters: 6, kernelSize: 5, padding: 'same' }),
      tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }), tf.layers.reLU(), tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.conv2d({ filters: 16, kernelSize: 5 }),
      tf.layers.batchNormalization({ momentum: 0.9, epsilon: 1e-5 }), tf.layers.reLU(), tf.layers.maxPooling2d({ poolSize: 2 }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 120, activation: 'relu' }), tf.layers.dropout({ rate: B9.dropout }),
      tf.layers.dense({ units: 84, activation: 'relu' }),
      tf.layers.dense({ units: B9.classes }),
    ],
  });
  const d = b9Data();
  const x = tf.tensor4d(nchwToNhwc(d.x, B9.batch, 1, B9.h, B9.w), [B9.batch, B9.h, B9.w, 1]);
  const y = tf.tensor2d(oneHot(d.y, B9.classes), [B9.batch, B9.classes]);
  const opt = tf.train.momentum(B9.lr, B9.momentum);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  return () => {
    const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(y, model.apply(x, { training: true }) as tf.Tensor) as tf.Scalar, true, vars)!;
    const v = loss.dataSync()[0]!;
    loss.dispose();
    return v;
  };
}

/** A variable of `shape` drawn from N(0, 0.02²) (minGPT's init of linear and embedding weights), or filled. */
function param(shape: number[], fill?: number): tf.Variable {
  return tf.variable(fill === undefined ? tf.randomNormal(shape, 0, 0.02) : tf.fill(shape, fill));
}

/** Initial values by `namedParameters()` name (PyTorch layouts), as adjoint's `StepParts.initial()` gives them. */
export type Initial = Record<string, { data: Float32Array; shape: number[] }>;

/**
 * B8's variables and its loss function, shared by the synchronous and the GPU step: minGPT's init, or adjoint's
 * initial weights `init` (a Linear's [out, in] weight transposed to the [in, out] these matmuls use).
 */
function b8Model(init?: Initial): { vars: tf.Variable[]; lossFn: () => tf.Scalar } {
  const C = B8.embd, H = B8.heads, T = B8.block, B = B8.batch, V = B8.vocab, hd = C / H;
  const from = (name: string, transpose: boolean): tf.Variable => {
    const v = init![name];
    if (!v) throw new Error(`tfjs B8: no initial value for '${name}'`);
    const t = tf.tensor(v.data, v.shape);
    return tf.variable(transpose ? tf.transpose(t) : t);
  };
  const p = (name: string, shape: number[], fill?: number, transpose = false): tf.Variable => (init ? from(name, transpose) : param(shape, fill));
  const wte = p('wte.weight', [V, C]), wpe = p('wpe.weight', [T, C]);
  const blocks = Array.from({ length: B8.blocks }, (_, i) => {
    const q = (name: string, shape: number[], fill?: number): tf.Variable => p(`blocks.${i}.${name}`, shape, fill, name.endsWith('.weight') && !name.startsWith('ln'));
    return {
      ln1g: q('ln1.weight', [C], 1), ln1b: q('ln1.bias', [C], 0), attnW: q('attn.weight', [C, 3 * C]), attnB: q('attn.bias', [3 * C], 0),
      projW: q('proj.weight', [C, C]), projB: q('proj.bias', [C], 0), ln2g: q('ln2.weight', [C], 1), ln2b: q('ln2.bias', [C], 0),
      fcW: q('fc.weight', [C, 4 * C]), fcB: q('fc.bias', [4 * C], 0), fc2W: q('fc2.weight', [4 * C, C]), fc2B: q('fc2.bias', [C], 0),
    };
  });
  const lnFg = p('lnF.weight', [C], 1), lnFb = p('lnF.bias', [C], 0), headW = p('head.weight', [C, V], undefined, true);
  if (init && Object.keys(init).length !== 3 + B8.blocks * 12 + 2) throw new Error(`tfjs B8: ${Object.keys(init).length} initial values, expected ${3 + B8.blocks * 12 + 2}`);
  const vars = [wte, wpe, ...blocks.flatMap((b) => Object.values(b)), lnFg, lnFb, headW];
  const d = b8Data();
  const idx = tf.tensor2d(d.idx, [B, T], 'int32');
  const targets = tf.tensor2d(oneHot(d.targets, V), [B * T, V]);
  // 0 where a query may attend (key ≤ query), −1e9 above the diagonal.
  const mask = tf.tensor2d(Array.from({ length: T * T }, (_, i) => (i % T > Math.floor(i / T) ? -1e9 : 0)), [T, T]);
  const ln = (x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor => {
    const { mean, variance } = tf.moments(x, -1, true);
    return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), g), b);
  };
  const lin = (x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor): tf.Tensor => {
    const y = tf.matMul(tf.reshape(x, [-1, w.shape[0]!]), w as tf.Tensor2D);
    return tf.reshape(b ? tf.add(y, b) : y, [...x.shape.slice(0, -1), w.shape[1]!]);
  };
  const gelu = (x: tf.Tensor): tf.Tensor => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.div(x, Math.SQRT2)), 1));
  const lossFn = (): tf.Scalar => {
    let x = tf.add(tf.gather(wte, idx), wpe);
    for (const p of blocks) {
      const qkv = lin(ln(x, p.ln1g, p.ln1b), p.attnW, p.attnB);
      const [q, k, v] = tf.split(qkv, 3, 2).map((t) => tf.transpose(tf.reshape(t, [B, T, H, hd]), [0, 2, 1, 3]));
      const att = tf.softmax(tf.add(tf.div(tf.matMul(q!, k!, false, true), Math.sqrt(hd)), mask));
      const y = tf.reshape(tf.transpose(tf.matMul(att, v!), [0, 2, 1, 3]), [B, T, C]);
      x = tf.add(x, lin(y, p.projW, p.projB));
      x = tf.add(x, lin(gelu(lin(ln(x, p.ln2g, p.ln2b), p.fcW, p.fcB)), p.fc2W, p.fc2B));
    }
    const logits = tf.reshape(lin(ln(x, lnFg, lnFb), headW), [B * T, V]);
    return tf.losses.softmaxCrossEntropy(targets, logits) as tf.Scalar;
  };
  return { vars, lossFn };
}

/**
 * One B8 training step: forward, cross-entropy over every position, gradients, global-norm clipping, AdamW
 * (Adam, then the decoupled decay `p ← p − lr·λ·p` on every parameter, as PyTorch's AdamW does on all of them).
 *
 * @example
 * ```ts
 * const step = tfjsB8Step(); step();
 * ```
 */
export function tfjsB8Step(): () => number {
  const { vars, lossFn } = b8Model();
  const adam = tf.train.adam(B8.lr, B8.beta1, B8.beta2, 1e-8);
  return () => {
    const { value, grads } = tf.variableGrads(lossFn, vars);
    const loss = value.dataSync()[0]!;
    const clipped = tf.tidy(() => {
      const gs = vars.map((v) => grads[v.name]!);
      const norm = tf.sqrt(tf.addN(gs.map((g) => tf.sum(tf.square(g))))).dataSync()[0]!;
      const coef = Math.min(1, B8.clip / (norm + 1e-6));
      const out: Record<string, tf.Tensor> = {};
      vars.forEach((v, i) => { out[v.name] = coef < 1 ? tf.mul(gs[i]!, coef) : tf.clone(gs[i]!); });
      return out;
    });
    tf.tidy(() => { for (const v of vars) v.assign(tf.mul(v, 1 - B8.lr * B8.weightDecay)); });
    adam.applyGradients(vars.map((v) => ({ name: v.name, tensor: clipped[v.name]! })));
    tf.dispose([value, ...Object.values(grads), ...Object.values(clipped)]);
    return loss;
  };
}

/**
 * B8's step on a GPU backend (G1, tfjs's `webgpu`), from adjoint's initial weights when `init` is given (then its
 * first two losses are comparable with adjoint's): the same step as `tfjsB8Step`, with the clipping coefficient
 * kept on the device (no read-back inside the step) and the loss read back asynchronously at its end (WebGPU has
 * no synchronous read in Node), so that a timed step runs to completion.
 *
 * @example
 * ```ts
 * const step = tfjsB8StepAsync(b8Parts().initial()); await step();
 * ```
 */
export function tfjsB8StepAsync(init?: Initial): () => Promise<number> {
  const { vars, lossFn } = b8Model(init);
  const adam = tf.train.adam(B8.lr, B8.beta1, B8.beta2, 1e-8);
  return async () => {
    const { value, grads } = tf.variableGrads(lossFn, vars);
    const clipped = tf.tidy(() => {
      const gs = vars.map((v) => grads[v.name]!);
      // Pairwise adds, not addN: tfjs-webgpu's AddN binds every input at once, and 30 exceed the 8 storage buffers
      // per shader stage that WebGPU guarantees (and tfjs requests), which invalidates the pipeline.
      const norm = tf.sqrt(gs.map((g) => tf.sum(tf.square(g))).reduce((a, b) => tf.add(a, b)));
      const coef = tf.minimum(tf.div(B8.clip, tf.add(norm, 1e-6)), 1);
      const out: Record<string, tf.Tensor> = {};
      vars.forEach((v, i) => { out[v.name] = tf.mul(gs[i]!, coef); });
      return out;
    });
    tf.tidy(() => { for (const v of vars) v.assign(tf.mul(v, 1 - B8.lr * B8.weightDecay)); });
    adam.applyGradients(vars.map((v) => ({ name: v.name, tensor: clipped[v.name]! })));
    const loss = (await value.data())[0]!;
    tf.dispose([value, ...Object.values(grads), ...Object.values(clipped)]);
    return loss;
  };
}
