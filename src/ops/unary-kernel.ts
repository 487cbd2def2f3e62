import { allocate, isFloating } from '../dtype.js';
import type { UnaryKernel } from '../kernels/backend.js';
import { getBackend } from '../kernels/index.js';
import { unaryScalar } from '../kernels/ts/elementwise.js';
import type { Tensor } from '../tensor.js';
import { contiguousData, wrap } from './util.js';

// Ops that keep integer dtypes; the rest compute in float (an int32 input gives float32, as in PyTorch).
const INTEGER_OK = new Set<UnaryKernel>(['neg', 'abs', 'relu', 'sign']);

/**
 * Run a unary kernel (no graph).
 *
 * @example
 * ```ts
 * unaryKernel('exp', x);
 * ```
 */
export function unaryKernel(kernel: UnaryKernel, x: Tensor): Tensor {
  // The sign of a bool is itself, as in PyTorch; other integer-keeping ops count bools as int32.
  const dtype = isFloating(x.dtype) ? x.dtype
    : INTEGER_OK.has(kernel) ? (x.dtype === 'bool' && kernel !== 'sign' ? 'int32' : x.dtype) : 'float32';
  const n = x.size;
  const out = allocate(dtype, n);
  if (x.ndim === 0 && x.dtype === dtype) {
    // One element: skip the kernel call, whose bookkeeping would be the whole cost.
    out[0] = unaryScalar(kernel, x.storage.data[x.offset]!);
    return wrap(out, x.shape, dtype);
  }
  getBackend().unary(kernel, contiguousData(x, dtype), out, n);
  return wrap(out, x.shape, dtype);
}
