// npm run bench:ingest [-- --n 20000 --data ../shared/data/arxiv-cs-daily --keep]
// On the first N records of papers-2025.jsonl.gz, in one process: bare-pipeline embedding throughput (a),
// end-to-end library ingest (b), unchanged re-ingest (c), index build/save/load (d), recall@10 vs brute force (e),
// peak RSS (f). (a) runs before and after (b) so a drift of the shared machine shows up in the ratio.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { env, pipeline, type FeatureExtractionPipeline } from '@huggingface/transformers';
import { loadConfig } from '../src/config.js';
import { paperText } from '../src/embed/text.js';
import { HnswIndex } from '../src/index/hnsw-index.js';
import { ingestFiles, type IngestReport } from '../src/ingest/files.js';
import { readPaperFile } from '../src/ingest/parse.js';
import { openRuntime } from '../src/runtime.js';
import type { SqliteEngine } from '../src/store/sqlite-engine.js';
import {
  arg, dirSize, loadAvg, exactTopK, firstLines, flatten, fmt, fromRoot, intArg, machine, markdownTable, mb, mean, median, peakRss,
  permutation, recallAt, row, timed,
} from './lib.js';

const N = intArg('n', 20000);
const DATA = fromRoot(arg('data', '../shared/data/arxiv-cs-daily')!);
const SOURCE = path.join(DATA, 'papers-2025.jsonl.gz');
const QUERIES = 500;
const EMBED_BATCH = 32;
const log = (m: string) => console.error(`[bench] ${m}`);

if (!fs.existsSync(SOURCE)) {
  console.error(`bench:ingest: ${SOURCE} not found (pass --data <dir with papers-2025.jsonl.gz>)`);
  process.exit(2);
}


const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'paperfeed-bench-'));
const jsonl = path.join(tmp, 'papers.jsonl');
const dataDir = path.join(tmp, 'data');
const config = loadConfig({ ...process.env, DATA_DIR: dataDir });
log(`temp dir ${tmp}; model ${config.EMBED_MODEL}; ${machine()}`);

// The first N non-blank lines verbatim, so (b) parses exactly what the CLI would.
const firstN = await firstLines(SOURCE, N);
fs.writeFileSync(jsonl, `${firstN.join('\n')}\n`);
const lines = firstN.length;
// Parse once up front (not timed) to get the texts for (a); also times the parser alone, for context.
const parse = await timed(async () => {
  const texts: string[] = [];
  for await (const rec of readPaperFile(jsonl)) if (rec.ok) texts.push(paperText(rec.paper.title, rec.paper.abstract));
  return texts;
});
const texts = parse.value;
log(`${lines} lines, ${texts.length} valid papers; parse+clean ${fmt(parse.ms)} ms`);

// (a) bare transformers.js pipeline, configured as the task states (no length sorting, file order).
env.allowRemoteModels = false;
env.allowLocalModels = true;
env.localModelPath = config.MODELS_DIR + path.sep;
const extractor = (await pipeline('feature-extraction', config.EMBED_MODEL, { dtype: 'fp32' })) as FeatureExtractionPipeline;
await extractor(texts.slice(0, EMBED_BATCH), { pooling: 'mean', normalize: true }); // warm-up
/** Papers per wall second and per CPU second (the latter is less sensitive to other load on the machine). */
const rates = (t: { ms: number; cpuMs: number }) => ({ wall: texts.length / (t.ms / 1000), cpu: texts.length / (t.cpuMs / 1000) });
async function bare() {
  const t = await timed(async () => {
    for (let i = 0; i < texts.length; i += EMBED_BATCH) {
      const out = await extractor(texts.slice(i, i + EMBED_BATCH), { pooling: 'mean', normalize: true });
      out.dispose?.();
    }
  });
  return rates(t);
}

const load0 = loadAvg();
const A1 = await bare();
const a1 = A1.wall;
log(`(a1) bare pipeline ${fmt(a1)} papers/s, ${fmt(A1.cpu)} per CPU-s`);

// (b) end-to-end: parser + merge + hash + embedder + SQLite, exactly the library path the CLI uses.
const runtime = await openRuntime(config, log);
const sqlite = (runtime.engine as SqliteEngine).sqlite;
const ingest = (): Promise<{ value: IngestReport; ms: number; cpuMs: number }> =>
  timed(() => ingestFiles(runtime.engine.writes, runtime.embedder, [jsonl], { batchSize: config.INGEST_BATCH_SIZE }));
const b = await ingest();
const B = rates(b);
const bRate = B.wall;
log(`(b) ingest ${fmt(bRate)} papers/s, ${fmt(B.cpu)} per CPU-s (inserted ${b.value.inserted}, rejected ${b.value.rejected.length})`);
if (b.value.failedFiles.length) throw new Error(`ingest failed: ${JSON.stringify(b.value.failedFiles)}`);

const A2 = await bare();
const a2 = A2.wall;
log(`(a2) bare pipeline ${fmt(a2)} papers/s, ${fmt(A2.cpu)} per CPU-s`);
const aMed = median([a1, a2]);
const aCpu = median([A1.cpu, A2.cpu]);
const load1 = loadAvg();

// (c) the same file again: nothing to embed or write.
const c = await ingest();
const cRate = texts.length / (c.ms / 1000);
log(`(c) re-ingest ${fmt(cRate)} papers/s (unchanged ${c.value.unchanged})`);

