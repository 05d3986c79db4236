import type { Library, OwnPaper, PaperReads, StoredPaper } from '../store/ports.js';
import { paperTerms } from '../text/terms.js';
import type { FeedInput } from './feed.js';

/** Own papers' ids (src/store/library.ts makes them): the prefix tells the feed to look in the owner's papers. */
export const OWN_PAPER_PREFIX = 'own_';

/**
 * The feed recommender's input for one owner, unchanged except that the owner's own papers (brought with a library
 * import, private, not in the store's papers) resolve like stored ones: byIds finds them (negative seqs) and
 * vectors() returns their stored vectors, so a star or collection entry that is an own paper shapes the feed like
 * any other; the lexicon gives their term vectors (made from their text: the index's lexicon holds stored papers
 * only), so they count in the lexical closeness too. (The per-user model's tf-idf rows stay empty for them.) Other users' feeds never see them: they are looked up under this owner only.
 *
 * `starIds` replaces the owner's stars (a collection's papers); `feedbackIds` stays the owner's.
 */
export function ownerFeedInput(
  base: FeedInput,
  library: Pick<Library, 'ownPapers'>,
  owner: string,
  options: { starIds?: () => Promise<string[]>; includeOwn?: boolean } = {},
): FeedInput {
  const includeOwn = options.includeOwn ?? true;
  const own = new Map<number, OwnPaper>();
  const papers: PaperReads = {
    ...base.papers,
    async byIds(ids) {
      const found: (StoredPaper | undefined)[] = await base.papers.byIds(ids);
      const missing = ids.filter((id, i) => !found[i] && id.startsWith(OWN_PAPER_PREFIX));
      if (!includeOwn || missing.length === 0) return found;
      // A vector made with another model (before a reembed) cannot be compared: such a paper is left out.
      const mine = new Map((await library.ownPapers(owner, missing)).filter((p) => p.model === base.model).map((p) => [p.id, p]));
      for (const p of mine.values()) own.set(p.seq, p);
      return ids.map((id, i) => found[i] ?? mine.get(id));
    },
    async vectors(seqs, model) {
      const stored = await base.papers.vectors(seqs.filter((s) => !own.has(s)), model);
      let next = 0;
      return seqs.map((s) => (own.has(s) ? own.get(s)!.vector : stored[next++]));
    },
  };
  const ownTerms = new Map<number, Uint32Array>();
  const lexicon: FeedInput['lexicon'] = {
    maxCosines: (liked, seqs) => base.lexicon.maxCosines(liked, seqs),
    fitSteps: (seqs, options) => base.lexicon.fitSteps(seqs, options),
    termsOf(seq) {
      const p = own.get(seq);
      if (!p) return base.lexicon.termsOf(seq);
      if (!ownTerms.has(seq)) ownTerms.set(seq, paperTerms(p));
      return ownTerms.get(seq);
    },
    categoriesOf: (seq) => own.get(seq)?.categories ?? base.lexicon.categoriesOf(seq),
  };
  const users: FeedInput['users'] = {
    starredIds: options.starIds ? () => options.starIds!() : (userId) => base.users.starredIds(userId),
    feedbackIds: (_userId, kind) => base.users.feedbackIds(owner, kind),
  };
  return { ...base, papers, lexicon, users };
}
