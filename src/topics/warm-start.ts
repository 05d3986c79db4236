// Topics that keep their ids, colours and labels when the window changes a little: the next clustering starts from
// the previous one's centroids (so cluster c stays near topic c), and a topic whose papers barely changed keeps its
// label as long as the label's phrases are still among its top terms.
import type { WeightedTerm } from './terms.js';

/** What a clustering carries over from an earlier one of nearly the same papers. Plain arrays (worker-safe). */
export interface WarmStart {
  k: number;
  /** The earlier topics' centroids, k × dim, in topic id order. */
  centroids: Float32Array;
  /** Per paper of the new window: its topic in the earlier clustering, or -1 when it was not in it. */
  previousTopic: Int32Array;
  /** The earlier labels, by topic id. */
  names: string[];
}

/** Membership overlap (Jaccard) above which a topic "did not really change" and may keep its label. */
export const SAME_TOPIC_JACCARD = 0.8;
/** Paper-set overlap (shared / larger set) from which an earlier clustering is used as a warm start. */
export const WARM_START_OVERLAP = 0.9;

/** Per topic id: |earlier ∩ now| / |earlier ∪ now| of its papers (papers new to the window count as not shared). */
export function membershipJaccard(previousTopic: Int32Array, labels: Int32Array, k: number): number[] {
  const before = new Int32Array(k);
  const now = new Int32Array(k);
  const both = new Int32Array(k);
  for (let i = 0; i < labels.length; i++) {
    const p = previousTopic[i];
    if (p >= 0 && p < k) before[p]++;
    now[labels[i]]++;
    if (p === labels[i]) both[p]++;
  }
  return Array.from({ length: k }, (_, c) => (before[c] + now[c] - both[c] === 0 ? 1 : both[c] / (before[c] + now[c] - both[c])));
}

/**
 * The labels after a warm start: the earlier label for a topic whose membership barely moved and whose label's
 * phrases are all still among its top terms (or words of them); a fresh one otherwise.
 */
export function stableNames(warm: WarmStart, labels: Int32Array, terms: WeightedTerm[][], fresh: string[]): string[] {
  const jaccard = membershipJaccard(warm.previousTopic, labels, fresh.length);
  return fresh.map((name, c) => {
    const old = warm.names[c];
    if (old === undefined || jaccard[c] < SAME_TOPIC_JACCARD) return name;
    // A word of the old label may now be inside a phrase ("policy" in "robot policy"): it still describes the topic.
    const current = new Set(terms[c].flatMap((t) => [t.term, ...t.term.split(' ')]));
    return old.split(', ').every((phrase) => current.has(phrase)) ? old : name;
  });
}
