import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allPapers, paperOf, testConfig } from './engines.js';
import { startServer, type RunningServer } from '../src/server.js';
import { dot } from '../src/recommend/stats.js';
import { tempDir, expectProblem } from './helpers.js';

const ADMIN = 'test-admin-token-0123456789';
let server: RunningServer;
type Item = { paper: { id: string; title: string; abstract: string; published: string }; score: number; reason?: string };

function call(path: string, init: RequestInit & { token?: string; json?: unknown } = {}) {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  if (init.json !== undefined) headers.set('content-type', 'application/json');
  return fetch(server.url + path, { ...init, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
}
const ok = async (res: Response) => {
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return res.json();
};
const robotic = /robot|embodied|manipulat|locomot|humanoid|grasp|vision-language-action|\bvla\b/i;
const isRobotic = (i: Item) => robotic.test(`${i.paper.title} ${i.paper.abstract}`);
let robotIds: string[];
let baseRate: number;

async function newUser(name: string): Promise<{ id: string; token: string }> {
  return ok(await call('/v1/users', { method: 'POST', token: ADMIN, json: { name } }));
}

beforeAll(async () => {
  server = await startServer(await testConfig({ DATA_DIR: tempDir(), PORT: '0', ADMIN_TOKEN: ADMIN }), () => {});
  await server.ready;
  const all = await allPapers(server.runtime.engine);
  baseRate = all.filter((p) => robotic.test(`${p.title} ${p.abstract}`)).length / all.length;
  robotIds = all.filter((p) => /robot/i.test(p.title)).map((p) => p.id);
});
afterAll(() => server?.close());

describe('GET /v1/users/:uid/feed', () => {
  it('is the trending list for a user without stars, with reasons', async () => {
    const u = await newUser('newcomer');
    const feed = await ok(await call(`/v1/users/${u.id}/feed?k=10`, { token: u.token }));
    const trending = await ok(await call('/v1/trending?k=10'));
    expect(feed.items.map((i: Item) => i.paper.id)).toEqual(trending.items.map((i: Item) => i.paper.id));
    for (const i of feed.items) expect(i.reason).toMatch(/Trending|New/);
  });

  it('follows the stars: topical, never starred or dismissed papers, a reason naming a starred paper', async () => {
    const u = await newUser('roboticist');
    const starred = robotIds.slice(0, 3);
    for (const id of starred) await ok(await call(`/v1/users/${u.id}/stars/${encodeURIComponent(id)}`, { method: 'PUT', token: u.token }));
    const { items } = await ok(await call(`/v1/users/${u.id}/feed?k=20&since=2026-08-01&until=2026-08-22`, { token: u.token }));
    expect(items).toHaveLength(20);
    const ids = items.map((i: Item) => i.paper.id);
    for (const id of starred) expect(ids).not.toContain(id);
    expect(new Set(ids).size).toBe(ids.length);
    const titles = (await server.runtime.engine.papers.byIds(starred)).map((p) => p!.title.slice(0, 40));
    for (const i of items) expect(titles.some((t) => i.reason!.includes(t))).toBe(true);
    expect(items.filter(isRobotic).length / items.length).toBeGreaterThan(Math.min(0.9, 2 * baseRate));

    // "Not interested" removes the paper and pushes its look-alikes down.
    const dismissed = items[0].paper.id;
    await ok(await call(`/v1/users/${u.id}/feedback`, { method: 'POST', token: u.token, json: { paperId: dismissed, kind: 'not_interested' } }));
    const after = await ok(await call(`/v1/users/${u.id}/feed?k=20&since=2026-08-01&until=2026-08-22`, { token: u.token }));
    const afterIds = after.items.map((i: Item) => i.paper.id);
    expect(afterIds).not.toContain(dismissed);
    // Its closest look-alike in the first list (by the stored embeddings) ranks no higher than before.
    const { engine } = server.runtime;
    const listed = (await engine.papers.byIds(ids)).map((p) => p!);
    const listedVectors = await engine.papers.vectors(listed.map((p) => p.seq), server.runtime.embedder.modelKey);
    const vectorById = new Map(listed.map((p, i) => [p.id, listedVectors[i]!]));
    const vecOf = (id: string) => vectorById.get(id)!;
    const towardDismissed = (id: string) => dot(vecOf(id), vecOf(dismissed));
    const twin = ids.filter((id: string) => id !== dismissed).reduce((a: string, b: string) => (towardDismissed(b) > towardDismissed(a) ? b : a));
    // Scores are before diversification, so they show the push-down itself: the twin loses ground against the papers
    // that are in both lists (or drops out of the list).
    const common = ids.filter((id: string) => id !== twin && id !== dismissed && afterIds.includes(id));
    expect(common.length).toBeGreaterThan(5);
    const margin = (list: Item[]) => {
      const score = (id: string) => list.find((i) => i.paper.id === id)!.score;
      const others = common.map(score).sort((x: number, y: number) => x - y);
      return score(twin) - others[Math.floor(others.length / 2)];
    };
    expect(!afterIds.includes(twin) || margin(after.items) < margin(items)).toBe(true);
  });

  it('learns a per-user model from 5 stars on over a big window and stays topical', async () => {
    const u = await newUser('robot-fan');
    const starred = robotIds.slice(0, 6);
    expect(starred.length).toBe(6);
    for (const id of starred) await ok(await call(`/v1/users/${u.id}/stars/${encodeURIComponent(id)}`, { method: 'PUT', token: u.token }));
    // The whole seed is the window: every paper is a candidate of the per-user model.
    const { items } = await ok(await call(`/v1/users/${u.id}/feed?k=20&since=2000-01-01&until=2100-01-01`, { token: u.token }));
    expect(items).toHaveLength(20);
    const ids = items.map((i: Item) => i.paper.id);
    for (const id of starred) expect(ids).not.toContain(id);
    expect(items.filter(isRobotic).length / items.length).toBeGreaterThan(Math.min(0.9, 2 * baseRate));
    for (let i = 1; i < items.length; i++) expect(Number.isFinite(items[i].score)).toBe(true);
  });

  it('learns a curator’s taste for popular papers and says so in the reason', async () => {
    // A curator stars the most-upvoted papers of the seed, across topics: the learned mix weighs popularity, and
    // items that popularity put on the list say "popular … among papers like X" (X a starred paper).
    const all = await allPapers(server.runtime.engine);
    const byUpvotes = all.filter((p) => (p.upvotes ?? 0) > 0).sort((a, b) => (b.upvotes ?? 0) - (a.upvotes ?? 0));
    expect(byUpvotes.length).toBeGreaterThan(40);
    const u = await newUser('curator');
    const starred = byUpvotes.slice(0, 20).map((p) => p.id);
    for (const id of starred) await ok(await call(`/v1/users/${u.id}/stars/${encodeURIComponent(id)}`, { method: 'PUT', token: u.token }));
    const { items } = await ok(await call(`/v1/users/${u.id}/feed?k=20&since=2000-01-01&until=2100-01-01`, { token: u.token }));
    const popular = items.filter((i: Item) => i.reason!.startsWith('Popular this week among papers like “'));
    expect(popular.length).toBeGreaterThan(0);
    const titles = byUpvotes.slice(0, 20).map((p) => p.title.slice(0, 40));
    for (const i of popular) {
      expect(titles.some((t) => i.reason!.includes(t))).toBe(true);
      expect(i.reason).toMatch(/· \d+ upvotes?/);
    }
  });

  it('defaults to the last 7 days of the corpus and honours since/until (until exclusive)', async () => {
    const u = await newUser('windowed');
    await ok(await call(`/v1/users/${u.id}/stars/${encodeURIComponent(robotIds[0])}`, { method: 'PUT', token: u.token }));
    const newest = (await server.runtime.engine.papers.newestPublished())!;
    const { items } = await ok(await call(`/v1/users/${u.id}/feed?k=50`, { token: u.token }));
    expect(items.length).toBeGreaterThan(0);
    const since = new Date(Date.parse(`${newest}T00:00:00Z`) - 6 * 86400e3).toISOString().slice(0, 10);
    for (const i of items) expect(i.paper.published >= since && i.paper.published <= newest).toBe(true);

    const old = await ok(await call(`/v1/users/${u.id}/feed?k=50&since=2026-08-05&until=2026-08-08`, { token: u.token }));
    expect(old.items.length).toBeGreaterThan(0);
    for (const i of old.items) expect(i.paper.published >= '2026-08-05' && i.paper.published < '2026-08-08').toBe(true);
  });

  it('is private: other users get 404, no token 401, admin may read', async () => {
    const a = await newUser('a');
    const b = await newUser('b');
    await expectProblem(await call(`/v1/users/${a.id}/feed`, { token: b.token }), 404, 'param.uid');
    await expectProblem(await call(`/v1/users/${encodeURIComponent(a.id)}/feed`, { token: b.token }), 404);
    await expectProblem(await call(`/v1/users/${a.id}/feed`), 401);
    await expectProblem(await call(`/v1/users/${a.id}/feed`, { token: 'pf_not-a-real-token' }), 401);
    expect((await call(`/v1/users/${a.id}/feed`, { token: ADMIN })).status).toBe(200);
    await expectProblem(await call(`/v1/users/${a.id}/feed?k=0`, { token: a.token }), 400, 'query.k');
    await expectProblem(await call(`/v1/users/${a.id}/feed?since=2026-08-10&until=2026-08-01`, { token: a.token }), 400, 'query.until');
  });
});

describe('POST /v1/recommend', () => {
  it('recommends papers close to the positives, excluding the given ones', async () => {
    const positive = robotIds.slice(0, 3);
    const { items } = await ok(await call('/v1/recommend', { method: 'POST', json: { positive, k: 10 } }));
    expect(items).toHaveLength(10);
    for (const i of items) expect(positive).not.toContain(i.paper.id);
    expect(items.filter(isRobotic).length / items.length).toBeGreaterThan(Math.min(0.9, 2 * baseRate));
  });

  it('negatives push their look-alikes away', async () => {
    const positive = [robotIds[0]];
    const base = await ok(await call('/v1/recommend', { method: 'POST', json: { positive, k: 5 } }));
    const negative = [base.items[0].paper.id];
    const pushed = await ok(await call('/v1/recommend', { method: 'POST', json: { positive, negative, k: 5 } }));
    expect(pushed.items.map((i: Item) => i.paper.id)).not.toContain(negative[0]);
    expect(pushed.items[0].score).toBeLessThanOrEqual(base.items[0].score);
  });

  it('rejects bad input with the field named', async () => {
    await expectProblem(await call('/v1/recommend', { method: 'POST', json: { positive: [] } }), 400, 'body.positive');
    await expectProblem(await call('/v1/recommend', { method: 'POST', json: { positive: [robotIds[0], 'nope'] } }), 404, 'body.positive.1');
    await expectProblem(await call('/v1/recommend', { method: 'POST', json: { positive: [robotIds[0]], k: 5000 } }), 400, 'body.k');
    await expectProblem(await call('/v1/recommend', { method: 'POST', json: { positive: 'x' } }), 400, 'body.positive');
    await expectProblem(await call('/v1/recommend', { method: 'POST', json: { positive: Array(501).fill(robotIds[0]) } }), 400, 'body.positive');
    await expectProblem(await call('/v1/recommend', { method: 'POST', body: '{"positive": [', headers: { 'content-type': 'application/json' } }), 400);
  });
});

describe('POST and DELETE /v1/papers (admin)', () => {
  it('needs the admin token', async () => {
    const u = await newUser('writer');
    const body = { papers: [{ id: 'x-1', title: 'T', abstract: 'A' }] };
    await expectProblem(await call('/v1/papers', { method: 'POST', json: body }), 401);
    await expectProblem(await call('/v1/papers', { method: 'POST', json: body, token: u.token }), 403);
    await expectProblem(await call('/v1/papers/x-1', { method: 'DELETE', token: u.token }), 403);
  });

  it('stores and indexes papers before it returns; one bad record does not sink the batch; delete removes it', async () => {
    const original = (await paperOf(server.runtime.engine, robotIds[0]))!;
    const twin = { id: '10.5555/twin.of.a.robot', title: original.title, abstract: original.abstract, authors: ['T. Win'], published: '2026-08-20' };
    const res = await ok(
      await call('/v1/papers', { method: 'POST', token: ADMIN, json: { papers: [twin, { id: '', title: 'x' }, { id: 'y', title: 'no abstract' }] } }),
    );
    expect(res).toMatchObject({ inserted: 1, updated: 0, unchanged: 0 });
    expect(res.rejected.map((r: { index: number }) => r.index)).toEqual([1, 2]);
    for (const r of res.rejected) expect(r.reason.length).toBeGreaterThan(3);

    const sim = await ok(await call(`/v1/papers/${robotIds[0]}/similar?k=1`));
    expect(sim.items[0].paper.id).toBe(twin.id);
    expect(sim.items[0].score).toBeGreaterThan(0.999);

    const again = await ok(await call('/v1/papers', { method: 'POST', token: ADMIN, json: { papers: [twin] } }));
    expect(again).toMatchObject({ inserted: 0, unchanged: 1 });

    await ok(await call(`/v1/papers/${encodeURIComponent(twin.id)}`, { method: 'DELETE', token: ADMIN }));
    await expectProblem(await call(`/v1/papers/${encodeURIComponent(twin.id)}`), 404);
    await expectProblem(await call(`/v1/papers/${encodeURIComponent(twin.id)}`, { method: 'DELETE', token: ADMIN }), 404, 'param.id');
    const simAfter = await ok(await call(`/v1/papers/${robotIds[0]}/similar?k=5`));
    expect(simAfter.items.map((i: Item) => i.paper.id)).not.toContain(twin.id);
  });

  it('rejects a body that is not {papers: [...]}', async () => {
    await expectProblem(await call('/v1/papers', { method: 'POST', token: ADMIN, json: { papers: [] } }), 400, 'body.papers');
    await expectProblem(await call('/v1/papers', { method: 'POST', token: ADMIN, json: [1, 2] }), 400);
  });
});
