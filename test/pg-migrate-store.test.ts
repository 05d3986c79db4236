// npm run migrate-store: a SQLite store copied into PostgreSQL, interrupted and resumed, every row and credential
// intact (digests and the sources' checkpoints too), counts checked; the CLI end to end.
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
  const reading = (await engine.library.createCollection(ada.user.id, 'Reading group'))!;
  await engine.library.addToCollection(reading.id, 'mig-4');
  const shareKey = await engine.library.createShareKey(reading.id);
  const own = { title: 'My draft', abstract: 'Unpublished.', authors: ['Ada'], published: null, doi: '10.1/x', contentHash: 'o', model: 'm', vector: unitVector(8, next) };
  const { ownPaperIds } = await engine.library.importLibrary({ userId: ada.user.id, ownPapers: [own], paperIds: [], collectionId: reading.id });
  // A digest subscription with a sent digest of two papers and a used confirmation token; a source's checkpoint.
  const at = new Date('2026-12-07T12:00:00Z');
  const sub = await engine.digests.createSubscription({ kind: 'feed', userId: ada.user.id, email: 'ada@example.org', cadence: 'daily', hour: 7, timeZone: 'UTC', k: 5, category: null }, at);
  await engine.digests.setStatus(sub.id, ['pending'], 'confirmed', at);
  await engine.digests.secret(); // made with the first link
  await engine.digests.addToken('token-hash', 'confirm', 'ada@example.org', sub.id, at, new Date(at.getTime() + 86_400_000));
  await engine.digests.useToken('token-hash', at);
  const message = { subject: 's', html: '<p>h</p>', text: 't', headers: { 'List-Unsubscribe': '<https://x>' } };
  await engine.digests.plan({ subscriptionId: sub.id, period: '2026-12-07', recipient: 'ada@example.org', messageId: '<m@x>', message, paperIds: ['mig-1', 'mig-2'], sinceSeq: 4500 }, at);
  const [row] = await engine.digests.sendable(at);
  await engine.digests.claim(row.id, null, at);
  await engine.digests.markSent(row.id, at);
  await engine.sources.runStarted('arxiv', at);
  await engine.sources.pageDone('arxiv', { cursor: { token: 'abc' }, added: 3, updated: 1, newest: '2026-12-06' });
  return { dir, engine, ada, bob, feedKey, reading, shareKey, ownPaperIds, subId: sub.id };
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
      expect(resumed).toMatchObject({ papers: 4499, vectors: 4499, users: 2, stars: 2, feedback: 1, collections: 1, collection_papers: 2, own_papers: 1 });
      expect(resumed.ops).toEqual({ source_state: 1, digest_subscriptions: 1, digest_tokens: 1, digest_outbox: 1, digest_items: 2 });
      expect(resumed.written).toBe(2 * 2499 + 2 + 2 + 1 + 1 + 2 + 1 + 6 + 1); // only what the first run had not copied (+ the link key)
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
      expect(await target.library.collectionForShareKey(src.shareKey)).toBe(src.reading.id);
      expect(await target.library.collections(src.ada.user.id)).toEqual(await src.engine.library.collections(src.ada.user.id));
      expect(await target.library.collectionPaperIds(src.reading.id)).toEqual([src.ownPaperIds[0], 'mig-4']);
      expect(await target.library.ownPapers(src.ada.user.id)).toEqual(await src.engine.library.ownPapers(src.ada.user.id));
      const more = await target.library.importLibrary({ userId: src.ada.user.id, ownPapers: [{ ...(await target.library.ownPapers(src.ada.user.id))[0], doi: null }], paperIds: [] });
      expect((await target.library.ownPapers(src.ada.user.id, more.ownPaperIds))[0].seq).toBeLessThan(-1); // seqs continue after the copy's
      // Every copied vector is in the change log (followers pick the copy up); new papers get seqs after the copy's.
      expect(await target.changes.head()).toBe(4499);
      await target.writes.writeBatch([{ paper: paper('after-copy'), contentHash: 'n', vector: unitVector(8, rng(1)) }], 'm', 8);
      expect((await target.papers.byIds(['after-copy']))[0]!.seq).toBeGreaterThan(4500);
      expect((await target.papers.keywordSearch('paper mig-9', 3, {})).length).toBeGreaterThan(0);
      // Digests: the same subscription, outbox, sent papers, token and link key (mails already sent keep working).
      expect(await target.digests.subscription(src.subId)).toEqual(await src.engine.digests.subscription(src.subId));
      expect(await target.digests.outboxOf(src.subId)).toEqual(await src.engine.digests.outboxOf(src.subId));
      expect(await target.digests.sentPaperIds(src.subId)).toEqual(new Set(['mig-1', 'mig-2']));
      expect(await target.digests.token('token-hash')).toEqual(await src.engine.digests.token('token-hash'));
      expect(await target.digests.secret()).toEqual(await src.engine.digests.secret());
      expect(await target.digests.hasOutbox(src.subId, '2026-12-07')).toBe(true);
      expect(await target.sources.get('arxiv')).toEqual(await src.engine.sources.get('arxiv'));
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
    expect(stdout).toMatch(/4499 papers, 4499 vectors, 2 users, 2 stars, 1 feedback, 1 collections, 1 own papers .*counts checked/);
    await expect(run(TSX, [CLI, '--to', 'mysql://x'], { env })).rejects.toMatchObject({ stderr: expect.stringMatching(/--to must be a postgres:\/\/ URL/) });
    const other = await sqliteStore();
    await other.engine.close();
    await expect(run(TSX, [CLI, '--to', url], { env: { ...env, DATA_DIR: other.dir } })).rejects.toMatchObject({
      stderr: expect.stringMatching(/already holds 4499 papers that were not copied from/),
    });
  });
});
