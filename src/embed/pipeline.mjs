// The transformers.js feature-extraction pipeline: load a model from a local hub-style folder, embed texts.
// Plain JavaScript on purpose (types in pipeline.d.mts): the server's embedding worker (embed-worker.mjs) loads it
// without the TypeScript loader, under which importing transformers.js takes ~3× longer (see BENCHMARKS.md,
// start-up). embedder.ts uses the same function in-process.
import path from 'node:path';

/** @param {import('./pipeline.mjs').PipelineOptions} opts */
export async function loadPipeline(opts) {
  const { env, pipeline } = await import('@huggingface/transformers');
  // transformers.js keeps these as process-wide settings; set them before the first pipeline.
  env.allowRemoteModels = opts.allowRemote ?? false;
  env.allowLocalModels = true;
  env.localModelPath = opts.modelsDir.endsWith(path.sep) ? opts.modelsDir : opts.modelsDir + path.sep;
  const extractor = await pipeline('feature-extraction', opts.modelId, { dtype: opts.dtype ?? 'fp32' });
  const pooling = opts.pooling ?? 'mean';
  const batchSize = opts.batchSize ?? 32;

  /** @param {string[]} texts */
  async function embedBatch(texts) {
    const out = await extractor(texts, { pooling, normalize: true });
    const [n, dim] = out.dims;
    const data = /** @type {Float32Array} */ (out.data);
    const rows = [];
    for (let i = 0; i < n; i++) rows.push(data.slice(i * dim, (i + 1) * dim));
    return rows;
  }

  const dim = (await embedBatch(['dimension probe']))[0].length;
  return {
    dim,
    /** @param {string[]} texts */
    async embed(texts) {
      // Batches of similar length pad less: sort by length, embed, then restore the caller's order.
      const order = texts.map((_, i) => i).sort((a, b) => texts[a].length - texts[b].length);
      /** @type {Float32Array[]} */
      const result = new Array(texts.length);
      for (let start = 0; start < order.length; start += batchSize) {
        const idx = order.slice(start, start + batchSize);
        const vectors = await embedBatch(idx.map((i) => texts[i]));
        idx.forEach((i, j) => (result[i] = vectors[j]));
      }
      return result;
    },
  };
}
