// The arXiv OAI-PMH source against a local fake h.upstream serving real OAI-PMH 2.0 / arXivRaw XML: paging by
// resumption token, politeness, deleted and malformed records, a v2, category filters, and every way the h.upstream
// can fail (each a clear error, a checkpoint to resume from, no partial writes beyond committed pages).
import { describe, expect, it } from 'vitest';
import { ArxivSource } from '../src/ingest/sources/arxiv.js';
import { parseArxivSets, type ArxivSelection } from '../src/ingest/sources/config.js';
import { PoliteHttp, type PoliteHttpOptions } from '../src/ingest/sources/polite-http.js';
import { runSource } from '../src/ingest/sources/run.js';
import { oaiList, oaiPage, seedPapers, toArxivRecord, type ArxivRecord, type Handler } from './fake-upstream.js';
import { sourceHarness } from './source-harness.js';
import { freePort } from './free-port.js';

const SEED = seedPapers('arxiv');
const NOW = new Date('2026-08-05T12:00:00Z');
const RANGE = { from: '2026-08-01', until: '2026-08-05' };

const h = sourceHarness();

const HTTP: PoliteHttpOptions = { userAgent: 'paperfeed-test (mailto:test@example.org)', timeoutMs: 2000, attempts: 3, backoffMs: 20, maxRetryAfterS: 5, maxBytes: 1 << 20 };

function source(opts: { http?: Partial<PoliteHttpOptions>; selection?: ArxivSelection; delayMs?: number; url?: string } = {}) {
  return new ArxivSource({
    http: new PoliteHttp({ ...HTTP, ...opts.http }),
    baseUrl: opts.url ?? `${h.upstream.url}/oai`,
    selection: opts.selection ?? (parseArxivSets('cs') as ArxivSelection),
    delayMs: opts.delayMs ?? 0,
    initialDays: 3,
  });
}

const records = (n: number, offset = 0, datestamp = '2026-08-03') => SEED.slice(offset, offset + n).map((p) => toArxivRecord(p, datestamp));
const serve = (handler: Handler) => (h.upstream.handler = handler);
const count = () => h.count();


