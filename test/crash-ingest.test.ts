// Crash safety of the ingest CLI: SIGKILL it at several moments (startup, between and within batches, during the
// final index build), rerun it, and the result must be exactly what one uninterrupted run produces: the same rows,
// vector bytes, change log, a saved index that loads, and the same search results.
//
// CRASH_KILLS=<k> sets how many mid-ingest kill moments the accumulating scenario uses (default 4; e.g. 12 for a
// longer fault run). CRASH_PAPERS=<n> sets how many papers are cut from the data set (default 3000).
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embedderOptions, loadEmbedder, modelKeyFor } from '../src/embed/embedder.js';
import { paperText } from '../src/embed/text.js';
import { loadConfig } from '../src/config.js';
import { HnswIndex } from '../src/index/hnsw-index.js';
import { fromBlob, SqliteStore } from '../src/store/store.js';
import { CLI, jsonlLines, ROOT, SEED_ARXIV, type ChildResult } from './fault-helpers.js';
import { changeLogOf, exactTopK, tempDir } from './helpers.js';

const DATASET = path.resolve(ROOT, '../shared/data/arxiv-cs-daily/papers-2026.jsonl.gz');
const SOURCE = fs.existsSync(DATASET) ? DATASET : SEED_ARXIV;

const BATCH = 64;
const WANT_PAPERS = Math.max(100, Number(process.env.CRASH_PAPERS) || 3000);
const KILLS = Math.max(1, Number(process.env.CRASH_KILLS) || 4);
const QUERIES = 20;
const TOP = 10;

const config = loadConfig({});
/**
 * The key vectors are stored under: read from the reference store's meta, not assumed to be EMBED_MODEL (it may
 * carry a fingerprint of the weights, e.g. "glove-sif-100d@e9a37108f396").
 */
let MODEL = '';
const PARAMS = { M: config.HNSW_M, efConstruction: config.HNSW_EF_CONSTRUCTION, efSearch: config.HNSW_EF_SEARCH };

/**
 * The model's key (a hash of its files). Vectors are compared bit for bit across processes, so the model must not
 * change during the file (e.g. `npm run build:model` in another shell rebuilding it under the same EMBED_MODEL name).
 */
const modelFingerprint = () => modelKeyFor(embedderOptions(config));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));


// ---------------------------------------------------------------------------------------------------------------
// Running (and killing) the CLI

interface KillPlan {
  /** Kill once this many papers are committed… */
  atRows?: number;
  /** …then wait this long more (spreads kills over the batch in flight: embedding vs commit). */
  extraMs?: number;
  /** Kill as soon as the store file exists (startup: migrations, model load). */
  atStartup?: boolean;
}

interface RunResult extends ChildResult {
  /** Rows the poller saw when it decided to kill. */
  rowsSeen?: number;
  /** Rows committed after the process died (what survived the crash). */
  rowsAfter: number;
}

const running = new Set<number>();

function dbFile(dir: string) {
  return path.join(dir, 'paperfeed.db');
}

/** Committed paper rows, read through a read-only connection (which never checkpoints or writes the db). */
function committedRows(dir: string): number | undefined {
  if (!fs.existsSync(dbFile(dir))) return undefined;
  let db: Database.Database | undefined;
  try {
    db = new Database(dbFile(dir), { readonly: true, fileMustExist: true });
    return (db.prepare('SELECT count(*) AS n FROM papers').get() as { n: number }).n;
  } catch {
    return undefined; // not created / migrated yet
  } finally {
    db?.close();
  }
}

/**
 * Runs `node --import tsx src/ingest/cli.ts file` (no npx, so the pid is the process doing the work; it also gets
 * its own process group, which is what we SIGKILL). With a plan, kills it at the planned moment.
 */
