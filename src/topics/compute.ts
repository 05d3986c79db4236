import { performance } from 'node:perf_hooks';
import { assign, defaultK, sphericalKMeans } from './kmeans.js';
import { fitPca2, project } from './pca.js';
import { classTerms, labelOf, type WeightedTerm } from './terms.js';
import { stableNames, type WarmStart } from './warm-start.js';

/** What clustering a window needs: plain arrays only, so it can be posted to a worker thread. */
export interface TopicJob {
  dim: number;
  /** Every paper of the window, n × dim unit vectors. */
  vectors: Float32Array;
  /** Indices (into `vectors`) of the papers the model is fitted on: all of them, or a sample of a big window. */
  fit: Int32Array;
  /** Title and abstract of each fitted paper, aligned with `fit`. */
  texts: string[];
  /** Papers of the previous window of equal length (a sample when large), m × dim, for growth. */
  previous: Float32Array;
  /** Number of topics; null: chosen from the number of papers (see defaultK). */
  k: number | null;
  seed: number;
  /** An earlier clustering of nearly the same papers to start from (ids, colours and labels then carry over). */
  warm?: WarmStart;
}

export interface TopicFit {
  k: number;
  /** Topic of each paper of the window; topic 0 is the largest. */
  labels: Int32Array;
  /** Cosine similarity of each paper to its topic's centroid. */
  similarity: Float32Array;
  /** The topics' centroids, k × dim unit vectors in topic id order (the next clustering's warm start). */
  centroids: Float32Array;
  /** x, y of each paper on the map. */
  xy: Float32Array;
  sizes: Int32Array;
  /** Papers of the previous window closest to each topic's centroid. */
  previousSizes: Int32Array;
  terms: WeightedTerm[][];
  /** Each topic's label: key phrases (labelOf), or its earlier label after a warm start if it barely changed. */
  names: string[];
  /** True when the clustering started from an earlier one (job.warm). */
  warm: boolean;
  iterations: number;
  /** Milliseconds per stage, for logs and benchmarks. */
  ms: Record<string, number>;
}

/** Small windows get the best of several k-means runs (cheap there, and it steadies the result); big ones one. */
const RESTARTS = 5;
const RESTARTS_MAX_PAPERS = 3000;

function rows(vectors: Float32Array, dim: number, indices: Int32Array): Float32Array {
  const out = new Float32Array(indices.length * dim);
  indices.forEach((r, i) => out.set(vectors.subarray(r * dim, (r + 1) * dim), i * dim));
  return out;
}

/**
 * Clusters a window into topics: spherical k-means on the fitted papers, every paper assigned to its nearest
 * centroid, topics renumbered by size, class-based TF-IDF terms, PCA map coordinates (axes fitted on the
 * size-weighted centroids, so the map spreads the topics apart rather than the noise within them) and the
 * previous window's papers counted per centroid.
 */
export function computeTopics(job: TopicJob): TopicFit {
  const { dim, vectors, fit, seed } = job;
  const n = vectors.length / dim;
  const ms: Record<string, number> = {};
  let t = performance.now();
  const lap = (stage: string) => {
    const now = performance.now();
    ms[stage] = Math.round((now - t) * 10) / 10;
    t = now;
  };
  if (n === 0 || fit.length === 0) {
    const empty = new Int32Array(0);
    return { k: 0, labels: empty, similarity: new Float32Array(0), xy: new Float32Array(0), sizes: empty, previousSizes: empty, terms: [], names: [], warm: false, centroids: new Float32Array(0), iterations: 0, ms };
  }

  const fitted = rows(vectors, dim, fit);
  const warm = job.warm && job.warm.k <= fit.length && job.warm.previousTopic.length === n ? job.warm : undefined;
  const k = warm ? warm.k : Math.min(job.k ?? defaultK(fit.length), fit.length);
  const km = sphericalKMeans(fitted, dim, k, seed, fit.length <= RESTARTS_MAX_PAPERS ? RESTARTS : 1, 30, warm?.centroids);
  lap('kmeans');
  const all = fit.length === n ? km : assign(vectors, dim, km.centroids);
  lap('assign');

  // Renumber topics by size (largest first; ties by the original number) so ids read naturally; after a warm
  // start cluster c grew from topic c's centroid, so it keeps id c.
  const rawSizes = new Int32Array(k);
  for (const l of all.labels) rawSizes[l]++;
  const order = Array.from({ length: k }, (_, c) => c);
  if (!warm) order.sort((a, b) => rawSizes[b] - rawSizes[a] || a - b);
  const rank = new Int32Array(k);
  order.forEach((c, r) => (rank[c] = r));
  const centroids = new Float32Array(k * dim);
  order.forEach((c, r) => centroids.set(km.centroids.subarray(c * dim, (c + 1) * dim), r * dim));
  const labels = all.labels.map((l) => rank[l]);
  const sizes = Int32Array.from(order, (c) => rawSizes[c]);

  const previousSizes = new Int32Array(k);
  if (job.previous.length > 0) for (const l of assign(job.previous, dim, centroids).labels) previousSizes[l]++;
  lap('previous');

  const fitLabels = Int32Array.from(fit, (i) => labels[i]);
  // 20 terms per topic: the first 10 are shown; an earlier label stays while its phrases are among all 20.
  const longTerms = classTerms(job.texts, fitLabels, k, 20);
  const terms = longTerms.map((t) => t.slice(0, 10));
  const fresh = terms.map((t) => labelOf(t));
  const names = warm ? stableNames(warm, labels, longTerms, fresh) : fresh;
  lap('terms');

  const weights = Float64Array.from(sizes);
  // Two centroids span a single axis: the second one then comes from the papers themselves.
  const axes = k >= 3 ? fitPca2(centroids, dim, weights) : fitPca2(fitted, dim);
  const xy = project(vectors, dim, axes);
  lap('pca');

  return { k, labels, similarity: all.similarity, xy, sizes, previousSizes, terms, names, warm: warm !== undefined, centroids, iterations: km.iterations, ms };
}
