import { afterAll, afterEach, beforeAll, vi } from 'vitest';
import { wasmTuning } from '../../src/kernels/wasm/index.js';

/**
 * A small seeded generator (mulberry32) for kernel tests: uniform in [0, 1).
 *
 * @example
 * ```ts
 * const r = rng(1); r();
 * ```
 */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Set the WASM size thresholds to 0 for the file's tests, so that even one-element inputs run the SIMD
 * kernels rather than the TS fallback, and restore them (and any spies) afterwards. Returns the defaults.
 *
 * @example
 * ```ts
 * runWasmKernelsAtEverySize();
 * ```
 */
export function runWasmKernelsAtEverySize(): Readonly<typeof wasmTuning> {
  const saved = { ...wasmTuning };
  beforeAll(() => {
    Object.assign(wasmTuning, { minArith: 0, minSimple: 0, minCostly: 0, minReduce: 0, minMatmul: 0, minOptim: 0 });
  });
  afterAll(() => {
    Object.assign(wasmTuning, saved);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  return saved;
}
