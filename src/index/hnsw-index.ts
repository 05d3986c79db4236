import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import hnswlib from 'hnswlib-node';
import type { ChangeLog } from '../store/ports.js';
import { otherProcessAlive } from '../util/pid.js';

const { HierarchicalNSW } = hnswlib;

export interface HnswParams {
  M: number;
  efConstruction: number;
  efSearch: number;
}

/** Where the vectors of the index come from: the store's change log, which stays the source of truth. */
export type VectorSource = Pick<ChangeLog, 'head' | 'changesSince' | 'allVectors' | 'countVectors'>;

export interface Neighbour {
  seq: number;
  /** Cosine similarity. */
  score: number;
}

/** The manifest is the commit point of a save: it names the index file and that file's checksum. */
interface Manifest {
  format: 1;
  model: string;
  dim: number;
  count: number;
  /** The last store change-log version the file covers. */
  version: number;
  file: string;
  sha256: string;
  deleted: number[];
  M: number;
  efConstruction: number;
}

export type LoadOutcome = 'loaded' | 'rebuilt';

const MANIFEST = 'manifest.json';
/** Longest stretch of index inserts between yields to the event loop: requests keep being answered meanwhile. */
const YIELD_EVERY_MS = 5;

/** Returns a function that yields to the event loop once YIELD_EVERY_MS has passed since the last yield. */
function yielder(): () => Promise<void> | undefined {
  let last = performance.now();
  return () => {
    if (performance.now() - last < YIELD_EVERY_MS) return undefined;
    return yieldToEventLoop().then(() => {
      last = performance.now();
    });
  };
}
const EXACT_SEARCH_MAX = 20_000; // windows up to this size are searched exactly

/**
 * Fault injection for test/faults-index-save.test.ts, off unless PAPERFEED_FAULT names a point of save():
 * `index-save-during-write` (the temp file is cut to half its size, as if the process died while writing it),
 * `index-save-after-temp` (temp file complete and fsynced, not yet renamed), `index-save-before-manifest` (index
 * file renamed into place, manifest not yet written), `index-save-manifest-temp` (new manifest written to its
 * temp file, not yet renamed). At that point the process SIGKILLs itself.
 */
function faultPoint(point: string, tmp?: string): void {
  if (process.env.PAPERFEED_FAULT !== point) return;
  if (point === 'index-save-during-write' && tmp) fs.truncateSync(tmp, Math.floor(fs.statSync(tmp).size / 2));
  process.kill(process.pid, 'SIGKILL');
}

/**
 * Checks an hnswlib file's header against the dimension and M we expect before the native reader trusts it:
 * readIndex takes its layout from the file, so a file of another dimension (even under a forged manifest) would
 * load "fine" and answer with garbage. Layout (hnswalg.h saveIndex): size_t offsetLevel0, maxElements,
 * curElementCount, sizeDataPerElement, labelOffset, offsetData; int maxLevel; uint enterpoint; size_t maxM, maxM0, M.
 */
function checkHnswHeader(file: string, dim: number, M: number): void {
  const head = Buffer.alloc(80);
  const fd = fs.openSync(file, 'r');
  let size: number;
  try {
    size = fs.fstatSync(fd).size;
    if (fs.readSync(fd, head, 0, 80, 0) < 80) throw new Error('the index file is too short');
  } finally {
    fs.closeSync(fd);
  }
  const u = (at: number) => Number(head.readBigUInt64LE(at));
  const [count, perElement, labelOffset, offsetData, fileM] = [u(16), u(24), u(32), u(40), u(72)];
  const fileDim = (labelOffset - offsetData) / 4;
  if (fileDim !== dim) throw new Error(`the index file has dimension ${fileDim}, not ${dim}`);
  if (fileM !== M) throw new Error(`the index file was built with M=${fileM}, not ${M}`);
  if (perElement !== labelOffset + 8 || 96 + count * perElement > size) throw new Error('the index file header is inconsistent with its size');
}