async function runCli(dir: string, file: string, plan?: KillPlan): Promise<RunResult> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, file], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dir, INGEST_BATCH_SIZE: String(BATCH) },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const pid = child.pid!;
  running.add(pid);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  let exited = false;
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      exited = true;
      running.delete(pid);
      resolve({ code, signal });
    }),
  );

  let rowsSeen: number | undefined;
  if (plan) {
    let reader: Database.Database | undefined;
    try {
      while (!exited) {
        if (plan.atStartup) {
          if (fs.existsSync(dbFile(dir))) break;
        } else {
          try {
            reader ??= fs.existsSync(dbFile(dir)) ? new Database(dbFile(dir), { readonly: true, fileMustExist: true }) : undefined;
            const n = reader ? (reader.prepare('SELECT count(*) AS n FROM papers').get() as { n: number }).n : 0;
            if (n >= plan.atRows!) {
              rowsSeen = n;
              break;
            }
          } catch {
            // the schema is not there yet
            reader?.close();
            reader = undefined;
          }
        }
        await sleep(3);
      }
      if (!exited && plan.extraMs) await sleep(plan.extraMs);
      if (!exited) process.kill(-pid, 'SIGKILL');
    } finally {
      reader?.close();
    }
  }
  const { code, signal } = await done;
  const endedAt = Date.now();
  return { code, signal, stdout, stderr, ms: endedAt - started, startedAt: started, endedAt, rowsSeen, rowsAfter: committedRows(dir) ?? 0 };
}

/** "inserted X, updated Y, unchanged Z" from the CLI's summary line. */
function summary(r: RunResult) {
  const m = /inserted (\d+), updated (\d+), unchanged (\d+), rejected (\d+).*store has (\d+) papers/.exec(r.stdout);
  if (!m) throw new Error(`no summary line (code ${r.code}, signal ${r.signal}):\n${r.stdout}\n${r.stderr}`);
  const [inserted, updated, unchanged, rejected, total] = m.slice(1).map(Number);
  return { inserted, updated, unchanged, rejected, total };
}

// ---------------------------------------------------------------------------------------------------------------
// Snapshots and comparison

interface Snapshot {
  papers: number;
  distinctIds: number;
  /** id → seq, content_hash, vector content_hash, vector bytes */
  byId: Map<string, { seq: number; hash: string; vecHash: string | null; vec: Buffer | null }>;
  vectors: number;
  otherModelVectors: number;
  changes: number;
  changedSeqs: Set<number>;
  maxVersion: number;
  meta: Record<string, string>;
}

function snapshot(dir: string): Snapshot {
  if (!MODEL) MODEL = storeModel(dir);
  const db = new Database(dbFile(dir), { readonly: true, fileMustExist: true });
  try {
    const one = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    const rows = db
      .prepare(
        `SELECT p.id, p.seq, p.content_hash AS hash, v.content_hash AS vecHash, v.vec
           FROM papers p LEFT JOIN vectors v ON v.paper_seq = p.seq AND v.model = ? ORDER BY p.seq`,
      )
      .all(MODEL) as { id: string; seq: number; hash: string; vecHash: string | null; vec: Buffer | null }[];
    return {
      papers: one('SELECT count(*) AS n FROM papers'),
      distinctIds: one('SELECT count(DISTINCT id) AS n FROM papers'),
      byId: new Map(rows.map((r) => [r.id, { seq: r.seq, hash: r.hash, vecHash: r.vecHash, vec: r.vec }])),
      vectors: (db.prepare('SELECT count(*) AS n FROM vectors WHERE model = ?').get(MODEL) as { n: number }).n,
      otherModelVectors: (db.prepare('SELECT count(*) AS n FROM vectors WHERE model != ?').get(MODEL) as { n: number }).n,
      changes: one('SELECT count(*) AS n FROM changes'),
      changedSeqs: new Set(db.prepare('SELECT DISTINCT paper_seq FROM changes').pluck().all() as number[]),
      maxVersion: one('SELECT coalesce(max(version), 0) AS n FROM changes'),
      meta: Object.fromEntries((db.prepare('SELECT key, value FROM meta').all() as { key: string; value: string }[]).map((m) => [m.key, m.value])),
    };
  } finally {
    db.close();
  }
}

