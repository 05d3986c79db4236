import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startServer, type RunningServer } from '../src/server.js';
import { expectProblem, tempDir } from './helpers.js';

interface Item {
  paper: { id: string; title: string; abstract: string; published: string | null; categories: string[] };
  score: number;
}

let server: RunningServer;
const post = (body: unknown, type = 'application/json') =>
  fetch(`${server.url}/v1/similar`, { method: 'POST', headers: { 'Content-Type': type }, body: typeof body === 'string' ? body : JSON.stringify(body) });
async function similar(body: unknown): Promise<Item[]> {
  const res = await post(body);
  expect(res.status, JSON.stringify(body).slice(0, 200)).toBe(200);
  return (await res.json()).items;
}
async function get<T>(path: string): Promise<T> {
  const res = await fetch(server.url + path);
  expect(res.status, path).toBe(200);
  return res.json() as Promise<T>;
}
const ids = (items: Item[]) => items.map((i) => i.paper.id);

const PAPER = '2607.28629';

beforeAll(async () => {
  server = await startServer(loadConfig({ DATA_DIR: tempDir(), PORT: '0', RATE_LIMIT_PER_MINUTE: '0' }), () => {});
  await server.ready;
});
afterAll(() => server?.close());

describe('POST /v1/similar (real model, seeded store)', () => {
  it('ranks a stored paper given by its title and abstract exactly as GET /v1/papers/{id}/similar does', async () => {
    const paper = await get<Item['paper']>(`/v1/papers/${PAPER}`);
    for (const query of ['k=10', 'k=5&category=cs.AI', 'k=8&since=2026-08-05&until=2026-08-15']) {
      const expected = (await get<{ items: Item[] }>(`/v1/papers/${PAPER}/similar?${query}`)).items;
      const params = Object.fromEntries(new URLSearchParams(query));
      const got = await similar({ title: paper.title, abstract: paper.abstract, categories: paper.categories, exclude: [PAPER], ...params, k: Number(params.k) });
      expect(ids(got), query).toEqual(ids(expected));
      got.forEach((item, i) => expect(item.score).toBeCloseTo(expected[i].score, 5));
    }
    // Without exclude, the stored paper itself is the nearest to its own text.
    expect(ids(await similar({ title: paper.title, abstract: `  ${paper.abstract}\n`, k: 3 }))[0]).toBe(PAPER);
  });

  it('keeps neighbours sharing no category with the paper out of the top (the agentic-AI paper of issue 17)', async () => {
    const paper = await get<Item['paper']>(`/v1/papers/${PAPER}`);
    expect(paper.title).toMatch(/OpenClaw/);
    const top = (await get<{ items: Item[] }>(`/v1/papers/${PAPER}/similar?k=5`)).items;
    expect(top).toHaveLength(5);
    for (const i of top) expect(i.paper.categories.some((c) => paper.categories.includes(c)), `${i.paper.id} ${i.paper.categories}`).toBe(true);
    // The same text without its categories has no prior to apply: what the previous ranking served.
    const plain = await similar({ title: paper.title, abstract: paper.abstract, exclude: [PAPER], k: 5 });
    const offField = plain.filter((i) => !i.paper.categories.some((c) => paper.categories.includes(c)));
    expect(offField.map((i) => i.paper.title).join(' | ')).toMatch(/driv|robot|vehicle/i);
  });

  it('finds neighbours for a paper the store does not have, with an abstract longer than a search query may be', async () => {
    const abstract = (
      'We study dexterous robotic manipulation with multi-fingered hands. A vision-language-action policy is trained ' +
      'on teleoperated demonstrations and refined with reinforcement learning in simulation, then transferred to a ' +
      'real robot arm for grasping and in-hand reorientation of household objects. '
    ).repeat(4);
    expect(abstract.length).toBeGreaterThan(1000);
    const body = { title: 'Learning dexterous grasping for robot hands from demonstrations', abstract, k: 10 };
    const first = await similar(body);
    expect(first).toHaveLength(10);
    const robotic = /robot|manipulat|grasp|dexter|embodied|humanoid|vision-language-action|VLA/i;
    expect(first.filter((i) => robotic.test(`${i.paper.title} ${i.paper.abstract}`)).length).toBeGreaterThanOrEqual(8);
    expect(ids(await similar(body))).toEqual(ids(first)); // deterministic
    const inWindow = await similar({ ...body, category: 'cs.RO', since: '2026-08-10', until: '2026-08-20' });
    expect(inWindow.length).toBeGreaterThan(0);
    for (const i of inWindow) {
      expect(i.paper.categories).toContain('cs.RO');
      expect(i.paper.published! >= '2026-08-10' && i.paper.published! < '2026-08-20').toBe(true);
    }
  });

  it('takes a vector in the model\'s dimension: nearest by cosine, any length', async () => {
    const stored = await get<{ vector: number[] }>(`/v1/papers/${PAPER}?include=vector`);
    const mine = await similar({ vector: stored.vector, k: 5 });
    expect(mine[0].paper.id).toBe(PAPER);
    expect(mine[0].score).toBeCloseTo(1, 5);
    const scores = mine.map((i) => i.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    const scaled = await similar({ vector: stored.vector.map((x) => 3 * x), k: 5, exclude: [PAPER] });
    expect(ids(scaled).slice(0, 4)).toEqual(ids(mine).slice(1)); // normalised, and the excluded id is gone
  });

  it('refuses bad bodies with the field at fault', async () => {
    const { dim } = await (await fetch(`${server.url}/v1/embed`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"texts":["x"]}' })).json();
    await expectProblem(await post({}), 400, 'body.title');
    await expectProblem(await post({ title: 'Only a title' }), 400, 'body.abstract');
    await expectProblem(await post({ abstract: 'Only an abstract' }), 400, 'body.title');
    await expectProblem(await post({ title: '   ', abstract: 'x' }), 400, 'body.title');
    await expectProblem(await post({ title: 't', abstract: 'a', vector: Array(dim).fill(0.1) }), 400, 'body.vector');
    const wrongDim = await expectProblem(await post({ vector: [1, 2, 3] }), 400, 'body.vector');
    expect(wrongDim.detail).toContain(`expected ${dim} numbers`);
    await expectProblem(await post({ vector: Array(dim).fill(0) }), 400, 'body.vector');
    await expectProblem(await post({ vector: Array(dim).fill('1') }), 400, 'body.vector.0');
    await expectProblem(await post({ title: 't', abstract: 'a', k: 0 }), 400, 'body.k');
    await expectProblem(await post({ title: 't', abstract: 'a', since: '2026-08-10', until: '2026-08-01' }), 400, 'body.until');
    await expectProblem(await post({ title: 't', abstract: 'a', category: 'cs CL' }), 400, 'body.category');
    await expectProblem(await post({ title: 't', abstract: 'a', categories: ['cs CL'] }), 400, 'body.categories.0');
    await expectProblem(await post({ title: 't', abstract: 'a', categories: 'cs.CL' }), 400, 'body.categories');
    await expectProblem(await post({ title: 't', abstract: 'a', exclude: [''] }), 400, 'body.exclude.0');
    await expectProblem(await post('{"title": "t", "abstract": '), 400);
    await expectProblem(await post('title=t', 'text/plain'), 415);
  });
});

describe('GET /v1/calendar and the OpenAPI document', () => {
  it('lists the days with papers, oldest first; the newest is where default windows end', async () => {
    const all = await get<{ oldest: string; newest: string; days: { date: string; papers: number }[] }>('/v1/calendar');
    expect(all.newest).toBe('2026-08-21');
    expect(all.oldest).toBe(all.days[0].date);
    expect(all.days.map((d) => d.date)).toEqual([...all.days.map((d) => d.date)].sort());
    const health = await get<{ papers: number }>('/healthz');
    expect(all.days.reduce((n, d) => n + d.papers, 0)).toBe(health.papers);
    const day = all.days.find((d) => d.date === '2026-08-14')!;
    const trending = await get<{ items: Item[] }>('/v1/trending?since=2026-08-14&until=2026-08-15&k=1000');
    expect(trending.items).toHaveLength(day.papers);
    const ro = await get<{ days: { date: string; papers: number }[] }>('/v1/calendar?category=cs.RO');
    expect(ro.days.reduce((n, d) => n + d.papers, 0)).toBeLessThan(health.papers);
    await expectProblem(await fetch(`${server.url}/v1/calendar?category=cs%20RO`), 400, 'query.category');
  });

  it('documents the new routes', async () => {
    const doc = await get<{ paths: Record<string, Record<string, unknown>> }>('/openapi.json');
    expect(Object.keys(doc.paths['/v1/similar'])).toEqual(['post']);
    expect(Object.keys(doc.paths['/v1/calendar'])).toEqual(['get']);
    expect(Object.keys(doc.paths['/papers/{id}'])).toEqual(['get']);
  });
});
