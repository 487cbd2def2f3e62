// The primitives of the op table that do not run on the 'webgpu' device: they need a kernel WebGPU lacks here
// (dense factorizations and solves, exact float remainders, erfinv, BatchNorm, average and adaptive pooling). On a 'webgpu' tensor they throw DeviceSupportError naming the op; the
// generated WebGPU suite checks that exactly these do, and README's "Devices" section lists them.

/** Primitives that run on the CPU only. */
export const CPU_ONLY: readonly string[] = [
  'linalgSolve', 'linalgSolveTriangular', 'linalgInv', 'linalgDet', 'detBackward', 'linalgSlogdet', 'linalgCholesky', 'linalgQr', 'linalgEigh',
  'erfinv', 'fmod', 'remainder', 'floorDivide',
  'batchNorm', 'batchNormBackward', 'avgPool2d', 'avgPool2dBackward', 'adaptiveMaxPool2dIndices',
];
