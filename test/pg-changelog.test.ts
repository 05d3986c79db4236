// The change-log visibility trap on PostgreSQL: versions are handed out in insert order but become visible in commit
// order, so a follower that reads "changes after the last version I saw" could skip a row that commits late. Writers
// append under an advisory lock held to commit (src/store/pg/writes.ts): these tests hold that in place.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresEngine } from '../src/store/postgres-engine.js';
import { appendChanges } from '../src/store/pg/writes.js';
import { newPgDatabase } from './engines.js';
import { paper, rng, unitVector } from './helpers.js';

let engine: PostgresEngine;
beforeAll(async () => {
  engine = await PostgresEngine.open(await newPgDatabase());
});
afterAll(() => engine?.close());

async function until(condition: () => Promise<boolean>, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
  }
}

describe('the PostgreSQL change log', () => {
  it('a writer that took a version first and commits last holds back the writers after it: the head never passes it', async () => {
    const head0 = await engine.changes.head();
    const early = await engine.pool.connect();
    const late = await engine.pool.connect();
    try {
      await early.query('BEGIN');
      await appendChanges(early, [101]); // version head0 + 1, not committed yet
      await late.query('BEGIN');
      const lateAppend = appendChanges(late, [102]);
      // The second writer waits for the lock (seen in pg_locks), instead of taking version head0 + 2 and committing.
      await until(async () => (await engine.pool.query("SELECT count(*) AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")).rows[0].n === 1);
      expect(await engine.changes.head()).toBe(head0);
      await early.query('COMMIT');
      await lateAppend;
      expect(await engine.changes.head()).toBe(head0 + 1);
      const follower = new Set<number>();
      for await (const c of engine.changes.changesSince(head0, 'm', head0 + 1)) follower.add(c.seq);
      await late.query('COMMIT');
      const head2 = await engine.changes.head();
      expect(head2).toBe(head0 + 2);
      for await (const c of engine.changes.changesSince(head0 + 1, 'm', head2)) follower.add(c.seq);
      expect([...follower].sort()).toEqual([101, 102]);
    } finally {
      early.release();
      late.release();
    }
  });

  it('a follower catching up while four writers race misses no change (randomised)', async () => {
    const seed = Date.now() % 100_000;
    console.log(`pg-changelog race seed ${seed}`);
    const next = rng(seed);
    const written = new Set<number>();
    let done = false;
    const writer = async (w: number) => {
      for (let i = 0; i < 25; i++) {
        const n = 1 + Math.floor(next() * 3);
        const batch = Array.from({ length: n }, (_, j) => ({ paper: paper(`race-${w}-${i}-${j}`), contentHash: `h${w}-${i}-${j}`, vector: unitVector(8, next) }));
        await engine.writes.writeBatch(batch, 'm', 8);
        for (const p of await engine.papers.byIds(batch.map((b) => b.paper.id))) written.add(p!.seq);
      }
    };
    const seen = new Set<number>();
    let last = await engine.changes.head();
    const start = last;
    const catchUp = async () => {
      const head = await engine.changes.head();
      for await (const c of engine.changes.changesSince(last, 'm', head)) seen.add(c.seq);
      last = head;
    };
    const follower = (async () => {
      let rounds = 0;
      while (!done) {
        await catchUp();
        rounds++;
      }
      return rounds;
    })();
    await Promise.all([0, 1, 2, 3].map(writer));
    done = true;
    const rounds = await follower;
    await catchUp();
    expect(rounds).toBeGreaterThan(1);
    expect(written.size).toBe(await engine.changes.head() - start);
    expect([...written].filter((s) => !seen.has(s))).toEqual([]);
  });
});
