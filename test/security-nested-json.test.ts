// Issue 15, finding 1: a 10 MB body of 5 million nested arrays, sent without credentials to a route that does not
// exist (and to routes that do take JSON), must not freeze the server. The server runs as its own process
// (`src/main.ts`), three attackers (another process) send the body over and over, and /healthz is timed meanwhile: p99 ≤ 100 ms over
// its p99 without the attack (the machine's own noise).
// Before the fix every body was JSON-parsed on the main thread before routing and authentication (3.8 s each).
import fs from 'node:fs';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killChildren, startMain, waitFor200, type MainProcess } from './fault-helpers.js';
import { tempDir } from './helpers.js';

const ADMIN = 'nested-json-admin-token-0123456789';
const LEVELS = 5_000_000;
const ATTACK_MS = 6_000;

let dir: string;
let main: MainProcess;

beforeAll(async () => {
  dir = tempDir('paperfeed-nested-json-');
  main = await startMain({ DATA_DIR: dir, ADMIN_TOKEN: ADMIN, RATE_LIMIT_PER_MINUTE: '0' });
  await waitFor200(`${main.url}/readyz`);
}, 120_000);
afterAll(() => {
  killChildren();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/**
 * The attackers, in a process of their own (so that writing 30 MB a second does not slow the test's own probes):
 * three clients, one request after another each, 20 per second, until `ms` have passed; prints the statuses seen.
 */
const ATTACKERS = `
const http = require('node:http');
const [url, admin, ms, levels] = process.argv.slice(1);
const body = Buffer.from('{"positive":' + '['.repeat(+levels) + ']'.repeat(+levels) + '}');
const u = new URL(url);
const until = Date.now() + Number(ms);
const statuses = [];
const attack = (path, token) => new Promise((resolve) => {
  const headers = { 'content-type': 'application/json', 'content-length': body.length };
  if (token) headers.authorization = 'Bearer ' + token;
  const req = http.request({ host: u.hostname, port: u.port, path, method: 'POST', agent: false, headers }, (res) => {
    res.resume();
    res.on('end', () => resolve(res.statusCode));
    res.on('error', () => resolve(0));
  });
  req.on('error', () => resolve(0)); // the server closed the connection on a refused body: fine too
  req.end(body);
});
Promise.all([['/no-such-route'], ['/v1/recommend'], ['/v1/papers', admin]].map(async ([path, token]) => {
  while (Date.now() < until) {
    statuses.push(await attack(path, token));
    await new Promise((r) => setTimeout(r, 50));
  }
})).then(() => console.log(JSON.stringify(statuses)));
`;

function runAttackers(ms: number): Promise<number[]> {
  const child = spawn(process.execPath, ['-e', ATTACKERS, main.url, ADMIN, String(ms), String(LEVELS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`attackers exited ${code}`)))));
}

/** /healthz latencies (ms, sorted), one probe every 20 ms until `until`. */
async function probeHealthz(until: number): Promise<number[]> {
  const latencies: number[] = [];
  while (Date.now() < until) {
    const started = performance.now();
    const res = await fetch(`${main.url}/healthz`);
    await res.arrayBuffer();
    latencies.push(performance.now() - started);
    expect(res.status).toBe(200);
    await new Promise((r) => setTimeout(r, 20));
  }
  return latencies.sort((a, b) => a - b);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

describe('nested-JSON attack (finding 1)', () => {
  // Retried up to twice: on a shared 2-core machine running the rest of the suite, the scheduler alone can hold a few
  // probes for 200–300 ms (seen once in four full runs). The fault this guards against froze every probe for seconds
  // (3.8 s per body), which no retry passes.
  it('keeps /healthz p99 ≤ 100 ms (over its p99 without the attack) while three clients post 10 MB of nested arrays', { retry: 2, timeout: 60_000 }, async () => {
    // The same probing without the attack first: on a loaded machine (2 shared cores) /healthz is slow without any
    // attack too, and that is not what this test is about. On an idle machine the baseline is ~2 ms.
    const baseline = await probeHealthz(Date.now() + 3_000);
    const [latencies, statuses] = await Promise.all([probeHealthz(Date.now() + ATTACK_MS), runAttackers(ATTACK_MS)]);
    const p99 = percentile(latencies, 99);
    const base99 = percentile(baseline, 99);
    console.log(
      `healthz: without the attack ${baseline.length} probes, p50 ${percentile(baseline, 50).toFixed(1)} ms, p99 ${base99.toFixed(1)} ms; ` +
        `during it ${latencies.length} probes, p50 ${percentile(latencies, 50).toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${latencies.at(-1)!.toFixed(1)} ms; ` +
        `attack answers ${JSON.stringify(count(statuses))}`,
    );
    expect(latencies.length).toBeGreaterThan(50);
    expect(p99 - base99).toBeLessThanOrEqual(100);
    // Every answer is a refusal: unknown route, body too large for the route, or too deeply nested.
    for (const s of statuses) expect([0, 400, 404, 413]).toContain(s);
  });
});

function count(xs: number[]): Record<number, number> {
  const out: Record<number, number> = {};
  for (const x of xs) out[x] = (out[x] ?? 0) + 1;
  return out;
}
