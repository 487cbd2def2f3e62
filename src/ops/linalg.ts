// torch.linalg's factorizations and solves as primitives: solve, solveTriangular, inv, det (and detBackward, its
// gradient, which is robust at singular matrices), slogdet, cholesky, qr and eigh. Forwards run the backend's
// dense kernels (LU, triangular solve, Cholesky, Householder QR, Jacobi) on contiguous batches; their rules are
// written with these same ops, so second derivatives need nothing more. Ops with several results (slogdet, qr,
// eigh) compute one packed tensor and return views of it, so that one node carries the gradients of all parts.
import { isFloating, type DType } from '../dtype.js';
import type { Device } from '../kernels/index.js';
import { checkOptions } from '../options.js';
import { broadcastShapes, fmtShape, sameShape, sizeOf, type Shape } from '../shape.js';
import { Tensor } from '../tensor.js';
import { binaryKernel } from './elementwise.js';
import { broadcastStrides, copyInto, deviceOf, filledOn, packed, sumTangents, zerosOn, tensorArg } from './buffers.js';
import type { Caller, DifferentiableOp } from './define.js';
import { DIAGONAL_OPS } from './diagonal.js';
import { INDEXING_OPS } from './indexing.js';

// ---- checks and raw (unrecorded) helpers for the forwards ----

const mT = (t: Tensor): Tensor => t.transpose(-2, -1);


/** A float tensor of at least 2 dims, as torch.linalg requires of its matrix arguments. */
function floatMatrices(t: unknown, op: string, what = 'A'): Tensor {
  const A = tensorArg(t, op, what);
  if (A.ndim < 2) throw new Error(`${op}: The input tensor ${what} must have at least 2 dimensions (got shape ${fmtShape(A.shape)}).`);
  if (!isFloating(A.dtype)) {
    throw new Error(`${op}: Expected a floating point tensor as input. Got ${A.dtype}; convert it first, e.g. ${what}.double().`);
  }
  return A;
}

function squareMatrices(t: unknown, op: string, what = 'A'): Tensor {
  const A = floatMatrices(t, op, what);
  const m = A.shape[A.ndim - 2]!, n = A.shape[A.ndim - 1]!;
  if (m !== n) throw new Error(`${op}: ${what} must be batches of square matrices, but they are ${m} by ${n} matrices.`);
  return A;
}

function sameDType(op: string, A: Tensor, B: Tensor): void {
  if (A.dtype !== B.dtype) {
    throw new Error(`${op}: Expected A and B to have the same dtype, but found A of type ${A.dtype} and B of type ${B.dtype} instead.`);
  }
}

/** `t` read as `shape` (broadcast), contiguous from offset 0: `t` itself when it already is, else a copy; no graph. */
function packedAs(t: Tensor, shape: Shape): Tensor {
  return packed(sameShape(t.shape, shape) ? t : new Tensor(t.storage, shape, t.dtype, broadcastStrides(t.shape, t.strides, shape), t.offset));
}

/** The matrix transpose of `t` as a view of its storage; no graph. */
function rawT(t: Tensor): Tensor {
  const nd = t.ndim, shape = [...t.shape], strides = [...t.strides];
  [shape[nd - 2], shape[nd - 1]] = [shape[nd - 1]!, shape[nd - 2]!];
  [strides[nd - 2], strides[nd - 1]] = [strides[nd - 1]!, strides[nd - 2]!];
  return new Tensor(t.storage, shape, t.dtype, strides, t.offset);
}

/** A view of the block `[rows, cols]` at (row, 0) of the contiguous `[..., R, W]` tensor `t`; no graph. */
function block(t: Tensor, row: number, rows: number, cols: number): Tensor {
  const nd = t.ndim;
  const offset = t.size === 0 ? t.offset : t.offset + row * t.strides[nd - 2]!;
  return new Tensor(t.storage, [...t.shape.slice(0, nd - 2), rows, cols], t.dtype, t.strides, offset);
}

/** Identity matrices `[...batch, n, n]` on `device`. */
function identity(device: Device, dtype: DType, batch: Shape, n: number): Tensor {
  const out = zerosOn(device, dtype, [...batch, n, n]);
  if (out.size > 0) device.backend.fill(dtype, { buffer: out.buffer, offset: 0, strides: [n * n, n + 1] }, [sizeOf(batch), n], 1);
  return out;
}

/** Throw `message` for the first matrix whose status code in `info` is not zero, naming it when the input is a batch. */
function throwOnInfo(op: string, info: Tensor, batched: boolean, message: (code: number) => string): void {
  if (info.size === 0) return;
  // Checked with tensor ops on the device; only a failing matrix's code is read back, for the message.
  const failed = info.ne(0);
  if (failed.sum().item() === 0) return;
  const b = failed.to('int32').argmax().item();
  throw new Error(`${op}: ${batched ? `(Batch element ${b}): ` : ''}${message(info.narrow(0, b, 1).item())}`);
}

interface LU { readonly lu: Tensor; readonly pivots: Tensor; readonly info: Tensor }

