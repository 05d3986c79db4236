import type pg from 'pg';
import { emptySourceState, parseCursor, type SourceState } from '../ops-types.js';
import type { SourceCheckpoints } from '../ports.js';

const COLUMNS = `source, harvested_until AS "harvestedUntil", newest_datestamp AS "newestDatestamp", cursor, last_run_at AS "lastRunAt",
  last_success_at AS "lastSuccessAt", last_error AS "lastError", last_error_at AS "lastErrorAt", runs, failures,
  papers_added AS "papersAdded", papers_updated AS "papersUpdated", last_run_added AS "lastRunAdded"`;

/** The built-in sources' checkpoints in PostgreSQL (table source_state): the same statements as SQLite's sources.ts. */
export function pgSourceCheckpoints(pool: pg.Pool): SourceCheckpoints {
  const ensure = (source: string) => pool.query('INSERT INTO source_state (source) VALUES ($1) ON CONFLICT (source) DO NOTHING', [source]);
  return {
    async get(source) {
      const row = (await pool.query<SourceState & { cursor: string | null }>(`SELECT ${COLUMNS} FROM source_state WHERE source = $1`, [source])).rows[0];
      return row ? { ...row, cursor: parseCursor(row.cursor) } : emptySourceState(source);
    },
    async runStarted(source, at = new Date()) {
      await ensure(source);
      await pool.query('UPDATE source_state SET last_run_at = $1, runs = runs + 1, last_run_added = 0 WHERE source = $2', [at.toISOString(), source]);
    },
    async pageDone(source, p) {
      await pool.query(
        `UPDATE source_state SET cursor = $2, papers_added = papers_added + $3, papers_updated = papers_updated + $4,
           last_run_added = last_run_added + $3,
           newest_datestamp = CASE WHEN $5::text IS NOT NULL AND (newest_datestamp IS NULL OR $5::text > newest_datestamp)
                                   THEN $5::text ELSE newest_datestamp END
         WHERE source = $1`,
        [source, p.cursor === null || p.cursor === undefined ? null : JSON.stringify(p.cursor), p.added, p.updated, p.newest ?? null],
      );
    },
    async runSucceeded(source, until, at = new Date()) {
      await pool.query(
        'UPDATE source_state SET cursor = NULL, last_success_at = $3, harvested_until = coalesce($2, harvested_until) WHERE source = $1',
        [source, until, at.toISOString()],
      );
    },
    async runFailed(source, error, at = new Date()) {
      await ensure(source);
      await pool.query('UPDATE source_state SET last_error = $1, last_error_at = $2, failures = failures + 1 WHERE source = $3', [
        error.slice(0, 2000).replace(/\u0000/g, ''),
        at.toISOString(),
        source,
      ]);
    },
  };
}
