/**
 * File readers for the ingest pipeline: JSONL (streamed), JSON arrays and arXiv Atom XML,
 * each optionally gzipped. Every record goes through normalizePaper (normalize.ts).
 */
import { createReadStream } from "node:fs";
import { open } from "node:fs/promises";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import type { ParsedRecord } from "../types.js";
import { atomEntryToRaw, parseAtomFeed } from "./atom.js";
import { normalizePaper } from "./normalize.js";

export { normalizePaper, normalizeDate, type NormalizeResult } from "./normalize.js";
export { arxivIdFromAtomId } from "./atom.js";

export interface ReadOptions {
  /** Cap for formats that are read whole (JSON array, XML), in decompressed bytes. Default 512 MB. */
  maxWholeFileBytes?: number;
  /** Cap for a single JSONL line in bytes; longer lines are reported and skipped. Default 4 MiB. */
  maxLineBytes?: number;
}

const DEFAULT_MAX_WHOLE_FILE_BYTES = 512_000_000; // just under V8's maximum string length
const DEFAULT_MAX_LINE_BYTES = 4 * 1024 * 1024;
const MAX_REASON_LENGTH = 300;

/**
 * Reads papers from a file. Gzip is detected by magic bytes, the format by the first
 * non-whitespace character: `[` → JSON array (of paper objects or raw HF daily_papers API entries),
 * `<` → arXiv API Atom XML, anything else → JSONL (one object per line, streamed).
 *
 * `line` in each record is: the 1-based line number for JSONL; the 1-based array index for JSON
 * arrays; the 1-based line of the `<entry>` start tag for XML. Malformed records are yielded as
 * `{ok:false}` and reading continues; blank lines are skipped. Duplicate ids are yielded as they come
 * (the ingest upserts by id). Invalid UTF-8 bytes become U+FFFD.
 * Throws for file-level problems: unreadable/corrupt gzip, a JSON array or XML that does not parse,
 * an XML DOCTYPE declaring entities, or a whole-read file larger than maxWholeFileBytes.
 */
export async function* readPaperFile(path: string, options: ReadOptions = {}): AsyncGenerator<ParsedRecord> {
  const maxWhole = options.maxWholeFileBytes ?? DEFAULT_MAX_WHOLE_FILE_BYTES;
  const maxLine = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
  const stream = await openDecompressed(path);
  try {
    const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    // Pull chunks until the first significant byte tells us the format.
    const head: Buffer[] = [];
    let first: number | undefined;
    while (first === undefined) {
      const next = await iterator.next();
      if (next.done) break;
      head.push(next.value);
      first = firstSignificantByte(head.length === 1 ? next.value : Buffer.concat(head));
    }
    if (first === undefined) return; // empty or whitespace-only file
    const chunks = (async function* () {
      yield* head;
      for (let next = await iterator.next(); !next.done; next = await iterator.next()) yield next.value;
    })();

    if (first === 0x5b /* [ */) {
      yield* parseJsonArray(await readWhole(chunks, maxWhole, path), path);
    } else if (first === 0x3c /* < */) {
      yield* parseAtom(await readWhole(chunks, maxWhole, path), path);
    } else {
      yield* parseJsonLines(chunks, maxLine);
    }
  } finally {
    stream.destroy(); // also when the consumer stops early
  }
}

async function openDecompressed(path: string): Promise<Readable> {
  const handle = await open(path, "r");
  let gzipped: boolean;
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await handle.read(magic, 0, 2, 0);
    gzipped = bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    await handle.close();
  }
  const file = createReadStream(path);
  if (!gzipped) return file;
  const gunzip = createGunzip();
  file.on("error", (err) => gunzip.destroy(err));
  gunzip.on("close", () => file.destroy());
  gunzip.on("error", () => file.destroy());
  return file.pipe(gunzip);
}

function firstSignificantByte(buf: Buffer): number | undefined {
  let i = buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0; // UTF-8 BOM
  for (; i < buf.length; i++) {
    const b = buf[i];
    if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return b;
  }
  return undefined;
}