/** LU with partial pivoting of the packed `[...batch, n, n]` tensor `a`. */
function factorLU(a: Tensor): LU {
  const device = a.storage.device, n = a.shape[a.ndim - 1]!, batch = a.shape.slice(0, -2), count = sizeOf(batch);
  const lu = zerosOn(device, a.dtype, a.shape), pivots = zerosOn(device, 'int32', [count, n]), info = zerosOn(device, 'int32', [count]);
  if (count > 0) device.backend.luFactor(a.dtype, a.buffer, lu.buffer, pivots.buffer, info.buffer, count, n);
  return { lu, pivots, info };
}

function luSolveRaw({ lu, pivots }: LU, b: Tensor): Tensor {
  const device = lu.storage.device, n = lu.shape[lu.ndim - 1]!, k = b.shape[b.ndim - 1]!, count = sizeOf(lu.shape.slice(0, -2));
  const out = zerosOn(device, b.dtype, b.shape);
  if (out.size > 0) device.backend.luSolve(b.dtype, lu.buffer, pivots.buffer, b.buffer, out.buffer, count, n, k);
  return out;
}

// ---- differentiable helpers for the rules (recorded tensor ops) ----

/** Lower (`upper` false) or upper triangle of the last two dims at `diagonal`, zeros elsewhere (tril / triu). */
function triangle(x: Tensor, upper: boolean, diagonal = 0): Tensor {
  const device = x.storage.device, rows = x.shape[x.ndim - 2]!, cols = x.shape[x.ndim - 1]!;
  const r = zerosOn(device, 'int32', [rows, 1]), c = zerosOn(device, 'int32', [1, cols]);
  if (rows > 0) device.backend.arange('int32', r.buffer, rows, 0, 1);
  if (cols > 0) device.backend.arange('int32', c.buffer, cols, 0, 1);
  const offset = c.sub(r);
  return x.where(upper ? offset.ge(diagonal) : offset.le(diagonal), 0);
}

/** diag_embed over the last two dims: matrices with `d` (`[..., n]`) on their diagonal. */
function diagEmbedLast(call: Caller, d: Tensor): Tensor {
  const n = d.shape[d.ndim - 1]!;
  return call(DIAGONAL_OPS.diagonalScatter, zerosOn(d.storage.device, d.dtype, [...d.shape, n]), d, 0, -2, -1);
}

const diagLast = (x: Tensor): Tensor => x.diagonal(0, -2, -1);

/** A·X = R for a matrix right-hand side, whatever the batch shapes (never read as a batch of vectors). */
function solveMatrix(call: Caller, A: Tensor, R: Tensor): Tensor {
  return mT(call(linalgSolveOp, mT(A), mT(R), { left: false }));
}

function solveTri(call: Caller, A: Tensor, B: Tensor, upper: boolean, left = true, unitriangular = false): Tensor {
  return call(linalgSolveTriangularOp, A, B, { upper, left, unitriangular });
}

/** Zero columns appended to reach `width`. */
function padColumns(call: Caller, x: Tensor, width: number): Tensor {
  const cols = x.shape[x.ndim - 1]!;
  if (cols === width) return x;
  return call(INDEXING_OPS.cat, [x, zerosOn(x.storage.device, x.dtype, [...x.shape.slice(0, -1), width - cols])], -1);
}

/**
 * `x.narrow(dim, start, length)`; for an empty `x`, fresh zeros of that shape (a view of an empty tensor at a
 * nonzero offset is refused by the tensor layer, and there is nothing to differentiate).
 */
function part(x: Tensor, dim: number, start: number, length: number): Tensor {
  if (x.size > 0) return x.narrow(dim, start, length);
  const shape = [...x.shape];
  shape[dim < 0 ? dim + shape.length : dim] = length;
  return zerosOn(x.storage.device, x.dtype, shape);
}

// ---- solve ----

/** Options of `linalg.solve`. */
export interface SolveOptions {
  /** Solve A·X = B (true, the default) or X·A = B (false). */
  readonly left?: boolean;
}

