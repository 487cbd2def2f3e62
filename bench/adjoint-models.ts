/**
 * Workloads B7 (2-layer LSTM), B8 (minGPT-style transformer) and B9 (LeNet-5 with BatchNorm2d and Dropout) for adjoint: one training
 * step each, written as a user would with `nn` modules and `optim`. Shapes and hyperparameters are in `data.ts`.
 * Features another branch adds later (`clipGradNorm_`) are used when exported; otherwise the step clips by hand.
 */
import * as adjoint from '../src/index.js';
import { type Tensor, manualSeed, nn, noGrad, optim, tensor } from '../src/index.js';
import { B7, B8, B9, b7Data, b8Data, b9Data } from './data.js';

type ClipFn = (params: readonly Tensor[], maxNorm: number) => unknown;

/** `clipGradNorm_` when the library exports it, else the same arithmetic with tensor ops (one read of the norm). */
function gradClipper(): { clip: ClipFn; builtIn: boolean } {
  const api = adjoint as unknown as Record<string, Record<string, unknown> | undefined>;
  const found = api.nn?.utils && (api.nn.utils as Record<string, unknown>).clipGradNorm_;
  if (typeof found === 'function') return { clip: found as ClipFn, builtIn: true };
  return {
    builtIn: false,
    clip: (params, maxNorm) => {
      const grads = params.map((p) => p.grad).filter((g): g is Tensor => g !== null);
      const total = Math.sqrt(noGrad(() => grads.reduce((s: Tensor | number, g) => g.square().sum().add(s), 0) as Tensor).item());
      const coef = maxNorm / (total + 1e-6);
      if (coef < 1) noGrad(() => { for (const g of grads) g.mul_(coef); });
      return total;
    },
  };
}

/** The three phases of one training step, so that a profiler can time them apart. */
export interface StepParts {
  /** Every trained parameter, in the model's registration order. */
  readonly params: readonly Tensor[];
  /** Zero the gradients, run the model and return the loss (graph recorded). */
  readonly forward: () => Tensor;
  /** The optimizer's part: clipping where the workload clips, then the update. */
  readonly update: () => void;
  /** The parameters' initial values by their `namedParameters()` names (read before any step), for peers. */
  readonly initial: () => Record<string, { data: Float32Array; shape: number[] }>;
}

/** The parameters' values by name, as plain arrays (for peers that start from adjoint's weights). */
function snapshot(named: readonly [string, Tensor][]): Record<string, { data: Float32Array; shape: number[] }> {
  const out: Record<string, { data: Float32Array; shape: number[] }> = {};
  for (const [name, p] of named) out[name] = { data: Float32Array.from(p.data() as ArrayLike<number>), shape: [...p.shape] };
  return out;
}

/** A step from its parts: zero the gradients, forward, backward, update; returns the loss. */
function stepOf(parts: StepParts): () => number {
  return () => {
    const loss = parts.forward();
    loss.backward();
    parts.update();
    return loss.item();
  };
}

/**
 * B7's parts: the LSTM over the sequence, the head at every step, cross-entropy; Adam.
 *
 * @example
 * ```ts
 * const { forward, update } = b7Parts(); forward().backward(); update();
 * ```
 */
export function b7Parts(): StepParts {
  manualSeed(7);
  const lstm = new nn.LSTM(B7.input, B7.hidden, B7.layers);
  const head = new nn.Linear(B7.hidden, B7.classes);
  const d = b7Data();
  const x = tensor(d.x, { shape: [B7.steps, B7.batch, B7.input] });
  const y = tensor(d.y, { shape: [B7.steps * B7.batch], dtype: 'int32' });
  const named = [...lstm.namedParameters({ prefix: 'lstm' }), ...head.namedParameters({ prefix: 'head' })];
  const first = snapshot(named);
  const params = named.map(([, p]) => p);
  const opt = new optim.Adam(params, { lr: B7.lr });
  return {
    params,
    initial: () => first,
    forward: () => {
      opt.zeroGrad();
      const [out] = lstm.forward(x);
      return nn.functional.crossEntropy(head.forward(out.reshape([B7.steps * B7.batch, B7.hidden])), y);
    },
    update: () => opt.step(),
  };
}

/**
 * B7's training step (zero the gradients, the LSTM over the sequence, the head at every step, cross-entropy,
 * backward, Adam).
 *
 * @example
 * ```ts
 * const { step } = b7Step(); step();
 * ```
 */
export function b7Step(): { step: () => number } {
  return { step: stepOf(b7Parts()) };
}
/** One minGPT block: x + attn(ln1(x)), then x + mlp(ln2(x)). */
class Block extends nn.Module {
  readonly ln1 = new nn.LayerNorm(B8.embd);
  readonly attn = new nn.Linear(B8.embd, 3 * B8.embd);
  readonly proj = new nn.Linear(B8.embd, B8.embd);
  readonly ln2 = new nn.LayerNorm(B8.embd);
  readonly fc = new nn.Linear(B8.embd, 4 * B8.embd);
  readonly fc2 = new nn.Linear(4 * B8.embd, B8.embd);

  override forward(x: Tensor): Tensor {
    const [b, t, c] = x.shape as [number, number, number];
    const hd = c / B8.heads;
    const qkv = this.attn.forward(this.ln1.forward(x));
    const heads = (i: number): Tensor => qkv.narrow(2, i * c, c).reshape([b, t, B8.heads, hd]).transpose(1, 2);
    const y = nn.functional.scaledDotProductAttention(heads(0), heads(1), heads(2), { isCausal: true })
      .transpose(1, 2).reshape([b, t, c]);
    x = x.add(this.proj.forward(y));
    return x.add(this.fc2.forward(nn.functional.gelu(this.fc.forward(this.ln2.forward(x)))));
  }
}

