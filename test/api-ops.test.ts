import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { paperText } from '../src/embed/text.js';
import { paperOf, testConfig } from './engines.js';
import { startServer, type RunningServer } from '../src/server.js';
import { tempDir, expectProblem } from './helpers.js';

// Three real servers: the main one (seeded, no rate limit), and two small unseeded ones for the limits.
let main: RunningServer;
let limited: RunningServer;
let small: RunningServer;

beforeAll(async () => {
  const quiet = () => {};
  [main, limited, small] = await Promise.all([
    startServer(await testConfig({ DATA_DIR: tempDir(), PORT: '0', RATE_LIMIT_PER_MINUTE: '0', EMBED_MAX_TEXTS: '8', EMBED_MAX_TEXT_CHARS: '500' }), quiet),
    startServer(await testConfig({ DATA_DIR: tempDir(), PORT: '0', RATE_LIMIT_PER_MINUTE: '5', SEED_ON_EMPTY: 'false' }), quiet),
    startServer(await testConfig({ DATA_DIR: tempDir(), PORT: '0', RATE_LIMIT_PER_MINUTE: '0', BODY_LIMIT_BYTES: '2048', SEED_ON_EMPTY: 'false' }), quiet),
  ]);
  await Promise.all([main.ready, limited.ready, small.ready]);
}, 120_000);
afterAll(async () => {
  await Promise.all([main, limited, small].map((s) => s?.close()));
});

const get = (path: string, init?: RequestInit) => fetch(main.url + path, init);
const postJson = (server: RunningServer, path: string, body: unknown, raw = false) =>
  fetch(server.url + path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: raw ? (body as string) : JSON.stringify(body) });
const embed = (body: unknown, raw = false) => postJson(main, '/v1/embed', body, raw);

const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));
const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);

describe('GET /metrics', () => {
  it('exposes request counters and latency histograms labelled by route pattern, plus store gauges', async () => {
    await get('/v1/papers/2607.28629');
    await get('/v1/papers/2607.28629/similar?k=3');
    await get('/v1/papers/no-such-paper');
    await get('/definitely/not/a/route');
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/^paperfeed_http_requests_total\{method="GET",route="\/v1\/papers\/:id",status="200"\} [1-9]/m);
    expect(text).toMatch(/^paperfeed_http_requests_total\{method="GET",route="\/v1\/papers\/:id",status="404"\} [1-9]/m);
    expect(text).toMatch(/^paperfeed_http_requests_total\{method="GET",route="\/v1\/papers\/:id\/similar",status="200"\} [1-9]/m);
    expect(text).toMatch(/^paperfeed_http_requests_total\{method="GET",route="unmatched",status="404"\} [1-9]/m);
    expect(text).toMatch(/^paperfeed_http_request_duration_seconds_bucket\{le="\+Inf",method="GET",route="\/v1\/papers\/:id"\} [1-9]/m);
    expect(text).toMatch(/^paperfeed_http_request_duration_seconds_count\{method="GET",route="\/v1\/papers\/:id\/similar"\} [1-9]/m);
    // Raw paths never become labels.
    expect(text).not.toContain('2607.28629');
    expect(text).not.toContain('not/a/route');
    expect(text).toMatch(/^paperfeed_papers 310$/m);
    expect(text).toMatch(/^paperfeed_index_vectors 310$/m);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  });

  it("shows what an operator watches: store changes, the index's catch-up lag, cache hits, event-loop delay", async () => {
    // The same search twice: the second query embedding comes from the cache.
    for (let i = 0; i < 2; i++) expect((await get('/v1/search?q=graph+neural+networks+for+molecules&mode=semantic')).status).toBe(200);
    const text = await (await get('/metrics')).text();
    const value = (re: RegExp) => Number(re.exec(text)?.[1]);
    expect(value(/^paperfeed_store_changes_total (\d+)$/m)).toBeGreaterThanOrEqual(310);
    expect(value(/^paperfeed_index_lag_changes (-?\d+)$/m)).toBe(0);
    expect(text).toMatch(/^paperfeed_index_unsaved [01]$/m);
    expect(value(/^paperfeed_cache_lookups_total\{cache="query_embedding",result="hit"\} (\d+)$/m)).toBeGreaterThanOrEqual(1);
    expect(value(/^paperfeed_cache_lookups_total\{cache="query_embedding",result="miss"\} (\d+)$/m)).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^nodejs_eventloop_lag_p99_seconds /m);
  });

  it('keeps one registry per app: another server counts only its own requests', async () => {
    const text = await (await fetch(`${small.url}/metrics`)).text();
    expect(text).not.toContain('route="/v1/papers/:id/similar"');
    expect(text).toMatch(/^paperfeed_papers 0$/m);
  });
});

