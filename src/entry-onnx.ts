/**
 * The ONNX entry, `adjoint/onnx`: export a trained module as an ONNX model (opset 17+), to be served by ONNX
 * Runtime or read by PyTorch. Needs the optional peer dependency `protobufjs`.
 *
 * @example
 * ```ts
 * import { exportOnnx } from 'adjoint/onnx';
 * const bytes = await exportOnnx(model, [randn([2, 784])], { inputNames: ['image'], dynamicAxes: { image: { 0: 'batch' } } });
 * ```
 */
export { exportOnnx, type ExportOnnxOptions, type DynamicAxesSpec } from './onnx/export.js';
export { EXPORTABLE_OPS } from './onnx/ops.js';
