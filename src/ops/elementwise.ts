// Running the elementwise kernels for the op table: dtypes, broadcasting and the output tensor, no graph.
import { isFloating, resultTypeOf, type DType } from '../dtype.js';
import { BINARY_KERNELS, UNARY_KERNELS, type BinaryKernel, type TernaryKernel, type UnaryKernel } from '../kernels/catalog.js';
import { broadcastShapes, sameShape } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { backendOf, broadcastView, castRaw, deviceOf, deviceOf2, zerosOn } from './buffers.js';

/**
 * The dtype a unary kernel computes in for an input of `dtype`: floats keep theirs; integer-keeping kernels keep
 * int32 (bool counts as int32, except sign, whose sign of a bool is itself, as in PyTorch); the rest compute in
 * float32 (an int32 input gives float32, as in PyTorch).
 *
 * @example
 * ```ts
 * unaryType('exp', 'int32'); // 'float32'
 * ```
 */
export function unaryType(kernel: UnaryKernel, dtype: DType): DType {
  if (isFloating(dtype)) return dtype;
  if (!UNARY_KERNELS[kernel].integer) return 'float32';
  return dtype === 'bool' && kernel !== 'sign' ? 'int32' : dtype;
}

/**
 * Run a unary kernel (no graph): the output in the kernel's dtype for `x`.
 *
 * @example
 * ```ts
 * unaryKernel('exp', x);
 * ```
 */
export function unaryKernel(kernel: UnaryKernel, x: Tensor): Tensor {
  const dtype = unaryType(kernel, x.dtype);
  const src = castRaw(x, dtype);
  const out = zerosOn(x.storage.device, dtype, x.shape);
  if (out.size > 0) backendOf(x).unary(kernel, dtype, src.buffer, src.offset, out.buffer, out.size);
  return out;
}

/**
 * The dtype a binary kernel computes in, as PyTorch promotes: true division, atan2, xlogy and real powers of
 * integers are floats; bool + bool and bool · bool stay bool (logical or / and); bool − bool, which PyTorch rejects, counts as
 * int32.
 *
 * @example
 * ```ts
 * binaryType('div', a, b); // 'float32' for two int32 tensors
 * ```
 */
export function binaryType(kernel: BinaryKernel, a: Tensor, b: Tensor): DType {
  const t = resultTypeOf(a.dtype, a.ndim, b.dtype, b.ndim);
  if ((kernel === 'div' || kernel === 'pow') && !isFloating(t)) return kernel === 'div' ? 'float32' : t === 'bool' ? 'int32' : t;
  if ((kernel === 'atan2' || kernel === 'xlogy') && !isFloating(t)) return 'float32';
  if (t === 'bool' && kernel === 'sub') return 'int32';
  return t;
}

/**
 * Run a broadcasting binary kernel (no graph): promote dtypes, broadcast shapes, compute in `dtype`.
 *
 * @example
 * ```ts
 * binaryKernel('add', a, b, 'add');
 * ```
 */
export function binaryKernel(kernel: BinaryKernel, a: Tensor, b: Tensor, op: string, dtype: DType = binaryType(kernel, a, b)): Tensor {
  const device = deviceOf2(op, a, b);
  const outType: DType = BINARY_KERNELS[kernel].compare ? 'bool' : dtype;
  const shape = a.shape === b.shape || sameShape(a.shape, b.shape) ? a.shape : broadcastShapes(a.shape, b.shape, op);
  const out = zerosOn(device, outType, shape);
  if (out.size === 0) return out;
  const A = a.dtype === dtype ? a : castRaw(a, dtype), B = b.dtype === dtype ? b : castRaw(b, dtype);
  // On 0/1 values, logical or is the maximum (a sum could write 2 into a bool).
  const k: BinaryKernel = dtype === 'bool' && kernel === 'add' ? 'maximum' : kernel;
  device.backend.binary(k, dtype, broadcastView(A, shape), broadcastView(B, shape), out.buffer, shape);
  return out;
}

/**
 * Run a broadcasting ternary kernel (no graph) in `dtype`: the operands are converted to it and broadcast
 * together; `s` is the kernel's number (addcmul's value).
 *
 * @example
 * ```ts
 * ternaryKernel('lerp', start, end, weight, 'lerp', 'float32');
 * ```
 */
export function ternaryKernel(kernel: TernaryKernel, a: Tensor, b: Tensor, c: Tensor, op: string, dtype: DType, s = 0): Tensor {
  const device = deviceOf(op, a, b, c);
  const shape = broadcastShapes(broadcastShapes(a.shape, b.shape, op), c.shape, op);
  const out = zerosOn(device, dtype, shape);
  if (out.size === 0) return out;
  const [A, B, C] = [a, b, c].map((t) => (t.dtype === dtype ? t : castRaw(t, dtype))) as [Tensor, Tensor, Tensor];
  device.backend.ternary(kernel, dtype, broadcastView(A, shape), broadcastView(B, shape), broadcastView(C, shape), out.buffer, shape, s);
  return out;
}
