// Three replicas on one PostgreSQL (real servers, real model, a throwaway cluster of this test's own): writes
// through any replica are seen by all (the index via LISTEN/NOTIFY, everything else read from Postgres); a replica
// restarted while others write converges; Postgres restarted → 503 problem+json with Retry-After, then recovery
// without restarting anything.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startServer, type RunningServer } from '../src/server.js';
import { expectProblem, tempDir } from './helpers.js';
import { PgAdmin, startPgCluster, type PgCluster } from './pg-cluster.js';
import { PostgresEngine } from '../src/store/postgres-engine.js';
import { pgIndexSnapshots } from '../src/store/pg/snapshots.js';

const ADMIN = 'replica-test-admin-token-0123456789';
let cluster: PgCluster;
let url: string;
const replicas: RunningServer[] = [];
const dataDirs: string[] = [];

// A long poll interval: what reaches the other replicas quickly does so through the notifications.
const replicaConfig = (dataDir: string, seed: boolean) =>
  loadConfig({ DATABASE_URL: url, ADMIN_TOKEN: ADMIN, DATA_DIR: dataDir, PORT: '0', RATE_LIMIT_PER_MINUTE: '0', INDEX_SYNC_MS: '600000', SEED_ON_EMPTY: String(seed), SYNC_SCHEDULE: 'off' });

const logs: string[][] = [];
async function startReplica(i: number): Promise<RunningServer> {
  logs[i] = [];
  const server = await startServer(replicaConfig(dataDirs[i], i === 0), (m) => logs[i].push(m));
  await server.ready;
  replicas[i] = server;
  return server;
}

const get = (r: RunningServer, path: string, token?: string) => fetch(r.url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
const send = (r: RunningServer, method: string, path: string, token: string, body?: unknown) =>
  fetch(r.url + path, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
const json = async (res: Response) => {
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return res.json();
};
const similarIds = async (r: RunningServer, id: string, k = 10) =>
  (await json(await get(r, `/v1/papers/${encodeURIComponent(id)}/similar?k=${k}`))).items.map((i: { paper: { id: string } }) => i.paper.id) as string[];

/** Polls an async condition until it holds or the deadline passes. */
async function eventually(condition: () => Promise<boolean>, timeoutMs = 20_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20)); // polling a condition with a deadline
  }
}

beforeAll(async () => {
  cluster = await startPgCluster();
  url = await new PgAdmin(cluster.url()).createDatabase();
  for (let i = 0; i < 3; i++) dataDirs.push(tempDir('paperfeed-replica-'));
  await startReplica(0); // seeds the empty database
  await Promise.all([startReplica(1), startReplica(2)]);
});
afterAll(async () => {
  for (const r of replicas.slice(0, 3)) await r?.close().catch(() => {});
  await cluster?.destroy();
});

