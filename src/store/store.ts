import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrate, SCHEMA_VERSION } from './migrations.js';
import { ModelMismatchError, type DatedWindow, type DayCount, type IngestLookup, type LexiconRow, type ModelInfo, type PaperWrite, type Ranked, type StoredPaper, type TrendingFormula, type Window } from './ports.js';
import { TermStore } from './terms.js';
import { KeywordSearch } from './search.js';
import { fromBytes as fromBlob, toBytes as toBlob } from './vector-bytes.js';
import { metaJson, readMeta } from './paper-meta.js';

export { ModelMismatchError, type ModelInfo, type PaperWrite, type StoredPaper, type Window } from './ports.js';

/** The category filter every windowed statement shares (categories is a JSON array). */
const IN_CATEGORY = '(@category IS NULL OR EXISTS (SELECT 1 FROM json_each(p.categories) WHERE value = @category))';
/** Published in [@since, @until) and in @category (when given): every windowed statement's filter. */
const IN_WINDOW = `p.published >= @since AND p.published < @until AND ${IN_CATEGORY}`;
type DatedWindowParams = { since: string; until: string; category: string | null };
/** Our users' stars per paper id, joined by trending and popularity. */
const STAR_COUNTS = '(SELECT paper_id, count(*) AS n FROM stars GROUP BY paper_id)';
/**
 * The papers that can be in a window's trending top k: those with upvotes or stars, and the k newest (a paper with
 * neither scores 1/(age+2)^gravity, so only the newest k of those can rank): a whole-corpus list reads a few
 * thousand rows, not every paper.
 */
const TRENDING_CANDIDATES = `
  SELECT seq FROM papers p WHERE p.upvotes > 0 AND ${IN_WINDOW}
  UNION SELECT p.seq FROM papers p WHERE p.id IN (SELECT paper_id FROM stars) AND ${IN_WINDOW}
  UNION SELECT seq FROM (SELECT seq FROM papers p WHERE ${IN_WINDOW} ORDER BY p.published DESC, p.id LIMIT @k)`;
/** Seqs or ids passed as one JSON array parameter: one statement for a whole batch, whatever its size. */
const IN_JSON = (column: string) => `${column} IN (SELECT value FROM json_each(?))`;

/** The columns a StoredPaper is made of (not the row's timestamps): reads of papers by id or seq create no more strings. */
const PAPER_COLUMNS = 'seq, id, title, abstract, authors, published, categories, upvotes, source, meta, content_hash';

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

