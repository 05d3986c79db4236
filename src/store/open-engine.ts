import path from 'node:path';
import type { Engine } from './ports.js';
import { PostgresEngine } from './postgres-engine.js';
import { watchChangeLog, type ChangeWatch } from './pg/listen.js';
import { pgIndexSnapshots, type IndexSnapshots } from './pg/snapshots.js';
import { SqliteEngine } from './sqlite-engine.js';

/** The configured engine: PostgreSQL when DATABASE_URL is set, else the SQLite file in DATA_DIR (the default). */
export async function openEngine(config: { DATABASE_URL?: string; DATA_DIR: string }): Promise<Engine> {
  return config.DATABASE_URL ? PostgresEngine.open(config.DATABASE_URL) : SqliteEngine.open(config.DATA_DIR);
}

/** Where this process keeps its index cache: DATA_DIR/index for SQLite, one folder per database for PostgreSQL. */
export function indexDir(dataDir: string, engine: Engine): string {
  return path.join(dataDir, engine instanceof PostgresEngine ? `index-${engine.storeId}` : 'index');
}

/**
 * Follows writes by other processes as they commit (PostgreSQL: LISTEN/NOTIFY, with a reconnecting listener);
 * undefined for SQLite, where the index follows the file on its INDEX_SYNC_MS timer alone.
 */
export function watchChanges(engine: Engine, onChange: () => void, log: (msg: string) => void): ChangeWatch | undefined {
  return engine instanceof PostgresEngine ? watchChangeLog(engine.url, onChange, log) : undefined;
}

/** Where replicas share index snapshots (PostgreSQL); undefined for SQLite, whose one process keeps its own file. */
export function indexSnapshotsOf(engine: Engine): IndexSnapshots | undefined {
  return engine instanceof PostgresEngine ? pgIndexSnapshots(engine.pool) : undefined;
}
