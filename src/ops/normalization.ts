// The fused normalisation primitives: layerNorm and batchNorm, and their backward passes as primitives of their
// own (as PyTorch's native_layer_norm_backward and native_batch_norm_backward), so that a forward is one backend
// kernel, a backward is one backend kernel, and both differentiate again. The backward primitives return one
// packed tensor [dx | dweight | dbias] (the parts their output mask asks for), which their public call splits into
// views; their own rules (second derivatives) and the JVPs are written with ordinary differentiable ops, and
// recompute the statistics from the input so that every order of derivative is exact.
import { isFloating, type DType } from '../dtype.js';
import { fmtShape, sameShape, sizeOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { castRaw, copyInto, describe, deviceOf, packed, zerosOn, tensorArg } from './buffers.js';
import type { Caller, DifferentiableOp } from './define.js';
import { INDEXING_OPS } from './indexing.js';

// ---- argument checks (ops cannot use src/options.ts: it loads the op table) ----

function options<T extends object>(op: string, opts: T | undefined, kinds: Readonly<Record<string, string>>): T {
  if (opts === undefined) return {} as T;
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts) || opts instanceof Tensor) {
    throw new Error(`${op}: expected an options object like { ${Object.keys(kinds)[0]}: … }, got ${describe(opts)}.`);
  }
  for (const [k, v] of Object.entries(opts)) {
    const kind = kinds[k];
    if (kind === undefined) {
      const camel = k.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
      const hint = camel !== k && camel in kinds ? ` did you mean '${camel}'?` : '';
      throw new Error(`${op}: unknown option '${k}';${hint} the options are ${Object.keys(kinds).join(', ')}.`);
    }
    if (v === undefined) continue;
    const ok = kind === 'number' ? typeof v === 'number' : kind === 'boolean' ? typeof v === 'boolean'
      : Array.isArray(v) && v.length === 3 && v.every((b) => typeof b === 'boolean');
    if (!ok) throw new Error(`${op}: option '${k}' must be ${kind === 'mask' ? 'an array of three booleans' : `a ${kind}`}, got ${describe(v)}.`);
  }
  return opts;
}

function floatTensor(t: unknown, op: string, what: string): Tensor {
  const x = tensorArg(t, op, what);
  if (!isFloating(x.dtype)) throw new Error(`${op}: ${what} must be a floating-point tensor (float32 or float64), got dtype ${x.dtype}. Convert it first, e.g. x.float().`);
  return x;
}

function optionalTensor(t: unknown, op: string, what: string, dtype: DType, shape: Shape): Tensor | null {
  if (t === undefined || t === null) return null;
  const v = floatTensor(t, op, what);
  if (v.dtype !== dtype) throw new Error(`${op}: ${what} has dtype ${v.dtype} but the input has dtype ${dtype}; convert one of them (e.g. module.to('${dtype}')).`);
  if (!sameShape(v.shape, shape)) throw new Error(`${op}: expected ${what} of shape ${fmtShape(shape)}, got ${fmtShape(v.shape)}.`);
  return v;
}

function sameAs(t: unknown, like: Tensor, op: string, what: string, shapeOk: (s: Shape) => boolean, want: string): Tensor {
  const v = floatTensor(t, op, what);
  if (v.dtype !== like.dtype) throw new Error(`${op}: ${what} has dtype ${v.dtype} but the input has dtype ${like.dtype}.`);
  if (!shapeOk(v.shape)) throw new Error(`${op}: expected ${what} of shape ${want}, got ${fmtShape(v.shape)}.`);
  return v;
}

function epsOf(eps: number | undefined, op: string): number {
  const e = eps ?? 1e-5;
  if (!(e >= 0)) throw new Error(`${op}: eps must be a non-negative number, got ${e}.`);
  return e;
}

/** Which gradients a backward primitive computes: [input, weight, bias]. */
export type OutputMask = readonly [boolean, boolean, boolean];

// ---- the algebra of the rules, shared by both normalisations ----

/**
 * Where a normalisation's statistics and affine parameters sit in the input's dims: the statistics reduce over
 * `statsDims`; the weight, viewed by `wView`, broadcasts against the input; gradients of the weight and bias sum
 * over `affineDims` into `affineShape`.
 */
interface Geometry {
  readonly statsDims: number[];
  readonly affineDims: number[];
  readonly affineShape: Shape;
  wView(w: Tensor): Tensor;
}