const linalgSolveOp: DifferentiableOp<void, readonly [A: Tensor, B: Tensor, options?: SolveOptions]> = {
  name: 'linalgSolve',
  doc: 'The solution X of A·X = B (or X·A = B with `{ left: false }`) for square A, by LU with partial pivoting; B is a vector (or a batch of vectors, shape A.shape[:-1]) or a matrix, and batch dims broadcast. A singular A is an error.',
  example: 'linalg.solve(tensor([[4, 2], [2, 3]]), tensor([2, 1])) // tensor([0.5000, 0.0000])',
  differentiable: true,
  call: (run, A, B, options) => {
    const { left = true } = checkOptions('linalg.solve', options, { left: 'boolean' });
    squareMatrices(A, 'linalg.solve');
    tensorArg(B, 'linalg.solve', 'B');
    sameDType('linalg.solve', A, B);
    deviceOf('linalg.solve', A, B);
    const n = A.shape[A.ndim - 1]!;
    const dims = (t: Tensor): string => (t.ndim >= 2 ? `${t.shape[t.ndim - 2]}x${t.shape[t.ndim - 1]}` : `${t.shape[0] ?? 1}x1`);
    if (!left) {
      if (B.ndim < 2 || B.shape[B.ndim - 1] !== n) {
        throw new Error(`linalg.solve: Incompatible shapes of A and B for the equation XA = B (${n}x${n} and ${dims(B)}); B must be (*, k, ${n}).`);
      }
      return mT(run([mT(A), mT(B)], undefined));
    }
    const vector = B.ndim === 1 || (B.ndim === A.ndim - 1 && sameShape(B.shape, A.shape.slice(0, -1)));
    const Bm = vector ? B.unsqueeze(-1) : B;
    if (Bm.ndim < 2 || Bm.shape[Bm.ndim - 2] !== n) {
      throw new Error(`linalg.solve: Incompatible shapes of A and B for the equation AX = B (${n}x${n} and ${dims(Bm)}); B must be (*, ${n}) or (*, ${n}, k).`);
    }
    const X = run([A, Bm], undefined);
    return vector ? X.squeeze(-1) : X;
  },
  forward: (ctx, [A, B]) => {
    const n = A!.shape[A!.ndim - 1]!, k = B!.shape[B!.ndim - 1]!;
    const batch = broadcastShapes(A!.shape.slice(0, -2), B!.shape.slice(0, -2), 'linalg.solve');
    const f = factorLU(packedAs(A!, [...batch, n, n]));
    throwOnInfo('torch.linalg.solve', f.info, batch.length > 0, () => 'The solver failed because the input matrix is singular.');
    const X = luSolveRaw(f, packedAs(B!, [...batch, n, k]));
    if (ctx.recording) ctx.save(A!, ctx.needsInputGrad[0] ? X : null);
    return X;
  },
  // gB = A⁻ᵀ·g, gA = −gB·Xᵀ (summed back over broadcast batch dims by the engine).
  backward: ({ saved: [A, X], needsInputGrad: n, call }, g) => {
    const gB = solveMatrix(call, mT(A!), g);
    return [n[0] ? gB.matmul(mT(X!)).neg() : null, n[1] ? gB : null];
  },
  // dX = A⁻¹·(dB − dA·X).
  jvp: ({ inputs: [A], output: X, call }, [tA, tB]) => {
    const rhs = sumTangents(tB, tA ? tA.matmul(X).neg() : null);
    return rhs ? solveMatrix(call, A!, rhs) : null;
  },
  flops: ([A], out) => {
    const n = A!.shape[A!.ndim - 1]!, k = out.shape[out.ndim - 1]!, count = out.size / Math.max(1, n * k);
    return count * ((2 / 3) * n ** 3 + 2 * n * n * k);
  },
};

// ---- solveTriangular ----

/** Options of `linalg.solveTriangular`: `upper` is required, as in PyTorch. */
export interface SolveTriangularOptions {
  /** Whether A is upper (true) or lower (false) triangular; only that triangle is read. */
  readonly upper: boolean;
  /** Solve A·X = B (true, the default) or X·A = B (false). */
  readonly left?: boolean;
  /** Take A's diagonal as ones (it is not read). Default false. */
  readonly unitriangular?: boolean;
}

/** Which triangle of A the kernel reads, and whether its diagonal is taken as ones. */
export interface TriangularAttrs {
  readonly upper: boolean;
  readonly unitriangular: boolean;
}

/** The part of `x` a triangular solve reads: its triangle, without the diagonal when unitriangular. */
const readTriangle = (x: Tensor, a: TriangularAttrs): Tensor => triangle(x, a.upper, a.unitriangular ? (a.upper ? 1 : -1) : 0);

const linalgSolveTriangularOp: DifferentiableOp<TriangularAttrs, readonly [A: Tensor, B: Tensor, options: SolveTriangularOptions]> = {
  name: 'linalgSolveTriangular',
  doc: 'The solution X of A·X = B (or X·A = B with `{ left: false }`) for triangular A, by substitution: only the `upper` (required option) or lower triangle of A is read. B is a matrix; batch dims broadcast. No singularity check, as in PyTorch.',
  example: 'linalg.solveTriangular(L, B, { upper: false })',
  differentiable: true,
  call: (run, A, B, options) => {
    const o = checkOptions('linalg.solveTriangular', options, { upper: 'boolean', left: 'boolean', unitriangular: 'boolean' });
    if (o.upper === undefined) throw new Error('linalg.solveTriangular: the option upper is required: pass { upper: true } or { upper: false }.');
    squareMatrices(A, 'linalg.solveTriangular');
    floatMatrices(B, 'linalg.solveTriangular', 'B');
    sameDType('linalg.solveTriangular', A, B);
    deviceOf('linalg.solveTriangular', A, B);
    const n = A.shape[A.ndim - 1]!, left = o.left ?? true, unitriangular = o.unitriangular ?? false;
    const inner = left ? B.shape[B.ndim - 2]! : B.shape[B.ndim - 1]!;
    if (inner !== n) {
      throw new Error(`linalg.solveTriangular: Incompatible shapes of A and B for the equation ${left ? 'AX = B' : 'XA = B'} (${n}x${n} and ${B.shape[B.ndim - 2]}x${B.shape[B.ndim - 1]}).`);
    }
    return left ? run([A, B], { upper: o.upper, unitriangular }) : mT(run([mT(A), mT(B)], { upper: !o.upper, unitriangular }));
  },
  forward: (ctx, [A, B], { upper, unitriangular }) => {
    const device = deviceOf('linalg.solveTriangular', A!, B!);
    const n = A!.shape[A!.ndim - 1]!, k = B!.shape[B!.ndim - 1]!;
    const batch = broadcastShapes(A!.shape.slice(0, -2), B!.shape.slice(0, -2), 'linalg.solveTriangular');
    const a = packedAs(A!, [...batch, n, n]), b = packedAs(B!, [...batch, n, k]);
    const X = zerosOn(device, B!.dtype, [...batch, n, k]);
    if (X.size > 0) device.backend.triangularSolve(B!.dtype, a.buffer, b.buffer, X.buffer, sizeOf(batch), n, k, upper, unitriangular);
    if (ctx.recording) ctx.save(A!, ctx.needsInputGrad[0] ? X : null);
    return X;
  },
  // gB = A⁻ᵀ·g (the other triangle), gA = −gB·Xᵀ restricted to the triangle that was read.
  backward: ({ saved: [A, X], needsInputGrad: n, attrs, call }, g) => {
    const gB = solveTri(call, mT(A!), g, !attrs.upper, true, attrs.unitriangular);
    return [n[0] ? readTriangle(gB.matmul(mT(X!)).neg(), attrs) : null, n[1] ? gB : null];
  },
  jvp: ({ inputs: [A], output: X, attrs, call }, [tA, tB]) => {
    const rhs = sumTangents(tB, tA ? readTriangle(tA, attrs).matmul(X).neg() : null);
    return rhs ? solveTri(call, A!, rhs, attrs.upper, true, attrs.unitriangular) : null;
  },
  flops: ([A], out) => {
    const n = A!.shape[A!.ndim - 1]!;
    return out.size * n;
  },
};

