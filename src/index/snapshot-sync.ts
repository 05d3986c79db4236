import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { IndexSnapshots } from '../store/pg/snapshots.js';

const MANIFEST = 'manifest.json';
/** How often a replica offers its saved index as the shared snapshot (only one replica writes at a time). */
export const SNAPSHOT_EVERY_MS = 5 * 60_000;

interface LocalManifest {
  model: string;
  version: number;
  file: string;
  sha256: string;
}

function readLocalManifest(dir: string, model: string): LocalManifest | null {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST), 'utf8')) as LocalManifest;
    return m.model === model && Number.isInteger(m.version) && typeof m.file === 'string' ? m : null;
  } catch {
    return null;
  }
}

/** Writes a file under a temp name and renames it in, so a reader never sees half of it. */
function writeAtomically(file: string, data: Buffer | string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, data);
  fs.renameSync(tmp, file);
}

/**
 * Before the index loads: if the shared snapshot covers more of the change log than this process's own saved
 * index (or there is none), puts the snapshot in its place (file first, manifest last). The normal load then checks
 * it (checksum, model, parameters) like any saved index and replays the change log after it. True if restored.
 */
export async function restoreSnapshot(snapshots: IndexSnapshots, dir: string, model: string, log: (m: string) => void): Promise<boolean> {
  const latest = await snapshots.latest(model);
  const local = readLocalManifest(dir, model);
  if (!latest || (local && local.version >= latest.version)) return false;
  const started = Date.now();
  const snap = await snapshots.read(latest.id);
  if (!snap) return false;
  const manifest = JSON.parse(snap.manifest) as LocalManifest;
  fs.mkdirSync(dir, { recursive: true });
  writeAtomically(path.join(dir, path.basename(manifest.file)), snap.data);
  writeAtomically(path.join(dir, MANIFEST), snap.manifest);
  log(`index: snapshot v${manifest.version} (${(snap.data.length / 1e6).toFixed(1)} MB) fetched from the database in ${Date.now() - started} ms`);
  return true;
}

/**
 * Offers this process's saved index as the shared snapshot if it is newer than the stored one. The file is read
 * and checked against its manifest's checksum first: a save running meanwhile may have replaced it (then nothing
 * is written this time). True if written.
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
  return snapshots.write(model, local.version, JSON.stringify(local), data);
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
