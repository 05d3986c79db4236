import { defineConfig } from 'vitest/config';

// Integration tests load the real model, build model variants and spawn real processes.
const timeouts = { testTimeout: 120_000, hookTimeout: 120_000 };
/** Files that run (only) against a throwaway PostgreSQL: the engine, replica and migration tests. */
const POSTGRES_ONLY = ['test/engine-ports.test.ts', 'test/pg-*.test.ts'];
/** Files that go through the storage ports or HTTP only: they run once per engine. */
const BOTH_ENGINES = [
  'test/api-users.test.ts',
  'test/api-feed.test.ts',
  'test/api-search.test.ts',
  'test/api-trending.test.ts',
  'test/api-atom.test.ts',
  'test/http.test.ts',
  'test/api-ops.test.ts',
  'test/fuzz.test.ts',
  'test/api-widget.test.ts',
  'test/api-similar-categories.test.ts',
  'test/api-collections.test.ts',
  'test/api-import.test.ts',
  'test/sources-arxiv.test.ts',
  'test/sources-hf.test.ts',
  'test/sources-server.test.ts',
  'test/digest-delivery.test.ts',
  'test/digest-crash.test.ts',
];

export default defineConfig({
  test: {
    // Two cores: files that each spawn processes or parse the 300 MB word-vector file should not all run at once.
    maxWorkers: 2,
    projects: [
      // global-setup builds dist/ once (the production entry point some tests start).
      { test: { name: 'sqlite', include: ['test/**/*.test.ts'], exclude: POSTGRES_ONLY, globalSetup: ['test/global-setup.ts'], ...timeouts } },
      {
        test: {
          name: 'postgres',
          include: [...POSTGRES_ONLY, ...BOTH_ENGINES],
          env: { PAPERFEED_TEST_ENGINE: 'postgres' },
          globalSetup: ['test/pg-global-setup.ts'],
          ...timeouts,
        },
      },
    ],
  },
});
