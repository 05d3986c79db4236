// A replica restores the shared index snapshot (src/index/snapshot-sync.ts) and loads it from memory: the index's
// checksum computed while the files are written, the lexicon parsed from the snapshot's bytes while its file is
// still being written. Engine-free: the snapshots live in memory here (PostgreSQL's are in test/pg-replicas).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { LEXICON_FILE } from '../src/index/lexicon-file.js';
import { publishSnapshot, restoreSnapshot } from '../src/index/snapshot-sync.js';
import { IndexSync } from '../src/index/sync.js';
import type { IndexSnapshots } from '../src/store/pg/snapshots.js';
import { SqliteEngine } from '../src/store/sqlite-engine.js';
import { SqliteStore } from '../src/store/store.js';
import { paperText } from '../src/embed/text.js';
import { termVector } from '../src/text/terms.js';
import { paper, rng, tempDir, unitVector } from './helpers.js';

const DIM = 8;
const params = { M: 16, efConstruction: 100, efSearch: 50 };

/** Snapshots kept in memory, read back in parts as PostgreSQL's are. */
function memorySnapshots(): IndexSnapshots & { stored: { version: number; manifest: string; data: Buffer } | null } {
  const snaps = {
    stored: null as { version: number; manifest: string; data: Buffer } | null,
    async latest() {
      return snaps.stored && { id: 1, version: snaps.stored.version };
    },
    async read(_id: number, split: (manifest: string, bytes: number) => number[] = () => []) {
      if (!snaps.stored) return null;
      const { manifest, data } = snaps.stored;
      const parts: Buffer[] = [];
      let at = 0;
      for (const n of [...split(manifest, data.length), data.length - split(manifest, data.length).reduce((a, b) => a + b, 0)]) {
        parts.push(Buffer.from(data.subarray(at, (at += n))));
      }
      return { manifest, parts };
    },
    async write(_model: string, version: number, manifest: string, data: Buffer) {
      snaps.stored = { version, manifest, data: Buffer.from(data) };
      return true;
    },
  };
  return snaps;
}

function storeWithPapers(n: number) {
  const store = new SqliteStore(tempDir());
  const engine = new SqliteEngine(store);
  store.bindModel('m', DIM);
  const next = rng(3);
  const topics = ['graph networks for molecules', 'speech recognition of audio', 'robot grasping with touch'];
  store.writeBatch(
    Array.from({ length: n }, (_, i) => {
      const [title, abstract] = [`Paper ${i} on ${topics[i % 3]}`, `We study ${topics[i % 3]} in setting ${i}.`];
      return { paper: paper(`p${i}`, { title, abstract }), contentHash: `h${i}`, vector: unitVector(DIM, next), terms: termVector(paperText(title, abstract)) };
    }),
    'm',
    DIM,
  );
  return engine;
}

const indexSync = (engine: SqliteEngine, dir: string, log: (m: string) => void = () => {}) =>
  new IndexSync({ dir, model: 'm', dim: DIM, params, changes: engine.changes, terms: engine.writes, log });

describe('restoring the shared index snapshot', () => {
  it('loads the index and the lexicon from memory, and the lexicon file is on disk by the first save', async () => {
    const engine = storeWithPapers(120);
    const [dirA, dirB] = [tempDir(), tempDir()];
    const a = indexSync(engine, dirA);
    await a.load();
    await a.save();
    const snapshots = memorySnapshots();
    expect(await publishSnapshot(snapshots, dirA, 'm')).toBe(true);

    const logs: string[] = [];
    const restored = await restoreSnapshot(snapshots, dirB, 'm', (m) => logs.push(m));
    expect(restored?.lexicon?.bytes).toBeInstanceOf(Buffer);
    const b = indexSync(engine, dirB, (m) => logs.push(m));
    b.useRestored(restored!);
    await b.load();
    expect(logs.join('\n')).toMatch(/with the lexicon at v\d+\) fetched/);
    expect(logs.join('\n')).toMatch(/index: loaded, 120 vectors/);
    const query = a.require().search(unitVector(DIM, rng(9)), 5);
    expect(b.require().search(unitVector(DIM, rng(9)), 5)).toEqual(query);
    const [la, lb] = [a.requireLexicon(), b.requireLexicon()];
    expect(lb.size).toBe(120);
    for (const seq of [1, 60, 120]) expect(Array.from(lb.termsOf(seq)!)).toEqual(Array.from(la.termsOf(seq)!));
    await b.save(); // waits for the restore's write of the lexicon file, and does not write it again
    expect(fs.readFileSync(path.join(dirB, LEXICON_FILE)).equals(fs.readFileSync(path.join(dirA, LEXICON_FILE)))).toBe(true);
    expect(fs.readdirSync(dirB).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await a.close();
    await b.close();
  });

  it('does not install an index whose bytes do not match the checksum; the load rebuilds it', async () => {
    const engine = storeWithPapers(50);
    const dirA = tempDir();
    const a = indexSync(engine, dirA);
    await a.load();
    await a.save();
    const snapshots = memorySnapshots();
    await publishSnapshot(snapshots, dirA, 'm');
    snapshots.stored!.data[200] ^= 0xff; // inside the index's bytes

    const dirB = tempDir();
    const logs: string[] = [];
    expect(await restoreSnapshot(snapshots, dirB, 'm', (m) => logs.push(m))).toBeNull();
    expect(logs.join('\n')).toMatch(/its index damaged/);
    expect(fs.existsSync(path.join(dirB, 'manifest.json'))).toBe(false);
    const b = indexSync(engine, dirB, (m) => logs.push(m));
    await b.load();
    expect(logs.join('\n')).toMatch(/index: rebuilt/);
    expect(b.require().size).toBe(50);
    await a.close();
    await b.close();
  });
});
