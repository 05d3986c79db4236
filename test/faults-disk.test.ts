// Disk full and read-only data dir. Tests run as root, where chmod does not stop writes, so the data dir is put on
// a small tmpfs (disk full: the free space is filled up) or behind a read-only bind mount. An ingest into it must
// fail with a clear error and a non-zero exit code, and the existing data stays intact and servable (counts and a
// query before and after). Needs root and mount(8): otherwise the tests are skipped, saying why.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startServer } from '../src/server.js';
import { jsonlLines, killChildren, readManifest, runCli, SEED_ARXIV, storeCounts } from './fault-helpers.js';
import { tempDir } from './helpers.js';

const ADMIN = 'disk-test-admin-token-0123456789';
let work: string;
const mounts: string[] = [];
let cannotMount: string | undefined;

function tryMount(args: string[]): string | undefined {
  try {
    execFileSync('mount', args, { stdio: 'pipe' });
    mounts.push(args[args.length - 1]);
    return undefined;
  } catch (err) {
    return `mount ${args.join(' ')} failed: ${String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim()}`;
  }
}

let seedFile: string;
let moreFile: string;

beforeAll(async () => {
  work = tempDir('paperfeed-faults-disk-');
  if (process.getuid?.() !== 0) cannotMount = 'not root: cannot mount a tmpfs or a read-only bind mount';
  else {
    const probe = path.join(work, 'probe');
    fs.mkdirSync(probe);
    cannotMount = tryMount(['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe]);
    if (!cannotMount) execFileSync('umount', [probe]), mounts.pop();
  }
  if (cannotMount) console.warn(`faults-disk: skipped (${cannotMount})`);
  const lines = await jsonlLines(SEED_ARXIV);
  seedFile = path.join(work, 'seed.jsonl');
  fs.writeFileSync(seedFile, lines.join('\n') + '\n');
  // 900 more papers: the seed's texts under new ids, with the sentences rotated so each embeds differently.
  moreFile = path.join(work, 'more.jsonl');
  const more = [1, 2, 3].flatMap((round) =>
    lines.map((l) => {
      const p = JSON.parse(l);
      const s = p.abstract.split(/(?<=\.)\s+/);
      return JSON.stringify({ ...p, id: `${p.id}-r${round}`, abstract: [...s.slice(round % s.length), ...s.slice(0, round % s.length)].join(' ') });
    }),
  );
  fs.writeFileSync(moreFile, more.join('\n') + '\n');
}, 60_000);

afterAll(() => {
  killChildren();
  for (const m of mounts.reverse()) {
    try {
      execFileSync('umount', ['-l', m], { stdio: 'pipe' });
    } catch {
      // already gone
    }
  }
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** What a client sees: the paper count and the top similar ids of a fixed paper, through a real server. */
async function served(dir: string) {
  const server = await startServer(loadConfig({ SYNC_SCHEDULE: 'off', DATA_DIR: dir, PORT: '0', SEED_ON_EMPTY: 'false', ADMIN_TOKEN: ADMIN }), () => {});
  try {
    await server.ready;
    const health = await (await fetch(`${server.url}/healthz`)).json();
    const res = await fetch(`${server.url}/v1/papers/2607.28629/similar?k=5`);
    expect(res.status).toBe(200);
    const similar = (await res.json()).items.map((i: { paper: { id: string } }) => i.paper.id);
    const search = await fetch(`${server.url}/v1/search?q=robot+manipulation&k=5`);
    expect(search.status).toBe(200);
    return { papers: health.papers as number, similar: similar as string[] };
  } finally {
    await server.close();
  }
}

describe('disk full (a small tmpfs, filled up)', () => {
  it('an ingest fails with a clear error; the existing data stays intact and servable; after freeing space a rerun completes', async (ctx) => {
    if (cannotMount) return ctx.skip();
    const dir = path.join(work, 'full');
    fs.mkdirSync(dir);
    expect(tryMount(['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', dir])).toBeUndefined();
    const first = await runCli(dir, [seedFile], { ADMIN_TOKEN: ADMIN });
    expect(first.code, first.stderr).toBe(0);
    const before = { counts: storeCounts(dir), served: await served(dir) };
    expect(before.counts.papers).toBe(300);

    // Fill the file system, leaving ~64 KB.
    const filler = path.join(dir, 'filler');
    const fd = fs.openSync(filler, 'w');
    const chunk = Buffer.alloc(64 * 1024);
    try {
      for (;;) fs.writeSync(fd, chunk);
    } catch (err) {
      expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
    }
    fs.closeSync(fd);
    fs.truncateSync(filler, fs.statSync(filler).size - 64 * 1024);

    const failed = await runCli(dir, [moreFile], { ADMIN_TOKEN: ADMIN, INGEST_BATCH_SIZE: '64' });
    expect(failed.signal).toBeNull();
    expect(failed.code, failed.stdout + failed.stderr).not.toBe(0);
    expect(failed.stderr).toMatch(/disk is full|ENOSPC|no space left/i);
    expect(failed.stderr, 'a clear message, not a stack trace').not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

    // Whole batches only: what got in before the disk filled is complete (papers = vectors, no duplicates).
    const during = storeCounts(dir);
    expect(during.papers).toBe(during.distinctIds);
    expect(during.vectors).toBe(during.papers);
    expect((during.papers - 300) % 64).toBe(0);
    // Still servable, on the still-full disk; answers unchanged for the old papers' neighbourhood if nothing got in.
    const still = await served(dir);
    expect(still.papers).toBe(during.papers);
    if (during.papers === 300) expect(still.similar).toEqual(before.served.similar);

    // Free the space: a rerun finishes the job.
    fs.rmSync(filler);
    const rerun = await runCli(dir, [moreFile], { ADMIN_TOKEN: ADMIN });
    expect(rerun.code, rerun.stderr).toBe(0);
    const after = storeCounts(dir);
    expect(after).toMatchObject({ papers: 1200, distinctIds: 1200, vectors: 1200 });
    expect(readManifest(dir)?.count).toBe(1200);
    console.log(`faults-disk full: ingest exit ${failed.code}: ${/(failed|ingest failed)[^\n]*/.exec(failed.stderr)?.[0]}; ${during.papers} papers kept; rerun after freeing space → ${after.papers}`);
  }, 180_000);
});

describe('read-only data dir (read-only bind mount)', () => {
  it('an ingest fails with a clear error, nothing changes, the data is servable from a writable mount again', async (ctx) => {
    if (cannotMount) return ctx.skip();
    const dir = path.join(work, 'rw');
    const ro = path.join(work, 'ro');
    fs.mkdirSync(ro);
    const first = await runCli(dir, [seedFile], { ADMIN_TOKEN: ADMIN });
    expect(first.code, first.stderr).toBe(0);
    const before = { counts: storeCounts(dir), served: await served(dir) };
    const listing = () => fs.readdirSync(dir).filter((f) => !/-(wal|shm)$/.test(f)).sort(); // a reader may create -shm/-wal
    const filesBefore = listing();

    const bind = tryMount(['--bind', dir, ro]);
    expect(bind).toBeUndefined();
    expect(tryMount(['-o', 'remount,bind,ro', ro])).toBeUndefined();
    expect(() => fs.writeFileSync(path.join(ro, 'probe'), 'x')).toThrow(/EROFS|read-only/);

    const failed = await runCli(ro, [moreFile], { ADMIN_TOKEN: ADMIN });
    expect(failed.signal).toBeNull();
    expect(failed.code, failed.stderr).not.toBe(0);
    expect(failed.stderr).toMatch(/read-?only|EROFS|unable to open|readonly/i);
    expect(failed.stderr).toMatch(/writable/);
    expect(failed.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);

    execFileSync('umount', [ro]);
    mounts.splice(mounts.indexOf(ro), 1);
    expect(storeCounts(dir)).toEqual(before.counts);
    expect(listing()).toEqual(filesBefore);
    expect(await served(dir)).toEqual(before.served);
    console.log(`faults-disk read-only: ingest exit ${failed.code}: ${failed.stderr.trim().split('\n').pop()}`);
  }, 180_000);
});