// ---- inv ----

const linalgInvOp: DifferentiableOp<void> = {
  name: 'linalgInv',
  doc: 'The inverse of square matrices (batched over leading dims), by LU with partial pivoting. A singular matrix is an error naming the zero pivot, as in PyTorch.',
  example: 'linalg.inv(tensor([[4, 2], [2, 3]])) // [[0.375, -0.25], [-0.25, 0.5]]',
  differentiable: true,
  call: (run, A) => run([squareMatrices(A, 'linalg.inv')], undefined),
  forward: (ctx, [A]) => {
    const n = A!.shape[A!.ndim - 1]!, batch = A!.shape.slice(0, -2);
    const f = factorLU(packed(A!));
    throwOnInfo('linalg.inv', f.info, batch.length > 0, (i) =>
      `The diagonal element ${i} is zero, the inversion could not be completed because the input matrix is singular.`);
    const X = luSolveRaw(f, identity(A!.storage.device, A!.dtype, batch, n));
    if (ctx.recording) ctx.save(X);
    return X;
  },
  backward: ({ saved: [X] }, g) => [mT(X!).matmul(g).matmul(mT(X!)).neg()],
  jvp: ({ output: X }, [t]) => (t ? X.matmul(t).matmul(X).neg() : null),
  flops: ([A]) => 2 * A!.size * A!.shape[A!.ndim - 1]!,
};

// ---- det and its gradient ----

const linalgDetOp: DifferentiableOp<void> = {
  name: 'linalgDet',
  doc: 'The determinant of square matrices (batched over leading dims), by LU with partial pivoting: 0 for a singular matrix, whose gradient (the cofactor matrix) is still exact.',
  example: 'linalg.det(tensor([[4, 2], [2, 3]])) // tensor(8.)',
  differentiable: true,
  call: (run, A) => run([squareMatrices(A, 'linalg.det')], undefined),
  forward: (ctx, [A]) => {
    const n = A!.shape[A!.ndim - 1]!, batch = A!.shape.slice(0, -2), count = sizeOf(batch);
    const { lu, pivots } = factorLU(packed(A!));
    const out = zerosOn(A!.storage.device, A!.dtype, batch);
    if (count > 0) A!.storage.device.backend.luDet(A!.dtype, lu.buffer, pivots.buffer, out.buffer, count, n, false);
    if (ctx.recording) ctx.save(A!);
    return out;
  },
  backward: ({ saved: [A], call }, g) => [call(detBackwardOp, g, A!)],
  // d det = ⟨cof(A), dA⟩.
  jvp: ({ inputs: [A], output, call }, [t]) =>
    t ? call(detBackwardOp, filledOn(output.storage.device, output.dtype, output.shape, 1), A!).mul(t).sum([-2, -1]) : null,
  flops: ([A]) => (2 / 3) * A!.size * A!.shape[A!.ndim - 1]!,
};

/** inv(A) for a second derivative of det, whose formula needs it: at a singular A that is not implemented. */
function inverseForSecondOrder(call: Caller, A: Tensor): Tensor {
  try {
    return call(linalgInvOp, A);
  } catch (e) {
    throw new Error(
      `linalg.det: the second derivative of det at a singular matrix is not implemented (the first derivative, the cofactor matrix, is exact there). ${(e as Error).message}`,
    );
  }
}

/** g·det(A)·(⟨E, Xᵀ⟩·Xᵀ − (X·E·X)ᵀ), X = A⁻¹: the derivative of g·cof(A) along E (the Hessian of det is symmetric). */
function cofactorDerivative(call: Caller, g: Tensor, A: Tensor, E: Tensor): Tensor {
  const X = inverseForSecondOrder(call, A), Xt = mT(X);
  const scale = call(linalgDetOp, A).mul(g).unsqueeze(-1).unsqueeze(-1);
  return Xt.mul(E.mul(Xt).sum([-2, -1], true)).sub(mT(X.matmul(E).matmul(X))).mul(scale);
}

