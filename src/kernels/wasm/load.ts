import { Arena, PAGE, type KernelExports } from './arena.js';
import { WASM_BASE64 } from './module.generated.js';

// A function returning an all-lanes i8x16.popcnt of a splat: validates only where SIMD is implemented.
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

let supported: boolean | undefined;

/**
 * True when this JavaScript engine runs WebAssembly with 128-bit SIMD (Node ≥ 16.4, Chrome 91, Firefox 89,
 * Safari 16.4). Checked once, by validating a tiny SIMD module.
 *
 * @example
 * ```ts
 * if (wasmSupported()) registerBackend(wasmBackend, true);
 * ```
 */
export function wasmSupported(): boolean {
  if (supported === undefined) {
    try {
      supported = typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
    } catch {
      supported = false;
    }
  }
  return supported;
}

// wasm32 addresses 4 GiB at most.
const MAX_BYTES = 65536 * PAGE;

let arena: Arena | null | undefined;
/** Why the module could not be compiled synchronously, when it could not (a browser's main thread may refuse). */
let syncError: string | null = null;

function kernelBytes(): Uint8Array<ArrayBuffer> {
  const bin = atob(WASM_BASE64);
  const bytes = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
  return bytes;
}

/**
 * The single-threaded kernel module's instance and allocator, made on first use; null where WebAssembly SIMD is
 * missing or the module cannot be compiled (then every call runs on the TS kernels). A browser's main thread may
 * refuse to compile synchronously; `ready()` ({@link loadArena}) compiles asynchronously instead.
 *
 * @example
 * ```ts
 * const ar = getArena();
 * if (ar && ar.begin(padded(n * 4))) { ... }
 * ```
 */
export function getArena(): Arena | null {
  if (arena === undefined) {
    arena = null;
    if (wasmSupported()) {
      // Synchronous compile works in Node and in workers; a browser main thread may refuse it for larger
      // modules, and then every call stays on the TS kernels until `ready()` has compiled it asynchronously.
      try {
        const instance = new WebAssembly.Instance(new WebAssembly.Module(kernelBytes()), {});
        arena = new Arena(instance.exports as unknown as KernelExports, MAX_BYTES);
      } catch (err) {
        syncError = err instanceof Error ? err.message : String(err);
        arena = null;
      }
    }
  }
  return arena;
}

let loading: Promise<Arena | null> | undefined;

/**
 * The kernel module's instance and allocator, compiled and instantiated asynchronously
 * (`WebAssembly.instantiate`, which every browser allows on its main thread) unless it is already loaded; null
 * where WebAssembly SIMD is missing. Rejects, saying why, when the engine refuses the module (for instance a
 * Content-Security-Policy without `'wasm-unsafe-eval'`); a later call tries again.
 *
 * @example
 * ```ts
 * const ar = await loadArena(); // then getArena() === ar
 * ```
 */
export function loadArena(): Promise<Arena | null> {
  if (arena) return Promise.resolve(arena);
  if (!wasmSupported()) return Promise.resolve(null);
  loading ??= WebAssembly.instantiate(kernelBytes(), {}).then(
    ({ instance }) => {
      arena ??= new Arena(instance.exports as unknown as KernelExports, MAX_BYTES);
      return arena;
    },
    (err: unknown) => {
      loading = undefined;
      const why = err instanceof Error ? err.message : String(err);
      const before = syncError ? ` (the synchronous compile had failed too: ${syncError})` : '';
      throw new Error(`ready: this JavaScript engine refused to compile adjoint's WebAssembly kernels: ${why}${before}. ` +
        "The TypeScript kernels still run every op; setBackend('ts') makes that explicit, or allow WebAssembly " +
        "(a Content-Security-Policy needs 'wasm-unsafe-eval').");
    },
  );
  return loading;
}
