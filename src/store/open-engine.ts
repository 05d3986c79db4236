import path from 'node:path';
import type { Engine } from './ports.js';
import { PostgresEngine } from './postgres-engine.js';
import { SqliteEngine } from './sqlite-engine.js';

/** The configured engine: PostgreSQL when DATABASE_URL is set, else the SQLite file in DATA_DIR (the default). */
export async function openEngine(config: { DATABASE_URL?: string; DATA_DIR: string }): Promise<Engine> {
  return config.DATABASE_URL ? PostgresEngine.open(config.DATABASE_URL) : SqliteEngine.open(config.DATA_DIR);
}

/** Where this process keeps its index cache: DATA_DIR/index for SQLite, one folder per database for PostgreSQL. */
export function indexDir(dataDir: string, engine: Engine): string {
  return path.join(dataDir, engine instanceof PostgresEngine ? `index-${engine.storeId}` : 'index');
}
