import { allocate, isFloating, promoteTypes, type DType } from '../dtype.js';
import type { MatrixOperand } from '../kernels/backend.js';
import { getBackend } from '../kernels/index.js';
import { broadcastShapes, fmtShape, sizeOf } from '../shape.js';
import type { Tensor } from '../tensor.js';
import { apply, defineOp } from './registry.js';
import { broadcastStrides, castRaw, sumTangents, wrap } from './util.js';

/** Per-batch offsets of `t`'s matrices, broadcast over `batch`; strides carry transposes, so nothing is copied. */
function operand(t: Tensor, batch: readonly number[]): MatrixOperand {
  const nd = t.ndim;
  const strides = broadcastStrides(t.shape.slice(0, nd - 2), t.strides.slice(0, nd - 2), batch);
  const count = sizeOf(batch);
  const offsets = new Int32Array(count);
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
  return { data: t.storage.data, offsets, rowStride: t.strides[nd - 2]!, colStride: t.strides[nd - 1]! };
}

/** True when the last two dims are laid out column-major (a transposed view of a row-major matrix). */
function columnMajor(t: Tensor): boolean {
  const nd = t.ndim;
  return t.shape[nd - 1]! > 1 && t.shape[nd - 2]! > 1 && t.strides[nd - 2] === 1 && t.strides[nd - 1] === t.shape[nd - 2];
}

export const matmulOp = defineOp<void>({
  name: 'matmul',
  forward: ([a, b], _, ctx) => {
    if (ctx.recording) ctx.save(a!, b!);
    const m = a!.shape[a!.ndim - 2]!, k = a!.shape[a!.ndim - 1]!, n = b!.shape[b!.ndim - 1]!;
    const batch = broadcastShapes(a!.shape.slice(0, -2), b!.shape.slice(0, -2), 'matmul');
    const dtype = promoteTypes(a!.dtype, b!.dtype);
    // Integer products run in float64, which is exact for every int32 product sum below 2^53.
    const work: DType = isFloating(dtype) ? dtype : 'float64';
    const A = castRaw(a!, work), B = castRaw(b!, work);
    const count = sizeOf(batch);
    const out = allocate(work, count * m * n);
    getBackend().matmul(operand(A, batch), operand(B, batch), out, count, m, n, k);
    const result = wrap(out, [...batch, m, n], work);
    return work === dtype ? result : castRaw(result, dtype);
  },
  // When an operand is a transposed view (x·Wᵀ in Linear), its gradient is computed in the transposed layout,
  // (Bᵀ)ᵀ-wise, so that it reaches the weight through the transpose as a contiguous tensor instead of a strided
  // one that every later step (accumulation, the optimizer) would have to gather.
  backward: (g, { saved: [a, b], needsInputGrad: n }) => [
    n[0] ? (columnMajor(a!) ? b!.matmul(g.transpose(-1, -2)).transpose(-1, -2) : g.matmul(b!.transpose(-1, -2))) : null,
    n[1] ? (columnMajor(b!) ? g.transpose(-1, -2).matmul(a!).transpose(-1, -2) : a!.transpose(-1, -2).matmul(g)) : null,
  ],
  jvp: ([ta, tb], { inputs: [a, b] }) => sumTangents(ta?.matmul(b!), tb ? a!.matmul(tb) : null),
  flops: ([a], out) => 2 * out.size * a!.shape[a!.ndim - 1]!,
});

/**
 * Matrix product with NumPy semantics: 1-d·1-d is a dot product, a 1-d operand is treated as a row (left)
 * or column (right) vector and that dim is removed from the result, and leading dims broadcast as batches.
 *
 * @example
 * ```ts
 * matmul(randn([64, 784]), w.transpose(0, 1)); // [64, 128]
 * ```
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
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
  const A = a.ndim === 1 ? a.unsqueeze(0) : a;
  const B = b.ndim === 1 ? b.unsqueeze(1) : b;
  let out = apply(matmulOp, [A, B], undefined);
  if (b.ndim === 1) out = out.squeeze(-1);
  if (a.ndim === 1) out = out.squeeze(a.ndim === 1 && b.ndim === 1 ? -1 : -2);
  return out;
}
