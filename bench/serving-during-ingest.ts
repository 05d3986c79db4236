// npm run bench:serving-ingest [-- --store /tmp/pf-full2 --n 20000 --batch 500 --rate 5 --idle-seconds 20 --profile --server-log]
//
// Serving while ingesting: the real server (child process) on a copy of the full-corpus store. An open-loop client
// sends GET /v1/papers/:id/similar at a fixed rate (each request on its own timer, so a stalled server cannot slow
// the client down and hide the stall: no coordinated omission), rotating over real ids. Phase 1: idle, for
// --idle-seconds. Phase 2: a writer POSTs --n papers to /v1/papers in batches of --batch, one batch after another
// (real papers from ../shared/data/arxiv-cs-daily/papers-2026.jsonl.gz with a suffix added to their ids, so they are
// new and embedded). Reports p50/p99 of /similar in each phase, their ratio (target ≤ 3×), errors, the ingest rate,
// the server's CPU use and event-loop delay (prom-client's nodejs_eventloop_lag_*, reset at each phase start).
// --profile: the server runs under `node --cpu-prof`; the main-thread profile of the ingest phase is summarised.
// --server-log: print the server's own output (stdout and stderr) after it stopped.
import fs from 'node:fs';
import path from 'node:path';
import { blockingStretches, formatStretches, formatSummary, summarise } from './cpuprofile-top.js';
import { arg, firstLines, fmt, fromRoot, intArg, loadAvg, machine, markdownTable, quantile } from './lib.js';
import {
  ADMIN_TOKEN, copyStore, DEFAULT_STORE, drain, log, metrics, procCpuMs, procRssMb, rotate, samplePapers, sleep, startServer,
} from './serve-lib.js';

const STORE = path.resolve(arg('store', DEFAULT_STORE)!);
const N = intArg('n', 20000);
const BATCH = intArg('batch', 500);
const RATE = Number(arg('rate', '5'));
const IDLE_SECONDS = intArg('idle-seconds', 20);
const SOURCE = fromRoot(arg('source', '../shared/data/arxiv-cs-daily/papers-2026.jsonl.gz')!);
const PROFILE = process.argv.includes('--profile');
const SUFFIX = `-ing${Date.now().toString(36)}`;

async function readRecords(file: string, n: number): Promise<Record<string, unknown>[]> {
  return (await firstLines(file, n)).map((line) => {
    const rec = JSON.parse(line) as Record<string, unknown>;
    return { ...rec, id: `${rec.id}${SUFFIX}` };
  });
}

const load0 = loadAvg();
log(`${machine()}; load ${load0}`);
const records = await readRecords(SOURCE, N);
log(`${records.length} papers from ${SOURCE}, ids suffixed ${SUFFIX}`);
const copy = copyStore(STORE);
const ids = samplePapers(copy.dataDir, 2000).map((p) => p.id);
const profDir = path.join(copy.work, 'prof');
const spawnedAt = performance.now();
const server = await startServer(copy.dataDir, PROFILE ? { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profDir] } : {});
log(`server ready in ${fmt(server.readyMs)} ms${PROFILE ? ' (under --cpu-prof)' : ''}`);
const base = server.base;
const nextId = rotate(ids);

// Warm-up: 3 s at the same rate, discarded.
interface Sample {
  at: number;
  ms: number;
  status: number;
}
function openLoop(rate: number) {
  const samples: Sample[] = [];
  const pending = new Set<Promise<void>>();
  const t0 = performance.now();
  let sent = 0;
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    // Schedule by the clock (not by counting timer callbacks), so a late timer sends the requests it owes.
    const due = Math.floor(((performance.now() - t0) / 1000) * rate) + 1;
    while (sent < due) {
      sent++;
      const started = performance.now();
      const p = fetch(`${base}/v1/papers/${encodeURIComponent(nextId())}/similar?k=10`)
        .then(async (r) => {
          await r.arrayBuffer();
          samples.push({ at: started, ms: performance.now() - started, status: r.status });
        })
        .catch(() => void samples.push({ at: started, ms: performance.now() - started, status: 0 }))
        .finally(() => pending.delete(p));
      pending.add(p);
    }
    setTimeout(tick, Math.max(1, 1000 / rate / 2));
  };
  tick();
  return {
    samples,
    async stop() {
      stopped = true;
      await Promise.all([...pending]);
      return samples;
    },
  };
}

