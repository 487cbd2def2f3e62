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

/**
 * The single-threaded kernel module's instance and allocator, made on first use; null where WebAssembly SIMD is
 * missing or the module cannot be compiled (then every call runs on the TS kernels).
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
      const bin = atob(WASM_BASE64);
      const bytes = new Uint8Array(bin.length);
      for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
      // Synchronous compile works in Node and in workers; a browser main thread may refuse it for larger
      // modules, and then every call simply stays on the TS kernels.
      try {
        const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), {});
        arena = new Arena(instance.exports as unknown as KernelExports, MAX_BYTES);
      } catch {
        arena = null;
      }
    }
  }
  return arena;
}
