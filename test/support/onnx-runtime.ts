// Runs an exported ONNX model in ONNX Runtime's WebAssembly build (onnxruntime-web, in Node), single-threaded.
import * as ort from 'onnxruntime-web';
import type { Tensor } from '../../src/index.js';

ort.env.wasm.numThreads = 1;
ort.env.logLevel = 'error';

/** One output of an ONNX Runtime run: its dims and elements. */
export interface OrtResult {
  readonly dims: readonly number[];
  readonly data: Float32Array | Float64Array | Int32Array | Uint8Array;
}

const ORT_TYPE = { float32: 'float32', float64: 'float64', int32: 'int32', bool: 'bool' } as const;

/**
 * Load `bytes` and run it on `feeds` (input name → adjoint tensor); results by output name, in the model's order.
 *
 * @example
 * ```ts
 * const { output } = await runOnnx(bytes, { input: x });
 * ```
 */
export async function runOnnx(bytes: Uint8Array, feeds: Record<string, Tensor>): Promise<Record<string, OrtResult>> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    const inputs: Record<string, ort.Tensor> = {};
    for (const [name, t] of Object.entries(feeds)) {
      const data = t.data();
      inputs[name] = new ort.Tensor(ORT_TYPE[t.dtype], t.dtype === 'bool' ? Uint8Array.from(data) : data as Float32Array, [...t.shape]);
    }
    const out = await session.run(inputs);
    const result: Record<string, OrtResult> = {};
    for (const name of session.outputNames) {
      const o = out[name]!;
      result[name] = { dims: [...o.dims], data: o.data as OrtResult['data'] };
    }
    return result;
  } finally {
    await session.release();
  }
}

/** The op types of an ONNX model's graph, in order (decoded with protobufjs from the same schema). */
export async function onnxOpTypes(bytes: Uint8Array): Promise<string[]> {
  const protobuf = (await import('protobufjs/light.js')).default;
  const { ONNX_SCHEMA } = await import('../../src/onnx/schema.generated.js');
  const Model = protobuf.Root.fromJSON(ONNX_SCHEMA as protobuf.INamespace).lookupType('onnx.ModelProto');
  const m = Model.toObject(Model.decode(bytes)) as { graph: { node: { op_type: string }[] } };
  return m.graph.node.map((n) => n.op_type);
}
