// npm run bench:sync [-- --n 10000 --page 1000 --reps 2 --source ../shared/data/arxiv-cs-daily/papers-2026.jsonl.gz]
//                     [--server-only]   (part 2 alone)
//
// The arXiv source end to end against the local fake OAI-PMH upstream (test/fake-upstream.ts, real arXivRaw XML,
// pages of --page records joined by resumption tokens, no delay between requests):
// 1. `npm run sync` (a child process) harvesting --n real papers into an empty store vs `npm run ingest` on the same
//    papers as JSONL, alternated --reps times: wall time, papers/s, the ratio (target ≥ 0.8×), peak RSS (from
//    /usr/bin/time); and the sync's peak RSS at --n/4 records, to show memory stays flat while paging.
// 2. The server (child process) harvesting the same --n papers (POST /v1/admin/sources/arxiv/run) while an open-loop
//    client reads papers at 20 req/s: event-loop delay p99/max (prom-client's nodejs_eventloop_lag_*, reset by a
//    scrape at the start, as bench:serving-ingest measures it; target p99 ≤ 100 ms) and the reads' p99.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FakeUpstream, oaiList, toArxivRecord, type FlatPaper } from '../test/fake-upstream.js';
import { arg, firstLines, fromRoot, intArg, machine, markdownTable, median, quantile } from './lib.js';
import { ADMIN_TOKEN, log, metrics, sleep, startServer } from './serve-lib.js';

const N = intArg('n', 10_000);
const PAGE = intArg('page', 1000);
const REPS = intArg('reps', 2);
const SOURCE = fromRoot(arg('source', '../shared/data/arxiv-cs-daily/papers-2026.jsonl.gz')!);
const ROOT = fromRoot('.');
// Datestamps of the last five days, so the server's scheduled-style run (SYNC_INITIAL_DAYS=5) covers them too.
const day = (back: number) => new Date(Date.now() - back * 86_400_000).toISOString().slice(0, 10);
const RANGE = ['--from', day(4), '--until', day(0)];

if (!fs.existsSync(SOURCE)) {
  console.error(`bench:sync needs ${SOURCE} (see ../shared/data)`);
  process.exit(2);
}

const papers = (await firstLines(SOURCE, N)).map((l) => JSON.parse(l) as FlatPaper);
const records = papers.map((p, i) => toArxivRecord(p, day(i % 5)));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'paperfeed-bench-sync-'));
const jsonl = path.join(work, 'papers.jsonl');
fs.writeFileSync(jsonl, papers.map((p) => JSON.stringify({ ...p, source: 'arxiv' })).join('\n') + '\n');
const full = await FakeUpstream.start(oaiList(records, PAGE));
const quarter = await FakeUpstream.start(oaiList(records.slice(0, Math.floor(N / 4)), PAGE));
log(`${machine()}; ${papers.length} papers from ${SOURCE}; pages of ${PAGE}; work dir ${work}`);

interface ChildRun {
  seconds: number;
  peakRssMb: number;
  out: string;
}

