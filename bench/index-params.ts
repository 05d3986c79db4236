// npm run bench:index [-- --store <dir> --M 8,16,24 --efc 100,200 --ef 50,100,200,400 --queries 1000
//                        --pick M,efC --no-growth]
// Chooses HNSW parameters on the real stored vectors: holds out random papers as "new paper" queries, computes
// exact top-10 by brute force over the rest, then builds hnswlib-node indexes over the rest for every
// (M, efConstruction) and measures build time, file size, load time, recall@10 and query latency per efSearch.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import hnswlib from 'hnswlib-node';
import { fromBlob } from '../src/store/store.js';
import {
  arg, exactTopK, flatten, fmt, fromRoot, intArg, machine, markdownTable, mb, mean, median, peakRss, permutation,
  quantile, recallAt, row, timed, type FlatVectors,
} from './lib.js';
import { BENCH_STORE_DIR, DEFAULT_STORE, prepareStore } from './serve-lib.js';

const { HierarchicalNSW } = hnswlib;

const list = (name: string, fallback: string) =>
  arg(name, fallback)!.split(',').map(Number).filter((x) => Number.isInteger(x) && x > 0);
const Ms = list('M', '8,16,24');
const EFCs = list('efc', '100,200');
const EFs = list('ef', '50,100,200,400');
const NQ = intArg('queries', 1000);
const K = 10;
const TARGET = 0.97;
const MARGIN = 0.01; // recall must reach TARGET + MARGIN at full size: the corpus grows, recall drifts down
const log = (m: string) => console.error(`[bench] ${m}`);

// Default: the full-corpus benchmark store (built from ../shared/data on first use, see prepareStore).
const storeArg = arg('store');
const storeDir = storeArg ? fromRoot(storeArg) : DEFAULT_STORE === BENCH_STORE_DIR ? prepareStore() : DEFAULT_STORE;
if (!storeDir || !fs.existsSync(path.join(storeDir, 'paperfeed.db'))) {
  console.error(
    `bench:index needs a populated store: pass --store <DATA_DIR> (a directory holding paperfeed.db),\n` +
      `e.g. after \`DATA_DIR=/tmp/pf-full npm run ingest -- ../shared/data/arxiv-cs-daily/papers-2025.jsonl.gz\`.` +
      (storeDir ? `\n${storeDir}/paperfeed.db does not exist.` : ''),
  );
  process.exit(2);
}

// Read-only, straight from SQLite: opening it through SqliteStore would run migrations (writes).
const db = new Database(path.join(storeDir, 'paperfeed.db'), { readonly: true, fileMustExist: true });
const meta = (key: string) => (db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined)?.value;
const model = meta('model');
const dim = Number(meta('dim'));
if (!model || !dim) throw new Error(`${storeDir} has no model bound`);
const rows: { seq: number; vec: Float32Array }[] = [];
for (const r of db.prepare('SELECT paper_seq AS seq, vec FROM vectors WHERE model = ? ORDER BY paper_seq').iterate(model)) {
  const { seq, vec } = r as { seq: number; vec: Buffer };
  rows.push({ seq, vec: fromBlob(vec) });
}
db.close();
if (rows.length <= NQ * 2) throw new Error(`only ${rows.length} vectors in ${storeDir}: too few for ${NQ} held-out queries`);

// Held-out queries (fixed seed): papers not in the index, like a newly ingested paper asking for neighbours.
const perm = permutation(rows.length, 20250318);
const queries = flatten(Array.from(perm.subarray(0, NQ), (i) => rows[i]), dim);
const baseRows = Array.from(perm.subarray(NQ), (i) => rows[i]); // random order: prefixes are random subsets
rows.length = 0;
const queryArrays = queries.labels.map((_, i) => Array.from(row(queries, i)));
log(`${storeDir}: model ${model}, dim ${dim}, ${baseRows.length} indexed + ${NQ} held-out; ${machine()}`);

function groundTruth(base: FlatVectors): number[][] {
  return queries.labels.map((_, i) => exactTopK(base, row(queries, i), K));
}

interface Built {
  index: InstanceType<typeof HierarchicalNSW>;
  buildS: number;
  bytes: number;
  loadMs: number;
}

async function build(base: { seq: number; vec: Float32Array }[], M: number, efC: number): Promise<Built> {
  const index = new HierarchicalNSW('cosine', dim);
  const t = await timed(() => {
    index.initIndex({ maxElements: base.length, m: M, efConstruction: efC, randomSeed: 100 });
    for (const { seq, vec } of base) index.addPoint(Array.from(vec), seq); // Array.from: as HnswIndex does
  });
  const file = path.join(os.tmpdir(), `pf-bench-hnsw-${process.pid}.bin`);
  await index.writeIndex(file);
  const bytes = fs.statSync(file).size;
  const loaded = new HierarchicalNSW('cosine', dim);
  const load = await timed(() => loaded.readIndex(file));
  fs.rmSync(file, { force: true });
  return { index, buildS: t.ms / 1000, bytes, loadMs: load.ms };
}

interface Point {
  n: number;
  M: number;
  efC: number;
  ef: number;
  buildS: number;
  bytes: number;
  loadMs: number;
  recall: number;
  minRecall: number;
  p50: number;
  p99: number;
}