describe('arXiv OAI-PMH source', () => {
  it('harvests three pages joined by resumption tokens, politely, with the arXiv extras', async () => {
    const recs = records(30);
    recs[0] = { ...recs[0], comments: '12 pages, 3 figures', journalRef: 'NeurIPS 2026', doi: '10.1234/abcd.5678', versions: [{ version: 'v1', date: 'Mon, 3 Aug 2026 10:00:00 GMT' }, { version: 'v2', date: 'Tue, 4 Aug 2026 10:00:00 GMT' }] };
    serve(oaiList(recs, 10));
    const report = await runSource(source({ delayMs: 150 }), h.deps, { range: RANGE, now: NOW });
    expect(report).toMatchObject({ pages: 3, inserted: 30, updated: 0, rejected: [] });
    expect(await count()).toBe(30);
    // The first request names the set and range; the next two only the token (OAI-PMH's exclusive argument).
    const qs = h.upstream.requests.map((r) => Object.fromEntries(r.query));
    expect(qs[0]).toEqual({ verb: 'ListRecords', metadataPrefix: 'arXivRaw', set: 'cs', from: '2026-08-01', until: '2026-08-05' });
    expect(qs.slice(1)).toEqual([{ verb: 'ListRecords', resumptionToken: 'list-2026-08-01-2026-08-05|10' }, { verb: 'ListRecords', resumptionToken: 'list-2026-08-01-2026-08-05|20' }]);
    // One request at a time, with the configured pause between them, and a User-Agent naming a contact.
    for (let i = 1; i < h.upstream.requests.length; i++) expect(h.upstream.requests[i].at - h.upstream.requests[i - 1].at).toBeGreaterThanOrEqual(150);
    expect(h.upstream.requests.every((r) => r.userAgent?.includes('mailto:test@example.org'))).toBe(true);
    const p = (await h.paper(recs[0].id))!;
    expect(p.source).toBe('arxiv');
    expect(p.meta).toEqual({ version: 'v2', comments: '12 pages, 3 figures', journalRef: 'NeurIPS 2026', doi: '10.1234/abcd.5678', license: 'http://creativecommons.org/licenses/by/4.0/' });
    expect(p.published).toBe('2026-08-03'); // v1's date
    expect(p.authors).toEqual(SEED[0].authors);
    expect((await h.deps.state.get('arxiv'))).toMatchObject({ cursor: null, lastError: null, papersAdded: 30, newestDatestamp: '2026-08-03' });
    // A backfill does not move the scheduled start; a scheduled run records where the next one starts.
    expect((await h.deps.state.get('arxiv')).harvestedUntil).toBeNull();
    await runSource(source(), h.deps, { now: NOW });
    expect((await h.deps.state.get('arxiv')).harvestedUntil).toBe('2026-08-05');
    expect(Object.fromEntries(h.upstream.requests.at(-3)!.query)).toMatchObject({ from: '2026-08-02', until: '2026-08-05' });
  });

  it('waits as long as a 503 Retry-After asks, then carries on', async () => {
    const list = oaiList(records(5), 10);
    let first = true;
    serve((req) => {
      if (!first) return list(req);
      first = false;
      return { status: 503, headers: { 'Retry-After': '1' }, body: 'Retry after 1 second' };
    });
    const report = await runSource(source(), h.deps, { range: RANGE, now: NOW });
    expect(report.inserted).toBe(5);
    expect(h.upstream.requests).toHaveLength(2);
    expect(h.upstream.requests[1].at - h.upstream.requests[0].at).toBeGreaterThanOrEqual(1000);
  });

  it('refuses a Retry-After beyond the cap instead of stalling the run', async () => {
    serve(() => ({ status: 503, headers: { 'Retry-After': '3600' }, body: 'later' }));
    await expect(runSource(source(), h.deps, { range: RANGE, now: NOW })).rejects.toThrow(/Retry-After 3600 s is beyond SYNC_MAX_RETRY_AFTER_S/);
    expect(h.upstream.requests).toHaveLength(1);
  });

  it('deletes a deleted record it brought, and only that', async () => {
    const recs = records(3);
    serve(oaiList(recs, 10));
    await runSource(source(), h.deps, { range: RANGE, now: NOW });
    await h.runtime.writer.addPapers([{ ...SEED[5], upvotes: null, source: 'hf-daily-papers' }]);
    serve(oaiList([{ id: recs[1].id, datestamp: '2026-08-04', deleted: true }, { id: SEED[5].id, datestamp: '2026-08-04', deleted: true }], 10));
    const report = await runSource(source(), h.deps, { range: RANGE, now: NOW });
    expect(report.deleted).toBe(1);
    expect((await h.paper(recs[1].id))).toBeUndefined();
    expect((await h.paper(recs[0].id))).toBeDefined();
    expect((await h.paper(SEED[5].id))).toBeDefined(); // another source's paper stays
  });

  it('rejects a malformed record with its reason and keeps the good ones around it', async () => {
    const recs = records(5);
    recs[2] = { ...recs[2], abstract: undefined };
    recs[3] = { ...recs[3], title: '   ' };
    serve(oaiList(recs, 10));
    const report = await runSource(source(), h.deps, { range: RANGE, now: NOW });
    expect(report.inserted).toBe(3);
    expect(report.rejected).toEqual([
      { id: recs[2].id, reason: 'abstract: missing' },
      { id: recs[3].id, reason: 'title: empty' },
    ]);
  });

  it('re-embeds a v2 whose abstract changed, and only that paper', async () => {
    const recs = records(3);
    serve(oaiList(recs, 10));
    await runSource(source(), h.deps, { range: RANGE, now: NOW });
    const before = (await h.paper(recs[0].id))!;
    const vecBefore = (await h.vector(before.seq))!;
    const v2: ArxivRecord = {
      ...recs[0],
      datestamp: '2026-08-05',
      abstract: 'We withdraw the previous claims and instead study graph neural networks for molecule property prediction.',
      versions: [...recs[0].versions!, { version: 'v2', date: 'Wed, 5 Aug 2026 09:00:00 GMT' }],
    };
    serve(oaiList([v2, { ...recs[1], datestamp: '2026-08-05' }], 10));
    const report = await runSource(source(), h.deps, { range: RANGE, now: NOW });
    expect(report).toMatchObject({ inserted: 0, updated: 1, unchanged: 1 });
    const after = (await h.paper(recs[0].id))!;
    expect(after.abstract).toBe(v2.abstract);
    expect(after.meta?.version).toBe('v2');
    expect(after.published).toBe(before.published); // still v1's date
    expect(after.contentHash).not.toBe(before.contentHash);
    expect(Array.from((await h.vector(after.seq))!)).not.toEqual(Array.from(vecBefore));
  });

  it('keeps only the chosen categories of a set', async () => {
    const recs = records(4).map((r, i) => ({ ...r, categories: ['cs.CL cs.AI', 'cs.CV', 'cs.LG cs.CL', 'cs.RO'][i] }));
    serve(oaiList(recs, 10));
    const report = await runSource(source({ selection: parseArxivSets('cs.CL') as ArxivSelection }), h.deps, { range: RANGE, now: NOW });
    expect(report).toMatchObject({ inserted: 2, skipped: 2 });
    expect((await h.paper(recs[0].id))?.categories).toEqual(['cs.CL', 'cs.AI']);
    expect((await h.paper(recs[1].id))).toBeUndefined();
  });

  it('lists several sets in turn (physics archives under physics:)', async () => {
    const cs = records(2);
    const hep = records(2, 10).map((r) => ({ ...r, categories: 'hep-th' }));
    serve((req) => oaiList(req.query.get('set') === 'physics:hep-th' ? hep : cs, 10)(req));
    const report = await runSource(source({ selection: parseArxivSets('cs,hep-th') as ArxivSelection }), h.deps, { range: RANGE, now: NOW });
    expect(report.inserted).toBe(4);
    expect(h.upstream.requests.map((r) => r.query.get('set'))).toEqual(['cs', 'physics:hep-th']);
  });

  it('treats noRecordsMatch as an empty, successful run', async () => {
    serve(oaiList([], 10));
    const report = await runSource(source(), h.deps, { range: RANGE, now: NOW });
    expect(report).toMatchObject({ pages: 0, inserted: 0 });
    expect((await h.deps.state.get('arxiv')).lastSuccessAt).not.toBeNull();
  });

  it('resumes at the page it failed on, from the stored resumption token', async () => {
    const list = oaiList(records(30), 10);
    serve((req) => (req.query.get('resumptionToken')?.endsWith('|20') ? { status: 500, body: 'oops' } : list(req)));
    await expect(runSource(source(), h.deps, { range: RANGE, now: NOW })).rejects.toThrow(/HTTP 500 \(gave up after 3 attempts\)/);
    expect(await count()).toBe(20);
    const state = (await h.deps.state.get('arxiv'));
    expect(state.cursor).toEqual({ ...RANGE, setIndex: 0, token: 'list-2026-08-01-2026-08-05|20' });
    expect(state.lastError).toMatch(/HTTP 500/);
    h.upstream.requests.length = 0;
    serve(list);
    const report = await runSource(source(), h.deps, { range: RANGE, now: NOW });
    expect(report).toMatchObject({ pages: 1, inserted: 10 });
    expect(h.upstream.requests.map((r) => r.query.get('resumptionToken'))).toEqual(['list-2026-08-01-2026-08-05|20']);
    expect(await count()).toBe(30);
    expect((await h.deps.state.get('arxiv')).cursor).toBeNull();
  });

  it('starts the set again when a stored token has expired', async () => {
    const list = oaiList(records(15), 10);
    await h.deps.state.runStarted('arxiv');
    await h.deps.state.pageDone('arxiv', { cursor: { ...RANGE, setIndex: 0, token: 'expired-token' }, added: 0, updated: 0 });
    serve(list);
    const report = await runSource(source(), h.deps, { range: RANGE, now: NOW });
    expect(report.inserted).toBe(15);
    expect(h.upstream.requests[0].query.get('resumptionToken')).toBe('expired-token');
    expect(h.upstream.requests[1].query.get('set')).toBe('cs');
  });
});

