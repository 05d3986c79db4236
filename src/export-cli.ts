// npm run export -- --format jsonl|npy [--out <dir>]: every paper id with its vector under the store's model.
// Reads the store only (no model is loaded), in one read transaction, so the files are one consistent snapshot
// even while an ingest writes. Files are written under temporary names and renamed into place, manifest last.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from './config.js';
import { fromBlob, SqliteStore } from './store/store.js';

const USAGE = 'usage: npm run export -- --format jsonl|npy [--out <dir>]   (default out: ./export)';
const PAGE = 4096;

/** A file written through a buffer under a temporary name; `finish` fsyncs it and reports size and sha256. */
class OutFile {
  private readonly fd: number;
  private readonly hash = crypto.createHash('sha256');
  private chunks: Buffer[] = [];
  private pending = 0;
  bytes = 0;
  readonly tmp: string;

  constructor(
    readonly dir: string,
    readonly name: string,
  ) {
    this.tmp = path.join(dir, `.${name}.tmp-${process.pid}`);
    this.fd = fs.openSync(this.tmp, 'w');
  }

  write(data: Buffer | string): void {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    this.chunks.push(buf);
    this.pending += buf.length;
    if (this.pending >= 1 << 20) this.flush();
  }

  private flush(): void {
    const buf = Buffer.concat(this.chunks);
    fs.writeSync(this.fd, buf);
    this.hash.update(buf);
    this.bytes += buf.length;
    this.chunks = [];
    this.pending = 0;
  }

  finish(): { name: string; bytes: number; sha256: string } {
    this.flush();
    fs.fsyncSync(this.fd);
    fs.closeSync(this.fd);
    return { name: this.name, bytes: this.bytes, sha256: this.hash.digest('hex') };
  }

  commit(): void {
    fs.renameSync(this.tmp, path.join(this.dir, this.name));
  }

  discard(): void {
    try {
      fs.closeSync(this.fd);
    } catch {
      // already closed
    }
    fs.rmSync(this.tmp, { force: true });
  }
}

/** The NPY v1.0 header for a C-order little-endian float32 matrix, padded so the data starts 64-byte aligned. */
function npyHeader(rows: number, cols: number): Buffer {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  const preamble = 10; // magic (6) + version (2) + header length (2)
  const total = Math.ceil((preamble + dict.length + 1) / 64) * 64;
  const header = dict.padEnd(total - preamble - 1, ' ') + '\n';
  if (header.length > 0xffff) throw new Error('npy header too long for format 1.0');
  const out = Buffer.alloc(total);
  out.write('\x93NUMPY', 0, 'latin1');
  out[6] = 1;
  out[7] = 0;
  out.writeUInt16LE(header.length, 8);
  out.write(header, preamble, 'latin1');
  return out;
}

function fsyncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    fs.fsyncSync(fd);
    fs.closeSync(fd);
  } catch {
    // not supported on every platform; the renames are still atomic
  }
}

function main(): number {
  const { values } = parseArgs({
    args: process.argv.slice(2).filter((a) => a !== '--'),
    options: { format: { type: 'string' }, out: { type: 'string', default: 'export' }, help: { type: 'boolean' } },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const format = values.format;
  if (format !== 'jsonl' && format !== 'npy') {
    console.error(`export: --format must be jsonl or npy\n${USAGE}`);
    return 2;
  }
  const outDir = path.resolve(values.out!);

  const config = loadConfig();
  if (config.DATABASE_URL) {
    console.error('export: reads the SQLite store in DATA_DIR only (not yet PostgreSQL): unset DATABASE_URL');
    return 2;
  }
  if (!fs.existsSync(path.join(config.DATA_DIR, 'paperfeed.db'))) {
    console.error(`export: no store at ${config.DATA_DIR} (set DATA_DIR)`);
    return 1;
  }
  const store = new SqliteStore(config.DATA_DIR);
  const files: OutFile[] = [];
  try {
    const info = store.modelInfo();
    if (!info) {
      console.error(`export: the store ${store.file} has no model yet (nothing ingested)`);
      return 1;
    }
    const modelKey = info.model;
    const at = modelKey.lastIndexOf('@');
    const model = at > 0 ? modelKey.slice(0, at) : modelKey;
    const dim = info.dim;
    fs.mkdirSync(outDir, { recursive: true });

    let vectors!: OutFile;
    let ids: OutFile | undefined;
    let idsJsonl: OutFile | undefined;
    // One read transaction (a WAL snapshot), so the count and every row agree even while others write.
    const count = store.exportVectors(
      modelKey,
      (expected) => {
        if (format === 'npy') {
          vectors = new OutFile(outDir, 'vectors.npy');
          ids = new OutFile(outDir, 'ids.txt');
          idsJsonl = new OutFile(outDir, 'ids.jsonl');
          files.push(vectors, ids, idsJsonl);
          vectors.write(npyHeader(expected, dim));
        } else {
          vectors = new OutFile(outDir, 'vectors.jsonl');
          files.push(vectors);
        }
      },
      (id, vec) => {
        if (vec.length !== dim * 4) throw new Error(`paper ${id}: vector has ${vec.length / 4} values, expected ${dim}`);
        if (format === 'npy') {
          // Stored blobs are little-endian float32 already (the store writes Float32Array bytes).
          vectors.write(Buffer.from(vec));
          ids!.write(`${id.replace(/[\r\n]/g, ' ')}\n`);
          idsJsonl!.write(`${JSON.stringify(id)}\n`);
        } else {
          vectors.write(`${JSON.stringify({ id, vector: Array.from(fromBlob(vec)) })}\n`);
        }
      },
      PAGE,
    );

    const written = files.map((f) => f.finish());
    for (const f of files) f.commit();
    const manifest = new OutFile(outDir, 'manifest.json');
    files.push(manifest);
    const body = { model, modelKey, dim, count, format, createdAt: new Date().toISOString(), files: written };
    manifest.write(`${JSON.stringify(body, null, 2)}\n`);
    manifest.finish();
    manifest.commit();
    fsyncDir(outDir);
    console.log(`exported ${count} vectors (${model}, dim ${dim}) as ${format} to ${outDir}: ${[...written.map((f) => f.name), 'manifest.json'].join(', ')}`);
    return 0;
  } catch (err) {
    for (const f of files) f.discard();
    console.error(`export failed: ${(err as Error).message}`);
    return 1;
  } finally {
    store.close();
  }
}

process.exit(main());
