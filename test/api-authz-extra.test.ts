// Authorization (BOLA), beyond test/api-users.test.ts: user A's token (or A's feed key) can never read or change
// B's stars, feedback, feed, feed key or feed.atom, whatever the encoding of B's id in the path (percent-encoded,
// double-encoded, other case, trailing slash, %2F, dot segments); and no token, feed key or their sha256 ever
// appears in what the server logs (its log function, and anything printed to stdout/stderr) during these tests.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startServer, type RunningServer } from '../src/server.js';
import { tempDir } from './helpers.js';

const ADMIN = 'authz-admin-token-0123456789abcdef';
let server: RunningServer;
let dataDir: string;
const logged: string[] = [];
let a: { id: string; token: string };
let b: { id: string; token: string };
let aKey: string;
let bKey: string;
const restore: (() => void)[] = [];

/** Raw request (fetch would normalise dot segments and some encodings before sending). */
function raw(method: string, path: string, token?: string, body?: unknown): Promise<{ status: number; type: string; text: string }> {
  const u = new URL(server.url);
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : JSON.stringify(body);
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        method,
        path,
        headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(data ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } : {}) },
      },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type'] ?? ''), text }));
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

async function createUser(name: string) {
  const r = await raw('POST', '/v1/users', ADMIN, { name });
  expect(r.status).toBe(201);
  return JSON.parse(r.text) as { id: string; token: string };
}

beforeAll(async () => {
  // Capture everything printed while the server runs, not only its log function.
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: unknown, ...rest: unknown[]) => {
      logged.push(String(chunk));
      return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
    }) as typeof stream.write;
    restore.push(() => (stream.write = write));
  }
  dataDir = tempDir();
  server = await startServer(loadConfig({ DATA_DIR: dataDir, PORT: '0', ADMIN_TOKEN: ADMIN, RATE_LIMIT_PER_MINUTE: '0' }), (m) => logged.push(m));
  await server.ready;
  a = await createUser('Alice');
  b = await createUser('Bob');
  expect((await raw('PUT', `/v1/users/${b.id}/stars/2607.28629`, b.token)).status).toBe(201);
  expect((await raw('POST', `/v1/users/${b.id}/feedback`, b.token, { paperId: '2608.00725', kind: 'not_interested' })).status).toBe(200);
  bKey = JSON.parse((await raw('POST', `/v1/users/${b.id}/feed-key`, b.token)).text).key;
  aKey = JSON.parse((await raw('POST', `/v1/users/${a.id}/feed-key`, a.token)).text).key;
}, 120_000);

afterAll(async () => {
  await server?.close();
  for (const r of restore) r();
  if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
});

/** B's id written every way a path can carry it. */
function encodings(id: string): string[] {
  const pct = (s: string) => [...Buffer.from(s)].map((c) => `%${c.toString(16).padStart(2, '0')}`).join('');
  return [
    id,
    encodeURIComponent(id),
    pct(id), // every byte percent-encoded
    pct(id).toLowerCase(),
    encodeURIComponent(pct(id)), // double-encoded
    id.replace('u_', '%75%5F'),
    id.replace('u_', 'u%5f'),
    id.toUpperCase(),
    id.replace('u_', 'U_'),
    `${id}/`,
    `${id}%2F`,
    `${id}%2f`,
    `${a.id}/../${id}`,
    `${a.id}%2F..%2F${id}`,
    `./${id}`,
    `${id};x`,
    `${id}%00`,
    `%20${id}`,
    `${id}%20`,
  ];
}

const bState = async () => ({
  stars: await server.runtime.engine.users.starredIds(b.id),
  notInterested: await server.runtime.engine.users.feedbackIds(b.id, 'not_interested'),
  key: await server.runtime.engine.users.userForFeedKey(bKey),
});

