/**
 * Tried for issue 17 and NOT served (EVAL.md: it lost to the per-user model's own popularity feature on all three
 * user kinds of the dev split); kept so `npm run eval` shows the row. The per-user mix of the feed: how much this user follows what everyone is reading, beside their own
 * content taste, learned from their own history in time order. The older stars play the profile, the most recent
 * ones are held out: each held-out star and a sample of the current candidates are scored by closeness to the older
 * stars plus β × popularity (both in standard deviations over the candidates), and β is the grid value that ranks the
 * held-out stars highest (AUC). Short histories lean on a global prior: β is shrunk toward it by the number of
 * held-out stars. A curator who stars the week's most discussed papers gets a large β, a reader of a niche list ~0.
 * Pure and cheap (a few thousand dot products of the existing vectors).
 */
import { dot, meanStd } from '../recommend/stats.js';

/** The β the mix falls back to with no evidence. */
export const POPULARITY_PRIOR = 0.25;
/** Held-out stars worth as much as the prior: β = (v·β̂ + PRIOR_STRENGTH·prior) / (v + PRIOR_STRENGTH). */
export const PRIOR_STRENGTH = 10;
/** The grid β̂ is picked from (z units of popularity per z unit of closeness). */
export const POPULARITY_GRID = [0, 0.25, 0.5, 0.75, 1, 1.5, 2, 3];
/** Held-out stars: the newest quarter of the history, at most this many. */
const MAX_VALIDATION = 30;
/** The profile side: at most this many stars before the held-out ones. */
const MAX_PROFILE = 150;
/** Candidates sampled as the held-out stars' competitors. */
const MAX_NEGATIVES = 600;
/** Below this many stars there is nothing to hold out: β is the prior. */
export const MIN_STARS_FOR_MIX = 8;

export interface MixInput {
  /** The user's liked papers' vectors, oldest → newest (unit length). */
  liked: Float32Array[];
  /** Popularity of each liked paper (upvotes + our stars, the user's own star left out). */
  likedPopularity: ArrayLike<number>;
  /** The candidates' vectors and popularity (the feed's pool). */
  candidates: Float32Array[];
  candidatePopularity: ArrayLike<number>;
}

export interface FeedMix {
  /** Weight of z(log1p popularity) beside the content score. */
  popularity: number;
  /** The unshrunk estimate (undefined when the history was too short to hold stars out). */
  fitted?: number;
  /** How many held-out stars the estimate rests on. */
  validation: number;
}

const maxSim = (v: Float32Array, profile: Float32Array[]) => {
  let best = -Infinity;
  for (const p of profile) {
    const s = dot(v, p);
    if (s > best) best = s;
  }
  return best;
};

/** Fraction of (positive, negative) pairs the score orders correctly (ties count half). */
function auc(pos: number[], neg: number[]): number {
  let good = 0;
  for (const p of pos) for (const n of neg) good += p > n ? 1 : p === n ? 0.5 : 0;
  return good / Math.max(1, pos.length * neg.length);
}

export function learnMix(input: MixInput): FeedMix {
  const n = input.liked.length;
  const C = input.candidates.length;
  if (n < MIN_STARS_FOR_MIX || C < 10) return { popularity: POPULARITY_PRIOR, validation: 0 };
  const v = Math.min(MAX_VALIDATION, Math.max(2, Math.floor(n / 4)));
  const profile = input.liked.slice(Math.max(0, n - v - MAX_PROFILE), n - v);
  const step = Math.max(1, Math.floor(C / MAX_NEGATIVES));
  const negIdx: number[] = [];
  for (let i = 0; i < C; i += step) negIdx.push(i);
  const negSim = negIdx.map((i) => maxSim(input.candidates[i], profile));
  const negPop = negIdx.map((i) => Math.log1p(input.candidatePopularity[i] ?? 0));
  const posSim = input.liked.slice(n - v).map((l) => maxSim(l, profile));
  const posPop = Array.from({ length: v }, (_, j) => Math.log1p(input.likedPopularity[n - v + j] ?? 0));
  // Both features in standard deviations over the candidates, as feedScores calibrates them.
  const s = meanStd(negSim);
  const p = meanStd(negPop);
  const z = (x: number, m: { mean: number; std: number }) => (x - m.mean) / m.std;
  let best = POPULARITY_PRIOR;
  let bestAuc = -1;
  for (const beta of POPULARITY_GRID) {
    const score = (sim: number, pop: number) => z(sim, s) + beta * z(pop, p);
    const a = auc(
      posSim.map((x, j) => score(x, posPop[j])),
      negSim.map((x, j) => score(x, negPop[j])),
    );
    if (a > bestAuc + 1e-9) [best, bestAuc] = [beta, a];
  }
  return { popularity: (v * best + PRIOR_STRENGTH * POPULARITY_PRIOR) / (v + PRIOR_STRENGTH), fitted: best, validation: v };
}
