import type Database from 'better-sqlite3';
import { emptySourceState, parseCursor, type SourceState } from './ops-types.js';
import type { SourceCheckpoints } from './ports.js';

interface Row {
  source: string;
  harvested_until: string | null;
  newest_datestamp: string | null;
  cursor: string | null;
  last_run_at: string | null;
  last_success_at: string | null;
  last_error: string | null;
  last_error_at: string | null;
  runs: number;
  failures: number;
  papers_added: number;
  papers_updated: number;
  last_run_added: number;
}

const toState = (r: Row): SourceState => ({
  source: r.source,
  harvestedUntil: r.harvested_until,
  newestDatestamp: r.newest_datestamp,
  cursor: parseCursor(r.cursor),
  lastRunAt: r.last_run_at,
  lastSuccessAt: r.last_success_at,
  lastError: r.last_error,
  lastErrorAt: r.last_error_at,
  runs: r.runs,
  failures: r.failures,
  papersAdded: r.papers_added,
  papersUpdated: r.papers_updated,
  lastRunAdded: r.last_run_added,
});

/** Checkpoints and run history of the built-in sources (table source_state): the SourceCheckpoints port on SQLite. */
export class SourceStateStore implements SourceCheckpoints {
  private readonly stmt;

  constructor(db: Database.Database) {
    this.stmt = {
      get: db.prepare<[string], Row>('SELECT * FROM source_state WHERE source = ?'),
      ensure: db.prepare('INSERT INTO source_state (source) VALUES (?) ON CONFLICT(source) DO NOTHING'),
      start: db.prepare('UPDATE source_state SET last_run_at = ?, runs = runs + 1, last_run_added = 0 WHERE source = ?'),
      progress: db.prepare(
        `UPDATE source_state SET cursor = @cursor, papers_added = papers_added + @added, papers_updated = papers_updated + @updated,
           last_run_added = last_run_added + @added,
           newest_datestamp = CASE WHEN @newest IS NOT NULL AND (newest_datestamp IS NULL OR @newest > newest_datestamp)
                                   THEN @newest ELSE newest_datestamp END
         WHERE source = @source`,
      ),
      succeed: db.prepare(
        `UPDATE source_state SET cursor = NULL, last_success_at = @at,
           harvested_until = CASE WHEN @until IS NULL THEN harvested_until ELSE @until END
         WHERE source = @source`,
      ),
      fail: db.prepare('UPDATE source_state SET last_error = ?, last_error_at = ?, failures = failures + 1 WHERE source = ?'),
    };
  }

  /** A source's state; one that never ran reads as empty (no row is written: status reads stay reads). */
  async get(source: string): Promise<SourceState> {
    const row = this.stmt.get.get(source);
    return row ? toState(row) : emptySourceState(source);
  }

  async runStarted(source: string, at = new Date()): Promise<void> {
    this.stmt.ensure.run(source);
    this.stmt.start.run(at.toISOString(), source);
  }

  /**
   * After a page is committed: where to resume, and what it added. A crash before this call refetches the page;
   * the upserts make that harmless.
   */
  async pageDone(source: string, p: { cursor: unknown; added: number; updated: number; newest?: string | null }): Promise<void> {
    this.stmt.progress.run({
      source,
      cursor: p.cursor === null || p.cursor === undefined ? null : JSON.stringify(p.cursor),
      added: p.added,
      updated: p.updated,
      newest: p.newest ?? null,
    });
  }

  /** A run finished: the cursor is cleared; `until` (scheduled runs only) becomes where the next run starts. */
  async runSucceeded(source: string, until: string | null, at = new Date()): Promise<void> {
    this.stmt.succeed.run({ source, until, at: at.toISOString() });
  }

  async runFailed(source: string, error: string, at = new Date()): Promise<void> {
    this.stmt.ensure.run(source);
    this.stmt.fail.run(error.slice(0, 2000), at.toISOString(), source);
  }
}
