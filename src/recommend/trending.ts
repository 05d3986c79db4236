import type Database from 'better-sqlite3';
import type { Paperfeed } from '../service.js';
import type { StoredPaper, Window } from '../store/store.js';
import { storeCache } from './store-cache.js';

export const DEFAULT_TRENDING_DAYS = 7;
/** One star from one of our users counts like this many upvotes on the source (it is a stronger, local signal). */
export const STAR_WEIGHT = 3;
/** Hacker-News-style gravity: how fast age pulls a paper down. */
export const GRAVITY = 1.5;
/** How long a computed list may be served without checking the store again. */
const CACHE_MAX_AGE_MS = 10_000;
const CACHE_MAX_ENTRIES = 64;

export const TRENDING_FORMULA =
  `score = (upvotes + ${STAR_WEIGHT}·stars + 1) / (ageDays + 2)^${GRAVITY}, where upvotes are the source's upvotes ` +
  `(none = 0), stars counts our users' stars of the paper, and ageDays = (until − published) − 1 in whole days, ` +
  'so a paper published on the last day of the window (the day before the exclusive `until`) has age 0 and one ' +
  'published on `since` of a 7-day window has age 6. Papers without a published date are in no window. Ties: ' +
  'newer published first, then id.';

export type TrendingWindow = Window & { since: string; until: string };
export interface TrendingItem {
  paper: StoredPaper;
  score: number;
}

interface Ranked {
  seq: number;
  score: number;
}

interface TrendingState {
  rank: Database.Statement<{ since: string; until: string; category: string | null; k: number }, Ranked>;
}

const states = new WeakMap<Database.Database, TrendingState>();

function stateFor(db: Database.Database): TrendingState {
  let s = states.get(db);
  if (!s) {
    s = {
      // Window and category filter, star counts and score in one statement: only the top k rows leave SQLite.
      // published is YYYY-MM-DD, so julianday() differences are whole days.
      rank: db.prepare(`
        SELECT p.seq AS seq,
               (coalesce(p.upvotes, 0) + ${STAR_WEIGHT} * coalesce(s.n, 0) + 1)
                 / pow((julianday(@until) - julianday(p.published) - 1) + 2, ${GRAVITY}) AS score
          FROM papers p
          LEFT JOIN (SELECT paper_id, count(*) AS n FROM stars GROUP BY paper_id) s ON s.paper_id = p.id
         WHERE p.published >= @since AND p.published < @until
           AND (@category IS NULL OR EXISTS (SELECT 1 FROM json_each(p.categories) WHERE value = @category))
         ORDER BY score DESC, p.published DESC, p.id
         LIMIT @k`),
    };
    states.set(db, s);
  }
  return s;
}

/**
 * The k most popular recent papers of a window: source upvotes plus our users' stars, decayed by age
 * (see TRENDING_FORMULA). Results are cached per (window, k) until the store changes, at most 10 s.
 */
export function trending(feed: Paperfeed, window: TrendingWindow, k: number): TrendingItem[] {
  const s = stateFor(feed.store.db);
  const category = window.category ?? null;
  const key = JSON.stringify([window.since, window.until, category, k]);
  const items = storeCache<TrendingItem[]>(feed.store.db, 'trending', CACHE_MAX_ENTRIES, CACHE_MAX_AGE_MS).get(key, () => {
    const ranked = s.rank.all({ since: window.since, until: window.until, category, k });
    const score = new Map(ranked.map((r) => [r.seq, r.score]));
    return feed.store.getPapersBySeqs(ranked.map((r) => r.seq)).map((paper) => ({ paper, score: score.get(paper.seq)! }));
  });
  return [...items];
}
