import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';

export const STORE_FILE = 'paperfeed.db';

export interface StoreSummary {
  papers: number;
  users: number;
  /** The last change-log version the copy holds. */
  version: number;
}

function summarize(db: Database.Database): StoreSummary {
  const one = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
  return {
    papers: one('SELECT count(*) AS n FROM papers'),
    users: one('SELECT count(*) AS n FROM users'),
    version: one('SELECT coalesce(max(version), 0) AS n FROM changes'),
  };
}

/** Opens a store file read-only and checks it is a sound paperfeed store; throws with the reason otherwise. */
function checkedSummary(file: string): StoreSummary {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`${file} is damaged (quick_check: ${String(check)})`);
    const tables = new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[]).map((t) => t.name));
    for (const t of ['meta', 'papers', 'vectors', 'changes', 'users']) if (!tables.has(t)) throw new Error(`${file} is not a paperfeed store (no table "${t}")`);
    return summarize(db);
  } finally {
    db.close();
  }
}

function fsyncFile(file: string): void {
  const fd = fs.openSync(file, 'r');
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * A consistent copy of the store in DATA_DIR, taken while a server and ingests keep writing: `VACUUM INTO` reads
 * one snapshot (one read transaction; in WAL mode writers go on meanwhile) and writes it compacted, WAL folded in.
 * Written beside `target` first and renamed into place once complete and checked, so a failed backup leaves no
 * half file. Refuses to overwrite an existing file.
 */
export function backupStore(dataDir: string, target: string): StoreSummary {
  const source = path.join(dataDir, STORE_FILE);
  if (!fs.existsSync(source)) throw new Error(`no store at ${source} (is DATA_DIR the server's?)`);
  if (fs.existsSync(target)) throw new Error(`${target} exists: choose a new file name (a backup never overwrites one)`);
  const tmp = `${target}.tmp-${process.pid}`;
  fs.rmSync(tmp, { force: true });
  // Read-write: a read-only connection could not create the WAL index when no server has the store open.
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 30000');
    db.prepare('VACUUM INTO ?').run(tmp);
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  } finally {
    db.close();
  }
  try {
    const summary = checkedSummary(tmp);
    fsyncFile(tmp);
    fs.renameSync(tmp, target);
    return summary;
  } catch (err) {
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** True when some process (a server, an ingest) has the store open: an exclusive lock cannot be had at once. */
function storeInUse(file: string): boolean {
  const db = new Database(file, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('COMMIT');
    return false;
  } catch {
    return true;
  } finally {
    db.close();
  }
}

/**
 * Puts a backup in place as DATA_DIR's store. The server must be stopped (refused while any process has the store
 * open). Nothing is lost: the current store (with its -wal and -shm files) is moved aside to
 * `paperfeed.db.before-restore-<time>`; the index (a cache of the store) is removed and rebuilt at the next start.
 */
export function restoreStore(dataDir: string, backup: string): { summary: StoreSummary; movedAside?: string } {
  const summary = checkedSummary(backup);
  fs.mkdirSync(dataDir, { recursive: true });
  const live = path.join(dataDir, STORE_FILE);
  if (fs.existsSync(live) && storeInUse(live)) throw new Error(`the store in ${dataDir} is in use: stop the server (and any ingest) first`);
  const tmp = `${live}.restore-${process.pid}`;
  fs.copyFileSync(backup, tmp);
  fsyncFile(tmp);
  let movedAside: string | undefined;
  if (fs.existsSync(live)) {
    movedAside = `${live}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    fs.renameSync(live, movedAside);
    for (const ext of ['-wal', '-shm']) if (fs.existsSync(live + ext)) fs.renameSync(live + ext, movedAside + ext);
  }
  fs.renameSync(tmp, live);
  fs.rmSync(path.join(dataDir, 'index'), { recursive: true, force: true });
  return { summary, movedAside };
}
