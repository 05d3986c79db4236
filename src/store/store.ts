import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { PaperInput } from '../types.js';
import { migrate, SCHEMA_VERSION } from './migrations.js';
import { metaJson, readMeta } from './paper-meta.js';

/** A paper as stored, with its store-internal sequence number (the index label). */
export interface StoredPaper extends PaperInput {
  seq: number;
  contentHash: string;
}

export interface ModelInfo {
  model: string;
  dim: number;
}

/** What the ingest pipeline writes for one paper; `vector` is absent when the text did not change. */
export interface PaperWrite {
  paper: PaperInput;
  contentHash: string;
  vector?: Float32Array;
}

export class ModelMismatchError extends Error {}

/** A slice of the corpus by published date (`until` exclusive, YYYY-MM-DD) and arXiv-style category. */
export interface Window {
  since?: string;
  until?: string;
  category?: string;
}

interface PaperRow {
  seq: number;
  id: string;
  title: string;
  abstract: string;
  authors: string;
  published: string | null;
  categories: string;
  upvotes: number | null;
  source: string | null;
  content_hash: string;
  meta: string;
}

const now = () => new Date().toISOString();
const toBlob = (v: Float32Array) => Buffer.from(v.buffer, v.byteOffset, v.byteLength);
/** Copies, because a Buffer from SQLite need not be 4-byte aligned. */
export const fromBlob = (b: Buffer) => new Float32Array(new Uint8Array(b).buffer);

function rowToPaper(r: PaperRow): StoredPaper {
  return {
    seq: r.seq,
    id: r.id,
    title: r.title,
    abstract: r.abstract,
    authors: JSON.parse(r.authors),
    published: r.published,
    categories: JSON.parse(r.categories),
    upvotes: r.upvotes,
    source: r.source,
    meta: readMeta(r.meta),
    contentHash: r.content_hash,
  };
}

/**
 * The source of truth: papers, their vectors per model, users and their stars, in one SQLite file (WAL).
 * Every statement is prepared once; writes that belong together run in one transaction.
 */
export class SqliteStore {
  readonly db: Database.Database;
  readonly file: string;
  private readonly stmt;

  constructor(dataDir: string) {
    fs.mkdirSync(dataDir, { recursive: true });
    this.file = path.join(dataDir, 'paperfeed.db');
    this.db = new Database(this.file);
    // Another process (the ingest CLI, a second server) may hold the write lock for one batch: wait, don't fail.
    this.db.pragma('busy_timeout = 30000');
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    // Two processes opening a fresh store at once (server and ingest CLI) would both run the migrations and one
    // would fail ("table meta already exists"): migrate under the write lock, so the second sees the new version.
    if ((this.db.pragma('user_version', { simple: true }) as number) < SCHEMA_VERSION) {
      this.db.transaction(() => migrate(this.db, this.file)).immediate();
    } else {
      migrate(this.db, this.file); // refuses a newer schema
    }
    const db = this.db;
    this.stmt = {
      getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      countPapers: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM papers'),
      byId: db.prepare<[string], PaperRow>('SELECT * FROM papers WHERE id = ?'),
      bySeq: db.prepare<[number], PaperRow>('SELECT * FROM papers WHERE seq = ?'),
      insertPaper: db.prepare(
        `INSERT INTO papers (id, title, abstract, authors, published, categories, upvotes, source, meta, content_hash, created_at, updated_at)
         VALUES (@id, @title, @abstract, @authors, @published, @categories, @upvotes, @source, @meta, @content_hash, @now, @now)`,
      ),
      updatePaper: db.prepare(
        `UPDATE papers SET title = @title, abstract = @abstract, authors = @authors, published = @published,
           categories = @categories, upvotes = @upvotes, source = @source, meta = @meta, content_hash = @content_hash, updated_at = @now
         WHERE seq = @seq`,
      ),
      deletePaper: db.prepare('DELETE FROM papers WHERE seq = ?'),
      upsertVector: db.prepare(
        `INSERT INTO vectors (paper_seq, model, dim, content_hash, vec) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(paper_seq, model) DO UPDATE SET dim = excluded.dim, content_hash = excluded.content_hash, vec = excluded.vec`,
      ),
      vectorHash: db.prepare<[number, string], { content_hash: string }>(
        'SELECT content_hash FROM vectors WHERE paper_seq = ? AND model = ?',
      ),
      getVector: db.prepare<[number, string], { vec: Buffer }>('SELECT vec FROM vectors WHERE paper_seq = ? AND model = ?'),
      logChange: db.prepare('INSERT INTO changes (paper_seq) VALUES (?)'),
      maxVersion: db.prepare<[], { v: number | null }>('SELECT max(version) AS v FROM changes'),
      changedSince: db.prepare<[number, number], number>('SELECT DISTINCT paper_seq FROM changes WHERE version > ? AND version <= ?').pluck(),
      vectorPage: db.prepare<[string, number, number], { seq: number; vec: Buffer }>(
        'SELECT paper_seq AS seq, vec FROM vectors WHERE model = ? AND paper_seq > ? ORDER BY paper_seq LIMIT ?',
      ),
      countVectors: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM vectors WHERE model = ?'),
      windowSeqs: db.prepare<{ since: string; until: string }, number>(
        'SELECT seq FROM papers WHERE published >= @since AND published < @until',
      ).pluck(),
      windowSeqsInCategory: db.prepare<{ since: string; until: string; category: string }, number>(
        `SELECT seq FROM papers WHERE published >= @since AND published < @until
            AND EXISTS (SELECT 1 FROM json_each(papers.categories) WHERE value = @category)`,
      ).pluck(),
      categorySeqs: db.prepare<{ category: string }, number>(
        'SELECT seq FROM papers WHERE EXISTS (SELECT 1 FROM json_each(papers.categories) WHERE value = @category)',
      ).pluck(),
      newestPublished: db.prepare<[], string | null>('SELECT max(published) FROM papers').pluck(),
      stalePapers: db.prepare<[string, number, number], PaperRow>(
        `SELECT p.* FROM papers p LEFT JOIN vectors v ON v.paper_seq = p.seq AND v.model = ?
          WHERE p.seq > ? AND (v.content_hash IS NULL OR v.content_hash != p.content_hash)
          ORDER BY p.seq LIMIT ?`,
      ),
      countStale: db.prepare<[string], { n: number }>(
        `SELECT count(*) AS n FROM papers p LEFT JOIN vectors v ON v.paper_seq = p.seq AND v.model = ?
          WHERE v.content_hash IS NULL OR v.content_hash != p.content_hash`,
      ),
      dropOtherModels: db.prepare('DELETE FROM vectors WHERE model != ?'),
      otherModels: db.prepare<[string], { model: string; n: number }>(
        'SELECT model, count(*) AS n FROM vectors WHERE model != ? GROUP BY model',
      ),
    };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }

  getMeta(key: string): string | undefined {
    return this.stmt.getMeta.get(key)?.value;
  }

  setMeta(key: string, value: string): void {
    this.stmt.setMeta.run(key, value);
  }

  /** The model whose vectors this store serves, or null for a store that has none yet. */
  modelInfo(): ModelInfo | null {
    const model = this.getMeta('model');
    const dim = this.getMeta('dim');
    return model && dim ? { model, dim: Number(dim) } : null;
  }

  /**
   * Binds an empty store to a model, or checks that a used one was built with it.
   * Mixing vectors of two models in one index would give silently wrong neighbours, so a mismatch is refused.
   */
  bindModel(model: string, dim: number): void {
    const current = this.modelInfo();
    if (!current) {
      this.db.transaction(() => {
        this.setMeta('model', model);
        this.setMeta('dim', String(dim));
      })();
      return;
    }
    if (current.model !== model || current.dim !== dim) {
      throw new ModelMismatchError(
        `The store ${this.file} was built with model ${current.model} (dim ${current.dim}), but the configured ` +
          `model is ${model} (dim ${dim}); the part after @ fingerprints the weights. Either start with the model ` +
          `the store was built with, or run \`npm run reembed\` (with the same EMBED_MODEL) to rebuild every vector ` +
          'and the index for the configured one.',
      );
    }
  }

  countPapers(): number {
    return this.stmt.countPapers.get()!.n;
  }

  countVectors(model: string): number {
    return this.stmt.countVectors.get(model)!.n;
  }

  getPaper(id: string): StoredPaper | undefined {
    const row = this.stmt.byId.get(id);
    return row && rowToPaper(row);
  }

  getPaperBySeq(seq: number): StoredPaper | undefined {
    const row = this.stmt.bySeq.get(seq);
    return row && rowToPaper(row);
  }

  getVector(seq: number, model: string): Float32Array | undefined {
    const row = this.stmt.getVector.get(seq, model);
    return row && fromBlob(row.vec);
  }

  /** The hash of the text a paper's current vector for `model` was computed from, if it has one. */
  vectorHash(seq: number, model: string): string | undefined {
    return this.stmt.vectorHash.get(seq, model)?.content_hash;
  }

