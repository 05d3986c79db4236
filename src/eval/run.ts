/**
 * The evaluation run: loads data, builds tf-idf, embeds with each model (cached), runs the three tasks and renders
 * the markdown report. scripts/eval.ts parses the command line and writes the files.
 */
import os from 'node:os';
import { loadEvalData, type EvalData } from './data.js';
import { embedPapers, type EmbeddedSet } from './embed-cache.js';
import { curatorUsers, CURATOR_WINDOW_DAYS, CURATOR_WINDOWS, type CuratorWindow } from './curators.js';
import { hfSubmitterUsers, PREVIOUS_SERVED_FEED, runFeed, topicSetUsers, type FeedResults, type FeedUser } from './feedtask.js';
import { absoluteRow, glaringRow, RATIO_HEADER, ratioRow, table } from './report.js';
import { runSimilar, similarQueries, type SimilarQuery, type SimilarResults } from './similar.js';
import { buildTfidf } from '../recommend/tfidf.js';
import { Lexicon } from '../index/lexicon.js';
import { termVector } from '../text/terms.js';
import { fmtDuration, seedOf, type Split } from './util.js';
import { PREVIOUS_FEED, SERVED_FEED } from './feedtask.js';
import { LEXICON_SIMILAR, PREVIOUS_SIMILAR, PRIOR_VARIANTS, priorVariant, SERVED_SIMILAR } from './similar.js';
import { knownItemQueries, PREVIOUS_KEYWORD, previousHybrid, runSearch, SERVED_KEYWORD, servedHybrid, topicalQueries, type SearchResults } from './search.js';
import { loadEmbedder } from '../embed/embedder.js';
import { cleanText } from '../embed/text.js';

export interface EvalOptions {
  projectRoot: string;
  dataDir: string;
  modelsDir: string;
  cacheDir: string;
  models: string[];
  quick: boolean;
  resamples: number;
  svmLambda: number;
  svmNegatives: number;
  command: string;
  log: (m: string) => void;
}

/** Deterministic subsample for --quick: at most `n` units per split, chosen by hash. */
function limitPerSplit<T extends { split: Split }>(xs: T[], n: number, key: (x: T) => string): T[] {
  const keep = new Set<T>();
  for (const s of ['dev', 'test'] as const) {
    xs.filter((x) => x.split === s)
      .sort((a, b) => seedOf(key(a)) - seedOf(key(b)))
      .slice(0, n)
      .forEach((x) => keep.add(x));
  }
  return xs.filter((x) => keep.has(x));
}

const kSplitCount = (qs: { split: Split }[], s: Split) => qs.filter((q) => q.split === s).length;
const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
const usersLine = (name: string, us: FeedUser[]) =>
  `${name}: ${us.length} users (dev ${us.filter((u) => u.split === 'dev').length}, test ${us.filter((u) => u.split === 'test').length}); ` +
  `history ${avg(us.map((u) => u.history.length)).toFixed(1)} papers on average (max ${Math.max(...us.map((u) => u.history.length))}; the newest 200 are used), ` +
  `held out ${avg(us.map((u) => u.heldOut.length)).toFixed(1)}, candidates ${Math.round(avg(us.map((u) => u.candidates.length)))} on average ` +
  `(min ${Math.min(...us.map((u) => u.candidates.length))}, max ${Math.max(...us.map((u) => u.candidates.length))}; ` +
  `${us.filter((u) => u.candidates.length > 20_000).length} users above the 20k exhaustive-scoring limit)`;

