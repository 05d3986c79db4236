// Which storage engine the API and port tests run against: the vitest project "postgres" sets
// PAPERFEED_TEST_ENGINE=postgres and starts one throwaway cluster (test/pg-global-setup.ts); each server or engine
// a test opens gets a new empty database in it.
import { inject } from 'vitest';
import type { Engine } from '../src/store/ports.js';
import { PostgresEngine } from '../src/store/postgres-engine.js';
import { SqliteEngine } from '../src/store/sqlite-engine.js';
import { PgAdmin } from './pg-cluster.js';
import { tempDir } from './helpers.js';

export type EngineName = 'sqlite' | 'postgres';

export const TEST_ENGINE: EngineName = process.env.PAPERFEED_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';

/** A new empty database in the project's cluster. */
export async function newPgDatabase(): Promise<string> {
  return new PgAdmin(inject('pgUrl')).createDatabase();
}

/** Environment for a server on the engine under test: {} for SQLite, a fresh DATABASE_URL for PostgreSQL. */
export async function engineEnv(): Promise<Record<string, string>> {
  return TEST_ENGINE === 'postgres' ? { DATABASE_URL: await newPgDatabase() } : {};
}

/** A new empty engine of this kind. */
export async function openTestEngine(name: EngineName): Promise<Engine> {
  return name === 'postgres' ? PostgresEngine.open(await newPgDatabase()) : SqliteEngine.open(tempDir());
}
