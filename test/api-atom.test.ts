import { Readable } from 'node:stream';
import FeedParser from 'feedparser';
import { XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extrasLine, renderAtom, type ApiPaper } from '../src/api/atom-xml.js';
import { testConfig } from './engines.js';
import { startServer, type RunningServer } from '../src/server.js';
import { paper, tempDir } from './helpers.js';

type Raw = { '@': Record<string, string>; '#'?: string; name?: Raw };
const many = <T>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
const text = (x: Raw | undefined) => x?.['#'];
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Parses with feedparser in strict mode (sax: any well-formedness error throws) and checks what RFC 4287
 * requires of a feed and its entries. Returns the raw atom:* elements.
 */
async function parseAtom(xml: string) {
  expect(XMLValidator.validate(xml)).toBe(true);
  const parser = new FeedParser({ strict: true });
  Readable.from([xml]).pipe(parser);
  const items: FeedParser.Item[] = [];
  for await (const item of parser) items.push(item);
  const meta = parser.meta;
  expect(meta['#type']).toBe('atom');
  expect(meta['#version']).toBe('1.0');
  expect(text(meta['atom:id'])).toMatch(/^(urn|tag):/);
  expect(text(meta['atom:title'])).toBeTruthy();
  expect(text(meta['atom:updated'])).toMatch(RFC3339);
  expect(many<Raw>(meta['atom:link']).some((l) => l['@'].rel === 'self' && l['@'].href)).toBe(true);
  const feedHasAuthor = many<Raw>(meta['atom:author']).some((a) => text(a.name));
  const entries = items.map((item) => {
    const id = text(item['atom:id']);
    expect(id).toMatch(/^urn:paperfeed:paper:/);
    expect(text(item['atom:title'])).toBeTruthy();
    expect(text(item['atom:updated'])).toMatch(RFC3339);
    expect(text(item['atom:published'])).toMatch(RFC3339);
    const authors = many<Raw>(item['atom:author']).map((a) => text(a.name));
    expect(feedHasAuthor || authors.length > 0).toBe(true);
    const alternate = many<Raw>(item['atom:link']).find((l) => (l['@'].rel ?? 'alternate') === 'alternate');
    expect(alternate?.['@'].href ?? text(item['atom:content'])).toBeTruthy();
    return {
      id: id!,
      paperId: decodeURIComponent(id!.slice('urn:paperfeed:paper:'.length)),
      title: text(item['atom:title'])!,
      updated: text(item['atom:updated'])!,
      link: alternate?.['@'].href,
      authors,
      summary: text(item['atom:summary']),
      content: text(item['atom:content']),
    };
  });
  expect(new Set(entries.map((e) => e.id)).size).toBe(entries.length);
  if (entries.length) expect(text(meta['atom:updated'])).toBe(entries.map((e) => e.updated).sort().at(-1));
  return { meta, entries, title: text(meta['atom:title'])! };
}

const apiPaper = (id: string, extra: Partial<ApiPaper> = {}): ApiPaper => ({
  id, title: `Paper ${id}`, abstract: `Abstract ${id}`, authors: ['A. Author'], published: '2026-08-01',
  categories: ['cs.LG'], upvotes: null, url: null, ...extra,
});
const feedOf = (entries: { paper: ApiPaper; reason?: string }[], now?: Date) =>
  renderAtom({ id: 'urn:paperfeed:test', title: 'Test & <feed>', selfUrl: 'http://h:1/v1/x.atom?a=1&b=2', baseUrl: 'http://h:1', entries, now });

