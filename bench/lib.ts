// Helpers shared by the benchmarks: argument parsing, timing, exact k-NN, recall and markdown output.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import zlib from 'node:zlib';
import { PROJECT_ROOT } from '../src/config.js';
import { rng } from '../src/util/random.js';
export { rng };

/** `--name value` (or `--name=value`) from argv, else the fallback. */
export function arg(name: string, fallback?: string): string | undefined {
  const argv = process.argv.slice(2);
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === `--${name}`) return argv[i + 1];
    if (argv[i].startsWith(`--${name}=`)) return argv[i].slice(name.length + 3);
  }
  return fallback;
}

export function intArg(name: string, fallback: number): number {
  const v = Number(arg(name, String(fallback)));
  if (!Number.isInteger(v) || v <= 0) throw new Error(`--${name} must be a positive integer`);
  return v;
}

/** Paths given on the command line are relative to the project root, so `npm run` and direct runs agree. */
/** The first n non-blank lines of a (gzipped) JSONL file, read as a stream (the corpus files are ~80 MB unzipped). */
export async function firstLines(file: string, n: number): Promise<string[]> {
  const raw = fs.createReadStream(file);
  const input = file.endsWith('.gz') ? raw.pipe(zlib.createGunzip()) : raw;
  const out: string[] = [];
  for await (const line of readline.createInterface({ input, crlfDelay: Infinity })) {
    if (line.trim() === '') continue;
    out.push(line);
    if (out.length >= n) break;
  }
  raw.destroy();
  return out;
}

export const fromRoot = (p: string) => path.resolve(PROJECT_ROOT, p);

export const now = () => performance.now();

/** Wall time and process CPU time (all threads, incl. onnxruntime's): CPU time is less hurt by a busy machine. */
export async function timed<T>(fn: () => Promise<T> | T): Promise<{ value: T; ms: number; cpuMs: number }> {
  const t0 = now();
  const c0 = process.cpuUsage();
  const value = await fn();
  const c = process.cpuUsage(c0);
  return { value, ms: now() - t0, cpuMs: (c.user + c.system) / 1000 };
}


/** A seeded Fisher–Yates permutation of 0..n-1. */
export function permutation(n: number, seed: number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  const r = rng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    const t = p[i];
    p[i] = p[j];
    p[j] = t;
  }
  return p;
}

/** Vectors in one contiguous, unit-normalised array (row i = vector of labels[i]). */
export interface FlatVectors {
  dim: number;
  labels: number[];
  data: Float32Array;
}

export function flatten(rows: { seq: number; vec: Float32Array }[], dim: number): FlatVectors {
  const data = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => {
    let norm = 0;
    for (let j = 0; j < dim; j++) norm += r.vec[j] * r.vec[j];
    const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0; // hnswlib's cosine space normalises the same way
    for (let j = 0; j < dim; j++) data[i * dim + j] = r.vec[j] * inv;
  });
  return { dim, labels: rows.map((r) => r.seq), data };
}

export const row = (f: FlatVectors, i: number) => f.data.subarray(i * f.dim, (i + 1) * f.dim);

/** Exact top-k labels by inner product (= cosine on unit vectors), best first. */
export function exactTopK(base: FlatVectors, q: Float32Array, k: number): number[] {
  const { dim, data } = base;
  const n = base.labels.length;
  const bestS = new Float64Array(k).fill(-Infinity);
  const bestI = new Int32Array(k).fill(-1);
  for (let i = 0, off = 0; i < n; i++, off += dim) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += q[j] * data[off + j];
    if (s <= bestS[k - 1]) continue;
    let p = k - 1; // insertion into the small sorted list
    while (p > 0 && bestS[p - 1] < s) {
      bestS[p] = bestS[p - 1];
      bestI[p] = bestI[p - 1];
      p--;
    }
    bestS[p] = s;
    bestI[p] = i;
  }
  return Array.from(bestI).filter((i) => i >= 0).map((i) => base.labels[i]);
}

/** |approx ∩ exact| / |exact|, label sets. */
export function recallAt(approx: number[], exact: number[]): number {
  const want = new Set(exact);
  let hit = 0;
  for (const l of approx) if (want.has(l)) hit++;
  return exact.length ? hit / exact.length : 1;
}

export function quantile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

export function markdownTable(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

export const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;
export const fmt = (x: number, digits = 0) => x.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

export function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.cpus().length} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${os.platform()}`;
}

/** Peak RSS of this process so far, in bytes (resourceUsage reports kilobytes). */
export const peakRss = () => process.resourceUsage().maxRSS * 1024;

export function dirSize(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    total += e.isDirectory() ? dirSize(p) : fs.statSync(p).size;
  }
  return total;
}

export const loadAvg = () => os.loadavg().map((x) => x.toFixed(2)).join(' / ');
