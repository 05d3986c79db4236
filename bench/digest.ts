// npm run bench:digest [-- --store <dir> --users 1000 --seed 20261204]
//
// Planning and rendering the daily digests of `--users` users (3–30 stars each, drawn from the 60 days before the
// feed window) on a copy of the full-corpus benchmark store, in this process, as the digest check does: each digest
// is the user's feed (default 7-day window) filtered to fresh papers, rendered to HTML + text and written to the
// outbox. Nothing is mailed. Meanwhile perf_hooks' event-loop delay histogram records how long requests would wait.
import fs from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { loadConfig } from '../src/config.js';
import { feedSource } from '../src/digest/feed-source.js';
import { Links } from '../src/digest/links.js';
import { planDue } from '../src/digest/planner.js';
import { addDays } from '../src/recommend/window.js';
import { apiDeps, openRuntime } from '../src/runtime.js';
import type { SqliteEngine } from '../src/store/sqlite-engine.js';
import { UserStore } from '../src/store/users.js';
import { DigestStore } from '../src/store/digests.js';
import { arg, fmt, intArg, loadAvg, machine, markdownTable, median, quantile, rng } from './lib.js';
import { copyStore, DEFAULT_STORE, EMBED_MODEL, log } from './serve-lib.js';

const USERS = intArg('users', 1000);
const SEED = intArg('seed', 20261204);
const copy = copyStore(arg('store', DEFAULT_STORE)!);
const feed = await openRuntime(loadConfig({ DATA_DIR: copy.dataDir, EMBED_MODEL }), () => {});
await feed.index.load(feed.embedder.ready);
const sqlite = (feed.engine as SqliteEngine).sqlite;
const db = sqlite.db;
const newest = sqlite.newestPublished()!;
const pool = db
  .prepare('SELECT id FROM papers WHERE published >= ? AND published < ? ORDER BY seq')
  .pluck()
  .all(addDays(newest, -67), addDays(newest, -7)) as string[];
log(`${machine()}; load ${loadAvg()}; ${sqlite.countPapers()} papers; star pool ${pool.length}; seed ${SEED}`);

// Users, stars and confirmed daily subscriptions, written straight into the store.
const store = new DigestStore(db);
const users = new UserStore(db); // synchronous: all users are written in one transaction
const next = rng(SEED);
const at = new Date();
const userIds = db.transaction(() => {
  const ids: string[] = [];
  for (let u = 0; u < USERS; u++) {
    const { user } = users.create(`bench-digest-${u}`);
    const n = 3 + Math.floor(next() * 28);
    for (let i = 0; i < n; i++) users.addStar(user.id, pool[Math.floor(next() * pool.length)]);
    ids.push(user.id);
  }
  return ids;
})();
for (const [u, userId] of userIds.entries()) {
  const sub = await store.createSubscription({ kind: 'feed', userId, email: `reader${u}@example.org`, cadence: 'daily', hour: 0, timeZone: 'UTC', k: 10, category: null }, at);
  await store.setStatus(sub.id, ['pending'], 'confirmed', at);
}

// Each digest ends with its outbox row: the time between two rows is one digest.
const done: number[] = [];
let t0 = 0;
const timedStore = Object.create(store) as DigestStore;
timedStore.plan = async (...a: Parameters<DigestStore['plan']>) => {
  const r = await store.plan(...a);
  done.push(performance.now());
  if (done.length % 50 === 0) {
    // Progress, so a run cut short (a busy machine) still leaves figures behind.
    const per = done.map((t, i) => t - (i === 0 ? t0 : done[i - 1]));
    log(`${done.length}/${USERS} digests in ${fmt((done.at(-1)! - t0) / 1000, 1)} s; median ${fmt(median(per))} ms; event-loop delay p99 ${fmt(delay.percentile(99) / 1e6, 1)} ms, max ${fmt(delay.max / 1e6, 1)} ms; load ${loadAvg()}`);
  }
  return r;
};
const delay = monitorEventLoopDelay({ resolution: 10 });
const rssBefore = process.memoryUsage().rss;
delay.enable();
t0 = performance.now();
const result = await planDue({ store: timedStore, source: feedSource(apiDeps(feed)), links: new Links(await store.secret(), 'https://paperfeed.example.org'), log }, new Date(), true);
const total = performance.now() - t0;
delay.disable();
const per = done.map((t, i) => t - (i === 0 ? t0 : done[i - 1]));
const sizes = db.prepare("SELECT length(message) FROM digest_outbox WHERE message IS NOT NULL").pluck().all() as number[];
const papers = db.prepare('SELECT count(*) FROM digest_items').pluck().get() as number;
await feed.close();
fs.rmSync(copy.work, { recursive: true, force: true });

const ms = (ns: number) => ns / 1e6;
console.log(`\nDigests for ${USERS} users (3–30 stars, k = 10, default 7-day window), full corpus; seed ${SEED}; load ${loadAvg()}\n`);
console.log(
  markdownTable(
    ['digests planned', 'empty', 'errors', 'total s', 'median ms / digest', 'p90 ms', 'event-loop delay p99 ms', 'max ms', 'papers sent', 'median message KB', 'RSS growth MB'],
    [
      [
        result.planned,
        result.empty,
        result.errors,
        fmt(total / 1000, 1),
        fmt(median(per)),
        fmt(quantile(per, 0.9)),
        fmt(ms(delay.percentile(99)), 1),
        fmt(ms(delay.max), 1),
        papers,
        fmt(median(sizes) / 1024, 1),
        fmt((process.memoryUsage().rss - rssBefore) / 1e6),
      ],
    ],
  ),
);
