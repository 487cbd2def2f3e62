// Node-only: reads and writes files. Imported by the `adjoint/node` entry, never by the core index, so the
// main entry stays usable in browsers.
import { readFile, writeFile } from 'node:fs/promises';
import type { Module, StateDict, StateDictLike } from './module.js';
import { deserializeStateDict, serializeStateDict, type SerializeOptions } from './serialize.js';

/**
 * Write a module's state dict (or any name → tensor map) to `path` in the safetensors format described in
 * `serializeStateDict`. The parent directory must exist.
 *
 * @example
 * ```ts
 * import { save } from 'adjoint/node';
 * await save(model, 'out/model.safetensors', { metadata: { hidden: '128' } });
 * ```
 */
export async function save(source: Module | StateDictLike, path: string, opts: SerializeOptions = {}): Promise<void> {
  await writeFile(path, serializeStateDict(source, opts));
}

/**
 * Read a state dict written by `save` (or by Python's safetensors, for F32/F64/I32/BOOL tensors).
 *
 * @example
 * ```ts
 * import { load } from 'adjoint/node';
 * model.loadStateDict(await load('out/model.safetensors'));
 * ```
 */
export async function load(path: string): Promise<StateDict> {
  const bytes = await readFile(path);
  try {
    return deserializeStateDict(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new Error(`load: cannot read '${path}': ${e instanceof Error ? e.message : String(e)}`);
  }
}
