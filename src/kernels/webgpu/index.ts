// Opening a WebGPU device for the 'webgpu' backend: adapter, device with the adapter's buffer limits, context.
import type { Backend } from '../backend.js';
import { makeWebgpuBackend } from './backend.js';
import { GpuContext } from './context.js';
import type { Gpu, GpuAdapter } from './gpu-types.js';

export { GpuContext, GpuHandle } from './context.js';
export type { PoolStats } from './pool.js';
export type { Gpu, GpuAdapter, GpuAdapterInfo, GpuDevice } from './gpu-types.js';

/** What `webgpu.init()` resolves with: the adapter the device runs on. */
export interface WebgpuInfo {
  /** The adapter's vendor (`'nvidia'`, `'google'` for SwiftShader, …), as the adapter reports it. */
  readonly vendor: string;
  /** The adapter's architecture (`'ampere'`, `'swiftshader'`, …); may be empty. */
  readonly architecture: string;
  /** The adapter's device name; may be empty. */
  readonly device: string;
  /** A human-readable description of the adapter; may be empty. */
  readonly description: string;
  /** True for a software adapter (SwiftShader, lavapipe, WARP): correct but slow, never for timings. */
  readonly isFallbackAdapter: boolean;
  /** The adapter's optional features (`shader-f16`, `subgroups`, …). */
  readonly features: readonly string[];
  /** The largest storage buffer one kernel may bind, in bytes (bounds one tensor). */
  readonly maxBufferBytes: number;
}

/** A software adapter's names, for drivers that do not set `isFallbackAdapter`. */
const SOFTWARE = /swiftshader|llvmpipe|lavapipe|warp|software|mesa offscreen/i;

/**
 * Open a device on `gpu`'s adapter and make its backend.
 *
 * @example
 * ```ts
 * const { backend, context, info } = await openWebgpu(navigator.gpu);
 * ```
 */
export async function openWebgpu(gpu: Gpu, powerPreference?: 'low-power' | 'high-performance', collect: (() => void) | null = null): Promise<{ backend: Backend; context: GpuContext; info: WebgpuInfo }> {
  const adapter: GpuAdapter | null = await gpu.requestAdapter(powerPreference === undefined ? undefined : { powerPreference });
  if (adapter === null) {
    throw new Error(
      'webgpu.init: no WebGPU adapter is available (requestAdapter() gave null). In a browser, WebGPU may be disabled or ' +
        'unsupported; in Node, install a Vulkan, Metal or D3D12 driver (or SwiftShader: VK_ICD_FILENAMES=…/vk_swiftshader_icd.json). ' +
        "Tensors stay on the 'cpu' device meanwhile.",
    );
  }
  const limit = (name: string, fallback: number): number => adapter.limits[name] ?? fallback;
  const maxBinding = limit('maxStorageBufferBindingSize', 134217728);
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxStorageBufferBindingSize: maxBinding,
      maxBufferSize: Math.max(maxBinding, limit('maxBufferSize', 268435456)),
    },
  });
  const a = adapter.info;
  const isFallbackAdapter = a.isFallbackAdapter === true || adapter.isFallbackAdapter === true || SOFTWARE.test(`${a.vendor} ${a.architecture} ${a.description} ${a.device}`);
  const info: WebgpuInfo = {
    vendor: a.vendor,
    architecture: a.architecture,
    device: a.device,
    description: a.description,
    isFallbackAdapter,
    features: [...adapter.features].sort(),
    maxBufferBytes: maxBinding,
  };
  const context = new GpuContext(device, isFallbackAdapter, [gpu, adapter], collect);
  return { backend: makeWebgpuBackend(context), context, info };
}
