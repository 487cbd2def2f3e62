// The primitives of the op table that do not run on the 'webgpu' device: they need a kernel WebGPU lacks here
// (dense factorizations and solves, sorting and selection), or values on the host, which this device reads back
// only asynchronously (an output shape that depends on the values: nonzero, maskedSelect, …). On a 'webgpu' tensor
// they throw DeviceSupportError (or AsyncReadError) naming the op; the generated WebGPU suite checks that exactly
// these do, and README's "Devices" section lists them.

/** Primitives that run on the CPU only. */
export const CPU_ONLY: readonly string[] = [
  'linalgSolve', 'linalgSolveTriangular', 'linalgInv', 'linalgDet', 'detBackward', 'linalgSlogdet', 'linalgCholesky', 'linalgQr', 'linalgEigh',
  'nonzero', 'maskedSelect', 'maskedScatter', 'trilIndices', 'triuIndices',
  // Sorting and selection.
  'sort', 'argsort', 'kthvalue', 'median', 'unique',
];

/**
 * Primitives that run on the GPU in some forms only: indexing and assignment with basic or integer-tensor indices
 * run there, with boolean-mask indices (whose result's shape depends on the mask: nonzero) on the CPU only;
 * repeatInterleave with a number of repeats runs there, with a tensor of repeats on the CPU only; topk with k = 0
 * runs there.
 */
export const PARTLY_CPU_ONLY: readonly string[] = ['index', 'indexPut', 'repeatInterleave', 'topk'];
