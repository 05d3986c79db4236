import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds dist/ once (the production entry point some tests start).
    globalSetup: ['test/global-setup.ts'],
    // Integration tests load the real model, build model variants and spawn real processes.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Two cores: files that each spawn processes or parse the 300 MB word-vector file should not all run at once.
    maxWorkers: 2,
  },
});
