// Corrupt or foreign files in the data dir: index files from another store (another model key or dimension), a
// manifest that lies (dim, count, file path), and a damaged SQLite store (random bytes in the middle, truncated,
// header overwritten) or one from a newer schema. Each is detected: the index is rebuilt from the store (and gives
// exact answers), a damaged or newer store makes `src/main.ts` / `npm start` exit non-zero with a clear message
// (not a stack trace), never silently wrong answers.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HnswIndex } from '../src/index/hnsw-index.js';
import { SCHEMA_VERSION } from '../src/store/migrations.js';
import { SqliteStore } from '../src/store/store.js';
import { killChildren, MAIN, readManifest, ROOT, runCli, runNode, SEED_ARXIV } from './fault-helpers.js';
import { changeLogOf, exactTopK, paper, rng, tempDir, unitVector } from './helpers.js';

const params = { M: 16, efConstruction: 200, efSearch: 100 };
let work: string;

beforeAll(() => {
  work = tempDir('paperfeed-faults-corrupt-');
});
afterAll(() => {
  killChildren();
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** A store of n random vectors under `model`/`dim`, with a saved index. */
async function storeWithIndex(name: string, model: string, dim: number, n: number, seed: number) {
  const dir = path.join(work, name);
  const store = new SqliteStore(dir);
  store.bindModel(model, dim);
  const next = rng(seed);
  const writes = Array.from({ length: n }, (_, i) => ({ paper: paper(`${name}-${i}`), contentHash: `h${i}`, vector: unitVector(dim, next) }));
  const vectors = new Map(store.writeBatch(writes, model, dim).map((c) => [c.seq, c.vector]));
  const opened = await HnswIndex.open({ dir: path.join(dir, 'index'), model, dim, params, source: changeLogOf(store) });
  expect(opened.outcome).toBe('rebuilt');
  return { dir, store, vectors, next, model, dim };
}

function expectExact(index: HnswIndex, vectors: Map<number, Float32Array>, next: () => number, dim: number) {
  expect(index.size).toBe(vectors.size);
  for (let i = 0; i < 10; i++) {
    const q = unitVector(dim, next);
    expect(index.search(q, 5).map((h) => h.seq)).toEqual(exactTopK(q, vectors, 5));
  }
}

const sha256 = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const manifestPath = (dir: string) => path.join(dir, 'index', 'manifest.json');
function editManifest(dir: string, edit: (m: Record<string, unknown>) => void) {
  const m = JSON.parse(fs.readFileSync(manifestPath(dir), 'utf8'));
  edit(m);
  fs.writeFileSync(manifestPath(dir), JSON.stringify(m));
}

describe('foreign or lying index files → rebuilt from the store, exact answers', () => {
  it('an index dir copied from a store with another model key (same dim)', async () => {
    const a = await storeWithIndex('model-a', 'model-a@111111111111', 16, 120, 1);
    const b = await storeWithIndex('model-b', 'model-b@222222222222', 16, 80, 2);
    fs.rmSync(path.join(b.dir, 'index'), { recursive: true });
    fs.cpSync(path.join(a.dir, 'index'), path.join(b.dir, 'index'), { recursive: true });
    const { index, outcome, reason } = await HnswIndex.open({ dir: path.join(b.dir, 'index'), model: b.model, dim: 16, params, source: changeLogOf(b.store) });
    expect(outcome).toBe('rebuilt');
    expect(reason).toMatch(/model-a@111111111111/);
    expectExact(index, b.vectors, b.next, 16);
    expect(readManifest(b.dir)?.model).toBe(b.model);
    a.store.close();
    b.store.close();
  });

  it('an index file of another dimension, with a manifest forged to match (checksum, model, dim)', async () => {
    const small = await storeWithIndex('dim8', 'm', 8, 100, 3);
    const main = await storeWithIndex('dim16', 'm', 16, 100, 4);
    const foreign = path.join(small.dir, 'index', readManifest(small.dir)!.file);
    const target = path.join(main.dir, 'index', readManifest(main.dir)!.file);
    fs.copyFileSync(foreign, target);
    editManifest(main.dir, (m) => (m.sha256 = sha256(target)));
    const { index, outcome, reason } = await HnswIndex.open({ dir: path.join(main.dir, 'index'), model: 'm', dim: 16, params, source: changeLogOf(main.store) });
    expect(outcome).toBe('rebuilt');
    expect(reason).toBeTruthy();
    expectExact(index, main.vectors, main.next, 16);
    small.store.close();
    main.store.close();
  });

  it('random bytes or a torn file under a manifest forged to match its checksum (no native crash)', async () => {
    for (const [i, make] of [
      (b: Buffer) => crypto.randomBytes(b.length),
      (b: Buffer) => b.subarray(0, b.length >> 1),
      (b: Buffer) => Buffer.concat([b.subarray(0, 16), Buffer.alloc(8, 0xff), b.subarray(24)]), // element count 2^64-1
    ].entries()) {
      const s = await storeWithIndex(`forged-${i}`, 'm', 16, 60, 6 + i);
      const file = path.join(s.dir, 'index', readManifest(s.dir)!.file);
      fs.writeFileSync(file, make(fs.readFileSync(file)));
      editManifest(s.dir, (m) => (m.sha256 = sha256(file)));
      const { index, outcome } = await HnswIndex.open({ dir: path.join(s.dir, 'index'), model: 'm', dim: 16, params, source: changeLogOf(s.store) });
      expect(outcome).toBe('rebuilt');
      expectExact(index, s.vectors, s.next, 16);
      s.store.close();
    }
  });

  const lies: [string, (m: Record<string, unknown>) => void, RegExp][] = [
    ['a different dim', (m) => (m.dim = 32), /dim 32/],
    ['a different model', (m) => (m.model = 'Xenova/all-MiniLM-L6-v2@abcdef'), /all-MiniLM/],
    ['one vector more than the file holds', (m) => (m.count = (m.count as number) + 1), /manifest says/],
    ['a path outside the index dir', (m) => (m.file = '../paperfeed.db'), /missing|checksum/],
    ['an absolute path', (m) => (m.file = '/etc/passwd'), /missing|checksum/],
    ['a version ahead of the store', (m) => (m.version = 1e9), /newer/],
    ['an unknown format', (m) => (m.format = 2), /format/],
    ['a deleted list naming live papers', (m) => (m.deleted = [1, 2, 3]), /vectors/],
  ];
  for (const [what, lie, reasonRe] of lies) {
    it(`a manifest claiming ${what}`, async () => {
      const s = await storeWithIndex(`lie-${what.replace(/\W+/g, '-')}`, 'm', 16, 60, 5);
      editManifest(s.dir, lie);
      const { index, outcome, reason } = await HnswIndex.open({ dir: path.join(s.dir, 'index'), model: 'm', dim: 16, params, source: changeLogOf(s.store) });
      expect(outcome).toBe('rebuilt');
      expect(reason).toMatch(reasonRe);
      expectExact(index, s.vectors, s.next, 16);
      expect(fs.existsSync('/etc/passwd') ? fs.statSync('/etc/passwd').size : 0).toBeGreaterThanOrEqual(0); // untouched
      s.store.close();
    });
  }
});

describe('a damaged or newer SQLite store → the server refuses to start with a clear message, exit code ≠ 0', () => {
  let base: string;
  beforeAll(async () => {
    base = path.join(work, 'real-base');
    const r = await runCli(base, [SEED_ARXIV]);
    expect(r.code, r.stderr).toBe(0);
    // Fold the WAL into the main file, so damaging paperfeed.db damages the data.
    const db = new Database(path.join(base, 'paperfeed.db'));
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
  }, 120_000);

  const damages: [string, (file: string) => void][] = [
    ['random bytes in the middle', (file) => {
      const b = fs.readFileSync(file);
      const next = rng(42);
      for (let i = b.length >> 2; i < (b.length >> 2) + 64 * 1024 && i < b.length; i++) b[i] = Math.floor(next() * 256);
      fs.writeFileSync(file, b);
    }],
    ['truncated to a third', (file) => fs.truncateSync(file, Math.floor(fs.statSync(file).size / 3))],
    ['its header overwritten', (file) => {
      const fd = fs.openSync(file, 'r+');
      fs.writeSync(fd, Buffer.alloc(100, 0x5a), 0, 100, 0);
      fs.closeSync(fd);
    }],
    ['random bytes only', (file) => fs.writeFileSync(file, crypto.randomBytes(64 * 1024))],
  ];
  for (const [what, damage] of damages) {
    it(`paperfeed.db with ${what}`, async () => {
      const dir = path.join(work, `db-${what.replace(/\W+/g, '-')}`);
      fs.cpSync(base, dir, { recursive: true });
      damage(path.join(dir, 'paperfeed.db'));
      const r = await runNode(MAIN, [], { DATA_DIR: dir, PORT: '0', SEED_ON_EMPTY: 'false' }, 60_000);
      const out = r.stdout + r.stderr;
      expect(r.signal).toBeNull();
      expect(r.code, out).not.toBe(0);
      expect(out).toMatch(/could not start|start-up failed/);
      expect(out).toMatch(/malformed|not a database|damaged|corrupt/i);
      expect(out, 'a clear message, not a stack trace').not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
    }, 60_000);
  }

  it('a store from a newer schema version (and the file is left untouched)', async () => {
    const dir = path.join(work, 'db-newer');
    fs.cpSync(base, dir, { recursive: true });
    const raw = new Database(path.join(dir, 'paperfeed.db'));
    raw.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    raw.close();
    const before = sha256(path.join(dir, 'paperfeed.db'));
    const r = await runNode(MAIN, [], { DATA_DIR: dir, PORT: '0', SEED_ON_EMPTY: 'false' }, 60_000);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/could not start: .*newer than this paperfeed understands/);
    expect(r.stderr).not.toMatch(/^\s+at /m);
    expect(sha256(path.join(dir, 'paperfeed.db'))).toBe(before);
  }, 60_000);

  it('`npm start` on a truncated store exits non-zero', async () => {
    const dir = path.join(work, 'db-npm-start');
    fs.cpSync(base, dir, { recursive: true });
    fs.truncateSync(path.join(dir, 'paperfeed.db'), 4096 * 3);
    const child = spawn('npm', ['start', '--silent'], {
      cwd: ROOT,
      env: { ...process.env, DATA_DIR: dir, PORT: '0', SEED_ON_EMPTY: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    expect(code, out).not.toBe(0);
    expect(out).toMatch(/could not start|start-up failed/);
  }, 90_000);
});
