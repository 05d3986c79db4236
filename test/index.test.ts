import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HnswIndex } from '../src/index/hnsw-index.js';
import { SqliteStore } from '../src/store/store.js';
import { changeLogOf, exactTopK, paper, rng, tempDir, unitVector } from './helpers.js';

const DIM = 16;
const params = { M: 16, efConstruction: 200, efSearch: 100 };

/** A store with n random vectors; returns them by seq for exact-search ground truth. */
function seededStore(n: number, seed = 7) {
  const dir = tempDir();
  const store = new SqliteStore(dir);
  store.bindModel('m', DIM);
  const next = rng(seed);
  const writes = Array.from({ length: n }, (_, i) => ({ paper: paper(`p${i}`), contentHash: `h${i}`, vector: unitVector(DIM, next) }));
  const vectors = new Map(store.writeBatch(writes, 'm', DIM).map((c) => [c.seq, c.vector]));
  return { dir, store, vectors, next };
}

const open = (dir: string, store: SqliteStore, model = 'm', dim = DIM) =>
  HnswIndex.open({ dir: path.join(dir, 'index'), model, dim, params, source: changeLogOf(store) });

function savedIndexFile(dir: string): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'index', 'manifest.json'), 'utf8'));
  return path.join(dir, 'index', manifest.file);
}

function expectExactNeighbours(index: HnswIndex, vectors: Map<number, Float32Array>, queries: Float32Array[]) {
  for (const q of queries) {
    expect(index.search(q, 5).map((h) => h.seq)).toEqual(exactTopK(q, vectors, 5));
  }
}

describe('HnswIndex', () => {
  it('builds from the store, saves, and loads the saved file without rebuilding', async () => {
    const { dir, store, vectors, next } = seededStore(300);
    const first = await open(dir, store);
    expect(first.outcome).toBe('rebuilt');
    expect(first.index.size).toBe(300);
    const queries = Array.from({ length: 10 }, () => unitVector(DIM, next));
    expectExactNeighbours(first.index, vectors, queries);

    const second = await open(dir, store);
    expect(second.outcome).toBe('loaded');
    expect(second.index.size).toBe(300);
    expectExactNeighbours(second.index, vectors, queries);
    store.close();
  });

  it('replays only newer store changes on load: inserts, updates, deletes', async () => {
    const { dir, store, vectors, next } = seededStore(200);
    await open(dir, store);
    const added = store.writeBatch([{ paper: paper('new'), contentHash: 'x', vector: unitVector(DIM, next) }], 'm', DIM);
    const updatedSeq = store.getPaper('p3')!.seq;
    const updated = store.writeBatch([{ paper: paper('p3'), contentHash: 'y', vector: unitVector(DIM, next) }], 'm', DIM);
    const deletedSeq = store.deletePaper('p5')!;
    vectors.set(added[0].seq, added[0].vector);
    vectors.set(updatedSeq, updated[0].vector);
    vectors.delete(deletedSeq);

    const { index, outcome } = await open(dir, store);
    expect(outcome).toBe('loaded');
    expect(index.size).toBe(200);
    expect(index.has(deletedSeq)).toBe(false);
    expect(index.search(added[0].vector, 1)[0].seq).toBe(added[0].seq);
    expect(index.search(updated[0].vector, 1)[0].seq).toBe(updatedSeq);
    expectExactNeighbours(index, vectors, Array.from({ length: 10 }, () => unitVector(DIM, next)));
    // Deleted points stay deleted across a save and load.
    await index.save();
    const again = await open(dir, store);
    expect(again.outcome).toBe('loaded');
    expect(again.index.has(deletedSeq)).toBe(false);
    store.close();
  });

  it('cleans up temp files of killed saves but leaves files of other live processes alone', async () => {
    const { dir, store } = seededStore(20);
    const indexDir = path.join(dir, 'index');
    fs.mkdirSync(indexDir, { recursive: true });
    const deadPid = 2 ** 22 + 12345; // above Linux's default pid_max: no such process
    const stale = [`hnsw-v3-${deadPid}-1.bin.tmp`, `manifest.json.${deadPid}.tmp`, `hnsw-v2-${deadPid}-1.bin`];
    const othersInFlight = `hnsw-v9-${process.ppid}-1.bin.tmp`; // the parent process is alive
    for (const f of [...stale, othersInFlight]) fs.writeFileSync(path.join(indexDir, f), 'x');
    const { index } = await open(dir, store);
    const left = fs.readdirSync(indexDir);
    for (const f of stale) expect(left).not.toContain(f);
    expect(left).toContain(othersInFlight);
    expect(left).toContain(path.basename(savedIndexFile(dir)));
    expect(index.size).toBe(20);
    store.close();
  });

  it('grows past its initial capacity', async () => {
    const { dir, store, next } = seededStore(10);
    const { index } = await open(dir, store);
    for (let i = 0; i < 2500; i++) index.upsert(100000 + i, unitVector(DIM, next));
    expect(index.size).toBe(2510);
    store.close();
  });

  const damages: [string, (file: string, dir: string) => void][] = [
    ['deleted', (file) => fs.rmSync(file)],
    ['truncated', (file) => fs.truncateSync(file, Math.floor(fs.statSync(file).size / 2))],
    ['overwritten with random bytes', (file) => fs.writeFileSync(file, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)))],
    ['one byte flipped', (file) => {
      const b = fs.readFileSync(file);
      b[b.length >> 1] ^= 0xff;
      fs.writeFileSync(file, b);
    }],
    ['manifest garbage', (_file, dir) => fs.writeFileSync(path.join(dir, 'index', 'manifest.json'), '{not json')],
    ['manifest missing', (_file, dir) => fs.rmSync(path.join(dir, 'index', 'manifest.json'))],
  ];
  for (const [what, damage] of damages) {
    it(`rebuilds from the store when the saved index is ${what}`, async () => {
      const { dir, store, vectors, next } = seededStore(150);
      await open(dir, store);
      damage(savedIndexFile(dir), dir);
      const { index, outcome } = await open(dir, store);
      expect(outcome).toBe('rebuilt');
      expect(index.size).toBe(150);
      expectExactNeighbours(index, vectors, Array.from({ length: 5 }, () => unitVector(DIM, next)));
      // …and the rebuilt file is saved, so the next start loads it.
      expect((await open(dir, store)).outcome).toBe('loaded');
      store.close();
    });
  }

  it('does not load an index saved for another model or dimension', async () => {
    const { dir, store } = seededStore(50);
    await open(dir, store);
    const other = await open(dir, store, 'other-model');
    expect(other.outcome).toBe('rebuilt');
    expect(other.reason).toMatch(/model m/);
    store.close();
  });

  it('rebuilds when the store has moved behind the index (e.g. restored from a backup)', async () => {
    const { dir, store } = seededStore(50);
    await open(dir, store);
    store.db.exec('DELETE FROM changes WHERE version > 10');
    const { outcome, reason } = await open(dir, store);
    expect(outcome).toBe('rebuilt');
    expect(reason).toMatch(/newer/);
    store.close();
  });
});
