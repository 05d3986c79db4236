// npm run bench:replicas [-- --store <dir> --queries 300 --ingest 20000 --writes 30]
// PostgreSQL engine and replicas, on the full-corpus store (prepare-store) copied into a throwaway cluster:
// (1) migrate-store time; (2) keyword search latency and known-item quality, SQLite vs PostgreSQL, on the same
// corpus; (3) replica cold start from Postgres (no local index: built from a paged read of every vector), start from
// the shared index snapshot, and warm start (its local index cache), RSS; (4) staleness: a paper written through replica A appears in /similar and
// keyword search on replica B; (5) ingest of the same N papers with the CLI, SQLite vs PostgreSQL.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { PROJECT_ROOT } from '../src/config.js';
import { queryTerms } from '../src/store/search.js';
import { copySqliteToPostgres } from '../src/store/pg/copy-from-sqlite.js';
import { PostgresEngine } from '../src/store/postgres-engine.js';
import { pgIndexSnapshots } from '../src/store/pg/snapshots.js';
import { SqliteEngine } from '../src/store/sqlite-engine.js';
import { PgAdmin, startPgCluster } from '../test/pg-cluster.js';
import { arg, firstLines, fmt, intArg, loadAvg, machine, markdownTable, median, quantile, rng } from './lib.js';
import { ADMIN_TOKEN, copyStore, DEFAULT_STORE, EMBED_MODEL, log, prepareStore, procRssMb, samplePapers, sleep, startServer, BENCH_STORE_DIR } from './serve-lib.js';

const STORE = path.resolve(arg('store', DEFAULT_STORE)!);
const QUERIES = intArg('queries', 300);
const INGEST_N = intArg('ingest', 20000);
const WRITES = intArg('writes', 30);
const SEED = intArg('seed', 20261204);
const rows: (string | number)[][] = [];
const add = (what: string, sqlite: string, postgres: string, note = '') => {
  rows.push([what, sqlite, postgres, note]);
  log(`${what}: sqlite ${sqlite} | postgres ${postgres} ${note}`);
};