describe('three replicas on one PostgreSQL', () => {
  it('serve identical results from one store', async () => {
    const [a, b, c] = replicas;
    const counts = await Promise.all(replicas.map(async (r) => (await json(await get(r, '/healthz'))).papers));
    expect(counts[0]).toBeGreaterThan(300);
    expect(new Set(counts).size).toBe(1);
    for (const id of ['2607.28629', '2608.00725']) {
      const lists = await Promise.all([a, b, c].map((r) => similarIds(r, id)));
      expect(lists[0]).toHaveLength(10);
      expect(lists[1]).toEqual(lists[0]);
      expect(lists[2]).toEqual(lists[0]);
    }
    const trending = await Promise.all(replicas.map(async (r) => JSON.stringify(await json(await get(r, '/v1/trending?k=20')))));
    expect(new Set(trending).size).toBe(1);
  });

  it('a paper written through one replica is found through the others (similar and search); stars are read everywhere', async () => {
    const [a, b, c] = replicas;
    const original = await json(await get(a, '/v1/papers/2607.28629'));
    const twin = { id: 'replica-twin-1', title: original.title, abstract: original.abstract, published: '2026-08-20' };
    expect((await json(await send(a, 'POST', '/v1/papers', ADMIN, { papers: [twin] }))).inserted).toBe(1);
    for (const r of [b, c]) {
      await eventually(async () => (await similarIds(r, '2607.28629', 3)).includes(twin.id));
      const hits = (await json(await get(r, `/v1/search?mode=keyword&k=5&q=${encodeURIComponent(original.title)}`))).items.map((i: { paper: { id: string } }) => i.paper.id);
      expect(hits).toContain(twin.id);
    }
    // A user made on B stars through C and reads through A: no replica keeps user state of its own.
    const user = await json(await send(b, 'POST', '/v1/users', ADMIN, { name: 'everywhere' }));
    expect((await send(c, 'PUT', `/v1/users/${user.id}/stars/${twin.id}`, user.token)).status).toBe(201);
    const stars = await json(await get(a, `/v1/users/${user.id}/stars`, user.token));
    expect(stars.items.map((s: { paperId: string }) => s.paperId)).toEqual([twin.id]);
    // Deleted through C: gone from every index.
    expect((await send(c, 'DELETE', `/v1/papers/${twin.id}`, ADMIN)).status).toBe(200);
    for (const r of [a, b]) await eventually(async () => !(await similarIds(r, '2607.28629', 3)).includes(twin.id));
  });

  it('a replica restarted while another writes converges to the same results', async () => {
    const [a, b] = replicas;
    await replicas[2].close();
    const ids = Array.from({ length: 20 }, (_, i) => `replica-while-down-${i}`);
    const body = { papers: ids.map((id, i) => ({ id, title: `Robot grasping study ${i}`, abstract: `We study robot grasping with tactile sensors, variant ${i}.`, published: '2026-08-19' })) };
    const writing = send(a, 'POST', '/v1/papers', ADMIN, body);
    const c = await startReplica(2);
    expect((await json(await writing)).inserted).toBe(20);
    await eventually(async () => (await similarIds(c, ids[0], 5)).join() === (await similarIds(b, ids[0], 5)).join());
    for (const id of [ids[0], ids[19], '2607.28629']) {
      const lists = await Promise.all([a, b, c].map((r) => similarIds(r, id)));
      expect(lists[1]).toEqual(lists[0]);
      expect(lists[2]).toEqual(lists[0]);
    }
  });

  it('a new replica starts from the index snapshot another one stored in the database', async () => {
    const [a] = replicas;
    const engine = a.runtime.engine as PostgresEngine;
    const snapshots = pgIndexSnapshots(engine.pool);
    const model = a.runtime.embedder.modelKey;
    await eventually(async () => (await snapshots.latest(model)) !== null);
    // Its chunks are compressed with lz4 (Debian's PostgreSQL has it), not pglz: 2× faster to read, 2.4× to write.
    const { rows } = await engine.pool.query("SELECT attcompression AS c FROM pg_attribute WHERE attrelid = 'index_snapshot_chunks'::regclass AND attname = 'data'");
    expect(rows[0].c).toBe('l');
    dataDirs[3] = tempDir('paperfeed-replica-');
    const d = await startReplica(3);
    expect(logs[3].join('\n')).toMatch(/snapshot v\d+ \(.* with the lexicon at v\d+\) fetched from the database/);
    expect(logs[3].join('\n')).toMatch(/index: loaded/);
    expect(logs[3].join('\n')).not.toMatch(/lexicon: term vectors/); // nothing was recomputed
    for (const id of ['2607.28629', 'replica-while-down-3']) expect(await similarIds(d, id)).toEqual(await similarIds(a, id));
    // The lexicon came with the snapshot and replayed the change log after it: the same as A's, paper by paper.
    await eventually(async () => (await a.runtime.index.catchUp()) >= 0 && d.runtime.index.requireLexicon().size === a.runtime.index.requireLexicon().size);
    const [la, ld] = [a.runtime.index.requireLexicon(), d.runtime.index.requireLexicon()];
    const seqs = (await engine.papers.byIds(['2607.28629', 'replica-while-down-3', 'replica-after-restart'])).filter((p) => p).map((p) => p!.seq);
    expect(seqs.length).toBeGreaterThan(1);
    for (const seq of seqs) expect(Array.from(ld.termsOf(seq) ?? [])).toEqual(Array.from(la.termsOf(seq) ?? [1]));
    await d.close();
  });

  it('answers 503 with Retry-After while Postgres is down, and recovers by itself when it is back', async () => {
    const [a, b] = replicas;
    await cluster.stop();
    const down = await get(a, '/v1/papers/2607.28629');
    const problem = await expectProblem(down, 503);
    expect(down.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(problem.detail).toMatch(/database/i);
    await expectProblem(await send(b, 'POST', '/v1/users', ADMIN, { name: 'while down' }), 503);

    await cluster.start();
    await eventually(async () => (await get(a, '/v1/papers/2607.28629')).status === 200);
    // Written through A after the restart: B's listener reconnected (or its catch-up on reconnect) brings it in.
    const paper = { id: 'replica-after-restart', title: 'Tactile robot grasping after a restart', abstract: 'We study robot grasping with tactile sensing once more.', published: '2026-08-19' };
    expect((await json(await send(a, 'POST', '/v1/papers', ADMIN, { papers: [paper] }))).inserted).toBe(1);
    await eventually(async () => (await similarIds(b, 'replica-while-down-0', 30)).includes(paper.id));
    expect((await get(b, '/readyz')).status).toBe(200);
  });
});
