// Issue 15, finding 2: `GET /v1/papers/:id/similar?k=1000` (and /v1/recommend with k=1000) re-ranked up to 2,000
// candidates by tf-idf on the main thread, blocking every other request for 0.5–1.1 s (then a worker thread did it;
// since issue 16 the stored term vectors make it a few ms on the main thread). The server (`src/main.ts`,
// seeded) runs as its own process; the CPU time its main thread (the event loop) spends per such request is read
// from /proc (per-thread accounting, not wall time, which a loaded machine stretches at will): the event loop can
// be blocked by a request for no longer than it computes for it, and that must stay ≤ 50 ms (median of 7).
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

/**
 * CPU time (ms) the server's main thread (the event loop; worker threads are other tasks) has used so far, from
 * Linux's per-thread accounting: unlike wall-clock delays, it does not grow when a loaded machine (2 shared cores)
 * merely does not schedule the process. Ticks of 10 ms.
 */
function mainThreadCpuMs(): number {
  const pid = main.child.pid!;
  const stat = fs.readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14 and 15 of the whole line)
  return (ticks * 1000) / 100;
}

describe('similar papers and recommendations with k=1000 (finding 2)', () => {
  it('spend at most 50 ms of event-loop CPU per request: the re-rank weighs stored term vectors', async () => {
    const similar = () => fetch(`${main.url}/v1/papers/2607.28629/similar?k=1000`);
    const recommend = () =>
      fetch(`${main.url}/v1/recommend`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ positive: ['2607.28629', '2608.00725'], k: 1000 }),
      });
    const cpu: Record<string, number[]> = { similar: [], recommend: [] };
    // Rounds 0 and 1 warm up (code is compiled); they are not measured.
    for (let round = 0; round < 9; round++) {
      for (const [name, call] of [['similar', similar], ['recommend', recommend]] as const) {
        const before = mainThreadCpuMs();
        const res = await call();
        expect(res.status).toBe(200);
        const items = (await res.json()).items as { paper: { id: string }; score: number }[];
        const used = mainThreadCpuMs() - before;
        expect(items.length).toBeGreaterThan(300); // the whole seed but the given papers
        expect(items.every((x, i) => i === 0 || items[i - 1].score >= x.score)).toBe(true);
        if (round >= 2) cpu[name].push(used);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log(`main-thread CPU per request (ms): similar ${cpu.similar.join(', ')}; recommend ${cpu.recommend.join(', ')}`);
    // Before the fix: 60–80 ms per request on this 400-paper seed (0.5–1.1 s of blocking on the full corpus); after: 0–30.
    expect(median(cpu.similar)).toBeLessThanOrEqual(50);
    expect(median(cpu.recommend)).toBeLessThanOrEqual(50);
  }, 120_000);
});
