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
import { hybridFusion, lexicalList, SERVED_HYBRID_RANKING, type HybridRanking, type LexicalScorer } from '../recommend/hybrid-search.js';
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
const PREVIOUS_RANKING: KeywordRanking = { titleWeight: 2, titleFirst: false, tierOrder: 'bm25', rest: 'or' };
const ISSUE17_RANKING: KeywordRanking = { titleWeight: 2, titleFirst: true, tierOrder: 'bm25', rest: 'or' };
const KEYWORD_VARIANTS: [string, KeywordRanking][] = [
  ['keyword: previous (OR, bm25 title ×2)', PREVIOUS_RANKING],
  ['keyword: title tier by bm25, then OR (served before)', ISSUE17_RANKING],
  ['keyword: title tier by fit, then OR', { ...ISSUE17_RANKING, tierOrder: 'fit' }],
  ['keyword: title tier by bm25, then AND-first', { ...ISSUE17_RANKING, rest: 'and' }],
  ['keyword: title tier by fit, then AND-first', { ...SERVED_KEYWORD_RANKING, rest: 'and' }],
  ['keyword: no tier, rare-or', { ...SERVED_KEYWORD_RANKING, titleFirst: false, rest: 'rare-or' }],
  ['keyword: as served (title tier by fit, then rare-or)', SERVED_KEYWORD_RANKING],
];
/** Hybrid variants: the keyword list fused (which ranking; 'pool' = the served tier + the lexicon-ranked pool), and how. */
const HYBRID_VARIANTS: [string, 'previous' | 'issue17' | 'and' | 'pool' | 'dense200', HybridRanking][] = [
  ['previous (RRF)', 'previous', { titleMatches: 'rrf' }],
  ['title tier pinned, ordered by RRF, OR list (served before)', 'issue17', { titleMatches: 'pin-fused' }],
  ['title tier by fit pinned by RRF, AND-first list', 'and', { titleMatches: 'pin-fused' }],
  ['title tier by fit pinned, AND-first list', 'and', { titleMatches: 'pin' }],
  ['title tier by fit pinned by RRF, lexicon-ranked pool', 'pool', { titleMatches: 'pin-fused' }],
  ['title tier by fit pinned, lexicon-ranked dense top 200', 'dense200', { titleMatches: 'pin' }],
  ['as served (title tier by fit pinned, lexicon-ranked pool)', 'pool', SERVED_HYBRID_RANKING],
];
export const SERVED_KEYWORD = KEYWORD_VARIANTS[KEYWORD_VARIANTS.length - 1][0];
export const PREVIOUS_KEYWORD = KEYWORD_VARIANTS[0][0];
export const servedHybrid = (model: string) => `${model} hybrid ${HYBRID_VARIANTS[HYBRID_VARIANTS.length - 1][0]}`;
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

export async function runSearch(
  data: EvalData,
  queries: SearchQuery[],
  model: SearchModel,
  lexicon: LexicalScorer,
  log: (m: string) => void,
  onRanked?: (method: string, qi: number, ranked: number[]) => void,
): Promise<SearchResults> {
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
  const add = (method: string, qi: number, ranked: number[]) => {
    if (!results.has(method)) results.set(method, new Array(queries.length));
    results.get(method)![qi] = score(queries[qi], ranked);
    onRanked?.(method, qi, ranked);
  };
  const vectors = await model.embed(queries.map((q) => q.text));
  const keyword = KEYWORD_VARIANTS.map(([label, r]) => [label, index.withRanking(r)] as const);
  const served = index.withRanking(SERVED_KEYWORD_RANKING);
  const issue17 = index.withRanking(ISSUE17_RANKING);
  const andFirst = index.withRanking({ ...SERVED_KEYWORD_RANKING, rest: 'and' });
  const previous = index.withRanking(PREVIOUS_RANKING);
  queries.forEach((q, qi) => {
    add('arxiv-sanity-lite scoring (title 20 per word + abstract counts)', qi, sanity(q.text, 100));
    for (const [label, ks] of keyword) add(label, qi, ks.search(q.text, 100, null).map((h) => h.seq));
    const dense = denseTop(model, vectors[qi], N, 200);
    add(`${model.label} semantic`, qi, dense.slice(0, 100).map((r) => r.seq));
    const semantic = dense.slice(0, DEPTH);
    const lists = {
      previous: previous.search(q.text, DEPTH, null),
      issue17: issue17.search(q.text, DEPTH, null),
      and: andFirst.search(q.text, DEPTH, null),
      // As the route: the tier and the AND candidates, ranked with the semantic list by the lexicon's cosine.
      pool: lexicalList(served.search(q.text, DEPTH, null, { candidates: true }), semantic, lexicon, q.text, DEPTH),
      dense200: lexicalList(served.search(q.text, DEPTH, null, { candidates: true }).filter((h) => h.title), dense, lexicon, q.text, DEPTH),
    };
    for (const [label, list, r] of HYBRID_VARIANTS) add(`${model.label} hybrid ${label}`, qi, hybridFusion(semantic, lists[list], 100, r).map((x) => x.seq));
    if ((qi + 1) % 100 === 0) log(`  search: ${qi + 1}/${queries.length} queries`);
  });
  index.close();
  return results;
}
