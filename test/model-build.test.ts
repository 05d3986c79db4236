import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { env, pipeline, type FeatureExtractionPipeline } from '@huggingface/transformers';
import {
  MODEL_FILES, buildStaticModel, isModelUpToDate, loadWinkSource, type BuildResult, type WinkSource,
} from '../src/embed/build-static-model.js';

const DEFAULT_MODEL_DIR = fileURLToPath(new URL('../models/glove-sif-100d', import.meta.url));
const SMALL = 5000;

const dot = (a: number[], b: number[]) => a.reduce((s, x, i) => s + x * b[i], 0);

async function load(modelDir: string): Promise<FeatureExtractionPipeline> {
  env.allowRemoteModels = false;
  env.localModelPath = dirname(modelDir) + '/';
  return pipeline('feature-extraction', basename(modelDir), { dtype: 'fp32' });
}

async function embed(ex: FeatureExtractionPipeline, texts: string[]): Promise<number[][]> {
  const out = await ex(texts, { pooling: 'mean', normalize: true });
  expect(out.dims).toEqual([texts.length, 100]);
  return out.tolist() as number[][];
}

describe('static sentence model build', () => {
  let tmp: string;
  let source: WinkSource; // parsed once (~5 s) and shared by both small builds
  let a: BuildResult;
  let b: BuildResult;

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'paperfeed-model-'));
    source = loadWinkSource();
    a = await buildStaticModel({ outDir: join(tmp, 'a', 'small'), maxWords: SMALL, source });
    b = await buildStaticModel({ outDir: join(tmp, 'b', 'small'), maxWords: SMALL, source });
    // The full default model is needed for the quality check; build it if absent (≈6 s).
    if (!isModelUpToDate(DEFAULT_MODEL_DIR)) await buildStaticModel({ outDir: DEFAULT_MODEL_DIR, source });
  }, 60_000);

  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('is deterministic: two builds give byte-identical files', () => {
    expect(a.vocabSize).toBe(SMALL + 4);
    expect(a.dim).toBe(100);
    expect(Object.keys(a.files).sort()).toEqual([...MODEL_FILES].sort());
    expect(b.files).toEqual(a.files);
    for (const f of MODEL_FILES) {
      expect(readFileSync(join(tmp, 'b', 'small', f)).equals(readFileSync(join(tmp, 'a', 'small', f)))).toBe(true);
    }
    // 4-byte floats for V x 100 plus a small protobuf envelope.
    expect(readFileSync(join(tmp, 'a', 'small', 'onnx/model.onnx')).length).toBeGreaterThan((SMALL + 4) * 400);
  });

  it('stamp check: up to date, then stale after a file is tampered with or maxWords differs', () => {
    const dir = join(tmp, 'a', 'small');
    expect(isModelUpToDate(dir, { maxWords: SMALL })).toBe(true);
    expect(isModelUpToDate(dir)).toBe(false); // default maxWords is different
    const cfg = join(dir, 'config.json');
    writeFileSync(cfg, readFileSync(cfg, 'utf8') + ' ');
    expect(isModelUpToDate(dir, { maxWords: SMALL })).toBe(false);
    expect(isModelUpToDate(join(tmp, 'missing'))).toBe(false);
  });

  it('small model loads through the pipeline: 100-d, unit norm, finite for unknown-only text', async () => {
    const ex = await load(join(tmp, 'b', 'small'));
    const ids = Array.from(ex.tokenizer('Transformers for Protein Folding').input_ids.data as BigInt64Array, Number);
    expect(ids[0]).toBe(2); // [CLS]
    expect(ids[ids.length - 1]).toBe(3); // [SEP]
    const vocab = JSON.parse(readFileSync(join(tmp, 'b', 'small', 'tokenizer.json'), 'utf8')).model.vocab;
    expect(ids.slice(1, -1)).toEqual(['transformers', 'for', 'protein', 'folding'].map((w) => vocab[w] ?? 1));
    expect(vocab.protein).toBeGreaterThan(3); // a frequent word: present even in the 5k variant
    const unk = Array.from(ex.tokenizer('zzzqqqxx').input_ids.data as BigInt64Array, Number);
    expect(unk).toEqual([2, 1, 3]);

    const vecs = await embed(ex, ['Protein structure prediction with deep learning.', 'zzzqqqxx', 'zzzq, qqqxx!']);
    for (const v of vecs) {
      expect(v.every(Number.isFinite)).toBe(true);
      expect(Math.sqrt(dot(v, v))).toBeCloseTo(1, 5);
    }
  });

  it('full default model: related abstracts are closer than unrelated ones', async () => {
    const ex = await load(DEFAULT_MODEL_DIR);
    const ids = Array.from(ex.tokenizer('Transformers for Protein Folding').input_ids.data as BigInt64Array, Number);
    expect(ids.length).toBe(6); // [CLS] transformers for protein folding [SEP]: all four words known
    expect(ids).not.toContain(1);

    const [rl1, rl2, bio] = await embed(ex, [
      'We train a deep reinforcement learning agent to control a robotic arm, learning grasping policies directly from camera images with a reward for successful pickups.',
      'A model-free policy optimisation algorithm lets a quadruped robot learn to walk in simulation; the controller is then transferred to the physical robot without fine-tuning.',
      'We predict the three-dimensional structure of proteins from their amino acid sequence using evolutionary information and residue contact maps, improving accuracy on benchmark targets.',
    ]);
    for (const v of [rl1, rl2, bio]) expect(Math.sqrt(dot(v, v))).toBeCloseTo(1, 5);
    const related = dot(rl1, rl2);
    expect(related).toBeGreaterThan(dot(rl1, bio) + 0.05);
    expect(related).toBeGreaterThan(dot(rl2, bio) + 0.05);
  });
});
