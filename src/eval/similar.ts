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
import { applyCategoryPrior, CATEGORY_PENALTY, sharesCategory } from '../recommend/category-prior.js';

export interface SimilarQuery {
  paper: number;
  relevant: number[];
  setId: string;
  /** Index of the set: queries of one set are resampled together. */
  cluster: number;
  split: Split;
}

/** The production /similar ranking before issue 17: dense top RERANK_POOL re-ranked with the lexicon's tf-idf. */
export const LEXICON_SIMILAR = `dense top-${RERANK_POOL} + stored term vectors' tf-idf re-rank`;
/** The row of the production /similar ranking: that, with the category prior. */
export const SERVED_SIMILAR = `as served (${LEXICON_SIMILAR} − ${CATEGORY_PENALTY} if no shared category)`;
/** The same before the lexicon: tf-idf fitted per request on the 201 texts. */
export const PREVIOUS_SIMILAR = `previously served (dense top-${RERANK_POOL} + local tf-idf re-rank)`;
/** Category-prior weights also reported (the served one was picked on dev: see EVAL.md). */
export const PRIOR_VARIANTS = [0.5, 1, 4] as const;
export const priorVariant = (w: number) => `${LEXICON_SIMILAR} − ${w} if no shared category`;

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
  /**
   * Glaring misses: the fraction of the top 5 sharing no curated set (any set, not only the query's) and no arXiv
   * category with the query paper.
   */
  glaring5: number;
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
  const setsOf = new Map<number, Set<number>>();
  data.topicSets.forEach((s, si) => {
    for (const id of s.arxivIds) {
      const i = data.index.get(id);
      if (i !== undefined) setsOf.set(i, (setsOf.get(i) ?? new Set()).add(si));
    }
  });
  const glaring = (q: number, j: number) => {
    const qs = setsOf.get(q);
    const js = setsOf.get(j);
    if (qs && js && [...js].some((x) => qs.has(x))) return false;
    const qc = data.papers[q].categories;
    const jc = data.papers[j].categories;
    return qc.length > 0 && jc.length > 0 && !sharesCategory(qc, jc);
  };

  queries.forEach((q, qi) => {
    const tie = tieBreaker(N, seedOf(`similar:${data.papers[q.paper].id}:${q.setId}`));
    const relevant = new Set(q.relevant);
    const evaluate = (scores: ArrayLike<number>): QueryScores => {
      // The query itself is excluded: callers give it -Infinity, so it ranks last.
      const top = topK(N, 10, scores, tie);
      let best = q.relevant[0];
      for (const r of q.relevant) if (scores[r] > scores[best] || (scores[r] === scores[best] && tie[r] < tie[best])) best = r;
      return {
        recall10: recallAtK(top, relevant, 10),
        mrr: reciprocalRank(rankOf(N, best, scores, tie)),
        glaring5: top.slice(0, 5).filter((j) => glaring(q.paper, j)).length / 5,
      };
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
      const lexical = fuseWithLexicon(lexicon, [lexicon.termsOf(q.paper)!], pool, pool.map((i) => d[i]));
      add(`${m.label} ${LEXICON_SIMILAR}`, qi, evaluate(reranked(lexical)));
      const qc = data.papers[q.paper].categories;
      const poolCats = pool.map((i) => data.papers[i].categories);
      for (const w of PRIOR_VARIANTS) add(`${m.label} ${priorVariant(w)}`, qi, evaluate(reranked(applyCategoryPrior(Float64Array.from(lexical), qc, poolCats, w))));
      add(`${m.label} ${SERVED_SIMILAR}`, qi, evaluate(reranked(applyCategoryPrior(Float64Array.from(lexical), qc, poolCats))));
    }
    if ((qi + 1) % 200 === 0) log(`  similar: ${qi + 1}/${queries.length} queries (${Math.round((Date.now() - started) / 1000)} s)`);
  });
  return results;
}
