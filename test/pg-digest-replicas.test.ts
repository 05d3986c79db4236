// Digests with two replicas on one PostgreSQL (real servers, real model, a real SMTP server): both run the digests at
// the same moment and every digest is sent once (one holds the 'digests' job lock, the other skips); and without the
// lock, two senders working through the same planned outbox still send each message once (the claim is a
// compare-and-set on the row). Also the sources' job lock: one replica runs a source at a time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { smtpMailer } from '../src/digest/mailer.js';
import { sendDue } from '../src/digest/sender.js';
import { startServer, type RunningServer } from '../src/server.js';
import { PostgresEngine } from '../src/store/postgres-engine.js';
import { allPapers, newPgDatabase, testConfig } from './engines.js';
import { tempDir } from './helpers.js';
import { startMailbox, type Mailbox } from './mailbox.js';

const ADMIN = 'pg-digest-admin-token-0123456789';
const USERS = 6;
const NOW = new Date('2026-12-07T12:00:00Z');
let url: string;
let box: Mailbox;
const replicas: RunningServer[] = [];

beforeAll(async () => {
  box = await startMailbox();
  url = await newPgDatabase();
  for (let i = 0; i < 2; i++) {
    const config = await testConfig({
      DATABASE_URL: url, ADMIN_TOKEN: ADMIN, DATA_DIR: tempDir(), PORT: '0', RATE_LIMIT_PER_MINUTE: '0', SMTP_URL: box.url,
      DIGEST_SCHEDULE: 'off', SEED_ON_EMPTY: String(i === 0), PUBLIC_URL: 'https://papers.example.org',
    });
    const server = await startServer(config, () => {});
    await server.ready; // the first seeds the database before the second starts
    replicas.push(server);
  }
});
afterAll(async () => {
  for (const r of replicas) await r.close();
  await box?.close();
});

describe('digests on two replicas', () => {
  it('both run the digests at the same moment: each subscriber gets one digest', async () => {
    const engine = replicas[0].runtime.engine;
    const ids = (await allPapers(engine)).sort((a, b) => a.seq - b.seq).map((p) => p.id);
    const subs: string[] = [];
    for (let i = 0; i < USERS; i++) {
      const { user } = await engine.users.create(`reader-${i}`);
      for (const id of ids.slice(i * 7, i * 7 + 3)) await engine.users.addStar(user.id, id);
      // Written through one replica, read by the other: the subscriptions are in PostgreSQL.
      const digests = replicas[i % 2].runtime.engine.digests;
      const sub = await digests.createSubscription({ kind: 'feed', userId: user.id, email: `r${i}@example.org`, cadence: 'daily', hour: 9, timeZone: 'UTC', k: 5, category: null }, NOW);
      await digests.setStatus(sub.id, ['pending'], 'confirmed', NOW);
      subs.push(sub.id);
    }
    const runs = await Promise.all(replicas.map((r) => r.digests!.runDueDigests(NOW)));
    expect(runs.reduce((n, r) => n + r.sent, 0)).toBe(USERS);
    expect(runs.reduce((n, r) => n + r.planned, 0)).toBe(USERS);
    expect(runs.every((r) => r.errors === 0 && r.failed === 0)).toBe(true);
    for (let i = 0; i < USERS; i++) {
      const mails = box.to(`r${i}@example.org`);
      expect(mails, `r${i}`).toHaveLength(1);
      expect(mails[0].mail.messageId).toBe(`<digest.${subs[i]}.2026-12-07@papers.example.org>`);
    }
    // Again, from either replica: nothing more.
    const again = await Promise.all(replicas.map((r) => r.digests!.runDueDigests(NOW)));
    expect(again.map((r) => r.sent)).toEqual([0, 0]);
    expect(box.delivered).toHaveLength(USERS);
    expect(await engine.digests.outboxCounts()).toEqual({ sent: USERS });
  });

  it('two senders without the job lock, one outbox: every message is claimed and sent once', async () => {
    const before = box.delivered.length;
    // Two engines (two pools, as two processes would have) over the same database, each with its own SMTP client.
    const engines = [await PostgresEngine.open(url), await PostgresEngine.open(url)];
    const mailers = engines.map(() => smtpMailer(box.url, 'digest@paperfeed.test'));
    try {
      const d = engines[0].digests;
      const n = 20;
      for (let i = 0; i < n; i++) {
        const sub = await d.createSubscription({ kind: 'trending', userId: null, email: `t${i}@example.org`, cadence: 'daily', hour: 0, timeZone: 'UTC', k: 3, category: null }, NOW);
        await d.setStatus(sub.id, ['pending'], 'confirmed', NOW);
        const message = { subject: `digest ${i}`, text: `text ${i}`, html: `<p>${i}</p>`, headers: {} };
        expect(await d.plan({ subscriptionId: sub.id, period: '2026-12-08', recipient: `t${i}@example.org`, messageId: `<m${i}@test>`, message, paperIds: [], sinceSeq: 0 }, NOW)).toBe(true);
        // Planned once: a second plan of the same period, from the other engine, is refused.
        expect(await engines[1].digests.plan({ subscriptionId: sub.id, period: '2026-12-08', recipient: `t${i}@example.org`, messageId: `<m${i}@test>`, message, paperIds: [], sinceSeq: 0 }, NOW)).toBe(false);
      }
      const results = await Promise.all(engines.map((e, i) => sendDue({ store: e.digests, mailer: mailers[i], log: () => {} }, NOW)));
      expect(results[0].sent + results[1].sent).toBe(n);
      for (let i = 0; i < n; i++) expect(box.to(`t${i}@example.org`), `t${i}`).toHaveLength(1);
      expect(box.delivered.length - before).toBe(n);
    } finally {
      for (const m of mailers) m.close();
      for (const e of engines) await e.close();
    }
  });

  it('a job runs in one process at a time: the other gives up at once, or waits for it', async () => {
    const [a, b] = replicas.map((r) => r.runtime.engine.jobs);
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const inside = new Promise<void>((r) => (entered = r));
    const first = a.exclusive('source:arxiv', async () => {
      entered();
      await held;
      return 'first';
    });
    await inside;
    expect(await b.exclusive('source:arxiv', async () => 'second')).toEqual({ ran: false });
    expect(await b.exclusive('source:hf', async () => 'other job')).toEqual({ ran: true, value: 'other job' });
    const waiting = b.exclusive('source:arxiv', async () => 'after', { wait: true });
    release();
    expect(await first).toEqual({ ran: true, value: 'first' });
    expect(await waiting).toEqual({ ran: true, value: 'after' });
  });
});
