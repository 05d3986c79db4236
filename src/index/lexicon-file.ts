import fs from 'node:fs';
import path from 'node:path';
import { TERM_ID_BITS } from '../text/terms.js';
import { Lexicon } from './lexicon.js';

/**
 * The lexicon saved beside the HNSW index, a cache like it: the whole lexicon at one change-log version, read back
 * in a fraction of a second where rebuilding it from the store's term vectors takes ~1.5 s at 125k papers. Written
 * to a temporary file, fsynced and renamed into place, so a reader sees a whole file or the previous one; a file
 * whose header or size does not add up is ignored (the store rebuilds it).
 */
export const LEXICON_FILE = 'lexicon.bin';
const MAGIC = 0x4c455833; // "LEX3" (LEX2 had no categories: such a file is rebuilt from the store, once)
// magic, id bits, version (2 words: lo, hi), papers, terms, document frequencies kept, bytes of the category lists' JSON
const HEADER_WORDS = 8;

/** Writes the lexicon at `version`; the file I/O is asynchronous (a full corpus is ~150 MB), the event loop stays free. */
export async function saveLexicon(dir: string, lexicon: Lexicon, version: number): Promise<void> {
  const { seqs, offsets, terms, df, categories } = lexicon.snapshot();
  const lists = Buffer.from(JSON.stringify(categories.lists));
  const listsPadded = new Uint8Array(Math.ceil(lists.length / 4) * 4); // the file stays in whole words
  listsPadded.set(lists);
  // Only the non-zero document frequencies (ids, then counts): a small store writes kilobytes, not the 64 MB table.
  let kept = 0;
  for (let id = 0; id < df.length; id++) if (df[id] !== 0) kept++;
  const dfIds = new Uint32Array(kept);
  const dfCounts = new Uint32Array(kept);
  for (let id = 0, k = 0; id < df.length; id++) {
    if (df[id] === 0) continue;
    dfIds[k] = id;
    dfCounts[k++] = df[id];
  }
  const header = Uint32Array.from([MAGIC, TERM_ID_BITS, version % 2 ** 32, Math.floor(version / 2 ** 32), seqs.length, terms.length, kept, lists.length]);
  const tmp = path.join(dir, `${LEXICON_FILE}.${process.pid}.tmp`);
  const file = await fs.promises.open(tmp, 'w');
  try {
    for (const part of [header, seqs, offsets, dfIds, dfCounts, terms, categories.listOf, listsPadded]) await file.write(new Uint8Array(part.buffer, part.byteOffset, part.byteLength));
    await file.sync();
  } catch (err) {
    await file.close();
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
  await file.close();
  await fs.promises.rename(tmp, path.join(dir, LEXICON_FILE));
}

/** The header of a whole lexicon file in `bytes`: its version and counts, or null when the bytes are not one. */
function header(bytes: Buffer): { version: number; papers: number; total: number; kept: number; listBytes: number } | null {
  if (bytes.byteLength < HEADER_WORDS * 4 || bytes.byteLength % 4 !== 0) return null;
  const word = (i: number) => bytes.readUInt32LE(4 * i);
  const [papers, total, kept, listBytes] = [word(4), word(5), word(6), word(7)];
  const words = HEADER_WORDS + papers + papers + 1 + 2 * kept + total + papers + Math.ceil(listBytes / 4);
  if (word(0) !== MAGIC || word(1) !== TERM_ID_BITS || bytes.byteLength !== 4 * words) return null;
  return { version: word(2) + word(3) * 2 ** 32, papers, total, kept, listBytes };
}

/** The change-log version whose lexicon these bytes hold (a whole lexicon file's), or null when they are not one. */
export function lexiconBytesVersion(bytes: Buffer): number | null {
  return header(bytes)?.version ?? null;
}

/** The version of the lexicon file saved in `dir` (its header only is read), or null when there is none. */
export function savedLexiconVersion(dir: string): number | null {
  let fd: number;
  try {
    fd = fs.openSync(path.join(dir, LEXICON_FILE), 'r');
  } catch {
    return null;
  }
  try {
    const head = Buffer.alloc(HEADER_WORDS * 4);
    if (fs.readSync(fd, head, 0, head.length, 0) !== head.length || head.readUInt32LE(0) !== MAGIC) return null;
    return head.readUInt32LE(8) + head.readUInt32LE(12) * 2 ** 32;
  } finally {
    fs.closeSync(fd);
  }
}

/** The saved lexicon and the change-log version it reflects, or null when there is none (or it does not add up). */
export function loadLexiconFile(dir: string): { lexicon: Lexicon; version: number } | null {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(path.join(dir, LEXICON_FILE));
  } catch {
    return null;
  }
  return lexiconFromBytes(bytes);
}

/**
 * The lexicon in the bytes of a whole lexicon file and its version, or null when they are not one. The term vectors
 * are copied out: views would keep the whole buffer alive, document-frequency lists included (38 MB at 125k papers).
 */
export function lexiconFromBytes(bytes: Buffer): { lexicon: Lexicon; version: number } | null {
  const h = header(bytes);
  if (!h) return null;
  const { version, papers, total, kept, listBytes } = h;
  if (bytes.byteOffset % 4 !== 0) bytes = Buffer.from(bytes); // aligned copy
  let at = bytes.byteOffset + 4 * HEADER_WORDS;
  const take = <T>(View: new (buffer: ArrayBufferLike, offset: number, length: number) => T, n: number): T => {
    const view = new View(bytes.buffer, at, n);
    at += 4 * n;
    return view;
  };
  const seqs = take(Int32Array, papers).slice();
  const offsets = take(Int32Array, papers + 1).slice();
  const df = new Uint32Array(1 << TERM_ID_BITS);
  const [dfIds, dfCounts] = [take(Uint32Array, kept), take(Uint32Array, kept)];
  for (let k = 0; k < kept; k++) {
    if (dfIds[k] >= df.length) return null;
    df[dfIds[k]] = dfCounts[k];
  }
  const terms = take(Uint32Array, total).slice();
  if (offsets[papers] !== total) return null;
  const listOf = take(Int32Array, papers); // read into the lexicon's own table, not kept
  let lists: (readonly string[])[];
  try {
    lists = JSON.parse(bytes.toString('utf8', at - bytes.byteOffset, at - bytes.byteOffset + listBytes));
  } catch {
    return null;
  }
  if (!Array.isArray(lists) || !lists.every((l) => Array.isArray(l) && l.every((c) => typeof c === 'string'))) return null;
  const lexicon = Lexicon.fromSnapshot({ seqs, offsets, terms, df, categories: { lists, listOf } });
  return lexicon && { lexicon, version };
}
