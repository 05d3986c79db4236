// The server runs its sources on SYNC_SCHEDULE: a short interval fires in the test (waited on through the
// scheduler's events, no sleeps), papers with their extras reach the API and the Atom feeds, the status shows in an
// admin route and in /metrics; and offline, every failed run is one log line while the server keeps serving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent, SourceScheduler } from '../src/ingest/sources/scheduler.js';
import { startServer, type RunningServer } from '../src/server.js';
import { FakeUpstream, oaiList, seedPapers, toArxivRecord, toHfEntry } from './fake-upstream.js';
import { testConfig } from './engines.js';
import { expectProblem, tempDir } from './helpers.js';
import { freePort } from './free-port.js';

const ADMIN = 'admin-token-for-sources-tests';
const TODAY = new Date().toISOString().slice(0, 10);
const HF = seedPapers('hf').filter((p) => p.github_repo && p.submitted_by).slice(0, 3);
// Papers only arXiv lists: the two sources run side by side, and a shared paper would be an insert for either.
const ARXIV = seedPapers('arxiv').filter((p) => !seedPapers('hf').some((h) => h.id === p.id)).slice(0, 12);

/** Resolves once `n` run events matching `match` have been emitted from now on. */
function runs(scheduler: SourceScheduler, n: number, match: (e: RunEvent) => boolean): Promise<RunEvent[]> {
  const seen: RunEvent[] = [];
  return new Promise((resolve) => {
    const on = (e: RunEvent) => {
      if (!match(e)) return;
      seen.push(e);
      if (seen.length === n) {
        scheduler.off('run', on);
        resolve(seen);
      }
    };
    scheduler.on('run', on);
  });
}

const auth = { Authorization: `Bearer ${ADMIN}` };

