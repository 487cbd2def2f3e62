// The device switch of section 7: CPU (WebAssembly) or WebGPU. Whether WebGPU can be offered is found out once,
// when the page starts (navigator.gpu, then an adapter); the device itself is opened only when the reader picks it.
import { Tensor, webgpu } from '../../src/index.js';

/** The devices the page can train on. */
export type PageDevice = 'cpu' | 'webgpu';

/** Whether WebGPU can be offered, and if not, why not (shown next to the switch). */
export type WebgpuProbe = { readonly ok: true; readonly adapter: string } | { readonly ok: false; readonly reason: string };

/** Software adapters' names, for browsers that do not set isFallbackAdapter. */
const SOFTWARE = /swiftshader|llvmpipe|lavapipe|warp|software/i;

/** The adapter's names, as a reader would recognise them ("google swiftshader, a software adapter"). */
function describeAdapter(info: { vendor: string; architecture: string; device: string; description: string }, fallback: boolean): string {
  const name = [info.vendor, info.architecture, info.device || info.description].filter((s) => s !== '').join(' ') || 'an unnamed adapter';
  return fallback ? `${name}, a software adapter: correct, but slower than the CPU` : name;
}

/**
 * Ask the browser for WebGPU without opening a device: is there a `navigator.gpu`, and does it give an adapter?
 *
 * @example
 * ```ts
 * const probe = await probeWebgpu();
 * if (!probe.ok) note.textContent = probe.reason;
 * ```
 */
export async function probeWebgpu(): Promise<WebgpuProbe> {
  const gpu = (navigator as { gpu?: webgpu.Gpu }).gpu;
  if (gpu === undefined) {
    return {
      ok: false,
      reason: 'WebGPU is off: this browser has no WebGPU (navigator.gpu is missing' +
        (window.isSecureContext ? ')' : '; it exists only on secure pages, https or localhost)') +
        '. Chromium-based browsers have it on most platforms; on Linux, start Chromium with --enable-unsafe-webgpu.',
    };
  }
  try {
    const adapter = await gpu.requestAdapter();
    if (adapter === null) {
      return {
        ok: false,
        reason: 'WebGPU is off: the browser has WebGPU but offers no adapter (requestAdapter() gave none): no usable ' +
          'GPU, or WebGPU is blocked for this one. On Linux, Chromium offers one with --enable-unsafe-webgpu.',
      };
    }
    // A browser older than GPUAdapter.info has no names to show.
    const info = (adapter.info as typeof adapter.info | undefined) ?? { vendor: '', architecture: '', device: '', description: '', isFallbackAdapter: false };
    const fallback = adapter.isFallbackAdapter === true || info.isFallbackAdapter === true || SOFTWARE.test(`${info.vendor} ${info.architecture} ${info.description}`);
    return { ok: true, adapter: describeAdapter(info, fallback) };
  } catch (e) {
    return { ok: false, reason: `WebGPU is off: asking for an adapter failed (${e instanceof Error ? e.message : String(e)}).` };
  }
}

/**
 * Open the `'webgpu'` device (once) and describe its adapter.
 *
 * @example
 * ```ts
 * note.textContent = `Training on ${await openWebgpu()}.`;
 * ```
 */
export async function openWebgpu(): Promise<string> {
  const info = await webgpu.init();
  return describeAdapter(info, info.isFallbackAdapter);
}

/**
 * A copy of `value` with every tensor in it moved to `device`, reading back asynchronously (a GPU tensor cannot be
 * read synchronously). Numbers, strings and the structure of arrays, maps and plain objects are kept.
 *
 * @example
 * ```ts
 * const onCpu = await moveTensors(model.stateDict(), 'cpu');
 * ```
 */
export async function moveTensors<T>(value: T, device: PageDevice): Promise<T> {
  const move = async (v: unknown): Promise<unknown> => {
    if (v instanceof Tensor) return v.device === device ? v : v.toAsync(device);
    if (v instanceof Map) return new Map(await Promise.all([...v].map(async ([k, x]) => [k, await move(x)] as const)));
    if (Array.isArray(v)) return Promise.all(v.map(move));
    if (v !== null && typeof v === 'object') {
      return Object.fromEntries(await Promise.all(Object.entries(v).map(async ([k, x]) => [k, await move(x)] as const)));
    }
    return v;
  };
  return (await move(value)) as T;
}
