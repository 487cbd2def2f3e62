// The 'webgpu' device: initialisation, availability, memory statistics and teardown. Exported as `webgpu`.
import { registerBackend, unregisterDevice } from './kernels/index.js';
import { openWebgpu, type Gpu, type GpuContext, type PoolStats, type WebgpuInfo } from './kernels/webgpu/index.js';
import { checkOptions } from './options.js';
// Modules that deal in tensors load the op table, so that they work when imported alone.
import './autograd/record.js';

export type { Gpu, WebgpuInfo, PoolStats };

/** Options of `webgpu.init`. */
export interface WebgpuInitOptions {
  /** The WebGPU entry point: `navigator.gpu` by default; in Node, `create([])` of the `webgpu` package. */
  readonly gpu?: Gpu;
  /** Which adapter to ask for when there are several. */
  readonly powerPreference?: 'low-power' | 'high-performance';
  /**
   * A full garbage collection, which the device runs at a read-back when its buffer pool had to grow, so that the
   * buffers of unreachable tensors come back before the next step (GPU memory does not make the JS heap fill up, so
   * the collector alone may wait long). Default: `globalThis.gc` where it exists (Node with `--expose-gc`); pass
   * `null` to leave collection to the JS engine.
   */
  readonly collect?: (() => void) | null;
}

let state: { context: GpuContext; info: WebgpuInfo } | null = null;
let opening: Promise<WebgpuInfo> | null = null;

/**
 * Open a WebGPU device and register the `'webgpu'` device on it. Resolves with the adapter's description; rejects
 * with a clear message when there is no WebGPU or no adapter. Calling it again while the device is open resolves
 * with the same description.
 *
 * @example
 * ```ts
 * import { webgpu, randn } from 'adjoint';
 * await webgpu.init();                            // a browser: navigator.gpu
 * // Node: import { create } from 'webgpu'; await webgpu.init({ gpu: create([]) });
 * const x = randn([64, 64], { device: 'webgpu' });
 * await x.matmul(x).sum().itemAsync();
 * ```
 */
export async function init(opts: WebgpuInitOptions = {}): Promise<WebgpuInfo> {
  checkOptions('webgpu.init', opts, { gpu: 'object', powerPreference: ['low-power', 'high-performance'], collect: 'function|null' });
  if (state !== null && state.context.alive) return state.info;
  if (opening !== null) return opening;
  const gpu = opts.gpu ?? (globalThis as { navigator?: { gpu?: Gpu } }).navigator?.gpu;
  if (gpu === undefined) {
    throw new Error(
      'webgpu.init: WebGPU is not available here: there is no navigator.gpu. In a browser, use one with WebGPU enabled ' +
        "(Chromium: --enable-unsafe-webgpu where it is not on by default); in Node, pass the entry point of the 'webgpu' " +
        "package: import { create } from 'webgpu'; await webgpu.init({ gpu: create([]) }).",
    );
  }
  opening = (async () => {
    const exposed = (globalThis as { gc?: unknown }).gc;
    const collect = opts.collect !== undefined ? opts.collect : typeof exposed === 'function' ? () => (exposed as () => void)() : null;
    const { backend, context, info } = await openWebgpu(gpu, opts.powerPreference, collect);
    state = { context, info };
    registerBackend(backend);
    return info;
  })();
  try {
    return await opening;
  } finally {
    opening = null;
  }
}

/**
 * True when the `'webgpu'` device is open (`init` succeeded, and it was neither destroyed nor lost).
 *
 * @example
 * ```ts
 * const device = webgpu.isAvailable() ? 'webgpu' : 'cpu';
 * ```
 */
export function isAvailable(): boolean {
  return state !== null && state.context.alive;
}

/**
 * The adapter the open device runs on, or null.
 *
 * @example
 * ```ts
 * webgpu.info()?.isFallbackAdapter; // true on SwiftShader
 * ```
 */
export function info(): WebgpuInfo | null {
  return state === null ? null : state.info;
}

function context(op: string): GpuContext {
  if (state === null) throw new Error(`webgpu.${op}: the 'webgpu' device is not open; await webgpu.init() first.`);
  return state.context;
}

/**
 * The GPU buffer pool's bytes: live (owned by reachable tensors), pooled (free, for reuse) and their peaks.
 *
 * @example
 * ```ts
 * webgpu.memory().peakBytes;
 * ```
 */
export function memory(): PoolStats {
  return context('memory').pool.stats();
}

/**
 * Free the buffers the pool keeps for reuse (those no tensor owns), as PyTorch's `torch.cuda.empty_cache()`, and
 * return their bytes. Buffers of tensors that are unreachable but not yet collected are not among them. Rarely
 * needed: the pool reuses its buffers; use it to hand GPU memory back to other work, or before measuring a peak.
 *
 * @example
 * ```ts
 * webgpu.emptyCache();
 * webgpu.resetPeakMemory();
 * // ... run the loop to measure, then read webgpu.memory().peakBytes
 * ```
 */
export function emptyCache(): number {
  return context('emptyCache').emptyCache();
}

/**
 * Start measuring `memory()`'s peaks from now.
 *
 * @example
 * ```ts
 * webgpu.resetPeakMemory();
 * ```
 */
export function resetPeakMemory(): void {
  context('resetPeakMemory').pool.resetPeak();
}

/**
 * Work issued so far: kernel dispatches, command-buffer submits (many dispatches go in one submit), and the full
 * garbage collections the device ran at read-backs to get dead tensors' buffers back (see `WebgpuInitOptions.collect`).
 *
 * @example
 * ```ts
 * const { dispatches, submits, collections } = webgpu.stats();
 * ```
 */
export function stats(): { readonly dispatches: number; readonly submits: number; readonly collections: number } {
  const c = context('stats');
  return { dispatches: c.dispatches, submits: c.submits, collections: c.collections };
}

/**
 * Wait for the reads in flight, then destroy the device and remove the `'webgpu'` device (the default device
 * becomes `'cpu'` if it was `'webgpu'`). Tensors still on it can no longer be used. Call it before a Node process
 * exits: some drivers crash at exit with a read-back still mapped.
 *
 * @example
 * ```ts
 * await webgpu.destroy();
 * ```
 */
export async function destroy(): Promise<void> {
  if (state === null) return;
  const { context: ctx } = state;
  state = null;
  unregisterDevice('webgpu');
  await ctx.destroy();
}
