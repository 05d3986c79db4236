/** Markdown tables for the evaluation report: per split, one row per method, mean [95% bootstrap CI]. */
import { bootstrapMean, pairedBootstrap, type Estimate } from './metrics.js';
import { seedOf, type Split } from './util.js';

export const fmt = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : '–');
export const fmtEst = (e: Estimate) => `${fmt(e.mean)} [${fmt(e.lo)}, ${fmt(e.hi)}]`;

export interface TableSpec<S> {
  title: string;
  note: string;
  /** Per method, per unit (query or user). */
  results: Map<string, S[]>;
  split: Split[];
  /** Cluster id per unit for the bootstrap (optional). */
  clusters?: number[];
  metrics: { key: keyof S & string; label: string }[];
  resamples: number;
  methods?: string[];
  /** How the header counts units and clusters (default: queries from N sets). */
  units?: [unit: string, cluster: string];
}

/** One table for one split: | method | metric … | with mean and percentile-bootstrap 95% CI. */
export function table<S>(spec: TableSpec<S>, which: Split): string {
  const idx = spec.split.map((s, i) => (s === which ? i : -1)).filter((i) => i >= 0);
  const clusters = spec.clusters ? idx.map((i) => spec.clusters![i]) : undefined;
  const nClusters = clusters ? new Set(clusters).size : idx.length;
  const lines = [
    `**${spec.title} — ${which === 'dev' ? 'dev' : 'held-out test'}** (${idx.length} ${spec.clusters ? `${spec.units?.[0] ?? 'queries'} from ${nClusters} ${spec.units?.[1] ?? 'sets'}` : 'users'}; ${spec.note})`,
    '',
    `| method | ${spec.metrics.map((m) => m.label).join(' | ')} |`,
    `|---|${spec.metrics.map(() => '---|').join('')}`,
  ];
  for (const method of spec.methods ?? [...spec.results.keys()]) {
    const rows = spec.results.get(method);
    if (!rows) continue;
    const cells = spec.metrics.map((m) => {
      const values = idx.map((i) => rows[i][m.key] as unknown as number);
      return fmtEst(bootstrapMean(values, spec.resamples, seedOf(`${which}:${method}:${m.key}`), clusters));
    });
    lines.push(`| ${method} | ${cells.join(' | ')} |`);
  }
  return lines.join('\n');
}

export interface RatioSpec<S> {
  label: string;
  results: Map<string, S[]>;
  split: Split[];
  clusters?: number[];
  metric: keyof S & string;
  ours: string;
  /** Baseline methods; the best of them by point estimate (on the same split) is the reference. */
  baselines: string[];
  target: number;
  resamples: number;
}

/** ours / best baseline, with a paired bootstrap CI for the ratio, on one split. */
export function ratioRow<S>(spec: RatioSpec<S>, which: Split): string {
  const idx = spec.split.map((s, i) => (s === which ? i : -1)).filter((i) => i >= 0);
  const clusters = spec.clusters ? idx.map((i) => spec.clusters![i]) : undefined;
  const series = (m: string) => idx.map((i) => spec.results.get(m)![i][spec.metric] as unknown as number);
  const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const best = spec.baselines.reduce((a, b) => (meanOf(series(b)) > meanOf(series(a)) ? b : a));
  const e = pairedBootstrap([series(spec.ours), series(best)], (m) => m[0] / m[1], spec.resamples, seedOf(`ratio:${spec.label}:${spec.ours}:${which}`), clusters);
  const verdict = e.mean >= spec.target ? (e.lo >= spec.target ? 'met' : 'met (point estimate; CI includes lower)') : e.hi >= spec.target ? 'not met (CI reaches target)' : 'not met';
  return `| ${spec.label} | ${which} | ${spec.ours} | ${best} | ${fmt(meanOf(series(spec.ours)))} / ${fmt(meanOf(series(best)))} | ${fmtEst(e)} | ≥ ${spec.target} | ${verdict} |`;
}

export const RATIO_HEADER = '| target | split | ours | reference (best baseline) | means | ratio [95% CI] | goal | verdict |\n|---|---|---|---|---|---|---|---|';

export interface AbsoluteSpec<S> {
  label: string;
  results: Map<string, S[]>;
  split: Split[];
  metric: keyof S & string;
  ours: string;
  target: number;
  resamples: number;
}

/** A mean against an absolute goal (e.g. known-item hit@10 ≥ 0.98), in the targets table's columns. */
export function absoluteRow<S>(spec: AbsoluteSpec<S>, which: Split): string {
  const idx = spec.split.map((s, i) => (s === which ? i : -1)).filter((i) => i >= 0);
  const values = idx.map((i) => spec.results.get(spec.ours)![i][spec.metric] as unknown as number);
  const e = bootstrapMean(values, spec.resamples, seedOf(`absolute:${spec.label}:${spec.ours}:${which}`));
  const verdict = e.mean >= spec.target ? (e.lo >= spec.target ? 'met' : 'met (point estimate; CI includes lower)') : e.hi >= spec.target ? 'not met (CI reaches target)' : 'not met';
  return `| ${spec.label} | ${which} | ${spec.ours} | (absolute) | ${fmt(e.mean)} | ${fmtEst(e)} | ≥ ${spec.target} | ${verdict} |`;
}

export interface ReductionSpec<S extends { glaring5: number }> {
  label: string;
  results: Map<string, S[]>;
  split: Split[];
  clusters?: number[];
  ours: string;
  previous: string;
  resamples: number;
}

/** ours / previous for a lower-is-better rate (glaring misses), paired bootstrap; goal: ≤ 0.7 (a 30% reduction). */
export function glaringRow<S extends { glaring5: number }>(spec: ReductionSpec<S>, which: Split): string {
  const idx = spec.split.map((s, i) => (s === which ? i : -1)).filter((i) => i >= 0);
  const clusters = spec.clusters ? idx.map((i) => spec.clusters![i]) : undefined;
  const series = (m: string) => idx.map((i) => spec.results.get(m)![i].glaring5);
  const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const e = pairedBootstrap([series(spec.ours), series(spec.previous)], (m) => m[0] / m[1], spec.resamples, seedOf(`glaring:${spec.ours}:${which}`), clusters);
  const verdict = e.mean <= 0.7 ? (e.hi <= 0.7 ? 'met' : 'met (point estimate; CI includes higher)') : e.lo <= 0.7 ? 'not met (CI reaches target)' : 'not met';
  return `| ${spec.label} | ${which} | ${spec.ours} | ${spec.previous} | ${fmt(meanOf(series(spec.ours)))} / ${fmt(meanOf(series(spec.previous)))} | ${fmtEst(e)} | ≤ 0.7 | ${verdict} |`;
}
