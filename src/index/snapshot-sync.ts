import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import type { IndexSnapshots } from '../store/pg/snapshots.js';
import { LEXICON_FILE, lexiconBytesVersion, savedLexiconVersion } from './lexicon-file.js';

const MANIFEST = 'manifest.json';
/** How often a replica offers its saved index as the shared snapshot (only one replica writes at a time). */
export const SNAPSHOT_EVERY_MS = 5 * 60_000;

interface LocalManifest {
  model: string;
  version: number;
  file: string;
  sha256: string;
}

/**
 * A stored snapshot's manifest: the index's, and when the lexicon file (lexicon-file.ts) was there, its bytes after
 * the index's in the data, with the change-log version it reflects (at most the index's: the load replays the rest).
 */
interface SnapshotManifest extends LocalManifest {
  lexicon?: { bytes: number; version: number };
}

function readLocalManifest(dir: string, model: string): LocalManifest | null {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST), 'utf8')) as LocalManifest;
    return m.model === model && Number.isInteger(m.version) && typeof m.file === 'string' ? m : null;
  } catch {
    return null;
  }
}

/**
 * Writes a file under a temp name and renames it in, so a reader never sees half of it; off the main thread
 * (libuv's pool). The callback fs.writeFile: it hands the whole buffer to one write, where fs.promises' writes
 * 512 KiB at a time, each started from the main thread.
 */
const writeFile = promisify(fs.writeFile);
async function writeAtomically(file: string, data: Buffer | string): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, data);
  await fs.promises.rename(tmp, file);
}

/** What a restore wrote, for the load to take from memory rather than read back: the index file's checksum, the lexicon. */
export interface RestoredSnapshot {
  indexSha256: string;
  /** The lexicon file's bytes and version, when it came with the snapshot, and its writing (a save waits for it). */
  lexicon?: { bytes: Buffer; version: number; written: Promise<void> };
}

/**
 * Before the index loads: if the shared snapshot covers more of the change log than this process's own saved
 * index (or there is none), puts the snapshot in its place (file first, manifest last). The normal load then checks
 * it (checksum, model, parameters) like any saved index and replays the change log after it. The lexicon stored with
 * it goes beside it (unless ours is newer), so a new replica neither rebuilds the index nor the lexicon from the
 * database: ~2 s of CPU at 125k papers for the lexicon (BENCHMARKS.md, bench:replicas). Null when nothing was restored.
 *
 * The bytes stream from the database straight into one buffer per file; the files are written off the main thread
 * (libuv's pool) while it hashes the index, and the load takes both from memory without waiting for the lexicon
 * file to be written (~150 MB at 125k papers): collecting the stream, cutting the
 * files out of it, writing them synchronously and reading them back cost ~1 s of the main thread at 125k papers
 * (BENCHMARKS.md, bench:replicas eighth run).
 */