describe('renderAtom', () => {
  it('escapes markup and drops characters XML 1.0 cannot carry', async () => {
    const title = 'Attention & <Transformers>: "$O(n^2)$" \\emph{fast}\u0007 \u0000layers \uD800x \uFFFE😀';
    const xml = feedOf([{ paper: apiPaper('10.1/a&b<c>"d', { title, abstract: 'a < b && c > d\u001b', authors: ['Ö & <Z>'] }), reason: 'Close to “A & B”' }]);
    const { entries, title: feedTitle } = await parseAtom(xml);
    expect(feedTitle).toBe('Test & <feed>');
    expect(entries[0]).toMatchObject({
      paperId: '10.1/a&b<c>"d',
      title: 'Attention & <Transformers>: "$O(n^2)$" \\emph{fast} layers x 😀',
      summary: 'a < b && c > d',
      authors: ['Ö & <Z>'],
      content: 'Close to “A & B”\n\na < b && c > d',
      link: 'http://h:1/v1/papers/10.1%2Fa%26b%3Cc%3E%22d',
    });
  });

  it("dates the feed by its newest entry, links entries to the paper's page, stays stable", async () => {
    const entries = [
      { paper: apiPaper('2607.00001', { published: '2026-07-30', url: 'https://arxiv.org/abs/2607.00001', authors: [] }) },
      { paper: apiPaper('x2', { published: '2026-08-02' }) },
      { paper: apiPaper('x3', { published: null }) },
    ];
    const xml = feedOf(entries);
    const parsed = await parseAtom(xml);
    expect(parsed.meta['atom:updated']['#']).toBe('2026-08-02T00:00:00Z');
    expect(parsed.entries.map((e) => e.updated)).toEqual(['2026-07-30T00:00:00Z', '2026-08-02T00:00:00Z', '2026-08-02T00:00:00Z']);
    expect(parsed.entries[0]).toMatchObject({ link: 'https://arxiv.org/abs/2607.00001', authors: [], content: undefined });
    expect(feedOf(entries)).toBe(xml);
  });

  it('renders an empty feed dated now', async () => {
    const { meta, entries } = await parseAtom(feedOf([], new Date('2026-08-05T10:11:12.345Z')));
    expect(entries).toEqual([]);
    expect(meta['atom:updated']['#']).toBe('2026-08-05T10:11:12Z');
  });
});

const ADMIN = 'test-admin-token-0123456789';
const TRICKY_ID = '10.5555/a&b<c>';
const TRICKY_TITLE = 'Attention & <Transformers>: $O(n^2)$ is "fast"';
let server: RunningServer;

