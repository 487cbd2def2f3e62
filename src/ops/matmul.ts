import { isFloating, promoteTypes, type DType } from '../dtype.js';
import type { MatrixOperand } from '../kernels/backend.js';
import { broadcastShapes, fmtShape, sizeOf } from '../shape.js';
import { Tensor } from '../tensor.js';
import { broadcastStrides, castRaw, describe, deviceOf, sumTangents, zerosOn } from './buffers.js';
import type { DifferentiableOp } from './define.js';

/** Per-batch offsets of `t`'s matrices, broadcast over `batch`; strides carry transposes, so nothing is copied. */
function operand(t: Tensor, batch: readonly number[]): MatrixOperand {
  const nd = t.ndim;
  const strides = broadcastStrides(t.shape.slice(0, nd - 2), t.strides.slice(0, nd - 2), batch);
  const count = sizeOf(batch);
  const offsets = new Array<number>(count);
  const counter = new Array<number>(batch.length).fill(0);
  let off = t.offset;
  for (let b = 0; b < count; b++) {
    offsets[b] = off;
    for (let d = batch.length - 1; d >= 0; d--) {
      counter[d]!++;
      off += strides[d]!;
      if (counter[d]! < batch[d]!) break;
      off -= strides[d]! * batch[d]!;
      counter[d] = 0;
    }
  }
  return { buffer: t.buffer, offsets, rowStride: t.strides[nd - 2]!, colStride: t.strides[nd - 1]! };
}

/** True when the last two dims are laid out column-major (a transposed view of a row-major matrix). */
function columnMajor(t: Tensor): boolean {
  const nd = t.ndim;
  return t.shape[nd - 1]! > 1 && t.shape[nd - 2]! > 1 && t.strides[nd - 2] === 1 && t.strides[nd - 1] === t.shape[nd - 2];
}

function checkMatmul(a: Tensor, b: Tensor): void {
  if (!(a instanceof Tensor) || !(b instanceof Tensor)) throw new Error(`matmul: expected two Tensors, got ${describe(a)} and ${describe(b)}.`);
  if (a.ndim === 0 || b.ndim === 0) {
    throw new Error(`matmul: both arguments need at least 1 dimension, got shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)}. Use mul() for scalars.`);
  }
  const k1 = a.shape[a.ndim - 1]!, k2 = b.ndim === 1 ? b.shape[0]! : b.shape[b.ndim - 2]!;
  if (k1 !== k2) {
    throw new Error(
      `matmul: shapes ${fmtShape(a.shape)} and ${fmtShape(b.shape)} cannot be multiplied (${k1} ≠ ${k2}): the last ` +
        `dimension of the first must equal the ${b.ndim === 1 ? 'size of the 1-d second' : 'second-to-last dimension of the second'}. ` +
        `Did you mean to transpose one of them?`,
    );
  }
}

/** Whether each operand is a transposed view, which decides the layout its gradient is computed in. */
export interface MatmulAttrs {
  readonly aColumnMajor: boolean;
  readonly bColumnMajor: boolean;
}

const matmulOp: DifferentiableOp<MatmulAttrs, readonly [a: Tensor, b: Tensor]> = {
  name: 'matmul',
  doc: 'Matrix product with NumPy semantics: 1-d·1-d is a dot product, a 1-d operand is a row (left) or column (right) vector whose dim is removed from the result, and leading dims broadcast as batches.',
  example: 'matmul(x, w.transpose(0, 1))',
  differentiable: true,
  call: (run, a, b) => {
    checkMatmul(a, b);
    let A = a.ndim === 1 ? a.unsqueeze(0) : a;
    const B = b.ndim === 1 ? b.unsqueeze(1) : b;
    // A batch of matrices times one matrix (x·Wᵀ in Linear on [batch, time, features]) is one matrix product with
    // the batch folded into the rows, as PyTorch computes it: one large product instead of many small ones, and a
    // weight gradient that is one product too, instead of a batch of them summed.
    const fold = A.ndim > 2 && B.ndim === 2 ? A.shape.slice(0, -1) : null;
    if (fold !== null) A = A.reshape(-1, A.shape[A.ndim - 1]!);
    let out = run([A, B], { aColumnMajor: columnMajor(A), bColumnMajor: columnMajor(B) });
    if (fold !== null) out = out.reshape(...fold, out.shape[1]!);
    if (b.ndim === 1) out = out.squeeze(-1);
    if (a.ndim === 1) out = out.squeeze(b.ndim === 1 ? -1 : -2);
    return out;
  },
  forward: (ctx, [a, b]) => {
    if (ctx.recording) ctx.save(ctx.needsInputGrad[1] ? a! : null, ctx.needsInputGrad[0] ? b! : null);
    const device = deviceOf('matmul', a!, b!);
    const m = a!.shape[a!.ndim - 2]!, k = a!.shape[a!.ndim - 1]!, n = b!.shape[b!.ndim - 1]!;
    const batch = broadcastShapes(a!.shape.slice(0, -2), b!.shape.slice(0, -2), 'matmul');
    const dtype = promoteTypes(a!.dtype, b!.dtype);
    // Integer products run in float64, which is exact for every int32 product sum below 2^53.
    const work: DType = isFloating(dtype) ? dtype : 'float64';
    // Strided operands go to the kernel as they are; only another dtype needs a copy.
    const A = a!.dtype === work ? a! : castRaw(a!, work), B = b!.dtype === work ? b! : castRaw(b!, work);
    const out = zerosOn(device, work, [...batch, m, n]);
    device.backend.matmul(work, operand(A, batch), operand(B, batch), out.buffer, sizeOf(batch), m, n, k);
    return work === dtype ? out : castRaw(out, dtype);
  },
  // When an operand is a transposed view (x·Wᵀ in Linear), its gradient is computed in the transposed layout,
  // (Bᵀ)ᵀ-wise, so that it reaches the weight through the transpose as a contiguous tensor instead of a strided
  // one that every later step (accumulation, the optimizer) would have to gather.
  backward: ({ saved: [a, b], needsInputGrad: n, attrs }, g) => [
    n[0] ? (attrs.aColumnMajor ? b!.matmul(g.transpose(-1, -2)).transpose(-1, -2) : g.matmul(b!.transpose(-1, -2))) : null,
    n[1] ? (attrs.bColumnMajor ? g.transpose(-1, -2).matmul(a!).transpose(-1, -2) : a!.transpose(-1, -2).matmul(g)) : null,
  ],
  jvp: ({ inputs: [a, b] }, [ta, tb]) => sumTangents(ta?.matmul(b!), tb ? a!.matmul(tb) : null),
  flops: ([a], out) => 2 * out.size * a!.shape[a!.ndim - 1]!,
};

/** matmul. */
export const MATMUL_OPS = { matmul: matmulOp };
