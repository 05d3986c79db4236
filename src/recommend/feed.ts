import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { Paperfeed } from '../service.js';
import type { StoredPaper, Window } from '../store/store.js';
import { candidateSeqs, diversify, scoreAffinity, zSum, type Liked } from './affinity.js';
import { feedSignalsOffThread } from './lexical.js';
import { fuseWithLexicalOffThread } from './rerank.js';
import { storeCache } from './store-cache.js';
import { STAR_WEIGHT, trending } from './trending.js';

/** The personalised feed covers the last week of the corpus unless asked otherwise. */
export const DEFAULT_FEED_DAYS = 7;
/** At most this many of a user's most recent stars shape the feed. */
export const MAX_STARS_USED = 200;
/**
 * Scores are calibrated per request: affinity in standard deviations over the candidates (z), so the weights below
 * mean the same whatever the model's cosine scale. A paper with 100 upvotes (or ~33 stars here) gains this many σ.
 */
export const POPULARITY_WEIGHT = 0.5;
/** Papers the user marked as seen drop by this many σ (they stay, but below fresh ones). */
export const SEEN_PENALTY = 0.5;

/**
 * With a per-user model, the dense max-sim keeps this weight beside it (z units): the model ranks, max-sim keeps
 * each starred interest represented. Picked on the evaluation's dev users (EVAL.md).
 */
export const DENSE_WEIGHT_WITH_MODEL = 0.5;

export interface FeedSignals {
  /** Dense affinity of each candidate to the user's stars (max cosine minus the dismissed push-down). */
  affinity: ArrayLike<number>;
  /** Lexical affinity (tf-idf max cosine to the stars): z-calibrated and added like the dense one. */
  lexical?: ArrayLike<number>;
  /**
   * The per-user model's margin (users with enough stars; features: tf-idf ⊕ embedding ⊕ popularity). It replaces
   * the lexical signal and the fixed popularity term, since it learns both for this user.
   */
  userModel?: ArrayLike<number>;
  /** Upvotes + our users' stars per candidate (see popularityOf). */
  popularity: ArrayLike<number>;
  seen?: ArrayLike<boolean>;
}

/** Upvotes and our own users' stars on one scale, as trending counts them. */
export const popularityOf = (upvotes: number, stars: number) => upvotes + STAR_WEIGHT * stars;

/**
 * The feed's score per candidate, pure (the evaluation harness calls this same function): each affinity in
 * standard deviations over the candidate pool, plus popularity (unless the user model has learned its own weight),
 * minus the seen penalty.
 */
export function feedScores(s: FeedSignals): Float64Array {
  const n = s.affinity.length;
  const out = s.userModel
    ? zSum([s.affinity, s.userModel], [DENSE_WEIGHT_WITH_MODEL, 1])
    : zSum([s.affinity, s.lexical].filter((x): x is ArrayLike<number> => x !== undefined));
  for (let i = 0; i < n; i++) {
    if (!s.userModel) out[i] += (POPULARITY_WEIGHT * Math.log1p(s.popularity[i] ?? 0)) / Math.log1p(100);
    if (s.seen?.[i]) out[i] -= SEEN_PENALTY;
  }
  return out;
}

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
export async function userFeed(feed: Paperfeed, userId: string, window: Window & { since: string; until: string }, k: number): Promise<FeedItem[]> {
  // Scoring fits tf-idf and a per-user model over the window (~0.5 s of CPU, in a worker thread, for a week of the
  // full corpus): repeated requests (dashboard reloads, feed readers polling) reuse it until the store changes.
  const key = JSON.stringify([userId, window.since, window.until, window.category ?? null, k]);
  const cache = storeCache<Promise<FeedItem[]>>(feed.store.db, 'feed', 1000, 10 * 60_000);
  const pending = cache.get(key, () => computeUserFeed(feed, userId, window, k));
  pending.catch(() => cache.delete(key)); // a failed computation is not remembered
  return [...(await pending)];
}

