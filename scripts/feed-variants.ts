/**
 * Feed-ranker exploration on the evaluation's dev users (tuning is allowed on dev only; `--split test` at the end).
 * Computes each signal once per user over production's candidate pool, then scores many fusions of them and prints
 * Recall@50 per user set. Not part of `npm run eval`: this is where variants were tried before one was adopted.
 *   npx tsx scripts/feed-variants.ts [--split dev|test] [--quick]
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { loadEvalData } from '../src/eval/data.js';
import { embedPapers } from '../src/eval/embed-cache.js';
import { hfSubmitterUsers, topicSetUsers, type FeedUser } from '../src/eval/feedtask.js';
import { recallAtK } from '../src/eval/metrics.js';
import { maxAffinity, productionPool } from '../src/eval/rankers.js';
import { rng, seedOf, tieBreaker, topK } from '../src/eval/util.js';
import { diversify } from '../src/recommend/affinity.js';
import { dot, zScores } from '../src/recommend/stats.js';
import { localFeedSignals } from '../src/eval/local-tfidf.js';
import { scoreLinear, trainPegasos } from '../src/recommend/linear.js';
import { buildTfidf, maxCosine } from '../src/recommend/tfidf.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { values } = parseArgs({ options: { split: { type: 'string', default: 'dev' }, quick: { type: 'boolean', default: false }, model: { type: 'string', default: 'paperfeed-arxiv-100d' } } });
const log = (m: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${m}`);

const data = await loadEvalData(path.join(root, '..', 'shared', 'data'), values.quick ? (id) => seedOf(id) % 8 === 0 : undefined);
log(`data: ${data.papers.length} papers`);
const tfidf = buildTfidf(data.papers.map((p) => p.text));
log('tf-idf built');
const emb = await embedPapers(data.papers, values.model!, path.join(root, 'models'), path.join(root, '.cache', 'eval'), log);
const dim = emb.dim;
const vec = (i: number) => emb.vectors.subarray(i * dim, (i + 1) * dim);

/**
 * PinnerSage-style: cluster the history (average-link agglomerative on cosine, merge while the best pair's mean
 * similarity is above `threshold`), represent each cluster by its medoid, weight clusters by recency-decayed size.
 * Score = max over clusters of sim(candidate, medoid) + beta · log(normalised weight).
 */
function pinnerSage(liked: Float32Array[], cands: Float32Array[], threshold: number, beta: number, halfLife = 20): Float64Array {
  const n = liked.length;
  let clusters = liked.map((_, i) => [i]);
  const sim = (a: number, b: number) => dot(liked[a], liked[b]);
  const link = (A: number[], B: number[]) => {
    let s = 0;
    for (const a of A) for (const b of B) s += sim(a, b);
    return s / (A.length * B.length);
  };
  while (clusters.length > 1) {
    let best = -Infinity;
    let bi = -1;
    let bj = -1;
    for (let i = 0; i < clusters.length; i++)
      for (let j = i + 1; j < clusters.length; j++) {
        const l = link(clusters[i], clusters[j]);
        if (l > best) [best, bi, bj] = [l, i, j];
      }
    if (best < threshold) break;
    clusters[bi] = [...clusters[bi], ...clusters[bj]];
    clusters.splice(bj, 1);
  }
  const medoids: Float32Array[] = [];
  const weights: number[] = [];
  for (const c of clusters) {
    let m = c[0];
    let ms = -Infinity;
    for (const a of c) {
      let s = 0;
      for (const b of c) s += sim(a, b);
      if (s > ms) [ms, m] = [s, a];
    }
    medoids.push(liked[m]);
    weights.push(c.reduce((w, i) => w + Math.pow(0.5, (n - 1 - i) / halfLife), 0));
  }
  const total = weights.reduce((a, b) => a + b, 0);
  const out = new Float64Array(cands.length);
  for (let i = 0; i < cands.length; i++) {
    let best = -Infinity;
    for (let c = 0; c < medoids.length; c++) best = Math.max(best, dot(cands[i], medoids[c]) + beta * Math.log(weights[c] / total));
    out[i] = best;
  }
  return out;
}

/**
 * The per-user model on [tf-idf row ⊕ alpha·dense ⊕ gamma·pop ⊕ 1] (production's trainPegasos with dense features);
 * rows[i] must be document i of `m`. Returns the margin of every row.
 */
function jointSvm(
  m: ReturnType<typeof buildTfidf>,
  rows: { doc: number; dense: Float32Array; pop: number }[],
  positives: number[],
  negatives: number[],
  alpha: number,
  gamma: number,
  lambda = 1e-2,
  epochs = 10,
): Float64Array {
  const D = rows[0].dense.length + 1;
  const values = new Float32Array(rows.length * D);
  rows.forEach((x, i) => {
    for (let d = 0; d < D - 1; d++) values[i * D + d] = alpha * x.dense[d];
    values[i * D + D - 1] = gamma * x.pop;
  });
  const dense = { values, dim: D };
  const w = trainPegasos(m, positives, negatives, { lambda, epochs, seed: 7, dense });
  return scoreLinear(m, w, rows.map((_, i) => i), dense);
}

