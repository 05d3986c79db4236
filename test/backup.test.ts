// Issue 15, item 9: `paperfeed backup FILE` while a server serves and an ingest writes, then `paperfeed restore FILE`
// into a new data dir: the copy is a consistent point (whole ingest batches, every paper with its vector), and a
// server started on it has the same papers, and the users' tokens and feed keys still work. All real processes:
// the server (src/main.ts), the ingest CLI, and the built bin for backup and restore.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killChildren, ROOT, runCli, startMain, storeCounts, waitFor200, type ChildResult } from './fault-helpers.js';
import { paper, tempDir } from './helpers.js';

const ADMIN = 'backup-admin-token-0123456789';
const BATCH = 100;
const FIRST = 50;
const INGESTED = 6000;
const work = tempDir('paperfeed-backup-');

afterAll(() => {
  killChildren();
  fs.rmSync(work, { recursive: true, force: true });
});

/** Runs the built bin (`paperfeed <args>`) with DATA_DIR. */
function bin(args: string[], dataDir: string): Promise<ChildResult> {
  const started = Date.now();
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'paperfeed.mjs'), ...args], {
    cwd: ROOT,
    env: { ...process.env, NODE_OPTIONS: '', DATA_DIR: dataDir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - started, startedAt: started, endedAt: Date.now() })));
}

const json = (token: string, body?: unknown) => ({
  method: 'POST',
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  body: body === undefined ? undefined : JSON.stringify(body),
});

describe('backup and restore (item 9)', () => {
  it('backs up consistently during an ingest; the restored store starts with the same papers, tokens and feed keys', async () => {
    const live = path.join(work, 'live');
    const server = await startMain({ DATA_DIR: live, ADMIN_TOKEN: ADMIN, RATE_LIMIT_PER_MINUTE: '0' });
    await waitFor200(`${server.url}/readyz`);
    const first = Array.from({ length: FIRST }, (_, i) => paper(`first-${i}`, { title: `Graph learning paper ${i}`, abstract: `Graph neural networks for node classification, study ${i}.` }));
    expect((await fetch(`${server.url}/v1/papers`, json(ADMIN, { papers: first }))).status).toBe(200);
    const user = await (await fetch(`${server.url}/v1/users`, json(ADMIN, { name: 'ada' }))).json();
    for (const id of ['first-1', 'first-2']) {
      expect((await fetch(`${server.url}/v1/users/${user.id}/stars/${id}`, { method: 'PUT', headers: { authorization: `Bearer ${user.token}` } })).status).toBe(201);
    }
    const { key } = await (await fetch(`${server.url}/v1/users/${user.id}/feed-key`, json(user.token))).json();

    // An ingest of many batches runs in another process; the backup is taken in the middle of it.
    const file = path.join(work, 'papers.jsonl');
    fs.writeFileSync(file, Array.from({ length: INGESTED }, (_, i) => JSON.stringify(paper(`bulk-${i}`, { title: `Bulk paper ${i} on topic ${i % 37}`, abstract: `An abstract about subject ${i % 101} and method ${i % 13}.` }))).join('\n') + '\n');
    const ingest = runCli(live, [file], { INGEST_BATCH_SIZE: String(BATCH) });
    const until = Date.now() + 60_000;
    while (storeCounts(live).papers < FIRST + 2 * BATCH) {
      expect(Date.now() < until, 'the ingest never got going').toBe(true);
      await new Promise((r) => setTimeout(r, 20));
    }
    const snapshot = path.join(work, 'snapshot');
    fs.mkdirSync(snapshot);
    const backupFile = path.join(snapshot, 'paperfeed.db'); // the name storeCounts reads; any name works
    const backup = await bin(['backup', backupFile], live);
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stdout).toMatch(/backup of .* written to/);
    const done = await ingest;
    expect(done.code, done.stderr).toBe(0);

    // A consistent point: whole batches only, every paper with its vector, taken while the ingest was under way.
    const copy = storeCounts(snapshot);
    console.log(`backup: ${copy.papers} papers (of ${FIRST + INGESTED} at the end), version ${copy.maxVersion}, in ${backup.ms} ms`);
    expect(copy.papers).toBeGreaterThanOrEqual(FIRST + 2 * BATCH);
    expect(copy.papers).toBeLessThan(FIRST + INGESTED);
    expect((copy.papers - FIRST) % BATCH).toBe(0);
    expect(copy.vectors).toBe(copy.papers);
    expect(copy.distinctIds).toBe(copy.papers);

    // A backup never overwrites a file.
    const again = await bin(['backup', backupFile], live);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/exists/);
    server.child.kill('SIGTERM');
    await server.exited;

    // Restore into a new data dir and start there.
    const restored = path.join(work, 'restored');
    const restore = await bin(['restore', backupFile], restored);
    expect(restore.code, restore.stderr).toBe(0);
    const second = await startMain({ DATA_DIR: restored, ADMIN_TOKEN: ADMIN, RATE_LIMIT_PER_MINUTE: '0' });
    await waitFor200(`${second.url}/readyz`);
    expect((await (await fetch(`${second.url}/healthz`)).json()).papers).toBe(copy.papers);
    const stars = await (await fetch(`${second.url}/v1/users/${user.id}/stars`, { headers: { authorization: `Bearer ${user.token}` } })).json();
    expect(stars.items.map((s: { paperId: string }) => s.paperId).sort()).toEqual(['first-1', 'first-2']);
    const atom = await fetch(`${second.url}/v1/users/${user.id}/feed.atom?key=${key}`);
    expect(atom.status).toBe(200);
    expect(await atom.text()).toContain('<feed');
    const similar = await (await fetch(`${second.url}/v1/papers/first-3/similar?k=3`)).json();
    expect(similar.items).toHaveLength(3); // the index was rebuilt from the restored store

    // Restoring over a store a server has open is refused, and changes nothing.
    const busy = await bin(['restore', backupFile], restored);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toMatch(/in use: stop the server/);
    expect((await (await fetch(`${second.url}/healthz`)).json()).papers).toBe(copy.papers);
    second.child.kill('SIGTERM');
    await second.exited;

    // A file that is not a store is refused with the reason.
    const junk = path.join(work, 'junk.db');
    fs.writeFileSync(junk, 'not a database');
    const bad = await bin(['restore', junk], path.join(work, 'other'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/restore failed/);
  }, 240_000);
});