describe('scheduled sync in the server', () => {
  let upstream: FakeUpstream;
  let server: RunningServer;
  let hfRun: Promise<RunEvent[]>;
  let twoArxivRuns: Promise<RunEvent[]>;

  beforeAll(async () => {
    const arxiv = oaiList(ARXIV.map((p) => toArxivRecord(p, TODAY, { comments: '9 pages' })), 5);
    upstream = await FakeUpstream.start((req) =>
      req.path === '/oai' ? arxiv(req) : { body: JSON.stringify(req.query.get('date') === TODAY ? HF.map((p) => toHfEntry(p, TODAY, 30)) : []) },
    );
    server = await startServer(
      await testConfig({
        DATA_DIR: tempDir(), PORT: '0', ADMIN_TOKEN: ADMIN, SEED_ON_EMPTY: 'false', RATE_LIMIT_PER_MINUTE: '0',
        SYNC_SCHEDULE: '1s', ARXIV_OAI_URL: `${upstream.url}/oai`, HF_DAILY_URL: `${upstream.url}/api/daily_papers`,
        ARXIV_DELAY_MS: '0', HF_DELAY_MS: '0', SYNC_CONTACT: 'ops@example.org', INDEX_SYNC_MS: '100',
      }),
      () => {},
    );
    // The jobs start once the index is ready (and the first run comes within a second): listen before.
    hfRun = runs(server.sources!, 1, (e) => e.source === 'hf');
    twoArxivRuns = runs(server.sources!, 2, (e) => e.source === 'arxiv');
    await server.ready;
  });

  afterAll(async () => {
    await server?.close();
    await upstream?.close();
  });

  it('runs each source on the schedule, again and again', async () => {
    const [first, second] = (await twoArxivRuns) as Extract<RunEvent, { ok: true }>[];
    expect([first.ok, second.ok]).toEqual([true, true]);
    expect(first.report).toMatchObject({ pages: 3, inserted: 12 });
    expect(second.report).toMatchObject({ pages: 3, inserted: 0, unchanged: 12 }); // the schedule fired again; nothing new
    const [hf] = (await hfRun) as Extract<RunEvent, { ok: true }>[];
    expect(hf.ok).toBe(true);
    expect(hf.report.inserted).toBe(HF.length);
    expect(upstream.requests.every((r) => r.userAgent?.includes('mailto:ops@example.org'))).toBe(true);
  });

  it('serves the papers with their extras, in JSON and in Atom', async () => {
    await Promise.all([twoArxivRuns, hfRun]);
    const res = await fetch(`${server.url}/v1/papers/${encodeURIComponent(ARXIV[0].id)}`);
    expect(await res.json()).toMatchObject({ id: ARXIV[0].id, meta: { version: 'v1', comments: '9 pages' } });
    const hf = await (await fetch(`${server.url}/v1/papers/${encodeURIComponent(HF[0].id)}`)).json();
    expect(hf).toMatchObject({ upvotes: 30, meta: { submittedBy: HF[0].submitted_by, githubRepo: HF[0].github_repo } });
    const atom = await (await fetch(`${server.url}/v1/trending.atom?since=2000-01-01&until=2100-01-01&k=100`)).text();
    expect(atom).toContain(`<link rel="related" type="text/html" title="Code" href="${HF[0].github_repo}"/>`);
    expect(atom).toContain(`Submitted to Hugging Face Daily Papers by ${HF[0].submitted_by}`);
    const doc = await (await fetch(`${server.url}/openapi.json`)).json();
    expect(Object.keys(doc.components.schemas.PaperMeta.properties)).toEqual(expect.arrayContaining(['githubRepo', 'submittedBy', 'numComments', 'projectPage', 'doi']));
    expect(doc.paths['/v1/admin/sources']).toBeDefined();
  });

  it('reports each source in an admin route and in /metrics', async () => {
    await Promise.all([twoArxivRuns, hfRun]);
    await expectProblem(await fetch(`${server.url}/v1/admin/sources`), 401);
    // The schedule keeps firing: read the status between two runs (a run in progress has a checkpoint, resumable).
    let sources: { source: string; running: boolean; runs: number; lastSuccessAt: string; nextRunAt: string }[] = [];
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; ) {
      const res = await fetch(`${server.url}/v1/admin/sources`, { headers: auth });
      expect(res.status).toBe(200);
      ({ sources } = await res.json());
      if (!sources[0].running) break;
    }
    expect(sources.map((s: { source: string }) => s.source)).toEqual(['arxiv', 'hf']);
    const arxiv = sources[0];
    expect(arxiv.running).toBe(false);
    expect(arxiv).toMatchObject({ lastError: null, papersAdded: 12, harvestedUntil: TODAY, newestDatestamp: TODAY, resumable: false });
    expect(arxiv.runs).toBeGreaterThanOrEqual(2);
    expect(Date.parse(arxiv.lastSuccessAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(Date.parse(arxiv.nextRunAt)).toBeGreaterThan(Date.now() - 1000);

    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(metrics).toMatch(/paperfeed_source_runs_total\{source="arxiv",outcome="ok"\} [1-9]/);
    expect(metrics).toMatch(/paperfeed_source_papers_inserted_total\{source="arxiv"\} 12/);
    expect(metrics).toMatch(/paperfeed_source_last_success_timestamp_seconds\{source="hf"\} \d{10}/);
    expect(metrics).toMatch(/paperfeed_source_lag_seconds\{source="arxiv"\} \d/);
    expect(metrics).toMatch(/paperfeed_source_next_run_timestamp_seconds\{source="arxiv"\} \d{10}/);
  });

  it('runs a source on demand (admin), and names a bad source in the error', async () => {
    const done = runs(server.sources!, 1, (e) => e.source === 'hf');
    const res = await fetch(`${server.url}/v1/admin/sources/hf/run`, { method: 'POST', headers: auth });
    expect(res.status).toBe(202);
    expect(await res.json()).toMatchObject({ source: 'hf' });
    expect((await done)[0].ok).toBe(true);
    await expectProblem(await fetch(`${server.url}/v1/admin/sources/nope/run`, { method: 'POST', headers: auth }), 400, 'param.source');
    await expectProblem(await fetch(`${server.url}/v1/admin/sources/hf/run`, { method: 'POST' }), 401);
  });
});

describe('offline', () => {
  let server: RunningServer;
  const logged: string[] = [];

  afterAll(async () => {
    await server?.close();
  });

  it('logs one line per failed run, no retries or stack traces, and keeps serving', async () => {
    const port = await freePort(); // nothing listens there: connections are refused
    server = await startServer(
      await testConfig({
        DATA_DIR: tempDir(), PORT: '0', SEED_ON_EMPTY: 'false', SYNC_SCHEDULE: '1s', SYNC_ATTEMPTS: '3', SYNC_BACKOFF_MS: '10',
        ARXIV_OAI_URL: `http://127.0.0.1:${port}/oai`, HF_DAILY_URL: `http://127.0.0.1:${port}/api/daily_papers`,
        ARXIV_DELAY_MS: '0', HF_DELAY_MS: '0',
      }),
      (m) => logged.push(m),
    );
    let emitted = 0;
    server.sources!.on('run', () => emitted++);
    const failures = runs(server.sources!, 4, (e) => !e.ok);
    await server.ready;
    await failures;
    const syncLines = logged.filter((l) => l.startsWith('sync '));
    expect(syncLines.length).toBe(emitted); // one line per run, nothing per retry
    for (const line of syncLines) {
      expect(line).toMatch(/^sync (arxiv|hf): failed: GET http:\/\/127\.0\.0\.1:\d+\/\S+: fetch failed \(ECONNREFUSED\) \(gave up after 3 attempts\); next run at \S+$/);
      expect(line).not.toContain('\n');
    }
    const res = await fetch(`${server.url}/healthz`);
    expect(res.status).toBe(200);
    const sources = await server.sources!.status();
    expect(sources.every((s) => s.failures >= 1 && /ECONNREFUSED/.test(s.lastError ?? ''))).toBe(true);
  });
});
