import { existsSync } from 'node:fs';
import { configDefaults, defineConfig } from 'vitest/config';

// The WebGPU project runs over a CPU Vulkan driver where no GPU is present: SwiftShader, which Debian's chromium
// package ships. A VK_ICD_FILENAMES already set (lavapipe, a real GPU's driver) wins.
const SWIFTSHADER = '/usr/lib/chromium/vk_swiftshader_icd.json';
const vulkanEnv: Record<string, string> =
  process.env.VK_ICD_FILENAMES === undefined && existsSync(SWIFTSHADER) ? { VK_ICD_FILENAMES: SWIFTSHADER } : {};

export default defineConfig({
  test: {
    // The default reporter for people, plus one plain closing line ("N passed, N failed") that CI reads.
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 60_000,
    // Memory tests call gc() to prove that dropped graphs are collected.
    execArgv: ['--expose-gc'],
    projects: [
      { extends: true, test: { name: 'cpu', include: ['test/**/*.test.ts'], exclude: [...configDefaults.exclude, 'test/webgpu/**'] } },
      {
        // The seam, proven: the generated suites, the engine tests and the elementwise PyTorch fixtures again, with every tensor on a test-only
        // backend that keeps its buffers behind opaque handles and completes work asynchronously (as a GPU would).
        extends: true,
        test: {
          name: 'opaque',
          include: ['test/ops.test.ts', 'test/higher-order.test.ts', 'test/engine.test.ts', 'test/opaque.test.ts', 'test/elementwise-fixtures.test.ts',
            'test/indexing-fixtures.test.ts', 'test/reductions.test.ts', 'test/reductions-torch.test.ts'],
          setupFiles: ['./test/support/use-opaque.ts'],
        },
      },
      {
        // The 'webgpu' device through Dawn's Node bindings (the `webgpu` package): the generated op suite against
        // the CPU in float32, the engine, read-back, memory and an MNIST training run. Skipped, saying why, where
        // no adapter exists, except under CI (CI=1), where that is a failure.
        extends: true,
        test: {
          name: 'webgpu',
          include: ['test/webgpu/**/*.test.ts'],
          setupFiles: ['./test/support/use-webgpu.ts'],
          env: vulkanEnv,
          // One device per file, files one at a time: a software GPU is one more CPU user on a small machine.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
