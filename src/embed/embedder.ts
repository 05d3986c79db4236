import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { env, pipeline, type FeatureExtractionPipeline } from '@huggingface/transformers';
import { DEFAULT_MODEL, type Config } from '../config.js';

/** Text → unit-length vectors. One interface, whatever model sits behind it. */
export interface Embedder {
  /** The configured model name, e.g. "glove-sif-100d" or "Xenova/all-MiniLM-L6-v2". */
  readonly modelId: string;
  /**
   * Name plus a fingerprint of the weights ("glove-sif-100d@3238b114a10b"). Vectors are stored and checked under
   * this key, so rebuilt or replaced weights under the same name are never mixed with the old vectors.
   */
  readonly modelKey: string;
  readonly dim: number;
  embed(texts: string[]): Promise<Float32Array[]>;
}

export interface EmbedderOptions {
  modelId: string;
  modelsDir: string;
  allowRemote?: boolean;
  dtype?: 'fp32' | 'fp16' | 'q8' | 'int8' | 'uint8' | 'q4';
  pooling?: 'mean' | 'cls';
  batchSize?: number;
}

export class ModelNotFoundError extends Error {}

/** The embedder settings from the parsed configuration. */
export function embedderOptions(config: Config): EmbedderOptions {
  return {
    modelId: config.EMBED_MODEL,
    modelsDir: config.MODELS_DIR,
    allowRemote: config.ALLOW_REMOTE_MODELS,
    dtype: config.EMBED_DTYPE,
    pooling: config.EMBED_POOLING,
    batchSize: config.EMBED_BATCH_SIZE,
  };
}

/** transformers.js keeps these as process-wide settings; set them once, before the first pipeline. */
function configureTransformers(modelsDir: string, allowRemote: boolean) {
  env.allowRemoteModels = allowRemote;
  env.allowLocalModels = true;
  env.localModelPath = modelsDir.endsWith(path.sep) ? modelsDir : modelsDir + path.sep;
}

function onnxFileFor(dtype: string): string {
  const suffix: Record<string, string> = { fp32: '', fp16: '_fp16', q8: '_quantized', int8: '_int8', uint8: '_uint8', q4: '_q4' };
  return `model${suffix[dtype] ?? ''}.onnx`;
}

/** Checks the folder before transformers.js does, so the user gets one clear message instead of a stack trace. */
export function assertModelPresent(opts: EmbedderOptions): void {
  if (opts.allowRemote) return;
  const dir = path.join(opts.modelsDir, opts.modelId);
  const needed = ['config.json', 'tokenizer.json', path.join('onnx', onnxFileFor(opts.dtype ?? 'fp32'))];
  const missing = needed.filter((f) => !fs.existsSync(path.join(dir, f)));
  if (missing.length === 0) return;
  const howTo =
    opts.modelId === 'glove-sif-100d' || opts.modelId === DEFAULT_MODEL
      ? 'It ships with paperfeed: build it with `npm run build:model`.'
      : `Put a transformers.js-style ONNX export there (e.g. from https://huggingface.co/${opts.modelId}: config.json, ` +
        `tokenizer.json, tokenizer_config.json, onnx/${onnxFileFor(opts.dtype ?? 'fp32')}), ` +
        'or set ALLOW_REMOTE_MODELS=true to let paperfeed download it once.';
  throw new ModelNotFoundError(
    `Embedding model "${opts.modelId}" not found: looked in ${dir} (missing ${missing.join(', ')}). ${howTo}`,
  );
}

/**
 * 12 hex digits of a sha256 over everything that decides the vectors: the ONNX weights, the tokenizer and the
 * config ("hub" for a model fetched remotely into the cache rather than kept in the folder).
 */
function weightsFingerprint(opts: EmbedderOptions): string {
  const dir = path.join(opts.modelsDir, opts.modelId);
  const files = [path.join('onnx', onnxFileFor(opts.dtype ?? 'fp32')), 'tokenizer.json', 'config.json'];
  if (!fs.existsSync(path.join(dir, files[0]))) return 'hub';
  const hash = crypto.createHash('sha256');
  for (const f of files) {
    hash.update(`${f}\0`);
    if (fs.existsSync(path.join(dir, f))) hash.update(fs.readFileSync(path.join(dir, f)));
  }
  return hash.digest('hex').slice(0, 12);
}

/** Loads a feature-extraction pipeline from a local hub-style folder and measures its output dimension. */
export async function loadEmbedder(opts: EmbedderOptions): Promise<Embedder> {
  assertModelPresent(opts);
  configureTransformers(opts.modelsDir, opts.allowRemote ?? false);
  const extractor = (await pipeline('feature-extraction', opts.modelId, { dtype: opts.dtype ?? 'fp32' })) as FeatureExtractionPipeline;
  const pooling = opts.pooling ?? 'mean';
  const batchSize = opts.batchSize ?? 32;

  async function embedBatch(texts: string[]): Promise<Float32Array[]> {
    const out = await extractor(texts, { pooling, normalize: true });
    const [n, dim] = out.dims as [number, number];
    const data = out.data as Float32Array;
    const rows: Float32Array[] = [];
    for (let i = 0; i < n; i++) rows.push(data.slice(i * dim, (i + 1) * dim));
    return rows;
  }

  const dim = (await embedBatch(['dimension probe']))[0].length;
  return {
    modelId: opts.modelId,
    modelKey: `${opts.modelId}@${weightsFingerprint(opts)}`,
    dim,
    async embed(texts: string[]): Promise<Float32Array[]> {
      // Batches of similar length pad less: sort by length, embed, then restore the caller's order.
      const order = texts.map((_, i) => i).sort((a, b) => texts[a].length - texts[b].length);
      const result = new Array<Float32Array>(texts.length);
      for (let start = 0; start < order.length; start += batchSize) {
        const idx = order.slice(start, start + batchSize);
        const vectors = await embedBatch(idx.map((i) => texts[i]));
        idx.forEach((i, j) => (result[i] = vectors[j]));
      }
      return result;
    },
  };
}
