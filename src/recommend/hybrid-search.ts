/**
 * Hybrid search: fuses the semantic (embedding) and keyword lists of /v1/search. Shared by the API route and the
 * evaluation harness (src/eval/search.ts), so both measure one formula.
 */
import type { KeywordHit, Ranked } from '../store/ports.js';
import { cleanText } from '../embed/text.js';
import { termVector } from '../text/terms.js';
import type { Lexicon } from '../index/lexicon.js';

/** Reciprocal-rank fusion constant (Cormack et al. 2009): damps the weight of the very first ranks. */
export const RRF_K = 60;

export interface HybridRanking {
  /**
   * How the keyword hits whose title holds every query word are treated: 'rrf' fuses them like any hit, 'pin' puts
   * them first (in keyword order) and fuses the rest below them; 'pin-fused' pins them too but orders them by
   * their fused score.
   */
  titleMatches: 'rrf' | 'pin' | 'pin-fused';
}
/** Served: pin, the tier in keyword (title-fit) order (EVAL.md, task 4: known-item hit@10 0.990 / 0.975 vs pin-fused 0.990 / 0.965). */
export const SERVED_HYBRID_RANKING: HybridRanking = { titleMatches: 'pin' };

/** Fuses ranked lists by reciprocal rank; ties keep the better best-rank, then the lower seq (deterministic). */
export function reciprocalRankFusion(lists: Ranked[][], k: number): Ranked[] {
  const fused = new Map<number, { score: number; best: number }>();
  for (const list of lists) {
    list.forEach(({ seq }, i) => {
      const entry = fused.get(seq) ?? { score: 0, best: Infinity };
      entry.score += 1 / (RRF_K + i + 1);
      entry.best = Math.min(entry.best, i);
      fused.set(seq, entry);
    });
  }
  return [...fused]
    .sort(([sa, a], [sb, b]) => b.score - a.score || a.best - b.best || sa - sb)
    .slice(0, k)
    .map(([seq, { score }]) => ({ seq, score }));
}

/**
 * The hybrid list: reciprocal-rank fusion of `semantic` and `keyword`, except that with 'pin' the keyword hits
 * flagged `title` (every query word in the title: what someone typing remembered title words means) come first.
 * RRF alone ranks a paper high in one list only below papers that are fair in both, which buried those known items.
 * Pinned hits score above every fused one (1 + their RRF score), so scores stay decreasing down the list.
 */
export function hybridFusion(semantic: Ranked[], keyword: KeywordHit[], k: number, ranking: HybridRanking = SERVED_HYBRID_RANKING): Ranked[] {
  const fused = reciprocalRankFusion([semantic, keyword], Infinity);
  if (ranking.titleMatches === 'rrf') return fused.slice(0, k);
  const titled = new Set(keyword.filter((h) => h.title).map((h) => h.seq));
  if (titled.size === 0) return fused.slice(0, k);
  const rrf = new Map(fused.map((r) => [r.seq, r.score]));
  const pinned = keyword.filter((h) => titled.has(h.seq)).map((h) => ({ seq: h.seq, score: 1 + rrf.get(h.seq)! }));
  if (ranking.titleMatches === 'pin-fused') pinned.sort((a, b) => b.score - a.score || a.seq - b.seq);
  return [...pinned, ...fused.filter((r) => !titled.has(r.seq))].slice(0, k);
}

/** What hybrid search needs of the lexicon: tf-idf cosines of a query's term vector. */
export type LexicalScorer = Pick<Lexicon, 'cosines'>;

/**
 * The keyword list of hybrid search without a full-text ranking over the corpus: the title-tier hits as they come,
 * then the pool — the keyword candidates (papers holding every word) and the semantic list — ranked by the
 * lexicon's tf-idf cosine with the query, at most `depth` in all. A semantic-list paper sharing no counted term is
 * left out (no lexical match); a keyword candidate with cosine 0 (its words are too common to count in the lexicon,
 * or match only after stemming) still holds every word, so it stays, after the others, in the store's order.
 * The cosines cost the pool's own terms (~0.4 ms per 200 papers); an FTS5 OR with bm25 read most of the corpus.
 */
export function lexicalList(keyword: KeywordHit[], semantic: Ranked[], lexicon: LexicalScorer, query: string, depth: number): KeywordHit[] {
  const tier = keyword.filter((h) => h.title);
  const inTier = new Set(tier.map((h) => h.seq));
  const candidates = keyword.filter((h) => !h.title).map((h) => h.seq);
  const isCandidate = new Set(candidates);
  const pool = [...new Set([...candidates, ...semantic.map((r) => r.seq)])].filter((s) => !inTier.has(s));
  const cos = lexicon.cosines(termVector(cleanText(query)), pool);
  const ranked = pool
    .map((seq, i) => ({ seq, score: cos[i], at: i }))
    .filter((h) => h.score > 0 || isCandidate.has(h.seq))
    .sort((a, b) => b.score - a.score || (a.score === 0 ? a.at - b.at : a.seq - b.seq))
    .map(({ seq, score }) => ({ seq, score }));
  return [...tier, ...ranked].slice(0, Math.max(depth, tier.length));
}
