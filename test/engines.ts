// Which storage engine the API and port tests run against: the vitest project "postgres" sets
// PAPERFEED_TEST_ENGINE=postgres and starts one throwaway cluster (test/pg-global-setup.ts); each server or engine
// a test opens gets a new empty database in it.
import fs from 'node:fs';
import path from 'node:path';
import { expect, inject } from 'vitest';
import type { RunningServer } from '../src/server.js';
import { loadConfig, type Config } from '../src/config.js';
import type { Engine, StoredPaper } from '../src/store/ports.js';
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

/** loadConfig for a test server on the engine under test (a fresh database for PostgreSQL, with an admin token). */
export async function testConfig(env: Record<string, string>): Promise<Config> {
  const pg = TEST_ENGINE === 'postgres' ? { ...(await engineEnv()), ADMIN_TOKEN: 'pg-test-admin-token-0123456789' } : {};
  // The built-in sources stay off in tests: they would reach out to arXiv and Hugging Face.
  return loadConfig({ SYNC_SCHEDULE: 'off', ...pg, ...env });
}

/** Every paper that has a vector of the bound model (all of them, for papers ingested normally), through the ports. */
export async function allPapers(engine: Engine): Promise<StoredPaper[]> {
  const info = await engine.model.info();
  const seqs: number[] = [];
  for await (const { seq } of engine.changes.allVectors(info!.model)) seqs.push(seq);
  return engine.papers.bySeqs(seqs);
}

/** One paper by id, through the ports. */
export async function paperOf(engine: Engine, id: string): Promise<StoredPaper | undefined> {
  return (await engine.papers.byIds([id]))[0];
}

/** What the engine under a server stores about users, as text: the SQLite files, or every users row in PostgreSQL. */
export async function storedUserBytes(server: RunningServer, dataDir: string): Promise<string[]> {
  const { engine } = server.runtime;
  if (engine instanceof PostgresEngine) {
    const { rows } = await engine.pool.query<{ row: string }>('SELECT u::text AS row FROM users u');
    expect(rows.length).toBeGreaterThan(0);
    return rows.map((r) => r.row);
  }
  (engine as SqliteEngine).sqlite.db.pragma('wal_checkpoint(FULL)');
  return ['paperfeed.db', 'paperfeed.db-wal']
    .map((f) => path.join(dataDir, f))
    .filter((f) => fs.existsSync(f))
    .map((f) => fs.readFileSync(f).toString('latin1'));
}
