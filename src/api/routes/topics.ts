import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { STAR_WEIGHT } from '../../recommend/trending.js';
import { defaultWindow } from '../../recommend/window.js';
import type { PaperReads } from '../../store/ports.js';
import { DEFAULT_TOPIC_DAYS, MAX_FIT_PAPERS, type TopicModel, type TopicWindow } from '../../topics/engine.js';
import type { AppEnv } from '../auth.js';
import type { ApiDeps } from '../deps.js';
import { notFound } from '../problem.js';
import { problemResponse, ScoredPaperSchema, sinceBeforeUntil, toApiPaper, WindowQuery } from '../schemas.js';

/** Papers listed per topic in `central` and `popular`. */
const PAPERS_PER_LIST = 5;

const TopicsParams = {
  ...WindowQuery,
  k: z.coerce.number().int().min(2).max(100).optional().openapi({
    description: 'Number of topics (2–100). Default: √(n/2) for n papers, within [2, 30]',
  }),
  seed: z.coerce.number().int().min(0).max(2 ** 31 - 1).default(1).openapi({
    description: 'Seed of the k-means++ initialisation: the same window, k and seed always give the same topics',
  }),
};

const WindowSchema = z
  .object({ since: z.string(), until: z.string(), category: z.string().nullable(), papers: z.number().int() })
  .openapi('TopicWindow');

const TopicSchema = z
  .object({
    id: z.string().openapi({
      description:
        't0, t1, …: numbered by size (t0 the largest) when a window is first clustered. When papers are added or the ' +
        'window moves a little (≥ 90% of its papers shared with a recent clustering of the same category, k and seed), ' +
        'the clustering starts from that one and each topic keeps its id (and so its colour on the dashboard)',
      example: 't3',
    }),
    label: z.string().openapi({
      description:
        'Up to 3 key phrases (at most ~40 characters): the most distinctive two-word phrase leads, then distinctive ' +
        'terms that repeat none of its words. A topic whose papers barely changed since the warm start keeps its label',
      example: 'robot manipulation, demonstrations',
    }),
    terms: z.array(z.string()).openapi({ description: 'Up to 10 distinctive words and two-word phrases, most distinctive first' }),
    size: z.number().int().openapi({ description: 'Papers of the window in this topic' }),
    previousSize: z.number().int().openapi({ description: 'Papers of the previous window (same length, just before) closest to this topic\'s centroid' }),
    growth: z.number().nullable().openapi({
      description:
        "Change of the topic's share of papers from the previous window to this one: ((size+1)/(n+k)) / " +
        '((previousSize+1)/(m+k)), n and m the papers of each window (add-one smoothed). 1 = steady, 2 = its share ' +
        'doubled, 0.5 = halved. Shares, not counts, so a week with fewer papers overall does not read as decline. ' +
        'null when the previous window has fewer papers than there are topics (too few to compare).',
    }),
    central: z.array(ScoredPaperSchema).openapi({ description: `The ${PAPERS_PER_LIST} papers closest to the centroid; score = cosine similarity` }),
    popular: z.array(ScoredPaperSchema).openapi({
      description: `Up to ${PAPERS_PER_LIST} most popular papers; score = upvotes + ${STAR_WEIGHT}·stars (papers with none are left out)`,
    }),
  })
  .openapi('Topic');

const PointSchema = z
  .object({ id: z.string(), topic: z.string(), x: z.number(), y: z.number(), title: z.string() })
  .openapi('TopicPoint', { description: 'One paper on the topic map (x, y: its first two principal components)' });

const TopicsSchema = z
  .object({
    window: WindowSchema,
    previousWindow: WindowSchema,
    k: z.number().int(),
    seed: z.number().int(),
    topics: z.array(TopicSchema),
    points: z.array(PointSchema).openapi({ description: `Every paper of the window, or the ${MAX_FIT_PAPERS} the topics were fitted on for bigger windows` }),
  })
  .openapi('Topics');

const TopicDetailSchema = z
  .object({
    window: WindowSchema,
    topic: TopicSchema,
    members: z.array(ScoredPaperSchema.extend({ x: z.number(), y: z.number() })).openapi({ description: 'Papers of the topic, closest to the centroid first; score = cosine similarity' }),
    total: z.number().int(),
  })
  .openapi('TopicDetail');

const description = [
  `Clusters the papers of a window (default: the ${DEFAULT_TOPIC_DAYS} days up to the newest paper in the store) into`,
  'topics: spherical k-means on the embeddings (seeded k-means++ initialisation, so deterministic), k from the size',
  'of the window unless given. Windows over',
  `${MAX_FIT_PAPERS} papers are fitted on a deterministic sample of that many and every paper is then assigned to its`,
  'nearest centroid. Labels are the most distinctive words and phrases of each topic\'s titles and abstracts against',
  'the whole window (class-based TF-IDF, stop words removed). Map coordinates are a PCA projection whose axes spread',
  'the topic centroids apart. Results are cached per window, k and seed until papers are added, changed or deleted;',
  'the first request for a big window may take a few seconds (computed off the event loop).',
].join(' ');

const listTopics = createRoute({
  method: 'get',
  path: '/v1/topics',
  tags: ['topics'],
  summary: 'Topics of a window: labelled clusters of papers, their growth, and a 2-D map',
  description,
  request: { query: z.object(TopicsParams).superRefine(sinceBeforeUntil) },
  responses: {
    200: { content: { 'application/json': { schema: TopicsSchema } }, description: 'Topics, largest first, and the map points' },
    400: problemResponse('Invalid dates, category, k or seed'),
    503: problemResponse('The index is still loading'),
  },
});

