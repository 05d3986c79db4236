import { describe, expect, it } from 'vitest';
import { feedSignals, feedSignalsYielding, MIN_LIKED_FOR_MODEL } from '../src/recommend/lexical.js';
import { scoreLinear, trainPegasos } from '../src/recommend/linear.js';
import { buildTfidf } from '../src/recommend/tfidf.js';
import { feedScores } from '../src/recommend/feed.js';
import { Lexicon } from '../src/index/lexicon.js';
import { termVector } from '../src/text/terms.js';

describe('per-user linear model with dense features', () => {
  it('learns from the dense block when the text cannot tell the classes apart', () => {
    const docs = ['same words here', 'same words here', 'same words here', 'same words here'];
    const m = buildTfidf(docs, { minDf: 1, maxDf: 1, bigrams: false });
    const dense = { values: Float32Array.from([1, 0, 1, 0, 0, 1, 0, 1]), dim: 2 }; // docs 0, 1 → (1, 0); 2, 3 → (0, 1)
    const w = trainPegasos(m, [0], [2], { lambda: 1e-2, epochs: 200, seed: 1, dense });
    const s = scoreLinear(m, w, [1, 3], dense);
    expect(s[0]).toBeGreaterThan(0);
    expect(s[1]).toBeLessThan(0);
  });
});

describe('feedSignals', () => {
  // Two topics; candidates 0–3: topic A popular, A obscure, B popular, B obscure; then 100 unrelated fillers, so
  // that the topic words stay under tf-idf's max document frequency (10 %), as in a real window.
  const word = (i: number) => `w${String.fromCharCode(97 + (i % 26))}${String.fromCharCode(97 + Math.floor(i / 26))}`;
  const topicA = (i: number) => `graph neural networks message passing molecules chemistry ${word(i)}`;
  const topicB = (i: number) => `speech recognition acoustic models transcription audio ${word(i)}`;
  const fillers = Array.from({ length: 100 }, (_, i) => `${word(200 + i)} ${word(300 + i)} ${word(400 + i)}`);
  const candidates = [topicA(100), topicA(101), topicB(102), topicB(103), ...fillers];
  const candPopularity = [300, 0, 300, 0, ...fillers.map((_, i) => (i % 2 ? 300 : 0))];
  const dim = 2;
  const vecA = [1, 0];
  const vecB = [0, 1];
  // The lexicon as the store keeps it: liked papers under seqs 0–5, candidates from 100 on.
  const likedTexts = Array.from({ length: 6 }, (_, i) => topicA(i));
  const lexicon = new Lexicon();
  likedTexts.forEach((t, i) => lexicon.set(i, termVector(t)));
  candidates.forEach((t, i) => lexicon.set(100 + i, termVector(t)));
  const candidateSeqs = candidates.map((_, i) => 100 + i);
  const input = (likedPopularity: number) => {
    const rows = [...likedTexts.map(() => vecA), vecA, vecA, vecB, vecB, ...fillers.map(() => [Math.SQRT1_2, -Math.SQRT1_2])];
    return {
      lexicon,
      liked: likedTexts.map((_, i) => i),
      candidates: candidateSeqs,
      vectors: Float32Array.from(rows.flat()),
      dim,
      popularity: Float32Array.from([...likedTexts.map(() => likedPopularity), ...candPopularity]),
    };
  };

  it('gives a lexical max-sim below MIN_LIKED_FOR_MODEL stars, and from there a model instead', () => {
    const few = feedSignals({ ...input(0), liked: input(0).liked.slice(0, MIN_LIKED_FOR_MODEL - 1) });
    expect(few.userModel).toBeUndefined();
    expect(few.lexical!.length).toBe(candidates.length);
    expect(few.lexical![0]).toBeGreaterThan(few.lexical![2]);
    const full = feedSignals(input(0));
    expect(full.lexical).toBeUndefined();
    expect(full.userModel?.length).toBe(candidates.length);
  });

  it('gives the same signals when it yields to the event loop (the server) as in one go (the evaluation)', async () => {
    const few = { ...input(300), liked: input(300).liked.slice(0, MIN_LIKED_FOR_MODEL - 1) };
    expect(Array.from((await feedSignalsYielding(few)).lexical!)).toEqual(Array.from(feedSignals(few).lexical!));
    const together = feedSignals(input(300));
    const yielding = await feedSignalsYielding(input(300));
    expect(Array.from(yielding.userModel!)).toEqual(Array.from(together.userModel!));
  });

  it('learns each user’s taste for popularity: the same two on-topic papers swap places', () => {
    const fan = feedSignals(input(300)).userModel!; // stars papers the field upvotes
    const niche = feedSignals(input(0)).userModel!; // stars papers nobody upvoted
    expect(fan[0]).toBeGreaterThan(fan[1]);
    expect(niche[1]).toBeGreaterThan(niche[0]);
    // Topic still dominates: the on-topic paper beats the off-topic one of equal popularity, for both users.
    expect(fan[0]).toBeGreaterThan(fan[2]);
    expect(niche[1]).toBeGreaterThan(niche[3]);
  });

  it('with a user model, the fixed popularity term is dropped (the model learned its own)', () => {
    const base = { affinity: [0.9, 0.1], popularity: [0, 1e20] };
    const withModel = feedScores({ ...base, userModel: [1, 0] });
    const without = feedScores({ ...base, lexical: [1, 0] });
    expect(withModel[0] - withModel[1]).toBeCloseTo(3, 6); // 0.5·(z +1 − z −1) + (z +1 − z −1) = 1 + 2
    expect(without[1]).toBeGreaterThan(without[0]); // 0.5·log1p(1e20)/log1p(100) = 5 outweighs 2σ + 2σ of affinity
  });
});
