// The ingest CLI writing to PostgreSQL (COPY batches), SIGKILLed twice mid-ingest and rerun: the result is exactly
// what one uninterrupted run produces — the same papers, the same vector bytes, and a change log naming every
// vector (so every replica's index, which follows that log, ends up with all of them).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, jsonlLines, ROOT, runCli, SEED_ARXIV } from './fault-helpers.js';
import { newPgDatabase } from './engines.js';
import { tempDir } from './helpers.js';

const DATASET = path.resolve(ROOT, '../shared/data/arxiv-cs-daily/papers-2026.jsonl.gz');
const PAPERS = 1200;
const BATCH = '25';
const ADMIN = 'pg-crash-admin-token-0123456789';
let file: string;
let lines: string[];
let pools: pg.Pool[] = [];

const env = (url: string) => ({ DATABASE_URL: url, ADMIN_TOKEN: ADMIN, INGEST_BATCH_SIZE: BATCH, EMBED_MODEL: 'glove-sif-100d' });
const pool = (url: string) => {
  const p = new pg.Pool({ connectionString: url, max: 2 });
  pools.push(p);
  return p;
};
const count = async (p: pg.Pool, sql: string) => Number((await p.query(sql)).rows[0].n);

/** Starts the CLI and SIGKILLs it once at least `atRows` papers are committed; resolves with the rows left then. */
async function ingestKilledAt(url: string, atRows: number): Promise<number> {
  const db = pool(url);
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, file], { cwd: ROOT, env: { ...process.env, DATA_DIR: tempDir(), ...env(url) }, stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the CLI finished (exit ${child.exitCode}) before ${atRows} papers were committed`);
    const rows = await count(db, 'SELECT count(*) AS n FROM papers').catch(() => 0); // the schema may not exist yet
    if (rows >= atRows) break;
    await new Promise((r) => setTimeout(r, 20)); // polling the database with the child's exit as the deadline
  }
  child.kill('SIGKILL');
  await exited;
  return count(db, 'SELECT count(*) AS n FROM papers');
}

/** Every paper's stored fields and vector bytes, by id; and whether each vector's seq is in the change log. */
async function contents(url: string) {
  const db = pool(url);
  const { rows } = await db.query<{ id: string; title: string; abstract: string; published: string; categories: string[]; content_hash: string; vec: Buffer; logged: boolean }>(
    `SELECT p.id, p.title, p.abstract, p.published, p.categories, p.content_hash, v.vec,
            EXISTS (SELECT 1 FROM changes c WHERE c.paper_seq = p.seq) AS logged
       FROM papers p LEFT JOIN vectors v ON v.paper_seq = p.seq ORDER BY p.id`,
  );
  return rows.map((r) => ({ ...r, vec: r.vec?.toString('base64') ?? null }));
}

describe('PostgreSQL: the ingest CLI killed mid-ingest', () => {
  beforeAll(async () => {
    const dir = tempDir();
    file = path.join(dir, 'papers.jsonl');
    lines = await jsonlLines(fs.existsSync(DATASET) ? DATASET : SEED_ARXIV, PAPERS);
    fs.writeFileSync(file, `${lines.join('\n')}\n`);
  });
  afterAll(async () => {
    await Promise.all(pools.map((p) => p.end()));
    pools = [];
  });

  it('finishes exactly on a rerun: the same papers, vector bytes and change log as one uninterrupted run', { timeout: 300_000 }, async () => {
    const reference = await newPgDatabase();
    const once = await runCli(tempDir(), [file], env(reference));
    expect(once.code, once.stderr).toBe(0);
    const expected = await contents(reference);
    expect(expected.length).toBeGreaterThan(lines.length * 0.9); // the real data set, or the bundled sample without it

    const crashed = await newPgDatabase();
    const step = Math.ceil(expected.length / 6);
    const first = await ingestKilledAt(crashed, step);
    const second = await ingestKilledAt(crashed, first + step);
    console.log(`killed with ${first} and ${second} of ${expected.length} papers committed`);
    expect(second).toBeLessThan(expected.length); // both kills really were mid-ingest
    const rerun = await runCli(tempDir(), [file], env(crashed));
    expect(rerun.code, rerun.stderr).toBe(0);

    const got = await contents(crashed);
    expect(got).toEqual(expected);
    expect(got.every((p) => p.vec !== null && p.logged)).toBe(true);
    const db = pool(crashed);
    // Committed batches are whole: nothing half-written survives a kill (no paper without its vector, no orphan change).
    expect(await count(db, 'SELECT count(*) AS n FROM changes c WHERE NOT EXISTS (SELECT 1 FROM vectors v WHERE v.paper_seq = c.paper_seq)')).toBe(0);
    expect(await count(db, 'SELECT count(*) AS n FROM paper_search')).toBe(expected.length);
  });
});
