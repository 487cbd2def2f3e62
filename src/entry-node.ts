/**
 * The Node-only entry, `adjoint/node`: saving and loading state dicts as files, and writing ONNX models. Kept out of the main
 * entry so that `adjoint` itself never imports `node:fs` and runs in browsers.
 *
 * @example
 * ```ts
 * import { nn } from 'adjoint';
 * import { save, load } from 'adjoint/node';
 * await save(model, 'model.safetensors');
 * model.loadStateDict(await load('model.safetensors'));
 * ```
 *
 * @module adjoint/node
 */
export { save, load } from './nn/file.js';
export { exportOnnxFile } from './onnx/file.js';
export type { ExportOnnxOptions, DynamicAxesSpec } from './onnx/export.js';
