// npm run bench [-- --only startup,http --skip index-1m --store /tmp/pf-full2 --quick --out results.md]
//
// Runs the corpus-scale benchmarks one after another, each in its own process (so one's memory and JIT state do
// not colour the next), streams their logs, and prints every table again at the end with a summary of exit codes
// and wall times. Names: store (builds the full-corpus store unless --store), startup, http, serving-ingest, index
// (growth curve of the chosen HNSW parameters), feed-stall, k1000, ingest (= npm run bench:ingest, 20k papers), index-1m.
// --quick: shorter runs for a smoke test (not for figures). Default total ≈ 15–25 min on 2 cores, plus 4–8 min the
// first time to build the store.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/config.js';
import { arg, fmt, loadAvg, machine } from './lib.js';

const QUICK = process.argv.includes('--quick');
const store = arg('store');
const storeArgs = store ? ['--store', store] : [];

const BENCHES: { name: string; file: string; args: string[]; what: string }[] = [
  // Without --store, the serving benchmarks copy the full-corpus store built from ../shared/data on first use.
  ...(store ? [] : [{ name: 'store', file: 'prepare-store.ts', args: [], what: 'the full-corpus store (built once from ../shared/data, then reused)' }]),
  { name: 'startup', file: 'startup.ts', args: [...storeArgs, '--runs', QUICK ? '1' : '3'], what: 'start-up to /readyz with the full index (median of 3)' },
  {
    name: 'http',
    file: 'http.ts',
    args: [...storeArgs, ...(QUICK ? ['--seconds', '3', '--bare-seconds', '2'] : ['--seconds', '10', '--connections', '8', '--bare-seconds', '5'])],
    what: 'queries over HTTP (autocannon) + /similar vs a bare loop',
  },
  {
    name: 'serving-ingest',
    file: 'serving-during-ingest.ts',
    args: [...storeArgs, ...(QUICK ? ['--n', '2000', '--idle-seconds', '5'] : ['--n', '20000', '--batch', '500', '--idle-seconds', '20'])],
    what: '/similar p99 idle vs during a 20k-paper ingest over the API',
  },
  {
    name: 'index',
    file: 'index-params.ts',
    args: [...storeArgs, '--M', '16', '--efc', '100', '--ef', '200', '--pick', '16,100', '--queries', QUICK ? '200' : '1000'],
    what: 'the chosen HNSW parameters at 10k / 30k / 121k real vectors: build, size, load, recall@10 vs exact',
  },
  { name: 'feed-stall', file: 'feed-stall.ts', args: [...storeArgs, '--runs', QUICK ? '1' : '5', '--warmup', QUICK ? '1' : '3'], what: 'uncached feeds (50 and 200 stars, 7 days and the whole corpus): CPU and event-loop gap' },
  { name: 'k1000', file: 'k1000.ts', args: [...storeArgs, '--runs', QUICK ? '1' : '3'], what: 'the longest event-loop gap of every list at k = 1000' },
  { name: 'ingest', file: 'ingest.ts', args: QUICK ? ['--n', '2000'] : [], what: 'npm run bench:ingest (20k papers: bare pipeline vs ingest, index, recall)' },
  {
    name: 'index-1m',
    file: 'index-1m.ts',
    args: QUICK ? ['--max', '100000', '--checkpoints', '50000,100000'] : ['--budget-min', arg('index-budget-min', '10')!],
    what: 'hnswlib alone at 250k / 500k / 1M synthetic points',
  },
];

const only = arg('only')?.split(',');
const skip = arg('skip')?.split(',') ?? [];
for (const n of [...(only ?? []), ...skip]) {
  if (!BENCHES.some((b) => b.name === n)) {
    console.error(`unknown benchmark "${n}" (have ${BENCHES.map((b) => b.name).join(', ')})`);
    process.exit(2);
  }
}
const chosen = BENCHES.filter((b) => (!only || only.includes(b.name)) && !skip.includes(b.name));

console.error(`[bench] ${machine()}; load ${loadAvg()}; running ${chosen.map((b) => b.name).join(', ')}${QUICK ? ' (quick)' : ''}`);
const results: { name: string; code: number | null; seconds: number; out: string }[] = [];
const t0 = performance.now();
for (const b of chosen) {
  console.error(`\n[bench] ── ${b.name}: ${b.what}\n[bench]    tsx bench/${b.file} ${b.args.join(' ')}`);
  const s = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'bench', b.file), ...b.args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, EMBED_MODEL: 'glove-sif-100d' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.on('data', (d) => {
    out += d;
    process.stderr.write(d);
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  results.push({ name: b.name, code, seconds: (performance.now() - s) / 1000, out });
}
const total = (performance.now() - t0) / 1000;

const report = [
  `# npm run bench — ${new Date().toISOString()}`,
  '',
  `${machine()}; load average at the end ${loadAvg()}; total ${fmt(total / 60, 1)} min`,
  '',
  '| benchmark | exit | wall s |',
  '| --- | --- | --- |',
  ...results.map((r) => `| ${r.name} | ${r.code} | ${fmt(r.seconds)} |`),
  '',
  ...results.map((r) => r.out.trim()),
].join('\n');
console.log(`\n${report}`);
const out = arg('out');
if (out) fs.writeFileSync(out, report + '\n');
process.exit(results.every((r) => r.code === 0) ? 0 : 1);
