import { afterAll, describe, expect, it } from 'vitest';
import { hybridFusion, reciprocalRankFusion } from '../src/recommend/hybrid-search.js';
import { applyCategoryPrior, sharesCategory, topWithCategoryPrior } from '../src/recommend/category-prior.js';
import { COMMON_WORD_MIN, memoryKeywordSearch, STOP_WORDS } from '../src/store/search.js';
import { titleFit } from '../src/store/title-match.js';
import { lexicalList } from '../src/recommend/hybrid-search.js';
import { sanityLiteRanker, titleWordsQuery } from '../src/eval/search.js';
import { rng } from '../src/util/random.js';
import type { EvalData } from '../src/eval/data.js';

const docs = [
  { title: 'Planning with diffusion models for robot control', abstract: 'We plan robot trajectories with diffusion.' },
  // Repeats the query words in a long abstract, but its title holds only one of them.
  { title: 'A survey of control', abstract: 'diffusion models planning diffusion models planning diffusion planning models robot robot' },
  { title: 'Graph neural networks', abstract: 'Message passing on graphs.' },
];

describe('keyword search: the title tier', () => {
  it('puts the paper whose title holds every query word first, flagged, above a long abstract repeating them', () => {
    const index = memoryKeywordSearch(docs);
    const served = index.search.search('diffusion planning models', 10, null);
    expect(served.map((h) => h.seq)).toEqual([0, 1]);
    expect(served[0].title).toBe(true);
    expect(served[1].title).toBeUndefined();
    expect(served[0].score).toBeGreaterThan(served[1].score);
    // Without the tier, bm25 over both columns ranks the repetitive abstract first: what the tier fixes.
    const previous = index.withRanking({ titleWeight: 2, titleFirst: false, tierOrder: 'bm25', rest: 'or' }).search('diffusion planning models', 10, null);
    expect(previous.map((h) => h.seq)).toEqual([1, 0]);
    // The window still applies to the tier.
    expect(index.search.search('diffusion planning models', 10, new Set([1, 2])).map((h) => h.seq)).toEqual([1]);
    index.close();
  });
});

describe('title fit: the order inside the title tier', () => {
  it('puts the words in title order first, then exact words in another order, then stemmed matches; shorter titles first', () => {
    const words = ['latent', 'world', 'models'];
    const fit = (title: string) => titleFit(words, title, STOP_WORDS);
    const short = fit('Latent World Models for Control');
    const long = fit('Learning Latent Action World Models In The Wild');
    const otherOrder = fit('World Models with Latent Memory');
    const stemmed = fit('Latent World Model');
    expect(short).toBeGreaterThan(long);
    expect(long).toBeGreaterThan(otherOrder);
    expect(otherOrder).toBeGreaterThan(stemmed);
    expect(fit('Latent World Models')).toBeGreaterThan(short);
  });

  it('orders the tier of a real keyword search: the shorter in-order title above the longer, both flagged', () => {
    const index = memoryKeywordSearch([
      { title: 'Learning latent action world models in the wild', abstract: 'x' },
      { title: 'Latent world models', abstract: 'y' },
      { title: 'World models of latent dynamics', abstract: 'z' },
    ]);
    const hits = index.search.search('latent world models', 10, null);
    expect(hits.map((h) => h.seq)).toEqual([1, 0, 2]);
    expect(hits.every((h, i) => h.title && (i === 0 || h.score < hits[i - 1].score))).toBe(true);
    index.close();
  });
});

describe('keyword search below the tier: any rare word or every common one, by bm25; never a common word alone', () => {
  // More papers than COMMON_WORD_MIN hold "common": it may rank, but never makes a match alone.
  const filler = Array.from({ length: COMMON_WORD_MIN + 200 }, (_, i) => ({ title: `Common study ${i}`, abstract: 'Nothing else here.' }));
  const docs = [
    ...filler,
    { title: 'Attention kernels', abstract: 'A common approach to sparse attention.' }, // every word but "zebra"
    { title: 'Sparse kernels', abstract: 'Fast kernels.' }, // one rare word
    { title: 'Dense kernels', abstract: 'We revisit sparse kernels and their kernels, common ones.' }, // for candidates below
  ];
  const [allButOne, rare, abstractOnly] = [filler.length, filler.length + 1, filler.length + 2];
  const index = memoryKeywordSearch(docs);
  afterAll(() => index.close());

  it('finds the paper missing one word first, then rare-word matches, and no paper holding only the common word', () => {
    const hits = index.search.search('common sparse attention zebra', 10, null);
    expect(hits[0].seq).toBe(allButOne);
    expect(hits.map((h) => h.seq)).toContain(rare);
    expect(hits.every((h) => h.seq >= filler.length)).toBe(true);
    expect(hits.every((h, i) => i === 0 || h.score <= hits[i - 1].score)).toBe(true);
    // The previous ranking OR-ed every word: the common one filled the list.
    const previous = index.withRanking({ titleWeight: 2, titleFirst: false, tierOrder: 'bm25', rest: 'or' }).search('common sparse attention zebra', 10, null);
    expect(previous.some((h) => h.seq < filler.length)).toBe(true);
  });

  it('with `candidates`, returns the tier (ordered by fit) and the papers holding every word, unranked, nothing else', () => {
    const hits = index.search.search('sparse kernels', 10, null, { candidates: true });
    // The other two hold both words outside the title: newest first, unranked.
    expect(hits.map((h) => [h.seq, h.title ?? false])).toEqual([[rare, true], [abstractOnly, false], [allButOne, false]]);
    expect(hits.slice(1).map((h) => h.score)).toEqual([0, 0]);
    expect(index.search.search('sparse kernels', 10, new Set([abstractOnly]), { candidates: true }).map((h) => h.seq)).toEqual([abstractOnly]);
  });
});

