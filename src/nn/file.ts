// Node-only: reads and writes files. Imported by the `adjoint/node` entry, never by the core index, so the
// main entry stays usable in browsers.
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Tensor } from '../tensor.js';
import { Module, toStateMap, type StateDict, type StateDictLike } from './module.js';
import { deserializeStateDict, serializeStateDict, type SerializeOptions } from './serialize.js';

/**
 * Write a module's state dict (or any name → tensor map) to `path` in the safetensors format described in
 * `serializeStateDict`. The parent directory must exist. A file system error becomes an error that starts
 * `save: cannot write '<path>':` and says what to do (a directory, a missing parent, no permission).
 *
 * @example
 * ```ts
 * import { save } from 'adjoint/node';
 * await save(model, 'out/model.safetensors', { metadata: { hidden: '128' } });
 * ```
 */
export async function save(source: Module | StateDictLike, path: string, opts: SerializeOptions = {}): Promise<void> {
  const tensors = source instanceof Module ? source.stateDict() : toStateMap(source, 'save');
  // Tensors on a device that reads back only asynchronously (WebGPU) are read here, without blocking.
  const host: StateDict = new Map();
  for (const [name, t] of tensors) host.set(name, t instanceof Tensor && t.storage.device.backend.readsAsyncOnly === true ? await t.toAsync('cpu') : t);
  const bytes = serializeStateDict(host, opts);
  try {
    await writeFile(path, bytes);
  } catch (e) {
    throw new Error(`save: cannot write '${path}': ${hint(e, path, 'write')}`, { cause: e });
  }
}

/**
 * Read a state dict written by `save` or by Python's safetensors (see `deserializeStateDict` for the dtypes
 * read). Errors start `load: cannot read '<path>':`, followed by what is wrong with the file, or by what to
 * do when it cannot be read (a directory, a missing file, no permission).
 *
 * @example
 * ```ts
 * import { load } from 'adjoint/node';
 * model.loadStateDict(await load('out/model.safetensors'));
 * ```
 */
export async function load(path: string): Promise<StateDict> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new Error(`load: cannot read '${path}': ${hint(e, path, 'read')}`, { cause: e });
  }
  try {
    return deserializeStateDict(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (e) {
    throw new Error(`load: cannot read '${path}': ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

/** What a file system error means for `path`, and what to do about it. */
function hint(e: unknown, path: string, action: 'read' | 'write'): string {
  const code = e !== null && typeof e === 'object' && 'code' in e ? String(e.code) : undefined;
  const message = e instanceof Error ? e.message : String(e);
  const full = typeof path === 'string' ? resolve(path) : String(path);
  switch (code) {
    case 'EISDIR':
      return action === 'read'
        ? `it is a directory; pass the path of a .safetensors file.`
        : `it is a directory; pass a file path such as '${join(path, 'model.safetensors')}'.`;
    case 'ENOENT':
      return action === 'read'
        ? `no such file ('${full}'); check the path and the working directory.`
        : `the directory '${dirname(full)}' does not exist; create it first (fs.mkdir with { recursive: true }).`;
    case 'ENOTDIR':
      return `a part of the path before the file name is not a directory; check the path.`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied; check the permissions of the file and its directory.`;
    case 'EROFS':
      return `the file system is read-only; choose a writable location.`;
    default:
      return `${message}${code && !message.includes(code) ? ` (${code})` : ''}.`;
  }
}
