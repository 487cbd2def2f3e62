// The op table: every primitive, by name. Everything else is derived from it: the exported functions
// (src/ops/api.generated.ts, written by `npm run codegen`), the Tensor methods (ops/methods.ts), the generated
// tests (test/op-specs.ts must have an entry for every key, a compile error otherwise) and the profiler's names.
import { BINARY_OPS } from './binary.js';
import { CAST_OPS } from './cast.js';
import { CONV_OPS } from './conv.js';
import type { AnyOp } from './define.js';
import { DIAGONAL_OPS } from './diagonal.js';
import { INDEXING_OPS } from './indexing.js';
import { LOSS_OPS } from './loss.js';
import { LINALG_OPS } from './linalg.js';
import { MATMUL_OPS } from './matmul.js';
import { MOVEMENT_OPS } from './movement.js';
import { NORMALIZATION_OPS } from './normalization.js';
import { POOL_OPS } from './pool.js';
import { RECURRENT_OPS } from './recurrent.js';
import { REDUCE_OPS } from './reduce.js';
import { NORM_OPS } from './norms.js';
import { SCAN_OPS } from './scan.js';
import { SLICING_OPS } from './slicing.js';
import { SORTING_OPS } from './sorting.js';
import { STATISTICS_OPS } from './statistics.js';
import { SOFTMAX_OPS } from './softmax.js';
import { TERNARY_OPS } from './ternary.js';
import { UNARY_OPS } from './unary.js';
import { WHERE_OPS } from './where.js';

/**
 * Every primitive of adjoint, by name: its public call, forward kernel, saved values, VJP and JVP rules and
 * FLOP count. Adding an op is adding an entry to one of these families.
 *
 * @example
 * ```ts
 * OP_TABLE.exp.doc; // 'eˣ elementwise.'
 * ```
 */
export const OP_TABLE = {
  ...UNARY_OPS,
  ...BINARY_OPS,
  ...WHERE_OPS,
  ...TERNARY_OPS,
  ...REDUCE_OPS,
  ...SCAN_OPS,
  ...SORTING_OPS,
  ...STATISTICS_OPS,
  ...NORM_OPS,
  ...SOFTMAX_OPS,
  ...MATMUL_OPS,
  ...MOVEMENT_OPS,
  ...INDEXING_OPS,
  ...SLICING_OPS,
  ...CONV_OPS,
  ...POOL_OPS,
  ...CAST_OPS,
  ...NORMALIZATION_OPS,
  ...RECURRENT_OPS,
  ...LOSS_OPS,
  ...DIAGONAL_OPS,
  ...LINALG_OPS,
};

/** The name of a primitive. @example `const p: Primitive = 'matmul';` */
export type Primitive = keyof typeof OP_TABLE;

/**
 * Ops that PyTorch offers as functions only (no Tensor method): `torch.cat`, `torch.stack`, `F.conv2d`, the
 * fused activation gradients. Every other op (primitive, composite or in-place) is also a method, with the
 * tensor as its first argument; `where` is a method with PyTorch's own argument order, `x.where(cond, other)`.
 */
export const FUNCTION_ONLY = ['cat', 'stack', 'unfold', 'fold', 'conv2d', 'maxPool2d', 'tanhBackward', 'sigmoidBackward', 'reluBackward', 'where',
  'layerNorm', 'layerNormBackward', 'batchNorm', 'batchNormBackward',
  'binaryCrossEntropy', 'avgPool2d', 'avgPool2dBackward', 'adaptiveMaxPool2dIndices', 'adaptiveAvgPool2d', 'adaptiveAvgPool2dBackward',
  'linalgSolve', 'linalgSolveTriangular', 'linalgInv', 'linalgDet', 'detBackward', 'linalgSlogdet', 'linalgCholesky', 'linalgQr', 'linalgEigh', 'einsum',
  'softplus', 'logSigmoid', 'gelu', 'geluBackward', 'pad', 'meshgrid', 'trilIndices', 'triuIndices', 'linalgVectorNorm', 'linalgMatrixNorm',
  'fusedLstmCell', 'fusedLstmCellBackward', 'fusedGruCell', 'fusedGruCellBackward'] as const;

/** Ops that PyTorch offers as Tensor methods only (`x.view(...)`, `x.float()`): no exported function. */
export const METHOD_ONLY = ['view', 'expandAs', 'viewAs', 'contiguous', 'float', 'double', 'int'] as const;

// Every entry is checked against the entry type, and is named as it is keyed (the gradFn and method names come
// from `name`): a compile error or a failure at load otherwise.
const checked: Record<string, AnyOp> = OP_TABLE;
for (const [key, op] of Object.entries(checked)) {
  if (op.name !== key) throw new Error(`op table: the entry '${key}' is named '${op.name}'; an entry's key and name must agree.`);
}
