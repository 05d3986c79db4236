// Concurrent writers: two ingest CLIs at once on overlapping files (into an empty store, so they also race on
// creating and migrating it), and API writes (POST /v1/papers) while a CLI ingests into the store a running
// server serves. Both complete (or one fails cleanly); no duplicate rows (rows = distinct ids), one vector per
// paper, the served index (after INDEX_SYNC_MS) holds every paper, and the saved index is whole (it loads).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { HnswIndex } from '../src/index/hnsw-index.js';
import { startServer } from '../src/server.js';
import { SqliteStore } from '../src/store/store.js';
import { jsonlLines, killChildren, readManifest, ROOT, runCli, runNode, SEED_ARXIV, storeCounts } from './fault-helpers.js';
import { changeLogOf, tempDir, until } from './helpers.js';

const ADMIN = 'concurrent-admin-token-0123456789';
const config = loadConfig({});
const PARAMS = { M: config.HNSW_M, efConstruction: config.HNSW_EF_CONSTRUCTION, efSearch: config.HNSW_EF_SEARCH };
let work: string;
let papers: Record<string, unknown>[];

beforeAll(async () => {
  work = tempDir('paperfeed-faults-concurrent-');
  const seed = (await jsonlLines(SEED_ARXIV)).map((l) => JSON.parse(l));
  // 900 papers: the seed plus two rounds of its texts under new ids, sentences rotated.
  papers = [0, 1, 2].flatMap((round) =>
    seed.map((p) => {
      if (round === 0) return p;
      const s = p.abstract.split(/(?<=\.)\s+/);
      return { ...p, id: `${p.id}-c${round}`, abstract: [...s.slice(round % s.length), ...s.slice(0, round % s.length)].join(' ') };
    }),
  );
}, 60_000);