const detBackwardOp: DifferentiableOp<void, readonly [grad: Tensor, A: Tensor]> = {
  name: 'detBackward',
  doc: 'The gradient of det: `grad` (one value per matrix) times the cofactor matrix adj(A)ᵀ, computed through a completely pivoted LU so that it is exact at singular matrices too.',
  example: 'detBackward(ones(2), A)',
  differentiable: true,
  call: (run, grad, A) => {
    tensorArg(grad, 'detBackward', 'grad');
    squareMatrices(A, 'detBackward');
    return run([grad, A], undefined);
  },
  forward: (ctx, [g, A]) => {
    const device = deviceOf('detBackward', g!, A!), n = A!.shape[A!.ndim - 1]!, count = sizeOf(A!.shape.slice(0, -2));
    const a = packed(A!);
    const cof = zerosOn(device, A!.dtype, A!.shape);
    if (cof.size > 0) device.backend.cofactor(A!.dtype, a.buffer, cof.buffer, count, n);
    if (ctx.recording) ctx.save(g!, A!);
    const gm = new Tensor(g!.storage, [...g!.shape, 1, 1], g!.dtype, [...g!.strides, 1, 1], g!.offset);
    return binaryKernel('mul', gm, cof, 'detBackward');
  },
  backward: ({ saved: [g, A], needsInputGrad: n, call }, G) => [
    n[0] ? G.mul(call(detBackwardOp, filledOn(A!.storage.device, A!.dtype, A!.shape.slice(0, -2), 1), A!)).sum([-2, -1]) : null,
    n[1] ? cofactorDerivative(call, g!, A!, G) : null,
  ],
  jvp: ({ inputs: [g, A], call }, [tg, tA]) =>
    sumTangents(tg ? call(detBackwardOp, tg, A!) : null, tA ? cofactorDerivative(call, g!, A!, tA) : null),
  flops: ([, A]) => 2 * A!.size * A!.shape[A!.ndim - 1]!,
};

// ---- slogdet ----

/** `linalg.slogdet`'s result: det(A) = sign · exp(logabsdet). */
export interface Slogdet {
  /** The sign of the determinant: −1, 0 (singular) or 1. */
  readonly sign: Tensor;
  /** The log of its absolute value (−∞ for a singular matrix). */
  readonly logabsdet: Tensor;
}

const linalgSlogdetOp: DifferentiableOp<void, readonly [A: Tensor], Slogdet> = {
  name: 'linalgSlogdet',
  doc: 'The sign and the log of the absolute value of the determinant, `{ sign, logabsdet }`, by LU with partial pivoting: accurate where det itself would overflow or underflow. Only logabsdet carries a gradient.',
  example: 'const { sign, logabsdet } = linalg.slogdet(A)',
  differentiable: true,
  call: (run, A) => {
    const out = run([squareMatrices(A, 'linalg.slogdet')], undefined);
    return { sign: part(out, -1, 0, 1).squeeze(-1), logabsdet: part(out, -1, 1, 1).squeeze(-1) };
  },
  forward: (ctx, [A]) => {
    const n = A!.shape[A!.ndim - 1]!, batch = A!.shape.slice(0, -2), count = sizeOf(batch);
    const { lu, pivots } = factorLU(packed(A!));
    const out = zerosOn(A!.storage.device, A!.dtype, [...batch, 2]);
    if (count > 0) A!.storage.device.backend.luDet(A!.dtype, lu.buffer, pivots.buffer, out.buffer, count, n, true);
    if (ctx.recording) ctx.save(A!);
    return out;
  },
  // d logabsdet = ⟨A⁻ᵀ, dA⟩ = ⟨cof(A), dA⟩ / det(A); the sign is piecewise constant. Written with the cofactor so
  // that a singular matrix gives infinities (as PyTorch) rather than an error, and a zero gradient (only the sign
  // used) gives zeros there.
  backward: ({ saved: [A], call }, g) => {
    const gl = g.narrow(-1, 1, 1).squeeze(-1);
    return [call(detBackwardOp, gl.div(call(linalgDetOp, A!)).where(gl.ne(0), 0), A!)];
  },
  jvp: ({ inputs: [A], call }, [t]) => {
    if (!t) return null;
    const det = call(linalgDetOp, A!);
    const d = call(detBackwardOp, filledOn(det.storage.device, det.dtype, det.shape, 1), A!).mul(t).sum([-2, -1]).div(det).unsqueeze(-1);
    return call(INDEXING_OPS.cat, [zerosOn(d.storage.device, d.dtype, d.shape), d], -1);
  },
  flops: ([A]) => (2 / 3) * A!.size * A!.shape[A!.ndim - 1]!,
};

// ---- cholesky ----

/** Options of `linalg.cholesky`. */
export interface CholeskyOptions {
  /** Return U with A = Uᵀ·U (reading A's upper triangle) instead of L with A = L·Lᵀ. Default false. */
  readonly upper?: boolean;
}

