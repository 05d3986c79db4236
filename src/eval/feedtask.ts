/**
 * Task 2 (feed from a starred history): users are (a) curated topic sets with ≥ 5 corpus papers, split by arXiv id,
 * and (b) Hugging Face submitters with ≥ 10 papers, split by HF list date. Held-out papers are the relevant items
 * among the candidates of the hold-out window. Metrics: Recall@20, Recall@50, nDCG@50.
 */
import type { EvalData } from './data.js';
import { trainPegasos, scoreLinear } from '../recommend/linear.js';
import { ndcgAtK, recallAtK } from './metrics.js';
import { FEED_MAX_STARS_USED, FEED_POPULARITY_WEIGHT, maxAffinity, productionPool, rankFeed } from './rankers.js';
import { maxCosine, type TfidfMatrix } from '../recommend/tfidf.js';
import { feedSignals, lexicalAffinity } from '../recommend/lexical.js';
import type { Lexicon } from '../index/lexicon.js';
import { localFeedSignals } from './local-tfidf.js';
import { zSum } from '../recommend/stats.js';
import { rng, seedOf, splitOf, tieBreaker, topK, type Split } from './util.js';

export interface FeedUser {
  key: string;
  /** Papers (indices into data.papers), oldest → newest. */
  history: number[];
  heldOut: number[];
  candidates: Int32Array;
  window: [string, string];
  split: Split;
}

/** arXiv ids in time order: yymm, then the number (so 2501.9999 < 2501.10000). */
export function compareArxivIds(a: string, b: string): number {
  const [ya, na] = a.split('.');
  const [yb, nb] = b.split('.');
  return ya === yb ? Number(na) - Number(nb) || a.localeCompare(b) : ya.localeCompare(yb);
}

/** The newest ~25% are held out: history = round(0.75 n) items, at least 1, and at least 1 held out. */
export function temporalSplit<T>(sorted: T[], historyFraction = 0.75): { history: T[]; heldOut: T[] } {
  const nHist = Math.min(sorted.length - 1, Math.max(1, Math.round(historyFraction * sorted.length)));
  return { history: sorted.slice(0, nHist), heldOut: sorted.slice(nHist) };
}

const inWindow = (d: string | null, lo: string, hi: string) => d !== null && d >= lo && d <= hi;

export function topicSetUsers(data: EvalData, minCorpus = 5): FeedUser[] {
  const users: FeedUser[] = [];
  for (const s of data.topicSets) {
    const withText = [...new Set(s.arxivIds)].filter((id) => data.index.has(id)).sort(compareArxivIds);
    const corpus = withText.filter((id) => data.papers[data.index.get(id)!].inCorpus);
    if (corpus.length < minCorpus) continue;
    const { heldOut } = temporalSplit(corpus);
    // History: every member with an abstract (corpus, or HF-only) older than the first held-out paper.
    const history = withText.filter((id) => compareArxivIds(id, heldOut[0]) < 0).map((id) => data.index.get(id)!);
    const held = heldOut.map((id) => data.index.get(id)!);
    const dates = held.map((i) => data.papers[i].published!).sort();
    const window: [string, string] = [dates[0], dates[dates.length - 1]];
    const hist = new Set(history);
    const cands: number[] = [];
    for (let i = 0; i < data.corpusCount; i++) if (!hist.has(i) && inWindow(data.papers[i].published, ...window)) cands.push(i);
    users.push({ key: s.setId, history, heldOut: held, candidates: Int32Array.from(cands), window, split: splitOf(s.setId) });
  }
  return users;
}

