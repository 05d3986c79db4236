// npm run bench:index-1m [-- --max 1000000 --checkpoints 250000,500000,1000000 --budget-min 15 --M 16 --efc 100 --ef 200]
//
// hnswlib-node alone at 1M points: a synthetic, low-rank, realistic 100-d set (each point a random mixture of 1–3
// of 200 cluster centres plus isotropic noise, unit-normalised; seeded), built in one index in chunks exactly as
// HnswIndex adds points (cosine, randomSeed 100, addPoint(Array.from(v), label)). At each checkpoint the build is
// paused (not timed) and the index is written to a temp file; a FRESH child process then loads it and measures
// load time, RSS, single-threaded query latency (p50/p99 at --ef) and recall@10 of 200 held-out queries against
// the exact top-10 (brute force over the points indexed so far, computed in this process).
// --budget-min: if the projected build time to the next checkpoint would exceed the budget, the build stops there
// and the remaining checkpoints are EXTRAPOLATED (power law through the last two measured ones; marked "extrap.").
import hnswlib from 'hnswlib-node';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { arg, exactTopK, fmt, intArg, loadAvg, machine, markdownTable, mb, mean, now, quantile, recallAt, rng } from './lib.js';

const { HierarchicalNSW } = hnswlib;
const log = (m: string) => console.error(`[index-1m ${new Date().toISOString().slice(11, 19)}] ${m}`);

// ------------------------------------------------------------------ child: load + query a saved index
if (arg('load')) {
  const file = arg('load')!;
  const dim = intArg('dim', 100);
  const ef = intArg('ef', 200);
  const qf = JSON.parse(fs.readFileSync(arg('queries')!, 'utf8')) as { queries: number[][]; truth: number[][] };
  const rss0 = process.memoryUsage().rss;
  const t0 = now();
  const h = new HierarchicalNSW('cosine', dim);
  await h.readIndex(file, false);
  const loadMs = now() - t0;
  h.setEf(ef);
  const rss1 = process.memoryUsage().rss;
  const recalls = qf.queries.map((q, i) => recallAt(h.searchKnn(q, 10).neighbors, qf.truth[i]));
  for (let i = 0; i < 50; i++) h.searchKnn(qf.queries[i % qf.queries.length], 10); // warm-up
  const lat: number[] = [];
  for (let r = 0; r < 5; r++) {
    for (const q of qf.queries) {
      const s = now();
      h.searchKnn(Array.from(q), 10);
      lat.push(now() - s);
    }
  }
  console.log(
    JSON.stringify({
      loadMs,
      rssBeforeMb: rss0 / 2 ** 20,
      rssAfterLoadMb: rss1 / 2 ** 20,
      rssAfterQueriesMb: process.memoryUsage().rss / 2 ** 20,
      recall: mean(recalls),
      minRecall: Math.min(...recalls),
      p50: quantile(lat, 0.5),
      p99: quantile(lat, 0.99),
      queries: lat.length,
    }),
  );
  process.exit(0);
}

// ------------------------------------------------------------------ parent: generate, build, checkpoint
const MAX = intArg('max', 1_000_000);
const CHECKPOINTS = (arg('checkpoints', '250000,500000,1000000') ?? '').split(',').map(Number).filter((n) => n > 0 && n <= MAX);
if (!CHECKPOINTS.includes(MAX)) CHECKPOINTS.push(MAX);
CHECKPOINTS.sort((a, b) => a - b);
const DIM = intArg('dim', 100);
const CENTRES = intArg('centres', 200);
const M = intArg('M', 16);
const EFC = intArg('efc', 100);
const EF = intArg('ef', 200);
const QUERIES = intArg('queries', 200);
const BUDGET_MS = Number(arg('budget-min', '15')) * 60_000;
const NOISE = Number(arg('noise', '1.0')); // norm of the noise relative to the (unit) mixture
const MIX = intArg('mix', 3); // each point mixes 1..MIX centres
const CHUNK = 10_000;

