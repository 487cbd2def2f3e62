// The linear-algebra specs: diagonals, torch.linalg's solves and factorizations, and the products made of matmul
// (einsum, dot, outer, mv, bmm, addmm, baddbmm). Inputs are random; where an op needs a well-conditioned,
// symmetric or positive-definite matrix, the case builds one from its input with differentiable ops (so gradients
// are checked through the construction), and its float64 reference builds the same. Factorizations determined up
// to signs (QR, eigenvectors) are compared after fixing the signs the same way on both sides.
import {
  addmm, baddbmm, bmm, cat, detBackward, diag, diagEmbed, diagonalScatter, dot, einsum, eye, linalg, mv, outer, stack, trace,
  type Tensor,
} from '../../src/index.js';
import type { COMPOSITES } from '../../src/ops/composite.js';
import type { Primitive } from '../../src/ops/table.js';
import * as R from '../reference.js';
import type { Nd } from '../reference.js';
import type { Arg, Case, OpSpec, Tolerance } from '../op-specs.js';
import * as L from './linalg-reference.js';

const f = (shape: number[]): Arg => ({ shape });
/** Factorizations go through several roundings: looser than an elementwise op's 1e-12. */
const FACTOR: { float64: Tolerance; float32: Tolerance } = { float64: [1e-9, 1e-9], float32: [1e-4, 1e-4] };

/** x + s·I over the last two dims (a well-conditioned matrix from a random one). */
const shifted = (x: Tensor, s = 3): Tensor => x.add(eye(x.shape[x.ndim - 1]!, x.shape[x.ndim - 1]!, { dtype: x.dtype }).mul(s));
const shiftedRef = (x: Nd, s = 3): Nd => L.perMatrix(x, (a) => L.addIdentity(a, s));
/** x·xᵀ + I: symmetric positive-definite. */
const spd = (x: Tensor): Tensor => shifted(x.matmul(x.transpose(-2, -1)), 1);
const spdRef = (x: Nd): Nd => L.perMatrix(x, (a) => L.addIdentity(L.matmul(a, L.transpose(a)), 1));
/** x + xᵀ: symmetric. */
const sym = (x: Tensor): Tensor => x.add(x.transpose(-2, -1));
const symRef = (x: Nd): Nd => L.perMatrix(x, (a) => a.map((row, i) => row.map((v, j) => v + a[j]![i]!)));

/** Pairs matrices of two batched arrays (broadcast batch dims) and stacks f's results. */
function perPair(a: Nd, b: Nd, f: (x: number[][], y: number[][]) => number[][]): Nd {
  const batch = R.broadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const A = L.matrices(a), B = L.matrices(b);
  const pick = (ms: number[][][], shape: readonly number[], i: number): number[][] => {
    const own = shape.slice(0, -2);
    const idx: number[] = [];
    let r = i;
    for (let d = batch.length - 1; d >= 0; d--) { idx.unshift(r % batch[d]!); r = Math.floor(r / batch[d]!); }
    const lead = batch.length - own.length;
    let flat = 0;
    own.forEach((s, d) => (flat = flat * s + (s === 1 ? 0 : idx[d + lead]!)));
    return ms[flat]!;
  };
  return L.stackResults(batch, Array.from({ length: R.size(batch) }, (_, i) => f(pick(A, a.shape, i), pick(B, b.shape, i))));
}

const flat = (...xs: Nd[]): Nd => R.nd([xs.reduce((s, x) => s + x.data.length, 0)], xs.flatMap((x) => [...x.data]));

/** Q·diag(s) and diag(s)·R with s = sign(diag R): the QR with R's diagonal positive, flattened and joined. */
function qrPositive(A: Tensor, mode: 'reduced' | 'complete'): Tensor {
  const { Q, R: Rm } = linalg.qr(A, { mode });
  const k = Math.min(Q.shape[Q.ndim - 1]!, Rm.shape[Rm.ndim - 2]!);
  const s = Rm.narrow(-2, 0, k).diagonal(0, -2, -1).sign();
  return cat([Q.narrow(-1, 0, k).mul(s.unsqueeze(-2)).flatten(), Rm.narrow(-2, 0, k).mul(s.unsqueeze(-1)).flatten()], 0);
}

