// Node-only: an exported ONNX model written to a file. Imported by the `adjoint/node` entry, never by the core.
import { writeFile } from 'node:fs/promises';
import '../autograd/record.js';
import type { Module } from '../nn/module.js';
import type { Tensor } from '../tensor.js';
import { exportOnnx, type ExportOnnxOptions } from './export.js';

/**
 * `exportOnnx` written to `path` (an `.onnx` file); resolves to the number of bytes written. The parent
 * directory must exist; a file system error names the path.
 *
 * @example
 * ```ts
 * import { exportOnnxFile } from 'adjoint/node';
 * await exportOnnxFile(model, [randn([2, 784])], 'out/mnist.onnx', { dynamicAxes: { input: { 0: 'batch' } } });
 * ```
 */
export async function exportOnnxFile(module: Module, exampleInputs: Tensor | readonly Tensor[], path: string, options: ExportOnnxOptions = {}): Promise<number> {
  const bytes = await exportOnnx(module, exampleInputs, options);
  try {
    await writeFile(path, bytes);
  } catch (e) {
    throw new Error(`exportOnnxFile: cannot write '${path}': ${e instanceof Error ? e.message : String(e)}. Check that the directory exists and is writable.`, { cause: e });
  }
  return bytes.length;
}