const random = rng(1_000_003);
const gauss = () => {
  let u = 0;
  while (u === 0) u = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
};
const normalise = (v: Float32Array) => {
  let s = 0;
  for (let j = 0; j < v.length; j++) s += v[j] * v[j];
  const inv = 1 / Math.sqrt(s);
  for (let j = 0; j < v.length; j++) v[j] *= inv;
  return v;
};
const centres = Array.from({ length: CENTRES }, () => normalise(Float32Array.from({ length: DIM }, gauss)));
/** One point: a random mixture of 1–3 centres (exponential weights), plus noise, unit length. */
function point(out: Float32Array): void {
  out.fill(0);
  const parts = 1 + Math.floor(random() * MIX);
  for (let p = 0; p < parts; p++) {
    const c = centres[Math.floor(random() * CENTRES)];
    const w = -Math.log(1 - random());
    for (let j = 0; j < DIM; j++) out[j] += w * c[j];
  }
  normalise(out);
  const sigma = NOISE / Math.sqrt(DIM);
  for (let j = 0; j < DIM; j++) out[j] += sigma * gauss();
  normalise(out);
}

log(`${machine()}; load ${loadAvg()}`);
const tGen = now();
const data = new Float32Array(MAX * DIM);
for (let i = 0; i < MAX; i++) point(data.subarray(i * DIM, (i + 1) * DIM));
const queries = Array.from({ length: QUERIES }, () => {
  const q = new Float32Array(DIM);
  point(q);
  return q;
});
log(`generated ${fmt(MAX)} × ${DIM} points + ${QUERIES} queries in ${fmt((now() - tGen) / 1000, 1)} s (${mb(data.byteLength)})`);

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'paperfeed-index1m-'));
const self = fileURLToPath(import.meta.url);

interface Row {
  n: number;
  buildS: number;
  rate: number;
  writeMs: number;
  fileBytes: number;
  loadMs: number;
  rssMb: number;
  p50: number;
  p99: number;
  recall: number;
  minRecall: number;
  gtS: number;
  extrapolated: boolean;
}
const rows: Row[] = [];

const h = new HierarchicalNSW('cosine', DIM);
h.initIndex({ maxElements: MAX, m: M, efConstruction: EFC, randomSeed: 100 });
h.setEf(EF);
let built = 0;
let buildMs = 0;
const load0 = loadAvg();
const cpu0 = process.cpuUsage();
let stoppedEarly = false;

