// Which backends the generated suites run on. The default test project runs every CPU backend (ts, and wasm
// where WebAssembly SIMD exists); the 'opaque' project (vitest.config.ts) runs them on the opaque device
// backend of opaque-backend.ts, which its setup file registers and selects.
import { listBackends, listDevices, setBackend, setDefaultDevice } from '../../src/index.js';

/**
 * The backends a generated suite should cover in this test project.
 *
 * @example
 * ```ts
 * for (const backend of testBackends()) describe(`backend ${backend}`, () => { ... });
 * ```
 */
export function testBackends(): string[] {
  return process.env.ADJOINT_TEST_BACKEND ? [process.env.ADJOINT_TEST_BACKEND] : listBackends().filter((b) => b !== 'opaque');
}

/**
 * Make `name` the backend new tensors use: a CPU backend ('ts', 'wasm') on the 'cpu' device, or the backend of a
 * device of its own (the 'opaque' test device), which becomes the default device.
 *
 * @example
 * ```ts
 * useBackend('opaque');
 * ```
 */
export function useBackend(name: string): void {
  if (listDevices().includes(name)) {
    setDefaultDevice(name);
  } else {
    setBackend(name);
    setDefaultDevice('cpu');
  }
}
