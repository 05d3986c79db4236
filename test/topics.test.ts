import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, PROJECT_ROOT } from '../src/config.js';
import { startServer, type RunningServer } from '../src/server.js';
import { computeTopics, type TopicJob } from '../src/topics/compute.js';
import { defaultK, sampleIndices, sphericalKMeans } from '../src/topics/kmeans.js';
import { fitPca2, project } from '../src/topics/pca.js';
import { runTopics } from '../src/topics/run.js';
import { classTerms, words } from '../src/topics/terms.js';
import type { PaperInput } from '../src/types.js';
import { rng, tempDir, unitVector } from './helpers.js';

const ADMIN = 'topics-test-admin-token';
const SHARED_2026 = path.resolve(PROJECT_ROOT, '../shared/data/arxiv-cs-daily/papers-2026.jsonl.gz');

/** Papers listed in exactly one of cs.RO and cs.CL: two clearly different fields. */
async function roboticsAndLanguage(file: string, perCategory: number): Promise<PaperInput[]> {
  const picked: PaperInput[] = [];
  const count = { 'cs.RO': 0, 'cs.CL': 0 };
  const lines = readline.createInterface({ input: fs.createReadStream(file).pipe(zlib.createGunzip()), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const p = JSON.parse(line);
    const ro = p.categories.includes('cs.RO');
    if (ro === p.categories.includes('cs.CL')) continue;
    const cat = ro ? 'cs.RO' : 'cs.CL';
    if (count[cat] >= perCategory) continue;
    count[cat]++;
    picked.push({ id: p.id, title: p.title, abstract: p.abstract, authors: p.authors ?? [], published: p.published.slice(0, 10), categories: p.categories, upvotes: null, source: 'test' });
    if (count['cs.RO'] >= perCategory && count['cs.CL'] >= perCategory) break;
  }
  lines.close();
  return picked;
}

/** Share of papers whose topic's majority category is their own. */
function purity(points: { id: string; topic: string }[], categoryOf: Map<string, string>): number {
  const byTopic = new Map<string, Map<string, number>>();
  for (const p of points) {
    const counts = byTopic.get(p.topic) ?? new Map<string, number>();
    const cat = categoryOf.get(p.id)!;
    counts.set(cat, (counts.get(cat) ?? 0) + 1);
    byTopic.set(p.topic, counts);
  }
  let majority = 0;
  for (const counts of byTopic.values()) majority += Math.max(...counts.values());
  return majority / points.length;
}

describe('topic building blocks', () => {
  it('k-means is deterministic per seed and recovers well-separated clusters', () => {
    const next = rng(7);
    const centres = [0, 1, 2].map(() => unitVector(16, next));
    const points = new Float32Array(300 * 16);
    for (let i = 0; i < 300; i++) {
      const noisy = centres[i % 3].map((x) => x + (next() - 0.5) * 0.3);
      const norm = Math.hypot(...noisy);
      points.set(noisy.map((x) => x / norm), i * 16);
    }
    const a = sphericalKMeans(points, 16, 3, 42, 3);
    expect(Array.from(a.labels)).toEqual(Array.from(sphericalKMeans(points, 16, 3, 42, 3).labels));
    // Every true cluster maps to exactly one found cluster.
    for (let c = 0; c < 3; c++) {
      const found = new Set(Array.from(a.labels).filter((_, i) => i % 3 === c));
      expect(found.size).toBe(1);
    }
  });

  it('defaultK is √(n/2) within [2, 30]; samples are deterministic and sorted', () => {
    expect([1, 3, 50, 300, 7421, 100_000].map(defaultK)).toEqual([1, 2, 5, 12, 30, 30]);
    const s = sampleIndices(1000, 100, 3);
    expect(Array.from(s)).toEqual(Array.from(sampleIndices(1000, 100, 3)));
    expect(new Set(s).size).toBe(100);
    expect(Array.from(s)).toEqual([...s].sort((x, y) => x - y));
  });

  it('PCA finds the direction of largest spread', () => {
    const rows = new Float32Array(200 * 3);
    for (let i = 0; i < 200; i++) rows.set([i - 100, ((i * 37) % 11) - 5, 0], i * 3);
    const p = fitPca2(rows, 3);
    expect(Math.abs(p.axes[0])).toBeGreaterThan(0.99);
    expect(Math.abs(p.axes[3 + 1])).toBeGreaterThan(0.99);
    expect(project(rows, 3, p).length).toBe(400);
  });

  it('class terms are distinctive words of each class, without stop words or LaTeX', () => {
    const texts = [
      'Robot grasping with a $\\mathbb{R}^3$ gripper. We propose a robot policy.',
      'Robot grasping in clutter: the robot learns a grasping policy.',
      'Neural machine translation for low-resource languages.',
      'Machine translation of speech; translation quality improves.',
    ];
    const terms = classTerms(texts, [0, 0, 1, 1], 2).map((t) => t.map((x) => x.term));
    expect(terms[0].slice(0, 2).join(' ')).toMatch(/robot/);
    expect(terms[1].join(' ')).toMatch(/translation/);
    expect(terms.flat().join(' ')).not.toMatch(/\b(mathbb|propose|the|we)\b/);
    expect(words('Vision-language models: $x^2$ \\cite{lee}')).toEqual(['vision-language', 'models', 'lee']);
  });

  it('a worker thread computes the same topics as the event loop', async () => {
    const next = rng(11);
    const n = 400;
    const vectors = new Float32Array(n * 8);
    for (let i = 0; i < n; i++) vectors.set(unitVector(8, next), i * 8);
    const job = (): TopicJob => ({
      dim: 8,
      vectors: vectors.slice(),
      fit: sampleIndices(n, 300, 1),
      texts: Array.from({ length: 300 }, (_, i) => `paper ${i % 7 ? 'graph' : 'robot'} number ${i}`),
      previous: vectors.slice(0, 80),
      k: 4,
      seed: 5,
    });
    const inline = computeTopics(job());
    const worker = await runTopics(job(), 'worker');
    expect(Array.from(worker.labels)).toEqual(Array.from(inline.labels));
    expect(Array.from(worker.xy)).toEqual(Array.from(inline.xy));
    expect(worker.terms).toEqual(inline.terms);
    expect(worker.sizes.reduce((a, b) => a + b, 0)).toBe(n);
  });
});

describe('GET /v1/topics (real server, real model, real cs.RO and cs.CL papers)', () => {
  let server: RunningServer;
  const categoryOf = new Map<string, string>();
  let sharedWindow: string | null = null;
  const get = (p: string) => fetch(server.url + p);

  beforeAll(async () => {
    server = await startServer(loadConfig({ SYNC_SCHEDULE: 'off', DATA_DIR: tempDir(), PORT: '0', RATE_LIMIT_PER_MINUTE: '0', SEED_ON_EMPTY: 'false', ADMIN_TOKEN: ADMIN }), () => {});
    await server.ready;
    const papers = await roboticsAndLanguage(path.join(PROJECT_ROOT, 'seed/arxiv-cs-sample.jsonl.gz'), 1000);
    if (fs.existsSync(SHARED_2026)) {
      // A bigger second sample from another period (January 2026), queried as its own window.
      const more = await roboticsAndLanguage(SHARED_2026, 150);
      papers.push(...more);
      sharedWindow = `since=${more.map((p) => p.published!).sort()[0]}&until=2026-03-01`;
    }
    for (const p of papers) categoryOf.set(p.id, p.categories.includes('cs.RO') ? 'cs.RO' : 'cs.CL');
    const res = await fetch(`${server.url}/v1/papers`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ papers }),
    });
    expect(res.status).toBe(200);
  });
  afterAll(() => server?.close());

  it('separates robotics from language papers (k=2), with labels made of the members\' words', async () => {
    const body = await (await get('/v1/topics?k=2&since=2026-08-01')).json();
    expect(body.k).toBe(2);
    expect(body.window).toMatchObject({ since: '2026-08-01', until: '2026-08-31', category: null });
    expect(body.points.length).toBe(body.window.papers);
    const p = purity(body.points, categoryOf);
    const baseline = Math.max(...['cs.RO', 'cs.CL'].map((c) => body.points.filter((x: { id: string }) => categoryOf.get(x.id) === c).length)) / body.points.length;
    console.log(`topics purity (seed, ${body.points.length} papers, k=2): ${p.toFixed(3)} (all in one topic: ${baseline.toFixed(3)}); labels: ${body.topics.map((t: { label: string }) => t.label).join(' | ')}`);
    // Measured 0.776 against a one-topic baseline of 0.682: the seed's 34 cs.RO papers are mostly vision-language-
    // action work that shares words with cs.CL. The balanced sample below is the stronger check.
    expect(p).toBeGreaterThanOrEqual(0.74);
    for (const topic of body.topics) {
      const members = (await (await get(`/v1/topics/${topic.id}?k=2&since=2026-08-01`)).json()).members;
      const text = members.map((m: { paper: { title: string; abstract: string } }) => `${m.paper.title} ${m.paper.abstract}`.toLowerCase()).join(' ');
      expect(topic.terms.length).toBeGreaterThanOrEqual(3);
      // A label is up to three key phrases, each one of the topic's terms.
      const phrases = topic.label.split(', ');
      expect(phrases.length).toBeGreaterThanOrEqual(2);
      expect(phrases.length).toBeLessThanOrEqual(3);
      for (const phrase of phrases) expect(topic.terms).toContain(phrase);
      for (const term of topic.terms) for (const w of term.split(' ')) expect(text).toContain(w);
    }
    expect(body.topics.map((t: { label: string }) => t.label).join(' ')).toMatch(/robot|manipulat|locomot/);
  });

  it.runIf(fs.existsSync(SHARED_2026))('separates them on 300 papers of another period too', async () => {
    const body = await (await get(`/v1/topics?k=2&${sharedWindow}`)).json();
    const p = purity(body.points, categoryOf);
    console.log(`topics purity (../shared 2026, ${body.points.length} papers, k=2): ${p.toFixed(3)}; labels: ${body.topics.map((t: { label: string }) => t.label).join(' | ')}`);
    expect(body.points.length).toBe(300);
    // Measured 0.863 (seeds 1, 2, 3: 0.863, 0.863, 0.850; a random split scores 0.5).
    expect(p).toBeGreaterThanOrEqual(0.83);
  });

  it('answers the documented shape: default window, sizes, growth, central and popular papers, map points', async () => {
    const body = await (await get('/v1/topics')).json();
    expect(body.window.until).toBe('2026-08-22'); // the day after the newest paper
    expect(body.window.since).toBe('2026-07-23');
    expect(body.k).toBe(defaultK(body.window.papers));
    expect(body.topics.map((t: { id: string }) => t.id)).toEqual(Array.from({ length: body.k }, (_, i) => `t${i}`));
    expect(body.topics.reduce((a: number, t: { size: number }) => a + t.size, 0)).toBe(body.window.papers);
    const sizes = body.topics.map((t: { size: number }) => t.size);
    expect([...sizes].sort((a, b) => b - a)).toEqual(sizes);
    for (const t of body.topics) {
      expect(t.central.length).toBe(Math.min(5, t.size));
      expect(t.central[0].score).toBeGreaterThanOrEqual(t.central.at(-1).score);
      expect(t.growth === null || t.growth > 0).toBe(true);
    }
    expect(body.points[0]).toEqual({ id: expect.any(String), topic: expect.stringMatching(/^t\d+$/), x: expect.any(Number), y: expect.any(Number), title: expect.any(String) });
    // Deterministic: the same query twice gives the same topics (cached or not).
    expect(await (await get('/v1/topics')).json()).toEqual(body);
  });

  it('ranks popular papers by upvotes and stars, and recomputes when papers change', async () => {
    const before = await (await get('/v1/topics?k=2&since=2026-08-01')).json();
    const star = before.topics[0].central[1].paper.id;
    const user = await (await fetch(`${server.url}/v1/users`, { method: 'POST', headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' }, body: '{"name":"t"}' })).json();
    await fetch(`${server.url}/v1/users/${user.id}/stars/${star}`, { method: 'PUT', headers: { Authorization: `Bearer ${user.token}` } });
    const starred = await (await get('/v1/topics?k=2&since=2026-08-01')).json();
    expect(starred.topics[0].popular[0]).toMatchObject({ paper: { id: star }, score: 3 });

    const extra = { id: 'topics-test-1', title: 'Legged robot locomotion with reinforcement learning', abstract: 'A quadruped robot learns to walk over rough terrain.', published: '2026-08-20', categories: ['cs.RO'] };
    await fetch(`${server.url}/v1/papers`, { method: 'POST', headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ papers: [extra] }) });
    const after = await (await get('/v1/topics?k=2&since=2026-08-01')).json();
    expect(after.window.papers).toBe(before.window.papers + 1);
    expect(after.points.map((p: { id: string }) => p.id)).toContain('topics-test-1');
  });

  it('GET /v1/topics/{id} pages through all members; unknown topics and bad input are problems', async () => {
    const list = await (await get('/v1/topics?k=3')).json();
    const t1 = list.topics[1];
    const all = await (await get('/v1/topics/t1?k=3')).json();
    expect(all.topic).toEqual(t1);
    expect(all.total).toBe(t1.size);
    expect(all.members).toHaveLength(t1.size);
    const page = await (await get('/v1/topics/t1?k=3&limit=2&offset=1')).json();
    expect(page.members.map((m: { paper: { id: string } }) => m.paper.id)).toEqual(all.members.slice(1, 3).map((m: { paper: { id: string } }) => m.paper.id));
    const notFound = await get('/v1/topics/t3?k=3');
    expect(notFound.status).toBe(404);
    expect((await notFound.json()).errors[0].field).toBe('param.id');
    for (const [url, field] of [['/v1/topics?k=1', 'query.k'], ['/v1/topics?since=2026-09-01&until=2026-08-01', 'query.until'], ['/v1/topics/x1', 'param.id']]) {
      const res = await get(url);
      expect(res.status).toBe(400);
      expect((await res.json()).errors.map((e: { field: string }) => e.field)).toContain(field);
    }
    const empty = await (await get('/v1/topics?since=2020-01-01&until=2020-02-01')).json();
    expect(empty).toMatchObject({ k: 0, topics: [], points: [] });
  });

  it('is in the OpenAPI document', async () => {
    const doc = await (await get('/openapi.json')).json();
    expect(doc.paths['/v1/topics'].get.responses['200']).toBeDefined();
    expect(doc.paths['/v1/topics/{id}'].get.parameters.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(['id', 'k', 'seed', 'since', 'limit']));
  });
});
