import { describe, expect, it } from 'vitest';
import { paperText } from '../src/embed/text.js';
import { Lexicon, LEXICON_MAX_DF, LEXICON_MIN_DF } from '../src/index/lexicon.js';
import { catchUpLexicon, loadLexicon } from '../src/index/lexicon-sync.js';
import { loadLexiconFile, saveLexicon } from '../src/index/lexicon-file.js';
import { TermArena } from '../src/index/term-arena.js';
import fs from 'node:fs';
import path from 'node:path';
import { SqliteEngine } from '../src/store/sqlite-engine.js';
import { SqliteStore } from '../src/store/store.js';
import { countOf, termIdOf, terms, termVector } from '../src/text/terms.js';
import { paper, rng, tempDir, unitVector } from './helpers.js';

/**
 * The lexicon's score straight from its definition, over term strings (no hashing, no caches): tf-idf of the query
 * against tf-idf of the paper, divided by the query's tf-idf norm and the paper's sublinear-tf norm.
 */
function referenceCosine(texts: string[], a: number, b: number): number {
  const docs = texts.map((t) => {
    const tf = new Map<string, number>();
    for (const w of terms(t)) tf.set(w, (tf.get(w) ?? 0) + 1);
    return tf;
  });
  const df = new Map<string, number>();
  for (const d of docs) for (const w of d.keys()) df.set(w, (df.get(w) ?? 0) + 1);
  const n = texts.length;
  const weights = (d: Map<string, number>) => {
    const out = new Map<string, number>();
    for (const [w, c] of d) {
      const f = df.get(w)!;
      if (f < LEXICON_MIN_DF || f > LEXICON_MAX_DF * n) continue;
      out.set(w, (1 + Math.log(c)) * (Math.log((1 + n) / (1 + f)) + 1));
    }
    return out;
  };
  const [wa, wb] = [weights(docs[a]), weights(docs[b])];
  let dot = 0;
  for (const [w, x] of wa) dot += x * (wb.get(w) ?? 0);
  const norm = (xs: number[]) => Math.sqrt(xs.reduce((s, x) => s + x * x, 0));
  const tfNorm = norm([...docs[b].values()].map((c) => 1 + Math.log(c)));
  return dot === 0 ? 0 : dot / (norm([...wa.values()]) * tfNorm);
}

// A small corpus: 3 topics × 8 papers with shared jargon, plus 60 fillers so that topic words stay under max_df.
const seed = 20261204;
const next = rng(seed);
const pick = <T,>(xs: T[]) => xs[Math.floor(next() * xs.length)];
const topics = [
  ['graph', 'neural', 'message', 'passing', 'molecules', 'chemistry'],
  ['speech', 'recognition', 'acoustic', 'transcription', 'audio', 'phonemes'],
  ['robot', 'grasping', 'manipulation', 'tactile', 'gripper', 'dexterous'],
];
const filler = (i: number) => `filler${i} token${i % 7} word${i % 11} thing${i}`;
const texts = [
  ...topics.flatMap((words) => Array.from({ length: 8 }, () => Array.from({ length: 12 }, () => pick(words)).join(' '))),
  ...Array.from({ length: 60 }, (_, i) => filler(i)),
];

