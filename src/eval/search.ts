/**
 * Task 4 — search. Two kinds of queries over the corpus, each scored with the served keyword and hybrid rankings
 * (the real FTS5 index, built in memory by src/store/search.ts; the real fusion of src/recommend/hybrid-search.ts)
 * and with their previous versions and an arxiv-sanity-lite baseline:
 * - known-item: three distinct content words of a random corpus paper's title, in title order (seeded); the paper
 *   is the one relevant item. hit@10 and MRR (rank ≤ 100, else 0).
 * - topical: a curated set's section name prefixed with its list's field ("LLM agents" + "Memory Mechanism"); the
 *   set's corpus papers are relevant. P@10 and nDCG@10.
 */
import type { EvalData } from './data.js';
import { ndcgAtK } from './metrics.js';
import { rng, seedOf, splitOf, topK, type Split } from './util.js';
import { hybridFusion, type HybridRanking } from '../recommend/hybrid-search.js';
import { memoryKeywordSearch, queryTerms, SERVED_KEYWORD_RANKING, type KeywordRanking } from '../store/search.js';
import type { Ranked } from '../store/ports.js';

export interface SearchQuery {
  text: string;
  relevant: number[];
  split: Split;
  /** What the query came from: the paper id (known-item) or the set id (topical). */
  key: string;
}

export interface SearchScores {
  hit10: number;
  mrr: number;
  p10: number;
  ndcg10: number;
}
export type SearchResults = Map<string, SearchScores[]>;

/** Queries per split for the known-item measure (the issue measured 200). */
export const KNOWN_ITEM_QUERIES = 200;
const WORD = /[\p{L}\p{N}\p{M}]+/gu;

/**
 * Three distinct content words of a title (lower-cased, stop words dropped as the search drops them), in title
 * order, drawn with `r`; null when the title has fewer than three.
 */
export function titleWordsQuery(title: string, r: () => number): string | null {
  const words = queryTerms([...title.matchAll(WORD)].map((m) => m[0]).join(' '));
  if (words.length < 3 || words.length >= 32) return null;
  const picked = new Set<number>();
  while (picked.size < 3) picked.add(Math.floor(r() * words.length));
  return [...picked].sort((a, b) => a - b).map((w) => words[w]).join(' ');
}

/** Seeded: papers in a fixed random order, each split filled up to `perSplit` with papers having ≥ 3 content words. */
export function knownItemQueries(data: EvalData, perSplit = KNOWN_ITEM_QUERIES): SearchQuery[] {
  const r = rng(seedOf('known-item'));
  const order = Array.from({ length: data.corpusCount }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [order[i], order[j]] = [order[j], order[i]];
  }
  const out: SearchQuery[] = [];
  const count = { dev: 0, test: 0 };
  for (const i of order) {
    const p = data.papers[i];
    const split = splitOf(`known-item:${p.id}`);
    if (count[split] >= perSplit) {
      if (count.dev >= perSplit && count.test >= perSplit) break;
      continue;
    }
    const text = titleWordsQuery(p.title, r);
    if (text === null) continue;
    out.push({ text, relevant: [i], split, key: p.id });
    count[split]++;
  }
  return out;
}

/** The field of each curated list, put before its section names to make a query a user of that field would type. */
const LIST_FIELD: Record<string, string> = {
  'TsinghuaC3I/Awesome-RL-for-LRMs': 'reinforcement learning for reasoning models',
  'AGI-Edgerunners/LLM-Agents-Papers': 'LLM agents',
  'horseee/Awesome-Efficient-LLM': 'efficient LLM',
  'BradyFU/Awesome-Multimodal-Large-Language-Models': 'multimodal LLM',
};

/** One query per set with ≥ 2 corpus papers, except sections named "Others". Split by set id, as task 1. */
export function topicalQueries(data: EvalData): SearchQuery[] {
  const out: SearchQuery[] = [];
  for (const s of data.topicSets) {
    const leaf = s.section.split(' > ').pop()!.replace(/\([^)]*\)/g, ' ').replace(/[&/]/g, ' ').trim();
    if (/^others?$/i.test(leaf)) continue;
    const members = [...new Set(s.arxivIds)].map((id) => data.index.get(id)).filter((i): i is number => i !== undefined && data.papers[i].inCorpus);
    if (members.length < 2) continue;
    out.push({ text: `${LIST_FIELD[s.listRepo] ?? ''} ${leaf}`.trim(), relevant: members, split: splitOf(s.setId), key: s.setId });
  }
  return out;
}

/**
 * arxiv-sanity-lite's search_rank (karpathy/arxiv-sanity-lite, serve.py), authors left out (the corpus has them, the
 * store's index does not): per query word (lower-cased, split on spaces), 20 if it is a substring of the title, plus
 * min(3, occurrences in the abstract).
 */
