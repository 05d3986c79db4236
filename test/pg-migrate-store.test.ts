// npm run migrate-store: a SQLite store copied into PostgreSQL, interrupted and resumed, every row and credential
// intact, counts checked; the CLI end to end.
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/config.js';
import { copySqliteToPostgres } from '../src/store/pg/copy-from-sqlite.js';
import { PostgresEngine } from '../src/store/postgres-engine.js';
import { SqliteEngine } from '../src/store/sqlite-engine.js';
import { newPgDatabase } from './engines.js';
import { paper, rng, tempDir, unitVector } from './helpers.js';

const run = promisify(execFile);
const CLI = path.join(PROJECT_ROOT, 'src', 'migrate-store-cli.ts');
const TSX = path.join(PROJECT_ROOT, 'node_modules', '.bin', 'tsx');

async function sqliteStore() {
  const dir = tempDir();
  const engine = SqliteEngine.open(dir);
  await engine.model.bind('m', 8);
  const next = rng(3);
  const writes = Array.from({ length: 4500 }, (_, i) => ({
    paper: paper(`mig-${i}`, { categories: ['cs.LG', `cs.X${i % 3}`], authors: [`A ${i}`], upvotes: i % 5 ? null : i }),
    contentHash: `h${i}`,
    vector: unitVector(8, next),
  }));
  await engine.writes.writeBatch(writes, 'm', 8);
  await engine.writes.deletePaper('mig-7'); // a gap in the seqs
  const ada = await engine.users.create('Ada');
  const bob = await engine.users.create('Bob');
  await engine.users.addStar(ada.user.id, 'mig-1');
  await engine.users.addStar(ada.user.id, 'mig-2');
  await engine.users.addFeedback(bob.user.id, 'mig-3', 'not_interested');
  const feedKey = await engine.users.createFeedKey(bob.user.id);
  return { dir, engine, ada, bob, feedKey };
}

describe('migrate-store (SQLite → PostgreSQL)', () => {
  it('copies everything, resumes after an interruption, and the copy answers like the original', async () => {
    const src = await sqliteStore();
    const target = await PostgresEngine.open(await newPgDatabase());
    try {
      // Interrupted after the first page (the log line after each committed page throws).
      let pages = 0;
      await expect(copySqliteToPostgres(src.dir, target.pool, () => {
        if (++pages === 1) throw new Error('interrupted');
      })).rejects.toThrow('interrupted');
      expect(await target.papers.count()).toBe(2000);
      const resumed = await copySqliteToPostgres(src.dir, target.pool, () => {});
      expect(resumed).toMatchObject({ papers: 4499, vectors: 4499, users: 2, stars: 2, feedback: 1 });
      expect(resumed.written).toBe(2 * 2499 + 2 + 2 + 1); // only what the first run had not copied
      const again = await copySqliteToPostgres(src.dir, target.pool, () => {});
      expect(again.written).toBe(0);

      const ids = ['mig-0', 'mig-5', 'mig-7', 'mig-4499', 'mig-4498'];
      expect(await target.papers.byIds(ids)).toEqual(await src.engine.papers.byIds(ids));
      const seqs = (await src.engine.papers.byIds(['mig-0', 'mig-4498'])).map((p) => p!.seq);
      expect(await target.papers.vectors(seqs, 'm')).toEqual(await src.engine.papers.vectors(seqs, 'm'));
      expect(await target.model.info()).toEqual({ model: 'm', dim: 8 });
      expect(await target.users.userForToken(src.ada.token)).toBe(src.ada.user.id);
      expect(await target.users.userForFeedKey(src.feedKey)).toBe(src.bob.user.id);
      expect(await target.users.listStars(src.ada.user.id, 10, 0)).toEqual(await src.engine.users.listStars(src.ada.user.id, 10, 0));
      expect(await target.users.feedbackIds(src.bob.user.id, 'not_interested')).toEqual(['mig-3']);
      // Every copied vector is in the change log (followers pick the copy up); new papers get seqs after the copy's.
      expect(await target.changes.head()).toBe(4499);
      await target.writes.writeBatch([{ paper: paper('after-copy'), contentHash: 'n', vector: unitVector(8, rng(1)) }], 'm', 8);
      expect((await target.papers.byIds(['after-copy']))[0]!.seq).toBeGreaterThan(4500);
      expect((await target.papers.keywordSearch('paper mig-9', 3, {})).length).toBeGreaterThan(0);
    } finally {
      await target.close();
      await src.engine.close();
    }
  });

  it('runs as npm run migrate-store, refusing a bad URL and a database holding other papers', async () => {
    const src = await sqliteStore();
    await src.engine.close();
    const url = await newPgDatabase();
    const env = { ...process.env, DATA_DIR: src.dir };
    const { stdout } = await run(TSX, [CLI, '--to', url], { env });
    expect(stdout).toMatch(/4499 papers, 4499 vectors, 2 users, 2 stars, 1 feedback .*counts checked/);
    await expect(run(TSX, [CLI, '--to', 'mysql://x'], { env })).rejects.toMatchObject({ stderr: expect.stringMatching(/--to must be a postgres:\/\/ URL/) });
    const other = await sqliteStore();
    await other.engine.close();
    await expect(run(TSX, [CLI, '--to', url], { env: { ...env, DATA_DIR: other.dir } })).rejects.toMatchObject({
      stderr: expect.stringMatching(/already holds 4499 papers that were not copied from/),
    });
  });
});