const linalgCholeskyOp: DifferentiableOp<{ readonly upper: boolean }, readonly [A: Tensor, options?: CholeskyOptions]> = {
  name: 'linalgCholesky',
  doc: 'The Cholesky factor L (A = L·Lᵀ, reading the lower triangle) of symmetric positive-definite matrices, or U (A = Uᵀ·U) with `{ upper: true }`. A matrix that is not positive-definite is an error naming the leading minor, as in PyTorch.',
  example: 'linalg.cholesky(tensor([[4, 2], [2, 3]])) // L = [[2, 0], [1, 1.4142]]',
  differentiable: true,
  call: (run, A, options) => {
    const { upper = false } = checkOptions('linalg.cholesky', options, { upper: 'boolean' });
    return run([squareMatrices(A, 'linalg.cholesky')], { upper });
  },
  forward: (ctx, [A], { upper }) => {
    const device = A!.storage.device, n = A!.shape[A!.ndim - 1]!, batch = A!.shape.slice(0, -2), count = sizeOf(batch);
    const a = packed(upper ? rawT(A!) : A!);
    const L = zerosOn(device, A!.dtype, a.shape), info = zerosOn(device, 'int32', [count]);
    if (count > 0) device.backend.cholesky(A!.dtype, a.buffer, L.buffer, info.buffer, count, n);
    throwOnInfo('linalg.cholesky', info, batch.length > 0, (i) =>
      `The factorization could not be completed because the input is not positive-definite (the leading minor of order ${i} is not positive-definite).`);
    const out = upper ? packed(rawT(L)) : L;
    if (ctx.recording) ctx.save(out);
    return out;
  },
  // gA = L⁻ᵀ·Φ·L⁻¹ with Φ = ½(tril(Lᵀ·gL) + tril(Lᵀ·gL, −1)ᵀ), symmetric.
  backward: ({ saved: [out], attrs: { upper }, call }, g) => {
    const L = upper ? mT(out!) : out!, gL = upper ? mT(g) : g;
    const P = triangle(mT(L).matmul(gL), false);
    const phi = P.add(mT(triangle(P, false, -1))).mul(0.5);
    return [solveTri(call, L, solveTri(call, mT(L), phi, true), false, false)];
  },
  // dL = L·Φ(L⁻¹·dA·L⁻ᵀ), Φ = the lower triangle with the diagonal halved.
  jvp: ({ output, attrs: { upper }, call }, [t]) => {
    if (!t) return null;
    const L = upper ? mT(output) : output;
    const S = solveTri(call, mT(L), solveTri(call, L, t, false), true, false);
    const dL = L.matmul(triangle(S, false).sub(diagEmbedLast(call, diagLast(S).mul(0.5))));
    return upper ? mT(dL) : dL;
  },
  flops: ([A]) => A!.size * A!.shape[A!.ndim - 1]! / 3,
};

// ---- qr ----

/** The modes of `linalg.qr`. */
export type QrMode = 'reduced' | 'complete' | 'r';

/** Options of `linalg.qr`. */
export interface QrOptions {
  /** 'reduced' (default: Q m×k, R k×n, k = min(m, n)), 'complete' (Q m×m, R m×n) or 'r' (R only; Q is empty). */
  readonly mode?: QrMode;
}

/** `linalg.qr`'s result: A = Q·R with orthonormal columns in Q and R upper triangular. */
export interface QR {
  /** The factor with orthonormal columns. */
  readonly Q: Tensor;
  /** The upper-triangular factor. */
  readonly R: Tensor;
}

/** The geometry of one QR: A is m×n; Q is m×qCols and R rRows×n, packed as rows [0, m) and [m, m + rRows) of width `width`. */
export interface QrAttrs {
  readonly mode: QrMode;
  readonly m: number;
  readonly n: number;
  readonly qCols: number;
  readonly rRows: number;
  readonly width: number;
}

const QR_MODES: readonly QrMode[] = ['reduced', 'complete', 'r'];

function qrAttrs(A: Tensor, mode: QrMode): QrAttrs {
  const m = A.shape[A.ndim - 2]!, n = A.shape[A.ndim - 1]!, k = Math.min(m, n);
  const qCols = mode === 'complete' ? m : mode === 'r' ? 0 : k, rRows = mode === 'complete' ? m : k;
  return { mode, m, n, qCols, rRows, width: Math.max(qCols, n) };
}

const qrParts = (packedOut: Tensor, a: QrAttrs): QR => ({
  Q: part(part(packedOut, -2, 0, a.m), -1, 0, a.qCols),
  R: part(part(packedOut, -2, a.m, a.rRows), -1, 0, a.n),
});

/** gA for A = QR with m ≥ n (R square): (gQ + Q·copyutl(gR·Rᵀ − Qᵀ·gQ))·R⁻ᵀ, copyutl mirroring the upper triangle. */
function qrBackwardTall(call: Caller, Q: Tensor, R: Tensor, gQ: Tensor, gR: Tensor): Tensor {
  const M = gR.matmul(mT(R)).sub(mT(Q).matmul(gQ));
  const N = triangle(M, true).add(mT(triangle(M, true, 1)));
  return mT(solveTri(call, R, mT(gQ.add(Q.matmul(N))), true));
}