export async function restoreSnapshot(snapshots: IndexSnapshots, dir: string, model: string, log: (m: string) => void): Promise<RestoredSnapshot | null> {
  const latest = await snapshots.latest(model);
  const local = readLocalManifest(dir, model);
  if (!latest || (local && local.version >= latest.version)) return null;
  const started = Date.now();
  // The index's bytes, then the lexicon's (when the snapshot has one): a buffer each.
  const snap = await snapshots.read(latest.id, (m, bytes) => {
    const { lexicon } = JSON.parse(m) as SnapshotManifest;
    return lexicon ? [bytes - lexicon.bytes] : [];
  });
  if (!snap) return null;
  const read = Date.now();
  const { lexicon, ...manifest } = JSON.parse(snap.manifest) as SnapshotManifest;
  const [indexBytes, lexiconBytes] = snap.parts;
  fs.mkdirSync(dir, { recursive: true });
  const indexWritten = writeAtomically(path.join(dir, path.basename(manifest.file)), indexBytes);
  // The lexicon file stands on its own (its header has its version), so it goes at once, whatever the index's fate.
  let lexiconNote = ', without a lexicon';
  let lexiconWritten: Promise<void> | undefined;
  if (lexicon) {
    const local = savedLexiconVersion(dir);
    if (lexiconBytesVersion(lexiconBytes) !== lexicon.version) lexiconNote = ', its lexicon damaged or of an older format (rebuilt from the database)';
    else if (local !== null && local >= lexicon.version) lexiconNote = ', our own lexicon kept (as new)';
    else {
      lexiconWritten = writeAtomically(path.join(dir, LEXICON_FILE), lexiconBytes);
      lexiconNote = ` with the lexicon at v${lexicon.version}`;
    }
  }
  const indexSha256 = crypto.createHash('sha256').update(indexBytes).digest('hex'); // while the files are written
  const indexOk = indexSha256 === manifest.sha256;
  await indexWritten;
  if (indexOk) await writeAtomically(path.join(dir, MANIFEST), JSON.stringify(manifest));
  const total = snap.parts.reduce((sum, p) => sum + p.length, 0);
  const note = indexOk ? lexiconNote : ', its index damaged (rebuilt from the database)';
  log(`index: snapshot v${manifest.version} (${(total / 1e6).toFixed(1)} MB${note}) fetched from the database in ${Date.now() - started} ms (read ${read - started} ms, index checked and written ${Date.now() - read} ms)`);
  if (!indexOk) {
    await lexiconWritten?.catch(() => {}); // a lexicon file at its own version is still good for the next load
    return null;
  }
  // The lexicon file may still be being written: the load takes the bytes, the next save waits for the file.
  return { indexSha256, ...(lexiconWritten && { lexicon: { bytes: lexiconBytes, version: lexicon!.version, written: lexiconWritten } }) };
}

/**
 * Offers this process's saved index, with its saved lexicon, as the shared snapshot if it is newer than the stored
 * one. The index file is read and checked against its manifest's checksum first: a save running meanwhile may have
 * replaced it (then nothing is written this time). A lexicon file ahead of the index (a save in between) is left out:
 * the snapshot holds what a replica at the index's version may load. True if written.
 */
export async function publishSnapshot(snapshots: IndexSnapshots, dir: string, model: string): Promise<boolean> {
  const local = readLocalManifest(dir, model);
  if (!local) return false;
  const latest = await snapshots.latest(model);
  if (latest && latest.version >= local.version) return false;
  let data: Buffer;
  try {
    data = fs.readFileSync(path.join(dir, path.basename(local.file)));
  } catch {
    return false;
  }
  if (crypto.createHash('sha256').update(data).digest('hex') !== local.sha256) return false;
  const manifest: SnapshotManifest = { ...local };
  const lexicon = readLexiconBytes(dir);
  const lexiconVersion = lexicon && lexiconBytesVersion(lexicon);
  if (lexicon && lexiconVersion !== null && lexiconVersion <= local.version) {
    manifest.lexicon = { bytes: lexicon.length, version: lexiconVersion };
    data = Buffer.concat([data, lexicon]);
  }
  return snapshots.write(model, local.version, JSON.stringify(manifest), data);
}

function readLexiconBytes(dir: string): Buffer | null {
  try {
    return fs.readFileSync(path.join(dir, LEXICON_FILE));
  } catch {
    return null;
  }
}

/** Publishes now and then every SNAPSHOT_EVERY_MS after `save()` (errors logged, never thrown); returns stop(). */
export function startSnapshotPublisher(
  opts: { snapshots: IndexSnapshots; dir: string; model: string; save: () => Promise<void>; log: (m: string) => void },
  everyMs = SNAPSHOT_EVERY_MS,
): () => void {
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      await opts.save();
      if (await publishSnapshot(opts.snapshots, opts.dir, opts.model)) opts.log('index: snapshot stored in the database');
    } catch (err) {
      opts.log(`index snapshot failed: ${(err as Error).message}`);
    } finally {
      busy = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
