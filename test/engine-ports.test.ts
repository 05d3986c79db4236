// The storage ports, the same assertions against both engines (SQLite and PostgreSQL).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelMismatchError, type Engine, type Window } from '../src/store/ports.js';
import { paper, rng, unitVector } from './helpers.js';
import { loadConfig } from '../src/config.js';
import { PostgresEngine } from '../src/store/postgres-engine.js';
import { PG_SCHEMA_VERSION } from '../src/store/pg/schema.js';
import { explainStoreError } from '../src/store/explain.js';
import { isStoreUnavailable } from '../src/store/unavailable.js';
import { newPgDatabase, openTestEngine, type EngineName } from './engines.js';

const collect = async <T>(it: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

describe.each<EngineName>(['sqlite', 'postgres'])('the %s engine', (name) => {
  let engine: Engine;
  const next = rng(7);
  const vec = () => unitVector(8, next);
  beforeAll(async () => {
    engine = await openTestEngine(name);
  });
  afterAll(() => engine?.close());

  it('binds to one model and refuses another with a message naming both', async () => {
    expect(await engine.model.info()).toBeNull();
    await engine.model.bind('model-a', 8);
    await engine.model.bind('model-a', 8);
    expect(await engine.model.info()).toEqual({ model: 'model-a', dim: 8 });
    await expect(engine.model.bind('model-b', 8)).rejects.toThrow(ModelMismatchError);
    await expect(engine.model.bind('model-a', 16)).rejects.toThrow(/model-a.*dim 8.*model-a.*dim 16/s);
  });

  it('stores term vectors with the vectors, backfills the missing ones, and replays them with the change log', async () => {
    const terms = Uint32Array.from([0x000101, 0x000203, 0xffffff02]); // ids 1, 2, 0xffffff (counts 1, 3, 2)
    const head0 = await engine.changes.head();
    await engine.writes.writeBatch(
      [
        { paper: paper('t1', { upvotes: 4 }), contentHash: 't1', vector: vec(), terms },
        { paper: paper('t2'), contentHash: 't2', vector: vec() }, // as stored before term vectors existed
      ],
      'm',
      8,
    );
    const [t1, t2] = await engine.papers.byIds(['t1', 't2']);
    const missing = await engine.writes.papersWithoutTerms(-1, 1000);
    expect(missing.map((r) => r.seq)).toContain(t2!.seq);
    expect(missing.map((r) => r.seq)).not.toContain(t1!.seq);
    await engine.writes.saveTerms([{ seq: t2!.seq, terms: Uint32Array.from([0x000301]) }, { seq: 999_999, terms }]); // unknown seq: skipped
    expect((await engine.writes.papersWithoutTerms(-1, 1000)).map((r) => r.seq)).not.toContain(t2!.seq);
    const since = await collect(engine.changes.termsSince(head0, await engine.changes.head()));
    expect(since.map((r) => [r.seq, r.terms && Array.from(r.terms), r.terms && r.categories])).toEqual([
      [t1!.seq, Array.from(terms), ['cs.LG']],
      [t2!.seq, [0x000301], ['cs.LG']],
    ]);
    const all = (await collect(engine.changes.allTerms())).flat();
    expect(all.find((r) => r.seq === t1!.seq)!.terms).toEqual(terms);
    expect(all.find((r) => r.seq === t1!.seq)!.categories).toEqual(['cs.LG']);
    expect(all.some((r) => r.seq === 999_999)).toBe(false);
    expect(await engine.papers.popularityOf([t2!.seq, t1!.seq, 999_999], 3)).toEqual([0, 4, 0]);
    await engine.writes.deletePaper('t1');
    await engine.writes.deletePaper('t2');
    const gone = await collect(engine.changes.termsSince(head0, await engine.changes.head()));
    expect(gone.every((r) => r.terms === null)).toBe(true);
  });

  it('logs a change of categories alone (the lexicons hold them), and nothing for a write that changes neither', async () => {
    const terms = Uint32Array.from([0x000101]);
    await engine.writes.writeBatch([{ paper: paper('c1', { categories: ['cs.LG'] }), contentHash: 'c1', vector: vec(), terms }], 'm', 8);
    const [c1] = await engine.papers.byIds(['c1']);
    const head0 = await engine.changes.head();
    // Same text (no new vector or terms), more upvotes: not a change the indexes follow.
    await engine.writes.writeBatch([{ paper: paper('c1', { categories: ['cs.LG'], upvotes: 9 }), contentHash: 'c1' }], 'm', 8);
    expect(await engine.changes.head()).toBe(head0);
    // Same text, other categories (arXiv cross-listed it): logged, and replayed with the new categories.
    await engine.writes.writeBatch([{ paper: paper('c1', { categories: ['cs.LG', 'cs.CL'], upvotes: 9 }), contentHash: 'c1' }], 'm', 8);
    const head1 = await engine.changes.head();
    expect(head1).toBeGreaterThan(head0);
    const since = await collect(engine.changes.termsSince(head0, head1));
    expect(since.map((r) => [r.seq, r.terms && Array.from(r.terms), r.terms && r.categories])).toEqual([[c1!.seq, [0x000101], ['cs.LG', 'cs.CL']]]);
    // The index replays it too: the same vector as before.
    const vecs = await collect(engine.changes.changesSince(head0, 'm', head1));
    expect(vecs.map((r) => r.seq)).toEqual([c1!.seq]);
    expect(vecs[0].vec).toEqual((await engine.papers.vectors([c1!.seq], 'm'))[0]);
    await engine.writes.deletePaper('c1');
  });

  it('writes papers, vectors and the change log per batch; updates keep seq; deletes are logged', async () => {
    const v1 = vec();
    const head0 = await engine.changes.head();
    await engine.writes.writeBatch(
      [
        { paper: paper('10.1145/3292500.3330701', { authors: ['Ada', 'Bob'], categories: ['cs.LG', 'cs.IR'], upvotes: 3 }), contentHash: 'h1', vector: v1 },
        { paper: paper('42', { published: null }), contentHash: 'h2', vector: vec() },
      ],
      'm',
      8,
    );
    const [doi, p42, none] = await engine.papers.byIds(['10.1145/3292500.3330701', '42', 'nope']);
    expect(none).toBeUndefined();
    expect(doi).toMatchObject({ title: 'Paper 10.1145/3292500.3330701', authors: ['Ada', 'Bob'], categories: ['cs.LG', 'cs.IR'], upvotes: 3, contentHash: 'h1' });
    expect(p42!.published).toBeNull();
    expect(Array.from((await engine.papers.vectors([doi!.seq], 'm'))[0]!)).toEqual(Array.from(v1));
    expect(await engine.changes.head()).toBe(head0 + 2);
    expect((await engine.papers.bySeqs([p42!.seq, 999_999, doi!.seq])).map((p) => p.id)).toEqual(['42', doi!.id]);

    const lookup = await engine.writes.lookupForIngest(['42', 'nope'], 'm');
    expect([...lookup.keys()]).toEqual(['42']);
    expect(lookup.get('42')!.vectorHash).toBe('h2');

    // A metadata-only update keeps the seq and logs no vector change.
    await engine.writes.writeBatch([{ paper: paper('42', { upvotes: 7 }), contentHash: 'h2' }], 'm', 8);
    expect((await engine.papers.byIds(['42']))[0]).toMatchObject({ seq: p42!.seq, upvotes: 7 });
    expect(await engine.changes.head()).toBe(head0 + 2);

    expect(await engine.writes.deletePaper('42')).toBe(p42!.seq);
    expect(await engine.writes.deletePaper('42')).toBeUndefined();
    expect((await engine.papers.byIds(['42']))[0]).toBeUndefined();
    expect(await engine.changes.countVectors('m')).toBe(1);
    expect(await collect(engine.changes.changesSince(head0 + 2, 'm', await engine.changes.head()))).toEqual([{ seq: p42!.seq, vec: null }]);
    const all = await collect(engine.changes.changesSince(head0, 'm', await engine.changes.head()));
    expect(all.map((c) => c.seq).sort()).toEqual([doi!.seq, p42!.seq].sort());
  });

  it('takes a batch that names one paper twice (the later record wins) and refuses a wrong dimension whole', async () => {
    await engine.writes.writeBatch(
      [
        { paper: paper('twice', { title: 'First' }), contentHash: 't1', vector: vec() },
        { paper: paper('twice', { title: 'Second' }), contentHash: 't2', vector: vec() },
      ],
      'm',
      8,
    );
    expect((await engine.papers.byIds(['twice']))[0]).toMatchObject({ title: 'Second', contentHash: 't2' });
    const before = await engine.papers.count();
    await expect(
      engine.writes.writeBatch([{ paper: paper('fine'), contentHash: 'f', vector: vec() }, { paper: paper('bad'), contentHash: 'b', vector: new Float32Array(3) }], 'm', 8),
    ).rejects.toThrow(/dim 3, expected 8/);
    expect(await engine.papers.count()).toBe(before);
  });

  it('reads every vector in pages and counts them', async () => {
    const writes = Array.from({ length: 5000 }, (_, i) => ({ paper: paper(`bulk-${i}`, { published: '2026-07-01' }), contentHash: `b${i}`, vector: vec() }));
    await engine.writes.writeBatch(writes, 'm', 8);
    const n = await engine.changes.countVectors('m');
    const vectors = await collect(engine.changes.allVectors('m'));
    expect(vectors).toHaveLength(n);
    expect(new Set(vectors.map((v) => v.seq)).size).toBe(n);
    expect(vectors.every((v) => v.vec.length === 8)).toBe(true);
  });

  it('answers windows, the newest date, star counts, trending and popularity', async () => {
    await engine.writes.writeBatch(
      [
        { paper: paper('w1', { published: '2026-09-01', categories: ['cs.CL'], upvotes: 10 }), contentHash: 'w1', vector: vec() },
        { paper: paper('w2', { published: '2026-09-02', categories: ['cs.CV'], upvotes: null }), contentHash: 'w2', vector: vec() },
        { paper: paper('w3', { published: '2026-09-03', categories: ['cs.CL', 'cs.CV'], upvotes: 1 }), contentHash: 'w3', vector: vec() },
      ],
      'm',
      8,
    );
    const [w1, w2, w3] = (await engine.papers.byIds(['w1', 'w2', 'w3'])).map((p) => p!.seq);
    expect(await engine.papers.newestPublished()).toBe('2026-09-03');
    expect(await engine.papers.seqsInWindow({})).toBeNull();
    expect(await engine.papers.seqsInWindow({ since: '2026-09-01', until: '2026-09-03' })).toEqual(new Set([w1, w2]));
    expect(await engine.papers.seqsInWindow({ since: '2026-09-01', category: 'cs.CV' })).toEqual(new Set([w2, w3]));

    const { user } = await engine.users.create('stargazer');
    await engine.users.addStar(user.id, 'w2');
    expect(await engine.papers.starCounts(['w2', 'w1', 'nope'])).toEqual([1, 0, 0]);
    const w = { since: '2026-09-01', until: '2026-09-04' };
    const formula = { starWeight: 3, gravity: 1.5 };
    const top = await engine.papers.trending(w, 10, formula);
    const score = (up: number, stars: number, ageDays: number) => (up + 3 * stars + 1) / (ageDays + 2) ** 1.5;
    expect(top.map((r) => r.seq)).toEqual([w1, w2, w3]);
    expect(top[0].score).toBeCloseTo(score(10, 0, 2), 12);
    expect(top[1].score).toBeCloseTo(score(0, 1, 1), 12);
    expect(await engine.papers.trending({ ...w, category: 'cs.CL' }, 1, formula)).toEqual([top[0]]);
    expect(await engine.papers.popularity(w, 3)).toEqual(new Map([[w1, 10], [w2, 3], [w3, 1]]));
  });

  it('finds papers by keyword: best first, within a set, and never parses user input as syntax', async () => {
    await engine.writes.writeBatch(
      [
        { paper: paper('k1', { title: 'Diffusion transformers for video', abstract: 'We scale diffusion models.' }), contentHash: 'k1', vector: vec() },
        { paper: paper('k2', { title: 'Graph networks', abstract: 'Message passing on graphs; diffusion is mentioned once.', published: '2026-09-05', categories: ['cs.SI'] }), contentHash: 'k2', vector: vec() },
        { paper: paper('k3', { title: 'Video understanding', abstract: 'A benchmark of video question answering.' }), contentHash: 'k3', vector: vec() },
      ],
      'm',
      8,
    );
    const [k1, k2, k3] = (await engine.papers.byIds(['k1', 'k2', 'k3'])).map((p) => p!.seq);
    const seqs = async (q: string, limit = 10, window: Window = {}) => (await engine.papers.keywordSearch(q, limit, window)).map((h) => h.seq);
    expect((await seqs('diffusion video'))[0]).toBe(k1);
    expect(await seqs('diffusion video')).toEqual(expect.arrayContaining([k1, k2, k3]));
    expect(await seqs('diffusion', 10, { category: 'cs.SI' })).toEqual([k2]);
    expect(await seqs('diffusion', 10, { since: '2026-09-05', until: '2026-09-06' })).toEqual([k2]);
    expect(await seqs('diffusion', 10, { until: '2026-09-05' })).toEqual([k1]);
    expect(await seqs('diffusion video', 10, { since: '2026-09-06' })).toEqual([]);
    expect(await seqs('graph')).toEqual([k2]);
    const hits = await engine.papers.keywordSearch('diffusion', 10, {});
    expect(hits[0].score).toBeGreaterThan(hits[1].score);
    for (const q of ['', '!!!', '"unbalanced', "o'neil AND (x OR", 'title:diffusion NEAR(video)', '\\', '*', 'a & b | !c <-> d:*']) {
      await expect(engine.papers.keywordSearch(q, 10, {})).resolves.toBeInstanceOf(Array);
    }
    expect(await seqs('diffusion', 0)).toEqual([]);
    // An update re-indexes the text; a delete removes it.
    await engine.writes.writeBatch([{ paper: paper('k2', { title: 'Graph networks', abstract: 'Message passing.' }), contentHash: 'k2b', vector: vec() }], 'm', 8);
    expect(await seqs('diffusion')).toEqual([k1]);
    await engine.writes.deletePaper('k1');
    expect(await seqs('diffusion')).toEqual([]);
  });

  it('orders the title tier alike on both engines: the words in title order, shorter titles first, then the rest', async () => {
    await engine.writes.writeBatch(
      [
        { paper: paper('t1', { title: 'Learning latent action world models in the wild', abstract: 'Robots.' }), contentHash: 't1', vector: vec() },
        { paper: paper('t2', { title: 'Latent world models', abstract: 'Planning.' }), contentHash: 't2', vector: vec() },
        { paper: paper('t3', { title: 'World models of latent dynamics', abstract: 'Control.' }), contentHash: 't3', vector: vec() },
        { paper: paper('t4', { title: 'Dynamics', abstract: 'Latent world models for control.' }), contentHash: 't4', vector: vec() },
      ],
      'm',
      8,
    );
    const [t1, t2, t3, t4] = (await engine.papers.byIds(['t1', 't2', 't3', 't4'])).map((p) => p!.seq);
    const hits = await engine.papers.keywordSearch('latent world models', 10, {});
    expect(hits.map((h) => h.seq)).toEqual([t2, t1, t3, t4]);
    expect(hits.map((h) => h.title ?? false)).toEqual([true, true, true, false]);
    expect(hits.every((h, i) => i === 0 || h.score < hits[i - 1].score)).toBe(true);
    const candidates = await engine.papers.keywordSearch('latent world models', 10, {}, { candidates: true });
    expect(candidates.map((h) => h.seq)).toEqual([t2, t1, t3, t4]);
    expect(await engine.papers.keywordSearch('latent world models', 10, { until: '1900-01-01' }, { candidates: true })).toEqual([]);
  });

  it('keeps users, token and feed-key hashes, stars (newest first), feedback', async () => {
    const { user, token } = await engine.users.create('Ada');
    expect(await engine.users.get(user.id)).toEqual(user);
    expect(await engine.users.get('u_nobody')).toBeUndefined();
    expect(await engine.users.userForToken(token)).toBe(user.id);
    expect(await engine.users.userForToken(`${token}x`)).toBeUndefined();
    for (const id of ['s1', 's2', 's3']) expect(await engine.users.addStar(user.id, id)).toBe(true);
    expect(await engine.users.addStar(user.id, 's1')).toBe(false);
    expect(await engine.users.starredIds(user.id)).toEqual(['s3', 's2', 's1']);
    expect((await engine.users.listStars(user.id, 2, 1)).map((s) => s.paperId)).toEqual(['s2', 's1']);
    expect(await engine.users.countStars(user.id)).toBe(3);
    expect(await engine.users.removeStar(user.id, 's2')).toBe(true);
    expect(await engine.users.removeStar(user.id, 's2')).toBe(false);
    expect(await engine.users.addFeedback(user.id, 's9', 'seen')).toBe(true);
    expect(await engine.users.addFeedback(user.id, 's9', 'seen')).toBe(false);
    expect(await engine.users.feedbackIds(user.id, 'seen')).toEqual(['s9']);
    expect(await engine.users.feedbackIds(user.id, 'not_interested')).toEqual([]);
    const key = await engine.users.createFeedKey(user.id);
    expect(await engine.users.userForFeedKey(key)).toBe(user.id);
    const key2 = await engine.users.createFeedKey(user.id);
    expect(await engine.users.userForFeedKey(key)).toBeUndefined();
    expect(await engine.users.revokeFeedKey(user.id)).toBe(true);
    expect(await engine.users.revokeFeedKey(user.id)).toBe(false);
    expect(await engine.users.userForFeedKey(key2)).toBeUndefined();
    await expect(engine.users.createFeedKey('u_nobody')).rejects.toThrow();
  });

  it('finds nothing by a key holding U+0000 (PostgreSQL cannot store one), and never throws on it', async () => {
    const nul = 'a\u0000b';
    expect(await engine.papers.byIds([nul, 'w1'])).toEqual([undefined, expect.objectContaining({ id: 'w1' })]);
    expect(await engine.papers.starCounts([nul])).toEqual([0]);
    expect(await engine.writes.deletePaper(nul)).toBeUndefined();
    expect((await engine.writes.lookupForIngest([nul], 'm')).size).toBe(0);
    expect(await engine.users.get(nul)).toBeUndefined();
    expect(await engine.users.userForToken(nul)).toBeUndefined();
    expect(await engine.users.removeStar(nul, nul)).toBe(false);
    expect(await engine.users.starredIds(nul)).toEqual([]);
    expect(await engine.digests.subscription(nul)).toBeUndefined(); // the fuzzer's DELETE …/subscriptions/a%00b (a 500 on PostgreSQL)
    expect(await engine.digests.countLive(nul)).toBe(0);
    expect(await engine.digests.setStatus(nul, ['confirmed'], 'ended', new Date())).toBe(false);
  });

  it('moves the fingerprint on every kind of write', async () => {
    const seen = new Set<string>([await engine.changes.fingerprint()]);
    const moved = async () => {
      const fp = await engine.changes.fingerprint();
      expect(seen.has(fp)).toBe(false);
      seen.add(fp);
    };
    await engine.writes.writeBatch([{ paper: paper('fp'), contentHash: 'fp', vector: vec() }], 'm', 8);
    await moved();
    await engine.writes.writeBatch([{ paper: paper('fp', { upvotes: 5 }), contentHash: 'fp' }], 'm', 8);
    await moved();
    const { user } = await engine.users.create('fp');
    await moved();
    await engine.users.addStar(user.id, 'fp');
    await moved();
    await engine.users.addFeedback(user.id, 'fp', 'seen');
    await moved();
    await engine.users.removeStar(user.id, 'fp');
    await moved();
    await engine.writes.deletePaper('fp');
    await moved();
    expect(await engine.changes.fingerprint()).toBe(await engine.changes.fingerprint());
  });
});

describe('the PostgreSQL schema', () => {
  it('migrates an empty database once (replicas opening it together), and refuses one from a newer paperfeed untouched', async () => {
    const url = await newPgDatabase();
    const engines = await Promise.all([0, 1, 2].map(() => PostgresEngine.open(url)));
    const version = async () => (await engines[0].pool.query('SELECT version FROM schema_version')).rows;
    expect(await version()).toEqual([{ version: PG_SCHEMA_VERSION }]);
    expect(new Set(engines.map((e) => e.storeId)).size).toBe(1);
    await engines[0].pool.query('UPDATE schema_version SET version = version + 1');
    await expect(PostgresEngine.open(url)).rejects.toThrow(/newer than this paperfeed understands/);
    expect(await version()).toEqual([{ version: PG_SCHEMA_VERSION + 1 }]);
    await Promise.all(engines.map((e) => e.close()));
  });

  it('a database it cannot reach fails the start with a message saying so', async () => {
    const err = await PostgresEngine.open('postgres://postgres@127.0.0.1:1/nothing').catch((e: unknown) => e);
    expect(isStoreUnavailable(err)).toBe(true);
    expect(explainStoreError(err)).toMatch(/ECONNREFUSED.*cannot reach the database in DATABASE_URL/);
  });

  it('is chosen by DATABASE_URL, which must be a postgres URL and needs ADMIN_TOKEN', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x/y', ADMIN_TOKEN: 'a'.repeat(16) })).toThrow(/DATABASE_URL: DATABASE_URL must be a postgres:\/\//);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://db/x' })).toThrow(/ADMIN_TOKEN: ADMIN_TOKEN is required when DATABASE_URL is set/);
    expect(loadConfig({ DATABASE_URL: 'postgresql://u@db:5432/x', ADMIN_TOKEN: 'a'.repeat(16) }).DATABASE_URL).toBe('postgresql://u@db:5432/x');
    expect(loadConfig({}).DATABASE_URL).toBeUndefined();
  });
});
