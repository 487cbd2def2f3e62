// Loss primitives whose derivative PyTorch defines by its own formula rather than by the ops that compute the
// value: binary cross-entropy on probabilities, whose gradient (x − t) / max(x·(1 − x), 1e-12) stays finite where
// the clamped logs of its value would give 0/0.
import { isFloating, promoteTypes } from '../dtype.js';
import { fmtShape, sameShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { backendOf, describe, scalarFor, sumTangents, zerosOn } from './buffers.js';
import { elementwiseFlops, type DifferentiableOp } from './define.js';
import { binaryKernel, unaryKernel } from './elementwise.js';

/** How a loss combines the per-element values: averaged, summed, or returned as they are. */
export type Reduction = 'mean' | 'sum' | 'none';

/** Options of `binaryCrossEntropy`. @example `binaryCrossEntropy(p, t, { weight: w, reduction: 'sum' })` */
export interface BinaryCrossEntropyOptions {
  /** A rescaling weight, broadcast to the input's shape. */
  readonly weight?: Tensor | null;
  /** How the per-element losses combine: `'mean'` (default), `'sum'` or `'none'`. */
  readonly reduction?: Reduction;
}

/** The smallest denominator of the gradient, as PyTorch's `EPSILON` in binary_cross_entropy_backward. */
const EPSILON = 1e-12;

/** max(log(x), −100) without recording: PyTorch's clamp, which keeps the loss finite at probabilities 0 and 1. */
function clampedLog(x: Tensor): Tensor {
  const l = unaryKernel('log', x);
  const out = zerosOn(x.storage.device, l.dtype, l.shape);
  if (out.size > 0) backendOf(l).clamp(l.dtype, l.buffer, l.offset, out.buffer, out.size, -100, Infinity);
  return out;
}

/** The same, recorded (for the derivative rules). */
const clampedLogOp = (x: Tensor): Tensor => x.log().clamp({ min: -100 });

/** (x − t) / max(x·(1 − x), ε): ∂loss/∂x of one element. */
const inputSlope = (x: Tensor, t: Tensor): Tensor => x.sub(t).div(x.mul(x.neg().add(1)).clamp({ min: EPSILON }));
/** log(1 − x) − log(x), both clamped: ∂loss/∂t of one element. */
const targetSlope = (x: Tensor): Tensor => clampedLogOp(x.neg().add(1)).sub(clampedLogOp(x));

function checkBceOptions(opts: unknown): BinaryCrossEntropyOptions {
  if (opts === undefined) return {};
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts) || opts instanceof Tensor) {
    throw new Error(`binaryCrossEntropy: expected an options object like { weight, reduction }, got ${describe(opts)}.`);
  }
  for (const [k, v] of Object.entries(opts)) {
    if (k === 'weight') {
      if (v !== undefined && v !== null && !(v instanceof Tensor)) throw new Error(`binaryCrossEntropy: option 'weight' must be a Tensor or null, got ${describe(v)}.`);
    } else if (k === 'reduction') {
      if (v !== undefined && v !== 'mean' && v !== 'sum' && v !== 'none') throw new Error(`binaryCrossEntropy: option 'reduction' must be one of 'mean', 'sum', 'none', got ${describe(v)}.`);
    } else {
      throw new Error(`binaryCrossEntropy: unknown option '${k}'; the options are weight, reduction.`);
    }
  }
  return opts as BinaryCrossEntropyOptions;
}

const binaryCrossEntropyOp: DifferentiableOp<void, readonly [input: Tensor, target: Tensor, options?: BinaryCrossEntropyOptions]> = {
  name: 'binaryCrossEntropy',
  doc: 'Binary cross-entropy between probabilities `input` (in [0, 1]) and `target` of the same shape: `−w·(t·log x + (1 − t)·log(1 − x))`, each log clamped at −100 as in PyTorch; averaged by default (`reduction`), optional `weight`.',
  example: 'binaryCrossEntropy(tensor([0.9, 0.2]), tensor([1, 0])) // tensor(0.1643)',
  differentiable: true,
  call: (run, input, target, options) => {
    const { weight, reduction = 'mean' } = checkBceOptions(options);
    if (!(input instanceof Tensor) || !(target instanceof Tensor)) {
      throw new Error(`binaryCrossEntropy: expected the input and target to be Tensors, got ${describe(input)} and ${describe(target)}.`);
    }
    if (!isFloating(input.dtype) || !isFloating(target.dtype)) {
      throw new Error(`binaryCrossEntropy: input and target must be floating point, got ${input.dtype} and ${target.dtype}. Convert the target with t.float().`);
    }
    if (!sameShape(input.shape, target.shape)) {
      throw new Error(
        `binaryCrossEntropy: Using a target size (${fmtShape(target.shape)}) that is different to the input size (${fmtShape(input.shape)}) is ` +
          `deprecated in PyTorch and an error here: broadcasting them would pair the wrong elements. Reshape the target, e.g. target.view(${input.shape.join(', ')}).`,
      );
    }
    const backend = input.storage.device.backend;
    if (input.size > 0 && backend.readsAsyncOnly === true && backend.deferCheck) {
      // A device that reads back only asynchronously checks there, and reports at the next read-back.
      const flat = input.detach().flatten().contiguous();
      const mask = flat.ge(0).logicalAnd(flat.le(1)).logicalNot().contiguous();
      backend.deferCheck(mask.buffer, mask.offset, flat.buffer, flat.offset, mask.size, (i) => new Error(
        `binaryCrossEntropy: all elements of input should be between 0 and 1 (the element at flat index ${i} is not). ` +
          'Pass probabilities (x.sigmoid()), or logits to binaryCrossEntropyWithLogits.',
      ));
    } else if (input.size > 0) {
      const lo = input.min().item(), hi = input.max().item();
      if (!(lo >= 0 && hi <= 1)) {
        throw new Error(`binaryCrossEntropy: all elements of input should be between 0 and 1 (got values in [${lo}, ${hi}]). Pass probabilities (x.sigmoid()), or logits to binaryCrossEntropyWithLogits.`);
      }
    }
    const dtype = promoteTypes(input.dtype, target.dtype);
    let loss = run([input.dtype === dtype ? input : input.to(dtype), target.dtype === dtype ? target : target.to(dtype)], undefined);
    if (weight !== undefined && weight !== null) loss = loss.mul(weight);
    return reduction === 'none' ? loss : reduction === 'sum' ? loss.sum() : loss.mean();
  },
  forward: (ctx, [x, t]) => {
    if (ctx.recording) ctx.save(x!, t!);
    // −(t·(log x − log(1 − x)) + log(1 − x)), with each log clamped.
    const lx = clampedLog(x!), l1x = clampedLog(binaryKernel('sub', scalarFor(1, x!), x!, 'binaryCrossEntropy'));
    return unaryKernel('neg', binaryKernel('add', binaryKernel('mul', t!, binaryKernel('sub', lx, l1x, 'binaryCrossEntropy'), 'binaryCrossEntropy'), l1x, 'binaryCrossEntropy'));
  },
  backward: ({ saved: [x, t], needsInputGrad: n }, g) => [
    n[0] ? g.mul(inputSlope(x!, t!)) : null,
    n[1] ? g.mul(targetSlope(x!)) : null,
  ],
  jvp: ({ inputs: [x, t] }, [tx, tt]) => sumTangents(tx ? tx.mul(inputSlope(x!, t!)) : null, tt ? tt.mul(targetSlope(x!)) : null),
  flops: elementwiseFlops,
};

/** binaryCrossEntropy. */
export const LOSS_OPS = { binaryCrossEntropy: binaryCrossEntropyOp };
