// Issue 15, finding 2: `GET /v1/papers/:id/similar?k=1000` (and /v1/recommend with k=1000) re-ranked up to 2,000
// candidates by tf-idf on the main thread, blocking every other request for 0.5–1.1 s. The server (`src/main.ts`,
// seeded) runs as its own process; its event-loop delay is read from its own /metrics (prom-client's
// monitorEventLoopDelay at 10 ms resolution, reset at every scrape; a sample is the time between two ticks, so an
// idle loop reads ~10 ms): the longest delay while such requests run must stay ≤ 50 ms (median of 7 rounds).
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killChildren, startMain, waitFor200, type MainProcess } from './fault-helpers.js';
import { tempDir } from './helpers.js';

let dir: string;
let main: MainProcess;

beforeAll(async () => {
  dir = tempDir('paperfeed-similar-stall-');
  main = await startMain({ DATA_DIR: dir, RATE_LIMIT_PER_MINUTE: '0', SEED_ON_EMPTY: 'true' });
  await waitFor200(`${main.url}/readyz`, 120_000);
}, 180_000);
afterAll(() => {
  killChildren();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** The longest event-loop delay the server saw since the previous scrape, in ms. */
async function maxLagMs(): Promise<number> {
  const text = await (await fetch(`${main.url}/metrics`)).text();
  const m = /^nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(text);
  if (!m) throw new Error('no nodejs_eventloop_lag_max_seconds in /metrics');
  return Number(m[1]) * 1000;
}

describe('similar papers and recommendations with k=1000 (finding 2)', () => {
  it('never blocks the event loop for more than 50 ms', async () => {
    const lags: number[] = [];
    const similar = () => fetch(`${main.url}/v1/papers/2607.28629/similar?k=1000`);
    const recommend = () =>
      fetch(`${main.url}/v1/recommend`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ positive: ['2607.28629', '2608.00725'], k: 1000 }),
      });
    // Rounds 0 and 1 warm up (the re-rank worker starts on first use, code is compiled); they are not measured.
    // One request per measurement, so each lag is what one request did to the loop.
    for (let round = 0; round < 9; round++) {
      for (const call of [similar, recommend]) {
        await maxLagMs();
        const res = await call();
        expect(res.status).toBe(200);
        const items = (await res.json()).items as { paper: { id: string }; score: number }[];
        expect(items.length).toBeGreaterThan(300); // the whole seed but the given papers
        expect(items.every((x, i) => i === 0 || items[i - 1].score >= x.score)).toBe(true);
        const lag = await maxLagMs();
        if (round >= 2) lags.push(lag);
      }
    }
    console.log(`longest event-loop delay per request: ${lags.map((l) => l.toFixed(1)).join(', ')} ms`);
    // The median request, against the median idle pause: a measurement can be late because the machine (2 shared
    // cores, other test files running) did not schedule the server, which no code of ours can prevent; blocking
    // work shows in every request (before the fix: 87–453 ms).
    // The same scrape pair around an idle pause as long as a round: what a loaded machine adds by itself.
    const idle: number[] = [];
    for (let round = 0; round < 7; round++) {
      await maxLagMs();
      await new Promise((r) => setTimeout(r, 150));
      idle.push(await maxLagMs());
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log(`idle rounds for comparison: ${idle.map((l) => l.toFixed(1)).join(', ')} ms`);
    expect(median(lags) - median(idle)).toBeLessThanOrEqual(50);
  }, 120_000);
});
