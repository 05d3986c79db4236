/**
 * Embeds the evaluation papers with a local model, caching vectors per model key (name + weights fingerprint)
 * under <cacheDir>/<modelKey>.f32 (+ .json with ids and text hashes). A paper whose text changed, or a model whose
 * weights changed, is re-embedded; everything else is read back in a second.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { loadEmbedder } from '../embed/embedder.js';

export interface EmbeddedSet {
  modelId: string;
  modelKey: string;
  dim: number;
  /** Row i = papers[i], unit length. */
  vectors: Float32Array;
  embedded: number;
  fromCache: number;
  ms: number;
}

const textHash = (t: string) => crypto.createHash('sha1').update(t).digest('base64').slice(0, 12);
const fileKey = (modelKey: string) => modelKey.replace(/[^A-Za-z0-9@._-]+/g, '_');

interface CacheMeta {
  modelKey: string;
  dim: number;
  ids: string[];
  hashes: string[];
}

export async function embedPapers(
  papers: { id: string; text: string }[],
  modelId: string,
  modelsDir: string,
  cacheDir: string,
  log: (msg: string) => void,
): Promise<EmbeddedSet> {
  const started = Date.now();
  const embedder = await loadEmbedder({ modelId, modelsDir, batchSize: 32 });
  const { modelKey, dim } = embedder;
  fs.mkdirSync(cacheDir, { recursive: true });
  const base = path.join(cacheDir, fileKey(modelKey));
  const cached = new Map<string, { hash: string; row: number }>();
  let cachedVecs = new Float32Array(0);
  if (fs.existsSync(`${base}.json`) && fs.existsSync(`${base}.f32`)) {
    const meta = JSON.parse(fs.readFileSync(`${base}.json`, 'utf8')) as CacheMeta;
    const buf = fs.readFileSync(`${base}.f32`);
    if (meta.modelKey === modelKey && meta.dim === dim && buf.byteLength === meta.ids.length * dim * 4) {
      cachedVecs = new Float32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
      meta.ids.forEach((id, row) => cached.set(id, { hash: meta.hashes[row], row }));
    }
  }

  const vectors = new Float32Array(papers.length * dim);
  const todo: number[] = [];
  papers.forEach((p, i) => {
    const c = cached.get(p.id);
    if (c && c.hash === textHash(p.text)) vectors.set(cachedVecs.subarray(c.row * dim, (c.row + 1) * dim), i * dim);
    else todo.push(i);
  });
  log(`  ${modelKey}: ${papers.length - todo.length} vectors from cache, ${todo.length} to embed`);
  const chunk = 4096;
  for (let s = 0; s < todo.length; s += chunk) {
    const idx = todo.slice(s, s + chunk);
    const vecs = await embedder.embed(idx.map((i) => papers[i].text));
    idx.forEach((i, j) => vectors.set(vecs[j], i * dim));
    log(`  embedded ${Math.min(s + chunk, todo.length)}/${todo.length} (${Math.round((Date.now() - started) / 1000)} s)`);
  }

  if (todo.length > 0) {
    // Merge: keep cached papers that this run did not touch (e.g. the full corpus after a --quick run).
    const ids: string[] = [];
    const hashes: string[] = [];
    const seen = new Set<string>();
    const parts: Float32Array[] = [];
    papers.forEach((p, i) => {
      ids.push(p.id);
      hashes.push(textHash(p.text));
      seen.add(p.id);
      parts.push(vectors.subarray(i * dim, (i + 1) * dim));
    });
    for (const [id, c] of cached) {
      if (seen.has(id)) continue;
      ids.push(id);
      hashes.push(c.hash);
      parts.push(cachedVecs.subarray(c.row * dim, (c.row + 1) * dim));
    }
    const out = new Float32Array(ids.length * dim);
    parts.forEach((v, i) => out.set(v, i * dim));
    fs.writeFileSync(`${base}.f32.tmp`, Buffer.from(out.buffer, out.byteOffset, out.byteLength));
    fs.writeFileSync(`${base}.json.tmp`, JSON.stringify({ modelKey, dim, ids, hashes } satisfies CacheMeta));
    fs.renameSync(`${base}.f32.tmp`, `${base}.f32`);
    fs.renameSync(`${base}.json.tmp`, `${base}.json`);
  }
  return { modelId, modelKey, dim, vectors, embedded: todo.length, fromCache: papers.length - todo.length, ms: Date.now() - started };
}

/** Dense cosine (unit vectors → dot) of row q with every row of `vectors`, into `out`. */
export function denseAll(vectors: Float32Array, dim: number, q: number, out: Float32Array): Float32Array {
  const n = out.length;
  const qo = q * dim;
  for (let i = 0; i < n; i++) {
    let s = 0;
    const o = i * dim;
    for (let d = 0; d < dim; d++) s += vectors[o + d] * vectors[qo + d];
    out[i] = s;
  }
  return out;
}
