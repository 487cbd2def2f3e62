/**
 * torch.linalg as `linalg.*`: solves, inverses, determinants, factorizations and norms of (batches of) matrices
 * and vectors, differentiable in both modes and float64 first-class. Each is also exported as `linalgSolve`, `linalgInv`, …
 * (PyTorch's `torch.linalg_solve` spellings); `det`, `slogdet` and `inverse` are Tensor methods too.
 *
 * @example
 * ```ts
 * import { linalg, tensor } from 'adjoint';
 * const A = tensor([[4, 1], [1, 3]], { dtype: 'float64', requiresGrad: true });
 * const x = linalg.solve(A, tensor([1, 2], { dtype: 'float64' }));
 * linalg.det(A).backward(); // A.grad is the cofactor matrix [[3, -1], [-1, 4]]
 * ```
 */
import { FUNCTIONS } from './autograd/record.js';

/**
 * The solution X of A·X = B (`{ left: false }`: X·A = B) for square A, by LU with partial pivoting. B is a vector,
 * a batch of vectors (shape `A.shape[:-1]`) or a matrix; batch dims broadcast. A singular A is an error.
 *
 * @example
 * ```ts
 * linalg.solve(A, b)
 * ```
 */
export const solve = FUNCTIONS.linalgSolve;

/**
 * The solution X of A·X = B (`left: false`: X·A = B) for triangular A; `{ upper }` is required and says which
 * triangle of A is read (`unitriangular: true` takes its diagonal as ones). No singularity check, as in PyTorch.
 *
 * @example
 * ```ts
 * linalg.solveTriangular(L, B, { upper: false })
 * ```
 */
export const solveTriangular = FUNCTIONS.linalgSolveTriangular;

/**
 * The inverse of square matrices. A singular matrix is an error: "linalg.inv: The diagonal element 2 is zero, the
 * inversion could not be completed because the input matrix is singular."
 *
 * @example
 * ```ts
 * linalg.inv(A)
 * ```
 */
export const inv = FUNCTIONS.linalgInv;

/**
 * The determinant of square matrices: 0 for a singular matrix, whose gradient (the cofactor matrix) is exact.
 *
 * @example
 * ```ts
 * linalg.det(A)
 * ```
 */
export const det = FUNCTIONS.linalgDet;

/**
 * `{ sign, logabsdet }` with det(A) = sign · exp(logabsdet), accurate where det would overflow or underflow.
 *
 * @example
 * ```ts
 * const { sign, logabsdet } = linalg.slogdet(A)
 * ```
 */
export const slogdet = FUNCTIONS.linalgSlogdet;

/**
 * The Cholesky factor L (A = L·Lᵀ) of symmetric positive-definite matrices, or U (A = Uᵀ·U) with
 * `{ upper: true }`. A matrix that is not positive-definite is an error naming the leading minor.
 *
 * @example
 * ```ts
 * linalg.cholesky(A)
 * ```
 */
export const cholesky = FUNCTIONS.linalgCholesky;

/**
 * The QR decomposition `{ Q, R }` (Householder, LAPACK's signs); mode 'reduced' (default), 'complete' or 'r',
 * as a string or `{ mode }`.
 *
 * @example
 * ```ts
 * const { Q, R } = linalg.qr(A, { mode: 'complete' })
 * ```
 */
export const qr = FUNCTIONS.linalgQr;

/**
 * Eigenvalues (ascending) and orthonormal eigenvectors `{ eigenvalues, eigenvectors }` of symmetric matrices,
 * reading the lower triangle ('U' or `{ UPLO: 'U' }`: the upper). Each eigenvector is determined up to its sign.
 *
 * @example
 * ```ts
 * const { eigenvalues, eigenvectors } = linalg.eigh(A)
 * ```
 */
export const eigh = FUNCTIONS.linalgEigh;

/**
 * The vector norm of order `ord` (default 2; 1, ∞, −∞, 0 or any p) over `dim` (all dims when omitted), accumulated
 * in float64. Its gradient at 0 is 0, and for ±∞ it is shared among the tied elements, as PyTorch's.
 *
 * @example
 * ```ts
 * linalg.vectorNorm(tensor([[3, 4], [6, 8]]), 2, 1) // [5, 10]
 * ```
 */
export const vectorNorm = FUNCTIONS.linalgVectorNorm;

/**
 * The matrix norm over the two dims `dim` (default `[-2, -1]`): 'fro' (default), 1 / −1 (largest / smallest column
 * sum of |x|), ∞ / −∞ (largest / smallest row sum). 'nuc' and ±2 need singular values and are refused.
 *
 * @example
 * ```ts
 * linalg.matrixNorm(tensor([[1, -2], [3, 4]]), 1) // 6
 * ```
 */
export const matrixNorm = FUNCTIONS.linalgMatrixNorm;
