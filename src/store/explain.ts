import path from 'node:path';
import { PROJECT_ROOT } from '../config.js';
import { isStoreUnavailable } from './unavailable.js';

/**
 * An error's message, plus what the user can do when it is one of the storage errors they can fix themselves: a
 * damaged store, a data directory that is missing or read-only, a full disk. Used by every entry point (server,
 * ingest CLI), so each gives the same advice.
 */
export function explainStoreError(err: unknown, dataDir = process.env.DATA_DIR ?? path.join(PROJECT_ROOT, 'data')): string {
  const msg = err instanceof Error ? err.message : String(err);
  const code = String((err as { code?: unknown })?.code ?? '');
  if (/^SQLITE_(CORRUPT|NOTADB)/.test(code)) {
    return `${msg} (${code}): the store in DATA_DIR is damaged. Restore paperfeed.db from a backup, or move it away and re-ingest your files; the index is rebuilt from the store.`;
  }
  if (/^(SQLITE_CANTOPEN|SQLITE_READONLY|EROFS|EACCES|EPERM)/.test(code)) return `${msg} (${code}: is the data directory ${dataDir} there and writable?)`;
  if (/^(SQLITE_FULL|ENOSPC)/.test(code)) return `${msg} (${code}: the disk is full; free space and rerun, committed batches are kept)`;
  if (isStoreUnavailable(err)) return `${msg}${code ? ` (${code})` : ''}: cannot reach the database in DATABASE_URL; is PostgreSQL running and reachable from here?`;
  return msg;
}
