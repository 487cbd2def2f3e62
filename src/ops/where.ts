import { isFloating, resultTypeOf } from '../dtype.js';
import { broadcastShapes } from '../shape.js';
import { Tensor } from '../tensor.js';
import { backendOf, broadcastView, castRaw, deviceOf, describe, filledOn, scalarFor, zerosOn, type TensorLike } from './buffers.js';
import { elementwiseFlops, type DifferentiableOp } from './define.js';

/** The bounds of `clamp`; either may be omitted. */
export interface ClampBounds {
  /** Values below it become it. */
  readonly min?: number;
  /** Values above it become it. */
  readonly max?: number;
}

export interface ClampAttrs {
  readonly min: number;
  readonly max: number;
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
  doc: 'Elementwise selection `cond ? a : b`, broadcasting all three; `cond` is a bool tensor and `a`, `b` may be numbers.',
  example: 'where(x.gt(0), x, 0)',
  differentiable: true,
  call: (run, cond, a, b) => run(whereOperands(cond, a, b), undefined),
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

function clampAttrs(x: Tensor, bounds: ClampBounds): [Tensor, ClampAttrs] {
  if (bounds === null || typeof bounds !== 'object') {
    throw new Error(`clamp: expected the bounds as an object, e.g. clamp(x, { min: 0, max: 1 }), got ${describe(bounds)}.`);
  }
  for (const k of Object.keys(bounds)) {
    if (k !== 'min' && k !== 'max') throw new Error(`clamp: unknown option '${k}'; the bounds are { min, max }.`);
  }
  if (bounds.min === undefined && bounds.max === undefined) {
    throw new Error('clamp: at least one of min or max must be given, e.g. clamp(x, { min: 0 }).');
  }
  for (const [k, v] of Object.entries(bounds)) {
    if (v !== undefined && typeof v !== 'number') throw new Error(`clamp: ${k} must be a number, got ${describe(v)}.`);
  }
  const min = bounds.min ?? -Infinity, max = bounds.max ?? Infinity;
  if (Number.isNaN(min) || Number.isNaN(max)) throw new Error(`clamp: bounds must not be NaN (got min=${min}, max=${max}).`);
  // Fractional bounds on an integer tensor give a float result, as in PyTorch.
  const fractional = (v: number): boolean => !Number.isInteger(v) && Number.isFinite(v);
  const input = !isFloating(x.dtype) && (fractional(min) || fractional(max)) ? castRaw(x, 'float32') : x;
  return [input, { min, max }];
}

const clampOp: DifferentiableOp<ClampAttrs, readonly [x: Tensor, bounds: ClampBounds]> = {
  name: 'clamp',
  doc: 'Limit every element to `[min, max]`; either bound may be omitted. NaN stays NaN.',
  example: 'clamp(x, { min: 0, max: 1 })',
  differentiable: true,
  call: (run, x, bounds) => {
    const [input, attrs] = clampAttrs(x, bounds);
    return run([input], attrs);
  },
  forward: (ctx, [x], { min, max }) => {
    if (ctx.recording) ctx.save(x!);
    const dtype = x!.dtype === 'bool' ? 'int32' : x!.dtype;
    const src = castRaw(x!, dtype);
    const out = zerosOn(x!.storage.device, dtype, x!.shape);
    if (out.size > 0) backendOf(x!).clamp(dtype, src.buffer, src.offset, out.buffer, out.size, min, max);
    return out;
  },
  // The gradient passes where min ≤ x ≤ max, boundaries included, as in PyTorch.
  backward: ({ saved: [x], attrs: { min, max }, call }, g) => [call(whereOp, x!.ge(min), call(whereOp, x!.le(max), g, 0), 0)],
  jvp: ({ inputs: [x], attrs: { min, max }, call }, [t]) => (t ? call(whereOp, x!.ge(min), call(whereOp, x!.le(max), t, 0), 0) : null),
  flops: elementwiseFlops,
};

/** `where` and `clamp`. */
export const WHERE_OPS = { where: whereOp, clamp: clampOp };
