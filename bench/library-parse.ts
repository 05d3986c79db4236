// npm run bench:library-parse [-- --entries 5000 --runs 3]
// Parsing a library file (src/library/parse.ts) of the largest size an import takes: a generated BibTeX, RIS and
// CSL-JSON file of `entries` entries with abstracts. CPU time on the event loop (inline) against in a worker
// thread (as the server does it: parseLibraryOffThread), and the event loop's longest stall meanwhile.
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import type { LibraryFormat } from '../src/library/entry.js';
import { parseLibrary } from '../src/library/parse.js';
import { parseLibraryOffThread } from '../src/library/run.js';
import { intArg } from './lib.js';

const entries = intArg('entries', 5000);
const runs = intArg('runs', 3);
const abstract = (i: number) => `We study problem ${i} with graph neural networks and $\\alpha$-divergences. `.repeat(8);
const files: Record<LibraryFormat, string> = {
  bibtex: Array.from({ length: entries }, (_, i) =>
    `@article{key${i},\n  title = {A {Study} of Problem ${i}},\n  author = {Doe, Jane and M{\\"u}ller, Ada},\n  year = {2024},\n  doi = {10.1000/x.${i}},\n  abstract = {${abstract(i)}},\n}\n`).join('\n'),
  ris: Array.from({ length: entries }, (_, i) => `TY  - JOUR\nTI  - A Study of Problem ${i}\nAU  - Doe, Jane\nPY  - 2024\nDO  - 10.1000/x.${i}\nAB  - ${abstract(i)}\nER  - \n`).join('\n'),
  'csl-json': JSON.stringify(Array.from({ length: entries }, (_, i) => ({ id: `k${i}`, title: `A Study of Problem ${i}`, author: [{ family: 'Doe', given: 'Jane' }], DOI: `10.1000/x.${i}`, abstract: abstract(i) }))),
};

const rows: string[] = [];
for (const format of Object.keys(files) as LibraryFormat[]) {
  const text = files[format];
  let inlineCpu = Infinity;
  let inlineStall = 0;
  let workerWall = Infinity;
  let workerStall = Infinity;
  for (let r = 0; r < runs; r++) {
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    const out = parseLibrary(text, format);
    const wall = performance.now() - t0;
    const used = process.cpuUsage(cpu);
    if (!out.ok || out.entries.length !== entries) throw new Error(`${format}: ${out.ok ? out.entries.length : out.error.message}`);
    inlineCpu = Math.min(inlineCpu, (used.user + used.system) / 1000);
    inlineStall = Math.max(inlineStall, wall); // inline, the whole parse is one stall
    const h = monitorEventLoopDelay({ resolution: 5 });
    h.enable();
    const t1 = performance.now();
    const off = await parseLibraryOffThread(text, format);
    workerWall = Math.min(workerWall, performance.now() - t1);
    h.disable();
    if (!off.ok) throw new Error(off.error.message);
    workerStall = Math.min(workerStall, h.max / 1e6);
  }
  rows.push(`| ${format} | ${(text.length / 1e6).toFixed(1)} MB | ${inlineCpu.toFixed(0)} ms | ${inlineStall.toFixed(0)} ms | ${workerWall.toFixed(0)} ms | ${workerStall.toFixed(0)} ms |`);
}
console.log(`${entries} entries, best of ${runs} runs (node ${process.version})`);
console.log('| format | file | parse CPU (inline) | event-loop stall inline | wall in a worker | event-loop stall, worker |');
console.log('|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