function qrRef(a: Nd): Nd {
  const parts = L.matrices(a).map((m) => L.qr(m));
  const batch = a.shape.slice(0, -2);
  return flat(L.stackResults(batch, parts.map((p) => p.Q)), L.stackResults(batch, parts.map((p) => p.R)));
}

/** Eigenvalues and sign-fixed eigenvectors (first row ≥ 0), flattened and joined. */
function eighFixed(A: Tensor, UPLO: 'L' | 'U' = 'L'): Tensor {
  const { eigenvalues, eigenvectors: V } = linalg.eigh(A, UPLO);
  return cat([eigenvalues.flatten(), V.mul(V.narrow(-2, 0, 1).sign()).flatten()], 0);
}

function eighRef(a: Nd): Nd {
  const parts = L.matrices(a).map((m) => L.eigh(m));
  const batch = a.shape.slice(0, -2);
  return flat(L.stackResults(batch, parts.map((p) => p.values)), L.stackResults(batch, parts.map((p) => p.vectors)));
}

const asColumn = (v: Nd): Nd => R.nd([...v.shape, 1], v.data);

type SpecKey = Primitive | keyof typeof COMPOSITES;

export const LINALG_SPECS = {
  diagonal: {
    cases: [
      { label: 'main diagonal of [3, 4]', args: [f([3, 4])], run: (x) => x.diagonal(), ref: (x) => L.diagonal(x!, 0, 0, 1) },
      { label: 'offset 1 over dims (-1, 0) of [2, 3, 4]', args: [f([2, 3, 4])], run: (x) => x.diagonal(1, -1, 0), ref: (x) => L.diagonal(x!, 1, -1, 0) },
      { label: 'offset -2 of [4, 3]', args: [f([4, 3])], run: (x) => x.diagonal(-2), ref: (x) => L.diagonal(x!, -2, 0, 1) },
      { label: 'then exp (a strided view into a kernel)', args: [f([2, 3, 3])], run: (x) => x.diagonal(0, 1, 2).exp(), ref: (x) => R.map([L.diagonal(x!, 0, 1, 2)], Math.exp) },
    ] satisfies Case[],
  },
  diagonalScatter: {
    cases: [
      { label: 'main diagonal of [3, 4]', args: [f([3, 4]), f([3])], run: (x, s) => diagonalScatter(x, s!), ref: (x, s) => L.diagonalScatter(x!, s!, 0, 0, 1) },
      { label: 'offset 1 over dims (1, 2) of [2, 3, 3]', args: [f([2, 3, 3]), f([2, 2])], run: (x, s) => x.diagonalScatter(s!, 1, 1, 2),
        ref: (x, s) => L.diagonalScatter(x!, s!, 1, 1, 2) },
      { label: 'offset -1 over dims (2, 0) of [3, 2, 4]', args: [f([3, 2, 4]), f([2, 3])], run: (x, s) => x.diagonalScatter(s!, -1, 2, 0),
        ref: (x, s) => L.diagonalScatter(x!, s!, -1, 2, 0) },
    ] satisfies Case[],
  },
  diag: {
    cases: [
      { label: 'vector to matrix, offset 1', args: [f([3])], run: (x) => diag(x, 1), ref: (x) => L.diagonalScatter(R.nd([4, 4], new Array(16).fill(0)), x!, 1, 0, 1) },
      { label: 'vector to matrix, offset -2', args: [f([2])], run: (x) => x.diag(-2), ref: (x) => L.diagonalScatter(R.nd([4, 4], new Array(16).fill(0)), x!, -2, 0, 1) },
      { label: 'diagonal of a matrix, offset -1', args: [f([4, 3])], run: (x) => diag(x, -1), ref: (x) => L.diagonal(x!, -1, 0, 1) },
    ] satisfies Case[],
  },
  diagEmbed: {
    cases: [
      { label: 'last dim onto the last two', args: [f([2, 3])], run: (x) => diagEmbed(x), ref: (x) => L.diagonalScatter(R.nd([2, 3, 3], new Array(18).fill(0)), x!, 0, -2, -1) },
      { label: 'offset 1 onto dims (0, 2)', args: [f([2, 3])], run: (x) => x.diagEmbed(1, 0, 2), ref: (x) => L.diagonalScatter(R.nd([4, 2, 4], new Array(32).fill(0)), x!, 1, 0, 2) },
    ] satisfies Case[],
  },
  trace: {
    cases: [
      { label: '[3, 3]', args: [f([3, 3])], run: (x) => trace(x), ref: (x) => R.nd([], [L.diagonal(x!, 0, 0, 1).data.reduce((a, b) => a + b, 0)]) },
      { label: '[2, 4]', args: [f([2, 4])], run: (x) => x.trace(), ref: (x) => R.nd([], [L.diagonal(x!, 0, 0, 1).data.reduce((a, b) => a + b, 0)]) },
    ] satisfies Case[],
  },
  einsum: {
    cases: [
      { label: "'ij,jk->ik'", args: [f([3, 4]), f([4, 2])], run: (a, b) => einsum('ij,jk->ik', a, b!), ref: (a, b) => L.einsum('ij,jk->ik', [a!, b!]) },
      { label: "'bij,bkj->bik' (batched, transposed)", args: [f([2, 3, 4]), f([2, 5, 4])], run: (a, b) => einsum('bij,bkj->bik', a, b!), ref: (a, b) => L.einsum('bij,bkj->bik', [a!, b!]) },
      { label: "implicit 'ij,jk' as a list", args: [f([2, 3]), f([3, 2])], run: (a, b) => einsum('ij,jk', [a, b!]), ref: (a, b) => L.einsum('ij,jk->ik', [a!, b!]) },
      { label: "'ii->i' (diagonal)", args: [f([3, 3])], run: (a) => einsum('ii->i', a), ref: (a) => L.einsum('ii->i', [a!]) },
      { label: "'ii' (trace)", args: [f([3, 3])], run: (a) => einsum('ii', a), ref: (a) => L.einsum('ii->', [a!]) },
      { label: "'...ij,...jk' (ellipsis broadcast)", args: [f([2, 3, 4]), f([4, 2])], run: (a, b) => einsum('...ij,...jk', a, b!), ref: (a, b) => L.einsum('zij,jk->zik', [a!, b!]) },
      { label: "'ij,jk,kl->il' (three operands)", args: [f([2, 3]), f([3, 4]), f([4, 2])], run: (a, b, c) => einsum('ij,jk,kl->il', a, b!, c!),
        ref: (a, b, c) => L.einsum('ij,jk,kl->il', [a!, b!, c!]) },
      { label: "'i,j->ij' (outer, no contraction)", args: [f([3]), f([4])], run: (a, b) => einsum('i,j->ij', a, b!), ref: (a, b) => L.einsum('i,j->ij', [a!, b!]) },
      { label: "'bii,bj->bj' (sums and a diagonal)", args: [f([2, 3, 3]), f([2, 4])], run: (a, b) => einsum('bii,bj->bj', a, b!), ref: (a, b) => L.einsum('bii,bj->bj', [a!, b!]) },
      { label: "'ij,jk' with j of size 1 broadcast", args: [f([2, 1]), f([3, 4])], run: (a, b) => einsum('ij,jk', a, b!), ref: (a, b) => L.einsum('ij,jk->ik', [a!, b!]) },
      { label: "'ijk->kj' (sum and permute)", args: [f([2, 3, 4])], run: (a) => einsum('ijk->kj', a), ref: (a) => L.einsum('ijk->kj', [a!]) },
    ] satisfies Case[],
  },
  dot: { cases: [{ label: '[5]·[5]', args: [f([5]), f([5])], run: (a, b) => dot(a, b!), ref: (a, b) => R.matmul(a!, b!) }] satisfies Case[] },
  outer: { cases: [{ label: '[3]⊗[4]', args: [f([3]), f([4])], run: (a, b) => a.outer(b!), ref: (a, b) => L.einsum('i,j->ij', [a!, b!]) }] satisfies Case[] },
  mv: { cases: [{ label: '[3, 4]·[4]', args: [f([3, 4]), f([4])], run: (a, b) => mv(a, b!), ref: (a, b) => R.matmul(a!, b!) }] satisfies Case[] },
  bmm: { cases: [{ label: '[2, 3, 4]·[2, 4, 5]', args: [f([2, 3, 4]), f([2, 4, 5])], run: (a, b) => bmm(a, b!), ref: (a, b) => R.matmul(a!, b!) }] satisfies Case[] },
  addmm: {
    cases: [
      { label: 'beta 0.5, alpha 2, broadcast input', args: [f([3]), f([2, 4]), f([4, 3])], run: (c, a, b) => addmm(c, a!, b!, { beta: 0.5, alpha: 2 }),
        ref: (c, a, b) => R.map([c!, R.matmul(a!, b!)], (x, y) => 0.5 * x + 2 * y) },
      { label: 'defaults', args: [f([2, 3]), f([2, 4]), f([4, 3])], run: (c, a, b) => c.addmm(a!, b!), ref: (c, a, b) => R.map([c!, R.matmul(a!, b!)], (x, y) => x + y) },
    ] satisfies Case[],
  },
  baddbmm: {
    cases: [
      { label: 'beta -1, alpha 0.5', args: [f([2, 3, 5]), f([2, 3, 4]), f([2, 4, 5])], run: (c, a, b) => baddbmm(c, a!, b!, { beta: -1, alpha: 0.5 }),
        ref: (c, a, b) => R.map([c!, R.matmul(a!, b!)], (x, y) => -x + 0.5 * y) },
    ] satisfies Case[],
  },
  linalgSolve: {
    cases: [
      { label: 'matrix B', args: [f([3, 3]), f([3, 2])], run: (A, B) => linalg.solve(shifted(A), B!), ref: (A, B) => perPair(shiftedRef(A!), B!, L.solve), tolerance: FACTOR },
      { label: 'vector b', args: [f([3, 3]), f([3])], run: (A, b) => linalg.solve(shifted(A), b!),
        ref: (A, b) => R.nd([3], perPair(shiftedRef(A!), asColumn(b!), L.solve).data), tolerance: FACTOR },
      { label: 'batch of vectors, broadcast batch of matrices', args: [f([2, 3, 3]), f([2, 3])], run: (A, b) => linalg.solve(shifted(A), b!),
        ref: (A, b) => R.nd([2, 3], perPair(shiftedRef(A!), R.nd([2, 3, 1], b!.data), L.solve).data), tolerance: FACTOR },
      { label: 'broadcast A over a batch of B', args: [f([3, 3]), f([2, 3, 2])], run: (A, B) => linalg.solve(shifted(A), B!), ref: (A, B) => perPair(shiftedRef(A!), B!, L.solve), tolerance: FACTOR },
      { label: 'left: false (X·A = B)', args: [f([3, 3]), f([2, 3])], run: (A, B) => linalg.solve(shifted(A), B!, { left: false }),
        ref: (A, B) => perPair(shiftedRef(A!), B!, (a, b) => L.transpose(L.solve(L.transpose(a), L.transpose(b)))), tolerance: FACTOR },
    ] satisfies Case[],
  },
  linalgSolveTriangular: {
    cases: [
      { label: 'upper', args: [f([3, 3]), f([3, 2])], run: (A, B) => linalg.solveTriangular(shifted(A), B!, { upper: true }),
        ref: (A, B) => perPair(shiftedRef(A!), B!, (a, b) => L.solveTriangular(a, b, true, false)), tolerance: FACTOR },
      { label: 'lower, left: false, unitriangular, batched', args: [f([2, 3, 3]), f([2, 4, 3])],
        run: (A, B) => linalg.solveTriangular(A, B!, { upper: false, left: false, unitriangular: true }),
        ref: (A, B) => perPair(A!, B!, (a, b) => L.transpose(L.solveTriangular(L.transpose(a), L.transpose(b), true, true))), tolerance: FACTOR },
    ] satisfies Case[],
  },
  linalgInv: {
    cases: [
      { label: '[3, 3]', args: [f([3, 3])], run: (A) => linalg.inv(shifted(A)), ref: (A) => L.perMatrix(shiftedRef(A!), L.inverse), tolerance: FACTOR },
      { label: 'batched [2, 2, 2]', args: [f([2, 2, 2])], run: (A) => A.inverse(), ref: (A) => L.perMatrix(A!, L.inverse), tolerance: FACTOR },
    ] satisfies Case[],
  },
  linalgDet: {
    cases: [
      { label: '[3, 3]', args: [f([3, 3])], run: (A) => linalg.det(A), ref: (A) => L.perMatrix(A!, L.det), tolerance: FACTOR },
      { label: 'batched [2, 4, 4]', args: [f([2, 4, 4])], run: (A) => A.det(), ref: (A) => L.perMatrix(A!, L.det), tolerance: FACTOR },
      { label: '[1, 1]', args: [f([1, 1])], run: (A) => linalg.det(A), ref: (A) => L.perMatrix(A!, L.det) },
    ] satisfies Case[],
  },
  detBackward: {
    cases: [
      // cof(A) = det(A)·A⁻ᵀ; A shifted so that the second derivative (which needs A⁻¹) is well conditioned.
      { label: 'batched, weighted', args: [f([2]), f([2, 3, 3])], run: (g, A) => detBackward(g, shifted(A!)),
        ref: (g, A) => perPair(shiftedRef(A!), R.nd([2, 1, 1], g!.data), (a, gg) => L.transpose(L.inverse(a)).map((row) => row.map((v) => v * L.det(a) * gg[0]![0]!))),
        tolerance: FACTOR },
    ] satisfies Case[],
  },
  linalgSlogdet: {
    cases: [
      { label: '[3, 3]: sign and logabsdet', args: [f([3, 3])], run: (A) => { const s = linalg.slogdet(A); return stack([s.sign, s.logabsdet]); },
        ref: (A) => { const d = L.det(L.matrices(A!)[0]!); return R.nd([2], [Math.sign(d), Math.log(Math.abs(d))]); }, tolerance: FACTOR },
      { label: 'batched [2, 3, 3]', args: [f([2, 3, 3])], run: (A) => A.slogdet().logabsdet, ref: (A) => L.perMatrix(A!, (a) => Math.log(Math.abs(L.det(a)))), tolerance: FACTOR },
    ] satisfies Case[],
  },
  linalgCholesky: {
    cases: [
      { label: 'lower', args: [f([3, 3])], run: (x) => linalg.cholesky(spd(x)), ref: (x) => L.perMatrix(spdRef(x!), L.cholesky), tolerance: FACTOR },
      { label: 'upper, batched', args: [f([2, 3, 3])], run: (x) => linalg.cholesky(spd(x), { upper: true }),
        ref: (x) => L.perMatrix(spdRef(x!), (a) => L.transpose(L.cholesky(a))), tolerance: FACTOR },
    ] satisfies Case[],
  },
  linalgQr: {
    cases: [
      { label: 'tall [4, 3], reduced', args: [f([4, 3])], run: (A) => qrPositive(A, 'reduced'), ref: (A) => qrRef(A!), tolerance: FACTOR },
      { label: 'wide [2, 4], reduced', args: [f([2, 4])], run: (A) => qrPositive(A, 'reduced'), ref: (A) => qrRef(A!), tolerance: FACTOR },
      { label: 'square batched [2, 3, 3], complete', args: [f([2, 3, 3])], run: (A) => qrPositive(A, 'complete'), ref: (A) => qrRef(A!), tolerance: FACTOR },
    ] satisfies Case[],
  },
  linalgEigh: {
    cases: [
      { label: '[3, 3]', args: [f([3, 3])], run: (x) => eighFixed(sym(x)), ref: (x) => eighRef(symRef(x!)), tolerance: FACTOR },
      { label: 'batched [2, 2, 2], UPLO U', args: [f([2, 2, 2])], run: (x) => eighFixed(sym(x), 'U'), ref: (x) => eighRef(symRef(x!)), tolerance: FACTOR },
    ] satisfies Case[],
  },
} satisfies Partial<Record<SpecKey, OpSpec>>;
