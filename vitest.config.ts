import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The default reporter for people, plus one plain closing line ("N passed, N failed") that CI reads.
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 60_000,
    // Memory tests call gc() to prove that dropped graphs are collected.
    execArgv: ['--expose-gc'],
  },
});