describe('Lexicon', () => {
  it(`matches its score computed from the definition (seed ${seed})`, () => {
    const lex = new Lexicon();
    texts.forEach((t, i) => lex.set(i, termVector(t)));
    const seqs = texts.map((_, i) => i);
    for (const q of [0, 9, 17, 30]) {
      const got = lex.cosines(termVector(texts[q]), seqs);
      seqs.forEach((s) => expect(got[s]).toBeCloseTo(referenceCosine(texts, q, s), 5));
      // One liked vector takes its own path: the same cosines as among several, `closest` 0 wherever one counts.
      const one = lex.maxCosines([termVector(texts[q])], seqs);
      const amongTwo = lex.maxCosines([termVector(texts[q]), new Uint32Array(0)], seqs);
      seqs.forEach((s) => expect(one.best[s]).toBeCloseTo(amongTwo.best[s], 6));
      expect(Array.from(one.closest)).toEqual(Array.from(amongTwo.closest));
      expect(one.closest.filter((c) => c === 0).length).toBeGreaterThan(2);
    }
    // maxCosines over several liked papers: the largest reference cosine, and which one it was.
    const liked = [0, 9];
    const { best, closest } = lex.maxCosines(liked.map((l) => termVector(texts[l])), seqs);
    for (const s of [1, 10, 20, 40]) {
      const refs = liked.map((l) => referenceCosine(texts, l, s));
      expect(best[s]).toBeCloseTo(Math.max(...refs), 5);
      if (Math.max(...refs) > 0) expect(closest[s]).toBe(refs.indexOf(Math.max(...refs)));
      else expect(closest[s]).toBe(-1);
    }
  });

  it('keeps document frequencies and norms current through replace and delete', () => {
    const lex = new Lexicon();
    texts.forEach((t, i) => lex.set(i, termVector(t)));
    const before = lex.cosines(termVector(texts[0]), [1])[0];
    lex.set(1, termVector(texts[1])); // replacing with the same terms changes nothing
    expect(lex.cosines(termVector(texts[0]), [1])[0]).toBeCloseTo(before, 10);
    // Removing the other graph papers changes their words' idf: the score must follow.
    for (let i = 2; i < 8; i++) lex.delete(i);
    const shrunk = texts.filter((_, i) => i < 2 || i >= 8);
    expect(lex.size).toBe(shrunk.length);
    expect(lex.cosines(termVector(texts[0]), [1])[0]).toBeCloseTo(referenceCosine(shrunk, 0, 1), 5);
    expect(lex.cosines(termVector(texts[0]), [5])[0]).toBe(0); // gone
  });

  it('builds l2-normalised rows over dense local columns for the per-user model', () => {
    const lex = new Lexicon();
    texts.forEach((t, i) => lex.set(i, termVector(t)));
    const rows = lex.fit([0, 9, 999], { df: 'corpus' }).rows;
    expect(rows.rowPtr[3]).toBe(rows.rowPtr[2]); // unknown paper: empty row
    for (const r of [0, 1]) {
      let sq = 0;
      for (let j = rows.rowPtr[r]; j < rows.rowPtr[r + 1]; j++) sq += rows.vals[j] ** 2;
      expect(sq).toBeCloseTo(1, 5);
    }
    expect(new Set(rows.cols).size).toBe(rows.width); // every column used, numbered 0 … width-1
    expect(Math.max(...rows.cols) + 1).toBe(rows.width);
  });

  it('fits tf-idf on some papers (their own df) and weighs others with the same columns', () => {
    const lex = new Lexicon();
    texts.forEach((t, i) => lex.set(i, termVector(t)));
    const fitted = texts.map((_, i) => i).filter((i) => i % 4 !== 3);
    const fit = lex.fit(fitted, { df: 'rows' });
    type Rows = typeof fit.rows;
    const rowCosine = (ma: Rows, a: number, mb: Rows, b: number) => {
      const wa = new Map<number, number>();
      for (let j = ma.rowPtr[a]; j < ma.rowPtr[a + 1]; j++) wa.set(ma.cols[j], ma.vals[j]);
      let dot = 0;
      for (let j = mb.rowPtr[b]; j < mb.rowPtr[b + 1]; j++) dot += mb.vals[j] * (wa.get(mb.cols[j]) ?? 0);
      return dot;
    };
    // Reference: tf-idf on the fitted texts alone, both sides normalised by their tf-idf norm.
    const reference = (a: string, b: string) => {
      const docs = fitted.map((i) => texts[i]);
      const count = (t: string) => terms(t).reduce((m, w) => m.set(w, (m.get(w) ?? 0) + 1), new Map<string, number>());
      const df = new Map<string, number>();
      for (const d of docs) for (const w of count(d).keys()) df.set(w, (df.get(w) ?? 0) + 1);
      const weights = (t: string) => {
        const out = new Map<string, number>();
        for (const [w, c] of count(t)) {
          const f = df.get(w) ?? 0;
          if (f >= LEXICON_MIN_DF && f <= LEXICON_MAX_DF * docs.length) out.set(w, (1 + Math.log(c)) * (Math.log((1 + docs.length) / (1 + f)) + 1));
        }
        return out;
      };
      const [wa, wb] = [weights(a), weights(b)];
      const norm = (m: Map<string, number>) => Math.sqrt([...m.values()].reduce((s, x) => s + x * x, 0));
      let dot = 0;
      for (const [w, x] of wa) dot += x * (wb.get(w) ?? 0);
      return dot === 0 ? 0 : dot / (norm(wa) * norm(wb));
    };
    let compared = 0;
    for (let a = 0; a < fitted.length; a++) {
      for (let b = a + 1; b < fitted.length; b++) {
        const expected = reference(texts[fitted[a]], texts[fitted[b]]);
        expect(rowCosine(fit.rows, a, fit.rows, b)).toBeCloseTo(expected, 5);
        if (expected > 0) compared++;
      }
    }
    expect(compared).toBeGreaterThan(5); // the fixture's papers share counted terms
    // transform: the fitted papers get their own rows back; others are weighed over the fitted columns only.
    const again = fit.transform(fitted);
    expect(Array.from(again.vals)).toEqual(Array.from(fit.rows.vals));
    expect(Array.from(again.cols)).toEqual(Array.from(fit.rows.cols));
    const others = texts.map((_, i) => i).filter((i) => i % 4 === 3);
    const out = fit.transform([...others, 999]);
    expect(out.width).toBe(fit.rows.width);
    expect(out.rowPtr[others.length + 1]).toBe(out.rowPtr[others.length]); // unknown paper: empty row
    expect(reference(texts[fitted[0]], texts[others[0]])).toBeGreaterThan(0); // same topic
    for (const [a, b] of [[0, 0], [0, 1], [8, 2], [16, 4]]) {
      expect(rowCosine(fit.rows, a, out, b)).toBeCloseTo(reference(texts[fitted[a]], texts[others[b]]), 5);
    }
  });

  it('packs term ids and counts losslessly', () => {
    const v = termVector('alpha beta alpha gamma alpha beta');
    const counts = [...v].map(countOf).sort();
    expect(counts).toEqual([1, 1, 1, 1, 2, 2, 3]); // alpha×3, beta×2, gamma; bigrams: “alpha beta”×2, three others once
    expect([...v].map(termIdOf)).toEqual([...v].map(termIdOf).sort((a, b) => a - b));
  });
});

