// npm run bench:replicas [-- --store <dir> --queries 300 --ingest 20000 --writes 30 --seconds 10 --connections 8 --through 7]
// PostgreSQL engine and replicas, on the full-corpus store (prepare-store) copied into a throwaway cluster; servers
// run the built dist/main.js as `npm start` does (built first):
// (1) migrate-store time; (2) keyword search latency and known-item quality, SQLite vs PostgreSQL, on the same
// corpus (engine ports); (3) replica cold start from Postgres (no local index: built from a paged read of every
// vector), start from the shared index snapshot, and warm start (its local index cache): wall clock and CPU to
// ready, RSS; (4) hybrid search over HTTP, a SQLite server vs a PostgreSQL replica, same queries interleaved;
// (5) staleness: a paper written through replica A appears in /similar and keyword search on replica B;
// (6) /similar and feed throughput through nginx (deploy/nginx-replicas.conf) with 1 vs 2 replicas, CPU per request;
// memory per replica and its extrapolation; (7) ingest of the same N papers with the CLI, SQLite vs PostgreSQL.
// --through 2 or 3 stops after that section (the later ones need the replicas of (3) and the queries of (2)).
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
import { nginxCpuMs, startNginx } from './nginx.js';
import {
  ADMIN_TOKEN, buildServer, copyStore, createUserWithStars, DEFAULT_STORE, EMBED_MODEL, load, log, prepareStore, procCpuMs, procRssMb, rotate,
  samplePapers, sleep, startServer, BENCH_STORE_DIR, type ChildServer,
} from './serve-lib.js';

const STORE = path.resolve(arg('store', DEFAULT_STORE)!);
const QUERIES = intArg('queries', 300);
const INGEST_N = intArg('ingest', 20000);
const WRITES = intArg('writes', 30);
const SEED = intArg('seed', 20261204);
const SECONDS = intArg('seconds', 10);
const CONNECTIONS = intArg('connections', 8);
const THROUGH = intArg('through', 7);
/** hnswlib's memory per 100-d point at M=16 (BENCHMARKS.md, index parameters): what grows with the corpus. */
const INDEX_KB_PER_POINT = 0.9;
const rows: (string | number)[][] = [];
const add = (what: string, sqlite: string, postgres: string, note = '') => {
  rows.push([what, sqlite, postgres, note]);
  log(`${what}: sqlite ${sqlite} | postgres ${postgres} ${note}`);
};