function measure(b: Built, truth: number[][], n: number, M: number, efC: number): Point[] {
  const out: Point[] = [];
  for (const ef of EFs) {
    b.index.setEf(ef);
    for (let i = 0; i < Math.min(100, NQ); i++) b.index.searchKnn(queryArrays[i], K); // warm caches
    const lat: number[] = [];
    const rec: number[] = [];
    queryArrays.forEach((q, i) => {
      const t0 = performance.now();
      const { neighbors } = b.index.searchKnn(q, K);
      lat.push(performance.now() - t0);
      rec.push(recallAt(neighbors, truth[i]));
    });
    out.push({
      n, M, efC, ef, buildS: b.buildS, bytes: b.bytes, loadMs: b.loadMs,
      recall: mean(rec), minRecall: Math.min(...rec), p50: median(lat), p99: quantile(lat, 0.99),
    });
  }
  return out;
}

const pointRow = (p: Point) => [
  fmt(p.n), p.M, p.efC, p.ef, fmt(p.buildS, 1), mb(p.bytes), fmt(p.loadMs), p.recall.toFixed(4), p.minRecall.toFixed(1),
  p.p50.toFixed(3), p.p99.toFixed(3),
];
const HEAD = ['points', 'M', 'efC', 'efSearch', 'build s', 'file', 'load ms', 'recall@10', 'min', 'p50 ms', 'p99 ms'];

const gtAll = await timed(() => groundTruth(flatten(baseRows, dim)));
log(`exact ground truth: ${NQ} queries × ${baseRows.length} in ${fmt(gtAll.ms / 1000, 1)} s`);

const grid: Point[] = [];
const started = performance.now();
for (const M of Ms) {
  for (const efC of EFCs) {
    const b = await build(baseRows, M, efC);
    const pts = measure(b, gtAll.value, baseRows.length, M, efC);
    grid.push(...pts);
    log(`M=${M} efC=${efC}: build ${fmt(b.buildS, 1)} s, ${mb(b.bytes)}; recall ${pts.map((p) => `ef${p.ef}=${p.recall.toFixed(3)}`).join(' ')}`);
  }
}
const gridMin = (performance.now() - started) / 60000;

// Cheapest = lowest median query latency among points with margin; build time breaks near-ties (within 5%).
const ok = grid.filter((p) => p.recall >= TARGET + MARGIN);
ok.sort((a, b) => (Math.abs(a.p50 - b.p50) <= 0.05 * Math.min(a.p50, b.p50) ? a.buildS - b.buildS : a.p50 - b.p50));
// --pick M,efC: draw the growth curve for these instead of the automatic pick.
const pick = arg('pick')?.split(',').map(Number);
const chosen = pick ? ok.find((p) => p.M === pick[0] && p.efC === pick[1]) ?? ok[0] : ok[0];
const byBuild = [...ok].sort((a, b) => a.buildS - b.buildS || a.p50 - b.p50)[0];

console.log(`\n## bench:index — ${storeDir} (${model}, ${dim}-d), ${new Date().toISOString()}\n\n${machine()}\n`);
console.log(`${fmt(baseRows.length)} indexed vectors, ${NQ} held-out queries (seeded), k=${K}; grid took ${gridMin.toFixed(1)} min.\n`);
console.log(markdownTable(HEAD, grid.map(pointRow)));

if (!chosen) {
  console.log(`\nNo configuration reached recall@10 ≥ ${TARGET + MARGIN}; widen the grid (--M, --efc, --ef).`);
} else {
  const c = chosen;
  console.log(`\n${pick ? 'Picked (--pick)' : 'Lowest-latency point'} with recall@10 ≥ ${TARGET + MARGIN}: M=${c.M}, efC=${c.efC}, efSearch=${c.ef} ` +
    `(recall ${c.recall.toFixed(4)}, p50 ${c.p50.toFixed(3)} ms, build ${fmt(c.buildS, 1)} s).`);
  if (byBuild) console.log(`Fastest-build point with that recall: M=${byBuild.M}, efC=${byBuild.efC}, efSearch=${byBuild.ef} ` +
    `(recall ${byBuild.recall.toFixed(4)}, p50 ${byBuild.p50.toFixed(3)} ms, build ${fmt(byBuild.buildS, 1)} s).`);

  if (!process.argv.includes('--no-growth')) {
    // Growth curve for the chosen (M, efC): random prefixes of the indexed set, with their own ground truth.
    const growth: Point[] = [];
    for (const n of [10_000, 30_000].filter((x) => x < baseRows.length)) {
      const sub = baseRows.slice(0, n);
      const truth = groundTruth(flatten(sub, dim));
      growth.push(...measure(await build(sub, c.M, c.efC), truth, n, c.M, c.efC));
      log(`growth: ${n} done`);
    }
    growth.push(...grid.filter((p) => p.M === c.M && p.efC === c.efC));
    console.log(`\n### Growth curve, M=${c.M}, efC=${c.efC}\n`);
    console.log(markdownTable(HEAD, growth.map(pointRow)));
  }
}
console.log(`\npeak RSS ${mb(peakRss())}; total ${fmt((performance.now() - started) / 60000, 1)} min after ground truth.`);