describe('term arena', () => {
  it('finds each paper by its span, across chunks and a grown span table, and forgets removed ones', () => {
    const arena = new TermArena();
    const big = Uint32Array.from({ length: (4 << 20) + 1 }, (_, i) => (i << 8) | 1); // more than a chunk: one of its own
    arena.add(7, Uint32Array.of(0x101, 0x201));
    arena.add(100_000, big); // far past the span table's first size
    arena.add(3, Uint32Array.of(0x301));
    expect([arena.size, arena.has(7), arena.has(8), arena.length(100_000)]).toEqual([3, true, false, big.length]);
    expect(Array.from(arena.termsOf(3)!)).toEqual([0x301]);
    expect(arena.termsOf(100_000)!.at(-1)).toBe(big.at(-1));
    expect(Array.from(arena.seqs())).toEqual([3, 7, 100_000]);
    const spans = arena.locate([3, 99, 7]);
    expect(spans[3]).toBe(-1); // seq 99: not held
    expect(Array.from(arena.chunk(spans[6]).subarray(spans[7], spans[8]))).toEqual([0x101, 0x201]);
    expect(Array.from(arena.remove(7)!)).toEqual([0x101, 0x201]);
    expect([arena.size, arena.has(7), arena.remove(7)]).toEqual([2, false, undefined]);
    const over = TermArena.over(Int32Array.of(5, 2), Int32Array.of(0, 2, 3), Uint32Array.of(1, 2, 3));
    expect([Array.from(over.termsOf(5)!), Array.from(over.termsOf(2)!), over.size]).toEqual([[1, 2], [3], 2]);
  });
});