const warm = openLoop(RATE);
await sleep(3000);
await warm.stop();
await drain(base);

interface Phase {
  name: string;
  seconds: number;
  samples: Sample[];
  cpuMs: number;
  lagP99: number;
  lagMax: number;
  rss: number;
}
async function phase(name: string, body: () => Promise<void>): Promise<Phase> {
  await metrics(base, []); // a scrape resets prom-client's event-loop delay histogram
  const cpu0 = procCpuMs(server.pid);
  const t0 = performance.now();
  const client = openLoop(RATE);
  await body();
  const samples = await client.stop();
  const seconds = (performance.now() - t0) / 1000;
  const cpuMs = procCpuMs(server.pid) - cpu0;
  const lag = await metrics(base, ['nodejs_eventloop_lag_p99_seconds', 'nodejs_eventloop_lag_max_seconds']);
  const [lagP99, lagMax] = [lag.nodejs_eventloop_lag_p99_seconds, lag.nodejs_eventloop_lag_max_seconds];
  const p: Phase = { name, seconds, samples, cpuMs, lagP99: lagP99 * 1000, lagMax: lagMax * 1000, rss: procRssMb(server.pid) };
  const ok = samples.filter((s) => s.status === 200).map((s) => s.ms);
  log(`${name}: ${samples.length} requests in ${seconds.toFixed(1)} s, p50 ${quantile(ok, 0.5).toFixed(1)} ms, p99 ${quantile(ok, 0.99).toFixed(1)} ms, errors ${samples.length - ok.length}, loop lag p99 ${p.lagP99.toFixed(0)} ms max ${p.lagMax.toFixed(0)} ms`);
  return p;
}

const idle = await phase('idle', () => sleep(IDLE_SECONDS * 1000));

