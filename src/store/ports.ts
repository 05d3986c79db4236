/**
 * The storage ports: everything the engine reads and writes, async and batch-shaped, so that an embedded engine
 * (SQLite, src/store/sqlite-engine.ts) and a database server answer the same calls without one network round trip
 * per paper. Nothing outside src/store sees SQL or a connection; callers get these interfaces only.
 */
import type { PaperInput } from '../types.js';
import type { DigestPlan, DigestToken, NewSubscription, OutboxRow, SourceState, Subscription, SubscriptionStatus } from './ops-types.js';

export type * from './ops-types.js';

/** A paper as stored, with its store-internal sequence number (the index label). */
export interface StoredPaper extends PaperInput {
  seq: number;
  contentHash: string;
}

/** A slice of the corpus by published date (`until` exclusive, YYYY-MM-DD) and arXiv-style category. */
export interface Window {
  since?: string;
  until?: string;
  category?: string;
}

/** A window with both bounds (what the defaults fill in: see recommend/window.ts). */
export type DatedWindow = Window & { since: string; until: string };

export interface ModelInfo {
  model: string;
  dim: number;
}

/** What the ingest pipeline writes for one paper; `vector` and `terms` are absent when the text did not change. */
export interface PaperWrite {
  paper: PaperInput;
  contentHash: string;
  vector?: Float32Array;
  /** The text's term vector (text/terms.ts termVector), stored with the vector. */
  terms?: Uint32Array;
}

/** A paper's stored term vector. */
export interface TermRow {
  seq: number;
  terms: Uint32Array;
}

/** What the in-memory lexicon holds of a paper: its term vector and its arXiv categories. */
export interface LexiconRow extends TermRow {
  categories: readonly string[];
}

/** A paper's text, for computing what was not stored with it. */
export interface TextRow {
  seq: number;
  title: string;
  abstract: string;
}

/** A keyword hit: the paper's seq and a higher-is-better relevance (the negated FTS5 bm25). */
export interface KeywordHit {
  seq: number;
  score: number;
  /** Every query word is in the paper's title (the known-item tier, ranked first; hybrid search keeps it on top). */
  title?: boolean;
}

/**
 * Per keyword search: `candidates` = only the title tier and the papers holding every word, the latter in no
 * particular order (score 0 on SQLite), for a caller that ranks them itself (hybrid search ranks them with the lexicon).
 */
export interface KeywordOptions {
  candidates?: boolean;
}

export interface Ranked {
  seq: number;
  score: number;
}

/** Papers published on one day. */
export interface DayCount {
  date: string;
  papers: number;
}

/** Reads of the papers themselves. Lists keep the order they were asked in; unknown ids or seqs are dropped. */
export interface PaperReads {
  count(): Promise<number>;
  /** Papers by external id, aligned with `ids` (undefined where there is none). */
  byIds(ids: readonly string[]): Promise<(StoredPaper | undefined)[]>;
  bySeqs(seqs: readonly number[]): Promise<StoredPaper[]>;
  /** The seqs of the papers in a window, or null when the window does not restrict anything. */
  seqsInWindow(w: Window): Promise<Set<number> | null>;
  /** The newest published date in the store: default time windows end there, not at the wall clock. */
  newestPublished(): Promise<string | null>;
  /** The days that have papers (optionally in one category), oldest first: the date pages' calendar. */
  papersPerDay(category?: string): Promise<DayCount[]>;
  /** The largest paper seq now (0 for none): papers added later get larger ones. */
  newestSeq(): Promise<number>;
  /** Our own users' stars per paper id, aligned with `ids`. */
  starCounts(ids: readonly string[]): Promise<number[]>;
  /** The k best of a window by the trending formula (recommend/trending.ts says which). */
  trending(w: DatedWindow, k: number, formula: TrendingFormula): Promise<Ranked[]>;
  /** Upvotes + starWeight × stars for the window's papers that have any. */
  popularity(w: DatedWindow, starWeight: number): Promise<Map<number, number>>;
  /** The same for these papers, aligned with `seqs` (0 for unknown ones): a feed's candidates, not a whole window. */
  popularityOf(seqs: readonly number[], starWeight: number): Promise<number[]>;
  /**
   * Full-text search, best first, only among the window's papers (an empty window: all). A window, not a list of
   * seqs, so that a database server filters by a join instead of receiving the window's seqs with every query.
   * src/store/search.ts (SQLite) and src/store/pg/search.ts (PostgreSQL) say how each engine ranks.
   */
  keywordSearch(query: string, limit: number, window: Window, options?: KeywordOptions): Promise<KeywordHit[]>;
  /** Stored vectors of a model, aligned with `seqs`. */
  vectors(seqs: readonly number[], model: string): Promise<(Float32Array | undefined)[]>;
}