function lnGeometry(shape: Shape, normalizedShape: Shape): Geometry {
  const lead = shape.length - normalizedShape.length;
  return {
    statsDims: normalizedShape.map((_, i) => lead + i),
    affineDims: [...Array(lead).keys()],
    affineShape: normalizedShape,
    wView: (w) => w,
  };
}

function bnGeometry(shape: Shape): Geometry {
  const rest = shape.map((_, i) => i).filter((i) => i !== 1);
  const c = shape[1]!;
  return {
    statsDims: rest,
    affineDims: rest,
    affineShape: [c],
    wView: (w) => w.reshape([c, ...shape.slice(2).map(() => 1)]),
  };
}

/** The statistics, normalised input and projection of one normalisation, as differentiable tensors. */
class Normalized {
  readonly xhat: Tensor;
  constructor(readonly geo: Geometry, readonly r: Tensor, mu: Tensor, x: Tensor) {
    this.xhat = x.sub(mu).mul(r);
  }

  /** Batch statistics recomputed from `x` (differentiable in x). */
  static fromBatch(geo: Geometry, x: Tensor, eps: number): Normalized {
    const mu = x.mean(geo.statsDims, true);
    const d = x.sub(mu);
    const r = d.mul(d).mean(geo.statsDims, true).add(eps).rsqrt();
    return new Normalized(geo, r, mu, x);
  }

  mean(t: Tensor): Tensor {
    return t.mean(this.geo.statsDims, true);
  }

  /** The Jacobian of x̂ with respect to x (symmetric) applied to v: r · (v − mean(v) − x̂ · mean(v · x̂)). */
  project(v: Tensor): Tensor {
    return this.r.mul(v.sub(this.mean(v)).sub(this.xhat.mul(this.mean(v.mul(this.xhat)))));
  }

  /** Sum over the affine dims into the weight's shape. */
  affineSum(t: Tensor): Tensor {
    const s = this.geo.affineDims.length ? t.sum(this.geo.affineDims) : t;
    return s.reshape(this.geo.affineShape);
  }
}

const addAll = (...ts: (Tensor | null)[]): Tensor | null => {
  let acc: Tensor | null = null;
  for (const t of ts) if (t !== null) acc = acc === null ? t : acc.add(t);
  return acc;
};

/** The first backward, F(g) = [dx, dweight, dbias], written with ordinary ops (linear in g). */
function firstBackward(n: Normalized, g: Tensor, w: Tensor | null, batchStats: boolean): [Tensor, Tensor, Tensor] {
  const a = w === null ? g : g.mul(n.geo.wView(w));
  return [batchStats ? n.project(a) : a.mul(n.r), n.affineSum(g.mul(n.xhat)), n.affineSum(g)];
}

/**
 * The second-order terms of F = [dx, dweight, dbias] = ∇_(x,w,b) ⟨g, y⟩: given `u` (against dx) and `uw` (against
 * dweight, the weight's shape), the gradient with respect to x and to w, with g held. The Hessian of ⟨g, y⟩ is
 * symmetric, so these are also F's derivative along (ẋ = u, ẇ = uw).
 */
function hessianTerms(n: Normalized, g: Tensor, w: Tensor | null, u: Tensor | null, uw: Tensor | null, batchStats: boolean): { gx: Tensor | null; gw: Tensor | null } {
  const uwb = uw === null ? null : n.geo.wView(uw);
  if (!batchStats) {
    return { gx: uwb === null ? null : uwb.mul(g).mul(n.r), gw: u === null ? null : n.affineSum(g.mul(n.r).mul(u)) };
  }
  const a = w === null ? g : g.mul(n.geo.wView(w));
  let gx = uwb === null ? null : n.project(uwb.mul(g));
  let gw: Tensor | null = null;
  if (u !== null) {
    const mux = n.mean(u.mul(n.xhat)), max = n.mean(a.mul(n.xhat));
    const h = n.r.mul(a.mul(mux).add(u.mul(max))).neg();
    const k = n.mean(u.mul(a)).sub(n.mean(a).mul(n.mean(u))).sub(max.mul(mux));
    gx = addAll(gx, n.project(h), n.r.mul(n.r).mul(n.xhat).mul(k).neg());
    gw = n.affineSum(g.mul(n.project(u)));
  }
  return { gx, gw };
}

