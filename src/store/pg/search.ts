import type pg from 'pg';
import type { KeywordHit, KeywordOptions, Window } from '../ports.js';
import { COMMON_WORD_SHARE, queryTerms, STOP_WORDS, TITLE_TIER_BONUS, TITLE_TIER_CAP } from '../search.js';
import { orderTitleTier } from '../title-match.js';
import { pgTermStats, type TermStats } from './term-stats.js';

/**
 * The most candidates a step scores: the first step's (every word), which runs beside the title tier, and the
 * fallbacks' (a rare query word, or all but one of them). The cap only bites on huge candidate sets (then the rows
 * kept are arbitrary among them, in GIN order); before the first step ran beside the tier it was uncapped when the
 * tier was empty.
 */
export const FALLBACK_CANDIDATE_CAP = 4000;

/** A query word as PostgreSQL's english configuration stems it, with its inverse document frequency. */
interface Term {
  lexeme: string;
  idf: number;
}

/**
 * Keyword search on PostgreSQL over the narrow paper_search table (seq, weighted tsvector: title A, abstract B).
 *
 * Score: Σ idf(word) over the query words a paper contains, counted twice for a word in its title (bm25's column
 * weights in the SQLite engine), plus ts_rank as a tie-break. The idf comes from the statistics ANALYZE keeps on the
 * tsvector column (term-stats.ts), not from a per-query count: ts_rank alone has no idf, and a word like "model"
 * (in 78% of the papers) then outranks the rare words that describe the paper someone is looking for.
 * Papers whose title (weight A) holds every query word come first, flagged `title` and scored TITLE_TIER_BONUS
 * higher, as in the SQLite search (the known-item tier, EVAL.md task 4).
 *
 * Two steps keep the rows scored few: papers having every word (GIN intersects the posting lists: cheap); only if
 * those are fewer than `limit`, papers having a rare word or all words but one, at most FALLBACK_CANDIDATE_CAP of
 * them. An OR over every word would make PostgreSQL read and score most of the corpus for any query with a common
 * word in it (hundreds of ms). Query words go through queryTerms (letters and digits only) and then through
 * plainto_tsquery one by one; the tsquery text is built only from the lexemes PostgreSQL returned (quoted), so no
 * user input is ever parsed as tsquery syntax. The window (dates, category) is a condition on papers (joined for the
 * steps), not a list of seqs.
 */
export class PgKeywordSearch {
  private readonly stats: TermStats;

  constructor(private readonly pool: pg.Pool) {
    this.stats = pgTermStats(pool);
  }

  async search(query: string, limit: number, window: Window, options: KeywordOptions = {}): Promise<KeywordHit[]> {
    const words = queryTerms(query);
    if (words.length === 0 || limit <= 0) return [];
    const terms = await this.terms(words);
    if (terms.length === 0) return [];
    const [first, ...rest] = options.candidates ? this.steps(terms).slice(0, 1) : this.steps(terms);
    // The title tier and the first step at once (two connections): one round trip of waiting instead of two. The
    // first step cannot exclude the tier's papers it does not know yet; every tier paper holds every word, so it
    // asks for `limit` more than needed and drops them here. (Running the later steps beside them too, when the
    // words look rare together, made the median query slower: 5.5 → 9–10 ms, two cores shared by four queries.)
    const [hits, found] = await Promise.all([this.titleTier(words, terms, limit, window), this.scored(terms, first, 2 * limit, window, null, true)]);
    const add = (more: (KeywordHit & { title?: boolean })[]) => {
      const seen = new Set(hits.map((h) => h.seq));
      // Title matches beyond the tier's cap come here as ordinary hits (as on SQLite), so scores keep falling.
      for (const h of more) {
        if (hits.length >= limit || seen.has(h.seq)) continue;
        hits.push(h.title ? { seq: h.seq, score: h.score - TITLE_TIER_BONUS } : h);
        seen.add(h.seq);
      }
    };
    add(found);
    for (const step of rest) {
      if (hits.length >= limit) break;
      add(await this.scored(terms, step, limit - hits.length, window, hits.length ? hits.map((h) => h.seq) : null));
    }
    return hits;
  }