for (const target of CHECKPOINTS) {
  // Budget check: project this segment from the rate of the last segment (slower per point as the graph grows).
  if (built > 0) {
    const lastRate = rows.length ? rows[rows.length - 1].rate : built / (buildMs / 1000);
    const projected = ((target - built) / lastRate) * 1000 * 1.15;
    if (buildMs + projected > BUDGET_MS) {
      log(`stopping at ${fmt(built)}: the next checkpoint (${fmt(target)}) would take ~${fmt(projected / 60000, 1)} min more (budget ${fmt(BUDGET_MS / 60000, 1)} min)`);
      stoppedEarly = true;
      break;
    }
  }
  const segStart = now();
  while (built < target) {
    const end = Math.min(target, built + CHUNK);
    for (let i = built; i < end; i++) h.addPoint(Array.from(data.subarray(i * DIM, (i + 1) * DIM)), i);
    built = end;
    if (built % 50_000 === 0) log(`built ${fmt(built)} (${fmt((buildMs + now() - segStart) / 1000)} s)`);
  }
  const segMs = now() - segStart;
  buildMs += segMs;
  const rate = (target - (rows.length ? rows[rows.length - 1].n : 0)) / (segMs / 1000);

  const file = path.join(work, `hnsw-${target}.bin`);
  const w0 = now();
  await h.writeIndex(file);
  const writeMs = now() - w0;
  const fileBytes = fs.statSync(file).size;

  // Ground truth over the points indexed so far.
  const g0 = now();
  const base = { dim: DIM, labels: Array.from({ length: target }, (_, i) => i), data: data.subarray(0, target * DIM) };
  const truth = queries.map((q) => exactTopK(base, q, 10));
  const gtS = (now() - g0) / 1000;
  const dot = (q: Float32Array, i: number) => q.reduce((acc, x, j) => acc + x * data[i * DIM + j], 0);
  const cos1 = mean(queries.map((q, i) => dot(q, truth[i][0])));
  const cos10 = mean(queries.map((q, i) => dot(q, truth[i][9])));
  log(`${fmt(target)}: exact neighbours of the queries: mean cosine of the 1st ${cos1.toFixed(3)}, of the 10th ${cos10.toFixed(3)}`);
  const qfile = path.join(work, `queries-${target}.json`);
  fs.writeFileSync(qfile, JSON.stringify({ queries: queries.map((q) => Array.from(q)), truth }));

  const child = spawnSync(process.execPath, ['--import', 'tsx', self, '--load', file, '--dim', String(DIM), '--ef', String(EF), '--queries', qfile], {
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
  if (child.status !== 0) throw new Error(`load child failed: ${child.stderr}`);
  const r = JSON.parse(child.stdout.trim().split('\n').pop()!) as { loadMs: number; rssAfterQueriesMb: number; rssBeforeMb: number; p50: number; p99: number; recall: number; minRecall: number };
  rows.push({ n: target, buildS: buildMs / 1000, rate, writeMs, fileBytes, loadMs: r.loadMs, rssMb: r.rssAfterQueriesMb, p50: r.p50, p99: r.p99, recall: r.recall, minRecall: r.minRecall, gtS, extrapolated: false });
  log(
    `${fmt(target)}: build ${fmt(buildMs / 1000, 1)} s (segment ${fmt(rate)} pts/s), file ${mb(fileBytes)}, load ${fmt(r.loadMs)} ms, RSS ${fmt(r.rssAfterQueriesMb)} MB ` +
      `(node alone ${fmt(r.rssBeforeMb)} MB), p50 ${r.p50.toFixed(3)} ms, p99 ${r.p99.toFixed(3)} ms, recall@10 ${r.recall.toFixed(4)} (ground truth ${gtS.toFixed(1)} s)`,
  );
  fs.rmSync(file, { force: true });
}
const cpu = process.cpuUsage(cpu0);

// Extrapolate the checkpoints not reached: power law through the last two measured points.
if (stoppedEarly) {
  if (rows.length < 2) throw new Error('need two measured checkpoints to extrapolate; lower --checkpoints or raise --budget-min');
  const [a, b] = rows.slice(-2);
  const fit = (ya: number, yb: number, n: number) => yb * (n / b.n) ** (Math.log(yb / ya) / Math.log(b.n / a.n));
  for (const n of CHECKPOINTS.filter((c) => c > b.n)) {
    rows.push({
      n,
      buildS: fit(a.buildS, b.buildS, n),
      rate: NaN,
      writeMs: fit(a.writeMs, b.writeMs, n),
      fileBytes: b.fileBytes * (n / b.n),
      loadMs: fit(a.loadMs, b.loadMs, n),
      rssMb: fit(a.rssMb, b.rssMb, n),
      p50: fit(a.p50, b.p50, n),
      p99: fit(a.p99, b.p99, n),
      recall: NaN,
      minRecall: NaN,
      gtS: NaN,
      extrapolated: true,
    });
  }
}
fs.rmSync(work, { recursive: true, force: true });

console.log(`\n## bench:index-1m — ${new Date().toISOString()}\n\n${machine()}; load average at build start ${load0}, at the end ${loadAvg()}`);
console.log(
  `hnswlib-node alone, cosine, M=${M}, efConstruction=${EFC}, efSearch=${EF}, dim ${DIM}; synthetic data: mixtures of 1–${MIX} of ${CENTRES} ` +
    `centres + noise (norm ${NOISE}), unit length; ${QUERIES} held-out queries; one index grown through the checkpoints (build time cumulative, ` +
    `single-threaded addPoint as HnswIndex does; build CPU ${fmt((cpu.user + cpu.system) / 1e6)} s). Load / latency / recall / RSS measured in a fresh process per checkpoint.` +
    `${stoppedEarly ? ` **Build stopped by the ${fmt(BUDGET_MS / 60000)}-min budget; rows marked "extrap." are a power-law extrapolation through the last two measured rows.**` : ''}\n`,
);
console.log(
  markdownTable(
    ['points', 'build s (cumul.)', 'segment pts/s', 'file', 'write ms', 'load ms', 'RSS MB (loaded, queried)', 'p50 ms', 'p99 ms', 'recall@10', 'min'],
    rows.map((r) => [
      `${fmt(r.n)}${r.extrapolated ? ' (extrap.)' : ''}`,
      fmt(r.buildS, 1),
      Number.isFinite(r.rate) ? fmt(r.rate) : '—',
      mb(r.fileBytes),
      fmt(r.writeMs),
      fmt(r.loadMs),
      fmt(r.rssMb),
      r.p50.toFixed(3),
      r.p99.toFixed(3),
      Number.isFinite(r.recall) ? r.recall.toFixed(4) : '—',
      Number.isFinite(r.minRecall) ? r.minRecall.toFixed(1) : '—',
    ]),
  ),
);
