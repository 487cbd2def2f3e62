import { isFloating, resultTypeOf } from '../dtype.js';
import { broadcastShapes } from '../shape.js';
import { Tensor } from '../tensor.js';
import { backendOf, broadcastView, castRaw, deviceOf, describe, filledOn, scalarFor, sumTangents, zerosOn, type TensorLike } from './buffers.js';
import { ternaryKernel } from './elementwise.js';
import { resultTypeOfAll } from './ternary.js';
import { elementwiseFlops, type DifferentiableOp } from './define.js';

/** The bounds of `clamp` as an options object; either may be omitted, each a number or a tensor. */
export interface ClampBounds {
  readonly min?: number | Tensor | null;
  readonly max?: number | Tensor | null;
}

/** A bound given positionally: a number, a tensor, or null/undefined for none. */
export type ClampBound = number | Tensor | null | undefined;

/**
 * What `clamp` was given: number bounds (`bounds: 'numbers'`, one input, the bounds in `min`/`max`), or tensor
 * bounds (inputs [x, min], [x, max] or [x, min, max] by `bounds`).
 */
export interface ClampAttrs {
  readonly min: number;
  readonly max: number;
  readonly bounds: 'numbers' | 'min' | 'max' | 'both';
}

function whereOperands(cond: Tensor, a: TensorLike, b: TensorLike): Tensor[] {
  if (!(cond instanceof Tensor) || cond.dtype !== 'bool') {
    throw new Error(`where: the condition must be a bool tensor, got ${describe(cond)}. Build it with a comparison, e.g. x.gt(0).`);
  }
  if (a instanceof Tensor) return [cond, a, b instanceof Tensor ? b : scalarFor(number(b), a)];
  if (b instanceof Tensor) return [cond, scalarFor(number(a), b), b];
  // Two numbers: float32 operands on the condition's device, as PyTorch's default dtype.
  const like = filledOn(cond.storage.device, 'float32', [], 0);
  return [cond, scalarFor(number(a), like), scalarFor(number(b), like)];
}

function number(v: unknown): number {
  if (typeof v !== 'number') throw new Error(`where: expected a Tensor or a number for each branch, got ${describe(v)}.`);
  return v;
}

const whereOp: DifferentiableOp<void, readonly [cond: Tensor, a: TensorLike, b: TensorLike]> = {
  name: 'where',
  doc: 'Elementwise selection `cond ? a : b`, broadcasting all three; `cond` is a bool tensor and `a`, `b` may be numbers. With `cond` alone, the indices of its nonzero elements, one int32 tensor per dimension (`nonzero(cond, { asTuple: true })`).',
  example: 'where(x.gt(0), x, 0)',
  differentiable: true,
  call: (run, cond, a, b) => {
    if (a === undefined && b === undefined) {
      if (!(cond instanceof Tensor)) throw new Error(`where: expected a Tensor, got ${describe(cond)}.`);
      // The one-argument form (typed by the overload in ops/methods.ts): nonzero(cond, { asTuple: true }).
      return cond.nonzero({ asTuple: true }) as unknown as Tensor;
    }
    return run(whereOperands(cond, a, b), undefined);
  },
  forward: (ctx, [cond, a, b]) => {
    if (ctx.recording) ctx.save(cond!);
    const device = deviceOf('where', cond!, a!, b!);
    const shape = broadcastShapes(broadcastShapes(cond!.shape, a!.shape, 'where'), b!.shape, 'where');
    const dtype = resultTypeOf(a!.dtype, a!.ndim, b!.dtype, b!.ndim);
    const out = zerosOn(device, dtype, shape);
    if (out.size === 0) return out;
    const A = castRaw(a!, dtype), B = castRaw(b!, dtype);
    device.backend.where(dtype, broadcastView(cond!, shape), broadcastView(A, shape), broadcastView(B, shape), out.buffer, shape);
    return out;
  },
  backward: ({ saved: [cond], needsInputGrad: n, call }, g) => [
    null,
    n[1] ? call(whereOp, cond!, g, 0) : null,
    n[2] ? call(whereOp, cond!, 0, g) : null,
  ],
  jvp: ({ inputs: [cond], call }, [, ta, tb]) => call(whereOp, cond!, ta ?? 0, tb ?? 0),
  flops: elementwiseFlops,
};

const isBoundsObject = (v: unknown): v is ClampBounds => v !== null && typeof v === 'object' && !(v instanceof Tensor) && !Array.isArray(v);

