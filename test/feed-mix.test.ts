import { describe, expect, it } from 'vitest';
import { curatorPicks, curatorUsers } from '../src/eval/curators.js';
import type { EvalData, EvalPaper } from '../src/eval/data.js';
import { rankFeed } from '../src/eval/rankers.js';
import { feedReason, feedScoreParts, feedScores } from '../src/recommend/feed.js';
import { learnMix, MIN_STARS_FOR_MIX, POPULARITY_PRIOR, PRIOR_STRENGTH } from '../src/eval/learned-mix.js';
import { rng } from '../src/util/random.js';

const unit = (xs: number[]) => {
  const n = Math.hypot(...xs);
  return Float32Array.from(xs.map((x) => x / n));
};

/** Random unit vectors in 8-d around a few topic directions (seeded). */
function world(seed: number) {
  const r = rng(seed);
  const topic = (t: number) => unit(Array.from({ length: 8 }, (_, d) => (d === t ? 3 : 0) + r() - 0.5));
  return { r, topic };
}

describe('learnMix: the user’s popularity weight from their own history', () => {
  const seed = 17;
  it(`is high for a user whose recent stars are the popular papers, low for a niche reader (seed ${seed})`, () => {
    const { r, topic } = world(seed);
    // Candidates: 400 papers over 4 topics; popularity unrelated to topic (most 0, some large).
    const candidates = Array.from({ length: 400 }, (_, i) => topic(i % 4));
    const candidatePopularity = candidates.map(() => (r() < 0.1 ? 20 + Math.floor(r() * 200) : 0));
    // Curator: stars spread over all topics, all of them popular. Niche reader: topic 0 only, never popular.
    const curator = Array.from({ length: 60 }, (_, i) => topic(i % 4));
    const curatorPop = curator.map(() => 50 + Math.floor(r() * 150));
    const niche = Array.from({ length: 60 }, () => topic(0));
    const nichePop = niche.map(() => 0);
    const c = learnMix({ liked: curator, likedPopularity: curatorPop, candidates, candidatePopularity });
    const n = learnMix({ liked: niche, likedPopularity: nichePop, candidates, candidatePopularity });
    expect(c.validation).toBe(15);
    expect(c.fitted).toBeGreaterThanOrEqual(1);
    expect(c.popularity).toBeGreaterThan(POPULARITY_PRIOR);
    expect(n.fitted).toBe(0);
    expect(n.popularity).toBeLessThan(POPULARITY_PRIOR);
    expect(c.popularity).toBeGreaterThan(n.popularity);
  });

  it('falls back to the prior below MIN_STARS_FOR_MIX stars, and shrinks toward it with few held-out stars', () => {
    const { r, topic } = world(seed + 1);
    const candidates = Array.from({ length: 100 }, (_, i) => topic(i % 4));
    const candidatePopularity = candidates.map(() => (r() < 0.1 ? 100 : 0));
    const few = Array.from({ length: MIN_STARS_FOR_MIX - 1 }, () => topic(1));
    expect(learnMix({ liked: few, likedPopularity: few.map(() => 100), candidates, candidatePopularity })).toEqual({ popularity: POPULARITY_PRIOR, validation: 0 });
    const short = Array.from({ length: 12 }, (_, i) => topic(i % 4));
    const long = Array.from({ length: 120 }, (_, i) => topic(i % 4));
    const s = learnMix({ liked: short, likedPopularity: short.map(() => 100), candidates, candidatePopularity });
    const l = learnMix({ liked: long, likedPopularity: long.map(() => 100), candidates, candidatePopularity });
    // Both see popular stars; the estimate is shrunk toward the prior by the held-out stars behind it (3 vs 30).
    for (const m of [s, l]) {
      expect(m.fitted).toBeGreaterThanOrEqual(1);
      expect(m.popularity).toBeCloseTo((m.validation * m.fitted! + PRIOR_STRENGTH * POPULARITY_PRIOR) / (m.validation + PRIOR_STRENGTH), 9);
    }
    expect([s.validation, l.validation]).toEqual([3, 30]);
  });
});

