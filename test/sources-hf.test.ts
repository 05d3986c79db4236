// The Hugging Face Daily Papers source against a local fake daily_papers API (entries shaped like the real ones, built
// from the bundled seed's real records): the days it reads, upvotes that grow between runs, the HF extras, and the
// merge with a paper arXiv brought first.
import { describe, expect, it } from 'vitest';
import { HfDailySource, hfEntryToPaper } from '../src/ingest/sources/hf-daily.js';
import { PoliteHttp } from '../src/ingest/sources/polite-http.js';
import { runSource, SourceBusyError } from '../src/ingest/sources/run.js';
import { seedPapers, toHfEntry, type FlatPaper } from './fake-upstream.js';
import { sourceHarness } from './source-harness.js';

const SEED = seedPapers('hf');
const RICH = SEED.filter((p) => p.github_repo && p.submitted_by && p.ai_keywords?.length);
const NOW = new Date('2026-08-06T09:00:00Z');

const h = sourceHarness((req) => {
    const day = req.query.get('date') ?? '';
    const list = days.get(day) ?? [];
    return { body: JSON.stringify(list.map((e) => toHfEntry(e.paper, day, e.upvotes))) };
  });
/** day → papers listed that day, with their current upvotes. */
let days: Map<string, { paper: FlatPaper; upvotes: number }[]>;

const source = (repollDays = 3) =>
  new HfDailySource({
    http: new PoliteHttp({ userAgent: 'paperfeed-test', timeoutMs: 2000, attempts: 2, backoffMs: 10, maxRetryAfterS: 5, maxBytes: 1 << 20 }),
    baseUrl: `${h.upstream.url}/api/daily_papers`,
    delayMs: 0,
    repollDays,
    initialDays: 3,
  });