/** The trending score's constants: (upvotes + starWeight·stars + 1) / (ageDays + 2)^gravity. */
export interface TrendingFormula {
  starWeight: number;
  gravity: number;
}

/** A stored paper as ingest needs it to merge a new record: the paper and the text hash of its current vector. */
export interface IngestLookup {
  paper: StoredPaper;
  vectorHash: string | undefined;
}

/** Writes of papers: each batch is one transaction, papers, vectors and the change log together or nothing. */
export interface PaperWrites {
  lookupForIngest(ids: readonly string[], model: string): Promise<Map<string, IngestLookup>>;
  writeBatch(writes: PaperWrite[], model: string, dim: number): Promise<void>;
  /** Deletes a paper and its vectors and logs the change; its seq, if it existed. */
  deletePaper(id: string): Promise<number | undefined>;
  /** A page (seq > `after`, ascending) of papers stored without a term vector (before term vectors existed). */
  papersWithoutTerms(after: number, limit: number): Promise<TextRow[]>;
  /** Stores term vectors computed for such papers (not a change: the text is the same); deleted ones are skipped. */
  saveTerms(rows: readonly TermRow[]): Promise<void>;
}

/**
 * The append-only log of changes every index follows (a paper's vector, terms or categories written, or the paper
 * deleted), and the vectors themselves.
 */
export interface ChangeLog {
  /** The newest change-log version (0 for an empty log). */
  head(): Promise<number>;
  /** Papers whose vectors changed in (`after`, `upTo`]: vec is null when the paper (or its vector) is gone. */
  changesSince(after: number, model: string, upTo: number): AsyncIterable<{ seq: number; vec: Float32Array | null }>;
  /** Every vector of a model, read in pages. */
  allVectors(model: string): AsyncIterable<{ seq: number; vec: Float32Array }>;
  countVectors(model: string): Promise<number>;
  /** Term vectors and categories of the papers changed in (`after`, `upTo`]: terms null when the paper is gone (or has none yet). */
  termsSince(after: number, upTo: number): AsyncIterable<LexiconRow | { seq: number; terms: null }>;
  /** Every stored term vector with its paper's categories, page by page (a whole corpus: one await per page, not per paper). */
  allTerms(): AsyncIterable<LexiconRow[]>;
  /**
   * A value that moves on every write by anyone (papers, upvotes, stars, feedback, users): results cached under
   * one fingerprint are still valid while it is unchanged.
   */
  fingerprint(): Promise<string>;
}

export interface User {
  id: string;
  name: string;
  createdAt: string;
}

export type FeedbackKind = 'not_interested' | 'seen';

export interface Star {
  paperId: string;
  createdAt: string;
}

/** Users, their credentials (stored only as hashes), stars, feedback and feed keys. */
export interface Users {
  /** Creates a user; the returned token is shown once and only its hash is kept. */
  create(name: string): Promise<{ user: User; token: string }>;
  get(id: string): Promise<User | undefined>;
  userForToken(token: string): Promise<string | undefined>;
  /** True if the paper was not starred before (starring again keeps the first date). */
  addStar(userId: string, paperId: string): Promise<boolean>;
  removeStar(userId: string, paperId: string): Promise<boolean>;
  /** A page of a user's stars, newest first. */
  listStars(userId: string, limit: number, offset: number): Promise<Star[]>;
  countStars(userId: string): Promise<number>;
  /** Every starred paper id, newest first. */
  starredIds(userId: string): Promise<string[]>;
  addFeedback(userId: string, paperId: string, kind: FeedbackKind): Promise<boolean>;
  /** Paper ids with this kind of feedback, newest first. */
  feedbackIds(userId: string, kind: FeedbackKind): Promise<string[]>;
  createFeedKey(userId: string): Promise<string>;
  revokeFeedKey(userId: string): Promise<boolean>;
  userForFeedKey(key: string): Promise<string | undefined>;
}

/** A user's named set of papers: its own feed and Atom feed; private unless a share key was made for it. */
export interface Collection {
  id: string;
  userId: string;
  name: string;
  createdAt: string;
  /** True while a share key exists: the key gives read-only access to the list, the feed and the Atom feed. */
  shared: boolean;
  /** How many papers it holds. */
  size: number;
}

