import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_MODEL, type Config } from '../config.js';
import { loadPipeline, type PipelineOptions } from './pipeline.mjs';

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

/** What loads a model: the same options the worker's plain-JS pipeline takes (declared in pipeline.d.mts). */
export type EmbedderOptions = PipelineOptions;

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

/** The key vectors are stored under ("name@fingerprint"), from the model's files alone: no model load needed. */
export function modelKeyFor(opts: EmbedderOptions): string {
  return `${opts.modelId}@${weightsFingerprint(opts)}`;
}

/**
 * Loads the model in this thread and measures its output dimension (reembed, the eval harness, tests). The server
 * and the ingest CLI use WorkerEmbedder (worker-embedder.ts): the same pipeline (pipeline.mjs) in a worker thread.
 */
export async function loadEmbedder(opts: EmbedderOptions): Promise<Embedder> {
  assertModelPresent(opts);
  const model = await loadPipeline(opts);
  return { modelId: opts.modelId, modelKey: modelKeyFor(opts), dim: model.dim, embed: (texts) => model.embed(texts) };
}
