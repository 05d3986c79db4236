import { fromBytes } from '../vector-bytes.js';
import { readMeta } from '../paper-meta.js';
import type pg from 'pg';
import type { DatedWindow, KeywordHit, KeywordOptions, PaperReads, Ranked, StoredPaper, TrendingFormula, Window } from '../ports.js';
import { PgKeywordSearch } from './search.js';

export interface PaperRow {
  seq: number;
  id: string;
  title: string;
  abstract: string;
  authors: string[];
  published: string | null;
  categories: string[];
  upvotes: number | null;
  source: string | null;
  content_hash: string;
  meta: string;
}

export const PAPER_COLUMNS = 'p.seq, p.id, p.title, p.abstract, p.authors, p.published, p.categories, p.upvotes, p.source, p.content_hash, p.meta';

export function rowToPaper(r: PaperRow): StoredPaper {
  return {
    seq: r.seq,
    id: r.id,
    title: r.title,
    abstract: r.abstract,
    authors: r.authors,
    published: r.published,
    categories: r.categories,
    upvotes: r.upvotes,
    source: r.source,
    contentHash: r.content_hash,
    meta: readMeta(r.meta),
  };
}

/** Text PostgreSQL cannot hold (U+0000): no stored key contains it, so a lookup by it finds nothing. */
export const storable = (s: string) => !s.includes('\u0000');

/** Our users' stars per paper id, joined by trending and popularity. */
const STAR_COUNTS = '(SELECT paper_id, count(*) AS n FROM stars GROUP BY paper_id)';
/** The window filter every windowed statement shares: $1 since, $2 until, $3 category (or null). */
const IN_WINDOW = 'p.published >= $1::text AND p.published < $2::text AND ($3::text IS NULL OR $3 = ANY (p.categories))';