afterAll(() => {
  killChildren();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

const writeJsonl = (name: string, rows: unknown[]) => {
  const file = path.join(work, name);
  fs.writeFileSync(file, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return file;
};

/** The saved index loads (not rebuilt: no torn file) and holds every vector of the store. */
async function expectWholeIndex(dir: string) {
  const store = new SqliteStore(dir);
  try {
    const m = store.modelInfo()!;
    const { index, outcome, reason } = await HnswIndex.open({ dir: path.join(dir, 'index'), model: m.model, dim: m.dim, params: PARAMS, source: changeLogOf(store) });
    expect({ outcome, reason }).toEqual({ outcome: 'loaded', reason: undefined });
    expect(index.size).toBe(store.countVectors(m.model));
  } finally {
    store.close();
  }
}

describe('concurrent writers', () => {
  it('several processes creating the same fresh store at the same instant all succeed (migrations under the write lock)', async () => {
    const rounds = 6;
    const failures: string[] = [];
    for (let i = 0; i < rounds; i++) {
      const dir = path.join(work, `race-${i}`);
      // A barrier: the three children load, announce themselves, and open the fresh store only once all are there.
      const barrier = path.join(work, `barrier-${i}`);
      fs.mkdirSync(barrier);
      const racing = Promise.all([0, 1, 2].map(() => runNode(path.join(ROOT, 'test', 'open-store-child.ts'), [dir, barrier], {})));
      await until(() => fs.readdirSync(barrier).filter((f) => f.startsWith('ready-')).length === 3, 60_000);
      fs.writeFileSync(path.join(barrier, 'go'), '');
      const runs = await racing;
      for (const r of runs) if (r.code !== 0) failures.push(r.stdout.trim() || r.stderr.trim());
      const store = new SqliteStore(dir);
      expect(store.countPapers()).toBe(0);
      store.close();
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it('two ingest CLIs at once on overlapping files, into a fresh data dir', async () => {
    const dir = path.join(work, 'two-clis');
    const a = writeJsonl('a.jsonl', papers.slice(0, 600));
    const b = writeJsonl('b.jsonl', [...papers.slice(300, 900)].reverse()); // overlap 300..599, other order
    const [ra, rb] = await Promise.all([runCli(dir, [a], { INGEST_BATCH_SIZE: '50' }), runCli(dir, [b], { INGEST_BATCH_SIZE: '50' })]);
    // They really raced: the two runs overlapped for most of the shorter one.
    const overlap = Math.min(ra.endedAt, rb.endedAt) - Math.max(ra.startedAt, rb.startedAt);
    expect(overlap).toBeGreaterThan(0.5 * Math.min(ra.ms, rb.ms));
    const ok = [ra, rb].filter((r) => r.code === 0);
    for (const r of [ra, rb]) {
      expect(r.signal).toBeNull();
      if (r.code !== 0) expect(r.stderr, 'a clean failure names the reason').toMatch(/ingest failed: \S+/);
    }
    expect(ok.length, `${ra.stderr}\n${rb.stderr}`).toBe(2);
    const counts = storeCounts(dir);
    expect(counts).toMatchObject({ papers: 900, distinctIds: 900, vectors: 900 });
    // Each paper's text was embedded at most once per distinct text: the change log has no double entries beyond
    // the overlap (each CLI may embed an overlapping paper the other had not committed yet: at most 300 extra).
    expect(counts.maxVersion).toBeLessThanOrEqual(900 + 300);
    expect(readManifest(dir)?.count).toBe(900);
    await expectWholeIndex(dir);
    console.log(`faults-concurrent two CLIs: ${ra.ms} ms and ${rb.ms} ms; change log ${counts.maxVersion} entries for 900 papers`);
  }, 180_000);

  it('POST /v1/papers during a CLI ingest into the store a running server serves', async () => {
    const dir = path.join(work, 'server-and-cli');
    const base = writeJsonl('base.jsonl', papers.slice(0, 100));
    expect((await runCli(dir, [base])).code).toBe(0);
    const server = await startServer(
      loadConfig({ DATA_DIR: dir, PORT: '0', ADMIN_TOKEN: ADMIN, SEED_ON_EMPTY: 'false', INDEX_SYNC_MS: '200', RATE_LIMIT_PER_MINUTE: '0' }),
      () => {},
    );
    try {
      await server.ready;
      const cliFile = writeJsonl('cli.jsonl', papers.slice(100, 700));
      const cli = runCli(dir, [cliFile], { INGEST_BATCH_SIZE: '50' });
      // Meanwhile the API writes 500..899 in batches of 25: 500..699 overlap the CLI's file (same records).
      const results: number[] = [];
      for (let at = 500; at < 900; at += 25) {
        const res = await fetch(`${server.url}/v1/papers`, {
          method: 'POST',
          headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
          body: JSON.stringify({ papers: papers.slice(at, at + 25) }),
        });
        results.push(res.status);
        await res.arrayBuffer();
      }
      const r = await cli;
      expect(r.code, r.stderr).toBe(0);
      expect(results.every((s) => s === 200), `API statuses ${results}`).toBe(true);
      const counts = storeCounts(dir);
      expect(counts).toMatchObject({ papers: 900, distinctIds: 900, vectors: 900 });
      // The server picks up the CLI's papers within INDEX_SYNC_MS.
      const until = Date.now() + 15_000;
      let indexed = 0;
      while (Date.now() < until) {
        indexed = (await (await fetch(`${server.url}/readyz`)).json()).indexed;
        if (indexed === 900) break;
        await new Promise((res) => setTimeout(res, 100));
      }
      expect(indexed).toBe(900);
      // A paper only the CLI wrote is found by the server (similar works; search by its title finds it).
      const cliOnly = papers[150] as { id: string; title: string };
      expect((await fetch(`${server.url}/v1/papers/${encodeURIComponent(cliOnly.id)}/similar?k=3`)).status).toBe(200);
      const hits = await (await fetch(`${server.url}/v1/search?mode=semantic&k=5&q=${encodeURIComponent(cliOnly.title)}`)).json();
      expect(hits.items.map((i: { paper: { id: string } }) => i.paper.id)).toContain(cliOnly.id);
    } finally {
      await server.close();
    }
    expect(readManifest(dir)?.count).toBe(900);
    expect(readManifest(dir)?.version).toBe(storeCounts(dir).maxVersion);
    await expectWholeIndex(dir);
  }, 180_000);
});
