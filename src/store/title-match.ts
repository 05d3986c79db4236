/**
 * How well a title fits words someone remembered from it: the order inside the title tier (papers whose title holds
 * every query word), shared by both engines. Plain text logic, no SQL.
 *
 * Someone typing remembered title words types them as they appear (exact forms, title order), and a short title
 * holding them all is more likely the one meant than a long one that holds them among many others: of a title's n
 * content words, a given 3 are 1 of C(n, 3) picks. So, best first: the words in title order as exact words, then
 * exact words in another order, then matches only after stemming ("generation" for "generator"); inside each, fewer
 * distinct content words first. EVAL.md (task 4) measures it against bm25 inside the tier.
 */
const WORD = /[\p{L}\p{N}\p{M}]+/gu;

/** The distinct content words of a title, lower-cased, in order (stop words as `queryTerms` drops them). */
function titleWords(title: string, stop: ReadonlySet<string>): string[] {
  const out: string[] = [];
  for (const m of title.toLowerCase().normalize('NFC').matchAll(WORD)) if (!stop.has(m[0])) out.push(m[0]);
  return out;
}

/** A tier score in [0, 3): 2 (in order) / 1 (exact words) / 0 (stemmed only), plus 1/(1 + distinct content words). */
export function titleFit(words: readonly string[], title: string, stop: ReadonlySet<string>): number {
  const tw = titleWords(title, stop);
  const distinct = new Set(tw);
  const query = words.map((w) => w.normalize('NFC'));
  let level = 0;
  if (query.every((w) => distinct.has(w))) {
    level = 1;
    let at = 0;
    for (const t of tw) if (at < query.length && t === query[at]) at++;
    if (at === query.length) level = 2;
  }
  return level + 1 / (1 + distinct.size);
}

/** Tier hits (with their titles) best first by titleFit, then the newer (higher seq) first. */
export function orderTitleTier<T extends { seq: number; title: string }>(words: readonly string[], hits: T[], stop: ReadonlySet<string>): (T & { fit: number })[] {
  return hits.map((h) => ({ ...h, fit: titleFit(words, h.title, stop) })).sort((a, b) => b.fit - a.fit || b.seq - a.seq);
}
