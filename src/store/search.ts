import type Database from 'better-sqlite3';

import type { KeywordHit } from './ports.js';

export type { KeywordHit } from './ports.js';

/** Words as unicode61 sees them: letters, digits and combining marks (naïve may arrive decomposed). */
const WORD = /[\p{L}\p{N}\p{M}]+/gu;
/** More terms add little relevance but cost a posting-list read each; a pasted abstract stays fast. */
export const MAX_QUERY_TERMS = 32;
/** A title match says more than an abstract match of the same word (bm25 column weights: title, abstract). */
const BM25 = 'bm25(papers_fts, 2.0, 1.0)';

const STOP_WORDS = new Set(
  'a an and are as at be by for from has have in into is it its of on or our that the their this to we with'.split(' '),
);

/**
 * The distinct words of a user query, lower-cased, in order of first appearance. Everything else (quotes,
 * operators, parentheses, column filters, `*`, `-`) is a separator, so none of it can reach FTS5 as syntax.
 */
export function queryTerms(q: string): string[] {
  const terms = new Set<string>();
  for (const m of q.toLowerCase().matchAll(WORD)) {
    terms.add(m[0]);
    if (terms.size >= MAX_QUERY_TERMS) break;
  }
  const words = [...terms];
  const content = words.filter((w) => !STOP_WORDS.has(w));
  return content.length > 0 ? content : words;
}

/**
 * An FTS5 MATCH expression made only of quoted strings. Quoting makes AND, OR, NOT, NEAR and column names plain
 * words; a term can hold no `"` (WORD excludes it), but it is doubled anyway so this stays safe if WORD changes.
 */
export function ftsExpression(terms: string[], op: 'AND' | 'OR'): string {
  return terms.map((t) => `"${t.replaceAll('"', '""')}"`).join(` ${op} `);
}

/**
 * Full-text search over title and abstract (porter-stemmed), best first by bm25, optionally only among `within`.
 *
 * The words are OR-ed: bm25 already ranks papers having more (and rarer) query words first, and unlike AND a
 * stray word does not lose the paper the other words describe. Measured as known-item search (2–3 random title
 * words, optionally plus one stray word from another title → is that paper in the top 10?), OR vs AND with OR
 * fallback when AND finds nothing: seed (310 papers) 0.967/0.977 (2 words), 1.000/1.000 (3), 0.987/0.920 (3 +
 * stray); 121k corpus 0.458/0.472, 0.742/0.763, 0.666/0.505. AND-then-fill-with-OR scored 0.622 with a stray word.
 * English stop words are dropped when other words remain: their bm25 weight is ~0 anyway (they occur in most
 * papers) but matching them makes FTS5 read and score nearly every row.
 * Returns [] for a query with no words (empty, punctuation only); never throws on user input.
 */
export class KeywordSearch {
  private readonly top: Database.Statement<[string, number], KeywordHit>;
  private readonly all: Database.Statement<[string], KeywordHit>;

  constructor(db: Database.Database) {
    const select = `SELECT rowid AS seq, -${BM25} AS score FROM papers_fts WHERE papers_fts MATCH ? ORDER BY ${BM25}, rowid`;
    this.top = db.prepare(`${select} LIMIT ?`);
    this.all = db.prepare(select);
  }

  search(query: string, limit: number, within: Set<number> | null): KeywordHit[] {
    const terms = queryTerms(query);
    if (terms.length === 0 || limit <= 0 || within?.size === 0) return [];
    const expr = ftsExpression(terms, 'OR');
    if (!within) return this.top.all(expr, limit);
    // FTS5 ranks every match before the first row comes out anyway; stepping through them and stopping at `limit`
    // rows in `within` is correct however few of the matches are in the window.
    const hits: KeywordHit[] = [];
    for (const hit of this.all.iterate(expr)) {
      if (!within.has(hit.seq)) continue;
      hits.push(hit);
      if (hits.length >= limit) break; // leaving the loop ends the iterator, which resets the statement
    }
    return hits;
  }
}
