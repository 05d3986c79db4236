// The source tests' shared set-up: a fake upstream, a runtime on an empty temp store and the run dependencies; after
// each test the store and the upstream's request log are emptied.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { loadConfig } from '../src/config.js';
import { sourceDeps, sourceEngineOf } from '../src/ingest/sources/build.js';
import type { RunDeps } from '../src/ingest/sources/run.js';
import { openRuntime, type Runtime } from '../src/runtime.js';
import type { SqliteEngine } from '../src/store/sqlite-engine.js';
import type { SqliteStore } from '../src/store/store.js';
import { FakeUpstream, type Handler } from './fake-upstream.js';
import { tempDir } from './helpers.js';

export interface SourceHarness {
  upstream: FakeUpstream;
  runtime: Runtime;
  deps: RunDeps;
  sqlite(): SqliteStore;
}

export function sourceHarness(handler?: Handler): SourceHarness {
  const h = { sqlite: () => (h.runtime.engine as SqliteEngine).sqlite } as SourceHarness;
  beforeAll(async () => {
    h.upstream = await FakeUpstream.start(handler);
    h.runtime = await openRuntime(loadConfig({ DATA_DIR: tempDir(), SEED_ON_EMPTY: 'false' }), () => {});
    h.deps = sourceDeps(sourceEngineOf(h.runtime)!);
  });
  afterAll(async () => {
    await h.upstream.close();
    await h.runtime.close();
  });
  afterEach(() => {
    h.upstream.requests.length = 0;
    h.sqlite().db.exec('DELETE FROM papers; DELETE FROM source_state;');
  });
  return h;
}
