import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { DatedWindow, StoredPaper, Users, Window } from '../store/ports.js';
import { candidateSeqs, diversify, scoreAffinity } from './affinity.js';
import { withPapers, withVectors, type Catalog } from './catalog.js';
import { paperTerms } from '../text/terms.js';
import { feedSignalsYielding, fuseWithLexiconSteps } from './lexical.js';
import { runYielding } from '../util/steps.js';
import type { ResultCache } from './result-cache.js';
import { meanStd, zScores, zSum } from './stats.js';
import { STAR_WEIGHT, trending, type TrendingInput } from './trending.js';

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
  /** The popularity feature's share of the per-user model's margin (feedSignals): how the reason splits the score. */
  userModelPopularity?: ArrayLike<number>;
  /**
   * An extra weight of z(log1p popularity) beside the per-user model (evaluation rows only: the learned mix of
   * src/eval/learned-mix.ts was measured and not kept, EVAL.md).
   */
  popularityWeight?: number;
  seen?: ArrayLike<boolean>;
}

/** Candidates whose popularity is read (one statement) between two turns of the event loop. */
const SLICE = 2000;

/** Upvotes and our own users' stars on one scale, as trending counts them. */
export const popularityOf = (upvotes: number, stars: number) => upvotes + STAR_WEIGHT * stars;

/** The two parts of a feed score per candidate: closeness to the user's taste, and what everyone is reading. */
export interface FeedScoreParts {
  content: Float64Array;
  popularity: Float64Array;
}

/**
 * The feed's score per candidate in its two parts, pure (the evaluation harness calls this same function): each
 * affinity in standard deviations over the candidate pool. Without a per-user model popularity is the fixed term;
 * with one, it is the model's own popularity share of its z-scored margin (the user's learned weight for what
 * everyone reads), so content + popularity is exactly the model's score.
 */
export function feedScoreParts(s: FeedSignals): FeedScoreParts {
  const n = s.affinity.length;
  const content = s.userModel
    ? zSum([s.affinity, s.userModel], [DENSE_WEIGHT_WITH_MODEL, 1])
    : zSum([s.affinity, s.lexical].filter((x): x is ArrayLike<number> => x !== undefined));
  const popularity = new Float64Array(n);
  if (!s.userModel) for (let i = 0; i < n; i++) popularity[i] = (POPULARITY_WEIGHT * Math.log1p(s.popularity[i] ?? 0)) / Math.log1p(100);
  else {
    if (s.userModelPopularity) {
      // z(margin) = Σ shares / σ(margin) − mean: the popularity share, centred, in the same σ units, moves out of content.
      const { std } = meanStd(s.userModel);
      const { mean } = meanStd(s.userModelPopularity);
      for (let i = 0; i < n; i++) {
        const share = (s.userModelPopularity[i] - mean) / std;
        popularity[i] += share;
        content[i] -= share;
      }
    }
    if (s.popularityWeight) {
      const z = zScores(Array.from({ length: n }, (_, i) => Math.log1p(s.popularity[i] ?? 0)));
      for (let i = 0; i < n; i++) popularity[i] += s.popularityWeight * z[i];
    }
  }
  return { content, popularity };
}

/** The feed's score per candidate: content + popularity (feedScoreParts), minus the seen penalty. */
export function feedScores(s: FeedSignals): Float64Array {
  return scoresOf(feedScoreParts(s), s.seen);
}