describe('lexicon file', () => {
  it('reads back what it saved (same scores, same version), and ignores a file that does not add up', async () => {
    const lex = new Lexicon();
    const cats = [['cs.LG'], ['cs.CL', 'cs.AI'], ['cs.RO']];
    texts.forEach((t, i) => lex.set(3 * i, termVector(t), i === 4 ? undefined : cats[i % 3])); // paper 12: categories not known
    const dir = tempDir();
    expect(loadLexiconFile(dir)).toBeNull(); // none yet
    await saveLexicon(dir, lex, 2 ** 33 + 5);
    const back = loadLexiconFile(dir)!;
    expect(back.version).toBe(2 ** 33 + 5);
    const seqs = texts.map((_, i) => 3 * i);
    for (const q of [0, 9, 17]) expect(Array.from(back.lexicon.cosines(termVector(texts[q]), seqs))).toEqual(Array.from(lex.cosines(termVector(texts[q]), seqs)));
    expect(Array.from(back.lexicon.fit(seqs, { df: 'corpus' }).rows.vals)).toEqual(Array.from(lex.fit(seqs, { df: 'corpus' }).rows.vals));
    expect(seqs.map((seq) => back.lexicon.categoriesOf(seq))).toEqual(seqs.map((seq) => lex.categoriesOf(seq)));
    expect([back.lexicon.categoriesOf(3), back.lexicon.categoriesOf(12), back.lexicon.categoriesOf(1)]).toEqual([['cs.CL', 'cs.AI'], undefined, undefined]);
    // A later change applies on top of the loaded one as on the original.
    back.lexicon.delete(0);
    lex.delete(0);
    expect(back.lexicon.categoriesOf(0)).toBeUndefined();
    expect(Array.from(back.lexicon.cosines(termVector(texts[1]), seqs))).toEqual(Array.from(lex.cosines(termVector(texts[1]), seqs)));
    const file = path.join(dir, 'lexicon.bin');
    // A category list number that points at no list: not a file we wrote.
    const bytes = fs.readFileSync(file);
    const listOfAt = bytes.length - Math.ceil(bytes.readUInt32LE(28) / 4) * 4 - 4 * texts.length;
    fs.writeFileSync(file, Buffer.concat([bytes.subarray(0, listOfAt), Buffer.from(Int32Array.of(99).buffer), bytes.subarray(listOfAt + 4)]));
    expect(loadLexiconFile(dir)).toBeNull();
    fs.writeFileSync(file, bytes);
    expect(loadLexiconFile(dir)).not.toBeNull();
    fs.truncateSync(file, fs.statSync(file).size - 8);
    expect(loadLexiconFile(dir)).toBeNull();
  });
});

describe('lexicon sync', () => {
  it('stores term vectors with each write, backfills papers stored without them, and replays changes', async () => {
    const store = new SqliteStore(tempDir());
    const engine = new SqliteEngine(store);
    const r = rng(7);
    const write = (id: string, title: string, abstract: string, withTerms = true) =>
      engine.writes.writeBatch(
        [{ paper: paper(id, { title, abstract }), contentHash: id, vector: unitVector(4, r), ...(withTerms ? { terms: termVector(paperText(title, abstract)) } : {}) }],
        'm',
        4,
      );
    await write('a', 'Graph networks', 'message passing on molecules');
    await write('b', 'Speech models', 'acoustic transcription of audio', false); // as stored before term vectors
    expect(await engine.writes.papersWithoutTerms(-1, 10)).toEqual([expect.objectContaining({ title: 'Speech models' })]);

    const { lexicon, version } = await loadLexicon(engine.changes, engine.writes, () => {});
    expect(lexicon.size).toBe(2);
    expect(await engine.writes.papersWithoutTerms(-1, 10)).toEqual([]); // backfilled in the store, once
    const [b] = await engine.papers.byIds(['b']);
    expect([...lexicon.termsOf(b!.seq)!]).toEqual([...termVector(paperText('Speech models', 'acoustic transcription of audio'))]);

    await write('c', 'Robot grasping', 'tactile manipulation');
    await engine.writes.deletePaper('a');
    await catchUpLexicon(lexicon, engine.changes, version, await engine.changes.head());
    const [c] = await engine.papers.byIds(['c']);
    expect(lexicon.size).toBe(2);
    expect(lexicon.has(c!.seq)).toBe(true);
    expect(lexicon.categoriesOf(c!.seq)).toEqual(['cs.LG']); // the paper's categories come with its terms
    // Other categories for the same text: the log names the paper, and the lexicon takes them.
    const before = await engine.changes.head();
    await engine.writes.writeBatch([{ paper: paper('c', { title: 'Robot grasping', abstract: 'tactile manipulation', categories: ['cs.RO'] }), contentHash: 'c' }], 'm', 4);
    await catchUpLexicon(lexicon, engine.changes, before, await engine.changes.head());
    expect(lexicon.categoriesOf(c!.seq)).toEqual(['cs.RO']);
    await engine.close();
  });
});