// (d) index: open() on an empty index dir rebuilds from the store and saves; a second open() loads the file.
const indexDir = path.join(dataDir, 'index');
const params = { M: config.HNSW_M, efConstruction: config.HNSW_EF_CONSTRUCTION, efSearch: config.HNSW_EF_SEARCH };
// The key vectors are stored under (the model name plus a weights fingerprint in newer stores).
const model = sqlite.modelInfo()?.model ?? runtime.embedder.modelId;
const dim = runtime.embedder.dim;
const openIndex = () => HnswIndex.open({ dir: indexDir, model, dim, params, source: runtime.engine.changes });
const built = await timed(openIndex);
if (built.value.outcome !== 'rebuilt') throw new Error('expected a rebuild on an empty index dir');
const resave = await timed(() => built.value.index.save()); // to split build from save (sha256 + fsync)
const indexBytes = dirSize(indexDir);
const loaded = await timed(openIndex);
if (loaded.value.outcome !== 'loaded') throw new Error(`expected the saved index to load: ${loaded.value.reason}`);
const index = loaded.value.index;
if (index.size !== texts.length) throw new Error(`the index holds ${index.size} vectors, expected ${texts.length}`);
log(`(d) build+save ${fmt(built.ms)} ms, save ${fmt(resave.ms)} ms, load ${fmt(loaded.ms)} ms, ${mb(indexBytes)}`);

// (e) recall@10 of the loaded index vs exact search over every stored vector (queries are stored papers).
const all = flatten([...sqlite.allVectors(model)], dim);
const order = permutation(all.labels.length, 42);
const recalls: number[] = [];
for (let qi = 0; qi < Math.min(QUERIES, all.labels.length); qi++) {
  const q = row(all, order[qi]);
  const exact = exactTopK(all, q, 10);
  const approx = index.search(q, 10).map((h) => h.seq);
  recalls.push(recallAt(approx, exact));
}
const recall = mean(recalls);
log(`(e) recall@10 ${recall.toFixed(4)} over ${recalls.length} queries at efSearch ${params.efSearch}`);

const dbBytes = ['paperfeed.db', 'paperfeed.db-wal']
  .map((f) => path.join(dataDir, f))
  .filter((f) => fs.existsSync(f))
  .reduce((s, f) => s + fs.statSync(f).size, 0);
await runtime.close();
const rss = peakRss(); // (f)

const ok = (v: boolean) => (v ? 'yes' : '**no**');
const ratio = bRate / aMed;
const speedup = cRate / bRate;
const rows: (string | number)[][] = [
  ['papers (first N lines of papers-2025.jsonl.gz)', `${fmt(lines)} lines, ${fmt(texts.length)} valid`, '', ''],
  ['parse + clean only (context)', `${fmt(texts.length / (parse.ms / 1000))} papers/s`, '', ''],
  ['(a) bare pipeline, batch 32: run 1 / run 2', `${fmt(a1)} / ${fmt(a2)} papers/s`, '', ''],
  ['(a) bare pipeline, median', `${fmt(aMed)} papers/s`, '', ''],
  ['(b) end-to-end ingest (ingestFiles)', `${fmt(bRate)} papers/s (${fmt(b.ms / 1000, 1)} s)`, '', ''],
  ['(b)/(a) ratio (vs median; vs a1, a2)', `${ratio.toFixed(2)} (${(bRate / a1).toFixed(2)}, ${(bRate / a2).toFixed(2)})`, '≥ 0.8', ok(ratio >= 0.8)],
  ['(a) / (b) per CPU-second: a1, a2 / b', `${fmt(A1.cpu)}, ${fmt(A2.cpu)} / ${fmt(B.cpu)} papers per CPU-s`, '', ''],
  ['(b)/(a) ratio by CPU time (vs median a)', (B.cpu / aCpu).toFixed(2), '≥ 0.8', ok(B.cpu / aCpu >= 0.8)],
  ['load average (1/5/15 min) before a1; after a2', `${load0}; ${load1}`, '', ''],
  ['(c) re-ingest unchanged file', `${fmt(cRate)} papers/s (${fmt(c.ms / 1000, 2)} s, ${fmt(c.value.unchanged)} unchanged)`, '', ''],
  ['(c)/(b) speed-up', `${speedup.toFixed(1)}×`, '≥ 20×', ok(speedup >= 20)],
  ['(d) index build (HnswIndex.open rebuild, incl. save)', `${fmt(built.ms)} ms (save alone ${fmt(resave.ms)} ms)`, '', ''],
  [`(d) index params`, `M=${params.M}, efC=${params.efConstruction}, efSearch=${params.efSearch}`, '', ''],
  ['(d) index dir size on disk', mb(indexBytes), '', ''],
  ['(d) load saved index (HnswIndex.open, verified)', `${fmt(loaded.ms)} ms`, '', ''],
  [`(e) recall@10 vs brute force (${recalls.length} stored-paper queries)`, recall.toFixed(4), '≥ 0.97', ok(recall >= 0.97)],
  ['store size on disk (db + wal)', mb(dbBytes), '', ''],
  ['(f) peak RSS (whole bench process)', mb(rss), '', ''],
];
console.log(`\n## bench:ingest — N=${N}, ${new Date().toISOString()}\n\n${machine()}\n`);
console.log(markdownTable(['metric', 'value', 'target', 'met?'], rows));

if (process.argv.includes('--keep')) log(`kept ${tmp}`);
else fs.rmSync(tmp, { recursive: true, force: true });