/**
 * A paper a user brought with a library import that the store does not have: private to that user (never in the
 * papers table, so never in lists, search, trending or the index), its vector kept beside it so it shapes the
 * user's feeds like a star. `seq` is negative, so it can never meet a stored paper's seq.
 */
export interface OwnPaper extends StoredPaper {
  userId: string;
  doi: string | null;
  createdAt: string;
  /** The model key the vector was made with: a vector of another model is not used. */
  model: string;
  vector: Float32Array;
}

export interface OwnPaperWrite {
  title: string;
  abstract: string;
  authors: string[];
  published: string | null;
  doi: string | null;
  contentHash: string;
  model: string;
  vector: Float32Array;
}

/** One library import, written in one transaction: new own papers, then every paper id into the stars or a collection. */
export interface LibraryImportWrite {
  userId: string;
  ownPapers: OwnPaperWrite[];
  /** Stored papers' ids (matched entries); the new own papers are added after them. */
  paperIds: string[];
  /** Where they go: the user's stars, or one of the user's collections. */
  collectionId?: string;
}

/** Collections, own papers and the lookups a library import needs. */
export interface Library {
  /** undefined when the user already has a collection of that name. */
  createCollection(userId: string, name: string): Promise<Collection | undefined>;
  /** A user's collections, oldest first. */
  collections(userId: string): Promise<Collection[]>;
  collection(id: string): Promise<Collection | undefined>;
  deleteCollection(id: string): Promise<boolean>;
  /** True if the paper was not in the collection before. */
  addToCollection(id: string, paperId: string): Promise<boolean>;
  removeFromCollection(id: string, paperId: string): Promise<boolean>;
  /** A collection's paper ids, newest addition first. */
  collectionPaperIds(id: string): Promise<string[]>;
  /** The ids of the user's collections that hold this paper. */
  collectionsWith(userId: string, paperId: string): Promise<string[]>;
  /** A new read-only key for the collection, replacing any previous one; shown once, only its hash is kept. */
  createShareKey(id: string): Promise<string>;
  revokeShareKey(id: string): Promise<boolean>;
  collectionForShareKey(key: string): Promise<string | undefined>;
  /** A user's own papers (those of `ids`, or all of them, newest first). */
  ownPapers(userId: string, ids?: readonly string[]): Promise<OwnPaper[]>;
  /** Deletes one of the user's own papers, and it from their stars and collections; true if it existed. */
  deleteOwnPaper(userId: string, id: string): Promise<boolean>;
  /** Stored papers whose source DOI (meta.doi) is one of these (lower-cased): DOI → paper id. */
  paperIdsByDoi(dois: readonly string[]): Promise<Map<string, string>>;
  /**
   * Stored papers whose title holds each of these titles as a phrase (at most `limit` each, aligned with `titles`):
   * the candidates a library import compares normalised titles with. Uses the keyword index, not a scan.
   */
  titleCandidates(titles: readonly string[], limit: number): Promise<{ id: string; title: string }[][]>;
  /** Writes one import, all or nothing; returns the new own papers' ids (aligned with `ownPapers`) and how many ids were new in the target. */
  importLibrary(w: LibraryImportWrite): Promise<{ ownPaperIds: string[]; added: number }>;
}

/** Which model the store's vectors come from. */
export interface ModelBinding {
  info(): Promise<ModelInfo | null>;
  /** Binds an empty store to a model, or refuses (ModelMismatchError) a store built with another one. */
  bind(model: string, dim: number): Promise<void>;
}

/** Checkpoints and run history of the built-in sources (src/ingest/sources). */
export interface SourceCheckpoints {
  /** A source's state; one that never ran reads as empty (no row is written: status reads stay reads). */
  get(source: string): Promise<SourceState>;
  runStarted(source: string, at?: Date): Promise<void>;
  /** After a page is committed: where to resume, and what it added (a crash before this refetches the page). */
  pageDone(source: string, p: { cursor: unknown; added: number; updated: number; newest?: string | null }): Promise<void>;
  /** A run finished: the cursor is cleared; `until` (scheduled runs only) becomes where the next run starts. */
  runSucceeded(source: string, until: string | null, at?: Date): Promise<void>;
  runFailed(source: string, error: string, at?: Date): Promise<void>;
}

