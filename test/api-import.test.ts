// Library import over HTTP (BibTeX, RIS, CSL-JSON): matched by arXiv id, DOI, then title; unmatched entries with an
// abstract become the user's own papers, private, shaping the feed; bad files refused whole; on both engines.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from './engines.js';
import { startServer, type RunningServer } from '../src/server.js';
import { expectProblem, paper, tempDir } from './helpers.js';

const ADMIN = 'test-admin-token-0123456789';
const FIXTURES = path.join(import.meta.dirname, 'fixtures', 'library');
const fixture = (name: string) => fs.readFileSync(path.join(FIXTURES, name), 'utf8');
let server: RunningServer;
let ada: { id: string; token: string };
let bob: { id: string; token: string };

function call(method: string, url: string, token?: string, body?: unknown) {
  const headers: Record<string, string> = {};
  if (token !== undefined) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(server.url + url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}
const upload = (uid: string, token: string, text: string, query = '', type = 'text/plain') =>
  fetch(`${server.url}/v1/users/${uid}/import${query}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': type }, body: text });
const ok = async (res: Response) => {
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return res.json();
};
const newUser = async (name: string) => ok(await call('POST', '/v1/users', ADMIN, { name }));
const starIds = async (u: { id: string; token: string }) =>
  (await ok(await call('GET', `/v1/users/${u.id}/stars?limit=1000`, u.token))).items.map((i: { paperId: string }) => i.paperId) as string[];

beforeAll(async () => {
  server = await startServer(await testConfig({ DATA_DIR: tempDir(), PORT: '0', ADMIN_TOKEN: ADMIN }), () => {});
  await server.ready;
  await server.runtime.writer.addPapers([
    paper('1706.03762', { title: 'Attention Is All You Need', published: '2026-08-10' }),
    paper('kdd-gcn', { title: 'Graph convolutional neural networks for web-scale recommender systems.', published: '2026-08-10' }),
    paper('2101.00001', { title: 'Something on arXiv', published: '2026-08-10' }),
    paper('resnet-by-doi', { title: 'ResNet, as a source recorded it', meta: { doi: '10.1109/CVPR.2016.90' }, published: '2026-08-10' }),
  ]);
  ada = await newUser('Ada');
  bob = await newUser('Bob');
});
afterAll(() => server?.close());

describe('POST /v1/users/:uid/import', () => {
  it('imports a BibTeX library into the stars: matched by arXiv id, title; added with an abstract; skipped with reasons', async () => {
    const papersBefore = await server.runtime.engine.papers.count();
    const report = await ok(await upload(ada.id, ada.token, fixture('zotero.bib')));
    expect(report).toMatchObject({ format: 'bibtex', entries: 5, into: { stars: true } });
    expect(report.matched).toEqual([
      { key: 'vaswani2017attention', line: 2, paperId: '1706.03762', by: 'arxiv' },
      { key: 'ying2018graph', line: 13, paperId: 'kdd-gcn', by: 'title' },
      { key: 'journalref', line: 35, paperId: '2101.00001', by: 'arxiv' },
    ]);
    expect(report.added).toEqual([{ key: 'own2026draft', line: 21, paperId: expect.stringMatching(/^own_/), title: 'A Study of Über-Long Reading Lists with α-Divergences' }]);
    expect(report.skipped).toEqual([{ key: 'noabstract', line: 29, title: 'A Book That Nobody Here Has', reason: expect.stringMatching(/no abstract/) }]);
    expect(report.newInTarget).toBe(4);
    const ownId = report.added[0].paperId;
    expect(await starIds(ada)).toEqual([ownId, '2101.00001', 'kdd-gcn', '1706.03762']);
    const stars = await ok(await call('GET', `/v1/users/${ada.id}/stars`, ada.token));
    expect(stars.items[0]).toMatchObject({ paperId: ownId, own: true, paper: { title: report.added[0].title, authors: ['Ada Müller'], published: '2026-01-01' } });

    // Own papers are private: not stored as papers, not found, not searchable, not trending, not in Bob's anything.
    expect(await server.runtime.engine.papers.count()).toBe(papersBefore);
    await expectProblem(await call('GET', `/v1/papers/${ownId}`), 404);
    const search = await ok(await call('GET', `/v1/search?q=${encodeURIComponent('Über-Long Reading Lists alpha-Divergences')}&k=50`));
    expect(search.items.map((i: { paper: { id: string } }) => i.paper.id)).not.toContain(ownId);
    const trending = await ok(await call('GET', '/v1/trending?k=1000&since=2000-01-01'));
    expect(trending.items.map((i: { paper: { id: string } }) => i.paper.id)).not.toContain(ownId);
    await expectProblem(await call('PUT', `/v1/users/${bob.id}/stars/${ownId}`, bob.token), 404, 'param.paperId');

    // Importing the same library again adds no copies.
    const again = await ok(await upload(ada.id, ada.token, fixture('zotero.bib'), '?format=bibtex'));
    expect(again.added).toEqual([]);
    expect(again.matched.find((m: { key: string }) => m.key === 'own2026draft')).toMatchObject({ paperId: ownId, by: 'own' });
    expect(again.newInTarget).toBe(0);
  });

  it('imports RIS (DOI a source recorded) and CSL-JSON (arXiv DOI) into a collection, by sniffing or ?format=', async () => {
    const c = await ok(await call('POST', `/v1/users/${ada.id}/collections`, ada.token, { name: 'Imported' }));
    const ris = await ok(await upload(ada.id, ada.token, fixture('mendeley.ris'), `?collection=${c.id}`, 'application/x-research-info-systems'));
    expect(ris).toMatchObject({ format: 'ris', entries: 2, into: { collectionId: c.id } });
    expect(ris.matched).toEqual([{ key: 'he2016', line: 1, paperId: 'resnet-by-doi', by: 'doi' }]);
    expect(ris.added).toEqual([{ key: 'record 2', line: 12, paperId: expect.stringMatching(/^own_/), title: 'An Unknown Workshop Paper on Reading Lists' }]);
    const csl = await ok(await upload(ada.id, ada.token, fixture('library.csl.json'), `?format=csl-json&collection=${c.id}`));
    expect(csl.added.map((a: { key: string }) => a.key)).toEqual(['http://zotero.org/users/1/items/ABCD1234', 'draft']); // BERT is not in this store
    const got = await ok(await call('GET', `/v1/users/${ada.id}/collections/${c.id}`, ada.token));
    expect(got.collection.size).toBe(4);
    expect(got.items.filter((i: { own: boolean }) => i.own)).toHaveLength(3);
    // Shared, the collection shows its stored papers only: the owner's own papers stay private.
    const { key } = await ok(await call('POST', `/v1/users/${ada.id}/collections/${c.id}/share-key`, ada.token));
    const shared = await ok(await call('GET', `/v1/users/${ada.id}/collections/${c.id}?key=${encodeURIComponent(key)}`));
    expect(shared.items.map((i: { paperId: string }) => i.paperId)).toEqual(['resnet-by-doi']);
    expect(shared.collection.size).toBe(1);
  });

  it("shapes the feed with an own paper's embedding, like a star", async () => {
    const cy = await newUser('Cy');
    const draft = [
      {
        id: 'mydraft',
        title: 'Learning dexterous robot grasping from human videos',
        abstract: 'We teach a robot arm to grasp and manipulate objects from videos of people, with a vision-language-action policy.',
      },
    ];
    const report = await ok(await upload(cy.id, cy.token, JSON.stringify(draft)));
    expect(report).toMatchObject({ format: 'csl-json', matched: [], skipped: [] });
    const feed = await ok(await call('GET', `/v1/users/${cy.id}/feed?k=10&since=2026-08-01&until=2026-08-22`, cy.token));
    expect(feed.items).toHaveLength(10);
    for (const i of feed.items) expect(i.reason).toMatch(/^Close to “Learning dexterous robot grasping from human videos”, which you starred/);
    const robotic = feed.items.filter((i: { paper: { title: string; abstract: string } }) => /robot|grasp|manipulat|embodied/i.test(i.paper.title + i.paper.abstract));
    expect(robotic.length).toBeGreaterThanOrEqual(7);
  });

  it('refuses a bad file whole, naming the entry and line; nothing is written', async () => {
    const dana = await newUser('Dana');
    const cases: [string, string, RegExp][] = [
      ['broken.bib', '', /entry "broken2021", line 10/],
      ['broken.ris', '', /entry "record 2", line 5/],
      ['broken.csl.json', '', /entry "bad-author".*author/],
      ['truncated.csl.json', '', /line 3/],
      ['zotero.bib', '?format=ris', /line 1: RIS line 1 is outside a record|line 2/],
    ];
    for (const [file, query, message] of cases) {
      const body = await expectProblem(await upload(dana.id, dana.token, fixture(file), query), 400, 'body');
      expect(body.errors[0].message, file).toMatch(message);
    }
    await expectProblem(await upload(dana.id, dana.token, 'just some words'), 400, 'query.format');
    await expectProblem(await upload(dana.id, dana.token, '   '), 400, 'body');
    await expectProblem(await upload(dana.id, dana.token, fixture('zotero.bib'), '?format=endnote'), 400, 'query.format');
    await expectProblem(await upload(dana.id, dana.token, fixture('zotero.bib'), '?collection=c_nope'), 404, 'query.collection');
    await expectProblem(await upload(dana.id, dana.token, 'x'.repeat(5 * 1024 * 1024 + 1)), 413, 'body');
    await expectProblem(await upload(dana.id, bob.token, fixture('zotero.bib')), 404, 'param.uid');
    expect(await starIds(dana)).toEqual([]);
    expect(await server.runtime.engine.library.ownPapers(dana.id)).toEqual([]);
  });

  it('lists own papers to their owner only, and deletes one (and it from the stars and collections)', async () => {
    const fay = await newUser('Fay');
    const c = await ok(await call('POST', `/v1/users/${fay.id}/collections`, fay.token, { name: 'Mine' }));
    await ok(await upload(fay.id, fay.token, fixture('library.csl.json'), `?collection=${c.id}`));
    await ok(await upload(fay.id, fay.token, fixture('library.csl.json'))); // the same papers into the stars
    const { items } = await ok(await call('GET', `/v1/users/${fay.id}/own-papers`, fay.token));
    expect(items.map((p: { title: string }) => p.title)).toEqual(['Notes Towards a Theory of Paper Feeds', 'BERT: Pre-training of Deep Bidirectional Transformers for Language Understanding']);
    await expectProblem(await call('GET', `/v1/users/${fay.id}/own-papers`, bob.token), 404, 'param.uid');
    await expectProblem(await call('DELETE', `/v1/users/${fay.id}/own-papers/${items[0].id}`, bob.token), 404, 'param.uid');
    expect((await call('DELETE', `/v1/users/${fay.id}/own-papers/${items[0].id}`, fay.token)).status).toBe(200);
    await expectProblem(await call('DELETE', `/v1/users/${fay.id}/own-papers/${items[0].id}`, fay.token), 404, 'param.paperId');
    expect(await starIds(fay)).toEqual([items[1].id]);
    expect((await ok(await call('GET', `/v1/users/${fay.id}/collections/${c.id}`, fay.token))).items.map((i: { paperId: string }) => i.paperId)).toEqual([items[1].id]);
  });

  it('writes an import in one transaction: a failing write leaves no own paper behind', async () => {
    const eve = await newUser('Eve');
    const own = { title: 'T', abstract: 'A', authors: [], published: null, doi: null, contentHash: 'h', model: server.runtime.embedder.modelKey, vector: new Float32Array(server.runtime.embedder.dim) };
    // The collection does not exist: the membership insert fails after the own paper's insert.
    await expect(server.runtime.engine.library.importLibrary({ userId: eve.id, ownPapers: [own], paperIds: [], collectionId: 'c_missing' })).rejects.toThrow();
    expect(await server.runtime.engine.library.ownPapers(eve.id)).toEqual([]);
  });
});
