import { paperText } from '../embed/text.js';

/** Token ids of many texts, flat: text i is ids[offsets[i] .. offsets[i + 1]). */
export interface TokenizedTexts {
  ids: Int32Array;
  offsets: Int32Array;
}

const CLS = 2;
const SEP = 3;
const UNK = 1;
/** The pipeline truncates to the model's 512 positions; [CLS] and [SEP] take two. */
const MAX_TOKENS = 510;

/**
 * What BertNormalizer + BertPreTokenizer + WordPiece do for a vocabulary without subword pieces: lowercase,
 * strip accents, split into runs of letters/digits and single punctuation marks; a word not in the vocabulary is
 * [UNK]. Mirrors the model's tokenizer.json (a test checks it against transformers.js), without its per-text cost.
 */
export function splitWords(text: string): string[] {
  return text.toLowerCase().normalize('NFD').replace(/\p{Mn}/gu, '').match(/[\p{L}\p{N}]+|[^\s\p{L}\p{N}]/gu) ?? [];
}

export function tokenize(texts: string[], vocab: Map<string, number>): TokenizedTexts {
  const offsets = new Int32Array(texts.length + 1);
  const ids: number[] = [];
  texts.forEach((text, i) => {
    ids.push(CLS);
    const words = splitWords(text);
    for (let w = 0; w < words.length && w < MAX_TOKENS; w++) ids.push(vocab.get(words[w]) ?? UNK);
    ids.push(SEP);
    offsets[i + 1] = ids.length;
  });
  return { ids: Int32Array.from(ids), offsets };
}

/**
 * Frequent corpus words the vocabulary lacks (llm, lora, rlhf, …): word-like, not plain numbers, in at least
 * `minDocs` texts; the `max` most frequent, ties by word, so the result is deterministic.
 */
export function missingFrequentWords(texts: string[], vocab: Map<string, number>, minDocs: number, max: number): string[] {
  const df = new Map<string, number>();
  for (const text of texts) {
    for (const w of new Set(splitWords(text))) {
      if (vocab.has(w) || w.length < 2 || w.length > 30 || !/\p{L}/u.test(w) || !/^[\p{L}\p{N}]+$/u.test(w)) continue;
      df.set(w, (df.get(w) ?? 0) + 1);
    }
  }
  return [...df]
    .filter(([, n]) => n >= minDocs)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, max)
    .map(([w]) => w);
}

/** Title and abstract texts for training pairs, prepared like the service prepares paper text. */
export function trainingPairs(papers: { title: string; abstract: string }[]): { titles: string[]; abstracts: string[] } {
  return {
    titles: papers.map((p) => paperText(p.title, '').replace(/\.\s*$/, '')),
    abstracts: papers.map((p) => paperText('', p.abstract).replace(/^\.\s*/, '')),
  };
}
