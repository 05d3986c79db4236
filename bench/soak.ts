// npm run soak -- [--minutes 10] [--data-dir <store>] [--concurrency 8] [--write-every-ms 2000] [--write-batch 50]
//
// Soak test: copies a large store to a temp dir (the original is never touched; default: the full-corpus benchmark
// store, built from ../shared/data on first use), starts the server on it as a child process (`src/main.ts`, like
// `npm start`, through bench/serve-lib.ts), and runs mixed read traffic — similar, hybrid search,
// trending, the feed of a user with 50 stars, embed, recommend, paper lookups — while a writer POSTs batches of new
// synthetic-but-realistic papers (titles and abstracts recombined from real ones, new ids). Reports requests,
// errors, p50/p99 per kind, and the server's RSS sampled every 10 s (to see it level off), then stops the server
// with SIGTERM and checks it exits 0 with every added paper stored and indexed.
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { arg, intArg, rng } from './lib.js';
import { ADMIN_TOKEN as ADMIN, copyStore, DEFAULT_STORE, startServer } from './serve-lib.js';

const minutes = Number(arg('minutes', '10'));
const source = path.resolve(arg('data-dir', process.env.DATA_DIR ?? DEFAULT_STORE)!);
const concurrency = intArg('concurrency', 8);
const writeEveryMs = intArg('write-every-ms', 2000);
const writeBatch = intArg('write-batch', 50);
const random = rng(20260821);
const pick = <T>(xs: T[]) => xs[Math.floor(random() * xs.length)];

// 1. Copy the store (and its index) so the soak never modifies the original.
const { work, dataDir } = copyStore(source);

// 2. Sample real papers (ids for lookups, texts for synthetic papers and embed calls).
const db = new Database(path.join(dataDir, 'paperfeed.db'), { readonly: true, fileMustExist: true });
const startPapers = (db.prepare('SELECT count(*) AS n FROM papers').get() as { n: number }).n;
const newest = (db.prepare('SELECT max(published) AS m FROM papers').get() as { m: string }).m;
const sample = db
  .prepare('SELECT id, title, abstract, categories FROM papers WHERE seq % 40 = 0 LIMIT 4000')
  .all() as { id: string; title: string; abstract: string; categories: string }[];
db.close();
const ids = sample.map((p) => p.id);
const sentences = sample.flatMap((p) => p.abstract.split(/(?<=\.)\s+/).filter((s) => s.length > 30));
const titleWords = sample.flatMap((p) => p.title.split(/\s+/));
const queries = sample.slice(0, 500).map((p) => p.title.split(/\s+/).slice(0, 4).join(' '));

// 3. Start the server and wait for /readyz.
const server = await startServer(dataDir);
const { base, child } = server;
console.log(`server ready at ${base} in ${(server.readyMs / 1000).toFixed(1)} s (${startPapers} papers)`);

const rssKb = () => {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
};

const post = (p: string, body: unknown, token?: string) =>
  fetch(base + p, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify(body),
  });

// 4. A user with 50 stars.
const user = (await (await post('/v1/users', { name: 'soak' }, ADMIN)).json()) as { id: string; token: string };
for (const id of ids.slice(0, 50)) {
  const r = await fetch(`${base}/v1/users/${user.id}/stars/${encodeURIComponent(id)}`, { method: 'PUT', headers: { authorization: `Bearer ${user.token}` } });
  if (r.status !== 201 && r.status !== 200) throw new Error(`star ${id}: ${r.status}`);
}

// 5. Traffic.
type Kind = 'similar' | 'search' | 'trending' | 'feed' | 'embed' | 'recommend' | 'paper' | 'write';
const MIX: [Kind, number][] = [['similar', 25], ['search', 20], ['trending', 10], ['feed', 10], ['embed', 10], ['recommend', 10], ['paper', 15]];
const mixTotal = MIX.reduce((s, [, w]) => s + w, 0);
const lat = new Map<Kind, number[]>();
const errors = new Map<string, number>();
let added = 0;

function chooseKind(): Kind {
  let x = random() * mixTotal;
  for (const [k, w] of MIX) if ((x -= w) < 0) return k;
  return 'paper';
}

async function one(kind: Kind): Promise<void> {
  const started = performance.now();
  let res: Response;
  try {
    switch (kind) {
      case 'similar':
        res = await fetch(`${base}/v1/papers/${encodeURIComponent(pick(ids))}/similar?k=10`);
        break;
      case 'search':
        res = await fetch(`${base}/v1/search?q=${encodeURIComponent(pick(queries))}&mode=hybrid&k=10`);
        break;
      case 'trending':
        res = await fetch(`${base}/v1/trending?k=20${random() < 0.5 ? '&category=cs.LG' : ''}`);
        break;
      case 'feed':
        res = await fetch(`${base}/v1/users/${user.id}/feed?k=20`, { headers: { authorization: `Bearer ${user.token}` } });
        break;
      case 'embed':
        res = await post('/v1/embed', { texts: Array.from({ length: 4 }, () => pick(sentences)) });
        break;
      case 'recommend':
        res = await post('/v1/recommend', { positive: Array.from({ length: 5 }, () => pick(ids)), negative: [pick(ids)], k: 10 });
        break;
      case 'paper':
        res = await fetch(`${base}/v1/papers/${encodeURIComponent(pick(ids))}`);
        break;
      default:
        throw new Error(kind);
    }
    await res.arrayBuffer();
    if (res.status >= 400) errors.set(`${kind} ${res.status}`, (errors.get(`${kind} ${res.status}`) ?? 0) + 1);
  } catch (err) {
    errors.set(`${kind} ${(err as Error).message}`, (errors.get(`${kind} ${(err as Error).message}`) ?? 0) + 1);
  }
  const ms = performance.now() - started;
  (lat.get(kind) ?? lat.set(kind, []).get(kind)!).push(ms);
}