/** The packed output's parts, as views. */
function unpack(p: Tensor, mask: OutputMask, xShape: Shape, affineShape: Shape): [Tensor | null, Tensor | null, Tensor | null] {
  const out: [Tensor | null, Tensor | null, Tensor | null] = [null, null, null];
  let at = 0;
  [xShape, affineShape, affineShape].forEach((shape, i) => {
    if (!mask[i]) return;
    const len = sizeOf(shape);
    out[i] = p.narrow(0, at, len).reshape(shape);
    at += len;
  });
  return out;
}

/** Pack parts (zeros where a wanted part is null) into one flat differentiable tensor. */
function pack(call: Caller, parts: (Tensor | null)[], mask: OutputMask, shapes: readonly Shape[], like: Tensor): Tensor {
  const flat: Tensor[] = [];
  parts.forEach((t, i) => {
    if (!mask[i]) return;
    const s = shapes[i]!;
    flat.push(t === null ? zerosOn(like.storage.device, like.dtype, [sizeOf(s)]) : t.expand(s).reshape([-1]));
  });
  if (flat.length === 1) return flat[0]!;
  return call(INDEXING_OPS.cat, flat, 0);
}

/** The double backward (gradients of a backward primitive's inputs g, x and w) and its JVP, for both normalisations. */
function backwardRules(n: () => Normalized, batchStats: boolean, mask: OutputMask, xShape: Shape) {
  return {
    /** Against the packed output's gradient: [gg, gx, gw]. */
    grads(gp: Tensor, g: Tensor, w: Tensor | null, need: { g: boolean; x: boolean; w: boolean }): [Tensor | null, Tensor | null, Tensor | null] {
      const nz = n();
      const [u, uw, ub] = unpack(gp, mask, xShape, nz.geo.affineShape);
      let gg: Tensor | null = null, gx: Tensor | null = null, gw: Tensor | null = null;
      if (need.g) {
        const dxPart = u === null ? null : batchStats ? nz.project(u) : u.mul(nz.r);
        gg = addAll(dxPart === null ? null : w === null ? dxPart : dxPart.mul(nz.geo.wView(w)),
          uw === null ? null : nz.geo.wView(uw).mul(nz.xhat), ub === null ? null : nz.geo.wView(ub));
        if (gg !== null) gg = gg.expand(xShape);
      }
      if (need.x || need.w) {
        const h = hessianTerms(nz, g, w, u, uw, batchStats);
        gx = need.x ? h.gx : null;
        gw = need.w ? h.gw : null;
      }
      return [gg, gx, gw];
    },
    /** The packed output's tangent. */
    tangent(call: Caller, g: Tensor, w: Tensor | null, tg: Tensor | null, tx: Tensor | null, tw: Tensor | null): Tensor | null {
      if (tg === null && tx === null && tw === null) return null;
      const nz = n();
      const parts: (Tensor | null)[] = [null, null, null];
      if (tg !== null) firstBackward(nz, tg, w, batchStats).forEach((t, i) => (parts[i] = t));
      if (tx !== null || tw !== null) {
        const h = hessianTerms(nz, g, w, tx, tw, batchStats);
        parts[0] = addAll(parts[0]!, h.gx);
        parts[1] = addAll(parts[1]!, h.gw);
      }
      return pack(call, parts, mask, [xShape, nz.geo.affineShape, nz.geo.affineShape], g);
    },
  };
}

// ---- layerNorm ----

/** Attributes of a normalisation primitive. */
export interface LayerNormAttrs {
  readonly normalizedShape: Shape;
  readonly eps: number;
  readonly hasWeight: boolean;
  readonly hasBias: boolean;
}

function normalizedShapeOf(x: Tensor, normalizedShape: number | readonly number[], op: string): Shape {
  const ns = typeof normalizedShape === 'number' ? [normalizedShape] : Array.isArray(normalizedShape) ? [...normalizedShape as number[]] : null;
  if (ns === null || !ns.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new Error(`${op}: normalizedShape must be a non-negative integer or an array of them, got ${describe(normalizedShape)}.`);
  }
  if (ns.length === 0) throw new Error(`${op}: expected normalizedShape to be at least 1-dimensional, i.e., containing at least one element, but got normalizedShape = [].`);
  const tail = x.shape.slice(x.ndim - ns.length);
  if (x.ndim < ns.length || !sameShape(tail, ns)) {
    throw new Error(`${op}: given normalizedShape=${fmtShape(ns)}, expected input with shape [*, ${ns.join(', ')}], but got input of size ${fmtShape(x.shape)}.`);
  }
  return ns;
}