class MiniGpt extends nn.Module {
  readonly wte = new nn.Embedding(B8.vocab, B8.embd);
  readonly wpe = new nn.Embedding(B8.block, B8.embd);
  readonly blocks = new nn.ModuleList(Array.from({ length: B8.blocks }, () => new Block()));
  readonly lnF = new nn.LayerNorm(B8.embd);
  readonly head = new nn.Linear(B8.embd, B8.vocab, { bias: false });
  // Not a registered buffer: moved to the input's device the first time it is used there (G1 runs on 'webgpu').
  private pos = tensor(Array.from({ length: B8.block }, (_, i) => i), { dtype: 'int32' });

  override forward(idx: Tensor): Tensor {
    if (this.pos.device !== idx.device) this.pos = this.pos.to(idx.device);
    let x = this.wte.forward(idx).add(this.wpe.forward(this.pos));
    for (const blk of this.blocks.children()) x = (blk as Block).forward(x);
    return this.head.forward(this.lnF.forward(x));
  }
}

/**
 * B8's parts: forward and cross-entropy; clipping and AdamW. `device` 'webgpu' (G1) builds the same model on the
 * CPU from the same seed, then moves it and the data to the GPU; `initial()` is read before the move.
 *
 * @example
 * ```ts
 * const { forward, update } = b8Parts(); forward().backward(); update();
 * ```
 */
export function b8Parts(device: 'cpu' | 'webgpu' = 'cpu'): StepParts & { clipBuiltIn: boolean } {
  manualSeed(8);
  const model = new MiniGpt();
  const d = b8Data();
  const on = device === 'cpu' ? {} : { device };
  const idx = tensor(d.idx, { shape: [B8.batch, B8.block], dtype: 'int32', ...on });
  const targets = tensor(d.targets, { shape: [B8.batch * B8.block], dtype: 'int32', ...on });
  const first = snapshot(model.namedParameters());
  if (device !== 'cpu') model.to(device);
  const named = model.namedParameters();
  const params = named.map(([, p]) => p);
  const opt = new optim.AdamW(params, { lr: B8.lr, betas: [B8.beta1, B8.beta2], weightDecay: B8.weightDecay });
  const { clip, builtIn } = gradClipper();
  return {
    params,
    clipBuiltIn: builtIn,
    initial: () => first,
    forward: () => {
      opt.zeroGrad();
      return nn.functional.crossEntropy(model.forward(idx).reshape([B8.batch * B8.block, B8.vocab]), targets);
    },
    update: () => {
      clip(params, B8.clip);
      opt.step();
    },
  };
}

/**
 * B8's training step (zero the gradients, forward, cross-entropy, backward, clip, AdamW) and what it runs on.
 *
 * @example
 * ```ts
 * const { step } = b8Step(); step();
 * ```
 */
export function b8Step(): { step: () => number; clipBuiltIn: boolean } {
  const parts = b8Parts();
  return { step: stepOf(parts), clipBuiltIn: parts.clipBuiltIn };
}

/**
 * B8's training step on the 'webgpu' device (G1): the same step as `b8Step`, ending with an awaited read-back of
 * the loss (a GPU value can only be read asynchronously), so that a timed step runs to completion.
 *
 * @example
 * ```ts
 * const { step } = b8StepWebgpu(); await step();
 * ```
 */
export function b8StepWebgpu(): { step: () => Promise<number>; clipBuiltIn: boolean } {
  const parts = b8Parts('webgpu');
  return {
    clipBuiltIn: parts.clipBuiltIn,
    step: async () => {
      const loss = parts.forward();
      loss.backward();
      parts.update();
      return loss.itemAsync();
    },
  };
}

/**
 * B9's parts: forward in training mode and cross-entropy; SGD with momentum. `dropout` overrides B9's rate
 * (0 gives a step that peers can reproduce exactly, for the correctness check: no random mask).
 *
 * @example
 * ```ts
 * const { forward, update } = b9Parts(); forward().backward(); update();
 * ```
 */
export function b9Parts(dropout: number = B9.dropout): StepParts {
  manualSeed(9);
  const model = new nn.Sequential(
    new nn.Conv2d(1, 6, 5, { padding: 2 }), new nn.BatchNorm2d(6), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Conv2d(6, 16, 5), new nn.BatchNorm2d(16), new nn.ReLU(), new nn.MaxPool2d(2),
    new nn.Flatten(),
    new nn.Linear(16 * 5 * 5, 120), new nn.ReLU(), new nn.Dropout(dropout),
    new nn.Linear(120, 84), new nn.ReLU(),
    new nn.Linear(84, B9.classes),
  );
  const d = b9Data();
  const x = tensor(d.x, { shape: [B9.batch, 1, B9.h, B9.w] });
  const y = tensor(d.y, { shape: [B9.batch], dtype: 'int32' });
  const named = model.namedParameters();
  const first = snapshot(named);
  const params = named.map(([, p]) => p);
  const opt = new optim.SGD(params, { lr: B9.lr, momentum: B9.momentum });
  return {
    params,
    initial: () => first,
    forward: () => {
      opt.zeroGrad();
      return nn.functional.crossEntropy(model.forward(x), y);
    },
    update: () => opt.step(),
  };
}

/**
 * B9's training step (zero the gradients, forward in training mode, cross-entropy, backward, SGD with momentum).
 *
 * @example
 * ```ts
 * const { step } = b9Step(); step();
 * ```
 */
export function b9Step(dropout: number = B9.dropout): { step: () => number } {
  return { step: stepOf(b9Parts(dropout)) };
}
