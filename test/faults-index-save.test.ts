// Crash during an index save: the ingest CLI (which saves the index at its end) is killed at each point of
// HnswIndex.save() through the PAPERFEED_FAULT seam — while writing the temp file (left torn), after the temp
// file is complete but before its rename, after the rename but before the manifest, and with the new manifest
// still in its temp file. The next start must serve correct results: the old index loaded and caught up, or a
// rebuild, never a torn file; a real server started on the data dir holds every paper and answers queries.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { HnswIndex } from '../src/index/hnsw-index.js';
import { startServer } from '../src/server.js';
import { SqliteStore } from '../src/store/store.js';
import { jsonlLines, killChildren, readManifest, runCli, SEED_ARXIV, storeCounts } from './fault-helpers.js';
import { changeLogOf, exactTopK, tempDir } from './helpers.js';

const config = loadConfig({});
const PARAMS = { M: config.HNSW_M, efConstruction: config.HNSW_EF_CONSTRUCTION, efSearch: config.HNSW_EF_SEARCH };
const POINTS = ['index-save-during-write', 'index-save-after-temp', 'index-save-before-manifest', 'index-save-manifest-temp'] as const;

let work: string;
let firstFile: string;
let allFile: string;
let total: number;
let baseDir: string;
const report: string[] = [];

beforeAll(async () => {
  work = tempDir('paperfeed-faults-save-');
  const lines = await jsonlLines(SEED_ARXIV);
  total = lines.length;
  firstFile = path.join(work, 'first.jsonl');
  allFile = path.join(work, 'all.jsonl');
  fs.writeFileSync(firstFile, lines.slice(0, 200).join('\n') + '\n');
  fs.writeFileSync(allFile, lines.join('\n') + '\n');
  // A store of 200 papers with a saved index, copied for each scenario.
  baseDir = path.join(work, 'base');
  const r = await runCli(baseDir, [firstFile]);
  expect(r.code, r.stderr).toBe(0);
  expect(readManifest(baseDir)?.count).toBe(200);
}, 120_000);

afterAll(() => {
  killChildren();
  console.log(`faults-index-save:\n  ${report.join('\n  ')}`);
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** Opens the index as a server start does and checks it against exact search over the store's vectors. */
async function checkIndex(dir: string) {
  const store = new SqliteStore(dir);
  try {
    const model = store.modelInfo()!;
    const { index, outcome, reason } = await HnswIndex.open({ dir: path.join(dir, 'index'), model: model.model, dim: model.dim, params: PARAMS, source: changeLogOf(store) });
    const all = new Map<number, Float32Array>();
    for (const { seq, vec } of store.allVectors(model.model)) all.set(seq, vec);
    expect(index.size).toBe(all.size);
    let hit = 0;
    let selfFirst = 0;
    const queries = [...all.entries()].filter((_, i) => i % 15 === 0);
    for (const [seq, vec] of queries) {
      const got = index.search(vec, 10).map((h) => h.seq);
      if (got[0] === seq) selfFirst++;
      const truth = new Set(exactTopK(vec, all, 10));
      hit += got.filter((s) => truth.has(s)).length;
    }
    const recall = hit / (queries.length * 10);
    expect(recall).toBeGreaterThanOrEqual(0.95);
    expect(selfFirst).toBe(queries.length);
    return { outcome, reason, size: index.size, recall };
  } finally {
    store.close();
  }
}

describe('crash during index save (PAPERFEED_FAULT seam in HnswIndex.save)', () => {
  for (const point of POINTS) {
    it(`killed at ${point}: the next start loads the old index and catches up, or rebuilds; results are correct`, async () => {
      const dir = path.join(work, point);
      fs.cpSync(baseDir, dir, { recursive: true });
      const before = readManifest(dir)!;
      const crashed = await runCli(dir, [allFile], { PAPERFEED_FAULT: point });
      expect(crashed.signal, `${point}: ${crashed.stderr}`).toBe('SIGKILL');
      // The papers were committed before the save: the store is complete whatever happened to the index.
      expect(storeCounts(dir)).toMatchObject({ papers: total, distinctIds: total, vectors: total });
      const left = fs.readdirSync(path.join(dir, 'index'));
      const manifestAfterCrash = readManifest(dir)!;
      // The manifest is the commit point: until its rename it still names the old, intact file.
      expect(manifestAfterCrash.file).toBe(before.file);
      expect(manifestAfterCrash.count).toBe(200);

      const checked = await checkIndex(dir);
      // The old index is intact, so it is loaded and caught up (not rebuilt).
      expect({ outcome: checked.outcome, reason: checked.reason }).toEqual({ outcome: 'loaded', reason: undefined });
      expect(checked.size).toBe(total);

      // A real server on this data dir serves every paper.
      const server = await startServer(loadConfig({ SYNC_SCHEDULE: 'off', DATA_DIR: dir, PORT: '0', SEED_ON_EMPTY: 'false' }), () => {});
      try {
        await server.ready;
        const ready = await (await fetch(`${server.url}/readyz`)).json();
        expect(ready.indexed).toBe(total);
        const res = await fetch(`${server.url}/v1/papers/2607.28629/similar?k=5`);
        expect(res.status).toBe(200);
        expect((await res.json()).items).toHaveLength(5);
      } finally {
        await server.close();
      }
      // The server's save at close removed the dead process's leftovers; one manifest, one index file.
      const after = readManifest(dir)!;
      expect(after.count).toBe(total);
      expect(after.version).toBe(storeCounts(dir).maxVersion);
      expect(fs.readdirSync(path.join(dir, 'index')).sort()).toEqual(['lexicon.bin', 'manifest.json', after.file].sort());
      report.push(`${point}: CLI killed after ${crashed.ms} ms; left [${left.join(', ')}]; next start ${checked.outcome}, ${checked.size} vectors, recall@10 ${checked.recall.toFixed(3)}`);
    }, 120_000);
  }

  it('killed in the very first save (no older index): the next start rebuilds from the store', async () => {
    const dir = path.join(work, 'first-save');
    const crashed = await runCli(dir, [allFile], { PAPERFEED_FAULT: 'index-save-after-temp' });
    expect(crashed.signal, crashed.stderr).toBe('SIGKILL');
    expect(storeCounts(dir)).toMatchObject({ papers: total, vectors: total });
    expect(readManifest(dir)).toBeUndefined();
    const checked = await checkIndex(dir);
    expect(checked.outcome).toBe('rebuilt');
    expect(checked.reason).toMatch(/no saved index/);
    expect(checked.size).toBe(total);
    expect(readManifest(dir)?.count).toBe(total);
    report.push(`first save: rebuilt (${checked.reason}), ${checked.size} vectors, recall@10 ${checked.recall.toFixed(3)}`);
  }, 120_000);
});