const rowsOf = (x: Shape, ns: Shape): number => sizeOf(x.slice(0, x.length - ns.length));

const layerNormOp: DifferentiableOp<LayerNormAttrs, readonly [input: Tensor, normalizedShape: number | readonly number[], weight?: Tensor | null, bias?: Tensor | null, options?: { readonly eps?: number }]> = {
  name: 'layerNorm',
  doc: 'Layer normalisation over the trailing `normalizedShape` dims: `(x − mean) / √(var + eps) · weight + bias` (biased variance; weight and bias optional), one fused kernel forward and one backward.',
  example: 'layerNorm(x, [64], weight, bias, { eps: 1e-5 })',
  differentiable: true,
  call: (run, input, normalizedShape, weight, bias, opts) => {
    const x = floatTensor(input, 'layerNorm', 'the input');
    const ns = normalizedShapeOf(x, normalizedShape, 'layerNorm');
    const o = options('layerNorm', opts, { eps: 'number' });
    const w = optionalTensor(weight, 'layerNorm', 'weight', x.dtype, ns), b = optionalTensor(bias, 'layerNorm', 'bias', x.dtype, ns);
    const inputs = [x, ...(w ? [w] : []), ...(b ? [b] : [])];
    return run(inputs, { normalizedShape: ns, eps: epsOf(o.eps, 'layerNorm'), hasWeight: w !== null, hasBias: b !== null });
  },
  forward: (ctx, inputs, { normalizedShape, eps, hasWeight, hasBias }) => {
    const x = inputs[0]!, w = hasWeight ? inputs[1]! : null, b = hasBias ? inputs[hasWeight ? 2 : 1]! : null;
    const device = deviceOf('layerNorm', x, ...inputs.slice(1));
    const rows = rowsOf(x.shape, normalizedShape), m = sizeOf(normalizedShape);
    const xs = packed(castRaw(x)), ws = w && packed(w), bs = b && packed(b);
    const out = zerosOn(device, x.dtype, x.shape);
    const stat = [...x.shape.slice(0, x.ndim - normalizedShape.length), ...normalizedShape.map(() => 1)];
    const mean = zerosOn(device, x.dtype, stat), rstd = zerosOn(device, x.dtype, stat);
    if (rows > 0) device.backend.layerNorm(x.dtype, xs.buffer, ws?.buffer ?? null, bs?.buffer ?? null, out.buffer, mean.buffer, rstd.buffer, rows, m, eps);
    // The input itself, not its packed copy: a recorded backward (createGraph) must reach the input's graph.
    if (ctx.recording) ctx.save(x, w, mean, rstd);
    return out;
  },
  backward: ({ saved: [x, w, mean, rstd], attrs: { normalizedShape, eps, hasWeight, hasBias }, needsInputGrad: need, call }, g) => {
    const mask: OutputMask = [need[0]!, hasWeight && need[1]!, hasBias && need[hasWeight ? 2 : 1]!];
    const [dx, dw, db] = call(layerNormBackwardOp, g, x!, normalizedShape, mean!, rstd!, w, { eps, outputMask: mask });
    return [dx, ...(hasWeight ? [dw] : []), ...(hasBias ? [db] : [])];
  },
  jvp: ({ inputs, attrs: { normalizedShape, eps, hasWeight, hasBias } }, tangents) => {
    const x = inputs[0]!, w = hasWeight ? inputs[1]! : null;
    const tx = tangents[0] ?? null, tw = hasWeight ? tangents[1] ?? null : null, tb = hasBias ? tangents[hasWeight ? 2 : 1] ?? null : null;
    const n = Normalized.fromBatch(lnGeometry(x.shape, normalizedShape), x, eps);
    const px = tx === null ? null : n.project(tx);
    return addAll(px === null ? null : w === null ? px : px.mul(w), tw === null ? null : n.xhat.mul(tw), tb);
  },
  flops: (inputs) => 8 * inputs[0]!.size,
};

/** Attributes of a normalisation primitive. */
export interface NormBackwardAttrs {
  readonly eps: number;
  readonly mask: OutputMask;
  readonly hasWeight: boolean;
}

