import type pg from 'pg';
import {
  ModelMismatchError,
  type ChangeLog,
  type Digests,
  type Engine,
  type JobLocks,
  type Library,
  type ModelBinding,
  type ModelInfo,
  type PaperReads,
  type PaperWrites,
  type SourceCheckpoints,
  type Users,
} from './ports.js';
import { pgDigests } from './pg/digests.js';
import { pgJobLocks } from './pg/jobs.js';
import { pgSourceCheckpoints } from './pg/sources.js';
import { pgChangeLog } from './pg/changes.js';
import { pgPaperReads } from './pg/papers.js';
import { createPool, describeUrl, inTransaction } from './pg/pool.js';
import { LOCKS, migratePg } from './pg/schema.js';
import { pgUsers } from './pg/users.js';
import { pgLibrary } from './pg/library.js';
import { pgPaperWrites } from './pg/writes.js';

/**
 * The server engine: every port over one PostgreSQL database (DATABASE_URL), shared by any number of processes.
 * Batches are one statement each (arrays bound as parameters); a paper batch, its vectors and its change-log
 * entries commit together. The schema lives in pg/schema.ts.
 */
export class PostgresEngine implements Engine {
  readonly papers: PaperReads;
  readonly writes: PaperWrites;
  readonly changes: ChangeLog;
  readonly users: Users;
  readonly library: Library;
  readonly model: ModelBinding;
  readonly sources: SourceCheckpoints;
  readonly digests: Digests;
  readonly jobs: JobLocks;
  readonly location: string;

  private constructor(
    readonly pool: pg.Pool,
    readonly url: string,
    /** A random id made when the schema was created: names this database's index caches. */
    readonly storeId: string,
  ) {
    this.location = describeUrl(url);
    this.papers = pgPaperReads(pool);
    this.writes = pgPaperWrites(pool);
    this.changes = pgChangeLog(pool);
    this.users = pgUsers(pool);
    this.library = pgLibrary(pool);
    this.model = pgModelBinding(pool, this.location);
    this.sources = pgSourceCheckpoints(pool);
    this.digests = pgDigests(pool);
    this.jobs = pgJobLocks(pool);
  }

  /** Connects and brings the schema up to date (creating it in an empty database). */
  static async open(url: string, opts: { maxConnections?: number } = {}): Promise<PostgresEngine> {
    const pool = createPool(url, opts.maxConnections);
    let storeId: string;
    try {
      await migratePg(pool, describeUrl(url));
      storeId = (await pool.query<{ value: string }>("SELECT value FROM meta WHERE key = 'store_id'")).rows[0].value;
    } catch (err) {
      await pool.end();
      throw err;
    }
    return new PostgresEngine(pool, url, storeId);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

function pgModelBinding(pool: pg.Pool, where: string): ModelBinding {
  const info = async (c: pg.Pool | pg.PoolClient = pool): Promise<ModelInfo | null> => {
    const { rows } = await c.query<{ key: string; value: string }>("SELECT key, value FROM meta WHERE key IN ('model', 'dim')");
    const m = new Map(rows.map((r) => [r.key, r.value]));
    return m.has('model') && m.has('dim') ? { model: m.get('model')!, dim: Number(m.get('dim')) } : null;
  };
  return {
    info: () => info(),
    // Under a lock, so two replicas starting on an empty database bind it once.
    bind: (model, dim) =>
      inTransaction(pool, async (c) => {
        await c.query('SELECT pg_advisory_xact_lock($1)', [LOCKS.bindModel]);
        const current = await info(c);
        if (!current) {
          await c.query("INSERT INTO meta (key, value) VALUES ('model', $1), ('dim', $2)", [model, String(dim)]);
          return;
        }
        if (current.model !== model || current.dim !== dim) {
          throw new ModelMismatchError(
            `The database ${where} was built with model ${current.model} (dim ${current.dim}), but the configured ` +
              `model is ${model} (dim ${dim}); the part after @ fingerprints the weights. Start with the model the ` +
              'database was built with (re-embedding a PostgreSQL store is not supported yet).',
          );
        }
      }),
  };
}
