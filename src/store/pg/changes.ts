import type pg from 'pg';
import type { ChangeLog } from '../ports.js';
import { fromBytes, termsFromBytes } from '../vector-bytes.js';

const PAGE = 4096;

/**
 * The change log on PostgreSQL. head() is exact thanks to the append lock (writes.ts): every version up to the
 * head a reader sees has committed (or rolled back for good), so replaying (after, head] misses nothing.
 */
export function pgChangeLog(pool: pg.Pool): ChangeLog {
  const head = async () => (await pool.query<{ v: number }>('SELECT coalesce(max(version), 0) AS v FROM changes')).rows[0].v;
  return {
    head,
    // Paged by paper seq (no cursor stays open between pages, so callers may await between items).
    async *changesSince(after, model, upTo) {
      for (let fromSeq = -1; ; ) {
        const { rows } = await pool.query<{ seq: number; vec: Buffer | null }>(
          `SELECT c.seq, v.vec
             FROM (SELECT DISTINCT paper_seq AS seq FROM changes
                    WHERE version > $1 AND version <= $2 AND paper_seq > $3 ORDER BY 1 LIMIT ${PAGE}) c
             LEFT JOIN vectors v ON v.paper_seq = c.seq AND v.model = $4
            ORDER BY c.seq`,
          [after, upTo, fromSeq, model],
        );
        for (const r of rows) yield { seq: r.seq, vec: r.vec ? fromBytes(r.vec) : null };
        if (rows.length < PAGE) return;
        fromSeq = rows[rows.length - 1].seq;
      }
    },
    async *allVectors(model) {
      for (let fromSeq = -1; ; ) {
        const { rows } = await pool.query<{ seq: number; vec: Buffer }>(
          `SELECT paper_seq AS seq, vec FROM vectors WHERE model = $1 AND paper_seq > $2 ORDER BY paper_seq LIMIT ${PAGE}`,
          [model, fromSeq],
        );
        for (const r of rows) yield { seq: r.seq, vec: fromBytes(r.vec) };
        if (rows.length < PAGE) return;
        fromSeq = rows[rows.length - 1].seq;
      }
    },
    async *termsSince(after, upTo) {
      for (let fromSeq = -1; ; ) {
        const { rows } = await pool.query<{ seq: number; terms: Buffer | null; categories: string[] | null }>(
          `SELECT c.seq, t.terms, p.categories
             FROM (SELECT DISTINCT paper_seq AS seq FROM changes
                    WHERE version > $1 AND version <= $2 AND paper_seq > $3 ORDER BY 1 LIMIT ${PAGE}) c
             LEFT JOIN paper_terms t ON t.paper_seq = c.seq
             LEFT JOIN papers p ON p.seq = c.seq
            ORDER BY c.seq`,
          [after, upTo, fromSeq],
        );
        for (const r of rows) yield r.terms && r.categories ? { seq: r.seq, terms: termsFromBytes(r.terms), categories: r.categories } : { seq: r.seq, terms: null };
        if (rows.length < PAGE) return;
        fromSeq = rows[rows.length - 1].seq;
      }
    },
    async *allTerms() {
      for (let fromSeq = -1; ; ) {
        const { rows } = await pool.query<{ seq: number; terms: Buffer; categories: string[] }>(
          `SELECT t.paper_seq AS seq, t.terms, p.categories FROM paper_terms t JOIN papers p ON p.seq = t.paper_seq
            WHERE t.paper_seq > $1 ORDER BY t.paper_seq LIMIT ${PAGE}`,
          [fromSeq],
        );
        yield rows.map((r) => ({ seq: r.seq, terms: termsFromBytes(r.terms), categories: r.categories }));
        if (rows.length < PAGE) return;
        fromSeq = rows[rows.length - 1].seq;
      }
    },
    async countVectors(model) {
      return (await pool.query<{ n: number }>('SELECT count(*) AS n FROM vectors WHERE model = $1', [model])).rows[0].n;
    },
    // The write counters (bumped by statement triggers on papers, users, stars, feedback, visible at commit) and the
    // change-log head (vectors), read in one statement.
    async fingerprint() {
      const { rows } = await pool.query<{ n: number; v: number }>(
        'SELECT (SELECT sum(n) FROM write_counter)::int8 AS n, (SELECT coalesce(max(version), 0) FROM changes) AS v',
      );
      return `${rows[0].n}:${rows[0].v}`;
    },
  };
}