/** Attributes of a normalisation primitive. */
export interface LayerNormBackwardAttrs extends NormBackwardAttrs {
  readonly normalizedShape: Shape;
}

/** What the backward primitives return: [dInput, dWeight, dBias], null where the output mask said no. */
export type NormGrads = [Tensor | null, Tensor | null, Tensor | null];

function maskOf(mask: OutputMask | undefined): OutputMask {
  return mask === undefined ? [true, true, true] : [mask[0], mask[1], mask[2]];
}

/** The size of the packed output of a backward primitive. */
const packedSize = (mask: OutputMask, xSize: number, affine: number): number =>
  (mask[0] ? xSize : 0) + (mask[1] ? affine : 0) + (mask[2] ? affine : 0);

const layerNormBackwardOp: DifferentiableOp<LayerNormBackwardAttrs,
  readonly [grad: Tensor, input: Tensor, normalizedShape: number | readonly number[], mean: Tensor, rstd: Tensor, weight?: Tensor | null,
    options?: { readonly eps?: number; readonly outputMask?: OutputMask }], NormGrads> = {
  name: 'layerNormBackward',
  doc: 'The backward of `layerNorm` (PyTorch\'s native_layer_norm_backward) as one fused kernel: `[dInput, dWeight, dBias]` from the output gradient, the input, and the per-row `mean` and `rstd` = 1/√(var + eps) of the forward; `outputMask` (default all true) picks which are computed (the others are null); `eps` must be the forward\'s (its second derivatives recompute the statistics). Differentiable again.',
  example: 'layerNormBackward(g, x, [64], mean, rstd, weight)',
  differentiable: true,
  call: (run, grad, input, normalizedShape, mean, rstd, weight, opts) => {
    const op = 'layerNormBackward';
    const x = floatTensor(input, op, 'the input');
    const ns = normalizedShapeOf(x, normalizedShape, op);
    const rows = rowsOf(x.shape, ns);
    const g = sameAs(grad, x, op, 'grad', (s) => sameShape(s, x.shape), fmtShape(x.shape));
    const mu = sameAs(mean, x, op, 'mean', (s) => sizeOf(s) === rows, `with ${rows} elements (one per row)`);
    const r = sameAs(rstd, x, op, 'rstd', (s) => sizeOf(s) === rows, `with ${rows} elements (one per row)`);
    const w = optionalTensor(weight, op, 'weight', x.dtype, ns);
    const o = options(op, opts, { eps: 'number', outputMask: 'mask' });
    const mask = maskOf(o.outputMask);
    if (!mask.some(Boolean)) return [null, null, null];
    const p = run([g, x, mu, r, ...(w ? [w] : [])], { normalizedShape: ns, eps: epsOf(o.eps, op), mask, hasWeight: w !== null });
    return unpack(p, mask, x.shape, ns);
  },
  forward: (ctx, inputs, { normalizedShape, mask, hasWeight }) => {
    const [g, x, mean, rstd] = inputs as [Tensor, Tensor, Tensor, Tensor];
    const w = hasWeight ? inputs[4]! : null;
    const device = deviceOf('layerNormBackward', g, ...inputs.slice(1));
    const rows = rowsOf(x.shape, normalizedShape), m = sizeOf(normalizedShape);
    const out = zerosOn(device, x.dtype, [packedSize(mask, x.size, m)]);
    const gs = packed(castRaw(g)), xs = packed(castRaw(x)), ms = packed(castRaw(mean)), rs = packed(castRaw(rstd)), ws = w && packed(w);
    if (out.size > 0) device.backend.layerNormBackward(x.dtype, gs.buffer, xs.buffer, ms.buffer, rs.buffer, ws?.buffer ?? null, out.buffer, mask, rows, m);
    if (ctx.recording) ctx.save(g, x, w);
    return out;
  },
  backward: ({ saved: [g, x, w], attrs: { normalizedShape, eps, mask }, needsInputGrad: need }, gp) => {
    const geo = lnGeometry(x!.shape, normalizedShape);
    const rules = backwardRules(() => Normalized.fromBatch(geo, x!, eps), true, mask, x!.shape);
    const [gg, gx, gw] = rules.grads(gp, g!, w ?? null, { g: need[0]!, x: need[1]!, w: need[4] ?? false });
    return [gg, gx, null, null, gw];
  },
  jvp: ({ inputs, attrs: { normalizedShape, eps, mask, hasWeight }, call }, tangents) => {
    const [g, x] = inputs as [Tensor, Tensor];
    const w = hasWeight ? inputs[4]! : null;
    const geo = lnGeometry(x.shape, normalizedShape);
    return backwardRules(() => Normalized.fromBatch(geo, x, eps), true, mask, x.shape)
      .tangent(call, g, w, tangents[0] ?? null, tangents[1] ?? null, hasWeight ? tangents[4] ?? null : null);
  },
  flops: (inputs) => 10 * inputs[1]!.size,
};