function storeModel(dir: string): string {
  const db = new Database(dbFile(dir), { readonly: true, fileMustExist: true });
  try {
    return (db.prepare("SELECT value FROM meta WHERE key = 'model'").pluck().get() as string | undefined) ?? '';
  } finally {
    db.close();
  }
}

function maxAbsDiff(a: Buffer, b: Buffer): number {
  const x = fromBlob(a);
  const y = fromBlob(b);
  if (x.length !== y.length) return Infinity;
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

interface Reference {
  dir: string;
  snap: Snapshot;
  ms: number;
  /** Query papers (ids) and the reference index's top-k ids for each. */
  queries: { id: string; vec: Float32Array; top: string[] }[];
  recall: number;
  /** Vectors are bit-for-bit reproducible (checked in beforeAll); otherwise compare with a 1e-6 tolerance. */
  exactVectors: boolean;
}

async function openIndex(dir: string) {
  const store = new SqliteStore(dir);
  const opened = await HnswIndex.open({ dir: path.join(dir, 'index'), model: MODEL, dim: store.modelInfo()!.dim, params: PARAMS, source: changeLogOf(store) });
  return { store, ...opened };
}

/** Top-k ids of the index, by query vector, with the query paper itself included (it is its own nearest). */
function topIds(index: HnswIndex, store: SqliteStore, vec: Float32Array): string[] {
  return index.search(vec, TOP).map((h) => store.getPaperBySeq(h.seq)!.id);
}

/** Recall of the index against exact (brute force) search over all of the store's vectors. */
function recallVsExact(index: HnswIndex, store: SqliteStore, queries: Float32Array[]): number {
  const all = new Map<number, Float32Array>();
  for (const { seq, vec } of store.allVectors(MODEL)) all.set(seq, vec);
  let hit = 0;
  for (const q of queries) {
    const truth = new Set(exactTopK(q, all, TOP));
    hit += index.search(q, TOP).filter((h) => truth.has(h.seq)).length;
  }
  return hit / (queries.length * TOP);
}

/**
 * Everything a finished (possibly crashed-and-rerun) store must share with the uninterrupted reference.
 * `sameGraph`: the index was built the same way as the reference's (one rebuild from the store in seq order), so
 * its top-k must equal the reference's exactly; otherwise it is held to recall ≥ 0.95 against brute force.
 */
async function expectSameAsReference(ref: Reference, dir: string, sameGraph: boolean) {
  const d = snapshot(dir);
  const r = ref.snap;
  expect(d.meta).toEqual(r.meta); // same model binding
  expect(d.papers).toBe(r.papers);
  expect(d.distinctIds).toBe(d.papers); // no duplicate ids
  expect([...d.byId.keys()].sort()).toEqual([...r.byId.keys()].sort());
  expect(d.vectors).toBe(d.papers);
  expect(d.otherModelVectors).toBe(0);

  let hashMismatch = 0;
  let vecMismatch = 0;
  let maxDiff = 0;
  let seqMismatch = 0;
  let noVector = 0;
  for (const [id, want] of r.byId) {
    const got = d.byId.get(id)!;
    if (got.hash !== want.hash || got.vecHash !== got.hash) hashMismatch++;
    if (got.seq !== want.seq) seqMismatch++;
    if (!got.vec) {
      noVector++;
      continue;
    }
    const diff = got.vec.equals(want.vec!) ? 0 : maxAbsDiff(got.vec, want.vec!);
    maxDiff = Math.max(maxDiff, diff);
    if (ref.exactVectors ? diff !== 0 : !(diff <= 1e-6)) vecMismatch++;
  }
  expect({ hashMismatch, noVector, vecMismatch }).toEqual({ hashMismatch: 0, noVector: 0, vecMismatch: 0 });

  // The change log covers every paper, and holds exactly one entry per paper, as in the reference:
  // rolled-back batches left no entries, and the rerun did not re-embed what was already committed.
  for (const { seq } of d.byId.values()) expect(d.changedSeqs.has(seq)).toBe(true);
  expect(d.changes).toBe(r.changes);
  expect(d.maxVersion).toBe(r.maxVersion);

  // The CLI saved the index at the end of the rerun, so it loads (no rebuild) and holds every vector.
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'index', 'manifest.json'), 'utf8'));
  expect(manifest.version).toBe(d.maxVersion);
  expect(manifest.count).toBe(d.papers);
  const { store, index, outcome, reason } = await openIndex(dir);
  try {
    expect({ outcome, reason }).toEqual({ outcome: 'loaded', reason: undefined });
    expect(index.size).toBe(store.countVectors(MODEL));
    expect(index.size).toBe(r.papers);

    let sameTop = 0;
    for (const q of ref.queries) {
      const top = topIds(index, store, q.vec);
      if (JSON.stringify(top) === JSON.stringify(q.top)) sameTop++;
      if (sameGraph) expect(top, `top-${TOP} for ${q.id}`).toEqual(q.top);
    }
    const recall = recallVsExact(index, store, ref.queries.map((q) => q.vec));
    expect(recall).toBeGreaterThanOrEqual(0.95);
    const leftovers = fs.readdirSync(path.join(dir, 'index')).filter((f) => f !== 'manifest.json' && f !== manifest.file);
    return { maxDiff, seqMismatch, sameTop, recall, leftovers };
  } finally {
    store.close();
  }
}

