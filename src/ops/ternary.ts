// The elementwise ops of three tensors: lerp, addcmul and addcdiv, each one ternary kernel (the backend's
// `ternary`), broadcasting all three operands, with PyTorch's rules.
import { isFloating, promoteTypes, type DType } from '../dtype.js';
import { fmtShape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { scalarFor, sumTangents, type TensorLike, tensorArg } from './buffers.js';
import { checkOptions } from '../options.js';
import type { DifferentiableOp } from './define.js';
import { ternaryKernel } from './elementwise.js';

/** Options of `addcmul` and `addcdiv`. */
export interface AddcOptions {
  /** The factor of the product or quotient. Default 1. */
  readonly value?: number;
}

/** The attributes of addcmul and addcdiv. */
export interface AddcAttrs {
  readonly value: number;
}

const CATEGORY: Record<DType, number> = { bool: 0, int32: 1, float32: 2, float64: 2 };

/**
 * The dtype of an op on several tensors, as PyTorch's `result_type`: the dimensioned tensors promote together,
 * and a 0-d one only counts when it is of a higher category (bool < integer < floating) than all of them.
 *
 * @example
 * ```ts
 * resultTypeOfAll([a, b, c]); // 'float64' for float64 a, b and a float32 0-d c
 * ```
 */
export function resultTypeOfAll(tensors: readonly Tensor[]): DType {
  const dimmed = tensors.filter((t) => t.ndim > 0), zero = tensors.filter((t) => t.ndim === 0);
  if (dimmed.length === 0) return zero.map((t) => t.dtype).reduce(promoteTypes);
  const d = dimmed.map((t) => t.dtype).reduce(promoteTypes);
  const z = zero.map((t) => t.dtype).filter((t) => CATEGORY[t] > CATEGORY[d]);
  return z.length === 0 ? d : z.reduce(promoteTypes, d);
}


const lerpOp: DifferentiableOp<void, readonly [start: Tensor, end: Tensor, weight: TensorLike]> = {
  name: 'lerp',
  doc: 'Linear interpolation `start + weight · (end − start)` elementwise, broadcasting; `weight` is a number or a tensor. ' +
    'As in PyTorch, the three share one floating dtype, and weight 1 gives `end` exactly.',
  example: 'lerp(start, end, 0.25)',
  differentiable: true,
  call: (run, start, end, weight) => {
    const a = tensorArg(start, 'lerp', 'start'), b = tensorArg(end, 'lerp', 'end');
    if (!isFloating(a.dtype)) throw new Error(`lerp: "lerp" is not implemented for ${a.dtype} tensors (as in PyTorch); convert first, e.g. start.to('float32').`);
    if (b.dtype !== a.dtype) throw new Error(`lerp: expected dtype ${a.dtype} for \`end\` but got dtype ${b.dtype} (as PyTorch, lerp does not promote); convert one of them with .to().`);
    let w: Tensor;
    if (typeof weight === 'number') w = scalarFor(weight, a);
    else {
      w = tensorArg(weight, 'lerp', 'weight (a number or a Tensor)');
      if (w.dtype !== a.dtype) throw new Error(`lerp: expected dtype ${a.dtype} for \`weight\` but got dtype ${w.dtype} (as PyTorch, lerp does not promote); convert it with .to('${a.dtype}').`);
    }
    return run([a, b, w], undefined);
  },
  forward: (ctx, [a, b, w]) => {
    if (ctx.recording) {
      const n = ctx.needsInputGrad;
      ctx.save(n[0] || n[1] ? w! : null, n[2] ? a! : null, n[2] ? b! : null);
    }
    return ternaryKernel('lerp', a!, b!, w!, 'lerp', a!.dtype);
  },
  // d/dstart = 1 − w, d/dend = w, d/dweight = end − start.
  backward: ({ saved: [w, a, b], needsInputGrad: n }, g) => [
    n[0] ? g.mul(w!.neg().add(1)) : null,
    n[1] ? g.mul(w!) : null,
    n[2] ? g.mul(b!.sub(a!)) : null,
  ],
  jvp: ({ inputs: [a, b, w] }, [ta, tb, tw]) => sumTangents(ta?.mul(w!.neg().add(1)), tb?.mul(w!), tw?.mul(b!.sub(a!))),
  flops: (_, out) => 3 * out.size,
};

function addcOperands(op: 'addcmul' | 'addcdiv', self: Tensor, t1: Tensor, t2: Tensor, options: AddcOptions | undefined): [Tensor[], AddcAttrs] {
  const { value = 1 } = checkOptions(op, options, { value: 'number' });
  const ts = [tensorArg(self, op, 'input'), tensorArg(t1, op, 'tensor1'), tensorArg(t2, op, 'tensor2')];
  if (op === 'addcdiv' && !isFloating(ts[1]!.dtype) && !isFloating(ts[2]!.dtype)) {
    throw new Error(`addcdiv: integer division with addcdiv is not supported (tensor1 is ${ts[1]!.dtype}, tensor2 ${ts[2]!.dtype}), as in PyTorch. For true division convert one to a float dtype; for floor division use input.add(tensor1.div(tensor2).floor().mul(value)).`);
  }
  if (!Number.isInteger(value) && !ts.some((t) => isFloating(t.dtype))) {
    throw new Error(`${op}: value ${value} is not an integer, but the tensors (${ts.map((t) => `${t.dtype} ${fmtShape(t.shape)}`).join(', ')}) are integral; convert them to a float dtype first.`);
  }
  return [ts, { value }];
}

// Each tensor's gradient needs the other one: save t2 for t1's and t1 for t2's.
function saveFactors(ctx: { readonly recording: boolean; readonly needsInputGrad: readonly boolean[]; save(...t: (Tensor | null)[]): void }, t1: Tensor, t2: Tensor): void {
  if (!ctx.recording) return;
  const n = ctx.needsInputGrad;
  if (n[1] || n[2]) ctx.save(n[2] ? t1 : null, n[1] || n[2] ? t2 : null);
}

const addcmulOp: DifferentiableOp<AddcAttrs, readonly [input: Tensor, tensor1: Tensor, tensor2: Tensor, options?: AddcOptions]> = {
  name: 'addcmul',
  doc: '`input + value · tensor1 · tensor2` elementwise in one pass, broadcasting all three (`value` defaults to 1).',
  example: 'addcmul(v, g, g, { value: 0.001 })',
  differentiable: true,
  call: (run, self, t1, t2, options) => {
    const [ts, attrs] = addcOperands('addcmul', self, t1, t2, options);
    return run(ts, attrs);
  },
  forward: (ctx, [a, t1, t2], { value }) => {
    saveFactors(ctx, t1!, t2!);
    return ternaryKernel('addcmul', a!, t1!, t2!, 'addcmul', resultTypeOfAll([a!, t1!, t2!]), value);
  },
  backward: ({ saved: [t1, t2], needsInputGrad: n, attrs: { value } }, g) => [
    g,
    n[1] ? g.mul(t2!.mul(value)) : null,
    n[2] ? g.mul(t1!.mul(value)) : null,
  ],
  jvp: ({ inputs: [, t1, t2], attrs: { value } }, [ta, t1t, t2t]) =>
    sumTangents(ta, t1t?.mul(t2!.mul(value)), t2t?.mul(t1!.mul(value))),
  flops: (_, out) => 3 * out.size,
};

const addcdivOp: DifferentiableOp<AddcAttrs, readonly [input: Tensor, tensor1: Tensor, tensor2: Tensor, options?: AddcOptions]> = {
  name: 'addcdiv',
  doc: '`input + value · tensor1 / tensor2` elementwise in one pass, broadcasting all three (`value` defaults to 1); ' +
    'integer tensor1 and tensor2 are an error, as in PyTorch.',
  example: 'addcdiv(p, m, v.sqrt().add(1e-8), { value: -lr })',
  differentiable: true,
  call: (run, self, t1, t2, options) => {
    const [ts, attrs] = addcOperands('addcdiv', self, t1, t2, options);
    return run(ts, attrs);
  },
  forward: (ctx, [a, t1, t2], { value }) => {
    saveFactors(ctx, t1!, t2!);
    return ternaryKernel('addcdiv', a!, t1!, t2!, 'addcdiv', resultTypeOfAll([a!, t1!, t2!]), value);
  },
  // d/dt1 = value / t2, d/dt2 = −value · t1 / t2² (PyTorch's rules).
  backward: ({ saved: [t1, t2], needsInputGrad: n, attrs: { value } }, g) => [
    g,
    n[1] ? g.mul(value).div(t2!) : null,
    n[2] ? g.mul(t1!.mul(-value)).div(t2!.mul(t2!)) : null,
  ],
  jvp: ({ inputs: [, t1, t2], attrs: { value } }, [ta, t1t, t2t]) =>
    sumTangents(ta, t1t?.mul(value).div(t2!), t2t?.mul(t1!.mul(-value)).div(t2!.mul(t2!))),
  flops: (_, out) => 3 * out.size,
};

/** lerp, addcmul, addcdiv. */
export const TERNARY_OPS = { lerp: lerpOp, addcmul: addcmulOp, addcdiv: addcdivOp };