// ---- batchNorm ----

/** Attributes of a normalisation primitive. */
export interface BatchNormAttrs {
  readonly training: boolean;
  readonly momentum: number;
  readonly eps: number;
  readonly runningMean: Tensor | null;
  readonly runningVar: Tensor | null;
  readonly hasWeight: boolean;
  readonly hasBias: boolean;
}

/** Options of `batchNorm`. */
export interface BatchNormOptions {
  /** Normalise with the batch's statistics (and update the running ones, when given); default false. */
  readonly training?: boolean;
  /** The weight of the batch statistics in the running averages (default 0.1). */
  readonly momentum?: number;
  /** Added to the variance (default 1e-5). */
  readonly eps?: number;
}

const nsc = (shape: Shape): [number, number, number] => [shape[0]!, shape[1]!, sizeOf(shape.slice(2))];

function runningStat(t: unknown, x: Tensor, what: string): Tensor | null {
  if (t === null || t === undefined) return null;
  const v = floatTensor(t, 'batchNorm', what);
  const c = x.shape[1]!;
  if (v.ndim !== 1 || v.shape[0] !== c) throw new Error(`batchNorm: ${what} should contain ${c} elements (one per channel of the input ${fmtShape(x.shape)}), not ${v.size} (shape ${fmtShape(v.shape)}).`);
  if (v.storage.device !== x.storage.device) throw new Error(`batchNorm: ${what} is on ${v.device} but the input is on ${x.device}; move them to one device.`);
  return v;
}

/** The running statistic as the kernel's operand (x's dtype, contiguous from offset 0), and how to write it back. */
function kernelStat(t: Tensor | null, dtype: DType): { t: Tensor | null; writeBack(): void } {
  if (t === null) return { t: null, writeBack: () => undefined };
  const work = packed(castRaw(t, dtype));
  return {
    t: work,
    writeBack: () => {
      if (work !== t) copyInto(t, work);
      t.storage.version++;
    },
  };
}

