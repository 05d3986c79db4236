// The source tests' shared set-up: a fake upstream, a runtime on an empty store of the engine under test (SQLite,
// or a fresh PostgreSQL database: test/engines.ts) and the run dependencies; after each test the store and the
// upstream's request log are emptied.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { sourceDeps, sourceEngineOf } from '../src/ingest/sources/build.js';
import type { RunDeps } from '../src/ingest/sources/run.js';
import { openRuntime, type Runtime } from '../src/runtime.js';
import type { StoredPaper } from '../src/store/ports.js';
import { PostgresEngine } from '../src/store/postgres-engine.js';
import type { SqliteEngine } from '../src/store/sqlite-engine.js';
import { paperOf, testConfig } from './engines.js';
import { FakeUpstream, type Handler } from './fake-upstream.js';
import { tempDir } from './helpers.js';

export interface SourceHarness {
  upstream: FakeUpstream;
  runtime: Runtime;
  deps: RunDeps;
  count(): Promise<number>;
  paper(id: string): Promise<StoredPaper | undefined>;
  /** A paper's vector of the runtime's model. */
  vector(seq: number): Promise<Float32Array | undefined>;
  /** The change log's head. */
  head(): Promise<number>;
}

export function sourceHarness(handler?: Handler): SourceHarness {
  const h = {
    count: () => h.runtime.engine.papers.count(),
    paper: (id: string) => paperOf(h.runtime.engine, id),
    vector: async (seq: number) => (await h.runtime.engine.papers.vectors([seq], h.runtime.embedder.modelKey))[0],
    head: () => h.runtime.engine.changes.head(),
  } as SourceHarness;
  beforeAll(async () => {
    h.upstream = await FakeUpstream.start(handler);
    h.runtime = await openRuntime(await testConfig({ DATA_DIR: tempDir(), SEED_ON_EMPTY: 'false' }), () => {});
    h.deps = sourceDeps(sourceEngineOf(h.runtime));
  });
  afterAll(async () => {
    await h.upstream.close();
    await h.runtime.close();
  });
  afterEach(async () => {
    h.upstream.requests.length = 0;
    const { engine } = h.runtime;
    const reset = 'DELETE FROM papers; DELETE FROM source_state;';
    if (engine instanceof PostgresEngine) await engine.pool.query(reset);
    else (engine as SqliteEngine).sqlite.db.exec(reset);
  });
  return h;
}