let seq = 0;
function syntheticPaper() {
  const n = seq++;
  const abstract = Array.from({ length: 4 + Math.floor(random() * 4) }, () => pick(sentences)).join(' ');
  const title = Array.from({ length: 6 + Math.floor(random() * 6) }, () => pick(titleWords)).join(' ');
  const src = pick(sample);
  return { id: `soak-${process.pid}-${n}`, title, abstract, authors: ['Soak Tester'], published: newest, categories: JSON.parse(src.categories), source: 'soak' };
}

const loadStart = os.loadavg()[0];
const endAt = Date.now() + minutes * 60_000;
const rss: { t: number; mb: number }[] = [{ t: 0, mb: rssKb() / 1024 }];
const soakStart = Date.now();
const sampler = setInterval(() => rss.push({ t: Math.round((Date.now() - soakStart) / 1000), mb: rssKb() / 1024 }), 10_000);

const readers = Array.from({ length: concurrency }, async () => {
  while (Date.now() < endAt) await one(chooseKind());
});
const writer = (async () => {
  while (Date.now() < endAt) {
    const started = performance.now();
    try {
      const res = await post('/v1/papers', { papers: Array.from({ length: writeBatch }, syntheticPaper) }, ADMIN);
      const body = (await res.json()) as { inserted?: number };
      if (res.status !== 200 && res.status !== 201) errors.set(`write ${res.status}`, (errors.get(`write ${res.status}`) ?? 0) + 1);
      else added += body.inserted ?? 0;
    } catch (err) {
      errors.set(`write ${(err as Error).message}`, (errors.get(`write ${(err as Error).message}`) ?? 0) + 1);
    }
    const ms = performance.now() - started;
    (lat.get('write') ?? lat.set('write', []).get('write')!).push(ms);
    await new Promise((r) => setTimeout(r, Math.max(0, writeEveryMs - ms)));
  }
})();
await Promise.all([...readers, writer]);
clearInterval(sampler);
rss.push({ t: Math.round((Date.now() - soakStart) / 1000), mb: rssKb() / 1024 });
const seconds = (Date.now() - soakStart) / 1000;

// 6. Everything added is served: /readyz counts it, a new paper is found by its own similar list's neighbourhood.
const ready = (await (await fetch(`${base}/readyz`)).json()) as { indexed?: number };
const health = (await (await fetch(`${base}/healthz`)).json()) as { papers?: number };

// 7. Stop (SIGTERM: in-flight done, index saved) and check the exit code.
const { code, ms: stopMs } = await server.stop();

const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor(p * s.length))] : NaN;
};
const all = [...lat.entries()].filter(([k]) => k !== 'write').flatMap(([, v]) => v);
const totalErrors = [...errors.values()].reduce((s, n) => s + n, 0);
const lines = [
  `soak: ${minutes} min on a copy of ${source} (${startPapers} papers at start), concurrency ${concurrency}, ${os.cpus().length} cores`,
  `requests: ${all.length} reads (${(all.length / seconds).toFixed(0)}/s) + ${lat.get('write')?.length ?? 0} writes of ${writeBatch} papers; errors: ${totalErrors}${totalErrors ? ` ${JSON.stringify(Object.fromEntries(errors))}` : ''}`,
  `papers added: ${added}; at the end /healthz says ${health.papers}, /readyz indexed ${ready.indexed} (expected ${startPapers + added})`,
  `latency all reads: p50 ${q(all, 0.5).toFixed(1)} ms, p99 ${q(all, 0.99).toFixed(1)} ms`,
  '',
  '| kind | requests | p50 ms | p99 ms |',
  '|---|---:|---:|---:|',
  ...[...lat.entries()].map(([k, v]) => `| ${k} | ${v.length} | ${q(v, 0.5).toFixed(1)} | ${q(v, 0.99).toFixed(1)} |`),
  '',
  `RSS (MB) every 10 s: ${rss.map((r) => `${r.t}s ${r.mb.toFixed(0)}`).join(', ')}`,
  `SIGTERM → exit code ${code} in ${stopMs.toFixed(0)} ms; 1-min load average ${loadStart.toFixed(1)} at start, ${os.loadavg()[0].toFixed(1)} at end`,
  `server log: ${server.output().split('\n').filter((l) => /index|error|failed/i.test(l)).slice(-6).join(' | ') || '(nothing about the index or errors)'}`,
];
console.log(lines.join('\n'));
fs.rmSync(work, { recursive: true, force: true });
process.exit(code === 0 && totalErrors === 0 && ready.indexed === startPapers + added ? 0 : 1);