describe('GET /docs', () => {
  it('serves an offline Swagger UI page whose assets load from this server and which reads /openapi.json', async () => {
    const res = await get('/docs');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('/openapi.json');
    const refs = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]).filter((u) => u !== '/openapi.json');
    expect(refs.length).toBeGreaterThanOrEqual(3);
    for (const ref of refs) expect(ref).toMatch(/^\/docs\/assets\//); // nothing from a CDN
    const types: Record<string, RegExp> = { css: /^text\/css/, js: /^text\/javascript/, png: /^image\/png/ };
    for (const ref of refs) {
      const asset = await get(ref);
      expect(asset.status, ref).toBe(200);
      expect(asset.headers.get('content-type'), ref).toMatch(types[ref.split('.').pop()!]);
      const body = await asset.text();
      expect(body.length, ref).toBeGreaterThan(100);
      if (ref.endsWith('init.js')) expect(body).toContain("'/openapi.json'");
      if (ref.endsWith('swagger-ui-bundle.js')) expect(body).toContain('SwaggerUIBundle');
    }
  });

  it('serves only its whitelisted files (no traversal, no other package files)', async () => {
    for (const path of ['/docs/assets/index.html', '/docs/assets/..%2Fpackage.json', '/docs/assets/%2e%2e%2f%2e%2e%2fpackage.json', '/docs/assets/swagger-ui.js.map']) {
      await expectProblem(await get(path), 404);
    }
  });

  it('lists /docs, /metrics and /v1/embed in the OpenAPI document', async () => {
    const doc = await (await get('/openapi.json')).json();
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/docs', '/metrics', '/v1/embed', '/v1/papers/{id}']));
    expect(doc.paths['/metrics'].get.responses['200'].content).toHaveProperty('text/plain');
    expect(doc.paths['/docs'].get.responses['200'].content).toHaveProperty('text/html');
  });
});

describe('body limit (BODY_LIMIT_BYTES=2048)', () => {
  const big = JSON.stringify({ texts: ['x'.repeat(3000)] });

  it('answers 413 problem+json when Content-Length is over the limit', async () => {
    await expectProblem(await postJson(small, '/v1/embed', big, true), 413);
  });

  it('answers 413 for a chunked body without Content-Length that grows past the limit', async () => {
    const bytes = new TextEncoder().encode(big);
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < bytes.length; i += 500) controller.enqueue(bytes.slice(i, i + 500));
        controller.close();
      },
    });
    const res = await fetch(`${small.url}/v1/embed`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body, duplex: 'half' } as RequestInit);
    await expectProblem(res, 413);
  });

  it('accepts a chunked body under the limit', async () => {
    const bytes = new TextEncoder().encode(JSON.stringify({ texts: ['graph neural networks'] }));
    const body = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 10));
        controller.enqueue(bytes.slice(10));
        controller.close();
      },
    });
    const res = await fetch(`${small.url}/v1/embed`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body, duplex: 'half' } as RequestInit);
    expect(res.status).toBe(200);
    expect((await res.json()).vectors).toHaveLength(1);
  });
});

