import { rng as seededRandom } from '../util/random.js';

export { seededRandom };

export interface Assignment {
  /** The nearest centroid of each point. */
  labels: Int32Array;
  /** Cosine similarity of each point to that centroid. */
  similarity: Float32Array;
}

export interface KMeansResult extends Assignment {
  /** k unit-length centroids, row-major (k × dim). */
  centroids: Float32Array;
  iterations: number;
}

function normalizeRow(m: Float32Array, row: number, dim: number): void {
  let norm = 0;
  for (let j = row * dim; j < (row + 1) * dim; j++) norm += m[j] * m[j];
  norm = Math.sqrt(norm);
  if (norm > 0) for (let j = row * dim; j < (row + 1) * dim; j++) m[j] /= norm;
}

function dot(a: Float32Array, ai: number, b: Float32Array, bi: number, dim: number): number {
  let s = 0;
  for (let j = 0; j < dim; j++) s += a[ai + j] * b[bi + j];
  return s;
}

/** Each point's nearest centroid by cosine (points and centroids are unit vectors, so by dot product). */
export function assign(points: Float32Array, dim: number, centroids: Float32Array): Assignment {
  const n = points.length / dim;
  const k = centroids.length / dim;
  const labels = new Int32Array(n);
  const similarity = new Float32Array(n);
  const c64 = Float64Array.from(centroids); // doubles: no float32 conversion in the hot loop
  const p = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) p[j] = points[i * dim + j];
    let best = -Infinity;
    let bestC = 0;
    for (let c = 0, off = 0; c < k; c++, off += dim) {
      let s0 = 0;
      let s1 = 0;
      let j = 0;
      for (; j + 1 < dim; j += 2) {
        s0 += p[j] * c64[off + j];
        s1 += p[j + 1] * c64[off + j + 1];
      }
      if (j < dim) s0 += p[j] * c64[off + j];
      const s = s0 + s1;
      if (s > best) {
        best = s;
        bestC = c;
      }
    }
    labels[i] = bestC;
    similarity[i] = best;
  }
  return { labels, similarity };
}

/** k-means++ seeding with squared chordal distance (2 − 2·cos) between unit vectors. */
function initPlusPlus(points: Float32Array, dim: number, k: number, random: () => number): Float32Array {
  const n = points.length / dim;
  const centroids = new Float32Array(k * dim);
  const d2 = new Float64Array(n).fill(Infinity);
  let pick = Math.floor(random() * n);
  for (let c = 0; c < k; c++) {
    centroids.set(points.subarray(pick * dim, (pick + 1) * dim), c * dim);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const d = Math.max(0, 2 - 2 * dot(points, i * dim, centroids, c * dim, dim));
      if (d < d2[i]) d2[i] = d;
      total += d2[i];
    }
    if (c === k - 1) break;
    if (total <= 0) {
      pick = Math.floor(random() * n); // all points coincide with a centre: any point will do
      continue;
    }
    let r = random() * total;
    pick = n - 1;
    for (let i = 0; i < n; i++) {
      r -= d2[i];
      if (r <= 0) {
        pick = i;
        break;
      }
    }
  }
  return centroids;
}

/**
 * Spherical k-means (cosine) on unit vectors: seeded k-means++ init, Lloyd iterations until at most 0.2% of
 * the points change cluster (the last few flips move no label or map point that matters). An emptied cluster is re-seeded with the point farthest from its own centroid.
 * `init`: start from these k centroids instead (a warm start from an earlier run: cluster c stays near centroid c).
 */
export function sphericalKMeans(points: Float32Array, dim: number, k: number, seed: number, restarts = 1, maxIterations = 30, init?: Float32Array): KMeansResult {
  if (init) return lloyd(points, dim, k, seed, maxIterations, init);
  let best: KMeansResult | null = null;
  let bestScore = -Infinity;
  const random = seededRandom(seed);
  for (let r = 0; r < Math.max(1, restarts); r++) {
    // Restart r uses a seed drawn from the caller's: the result still depends on `seed` alone.
    const run = lloyd(points, dim, k, r === 0 ? seed : Math.floor(random() * 2 ** 31), maxIterations);
    const score = run.similarity.reduce((a, b) => a + b, 0);
    if (score > bestScore) {
      best = run;
      bestScore = score;
    }
  }
  return best!;
}

function lloyd(points: Float32Array, dim: number, k: number, seed: number, maxIterations: number, init?: Float32Array): KMeansResult {
  const n = points.length / dim;
  if (n === 0 || k < 1) throw new Error('k-means needs at least one point and one cluster');
  if (init && init.length !== k * dim) throw new Error(`warm start needs ${k} centroids of dimension ${dim}`);
  k = Math.min(k, n);
  const centroids = init ? init.slice(0, k * dim) : initPlusPlus(points, dim, k, seededRandom(seed));
  let { labels, similarity } = assign(points, dim, centroids);
  let iterations = 0;
  while (iterations < maxIterations) {
    iterations++;
    centroids.fill(0);
    const counts = new Int32Array(k);
    for (let i = 0; i < n; i++) {
      const c = labels[i];
      counts[c]++;
      for (let j = 0; j < dim; j++) centroids[c * dim + j] += points[i * dim + j];
    }
    const taken = new Set<number>();
    for (let c = 0; c < k; c++) {
      if (counts[c] > 0) {
        normalizeRow(centroids, c, dim);
        continue;
      }
      let far = -1;
      for (let i = 0; i < n; i++) if (!taken.has(i) && (far < 0 || similarity[i] < similarity[far])) far = i;
      taken.add(far);
      centroids.set(points.subarray(far * dim, (far + 1) * dim), c * dim);
    }
    const next = assign(points, dim, centroids);
    let changed = 0;
    for (let i = 0; i < n; i++) if (next.labels[i] !== labels[i]) changed++;
    labels = next.labels;
    similarity = next.similarity;
    if (changed <= n / 500) break;
  }
  return { centroids, labels, similarity, iterations };
}

/** The default number of topics for n papers: √(n/2), within [2, 30] (and never more than n). */
export function defaultK(n: number): number {
  return Math.max(1, Math.min(n, Math.max(2, Math.min(30, Math.round(Math.sqrt(n / 2))))));
}

/** A deterministic sample of `max` of the indices 0…n−1 (all of them when n ≤ max), in ascending order. */
export function sampleIndices(n: number, max: number, seed: number): Int32Array {
  const all = Int32Array.from({ length: n }, (_, i) => i);
  if (n <= max) return all;
  const random = seededRandom(seed ^ 0x5bd1e995);
  for (let i = 0; i < max; i++) {
    const j = i + Math.floor(random() * (n - i)); // partial Fisher–Yates
    [all[i], all[j]] = [all[j], all[i]];
  }
  return all.subarray(0, max).sort();
}
