// The digest CLI as cron runs it (`npm run digest -- --send-now`), on each engine, against a real SMTP server: killed
// (SIGKILL) in the middle of a batch and started again, every subscriber still gets exactly one digest for the period
// (on PostgreSQL the dead process's connection, and with it the digests job lock, goes away: the rerun takes over).
// Also `--dry-run --user UID --out DIR`, which writes the message and records nothing.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { PROJECT_ROOT } from '../src/config.js';
import { startServer } from '../src/server.js';
import { PostgresEngine } from '../src/store/postgres-engine.js';
import { allPapers, engineEnv, testConfig } from './engines.js';
import { tempDir } from './helpers.js';
import { startMailbox, type Mailbox } from './mailbox.js';

const SUBSCRIBERS = 6;
/** The clock of every run: a restart after midnight would rightly plan the next day's digests. */
const NOW = '2026-12-07T12:00:00Z';
const dataDir = tempDir('paperfeed-digest-crash-');
let box: Mailbox;
const users: { id: string; email: string; subId: string }[] = [];
/** DATABASE_URL on PostgreSQL (the same database for the server that sets up and every CLI run). */
let env: Record<string, string> = {};

function cli(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'src', 'digest', 'cli.ts'), ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env, DATA_DIR: dataDir, SMTP_URL: box.url, SEED_ON_EMPTY: 'false', PUBLIC_URL: 'https://papers.example.org', ADMIN_TOKEN: 'digest-crash-admin-token-01' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

async function outboxStates(): Promise<string[]> {
  if (env.DATABASE_URL) {
    const engine = await PostgresEngine.open(env.DATABASE_URL);
    try {
      return (await engine.pool.query<{ state: string }>('SELECT state FROM digest_outbox ORDER BY id')).rows.map((r) => r.state).sort();
    } finally {
      await engine.close();
    }
  }
  const db = new Database(path.join(dataDir, 'paperfeed.db'), { readonly: true });
  try {
    return (db.prepare('SELECT state FROM digest_outbox ORDER BY id').pluck().all() as string[]).sort();
  } finally {
    db.close();
  }
}

beforeAll(async () => {
  box = await startMailbox();
  env = await engineEnv();
  // A seeded store with users, stars and confirmed subscriptions (the opt-in is tested in digest-delivery).
  const server = await startServer(
    await testConfig({ ...env, DATA_DIR: dataDir, PORT: '0', ADMIN_TOKEN: 'digest-crash-admin-token-01', DIGEST_SCHEDULE: 'off' }),
    () => {},
  );
  await server.ready;
  const ids = (await allPapers(server.runtime.engine)).sort((a, b) => a.seq - b.seq).map((p) => p.id);
  const store = server.runtime.engine.digests;
  for (let i = 0; i < SUBSCRIBERS; i++) {
    const { user } = await server.runtime.engine.users.create(`reader-${i}`);
    for (const id of ids.slice(i * 7, i * 7 + 3)) await server.runtime.engine.users.addStar(user.id, id);
    const email = `crash${i}@example.org`;
    const sub = await store.createSubscription({ kind: 'feed', userId: user.id, email, cadence: 'daily', hour: 23, timeZone: 'UTC', k: 5, category: null }, new Date());
    await store.setStatus(sub.id, ['pending'], 'confirmed', new Date());
    users.push({ id: user.id, email, subId: sub.id });
  }
  await server.close();
});
afterAll(async () => {
  await box?.close();
});

describe('npm run digest', () => {
  it('--dry-run --user writes the message to a file and records nothing', async () => {
    const out = tempDir('paperfeed-digest-dry-');
    const run = cli(['--dry-run', '--user', users[0].id, '--out', out]);
    expect(await run.exited, run.output()).toBe(0);
    const eml = fs.readdirSync(out).find((f) => f.endsWith('.eml'))!;
    expect(fs.readdirSync(out).sort()).toEqual([eml.replace('.eml', '.html'), eml, eml.replace('.eml', '.txt')].sort());
    const mail = await simpleParser(fs.readFileSync(path.join(out, eml)));
    expect(mail.subject).toMatch(/^paperfeed: 5 papers for you \(\d{4}-\d{2}-\d{2}\)$/);
    expect(mail.to).toMatchObject({ value: [{ address: users[0].email }] });
    expect(mail.html).toContain('https://papers.example.org/#paper=');
    expect(mail.text).toContain('Unsubscribe: https://papers.example.org/digest/');
    expect(await outboxStates()).toEqual([]);
    expect(box.delivered).toHaveLength(0);
  });

  it('killed mid-batch and started again: every subscriber gets exactly one digest for the period', async () => {
    box.policy = (_to, _attempt) => (box.attempts.length === 2 ? 'hang' : 'accept'); // the 3rd message is never answered
    const first = cli(['--send-now', '--now', NOW]);
    await Promise.race([box.onHang, first.exited.then(() => Promise.reject(new Error(`the CLI exited early:\n${first.output()}`)))]);
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe(null);
    expect(box.delivered).toHaveLength(2);
    // Planned once for everyone; two sent; the one in flight left as 'sending' by a dead process.
    expect(await outboxStates()).toEqual(['planned', 'planned', 'planned', 'sending', 'sent', 'sent']);

    box.policy = () => 'accept';
    const second = cli(['--send-now', '--now', NOW]);
    expect(await second.exited, second.output()).toBe(0);
    expect(second.output()).toContain('planned 0');
    for (const u of users) {
      const mails = box.to(u.email);
      expect(mails, u.email).toHaveLength(1);
      expect(mails[0].mail.messageId).toBe(`<digest.${u.subId}.2026-12-07@papers.example.org>`);
    }
    expect(box.delivered).toHaveLength(SUBSCRIBERS);
    expect(await outboxStates()).toEqual(Array(SUBSCRIBERS).fill('sent'));

    // Cron again the same day: nothing more.
    const third = cli(['--send-now', '--now', NOW]);
    expect(await third.exited, third.output()).toBe(0);
    expect(box.delivered).toHaveLength(SUBSCRIBERS);
  });
});