function expectKilled(r: RunResult, what: string) {
  expect(r.signal, `${what}: the CLI should have been SIGKILLed, but exited with code ${r.code}\n${r.stderr}`).toBe('SIGKILL');
}

// ---------------------------------------------------------------------------------------------------------------

describe(`ingest CLI survives SIGKILL (${path.basename(SOURCE)}, batch ${BATCH})`, () => {
  let work: string;
  let input: string;
  let total: number;
  let ref: Reference;
  const report: string[] = [];
  let fingerprint: string;
  const expectSameModel = () =>
    expect(modelFingerprint(), 'the model files changed while the test ran (rebuilt elsewhere?)').toBe(fingerprint);

  beforeAll(async () => {
    fingerprint = modelFingerprint();
    work = tempDir('paperfeed-crash-');
    const lines = await jsonlLines(SOURCE, WANT_PAPERS);
    total = new Set(lines.map((l) => JSON.parse(l).id)).size;
    expect(total).toBe(lines.length); // distinct ids: every batch is a full 64 (except the last)
    input = path.join(work, 'papers.jsonl');
    fs.writeFileSync(input, lines.join('\n') + '\n');

    // The uninterrupted reference run.
    const dir = path.join(work, 'reference');
    const run = await runCli(dir, input);
    expect(run.code, run.stderr).toBe(0);
    expect(summary(run)).toEqual({ inserted: total, updated: 0, unchanged: 0, rejected: 0, total });
    const snap = snapshot(dir);
    expect(snap.papers).toBe(total);
    expect(MODEL.startsWith(config.EMBED_MODEL), `store model ${MODEL}`).toBe(true);

    // Are vectors bit-for-bit reproducible? Re-embed a sample in this process, one by one and as one batch
    // (other batch composition, other padding) and compare with the CLI's bytes.
    const embedder = await loadEmbedder(embedderOptions(config));
    const store = new SqliteStore(dir);
    const sample = [...snap.byId.values()].filter((_, i) => i % Math.ceil(total / 16) === 0).map((p) => store.getPaperBySeq(p.seq)!);
    const texts = sample.map((p) => paperText(p.title, p.abstract));
    const batched = await embedder.embed(texts);
    const single = await Promise.all(texts.map(async (t) => (await embedder.embed([t]))[0]));
    let determinismDiff = 0;
    sample.forEach((p, i) => {
      const stored = snap.byId.get(p.id)!.vec!;
      for (const v of [batched[i], single[i]]) {
        const b = Buffer.from(v.buffer, v.byteOffset, v.byteLength);
        determinismDiff = Math.max(determinismDiff, stored.equals(b) ? 0 : maxAbsDiff(stored, b));
      }
    });
    expect(determinismDiff).toBeLessThanOrEqual(1e-6);
    store.close();

    // Reference search results: the top-k of ~20 stored papers, through the index the CLI saved.
    const opened = await openIndex(dir);
    expect(opened.outcome).toBe('loaded');
    expect(opened.index.size).toBe(total);
    const step = Math.floor(total / QUERIES);
    const queries = Array.from({ length: QUERIES }, (_, i) => opened.store.getPaperBySeq([...snap.byId.values()][i * step].seq)!)
      .map((p) => {
        const vec = opened.store.getVector(p.seq, MODEL)!;
        return { id: p.id, vec, top: topIds(opened.index, opened.store, vec) };
      });
    const recall = recallVsExact(opened.index, opened.store, queries.map((q) => q.vec));
    opened.store.close();
    ref = { dir, snap, ms: run.ms, queries, recall, exactVectors: determinismDiff === 0 };
    report.push(
      `source ${SOURCE} → ${total} papers; reference run ${run.ms} ms (${summary(run).inserted} inserted); ` +
        `vectors reproducible: ${determinismDiff === 0 ? 'bit-for-bit' : `max |Δ| ${determinismDiff}`}; reference recall@${TOP} ${recall.toFixed(3)}`,
    );
  }, 120_000);

  afterAll(() => {
    for (const pid of running) {
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    console.log(`crash-ingest:\n  ${report.join('\n  ')}`);
    if (work && !process.env.CRASH_KEEP) fs.rmSync(work, { recursive: true, force: true });
  });

  it(`one store, killed at startup, at ${KILLS} increasing row counts and in the index build, then rerun`, async () => {
    const dir = path.join(work, 'accumulating');
    const kills: { what: string; r: RunResult }[] = [];

    // 1. During startup (migrations, model load): nothing committed yet.
    kills.push({ what: 'startup', r: await runCli(dir, input, { atStartup: true }) });

    // 2. Mid-ingest, K times, each run resuming the last one. Targets are spread evenly over the file; the extra
    //    delay (deterministic, 0…110 ms, golden-ratio spread) moves the kill across the batch in flight, from just after a commit
    //    (reading/merging the next batch) through its embedding to its commit.
    const targets = [...new Set(Array.from({ length: KILLS }, (_, i) => Math.max(1, Math.round((total * (i + 1)) / (KILLS + 1)))))];
    for (const [i, atRows] of targets.entries()) {
      const extraMs = Math.round(110 * ((i * 0.618034) % 1));
      kills.push({ what: `rows≥${atRows}+${extraMs}ms`, r: await runCli(dir, input, { atRows, extraMs }) });
    }
    // 3. After the last batch committed: the CLI is rebuilding / saving the index.
    kills.push({ what: 'index build', r: await runCli(dir, input, { atRows: total }) });

    for (const k of kills) expectKilled(k.r, k.what);
    const mid = kills.slice(1, 1 + targets.length);
    // Every crash left whole batches only (ids are distinct, so each batch commits exactly 64 new rows).
    for (const k of kills) expect(k.r.rowsAfter === total || k.r.rowsAfter % BATCH === 0, `${k.what}: ${k.r.rowsAfter} rows`).toBe(true);
    // Not vacuous: the mid-ingest kills really landed mid-ingest, and the runs made progress.
    const inside = mid.filter((k) => k.r.rowsAfter > 0 && k.r.rowsAfter < total).length;
    expect(inside).toBeGreaterThanOrEqual(Math.ceil(mid.length * 0.75));
    expect(kills[0].r.rowsAfter).toBe(0);
    for (let i = 1; i < mid.length; i++) expect(mid[i].r.rowsAfter).toBeGreaterThanOrEqual(mid[i - 1].r.rowsAfter);
    // The index-build kill left the store complete but no saved index.
    expect(kills.at(-1)!.r.rowsAfter).toBe(total);

    // 4. The rerun completes, inserts nothing twice and re-embeds nothing that was committed.
    const rerun = await runCli(dir, input);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(summary(rerun)).toEqual({ inserted: 0, updated: 0, unchanged: total, rejected: 0, total });

    expectSameModel();
    const result = await expectSameAsReference(ref, dir, true);
    report.push(
      `accumulating: ${kills.map((k) => `${k.what} → killed after ${k.r.ms} ms, ${k.r.rowsAfter} rows`).join('; ')}; ` +
        `rerun ${rerun.ms} ms (${summary(rerun).unchanged} unchanged); same top-${TOP} ${result.sameTop}/${QUERIES}, ` +
        `recall ${result.recall.toFixed(3)}, max vector |Δ| ${result.maxDiff}, seqs differing ${result.seqMismatch}, ` +
        `index leftovers [${result.leftovers.join(', ')}]`,
    );
  }, 180_000);

  it('a store with a saved index: killed twice mid-ingest, then rerun (index loaded and caught up, not rebuilt)', async () => {
    const dir = path.join(work, 'with-index');
    const half = Math.floor(total / 2 / BATCH) * BATCH;
    const halfFile = path.join(work, 'first-half.jsonl');
    fs.writeFileSync(halfFile, fs.readFileSync(input, 'utf8').split('\n').slice(0, half).join('\n') + '\n');
    const first = await runCli(dir, halfFile);
    expect(first.code, first.stderr).toBe(0);
    expect(summary(first).inserted).toBe(half);

    // Mid-ingest of the rest: first deep in a batch's embedding, then just after a commit; then in the
    // final catch-up/save of the index (a manifest from the first run exists, so the kill can hit mid-save).
    const a = await runCli(dir, input, { atRows: half + Math.round((total - half) / 3), extraMs: 60 });
    const b = await runCli(dir, input, { atRows: half + Math.round((2 * (total - half)) / 3) });
    const c = await runCli(dir, input, { atRows: total, extraMs: 20 });
    for (const [what, r] of [['a', a], ['b', b]] as const) {
      expectKilled(r, what);
      expect(r.rowsAfter).toBeGreaterThan(half);
      expect(r.rowsAfter).toBeLessThan(total);
      expect(r.rowsAfter % BATCH).toBe(0);
    }
    expect(b.rowsAfter).toBeGreaterThan(a.rowsAfter);
    // c may have finished before the kill on a fast machine; either way the store is complete.
    expect(c.rowsAfter).toBe(total);

    const rerun = await runCli(dir, input);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(summary(rerun)).toEqual({ inserted: 0, updated: 0, unchanged: total, rejected: 0, total });
    // The index was loaded and caught up from the store's change log. Its graph was grown in two steps (so it may
    // differ from the reference's one-pass build): it is held to recall ≥ 0.95 against exact search.
    expectSameModel();
    const result = await expectSameAsReference(ref, dir, false);
    report.push(
      `with saved index (${half} papers first): kills at ${a.rowsAfter} (${a.ms} ms), ${b.rowsAfter} (${b.ms} ms), ` +
        `index phase ${c.signal ?? `exit ${c.code}`} (${c.rowsAfter} rows, ${c.ms} ms); rerun ${rerun.ms} ms; ` +
        `index log: ${/index: .*/.exec(rerun.stderr)?.[0]}; same top-${TOP} as reference ${result.sameTop}/${QUERIES}, ` +
        `recall ${result.recall.toFixed(3)}, index leftovers [${result.leftovers.join(', ')}]`,
    );
  }, 180_000);
});