if (STORE === BENCH_STORE_DIR) prepareStore(STORE);
const load0 = loadAvg();
log(`${machine()}; load ${load0}; seed ${SEED}`);
buildServer();
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

  sections: {
    if (THROUGH < 3) break sections;
    // (3) replicas: cold start (no local index), a second replica from the shared snapshot, warm restart
    const env = { DATABASE_URL: url, INDEX_SYNC_MS: '600000' };
    const dirA = fs.mkdtempSync(path.join(os.tmpdir(), 'paperfeed-replica-a-'));
    const dirB = fs.mkdtempSync(path.join(os.tmpdir(), 'paperfeed-replica-b-'));
    const started = (s: ChildServer) => `${fmt(s.readyMs / 1000, 1)} s (CPU ${fmt(procCpuMs(s.pid) / 1000, 1)} s)`;
    let a = await startServer(dirA, { env, built: true, readyTimeoutMs: 1_800_000 }); // a cold build takes minutes on a loaded box
    add('replica cold start to ready (index built from Postgres)', '—', started(a), `RSS ${fmt(procRssMb(a.pid))} MB`);
    // The first replica stores its index as the shared snapshot once ready; a second one starts from it.
    const watcher = await PostgresEngine.open(url);
    const model = (await watcher.model.info())!.model;
    const snapshots = pgIndexSnapshots(watcher.pool);
    for (const deadline = Date.now() + 120_000; !(await snapshots.latest(model)); ) {
      if (Date.now() > deadline) throw new Error('no index snapshot stored within 120 s');
      await sleep(100);
    }
    const b = await startServer(dirB, { env, built: true });
    add('replica start to ready from the shared snapshot (index + lexicon)', '—', started(b), `RSS ${fmt(procRssMb(b.pid))} MB`);
    // The same snapshot without its lexicon, as snapshots were before it travelled with them: the replica rebuilds the
    // lexicon from paper_terms. Then the full one again, so the order does not decide.
    const latest = (await snapshots.latest(model))!;
    const stored = (await snapshots.read(latest.id))!;
    const full = { manifest: stored.manifest, data: Buffer.concat(stored.parts) };
    const { lexicon, ...indexOnly } = JSON.parse(full.manifest) as { lexicon?: { bytes: number } };
    if (!lexicon) throw new Error('the stored snapshot has no lexicon');
    const storeSnapshot = async (manifest: string, data: Buffer) => {
      await watcher.pool.query('DELETE FROM index_snapshots');
      if (!(await snapshots.write(model, latest.version, manifest, data))) throw new Error('snapshot not written');
    };
    await storeSnapshot(JSON.stringify(indexOnly), full.data.subarray(0, full.data.length - lexicon.bytes));
    for (const [what, withLexicon] of [['without its lexicon (rebuilt from Postgres)', false], ['index + lexicon, again', true]] as const) {
      if (withLexicon) await storeSnapshot(full.manifest, full.data);
      const c = await startServer(fs.mkdtempSync(path.join(os.tmpdir(), 'paperfeed-replica-c-')), { env, built: true });
      add(`replica start to ready from the shared snapshot (${what})`, '—', started(c), `RSS ${fmt(procRssMb(c.pid))} MB; snapshot ${fmt((withLexicon ? full.data.length : full.data.length - lexicon.bytes) / 1e6)} MB`);
      await c.stop();
    }
    await watcher.close();
    await a.stop();
    a = await startServer(dirA, { env, built: true });
    add('replica warm start to ready (its local index cache)', '—', started(a), `RSS ${fmt(procRssMb(a.pid))} MB`);

    if (THROUGH < 4) {
      await a.stop();
      await b.stop();
      break sections;
    }
    // (4) hybrid search over HTTP: a SQLite server on the same store vs replica A, the same queries interleaved
    const s = await startServer(dataDir, { built: true });
    const hybrid = { sqlite: [] as number[], postgres: [] as number[] };
    const timedGet = async (base: string, q: string) => {
      const t0 = performance.now();
      const r = await fetch(`${base}/v1/search?mode=hybrid&k=10&q=${encodeURIComponent(q)}`);
      await r.arrayBuffer();
      if (r.status !== 200) throw new Error(`hybrid search: ${r.status}`);
      return performance.now() - t0;
    };
    for (const { q } of queries.slice(0, 20)) await Promise.all([timedGet(s.base, q), timedGet(a.base, q)]); // warm-up
    for (const { q } of queries) {
      hybrid.sqlite.push(await timedGet(s.base, q));
      hybrid.postgres.push(await timedGet(a.base, q));
    }
    const [hs, hp] = [hybrid.sqlite, hybrid.postgres];
    add('hybrid search p50 / p99 (HTTP, k=10)', `${fmt(median(hs), 1)} / ${fmt(quantile(hs, 0.99), 1)} ms`, `${fmt(median(hp), 1)} / ${fmt(quantile(hp, 0.99), 1)} ms`, `${queries.length} queries, interleaved; PG/SQLite p50 ${fmt(median(hp) / median(hs), 2)}×`);
    await s.stop();

    // (5) staleness: write through A, poll B's /similar (the index, via NOTIFY) and keyword search (Postgres)
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

    // (6) throughput through nginx (the committed config), 1 vs 2 replicas; CPU per request over all replica processes
    const user = await createUserWithStars(a.base, sample.slice(0, 50).map((p) => p.id));
    const similarIds = sample.slice(0, 200).map((p) => p.id);
    const routes = {
      similar: { title: '/similar', next: ((n) => () => ({ path: `/v1/papers/${encodeURIComponent(n())}/similar?k=10` }))(rotate(similarIds)) },
      feed: { title: 'feed', headers: { authorization: `Bearer ${user.token}` }, next: () => ({ path: `/v1/users/${user.id}/feed?k=10` }) },
    };
    for (const replicas of [[a], [a, b]]) {
      const nginx = await startNginx(replicas.map((r) => new URL(r.base).host));
      try {
        await load({ ...routes.similar, base: nginx.base, durationS: 2, connections: CONNECTIONS }); // warm-up
        for (const [name, spec] of Object.entries(routes)) {
          const cpu0 = replicas.map((r) => procCpuMs(r.pid));
          const ng0 = nginxCpuMs(nginx.pid, procCpuMs);
          const r = await load({ ...spec, base: nginx.base, durationS: SECONDS, connections: CONNECTIONS });
          const cpu = replicas.reduce((sum, x, i) => sum + procCpuMs(x.pid) - cpu0[i], 0);
          const ng = nginxCpuMs(nginx.pid, procCpuMs) - ng0;
          add(
            `${name} through nginx, ${replicas.length} replica${replicas.length > 1 ? 's' : ''}`,
            '—',
            `${fmt(r.rps, 1)} req/s, p50 ${fmt(r.p50, 1)} ms`,
            `replica CPU ${fmt(cpu / Math.max(1, r.requests), 2)} ms/req, nginx ${fmt(ng / Math.max(1, r.requests), 2)} ms/req, ${r.errors} errors`,
          );
        }
      } finally {
        await nginx.stop();
      }
    }
    // Memory: what each replica holds at this corpus size; the index is what grows with it.
    const papers = copied.papers;
    for (const [name, r] of [['A', a], ['B', b]] as const) {
      const rss = procRssMb(r.pid);
      const at = (n: number) => fmt((rss + ((n - papers) * INDEX_KB_PER_POINT) / 1024) / 1024, 1);
      add(`replica ${name} RSS after the runs`, '—', `${fmt(rss)} MB`, `extrapolated (+${INDEX_KB_PER_POINT} KB per paper): 1M ≈ ${at(1_000_000)} GB, 2.5M ≈ ${at(2_500_000)} GB`);
    }
    await a.stop();
    await b.stop();

    // (7) ingest of the same N papers with the CLI
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
  }
} finally {
  await cluster.destroy();
  fs.rmSync(work, { recursive: true, force: true });
}

console.log(`\n${machine()}; load average before ${load0}, after ${loadAvg()}; seed ${SEED}\n`);
console.log(markdownTable(['measure', 'SQLite engine', 'PostgreSQL engine', 'note'], rows));
