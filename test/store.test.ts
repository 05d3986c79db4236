import Database from 'better-sqlite3';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION } from '../src/store/migrations.js';
import { ModelMismatchError, SqliteStore } from '../src/store/store.js';
import { paper, rng, tempDir, unitVector } from './helpers.js';

describe('SqliteStore', () => {
  it('migrates a new file to the current schema, in WAL mode, with FTS5', () => {
    const store = new SqliteStore(tempDir());
    expect(store.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    const tables = store.db.prepare("SELECT name FROM sqlite_master WHERE type IN ('table')").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['papers', 'vectors', 'changes', 'papers_fts', 'users', 'stars', 'feedback']));
    store.close();
    // Reopening an up-to-date store is a no-op.
    const again = new SqliteStore(path.dirname(store.file));
    expect(again.db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    again.close();
  });

  it('refuses a store from a newer schema version and leaves it untouched', () => {
    const dir = tempDir();
    new SqliteStore(dir).close();
    const raw = new Database(path.join(dir, 'paperfeed.db'));
    raw.pragma(`user_version = ${SCHEMA_VERSION + 5}`);
    raw.close();
    expect(() => new SqliteStore(dir)).toThrow(/newer than this paperfeed understands/);
    const check = new Database(path.join(dir, 'paperfeed.db'));
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION + 5);
    check.close();
  });

  it('binds to one model and refuses another with a message naming both and the fix', () => {
    const store = new SqliteStore(tempDir());
    store.bindModel('model-a', 8);
    store.bindModel('model-a', 8);
    expect(() => store.bindModel('model-b', 8)).toThrow(ModelMismatchError);
    expect(() => store.bindModel('model-b', 16)).toThrow(/model-a.*model-b.*npm run reembed/s);
    store.close();
  });

  it('writes papers, vectors and change log in one batch; updates keep seq; deletes are logged', () => {
    const store = new SqliteStore(tempDir());
    const next = rng(1);
    const v1 = unitVector(8, next);
    const changed = store.writeBatch(
      [
        { paper: paper('10.1145/3292500.3330701'), contentHash: 'h1', vector: v1 },
        { paper: paper('42'), contentHash: 'h2', vector: unitVector(8, next) },
      ],
      'm',
      8,
    );
    expect(changed.map((c) => c.seq)).toHaveLength(2);
    const doi = store.getPaper('10.1145/3292500.3330701')!;
    expect(doi.title).toBe('Paper 10.1145/3292500.3330701');
    expect(Array.from(store.getVector(doi.seq, 'm')!)).toEqual(Array.from(v1));
    expect(store.ingestLookup([doi.id], 'm').get(doi.id)?.vectorHash).toBe('h1');

    store.writeBatch([{ paper: paper('42', { upvotes: 7 }), contentHash: 'h2' }], 'm', 8);
    expect(store.getPaper('42')!.upvotes).toBe(7);
    expect(store.getPaper('42')!.seq).toBe(changed[1].seq);
    expect(store.maxVersion()).toBe(2); // metadata-only update logs no vector change

    expect(store.deletePaper('42')).toBe(changed[1].seq);
    expect(store.getPaper('42')).toBeUndefined();
    expect(store.countVectors('m')).toBe(1);
    const replay = [...store.changesSince(2, 'm')];
    expect(replay).toEqual([{ seq: changed[1].seq, vec: null }]);
    expect(store.deletePaper('42')).toBeUndefined();
    store.close();
  });

  it('keeps the FTS index in step with inserts, updates and deletes', () => {
    const store = new SqliteStore(tempDir());
    const fts = store.db.prepare("SELECT rowid FROM papers_fts WHERE papers_fts MATCH ?").pluck();
    store.writeBatch([{ paper: paper('p1', { title: 'Diffusion transformers' }), contentHash: 'a', vector: new Float32Array(4) }], 'm', 4);
    expect(fts.all('diffusion')).toHaveLength(1);
    store.writeBatch([{ paper: paper('p1', { title: 'Graph networks' }), contentHash: 'b', vector: new Float32Array(4) }], 'm', 4);
    expect(fts.all('diffusion')).toHaveLength(0);
    expect(fts.all('graph')).toHaveLength(1);
    store.deletePaper('p1');
    expect(fts.all('graph')).toHaveLength(0);
    store.close();
  });
});
