// Cumulative ops along one dim: cumsum, cumprod, logcumsumexp (their running values), cummax and cummin (the
// running extreme with its index). One scan kernel (Backend.scan) computes each.
import { isGradEnabled } from '../autograd/grad-mode.js';
import { isFloating, type DType } from '../dtype.js';
import type { ScanKernel } from '../kernels/catalog.js';
import { checkOptions } from '../options.js';
import { fmtShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { backendOf, castRaw, describe, zerosOn } from './buffers.js';
import { elementwiseFlops, type Caller, type DifferentiableOp } from './define.js';
import { INDEXING_OPS } from './indexing.js';
import {
  flipAlong, gatherAlong, gatherTangent, lineOf, outputsOf, scatterBack, valuesIndices, withOutputs, type ValuesIndices,
} from './selection.js';
import { WHERE_OPS } from './where.js';

/** The dim a scan runs along. */
export interface ScanAttrs {
  readonly dim: number;
}

/** The options of cumsum and cumprod: the dtype to convert the input to first (PyTorch's `dtype=`). */
export interface CumulativeOptions {
  /** Convert the input to this dtype before the scan (without it, bool and int32 inputs scan in int32). */
  readonly dtype?: DType;
}

/** Run the scan kernel `op` along `dim` of `x`, writing `outType` (no graph). */
function scanKernel(op: ScanKernel, x: Tensor, dim: number, outType: DType, inType: DType = x.dtype): Tensor {
  const { outer, r, inner } = lineOf(x.shape, dim, op);
  const src = castRaw(x, inType);
  const out = zerosOn(x.storage.device, outType, x.shape);
  if (out.size > 0) backendOf(x).scan(op, inType, src.buffer, src.offset, out.buffer, outer, r, inner);
  return out;
}

function checkInput(x: unknown, op: string): Tensor {
  if (!(x instanceof Tensor)) throw new Error(`${op}: expected a Tensor, got ${describe(x)}.`);
  return x;
}

/** The running sum from the end: Σ_{j ≥ i} t_j along `dim` (differentiable). */
function reverseCumsum(t: Tensor, dim: number): Tensor {
  return flipAlong(flipAlong(t, dim).cumsum(dim), dim);
}

const cumsumOp: DifferentiableOp<ScanAttrs, readonly [x: Tensor, dim: number, options?: CumulativeOptions]> = {
  name: 'cumsum',
  doc: 'The running sum along `dim`, accumulated in float64; integers and bools sum exactly as int32 (an error when a running sum does not fit). ' +
    'Options: `dtype` converts the input first.',
  example: 'cumsum(x, 1)',
  differentiable: true,
  call: (run, x, dim, options) => {
    const o = checkOptions('cumsum', options, { dtype: 'dtype' });
    const input = o.dtype === undefined ? checkInput(x, 'cumsum') : checkInput(x, 'cumsum').to(o.dtype);
    return run([input], { dim: lineOf(input.shape, dim, 'cumsum').dim });
  },
  forward: (_, [x], { dim }) => {
    const t: DType = isFloating(x!.dtype) ? x!.dtype : 'int32';
    return scanKernel('cumsum', x!, dim, t, t);
  },
  backward: ({ attrs: { dim } }, g) => [reverseCumsum(g, dim)],
  jvp: ({ attrs: { dim } }, [t]) => (t ? t.cumsum(dim) : null),
  flops: elementwiseFlops,
};

/** Masks of the zeros along `dim`: before the first zero, and at the first zero. */
function zeroMasks(x: Tensor, dim: number): { before: Tensor; first: Tensor } {
  const z = x.eq(0);
  const count = z.cumsum(dim);
  return { before: count.eq(0), first: z.logicalAnd(count.eq(1)) };
}

/**
 * Whether `x`'s device reads back synchronously: the cheap rules for inputs without zeros are taken only after
 * one read that finds none; a device that reads back only asynchronously (WebGPU) takes the rules that are right
 * with or without zeros instead.
 */
const readsSync = (x: Tensor): boolean => x.storage.device.backend.readsAsyncOnly !== true;

/**
 * The gradient of cumprod: Σ_{j ≥ k} g_j ∂y_j/∂x_k. Before the first zero z of a line it is Σ_{j ≥ k} g_j y_j / x_k;
 * at z it is Σ_{j ≥ z} g_j y'_j where y' is the cumprod with x_z replaced by 1; after z it is 0. Written with
 * differentiable ops, as PyTorch's cumprod_backward.
 */
function cumprodBackward(call: Caller, x: Tensor, y: Tensor, g: Tensor, dim: number): Tensor {
  if (x.ndim === 0) return g;
  if (readsSync(x) && !x.eq(0).any().item()) return reverseCumsum(g.mul(y), dim).div(x);
  // The rule below is exact, but its own derivative is not cumprod's second derivative (it is 0 after the first
  // zero): when a graph of the gradient is being recorded, take the O(n²) form that is differentiable everywhere.
  if (isGradEnabled()) return cumprodBackwardQuadratic(call, x, g, dim);
  const { before, first } = zeroMasks(x, dim);
  const where = (c: Tensor, a: Tensor | number, b: Tensor | number): Tensor => call(WHERE_OPS.where, c, a, b);
  const beforeZero = where(before, reverseCumsum(g.mul(y), dim).div(where(before, x, 1)), 0);
  const yPrime = where(first, 1, x).cumprod(dim);
  return beforeZero.add(where(first, reverseCumsum(g.mul(yPrime), dim), 0));
}

/**
 * The gradient of cumprod as Σ_{j ≥ k} g_j Π_{m ≤ j, m ≠ k} x_m for each k, the product split into the part before
 * k and the running product after it: O(n²) work and differentiable at zeros (PyTorch's form under GradMode).
 */
function cumprodBackwardQuadratic(call: Caller, x: Tensor, g: Tensor, dim: number): Tensor {
  const n = x.shape[dim]!;
  const parts: Tensor[] = [];
  for (let k = 0; k < n; k++) {
    // Π_{m ≤ j, m ≠ k} x_m for j = k … n−1: the product before k times 1, x_{k+1}, x_{k+1}·x_{k+2}, …
    const before = k === 0 ? null : x.narrow(dim, 0, k).prod(dim, true);
    const after = k === n - 1 ? null : x.narrow(dim, k + 1, n - k - 1).cumprod(dim);
    const one = x.narrow(dim, 0, 1).mul(0).add(1);
    let omitted = after === null ? one : call(INDEXING_OPS.cat, [one, after], dim);
    if (before !== null) omitted = omitted.mul(before);
    parts.push(g.narrow(dim, k, n - k).mul(omitted).sum(dim, true));
  }
  return call(INDEXING_OPS.cat, parts, dim);
}

/** The tangent of cumprod: y · cumsum(t / x) before a line's first zero z, t_z · y'_j from z on (y' as above). */
function cumprodJvp(call: Caller, x: Tensor, y: Tensor, t: Tensor, dim: number): Tensor {
  if (x.ndim === 0) return t;
  if (readsSync(x) && !x.eq(0).any().item()) return y.mul(t.div(x).cumsum(dim));
  const { before, first } = zeroMasks(x, dim);
  const where = (c: Tensor, a: Tensor | number, b: Tensor | number): Tensor => call(WHERE_OPS.where, c, a, b);
  const head = y.mul(where(before, t.div(where(before, x, 1)), 0).cumsum(dim));
  const tz = where(first, t, 0).sum(dim, true);
  return where(before, head, tz.mul(where(first, 1, x).cumprod(dim)));
}

const cumprodOp: DifferentiableOp<ScanAttrs, readonly [x: Tensor, dim: number, options?: CumulativeOptions]> = {
  name: 'cumprod',
  doc: 'The running product along `dim`, accumulated in float64; integers and bools multiply exactly as int32 (an error when a running product does not fit). ' +
    'Its gradient is right at zeros too. Options: `dtype` converts the input first.',
  example: 'cumprod(x, 0)',
  differentiable: true,
  call: (run, x, dim, options) => {
    const o = checkOptions('cumprod', options, { dtype: 'dtype' });
    const input = o.dtype === undefined ? checkInput(x, 'cumprod') : checkInput(x, 'cumprod').to(o.dtype);
    return run([input], { dim: lineOf(input.shape, dim, 'cumprod').dim });
  },
  forward: (ctx, [x], { dim }) => {
    const t: DType = isFloating(x!.dtype) ? x!.dtype : 'int32';
    const y = scanKernel('cumprod', x!, dim, t, t);
    if (ctx.recording) ctx.save(x!, y);
    return y;
  },
  backward: ({ attrs: { dim }, saved: [x, y], call }, g) => [cumprodBackward(call, x!, y!, g, dim)],
  jvp: ({ attrs: { dim }, inputs: [x], output, call }, [t]) => (t ? cumprodJvp(call, x!, output, t, dim) : null),
  flops: elementwiseFlops,
};

/** log of |v| where `keep` holds, else the lowest finite value of v's dtype (an exp of it is 0, and no −∞ − −∞ = NaN). */
function logOrLowest(call: Caller, keep: Tensor, v: Tensor): Tensor {
  const lowest = v.dtype === 'float32' ? -3.4028234663852886e38 : -Number.MAX_VALUE;
  return call(WHERE_OPS.where, keep, v.abs().log(), lowest);
}

const logcumsumexpOp: DifferentiableOp<ScanAttrs, readonly [x: Tensor, dim: number]> = {
  name: 'logcumsumexp',
  doc: 'The running `log(Σ exp(x))` along `dim`, computed stably (each step adds in log space); floating tensors only.',
  example: 'logcumsumexp(logp, 1)',
  differentiable: true,
  call: (run, x, dim) => {
    checkInput(x, 'logcumsumexp');
    if (!isFloating(x.dtype)) {
      throw new Error(`logcumsumexp: input dtype must be floating point, got ${x.dtype} (shape ${fmtShape(x.shape)}). Convert first: x.to('float32').logcumsumexp(dim).`);
    }
    return run([x], { dim: lineOf(x.shape, dim, 'logcumsumexp').dim });
  },
  forward: (ctx, [x], { dim }) => {
    const y = scanKernel('logcumsumexp', x!, dim, x!.dtype);
    if (ctx.recording) ctx.save(x!, y);
    return y;
  },
  // Σ_{j ≥ i} g_j exp(x_i − y_j), with g split by sign so that each part is a log-space sum: for g > 0 it is
  // exp(x_i + log Σ_{j ≥ i} exp(log g_j − y_j)), a reversed logcumsumexp.
  backward: ({ attrs: { dim }, saved: [x, y], call }, g) => {
    const part = (keep: Tensor): Tensor => flipAlong(flipAlong(logOrLowest(call, keep, g).sub(y!), dim).logcumsumexp(dim), dim).add(x!).exp();
    return [part(g.gt(0)).sub(part(g.lt(0)))];
  },
  // Σ_{k ≤ j} t_k exp(x_k − y_j), split by the sign of t in the same way.
  jvp: ({ attrs: { dim }, inputs: [x], output, call }, [t]) => {
    if (!t) return null;
    const part = (keep: Tensor): Tensor => logOrLowest(call, keep, t).add(x!).logcumsumexp(dim).sub(output).exp();
    return part(t.gt(0)).sub(part(t.lt(0)));
  },
  flops: elementwiseFlops,
};

function cumExtremumOp(name: 'cummax' | 'cummin'): DifferentiableOp<ScanAttrs, readonly [x: Tensor, dim: number], ValuesIndices> {
  return {
    name,
    doc: `The running ${name === 'cummax' ? 'maximum' : 'minimum'} along \`dim\` as \`{ values, indices }\`; on ties the later index, and a NaN sticks, as in PyTorch. ` +
      'The gradient of each output goes to the element it came from.',
    example: `const { values, indices } = ${name}(x, 0)`,
    differentiable: true,
    call: (run, x, dim) => valuesIndices(run([checkInput(x, name)], { dim: lineOf(x.shape, dim, name).dim })),
    forward: (ctx, [x], { dim }) => {
      const indices = scanKernel(name, x!, dim, 'int32');
      if (ctx.recording) ctx.save(indices);
      return withOutputs(gatherAlong(x!, dim, indices, x!.shape, name), indices);
    },
    backward: ({ attrs: { dim }, saved: [indices], inputShapes: [s], call }, g) => [scatterBack(call, g, indices!, s!, dim, false)],
    jvp: ({ attrs: { dim }, output }, [t]) => (t ? gatherTangent(t, outputsOf(output)[0]!, dim, false) : null),
    flops: elementwiseFlops,
  };
}

/** The cumulative ops. */
export const SCAN_OPS = {
  cumsum: cumsumOp,
  cumprod: cumprodOp,
  logcumsumexp: logcumsumexpOp,
  cummax: cumExtremumOp('cummax'),
  cummin: cumExtremumOp('cummin'),
};