export async function runEval(o: EvalOptions): Promise<{ markdown: string; json: unknown }> {
  const t0 = Date.now();
  const timings: string[] = [];
  const lap = (what: string, since: number) => timings.push(`${what}: ${fmtDuration(Date.now() - since)}`);

  let t = Date.now();
  o.log('loading data …');
  const data: EvalData = await loadEvalData(o.dataDir, o.quick ? (id) => seedOf(id) % 8 === 0 : undefined);
  o.log(`  ${data.corpusCount} corpus papers, ${data.papers.length - data.corpusCount} HF-only papers, ${data.topicSets.length} topic sets`);
  lap('load data', t);

  t = Date.now();
  o.log('building tf-idf …');
  const tfidf = buildTfidf(data.papers.map((p) => p.text));
  o.log(`  vocabulary ${tfidf.vocab.size}, ${tfidf.vals.length} non-zeros`);
  lap('tf-idf', t);

  t = Date.now();
  o.log('building the lexicon (term vectors, as ingest stores them) …');
  const lexicon = new Lexicon();
  data.papers.forEach((p, i) => lexicon.set(i, termVector(p.text)));
  lap('lexicon', t);

  const embedded: EmbeddedSet[] = [];
  for (const model of o.models) {
    t = Date.now();
    o.log(`embedding with ${model} …`);
    embedded.push(await embedPapers(data.papers, model, o.modelsDir, o.cacheDir, o.log));
    lap(`embed ${model} (${embedded[embedded.length - 1].embedded} new, ${embedded[embedded.length - 1].fromCache} cached)`, t);
  }

  t = Date.now();
  let queries: SimilarQuery[] = similarQueries(data);
  if (o.quick) queries = limitPerSplit(queries, 150, (q) => `${q.setId}:${data.papers[q.paper].id}`);
  o.log(`task 1: ${queries.length} similar-paper queries …`);
  const similar: SimilarResults = runSimilar(
    data,
    queries,
    tfidf,
    lexicon,
    embedded.map((e) => ({ label: e.modelId, vectors: e.vectors, dim: e.dim })),
    o.log,
  );
  lap('task 1 + 3 (similar papers, all models)', t);

  t = Date.now();
  const knownItem = knownItemQueries(data, o.quick ? 50 : undefined);
  const topical = topicalQueries(data);
  o.log(`task 4: ${knownItem.length} known-item and ${topical.length} topical search queries …`);
  const embedder = await loadEmbedder({ modelId: o.models[0], modelsDir: o.modelsDir, batchSize: 32 });
  const searchModel = { label: embedded[0].modelId, vectors: embedded[0].vectors, dim: embedded[0].dim, embed: (ts: string[]) => embedder.embed(ts.map(cleanText)) };
  const searchKnown: SearchResults = await runSearch(data, knownItem, searchModel, lexicon, o.log);
  const searchTopical: SearchResults = await runSearch(data, topical, searchModel, lexicon, o.log);
  lap('task 4 (search)', t);

  t = Date.now();
  let setUsers = topicSetUsers(data);
  let hfUsers = hfSubmitterUsers(data);
  let curators: CuratorWindow[] = curatorUsers(data);
  if (o.quick) {
    setUsers = limitPerSplit(setUsers, 6, (u) => u.key);
    hfUsers = limitPerSplit(hfUsers, 6, (u) => u.key);
    const keep = new Set(limitPerSplit([...new Map(curators.map((c) => [c.curator, c])).values()], 3, (c) => c.curator).map((c) => c.curator));
    curators = curators.filter((c) => keep.has(c.curator));
  }
  const feedOpts = {
    vectors: embedded[0].vectors,
    dim: embedded[0].dim,
    modelLabel: embedded[0].modelId,
    svmLambda: o.svmLambda,
    svmNegatives: o.svmNegatives,
    lexicon,
    log: o.log,
  };
  o.log(`task 2a: ${setUsers.length} topic-set users …`);
  const feedSets: FeedResults = runFeed(data, setUsers, tfidf, feedOpts);
  o.log(`task 2b: ${hfUsers.length} HF-submitter users …`);
  const feedHf: FeedResults = runFeed(data, hfUsers, tfidf, feedOpts);
  o.log(`task 2c: ${curators.length} curator windows …`);
  const feedCur: FeedResults = runFeed(data, curators, tfidf, feedOpts);
  lap('task 2 (feeds)', t);
  const curatorIds = [...new Set(curators.map((c) => c.curator))];
  const curatorCluster = curators.map((c) => curatorIds.indexOf(c.curator));

  // ---- report
  const R = o.resamples;
  const qSplit = queries.map((q) => q.split);
  const qClusters = queries.map((q) => q.cluster);
  const m0 = embedded[0].modelId;
  const baselines1 = ['random', 'popularity (HF upvotes)', 'tf-idf cosine'];
  const ours1 = [`${m0} dense`, `${m0} hybrid z-sum`, `${m0} hybrid RRF`, `${m0} ${PREVIOUS_SIMILAR}`, `${m0} ${LEXICON_SIMILAR}`, ...PRIOR_VARIANTS.map((w) => `${m0} ${priorVariant(w)}`), `${m0} ${SERVED_SIMILAR}`];
  const simMetrics = [
    { key: 'recall10' as const, label: 'recall@10' },
    { key: 'mrr' as const, label: 'MRR' },
    { key: 'glaring5' as const, label: 'glaring misses in top 5 (lower is better)' },
  ];
  const feedMetrics = [
    { key: 'recall20' as const, label: 'Recall@20' },
    { key: 'recall50' as const, label: 'Recall@50' },
    { key: 'ndcg50' as const, label: 'nDCG@50' },
  ];
  const splits: Split[] = ['dev', 'test'];
  const out: string[] = [];
  const both = (f: (s: Split) => string) => splits.map(f).join('\n\n');

  out.push('### Task 1 — similar papers (curated topic sets)', '');
  out.push(
    both((s) =>
      table(
        {
          title: 'Similar papers',
          note: `candidates: ${data.corpusCount} corpus papers; CI: bootstrap over sets`,
          results: similar,
          split: qSplit,
          clusters: qClusters,
          metrics: simMetrics,
          resamples: R,
          methods: [...baselines1, ...ours1.map((m) => m)],
        },
        s,
      ),
    ),
  );
  out.push('', '### Task 2a — feed from starred history: topic sets as users', '');
  const feedSpec = (title: string, res: FeedResults, users: FeedUser[]) => (s: Split) =>
    table({ title, note: 'CI: bootstrap over users', results: res, split: users.map((u) => u.split), metrics: feedMetrics, resamples: R }, s);
  out.push(both(feedSpec('Feed, topic-set users', feedSets, setUsers)));
  out.push('', '### Task 2b — feed from starred history: Hugging Face submitters as users', '');
  out.push(both(feedSpec('Feed, HF-submitter users', feedHf, hfUsers)));
  out.push('', '### Task 2c — feed from starred history: curators (weekly most-upvoted HF papers of a broad area)', '');
  out.push(
    both((s) =>
      table(
        {
          title: 'Feed, curator users',
          note: `${CURATOR_WINDOW_DAYS}-day windows over the whole stream; CI: bootstrap over curators`,
          results: feedCur,
          split: curators.map((u) => u.split),
          clusters: curatorCluster,
          units: ['windows', 'curators'],
          metrics: feedMetrics,
          resamples: R,
        },
        s,
      ),
    ),
  );

  out.push('', '### Task 3 — model variants on the similar-papers task', '');
  out.push(
    both((s) =>
      table(
        {
          title: 'Models, similar papers',
          note: 'same queries and candidates as task 1; CI: bootstrap over sets',
          results: similar,
          split: qSplit,
          clusters: qClusters,
          metrics: simMetrics,
          resamples: R,
          methods: ['tf-idf cosine', ...o.models.flatMap((m) => [`${m} dense`, `${m} hybrid z-sum`, `${m} hybrid RRF`, `${m} ${PREVIOUS_SIMILAR}`, `${m} ${LEXICON_SIMILAR}`, `${m} ${SERVED_SIMILAR}`])],
        },
        s,
      ),
    ),
  );

  out.push('', '### Task 4 — search: known-item (three title words) and topical (curated section names)', '');
  const searchSpec = (title: string, note: string, res: SearchResults, qs: { split: Split }[], metrics: { key: 'hit10' | 'mrr' | 'p10' | 'ndcg10'; label: string }[]) => (s: Split) =>
    table({ title, note, results: res, split: qs.map((q) => q.split), metrics, resamples: R }, s).replace(' users;', ' queries;');
  out.push(both(searchSpec('Known-item search', 'one query per paper; CI: bootstrap over queries', searchKnown, knownItem, [{ key: 'hit10', label: 'hit@10' }, { key: 'mrr', label: 'MRR (≤ 100)' }])));
  out.push('', both(searchSpec('Topical search', 'one query per curated set; CI: bootstrap over sets', searchTopical, topical, [{ key: 'p10', label: 'P@10' }, { key: 'ndcg10', label: 'nDCG@10' }])));

  const feedBaselines = ['random', 'popularity (HF upvotes)', 'tf-idf cosine (max-sim)', 'tf-idf linear SVM (arxiv-sanity)', 'naive blend (tf-idf z + popularity z)'];
  const oursFeed = `ours (${m0}): ${SERVED_FEED}`;
  const previousFeed = `ours (${m0}): ${PREVIOUS_SERVED_FEED}`;
  const feedKinds = [
    { kind: 'topic sets', results: feedSets, split: setUsers.map((u) => u.split), clusters: undefined },
    { kind: 'HF submitters', results: feedHf, split: hfUsers.map((u) => u.split), clusters: undefined },
    { kind: 'curators', results: feedCur, split: curators.map((u) => u.split), clusters: curatorCluster },
  ];
  const rows: string[] = [];
  for (const s of splits) {
    for (const k of feedKinds) {
      rows.push(ratioRow({ label: `feed Recall@50, ${k.kind}`, ...k, metric: 'recall50', ours: oursFeed, baselines: feedBaselines, target: 1.1, resamples: R }, s));
    }
    for (const k of feedKinds) {
      rows.push(ratioRow({ label: `feed Recall@50, ${k.kind}: no regression`, ...k, metric: 'recall50', ours: oursFeed, baselines: [previousFeed], target: 0.98, resamples: R }, s));
    }
    // Issue 16: the lexicon (stored term vectors) must not lose quality against the per-request local tf-idf; the
    // same ranker on both, so only the lexical source differs.
    const localFeed = `ours (${m0}): ${PREVIOUS_FEED}`;
    for (const k of feedKinds) {
      rows.push(ratioRow({ label: `feed Recall@50, ${k.kind}: lexicon ÷ local tf-idf`, ...k, metric: 'recall50', ours: oursFeed, baselines: [localFeed], target: 1.0, resamples: R }, s));
    }
    rows.push(ratioRow({ label: 'similar recall@10: lexicon ÷ local tf-idf', results: similar, split: qSplit, clusters: qClusters, metric: 'recall10', ours: `${m0} ${LEXICON_SIMILAR}`, baselines: [`${m0} ${PREVIOUS_SIMILAR}`], target: 1.0, resamples: R }, s));
    // Issue 17: known-item search, topical search not lower, similar papers' glaring misses down ≥ 30 % at equal recall.
    const kSplit = knownItem.map((q) => q.split);
    const tSplit = topical.map((q) => q.split);
    for (const [mode, served, previous] of [['keyword', SERVED_KEYWORD, PREVIOUS_KEYWORD], ['hybrid', servedHybrid(m0), previousHybrid(m0)]] as const) {
      rows.push(absoluteRow({ label: `known-item hit@10, ${mode}`, results: searchKnown, split: kSplit, metric: 'hit10', ours: served, target: 0.98, resamples: R }, s));
      rows.push(ratioRow({ label: `topical P@10, ${mode}, vs previous`, results: searchTopical, split: tSplit, metric: 'p10', ours: served, baselines: [previous], target: 1, resamples: R }, s));
      rows.push(ratioRow({ label: `topical nDCG@10, ${mode}, vs previous`, results: searchTopical, split: tSplit, metric: 'ndcg10', ours: served, baselines: [previous], target: 1, resamples: R }, s));
    }
    rows.push(ratioRow({ label: 'similar recall@10: category prior ÷ without', results: similar, split: qSplit, clusters: qClusters, metric: 'recall10', ours: `${m0} ${SERVED_SIMILAR}`, baselines: [`${m0} ${LEXICON_SIMILAR}`], target: 1, resamples: R }, s));
    rows.push(glaringRow({ label: 'similar glaring misses in top 5: category prior ÷ without', results: similar, split: qSplit, clusters: qClusters, ours: `${m0} ${SERVED_SIMILAR}`, previous: `${m0} ${LEXICON_SIMILAR}`, resamples: R }, s));
    for (const m of o.models) {
      for (const [variant, goal] of [[SERVED_SIMILAR, 1.1], ['hybrid RRF', 1.1], ['dense', 1.0]] as const) {
        rows.push(ratioRow({ label: `similar recall@10 (${variant === 'dense' ? 'model alone' : variant === SERVED_SIMILAR ? 'as served' : variant})`, results: similar, split: qSplit, clusters: qClusters, metric: 'recall10', ours: `${m} ${variant}`, baselines: ['tf-idf cosine'], target: goal, resamples: R }, s));
      }
    }
  }
  out.push('', '### Targets of the issue', '', 'Ratio of means, ours / reference, with a paired percentile bootstrap (same resampled users or sets for both).', '', RATIO_HEADER, ...rows);

  const protocol = [
    `- candidates for task 1: ${data.corpusCount} corpus papers${o.quick ? ' (**--quick subset**: 1/8 of the corpus by id hash plus every topic-set and HF paper)' : ''}; ` +
      `${queries.length} queries from ${new Set(queries.map((q) => q.setId)).size} sets (dev ${queries.filter((q) => q.split === 'dev').length}, test ${queries.filter((q) => q.split === 'test').length} queries)`,
    `- ${usersLine('task 2a topic-set users', setUsers)}`,
    `- task 4 search: ${knownItem.length} known-item queries (dev ${kSplitCount(knownItem, 'dev')}, test ${kSplitCount(knownItem, 'test')}; e.g. "${knownItem[0]?.text}"), ` +
      `${topical.length} topical queries (dev ${kSplitCount(topical, 'dev')}, test ${kSplitCount(topical, 'test')}; e.g. "${topical[0]?.text}"); candidates: the ${data.corpusCount} corpus papers`,
    `- ${usersLine('task 2b HF-submitter users', hfUsers)}`,
    `- task 2c curators: ${curatorIds.length} curators (dev ${new Set(curators.filter((c) => c.split === 'dev').map((c) => c.curator)).size}, test ${new Set(curators.filter((c) => c.split === 'test').map((c) => c.curator)).size}), ` +
      `the last ${CURATOR_WINDOWS} ${CURATOR_WINDOW_DAYS}-day windows each (${curators.length} windows); ` + usersLine('per window', curators).replace(/^per window: \d+ users \([^)]*\); /, ''),
    `- tf-idf: ${tfidf.vocab.size} features (uni+bigrams), ${tfidf.n} documents; linear SVM: Pegasos, λ = ${o.svmLambda}, ${o.svmNegatives} random negatives, 10 epochs`,
    `- models: ${embedded.map((e) => `\`${e.modelKey}\` (${e.dim}-d)`).join(', ')}; bootstrap: ${R} resamples, 95% percentile intervals`,
  ];
  const cpus = os.cpus();
  const runtime = fmtDuration(Date.now() - t0);
  const header = [
    `Command: \`${o.command}\` · date ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC · ` +
      `machine: ${cpus.length} × ${cpus[0]?.model ?? 'unknown CPU'}, ${Math.round(os.totalmem() / 2 ** 30)} GB RAM, Node ${process.version} · ` +
      `total runtime ${runtime} (${timings.join('; ')})`,
    '',
    ...protocol,
  ];
  const markdown = [...header, '', ...out].join('\n');
  const json = {
    date: new Date().toISOString(),
    quick: o.quick,
    runtimeMs: Date.now() - t0,
    models: embedded.map((e) => e.modelKey),
    similar: Object.fromEntries([...similar].map(([m, v]) => [m, v.map((x, i) => ({ ...x, split: queries[i].split, set: queries[i].setId, paper: data.papers[queries[i].paper].id }))])),
    searchKnown: Object.fromEntries([...searchKnown].map(([m, v]) => [m, v.map((x, i) => ({ ...x, split: knownItem[i].split, query: knownItem[i].text, paper: knownItem[i].key }))])),
    searchTopical: Object.fromEntries([...searchTopical].map(([m, v]) => [m, v.map((x, i) => ({ ...x, split: topical[i].split, query: topical[i].text, set: topical[i].key }))])),
    feedSets: Object.fromEntries([...feedSets].map(([m, v]) => [m, v.map((x, i) => ({ ...x, split: setUsers[i].split, user: setUsers[i].key }))])),
    feedHf: Object.fromEntries([...feedHf].map(([m, v]) => [m, v.map((x, i) => ({ ...x, split: hfUsers[i].split, user: hfUsers[i].key }))])),
    feedCurators: Object.fromEntries([...feedCur].map(([m, v]) => [m, v.map((x, i) => ({ ...x, split: curators[i].split, user: curators[i].key }))])),
  };
  o.log(`done in ${runtime}`);
  return { markdown, json };
}
