// Crash safety of `npm run sync`: SIGKILL the CLI mid-harvest (between pages, and while a page's batches are being
// embedded and committed), rerun the same command, and the store must hold exactly what one uninterrupted run
// writes: the same rows, the same vectors, no duplicates, and the rerun resumes from the stored resumption token.
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeUpstream, oaiList, seedPapers, toArxivRecord } from './fake-upstream.js';
import { ROOT } from './fault-helpers.js';
import { tempDir } from './helpers.js';

const SYNC_CLI = path.join(ROOT, 'src', 'ingest', 'sync-cli.ts');
const PAGE = 25;
const RECORDS = seedPapers('arxiv').map((p, i) => toArxivRecord(p, `2026-08-0${1 + (i % 5)}`, i % 7 === 0 ? { comments: `${i} pages`, doi: `10.5555/${i}` } : {}));
const ARGS = ['--source', 'arxiv', '--from', '2026-08-01', '--until', '2026-08-05'];

let upstream: FakeUpstream;
const children = new Set<ChildProcess>();

interface Run {
  child: ChildProcess;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>;
}

function startSync(dataDir: string, args = ARGS): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', SYNC_CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, ARXIV_OAI_URL: `${upstream.url}/oai`, ARXIV_DELAY_MS: '0', INGEST_BATCH_SIZE: '8', SYNC_SCHEDULE: 'off' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; out: string }>((resolve) =>
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal, out });
    }),
  );
  return { child, done };
}

/** Everything a run leaves in the store, in a comparable form (seq-independent). */
function snapshot(dataDir: string) {
  const db = new Database(path.join(dataDir, 'paperfeed.db'), { readonly: true });
  try {
    const papers = db
      .prepare('SELECT id, title, abstract, authors, published, categories, upvotes, source, meta, content_hash FROM papers ORDER BY id')
      .all();
    const vectors = db
      .prepare('SELECT p.id, v.model, hex(v.vec) AS vec FROM vectors v JOIN papers p ON p.seq = v.paper_seq ORDER BY p.id')
      .all();
    const state = db.prepare("SELECT cursor, last_error FROM source_state WHERE source = 'arxiv'").get();
    return { papers, vectors, state };
  } finally {
    db.close();
  }
}

const committedRows = (dataDir: string): number => {
  try {
    const db = new Database(path.join(dataDir, 'paperfeed.db'), { readonly: true, fileMustExist: true });
    try {
      return (db.prepare('SELECT count(*) AS n FROM papers').get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0; // not created or migrated yet
  }
};

/** The resumption token of the stored arXiv cursor, read through a read-only connection. */
function storedToken(dataDir: string): string | null {
  try {
    const db = new Database(path.join(dataDir, 'paperfeed.db'), { readonly: true, fileMustExist: true });
    try {
      const row = db.prepare("SELECT cursor FROM source_state WHERE source = 'arxiv'").get() as { cursor: string | null } | undefined;
      return row?.cursor ? (JSON.parse(row.cursor) as { token: string | null }).token : null;
    } finally {
      db.close();
    }
  } catch {
    return null; // not created or migrated yet
  }
}

beforeAll(async () => {
  upstream = await FakeUpstream.start(oaiList(RECORDS, PAGE));
});

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  await upstream.close();
});

describe('SIGKILL mid-harvest, then rerun', () => {
  let reference: ReturnType<typeof snapshot>;

  beforeAll(async () => {
    const dir = tempDir('paperfeed-sync-ref-');
    const r = await startSync(dir).done;
    expect(r.code, r.out).toBe(0);
    reference = snapshot(dir);
    expect(reference.papers).toHaveLength(RECORDS.length);
    expect(reference.vectors).toHaveLength(RECORDS.length);
    expect(reference.state).toEqual({ cursor: null, last_error: null });
  });

  it('between pages: the rerun resumes at the page after the last committed one', async () => {
    const dir = tempDir('paperfeed-sync-kill-');
    upstream.requests.length = 0;
    // The sync fetches one page ahead: hold page 6's answer, wait until page 5 is committed and its cursor stored
    // (naming page 6), and kill the process there, between two pages.
    const page6 = `list-2026-08-01-2026-08-05|${5 * PAGE}`;
    let held = true;
    const list = oaiList(RECORDS, PAGE);
    upstream.handler = (req) => (held && req.query.get('resumptionToken') === page6 ? { hang: true } : list(req));
    const run = startSync(dir);
    await upstream.waitFor((r) => r.query.get('resumptionToken') === page6);
    const deadline = Date.now() + 60_000;
    while (storedToken(dir) !== page6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(storedToken(dir)).toBe(page6);
    run.child.kill('SIGKILL');
    expect((await run.done).signal).toBe('SIGKILL');
    held = false;
    expect(committedRows(dir)).toBe(5 * PAGE);
    const before = upstream.requests.length;
    const rerun = await startSync(dir).done;
    expect(rerun.code, rerun.out).toBe(0);
    // Resumed from the stored token, not from the start of the list.
    expect(upstream.requests[before].query.get('resumptionToken')).toBe(page6);
    expect(snapshot(dir)).toEqual(reference);
    upstream.handler = list;
  });

  it('while a page is being embedded and committed, twice over', async () => {
    const dir = tempDir('paperfeed-sync-kill2-');
    for (const rows of [30, 170]) {
      const run = startSync(dir);
      // Poll the store (read-only) until a page is half committed, then kill: batches of 8 within pages of 25.
      const deadline = Date.now() + 60_000;
      while (committedRows(dir) < rows && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
      run.child.kill('SIGKILL');
      expect(committedRows(dir)).toBeGreaterThanOrEqual(rows);
      const r = await run.done;
      expect(r.signal, r.out).toBe('SIGKILL');
      expect(committedRows(dir)).toBeLessThan(RECORDS.length);
    }
    const rerun = await startSync(dir).done;
    expect(rerun.code, rerun.out).toBe(0);
    expect(rerun.out).toMatch(/resuming/);
    const after = snapshot(dir);
    expect(after).toEqual(reference);
    expect(new Set(after.papers.map((p) => (p as { id: string }).id)).size).toBe(RECORDS.length);
    expect(fs.existsSync(path.join(dir, 'index'))).toBe(true);
  });
});

describe('npm run sync arguments', () => {
  it('refuses bad arguments with the option named, before touching the store', async () => {
    const dir = tempDir('paperfeed-sync-args-');
    for (const [args, message] of [
      [['--from', '2026-13-01'], /--from: not a real date/],
      [['--source', 'biorxiv'], /--source: Invalid option/],
      [['--until', '2026-08-01'], /--until: --until needs --from/],
      [['--from', '2026-08-05', '--until', '2026-08-01'], /--from: --from must not be after --until/],
      [['--bogus', 'x'], /--arguments: Unrecognized key: "bogus"|bogus/],
    ] as const) {
      const r = await startSync(dir, [...args]).done;
      expect(r.code, r.out).toBe(2);
      expect(r.out).toMatch(message);
      expect(r.out).toContain('usage: npm run sync');
    }
    expect(fs.existsSync(path.join(dir, 'paperfeed.db'))).toBe(false);
  });
});
