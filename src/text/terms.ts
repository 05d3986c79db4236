import { paperText } from '../embed/text.js';

/**
 * The words of a paper as the lexical signals see them (tf-idf in the style of arxiv-sanity-lite: sklearn's
 * TfidfVectorizer with word uni+bigrams and English stop words), and their compact stored form: a term vector of
 * hashed term ids with counts, computed once per text at ingest (src/index/lexicon.ts weighs them).
 */

/** sklearn-like English stop words (a compact subset of its list: the words that matter in abstracts). */
const STOP = new Set(
  (
    'a about above after again against all almost also although always am among an and another any are around as at ' +
    'be became because been before being below between both but by can cannot could did do does doing done down due during ' +
    'each either else enough etc even ever every few for from further get had has have having he her here hers herself him ' +
    'himself his how however i ie if in into is it its itself just least less made many may me might more most mostly much ' +
    'must my myself neither no nor not now of off often on once one only onto or other others otherwise our ours ourselves ' +
    'out over own per perhaps rather same several she should show shows shown since so some still such than that the their ' +
    'theirs them themselves then there thereby therefore these they this those though through thus to too toward towards ' +
    'under until up upon us use used uses using very via was we well were what whatever when where whereas whether which ' +
    'while who whole whom whose why will with within without would yet you your yours yourself yourselves'
  ).split(' '),
);
const TOKEN = /[a-z_][a-z0-9_]+/g;

/** Unigrams (stop words removed) followed by the bigrams of consecutive kept unigrams, as sklearn builds them. */
export function terms(text: string, bigrams = true): string[] {
  const uni = (text.toLowerCase().normalize('NFKD').match(TOKEN) ?? []).filter((t) => !STOP.has(t));
  if (!bigrams) return uni;
  const out = uni.slice();
  for (let i = 0; i + 1 < uni.length; i++) out.push(`${uni[i]} ${uni[i + 1]}`);
  return out;
}


/** Term ids are the top 24 bits of a 32-bit FNV-1a hash: stateless (every process and replica agrees), 16.7M slots. */
export const TERM_ID_BITS = 24;
const MAX_COUNT = 255;

function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The hashed id of one term (unigram, or two words joined by a space). */
export const termId = (term: string) => fnv1a(term) >>> (32 - TERM_ID_BITS);

/**
 * A text's term vector: one uint32 per distinct term, `id << 8 | count` (count capped at 255), ascending by id.
 * The text is the one the model embeds (embed/text.ts paperText), so one cleaning serves both.
 */
export function termVector(text: string): Uint32Array {
  const counts = new Map<number, number>();
  for (const t of terms(text)) {
    const id = termId(t);
    counts.set(id, (counts.get(id) ?? 0) + 1);
  }
  const out = new Uint32Array(counts.size);
  let i = 0;
  for (const [id, n] of counts) out[i++] = ((id << 8) | Math.min(n, MAX_COUNT)) >>> 0;
  return out.sort();
}

/** A paper's term vector, from the text its vector is embedded from (what ingest stores in paper_terms). */
export const paperTerms = (p: { title: string; abstract: string }) => termVector(paperText(p.title, p.abstract));

export const termIdOf = (packed: number) => packed >>> 8;
export const countOf = (packed: number) => packed & 0xff;
