// npm run bench:startup [-- --store /tmp/pf-full2 --runs 3]
//
// Start-up with the full-corpus index on disk: copies the prepared store once (the original is never written),
// then starts the server `--runs` times (`node --import tsx src/main.ts`, as `npm start` runs it after its build
// steps) and times process spawn → "listening" line → first /readyz 200 (polled every 10 ms). Each start must
// LOAD the saved index (no rebuild: the server's log line says "index: loaded"); SIGTERM between starts.
import path from 'node:path';
import fs from 'node:fs';
import { arg, fmt, intArg, loadAvg, machine, markdownTable, median } from './lib.js';
import { spawnSync } from 'node:child_process';
import { PROJECT_ROOT } from '../src/config.js';
import { copyStore, DEFAULT_STORE, log, procRssMb, startServer } from './serve-lib.js';

const STORE = path.resolve(arg('store', DEFAULT_STORE)!);
const RUNS = intArg('runs', 3);
const TARGET_MS = 2000;

const load0 = loadAvg();
log(`${machine()}; load ${load0}`);
const copy = copyStore(STORE);
const indexFile = fs.readdirSync(path.join(copy.dataDir, 'index')).find((f) => f.endsWith('.bin'));
const indexBytes = indexFile ? fs.statSync(path.join(copy.dataDir, 'index', indexFile)).size : NaN;

/** ms from spawn to the first server log line matching re (the server prefixes each line with an ISO timestamp). */
function logAt(output: string, spawnedAt: number, re: RegExp): number {
  for (const line of output.split('\n')) {
    const m = /^(\d{4}-\d\d-\d\dT\S+Z) (.*)$/.exec(line);
    if (m && re.test(m[2])) return Date.parse(m[1]) - spawnedAt;
  }
  return NaN;
}

/** Wall ms of a short node command (context: what start-up costs before any paperfeed code runs). */
function timeNode(args: string[]): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: PROJECT_ROOT, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} failed`);
  return performance.now() - t;
}

interface Run {
  storeMs: number;
  listenMs: number;
  readyMs: number;
  indexLine: string;
  indexMs: number;
  loaded: boolean;
  rss: number;
  stopMs: number;
  code: number | null;
}
const runs: Run[] = [];
for (let i = 0; i < RUNS; i++) {
  const s = await startServer(copy.dataDir, { pollMs: 10 });
  const rss = procRssMb(s.pid);
  const line = /index: (loaded|rebuilt[^\n]*?), (\d+) vectors in (\d+) ms/.exec(s.output());
  const stop = await s.stop();
  const run: Run = {
    storeMs: logAt(s.output(), s.spawnedAtEpoch, /^store /),
    listenMs: s.listenMs,
    readyMs: s.readyMs,
    indexLine: line ? line[0] : '(no index line)',
    indexMs: line ? Number(line[3]) : NaN,
    loaded: line?.[1] === 'loaded',
    rss,
    stopMs: stop.ms,
    code: stop.code,
  };
  runs.push(run);
  log(`start ${i + 1}: listening ${fmt(run.listenMs)} ms, ready ${fmt(run.readyMs)} ms (${run.indexLine}), RSS ${fmt(rss)} MB, SIGTERM exit ${stop.code} in ${fmt(stop.ms)} ms`);
}
fs.rmSync(copy.work, { recursive: true, force: true });

// Context, 3 runs each (median): bare node; node with the tsx loader; + importing transformers.js (onnxruntime).
const ctx = {
  node: median([0, 1, 2].map(() => timeNode(['-e', '0']))),
  tsx: median([0, 1, 2].map(() => timeNode(['--import', 'tsx', '-e', '0']))),
  transformers: median([0, 1, 2].map(() => timeNode(['--import', 'tsx', '-e', "await import('@huggingface/transformers')"]))),
};

const med = median(runs.map((r) => r.readyMs));
const allLoaded = runs.every((r) => r.loaded);
console.log(`\n## bench:startup — ${new Date().toISOString()}\n\n${machine()}; load average before ${load0}, after ${loadAvg()}`);
console.log(`Store: copy of ${STORE}; index file ${(indexBytes / 1e6).toFixed(1)} MB. Time from spawn of \`node --import tsx src/main.ts\` (EMBED_MODEL=glove-sif-100d).\n`);
console.log(
  markdownTable(
    ['start', 'store + model open (log) ms', 'to "listening" ms', 'to /readyz 200 ms', 'index step (server log)', 'RSS at ready MB', 'SIGTERM → exit'],
    runs.map((r, i) => [i + 1, fmt(r.storeMs), fmt(r.listenMs), fmt(r.readyMs), r.indexLine, fmt(r.rss), `${r.code} in ${fmt(r.stopMs)} ms`]),
  ),
);
console.log('');
console.log(
  markdownTable(
    ['metric', 'value', 'target', 'met?'],
    [
      [`median time to /readyz 200 (${RUNS} starts)`, `${fmt(med)} ms`, `≤ ${fmt(TARGET_MS)} ms, no rebuild`, med <= TARGET_MS && allLoaded ? 'yes' : '**no**'],
      ['every start loaded the saved index (no rebuild)', allLoaded ? 'yes' : 'no', '', ''],
      ['context: `node -e 0` / `node --import tsx -e 0` / + import @huggingface/transformers (median of 3)', `${fmt(ctx.node)} / ${fmt(ctx.tsx)} / ${fmt(ctx.transformers)} ms`, '', ''],
    ],
  ),
);
process.exit(allLoaded && runs.every((r) => r.code === 0) ? 0 : 1);
