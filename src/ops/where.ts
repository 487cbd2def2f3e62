import { allocate, isFloating, resultTypeOf } from '../dtype.js';
import { getBackend } from '../kernels/index.js';
import { broadcastShapes, fmtShape, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { apply, defineOp } from './registry.js';
import { broadcastView, castRaw, contiguousData, scalarFor, wrap, type TensorLike } from './util.js';

export const whereOp = defineOp<void>({
  name: 'where',
  forward: ([cond, a, b], _, ctx) => {
    if (ctx.recording) ctx.save(cond!);
    const shape = broadcastShapes(broadcastShapes(cond!.shape, a!.shape, 'where'), b!.shape, 'where');
    const dtype = resultTypeOf(a!.dtype, a!.ndim, b!.dtype, b!.ndim);
    const out = allocate(dtype, sizeOf(shape));
    const A = castRaw(a!, dtype), B = castRaw(b!, dtype);
    getBackend().where(broadcastView(cond!, shape), broadcastView(A, shape), broadcastView(B, shape), out, shape);
    return wrap(out, shape, dtype);
  },
  backward: (g, { saved: [cond], needsInputGrad: n }) => [
    null,
    n[1] ? where(cond!, g, 0) : null,
    n[2] ? where(cond!, 0, g) : null,
  ],
  jvp: ([, ta, tb], { inputs: [cond] }) => where(cond!, ta ?? 0, tb ?? 0),
});

/**
 * Elementwise selection: `cond ? a : b`, broadcasting all three. `cond` must be a bool tensor
 * (comparisons return one); `a` and `b` may be numbers.
 *
 * @example
 * ```ts
 * where(x.gt(0), x, 0); // relu
 * ```
 */
export function where(cond: Tensor, a: TensorLike, b: TensorLike): Tensor {
  if (!(cond instanceof Tensor) || cond.dtype !== 'bool') {
    const got = cond instanceof Tensor ? `a ${cond.dtype} tensor of shape ${fmtShape(cond.shape)}` : typeof cond;
    throw new Error(`where: the condition must be a bool tensor, got ${got}. Build it with a comparison, e.g. x.gt(0).`);
  }
  let A: Tensor, B: Tensor;
  if (a instanceof Tensor) {
    A = a;
    B = b instanceof Tensor ? b : scalarFor(b, a);
  } else if (b instanceof Tensor) {
    B = b;
    A = scalarFor(a, b);
  } else {
    const f32 = new Tensor(cond.storage, [], 'float32');
    A = scalarFor(a, f32);
    B = scalarFor(b, f32);
  }
  return apply(whereOp, [cond, A, B], undefined);
}

interface ClampAttrs { readonly min: number; readonly max: number }

export const clampOp = defineOp<ClampAttrs>({
  name: 'clamp',
  forward: ([x], { min, max }, ctx) => {
    if (ctx.recording) ctx.save(x!);
    const dtype = x!.dtype === 'bool' ? 'int32' : x!.dtype;
    const out = allocate(dtype, x!.size);
    getBackend().clamp(contiguousData(x!, dtype), out, x!.size, min, max);
    return wrap(out, x!.shape, dtype);
  },
  // The gradient passes where min ≤ x ≤ max, boundaries included, as in PyTorch.
  backward: (g, { saved: [x], attrs: { min, max } }) => [where(x!.ge(min), where(x!.le(max), g, 0), 0)],
  jvp: ([t], { inputs: [x], attrs: { min, max } }) => (t ? where(x!.ge(min), where(x!.le(max), t, 0), 0) : null),
});

/**
 * Limit every element to `[min, max]`; either bound may be omitted.
 *
 * @example
 * ```ts
 * clamp(x, { min: 0, max: 1 });
 * ```
 */
export function clamp(x: Tensor, bounds: { min?: number; max?: number }): Tensor {
  const min = bounds.min ?? -Infinity, max = bounds.max ?? Infinity;
  if (bounds.min === undefined && bounds.max === undefined) {
    throw new Error('clamp: at least one of min or max must be given, e.g. clamp(x, { min: 0 }).');
  }
  if (Number.isNaN(min) || Number.isNaN(max)) throw new Error(`clamp: bounds must not be NaN (got min=${min}, max=${max}).`);
  if (!isFloating(x.dtype) && (!Number.isInteger(min) && Number.isFinite(min) || !Number.isInteger(max) && Number.isFinite(max))) {
    return apply(clampOp, [castRaw(x, 'float32')], { min, max });
  }
  return apply(clampOp, [x], { min, max });
}