/** (dQ, dR) for A = QR with m ≥ n along dA. */
function qrJvpTall(call: Caller, Q: Tensor, R: Tensor, dA: Tensor): [Tensor, Tensor] {
  const Z = mT(solveTri(call, mT(R), mT(dA), false));
  const X = mT(Q).matmul(Z);
  const lower = triangle(X, false, -1);
  const XminusC = X.sub(lower).add(mT(lower));
  return [Z.sub(Q.matmul(XminusC)), XminusC.matmul(R)];
}

function qrCannotDifferentiate(a: QrAttrs): void {
  if (a.mode === 'r') {
    throw new Error("linalg.qr: The derivative of linalg.qr depends on Q, which is not computed when mode='r'. Please use linalg.qr(A, { mode: 'reduced' }) if you are going to differentiate through linalg.qr.");
  }
  if (a.mode === 'complete' && a.m > a.n) {
    throw new Error("linalg.qr: The QR decomposition is not differentiable when mode='complete' and nrows > ncols.");
  }
}

const linalgQrOp: DifferentiableOp<QrAttrs, readonly [A: Tensor, modeOrOptions?: QrMode | QrOptions], QR> = {
  name: 'linalgQr',
  doc: 'The QR decomposition `{ Q, R }` of m×n matrices by Householder reflections, with LAPACK\'s signs (so it matches PyTorch): mode \'reduced\' (default), \'complete\' or \'r\', given as a string or `{ mode }`.',
  example: "const { Q, R } = linalg.qr(A)",
  differentiable: true,
  call: (run, A, modeOrOptions) => {
    const { mode = 'reduced' } = typeof modeOrOptions === 'string'
      ? { mode: modeOrOptions }
      : checkOptions('linalg.qr', modeOrOptions, { mode: 'string' });
    if (!QR_MODES.includes(mode)) {
      throw new Error(`linalg.qr: qr received unrecognized mode '${String(mode)}' but expected one of 'reduced' (default), 'r', or 'complete'.`);
    }
    const a = qrAttrs(floatMatrices(A, 'linalg.qr'), mode);
    const out = run([A], a);
    return mode === 'r' ? { Q: zerosOn(A.storage.device, A.dtype, [0]), R: out } : qrParts(out, a);
  },
  forward: (ctx, [A], a) => {
    const device = A!.storage.device, batch = A!.shape.slice(0, -2), count = sizeOf(batch), dtype = A!.dtype;
    const src = packed(A!);
    const R = zerosOn(device, dtype, [...batch, a.rRows, a.n]);
    const Q = a.mode === 'r' ? null : zerosOn(device, dtype, [...batch, a.m, a.qCols]);
    if (count > 0) device.backend.qr(dtype, src.buffer, Q === null ? null : Q.buffer, R.buffer, count, a.m, a.n, a.mode === 'complete');
    if (Q === null) return R;
    const out = zerosOn(device, dtype, [...batch, a.m + a.rRows, a.width]);
    copyInto(block(out, 0, a.m, a.qCols), Q);
    copyInto(block(out, a.m, a.rRows, a.n), R);
    if (ctx.recording) ctx.save(out);
    return out;
  },
  backward: ({ saved: [out], attrs: a, call }, g) => {
    qrCannotDifferentiate(a);
    const { Q, R } = qrParts(out!, a), { Q: gQ, R: gR } = qrParts(g, a);
    if (a.m >= a.n) return [qrBackwardTall(call, Q, R, gQ, gR)];
    // A = [X | Y] = Q·[U | V]: X = Q·U is a square QR, and Y = Q·V.
    const m = a.m, U = R.narrow(-1, 0, m), V = R.narrow(-1, m, a.n - m), gU = gR.narrow(-1, 0, m), gV = gR.narrow(-1, m, a.n - m);
    const gX = qrBackwardTall(call, Q, U, gQ.add(Q.matmul(V).matmul(mT(gV))), gU);
    return [call(INDEXING_OPS.cat, [gX, Q.matmul(gV)], -1)];
  },
  jvp: ({ inputs: [A], output, attrs: a, call }, [t]) => {
    if (!t) return null;
    qrCannotDifferentiate(a);
    const { Q, R } = qrParts(output, a);
    let dQ: Tensor, dR: Tensor;
    if (a.m >= a.n) [dQ, dR] = qrJvpTall(call, Q, R, t);
    else {
      const m = a.m;
      const [dQx, dU] = qrJvpTall(call, Q, R.narrow(-1, 0, m), t.narrow(-1, 0, m));
      const dV = mT(dQx).matmul(A!.narrow(-1, m, a.n - m)).add(mT(Q).matmul(t.narrow(-1, m, a.n - m)));
      dQ = dQx;
      dR = call(INDEXING_OPS.cat, [dU, dV], -1);
    }
    return call(INDEXING_OPS.cat, [padColumns(call, dQ, a.width), padColumns(call, dR, a.width)], -2);
  },
  flops: ([A], _, a) => 2 * (A!.size / (a.m * a.n || 1)) * a.m * a.n * a.n,
};

// ---- eigh ----

/** Options of `linalg.eigh`. */
export interface EighOptions {
  /** Which triangle of A to read: 'L' (lower, the default) or 'U'. */
  readonly UPLO?: 'L' | 'U';
}