async function computeUserFeed(feed: Paperfeed, userId: string, window: Window & { since: string; until: string }, k: number): Promise<FeedItem[]> {
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

  // The steps below run on the event loop (~40 ms each for a week of the full corpus): yield between them so
  // other requests are answered in the meantime.
  const disliked = likedPapers(feed, dismissedIds).map((d) => d.vec);
  const seqs = candidateSeqs(feed, liked, window, exclude, Math.max(2 * k, 50));
  await yieldToEventLoop();
  const affinities = scoreAffinity(feed, seqs, liked, disliked);
  await yieldToEventLoop();
  const papers = affinities.map((a) => feed.store.getPaperBySeq(a.seq)!);
  await yieldToEventLoop();
  const starCounts = papers.map((p) => stars(p.id));
  const popularity = papers.map((p, i) => popularityOf(p.upvotes ?? 0, starCounts[i]));
  // The model's rows: liked papers, then candidates (scoreAffinity kept only candidates with a vector).
  const dim = feed.embedder.dim;
  const vectors = new Float32Array((liked.length + affinities.length) * dim);
  [...liked.map((l) => l.vec), ...affinities.map((a) => feed.index!.vector(a.seq)!)].forEach((v, i) => vectors.set(v, i * dim));
  const { lexical, userModel } = await feedSignalsOffThread({
    liked: liked.map(({ paper: { title, abstract } }) => ({ title, abstract })),
    candidates: papers.map(({ title, abstract }) => ({ title, abstract })),
    vectors,
    dim,
    // A liked paper's popularity leaves out this user's own star, or the model would learn "starred = liked".
    popularity: Float32Array.from([...liked.map((l) => popularityOf(l.paper.upvotes ?? 0, Math.max(0, stars(l.paper.id) - 1))), ...popularity]),
  });
  const scores = feedScores({
    affinity: affinities.map((a) => a.score),
    lexical,
    userModel,
    popularity,
    seen: papers.map((p) => seen.has(p.id)),
  });
  const scored = affinities.map((a, i) => {
    const paper = papers[i];
    const note = popularityNote(paper.upvotes ?? 0, starCounts[i]);
    const reason = `Close to ${quote(a.closest.title)}, which you starred${note ? ` · ${note}` : ''}`;
    return { seq: a.seq, score: scores[i], paper, reason };
  });
  scored.sort((a, b) => b.score - a.score || a.paper.id.localeCompare(b.paper.id));
  return diversify(scored, (seq) => feed.index!.vector(seq)!, k).map(({ paper, score, reason }) => ({ paper, score, reason }));
}

/**
 * Recommendations from a chosen set of papers (no user): close to any positive, pushed away from negatives,
 * the given papers themselves excluded.
 */
export async function recommendFromSet(
  feed: Paperfeed,
  positive: StoredPaper[],
  negative: StoredPaper[],
  window: Window,
  k: number,
): Promise<{ paper: StoredPaper; score: number }[]> {
  const liked = likedPapers(feed, positive.map((p) => p.id));
  if (liked.length === 0) return [];
  const disliked = likedPapers(feed, negative.map((p) => p.id)).map((d) => d.vec);
  const exclude = new Set([...positive, ...negative].map((p) => p.seq));
  const seqs = candidateSeqs(feed, liked, window, exclude, Math.max(2 * k, 50));
  const affinities = scoreAffinity(feed, seqs, liked, disliked);
  const papers = affinities.map((a) => feed.store.getPaperBySeq(a.seq)!);
  const fused = await fuseWithLexicalOffThread(liked.map((l) => l.paper), papers, affinities.map((a) => a.score));
  return papers
    .map((paper, i) => ({ paper, score: fused[i] }))
    .sort((a, b) => b.score - a.score || a.paper.seq - b.paper.seq)
    .slice(0, k);
}