const batchNormOp: DifferentiableOp<BatchNormAttrs, readonly [input: Tensor, runningMean: Tensor | null, runningVar: Tensor | null,
  weight?: Tensor | null, bias?: Tensor | null, options?: BatchNormOptions]> = {
  name: 'batchNorm',
  doc: 'Batch normalisation over `[N, C, *]`, per channel: with `training`, the batch\'s mean and biased variance (the running statistics, when given, are updated in place with `momentum`, the variance unbiased), else the running statistics; then `· weight + bias`. One fused kernel forward and one backward.',
  example: 'batchNorm(x, runningMean, runningVar, weight, bias, { training: true })',
  differentiable: true,
  call: (run, input, runningMean, runningVar, weight, bias, opts) => {
    const x = floatTensor(input, 'batchNorm', 'the input');
    if (x.ndim < 2) throw new Error(`batchNorm: expected an input of at least 2 dims [N, C, *], got shape ${fmtShape(x.shape)}.`);
    const o = options('batchNorm', opts, { training: 'boolean', momentum: 'number', eps: 'number' });
    const rm = runningStat(runningMean, x, 'runningMean'), rv = runningStat(runningVar, x, 'runningVar');
    if ((rm === null) !== (rv === null)) throw new Error('batchNorm: runningMean and runningVar must both be given or both be null.');
    const training = o.training ?? false;
    if (!training && rm === null) {
      throw new Error('batchNorm: runningMean and runningVar must be defined in evaluation mode (training: false); pass them, or { training: true } to use the batch statistics.');
    }
    const [n, c, s] = nsc(x.shape);
    if (training && n * s <= 1) {
      throw new Error(`batchNorm: expected more than 1 value per channel when training, got input size ${fmtShape(x.shape)}.`);
    }
    const w = optionalTensor(weight, 'batchNorm', 'weight', x.dtype, [c]), b = optionalTensor(bias, 'batchNorm', 'bias', x.dtype, [c]);
    const momentum = o.momentum ?? 0.1;
    if (!Number.isFinite(momentum)) throw new Error(`batchNorm: momentum must be a finite number, got ${momentum}.`);
    return run([x, ...(w ? [w] : []), ...(b ? [b] : [])], {
      training, momentum, eps: epsOf(o.eps, 'batchNorm'), runningMean: rm, runningVar: rv, hasWeight: w !== null, hasBias: b !== null,
    });
  },
  forward: (ctx, inputs, { training, momentum, eps, runningMean, runningVar, hasWeight, hasBias }) => {
    const x = inputs[0]!, w = hasWeight ? inputs[1]! : null, b = hasBias ? inputs[hasWeight ? 2 : 1]! : null;
    const device = deviceOf('batchNorm', x, ...inputs.slice(1));
    const [n, c, s] = nsc(x.shape);
    const xs = packed(castRaw(x)), ws = w && packed(w), bs = b && packed(b);
    const out = zerosOn(device, x.dtype, x.shape);
    const mean = zerosOn(device, x.dtype, [c]), invstd = zerosOn(device, x.dtype, [c]);
    const rm = kernelStat(runningMean, x.dtype), rv = kernelStat(runningVar, x.dtype);
    if (c > 0 && (n * s > 0 || !training)) {
      device.backend.batchNorm(x.dtype, xs.buffer, ws?.buffer ?? null, bs?.buffer ?? null, out.buffer, mean.buffer, invstd.buffer, n, c, s,
        { training, runningMean: rm.t?.buffer ?? null, runningVar: rv.t?.buffer ?? null, momentum, eps });
      if (training) { rm.writeBack(); rv.writeBack(); }
    }
    if (ctx.recording) ctx.save(x, w, mean, invstd);
    return out;
  },
  backward: ({ saved: [x, w, mean, invstd], attrs: { training, eps, hasWeight, hasBias }, needsInputGrad: need, call }, g) => {
    const mask: OutputMask = [need[0]!, hasWeight && need[1]!, hasBias && need[hasWeight ? 2 : 1]!];
    const [dx, dw, db] = call(batchNormBackwardOp, g, x!, mean!, invstd!, w, { training, eps, outputMask: mask });
    return [dx, ...(hasWeight ? [dw] : []), ...(hasBias ? [db] : [])];
  },
  jvp: ({ inputs, attrs: { training, eps, runningMean, runningVar, hasWeight, hasBias } }, tangents) => {
    const x = inputs[0]!, w = hasWeight ? inputs[1]! : null;
    const tx = tangents[0] ?? null, tw = hasWeight ? tangents[1] ?? null : null, tb = hasBias ? tangents[hasWeight ? 2 : 1] ?? null : null;
    const geo = bnGeometry(x.shape);
    const n = training ? Normalized.fromBatch(geo, x, eps) : fixedStats(geo, runningMean!, runningVar!.add(eps).rsqrt(), x);
    const px = tx === null ? null : training ? n.project(tx) : tx.mul(n.r);
    return addAll(px === null ? null : w === null ? px : px.mul(geo.wView(w)), tw === null ? null : n.xhat.mul(geo.wView(tw)), tb === null ? null : geo.wView(tb));
  },
  flops: (inputs) => 8 * inputs[0]!.size,
};

/** Statistics that do not depend on the input (running statistics, in evaluation mode). */
function fixedStats(geo: Geometry, mean: Tensor, invstd: Tensor, x: Tensor): Normalized {
  return new Normalized(geo, geo.wView(invstd.detach()), geo.wView(mean.detach()), x);
}

/** Attributes of a normalisation primitive. */
export interface BatchNormBackwardAttrs extends NormBackwardAttrs {
  readonly training: boolean;
}

