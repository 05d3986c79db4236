// npm run bench:feed-stall [-- --store <dir> --runs 3 --stars 50]
//
// How long an uncached personalised feed holds the event loop: a user with `--stars` stars from the full corpus, the
// default 7-day window, k = 50, on a copy of the benchmark store, in this process (no HTTP). A 5 ms interval timer
// records the longest gap between its ticks while the feed is computed; the tf-idf and per-user model part runs in a
// worker thread and does not count against the event loop.
import { loadConfig } from '../src/config.js';
import { apiDeps } from '../src/server.js';
import { feedInputOf } from '../src/api/deps.js';
import { userFeed, DEFAULT_FEED_DAYS } from '../src/recommend/feed.js';
import { defaultWindow } from '../src/recommend/window.js';
import { openRuntime } from '../src/runtime.js';
import type { SqliteEngine } from '../src/store/sqlite-engine.js';
import { arg, fmt, intArg, loadAvg, machine, markdownTable, median } from './lib.js';
import { copyStore, DEFAULT_STORE, EMBED_MODEL, log } from './serve-lib.js';

const RUNS = intArg('runs', 3);
const STARS = intArg('stars', 50);
const copy = copyStore(arg('store', DEFAULT_STORE)!);
const runtime = await openRuntime(loadConfig({ DATA_DIR: copy.dataDir, EMBED_MODEL }), () => {});
await runtime.index.load(runtime.embedder.ready);
const db = (runtime.engine as SqliteEngine).sqlite.db;
const users = runtime.engine.users;
const newest = db.prepare('SELECT max(published) FROM papers').pluck().get() as string;
// Stars: papers from the weeks before the window, as a reader's recent history would be.
const starIds = db.prepare('SELECT id FROM papers WHERE published < ? ORDER BY published DESC LIMIT ? OFFSET 2000').pluck().all(newest, STARS) as string[];
log(`${machine()}; load ${loadAvg()}; ${await runtime.engine.papers.count()} papers, ${starIds.length} stars`);

const rows: (string | number)[][] = [];
const gaps: number[] = [];
const totals: number[] = [];
for (let run = 0; run < RUNS; run++) {
  const { user } = await users.create(`bench-feed-${run}`);
  for (const id of starIds) await users.addStar(user.id, id);
  let longest = 0;
  let last = performance.now();
  const ticker = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 5);
  const t0 = performance.now();
  const items = await userFeed(feedInputOf(apiDeps(runtime)), user.id, defaultWindow({}, DEFAULT_FEED_DAYS, newest), 50);
  const total = performance.now() - t0;
  clearInterval(ticker);
  longest = Math.max(longest, performance.now() - last);
  gaps.push(longest);
  totals.push(total);
  rows.push([run + 1, items.length, fmt(total), fmt(longest)]);
}
await runtime.close();
rows.push(['median', '', fmt(median(totals)), fmt(median(gaps))]);
console.log(`\nUncached feed, ${STARS} stars, default window, k = 50 (${RUNS} users)\n`);
console.log(markdownTable(['run', 'items', 'total ms', 'longest event-loop gap ms'], rows));