const writes: { ms: number; status: number; inserted: number }[] = [];
let ingestStart = 0;
let ingestEnd = 0;
const during = await phase('during ingest', async () => {
  ingestStart = performance.now();
  for (let i = 0; i < records.length; i += BATCH) {
    const s = performance.now();
    const r = await fetch(`${base}/v1/papers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
      body: JSON.stringify({ papers: records.slice(i, i + BATCH) }),
    });
    const body = (await r.json()) as { inserted?: number; rejected?: unknown[] };
    writes.push({ ms: performance.now() - s, status: r.status, inserted: body.inserted ?? 0 });
    if (r.status !== 200) log(`POST /v1/papers → ${r.status} ${JSON.stringify(body).slice(0, 300)}`);
  }
  ingestEnd = performance.now();
});
const ready = (await (await fetch(`${base}/readyz`)).json()) as { indexed?: number };
const after = await phase('after ingest (idle again)', () => sleep(Math.min(IDLE_SECONDS, 10) * 1000));
const stopped = await server.stop();
if (process.argv.includes('--server-log')) console.error(`--- server output ---\n${server.output()}--- end of server output ---`);
const load1 = loadAvg();

const inserted = writes.reduce((s, w) => s + w.inserted, 0);
const writeErrors = writes.filter((w) => w.status !== 200).length;
const ingestSeconds = (ingestEnd - ingestStart) / 1000;
const stats = (p: Phase) => {
  const ok = p.samples.filter((s) => s.status === 200).map((s) => s.ms);
  return { n: p.samples.length, errors: p.samples.length - ok.length, p50: quantile(ok, 0.5), p90: quantile(ok, 0.9), p99: quantile(ok, 0.99), max: quantile(ok, 1) };
};
const [si, sd, sa] = [idle, during, after].map(stats);
const ratio = sd.p99 / si.p99;

console.log(`\n## bench:serving-ingest — ${new Date().toISOString()}\n\n${machine()}; load average before ${load0}, after ${load1}`);
console.log(
  `Store: copy of ${STORE}. /similar?k=10 at ${RATE} req/s open loop (2,000 real ids rotating); writer: ${fmt(records.length)} papers of ` +
    `${path.basename(SOURCE)} (ids suffixed, so new) in POST /v1/papers batches of ${BATCH}, sequential.${PROFILE ? ' Server under --cpu-prof.' : ''}\n`,
);
console.log(
  markdownTable(
    ['phase', 'seconds', '/similar requests', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'errors', 'server CPU (cores)', 'event-loop delay p99 / max ms', 'RSS MB'],
    [idle, during, after].map((p, i) => {
      const s = [si, sd, sa][i];
      return [p.name, p.seconds.toFixed(1), s.n, s.p50.toFixed(1), s.p90.toFixed(1), s.p99.toFixed(1), s.max.toFixed(0), s.errors, (p.cpuMs / 1000 / p.seconds).toFixed(2), `${p.lagP99.toFixed(0)} / ${p.lagMax.toFixed(0)}`, fmt(p.rss)];
    }),
  ),
);
const errorsTotal = si.errors + sd.errors + writeErrors;
console.log('');
console.log(
  markdownTable(
    ['metric', 'value', 'target', 'met?'],
    [
      ['/similar p99: idle → during ingest', `${si.p99.toFixed(1)} → ${sd.p99.toFixed(1)} ms`, '', ''],
      ['ratio during ÷ idle p99', `${ratio.toFixed(2)}×`, '≤ 3×', ratio <= 3 ? 'yes' : '**no**'],
      ['errors (reads during ingest + failed writes)', `${sd.errors} + ${writeErrors}`, '0', sd.errors + writeErrors === 0 ? 'yes' : '**no**'],
      ['ingest', `${fmt(inserted)} inserted in ${ingestSeconds.toFixed(1)} s → ${fmt(inserted / ingestSeconds)} papers/s`, '', ''],
      [`POST /v1/papers (${BATCH} papers) p50 / max`, `${quantile(writes.map((w) => w.ms), 0.5).toFixed(0)} / ${quantile(writes.map((w) => w.ms), 1).toFixed(0)} ms`, '', ''],
      ['indexed at the end (/readyz)', fmt(ready.indexed ?? NaN), '', ''],
      ['SIGTERM', `exit ${stopped.code} in ${fmt(stopped.ms)} ms`, '', ''],
    ],
  ),
);

if (PROFILE) {
  // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile: thread 0 is the main thread (1 is tsx's loader worker).
  const file = fs.existsSync(profDir) ? fs.readdirSync(profDir).find((f) => /\.\d+\.0\.\d+\.cpuprofile$/.test(f)) : undefined;
  if (file) {
    // Offsets from the server's start (its profile starts with the process, ≈ at spawn).
    const from = ingestStart - spawnedAt;
    const to = ingestEnd - spawnedAt;
    console.log(`\n### Server main thread during the ingest phase (${(from / 1000).toFixed(1)}–${(to / 1000).toFixed(1)} s after spawn)\n`);
    console.log(formatSummary(summarise(path.join(profDir, file), from, to), 25));
    console.log(`\nLongest event-loop blocks during the ingest phase (s from the ingest start):\n`);
    console.log(formatStretches(blockingStretches(path.join(profDir, file), from, to, 12), from));
    const keep = path.join(path.dirname(copy.work), `paperfeed-ingest-${Date.now()}.cpuprofile`);
    fs.copyFileSync(path.join(profDir, file), keep);
    console.log(`\n(profile kept at ${keep})`);
  } else console.log('\n(no CPU profile was written)');
}
fs.rmSync(copy.work, { recursive: true, force: true });
process.exit(errorsTotal === 0 && stopped.code === 0 ? 0 : 1);