/** Runs `node --import tsx <script> args` under /usr/bin/time on a fresh data dir. */
function runChild(script: string, args: string[], env: Record<string, string>): Promise<ChildRun> {
  const dataDir = fs.mkdtempSync(path.join(work, 'store-'));
  const t0 = performance.now();
  const child = spawn('/usr/bin/time', ['-f', 'PEAK_RSS_KB %M', process.execPath, '--import', 'tsx', path.join(ROOT, script), ...args], {
    cwd: ROOT,
    env: { ...process.env, DATA_DIR: dataDir, SYNC_SCHEDULE: 'off', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  return new Promise((resolve, reject) =>
    child.on('close', (code) => {
      const seconds = (performance.now() - t0) / 1000;
      fs.rmSync(dataDir, { recursive: true, force: true });
      const rss = /PEAK_RSS_KB (\d+)/.exec(out);
      if (code !== 0 || !rss) return reject(new Error(`${script} exited ${code}:\n${out.slice(-2000)}`));
      resolve({ seconds, peakRssMb: Number(rss[1]) / 1024, out });
    }),
  );
}

const ingest = () => runChild('src/ingest/cli.ts', [jsonl], {});
const sync = (upstream: FakeUpstream) =>
  runChild('src/ingest/sync-cli.ts', ['--source', 'arxiv', ...RANGE], { ARXIV_OAI_URL: `${upstream.url}/oai`, ARXIV_DELAY_MS: '0' });

// ---------------------------------------------------------------------------------------------------------------
// 1. CLI vs CLI, alternated

const SERVER_ONLY = process.argv.includes('--server-only');
const runs: { ingest: ChildRun[]; sync: ChildRun[] } = { ingest: [], sync: [] };
for (let rep = 0; rep < (SERVER_ONLY ? 0 : REPS); rep++) {
  const i = await ingest();
  runs.ingest.push(i);
  log(`ingest CLI: ${i.seconds.toFixed(1)} s, peak RSS ${i.peakRssMb.toFixed(0)} MB`);
  const s = await sync(full);
  if (!/inserted (\d+)/.test(s.out) || Number(/inserted (\d+)/.exec(s.out)![1]) !== N) throw new Error(`sync did not insert ${N}:\n${s.out.slice(-1500)}`);
  runs.sync.push(s);
  log(`sync CLI: ${s.seconds.toFixed(1)} s, peak RSS ${s.peakRssMb.toFixed(0)} MB`);
}
const small = SERVER_ONLY ? { seconds: NaN, peakRssMb: NaN, out: '' } : await sync(quarter);
log(`sync CLI (${Math.floor(N / 4)} records): ${small.seconds.toFixed(1)} s, peak RSS ${small.peakRssMb.toFixed(0)} MB`);

const medIngest = median(runs.ingest.map((r) => r.seconds));
const medSync = median(runs.sync.map((r) => r.seconds));
const ratio = medIngest / medSync;

// ---------------------------------------------------------------------------------------------------------------
// 2. The server harvesting while it serves

const serverDir = fs.mkdtempSync(path.join(work, 'server-'));
const server = await startServer(serverDir, {
  env: { EMBED_MODEL: 'paperfeed-arxiv-100d', ARXIV_OAI_URL: `${full.url}/oai`, ARXIV_DELAY_MS: '0', SYNC_SCHEDULE: 'off', SYNC_SOURCES: 'arxiv', SYNC_INITIAL_DAYS: '5' },
});
const base = server.base;
const auth = { Authorization: `Bearer ${ADMIN_TOKEN}` };
await metrics(base, []); // the scrape resets the event-loop delay histogram
const lat: number[] = [];
let stopped = false;
const pending = new Set<Promise<void>>();
const client = setInterval(() => {
  if (stopped) return;
  const t = performance.now();
  const id = papers[Math.floor(Math.random() * papers.length)].id;
  const p = fetch(`${base}/v1/papers/${encodeURIComponent(id)}`)
    .then(async (r) => {
      await r.arrayBuffer();
      lat.push(performance.now() - t);
    })
    .catch(() => {})
    .finally(() => pending.delete(p));
  pending.add(p);
}, 50);
const t0 = performance.now();
const started = await fetch(`${base}/v1/admin/sources/arxiv/run`, { method: 'POST', headers: auth });
if (started.status !== 202) throw new Error(`run: HTTP ${started.status} ${await started.text()}`);
let status: { running: boolean; lastRunAdded: number; lastError: string | null } | undefined;
const deadline = Date.now() + 600_000;
do {
  await sleep(250);
  status = ((await (await fetch(`${base}/v1/admin/sources`, { headers: auth })).json()) as { sources: (typeof status)[] }).sources[0];
} while (status!.running && Date.now() < deadline);
const serverSeconds = (performance.now() - t0) / 1000;
stopped = true;
clearInterval(client);
await Promise.all(pending);
const lag = await metrics(base, ['nodejs_eventloop_lag_p99_seconds', 'nodejs_eventloop_lag_max_seconds']);
await server.stop();
await full.close();
await quarter.close();
fs.rmSync(work, { recursive: true, force: true });
if (status!.lastRunAdded !== N) throw new Error(`the server's run added ${status!.lastRunAdded} of ${N} (${status!.lastError})`);
const lagP99 = lag.nodejs_eventloop_lag_p99_seconds * 1000;
const lagMax = lag.nodejs_eventloop_lag_max_seconds * 1000;

console.log(`\n### bench:sync — ${N} arXiv records, pages of ${PAGE} (${machine()})\n`);
console.log(
  markdownTable(
    ['run', 'median s (runs)', 'papers/s', 'peak RSS MB'],
    [
      ['`npm run ingest` (JSONL)', `${medIngest.toFixed(1)} (${runs.ingest.map((r) => r.seconds.toFixed(1)).join(', ')})`, (N / medIngest).toFixed(0), runs.ingest.map((r) => r.peakRssMb.toFixed(0)).join(', ')],
      ['`npm run sync` (OAI-PMH, fake upstream)', `${medSync.toFixed(1)} (${runs.sync.map((r) => r.seconds.toFixed(1)).join(', ')})`, (N / medSync).toFixed(0), runs.sync.map((r) => r.peakRssMb.toFixed(0)).join(', ')],
      [`\`npm run sync\`, ${Math.floor(N / 4)} records`, small.seconds.toFixed(1), (N / 4 / small.seconds).toFixed(0), small.peakRssMb.toFixed(0)],
      ['server: sync while serving 20 req/s', serverSeconds.toFixed(1), (N / serverSeconds).toFixed(0), ''],
    ],
  ),
);
console.log();
console.log(
  markdownTable(
    ['target', 'measured', 'goal', 'met'],
    [
      ['sync ÷ ingest throughput', `${ratio.toFixed(2)}×`, '≥ 0.8×', ratio >= 0.8 ? 'yes' : '**no**'],
      ['event-loop delay p99 / max during the server\'s sync', `${lagP99.toFixed(0)} / ${lagMax.toFixed(0)} ms`, 'p99 ≤ 100 ms', lagP99 <= 100 ? 'yes' : '**no**'],
      ['GET /v1/papers/:id during the sync: p50 / p99', `${quantile(lat, 0.5).toFixed(1)} / ${quantile(lat, 0.99).toFixed(1)} ms (${lat.length} requests)`, '', ''],
      ['peak RSS, sync of N/4 → N records', `${small.peakRssMb.toFixed(0)} → ${median(runs.sync.map((r) => r.peakRssMb)).toFixed(0)} MB`, 'flat', ''],
    ],
  ),
);