describe('feed score parts and reasons', () => {
  it('adds the learned weight × z(log1p popularity) only beside a per-user model', () => {
    const base = { affinity: [1, 0, 0], userModel: [0, 0, 1], popularity: [0, 0, 99] };
    expect(Array.from(feedScoreParts(base).popularity)).toEqual([0, 0, 0]);
    const p = feedScoreParts({ ...base, popularityWeight: 2 }).popularity;
    expect(p[2]).toBeCloseTo(2 * Math.SQRT2, 6); // z of [0, 0, x] = [−1/√2, −1/√2, √2]
    expect(p[0]).toBeCloseTo(-Math.SQRT2, 6);
  });

  it('splits the per-user model’s score into its popularity share and the rest, without changing the sum', () => {
    const base = { affinity: [0.9, 0.1, 0.5, 0.2], userModel: [2, -1, 1, 0], userModelPopularity: [0, 0, 1.5, 0], popularity: [0, 0, 80, 0] };
    const parts = feedScoreParts(base);
    const served = feedScores({ ...base, userModelPopularity: undefined });
    for (let i = 0; i < 4; i++) expect(parts.content[i] + parts.popularity[i]).toBeCloseTo(served[i], 12);
    // σ(margin) = √1.25; the share centred on its mean 0.375: candidate 2 gets (1.5 − 0.375)/√1.25.
    expect(parts.popularity[2]).toBeCloseTo(1.125 / Math.sqrt(1.25), 12);
    expect(parts.popularity[0]).toBeCloseTo(-0.375 / Math.sqrt(1.25), 12);
  });

  it('says which part won', () => {
    expect(feedReason('Robot grasping', '40 upvotes', 0.3, 1.2)).toBe('Popular this week among papers like “Robot grasping” · 40 upvotes');
    expect(feedReason('Robot grasping', '40 upvotes', 1.5, 1.2)).toBe('Close to “Robot grasping”, which you starred · 40 upvotes');
    expect(feedReason('Robot grasping', '', 0.1, 0)).toBe('Close to “Robot grasping”, which you starred');
  });
});

describe('rankFeed', () => {
  it('rankFeed with the learned mix ranks a popular candidate above an equally close one for a curator', () => {
    const { topic } = world(5);
    const liked = Array.from({ length: 40 }, (_, i) => topic(i % 4));
    const candidates = Array.from({ length: 200 }, (_, i) => topic(i % 4));
    const upvotes = candidates.map((_, i) => (i % 10 === 3 ? 120 : 0));
    const ranked = rankFeed({ history: liked, candidates, upvotes, k: 10, userModel: candidates.map(() => 0), learnedMix: true, likedPopularity: liked.map(() => 150) });
    expect(ranked.slice(0, 10).every((i) => upvotes[i] > 0)).toBe(true);
  });
});

describe('curator users', () => {
  const paper = (id: string, hfDate: string | null, upvotes: number, categories: string[], inCorpus = true): EvalPaper => ({
    id,
    title: id,
    abstract: '',
    text: id,
    published: hfDate,
    upvotes,
    inCorpus,
    hfDate,
    submittedBy: null,
    categories,
  });
  it('pick the week’s most-upvoted HF papers of their area, in time order', () => {
    const papers = [
      paper('2601.00001', '2026-01-05', 10, ['cs.CV']), // Monday, week 1
      paper('2601.00002', '2026-01-07', 30, ['cs.CV']),
      paper('2601.00003', '2026-01-08', 20, ['cs.CL']), // other area
      paper('2601.00004', '2026-01-09', 5, ['cs.CV', 'cs.CL']),
      paper('2601.00005', '2026-01-12', 1, ['eess.IV']), // week 2
      paper('2601.00006', null, 99, ['cs.CV']), // never on HF
      paper('2601.00007', '2026-01-13', 99, [], false), // HF-only: no category
    ];
    const data = { papers, index: new Map(papers.map((p, i) => [p.id, i])), corpusCount: 6 } as unknown as EvalData;
    const picks = curatorPicks(data, { area: 'vision', categories: ['cs.CV', 'eess.IV'] }, 2).map((i) => papers[i].id);
    expect(picks).toEqual(['2601.00001', '2601.00002', '2601.00005']);
  });

  it('are evaluated on 2-week windows with every earlier pick as history (needs 100 stars)', () => {
    // 60 weeks × 3 vision papers a week (upvotes 3, 2, 1), plus one unrelated corpus paper a day.
    const papers: EvalPaper[] = [];
    const start = Date.parse('2025-01-06T00:00:00Z');
    for (let w = 0; w < 60; w++) {
      for (let j = 0; j < 3; j++) {
        const d = new Date(start + (w * 7 + j) * 86400e3).toISOString().slice(0, 10);
        papers.push(paper(`25${String(w).padStart(2, '0')}.0000${j}`, d, 3 - j, ['cs.CV']));
      }
    }
    const data = { papers, index: new Map(papers.map((p, i) => [p.id, i])), corpusCount: papers.length } as unknown as EvalData;
    const users = curatorUsers(data, 4);
    const top2 = users.filter((u) => u.curator === 'curator:vision:top2');
    expect(top2).toHaveLength(4);
    for (const u of top2) {
      expect(u.heldOut).toHaveLength(4); // 2 weeks × 2 picks
      expect(u.window[1] > u.window[0]).toBe(true);
      const lastHist = Math.max(...u.history.map((i) => Date.parse(papers[i].hfDate!)));
      expect(lastHist).toBeLessThan(Date.parse(u.window[0]));
      for (const h of u.heldOut) expect(Array.from(u.candidates)).toContain(h);
      expect(u.history.length).toBeGreaterThanOrEqual(100);
    }
    expect(new Set(top2.map((u) => u.split)).size).toBe(1); // a curator is one unit of the split
  });
});
