// Collections over HTTP: create, add/remove papers, their own feed and Atom feed, private by default, shared
// read-only by a key; on both engines.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allPapers, testConfig } from './engines.js';
import { startServer, type RunningServer } from '../src/server.js';
import { expectProblem, tempDir } from './helpers.js';

const ADMIN = 'test-admin-token-0123456789';
let server: RunningServer;
let ada: { id: string; token: string };
let bob: { id: string; token: string };
let robotIds: string[];
type Item = { paper: { id: string; title: string }; reason: string };

function call(method: string, path: string, token?: string, body?: unknown) {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(server.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}
const ok = async (res: Response) => {
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return res.json();
};
const newUser = async (name: string) => ok(await call('POST', '/v1/users', ADMIN, { name }));

beforeAll(async () => {
  server = await startServer(await testConfig({ DATA_DIR: tempDir(), PORT: '0', ADMIN_TOKEN: ADMIN }), () => {});
  await server.ready;
  robotIds = (await allPapers(server.runtime.engine)).filter((p) => /robot/i.test(p.title)).map((p) => p.id);
  ada = await newUser('Ada');
  bob = await newUser('Bob');
});
afterAll(() => server?.close());

describe('collections', () => {
  it('are created per user with unique names, listed oldest first, private to their owner', async () => {
    const robots = await ok(await call('POST', `/v1/users/${ada.id}/collections`, ada.token, { name: 'Robots' }));
    expect(robots).toEqual({ id: expect.stringMatching(/^c_/), name: 'Robots', createdAt: expect.any(String), shared: false, size: 0 });
    await expectProblem(await call('POST', `/v1/users/${ada.id}/collections`, ada.token, { name: 'Robots' }), 409, 'body.name');
    await expectProblem(await call('POST', `/v1/users/${ada.id}/collections`, ada.token, { name: '  ' }), 400, 'body.name');
    const other = await ok(await call('POST', `/v1/users/${ada.id}/collections`, ada.token, { name: 'Reading group' }));
    const list = await ok(await call('GET', `/v1/users/${ada.id}/collections`, ada.token));
    expect(list.items.map((c: { name: string }) => c.name)).toEqual(['Robots', 'Reading group']);
    // Bob sees none of it, and cannot tell Ada's collections from missing ones.
    await expectProblem(await call('GET', `/v1/users/${ada.id}/collections`, bob.token), 404, 'param.uid');
    await expectProblem(await call('GET', `/v1/users/${ada.id}/collections/${robots.id}`, bob.token), 404, 'param.uid');
    await expectProblem(await call('GET', `/v1/users/${bob.id}/collections/${robots.id}`, bob.token), 404, 'param.cid');
    await expectProblem(await call('GET', `/v1/users/${ada.id}/collections/${robots.id}`), 401);
    expect((await call('DELETE', `/v1/users/${ada.id}/collections/${other.id}`, ada.token)).status).toBe(200);
    await expectProblem(await call('GET', `/v1/users/${ada.id}/collections/${other.id}`, ada.token), 404, 'param.cid');
  });

  it('hold papers (one paper in several), newest addition first, and say which hold a paper', async () => {
    const a = await ok(await call('POST', `/v1/users/${ada.id}/collections`, ada.token, { name: 'A' }));
    const b = await ok(await call('POST', `/v1/users/${ada.id}/collections`, ada.token, { name: 'B' }));
    const [p1, p2] = robotIds;
    expect((await call('PUT', `/v1/users/${ada.id}/collections/${a.id}/papers/${p1}`, ada.token)).status).toBe(201);
    expect((await call('PUT', `/v1/users/${ada.id}/collections/${a.id}/papers/${p1}`, ada.token)).status).toBe(200);
    expect((await call('PUT', `/v1/users/${ada.id}/collections/${a.id}/papers/${p2}`, ada.token)).status).toBe(201);
    expect((await call('PUT', `/v1/users/${ada.id}/collections/${b.id}/papers/${p1}`, ada.token)).status).toBe(201);
    await expectProblem(await call('PUT', `/v1/users/${ada.id}/collections/${a.id}/papers/no-such-paper`, ada.token), 404, 'param.paperId');
    const got = await ok(await call('GET', `/v1/users/${ada.id}/collections/${a.id}`, ada.token));
    expect(got.collection).toMatchObject({ id: a.id, name: 'A', size: 2, shared: false });
    expect(got.items.map((i: { paperId: string }) => i.paperId)).toEqual([p2, p1]);
    expect(got.items[0].paper.id).toBe(p2);
    const holding = await ok(await call('GET', `/v1/users/${ada.id}/collections?paper=${encodeURIComponent(p2)}`, ada.token));
    expect(Object.fromEntries(holding.items.map((c: { name: string; hasPaper: boolean }) => [c.name, c.hasPaper]))).toMatchObject({ A: true, B: false });

    expect(await ok(await call('DELETE', `/v1/users/${ada.id}/collections/${a.id}/papers/${p2}`, ada.token))).toEqual({ collectionId: a.id, paperId: p2, member: false });
    await expectProblem(await call('DELETE', `/v1/users/${ada.id}/collections/${a.id}/papers/${p2}`, ada.token), 404, 'param.paperId');
    expect((await ok(await call('GET', `/v1/users/${ada.id}/collections/${a.id}`, ada.token))).items.map((i: { paperId: string }) => i.paperId)).toEqual([p1]);
    // Stars are separate: nothing was starred.
    expect((await ok(await call('GET', `/v1/users/${ada.id}/stars`, ada.token))).total).toBe(0);
  });

  it("have their own feed, learnt from the collection's papers, with reasons naming it; and an Atom feed", async () => {
    const c = await ok(await call('POST', `/v1/users/${ada.id}/collections`, ada.token, { name: 'Robot learning' }));
    const members = robotIds.slice(0, 3);
    for (const id of members) await ok(await call('PUT', `/v1/users/${ada.id}/collections/${c.id}/papers/${encodeURIComponent(id)}`, ada.token));
    const feed = await ok(await call('GET', `/v1/users/${ada.id}/collections/${c.id}/feed?k=10&since=2026-08-01&until=2026-08-22`, ada.token));
    expect(feed.items).toHaveLength(10);
    const ids = feed.items.map((i: Item) => i.paper.id);
    for (const id of members) expect(ids).not.toContain(id);
    for (const i of feed.items as Item[]) expect(i.reason).toMatch(/^Close to “.+” in “Robot learning”/);
    // Ada's own feed has no stars: it is trending, not this.
    const own = await ok(await call('GET', `/v1/users/${ada.id}/feed?k=10&since=2026-08-01&until=2026-08-22`, ada.token));
    expect(own.items.map((i: Item) => i.paper.id)).not.toEqual(ids);

    const atom = await call('GET', `/v1/users/${ada.id}/collections/${c.id}/feed.atom?k=10&since=2026-08-01&until=2026-08-22`, ada.token);
    expect(atom.status).toBe(200);
    expect(atom.headers.get('content-type')).toMatch(/application\/atom\+xml/);
    const xml = await atom.text();
    expect(xml).toContain('<title type="text">paperfeed: Robot learning</title>');
    expect((xml.match(/<entry>/g) ?? []).length).toBe(10);
    await expectProblem(await call('GET', `/v1/users/${ada.id}/collections/${c.id}/feed.atom`), 401);
  });

  it('are shared read-only by a key: list, feed and Atom feed without a token; nothing else; revocable', async () => {
    const c = await ok(await call('POST', `/v1/users/${ada.id}/collections`, ada.token, { name: 'Shared robots' }));
    await ok(await call('PUT', `/v1/users/${ada.id}/collections/${c.id}/papers/${encodeURIComponent(robotIds[0])}`, ada.token));
    const base = `/v1/users/${ada.id}/collections/${c.id}`;
    await expectProblem(await call('GET', `${base}?key=pfc_guess`), 401, 'query.key');
    const share = await ok(await call('POST', `${base}/share-key`, ada.token));
    expect(share.url).toContain(`collection=${c.id}`);
    expect(share.feedUrl).toContain(`${base}/feed.atom?key=`);
    const key = encodeURIComponent(share.key);

    const seen = await ok(await call('GET', `${base}?key=${key}`));
    expect(seen.collection).toMatchObject({ name: 'Shared robots', shared: true, size: 1 });
    expect(seen.items.map((i: { paperId: string }) => i.paperId)).toEqual([robotIds[0]]);
    expect((await ok(await call('GET', `${base}/feed?k=5&key=${key}`))).items).toHaveLength(5);
    expect((await call('GET', `${base}/feed.atom?k=5&key=${key}`)).status).toBe(200);
    // Read-only: the key writes nothing, and opens no other collection or user route.
    await expectProblem(await call('PUT', `${base}/papers/${encodeURIComponent(robotIds[1])}?key=${key}`), 401);
    await expectProblem(await call('DELETE', `${base}?key=${key}`), 401);
    const other = await ok(await call('POST', `/v1/users/${ada.id}/collections`, ada.token, { name: 'Private' }));
    await expectProblem(await call('GET', `/v1/users/${ada.id}/collections/${other.id}?key=${key}`), 401, 'query.key');
    await expectProblem(await call('GET', `/v1/users/${ada.id}/stars?key=${key}`), 401);
    // A new key replaces the old one; revoking makes it private again.
    const second = await ok(await call('POST', `${base}/share-key`, ada.token));
    await expectProblem(await call('GET', `${base}?key=${key}`), 401, 'query.key');
    expect((await call('GET', `${base}?key=${encodeURIComponent(second.key)}`)).status).toBe(200);
    expect((await call('DELETE', `${base}/share-key`, ada.token)).status).toBe(200);
    await expectProblem(await call('GET', `${base}?key=${encodeURIComponent(second.key)}`), 401, 'query.key');
    await expectProblem(await call('DELETE', `${base}/share-key`, ada.token), 404, 'param.cid');
    expect((await ok(await call('GET', base, ada.token))).collection.shared).toBe(false);
  });
});
