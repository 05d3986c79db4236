import type pg from 'pg';
import type { JobLocks } from '../ports.js';
import { LOCKS } from './schema.js';

/**
 * Jobs one replica at a time runs (a source's sync, the digests): a session advisory lock on a connection held for
 * the job's length. A replica that dies mid-job loses its connection, and with it the lock, so another takes over.
 */
export function pgJobLocks(pool: pg.Pool): JobLocks {
  return {
    async exclusive(job, fn, opts = {}) {
      const client = await pool.connect();
      let broken = false;
      // Held idle while the job runs: a server restart then surfaces here, not as an unhandled 'error' event.
      const lost = () => (broken = true);
      client.on('error', lost);
      try {
        if (opts.wait) await client.query('SELECT pg_advisory_lock($1, hashtext($2))', [LOCKS.jobs, job]);
        else if (!(await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS ok', [LOCKS.jobs, job])).rows[0].ok) {
          return { ran: false };
        }
        try {
          return { ran: true, value: await fn() };
        } finally {
          await client.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LOCKS.jobs, job]).catch(() => {
            broken = true; // the connection is gone, and the lock with it: do not hand the client out again
          });
        }
      } finally {
        client.off('error', lost);
        client.release(broken);
      }
    },
  };
}
