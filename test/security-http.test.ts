// Issue 15, findings 3, 5, 6 and 7 against real servers: security headers on every response, failed logins limited
// per address, absolute links from PUBLIC_URL whatever the Host header says, the authors list capped, a malformed
// Host header answered with problem+json, and CORS from an allow-list (none by default).
import http from 'node:http';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startServer, type RunningServer } from '../src/server.js';
import { expectProblem, paper, tempDir } from './helpers.js';

const ADMIN = 'security-http-admin-token-0123456789';
const PUBLIC = 'https://papers.example.org/pf';
const APP = 'https://app.example.org';
let server: RunningServer; // PUBLIC_URL, CORS_ORIGINS and a small failed-login budget
let plain: RunningServer; // defaults: no CORS
let guarded: RunningServer; // a small failed-login budget, for its own test only (a blocked address stays blocked)
let proxied: RunningServer; // behind a "reverse proxy" at 127.0.0.1 (TRUST_PROXY)

beforeAll(async () => {
  const quiet = () => {};
  const common = { PORT: '0', SEED_ON_EMPTY: 'false', ADMIN_TOKEN: ADMIN, RATE_LIMIT_PER_MINUTE: '0' };
  [server, plain, guarded, proxied] = await Promise.all([
    startServer(loadConfig({ ...common, DATA_DIR: tempDir(), PUBLIC_URL: `${PUBLIC}/`, CORS_ORIGINS: `${APP}, http://localhost:5173` }), quiet),
    startServer(loadConfig({ ...common, DATA_DIR: tempDir() }), quiet),
    startServer(loadConfig({ ...common, DATA_DIR: tempDir(), LOGIN_FAILURES_PER_MINUTE: '5' }), quiet),
    startServer(loadConfig({ ...common, DATA_DIR: tempDir(), LOGIN_FAILURES_PER_MINUTE: '3', TRUST_PROXY: '127.0.0.1, ::1' }), quiet),
  ]);
  await Promise.all([server.ready, plain.ready, guarded.ready, proxied.ready]);
  const res = await fetch(`${server.url}/v1/papers`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ papers: [paper('p-1', { published: '2026-08-20', upvotes: 5 }), paper('p-2', { published: '2026-08-21' })] }),
  });
  expect(res.status).toBe(200);
}, 120_000);
afterAll(async () => {
  await Promise.all([server, plain, guarded, proxied].map((s) => s?.close()));
});

/** A raw request, so that Host (which fetch will not let us set) can be anything. */
function raw(base: string, path: string, headers: Record<string, string>, method = 'GET'): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = http.request({ host: u.hostname, port: u.port, path, method, headers, setHost: false }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('security headers on every response (finding 3)', () => {
  it('sends CSP with frame-ancestors, nosniff and Referrer-Policy on pages, docs, API answers and errors', async () => {
    const answers = await Promise.all([
      fetch(`${plain.url}/`),
      fetch(`${plain.url}/docs`),
      fetch(`${plain.url}/docs/assets/init.js`),
      fetch(`${plain.url}/openapi.json`),
      fetch(`${plain.url}/healthz`),
      fetch(`${plain.url}/v1/papers/nope`),
      fetch(`${plain.url}/no/such/route`),
      fetch(`${plain.url}/v1/trending?k=0`),
      fetch(`${plain.url}/v1/users/u_x/stars`, { headers: { authorization: 'Bearer nope' } }),
    ]);
    for (const res of answers) {
      const where = `${res.status} ${res.url}`;
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, where).toContain("frame-ancestors 'none'");
      expect(csp, where).toContain("default-src 'self'");
      expect(csp, where).toContain("script-src 'self'");
      expect(res.headers.get('x-content-type-options'), where).toBe('nosniff');
      expect(res.headers.get('referrer-policy'), where).toBe('no-referrer');
      expect(res.headers.get('x-frame-options'), where).toBe('DENY');
    }
  });
});