describe('hybrid search: the lexical list', () => {
  it('keeps the title tier first, then ranks the keyword candidates and the semantic list by the lexicon cosine', () => {
    const cos = new Map([[3, 0.5], [4, 0.9], [5, 0], [6, 0.2], [7, 0], [8, 0]]);
    const lexicon = { cosines: (_q: Uint32Array, seqs: ArrayLike<number>) => Float32Array.from(Array.from(seqs, (s) => cos.get(s) ?? 0)) };
    const keyword = [{ seq: 1, score: 1002, title: true }, { seq: 8, score: 0 }, { seq: 3, score: 0 }, { seq: 5, score: 0 }];
    const semantic = [{ seq: 6, score: 0.8 }, { seq: 4, score: 0.7 }, { seq: 1, score: 0.6 }, { seq: 7, score: 0.5 }];
    // Keyword candidates with cosine 0 stay last, in the store's order; a semantic paper with cosine 0 (7) does not.
    expect(lexicalList(keyword, semantic, lexicon, 'q', 10)).toEqual([
      { seq: 1, score: 1002, title: true },
      { seq: 4, score: expect.closeTo(0.9, 6) },
      { seq: 3, score: 0.5 },
      { seq: 6, score: expect.closeTo(0.2, 6) },
      { seq: 8, score: 0 },
      { seq: 5, score: 0 },
    ]);
    expect(lexicalList(keyword, semantic, lexicon, 'q', 2).map((h) => h.seq)).toEqual([1, 4]);
  });
});

describe('hybrid fusion', () => {
  const semantic = [{ seq: 5, score: 0.9 }, { seq: 6, score: 0.8 }, { seq: 7, score: 0.7 }];
  const keyword = [{ seq: 7, score: 1010, title: true }, { seq: 5, score: 8 }, { seq: 9, score: 3 }];

  it('pins keyword hits whose title holds every query word, scoring 1 + their RRF score, then fuses the rest', () => {
    const fused = hybridFusion(semantic, keyword, 4);
    expect(fused).toEqual(hybridFusion(semantic, keyword, 4, { titleMatches: 'pin' })); // one pinned hit: same order
    expect(fused.map((r) => r.seq)).toEqual([7, 5, 6, 9]);
    expect(fused[0].score).toBeCloseTo(1 + 1 / 61 + 1 / 63, 12);
    expect(fused[1].score).toBeCloseTo(1 / 61 + 1 / 62, 12);
  });

  it('with no title hits (or with rrf) is plain reciprocal-rank fusion', () => {
    const plain = keyword.map(({ seq, score }) => ({ seq, score }));
    expect(hybridFusion(semantic, plain, 4)).toEqual(reciprocalRankFusion([semantic, plain], 4));
    expect(hybridFusion(semantic, keyword, 4, { titleMatches: 'rrf' })).toEqual(reciprocalRankFusion([semantic, keyword], 4));
  });
});

describe('hybrid fusion: several pinned hits', () => {
  it('keeps keyword order (pin, served: the tier is ordered by title fit) or orders them by their fused score (pin-fused)', () => {
    const semantic = [{ seq: 2, score: 0.9 }];
    const keyword = [{ seq: 1, score: 1010, title: true }, { seq: 2, score: 1005, title: true }];
    expect(hybridFusion(semantic, keyword, 2).map((r) => r.seq)).toEqual([1, 2]);
    expect(hybridFusion(semantic, keyword, 2, { titleMatches: 'pin-fused' }).map((r) => r.seq)).toEqual([2, 1]);
  });
});

describe('category prior for similar papers', () => {
  it('penalises a neighbour sharing no category, and nothing when either side has none', () => {
    expect(sharesCategory(['cs.AI', 'cs.CL'], ['cs.CL'])).toBe(true);
    expect(sharesCategory(['cs.AI'], ['cs.RO'])).toBe(false);
    expect(sharesCategory([], ['cs.RO'])).toBe(true);
    const scores = applyCategoryPrior(Float64Array.from([2, 1.5, 1]), ['cs.AI'], [['cs.RO'], ['cs.AI', 'cs.LG'], []]);
    expect([...scores]).toEqual([0, 1.5, 1]);
    expect([...applyCategoryPrior(Float64Array.from([2]), [], [['cs.RO']])]).toEqual([2]);
  });
});

