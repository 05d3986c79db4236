// What the widget (/embed.js) relies on over HTTP: the script's headers, CORS for its calls (preflight for POST JSON),
// and the JSON feed behind the read-only feed key — which reads that feed and nothing else.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../src/server.js';
import { testConfig } from './engines.js';
import { expectProblem, paper, tempDir } from './helpers.js';

const ADMIN = 'widget-api-admin-token-0123456789';
const APP = 'https://reader.example.org';
const OTHER = 'https://elsewhere.example.net';

describe('the widget over HTTP: /embed.js, CORS, GET /v1/users/{uid}/feed.json?key=', () => {
  let server: RunningServer;
  let user: { id: string; token: string; key: string };
  const call = (method: string, url: string, headers: Record<string, string> = {}, body?: unknown) =>
    fetch(`${server.url}${url}`, {
      method,
      headers: { ...(body ? { 'Content-Type': 'application/json' } : {}), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

  beforeAll(async () => {
    server = await startServer(await testConfig({ DATA_DIR: tempDir(), PORT: '0', RATE_LIMIT_PER_MINUTE: '0', ADMIN_TOKEN: ADMIN, CORS_ORIGINS: APP }), () => {});
    await server.ready;
    const papers = ['w1', 'w2', 'w3', 'w4'].map((id, i) => paper(id, { title: `Graph neural networks for molecules ${i}`, abstract: `Message passing on molecular graphs, variant ${i}.` }));
    expect((await call('POST', '/v1/papers', bearer(ADMIN), { papers })).status).toBe(200);
    const created = await (await call('POST', '/v1/users', bearer(ADMIN), { name: 'Widget reader' })).json();
    expect((await call('PUT', `/v1/users/${created.id}/stars/w1`, bearer(created.token))).status).toBe(201);
    const { key } = await (await call('POST', `/v1/users/${created.id}/feed-key`, bearer(created.token))).json();
    user = { id: created.id, token: created.token, key };
  });
  afterAll(() => server?.close());

  it('serves /embed.js as a cacheable classic script any origin may load', async () => {
    const res = await call('GET', '/embed.js', { Origin: OTHER });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(res.headers.get('cache-control')).toBe('public, max-age=3600');
    expect(res.headers.get('vary')).toBe('Accept-Encoding');
    const body = await res.text();
    expect(body).toContain('paperfeed-similar');
    expect(body).not.toMatch(/^\s*(import|export)\b/m); // no module syntax: it runs from a plain <script src>
    const etag = res.headers.get('etag');
    expect(etag).toBeTruthy();
    expect((await call('GET', '/embed.js', { 'If-None-Match': etag! })).status).toBe(304);
  });

  it('answers the CORS preflight of a POST with a JSON body for an allowed origin, without credentials', async () => {
    const preflight = (origin: string) =>
      call('OPTIONS', '/v1/similar', { Origin: origin, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' });
    const ok = await preflight(APP);
    expect(ok.status).toBe(204);
    expect(ok.headers.get('access-control-allow-origin')).toBe(APP);
    expect(ok.headers.get('access-control-allow-methods')).toContain('POST');
    expect(ok.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('content-type');
    expect(ok.headers.get('access-control-allow-credentials')).toBeNull();
    const refused = await preflight(OTHER);
    expect(refused.headers.get('access-control-allow-origin')).toBeNull();

    const post = await call('POST', '/v1/similar', { Origin: APP }, { title: 'Molecular graphs', abstract: 'Message passing networks on molecules.', k: 2 });
    expect(post.status).toBe(200);
    expect(post.headers.get('access-control-allow-origin')).toBe(APP);
    expect((await post.json()).items).toHaveLength(2);
  });

  it('serves the JSON feed by feed key (same list as the bearer feed), with CORS for allowed origins', async () => {
    const byToken = await (await call('GET', `/v1/users/${user.id}/feed?k=3`, bearer(user.token))).json();
    const res = await call('GET', `/v1/users/${user.id}/feed.json?k=3&key=${user.key}`, { Origin: APP });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe(APP);
    const byKey = await res.json();
    expect(byKey.items.map((i: { paper: { id: string } }) => i.paper.id)).toEqual(byToken.items.map((i: { paper: { id: string } }) => i.paper.id));
    expect(byKey.items[0].reason).toEqual(expect.any(String));
    // A bearer token still works without a key; nothing at all is a 401.
    expect((await call('GET', `/v1/users/${user.id}/feed.json?k=3`, bearer(user.token))).status).toBe(200);
    await expectProblem(await call('GET', `/v1/users/${user.id}/feed.json`), 401);
  });

  it('never takes the feed key for anything but reading the feed: writes, other routes, or as a bearer token', async () => {
    const key = `key=${encodeURIComponent(user.key)}`;
    await expectProblem(await call('PUT', `/v1/users/${user.id}/stars/w2?${key}`), 401);
    await expectProblem(await call('POST', `/v1/users/${user.id}/feedback?${key}`, {}, { paperId: 'w2', kind: 'seen' }), 401);
    await expectProblem(await call('POST', `/v1/users/${user.id}/feed-key?${key}`), 401);
    await expectProblem(await call('DELETE', `/v1/users/${user.id}/feed-key?${key}`), 401);
    await expectProblem(await call('GET', `/v1/users/${user.id}/stars?${key}`), 401);
    await expectProblem(await call('GET', `/v1/users/${user.id}/feed?${key}`), 401);
    await expectProblem(await call('PUT', `/v1/users/${user.id}/stars/w2`, bearer(user.key)), 401);
    expect((await call('POST', `/v1/users/${user.id}/feed.json?${key}`)).status).toBe(404); // no such route: read-only
    const stars = await (await call('GET', `/v1/users/${user.id}/stars`, bearer(user.token))).json();
    expect(stars.items.map((s: { paperId: string }) => s.paperId)).toEqual(['w1']);
  });

  it('refuses a wrong, another user\'s, or revoked key with the same 401', async () => {
    const other = await (await call('POST', '/v1/users', bearer(ADMIN), { name: 'Other' })).json();
    const otherKey = (await (await call('POST', `/v1/users/${other.id}/feed-key`, bearer(other.token))).json()).key;
    await expectProblem(await call('GET', `/v1/users/${user.id}/feed.json?key=${otherKey}`), 401, 'query.key');
    await expectProblem(await call('GET', `/v1/users/${user.id}/feed.json?key=nope`), 401, 'query.key');
    await expectProblem(await call('GET', `/v1/users/no-such-user/feed.json?key=${user.key}`), 401, 'query.key');
    expect((await call('DELETE', `/v1/users/${user.id}/feed-key`, bearer(user.token))).status).toBe(200);
    await expectProblem(await call('GET', `/v1/users/${user.id}/feed.json?key=${user.key}`), 401, 'query.key');
  });
});
