import type Database from 'better-sqlite3';
import type { LexiconRow, TermRow, TextRow } from './ports.js';
import { termsFromBytes, termsToBytes } from './vector-bytes.js';

/** The papers' stored term vectors (table paper_terms) in the SQLite store. */
export class TermStore {
  private readonly stmt;

  constructor(private readonly db: Database.Database) {
    this.stmt = {
      put: db.prepare<[number, Buffer]>('INSERT INTO paper_terms (paper_seq, terms) VALUES (?, ?) ON CONFLICT(paper_seq) DO UPDATE SET terms = excluded.terms'),
      get: db.prepare<[number], { terms: Buffer; categories: string }>(
        'SELECT t.terms, p.categories FROM paper_terms t JOIN papers p ON p.seq = t.paper_seq WHERE t.paper_seq = ?',
      ),
      page: db.prepare<[number, number], { seq: number; terms: Buffer; categories: string }>(
        `SELECT t.paper_seq AS seq, t.terms, p.categories FROM paper_terms t JOIN papers p ON p.seq = t.paper_seq
          WHERE t.paper_seq > ? ORDER BY t.paper_seq LIMIT ?`,
      ),
      allHaveTerms: db.prepare<[], number>('SELECT (SELECT count(*) FROM papers) = (SELECT count(*) FROM paper_terms)').pluck(),
      exists: db.prepare<[number], number>('SELECT 1 FROM papers WHERE seq = ?').pluck(),
      missing: db.prepare<[number, number], TextRow>(
        `SELECT seq, title, abstract FROM papers p
          WHERE seq > ? AND NOT EXISTS (SELECT 1 FROM paper_terms t WHERE t.paper_seq = p.seq) ORDER BY seq LIMIT ?`,
      ),
    };
  }

  /** Inside the caller's transaction (writeBatch): a paper's new term vector. */
  put(seq: number, terms: Uint32Array): void {
    this.stmt.put.run(seq, termsToBytes(terms));
  }

  /** A paper's term vector and categories, or null when it is gone (or has no term vector yet). */
  get(seq: number): LexiconRow | null {
    const row = this.stmt.get.get(seq);
    return row ? { seq, terms: termsFromBytes(row.terms), categories: JSON.parse(row.categories) } : null;
  }

  /** Every stored term vector with its paper's categories, page by page (no statement stays open between pages). */
  *all(pageSize = 4096): IterableIterator<LexiconRow[]> {
    for (let after = -1; ; ) {
      const page = this.stmt.page.all(after, pageSize);
      yield page.map((r) => ({ seq: r.seq, terms: termsFromBytes(r.terms), categories: JSON.parse(r.categories) }));
      if (page.length < pageSize) return;
      after = page[page.length - 1].seq;
    }
  }

  missing(after: number, limit: number): TextRow[] {
    if (after < 0 && this.stmt.allHaveTerms.get()) return []; // the usual start: two counts, not a scan
    return this.stmt.missing.all(after, limit);
  }

  /** Term vectors computed for papers stored without one; papers deleted meanwhile are skipped. */
  save(rows: readonly TermRow[]): void {
    this.db.transaction(() => {
      for (const r of rows) if (this.stmt.exists.get(r.seq)) this.put(r.seq, r.terms);
    }).immediate();
  }
}