export function sanityLiteRanker(data: EvalData): (q: string, k: number) => number[] {
  const titles = data.papers.slice(0, data.corpusCount).map((p) => p.title.toLowerCase());
  const abstracts = data.papers.slice(0, data.corpusCount).map((p) => p.abstract.toLowerCase());
  const count = (s: string, w: string) => {
    let n = 0;
    for (let at = s.indexOf(w); at >= 0 && n < 3; at = s.indexOf(w, at + w.length)) n++;
    return n;
  };
  return (q, k) => {
    const words = q.toLowerCase().trim().split(/\s+/).filter(Boolean);
    const scored: { i: number; s: number }[] = [];
    for (let i = 0; i < titles.length; i++) {
      let s = 0;
      for (const w of words) s += (titles[i].includes(w) ? 20 : 0) + count(abstracts[i], w);
      if (s > 0) scored.push({ i, s });
    }
    return scored.sort((a, b) => b.s - a.s || a.i - b.i).slice(0, k).map((x) => x.i);
  };
}

export interface SearchModel {
  label: string;
  vectors: Float32Array;
  dim: number;
  /** Embeds query texts as the API does (cleanText, then the model). */
  embed: (texts: string[]) => Promise<Float32Array[]>;
}

/** Served rankings and the variants kept in the report (the previous ones first). */
const KEYWORD_VARIANTS: [string, KeywordRanking][] = [
  ['keyword: previous (OR, bm25 title ×2)', { titleWeight: 2, titleFirst: false }],
  ['keyword: OR, bm25 title ×10', { titleWeight: 10, titleFirst: false }],
  ['keyword: as served (title tier first, bm25 title ×2)', SERVED_KEYWORD_RANKING],
];
const HYBRID_VARIANTS: [string, HybridRanking][] = [
  ['previous (RRF)', { titleMatches: 'rrf' }],
  ['title tier pinned, keyword order', { titleMatches: 'pin' }],
  ['as served (title tier pinned, ordered by RRF)', { titleMatches: 'pin-fused' }],
];
export const SERVED_KEYWORD = KEYWORD_VARIANTS[2][0];
export const PREVIOUS_KEYWORD = KEYWORD_VARIANTS[0][0];
export const servedHybrid = (model: string) => `${model} hybrid ${HYBRID_VARIANTS[2][0]}`;
export const previousHybrid = (model: string) => `${model} hybrid ${HYBRID_VARIANTS[0][0]}`;
/** Hybrid fusion depth for k = 10, as the route: max(50, 2k). */
const DEPTH = 50;

function denseTop(m: SearchModel, q: Float32Array, n: number, depth: number): Ranked[] {
  const scores = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * m.dim;
    for (let d = 0; d < m.dim; d++) s += m.vectors[o + d] * q[d];
    scores[i] = s;
  }
  const byIndex = Float64Array.from({ length: n }, (_, i) => i); // ties: the lower index first
  return topK(n, depth, scores, byIndex).map((i) => ({ seq: i, score: scores[i] }));
}

export async function runSearch(data: EvalData, queries: SearchQuery[], model: SearchModel, log: (m: string) => void): Promise<SearchResults> {
  const N = data.corpusCount;
  const t = Date.now();
  const index = memoryKeywordSearch(data.papers.slice(0, N));
  log(`  keyword index over ${N} papers: ${Math.round((Date.now() - t) / 1000)} s`);
  const sanity = sanityLiteRanker(data);
  const results: SearchResults = new Map();
  const score = (q: SearchQuery, ranked: number[]): SearchScores => {
    const rel = new Set(q.relevant);
    const first = ranked.findIndex((i) => rel.has(i));
    return { hit10: first >= 0 && first < 10 ? 1 : 0, mrr: first >= 0 ? 1 / (first + 1) : 0, p10: ranked.slice(0, 10).filter((i) => rel.has(i)).length / 10, ndcg10: ndcgAtK(ranked, rel, 10) };
  };
  const add = (method: string, qi: number, v: SearchScores) => {
    if (!results.has(method)) results.set(method, new Array(queries.length));
    results.get(method)![qi] = v;
  };
  const vectors = await model.embed(queries.map((q) => q.text));
  const keyword = KEYWORD_VARIANTS.map(([label, r]) => [label, index.withRanking(r)] as const);
  const served = index.withRanking(SERVED_KEYWORD_RANKING);
  queries.forEach((q, qi) => {
    add('arxiv-sanity-lite scoring (title 20 per word + abstract counts)', qi, score(q, sanity(q.text, 100)));
    for (const [label, ks] of keyword) add(label, qi, score(q, ks.search(q.text, 100, null).map((h) => h.seq)));
    const dense = denseTop(model, vectors[qi], N, 100);
    add(`${model.label} semantic`, qi, score(q, dense.map((r) => r.seq)));
    const kw = served.search(q.text, DEPTH, null);
    const kwPrev = keyword[0][1].search(q.text, DEPTH, null);
    for (const [label, r] of HYBRID_VARIANTS) {
      // The previous hybrid fused the previous keyword list; the others fuse the served one.
      const fused = hybridFusion(dense.slice(0, DEPTH), r.titleMatches === 'rrf' ? kwPrev : kw, 100, r);
      add(`${model.label} hybrid ${label}`, qi, score(q, fused.map((x) => x.seq)));
    }
    if ((qi + 1) % 100 === 0) log(`  search: ${qi + 1}/${queries.length} queries`);
  });
  index.close();
  return results;
}
