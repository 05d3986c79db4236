import { coalescing } from './index/coalesce.js';
import { restoreSnapshot, startSnapshotPublisher } from './index/snapshot-sync.js';
import type { Runtime } from './runtime.js';
import { indexDir, indexSnapshotsOf, watchChanges } from './store/open-engine.js';
import type { ChangeWatch } from './store/pg/listen.js';

export interface ReplicaSync {
  /** Before the index loads: fetch the shared snapshot if it is newer than this process's saved index. */
  beforeIndexLoad(): Promise<void>;
  /** After: follow other replicas' writes as they commit, and offer our index as the shared snapshot now and then. */
  start(): void;
  stop(): Promise<void>;
}

/**
 * What a replica on PostgreSQL does beyond one process on SQLite: index snapshots shared through the database, and
 * the change log followed through LISTEN/NOTIFY (the INDEX_SYNC_MS poll stays as the safety net). A no-op on SQLite.
 */
export function replicaSync(runtime: Runtime): ReplicaSync {
  const { engine, index, embedder, config, log } = runtime;
  const snapshots = indexSnapshotsOf(engine);
  const dir = indexDir(config.DATA_DIR, engine);
  let watch: ChangeWatch | undefined;
  let stopPublishing: (() => void) | undefined;
  return {
    async beforeIndexLoad() {
      if (!snapshots) return;
      const restored = await restoreSnapshot(snapshots, dir, embedder.modelKey, log).catch((err) => log(`index snapshot not used: ${err.message}`));
      if (restored) index.useRestored(restored);
    },
    start() {
      const catchUp = coalescing(() => index.catchUp(), (err) => log(`index catch-up failed: ${err.message}`));
      watch = watchChanges(engine, catchUp, log);
      if (snapshots) stopPublishing = startSnapshotPublisher({ snapshots, dir, model: embedder.modelKey, save: () => index.save(), log });
    },
    async stop() {
      stopPublishing?.();
      await watch?.close();
    },
  };
}
