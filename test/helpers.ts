import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import type { RunningServer } from '../src/server.js';
import { SqliteEngine } from '../src/store/sqlite-engine.js';
import type { SqliteStore } from '../src/store/store.js';
import type { PaperInput } from '../src/types.js';
import { rng } from '../src/util/random.js';

export { rng };

export function tempDir(prefix = 'paperfeed-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}


export function unitVector(dim: number, next: () => number): Float32Array {
  const v = new Float32Array(dim);
  let norm = 0;
  for (let i = 0; i < dim; i++) {
    v[i] = next() * 2 - 1;
    norm += v[i] * v[i];
  }
  norm = Math.sqrt(norm);
  for (let i = 0; i < dim; i++) v[i] /= norm;
  return v;
}

export function paper(id: string, extra: Partial<PaperInput> = {}): PaperInput {
  return {
    id,
    title: `Paper ${id}`,
    abstract: `Abstract of paper ${id}.`,
    authors: ['A. Author'],
    published: '2026-08-01',
    categories: ['cs.LG'],
    upvotes: null,
    source: 'test',
    ...extra,
  };
}

/** Exact top-k by cosine (vectors are unit length), for checking the index against ground truth. */
export function exactTopK(query: Float32Array, vectors: Map<number, Float32Array>, k: number): number[] {
  const scored: [number, number][] = [];
  for (const [seq, v] of vectors) {
    let dot = 0;
    for (let i = 0; i < v.length; i++) dot += v[i] * query[i];
    scored.push([seq, dot]);
  }
  return scored
    .sort((a, b) => b[1] - a[1])
    .slice(0, k)
    .map(([seq]) => seq);
}

/** Asserts an RFC 9457 problem+json answer with this status, naming `field` among the fields at fault. */
export async function expectProblem(res: Response, status: number, field?: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = await res.json();
  expect(body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String) });
  if (field) expect(body.errors.map((e: { field: string }) => e.field)).toContain(field);
  return body;
}

/** The SQLite store under a running server, for tests that check what was written. */
export function sqliteOf(server: RunningServer): SqliteStore {
  return (server.runtime.engine as SqliteEngine).sqlite;
}

/** A store's change log, as the index reads it. */
export const changeLogOf = (store: SqliteStore) => new SqliteEngine(store).changes;

/** A store's write port, as ingest uses it. */
export const writesOf = (store: SqliteStore) => new SqliteEngine(store).writes;

/** Resolves once `condition()` holds (checked every 2 ms, leaving the CPU to what it waits for); fails after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 2));
  }
}