/** The papers port on PostgreSQL: one statement per call, whatever the batch size (arrays bound as `= ANY($n)`). */
export function pgPaperReads(pool: pg.Pool): PaperReads {
  const search = new PgKeywordSearch(pool);
  const q = async <R extends pg.QueryResultRow>(text: string, values: unknown[] = []) => (await pool.query<R>(text, values)).rows;
  return {
    async count() {
      return (await q<{ n: number }>('SELECT count(*) AS n FROM papers'))[0].n;
    },
    async byIds(ids) {
      if (ids.length === 0) return [];
      const rows = await q<PaperRow>(`SELECT ${PAPER_COLUMNS} FROM papers p WHERE p.id = ANY ($1::text[])`, [ids.filter(storable)]);
      const byId = new Map(rows.map((r) => [r.id, rowToPaper(r)]));
      return ids.map((id) => byId.get(id));
    },
    async bySeqs(seqs) {
      if (seqs.length === 0) return [];
      const rows = await q<PaperRow>(`SELECT ${PAPER_COLUMNS} FROM papers p WHERE p.seq = ANY ($1::int[])`, [seqs]);
      const bySeq = new Map(rows.map((r) => [r.seq, rowToPaper(r)]));
      return seqs.map((s) => bySeq.get(s)).filter((p): p is StoredPaper => p !== undefined);
    },
    async seqsInWindow(w: Window) {
      if (!w.since && !w.until && !w.category) return null;
      const rows = await q<{ seq: number }>(
        `SELECT p.seq FROM papers p WHERE ($1::text IS NULL OR p.published >= $1) AND ($2::text IS NULL OR p.published < $2)
            AND ($3::text IS NULL OR $3 = ANY (p.categories))`,
        [w.since ?? null, w.until ?? null, w.category ?? null],
      );
      return new Set(rows.map((r) => r.seq));
    },
    async newestPublished() {
      return (await q<{ d: string | null }>('SELECT max(published) AS d FROM papers'))[0].d ?? null;
    },
    async newestSeq() {
      return Number((await q<{ s: string | number | null }>('SELECT max(seq) AS s FROM papers'))[0].s ?? 0);
    },
    async papersPerDay(category) {
      const rows = await q<{ date: string; papers: string | number }>(
        `SELECT p.published AS date, count(*) AS papers FROM papers p
          WHERE p.published IS NOT NULL AND ($1::text IS NULL OR $1 = ANY (p.categories))
          GROUP BY p.published ORDER BY p.published`,
        [category ?? null],
      );
      return rows.map((r) => ({ date: r.date, papers: Number(r.papers) }));
    },
    async starCounts(ids) {
      if (ids.length === 0) return [];
      const rows = await q<{ id: string; n: number }>(
        'SELECT paper_id AS id, count(*) AS n FROM stars WHERE paper_id = ANY ($1::text[]) GROUP BY paper_id',
        [ids.filter(storable)],
      );
      const n = new Map(rows.map((r) => [r.id, r.n]));
      return ids.map((id) => n.get(id) ?? 0);
    },
    // The same formula as the SQLite engine's, in float8; published is YYYY-MM-DD, so date differences are whole days.
    async trending(w: DatedWindow, k: number, f: TrendingFormula): Promise<Ranked[]> {
      return q<Ranked>(
        // Candidates as in the SQLite engine (store.ts TRENDING_CANDIDATES): upvoted or starred papers, and the k newest.
        `WITH candidates AS (
           SELECT seq FROM papers p WHERE p.upvotes > 0 AND ${IN_WINDOW}
           UNION SELECT p.seq FROM papers p WHERE p.id IN (SELECT paper_id FROM stars) AND ${IN_WINDOW}
           UNION (SELECT seq FROM papers p WHERE ${IN_WINDOW} ORDER BY p.published DESC, p.id COLLATE "C" LIMIT $6))
         SELECT p.seq,
                (coalesce(p.upvotes, 0) + $4::float8 * coalesce(s.n, 0) + 1)
                  / power(($2::text::date - p.published::date - 1)::float8 + 2, $5::float8) AS score
           FROM candidates c JOIN papers p ON p.seq = c.seq LEFT JOIN ${STAR_COUNTS} s ON s.paper_id = p.id
          ORDER BY score DESC, p.published DESC, p.id COLLATE "C"
          LIMIT $6`,
        [w.since, w.until, w.category ?? null, f.starWeight, f.gravity, k],
      );
    },
    async popularity(w: DatedWindow, starWeight: number) {
      const rows = await q<{ seq: number; pop: number }>(
        `SELECT p.seq, coalesce(p.upvotes, 0) + $4::float8 * coalesce(s.n, 0) AS pop
           FROM papers p LEFT JOIN ${STAR_COUNTS} s ON s.paper_id = p.id
          WHERE ${IN_WINDOW} AND (coalesce(p.upvotes, 0) > 0 OR s.n > 0)`,
        [w.since, w.until, w.category ?? null, starWeight],
      );
      return new Map(rows.map((r) => [r.seq, r.pop]));
    },
    async popularityOf(seqs, starWeight) {
      if (seqs.length === 0) return [];
      const rows = await q<{ seq: number; pop: number }>(
        `SELECT p.seq, coalesce(p.upvotes, 0) + $2::float8 * (SELECT count(*) FROM stars s WHERE s.paper_id = p.id) AS pop
           FROM papers p WHERE p.seq = ANY ($1::int[])`,
        [seqs, starWeight],
      );
      const pop = new Map(rows.map((r) => [r.seq, Number(r.pop)]));
      return seqs.map((s) => pop.get(s) ?? 0);
    },
    keywordSearch: (query: string, limit: number, window: Window, options?: KeywordOptions): Promise<KeywordHit[]> => search.search(query, limit, window, options),
    async vectors(seqs, model) {
      if (seqs.length === 0) return [];
      const rows = await q<{ seq: number; vec: Buffer }>(
        'SELECT paper_seq AS seq, vec FROM vectors WHERE model = $1 AND paper_seq = ANY ($2::int[])',
        [model, seqs],
      );
      const bySeq = new Map(rows.map((r) => [r.seq, fromBytes(r.vec)]));
      return seqs.map((s) => bySeq.get(s));
    },
  };
}