/** `linalg.eigh`'s result: A = V·diag(eigenvalues)·Vᵀ. */
export interface Eigh {
  /** The eigenvalues in ascending order, `[..., n]`. */
  readonly eigenvalues: Tensor;
  /** The orthonormal eigenvectors as columns, `[..., n, n]` (each determined up to its sign). */
  readonly eigenvectors: Tensor;
}

const eighParts = (out: Tensor): [L: Tensor, V: Tensor] => {
  const n = out.shape[out.ndim - 1]!;
  return [part(out, -2, 0, 1), part(out, -2, 1, n)];
};

/** E[i][j] = λⱼ − λᵢ, with ones on the diagonal (L is `[..., 1, n]`). */
function eigenGaps(L: Tensor): Tensor {
  const n = L.shape[L.ndim - 1]!;
  return L.sub(mT(L)).add(identity(L.storage.device, L.dtype, [], n));
}

const linalgEighOp: DifferentiableOp<{ readonly upper: boolean }, readonly [A: Tensor, UPLOOrOptions?: 'L' | 'U' | EighOptions], Eigh> = {
  name: 'linalgEigh',
  doc: 'Eigenvalues (ascending) and orthonormal eigenvectors `{ eigenvalues, eigenvectors }` of symmetric matrices, reading the lower triangle (or the upper with \'U\' or `{ UPLO: \'U\' }`), by the cyclic Jacobi method. Gradients assume distinct eigenvalues, as in PyTorch.',
  example: 'const { eigenvalues, eigenvectors } = linalg.eigh(A)',
  differentiable: true,
  call: (run, A, UPLOOrOptions) => {
    const { UPLO = 'L' } = typeof UPLOOrOptions === 'string'
      ? { UPLO: UPLOOrOptions }
      : checkOptions('linalg.eigh', UPLOOrOptions, { UPLO: ['L', 'U'] });
    if (UPLO !== 'L' && UPLO !== 'U') throw new Error(`linalg.eigh: Expected UPLO argument to be 'L' or 'U', but got ${String(UPLO)}.`);
    const [L, V] = eighParts(run([squareMatrices(A, 'linalg.eigh')], { upper: UPLO === 'U' }));
    return { eigenvalues: L.squeeze(-2), eigenvectors: V };
  },
  forward: (ctx, [A], { upper }) => {
    const device = A!.storage.device, dtype = A!.dtype, n = A!.shape[A!.ndim - 1]!, batch = A!.shape.slice(0, -2), count = sizeOf(batch);
    const a = packed(upper ? rawT(A!) : A!);
    const values = zerosOn(device, dtype, [...batch, 1, n]), vectors = zerosOn(device, dtype, a.shape), info = zerosOn(device, 'int32', [count]);
    if (count > 0) device.backend.eigh(dtype, a.buffer, values.buffer, vectors.buffer, info.buffer, count, n);
    throwOnInfo('linalg.eigh', info, batch.length > 0, () =>
      'The algorithm failed to converge because the input matrix holds NaN or infinite values.');
    const out = zerosOn(device, dtype, [...batch, n + 1, n]);
    copyInto(block(out, 0, 1, n), values);
    copyInto(block(out, 1, n, n), vectors);
    if (ctx.recording) ctx.save(out);
    return out;
  },
  // gA = V·(diag(gL) + skew(Vᵀ·gV) ⊘ E)·Vᵀ with E[i][j] = λⱼ − λᵢ (symmetric: PyTorch's formula).
  backward: ({ saved: [out], call }, g) => {
    const [L, V] = eighParts(out!), [gL, gV] = eighParts(g);
    const VtgV = mT(V).matmul(gV);
    const inner = VtgV.sub(mT(VtgV)).mul(0.5).div(eigenGaps(L)).add(diagEmbedLast(call, gL.squeeze(-2)));
    return [V.matmul(inner).matmul(mT(V))];
  },
  // dλ = diag(Vᵀ·dA·V), dV = V·((Vᵀ·dA·V) ⊘ E with a zero diagonal).
  jvp: ({ output, call }, [t]) => {
    if (!t) return null;
    const [L, V] = eighParts(output), n = V.shape[V.ndim - 1]!;
    const P = mT(V).matmul(t).matmul(V);
    const offDiagonal = filledOn(V.storage.device, V.dtype, [n, n], 1).sub(identity(V.storage.device, V.dtype, [], n));
    const dV = V.matmul(P.div(eigenGaps(L)).mul(offDiagonal));
    return call(INDEXING_OPS.cat, [diagLast(P).unsqueeze(-2), dV], -2);
  },
  flops: ([A]) => 10 * A!.size * A!.shape[A!.ndim - 1]!,
};

/** torch.linalg's solves and factorizations, and det's gradient. */
export const LINALG_OPS = {
  linalgSolve: linalgSolveOp,
  linalgSolveTriangular: linalgSolveTriangularOp,
  linalgInv: linalgInvOp,
  linalgDet: linalgDetOp,
  detBackward: detBackwardOp,
  linalgSlogdet: linalgSlogdetOp,
  linalgCholesky: linalgCholeskyOp,
  linalgQr: linalgQrOp,
  linalgEigh: linalgEighOp,
};
