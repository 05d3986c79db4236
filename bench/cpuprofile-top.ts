// npx tsx bench/cpuprofile-top.ts <file.cpuprofile> [--top 25] [--from-ms 0 --to-ms Infinity]
//
// Summarises a V8 CPU profile (`node --cpu-prof`): self time per function (and per file), optionally only for the
// samples between two offsets from the profile start, so a phase (say, an ingest) can be looked at on its own.
// "(idle)" is the event loop waiting; "(program)"/"(garbage collector)" are V8's own.
import fs from 'node:fs';

export interface ProfileSummary {
  totalMs: number;
  idleMs: number;
  byFunction: { name: string; ms: number }[];
  byFile: { name: string; ms: number }[];
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

export function summarise(file: string, fromMs = 0, toMs = Infinity): ProfileSummary {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const fn = new Map<string, number>();
  const files = new Map<string, number>();
  let t = 0;
  let total = 0;
  let idle = 0;
  for (let i = 0; i < p.samples.length; i++) {
    const d = p.timeDeltas[i] ?? 0;
    t += d;
    if (t / 1000 < fromMs || t / 1000 > toMs) continue;
    const cf = byId.get(p.samples[i])!.callFrame;
    const short = cf.url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, 'node_modules/').replace(/^.*\/(src|bench)\//, '$1/');
    const key = `${cf.functionName || '(anonymous)'}${short ? ` ${short}:${cf.lineNumber + 1}` : ''}`;
    fn.set(key, (fn.get(key) ?? 0) + d);
    const fileKey = short ? (short.startsWith('node_modules/') ? short.split('/').slice(0, short.startsWith('node_modules/@') ? 3 : 2).join('/') : short) : cf.functionName;
    files.set(fileKey, (files.get(fileKey) ?? 0) + d);
    total += d;
    if (cf.functionName === '(idle)') idle += d;
  }
  const sorted = (m: Map<string, number>) => [...m.entries()].map(([name, us]) => ({ name, ms: us / 1000 })).sort((a, b) => b.ms - a.ms);
  return { totalMs: total / 1000, idleMs: idle / 1000, byFunction: sorted(fn), byFile: sorted(files) };
}

/** A run of consecutive non-idle samples: the event loop was blocked for `ms`. */
export interface Stretch {
  startMs: number;
  ms: number;
  /** Self time by file (or V8 pseudo-frame) within the stretch, largest first. */
  parts: { name: string; ms: number }[];
}

const fileOf = (url: string, functionName: string) => {
  const short = url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, 'node_modules/').replace(/^.*\/(src|bench)\//, '$1/');
  if (!short) return functionName.startsWith('RegExp:') ? '(regexp)' : functionName;
  if (short.startsWith('node_modules/')) return short.split('/').slice(0, short.startsWith('node_modules/@') ? 3 : 2).join('/');
  return short;
};

/** The longest stretches without an idle sample between fromMs and toMs (offsets from the profile start). */
export function blockingStretches(file: string, fromMs = 0, toMs = Infinity, top = 10): { stretches: Stretch[]; over50: number; over100: number; over250: number } {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const all: Stretch[] = [];
  let cur: { start: number; ms: number; parts: Map<string, number> } | null = null;
  let t = 0;
  const close = () => {
    if (cur && cur.ms > 0) {
      all.push({ startMs: cur.start, ms: cur.ms, parts: [...cur.parts.entries()].map(([name, us]) => ({ name, ms: us / 1000 })).sort((a, b) => b.ms - a.ms) });
    }
    cur = null;
  };
  for (let i = 0; i < p.samples.length; i++) {
    const d = p.timeDeltas[i] ?? 0;
    t += d;
    if (t / 1000 < fromMs || t / 1000 > toMs) continue;
    const cf = byId.get(p.samples[i])!.callFrame;
    if (cf.functionName === '(idle)') {
      close();
      continue;
    }
    cur ??= { start: t / 1000, ms: 0, parts: new Map() };
    cur.ms += d / 1000;
    const f = fileOf(cf.url, cf.functionName);
    cur.parts.set(f, (cur.parts.get(f) ?? 0) + d);
  }
  close();
  const sorted = [...all].sort((a, b) => b.ms - a.ms);
  return {
    stretches: sorted.slice(0, top),
    over50: all.filter((s) => s.ms > 50).length,
    over100: all.filter((s) => s.ms > 100).length,
    over250: all.filter((s) => s.ms > 250).length,
  };
}

export function formatStretches(r: ReturnType<typeof blockingStretches>, offsetMs = 0): string {
  return [
    `blocked stretches (no idle sample): ${r.over50} over 50 ms, ${r.over100} over 100 ms, ${r.over250} over 250 ms`,
    '',
    '| starts at s | blocked ms | what ran (self ms by file) |',
    '| ---: | ---: | --- |',
    ...r.stretches.map((s) => `| ${((s.startMs - offsetMs) / 1000).toFixed(2)} | ${s.ms.toFixed(0)} | ${s.parts.slice(0, 5).map((x) => `${x.name} ${x.ms.toFixed(0)}`).join(', ')} |`),
  ].join('\n');
}

export function formatSummary(s: ProfileSummary, top = 25): string {
  const pct = (ms: number) => `${((100 * ms) / Math.max(1e-9, s.totalMs)).toFixed(1)} %`;
  const busy = s.totalMs - s.idleMs;
  return [
    `profile: ${s.totalMs.toFixed(0)} ms sampled, main thread busy ${busy.toFixed(0)} ms (${pct(busy)}), idle ${s.idleMs.toFixed(0)} ms`,
    '',
    '| self ms | share | file |',
    '| ---: | ---: | --- |',
    ...s.byFile.slice(0, 12).map((r) => `| ${r.ms.toFixed(0)} | ${pct(r.ms)} | ${r.name} |`),
    '',
    '| self ms | share | function |',
    '| ---: | ---: | --- |',
    ...s.byFunction.slice(0, top).map((r) => `| ${r.ms.toFixed(0)} | ${pct(r.ms)} | \`${r.name}\` |`),
  ].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: tsx bench/cpuprofile-top.ts <file.cpuprofile> [--top 25] [--from-ms 0 --to-ms N]');
    process.exit(2);
  }
  const opt = (name: string, d: number) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? Number(process.argv[i + 1]) : d;
  };
  console.log(formatSummary(summarise(file, opt('from-ms', 0), opt('to-ms', Infinity)), opt('top', 25)));
}
