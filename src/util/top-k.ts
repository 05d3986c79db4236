/** a ranks before b: higher score, then lower tie key. */
export const before = (sa: number, ta: number, sb: number, tb: number) => sa > sb || (sa === sb && ta < tb);

/**
 * Positions (0 … n − 1) of the k best candidates, best first: higher score, then lower tie key (`score[i]` and
 * `tie[i]` are the candidate at position i). A bounded min-heap: O(n log k).
 */
export function topK(n: number, k: number, score: ArrayLike<number>, tie: ArrayLike<number>): number[] {
  k = Math.min(k, n);
  if (k <= 0) return [];
  const heap: number[] = []; // min-heap by (score, reversed tie): the root is the worst kept item
  const worse = (a: number, b: number) => before(score[b], tie[b], score[a], tie[a]); // a ranks after b
  const up = (i: number) => {
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!worse(heap[i], heap[p])) break;
      [heap[i], heap[p]] = [heap[p], heap[i]];
      i = p;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && worse(heap[l], heap[m])) m = l;
      if (r < heap.length && worse(heap[r], heap[m])) m = r;
      if (m === i) return;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  };
  for (let i = 0; i < n; i++) {
    if (heap.length < k) {
      heap.push(i);
      up(heap.length - 1);
    } else if (before(score[i], tie[i], score[heap[0]], tie[heap[0]])) {
      heap[0] = i;
      down(0);
    }
  }
  return heap.sort((a, b) => (before(score[a], tie[a], score[b], tie[b]) ? -1 : 1));
}