const batchNormBackwardOp: DifferentiableOp<BatchNormBackwardAttrs,
  readonly [grad: Tensor, input: Tensor, mean: Tensor, invstd: Tensor, weight?: Tensor | null,
    options?: { readonly training?: boolean; readonly eps?: number; readonly outputMask?: OutputMask }], NormGrads> = {
  name: 'batchNormBackward',
  doc: 'The backward of `batchNorm` (PyTorch\'s native_batch_norm_backward) as one fused kernel: `[dInput, dWeight, dBias]` from the output gradient, the input and the per-channel `mean` and `invstd` the forward used; `training` (default true) says they were the batch\'s (and depend on the input), `eps` must be the forward\'s, `outputMask` picks the outputs. Differentiable again.',
  example: 'batchNormBackward(g, x, mean, invstd, weight, { training: true })',
  differentiable: true,
  call: (run, grad, input, mean, invstd, weight, opts) => {
    const op = 'batchNormBackward';
    const x = floatTensor(input, op, 'the input');
    if (x.ndim < 2) throw new Error(`${op}: expected an input of at least 2 dims [N, C, *], got shape ${fmtShape(x.shape)}.`);
    const c = x.shape[1]!;
    const g = sameAs(grad, x, op, 'grad', (s) => sameShape(s, x.shape), fmtShape(x.shape));
    const mu = sameAs(mean, x, op, 'mean', (s) => sameShape(s, [c]), `[${c}]`);
    const r = sameAs(invstd, x, op, 'invstd', (s) => sameShape(s, [c]), `[${c}]`);
    const w = optionalTensor(weight, op, 'weight', x.dtype, [c]);
    const o = options(op, opts, { training: 'boolean', eps: 'number', outputMask: 'mask' });
    const mask = maskOf(o.outputMask);
    if (!mask.some(Boolean)) return [null, null, null];
    const p = run([g, x, mu, r, ...(w ? [w] : [])], { training: o.training ?? true, eps: epsOf(o.eps, op), mask, hasWeight: w !== null });
    return unpack(p, mask, x.shape, [c]);
  },
  forward: (ctx, inputs, { training, mask, hasWeight }) => {
    const [g, x, mean, invstd] = inputs as [Tensor, Tensor, Tensor, Tensor];
    const w = hasWeight ? inputs[4]! : null;
    const device = deviceOf('batchNormBackward', g, ...inputs.slice(1));
    const [n, c, s] = nsc(x.shape);
    const out = zerosOn(device, x.dtype, [packedSize(mask, x.size, c)]);
    const gs = packed(castRaw(g)), xs = packed(castRaw(x)), ms = packed(castRaw(mean)), rs = packed(castRaw(invstd)), ws = w && packed(w);
    if (out.size > 0) device.backend.batchNormBackward(x.dtype, gs.buffer, xs.buffer, ms.buffer, rs.buffer, ws?.buffer ?? null, out.buffer, mask, n, c, s, training);
    // With fixed statistics the rules need them (they do not come from the input).
    if (ctx.recording) ctx.save(g, x, w, ...(training ? [] : [mean, invstd]));
    return out;
  },
  backward: ({ saved: [g, x, w, mean, invstd], attrs: { training, eps, mask }, needsInputGrad: need }, gp) => {
    const geo = bnGeometry(x!.shape);
    const stats = (): Normalized => (training ? Normalized.fromBatch(geo, x!, eps) : fixedStats(geo, mean!, invstd!, x!));
    const [gg, gx, gw] = backwardRules(stats, training, mask, x!.shape).grads(gp, g!, w ?? null, { g: need[0]!, x: need[1]!, w: need[4] ?? false });
    return [gg, gx, null, null, gw];
  },
  jvp: ({ inputs, attrs: { training, eps, mask, hasWeight }, call }, tangents) => {
    const [g, x, mean, invstd] = inputs as [Tensor, Tensor, Tensor, Tensor];
    const w = hasWeight ? inputs[4]! : null;
    const geo = bnGeometry(x.shape);
    const stats = (): Normalized => (training ? Normalized.fromBatch(geo, x, eps) : fixedStats(geo, mean, invstd, x));
    return backwardRules(stats, training, mask, x.shape).tangent(call, g, w, tangents[0] ?? null, tangents[1] ?? null, hasWeight ? tangents[4] ?? null : null);
  },
  flops: (inputs) => 10 * inputs[1]!.size,
};

/** layerNorm, batchNorm and their backward primitives. */
export const NORMALIZATION_OPS = {
  layerNorm: layerNormOp,
  layerNormBackward: layerNormBackwardOp,
  batchNorm: batchNormOp,
  batchNormBackward: batchNormBackwardOp,
};