  /**
   * Writes one ingest batch atomically: papers, their new vectors and the change log, or nothing.
   * Returns the seqs whose vectors changed (for the in-memory index).
   */
  writeBatch(writes: PaperWrite[], model: string, dim: number): { seq: number; vector: Float32Array }[] {
    const changed: { seq: number; vector: Float32Array }[] = [];
    // IMMEDIATE: take the write lock up front, so two writers queue (busy_timeout) instead of failing to upgrade.
    this.db.transaction(() => {
      const ts = now();
      for (const { paper, contentHash, vector } of writes) {
        const params = {
          id: paper.id,
          title: paper.title,
          abstract: paper.abstract,
          authors: JSON.stringify(paper.authors),
          published: paper.published,
          categories: JSON.stringify(paper.categories),
          upvotes: paper.upvotes,
          source: paper.source,
          meta: metaJson(paper.meta),
          content_hash: contentHash,
          now: ts,
        };
        const existing = this.stmt.byId.get(paper.id);
        let seq: number;
        if (existing) {
          seq = existing.seq;
          this.stmt.updatePaper.run({ ...params, seq });
        } else {
          seq = Number(this.stmt.insertPaper.run(params).lastInsertRowid);
        }
        if (vector) {
          if (vector.length !== dim) throw new Error(`vector for ${paper.id} has dim ${vector.length}, expected ${dim}`);
          this.stmt.upsertVector.run(seq, model, dim, contentHash, toBlob(vector));
          this.stmt.logChange.run(seq);
          changed.push({ seq, vector });
        }
      }
    }).immediate();
    return changed;
  }

  /** Deletes a paper and its vectors; logs the change so every index drops it. Returns its seq, if it existed. */
  deletePaper(id: string): number | undefined {
    return this.db.transaction(() => {
      const row = this.stmt.byId.get(id);
      if (!row) return undefined;
      this.stmt.deletePaper.run(row.seq);
      this.stmt.logChange.run(row.seq);
      return row.seq;
    }).immediate();
  }

  /** The newest change-log version (0 for an empty log). */
  maxVersion(): number {
    return this.stmt.maxVersion.get()!.v ?? 0;
  }

  /**
   * Papers whose vectors changed in (`after`, `upTo`]: vec is null when the paper (or its vector) is gone.
   * No statement stays open between items, so callers may await (and others may write) while consuming it.
   */
  *changesSince(after: number, model: string, upTo = this.maxVersion()): IterableIterator<{ seq: number; vec: Float32Array | null }> {
    for (const seq of this.stmt.changedSince.all(after, upTo)) {
      yield { seq, vec: this.getVector(seq, model) ?? null };
    }
  }

  /** Every vector of a model, read in pages (no statement stays open between pages). */
  *allVectors(model: string, pageSize = 2048): IterableIterator<{ seq: number; vec: Float32Array }> {
    let after = -1;
    for (;;) {
      const page = this.stmt.vectorPage.all(model, after, pageSize);
      for (const row of page) yield { seq: row.seq, vec: fromBlob(row.vec) };
      if (page.length < pageSize) return;
      after = page[page.length - 1].seq;
    }
  }

  /** The seqs of the papers in a window, or null when the window does not restrict anything. */
  seqsInWindow(w: Window): Set<number> | null {
    if (!w.since && !w.until && !w.category) return null;
    if (!w.since && !w.until) return new Set(this.stmt.categorySeqs.all({ category: w.category! }));
    const range = { since: w.since ?? '0000-00-00', until: w.until ?? '9999-99-99' };
    const seqs = w.category
      ? this.stmt.windowSeqsInCategory.all({ ...range, category: w.category })
      : this.stmt.windowSeqs.all(range);
    return new Set(seqs);
  }

  /** The newest published date in the store: default time windows end there, not at the wall clock. */
  newestPublished(): string | null {
    return this.stmt.newestPublished.get() ?? null;
  }

  getPapersBySeqs(seqs: number[]): StoredPaper[] {
    return seqs.map((s) => this.getPaperBySeq(s)).filter((p): p is StoredPaper => p !== undefined);
  }

  /** Papers with no vector for `model`, or one computed from older text; in seq order, a page at a time. */
  stalePapers(model: string, afterSeq: number, limit: number): StoredPaper[] {
    return this.stmt.stalePapers.all(model, afterSeq, limit).map(rowToPaper);
  }

  countStale(model: string): number {
    return this.stmt.countStale.get(model)!.n;
  }

  /** Stores vectors for a model without touching the papers (reembed writes a new model beside the old one). */
  writeVectors(model: string, dim: number, rows: { seq: number; contentHash: string; vector: Float32Array }[]): void {
    this.db.transaction(() => {
      for (const r of rows) this.stmt.upsertVector.run(r.seq, model, dim, r.contentHash, toBlob(r.vector));
    }).immediate();
  }

  /** Makes `model` the store's model and drops every other model's vectors, in one transaction. */
  switchModel(model: string, dim: number): void {
    this.db.transaction(() => {
      this.setMeta('model', model);
      this.setMeta('dim', String(dim));
      this.stmt.dropOtherModels.run(model);
    }).immediate();
  }

  /** Models other than `model` that still have vectors here (left over from before a reembed). */
  otherModels(model: string): { model: string; n: number }[] {
    return this.stmt.otherModels.all(model);
  }
}
