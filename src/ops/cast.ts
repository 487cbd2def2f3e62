import { checkDType, isFloating, type DType } from '../dtype.js';
import type { Tensor } from '../tensor.js';
import { apply, defineOp } from './registry.js';
import { castRaw, contiguousData, wrap } from './util.js';

export const toOp = defineOp<{ readonly dtype: DType }>({
  name: 'to',
  forward: ([x], { dtype }) => (x!.dtype === dtype ? wrap(contiguousData(x!).slice(), x!.shape, dtype) : castRaw(x!, dtype)),
  // Casting between floats is differentiable: the gradient is cast back. Casting to int or bool cuts the graph.
  backward: (g, { inputDTypes: [d] }) => [g.to(d!)],
  jvp: ([t], { attrs: { dtype } }) => (t ? t.to(dtype) : null),
});

/**
 * A copy of `x` in another dtype (float32, float64, int32 by truncation, bool by `x !== 0`). Float-to-float
 * casts keep the graph; casting to int32 or bool does not require grad.
 *
 * @example
 * ```ts
 * x.to('float64');
 * ```
 */
export function to(x: Tensor, dtype: DType): Tensor {
  const d = checkDType(dtype, 'to');
  if (!isFloating(d)) return castRaw(x, d) === x ? wrap(contiguousData(x).slice(), x.shape, d) : castRaw(x, d);
  return apply(toOp, [x], { dtype: d });
}

/** A copy with its own storage (recorded: gradients flow through). @example `clone(x)` */
export function clone(x: Tensor): Tensor {
  return apply(toOp, [x], { dtype: x.dtype });
}