function scoresOf({ content, popularity }: FeedScoreParts, seen?: ArrayLike<boolean>): Float64Array {
  return content.map((c, i) => c + popularity[i] - (seen?.[i] ? SEEN_PENALTY : 0));
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

/**
 * Which part of the score won, in words: popularity ("popular this week among papers like X") when its share is
 * positive and larger than the content part's, else closeness to the nearest star.
 */
export function feedReason(closestTitle: string, note: string, content: number, popularity: number): string {
  if (popularity > 0 && popularity > content && note) return `Popular this week among papers like ${quote(closestTitle)} · ${note}`;
  return `Close to ${quote(closestTitle)}, which you starred${note ? ` · ${note}` : ''}`;
}

/** What the personal feed reads: the catalog, the user's stars and feedback, trending (no stars yet), a cache. */
export interface FeedInput extends Catalog {
  users: Pick<Users, 'starredIds' | 'feedbackIds'>;
  trending: TrendingInput;
  /** Feeds by (user, window, k), valid until the store changes (stars and feedback included). */
  cache: ResultCache<FeedItem[]>;
}

/**
 * A user's personalised list for a window: papers close to any of their stars (each interest on its own),
 * nudged by popularity, pushed down when they look like dismissed papers, diversified, never containing a
 * starred or dismissed paper. Without stars it is the trending list.
 */
export async function userFeed(input: FeedInput, userId: string, window: DatedWindow, k: number): Promise<FeedItem[]> {
  // Scoring trains a per-user model over the window (~0.1 s of CPU for a week of the full corpus): repeated requests
  // (dashboard reloads, feed readers polling) reuse the list until the store changes.
  const key = JSON.stringify([userId, window.since, window.until, window.category ?? null, k]);
  return [...(await input.cache.get(key, () => computeUserFeed(input, userId, window, k)))];
}

async function computeUserFeed(input: FeedInput, userId: string, window: DatedWindow, k: number): Promise<FeedItem[]> {
  const { papers: store, users, index, lexicon } = input;
  const [starredIds, dismissedIds, seenIds] = await Promise.all([
    users.starredIds(userId),
    users.feedbackIds(userId, 'not_interested'),
    users.feedbackIds(userId, 'seen'),
  ]);
  // One read for the starred, dismissed and seen papers: they are excluded or marked, and shape the scores.
  const byId = new Map((await store.byIds([...starredIds, ...dismissedIds, ...seenIds])).flatMap((p) => (p ? [[p.id, p] as const] : [])));
  const stored = (ids: string[]) => ids.flatMap((id) => byId.get(id) ?? []);
  const exclude = new Set([...stored(starredIds), ...stored(dismissedIds)].map((p) => p.seq));
  const seen = new Set(stored(seenIds).map((p) => p.seq));
  const liked = await withVectors(input, stored(starredIds.slice(0, MAX_STARS_USED).reverse())); // oldest → newest

  if (liked.length === 0) {
    const top = (await trending(input.trending, window, k + exclude.size)).filter((t) => !exclude.has(t.paper.seq)).slice(0, k);
    const stars = await store.starCounts(top.map((t) => t.paper.id));
    return top.map((t, i) => {
      const note = popularityNote(t.paper.upvotes ?? 0, stars[i]);
      return { ...t, reason: note ? `Trending: ${note}` : 'New this week' };
    });
  }

  // Every step below works on seqs, vectors and term vectors held in memory; only the k papers answered are read.
  // Between steps the event loop answers other requests.
  const disliked = (await withVectors(input, stored(dismissedIds))).map((d) => d.vec);
  // A big window is scored on its stars' nearest neighbours only. Adding the window's 200 most popular papers was
  // measured (issue 17, EVAL.md) and not kept: no gain for curators, HF submitters −1.3 % / −3.8 %.
  const [seqs, likedStars] = await Promise.all([
    candidateSeqs(input, liked, window, exclude, Math.max(2 * k, 50)),
    store.starCounts(liked.map((l) => l.paper.id)),
  ]);
  await yieldToEventLoop();
  const affinities = await scoreAffinity(index, seqs, liked, disliked);
  // Popularity and the model's vectors (liked papers, then candidates: scoreAffinity kept only candidates with a
  // vector) a slice of candidates at a time: a feed with k = 1000 scores 20,000.
  const dim = liked[0].vec.length;
  const vectors = new Float32Array((liked.length + affinities.length) * dim);
  liked.forEach((l, i) => vectors.set(l.vec, i * dim));
  const popularity: number[] = [];
  for (let from = 0; from < affinities.length; from += SLICE) {
    const slice = affinities.slice(from, from + SLICE);
    popularity.push(...(await store.popularityOf(slice.map((a) => a.seq), STAR_WEIGHT)));
    slice.forEach((a, i) => vectors.set(index.vector(a.seq)!, (liked.length + from + i) * dim));
    await yieldToEventLoop();
  }
  const signalInput = {
    lexicon,
    liked: liked.map((l) => l.paper.seq),
    candidates: affinities.map((a) => a.seq),
    vectors,
    dim,
    // A liked paper's popularity leaves out this user's own star, or the model would learn "starred = liked".
    popularity: Float32Array.from([...liked.map((l, i) => popularityOf(l.paper.upvotes ?? 0, Math.max(0, likedStars[i] - 1))), ...popularity]),
  };
  await yieldToEventLoop();
  const { lexical, userModel, userModelPopularity } = await feedSignalsYielding(signalInput);
  const signals = { affinity: affinities.map((a) => a.score), lexical, userModel, userModelPopularity, popularity };
  const parts = feedScoreParts(signals);
  const scores = scoresOf(parts, affinities.map((a) => seen.has(a.seq)));
  await yieldToEventLoop();
  const ranked = affinities.map((a, i) => ({ seq: a.seq, score: scores[i], closest: a.closest, i })).sort((a, b) => b.score - a.score || a.seq - b.seq);
  await yieldToEventLoop();
  const top = diversify(ranked, (seq) => index.vector(seq)!, k);
  const papers = new Map((await store.bySeqs(top.map((t) => t.seq))).map((p) => [p.seq, p]));
  const kept = top.filter((t) => papers.has(t.seq)); // a paper deleted meanwhile is left out
  const stars = await store.starCounts(kept.map((t) => papers.get(t.seq)!.id));
  return kept.map((t, j) => {
    const paper = papers.get(t.seq)!;
    const note = popularityNote(paper.upvotes ?? 0, stars[j]);
    return { paper, score: t.score, reason: feedReason(t.closest.title, note, parts.content[t.i], parts.popularity[t.i]) };
  });
}

/**
 * Recommendations from a chosen set of papers (no user): close to any positive, pushed away from negatives,
 * the given papers themselves excluded.
 */
export async function recommendFromSet(
  c: Catalog,
  positive: StoredPaper[],
  negative: StoredPaper[],
  window: Window,
  k: number,
): Promise<{ paper: StoredPaper; score: number }[]> {
  const liked = await withVectors(c, positive);
  if (liked.length === 0) return [];
  const disliked = (await withVectors(c, negative)).map((d) => d.vec);
  const exclude = new Set([...positive, ...negative].map((p) => p.seq));
  const seqs = await candidateSeqs(c, liked, window, exclude, Math.max(2 * k, 50));
  const affinities = await scoreAffinity(c.index, seqs, liked, disliked);
  const queryTerms = liked.map((l) => c.lexicon.termsOf(l.paper.seq) ?? paperTerms(l.paper));
  const fused = await runYielding(fuseWithLexiconSteps(c.lexicon, queryTerms, affinities.map((a) => a.seq), affinities.map((a) => a.score)));
  await yieldToEventLoop();
  const top = affinities
    .map((a, i) => ({ seq: a.seq, score: fused[i] }))
    .sort((a, b) => b.score - a.score || a.seq - b.seq)
    .slice(0, k);
  return withPapers(top, (seqs) => c.papers.bySeqs(seqs));
}
