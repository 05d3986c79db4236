import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { DatedWindow, PaperReads, StoredPaper } from '../store/ports.js';
import { withPapers } from './catalog.js';
import type { ResultCache } from './result-cache.js';

export const DEFAULT_TRENDING_DAYS = 7;
/** One star from one of our users counts like this many upvotes on the source (it is a stronger, local signal). */
export const STAR_WEIGHT = 3;
/** Hacker-News-style gravity: how fast age pulls a paper down. */
export const GRAVITY = 1.5;
/** How long a computed list may be served without checking the store again. */
export const TRENDING_CACHE_MAX_AGE_MS = 10_000;
/** Papers of a list read per turn of the event loop. */
const READ_SLICE = 250;

export const TRENDING_FORMULA =
  `score = (upvotes + ${STAR_WEIGHT}·stars + 1) / (ageDays + 2)^${GRAVITY}, where upvotes are the source's upvotes ` +
  `(none = 0), stars counts our users' stars of the paper, and ageDays = (until − published) − 1 in whole days, ` +
  'so a paper published on the last day of the window (the day before the exclusive `until`) has age 0 and one ' +
  'published on `since` of a 7-day window has age 6. Papers without a published date are in no window. Ties: ' +
  'newer published first, then id.';

export type TrendingWindow = DatedWindow;
export interface TrendingItem {
  paper: StoredPaper;
  score: number;
}

export interface TrendingInput {
  papers: PaperReads;
  /** Lists by (window, k), valid until the store changes (see ResultCache). */
  cache: ResultCache<TrendingItem[]>;
}

/**
 * The k most popular recent papers of a window: source upvotes plus our users' stars, decayed by age
 * (see TRENDING_FORMULA). Results are cached per (window, k) until the store changes, at most 10 s.
 */
export async function trending({ papers, cache }: TrendingInput, window: TrendingWindow, k: number): Promise<TrendingItem[]> {
  const key = JSON.stringify([window.since, window.until, window.category ?? null, k]);
  const items = await cache.get(key, async () => {
    const ranked = await papers.trending(window, k, { starWeight: STAR_WEIGHT, gravity: GRAVITY });
    // The ranking statement (~30 ms for the whole corpus) and the papers in slices each get their own turn of the
    // event loop: with k = 1000 the three together blocked it for ~50 ms (BENCHMARKS.md, k = 1000).
    const items: TrendingItem[] = [];
    for (let from = 0; from < ranked.length; from += READ_SLICE) {
      await yieldToEventLoop();
      items.push(...(await withPapers(ranked.slice(from, from + READ_SLICE), (seqs) => papers.bySeqs(seqs))));
    }
    return items;
  });
  return [...items];
}
