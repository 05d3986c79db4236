import Database from 'better-sqlite3';

import type { KeywordHit } from './ports.js';

export type { KeywordHit } from './ports.js';

/** Words as unicode61 sees them: letters, digits and combining marks (naïve may arrive decomposed). */
const WORD = /[\p{L}\p{N}\p{M}]+/gu;
/** More terms add little relevance but cost a posting-list read each; a pasted abstract stays fast. */
export const MAX_QUERY_TERMS = 32;
/** How keyword search ranks; the defaults are what is served (EVAL.md, known-item and topical search). */
export interface KeywordRanking {
  /** bm25 column weight of the title against 1 for the abstract. */
  titleWeight: number;
  /** Papers whose title holds every query word come first (the title tier), then the OR matches. */
  titleFirst: boolean;
}
/** Added to the score of a title-tier hit, so scores still fall down the list (bm25 and ts_rank stay far below). */
export const TITLE_TIER_BONUS = 1000;

/**
 * Served: title tier first, bm25 title weight 2. Measured on the 121k corpus (EVAL.md, task 4, dev / test): known-item
 * hit@10 0.795 / 0.835 (OR only) → 0.970 / 0.945; OR with title weight 10 and no tier 0.930 / 0.895. Topical P@10
 * fell a little (0.064 → 0.049 dev, wide intervals).
 */
export const SERVED_KEYWORD_RANKING: KeywordRanking = { titleWeight: 2, titleFirst: true };

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

  constructor(
    db: Database.Database,
    private readonly ranking: KeywordRanking = SERVED_KEYWORD_RANKING,
  ) {
    const bm25 = `bm25(papers_fts, ${Number(ranking.titleWeight)}, 1.0)`;
    const select = `SELECT rowid AS seq, -${bm25} AS score FROM papers_fts WHERE papers_fts MATCH ? ORDER BY ${bm25}, rowid`;
    this.top = db.prepare(`${select} LIMIT ?`);
    this.all = db.prepare(select);
  }

  /**
   * Best first. With `titleFirst`, the papers whose title holds every query word come first (flagged `title`), by
   * bm25, then the other OR matches by bm25: someone typing words they remember from a title expects that paper on
   * top, and bm25 over title + abstract lets a long abstract repeating two of the words outrank it.
   */
  search(query: string, limit: number, within: Set<number> | null): KeywordHit[] {
    const terms = queryTerms(query);
    if (terms.length === 0 || limit <= 0 || within?.size === 0) return [];
    if (!this.ranking.titleFirst) return this.run(ftsExpression(terms, 'OR'), limit, within);
    const titled = this.run(`{title} : (${ftsExpression(terms, 'AND')})`, limit, within).map((h) => ({ seq: h.seq, score: h.score + TITLE_TIER_BONUS, title: true }));
    if (titled.length >= limit) return titled;
    const seen = new Set(titled.map((h) => h.seq));
    const rest = this.run(ftsExpression(terms, 'OR'), limit + titled.length, within).filter((h) => !seen.has(h.seq));
    return [...titled, ...rest].slice(0, limit);
  }

  private run(expr: string, limit: number, within: Set<number> | null): KeywordHit[] {
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

/**
 * A keyword index over the given papers alone, in memory (rowid = position in `docs`), with the store's FTS5
 * definition: lets the evaluation harness measure the served ranking on the real corpus without a store.
 */
export function memoryKeywordSearch(docs: { title: string; abstract: string }[], ranking?: KeywordRanking): { search: KeywordSearch; withRanking: (r: KeywordRanking) => KeywordSearch; close: () => void } {
  const db = new Database(':memory:');
  db.exec(`
    CREATE TABLE papers (seq INTEGER PRIMARY KEY, title TEXT NOT NULL, abstract TEXT NOT NULL);
    CREATE VIRTUAL TABLE papers_fts USING fts5(title, abstract, content='papers', content_rowid='seq', tokenize='porter unicode61');
  `);
  const insert = db.prepare('INSERT INTO papers (seq, title, abstract) VALUES (?, ?, ?)');
  db.transaction(() => docs.forEach((d, i) => insert.run(i, d.title, d.abstract)))();
  db.exec(`INSERT INTO papers_fts(papers_fts) VALUES ('rebuild')`);
  return { search: new KeywordSearch(db, ranking), withRanking: (r) => new KeywordSearch(db, r), close: () => db.close() };
}
