import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GRAVITY, STAR_WEIGHT, TRENDING_FORMULA } from '../src/recommend/trending.js';
import { addDays } from '../src/recommend/window.js';
import { allPapers, testConfig } from './engines.js';
import { startServer, type RunningServer } from '../src/server.js';
import { tempDir, expectProblem } from './helpers.js';

interface Item {
  paper: { id: string; published: string; upvotes: number | null; categories: string[] };
  score: number;
}

let server: RunningServer;
const get = (path: string) => fetch(server.url + path);
async function items(path: string): Promise<Item[]> {
  const res = await get(path);
  expect(res.status, path).toBe(200);
  return (await res.json()).items;
}

const days = (a: string, b: string) => (Date.parse(b) - Date.parse(a)) / 86_400_000;
/** The documented formula, recomputed independently: age 0 on the day before the exclusive `until`. */
const expectedScore = (upvotes: number | null, stars: number, published: string, until: string) =>
  ((upvotes ?? 0) + STAR_WEIGHT * stars + 1) / (days(published, until) - 1 + 2) ** GRAVITY;

/** Every paper of a window from the store, ranked by the formula in JS (score, then newer, then id). */
async function expectedRanking(since: string, until: string, category?: string, stars: Map<string, number> = new Map()) {
  const rows = (await allPapers(server.runtime.engine)).filter((p) => p.published && p.published >= since && p.published < until);
  return rows
    .filter((r) => !category || r.categories.includes(category))
    .map((r) => ({ id: r.id, published: r.published!, score: expectedScore(r.upvotes, stars.get(r.id) ?? 0, r.published!, until) }))
    .sort((a, b) => b.score - a.score || b.published.localeCompare(a.published) || a.id.localeCompare(b.id));
}

/** Same order up to floating-point near-ties (SQLite's pow and V8's may differ in the last bit). */
function expectOrderMatches(got: Item[], expected: { id: string; score: number }[]) {
  expect(got.length).toBe(Math.min(got.length, expected.length));
  got.forEach((item, i) => {
    expect(item.score).toBeCloseTo(expected[i].score, 9);
    if (item.paper.id !== expected[i].id) expect(Math.abs(item.score - expected[i].score)).toBeLessThan(1e-9);
  });
}

beforeAll(async () => {
  server = await startServer(await testConfig({ DATA_DIR: tempDir(), PORT: '0', RATE_LIMIT_PER_MINUTE: '0' }), () => {});
  await server.ready;
});
afterAll(() => server?.close());

describe('GET /v1/trending (real server, seeded store)', () => {
  it('defaults to the 7 days ending with the newest paper (2026-08-21), ranked by the documented formula', async () => {
    expect(await server.runtime.engine.papers.newestPublished()).toBe('2026-08-21');
    const list = await items('/v1/trending?k=50');
    expect(list.length).toBe(50);
    for (const i of list) {
      expect(i.paper.published >= '2026-08-15' && i.paper.published <= '2026-08-21').toBe(true);
      expect(i.score).toBeCloseTo(expectedScore(i.paper.upvotes, 0, i.paper.published, '2026-08-22'), 9);
    }
    expectOrderMatches(list, await expectedRanking('2026-08-15', '2026-08-22'));
    // Upvotes matter: the top paper has some (the seed has 100 upvoted papers among 310).
    expect(list[0].paper.upvotes).toBeGreaterThan(0);
    expect(await items('/v1/trending')).toHaveLength(10);
    expect(await items('/v1/trending?k=3')).toEqual(list.slice(0, 3));
  });

  it('an explicit window is honoured (until exclusive); one bound alone spans 7 days', async () => {
    const list = await items('/v1/trending?k=1000&since=2026-08-03&until=2026-08-05');
    expect(list.length).toBeGreaterThan(0);
    for (const i of list) expect(['2026-08-03', '2026-08-04']).toContain(i.paper.published);
    expectOrderMatches(list, await expectedRanking('2026-08-03', '2026-08-05'));
    expect(list).toHaveLength((await expectedRanking('2026-08-03', '2026-08-05')).length);

    const fromSince = await items('/v1/trending?k=1000&since=2026-08-03');
    const sinceExpected = await expectedRanking('2026-08-03', addDays('2026-08-03', 7));
    expect(sinceExpected.length).toBeGreaterThan(10); // a week of the seed, not an empty list matching an empty list
    expect(fromSince).toHaveLength(sinceExpected.length);
    expectOrderMatches(fromSince, sinceExpected);
    const toUntil = await items('/v1/trending?k=1000&until=2026-08-10');
    const untilExpected = await expectedRanking(addDays('2026-08-10', -7), '2026-08-10');
    expect(untilExpected.length).toBeGreaterThan(10);
    expect(toUntil).toHaveLength(untilExpected.length);
    expectOrderMatches(toUntil, untilExpected);
    expect(await items('/v1/trending?since=2020-01-01&until=2020-02-01')).toEqual([]);
  });

  it('a category keeps only papers listed in it', async () => {
    const list = await items('/v1/trending?k=1000&category=cs.CV&since=2026-08-01&until=2026-08-22');
    expect(list.length).toBeGreaterThan(10);
    for (const i of list) expect(i.paper.categories).toContain('cs.CV');
    expectOrderMatches(list, await expectedRanking('2026-08-01', '2026-08-22', 'cs.CV'));
    expect(await items('/v1/trending?category=no.SUCH')).toEqual([]);
  });

  it('stars from our users raise a paper at once (the cache sees the change)', async () => {
    const before = await items('/v1/trending?k=50');
    const target = before[before.length - 1];
    // Written through the store's ports, not the API: as another process (or replica) would.
    const { users } = server.runtime.engine;
    const stars = 4;
    const starring: string[] = [];
    for (let u = 0; u < stars; u++) {
      const { user } = await users.create(`User ${u}`);
      await users.addStar(user.id, target.paper.id);
      starring.push(user.id);
    }
    const after = await items('/v1/trending?k=50');
    const moved = after.find((i) => i.paper.id === target.paper.id)!;
    expect(moved.score).toBeGreaterThan(target.score);
    expect(moved.score).toBeCloseTo(expectedScore(target.paper.upvotes, stars, target.paper.published, '2026-08-22'), 9);
    expect(after.indexOf(moved)).toBeLessThan(before.length - 1);
    expectOrderMatches(after, await expectedRanking('2026-08-15', '2026-08-22', undefined, new Map([[target.paper.id, stars]])));
    for (const id of starring) await users.removeStar(id, target.paper.id);
    expect((await items('/v1/trending?k=50')).map((i) => i.paper.id)).toEqual(before.map((i) => i.paper.id));
  });

  it('answers bad input with problem+json naming the field', async () => {
    await expectProblem(await get('/v1/trending?k=0'), 400, 'query.k');
    await expectProblem(await get('/v1/trending?since=2025-02-30'), 400, 'query.since');
    await expectProblem(await get('/v1/trending?until=yesterday'), 400, 'query.until');
    await expectProblem(await get('/v1/trending?since=2026-08-10&until=2026-08-09'), 400, 'query.until');
    await expectProblem(await get('/v1/trending?category=a%20b'), 400, 'query.category');
  });

  it('documents the formula in the OpenAPI description', async () => {
    const doc = await (await get('/openapi.json')).json();
    expect(doc.paths['/v1/trending'].get.description).toContain(TRENDING_FORMULA);
  });
});
