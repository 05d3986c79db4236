import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, PROJECT_ROOT } from '../src/config.js';
import { readPaperFile } from '../src/ingest/parse.js';
import { startServer, type RunningServer } from '../src/server.js';
import { TopicEngine, type TopicModel } from '../src/topics/engine.js';
import type { PaperInput } from '../src/types.js';
import { tempDir } from './helpers.js';

const ADMIN = 'topics-stability-admin-token';
const WINDOW = { since: '2026-07-01', until: '2026-09-01' };

interface Topic {
  id: string;
  label: string;
}
interface Topics {
  k: number;
  topics: Topic[];
  points: { id: string; topic: string }[];
}

/** Per topic id of `before`: its papers' Jaccard overlap with the same id's papers `after` (papers of `before` only). */
function overlapById(before: Topics, after: Topics): Map<string, number> {
  const afterTopic = new Map(after.points.map((p) => [p.id, p.topic]));
  const out = new Map<string, number>();
  for (const t of before.topics) {
    const was = new Set(before.points.filter((p) => p.topic === t.id).map((p) => p.id));
    const now = new Set(before.points.filter((p) => afterTopic.get(p.id) === t.id).map((p) => p.id));
    const both = [...was].filter((id) => now.has(id)).length;
    out.set(t.id, both / (was.size + now.size - both));
  }
  return out;
}

/** Per topic of `before`: the best Jaccard overlap with any topic `after`, whatever its id (did the cluster survive?). */
function bestMatch(before: Topics, after: Topics): number {
  const members = (t: Topics, id: string) => new Set(t.points.filter((p) => p.topic === id).map((p) => p.id));
  const scores = before.topics.map((b) => {
    const was = members(before, b.id);
    return Math.max(...after.topics.map((a) => {
      const now = members(after, a.id);
      const both = [...was].filter((id) => now.has(id)).length;
      return both / (was.size + now.size - both);
    }));
  });
  return scores.reduce((x, y) => x + y, 0) / scores.length;
}

function summary(before: Topics, after: Topics) {
  const jaccard = overlapById(before, after);
  const labelAfter = new Map(after.topics.map((t) => [t.id, t.label]));
  const kept = before.topics.filter((t) => jaccard.get(t.id)! >= 0.8);
  return {
    topics: before.topics.length,
    meanJaccard: [...jaccard.values()].reduce((a, b) => a + b, 0) / jaccard.size,
    sameMembers: kept.length / before.topics.length,
    sameLabel: before.topics.filter((t) => labelAfter.get(t.id) === t.label).length / before.topics.length,
    sameLabelWhenSameMembers: kept.filter((t) => labelAfter.get(t.id) === t.label).length / Math.max(1, kept.length),
    bestMatchJaccard: bestMatch(before, after),
  };
}

/** The API's shape of a model computed in-process (ids, labels, points), to compare with a cold clustering. */
function asTopics(m: TopicModel): Topics {
  return {
    k: m.fit.k,
    topics: Array.from({ length: m.fit.k }, (_, t) => ({ id: `t${t}`, label: m.fit.names[t] })),
    points: m.ids.map((id, i) => ({ id, topic: `t${m.fit.labels[i]}` })),
  };
}

describe('topic stability when 2% of the papers change (the bundled real seed, real model)', () => {
  let server: RunningServer;
  let papers: PaperInput[];
  const post = (batch: PaperInput[]) =>
    fetch(`${server.url}/v1/papers`, { method: 'POST', headers: { Authorization: `Bearer ${ADMIN}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ papers: batch }) });
  const topics = async (): Promise<Topics> => (await fetch(`${server.url}/v1/topics?since=${WINDOW.since}&until=${WINDOW.until}`)).json();

  beforeAll(async () => {
    server = await startServer(loadConfig({ DATA_DIR: tempDir(), PORT: '0', RATE_LIMIT_PER_MINUTE: '0', SEED_ON_EMPTY: 'false', ADMIN_TOKEN: ADMIN }), () => {});
    await server.ready;
    papers = [];
    for await (const r of readPaperFile(path.join(PROJECT_ROOT, 'seed/arxiv-cs-sample.jsonl.gz'))) if (r.ok) papers.push(r.paper);
    expect(papers).toHaveLength(300);
  });
  afterAll(() => server?.close());

  it('keeps ids, colours and labels of the topics that did not really change (warm start), where a cold run reshuffles them', async () => {
    // 6 of 300 papers (2%), spread over the window, arrive after the first clustering.
    const late = papers.filter((_, i) => i % 50 === 25);
    expect((await post(papers.filter((p) => !late.includes(p)))).status).toBe(200);
    const before = await topics();
    expect((await post(late)).status).toBe(200);
    const after = await topics();
    expect(after.points).toHaveLength(300);

    // What the same clustering gives without a warm start (a fresh engine: no earlier run to start from).
    const { engine, index, embedder } = server.runtime;
    const fresh = new TopicEngine({ papers: engine.papers, changes: engine.changes, index, model: embedder.modelKey, dim: embedder.dim, log: () => {} });
    const coldModel = await fresh.get(WINDOW, null, 1);
    expect(coldModel.fit.warm).toBe(false);
    const cold = asTopics(coldModel);

    const warm = summary(before, after);
    const coldRun = summary(before, cold);
    const fmt = (s: ReturnType<typeof summary>) =>
      `mean membership Jaccard by id ${s.meanJaccard.toFixed(3)}, topics keeping ≥ 0.8 of their papers ${(100 * s.sameMembers).toFixed(0)}%, ` +
      `same label ${(100 * s.sameLabel).toFixed(0)}% (${(100 * s.sameLabelWhenSameMembers).toFixed(0)}% of those that kept their papers); ` +
      `best match whatever the id ${s.bestMatchJaccard.toFixed(3)}`;
    console.log(`topic stability, 294 → 300 seed papers, k=${before.k}:\n  warm start: ${fmt(warm)}\n  cold run:   ${fmt(coldRun)}`);
    console.log(`  labels before: ${before.topics.map((t) => t.label).join(' | ')}`);
    console.log(`  labels after:  ${after.topics.map((t) => t.label).join(' | ')}`);

    expect(after.k).toBe(before.k);
    expect(warm.sameMembers).toBeGreaterThanOrEqual(0.9);
    expect(warm.sameLabelWhenSameMembers).toBeGreaterThanOrEqual(0.9);
    expect(warm.meanJaccard).toBeGreaterThan(coldRun.meanJaccard);
  });

  it("labels are short key phrases: at most three, no word repeated, each from the topic's distinctive terms", async () => {
    const body = await (await fetch(`${server.url}/v1/topics?since=${WINDOW.since}&until=${WINDOW.until}`)).json();
    for (const t of body.topics as { label: string; terms: string[] }[]) {
      const phrases = t.label.split(', ');
      expect(phrases.length).toBeLessThanOrEqual(3);
      expect(t.label.length <= 40 || phrases.length === 1).toBe(true);
      // Each is one of the topic's terms (or, for a label kept through a warm start, a word of one).
      const words = new Set(t.terms.flatMap((term) => [term, ...term.split(' ')]));
      for (const p of phrases) expect(words).toContain(p);
      const stems = phrases.flatMap((p) => p.split(/[\s-]+/)).map((w) => w.replace(/s$/, '').slice(0, 5));
      expect(new Set(stems).size).toBe(stems.length);
    }
    // How many labels lead with a two-word phrase (printed for the record).
    const phraseLed = body.topics.filter((t: { label: string }) => t.label.split(', ')[0].includes(' ')).length;
    console.log(`labels led by a phrase: ${phraseLed} of ${body.topics.length}`);
  });
});
