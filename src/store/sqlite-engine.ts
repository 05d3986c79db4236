import { SqliteStore } from './store.js';
import { UserStore } from './users.js';
import { sqliteLibrary } from './library.js';
import { DigestStore } from './digests.js';
import { SourceStateStore } from './sources.js';
import type { ChangeLog, Digests, Engine, JobLocks, Library, ModelBinding, PaperReads, PaperWrites, SourceCheckpoints, Users } from './ports.js';

/**
 * The embedded engine: every port over one SQLite file (better-sqlite3, WAL). Its calls run synchronously inside
 * (an embedded database answers in microseconds, and one statement per batch keeps it so); the ports are async so
 * that a database server can stand in without changing a caller.
 */
export class SqliteEngine implements Engine {
  readonly papers: PaperReads;
  readonly writes: PaperWrites;
  readonly changes: ChangeLog;
  readonly users: Users;
  readonly library: Library;
  readonly model: ModelBinding;
  readonly sources: SourceCheckpoints;
  readonly digests: Digests;
  /** One box: jobs run side by side (a source's writes are upserts; digest claims tell senders apart by pid). */
  readonly jobs: JobLocks = { exclusive: async (_job, fn) => ({ ran: true, value: await fn() }) };
  readonly location: string;
  /** The synchronous store underneath, for tools that are SQLite-only (reembed, export, tests). */
  readonly sqlite: SqliteStore;

  constructor(store: SqliteStore) {
    this.sqlite = store;
    this.location = store.file;
    const s = store;
    this.papers = {
      count: async () => s.countPapers(),
      byIds: async (ids) => s.getPapersByIds(ids),
      bySeqs: async (seqs) => s.getPapersBySeqs(seqs),
      seqsInWindow: async (w) => s.seqsInWindow(w),
      newestPublished: async () => s.newestPublished(),
      newestSeq: async () => s.newestSeq(),
      papersPerDay: async (category) => s.papersPerDay(category),
      starCounts: async (ids) => s.starCounts(ids),
      trending: async (w, k, formula) => s.trending(w, k, formula),
      popularity: async (w, starWeight) => s.popularity(w, starWeight),
      popularityOf: async (seqs, starWeight) => s.popularityOf(seqs, starWeight),
      // In-process, the window's seqs cost no round trip: FTS5 ranks, the set filters (store/search.ts).
      keywordSearch: async (q, limit, window, options) => s.keywords.search(q, limit, s.seqsInWindow(window), options),
      vectors: async (seqs, model) => s.vectorsFor(seqs, model),
    };
    this.writes = {
      lookupForIngest: async (ids, model) => s.ingestLookup(ids, model),
      writeBatch: async (writes, model, dim) => void s.writeBatch(writes, model, dim),
      deletePaper: async (id) => s.deletePaper(id),
      papersWithoutTerms: async (after, limit) => s.terms.missing(after, limit),
      saveTerms: async (rows) => s.terms.save(rows),
    };
    this.changes = {
      head: async () => s.maxVersion(),
      // Each item is read when it is asked for, so a caller may await (and others write) between items.
      changesSince: (after, model, upTo) => toAsync(s.changesSince(after, model, upTo)),
      allVectors: (model) => toAsync(s.allVectors(model)),
      countVectors: async (model) => s.countVectors(model),
      termsSince: (after, upTo) => toAsync(s.termsSince(after, upTo)),
      allTerms: () => toAsync(s.terms.all()),
      fingerprint: async () => s.fingerprint(),
    };
    const u = new UserStore(s.db);
    this.users = {
      create: async (name) => u.create(name),
      get: async (id) => u.get(id),
      userForToken: async (token) => u.userForToken(token),
      addStar: async (userId, paperId) => u.addStar(userId, paperId),
      removeStar: async (userId, paperId) => u.removeStar(userId, paperId),
      listStars: async (userId, limit, offset) => u.listStars(userId, limit, offset),
      countStars: async (userId) => u.countStars(userId),
      starredIds: async (userId) => u.starredIds(userId),
      addFeedback: async (userId, paperId, kind) => u.addFeedback(userId, paperId, kind),
      feedbackIds: async (userId, kind) => u.feedbackIds(userId, kind),
      createFeedKey: async (userId) => u.createFeedKey(userId),
      revokeFeedKey: async (userId) => u.revokeFeedKey(userId),
      userForFeedKey: async (key) => u.userForFeedKey(key),
    };
    this.library = sqliteLibrary(s.db);
    this.model = {
      info: async () => s.modelInfo(),
      bind: async (model, dim) => s.bindModel(model, dim),
    };
    this.sources = new SourceStateStore(s.db);
    this.digests = new DigestStore(s.db);
  }

  /** Opens (creating and migrating if needed) the store in `dataDir`. */
  static open(dataDir: string): SqliteEngine {
    return new SqliteEngine(new SqliteStore(dataDir));
  }

  async close(): Promise<void> {
    this.sqlite.close();
  }
}

async function* toAsync<T>(items: Iterable<T>): AsyncGenerator<T> {
  yield* items;
}
