import Database from 'better-sqlite3';

import type { KeywordHit, KeywordOptions } from './ports.js';
import { orderTitleTier } from './title-match.js';

export type { KeywordHit, KeywordOptions } from './ports.js';

/** Words as unicode61 sees them: letters, digits and combining marks (naïve may arrive decomposed). */
const WORD = /[\p{L}\p{N}\p{M}]+/gu;
/** More terms add little relevance but cost a posting-list read each; a pasted abstract stays fast. */
export const MAX_QUERY_TERMS = 32;
/** How keyword search ranks; the defaults are what is served (EVAL.md, known-item and topical search). */
export interface KeywordRanking {
  /** bm25 column weight of the title against 1 for the abstract. */
  titleWeight: number;
  /** Papers whose title holds every query word come first (the title tier), then the other matches. */
  titleFirst: boolean;
  /** Order inside the tier: bm25, or how well the title fits the words (title-match.ts). */
  tierOrder: 'bm25' | 'fit';
  /**
   * Below the tier: 'or' = every word OR-ed, by bm25; 'and' = papers holding every word, then (if too few) those
   * holding all but one, then any rare word, each step by bm25 below the one before; 'rare-or' = papers holding any
   * rare word or every common one, by bm25 (the OR ranking without the papers that match only common words), then
   * (if too few) all words but one.
   */
  rest: 'or' | 'and' | 'rare-or';
}
/** Added to the score of a title-tier hit, so scores still fall down the list (bm25 and ts_rank stay far below). */
export const TITLE_TIER_BONUS = 1000;
/** At most this many title-tier papers are ordered (the newest, when more hold every word: then none is special). */
export const TITLE_TIER_CAP = 2000;
/** A word in more than this share of the papers (and, in SQLite, more than COMMON_WORD_MIN of them) never makes a fallback match alone: both engines. */
export const COMMON_WORD_SHARE = 0.05;
export const COMMON_WORD_MIN = 1000;

/**
 * Served: title tier ordered by fit, then rare-or by bm25 (title weight 2). EVAL.md, task 4 (dev / test), and
 * BENCHMARKS.md (an OR over common words scores most of the corpus: 26 ms of 32 ms per hybrid search).
 */
export const SERVED_KEYWORD_RANKING: KeywordRanking = { titleWeight: 2, titleFirst: true, tierOrder: 'fit', rest: 'rare-or' };