type Signals = Record<string, Float64Array>;
const results = new Map<string, { set: string; r50: number[] }>();
const add = (set: string, name: string, r: number) => {
  const key = `${set}\t${name}`;
  if (!results.has(key)) results.set(key, { set, r50: [] });
  results.get(key)!.r50.push(r);
};

function evaluate(setName: string, users: FeedUser[]) {
  users.forEach((u, ui) => {
    const hist = u.history.slice(-200);
    const liked = hist.map(vec);
    const candVecs = Array.from(u.candidates, vec);
    const poolPos = productionPool(liked, candVecs, 50);
    const pool = poolPos.map((i) => u.candidates[i]);
    const P = pool.length;
    const rel = new Set(u.heldOut);
    const tie = tieBreaker(P, seedOf(`feed-tie:${u.key}`));
    const pv = pool.map(vec);
    const upv = Float64Array.from(pool, (i) => Math.log1p(data.papers[i].upvotes));
    const text = (i: number) => data.papers[i].text;
    const s: Signals = {};
    s.dense = maxAffinity(liked, pv);
    // The lexical max-sim and a tf-idf-only SVM (production's per-user model with its dense features zeroed).
    const rowsN = hist.length + pool.length;
    const { lexical, userModel: svm } = localFeedSignals({ likedTexts: hist.map(text), candidateTexts: pool.map(text), vectors: new Float32Array(rowsN * dim), dim, popularity: new Float32Array(rowsN) });
    s.pin = pinnerSage(liked, pv, 0.55, 0.05);
    s.lex = Float64Array.from(lexical);
    s.svm = svm ? Float64Array.from(svm) : new Float64Array(P);
    const poolI = Int32Array.from(pool);
    s.gtf = Float64Array.from(maxCosine(tfidf, hist, poolI));
    const histSet = new Set(u.history);
    const r = rng(seedOf(`svm-neg:${u.key}`));
    const negatives: number[] = [];
    for (let tries = 0; negatives.length < 5000 && tries < 50000; tries++) {
      const i = Math.floor(r() * data.papers.length);
      if (!histSet.has(i)) negatives.push(i);
    }
    const wRand = trainPegasos(tfidf, hist, negatives, { lambda: 1e-2, epochs: 10, seed: seedOf(`svm:${u.key}`) });
    s.gsvmRand = scoreLinear(tfidf, wRand, poolI);
    if (hist.length >= 5) {
      const step = Math.max(1, Math.floor(P / 5000));
      const negPool: number[] = [];
      for (let i = 0; i < P; i += step) negPool.push(pool[i]);
      const wPool = trainPegasos(tfidf, hist, negPool, { lambda: 1e-2, epochs: 10, seed: 1 });
      s.gsvmPool = scoreLinear(tfidf, wPool, poolI);
      // Joint model on the global tf-idf rows + dense + popularity; negatives = the pool.
      const rows = [...hist, ...pool].map((doc) => ({ doc, dense: vec(doc), pop: Math.log1p(data.papers[doc].upvotes) / Math.log1p(100) }));
      const posIdx = hist.map((_, i) => i);
      const negIdx: number[] = [];
      for (let i = 0; i < P; i += step) negIdx.push(hist.length + i);
      // The same on a local tf-idf (fitted on history + pool, as production's lexicalSignals does).
      const local = buildTfidf([...hist, ...pool].map(text), { minDf: 2, maxDf: 0.1, maxFeatures: 50_000 });
      const lrows = rows.map((x, i) => ({ ...x, doc: i }));
      s['ljoint'] = jointSvm(local, lrows, posIdx, negIdx, 0.5, 0.5, 1e-2).subarray(hist.length);
      s['ljoint e20'] = jointSvm(local, lrows, posIdx, negIdx, 0.5, 0.5, 1e-2, 20).subarray(hist.length);
      s['ljoint allneg'] = jointSvm(local, lrows, posIdx, pool.map((_, i) => hist.length + i), 0.5, 0.5, 1e-2).subarray(hist.length);
      // + 2,000 random corpus papers as extra (easy) negatives, in the tf-idf too.
      const rnd = negatives.slice(0, 2000);
      const rrows = [...hist, ...pool, ...rnd].map((doc, i) => ({ doc: i, dense: vec(doc), pop: Math.log1p(data.papers[doc].upvotes) / Math.log1p(100) }));
      const rlocal = buildTfidf([...hist, ...pool, ...rnd].map(text), { minDf: 2, maxDf: 0.1, maxFeatures: 50_000 });
      const rneg = [...negIdx, ...rnd.map((_, i) => hist.length + P + i)];
      s['ljoint +rand'] = jointSvm(rlocal, rrows, posIdx, rneg, 0.5, 0.5, 1e-2).subarray(hist.length, hist.length + P);
    } else {
      s.gsvmPool = new Float64Array(P);
      for (const k of ['ljoint', 'ljoint e20', 'ljoint allneg', 'ljoint +rand']) s[k] = new Float64Array(P);
    }
    // The user's popularity taste: their stars' mean log-upvotes vs the pool's, in pool std units.
    const histPop = hist.reduce((a, i) => a + Math.log1p(data.papers[i].upvotes), 0) / hist.length;
    const poolZ = zScores(upv);
    let mu = 0;
    for (const x of upv) mu += x;
    mu /= P;
    let sd = 0;
    for (const x of upv) sd += (x - mu) ** 2;
    sd = Math.sqrt(sd / P) || 1;
    const taste = (histPop - mu) / sd;

    const Z: Record<string, Float64Array> = {};
    for (const [k, v] of Object.entries(s)) Z[k] = zScores(v);
    const fuse = (parts: [string, number][], popW: number, popMode: 'log' | 'z' | 'taste' = 'log') => {
      const out = new Float64Array(P);
      for (const [k, w] of parts) for (let i = 0; i < P; i++) out[i] += w * Z[k][i];
      for (let i = 0; i < P; i++) {
        if (popMode === 'log') out[i] += (popW * upv[i]) / Math.log1p(100);
        else if (popMode === 'z') out[i] += popW * poolZ[i];
        else out[i] += popW * Math.max(0, Math.min(2, taste)) * poolZ[i];
      }
      return out;
    };
    const score = (name: string, sc: Float64Array, mmr: boolean | number = false) => {
      let ranked: number[];
      if (mmr) {
        const order = Array.from(sc.keys()).sort((a, b) => sc[b] - sc[a] || tie[a] - tie[b]);
        ranked = diversify(order.map((i) => ({ seq: i, score: sc[i] })), (i) => pv[i], 50, typeof mmr === 'number' ? mmr : 0.5).map((x) => x.seq);
      } else ranked = topK(P, 50, sc, tie);
      add(setName, name, recallAtK(ranked.map((i) => pool[i]), rel, 50));
    };
    const served: [string, number][] = [['dense', 1], ['lex', 1], ['svm', 1]];
    score('served (dense+lex+svm, pop 0.5) + MMR', fuse(served, 0.5), true);
    score('served (dense+lex+svm, pop 0.5)', fuse(served, 0.5));
    for (const pw of [0, 1, 2]) score(`dense+lex+svm, pop log ${pw}`, fuse(served, pw));
    for (const pw of [0.25, 0.5, 1]) score(`dense+lex+svm, pop z ${pw}`, fuse(served, pw, 'z'));
    for (const pw of [0.25, 0.5, 1]) score(`dense+lex+svm, pop taste ${pw}`, fuse(served, pw, 'taste'));
    score('dense+lex+2svm, pop 0.5', fuse([['dense', 1], ['lex', 1], ['svm', 2]], 0.5));
    score('pin+lex+svm, pop 0.5', fuse([['pin', 1], ['lex', 1], ['svm', 1]], 0.5));
    score('dense+pin+lex+svm, pop 0.5', fuse([['dense', 1], ['pin', 1], ['lex', 1], ['svm', 1]], 0.5));
    score('dense+gtf+gsvmRand, pop 0.5', fuse([['dense', 1], ['gtf', 1], ['gsvmRand', 1]], 0.5));
    score('dense+gtf+gsvmPool, pop 0.5', fuse([['dense', 1], ['gtf', 1], ['gsvmPool', 1]], 0.5));
    score('dense+lex+gsvmRand, pop 0.5', fuse([['dense', 1], ['lex', 1], ['gsvmRand', 1]], 0.5));
    score('gsvmRand alone (pool)', s.gsvmRand);
    score('svm alone (pool)', s.svm);
    score('0.5dense+gsvmRand, pop 0.5', fuse([['dense', 0.5], ['gsvmRand', 1]], 0.5));
    score('dense+lex+svm, pop 0.5, no lex', fuse([['dense', 1], ['svm', 1]], 0.5));
    for (const k of Object.keys(s).filter((k) => k.includes('joint'))) {
      score(`0.5dense+${k}`, fuse([['dense', 0.5], [k, 1]], 0));
      for (const pen of [0.25, 0.5]) score(`0.5dense+${k} + MMR ${pen}`, fuse([['dense', 0.5], [k, 1]], 0), pen);
    }
    if ((ui + 1) % 5 === 0) log(`${setName}: ${ui + 1}/${users.length}`);
  });
}

const split = values.split as 'dev' | 'test';
const setUsers = topicSetUsers(data).filter((u) => u.split === split);
const hfUsers = hfSubmitterUsers(data).filter((u) => u.split === split);
log(`users: ${setUsers.length} topic sets, ${hfUsers.length} HF`);
evaluate('sets', setUsers);
evaluate('hf', hfUsers);
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const names = [...new Set([...results.keys()].map((k) => k.split('\t')[1]))];
console.log(`| variant (${split}, Recall@50 over production's pool) | topic sets | HF submitters |`);
console.log('|---|---|---|');
for (const n of names) console.log(`| ${n} | ${mean(results.get(`sets\t${n}`)!.r50).toFixed(3)} | ${mean(results.get(`hf\t${n}`)!.r50).toFixed(3)} |`);