describe('Hugging Face Daily Papers source', () => {
  it('reads each day of the window, with the HF extras', async () => {
    days = new Map([
      ['2026-08-04', RICH.slice(0, 3).map((paper) => ({ paper, upvotes: 5 }))],
      ['2026-08-06', RICH.slice(3, 5).map((paper) => ({ paper, upvotes: 1 }))],
    ]);
    const report = await runSource(source(), h.deps, { now: NOW });
    expect(h.upstream.requests.map((r) => r.query.get('date'))).toEqual(['2026-08-04', '2026-08-05', '2026-08-06']);
    expect(report).toMatchObject({ pages: 3, inserted: 5, rejected: [] });
    const p = (await h.paper(RICH[0].id))!;
    expect(p).toMatchObject({ source: 'hf-daily-papers', upvotes: 5, title: RICH[0].title, authors: RICH[0].authors, published: RICH[0].published });
    expect(p.meta).toEqual({
      hfDate: '2026-08-04',
      submittedBy: RICH[0].submitted_by,
      numComments: RICH[0].num_comments,
      githubRepo: RICH[0].github_repo,
      githubStars: RICH[0].github_stars ?? 0,
      aiKeywords: RICH[0].ai_keywords,
      thumbnail: `https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/${RICH[0].id}.png`,
    });
    expect((await h.deps.state.get('hf'))).toMatchObject({ harvestedUntil: '2026-08-06', newestDatestamp: '2026-08-06', cursor: null });
  });

  it('re-reads the last days on every run, so upvotes that grew reach the store without re-embedding', async () => {
    days = new Map([['2026-08-05', RICH.slice(0, 2).map((paper) => ({ paper, upvotes: 3 }))]]);
    await runSource(source(), h.deps, { now: NOW });
    const before = (await h.paper(RICH[0].id))!;
    const version = (await h.head());
    days = new Map([['2026-08-05', [{ paper: RICH[0], upvotes: 42 }, { paper: RICH[1], upvotes: 3 }]]]);
    h.upstream.requests.length = 0;
    const report = await runSource(source(), h.deps, { now: new Date('2026-08-07T09:00:00Z') });
    // The window moves with today but still covers the 5th (HF_REPOLL_DAYS = 3).
    expect(h.upstream.requests.map((r) => r.query.get('date'))).toEqual(['2026-08-05', '2026-08-06', '2026-08-07']);
    expect(report).toMatchObject({ inserted: 0, updated: 1, unchanged: 1 });
    const after = (await h.paper(RICH[0].id))!;
    expect(after.upvotes).toBe(42);
    expect(after.contentHash).toBe(before.contentHash);
    expect((await h.head())).toBe(version); // no vector was rewritten
  });

  it('a scheduled run skips when a run (by any replica) started after its "skip if ran since" mark', async () => {
    days = new Map([['2026-08-05', RICH.slice(0, 2).map((paper) => ({ paper, upvotes: 3 }))]]);
    await runSource(source(), h.deps, { now: NOW });
    const ran = await h.deps.state.get('hf');
    h.upstream.requests.length = 0;
    const halfAnIntervalAgo = new Date(NOW.getTime() - 3 * 3_600_000);
    await expect(runSource(source(), h.deps, { now: NOW, skipIfRanSince: halfAnIntervalAgo })).rejects.toThrow(SourceBusyError);
    expect(h.upstream.requests).toHaveLength(0);
    expect(await h.deps.state.get('hf')).toEqual(ran); // nothing recorded
    // A mark after the last run's start: it runs.
    const report = await runSource(source(), h.deps, { now: NOW, skipIfRanSince: new Date(NOW.getTime() + 1000) });
    expect(report.pages).toBeGreaterThan(0);
    expect((await h.deps.state.get('hf')).runs).toBe(ran.runs + 1);
  });

  it('covers every day missed since the last run when that is longer ago than the re-poll window', async () => {
    days = new Map();
    await runSource(source(2), h.deps, { now: new Date('2026-08-01T09:00:00Z') });
    h.upstream.requests.length = 0;
    await runSource(source(2), h.deps, { now: NOW });
    expect(h.upstream.requests.map((r) => r.query.get('date'))).toEqual(['2026-08-01', '2026-08-02', '2026-08-03', '2026-08-04', '2026-08-05', '2026-08-06']);
  });

  it('adds upvotes and extras to a paper arXiv brought first, leaving its text alone', async () => {
    const hf = RICH[0];
    await h.runtime.writer.addPapers([{ id: hf.id, title: 'The arXiv title', abstract: 'The arXiv abstract of this paper.', authors: ['A. Author'], published: '2026-07-30', categories: ['cs.CL'], upvotes: null, source: 'arxiv', meta: { version: 'v1', license: 'http://creativecommons.org/licenses/by/4.0/' } }]);
    days = new Map([['2026-08-06', [{ paper: hf, upvotes: 17 }]]]);
    const report = await runSource(source(), h.deps, { range: { from: '2026-08-06', until: '2026-08-06' }, now: NOW });
    expect(report.updated).toBe(1);
    const p = (await h.paper(hf.id))!;
    expect(p).toMatchObject({ title: 'The arXiv title', abstract: 'The arXiv abstract of this paper.', source: 'arxiv', upvotes: 17, categories: ['cs.CL'] });
    expect(p.meta).toMatchObject({ version: 'v1', license: 'http://creativecommons.org/licenses/by/4.0/', submittedBy: hf.submitted_by, githubRepo: hf.github_repo });
    // A backfill leaves the scheduled window alone.
    expect((await h.deps.state.get('hf')).harvestedUntil).toBeNull();
  });

  it('rejects a broken entry and keeps the rest of the day; drops unsafe or malformed extras field by field', async () => {
    const entry = toHfEntry(RICH[0], '2026-08-06') as { paper: Record<string, unknown>; [k: string]: unknown };
    const odd = { ...entry, numComments: -3, thumbnail: 'javascript:alert(1)', paper: { ...entry.paper, githubRepo: '/relative', projectPage: 'https://example.org/p' } };
    const r = hfEntryToPaper(odd, '2026-08-06');
    expect(r.ok && r.paper.meta).toMatchObject({ projectPage: 'https://example.org/p' });
    expect(r.ok && r.paper.meta).not.toHaveProperty('githubRepo');
    expect(r.ok && r.paper.meta).not.toHaveProperty('thumbnail');
    expect(r.ok && r.paper.meta).not.toHaveProperty('numComments');
    expect(hfEntryToPaper({ title: 'no paper object' }, '2026-08-06')).toMatchObject({ ok: false });
    expect(hfEntryToPaper({ paper: { id: '2608.1', title: 'T' } }, '2026-08-06')).toEqual({ ok: false, id: '2608.1', reason: 'abstract: missing' });

    h.upstream.handler = (req) => ({
      body: req.query.get('date') === '2026-08-06' ? JSON.stringify([toHfEntry(RICH[1], '2026-08-06'), { paper: { id: 'x' } }, toHfEntry(RICH[2], '2026-08-06')]) : '[]',
    });
    const report = await runSource(source(1), h.deps, { now: NOW });
    expect(report.inserted).toBe(2);
    expect(report.rejected).toHaveLength(1);
  });

  it('fails the run on a body that is not a JSON array, keeping the days already committed', async () => {
    h.upstream.handler = (req) => (req.query.get('date') === '2026-08-06' ? { body: '{"error":"Invalid date"}' } : { body: JSON.stringify([toHfEntry(RICH[0], '2026-08-05')]) });
    await expect(runSource(source(2), h.deps, { now: NOW })).rejects.toThrow(/expected a JSON array/);
    expect((await h.paper(RICH[0].id))).toBeDefined();
    // The first run starts SYNC_INITIAL_DAYS (3) back; the days before the failing one are done.
    expect((await h.deps.state.get('hf')).cursor).toEqual({ from: '2026-08-04', until: '2026-08-06', next: '2026-08-06' });
    h.upstream.handler = () => ({ body: '[' });
    await expect(runSource(source(2), h.deps, { now: NOW })).rejects.toThrow(/invalid JSON/);
  });
});

describe('extras through the file readers (npm run ingest, the seed)', () => {
  it('keeps the HF fields of flat hf-daily-papers records and of raw daily_papers API entries', async () => {
    const { normalizePaper } = await import('../src/ingest/normalize.js');
    const flat = normalizePaper(RICH[0]);
    expect(flat.ok && flat.paper.meta).toEqual({
      hfDate: RICH[0].hf_daily_date, submittedBy: RICH[0].submitted_by, numComments: RICH[0].num_comments,
      githubRepo: RICH[0].github_repo, githubStars: RICH[0].github_stars ?? 0, aiKeywords: RICH[0].ai_keywords,
    });
    const api = normalizePaper(toHfEntry(RICH[1], '2026-08-04'));
    expect(api.ok && api.paper.meta).toMatchObject({ hfDate: '2026-08-04', submittedBy: RICH[1].submitted_by, githubRepo: RICH[1].github_repo });
    // A record without extras has no meta at all (unchanged shape).
    const plain = normalizePaper({ id: 'x1', title: 'T', abstract: 'A.' });
    expect(plain.ok && 'meta' in plain.paper).toBe(false);
  });
});
