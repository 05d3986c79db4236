import { execFile } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, PROJECT_ROOT } from '../src/config.js';
import { ingestFiles } from '../src/ingest/files.js';
import { openRuntime } from '../src/runtime.js';
import { SqliteStore } from '../src/store/store.js';
import { tempDir } from './helpers.js';

const run = promisify(execFile);
const TSX = pathToFileURL(path.join(PROJECT_ROOT, 'node_modules', 'tsx', 'dist', 'loader.mjs')).href;
const CLI = path.join(PROJECT_ROOT, 'src', 'export-cli.ts');

let dataDir: string;
let store: SqliteStore;
let modelKey: string;
let dim: number;
let count: number;

/** Runs `npm run export -- <args>` as a child process against the seeded store. */
async function exportCli(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', TSX, CLI, ...args], {
      cwd: opts.cwd ?? PROJECT_ROOT,
      env: { ...process.env, DATA_DIR: dataDir, ...opts.env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

beforeAll(async () => {
  dataDir = tempDir();
  const runtime = await openRuntime(loadConfig({ DATA_DIR: dataDir }), () => {});
  await ingestFiles(runtime.engine.writes, runtime.embedder, [path.join(PROJECT_ROOT, 'seed', 'arxiv-cs-sample.jsonl.gz')], { batchSize: 256 });
  await runtime.close();
  store = new SqliteStore(dataDir);
  ({ model: modelKey, dim } = store.modelInfo()!);
  count = store.countPapers();
}, 60_000);
afterAll(() => store?.close());

function storedVector(id: string): Float32Array {
  const paper = store.getPaper(id);
  expect(paper, id).toBeDefined();
  return store.getVector(paper!.seq, modelKey)!;
}

function readManifest(dir: string) {
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  expect(manifest).toMatchObject({ model: modelKey.split('@')[0], modelKey, dim, count });
  expect(Number.isNaN(Date.parse(manifest.createdAt))).toBe(false);
  for (const f of manifest.files as { name: string; bytes: number; sha256: string }[]) {
    const bytes = fs.readFileSync(path.join(dir, f.name));
    expect(bytes.length, f.name).toBe(f.bytes);
    expect(crypto.createHash('sha256').update(bytes).digest('hex'), f.name).toBe(f.sha256);
  }
  // Written under temporary names and renamed: none left behind.
  expect(fs.readdirSync(dir).filter((n) => n.includes('.tmp'))).toEqual([]);
  return manifest;
}

/** Parses an NPY v1.0 file: header fields and the data offset. */
function parseNpy(buf: Buffer) {
  expect(buf.subarray(0, 6).toString('latin1')).toBe('\x93NUMPY');
  expect([buf[6], buf[7]]).toEqual([1, 0]);
  const headerLen = buf.readUInt16LE(8);
  const offset = 10 + headerLen;
  const header = buf.subarray(10, offset).toString('latin1');
  expect(offset % 64).toBe(0);
  expect(header.endsWith('\n')).toBe(true);
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shape = /'shape':\s*\((\d+),\s*(\d+)\)/.exec(header);
  return { descr, fortran, rows: Number(shape?.[1]), cols: Number(shape?.[2]), offset };
}

describe('export CLI', () => {
  it('exports npy: a float32 (N, dim) matrix in C order with ids in the same row order, and a manifest', async () => {
    const out = tempDir('paperfeed-export-');
    const r = await exportCli(['--format', 'npy', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`exported ${count} vectors`));

    const buf = fs.readFileSync(path.join(out, 'vectors.npy'));
    const npy = parseNpy(buf);
    expect(npy).toMatchObject({ descr: '<f4', fortran: 'False', rows: count, cols: dim });
    expect(buf.length).toBe(npy.offset + count * dim * 4);
    const matrix = new Float32Array(new Uint8Array(buf.subarray(npy.offset)).buffer);

    const ids = fs.readFileSync(path.join(out, 'ids.txt'), 'utf8').split('\n').slice(0, -1);
    const idsJsonl = fs.readFileSync(path.join(out, 'ids.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(ids).toHaveLength(count);
    expect(idsJsonl).toEqual(ids);
    expect(new Set(ids).size).toBe(count);
    for (let i = 0; i < count; i++) {
      expect(Array.from(matrix.subarray(i * dim, (i + 1) * dim)), ids[i]).toEqual(Array.from(storedVector(ids[i])));
    }

    const manifest = readManifest(out);
    expect(manifest.format).toBe('npy');
    expect(manifest.files.map((f: { name: string }) => f.name).sort()).toEqual(['ids.jsonl', 'ids.txt', 'vectors.npy']);
  });

  it('exports jsonl: one {id, vector} line per paper, vectors as stored', async () => {
    const out = tempDir('paperfeed-export-');
    const r = await exportCli(['--', '--format', 'jsonl', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const lines = fs.readFileSync(path.join(out, 'vectors.jsonl'), 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(count);
    const seen = new Set<string>();
    for (const line of lines) {
      const { id, vector } = JSON.parse(line) as { id: string; vector: number[] };
      seen.add(id);
      expect(vector).toHaveLength(dim);
      expect(Float32Array.from(vector)).toEqual(storedVector(id));
    }
    expect(seen.size).toBe(count);
    const manifest = readManifest(out);
    expect(manifest.format).toBe('jsonl');
    expect(manifest.files.map((f: { name: string }) => f.name)).toEqual(['vectors.jsonl']);
  });

  it('writes to ./export by default and replaces an earlier export in place', async () => {
    const cwd = tempDir('paperfeed-export-cwd-');
    expect((await exportCli(['--format', 'jsonl'], { cwd })).code).toBe(0);
    expect((await exportCli(['--format', 'jsonl'], { cwd })).code).toBe(0);
    const out = path.join(cwd, 'export');
    expect(fs.readdirSync(out).sort()).toEqual(['manifest.json', 'vectors.jsonl']);
    expect(fs.readFileSync(path.join(out, 'vectors.jsonl'), 'utf8').trimEnd().split('\n')).toHaveLength(count);
  });

  it('refuses a bad format and a missing store, writing nothing', async () => {
    const out = tempDir('paperfeed-export-');
    const bad = await exportCli(['--format', 'csv', '--out', out]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--format must be jsonl or npy/);
    const missing = await exportCli(['--format', 'npy', '--out', out], { env: { DATA_DIR: path.join(out, 'nothing-here') } });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no store/);
    expect(fs.readdirSync(out)).toEqual([]);
  });
});