function call(method: string, url: string, token?: string) {
  return fetch(server.url + url, { method, headers: token ? { authorization: `Bearer ${token}` } : {} });
}
async function atom(url: string, token?: string) {
  const res = await call('GET', url, token);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
  return parseAtom(await res.text());
}
async function rejected(url: string, status: number, token?: string) {
  const res = await call('GET', url, token);
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(await res.text()).not.toMatch(/<feed/);
}
async function newUser(name: string) {
  const res = await fetch(`${server.url}/v1/users`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  const { id, token } = await res.json();
  const key = (await (await call('POST', `/v1/users/${id}/feed-key`, token)).json()).key as string;
  return { id: id as string, token: token as string, key };
}

describe('Atom routes (real server, seeded store)', () => {
  let a: { id: string; token: string; key: string };
  let b: { id: string; token: string; key: string };

  beforeAll(async () => {
    server = await startServer(await testConfig({ DATA_DIR: tempDir(), PORT: '0', ADMIN_TOKEN: ADMIN }), () => {});
    await server.ready;
    await server.runtime.writer.addPapers([
      paper(TRICKY_ID, { title: TRICKY_TITLE, abstract: 'We show a < b & c > d.', published: '2021-03-04', categories: ['test.xml'], upvotes: 5 }),
    ]);
    a = await newUser('Alice & <Co>');
    b = await newUser('Bob');
    for (const id of ['2607.28629', TRICKY_ID]) expect((await call('PUT', `/v1/users/${a.id}/stars/${encodeURIComponent(id)}`, a.token)).status).toBe(201);
  });
  afterAll(() => server?.close());

  it('serves the trending list as Atom, entry for entry the JSON list', async () => {
    for (const query of ['', '?k=25', '?k=5&category=cs.CL']) {
      const { entries, meta } = await atom(`/v1/trending.atom${query}`);
      const json = await (await call('GET', `/v1/trending${query}`)).json();
      expect(entries.length).toBeGreaterThan(0);
      expect(entries.map((e) => e.paperId)).toEqual(json.items.map((i: { paper: { id: string } }) => i.paper.id));
      expect(entries.map((e) => e.title)).toEqual(json.items.map((i: { paper: { title: string } }) => i.paper.title.replace(/\s+/g, ' ').trim()));
      expect(many<Raw>(meta['atom:link']).find((l) => l['@'].rel === 'self')!['@'].href).toBe(`${server.url}/v1/trending.atom${query}`);
    }
  });

  it('escapes titles with & and < from real stored papers', async () => {
    const { entries } = await atom('/v1/trending.atom?category=test.xml&since=2021-03-01&until=2021-03-08');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      paperId: TRICKY_ID,
      title: TRICKY_TITLE,
      summary: 'We show a < b & c > d.',
      link: 'https://doi.org/10.5555/a&b%3Cc%3E',
      id: 'urn:paperfeed:paper:10.5555%2Fa%26b%3Cc%3E',
    });
  });

  it("serves a user's feed by feed key or bearer token, matching the JSON feed with reasons", async () => {
    const window = '&since=2026-07-01&until=2026-09-01&k=15';
    const byKey = await atom(`/v1/users/${a.id}/feed.atom?key=${a.key}${window}`);
    const json = await (await call('GET', `/v1/users/${a.id}/feed?${window.slice(1)}`, a.token)).json();
    expect(byKey.entries.length).toBe(15);
    expect(byKey.entries.map((e) => e.paperId)).toEqual(json.items.map((i: { paper: { id: string } }) => i.paper.id));
    // The content: why, then the source extras if any (submitter, code, comments), then the abstract.
    byKey.entries.forEach((e, i) =>
      expect(e.content).toBe([json.items[i].reason, extrasLine(json.items[i].paper.meta), json.items[i].paper.abstract].filter(Boolean).join('\n\n')),
    );
    expect(byKey.entries.map((e) => e.paperId)).not.toContain('2607.28629');
    expect(byKey.title).toContain('Alice & <Co>');
    expect(text(byKey.meta['atom:id'])).toBe(`urn:paperfeed:user:${a.id}:feed`);

    for (const token of [a.token, ADMIN]) {
      expect((await atom(`/v1/users/${a.id}/feed.atom?${window.slice(1)}`, token)).entries.map((e) => e.id)).toEqual(byKey.entries.map((e) => e.id));
    }
    expect((await atom(`/v1/users/${encodeURIComponent(a.id)}/feed.atom?key=${a.key}`)).entries.length).toBeGreaterThan(0);
  });

  it('rejects missing, wrong, foreign and revoked keys with a problem, never the feed', async () => {
    await rejected(`/v1/users/${a.id}/feed.atom`, 401);
    await rejected(`/v1/users/${a.id}/feed.atom?key=`, 401);
    await rejected(`/v1/users/${a.id}/feed.atom?key=pfk_wrong`, 401);
    await rejected(`/v1/users/${a.id}/feed.atom?key=${b.key}`, 401);
    await rejected(`/v1/users/${a.id}/feed.atom?key=${a.token}`, 401);
    await rejected(`/v1/users/u_nobody/feed.atom?key=${a.key}`, 401);
    await rejected(`/v1/users/${a.id}/feed.atom`, 404, b.token);
    await rejected(`/v1/users/${a.id}/feed.atom`, 401, 'pf_not-a-token');
    await rejected(`/v1/users/${a.id}/feed.atom?key=${a.key}&k=0`, 400);

    expect((await call('DELETE', `/v1/users/${a.id}/feed-key`, a.token)).status).toBe(200);
    await rejected(`/v1/users/${a.id}/feed.atom?key=${a.key}`, 401);
    const fresh = (await (await call('POST', `/v1/users/${a.id}/feed-key`, a.token)).json()).key;
    await rejected(`/v1/users/${a.id}/feed.atom?key=${a.key}`, 401);
    await atom(`/v1/users/${a.id}/feed.atom?key=${fresh}`);
  });
});
