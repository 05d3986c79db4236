import type { Paperfeed } from '../service.js';
import type { StoredPaper, Window } from '../store/store.js';
import { candidateSeqs, diversify, meanStd, scoreAffinity, type Liked } from './affinity.js';
import { STAR_WEIGHT, trending } from './trending.js';

/** The personalised feed covers the last week of the corpus unless asked otherwise. */
export const DEFAULT_FEED_DAYS = 7;
/** At most this many of a user's most recent stars shape the feed. */
const MAX_STARS_USED = 200;
/**
 * Scores are calibrated per request: affinity in standard deviations over the candidates (z), so the weights below
 * mean the same whatever the model's cosine scale. A paper with 100 upvotes (or ~33 stars here) gains this many σ.
 */
const POPULARITY_WEIGHT = 0.5;
/** Papers the user marked as seen drop by this many σ (they stay, but below fresh ones). */
const SEEN_PENALTY = 0.5;

export interface FeedItem {
  paper: StoredPaper;
  score: number;
  reason: string;
}

const quote = (title: string) => `“${title.length > 90 ? `${title.slice(0, 87)}…` : title}”`;

function popularityNote(upvotes: number, stars: number): string {
  const parts = [];
  if (upvotes > 0) parts.push(`${upvotes} upvote${upvotes === 1 ? '' : 's'}`);
  if (stars > 0) parts.push(`${stars} star${stars === 1 ? '' : 's'} here`);
  return parts.join(', ');
}

function starCounter(feed: Paperfeed) {
  const stmt = feed.store.db.prepare<[string], number>('SELECT count(*) FROM stars WHERE paper_id = ?').pluck();
  return (paperId: string) => stmt.get(paperId) ?? 0;
}

/** Papers (with vectors) for a list of external ids, skipping ids that are gone. */
export function likedPapers(feed: Paperfeed, ids: string[]): Liked[] {
  const out: Liked[] = [];
  for (const id of ids) {
    const paper = feed.store.getPaper(id);
    const vec = paper && feed.vectorOf(paper);
    if (paper && vec) out.push({ paper, vec });
  }
  return out;
}

/**
 * A user's personalised list for a window: papers close to any of their stars (each interest on its own),
 * nudged by popularity, pushed down when they look like dismissed papers, diversified, never containing a
 * starred or dismissed paper. Without stars it is the trending list.
 */
export function userFeed(feed: Paperfeed, userId: string, window: Window & { since: string; until: string }, k: number): FeedItem[] {
  const starredIds = feed.users.starredIds(userId);
  const dismissedIds = feed.users.feedbackIds(userId, 'not_interested');
  const seen = new Set(feed.users.feedbackIds(userId, 'seen'));
  const exclude = new Set<number>();
  for (const id of [...starredIds, ...dismissedIds]) {
    const p = feed.store.getPaper(id);
    if (p) exclude.add(p.seq);
  }
  const stars = starCounter(feed);
  const liked = likedPapers(feed, starredIds.slice(0, MAX_STARS_USED).reverse()); // oldest → newest

  if (liked.length === 0) {
    return trending(feed, window, k + exclude.size)
      .filter((t) => !exclude.has(t.paper.seq))
      .slice(0, k)
      .map((t) => {
        const note = popularityNote(t.paper.upvotes ?? 0, stars(t.paper.id));
        return { ...t, reason: note ? `Trending: ${note}` : 'New this week' };
      });
  }

  const disliked = likedPapers(feed, dismissedIds).map((d) => d.vec);
  const seqs = candidateSeqs(feed, liked, window, exclude, Math.max(2 * k, 50));
  const affinities = scoreAffinity(feed, seqs, liked, disliked);
  const { mean, std } = meanStd(affinities.map((a) => a.score));
  const scored = affinities.map((a) => {
    const paper = feed.store.getPaperBySeq(a.seq)!;
    const starCount = stars(paper.id);
    const popularity = Math.log1p((paper.upvotes ?? 0) + STAR_WEIGHT * starCount) / Math.log1p(100);
    const score = (a.score - mean) / std + POPULARITY_WEIGHT * popularity - (seen.has(paper.id) ? SEEN_PENALTY : 0);
    const note = popularityNote(paper.upvotes ?? 0, starCount);
    const reason = `Close to ${quote(a.closest.title)}, which you starred${note ? ` · ${note}` : ''}`;
    return { seq: a.seq, score, paper, reason };
  });
  scored.sort((a, b) => b.score - a.score || a.paper.id.localeCompare(b.paper.id));
  return diversify(feed, scored, k).map(({ paper, score, reason }) => ({ paper, score, reason }));
}

/**
 * Recommendations from a chosen set of papers (no user): close to any positive, pushed away from negatives,
 * the given papers themselves excluded.
 */
export function recommendFromSet(
  feed: Paperfeed,
  positive: StoredPaper[],
  negative: StoredPaper[],
  window: Window,
  k: number,
): { paper: StoredPaper; score: number }[] {
  const liked = likedPapers(feed, positive.map((p) => p.id));
  if (liked.length === 0) return [];
  const disliked = likedPapers(feed, negative.map((p) => p.id)).map((d) => d.vec);
  const exclude = new Set([...positive, ...negative].map((p) => p.seq));
  const seqs = candidateSeqs(feed, liked, window, exclude, Math.max(2 * k, 50));
  return scoreAffinity(feed, seqs, liked, disliked)
    .sort((a, b) => b.score - a.score || a.seq - b.seq)
    .slice(0, k)
    .map((a) => ({ paper: feed.store.getPaperBySeq(a.seq)!, score: a.score }));
}
