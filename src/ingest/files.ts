import fs from 'node:fs';
import zlib from 'node:zlib';
import type { Embedder } from '../embed/embedder.js';
import type { PaperWrites } from '../store/ports.js';
import { readPaperFile } from './parse.js';
import { batchesOf, ingestBatchesAhead } from './pipeline.js';
import { Progress } from './progress.js';

export interface Rejection {
  file: string;
  line: number;
  reason: string;
}

export interface IngestReport {
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: Rejection[];
  /** Files that could not be read at all (missing, unreadable, unknown format). */
  failedFiles: { file: string; reason: string }[];
  seconds: number;
}

export interface IngestFilesOptions {
  batchSize: number;
  /** Show a progress bar (TTY) or periodic log lines. */
  progress?: boolean;
  onReject?: (r: Rejection) => void;
}

/** Counts lines of a (gzipped) JSONL file, for the progress ETA; undefined for other formats. */
async function countJsonlRecords(file: string): Promise<number | undefined> {
  const fd = fs.openSync(file, 'r');
  const head = Buffer.alloc(2);
  fs.readSync(fd, head, 0, 2, 0);
  fs.closeSync(fd);
  const gz = head[0] === 0x1f && head[1] === 0x8b;
  let stream: NodeJS.ReadableStream = fs.createReadStream(file);
  if (gz) stream = stream.pipe(zlib.createGunzip());
  let lines = 0;
  let first: number | undefined;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    if (first === undefined) first = chunk.find((b) => b > 0x20);
    for (let i = 0; i < chunk.length; i++) if (chunk[i] === 0x0a) lines++;
  }
  return first === 0x7b /* '{' */ ? lines : undefined;
}

/** UTF-16 text (a BOM of FF FE or FE FF) would only yield one garbled rejection per line: refuse the file, saying why. */
function assertNotUtf16(file: string): void {
  const fd = fs.openSync(file, 'r');
  const head = Buffer.alloc(2);
  const n = fs.readSync(fd, head, 0, 2, 0);
  fs.closeSync(fd);
  if (n === 2 && ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))) {
    throw new Error('the file is UTF-16 text (byte-order mark); convert it to UTF-8 first, e.g. `iconv -f UTF-16 -t UTF-8`');
  }
}

/**
 * Ingests files record by record: each batch is embedded and committed together, so a kill loses at most
 * the batch in flight, and a rerun skips what is already stored. A bad record is reported and skipped.
 */
export async function ingestFiles(
  store: PaperWrites,
  embedder: Embedder,
  files: string[],
  opts: IngestFilesOptions,
): Promise<IngestReport> {
  const started = Date.now();
  const report: IngestReport = { inserted: 0, updated: 0, unchanged: 0, rejected: [], failedFiles: [], seconds: 0 };
  for (const file of files) {
    let progress: Progress | undefined;
    try {
      if (!fs.statSync(file).isFile()) throw new Error('not a regular file');
      assertNotUtf16(file);
      if (opts.progress) progress = new Progress(`ingest ${file}`, await countJsonlRecords(file));
      const valid = async function* () {
        for await (const rec of readPaperFile(file)) {
          if (rec.ok) yield rec.paper;
          else {
            const rejection = { file, line: rec.line, reason: rec.reason };
            report.rejected.push(rejection);
            opts.onReject?.(rejection);
            progress?.add(1);
          }
        }
      };
      // One batch ahead: the next batch is parsed, looked up and embedding while this one commits.
      await ingestBatchesAhead(store, embedder, batchesOf(valid(), opts.batchSize), async (r, papers) => {
        report.inserted += r.inserted;
        report.updated += r.updated;
        report.unchanged += r.unchanged;
        progress?.add(papers.length);
      });
      progress?.finish();
    } catch (err) {
      progress?.finish();
      report.failedFiles.push({ file, reason: (err as Error).message });
    }
  }
  report.seconds = (Date.now() - started) / 1000;
  return report;
}
