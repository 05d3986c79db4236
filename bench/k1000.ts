// npm run bench:k1000 [-- --store <dir> --runs 3]
//
// The longest event-loop gap while the server answers one list request with k = 1000, for every list route: the
// server's own event-loop delay monitor (prom-client's nodejs_eventloop_lag_max_seconds, reset at each scrape) is
// read before and after each request, one request at a time, on a copy of the benchmark store. Target (issue 16):
// ≤ 50 ms on every list. Also the request's wall time and the server's CPU time for it.
import { arg, fmt, intArg, loadAvg, machine, markdownTable, median } from './lib.js';
import { copyStore, createUserWithStars, DEFAULT_STORE, log, metrics, procCpuMs, samplePapers, startServer } from './serve-lib.js';

const RUNS = intArg('runs', 3);
const copy = copyStore(arg('store', DEFAULT_STORE)!);
const sample = samplePapers(copy.dataDir, 200);
const server = await startServer(copy.dataDir);
log(`${machine()}; load ${loadAvg()}`);
const user = await createUserWithStars(server.base, sample.slice(100, 150).map((p) => p.id));
const newest = ((await (await fetch(`${server.base}/v1/calendar`)).json()) as { newest: string }).newest;
const K = 1000;
/** A date `days` after (negative: before) a YYYY-MM-DD date. */
const shift = (date: string, days: number) => new Date(Date.parse(`${date}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
const paper = sample[0];

type Call = { label: string; path: string; init?: RequestInit };
const auth = { authorization: `Bearer ${user.token}` };
const json = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const calls = (i: number): Call[] => [
  { label: 'similar (GET /v1/papers/{id}/similar)', path: `/v1/papers/${encodeURIComponent(sample[i].id)}/similar?k=${K}` },
  { label: 'similar by text (POST /v1/similar)', path: '/v1/similar', init: json({ title: sample[i].title, abstract: sample[i].abstract, k: K }) },
  { label: 'recommend (5 positives)', path: '/v1/recommend', init: json({ positive: sample.slice(i, i + 5).map((p) => p.id), k: K }) },
  // Feeds and trending lists are cached per window: each run asks for a window one day longer.
  { label: 'feed, 50 stars, 7 days', path: `/v1/users/${user.id}/feed?k=${K}&since=${shift(newest, -6 - i)}&until=${shift(newest, 1)}`, init: { headers: auth } },
  { label: 'feed, 50 stars, whole corpus', path: `/v1/users/${user.id}/feed?k=${K}&since=2000-01-0${1 + (i % 9)}&until=2100-01-01`, init: { headers: auth } },
  { label: 'trending (whole corpus)', path: `/v1/trending?k=${K}&since=2000-01-0${1 + (i % 9)}&until=2100-01-01` },
  { label: 'search, keyword', path: `/v1/search?mode=keyword&k=${K}&q=${encodeURIComponent(sample[i].title)}` },
  { label: 'search, semantic', path: `/v1/search?mode=semantic&k=${K}&q=${encodeURIComponent(sample[i].title)}` },
  { label: 'search, hybrid', path: `/v1/search?mode=hybrid&k=${K}&q=${encodeURIComponent(sample[i].title)}` },
];

const LAG = 'nodejs_eventloop_lag_max_seconds';
const rows: (string | number)[][] = [];
const results = new Map<string, { gap: number[]; wall: number[]; cpu: number[]; items: number }>();
for (let run = 0; run < RUNS + 1; run++) {
  for (const call of calls(run + 1)) {
    await metrics(server.base, [LAG]); // resets the delay histogram
    const c0 = procCpuMs(server.pid);
    const t0 = performance.now();
    const res = await fetch(server.base + call.path, call.init);
    const body = (await res.json()) as { items?: unknown[] };
    const wall = performance.now() - t0;
    const cpu = procCpuMs(server.pid) - c0;
    const lag = (await metrics(server.base, [LAG]))[LAG] * 1000;
    if (!res.ok) throw new Error(`${call.label}: HTTP ${res.status} ${JSON.stringify(body)}`);
    if (run === 0) continue; // warm-up round (code compiled, caches of the store pages)
    const r = results.get(call.label) ?? { gap: [], wall: [], cpu: [], items: 0 };
    r.gap.push(lag);
    r.wall.push(wall);
    r.cpu.push(cpu);
    r.items = body.items?.length ?? 0;
    results.set(call.label, r);
  }
}
await server.stop();
for (const [label, r] of results) {
  const gap = median(r.gap);
  rows.push([label, r.items, fmt(median(r.wall)), fmt(median(r.cpu)), fmt(gap), gap <= 50 ? 'yes' : '**no**']);
}
console.log(`\n## bench:k1000 — ${new Date().toISOString()}\n`);
console.log(`${machine()}; load before ${loadAvg()}; k = ${K}, one request at a time, median of ${RUNS} (after a warm-up round); ${sample.length} sampled papers\n`);
console.log(markdownTable(['list', 'items', 'wall ms', 'server CPU ms', 'longest event-loop gap ms', '≤ 50 ms'], rows));
