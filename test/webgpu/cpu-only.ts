// The primitives of the op table that do not run on the 'webgpu' device: they need a kernel WebGPU lacks here
// (dense factorizations and solves, exact float remainders, erfinv, BatchNorm, average and adaptive pooling,
// advanced indexing and scatter with a reduction), or values on the host, which this device reads back only
// asynchronously (an output shape that depends on the values: nonzero, maskedSelect, …). On a 'webgpu' tensor they throw DeviceSupportError naming the op; the
// generated WebGPU suite checks that exactly these do, and README's "Devices" section lists them.

/** Primitives that run on the CPU only. */
export const CPU_ONLY: readonly string[] = [
  'linalgSolve', 'linalgSolveTriangular', 'linalgInv', 'linalgDet', 'detBackward', 'linalgSlogdet', 'linalgCholesky', 'linalgQr', 'linalgEigh',
  'erfinv', 'fmod', 'remainder', 'floorDivide',
  'batchNorm', 'batchNormBackward', 'avgPool2d', 'avgPool2dBackward', 'adaptiveMaxPool2dIndices', 'adaptiveAvgPool2d', 'adaptiveAvgPool2dBackward',
  'indexFill', 'indexCopy', 'scatter', 'scatterReduce', 'take',
  'nonzero', 'maskedSelect', 'maskedScatter', 'trilIndices', 'triuIndices',
  // Reductions, scans and sorting beyond sum/max/min/logsumexp/argmax/argmin, and the fused recurrent cells.
  'prod', 'all', 'any', 'var', 'std', 'varMean', 'stdMean', 'norm', 'linalgVectorNorm',
  'cumsum', 'cumprod', 'cummax', 'cummin', 'logcumsumexp', 'sort', 'argsort', 'kthvalue', 'median', 'unique',
  'fusedLstmCell', 'fusedLstmCellBackward', 'fusedGruCell', 'fusedGruCellBackward',
];

/**
 * Primitives that run on the GPU in some forms only: indexing and assignment with basic indices (ints, slices,
 * None, ellipsis) run there, with integer-tensor or boolean indices on the CPU only; repeatInterleave with a
 * number of repeats runs there, with a tensor of repeats on the CPU only; linalg.matrixNorm's ±1/±∞ orders run
 * there (sums and maxima), the Frobenius and spectral ones on the CPU only; topk with k = 0 runs there.
 */
export const PARTLY_CPU_ONLY: readonly string[] = ['index', 'indexPut', 'repeatInterleave', 'linalgMatrixNorm', 'topk'];