/** Subscriptions, link tokens (by hash), the outbox and the papers sent per subscription (src/digest/*). */
export interface Digests {
  /** The HMAC key for link tokens: made once, kept in the store (a copied store keeps its links working). */
  secret(): Promise<Buffer>;
  createSubscription(s: NewSubscription, now: Date): Promise<Subscription>;
  subscription(id: string): Promise<Subscription | undefined>;
  /** Not ended ones, oldest first. */
  subscriptionsOfUser(userId: string): Promise<Subscription[]>;
  subscriptionsOfEmail(email: string): Promise<Subscription[]>;
  /** Subscriptions that count against an address's limit (pending, confirmed, paused). */
  countLive(email: string): Promise<number>;
  confirmedSubscriptions(): Promise<Subscription[]>;
  /** Moves a subscription to `to` if it is in one of `from`; true if it changed. */
  setStatus(id: string, from: SubscriptionStatus[], to: SubscriptionStatus, now: Date): Promise<boolean>;
  /** Records a single-use token by its hash (confirmation and manage links), counted for the hourly mail limit. */
  addToken(hash: string, purpose: string, email: string, subscriptionId: string | null, now: Date, expiresAt: Date): Promise<void>;
  token(hash: string): Promise<DigestToken | undefined>;
  /** Marks a token used; false if it already was (a link followed twice). */
  useToken(hash: string, now: Date): Promise<boolean>;
  /** Link mails (confirmation, manage) sent to an address since `since`. */
  tokensMailedSince(email: string, since: Date): Promise<number>;
  hasOutbox(subscriptionId: string, period: string): Promise<boolean>;
  /** Paper ids this subscription was ever sent (or has planned), so no digest repeats one. */
  sentPaperIds(subscriptionId: string): Promise<Set<string>>;
  /**
   * Plans one digest: the outbox row, its papers and the subscription's new "since" mark, in one transaction; the
   * unique (subscription, period) key makes it happen once whoever else plans: false if it was planned already.
   */
  plan(p: DigestPlan, now: Date): Promise<boolean>;
  /**
   * Rows this process may send at `now`: planned, retry due, and 'sending' rows whose sender is gone (SQLite: its
   * pid is dead; PostgreSQL: any, since senders hold the 'digests' job lock, JobLocks, while they send).
   */
  sendable(now: Date): Promise<OutboxRow[]>;
  outboxOf(subscriptionId: string): Promise<OutboxRow[]>;
  /**
   * Claims a row for sending before the SMTP conversation starts: from planned or retry, or from 'sending' when it
   * is still claimed by `staleClaim`. An atomic compare-and-set: false if someone else has it.
   */
  claim(id: number, staleClaim: string | null, now: Date): Promise<boolean>;
  /** Outbox rows by state, for /metrics. */
  outboxCounts(): Promise<Record<string, number>>;
  /** Records a delivery: the row is sent and the subscription's failure count starts again. */
  markSent(id: number, now: Date): Promise<void>;
  markRetry(id: number, error: string, nextAttemptAt: Date): Promise<void>;
  /** Records a permanent failure; pauses the subscription after `pauseAfter` in a row (returns whether it did). */
  markFailed(id: number, error: string, pauseAfter: number, now: Date): Promise<boolean>;
  markCancelled(id: number): Promise<void>;
  /** Drops the stored bodies of messages sent (or given up on) before `before`; how many. */
  pruneMessages(before: Date): Promise<number>;
}

/**
 * Jobs that one process at a time runs over a store (a source's sync, the digest run). PostgreSQL: a session
 * advisory lock, so with N replicas one runs it; SQLite: one box, the job runs (its writes are safe side by side).
 */
export interface JobLocks {
  /** Runs `fn` holding the job's lock; `wait`: for the holder to finish, else gives up at once ({ ran: false }). */
  exclusive<T>(job: string, fn: () => Promise<T>, opts?: { wait?: boolean }): Promise<{ ran: true; value: T } | { ran: false }>;
}

/** One storage engine: all the ports over one store. */
export interface Engine {
  readonly papers: PaperReads;
  readonly writes: PaperWrites;
  readonly changes: ChangeLog;
  readonly users: Users;
  readonly library: Library;
  readonly model: ModelBinding;
  readonly sources: SourceCheckpoints;
  readonly digests: Digests;
  readonly jobs: JobLocks;
  /** Where the store lives, for log lines and error messages. */
  readonly location: string;
  close(): Promise<void>;
}

export class ModelMismatchError extends Error {}
