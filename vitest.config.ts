import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The default reporter for people, plus one plain closing line ("N passed, N failed") that CI reads.
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 60_000,
    // Memory tests call gc() to prove that dropped graphs are collected.
    execArgv: ['--expose-gc'],
    projects: [
      { extends: true, test: { name: 'cpu', include: ['test/**/*.test.ts'] } },
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
    ],
  },
});