const getTopic = createRoute({
  method: 'get',
  path: '/v1/topics/{id}',
  tags: ['topics'],
  summary: 'One topic of a window (same query as /v1/topics) with its member papers',
  request: {
    params: z.object({ id: z.string().regex(/^t\d{1,3}$/, 'expected a topic id such as t3').openapi({ example: 't3' }) }),
    query: z
      .object({
        ...TopicsParams,
        limit: z.coerce.number().int().min(1).max(MAX_FIT_PAPERS).default(1000).openapi({ description: 'Members per page' }),
        offset: z.coerce.number().int().min(0).default(0),
      })
      .superRefine(sinceBeforeUntil),
  },
  responses: {
    200: { content: { 'application/json': { schema: TopicDetailSchema } }, description: 'The topic and a page of its papers' },
    400: problemResponse('Invalid id, dates, category, k, seed, limit or offset'),
    404: problemResponse('No such topic in this window'),
    503: problemResponse('The index is still loading'),
  },
});

const round = (v: number) => Math.round(v * 1e4) / 1e4;

function windowOf(w: TopicWindow, papers: number): z.infer<typeof WindowSchema> {
  return { since: w.since, until: w.until, category: w.category ?? null, papers };
}

/**
 * The summaries of topics `ts`: sizes, growth, labels and their central and popular papers. The listed papers of all
 * of them are read in one batch.
 */
async function topicSummaries(store: PaperReads, model: TopicModel, ts: number[], popularity: Map<number, number>): Promise<z.infer<typeof TopicSchema>[]> {
  const { fit, members, seqs } = model;
  const n = seqs.length;
  const prevSampled = fit.previousSizes.reduce((a, b) => a + b, 0);
  const m = model.previousWindow.papers;
  const lists = ts.map((t) => ({
    t,
    central: members[t].slice(0, PAPERS_PER_LIST),
    // Members are already closest-first, so a stable sort breaks popularity ties by centrality.
    popular: members[t]
      .filter((i) => popularity.has(seqs[i]))
      .sort((a, b) => popularity.get(seqs[b])! - popularity.get(seqs[a])!)
      .slice(0, PAPERS_PER_LIST),
  }));
  const wanted = [...new Set(lists.flatMap((l) => [...l.central, ...l.popular]).map((i) => seqs[i]))];
  const bySeq = new Map((await store.bySeqs(wanted)).map((p) => [p.seq, p]));
  const papers = (indices: number[], score: (i: number) => number) =>
    indices.flatMap((i) => {
      const p = bySeq.get(seqs[i]);
      return p ? [{ paper: toApiPaper(p), score: round(score(i)) }] : [];
    });
  return lists.map(({ t, central, popular }) => {
    const previousSize = prevSampled === 0 ? 0 : Math.round((fit.previousSizes[t] * m) / prevSampled);
    const growth = prevSampled < fit.k ? null : (fit.sizes[t] + 1) / (n + fit.k) / ((fit.previousSizes[t] + 1) / (prevSampled + fit.k));
    return {
      id: `t${t}`,
      label: fit.names[t],
      terms: fit.terms[t].map((x) => x.term),
      size: fit.sizes[t],
      previousSize,
      growth: growth === null ? null : round(growth),
      central: papers(central, (i) => fit.similarity[i]),
      popular: papers(popular, (i) => popularity.get(seqs[i])!),
    };
  });
}

export function topicsRoutes(app: OpenAPIHono<AppEnv>, { topics: engine, papers: store, index }: Pick<ApiDeps, 'topics' | 'papers' | 'index'>): void {
  const modelFor = async (query: { since?: string; until?: string; category?: string; k?: number; seed: number }) => {
    index.require(); // topics read vectors from the index
    const { k, seed, ...w } = query;
    const window = defaultWindow(w, DEFAULT_TOPIC_DAYS, await store.newestPublished());
    return engine.get({ since: window.since, until: window.until, ...(window.category ? { category: window.category } : {}) }, k ?? null, seed);
  };

  app.openapi(listTopics, async (c) => {
    const model = await modelFor(c.req.valid('query'));
    const popularity = await engine.popularity(model.window);
    const { fit } = model;
    return c.json(
      {
        window: windowOf(model.window, model.seqs.length),
        previousWindow: windowOf(model.previousWindow, model.previousWindow.papers),
        k: fit.k,
        seed: model.seed,
        topics: await topicSummaries(store, model, Array.from({ length: fit.k }, (_, t) => t), popularity),
        points: Array.from(model.fitted, (i) => ({
          id: model.ids[i],
          topic: `t${fit.labels[i]}`,
          x: round(fit.xy[2 * i]),
          y: round(fit.xy[2 * i + 1]),
          title: model.titles[i],
        })),
      },
      200,
    );
  });

  app.openapi(getTopic, async (c) => {
    const { id } = c.req.valid('param');
    const { limit, offset, ...query } = c.req.valid('query');
    const model = await modelFor(query);
    const t = Number(id.slice(1));
    if (t >= model.fit.k) throw notFound(`topic "${id}" in this window (it has ${model.fit.k} topics)`, 'param.id');
    const page = model.members[t].slice(offset, offset + limit);
    const bySeq = new Map((await store.bySeqs(page.map((i) => model.seqs[i]))).map((p) => [p.seq, p]));
    const members = page.flatMap((i) => {
      const p = bySeq.get(model.seqs[i]);
      const { similarity, xy } = model.fit;
      return p ? [{ paper: toApiPaper(p), score: round(similarity[i]), x: round(xy[2 * i]), y: round(xy[2 * i + 1]) }] : [];
    });
    return c.json(
      {
        window: windowOf(model.window, model.seqs.length),
        topic: (await topicSummaries(store, model, [t], await engine.popularity(model.window)))[0],
        members,
        total: model.members[t].length,
      },
      200,
    );
  });
}