if (STORE === BENCH_STORE_DIR) prepareStore(STORE);
log(`${machine()}; load ${loadAvg()}; seed ${SEED}`);
const { work, dataDir } = copyStore(STORE);
const cluster = await startPgCluster();
const url = await new PgAdmin(cluster.url()).createDatabase();
try {
  // (1) the copy
  const pg = await PostgresEngine.open(url);
  let t = performance.now();
  const copied = await copySqliteToPostgres(dataDir, pg.pool, () => {});
  add('migrate-store (papers + vectors + users)', '—', `${fmt((performance.now() - t) / 1000, 1)} s`, `${copied.papers} papers`);

  // (2) keyword search: known-item queries (2–3 random title words; or those plus a stray word from another title)
  const sqlite = SqliteEngine.open(dataDir);
  const sample = samplePapers(dataDir, QUERIES * 2, SEED);
  const random = rng(SEED);
  const words = (title: string) => queryTerms(title).filter((w) => w.length > 2);
  const pick = <T>(xs: T[], n: number) => [...xs].sort(() => random() - 0.5).slice(0, n);
  const queries: { q: string; seq: number; stray: boolean }[] = [];
  for (let i = 0; i < QUERIES && i < sample.length; i++) {
    const p = sample[i];
    const w = words(p.title);
    if (w.length < 3) continue;
    const stray = i % 3 === 2;
    const q = [...pick(w, 2 + (i % 2)), ...(stray ? pick(words(sample[QUERIES + i].title), 1) : [])].join(' ');
    queries.push({ q, seq: p.seq, stray });
  }
  for (const [name, engine] of [['sqlite', sqlite], ['postgres', pg]] as const) {
    for (const { q } of queries.slice(0, 20)) await engine.papers.keywordSearch(q, 10, {}); // warm-up
  }
  const measure = async (engine: SqliteEngine | PostgresEngine) => {
    const ms: number[] = [];
    let found = 0;
    let foundStray = 0;
    for (const { q, seq, stray } of queries) {
      const t0 = performance.now();
      const hits = await engine.papers.keywordSearch(q, 10, {});
      ms.push(performance.now() - t0);
      if (hits.some((h) => h.seq === seq)) (stray ? foundStray++ : found++);
    }
    const strays = queries.filter((x) => x.stray).length;
    return { p50: median(ms), p99: quantile(ms, 0.99), found: found / (queries.length - strays), foundStray: foundStray / strays };
  };
  const ks = await measure(sqlite);
  const kp = await measure(pg);
  add('keyword search p50 / p99', `${fmt(ks.p50, 1)} / ${fmt(ks.p99, 1)} ms`, `${fmt(kp.p50, 1)} / ${fmt(kp.p99, 1)} ms`, `${queries.length} queries`);
  add('known item in top 10 (2–3 title words)', fmt(ks.found, 3), fmt(kp.found, 3));
  add('known item in top 10 (plus a stray word)', fmt(ks.foundStray, 3), fmt(kp.foundStray, 3));
  await sqlite.close();
  await pg.close();

  // (3) replicas: cold start (no local index), a second replica, warm restart
  const env = { DATABASE_URL: url, INDEX_SYNC_MS: '600000' };
  const dirA = fs.mkdtempSync(path.join(os.tmpdir(), 'paperfeed-replica-a-'));
  const dirB = fs.mkdtempSync(path.join(os.tmpdir(), 'paperfeed-replica-b-'));
  let a = await startServer(dirA, { env });
  add('replica cold start to ready (index built from Postgres)', '—', `${fmt(a.readyMs / 1000, 1)} s`, `RSS ${fmt(procRssMb(a.pid))} MB`);
  // The first replica stores its index as the shared snapshot once ready; a second one starts from it.
  const watcher = await PostgresEngine.open(url);
  const model = (await watcher.model.info())!.model;
  const snapshots = pgIndexSnapshots(watcher.pool);
  for (const deadline = Date.now() + 120_000; !(await snapshots.latest(model)); ) {
    if (Date.now() > deadline) throw new Error('no index snapshot stored within 120 s');
    await sleep(100);
  }
  await watcher.close();
  const b = await startServer(dirB, { env });
  add('replica start to ready from the shared snapshot', '—', `${fmt(b.readyMs / 1000, 1)} s`, `RSS ${fmt(procRssMb(b.pid))} MB`);
  await a.stop();
  a = await startServer(dirA, { env });
  add('replica warm start to ready (its local index cache)', '—', `${fmt(a.readyMs / 1000, 1)} s`, `RSS ${fmt(procRssMb(a.pid))} MB`);

  // (4) staleness: write through A, poll B's /similar (the index, via NOTIFY) and keyword search (Postgres)
  const lag: number[] = [];
  const searchLag: number[] = [];
  for (let i = 0; i < WRITES; i++) {
    const src = sample[i];
    const id = `bench-replica-${i}-${Date.now()}`;
    const body = { papers: [{ id, title: src.title, abstract: src.abstract, published: '2026-08-20' }] };
    const res = await fetch(`${a.base}/v1/papers`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (res.status !== 200) throw new Error(`write through A: ${res.status} ${await res.text()}`);
    const written = performance.now();
    // Two pollers at once, so a slow search request does not delay noticing the index update (and vice versa).
    const poll = async (url: string) => {
      for (;;) {
        if (performance.now() - written > 30_000) throw new Error(`not visible on B within 30 s: ${url}`);
        const body = await (await fetch(url)).json();
        if (body.items?.some((x: { paper: { id: string } }) => x.paper.id === id)) return performance.now() - written;
      }
    };
    const [seenSimilar, seenSearch] = await Promise.all([
      poll(`${b.base}/v1/papers/${encodeURIComponent(src.id)}/similar?k=3`),
      poll(`${b.base}/v1/search?mode=keyword&k=20&q=${encodeURIComponent(src.title)}`),
    ]);
    lag.push(seenSimilar);
    searchLag.push(seenSearch);
  }
  add('write on A → in /similar on B, p50 / p99', '—', `${fmt(median(lag))} / ${fmt(quantile(lag, 0.99))} ms`, `${WRITES} writes`);
  add('write on A → in keyword search on B, p50 / p99', '—', `${fmt(median(searchLag))} / ${fmt(quantile(searchLag, 0.99))} ms`, 'includes the search request itself');
  await a.stop();
  await b.stop();

  // (5) ingest of the same N papers with the CLI
  const source = path.resolve(PROJECT_ROOT, '..', 'shared', 'data', 'arxiv-cs-daily', 'papers-2026.jsonl.gz');
  const jsonl = path.join(work, 'ingest.jsonl');
  fs.writeFileSync(jsonl, `${(await firstLines(source, INGEST_N)).join('\n')}\n`);
  const cli = path.join(PROJECT_ROOT, 'src', 'ingest', 'cli.ts');
  const ingest = (extra: Record<string, string>) => {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', cli, jsonl], {
      cwd: PROJECT_ROOT,
      env: { ...process.env, EMBED_MODEL, ADMIN_TOKEN, SEED_ON_EMPTY: 'false', ...extra },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    if (r.status !== 0) throw new Error(`ingest failed: ${r.stderr}`);
    return (performance.now() - t0) / 1000;
  };
  const sqliteS = ingest({ DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'paperfeed-ingest-')) });
  const pgS = ingest({ DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'paperfeed-ingest-')), DATABASE_URL: await new PgAdmin(cluster.url()).createDatabase() });
  add(`CLI ingest of ${INGEST_N} papers (new store)`, `${fmt(sqliteS, 1)} s`, `${fmt(pgS, 1)} s`, `Postgres/SQLite throughput ${fmt(sqliteS / pgS, 2)}×`);
} finally {
  await cluster.destroy();
  fs.rmSync(work, { recursive: true, force: true });
}

console.log(`\n${machine()}; load before: see log; seed ${SEED}\n`);
console.log(markdownTable(['measure', 'SQLite engine', 'PostgreSQL engine', 'note'], rows));