async function readWhole(chunks: AsyncIterable<Buffer>, maxBytes: number, path: string): Promise<string> {
  const parts: Buffer[] = [];
  let total = 0;
  for await (const chunk of chunks) {
    total += chunk.length;
    if (total > maxBytes) {
      throw new Error(
        `${path}: larger than ${maxBytes} bytes (decompressed); JSON arrays and XML are read whole — use JSONL for big files`,
      );
    }
    parts.push(chunk);
  }
  return stripBom(Buffer.concat(parts, total).toString("utf8"));
}

function stripBom(s: string): string {
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

function truncate(s: string): string {
  return s.length > MAX_REASON_LENGTH ? `${s.slice(0, MAX_REASON_LENGTH)}…` : s;
}

function toRecord(line: number, raw: unknown, defaults?: { source?: string }): ParsedRecord {
  const result = normalizePaper(raw, defaults);
  return result.ok ? { ok: true, line, paper: result.paper } : { ok: false, line, reason: truncate(result.reason) };
}

async function* parseJsonLines(chunks: AsyncIterable<Buffer>, maxLineBytes: number): AsyncGenerator<ParsedRecord> {
  for await (const { line, text } of splitLines(chunks, maxLineBytes)) {
    if (text === null) {
      yield { ok: false, line, reason: `line longer than ${maxLineBytes} bytes` };
      continue;
    }
    if (text.trim() === "") continue;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      yield { ok: false, line, reason: truncate(`invalid JSON: ${(err as Error).message}`) };
      continue;
    }
    yield toRecord(line, raw);
  }
}

/**
 * Splits a byte stream on "\n" without decoding it first, so a huge line can be dropped without
 * buffering it and each line is decoded on its own (invalid UTF-8 → U+FFFD). `text` is null for a
 * line over the cap.
 */
async function* splitLines(
  chunks: AsyncIterable<Buffer>,
  maxLineBytes: number,
): AsyncGenerator<{ line: number; text: string | null }> {
  let parts: Buffer[] = [];
  let partsLength = 0;
  let tooLong = false;
  let line = 0;
  const finish = (last: Buffer): string | null => {
    if (tooLong || partsLength + last.length > maxLineBytes) return null;
    const bytes = parts.length === 0 ? last : Buffer.concat([...parts, last]);
    let text = bytes.toString("utf8");
    if (line === 1) text = stripBom(text);
    return text.endsWith("\r") ? text.slice(0, -1) : text;
  };
  for await (const chunk of chunks) {
    let start = 0;
    for (let nl = chunk.indexOf(0x0a, start); nl !== -1; nl = chunk.indexOf(0x0a, start)) {
      line++;
      yield { line, text: finish(chunk.subarray(start, nl)) };
      parts = [];
      partsLength = 0;
      tooLong = false;
      start = nl + 1;
    }
    const rest = chunk.subarray(start);
    if (tooLong || rest.length === 0) continue;
    if (partsLength + rest.length > maxLineBytes) {
      tooLong = true;
      parts = [];
      partsLength = 0;
    } else {
      parts.push(rest);
      partsLength += rest.length;
    }
  }
  if (tooLong || partsLength > 0) {
    line++;
    yield { line, text: finish(Buffer.alloc(0)) };
  }
}

function* parseJsonArray(text: string, path: string): Generator<ParsedRecord> {
  let items: unknown;
  try {
    items = JSON.parse(text);
  } catch (err) {
    throw new Error(truncate(`${path}: invalid JSON array: ${(err as Error).message}`));
  }
  if (!Array.isArray(items)) throw new Error(`${path}: expected a JSON array`);
  for (let i = 0; i < items.length; i++) yield toRecord(i + 1, items[i]);
}

function* parseAtom(xml: string, path: string): Generator<ParsedRecord> {
  let entries: ReturnType<typeof parseAtomFeed>;
  try {
    entries = parseAtomFeed(xml);
  } catch (err) {
    throw new Error(`${path}: ${(err as Error).message}`);
  }
  for (const { entry, line } of entries) {
    const converted = atomEntryToRaw(entry);
    if ("apiError" in converted) {
      yield { ok: false, line, reason: truncate(`arXiv API error entry: ${converted.apiError}`) };
    } else {
      yield toRecord(line, converted.raw, { source: "arxiv" });
    }
  }
}
