import { HnswIndex, type HnswParams, type VectorSource } from './hnsw-index.js';
import type { Lexicon } from './lexicon.js';
import { lexiconFromBytes, loadLexiconFile, saveLexicon } from './lexicon-file.js';
import { catchUpLexicon, loadLexicon, type TermBackfill, type TermSource } from './lexicon-sync.js';
import type { RestoredSnapshot } from './snapshot-sync.js';

/** While papers keep being written, the index is saved at most this often (see follow()). */
export const SAVE_WHILE_WRITING_MS = 60_000;

/** Thrown by IndexSync.require() while the index loads: the API answers it with 503 and Retry-After. */
export class IndexNotReadyError extends Error {
  constructor() {
    super('The index is still loading; retry shortly');
  }
}

export interface IndexSyncOptions {
  dir: string;
  model: string;
  dim: number;
  params: HnswParams;
  changes: VectorSource & TermSource;
  /** Where papers stored before term vectors existed get theirs (once). */
  terms: TermBackfill;
  log: (msg: string) => void;
}

/**
 * The one owner of the in-memory index and lexicon (index/lexicon.ts, the papers' term vectors): loads (or rebuilds) it, replays the store's change log into it, saves it,
 * and follows the log on a timer. Every mutation goes through one queue, so catch-ups from other writers and our
 * own writes never interleave. It reads the store only through the ChangeLog port, so any engine can drive it.
 */
export class IndexSync {
  private index: HnswIndex | null = null;
  private lexicon: Lexicon | null = null;
  /** The change-log version the lexicon reflects (it follows the index's), and the one its saved file has. */
  private lexiconVersion = 0;
  private lexiconSaved = -1;
  private queue: Promise<unknown> = Promise.resolve();
  /** What a snapshot restore just wrote (snapshot-sync.ts), for the next load() to use. */
  private restored: RestoredSnapshot | null = null;
  /** The restore's lexicon file being written: a save waits for it (both write the same file). */
  private restoredLexiconWrite: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly opts: IndexSyncOptions) {}

  /** The index once loaded, else null (for readiness reports and metrics). */
  get current(): HnswIndex | null {
    return this.index;
  }

  /** The loaded index, or IndexNotReadyError: the one readiness guard of every route that needs it. */
  require(): HnswIndex {
    if (!this.index) throw new IndexNotReadyError();
    return this.index;
  }

  /** The loaded lexicon, or IndexNotReadyError (it is published together with the index). */
  requireLexicon(): Lexicon {
    if (!this.lexicon) throw new IndexNotReadyError();
    return this.lexicon;
  }

  private serial<T>(task: () => Promise<T>): Promise<T> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => {});
    return run;
  }

  /** Loads (or rebuilds) the index and brings it up to date; `alsoWait` (the model) must settle before it is published. */
  load(alsoWait: Promise<unknown> = Promise.resolve()): Promise<void> {
    return this.serial(async () => {
      const started = Date.now();
      const { dir, model, dim, params, changes, log } = this.opts;
      const writtenSha256 = this.restored?.indexSha256;
      const [{ index, outcome, reason }, { lexicon, version }] = await Promise.all([
        HnswIndex.open({ dir, model, dim, params, source: changes, log, writtenSha256 }),
        this.openLexicon(),
        alsoWait,
      ]);
      this.restored = null;
      await catchUpLexicon(lexicon, changes, version, index.version);
      [this.index, this.lexicon, this.lexiconVersion] = [index, lexicon, index.version];
      const how = outcome === 'loaded' ? 'loaded' : `rebuilt (${reason})`;
      log(`index: ${how}, ${index.size} vectors in ${Date.now() - started} ms (with the lexicon of ${lexicon.size} papers' terms)`);
    });
  }

  /**
   * The next load() takes what a snapshot restore just wrote from memory instead of reading the files back: the
   * index file's checksum and the lexicon file's bytes (~0.25 s of the main thread less at 125k papers).
   */
  useRestored(restored: RestoredSnapshot): void {
    this.restored = restored;
    const { lexicon } = restored;
    if (!lexicon) return;
    this.restoredLexiconWrite = lexicon.written.then(
      () => void (this.lexiconSaved = lexicon.version),
      (err) => this.opts.log(`lexicon: the snapshot's not saved (${(err as Error).message}); the next save writes it`),
    );
  }

  /** The saved lexicon if it is usable for this store (not ahead of its change log), else one built from the store. */
  private async openLexicon(): Promise<{ lexicon: Lexicon; version: number }> {
    const { dir, changes, log } = this.opts;
    const restored = this.restored?.lexicon && lexiconFromBytes(this.restored.lexicon.bytes);
    const saved = restored || loadLexiconFile(dir);
    if (saved && saved.version <= (await changes.head())) {
      if (!restored) this.lexiconSaved = saved.version; // else once its file is written (useRestored)
      return saved;
    }
    return loadLexicon(changes, this.opts.terms, log);
  }

  /** Replays store changes made since the index last looked (by this process or another one). */
  catchUp(): Promise<number> {
    return this.serial(async () => {
      if (!this.index || !this.lexicon) return 0;
      const n = await this.index.catchUp(this.opts.changes);
      await catchUpLexicon(this.lexicon, this.opts.changes, this.lexiconVersion, this.index.version);
      this.lexiconVersion = this.index.version;
      return n;
    });
  }

  /** Saves the index if it changed since the last save, and the lexicon beside it. */
  save(): Promise<void> {
    return this.serial(async () => {
      await this.restoredLexiconWrite;
      if (this.index?.dirty) await this.index.save();
      if (this.lexicon && this.lexiconVersion !== this.lexiconSaved) {
        // A cache: if it cannot be written (a full disk), the next start rebuilds it from the store.
        try {
          await saveLexicon(this.opts.dir, this.lexicon, this.lexiconVersion);
          this.lexiconSaved = this.lexiconVersion;
        } catch (err) {
          this.opts.log(`lexicon: not saved (${(err as Error).message}); it is rebuilt from the store at the next start`);
        }
      }
    });
  }

  /**
   * Picks up what other processes (the ingest CLI) write every `intervalMs`, and saves the index now and then: once
   * writes pause (no change since the previous tick), or every SAVE_WHILE_WRITING_MS while they go on. A save
   * rewrites the whole file (~70 MB at 125k papers) and fsyncs it; the store is the truth, so a kill only means a
   * longer catch-up.
   */
  follow(intervalMs: number): void {
    let busy = false;
    let lastSave = Date.now();
    let seenVersion = this.index?.version;
    this.timer = setInterval(async () => {
      if (busy) return;
      busy = true;
      try {
        await this.catchUp();
        const version = this.index?.version;
        const quiet = version === seenVersion;
        seenVersion = version;
        if (quiet || Date.now() - lastSave >= SAVE_WHILE_WRITING_MS) {
          await this.save();
          lastSave = Date.now();
        }
      } catch (err) {
        this.opts.log(`index sync failed: ${(err as Error).message}`);
      } finally {
        busy = false;
      }
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops following and saves what changed. */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.save();
  }
}
