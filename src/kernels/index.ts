import type { Backend } from './backend.js';
import { tsBackend } from './ts/index.js';
import { wasmBackend, wasmSupported } from './wasm/index.js';

const backends = new Map<string, Backend>([['ts', tsBackend]]);
let current: Backend = tsBackend;
// WebAssembly SIMD is the default wherever it exists; the TS kernels remain the fallback and the oracle.
if (wasmSupported()) {
  backends.set('wasm', wasmBackend);
  current = wasmBackend;
}

/**
 * The backend that runs kernels now.
 *
 * @example
 * ```ts
 * getBackend().name; // 'wasm' where WebAssembly SIMD exists, else 'ts'
 * ```
 */
export function getBackend(): Backend {
  return current;
}

/**
 * Make a backend available to `setBackend` under its name.
 *
 * @example
 * ```ts
 * registerBackend(myBackend);
 * ```
 */
export function registerBackend(backend: Backend, makeCurrent = false): void {
  backends.set(backend.name, backend);
  if (makeCurrent) current = backend;
}

/**
 * Choose the backend for all following operations: `'ts'` (pure TypeScript) or `'wasm'` (WebAssembly SIMD).
 * Tensors are plain typed arrays, so tensors made under one backend work under the other.
 *
 * @example
 * ```ts
 * setBackend('ts');
 * ```
 */
export function setBackend(name: string): void {
  const b = backends.get(name);
  if (!b) {
    throw new Error(`setBackend: unknown backend '${name}'. Available: ${[...backends.keys()].map((k) => `'${k}'`).join(', ')}.`);
  }
  current = b;
}

/** Names of the registered backends. @example `listBackends() // ['ts', 'wasm']` */
export function listBackends(): string[] {
  return [...backends.keys()];
}