/** Runs `f`, retrying every 10 ms while it fails with SQLITE_BUSY, for at most `ms`. Synchronous, like the store. */
function retryWhileBusy<T>(f: () => T, ms: number): T {
  const deadline = Date.now() + ms;
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (;;) {
    try {
      return f();
    } catch (err) {
      if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() > deadline) throw err;
      Atomics.wait(pause, 0, 0, 10);
    }
  }
}
/** Batches bigger than this are read in several statements (json_each handles any size; this bounds one result). */
const CHUNK = 5000;
function* chunks<T>(xs: readonly T[]): Generator<T[]> {
  for (let i = 0; i < xs.length; i += CHUNK) yield xs.slice(i, i + CHUNK);
}
export { fromBytes as fromBlob } from './vector-bytes.js';

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
  readonly keywords: KeywordSearch;
  readonly terms: TermStore;
  private readonly stmt;

  constructor(dataDir: string) {
    fs.mkdirSync(dataDir, { recursive: true });
    this.file = path.join(dataDir, 'paperfeed.db');
    this.db = new Database(this.file);
    // Another process (the ingest CLI, a second server) may hold the write lock for one batch: wait, don't fail.
    this.db.pragma('busy_timeout = 30000');
    // Switching a fresh file to WAL needs an exclusive lock, and SQLite answers SQLITE_BUSY at once (no busy handler)
    // while another process opening the same fresh store holds one: retry for as long as busy_timeout would wait.
    retryWhileBusy(() => this.db.pragma('journal_mode = WAL'), 30_000);
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
    this.keywords = new KeywordSearch(db);
    this.terms = new TermStore(db);
    this.stmt = {
      getMeta: db.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: db.prepare('INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value'),
      countPapers: db.prepare<[], { n: number }>('SELECT count(*) AS n FROM papers'),
      byId: db.prepare<[string], PaperRow>(`SELECT ${PAPER_COLUMNS} FROM papers WHERE id = ?`),
      bySeq: db.prepare<[number], PaperRow>(`SELECT ${PAPER_COLUMNS} FROM papers WHERE seq = ?`),
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
      getVector: db.prepare<[number, string], { vec: Buffer }>('SELECT vec FROM vectors WHERE paper_seq = ? AND model = ?'),
      logChange: db.prepare('INSERT INTO changes (paper_seq) VALUES (?)'),
      maxVersion: db.prepare<[], { v: number | null }>('SELECT max(version) AS v FROM changes'),
      changedSince: db.prepare<[number, number], number>('SELECT DISTINCT paper_seq FROM changes WHERE version > ? AND version <= ?').pluck(),
      vectorPage: db.prepare<[string, number, number], { seq: number; vec: Buffer }>(
        'SELECT paper_seq AS seq, vec FROM vectors WHERE model = ? AND paper_seq > ? ORDER BY paper_seq LIMIT ?',
      ),
      countVectors: db.prepare<[string], { n: number }>('SELECT count(*) AS n FROM vectors WHERE model = ?'),
      windowSeqs: db.prepare<DatedWindowParams, number>(
        `SELECT seq FROM papers p WHERE ${IN_WINDOW}`,
      ).pluck(),
      categorySeqs: db.prepare<{ category: string }, number>(`SELECT seq FROM papers p WHERE ${IN_CATEGORY}`).pluck(),
      // Window, category, star counts and score in one statement each: only the rows asked for leave SQLite.
      // published is YYYY-MM-DD, so julianday() differences are whole days.
      trending: db.prepare<DatedWindowParams & TrendingFormula & { k: number }, Ranked>(`
        WITH candidates AS (${TRENDING_CANDIDATES})
        SELECT p.seq AS seq,
               (coalesce(p.upvotes, 0) + @starWeight * coalesce(s.n, 0) + 1)
                 / pow((julianday(@until) - julianday(p.published) - 1) + 2, @gravity) AS score
          FROM candidates c JOIN papers p ON p.seq = c.seq LEFT JOIN ${STAR_COUNTS} s ON s.paper_id = p.id
         ORDER BY score DESC, p.published DESC, p.id
         LIMIT @k`),
      popularity: db.prepare<DatedWindowParams & { starWeight: number }, { seq: number; pop: number }>(
        `SELECT p.seq AS seq, coalesce(p.upvotes, 0) + @starWeight * coalesce(s.n, 0) AS pop
           FROM papers p LEFT JOIN ${STAR_COUNTS} s ON s.paper_id = p.id
          WHERE ${IN_WINDOW} AND (coalesce(p.upvotes, 0) > 0 OR s.n > 0)`,
      ),
      popularityOf: db.prepare<[number, string], { seq: number; pop: number }>(
        `SELECT p.seq AS seq, coalesce(p.upvotes, 0) + ? * (SELECT count(*) FROM stars s WHERE s.paper_id = p.id) AS pop
           FROM papers p WHERE ${IN_JSON('p.seq')}`,
      ),
      byIds: db.prepare<[string], PaperRow>(`SELECT ${PAPER_COLUMNS} FROM papers WHERE ${IN_JSON('id')}`),
      bySeqs: db.prepare<[string], PaperRow>(`SELECT ${PAPER_COLUMNS} FROM papers WHERE ${IN_JSON('seq')}`),
      ingestLookup: db.prepare<[string, string], PaperRow & { vector_hash: string | null }>(
        `SELECT p.*, v.content_hash AS vector_hash FROM papers p LEFT JOIN vectors v ON v.paper_seq = p.seq AND v.model = ?
          WHERE ${IN_JSON('p.id')}`,
      ),
      vectorsBySeqs: db.prepare<[string, string], { seq: number; vec: Buffer }>(
        `SELECT paper_seq AS seq, vec FROM vectors WHERE model = ? AND ${IN_JSON('paper_seq')}`,
      ),
      starCounts: db.prepare<[string], { id: string; n: number }>(
        `SELECT paper_id AS id, count(*) AS n FROM stars WHERE ${IN_JSON('paper_id')} GROUP BY paper_id`,
      ),
      fingerprint: db.prepare<[], { changes: number; version: number }>(
        'SELECT total_changes() AS changes, (SELECT data_version FROM pragma_data_version) AS version',
      ),
      exportPage: db.prepare<[string, number, number], { seq: number; id: string; vec: Buffer }>(
        `SELECT p.seq AS seq, p.id AS id, v.vec AS vec FROM papers p JOIN vectors v ON v.paper_seq = p.seq AND v.model = ?
          WHERE p.seq > ? ORDER BY p.seq LIMIT ?`,
      ),
      exportCount: db.prepare<[string], number>(
        'SELECT count(*) FROM papers p JOIN vectors v ON v.paper_seq = p.seq AND v.model = ?',
      ).pluck(),
      newestPublished: db.prepare<[], string | null>('SELECT max(published) FROM papers').pluck(),
      newestSeq: db.prepare<[], number | null>('SELECT max(seq) FROM papers').pluck(),
      // Uses papers_published; a few hundred rows for a year of papers.
      papersPerDay: db.prepare<{ category: string | null }, DayCount>(
        `SELECT published AS date, count(*) AS papers FROM papers p WHERE published IS NOT NULL AND ${IN_CATEGORY}
          GROUP BY published ORDER BY published`,
      ),
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

  /**
   * Writes one ingest batch atomically: papers, their new vectors and the change log, or nothing.
   * Returns the seqs whose vectors changed.
   */
  writeBatch(writes: PaperWrite[], model: string, dim: number): { seq: number; vector: Float32Array }[] {
    const changed: { seq: number; vector: Float32Array }[] = [];
    // IMMEDIATE: take the write lock up front, so two writers queue (busy_timeout) instead of failing to upgrade.
    this.db.transaction(() => {
      const ts = now();
      for (const { paper, contentHash, vector, terms } of writes) {
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
        } else if (existing && existing.categories !== params.categories) {
          this.stmt.logChange.run(seq); // the lexicons hold each paper's categories: they follow the log too
        }
        if (terms) this.terms.put(seq, terms);
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

  /** Term vectors and categories of the papers changed in (`after`, `upTo`]: terms null when gone (see changesSince). */
  *termsSince(after: number, upTo = this.maxVersion()): IterableIterator<LexiconRow | { seq: number; terms: null }> {
    for (const seq of this.stmt.changedSince.all(after, upTo)) yield this.terms.get(seq) ?? { seq, terms: null };
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
    const range = { since: w.since ?? '0000-00-00', until: w.until ?? '9999-99-99', category: w.category ?? null };
    return new Set(this.stmt.windowSeqs.all(range));
  }

  /** The newest published date in the store: default time windows end there, not at the wall clock. */
  newestPublished(): string | null {
    return this.stmt.newestPublished.get() ?? null;
  }

  /** The days that have papers (optionally in one category), with how many, oldest first. */
  papersPerDay(category?: string): DayCount[] {
    return this.stmt.papersPerDay.all({ category: category ?? null });
  }

  /** The largest paper seq (0 for an empty store). */
  newestSeq(): number {
    return this.stmt.newestSeq.get() ?? 0;
  }

  /** Papers by seq in the order asked, unknown seqs dropped: one statement per batch. */
  getPapersBySeqs(seqs: readonly number[]): StoredPaper[] {
    const bySeq = new Map<number, StoredPaper>();
    for (const chunk of chunks(seqs)) for (const row of this.stmt.bySeqs.all(JSON.stringify(chunk))) bySeq.set(row.seq, rowToPaper(row));
    return seqs.map((s) => bySeq.get(s)).filter((p): p is StoredPaper => p !== undefined);
  }

  /** Papers by external id, aligned with `ids`. */
  getPapersByIds(ids: readonly string[]): (StoredPaper | undefined)[] {
    if (ids.length === 1) return [this.getPaper(ids[0])]; // every /similar and paper page: half json_each's cost
    const byId = new Map<string, StoredPaper>();
    for (const chunk of chunks(ids)) for (const row of this.stmt.byIds.all(JSON.stringify(chunk))) byId.set(row.id, rowToPaper(row));
    return ids.map((id) => byId.get(id));
  }

  /** The stored papers a batch of ingest records updates, with the text hash of each one's vector for `model`. */
  ingestLookup(ids: readonly string[], model: string): Map<string, IngestLookup> {
    const out = new Map<string, IngestLookup>();
    for (const chunk of chunks(ids)) {
      for (const row of this.stmt.ingestLookup.all(model, JSON.stringify(chunk))) {
        out.set(row.id, { paper: rowToPaper(row), vectorHash: row.vector_hash ?? undefined });
      }
    }
    return out;
  }

  /** Stored vectors of `model`, aligned with `seqs`. */
  vectorsFor(seqs: readonly number[], model: string): (Float32Array | undefined)[] {
    const bySeq = new Map<number, Float32Array>();
    for (const chunk of chunks(seqs)) for (const row of this.stmt.vectorsBySeqs.all(model, JSON.stringify(chunk))) bySeq.set(row.seq, fromBlob(row.vec));
    return seqs.map((s) => bySeq.get(s));
  }

  /** Our users' stars per paper id, aligned with `ids`. */
  starCounts(ids: readonly string[]): number[] {
    const n = new Map<string, number>();
    for (const chunk of chunks(ids)) for (const row of this.stmt.starCounts.all(JSON.stringify(chunk))) n.set(row.id, row.n);
    return ids.map((id) => n.get(id) ?? 0);
  }

  /**
   * The k best papers of a window by the trending score, computed in one statement (window, category, star counts
   * and score): only the top k rows leave SQLite. published is YYYY-MM-DD, so julianday() differences are whole days.
   */
  trending(w: DatedWindow, k: number, f: TrendingFormula): Ranked[] {
    return this.stmt.trending.all({ since: w.since, until: w.until, category: w.category ?? null, k, ...f });
  }

  /** Upvotes + starWeight × our users' stars, for the window's papers that have any. */
  popularity(w: DatedWindow, starWeight: number): Map<number, number> {
    const rows = this.stmt.popularity.all({ since: w.since, until: w.until, category: w.category ?? null, starWeight });
    return new Map(rows.map((r) => [r.seq, r.pop]));
  }

  popularityOf(seqs: readonly number[], starWeight: number): number[] {
    const pop = new Map<number, number>();
    for (const part of chunks(seqs)) for (const r of this.stmt.popularityOf.all(starWeight, JSON.stringify(part))) pop.set(r.seq, r.pop);
    return seqs.map((s) => pop.get(s) ?? 0);
  }

  /** Moves on every write by this connection (total_changes) or any other process (data_version). */
  fingerprint(): string {
    const fp = this.stmt.fingerprint.get()!;
    return `${fp.changes}:${fp.version}`;
  }

  /**
   * Every (id, vector) of a model in seq order, inside one read transaction: a WAL snapshot, so the count and
   * every row agree even while others write. `onRow` may not await.
   */
  exportVectors(model: string, onStart: (count: number) => void, onRow: (id: string, vec: Buffer) => void, pageSize = 2048): number {
    let count = 0;
    this.db.exec('BEGIN');
    try {
      const expected = this.stmt.exportCount.get(model)!;
      onStart(expected);
      for (let after = -1; ; ) {
        const rows = this.stmt.exportPage.all(model, after, pageSize);
        for (const row of rows) {
          onRow(row.id, row.vec);
          count++;
        }
        if (rows.length < pageSize) break;
        after = rows[rows.length - 1].seq;
      }
      if (count !== expected) throw new Error(`read ${count} rows, expected ${expected}`);
    } finally {
      this.db.exec('COMMIT');
    }
    return count;
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