describe('category prior, categories from memory', () => {
  const cats = ['cs.AI', 'cs.CL', 'cs.RO', 'cs.CV'];
  type P = { seq: number; score: number; categories: string[] };
  /** A pool as the index gives it: seqs with scores in no particular order (shuffled here). */
  const makePool = (r: () => number, n: number): P[] => {
    const pool = Array.from({ length: n }, (_, seq) => ({ seq, score: Math.round(r() * 40) / 10, categories: [cats[Math.floor(r() * 4)]] }));
    for (let i = pool.length - 1; i > 0; i--) {
      const j = Math.floor(r() * (i + 1));
      [pool[i], pool[j]] = [pool[j], pool[i]];
    }
    return pool;
  };
  /** The prior applied to the whole pool, then the top k: what the served order must equal. */
  const expectedTop = (pool: P[], query: string[], k: number) => {
    const all = applyCategoryPrior(Float64Array.from(pool, (p) => p.score), query, pool.map((p) => p.categories), 2);
    return pool.map((p, i) => [p.seq, all[i]]).sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, k);
  };
  /** topWithCategoryPrior over a pool, reading papers through `read` (which sees every statement's seqs). */
  const top = (pool: P[], k: number, query: string[], known: (seq: number) => boolean, read: (seqs: number[]) => number[]) => {
    const bySeq = new Map(pool.map((p) => [p.seq, p]));
    return topWithCategoryPrior(
      pool.map((p) => p.seq),
      pool.map((p) => p.score),
      k,
      query,
      (seq) => (known(seq) ? bySeq.get(seq)!.categories : undefined),
      async (seqs) => read(seqs).map((seq) => bySeq.get(seq)!),
      2,
    );
  };

  it('gives exactly the order of applying the prior to the whole pool, reading only the k papers returned', async () => {
    const seed = 20261204;
    console.log(`topWithCategoryPrior test: seed ${seed}`);
    const r = rng(seed);
    for (let trial = 0; trial < 50; trial++) {
      const pool = makePool(r, 200);
      const query = [cats[trial % 4]];
      const k = 1 + trial; // 1 to 50 of 200
      const reads: number[][] = [];
      const got = await top(pool, k, query, () => true, (seqs) => (reads.push(seqs), seqs));
      const expected = expectedTop(pool, query, k);
      expect(got.map((g) => [g.paper.seq, g.score]), `trial ${trial}`).toEqual(expected);
      expect(reads, `trial ${trial}`).toEqual([expected.map((e) => e[0])]);
    }
  });

  it('reads the categories memory does not hold, and leaves out a paper the store no longer has', async () => {
    const seed = 20261206;
    console.log(`topWithCategoryPrior unknown-categories test: seed ${seed}`);
    const r = rng(seed);
    const pool = makePool(r, 200);
    const unknown = new Set(pool.filter(() => r() < 0.1).map((p) => p.seq));
    const query = ['cs.AI'];
    const gone = expectedTop(pool, query, 10)[3][0]; // deleted after the index gave it
    let read = 0;
    const got = await top(pool, 10, query, (seq) => !unknown.has(seq), (seqs) => ((read += seqs.length), seqs.filter((s) => s !== gone)));
    expect(got.map((g) => [g.paper.seq, g.score])).toEqual(expectedTop(pool.filter((p) => p.seq !== gone), query, 10));
    expect(read).toBe(unknown.size + 10 + 1); // the unknown ones, the first ten (one gone), the one in its place
  });

  it('reads a large k in statements of at most 500, to the same order', async () => {
    const seed = 20261205;
    console.log(`topWithCategoryPrior large-k test: seed ${seed}`);
    const pool = makePool(rng(seed), 3000);
    const batches: number[] = [];
    const got = await top(pool, 1000, ['cs.AI'], () => true, (seqs) => (batches.push(seqs.length), seqs));
    expect(got.map((g) => [g.paper.seq, g.score])).toEqual(expectedTop(pool, ['cs.AI'], 1000));
    expect(batches).toEqual([500, 500]);
  });
});

describe('known-item queries', () => {
  it('are three distinct content words of the title in title order, seeded', () => {
    const title = 'Attention Is All You Need for Robust Speech Recognition';
    const a = titleWordsQuery(title, rng(3))!;
    expect(a).toBe(titleWordsQuery(title, rng(3)));
    const words = a.split(' ');
    expect(new Set(words).size).toBe(3);
    const order = 'attention all you need robust speech recognition'.split(' ');
    for (const w of words) expect(order).toContain(w);
    expect(words.map((w) => order.indexOf(w))).toEqual([...words.map((w) => order.indexOf(w))].sort((x, y) => x - y));
    expect(titleWordsQuery('On the Limits of Graphs', rng(1))).toBeNull();
  });

  it('the arxiv-sanity-lite baseline scores 20 per title word plus capped abstract counts', () => {
    const data = { papers: docs.map((d, i) => ({ ...d, id: String(i) })), corpusCount: docs.length } as unknown as EvalData;
    expect(sanityLiteRanker(data)('diffusion planning', 10)).toEqual([0, 1]);
  });
});