export const STOP_WORDS: ReadonlySet<string> = new Set(
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
 * Full-text search over title and abstract (porter-stemmed), best first, optionally only among `within`.
 *
 * Served order (SERVED_KEYWORD_RANKING): the title tier — papers whose title holds every query word, ordered by how
 * well the title fits the words (title-match.ts) — then, by bm25, the papers holding any rare word or every common
 * one (the OR ranking without the papers that match only on common words: a stray word loses nothing), then, if
 * those are too few, all words but one. No step ORs a lone common word: FTS5 would read and bm25-score most of the
 * corpus (26 ms for a 5-word query on 125k papers, BENCHMARKS.md). A word is common in more than
 * max(COMMON_WORD_MIN, COMMON_WORD_SHARE × papers) papers (counted by FTS5, stopping there).
 * English stop words are dropped when other words remain: they occur in most papers and weigh ~0.
 * Returns [] for a query with no words (empty, punctuation only); never throws on user input.
 */
export class KeywordSearch {
  private readonly top: Database.Statement<[string, number], KeywordHit>;
  private readonly all: Database.Statement<[string], KeywordHit>;
  private readonly matching: Database.Statement<[string], number>;
  private readonly titles: Database.Statement<[string], { seq: number; title: string }>;
  private readonly present: Database.Statement<[string, number], number>;
  private readonly papers: Database.Statement<[], number | null>;

  constructor(
    db: Database.Database,
    private readonly ranking: KeywordRanking = SERVED_KEYWORD_RANKING,
  ) {
    const bm25 = `bm25(papers_fts, ${Number(ranking.titleWeight)}, 1.0)`;
    const select = `SELECT rowid AS seq, -${bm25} AS score FROM papers_fts WHERE papers_fts MATCH ? ORDER BY ${bm25}, rowid`;
    this.top = db.prepare(`${select} LIMIT ?`);
    this.all = db.prepare(select);
    // No rank and rowids only: FTS5 merges the posting lists in rowid order (ORDER BY rowid DESC, or reading the
    // title through the content table, cost ~40% more per query on 125k papers).
    this.matching = db.prepare<[string], number>('SELECT rowid FROM papers_fts WHERE papers_fts MATCH ?').pluck();
    this.titles = db.prepare<[string], { seq: number; title: string }>('SELECT seq, title FROM papers WHERE seq IN (SELECT value FROM json_each(?))');
    this.present = db.prepare<[string, number], number>(`SELECT count(*) FROM (SELECT 1 FROM papers_fts WHERE papers_fts MATCH ? LIMIT ?)`).pluck();
    this.papers = db.prepare<[], number | null>('SELECT max(seq) FROM papers').pluck();
  }

  search(query: string, limit: number, within: Set<number> | null, options: KeywordOptions = {}): KeywordHit[] {
    const terms = queryTerms(query);
    if (terms.length === 0 || limit <= 0 || within?.size === 0) return [];
    const out = this.ranking.titleFirst ? this.titleTier(terms, limit, within) : [];
    const seen = new Set(out.map((h) => h.seq));
    const add = (hits: KeywordHit[]) => {
      for (const h of hits) {
        if (out.length >= limit) return;
        if (!seen.has(h.seq)) out.push(h), seen.add(h.seq);
      }
    };
    if (out.length >= limit) return out;
    if (options.candidates) {
      add(this.unranked(ftsExpression(terms, 'AND'), limit - out.length, within, seen));
      return out;
    }
    for (const expr of this.steps(terms)) {
      add(this.run(expr, limit + seen.size, within));
      if (out.length >= limit) break;
    }
    return out;
  }

  /** The match expressions tried in turn (KeywordRanking.rest). */
  private *steps(terms: string[]): Generator<string> {
    if (this.ranking.rest === 'or') return yield ftsExpression(terms, 'OR');
    const allButOne = () => terms.map((skip) => `(${ftsExpression(terms.filter((t) => t !== skip), 'AND')})`).join(' OR ');
    if (this.ranking.rest === 'rare-or') {
      const rare = this.rare(terms);
      const common = terms.filter((t) => !rare.includes(t));
      // Every common word together, as one more alternative, only when that is a real restriction (2 or more of
      // them) or all there is: one common word alone would match (and bm25-score) most of the corpus again.
      const together = common.length >= 2 || (common.length === 1 && rare.length === 0) ? [`(${ftsExpression(common, 'AND')})`] : [];
      yield [...rare.map((t) => ftsExpression([t], 'AND')), ...together].join(' OR ');
      if (terms.length >= 3 && common.length > 1) yield allButOne();
      return;
    }
    yield ftsExpression(terms, 'AND');
    if (terms.length >= 3) yield allButOne();
    if (terms.length < 2) return;
    const rare = this.rare(terms);
    if (rare.length) yield ftsExpression(rare, 'OR');
  }

  /** The words in at most max(COMMON_WORD_MIN, COMMON_WORD_SHARE × papers) papers (counting stops there). */
  private rare(terms: string[]): string[] {
    const common = Math.ceil(Math.max(COMMON_WORD_MIN, COMMON_WORD_SHARE * (this.papers.get() ?? 0)));
    return terms.filter((t) => this.present.get(ftsExpression([t], 'AND'), common + 1)! <= common);
  }

  /** Papers whose title holds every word: by bm25, or the newest TITLE_TIER_CAP ordered by fit. Flagged `title`. */
  private titleTier(terms: string[], limit: number, within: Set<number> | null): KeywordHit[] {
    const expr = `{title} : (${ftsExpression(terms, 'AND')})`;
    if (this.ranking.tierOrder === 'bm25') return this.run(expr, limit, within).map((h) => ({ seq: h.seq, score: h.score + TITLE_TIER_BONUS, title: true }));
    const seqs = this.newest(expr, TITLE_TIER_CAP, within);
    if (seqs.length === 0) return [];
    const hits = this.titles.all(JSON.stringify(seqs));
    return orderTitleTier(terms, hits, STOP_WORDS).slice(0, limit).map((h) => ({ seq: h.seq, score: TITLE_TIER_BONUS + h.fit, title: true }));
  }

  /** The papers holding every word, unranked: the newest `limit` (not in `exclude`), score 0. */
  private unranked(expr: string, limit: number, within: Set<number> | null, exclude: Set<number>): KeywordHit[] {
    return this.newest(expr, limit + exclude.size, within).filter((seq) => !exclude.has(seq)).slice(0, limit).map((seq) => ({ seq, score: 0 }));
  }

  /** The `keep` highest seqs matching `expr` (in `within`), highest first: the newest papers. */
  private newest(expr: string, keep: number, within: Set<number> | null): number[] {
    const last: number[] = [];
    for (const seq of this.matching.iterate(expr)) {
      if (within && !within.has(seq)) continue;
      last.push(seq);
      if (last.length >= 2 * keep) last.splice(0, keep); // ascending rowids: the newest are the last
    }
    return last.slice(-keep).reverse();
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
