import { threadPool, type Pool, type SharedExports } from './threads.js';
import type { Arena } from './arena.js';
import { getArena } from './load.js';

/**
 * Where a staged call runs: the private instance's arena (every kernel), or the worker pool's, whose module runs its
 * kernels only as the pool's jobs.
 */
export type Staged = { readonly ar: Arena; readonly pool: null } | { readonly ar: Arena<SharedExports>; readonly pool: Pool };

/**
 * The first step of every wasm kernel call: reserve wasm memory for its operands, on the worker pool's shared
 * memory when `parallel` (the call can be split and is large enough) and threads are on, else on the private
 * single-threaded instance. `bytes(slots)` is what the call needs with `slots` per-thread scratch areas (1 off
 * the pool). Null when neither memory can hold it: the caller then runs the TS kernel. The rest of the sequence
 * is `ar.put` (copy in), the export call, `ar.get` (copy out).
 *
 * @example
 * ```ts
 * const got = n < wasmTuning.minSimple ? null : stage(false, () => padded(n * 4));
 * if (!got) return tsBackend.clamp(...);
 * const p = got.ar.put(x);
 * got.ar.ex.clamp(p, p, n, lo, hi);
 * got.ar.get(p, out, n);
 * ```
 */
export function stage(parallel: false, bytes: (slots: number) => number): { readonly ar: Arena; readonly pool: null } | null;
export function stage(parallel: boolean, bytes: (slots: number) => number): Staged | null;
export function stage(parallel: boolean, bytes: (slots: number) => number): Staged | null {
  if (parallel) {
    const pool = threadPool();
    if (pool && pool.arena.begin(bytes(pool.slots))) {
      // Workers asleep since the last parallel call start waking now, while the operands are copied in.
      pool.wake();
      return { ar: pool.arena, pool };
    }
  }
  const ar = getArena();
  return ar && ar.begin(bytes(1)) ? { ar, pool: null } : null;
}