  /**
   * The title tier as on SQLite: the newest TITLE_TIER_CAP papers whose title holds every word, ordered by how well
   * the title fits the words (title-match.ts), flagged `title`. Read through the GIN index on the titles' tsvector
   * (migration 10): the same lexemes as paper_search's weight-A part, but a weighted query on paper_search cannot be
   * answered by its index alone (every paper holding the words anywhere is read and rechecked: 100–250 ms for two
   * common words on 125k papers). MATERIALIZED keeps the planner from walking the primary key backwards for the
   * ORDER BY and testing every title on the way.
   */
  private async titleTier(words: string[], terms: Term[], limit: number, w: Window): Promise<KeywordHit[]> {
    const params: unknown[] = [and(terms)];
    const $ = (value: unknown) => `$${params.push(value)}`;
    const where = [`to_tsvector('english'::regconfig, p.title) @@ $1::tsquery`];
    if (w.since) where.push(`p.published >= ${$(w.since)}::text`);
    if (w.until) where.push(`p.published < ${$(w.until)}::text`);
    if (w.category) where.push(`${$(w.category)}::text = ANY (p.categories)`);
    const sql = `WITH m AS MATERIALIZED (SELECT p.seq, p.title FROM papers p WHERE ${where.join(' AND ')}) SELECT seq, title FROM m ORDER BY seq DESC LIMIT ${TITLE_TIER_CAP}`;
    const rows = (await this.pool.query<{ seq: number; title: string }>(sql, params)).rows;
    return orderTitleTier(words, rows, STOP_WORDS).slice(0, limit).map((h) => ({ seq: h.seq, score: TITLE_TIER_BONUS + h.fit, title: true }));
  }

  /**
   * The tsqueries tried in turn until `limit` papers are found: every word; all words but one (3 words or more);
   * any rare word. Each later step ranks below the ones before, as papers matching fewer of the words.
   */
  private steps(terms: Term[]): string[] {
    const steps = [and(terms)];
    if (terms.length >= 3) steps.push(terms.map((skip) => `(${and(terms.filter((t) => t !== skip))})`).join(' | '));
    const rare = terms.filter((t) => t.idf >= this.stats.idfOfShare(COMMON_WORD_SHARE));
    if (terms.length >= 2 && rare.length) steps.push(rare.map((t) => quote(t.lexeme)).join(' | '));
    return steps;
  }

  /** Lexemes (stop words dropped, duplicates after stemming merged) with their idf, rarest first. */
  private async terms(words: string[]): Promise<Term[]> {
    const [lexemes, idf] = await Promise.all([this.stats.lexemes(words), this.stats.idf()]);
    return [...new Set(lexemes)].map((lexeme) => ({ lexeme, idf: idf(lexeme) })).sort((a, b) => b.idf - a.idf);
  }

  /** One step's papers, best first; at most FALLBACK_CANDIDATE_CAP candidates scored when `exclude` is given or `capped`. */
  private async scored(terms: Term[], tsquery: string, limit: number, w: Window, exclude: number[] | null, capped = false): Promise<(KeywordHit & { title?: boolean })[]> {
    const params: unknown[] = [tsquery, limit, terms.map((t) => `${quote(t.lexeme)}:A`).join(' & ')];
    const $ = (value: unknown) => `$${params.push(value)}`;
    const where = [`s.doc @@ $1::tsquery`];
    if (w.since) where.push(`p.published >= ${$(w.since)}::text`);
    if (w.until) where.push(`p.published < ${$(w.until)}::text`);
    if (w.category) where.push(`${$(w.category)}::text = ANY (p.categories)`);
    const windowed = where.length > 1;
    if (exclude) where.push(`s.seq <> ALL (${$(exclude)}::int[])`);
    // Per word: its idf if the paper has it, twice if in the title. Written out word by word rather than as a
    // subquery over a table of the words per candidate: 19 instead of 22.5 ms for 4,000 candidates, and the bench's
    // p50 5.2 → 4.5 ms (BENCHMARKS.md, bench:replicas eighth run).
    const perWord = terms.map(
      (t) => `${$(t.idf)}::float8 * CASE WHEN h.doc @@ ${$(quote(t.lexeme))}::tsquery THEN 1 + (h.doc @@ ${$(`${quote(t.lexeme)}:A`)}::tsquery)::int ELSE 0 END`,
    );
    const sql = `
      WITH hits AS (
        SELECT s.seq, s.doc FROM paper_search s ${windowed ? 'JOIN papers p ON p.seq = s.seq' : ''}
         WHERE ${where.join(' AND ')}
         ${exclude || capped ? `LIMIT ${FALLBACK_CANDIDATE_CAP}` : ''}
      ), ranked AS (
        SELECT h.seq, h.doc @@ $3::tsquery AS title, (${perWord.join(' + ')} + ts_rank('{0, 0, 0.5, 1.0}', h.doc, $1::tsquery))::float8 AS relevance
          FROM hits h
      )
      SELECT seq, title, relevance + CASE WHEN title THEN ${TITLE_TIER_BONUS} ELSE 0 END AS score
        FROM ranked
       ORDER BY title DESC, relevance DESC, seq
       LIMIT $2`;
    const rows = (await this.pool.query<KeywordHit & { title: boolean }>(sql, params)).rows;
    return rows.map((r) => (r.title ? r : { seq: r.seq, score: r.score }));
  }
}

/** A lexeme as a tsquery operand: quoted, quotes and backslashes escaped, so it is always one literal. */
const quote = (lexeme: string) => `'${lexeme.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
const and = (terms: Term[]) => terms.map((t) => quote(t.lexeme)).join(' & ');
