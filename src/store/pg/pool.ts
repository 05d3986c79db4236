import pg from 'pg';

/** int8 (count(*), bigint versions) as a JS number: every value here stays far below 2^53. */
const INT8_OID = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** A connection pool for one database; `max` connections, each answering int8 as a number. */
export function createPool(connectionString: string, max = 10): pg.Pool {
  const pool = new pg.Pool({ connectionString, max, types, connectionTimeoutMillis: 10_000 });
  // An idle client whose server went away (Postgres restarted) emits 'error' on the pool: the pool drops it and
  // the next query opens a new connection. Without a listener the process would exit.
  pool.on('error', () => {});
  return pool;
}

/** Options for a lone client (the LISTEN connection), with the same int8 parsing. */
export function clientOptions(connectionString: string): pg.ClientConfig {
  return { connectionString, types, connectionTimeoutMillis: 10_000 };
}

/** Runs `fn` in one transaction on one pooled client: committed if it resolves, rolled back if it throws. */
export async function inTransaction<T>(pool: pg.Pool, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let broken = false;
  try {
    await client.query('BEGIN');
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {
      broken = true; // the connection itself failed: do not hand it out again
    });
    throw err;
  } finally {
    client.release(broken);
  }
}

/** A human-readable name for a connection string, without its password. */
export function describeUrl(connectionString: string): string {
  try {
    const u = new URL(connectionString);
    u.password = '';
    return u.toString().replace(/:@/, '@');
  } catch {
    return 'postgres (unparsable DATABASE_URL)';
  }
}

/** ISO timestamps strictly increasing within this process, so quick successive writes still sort newest first. */
export function increasingTimestamps(): () => string {
  let last = 0;
  return () => {
    last = Math.max(Date.now(), last + 1);
    return new Date(last).toISOString();
  };
}

/**
 * pool.query, except that a value PostgreSQL cannot store (a string with U+0000) matches no row: the answer is
 * "none" without asking (the server would refuse the statement).
 */
export function storableQuery(pool: pg.Pool, storable: (s: string) => boolean) {
  return async (text: string, values: unknown[]) =>
    values.some((v) => typeof v === 'string' && !storable(v)) ? { rows: [] as pg.QueryResultRow[], rowCount: 0 } : pool.query(text, values);
}
