import { afterAll, afterEach, beforeAll, vi } from 'vitest';
import type { DType, TypedArray } from '../../src/dtype.js';
import { wasmTuning } from '../../src/kernels/wasm/index.js';

export { rng } from './inputs.js';

/**
 * Every size threshold of `wasmTuning` below which the wasm backend hands a call to the TS backend, set to 0:
 * with these, even one-element inputs run the SIMD kernels.
 *
 * @example
 * ```ts
 * Object.assign(wasmTuning, EVERY_SIZE);
 * ```
 */
export const EVERY_SIZE = {
  minArith: 0, minSimple: 0, minCostly: 0, minReduce: 0, minOptim: 0, minMatmul: 0,
} as const satisfies Partial<typeof wasmTuning>;

/**
 * Set the WASM size thresholds to 0 for the file's tests (see `EVERY_SIZE`), so that even one-element inputs
 * run the SIMD kernels rather than the TS fallback, and restore them (and any spies) afterwards. Returns the
 * defaults.
 *
 * @example
 * ```ts
 * runWasmKernelsAtEverySize();
 * ```
 */
export function runWasmKernelsAtEverySize(): Readonly<typeof wasmTuning> {
  const saved = { ...wasmTuning };
  beforeAll(() => {
    Object.assign(wasmTuning, EVERY_SIZE);
  });
  afterAll(() => {
    Object.assign(wasmTuning, saved);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  return saved;
}

/**
 * The dtype whose CPU buffers are arrays like `a` (bool for Uint8Array).
 *
 * @example
 * ```ts
 * dtypeOf(new Float32Array(2)); // 'float32'
 * ```
 */
export function dtypeOf(a: TypedArray): DType {
  if (a instanceof Float32Array) return 'float32';
  if (a instanceof Float64Array) return 'float64';
  if (a instanceof Int32Array) return 'int32';
  return 'bool';
}
