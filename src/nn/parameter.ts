import { isFloating } from '../dtype.js';
import { fmtShape } from '../shape.js';
import { Tensor } from '../tensor.js';
// Tensor methods are installed with the op table: loading it here lets this module work when imported alone.
import '../autograd/record.js';

/**
 * A tensor that is a learnable weight of a module: a leaf that requires grad (unless told otherwise) and
 * that a `Module` lists in `parameters()` when it is assigned to one of its properties. It shares the
 * storage of the tensor it wraps, as `torch.nn.Parameter` does.
 *
 * @example
 * ```ts
 * import { nn, randn } from 'adjoint';
 * const w = new nn.Parameter(randn([3, 4]));
 * w.requiresGrad; // true
 * ```
 */
export class Parameter extends Tensor {
  constructor(data: Tensor, requiresGrad = true) {
    if (!(data instanceof Tensor)) {
      throw new Error(`Parameter: expected a Tensor to wrap, got ${data === null ? 'null' : typeof data}.`);
    }
    if (requiresGrad && !isFloating(data.dtype)) {
      throw new Error(
        `Parameter: only floating-point tensors can be trainable parameters, but this tensor has dtype ${data.dtype} ` +
          `and shape ${fmtShape(data.shape)}. Convert it first (x.to('float32')), or pass requiresGrad = false.`,
      );
    }
    super(data.storage, data.shape, data.dtype, data.strides, data.offset);
    this.requiresGrad = requiresGrad;
  }
}

/**
 * Wrap a tensor as a `Parameter` (a trainable leaf sharing its storage).
 *
 * @example
 * ```ts
 * import { nn, zeros } from 'adjoint';
 * const bias = nn.parameter(zeros([10]));
 * ```
 */
export function parameter(data: Tensor, requiresGrad = true): Parameter {
  return new Parameter(data, requiresGrad);
}
