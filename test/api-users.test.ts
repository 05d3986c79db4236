import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storedUserBytes, testConfig } from './engines.js';
import { startServer, type RunningServer } from '../src/server.js';
import { paper, tempDir, expectProblem } from './helpers.js';

const ADMIN = 'test-admin-token-0123456789';
const DOI = '10.1145/3292500.3330701';
const STARRED = ['2607.28629', DOI, 'test-users-p3'];

let server: RunningServer;
let dataDir: string;
let a: { id: string; token: string };
let b: { id: string; token: string };
let bFeedKey: string;

function call(method: string, url: string, token?: string, body?: unknown) {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(server.url + url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function createUser(name: string) {
  const res = await call('POST', '/v1/users', ADMIN, { name });
  expect(res.status).toBe(201);
  const body = await res.json();
  expect(body).toEqual({ id: expect.stringMatching(/^u_/), name, token: expect.any(String) });
  return body as { id: string; token: string };
}

const starIds = async (uid: string, token = ADMIN, query = '') => {
  const res = await call('GET', `/v1/users/${uid}/stars${query}`, token);
  expect(res.status).toBe(200);
  const body = await res.json();
  return { ids: body.items.map((i: { paperId: string }) => i.paperId) as string[], total: body.total as number, items: body.items };
};

beforeAll(async () => {
  dataDir = tempDir();
  server = await startServer(await testConfig({ DATA_DIR: dataDir, PORT: '0', ADMIN_TOKEN: ADMIN }), () => {});
  await server.ready;
  await server.runtime.writer.addPapers([paper(DOI, { title: 'Graph neural networks at web scale' }), paper('test-users-p3')]);
  a = await createUser('Alice');
  b = await createUser('Bob');
  expect((await call('PUT', `/v1/users/${b.id}/stars/2607.28629`, b.token)).status).toBe(201);
  expect((await call('POST', `/v1/users/${b.id}/feedback`, b.token, { paperId: DOI, kind: 'seen' })).status).toBe(200);
  bFeedKey = (await (await call('POST', `/v1/users/${b.id}/feed-key`, b.token)).json()).key;
});
afterAll(() => server?.close());

describe('users, stars and feedback over HTTP', () => {
  it('stars papers (idempotently), lists them newest first with pagination, unstars', async () => {
    for (const id of STARRED) {
      const res = await call('PUT', `/v1/users/${a.id}/stars/${encodeURIComponent(id)}`, a.token);
      expect(res.status).toBe(201);
      expect(await res.json()).toEqual({ userId: a.id, paperId: id, starred: true });
    }
    const again = await call('PUT', `/v1/users/${a.id}/stars/2607.28629`, a.token);
    expect(again.status).toBe(200);

    const all = await starIds(a.id, a.token);
    expect(all.ids).toEqual([...STARRED].reverse());
    expect(all.total).toBe(3);
    expect(all.items[0].paper).toMatchObject({ id: 'test-users-p3', title: 'Paper test-users-p3' });
    expect(all.items[1].paper.url).toBe(`https://doi.org/${DOI}`);
    expect(Date.parse(all.items[0].starredAt)).toBeGreaterThan(Date.parse(all.items[2].starredAt));

    expect(await starIds(a.id, a.token, '?limit=2')).toMatchObject({ ids: all.ids.slice(0, 2), total: 3 });
    expect(await starIds(a.id, a.token, '?limit=2&offset=2')).toMatchObject({ ids: all.ids.slice(2), total: 3 });
    expect(await starIds(a.id, a.token, '?offset=5')).toMatchObject({ ids: [], total: 3 });

    const del = await call('DELETE', `/v1/users/${a.id}/stars/${encodeURIComponent(DOI)}`, a.token);
    expect(del.status).toBe(200);
    expect(await del.json()).toEqual({ userId: a.id, paperId: DOI, starred: false });
    await expectProblem(await call('DELETE', `/v1/users/${a.id}/stars/${encodeURIComponent(DOI)}`, a.token), 404, 'param.paperId');
    expect(await starIds(a.id, a.token)).toMatchObject({ ids: ['test-users-p3', '2607.28629'], total: 2 });
    expect(await server.runtime.engine.users.starredIds(a.id)).toEqual(['test-users-p3', '2607.28629']);
  });

  it('keeps a star whose paper is deleted, listed with paper null, and removable', async () => {
    const { id, token } = await createUser('Carol');
    await server.runtime.writer.addPapers([paper('test-users-gone')]);
    expect((await call('PUT', `/v1/users/${id}/stars/test-users-gone`, token)).status).toBe(201);
    await server.runtime.writer.deletePaper('test-users-gone');
    const { items, total } = await starIds(id, token);
    expect(total).toBe(1);
    expect(items[0]).toMatchObject({ paperId: 'test-users-gone', paper: null });
    expect((await call('DELETE', `/v1/users/${id}/stars/test-users-gone`, token)).status).toBe(200);
  });

  it('records feedback; unknown papers and bad bodies are rejected naming the field', async () => {
    const ok = await call('POST', `/v1/users/${a.id}/feedback`, a.token, { paperId: DOI, kind: 'not_interested' });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true });
    expect((await call('POST', `/v1/users/${a.id}/feedback`, a.token, { paperId: DOI, kind: 'not_interested' })).status).toBe(200);
    expect((await call('POST', `/v1/users/${a.id}/feedback`, a.token, { paperId: '2607.28629', kind: 'seen' })).status).toBe(200);
    expect(await server.runtime.engine.users.feedbackIds(a.id, 'not_interested')).toEqual([DOI]);
    expect(await server.runtime.engine.users.feedbackIds(a.id, 'seen')).toEqual(['2607.28629']);

    await expectProblem(await call('POST', `/v1/users/${a.id}/feedback`, a.token, { paperId: DOI, kind: 'meh' }), 400, 'body.kind');
    await expectProblem(await call('POST', `/v1/users/${a.id}/feedback`, a.token, { kind: 'seen' }), 400, 'body.paperId');
    await expectProblem(await call('POST', `/v1/users/${a.id}/feedback`, a.token, { paperId: 'x'.repeat(201), kind: 'seen' }), 400, 'body.paperId');
    await expectProblem(await call('POST', `/v1/users/${a.id}/feedback`, a.token, { paperId: 'no-such-paper', kind: 'seen' }), 404, 'body.paperId');
    await expectProblem(await call('PUT', `/v1/users/${a.id}/stars/no-such-paper`, a.token), 404, 'param.paperId');
    await expectProblem(await call('PUT', `/v1/users/${a.id}/stars/${'x'.repeat(201)}`, a.token), 400, 'param.paperId');
    await expectProblem(await call('GET', `/v1/users/${a.id}/stars?limit=0`, a.token), 400, 'query.limit');
    await expectProblem(await call('GET', `/v1/users/${a.id}/stars?offset=-1`, a.token), 400, 'query.offset');
  });

  it('creates users only for the admin, validating the name', async () => {
    await expectProblem(await call('POST', '/v1/users', undefined, { name: 'Eve' }), 401);
    await expectProblem(await call('POST', '/v1/users', 'not-a-token', { name: 'Eve' }), 401);
    await expectProblem(await call('POST', '/v1/users', a.token, { name: 'Eve' }), 403);
    await expectProblem(await call('POST', '/v1/users', a.token, { name: '' }), 403);
    await expectProblem(await call('POST', '/v1/users', ADMIN, { name: '' }), 400, 'body.name');
    await expectProblem(await call('POST', '/v1/users', ADMIN, { name: 'x'.repeat(101) }), 400, 'body.name');
    await expectProblem(await call('POST', '/v1/users', ADMIN, {}), 400, 'body.name');
    await expectProblem(await call('POST', '/v1/users', ADMIN, { name: 42 }), 400, 'body.name');
    const raw = (body: string, type?: string) =>
      fetch(`${server.url}/v1/users`, { method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, ...(type ? { 'content-type': type } : {}) }, body });
    await expectProblem(await raw('{"name":', 'application/json'), 400, 'body');
    await expectProblem(await raw('{"name":"Eve"}', 'text/plain'), 415, 'header.content-type');
    await expectProblem(await raw('{"name":"Eve"}'), 415, 'header.content-type');
  });

  it("never lets a user touch another user's data; the admin may do everything", async () => {
    const before = await starIds(b.id);
    const encodedB = [b.id, encodeURIComponent(b.id), b.id.replace('_', '%5F'), b.id.replace('u', '%75')];
    for (const uid of encodedB) {
      await expectProblem(await call('GET', `/v1/users/${uid}/stars`, a.token), 404, 'param.uid');
      await expectProblem(await call('PUT', `/v1/users/${uid}/stars/test-users-p3`, a.token), 404, 'param.uid');
      await expectProblem(await call('DELETE', `/v1/users/${uid}/stars/2607.28629`, a.token), 404, 'param.uid');
      await expectProblem(await call('POST', `/v1/users/${uid}/feedback`, a.token, { paperId: DOI, kind: 'not_interested' }), 404, 'param.uid');
      await expectProblem(await call('POST', `/v1/users/${uid}/feedback`, a.token, { bad: 'body' }), 404, 'param.uid');
      await expectProblem(await call('POST', `/v1/users/${uid}/feed-key`, a.token), 404, 'param.uid');
      await expectProblem(await call('DELETE', `/v1/users/${uid}/feed-key`, a.token), 404, 'param.uid');
      await expectProblem(await call('GET', `/v1/users/${uid}/feed.atom`, a.token), 404, 'param.uid');
    }
    // Nothing of B's changed: stars, feedback, feed key.
    expect(await starIds(b.id)).toEqual(before);
    expect(before.ids).toEqual(['2607.28629']);
    expect(await server.runtime.engine.users.feedbackIds(b.id, 'not_interested')).toEqual([]);
    expect(await server.runtime.engine.users.userForFeedKey(bFeedKey)).toBe(b.id);
    // The same 404 for a user that does not exist.
    await expectProblem(await call('GET', '/v1/users/u_nobody/stars', a.token), 404, 'param.uid');

    for (const route of [['GET', 'stars'], ['PUT', 'stars/2607.28629'], ['DELETE', 'stars/2607.28629'], ['POST', 'feedback'], ['POST', 'feed-key'], ['DELETE', 'feed-key']]) {
      await expectProblem(await call(route[0], `/v1/users/${b.id}/${route[1]}`), 401);
      await expectProblem(await call(route[0], `/v1/users/${b.id}/${route[1]}`, 'pf_wrong-token'), 401);
    }
    expect(await starIds(b.id)).toEqual(before);

    // The admin, with an encoded uid too.
    expect((await call('PUT', `/v1/users/${encodeURIComponent(b.id)}/stars/test-users-p3`, ADMIN)).status).toBe(201);
    expect((await call('POST', `/v1/users/${b.id}/feedback`, ADMIN, { paperId: 'test-users-p3', kind: 'seen' })).status).toBe(200);
    expect((await starIds(b.id)).ids).toEqual(['test-users-p3', '2607.28629']);
    expect((await call('DELETE', `/v1/users/${b.id}/stars/test-users-p3`, ADMIN)).status).toBe(200);
    const key = await call('POST', `/v1/users/${b.id}/feed-key`, ADMIN);
    expect(key.status).toBe(201);
    bFeedKey = (await key.json()).key;
    expect(await server.runtime.engine.users.userForFeedKey(bFeedKey)).toBe(b.id);
  });

  it('issues, replaces and revokes feed keys, shown once', async () => {
    const first = await call('POST', `/v1/users/${a.id}/feed-key`, a.token);
    expect(first.status).toBe(201);
    const { key, url } = await first.json();
    expect(url).toBe(`${server.url}/v1/users/${a.id}/feed.atom?key=${key}`); // absolute (PUBLIC_URL defaults to where we listen)
    const { key: second } = await (await call('POST', `/v1/users/${a.id}/feed-key`, a.token)).json();
    expect(second).not.toBe(key);
    expect(await server.runtime.engine.users.userForFeedKey(key)).toBeUndefined();
    expect(await server.runtime.engine.users.userForFeedKey(second)).toBe(a.id);
    // A feed key is not a bearer token.
    await expectProblem(await call('GET', `/v1/users/${a.id}/stars`, second), 401);
    expect((await call('DELETE', `/v1/users/${a.id}/feed-key`, a.token)).status).toBe(200);
    await expectProblem(await call('DELETE', `/v1/users/${a.id}/feed-key`, a.token), 404);
    expect(await server.runtime.engine.users.userForFeedKey(second)).toBeUndefined();
  });

  it('works with DOI-style ids percent-encoded in the path', async () => {
    const encoded = encodeURIComponent(DOI);
    expect(encoded).toBe('10.1145%2F3292500.3330701');
    const put = await call('PUT', `/v1/users/${a.id}/stars/${encoded}`, a.token);
    expect([200, 201]).toContain(put.status);
    expect((await put.json()).paperId).toBe(DOI);
    expect((await starIds(a.id, a.token)).ids[0]).toBe(DOI);
  });

  it('stores tokens and feed keys only as hashes and never returns them again', async () => {
    const { id, token } = await createUser('Dave');
    const { key } = await (await call('POST', `/v1/users/${id}/feed-key`, token)).json();
    // Every byte the engine keeps about users: the SQLite file (and its WAL), or every users row in PostgreSQL.
    for (const bytes of await storedUserBytes(server, dataDir)) {
      expect(bytes.includes(token)).toBe(false);
      expect(bytes.includes(key)).toBe(false);
    }
    const responses = [
      await call('GET', `/v1/users/${id}/stars`, token),
      await call('PUT', `/v1/users/${id}/stars/2607.28629`, token),
      await call('GET', `/v1/users/${id}/feed.atom`, token),
      await call('GET', '/openapi.json'),
    ];
    for (const res of responses) {
      const text = await res.text();
      expect(text.includes(token)).toBe(false);
      expect(text.includes(key)).toBe(false);
    }
  });

  it('documents the routes in the OpenAPI document', async () => {
    const doc = await (await call('GET', '/openapi.json')).json();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/users', '/v1/users/{uid}/stars', '/v1/users/{uid}/stars/{paperId}', '/v1/users/{uid}/feedback', '/v1/users/{uid}/feed-key']),
    );
  });
});