/** Streams the file through the hash, so checking a 70 MB index does not block the event loop. */
async function sha256File(file: string): Promise<string> {
  const hash = crypto.createHash('sha256');
  for await (const chunk of fs.createReadStream(file, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function writeFileDurably(file: string, data: string): void {
  const fd = fs.openSync(file, 'w');
  try {
    fs.writeSync(fd, data);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * An HNSW (cosine) index over paper vectors, labelled by the store's paper seq.
 * It is a cache: `open` loads and verifies the saved file, replays the store's newer changes, and rebuilds
 * from the store whenever the file is missing, corrupt, foreign (other model or dim) or inconsistent.
 */
export class HnswIndex {
  private hnsw: InstanceType<typeof HierarchicalNSW>;
  private live = new Set<number>();
  /**
   * Vectors by seq, filled as they are added or first asked for (exact search in small windows, the rankers).
   * Copying them out of hnswlib on demand keeps start-up fast: copying all 121k points at once takes 1.4 s.
   */
  private vectors = new Map<number, Float32Array>();
  private deleted = new Set<number>();
  /** The store change-log version this index reflects. */
  version = 0;
  dirty = false;

  private constructor(
    readonly dir: string,
    readonly model: string,
    readonly dim: number,
    readonly params: HnswParams,
  ) {
    this.hnsw = this.emptyHnsw(1024);
  }

  static async open(
    opts: {
      dir: string;
      model: string;
      dim: number;
      params: HnswParams;
      source: VectorSource;
      log?: (msg: string) => void;
      /** The checksum of the saved file's bytes as the caller just wrote them (a restored snapshot): not read again. */
      writtenSha256?: string;
    },
  ): Promise<{ index: HnswIndex; outcome: LoadOutcome; reason?: string }> {
    const index = new HnswIndex(opts.dir, opts.model, opts.dim, opts.params);
    const log = opts.log ?? (() => {});
    fs.mkdirSync(opts.dir, { recursive: true });
    let reason: string | undefined;
    try {
      await index.loadSaved(opts.writtenSha256);
      await index.catchUp(opts.source);
      const expected = await opts.source.countVectors(opts.model);
      if (index.size !== expected) throw new Error(`it holds ${index.size} vectors but the store has ${expected}`);
      return { index, outcome: 'loaded' };
    } catch (err) {
      reason = (err as Error).message;
    }
    log(`index: rebuilding from the store (${reason})`);
    await index.rebuild(opts.source);
    await index.save();
    return { index, outcome: 'rebuilt', reason };
  }

  get size(): number {
    return this.live.size;
  }

  has(seq: number): boolean {
    return this.live.has(seq);
  }

  private emptyHnsw(capacity: number) {
    const h = new HierarchicalNSW('cosine', this.dim);
    // allowReplaceDeleted=false: re-adding a deleted label revives and updates it in place.
    h.initIndex({ maxElements: capacity, m: this.params.M, efConstruction: this.params.efConstruction, randomSeed: 100 });
    h.setEf(this.params.efSearch);
    return h;
  }

  private async loadSaved(writtenSha256?: string): Promise<void> {
    const manifestPath = path.join(this.dir, MANIFEST);
    if (!fs.existsSync(manifestPath)) throw new Error('no saved index');
    let m: Manifest;
    try {
      m = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
    } catch {
      throw new Error('the manifest is not valid JSON');
    }
    if (m.format !== 1) throw new Error(`unknown manifest format ${m.format}`);
    if (m.model !== this.model || m.dim !== this.dim) {
      throw new Error(`the saved index is for model ${m.model} (dim ${m.dim}), not ${this.model} (dim ${this.dim})`);
    }
    if (m.M !== this.params.M || m.efConstruction !== this.params.efConstruction) {
      throw new Error('the saved index was built with other HNSW parameters');
    }
    const file = path.join(this.dir, path.basename(m.file));
    if (!fs.existsSync(file)) throw new Error(`the index file ${m.file} is missing`);
    if ((writtenSha256 ?? (await sha256File(file))) !== m.sha256) throw new Error(`the index file ${m.file} does not match its checksum`);
    checkHnswHeader(file, this.dim, this.params.M); // dimension and M, before the native reader trusts the file
    const h = new HierarchicalNSW('cosine', this.dim);
    await h.readIndex(file, false);
    h.setEf(this.params.efSearch);
    this.hnsw = h;
    this.deleted = new Set(m.deleted);
    this.live = new Set(h.getIdsList().filter((label) => !this.deleted.has(label)));
    this.vectors.clear();
    if (this.live.size !== m.count) throw new Error(`the index file holds ${this.live.size} vectors, the manifest says ${m.count}`);
    this.version = m.version;
  }

  /** Replays the store's change log after this.version: adds, updates and deletes. */
  async catchUp(source: VectorSource): Promise<number> {
    const target = await source.head();
    if (target < this.version) throw new Error(`the index is newer (v${this.version}) than the store (v${target})`);
    if (target === this.version) return 0;
    let n = 0;
    const pause = yielder();
    for await (const { seq, vec } of source.changesSince(this.version, this.model, target)) {
      if (vec) this.upsert(seq, vec);
      else this.remove(seq);
      n++;
      await pause();
    }
    this.version = target;
    return n;
  }

  async rebuild(source: VectorSource): Promise<void> {
    const version = await source.head(); // read first: later changes are replayed by the next catch-up
    const count = await source.countVectors(this.model);
    this.hnsw = this.emptyHnsw(Math.max(1024, Math.ceil(count * 1.1)));
    this.live.clear();
    this.vectors.clear();
    this.deleted.clear();
    const pause = yielder();
    for await (const { seq, vec } of source.allVectors(this.model)) {
      this.upsert(seq, vec);
      await pause();
    }
    this.version = version;
    this.dirty = true;
  }

  upsert(seq: number, vec: Float32Array): void {
    if (vec.length !== this.dim) throw new Error(`vector has dim ${vec.length}, the index ${this.dim}`);
    // The change log also names papers whose categories alone changed: their vector is the one held, nothing to relink.
    if (this.live.has(seq) && nearlyEqual(this.vector(seq)!, vec)) return;
    const max = this.hnsw.getMaxElements();
    if (!this.live.has(seq) && !this.deleted.has(seq) && this.hnsw.getCurrentCount() >= max) {
      this.hnsw.resizeIndex(Math.max(1024, max * 2));
    }
    this.hnsw.addPoint(Array.from(vec), seq);
    this.live.add(seq);
    this.vectors.set(seq, vec);
    this.deleted.delete(seq);
    this.dirty = true;
  }

  remove(seq: number): void {
    if (!this.live.has(seq)) return;
    this.hnsw.markDelete(seq);
    this.live.delete(seq);
    this.vectors.delete(seq);
    this.deleted.add(seq);
    this.dirty = true;
  }

  /** The stored vector of a paper, if indexed. */
  vector(seq: number): Float32Array | undefined {
    if (!this.live.has(seq)) return undefined;
    let v = this.vectors.get(seq);
    if (!v) {
      // hnswlib keeps cosine points normalised; ours are unit length already, so this is the stored vector.
      v = Float32Array.from(this.hnsw.getPoint(seq));
      this.vectors.set(seq, v);
    }
    return v;
  }

  /**
   * The k nearest papers by cosine similarity, optionally only among `within`. A small allowed set is searched
   * exactly (cheap, and a filtered HNSW walk degrades when most nodes are filtered out); a large one via HNSW.
   */
  search(query: Float32Array, k: number, within?: Set<number> | null): Neighbour[] {
    if (within && within.size <= Math.max(EXACT_SEARCH_MAX, this.live.size / 10)) return this.exactSearch(query, k, within);
    const n = Math.min(k, within ? within.size : this.live.size);
    if (n <= 0) return [];
    const filter = within ? (seq: number) => within.has(seq) : undefined;
    const { neighbors, distances } = this.hnsw.searchKnn(Array.from(query), n, filter);
    return neighbors.map((seq, i) => ({ seq, score: 1 - distances[i] }));
  }

  private exactSearch(query: Float32Array, k: number, within: Set<number>): Neighbour[] {
    const scored: Neighbour[] = [];
    for (const seq of within) {
      const v = this.vector(seq);
      if (!v) continue;
      let dot = 0;
      for (let i = 0; i < v.length; i++) dot += v[i] * query[i];
      scored.push({ seq, score: dot });
    }
    return scored.sort((a, b) => b.score - a.score).slice(0, k);
  }

  /** Atomic save: a new file under a fresh name, fsynced, then the manifest swapped in by rename. */
  async save(): Promise<void> {
    const name = `hnsw-v${this.version}-${process.pid}-${Date.now()}.bin`;
    const file = path.join(this.dir, name);
    const tmp = `${file}.tmp`;
    await this.hnsw.writeIndex(tmp);
    faultPoint('index-save-during-write', tmp);
    const fd = fs.openSync(tmp, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    faultPoint('index-save-after-temp');
    fs.renameSync(tmp, file);
    faultPoint('index-save-before-manifest');
    const manifest: Manifest = {
      format: 1,
      model: this.model,
      dim: this.dim,
      count: this.live.size,
      version: this.version,
      file: name,
      sha256: await sha256File(file),
      deleted: [...this.deleted],
      M: this.params.M,
      efConstruction: this.params.efConstruction,
    };
    const manifestTmp = path.join(this.dir, `${MANIFEST}.${process.pid}.tmp`);
    writeFileDurably(manifestTmp, JSON.stringify(manifest));
    faultPoint('index-save-manifest-temp');
    fs.renameSync(manifestTmp, path.join(this.dir, MANIFEST));
    this.dirty = false;
    this.removeGarbage();
  }

  /**
   * Deletes index files no manifest names and temp files of dead processes (a save killed mid-write). Another
   * live process (a server beside the ingest CLI) may be saving right now: its files are left alone.
   */
  private removeGarbage(): void {
    let current: string | undefined;
    try {
      current = JSON.parse(fs.readFileSync(path.join(this.dir, MANIFEST), 'utf8')).file;
    } catch {
      return; // no readable manifest: keep everything, the next open rebuilds
    }
    for (const f of fs.readdirSync(this.dir)) {
      const owner = /^(?:hnsw-v\d+-(\d+)-\d+\.bin(?:\.tmp)?|manifest\.json\.(\d+)\.tmp)$/.exec(f);
      if (!owner || f === current) continue;
      if (!otherProcessAlive(Number(owner[1] ?? owner[2]))) fs.rmSync(path.join(this.dir, f), { force: true });
    }
  }
}

/** Equal up to float rounding (hnswlib stores cosine points normalised again, so ours may come back off in the last bit). */
function nearlyEqual(a: Float32Array, b: Float32Array): boolean {
  for (let i = 0; i < a.length; i++) if (Math.abs(a[i] - b[i]) > 1e-6) return false;
  return true;
}