export function hfSubmitterUsers(data: EvalData, minPapers = 10): FeedUser[] {
  const by = new Map<string, number[]>();
  data.papers.forEach((p, i) => {
    if (p.submittedBy && p.hfDate) by.set(p.submittedBy, [...(by.get(p.submittedBy) ?? []), i]);
  });
  const users: FeedUser[] = [];
  for (const [name, idx] of [...by.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (idx.length < minPapers) continue;
    const sorted = idx.sort((a, b) => data.papers[a].hfDate!.localeCompare(data.papers[b].hfDate!) || compareArxivIds(data.papers[a].id, data.papers[b].id));
    const { history, heldOut } = temporalSplit(sorted);
    const window: [string, string] = [data.papers[heldOut[0]].hfDate!, data.papers[heldOut[heldOut.length - 1]].hfDate!];
    const hist = new Set(history);
    const cands: number[] = [];
    data.papers.forEach((p, i) => {
      if (hist.has(i)) return;
      if (inWindow(p.hfDate, ...window) || (p.inCorpus && inWindow(p.published, ...window))) cands.push(i);
    });
    users.push({ key: `hf:${name}`, history, heldOut, candidates: Int32Array.from(cands), window, split: splitOf(`hf:${name}`) });
  }
  return users;
}

export interface FeedScores {
  recall20: number;
  recall50: number;
  ndcg50: number;
}
export type FeedResults = Map<string, FeedScores[]>;

export interface FeedRunOptions {
  vectors: Float32Array;
  dim: number;
  modelLabel: string;
  svmLambda: number;
  svmNegatives: number;
  /** Every paper's term vector, keyed by its index in data.papers (as production keys them by seq). */
  lexicon: Lexicon;
  log: (m: string) => void;
  /** Also score exploration rows (scripts/feed-mix-dev.ts; not in `npm run eval`). */
  variants?: boolean;
}

/** The row of the production feed ranking (src/recommend/feed.ts). */
export const SERVED_FEED = 'as served (dense + per-user model on tf-idf fitted on its training rows ⊕ embedding ⊕ popularity, NN candidates + MMR)';
/** The served ranker before its tf-idf was fitted on the training rows (the no-regression reference): the corpus's df. */
export const PREVIOUS_SERVED_FEED = 'served before (the same with the corpus df for the model\'s tf-idf)';
/** The ranker with the per-request local tf-idf it used before the lexicon (issue 16), for comparison. */
export const PREVIOUS_FEED = 'served before issue 16 (the same on local tf-idf fitted per request)';

/** Scores restricted to the pool (everything else -Infinity), so byScore ranks only what production scores. */
function onPoolScores(scores: ArrayLike<number>, pool: number[], n: number): Float64Array {
  const out = new Float64Array(n).fill(-Infinity);
  for (const c of pool) out[c] = scores[c];
  return out;
}

export function runFeed(data: EvalData, users: FeedUser[], tfidf: TfidfMatrix, o: FeedRunOptions): FeedResults {
  const results: FeedResults = new Map();
  const vec = (i: number) => o.vectors.subarray(i * o.dim, (i + 1) * o.dim);
  const started = Date.now();
  users.forEach((u, ui) => {
    const C = u.candidates.length;
    const tie = tieBreaker(C, seedOf(`feed-tie:${u.key}`));
    const rel = new Set(u.heldOut);
    const add = (method: string, ranked: number[]) => {
      const papers = ranked.slice(0, 50).map((c) => u.candidates[c]);
      if (!results.has(method)) results.set(method, new Array(users.length));
      results.get(method)![ui] = { recall20: recallAtK(papers, rel, 20), recall50: recallAtK(papers, rel, 50), ndcg50: ndcgAtK(papers, rel, 50) };
    };
    const byScore = (s: ArrayLike<number>) => topK(C, 50, s, tie);
    // Every method sees the same history: the newest FEED_MAX_STARS_USED papers (the production cap).
    const hist = u.history.slice(-FEED_MAX_STARS_USED);
    const upvotes = Array.from(u.candidates, (i) => data.papers[i].upvotes);

    add('random', byScore(tieBreaker(C, seedOf(`feed-random:${u.key}`))));
    add('popularity (HF upvotes)', byScore(upvotes));
    const tfMax = maxCosine(tfidf, hist, u.candidates);
    add('tf-idf cosine (max-sim)', byScore(tfMax));

    const histSet = new Set(u.history);
    const r = rng(seedOf(`svm-neg:${u.key}`));
    const negatives: number[] = [];
    for (let tries = 0; negatives.length < o.svmNegatives && tries < 10 * o.svmNegatives; tries++) {
      const i = Math.floor(r() * data.papers.length);
      if (!histSet.has(i)) negatives.push(i);
    }
    const w = trainPegasos(tfidf, hist, negatives, { lambda: o.svmLambda, epochs: 10, seed: seedOf(`svm:${u.key}`) });
    add('tf-idf linear SVM (arxiv-sanity)', byScore(scoreLinear(tfidf, w, u.candidates)));
    add('naive blend (tf-idf z + popularity z)', byScore(zSum([tfMax, upvotes.map((x) => Math.log1p(x))])));

    const liked = hist.map(vec);
    const candVecs = Array.from(u.candidates, vec);
    const ids = Array.from(u.candidates, (i) => data.papers[i].id);
    const affinity = maxAffinity(liked, candVecs);
    const base = { history: liked, candidates: candVecs, upvotes, ids, k: 50, affinity };
    add(`ours (${o.modelLabel}): dense + popularity, NN candidates + MMR`, rankFeed({ ...base, mmr: true, productionCandidates: true }));
    // Content signals as production computes them (src/recommend/lexical.ts: the lexicon's term vectors of history +
    // production's candidate pool; the per-user model's features), scattered back to candidate positions.
    // The served pool is the stars' neighbours (adding the window's popular papers was measured and not kept).
    const pool = productionPool(liked, candVecs, 50);
    const text = (i: number) => data.papers[i].text;
    const rows = [...hist, ...pool.map((c) => u.candidates[c])];
    const vectors = new Float32Array(rows.length * o.dim);
    rows.forEach((p, r) => vectors.set(vec(p), r * o.dim));
    const input = { lexicon: o.lexicon, liked: hist, candidates: pool.map((c) => u.candidates[c]), vectors, dim: o.dim, popularity: Float32Array.from(rows, (p) => data.papers[p].upvotes) };
    const signals = feedSignals(input);
    const old = feedSignals({ ...input, modelDf: 'corpus' });
    const previous = localFeedSignals({ ...input, likedTexts: hist.map(text), candidateTexts: pool.map((c) => text(u.candidates[c])) });
    // The previous ranker's tf-idf-only SVM: the same model with its dense features zeroed.
    const tfidfOnly = feedSignals({ ...input, vectors: new Float32Array(input.vectors.length), popularity: new Float32Array(input.popularity.length) });
    const scatter = (pool: number[], xs: ArrayLike<number> | undefined) => {
      if (!xs) return undefined;
      const full = new Float64Array(C);
      pool.forEach((c, j) => (full[c] = xs[j]));
      return full;
    };
    const lexical = scatter(pool, lexicalAffinity(input))!;
    const userModel = scatter(pool, signals.userModel);
    const onPool = { ...base, pool };
    const likedPopularity = hist.map((i) => data.papers[i].upvotes);
    add(`ours (${o.modelLabel}): dense + lexical + popularity (the ranker below 5 stars), no MMR`, rankFeed({ ...onPool, lexical }));
    if (tfidfOnly.userModel) {
      const svm = scatter(pool, tfidfOnly.userModel)!;
      const prev = zSum([affinity, lexical, svm]).map((x, i) => x + FEED_POPULARITY_WEIGHT * (Math.log1p(upvotes[i]) / Math.log1p(100)));
      add(`previous ranker: dense + lexical + tf-idf SVM + popularity, no MMR`, byScore(onPoolScores(prev, pool, C)));
    } else add(`previous ranker: dense + lexical + tf-idf SVM + popularity, no MMR`, rankFeed({ ...onPool, lexical }));
    add(`ours (${o.modelLabel}): ${PREVIOUS_FEED}`, rankFeed({ ...onPool, lexical: scatter(pool, previous.lexical)!, userModel: scatter(pool, previous.userModel), mmr: true }));
    add(`ours (${o.modelLabel}): ${PREVIOUS_SERVED_FEED}`, rankFeed({ ...onPool, lexical, userModel: scatter(pool, old.userModel), mmr: true }));
    add(`ours (${o.modelLabel}): dense + per-user model, no MMR`, rankFeed({ ...onPool, lexical, userModel }));
    add(`ours (${o.modelLabel}): + learned popularity mix (issue 17, tried, not served) + MMR`, rankFeed({ ...onPool, lexical, userModel, learnedMix: true, likedPopularity, mmr: true }));
    add(`ours (${o.modelLabel}): ${SERVED_FEED}`, rankFeed({ ...onPool, lexical, userModel, mmr: true }));
    if (o.variants) {
      for (const w of [0.25, 0.5, 1]) add(`variant: fixed popularity weight ${w} (no MMR)`, rankFeed({ ...onPool, lexical, userModel, popularityWeight: w }));
      // Recent stars weigh more: max over stars of cos + 0.05·log(0.5^(age in stars / 50)).
      const decayed = new Float64Array(C).fill(-Infinity);
      liked.forEach((l, j) => {
        const bonus = 0.05 * Math.log(0.5 ** ((liked.length - 1 - j) / 50));
        candVecs.forEach((cv, i) => {
          let d = 0;
          for (let x = 0; x < cv.length; x++) d += cv[x] * l[x];
          if (d + bonus > decayed[i]) decayed[i] = d + bonus;
        });
      });
      add('variant: learned mix, recency-decayed dense max-sim (half-life 50 stars) (no MMR)', rankFeed({ ...onPool, affinity: decayed, lexical, userModel, learnedMix: true, likedPopularity }));
      const last50 = maxAffinity(liked.slice(-50), candVecs);
      add('variant: learned mix, dense max-sim over the last 50 stars (no MMR)', rankFeed({ ...onPool, affinity: last50, lexical, userModel, learnedMix: true, likedPopularity }));
    }
    if ((ui + 1) % 10 === 0) o.log(`  feed: ${ui + 1}/${users.length} users (${Math.round((Date.now() - started) / 1000)} s)`);
  });
  return results;
}
