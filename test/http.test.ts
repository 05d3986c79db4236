import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/api/app.js';
import { DEFAULT_MODEL, loadConfig } from '../src/config.js';
import { apiDeps } from '../src/runtime.js';
import { startServer, type RunningServer } from '../src/server.js';
import { paper, tempDir, expectProblem } from './helpers.js';
import { allPapers, testConfig } from './engines.js';

let server: RunningServer;
const get = (path: string) => fetch(server.url + path);

beforeAll(async () => {
  // The same start-up as `npm start`: empty data dir → seeded from the bundled sample, index built.
  server = await startServer(await testConfig({ DATA_DIR: tempDir(), PORT: '0' }), () => {});
  await server.ready;
  await server.runtime.writer.addPapers([
    paper('10.1145/3292500.3330701', { title: 'Graph neural networks for recommendation at web scale' }),
  ]);
});
afterAll(() => server?.close());

describe('HTTP API (real server, real model, seeded store)', () => {
  it('GET /healthz reports the paper count and model; /readyz is 200 once the index is loaded', async () => {
    const res = await get('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', papers: 311, model: DEFAULT_MODEL });
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    expect((await ready.json()).indexed).toBe(311);
  });

  it('GET /v1/papers/:id returns the paper, with percent-encoded opaque ids', async () => {
    const res = await get('/v1/papers/2607.28629');
    expect(res.status).toBe(200);
    const p = await res.json();
    expect(p).toMatchObject({ id: '2607.28629', url: 'https://arxiv.org/abs/2607.28629', categories: ['cs.AI'] });
    expect(p.title).toMatch(/OpenClaw/);
    expect(p.authors.length).toBeGreaterThan(0);

    const doi = await get(`/v1/papers/${encodeURIComponent('10.1145/3292500.3330701')}`);
    expect(doi.status).toBe(200);
    expect((await doi.json()).url).toBe('https://doi.org/10.1145/3292500.3330701');
  });

  it('GET /v1/papers/:id/similar returns k neighbours, best first, without the paper itself', async () => {
    const res = await get('/v1/papers/2607.28629/similar?k=5');
    expect(res.status).toBe(200);
    const { items } = await res.json();
    expect(items).toHaveLength(5);
    expect(items.map((i: { paper: { id: string } }) => i.paper.id)).not.toContain('2607.28629');
    const scores = items.map((i: { score: number }) => i.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    for (const s of scores) expect(Number.isFinite(s)).toBe(true);
    expect((await (await get('/v1/papers/2607.28629/similar')).json()).items).toHaveLength(10);
  });

  it('similar papers are topically related on real abstracts', async () => {
    // Robotics papers of the seed: their neighbours should be about robots far more often than papers at large.
    const robotic = /robot|embodied|manipulat|locomot|humanoid|grasp|vision-language-action|\bvla\b/i;
    const all = await allPapers(server.runtime.engine);
    const baseRate = all.filter((p) => robotic.test(`${p.title} ${p.abstract}`)).length / all.length;
    const queries = all.filter((p) => /robot/i.test(p.title)).slice(0, 8);
    expect(queries.length).toBeGreaterThanOrEqual(5);
    let related = 0;
    let total = 0;
    for (const q of queries) {
      const { items } = await (await get(`/v1/papers/${q.id}/similar?k=5`)).json();
      for (const item of items) {
        total++;
        if (robotic.test(`${item.paper.title} ${item.paper.abstract}`)) related++;
      }
    }
    expect(related / total).toBeGreaterThan(Math.min(0.9, 2 * baseRate));
  });

  it('answers bad input with problem+json naming the field', async () => {
    await expectProblem(await get('/v1/papers/2607.28629/similar?k=0'), 400, 'query.k');
    await expectProblem(await get('/v1/papers/2607.28629/similar?k=1001'), 400, 'query.k');
    await expectProblem(await get('/v1/papers/2607.28629/similar?k=ten'), 400, 'query.k');
    await expectProblem(await get(`/v1/papers/${'x'.repeat(201)}`), 400, 'param.id');
    await expectProblem(await get('/v1/papers/no-such-paper'), 404, 'param.id');
    await expectProblem(await get('/v1/papers/no-such-paper/similar'), 404, 'param.id');
    await expectProblem(await get('/v1/nothing-here'), 404);
  });

  it('lists every route the app serves in the OpenAPI document, with its method', async () => {
    const doc = await (await get('/openapi.json')).json();
    const served = createApp(apiDeps(server.runtime))
      .routes.filter((r) => r.method !== 'ALL')
      .map((r) => ({ method: r.method.toLowerCase(), path: r.path.replace(/:(\w+)/g, '{$1}') }));
    expect(served.length).toBeGreaterThan(20);
    const missing = served.filter((r) => r.path !== '/openapi.json' && !doc.paths[r.path]?.[r.method]);
    expect(missing).toEqual([]);
  });

  it('serves an OpenAPI 3.1 document listing the routes', async () => {
    const doc = await (await get('/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/healthz', '/readyz', '/v1/papers/{id}', '/v1/papers/{id}/similar']));
  });
});