describe('JSON answers gzipped when asked for', () => {
  it('gzips for a client that accepts it and answers plainly otherwise, with Vary: Accept-Encoding either way', async () => {
    const long = paper('p-long', { abstract: 'A long abstract about sparse retrieval. '.repeat(80) });
    const posted = await fetch(`${server.url}/v1/papers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ papers: [long] }),
    });
    expect(posted.status).toBe(200);
    const host = new URL(server.url).host;
    const plainAnswer = await raw(server.url, '/v1/papers/p-long', { host });
    expect(plainAnswer.status).toBe(200);
    expect(plainAnswer.headers['content-encoding']).toBeUndefined();
    expect(plainAnswer.headers.vary).toMatch(/accept-encoding/i);
    expect(Number(plainAnswer.headers['content-length'])).toBe(Buffer.byteLength(plainAnswer.body));
    expect(JSON.parse(plainAnswer.body).abstract).toBe(long.abstract.trim());

    const gzipped = await new Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      http.get(`${server.url}/v1/papers/p-long`, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const parts: Buffer[] = [];
        res.on('data', (d) => parts.push(d));
        res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(parts) }));
      }).on('error', reject);
    });
    expect(gzipped.headers['content-encoding']).toBe('gzip');
    expect(gzipped.headers.vary).toMatch(/accept-encoding/i);
    expect(gzipped.body.length).toBeLessThan(Buffer.byteLength(plainAnswer.body) / 4);
    expect(JSON.parse(zlib.gunzipSync(gzipped.body).toString('utf8'))).toEqual(JSON.parse(plainAnswer.body));

    const refused = await raw(server.url, '/v1/papers/p-long', { host, 'accept-encoding': 'gzip;q=0' });
    expect(refused.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(refused.body)).toEqual(JSON.parse(plainAnswer.body));
  });
});

describe('failed logins per address (finding 5)', () => {
  it('answers 429 once an address has spent its failures, whatever fresh token it tries, and lets anonymous reads through', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const res = await fetch(`${guarded.url}/v1/users/u_x/stars`, { headers: { authorization: `Bearer bogus-${i}-${Math.random()}` } });
      statuses.push(res.status);
      if (res.status === 429) expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429]);
    // Wrong feed keys count the same way: the address is still blocked for them.
    await expectProblem(await fetch(`${guarded.url}/v1/users/u_x/feed.atom?key=pfk_guess`), 429);
    // Even the right token is refused from this address for the rest of the window: guesses learn nothing.
    await expectProblem(await fetch(`${guarded.url}/v1/trending`, { headers: { authorization: `Bearer ${ADMIN}` } }), 429);
    expect((await fetch(`${guarded.url}/v1/trending`)).status).toBe(200);
    // Another server (another budget) is not affected, and a correct token never counts as a failure.
    for (let i = 0; i < 8; i++) expect((await fetch(`${plain.url}/v1/trending`, { headers: { authorization: `Bearer ${ADMIN}` } })).status).toBe(200);
  });
});

describe('client addresses behind a trusted reverse proxy (TRUST_PROXY)', () => {
  it('counts failed logins per X-Forwarded-For client, the last hop the proxy added, not per proxy', async () => {
    const attempt = (forwardedFor: string) =>
      fetch(`${proxied.url}/v1/users/u_x/stars`, { headers: { authorization: `Bearer bogus-${Math.random()}`, 'x-forwarded-for': forwardedFor } });
    const a: number[] = [];
    // A client that writes its own X-Forwarded-For gets it prepended to: only the proxy's entry (the last) counts.
    for (let i = 0; i < 5; i++) a.push((await attempt(`10.9.9.${i}, 203.0.113.7`)).status);
    expect(a).toEqual([401, 401, 401, 429, 429]);
    expect((await attempt('203.0.113.8')).status).toBe(401); // another client behind the same proxy: its own budget
    // Without TRUST_PROXY the header is ignored: spoofing it does not buy a fresh budget.
    const direct: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await fetch(`${guarded.url}/v1/users/u_x/stars`, { headers: { authorization: `Bearer bogus-${i}`, 'x-forwarded-for': `198.51.100.${i}` } });
      direct.push(res.status);
    }
    expect(direct.every((s) => s === 429)).toBe(true); // the guarded test above already spent this address's budget
  });

  it('refuses a TRUST_PROXY entry that is not an IP address', () => {
    expect(() => loadConfig({ TRUST_PROXY: 'proxy.local' })).toThrow(/TRUST_PROXY/);
  });
});

describe('absolute links from PUBLIC_URL (finding 6)', () => {
  it('builds Atom links from PUBLIC_URL, not from the Host header', async () => {
    const res = await raw(server.url, '/v1/trending.atom?k=5', { host: 'evil.example:1' });
    expect(res.status).toBe(200);
    expect(res.body).not.toContain('evil.example');
    expect(res.body).toContain(`href="${PUBLIC}/v1/trending.atom?k=5"`);
    expect(res.body).toContain(`${PUBLIC}/v1/papers/`); // entries without a URL of their own link to us
  });

  it('returns the feed-key URL absolute, and it works once the public prefix is mapped back', async () => {
    const user = await (await fetch(`${server.url}/v1/users`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: '{"name":"ada"}' })).json();
    const res = await raw(server.url, `/v1/users/${user.id}/feed-key`, { host: 'evil.example:1', authorization: `Bearer ${user.token}` }, 'POST');
    expect(res.status).toBe(201);
    const { key, url } = JSON.parse(res.body);
    expect(url).toBe(`${PUBLIC}/v1/users/${user.id}/feed.atom?key=${key}`);
    expect((await fetch(url.replace(PUBLIC, server.url))).status).toBe(200);
  });

  it('defaults to http://HOST:PORT (the port actually listened on)', async () => {
    const user = await (await fetch(`${plain.url}/v1/users`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: '{"name":"bo"}' })).json();
    const { url } = await (await fetch(`${plain.url}/v1/users/${user.id}/feed-key`, { method: 'POST', headers: { authorization: `Bearer ${user.token}` } })).json();
    expect(url.startsWith(`${plain.url}/v1/users/`)).toBe(true);
  });

  it('refuses a PUBLIC_URL that is not an absolute http(s) URL, naming the variable', () => {
    expect(() => loadConfig({ PUBLIC_URL: 'papers.example.org' })).toThrow(/PUBLIC_URL/);
    expect(() => loadConfig({ PUBLIC_URL: 'https://x.org/?a=1' })).toThrow(/PUBLIC_URL/);
  });
});

describe('smaller findings (7)', () => {
  it('refuses a paper with more authors than MAX_AUTHORS, with the reason', async () => {
    const authors = Array.from({ length: 20_000 }, (_, i) => `A${i}`);
    const res = await fetch(`${server.url}/v1/papers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ papers: [paper('many-authors', { authors }), paper('few-authors')] }),
    });
    expect(res.status).toBe(200);
    const out = await res.json();
    expect(out.inserted).toBe(1);
    expect(out.rejected).toEqual([{ index: 0, reason: expect.stringMatching(/^authors: more than 5,000 authors/) }]);
    expect((await fetch(`${server.url}/v1/papers/many-authors`)).status).toBe(404);
  });

  it('answers odd Host headers with problem+json', async () => {
    for (const host of ['evil".example', "a'b", 'a b', 'a<b>', 'x:y:z', '[::1', 'localhost:99999']) {
      const res = await raw(plain.url, '/healthz', { host });
      expect(res.status, host).toBe(400);
      expect(res.headers['content-type'], host).toMatch(/^application\/problem\+json/);
      expect(JSON.parse(res.body).detail, host).toMatch(/Host/);
    }
    for (const host of ['localhost', 'LocalHost:8080', '127.0.0.1:1', '[::1]:8080', 'papers.example.org']) {
      expect((await raw(plain.url, '/healthz', { host })).status, host).toBe(200);
    }
  });

  it('answers CORS preflights for allowed origins only, never with credentials', async () => {
    const preflight = (base: string, origin: string) =>
      fetch(`${base}/v1/recommend`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
      });
    const ok = await preflight(server.url, APP);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(APP);
    expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
    expect(ok.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('authorization');
    expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
    expect(ok.headers.get('vary')).toContain('Origin');

    const other = await preflight(server.url, 'https://evil.example');
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
    const none = await preflight(plain.url, APP);
    expect(none.headers.get('access-control-allow-origin')).toBeNull();

    const get = await fetch(`${server.url}/v1/trending`, { headers: { origin: 'http://localhost:5173' } });
    expect(get.status).toBe(200);
    expect(get.headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect(get.headers.get('access-control-expose-headers')).toContain('Retry-After');
    expect((await fetch(`${plain.url}/v1/trending`, { headers: { origin: APP } })).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses a CORS_ORIGINS entry that is not an origin', () => {
    expect(() => loadConfig({ CORS_ORIGINS: 'https://ok.example, not-an-origin' })).toThrow(/CORS_ORIGINS/);
    expect(() => loadConfig({ CORS_ORIGINS: 'https://ok.example/path' })).toThrow(/CORS_ORIGINS/);
    expect(loadConfig({ CORS_ORIGINS: 'https://a.example/, https://b.example' }).CORS_ORIGINS).toEqual(['https://a.example', 'https://b.example']);
  });
});
