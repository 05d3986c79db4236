import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import { Counter, Gauge } from 'prom-client';
import { SOURCE_NAMES } from '../../ingest/sources/config.js';
import type { SourceScheduler } from '../../ingest/sources/scheduler.js';
import { requireAdmin, type AppEnv } from '../auth.js';
import { appMetricsRegistry } from '../middleware/metrics.js';
import { ApiProblem } from '../problem.js';
import { problemResponse } from '../schemas.js';

const SourceStatusSchema = z
  .object({
    source: z.string().openapi({ example: 'arxiv' }),
    running: z.boolean(),
    nextRunAt: z.string().nullable().openapi({ description: 'Next scheduled run (ISO time); null when SYNC_SCHEDULE is off' }),
    lastRunAt: z.string().nullable(),
    lastSuccessAt: z.string().nullable(),
    lastError: z.string().nullable(),
    lastErrorAt: z.string().nullable(),
    harvestedUntil: z.string().nullable().openapi({ description: 'The last day a completed scheduled run covered' }),
    newestDatestamp: z.string().nullable().openapi({ description: 'The newest record date seen' }),
    resumable: z.boolean().openapi({ description: 'An unfinished run left a checkpoint; the next run resumes there' }),
    runs: z.number().int(),
    failures: z.number().int(),
    papersAdded: z.number().int().openapi({ description: 'Papers inserted over all runs' }),
    papersUpdated: z.number().int(),
    lastRunAdded: z.number().int().openapi({ description: 'Papers inserted by the last (or current) run' }),
  })
  .openapi('SourceStatus');

const listSources = createRoute({
  method: 'get',
  path: '/v1/admin/sources',
  tags: ['admin'],
  summary: 'The built-in sources (arXiv, Hugging Face Daily Papers): last success, last error, papers added, next run (admin)',
  security: [{ bearer: [] }],
  responses: {
    200: { content: { 'application/json': { schema: z.object({ sources: z.array(SourceStatusSchema) }) } }, description: 'One entry per configured source' },
    401: problemResponse('No token'),
    403: problemResponse('Not the admin token'),
  },
});

const runSourceRoute = createRoute({
  method: 'post',
  path: '/v1/admin/sources/{source}/run',
  tags: ['admin'],
  summary: 'Run a source now, in the background (joins a run in progress) (admin)',
  security: [{ bearer: [] }],
  request: { params: z.object({ source: z.enum(SOURCE_NAMES).openapi({ description: 'arxiv or hf' }) }) },
  responses: {
    202: { content: { 'application/json': { schema: SourceStatusSchema } }, description: 'Started (or already running)' },
    400: problemResponse('Unknown source'),
    401: problemResponse('No token'),
    403: problemResponse('Not the admin token'),
    404: problemResponse('The source is not enabled (SYNC_SOURCES)'),
  },
});

const seconds = (iso: string | null) => (iso ? Date.parse(iso.length === 10 ? `${iso}T00:00:00Z` : iso) / 1000 : undefined);

/** Status of the sources in an admin route and in /metrics. */
export function sourcesRoutes(app: OpenAPIHono<AppEnv>, scheduler: SourceScheduler): void {
  const view = async () =>
    (await scheduler.status()).map(({ cursor, ...s }) => ({ ...s, resumable: cursor !== null && cursor !== undefined }));

  app.openapi(listSources, async (c) => {
    requireAdmin(c);
    return c.json({ sources: await view() }, 200);
  });

  app.openapi(runSourceRoute, async (c) => {
    requireAdmin(c);
    const { source } = c.req.valid('param');
    if (!scheduler.names().includes(source)) {
      throw new ApiProblem(404, `Source ${source} is not enabled (SYNC_SOURCES)`, [{ field: 'param.source', message: 'not enabled' }]);
    }
    scheduler.runNow(source).catch(() => {}); // logged by the scheduler
    return c.json((await view()).find((s) => s.source === source)!, 202);
  });

  const registry = appMetricsRegistry(app);
  if (!registry) return;
  const runs = new Counter({ name: 'paperfeed_source_runs_total', help: 'Source runs, by source and outcome (ok, error)', labelNames: ['source', 'outcome'] as const, registers: [registry] });
  const added = new Counter({ name: 'paperfeed_source_papers_inserted_total', help: 'Papers a source inserted (since this process started)', labelNames: ['source'] as const, registers: [registry] });
  const updated = new Counter({ name: 'paperfeed_source_papers_updated_total', help: 'Papers a source updated (since this process started)', labelNames: ['source'] as const, registers: [registry] });
  scheduler.on('run', (e) => {
    runs.inc({ source: e.source, outcome: e.ok ? 'ok' : 'error' });
    if (e.ok) {
      added.inc({ source: e.source }, e.report.inserted);
      updated.inc({ source: e.source }, e.report.updated);
    }
  });
  const perSource = (name: string, help: string, value: (s: Awaited<ReturnType<typeof view>>[number]) => number | undefined) =>
    new Gauge({
      name,
      help,
      labelNames: ['source'] as const,
      registers: [registry],
      async collect() {
        this.reset();
        for (const s of await view().catch(() => [])) {
          const v = value(s);
          if (v !== undefined && Number.isFinite(v)) this.set({ source: s.source }, v);
        }
      },
    });
  perSource('paperfeed_source_last_success_timestamp_seconds', 'When the source last completed a run (Unix seconds)', (s) => seconds(s.lastSuccessAt));
  perSource('paperfeed_source_last_error_timestamp_seconds', 'When a run of the source last failed (Unix seconds)', (s) => seconds(s.lastErrorAt));
  perSource('paperfeed_source_lag_seconds', 'Seconds since the newest record date the source brought (midnight UTC of that day)', (s) => {
    const t = seconds(s.newestDatestamp);
    return t === undefined ? undefined : Date.now() / 1000 - t;
  });
  perSource('paperfeed_source_next_run_timestamp_seconds', 'The next scheduled run (Unix seconds)', (s) => seconds(s.nextRunAt));
  perSource('paperfeed_source_running', '1 while a run of the source is in progress', (s) => (s.running ? 1 : 0));
  perSource('paperfeed_source_papers_added', 'Papers the source inserted over all runs (from the store)', (s) => s.papersAdded);
}
