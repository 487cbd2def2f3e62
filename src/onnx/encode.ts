// The model's bytes: the plain ModelProto object encoded by protobufjs from ONNX's onnx.proto (its JSON
// descriptor, generated from the .proto by scripts/onnx-schema.ts). protobufjs is an optional peer dependency,
// loaded on first use, so the core keeps no runtime dependency.
import '../autograd/record.js';
import { bytesOf, ownBytes } from './bytes.js';
import type { PendingInitializer } from './graph.js';
import type { NodeProto, TensorProto, ValueInfoProto } from './proto.js';
import { ONNX_SCHEMA } from './schema.generated.js';

/** What a model is made of, before encoding. */
export interface ModelParts {
  readonly nodes: readonly NodeProto[];
  readonly initializers: readonly PendingInitializer[];
  readonly inputs: readonly ValueInfoProto[];
  readonly outputs: readonly ValueInfoProto[];
  readonly opset: number;
  readonly docString: string;
}

interface ModelType {
  fromObject(o: Record<string, unknown>): unknown;
  encode(m: unknown): { finish(): Uint8Array };
  verify(o: Record<string, unknown>): string | null;
}

let loaded: Promise<ModelType> | null = null;

async function modelType(): Promise<ModelType> {
  loaded ??= import('protobufjs/light.js').then(
    (mod) => {
      const protobuf = (mod as unknown as { default?: typeof mod }).default ?? mod;
      return protobuf.Root.fromJSON(ONNX_SCHEMA as Parameters<typeof protobuf.Root.fromJSON>[0]).lookupType('onnx.ModelProto') as unknown as ModelType;
    },
    (cause: unknown) => {
      loaded = null;
      throw new Error(
        'exportOnnx: writing ONNX needs the optional peer dependency protobufjs, which could not be loaded. Install it with `npm install protobufjs`.',
        { cause },
      );
    },
  );
  return loaded;
}

/** ONNX's IR version for opsets 17 to 21 that every ONNX Runtime since 1.14 reads. */
const IR_VERSION = 8;

/**
 * Read the initializers' elements and encode the model.
 *
 * @example
 * ```ts
 * const bytes = await encodeModel(parts);
 * ```
 */
export async function encodeModel(parts: ModelParts): Promise<Uint8Array> {
  const Model = await modelType();
  const initializer: TensorProto[] = await Promise.all(parts.initializers.map(async (p): Promise<TensorProto> => {
    let bytes: Uint8Array;
    if (p.source instanceof Uint8Array) bytes = p.source;
    else {
      bytes = bytesOf(await p.source.dataAsync());
    }
    return { name: p.name, dims: [...p.dims], data_type: p.dataType, raw_data: bytes };
  }));
  const model = {
    ir_version: IR_VERSION,
    producer_name: 'adjoint',
    producer_version: '0.1.0',
    doc_string: parts.docString,
    opset_import: [{ domain: '', version: parts.opset }],
    graph: { name: 'adjoint', node: parts.nodes, initializer, input: parts.inputs, output: parts.outputs },
  };
  const error = Model.verify(model as unknown as Record<string, unknown>);
  if (error !== null) throw new Error(`exportOnnx: the model does not match onnx.proto (a bug in adjoint): ${error}.`);
  // protobufjs hands back a Node Buffer in Node (possibly a view of a shared pool); a Uint8Array of its own is
  // what every platform gets.
  return ownBytes(Model.encode(Model.fromObject(model as unknown as Record<string, unknown>)).finish());
}
