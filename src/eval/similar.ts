/**
 * Task 1 (similar papers) and task 3 (per model): every corpus paper of a curated topic set with ≥ 2 corpus
 * members is a query; its set-mates in the corpus are the relevant items; the candidates are all corpus papers
 * except the query. Metrics: recall@10 and MRR.
 */
import type { EvalData } from './data.js';
import { denseAll } from './embed-cache.js';
import { recallAtK, reciprocalRank } from './metrics.js';
import { rrfFusion } from './rankers.js';
import { zSum } from '../recommend/stats.js';
import { fuseWithLexicon, RERANK_POOL } from '../recommend/lexical.js';
import type { Lexicon } from '../index/lexicon.js';
import { localFuse } from './local-tfidf.js';
import { cosineAll, type TfidfMatrix } from '../recommend/tfidf.js';
import { rankOf, seedOf, splitOf, tieBreaker, topK, type Split } from './util.js';

export interface SimilarQuery {
  paper: number;
  relevant: number[];
  setId: string;
  /** Index of the set: queries of one set are resampled together. */
  cluster: number;
  split: Split;
}

/** The row of the production /similar ranking (dense top RERANK_POOL re-ranked with the lexicon's tf-idf). */
export const SERVED_SIMILAR = `as served (dense top-${RERANK_POOL} + stored term vectors' tf-idf re-rank)`;
/** The same before the lexicon: tf-idf fitted per request on the 201 texts. */
export const PREVIOUS_SIMILAR = `previously served (dense top-${RERANK_POOL} + local tf-idf re-rank)`;

export function similarQueries(data: EvalData): SimilarQuery[] {
  const out: SimilarQuery[] = [];
  data.topicSets.forEach((s, cluster) => {
    const members = [...new Set(s.arxivIds)].map((id) => data.index.get(id)).filter((i): i is number => i !== undefined && data.papers[i].inCorpus);
    if (members.length < 2) return;
    const split = splitOf(s.setId);
    for (const m of members) out.push({ paper: m, relevant: members.filter((x) => x !== m), setId: s.setId, cluster, split });
  });
  return out;
}

export interface QueryScores {
  recall10: number;
  mrr: number;
}
/** Per method, per query (aligned with the query list). */
export type SimilarResults = Map<string, QueryScores[]>;

export interface DenseModel {
  label: string;
  vectors: Float32Array;
  dim: number;
}

/**
 * Scores every query with the baselines (random, popularity, tf-idf cosine) and, for each model, dense cosine
 * and the two fusions with tf-idf. Method names: "random", "popularity", "tfidf-cosine", "<label> dense",
 * "<label> hybrid z-sum", "<label> hybrid RRF".
 */
export function runSimilar(
  data: EvalData,
  queries: SimilarQuery[],
  tfidf: TfidfMatrix,
  lexicon: Lexicon,
  models: DenseModel[],
  log: (m: string) => void,
): SimilarResults {
  const N = data.corpusCount; // candidates: corpus papers (rows 0 … N-1)
  const results: SimilarResults = new Map();
  const add = (method: string, q: number, v: QueryScores) => {
    if (!results.has(method)) results.set(method, new Array(queries.length));
    results.get(method)![q] = v;
  };
  const popularity = new Float32Array(N);
  for (let i = 0; i < N; i++) popularity[i] = data.papers[i].upvotes;
  const tfAll = new Float32Array(tfidf.n);
  const dense = new Float32Array(N);
  const started = Date.now();

  queries.forEach((q, qi) => {
    const tie = tieBreaker(N, seedOf(`similar:${data.papers[q.paper].id}:${q.setId}`));
    const relevant = new Set(q.relevant);
    const evaluate = (scores: ArrayLike<number>): QueryScores => {
      // The query itself is excluded: callers give it -Infinity, so it ranks last.
      const top = topK(N, 10, scores, tie);
      let best = q.relevant[0];
      for (const r of q.relevant) if (scores[r] > scores[best] || (scores[r] === scores[best] && tie[r] < tie[best])) best = r;
      return { recall10: recallAtK(top, relevant, 10), mrr: reciprocalRank(rankOf(N, best, scores, tie)) };
    };
    const random = Float64Array.from(tieBreaker(N, seedOf(`random:${qi}`)));
    random[q.paper] = -Infinity;
    add('random', qi, evaluate(random));
    const pop = popularity.slice();
    pop[q.paper] = -Infinity;
    add('popularity (HF upvotes)', qi, evaluate(pop));
    const tf = cosineAll(tfidf, q.paper, tfAll).slice(0, N);
    tf[q.paper] = -Infinity;
    add('tf-idf cosine', qi, evaluate(tf));
    const tfFinite = tf.slice();
    tfFinite[q.paper] = 0;
    for (const m of models) {
      const d = denseAll(m.vectors, m.dim, q.paper, dense);
      const dq = d.slice();
      dq[q.paper] = -Infinity;
      add(`${m.label} dense`, qi, evaluate(dq));
      const dFinite = d.slice();
      dFinite[q.paper] = 0;
      const zs = zSum([dFinite, tfFinite]);
      zs[q.paper] = -Infinity;
      add(`${m.label} hybrid z-sum`, qi, evaluate(zs));
      const rrf = rrfFusion(N, [topK(N, 1001, dq, tie), topK(N, 1001, tf, tie)].map((l) => l.filter((i) => i !== q.paper)));
      rrf[q.paper] = -Infinity;
      add(`${m.label} hybrid RRF`, qi, evaluate(rrf));
      // As served: the dense top RERANK_POOL re-ranked by z(dense) + z(tf-idf), the rest after them.
      const pool = topK(N, RERANK_POOL, dq, tie);
      const reranked = (fused: ArrayLike<number>) => {
        const out = Float64Array.from(dq, (x) => x - 1e3);
        pool.forEach((i, j) => (out[i] = fused[j]));
        out[q.paper] = -Infinity;
        return out;
      };
      const previous = localFuse([data.papers[q.paper].text], pool.map((i) => data.papers[i].text), pool.map((i) => d[i]));
      add(`${m.label} ${PREVIOUS_SIMILAR}`, qi, evaluate(reranked(previous)));
      const served = fuseWithLexicon(lexicon, [lexicon.termsOf(q.paper)!], pool, pool.map((i) => d[i]));
      add(`${m.label} ${SERVED_SIMILAR}`, qi, evaluate(reranked(served)));
    }
    if ((qi + 1) % 200 === 0) log(`  similar: ${qi + 1}/${queries.length} queries (${Math.round((Date.now() - started) / 1000)} s)`);
  });
  return results;
}
