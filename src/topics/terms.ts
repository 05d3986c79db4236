import { GENERIC_WORDS, STOP_WORDS } from './stopwords.js';

export interface WeightedTerm {
  term: string;
  score: number;
}

// Inline math and LaTeX commands carry no topic words (and would leak "mathbb", "frac" into labels).
const LATEX = /\$[^$]*\$|\\[a-zA-Z]+/g;
const WORD = /[a-z][a-z0-9]*(?:-[a-z0-9]+)*/g;

/** Lower-cased words of a text, LaTeX removed; hyphenated words stay whole ("vision-language"). */
export function words(text: string): string[] {
  return text.toLowerCase().replace(LATEX, ' ').match(WORD) ?? [];
}

/** Punctuation that ends a phrase: "large language models (MLLMs)" must not give "models mllms". */
const PHRASE_BREAK = /[.,;:!?()[\]{}"“”]+/;

/** words(), with '' between runs of words that punctuation separates. */
function wordRuns(text: string): string[] {
  return text.replace(LATEX, ' ').split(PHRASE_BREAK).flatMap((run, i) => (i === 0 ? words(run) : ['', ...words(run)]));
}

const usable = (w: string) => w.length >= 3 && !STOP_WORDS.has(w) && !/^\d/.test(w);

/** The more frequent of a word's singular and plural forms in this corpus ("robot"/"robots"). */
function canonicalForm(w: string, freq: Map<string, number>): string {
  const partners = w.endsWith('ies') ? [`${w.slice(0, -3)}y`] : w.endsWith('s') ? [w.slice(0, -1)] : [`${w}s`, ...(w.endsWith('y') ? [`${w.slice(0, -1)}ies`] : [])];
  let best = w;
  let bestN = freq.get(w) ?? 0;
  for (const p of partners) {
    const pn = freq.get(p) ?? 0;
    if (pn > bestN || (pn === bestN && pn > 0 && p < best)) {
      best = p;
      bestN = pn;
    }
  }
  return best;
}

const BREAK = { id: -1, generic: false };

/**
 * Interns every document's distinct terms as numbers: single words (singular and plural forms merged, so both
 * count as one term and the label shows a word the papers actually use) and two-word phrases of usable words,
 * not both generic ("reinforcement learning" yes, "model training" no). Numbers, not strings, because this
 * runs over every abstract of a window.
 */
function internTerms(texts: string[]): { docTerms: Int32Array[]; names: string[]; isPhrase: boolean[] } {
  // Each distinct word hashed once per occurrence, here; later passes use its number.
  const wordIds = new Map<string, number>();
  const freq: number[] = [];
  const tokenised = texts.map((text) =>
    Int32Array.from(wordRuns(text), (w) => {
      if (w === '') return -1; // a phrase break
      let id = wordIds.get(w);
      if (id === undefined) {
        id = freq.push(0) - 1;
        wordIds.set(w, id);
      }
      freq[id]++;
      return id;
    }),
  );
  const freqOf = new Map([...wordIds].map(([w, id]) => [w, freq[id]]));
  // Per distinct word: its term id (-1: unusable), and whether it is generic.
  const wordTerm: { id: number; generic: boolean }[] = [];
  const names: string[] = [];
  const termOf = new Map<string, number>();
  const intern = (name: string) => {
    let id = termOf.get(name);
    if (id === undefined) {
      id = names.push(name) - 1;
      termOf.set(name, id);
    }
    return id;
  };
  for (const [w, id] of wordIds) {
    const c = canonicalForm(w, freqOf);
    wordTerm[id] = usable(c) ? { id: intern(c), generic: GENERIC_WORDS.has(c) } : { id: -1, generic: false };
  }
  // Phrase ids by first word, then second (small-integer keys: much faster than one big numeric key).
  const phrases = new Map<number, Map<number, number>>();
  const seenIn: number[] = []; // the last document each term was counted for
  const docTerms = tokenised.map((doc, d) => {
    const terms: number[] = [];
    const add = (id: number) => {
      if (seenIn[id] !== d) {
        seenIn[id] = d;
        terms.push(id);
      }
    };
    let prev: { id: number; generic: boolean } | null = null;
    for (const w of doc) {
      const t = w < 0 ? BREAK : wordTerm[w];
      if (t.id < 0) {
        prev = null;
        continue;
      }
      if (!t.generic) add(t.id);
      if (prev && prev.id !== t.id && !(prev.generic && t.generic)) {
        let after = phrases.get(prev.id);
        if (!after) phrases.set(prev.id, (after = new Map()));
        let id = after.get(t.id);
        if (id === undefined) {
          id = names.push(`${names[prev.id]} ${names[t.id]}`) - 1;
          after.set(t.id, id);
        }
        add(id);
      }
      prev = t;
    }
    return Int32Array.from(terms);
  });
  return { docTerms, names, isPhrase: names.map((name) => name.includes(' ')) };
}

/**
 * The weight of a term in a class (a topic's documents taken together): its class frequency times the log of how
 * much more frequent it is there than in the whole window, p(t|c)·log(p(t|c)/p(t)), frequencies counting documents.
 * This is class-based TF-IDF with the "idf" measured against the class (the term's share of KL(class‖window)).
 * BERTopic's idf, log(1 + A/f(t)), was tried first: on a 30-day window of 7,421 arXiv papers it named 12 of 30
 * topics "language models, …" and filled labels with "image", "representation", "features"; this one gives
 * "clinical, patient, mri", "energy, power, demand", "robot, manipulation, demonstrations" (docs/topics.md).
 */
function weigh(inClass: number, overall: number): number {
  return inClass * Math.log(inClass / overall);
}

/**
 * Top terms per class (topic), single words and two-word phrases, stop words removed. A term must occur in at
 * least two documents of a class (of more than three), so one odd abstract cannot name a topic. Phrases absorb
 * the single words they contain.
 */
export function classTerms(texts: string[], labels: ArrayLike<number>, k: number, top = 10): WeightedTerm[][] {
  const { docTerms, names, isPhrase } = internTerms(texts);
  const overall = new Int32Array(names.length);
  const byClass: Int32Array[][] = Array.from({ length: k }, () => []);
  docTerms.forEach((terms, i) => {
    byClass[labels[i]].push(terms);
    for (const t of terms) overall[t]++;
  });
  const counts = new Int32Array(names.length);
  return byClass.map((docs) => {
    const touched: number[] = [];
    for (const terms of docs) {
      for (const t of terms) if (counts[t]++ === 0) touched.push(t);
    }
    // Phrases always need two documents: one abstract's word pairs are no topic's name.
    const minDocs = docs.length > 3 ? 2 : 1;
    const scored: WeightedTerm[] = [];
    for (const t of touched) {
      if (counts[t] >= (isPhrase[t] ? 2 : minDocs)) scored.push({ term: names[t], score: weigh(counts[t] / docs.length, overall[t] / docTerms.length) });
      counts[t] = 0;
    }
    scored.sort((a, b) => b.score - a.score || (a.term < b.term ? -1 : 1));
    return pickDistinct(scored, top);
  });
}

/** Greedy top terms without repeats: a phrase replaces the single words it contains; a word inside a chosen phrase is skipped. */
function pickDistinct(ranked: WeightedTerm[], top: number): WeightedTerm[] {
  const chosen: WeightedTerm[] = [];
  for (const t of ranked) {
    if (chosen.length >= top) break;
    const parts = t.term.split(' ');
    if (parts.length === 1) {
      if (chosen.some((c) => c.term.split(' ').includes(t.term))) continue;
      chosen.push(t);
      continue;
    }
    const inside = chosen.findIndex((c) => parts.includes(c.term));
    if (inside >= 0) chosen[inside] = { term: t.term, score: chosen[inside].score };
    else chosen.push(t);
    // A phrase may now cover a second chosen word too: drop it, keeping the first occurrence.
    for (let i = chosen.length - 1; i >= 0; i--) if (parts.includes(chosen[i].term)) chosen.splice(i, 1);
  }
  return chosen;
}

/** A label stops growing before it gets longer than this (characters). */
export const LABEL_MAX_CHARS = 40;

/** Words reduced to a crude stem, so "robot", "robots" and "robotic" count as one word in a label. */
const stems = (term: string) => term.split(/[\s-]+/).map((w) => w.replace(/s$/, '').slice(0, 5));

/**
 * A short label of key phrases: the most distinctive two-word phrase among the top four terms leads (a phrase names a
 * topic better than a word: "reinforcement learning" over "reward"), then the next most distinctive terms that
 * repeat none of the chosen words (by stem), up to `count` terms and LABEL_MAX_CHARS characters.
 */
export function labelOf(terms: WeightedTerm[], count = 3): string {
  if (terms.length === 0) return '';
  const lead = terms.slice(0, 4).find((t) => t.term.includes(' ')) ?? terms[0];
  const chosen = [lead.term];
  const used = new Set(stems(lead.term));
  for (const { term } of terms) {
    if (chosen.length >= count) break;
    if (chosen.includes(term) || stems(term).some((s) => used.has(s))) continue;
    if (`${chosen.join(', ')}, ${term}`.length > LABEL_MAX_CHARS) continue;
    chosen.push(term);
    for (const s of stems(term)) used.add(s);
  }
  return chosen.join(', ');
}