describe("BOLA: A's credentials never reach B's resources, however B's id is written", () => {
  it('stars, feedback, feed, feed-key and feed.atom with A\'s token → 404/401/400 problem+json, B unchanged', async () => {
    const before = await bState();
    const bStarsAsB = await raw('GET', `/v1/users/${b.id}/stars`, b.token);
    let tried = 0;
    for (const uid of encodings(b.id)) {
      const attempts: [string, string, unknown?][] = [
        ['GET', `/v1/users/${uid}/stars`],
        ['PUT', `/v1/users/${uid}/stars/2608.00730`],
        ['DELETE', `/v1/users/${uid}/stars/2607.28629`],
        ['POST', `/v1/users/${uid}/feedback`, { paperId: '2608.00730', kind: 'not_interested' }],
        ['GET', `/v1/users/${uid}/feed`],
        ['GET', `/v1/users/${uid}/feed?k=5`],
        ['POST', `/v1/users/${uid}/feed-key`],
        ['DELETE', `/v1/users/${uid}/feed-key`],
        ['GET', `/v1/users/${uid}/feed.atom`],
        ['GET', `/v1/users/${uid}/feed.atom?key=${aKey}`], // A's own feed key on B's feed
        ['GET', `/v1/users/${uid}/feed.atom?key=${encodeURIComponent(aKey)}`],
      ];
      for (const [method, path, body] of attempts) {
        tried++;
        const r = await raw(method, path, a.token, body);
        expect([400, 401, 403, 404], `${method} ${path} → ${r.status} ${r.text.slice(0, 200)}`).toContain(r.status);
        expect(r.type).toMatch(/^application\/problem\+json/);
        // Nothing of B's leaks into the answer (a 404 may echo the path the caller wrote, nothing more).
        expect(r.text).not.toMatch(/"paperId"|"items"|"starred"|<feed/);
        expect(r.text).not.toContain(bKey);
      }
      // B's feed.atom with A's feed key and no token at all.
      const atom = await raw('GET', `/v1/users/${uid}/feed.atom?key=${aKey}`);
      expect([400, 401, 403, 404]).toContain(atom.status);
      tried++;
    }
    expect(await bState()).toEqual(before);
    const after = await raw('GET', `/v1/users/${b.id}/stars`, b.token);
    expect(after.text).toBe(bStarsAsB.text);
    // Sanity: B's own key does open B's feed, so the 404s above are about who asks, not a broken route.
    expect((await raw('GET', `/v1/users/${b.id}/feed.atom?key=${bKey}`)).status).toBe(200);
    expect((await raw('GET', `/v1/users/${b.id}/feed`, b.token)).status).toBe(200);
    console.log(`authz: ${tried} cross-user attempts over ${encodings(b.id).length} encodings of B's id, none reached B`);
  });

  it("B's feed key is not a bearer token, and A's token is not a feed key", async () => {
    expect((await raw('GET', `/v1/users/${b.id}/stars`, bKey)).status).toBe(401);
    expect((await raw('GET', `/v1/users/${b.id}/feed.atom?key=${b.token}`)).status).not.toBe(200);
    expect((await raw('GET', `/v1/users/${a.id}/feed.atom?key=${a.token}`)).status).not.toBe(200);
  });

  it('never logs a token, a feed key or their sha256', async () => {
    // Provoke every logging path we can: auth failures, unknown tokens, malformed headers, 404s, a body error.
    await raw('GET', `/v1/users/${b.id}/stars`, `${a.token}x`);
    await raw('GET', `/v1/users/${b.id}/feed.atom?key=${bKey}x`);
    await raw('POST', '/v1/users', a.token, { name: 'x' });
    await raw('POST', `/v1/users/${a.id}/feedback`, a.token, { paperId: 'nope', kind: 'seen' });
    await raw('GET', '/metrics');
    const text = logged.join('\n');
    const secrets = [ADMIN, a.token, b.token, aKey, bKey].flatMap((s) => [
      s,
      crypto.createHash('sha256').update(s).digest('hex'),
      crypto.createHash('sha256').update(s).digest('base64url'),
      crypto.createHash('sha256').update(s).digest('base64'),
    ]);
    for (const s of secrets) expect(text.includes(s), `secret ${s.slice(0, 6)}… in the log`).toBe(false);
    // /metrics must not carry them either (labels are route patterns, not paths or tokens).
    const metrics = (await raw('GET', '/metrics')).text;
    for (const s of secrets) expect(metrics.includes(s)).toBe(false);
  });
});