/** The inputs and attributes of a clamp call: `clamp(x, { min, max })` or `clamp(x, min, max)`. */
function clampCall(x: Tensor, first: ClampBounds | ClampBound, second: ClampBound): [Tensor[], ClampAttrs] {
  if (!(x instanceof Tensor)) throw new Error(`clamp: expected a Tensor, got ${describe(x)}.`);
  let lo: ClampBound, hi: ClampBound;
  if (isBoundsObject(first)) {
    if (second !== undefined) throw new Error('clamp: give the bounds either as an object, clamp(x, { min, max }), or positionally, clamp(x, min, max), not both.');
    for (const k of Object.keys(first)) {
      if (k !== 'min' && k !== 'max') throw new Error(`clamp: unknown option '${k}'; the bounds are { min, max }.`);
    }
    lo = first.min;
    hi = first.max;
  } else {
    lo = first;
    hi = second;
  }
  for (const [k, v] of [['min', lo], ['max', hi]] as const) {
    if (v !== undefined && v !== null && typeof v !== 'number' && !(v instanceof Tensor)) {
      throw new Error(`clamp: ${k} must be a number, a Tensor or null, got ${describe(v)}.`);
    }
  }
  const hasLo = lo !== undefined && lo !== null, hasHi = hi !== undefined && hi !== null;
  if (!hasLo && !hasHi) throw new Error('clamp: at least one of min or max must be given, e.g. clamp(x, { min: 0 }) or clamp(x, 0, 1).');
  if (lo instanceof Tensor || hi instanceof Tensor) {
    // Tensor bounds (a number next to a tensor bound counts as a 0-d tensor, as a Python scalar would).
    const asTensor = (v: number | Tensor): Tensor => (v instanceof Tensor ? v : scalarFor(v, x));
    const bounds = hasLo && hasHi ? 'both' : hasLo ? 'min' : 'max';
    const inputs = [x, ...(hasLo ? [asTensor(lo!)] : []), ...(hasHi ? [asTensor(hi!)] : [])];
    return [inputs, { min: -Infinity, max: Infinity, bounds }];
  }
  const min = hasLo ? (lo as number) : -Infinity, max = hasHi ? (hi as number) : Infinity;
  if (Number.isNaN(min) || Number.isNaN(max)) throw new Error(`clamp: bounds must not be NaN (got min=${min}, max=${max}).`);
  // Fractional bounds on an integer tensor give a float result, as in PyTorch.
  const fractional = (v: number): boolean => !Number.isInteger(v) && Number.isFinite(v);
  const input = !isFloating(x.dtype) && (fractional(min) || fractional(max)) ? castRaw(x, 'float32') : x;
  return [[input], { min, max, bounds: 'numbers' }];
}

/**
 * The masks of clamp's gradient with tensor bounds, one per input, as PyTorch's clamp_backward and
 * clamp_backward_min_max: x where min ≤ x ≤ max; min where x < min (and min < max); max where x > max (or
 * max < min), so that each element's gradient goes to the one operand the output took.
 */
function clampMasks(x: Tensor, lo: Tensor | null, hi: Tensor | null): Tensor[] {
  if (lo && hi) return [x.ge(lo).mul(x.le(hi)), x.lt(lo).mul(lo.lt(hi)), x.gt(hi).add(hi.lt(lo))];
  if (lo) return [x.ge(lo), x.lt(lo)];
  return [x.le(hi!), x.gt(hi!)];
}

/** The tensor bounds among clamp's inputs, by `bounds`. */
function boundsOf(inputs: readonly (Tensor | null)[], bounds: ClampAttrs['bounds']): [Tensor | null, Tensor | null] {
  return bounds === 'both' ? [inputs[1]!, inputs[2]!] : bounds === 'min' ? [inputs[1]!, null] : [null, inputs[1]!];
}

const clampOp: DifferentiableOp<ClampAttrs, readonly [x: Tensor, min?: ClampBounds | ClampBound, max?: ClampBound]> = {
  name: 'clamp',
  doc: 'Limit every element to `[min, max]`, as `clamp(x, { min, max })` or `clamp(x, min, max)`; either bound may be ' +
    'omitted, and each is a number or a tensor (broadcast). NaN stays NaN; a NaN tensor bound gives NaN; where min > max the result is max.',
  example: 'clamp(x, { min: 0, max: 1 })',
  differentiable: true,
  call: (run, x, min, max) => {
    const [inputs, attrs] = clampCall(x, min, max);
    return run(inputs, attrs);
  },
  forward: (ctx, inputs, { min, max, bounds }) => {
    const x = inputs[0]!;
    if (bounds === 'numbers') {
      if (ctx.recording) ctx.save(x);
      const dtype = x.dtype === 'bool' ? 'int32' : x.dtype;
      const src = castRaw(x, dtype);
      const out = zerosOn(x.storage.device, dtype, x.shape);
      if (out.size > 0) backendOf(x).clamp(dtype, src.buffer, src.offset, out.buffer, out.size, min, max);
      return out;
    }
    if (ctx.recording) ctx.save(...inputs);
    const [lo, hi] = boundsOf(inputs, bounds);
    const t = resultTypeOfAll(inputs);
    const dtype = t === 'bool' ? 'int32' : t;
    const device = deviceOf('clamp', x, ...inputs.slice(1));
    return ternaryKernel('clamp', x, lo ?? filledOn(device, dtype, [], -Infinity), hi ?? filledOn(device, dtype, [], Infinity), 'clamp', dtype);
  },
  // With number bounds the gradient passes where min ≤ x ≤ max, boundaries included, as in PyTorch.
  backward: ({ saved, attrs: { min, max, bounds }, needsInputGrad: n, call }, g) => {
    const x = saved[0]!;
    if (bounds === 'numbers') return [call(whereOp, x.ge(min), call(whereOp, x.le(max), g, 0), 0)];
    const [lo, hi] = boundsOf(saved, bounds);
    return clampMasks(x, lo, hi).map((m, i) => (n[i] ? call(whereOp, m, g, 0) : null));
  },
  jvp: ({ inputs, attrs: { min, max, bounds }, call }, ts) => {
    const x = inputs[0]!;
    if (bounds === 'numbers') return ts[0] ? call(whereOp, x.ge(min), call(whereOp, x.le(max), ts[0], 0), 0) : null;
    const [lo, hi] = boundsOf(inputs, bounds);
    // The transpose of the rule above: each tangent where its operand was taken.
    return sumTangents(...clampMasks(x, lo, hi).map((m, i) => (ts[i] ? call(whereOp, m, ts[i], 0) : null)));
  },
  flops: elementwiseFlops,
};

/** `where` and `clamp`. */
export const WHERE_OPS = { where: whereOp, clamp: clampOp };
