// npm run bench:feed-stall [-- --store <dir> --runs 5 --warmup 3 --stars 50,200]
//
// How long an uncached personalised feed holds the event loop: a user with `--stars` stars from the full corpus, the
// default 7-day window, k = 50, on a copy of the benchmark store, in this process (no HTTP). A 5 ms interval timer
// records the longest gap between its ticks while the feed is computed. Windows: the default 7 days and the whole
// corpus; stars: 50 and 200 (--stars 50,200). `--warmup` untimed feeds (other users) come first, as a long-running
// server has served some: the first feeds of a fresh process run before V8 has optimised the scoring loops (~3× the
// CPU; every run is logged).
import { loadConfig } from '../src/config.js';
import { feedInputOf } from '../src/api/deps.js';
import { userFeed, DEFAULT_FEED_DAYS } from '../src/recommend/feed.js';
import { defaultWindow } from '../src/recommend/window.js';
import { apiDeps, openRuntime } from '../src/runtime.js';
import type { SqliteEngine } from '../src/store/sqlite-engine.js';
import { arg, fmt, intArg, loadAvg, machine, markdownTable, median } from './lib.js';
import { copyStore, DEFAULT_STORE, EMBED_MODEL, log } from './serve-lib.js';

const RUNS = intArg('runs', 5);
const WARMUP = intArg('warmup', 3);
const STARS = (arg('stars', '50,200') ?? '').split(',').map(Number);
const copy = copyStore(arg('store', DEFAULT_STORE)!);
const runtime = await openRuntime(loadConfig({ DATA_DIR: copy.dataDir, EMBED_MODEL }), () => {});
await runtime.index.load(runtime.embedder.ready);
const db = (runtime.engine as SqliteEngine).sqlite.db;
const users = runtime.engine.users;
const newest = db.prepare('SELECT max(published) FROM papers').pluck().get() as string;
const oldest = db.prepare('SELECT min(published) FROM papers').pluck().get() as string;
log(`${machine()}; load ${loadAvg()}; ${await runtime.engine.papers.count()} papers`);
const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

const windows = { '7 days': defaultWindow({}, DEFAULT_FEED_DAYS, newest), 'whole corpus': { since: oldest, until: '9999-12-31' } };
const rows: (string | number)[][] = [];
for (const stars of STARS) {
  // Stars: papers from the weeks before the window, as a reader's recent history would be.
  const starIds = db.prepare('SELECT id FROM papers WHERE published < ? ORDER BY published DESC LIMIT ? OFFSET 2000').pluck().all(newest, stars) as string[];
  for (const [label, window] of Object.entries(windows)) {
    const totals: number[] = [];
    const cpus: number[] = [];
    const gaps: number[] = [];
    let items = 0;
    for (let run = -WARMUP; run < RUNS; run++) {
      const { user } = await users.create(`bench-feed-${stars}-${label}-${run}`);
      for (const id of starIds) await users.addStar(user.id, id);
      let longest = 0;
      let last = performance.now();
      const ticker = setInterval(() => {
        const now = performance.now();
        longest = Math.max(longest, now - last);
        last = now;
      }, 5);
      const [t0, c0] = [performance.now(), cpuMs()];
      items = (await userFeed(feedInputOf(apiDeps(runtime)), user.id, window, 50)).length;
      clearInterval(ticker);
      log(`  ${stars} stars, ${label}, run ${run}: ${fmt(cpuMs() - c0)} CPU ms`);
      if (run < 0) continue;
      totals.push(performance.now() - t0);
      cpus.push(cpuMs() - c0);
      gaps.push(Math.max(longest, performance.now() - last));
    }
    rows.push([stars, label, items, fmt(median(totals)), fmt(median(cpus)), fmt(median(gaps))]);
    log(`${stars} stars, ${label}: ${fmt(median(totals))} ms, ${fmt(median(cpus))} CPU ms, gap ${fmt(median(gaps))} ms`);
  }
}
await runtime.close();
console.log(`\nUncached feed, k = 50, median of ${RUNS} users each after ${WARMUP} untimed (CPU: this process, all threads)\n`);
console.log(markdownTable(['stars', 'window', 'items', 'total ms', 'CPU ms', 'longest event-loop gap ms'], rows));
