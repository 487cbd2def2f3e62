import { getBackend } from './index.js';
import { loadArena } from './wasm/load.js';
import { compileThreadsModule } from './wasm/threads.js';

let pending: Promise<string> | undefined;

/**
 * Load the WebAssembly kernels asynchronously, and resolve to the name of the backend that runs kernels for
 * new tensors (`'wasm'` once its kernels are instantiated; `'ts'` where WebAssembly SIMD is missing, or when
 * `setBackend('ts')` chose it).
 *
 * Without it the kernels are compiled synchronously on the first operation that needs them, which Node, Deno,
 * Bun and workers allow. A browser may refuse to compile WebAssembly synchronously on its main thread; then
 * every operation still runs, on the TypeScript kernels, until `await ready()` has compiled the module with
 * `WebAssembly.instantiate`. On a cross-origin isolated page it also compiles the threaded module that
 * `setNumThreads(n)` uses. Calling it again returns the same promise; calling it is never required in Node.
 *
 * Rejects, saying why, when the JavaScript engine refuses WebAssembly altogether (for instance under a
 * Content-Security-Policy without `'wasm-unsafe-eval'`): operations keep running on the TypeScript kernels,
 * and a later call tries again.
 *
 * @example
 * ```ts
 * import { ready, tensor } from 'adjoint';
 * await ready(); // 'wasm' in every browser with WebAssembly SIMD
 * const x = tensor([1, 2, 3], { requiresGrad: true });
 * x.mul(x).sum().backward();
 * ```
 */
export function ready(): Promise<string> {
  if (!pending) {
    const p = (async () => {
      await loadArena();
      await compileThreadsModule();
      return getBackend().name;
    })();
    pending = p;
    p.catch(() => {
      if (pending === p) pending = undefined;
    });
  }
  return pending;
}