describe('arXiv source failures: each a clear error, nothing half-written', () => {
  const fails = async (expected: RegExp, opts?: Parameters<typeof source>[0]) => {
    await expect(runSource(source(opts), h.deps, { range: RANGE, now: NOW })).rejects.toThrow(expected);
    expect(await count()).toBe(0);
    expect((await h.deps.state.get('arxiv')).lastError).toMatch(expected);
  };

  it('connection refused', async () => {
    const port = await freePort(); // nothing listens there: connections are refused
    await fails(/ECONNREFUSED.*gave up after 3 attempts/, { url: `http://127.0.0.1:${port}/oai` });
  });

  it('a timeout', async () => {
    serve(() => ({ hang: true }));
    await fails(/timed out \(gave up after 2 attempts\)/, { http: { timeoutMs: 300, attempts: 2 } });
    expect(h.upstream.requests).toHaveLength(2);
  });

  it('a 500 on every attempt, with exponential backoff', async () => {
    serve(() => ({ status: 500, body: 'Internal Server Error' }));
    await fails(/HTTP 500 \(gave up after 3 attempts\)/, { http: { backoffMs: 100 } });
    const [a, b, c] = h.upstream.requests.map((r) => r.at);
    expect(b - a).toBeGreaterThanOrEqual(100);
    expect(c - b).toBeGreaterThanOrEqual(200);
  });

  it('a 404 is not retried', async () => {
    serve(() => ({ status: 404, body: 'Not Found' }));
    await fails(/HTTP 404$/);
    expect(h.upstream.requests).toHaveLength(1);
  });

  it('a truncated body', async () => {
    serve(() => ({ truncate: oaiPage(records(5)).slice(0, 2000) }));
    await fails(/body cut short.*gave up after 3 attempts/);
  });

  it('invalid XML', async () => {
    serve(() => ({ body: oaiPage(records(3)).replace('</ListRecords>', '</ListRecord>') }));
    await fails(/invalid XML at line \d+/);
  });

  it('a DTD with entities (billion laughs) is refused, never expanded', async () => {
    const lol = '<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>\n<OAI-PMH><ListRecords/></OAI-PMH>';
    serve(() => ({ body: lol }));
    await fails(/declares a DTD or entities/);
  });

  it('an oversized response is refused while it streams in, not buffered', async () => {
    h.upstream.endlessBytes = 0;
    serve(() => ({ endless: `<record>${'x'.repeat(8000)}</record>\n` }));
    await fails(/larger than the limit of 1048576 bytes/);
    // The client stopped reading at the limit: the server got no further than its socket buffers allow.
    expect(h.upstream.endlessBytes).toBeLessThan(16 << 20);
    // A declared Content-Length over the limit is refused before reading.
    serve(() => ({ body: oaiPage(records(40)) }));
    await fails(/larger than the limit of 20000/, { http: { maxBytes: 20000 } });
  });

  it('a non-OAI answer', async () => {
    serve(() => ({ body: '<html><body>maintenance</body></html>' }));
    await fails(/not an OAI-PMH response/);
  });
});
