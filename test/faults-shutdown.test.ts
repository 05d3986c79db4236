// Graceful shutdown: SIGTERM to a running server (`src/main.ts` as a child process) while requests are in flight —
// a POST whose body is still being sent, a large POST /v1/papers being embedded, and a burst of reads. Every
// in-flight request completes with 200, the index is saved (manifest version = store version, count = papers),
// and the process exits with code 0.
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonlLines, killChildren, readManifest, runCli, SEED_ARXIV, startMain, storeCounts, waitFor200 } from './fault-helpers.js';
import { tempDir } from './helpers.js';

const ADMIN = 'shutdown-admin-token-0123456789';
let work: string;
let seed: Record<string, unknown>[];

beforeAll(async () => {
  work = tempDir('paperfeed-faults-shutdown-');
  seed = (await jsonlLines(SEED_ARXIV)).map((l) => JSON.parse(l));
}, 60_000);
afterAll(() => {
  killChildren();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** A POST whose body is sent in two parts with a pause between them; resolves with status and body. */
function slowPost(url: string, body: string, pauseMs: number, onFirstPart: () => void): Promise<{ status: number; body: string }> {
  const u = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), connection: 'close' } },
      (res) => {
        let data = '';
        res.on('data', (d) => (data += d));
        res.on('end', () => resolve({ status: res.statusCode!, body: data }));
      },
    );
    req.on('error', reject);
    const cut = body.length >> 1;
    req.write(body.slice(0, cut), () => {
      onFirstPart();
      setTimeout(() => req.end(body.slice(cut)), pauseMs);
    });
  });
}

describe('graceful shutdown (SIGTERM)', () => {
  it('completes in-flight requests with 200, saves the index, exits 0', async () => {
    const dir = path.join(work, 'data');
    const first = seed.slice(0, 150).map((p) => JSON.stringify(p)).join('\n');
    fs.writeFileSync(path.join(work, 'first.jsonl'), first + '\n');
    expect((await runCli(dir, [path.join(work, 'first.jsonl')])).code).toBe(0);

    // No periodic save during the test: whatever is saved at the end was saved by the shutdown.
    const main = await startMain({ DATA_DIR: dir, ADMIN_TOKEN: ADMIN, INDEX_SYNC_MS: '600000', RATE_LIMIT_PER_MINUTE: '0' });
    await waitFor200(`${main.url}/readyz`);
    // Make the index dirty: papers added over the API are in the store and the in-memory index, not yet saved.
    const add = await fetch(`${main.url}/v1/papers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ papers: seed.slice(150, 200) }),
    });
    expect(add.status).toBe(200);
    expect(readManifest(dir)!.count).toBe(150);

    // In flight at SIGTERM: (1) a POST /v1/papers whose body is half sent, (2) a big POST /v1/papers being
    // embedded, (3) a burst of reads.
    let firstPartSent!: () => void;
    const headersIn = new Promise<void>((r) => (firstPartSent = r));
    const slow = slowPost(`${main.url}/v1/embed`, JSON.stringify({ texts: seed.slice(0, 20).map((p) => p.abstract) }), 700, () => firstPartSent());
    const big = fetch(`${main.url}/v1/papers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ papers: seed.slice(200, 300) }),
    }).then(async (r) => ({ status: r.status, body: await r.json() }));
    // The reads go over keep-alive connections the server has already accepted (a connection still in the
    // listen backlog at SIGTERM is refused, as it should be): warm 24 of them up first.
    const agent = new http.Agent({ keepAlive: true, maxSockets: 24 });
    const get = (p: string) =>
      new Promise<{ status: number; len: number }>((resolve, reject) => {
        const u = new URL(main.url + p);
        http
          .get({ host: u.hostname, port: u.port, path: u.pathname + u.search, agent }, (res) => {
            let len = 0;
            res.on('data', (d: Buffer) => (len += d.length));
            res.on('end', () => resolve({ status: res.statusCode!, len }));
          })
          .on('error', reject);
      });
    await Promise.all(Array.from({ length: 24 }, () => get('/healthz')));
    const reads = Array.from({ length: 24 }, (_, i) =>
      get(i % 3 === 0 ? '/v1/search?q=robot+learning&k=20' : i % 3 === 1 ? '/v1/trending?k=50' : '/v1/papers/2607.28629/similar?k=20'),
    );
    await headersIn;
    await new Promise((r) => setTimeout(r, 30));
    const termAt = Date.now();
    main.child.kill('SIGTERM');

    const label = <T>(what: string, p: Promise<T>) => p.catch((err: Error) => Promise.reject(new Error(`${what}: ${err.message} ${(err.cause as Error)?.message ?? ''}\n${main.output()}`)));
    const [slowRes, bigRes, readRes] = await Promise.all([label('slow POST', slow), label('big POST', big), Promise.all(reads.map((r, i) => label(`read ${i}`, r)))]);
    const { code, signal } = await main.exited;
    const stopMs = Date.now() - termAt;
    expect(slowRes.status, slowRes.body).toBe(200);
    expect(JSON.parse(slowRes.body).vectors).toHaveLength(20);
    expect(bigRes.status).toBe(200);
    expect(bigRes.body.inserted).toBe(100);
    expect(readRes.map((r) => r.status)).toEqual(readRes.map(() => 200));
    agent.destroy();
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(main.output()).toMatch(/SIGTERM: finishing in-flight requests/);
    expect(main.output()).toMatch(/stopped/);

    // The index was saved at shutdown and covers everything the store holds.
    const counts = storeCounts(dir);
    expect(counts.papers).toBe(300);
    const m = readManifest(dir)!;
    expect(m.version).toBe(counts.maxVersion);
    expect(m.count).toBe(300);
    // New connections after the shutdown are refused.
    await expect(fetch(`${main.url}/healthz`)).rejects.toThrow();
    console.log(`faults-shutdown: SIGTERM with ${2 + reads.length} requests in flight → all 200, exit 0 after ${stopMs} ms; manifest v${m.version}, ${m.count} vectors`);
  }, 120_000);
});
