// Setup of the 'webgpu' test project: open a WebGPU device through the `webgpu` package (Dawn's Node bindings) and
// make it the default device. Where that is impossible (no package, no Vulkan driver, no adapter) the tests skip,
// and the reason is printed; under CI (CI=1) the reason is an error instead, so CI never passes without the GPU part.
import { afterAll } from 'vitest';
import { setDefaultDevice, webgpu } from '../../src/index.js';

let reason: string | null = null;
try {
  const { create } = (await import('webgpu')) as { create: (flags: string[]) => unknown };
  const info = await webgpu.init({ gpu: create([]) as never });
  setDefaultDevice('webgpu');
  process.env.ADJOINT_WEBGPU_ADAPTER = `${info.vendor} ${info.architecture} (${info.description})${info.isFallbackAdapter ? ', fallback adapter' : ''}`;
} catch (e) {
  reason = e instanceof Error ? e.message : String(e);
}
if (reason !== null) {
  if (process.env.CI) throw new Error(`the 'webgpu' test project cannot run: ${reason}`);
  process.env.ADJOINT_WEBGPU_SKIP = reason;
  console.warn(`[webgpu] skipping the WebGPU tests: ${reason}`);
}

afterAll(async () => {
  // Destroyed before the worker exits: an unfinished map at exit crashes Node on these drivers.
  await webgpu.destroy();
});
