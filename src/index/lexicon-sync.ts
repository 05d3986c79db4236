import type { ChangeLog, PaperWrites } from '../store/ports.js';
import { paperTerms } from '../text/terms.js';
import { Lexicon } from './lexicon.js';

export type TermSource = Pick<ChangeLog, 'head' | 'termsSince' | 'allTerms'>;
export type TermBackfill = Pick<PaperWrites, 'papersWithoutTerms' | 'saveTerms'>;

const BACKFILL_PAGE = 2048;

/**
 * Papers stored before term vectors existed get theirs (computed from the same text as their vector) once, on the
 * first start of this version: ~10 s of CPU at 125k papers, then never again.
 */
async function backfill(store: TermBackfill, log: (msg: string) => void): Promise<number> {
  let done = 0;
  for (let after = -1; ; ) {
    const page = await store.papersWithoutTerms(after, BACKFILL_PAGE);
    if (page.length === 0) break;
    await store.saveTerms(page.map((p) => ({ seq: p.seq, terms: paperTerms(p) })));
    done += page.length;
    after = page[page.length - 1].seq;
    if (done % (BACKFILL_PAGE * 10) === 0) log(`lexicon: term vectors for ${done} earlier papers …`);
  }
  if (done) log(`lexicon: term vectors computed for ${done} papers stored before they existed`);
  return done;
}

/** The lexicon of every stored term vector, as of the returned change-log version (later changes: catchUp). */
export async function loadLexicon(source: TermSource, store: TermBackfill, log: (msg: string) => void): Promise<{ lexicon: Lexicon; version: number }> {
  const version = await source.head(); // first: whatever is written later is replayed by the next catch-up
  await backfill(store, log);
  const lexicon = new Lexicon();
  for await (const page of source.allTerms()) for (const { seq, terms, categories } of page) lexicon.set(seq, terms, categories);
  return { lexicon, version };
}

/** Replays the term vectors (and categories) of the papers changed in (from, upTo]. */
export async function catchUpLexicon(lexicon: Lexicon, source: TermSource, from: number, upTo: number): Promise<void> {
  if (upTo <= from) return;
  for await (const row of source.termsSince(from, upTo)) {
    if (row.terms) lexicon.set(row.seq, row.terms, row.categories);
    else lexicon.delete(row.seq);
  }
}
