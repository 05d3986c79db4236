import type pg from 'pg';
import type { KeywordHit } from '../ports.js';
import { queryTerms, TITLE_TIER_BONUS } from '../search.js';

/** ts_rank weights for D, C, B, A: a title word (A) counts twice an abstract word (B), as in the SQLite bm25. */
const WEIGHTS = '{0, 0, 0.5, 1.0}';
/**
 * The most OR matches ranked per query. ts_rank is computed per matching row, and a query with a common word
 * matches most of the corpus; the rows kept are the ones matching the most query words (GIN order otherwise).
 */
export const OR_CANDIDATE_CAP = 5000;

/**
 * Keyword search on PostgreSQL over the narrow paper_search table (seq, weighted tsvector), best first.
 *
 * Unlike FTS5's bm25, ts_rank has no inverse document frequency, so OR-ing every word ranks papers that repeat a
 * common word above the one the rare words describe. Hence AND first (every content word must match: few rows,
 * ranked cheaply), then, only if that leaves fewer than `limit` hits, OR-matches ranked by how many query words
 * they contain and then ts_rank, appended after the AND hits. Among the AND hits, those whose title (weight A) holds
 * every word come first, flagged `title`, as in the SQLite search (the known-item tier, EVAL.md). Query words go through queryTerms (letters and digits
 * only) and then into plainto_tsquery one by one, so no user input is ever parsed as tsquery syntax.
 */
export class PgKeywordSearch {
  constructor(private readonly pool: pg.Pool) {}

  async search(query: string, limit: number, within: Set<number> | null): Promise<KeywordHit[]> {
    const terms = queryTerms(query);
    if (terms.length === 0 || limit <= 0 || within?.size === 0) return [];
    const seqs = within ? [...within] : null;
    const all = await this.run(terms, 'AND', limit, seqs);
    if (all.length >= limit || terms.length === 1) return all;
    const seen = new Set(all.map((h) => h.seq));
    for (const hit of await this.run(terms, 'OR', limit + all.length, seqs)) {
      if (seen.has(hit.seq)) continue;
      all.push(hit);
      if (all.length >= limit) break;
    }
    return all;
  }

  private async run(terms: string[], op: 'AND' | 'OR', limit: number, within: number[] | null): Promise<KeywordHit[]> {
    // One tsquery per word (a stop word gives an empty one, which matches nothing and is dropped), combined here.
    const sql = `
      WITH words AS (
        SELECT plainto_tsquery('english', t) AS w FROM unnest($1::text[]) t
      ), q AS (
        SELECT (SELECT string_agg('(' || w::text || ')', ' ${op === 'AND' ? '&' : '|'} ') FROM words WHERE w::text <> '')::tsquery AS q
      ), hits AS (
        SELECT s.seq, s.doc,
               (SELECT count(*) FROM words WHERE w::text <> '' AND s.doc @@ w) AS matched
          FROM paper_search s, q
         WHERE q.q IS NOT NULL AND s.doc @@ q.q AND ($3::int[] IS NULL OR s.seq = ANY ($3::int[]))
         ${op === 'OR' ? `ORDER BY matched DESC LIMIT ${OR_CANDIDATE_CAP}` : ''}
      ), ranked AS (
        SELECT h.seq, ${op === 'AND' ? `ts_filter(h.doc, '{a}') @@ q.q` : 'false'} AS title,
               (h.matched + ts_rank('${WEIGHTS}', h.doc, q.q))::float8 AS relevance
          FROM hits h, q
      )
      SELECT seq, title, relevance + CASE WHEN title THEN ${TITLE_TIER_BONUS} ELSE 0 END AS score
        FROM ranked
       ORDER BY title DESC, relevance DESC, seq
       LIMIT $2`;
    const rows = (await this.pool.query<KeywordHit & { title: boolean }>(sql, [terms, limit, within])).rows;
    return rows.map((r) => (r.title ? r : { seq: r.seq, score: r.score }));
  }
}