describe('rate limit', () => {
  it('answers 429 with Retry-After past RATE_LIMIT_PER_MINUTE, per token separately from anonymous; probes exempt', async () => {
    const anon = (path = '/v1/papers/none') => fetch(limited.url + path);
    const admin = () => fetch(`${limited.url}/v1/papers/none`, { headers: { Authorization: `Bearer ${limited.runtime.adminToken}` } });
    for (let i = 0; i < 5; i++) {
      const res = await anon();
      expect(res.status).toBe(404);
      expect(res.headers.get('ratelimit-limit')).toBe('5');
      expect(res.headers.get('ratelimit-remaining')).toBe(String(4 - i));
    }
    const over = await anon();
    const body = await expectProblem(over, 429);
    expect(body.detail).toMatch(/rate limit/i);
    const retry = Number(over.headers.get('retry-after'));
    expect(Number.isInteger(retry) && retry >= 1 && retry <= 60).toBe(true);
    expect(over.headers.get('ratelimit-remaining')).toBe('0');
    await expectProblem(await anon('/v1/embed'), 429); // every route shares the budget

    // The token has its own budget.
    for (let i = 0; i < 5; i++) expect((await admin()).status).toBe(404);
    await expectProblem(await admin(), 429);

    // Probes and the scraper are never limited.
    for (const path of ['/healthz', '/readyz', '/metrics']) expect((await anon(path)).status).toBe(200);
  });

  it('is off at RATE_LIMIT_PER_MINUTE=0', async () => {
    for (let i = 0; i < 30; i++) {
      const res = await get('/v1/papers/none');
      expect(res.status).toBe(404);
      expect(res.headers.get('ratelimit-limit')).toBeNull();
    }
  });
});

describe('POST /v1/embed', () => {
  it('returns one unit-length vector per text, with the model, key and dimension', async () => {
    const res = await embed({ texts: ['graph neural networks for node classification', 'medieval french poetry', 'graph neural networks for node classification'] });
    expect(res.status).toBe(200);
    const out = await res.json();
    expect(out).toMatchObject({ model: main.runtime.embedder.modelId, modelKey: main.runtime.embedder.modelKey, dim: main.runtime.embedder.dim });
    expect(out.vectors).toHaveLength(3);
    for (const v of out.vectors) {
      expect(v).toHaveLength(out.dim);
      expect(norm(v)).toBeCloseTo(1, 5);
    }
    expect(out.vectors[2]).toEqual(out.vectors[0]);
  });

  it('puts related texts closer than unrelated ones', async () => {
    const { vectors: [a, b, c] } = await (await embed({ texts: ['graph neural networks for node classification', 'graph convolutional networks learn node labels', 'medieval french poetry and troubadour songs'] })).json();
    expect(dot(a, b)).toBeGreaterThan(dot(a, c) + 0.1);
  });

  it("gives a paper's stored vector for the paper's text (same space as ?include=vector)", async () => {
    const paper = (await paperOf(main.runtime.engine, '2607.28629'))!;
    const stored = await (await get('/v1/papers/2607.28629?include=vector')).json();
    expect(stored).toMatchObject({ id: '2607.28629', model: main.runtime.embedder.modelId });
    expect(stored.vector).toHaveLength(main.runtime.embedder.dim);
    expect(norm(stored.vector)).toBeCloseTo(1, 5);
    const { vectors } = await (await postJson(small, '/v1/embed', { texts: [paperText(paper.title, paper.abstract)] })).json();
    expect(dot(vectors[0], stored.vector)).toBeCloseTo(1, 5);
    const plain = await (await get('/v1/papers/2607.28629')).json();
    expect(plain).not.toHaveProperty('vector');
    await expectProblem(await get('/v1/papers/2607.28629?include=everything'), 400, 'query.include');
  });

  it('answers bad bodies with 400 problem+json naming the field', async () => {
    await expectProblem(await embed({ texts: [] }), 400, 'body.texts');
    await expectProblem(await embed({ texts: Array.from({ length: 9 }, (_, i) => `text ${i}`) }), 400, 'body.texts');
    await expectProblem(await embed({ texts: ['fine', 'y'.repeat(501)] }), 400, 'body.texts.1');
    await expectProblem(await embed({ texts: ['fine', ''] }), 400, 'body.texts.1');
    await expectProblem(await embed({ texts: 'just one string' }), 400, 'body.texts');
    await expectProblem(await embed({ texts: ['ok', 42] }), 400, 'body.texts.1');
    await expectProblem(await embed({}), 400, 'body.texts');
    await expectProblem(await embed([1, 2]), 400);
    await expectProblem(await embed('{"texts": ["unterminated', true), 400, 'body');
    await expectProblem(await embed('', true), 400, 'body');
    // Not declared as JSON: 415, naming the header.
    await expectProblem(await fetch(`${main.url}/v1/embed`, { method: 'POST', body: '{"texts":["a"]}', headers: { 'Content-Type': 'text/plain' } }), 415, 'header.content-type');
    await expectProblem(await fetch(`${main.url}/v1/embed`, { method: 'POST', body: new Uint8Array([123, 125]) }), 415, 'header.content-type');
  });
});
