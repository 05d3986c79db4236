// Helpers for the benchmarks that run the real server as a child process (`node --import tsx src/main.ts`, as
// `npm start` does) on a COPY of a prepared store: copy, start and wait for /readyz, read the child's CPU time and
// RSS from /proc, sample real papers, create a user with stars, and drive HTTP load with autocannon.
import Database from 'better-sqlite3';
import autocannon, { type AutocannonRequest } from 'autocannon';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../src/config.js';
import { quantile, rng } from './lib.js';

export const ADMIN_TOKEN = 'bench-admin-token-0123456789abcdef';
/** Where bench/prepare-store.ts builds the full-corpus store (gitignored, like the eval cache). */
export const BENCH_STORE_DIR = path.join(PROJECT_ROOT, '.cache', 'bench', 'store-full');
/** The store the serving benchmarks copy: BENCH_STORE, or the one prepare-store builds. */
export const DEFAULT_STORE = process.env.BENCH_STORE ?? BENCH_STORE_DIR;
export const EMBED_MODEL = 'glove-sif-100d';

export const log = (m: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${m}`);
export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

const SHARED_DATA = path.resolve(PROJECT_ROOT, '..', 'shared', 'data');
const CORPUS_FILES = ['arxiv-cs-daily/papers-2025.jsonl.gz', 'arxiv-cs-daily/papers-2026.jsonl.gz', 'hf-daily-papers/papers.jsonl.gz'];
const COMPLETE_MARKER = 'bench-store-complete';

/**
 * Ensures the full-corpus benchmark store exists at `dir`: the whole of ../shared/data (121,267 arXiv CS papers +
 * Hugging Face Daily Papers = 125,792 papers) ingested with the CLI as a user would, index included. Built once
 * (~4–8 min on 2 cores), reused while complete; an interrupted build (no marker file) is redone from scratch.
 */
export function prepareStore(dir: string = BENCH_STORE_DIR): string {
  if (fs.existsSync(path.join(dir, COMPLETE_MARKER))) return dir;
  const missing = CORPUS_FILES.filter((f) => !fs.existsSync(path.join(SHARED_DATA, f)));
  if (missing.length) throw new Error(`the benchmark store needs ../shared/data: missing ${missing.map((f) => path.join(SHARED_DATA, f)).join(', ')}`);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  log(`building the benchmark store in ${dir} from ${CORPUS_FILES.length} files (model ${EMBED_MODEL}) …`);
  const t0 = performance.now();
  const cli = path.join(PROJECT_ROOT, 'src', 'ingest', 'cli.ts');
  const r = spawnSync(process.execPath, ['--import', 'tsx', cli, ...CORPUS_FILES.map((f) => path.join(SHARED_DATA, f))], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, DATA_DIR: dir, EMBED_MODEL, ADMIN_TOKEN },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (r.status !== 0) throw new Error(`building the benchmark store failed (ingest exit ${r.status})`);
  const seconds = Math.round((performance.now() - t0) / 1000);
  fs.writeFileSync(path.join(dir, COMPLETE_MARKER), `${new Date().toISOString()} built in ${seconds} s\n`);
  log(`benchmark store ready in ${seconds} s`);
  return dir;
}

/** Builds dist/ from the current sources (what `npm start` runs), for startServer({ built: true }). */
export function buildServer(): void {
  const r = spawnSync('npm', ['run', '-s', 'build:server'], { cwd: PROJECT_ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error(`npm run build:server failed (exit ${r.status})`);
}

/** Copies a prepared store (db, WAL, index) to a fresh temp dir: the original is never written. */
export function copyStore(source: string): { work: string; dataDir: string; ms: number } {
  if (path.resolve(source) === BENCH_STORE_DIR) prepareStore(source);
  if (!fs.existsSync(path.join(source, 'paperfeed.db'))) {
    throw new Error(`no store at ${source} (pass --store <dir> of a prepared store, e.g. one built with npm run ingest)`);
  }
  const t0 = performance.now();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'paperfeed-bench-'));
  const dataDir = path.join(work, 'store');
  fs.mkdirSync(dataDir);
  for (const f of fs.readdirSync(source)) {
    if (f === 'admin-token' || f === COMPLETE_MARKER) continue; // we pass ADMIN_TOKEN
    fs.cpSync(path.join(source, f), path.join(dataDir, f), { recursive: true });
  }
  const ms = performance.now() - t0;
  log(`copied ${source} → ${dataDir} in ${(ms / 1000).toFixed(1)} s`);
  return { work, dataDir, ms };
}

export interface ChildServer {
  base: string;
  child: ChildProcess;
  pid: number;
  /** ms from spawn to the "listening on" line, and to the first /readyz 200. */
  listenMs: number;
  readyMs: number;
  /** Date.now() at spawn, to place the server's own timestamped log lines. */
  spawnedAtEpoch: number;
  output(): string;
  /** SIGTERM; resolves with the exit code and how long the shutdown took. */
  stop(): Promise<{ code: number | null; ms: number }>;
}

/**
 * Spawns `node [nodeArgs] --import tsx src/main.ts` on dataDir (or, with `built`, `node dist/main.js` as `npm start`
 * does: call buildServer() first) and waits until /readyz answers 200.
 */
export async function startServer(
  dataDir: string,
  opts: { env?: Record<string, string>; nodeArgs?: string[]; readyTimeoutMs?: number; pollMs?: number; built?: boolean } = {},
): Promise<ChildServer> {
  const t0 = performance.now();
  const spawnedAtEpoch = Date.now();
  const entry = opts.built ? [path.join(PROJECT_ROOT, 'dist', 'main.js')] : ['--import', 'tsx', path.join(PROJECT_ROOT, 'src', 'main.ts')];
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...entry], {
    cwd: PROJECT_ROOT,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      PORT: '0',
      HOST: '127.0.0.1',
      ADMIN_TOKEN,
      RATE_LIMIT_PER_MINUTE: '0',
      SEED_ON_EMPTY: 'false',
      SYNC_SCHEDULE: 'off',
      EMBED_MODEL,
      ...opts.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  let dead = false;
  void exited.then(() => (dead = true));
  const deadline = t0 + (opts.readyTimeoutMs ?? 300_000);
  let base: string | undefined;
  let listenMs = NaN;
  const poll = opts.pollMs ?? 25;
  for (;;) {
    if (dead) throw new Error(`server exited during start-up:\n${out}`);
    if (performance.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server not ready after ${opts.readyTimeoutMs ?? 300_000} ms:\n${out}`);
    }
    if (!base) {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        base = m[1];
        listenMs = performance.now() - t0;
      }
    }
    if (base) {
      const r = await fetch(`${base}/readyz`).catch(() => undefined);
      if (r) await r.arrayBuffer();
      if (r?.status === 200) break;
    }
    await sleep(poll);
  }
  const readyMs = performance.now() - t0;
  return {
    base,
    child,
    pid: child.pid!,
    listenMs,
    readyMs,
    spawnedAtEpoch,
    output: () => out,
    async stop() {
      const s = performance.now();
      if (!dead) child.kill('SIGTERM');
      const code = await exited;
      return { code, ms: performance.now() - s };
    },
  };
}

const CLK_TCK = 100; // Linux USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s

/** User + system CPU time of a process (all its threads), in ms, from /proc. */
export function procCpuMs(pid: number): number {
  const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // fields from #3 (state) on
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK; // #14 utime, #15 stime
}

export function procRssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

/** This process's own CPU time (ms). */
export const selfCpuMs = () => {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1000;
};

export interface SamplePaper {
  seq: number;
  id: string;
  title: string;
  abstract: string;
}

/** n real papers spread over the store (seeded), read-only. */
export function samplePapers(dataDir: string, n: number, seed = 20261126): SamplePaper[] {
  const db = new Database(path.join(dataDir, 'paperfeed.db'), { readonly: true, fileMustExist: true });
  try {
    const maxSeq = (db.prepare('SELECT max(seq) AS m FROM papers').get() as { m: number }).m;
    const bySeq = db.prepare<[number], SamplePaper>('SELECT seq, id, title, abstract FROM papers WHERE seq >= ? ORDER BY seq LIMIT 1');
    const random = rng(seed);
    const seen = new Set<number>();
    const out: SamplePaper[] = [];
    for (let tries = 0; out.length < n && tries < n * 20; tries++) {
      const p = bySeq.get(1 + Math.floor(random() * maxSeq));
      if (p && !seen.has(p.seq)) {
        seen.add(p.seq);
        out.push(p);
      }
    }
    return out;
  } finally {
    db.close();
  }
}

export async function createUserWithStars(base: string, paperIds: string[]): Promise<{ id: string; token: string }> {
  const r = await fetch(`${base}/v1/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${ADMIN_TOKEN}` },
    body: JSON.stringify({ name: 'bench' }),
  });
  if (r.status !== 200 && r.status !== 201) throw new Error(`create user: ${r.status} ${await r.text()}`);
  const user = (await r.json()) as { id: string; token: string };
  for (const id of paperIds) {
    const s = await fetch(`${base}/v1/users/${user.id}/stars/${encodeURIComponent(id)}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${user.token}` },
    });
    await s.arrayBuffer();
    if (s.status !== 200 && s.status !== 201) throw new Error(`star ${id}: ${s.status}`);
  }
  return user;
}

export interface LoadSpec {
  base: string;
  title: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Called for every request: the path (and body) to send, so ids and queries rotate. */
  next: () => { path: string; body?: string };
  durationS: number;
  connections: number;
  /** Requests per second over all connections (open-ish loop); unset = as fast as the server answers. */
  overallRate?: number;
  /** Server pid: its CPU time over the run is reported per request. */
  serverPid?: number;
}

export interface LoadResult {
  title: string;
  requests: number;
  seconds: number;
  rps: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  errors: number;
  non2xx: number;
  statusCodes: Record<string, number>;
  /** Server CPU ms per request (all its threads), if serverPid was given. */
  serverCpuMsPerReq: number;
  latencies: number[];
}

/** Runs autocannon against one route; latencies are taken per response (exact, ms) from its 'response' event. */
export async function load(spec: LoadSpec): Promise<LoadResult> {
  const latencies: number[] = [];
  const request: AutocannonRequest = {
    method: spec.method ?? 'GET',
    headers: { ...(spec.method === 'POST' ? { 'content-type': 'application/json' } : {}), ...spec.headers },
    setupRequest: (req) => {
      const n = spec.next();
      return { ...req, path: n.path, ...(n.body !== undefined ? { body: n.body } : {}) };
    },
  };
  const cpu0 = spec.serverPid ? procCpuMs(spec.serverPid) : 0;
  const instance = autocannon({
    url: spec.base,
    connections: spec.connections,
    duration: spec.durationS,
    timeout: 30,
    requests: [request],
    ...(spec.overallRate ? { overallRate: spec.overallRate, ignoreCoordinatedOmission: true } : {}),
    title: spec.title,
  });
  instance.on('response', (_client: unknown, _status: number, _bytes: number, ms: number) => latencies.push(ms));
  const r = await instance;
  // The server works requests one at a time on its JS thread, so at most one is part-done at the end of the window.
  const cpu = spec.serverPid ? procCpuMs(spec.serverPid) - cpu0 : NaN;
  // Requests autocannon dropped when the time was up are still queued in the server: let it drain before the next
  // run, so their work is not charged to the next route.
  await drain(spec.base);
  const total = latencies.length;
  const statusCodes = Object.fromEntries(Object.entries(r.statusCodeStats).map(([k, v]) => [k, Number(v.count)]));
  return {
    title: spec.title,
    requests: total,
    seconds: r.duration,
    rps: total / r.duration,
    p50: quantile(latencies, 0.5),
    p90: quantile(latencies, 0.9),
    p99: quantile(latencies, 0.99),
    max: quantile(latencies, 1),
    errors: r.errors + r.non2xx,
    non2xx: r.non2xx,
    statusCodes,
    serverCpuMsPerReq: cpu / Math.max(1, total),
    latencies,
  };
}

/** Waits until the server has worked off its queue (a /healthz answer comes after everything accepted before it). */
export async function drain(base: string): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const r = await fetch(`${base}/healthz`).catch(() => undefined);
    await r?.arrayBuffer();
    await sleep(100);
  }
}

/** A rotating cursor over a list. */
export function rotate<T>(xs: T[]): () => T {
  let i = 0;
  return () => xs[i++ % xs.length];
}

/** Reads Prometheus text metrics (first sample of each) from one /metrics scrape. */
export async function metrics(base: string, names: string[]): Promise<Record<string, number>> {
  const text = await (await fetch(`${base}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const name of names) {
    const m = new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+|NaN)$`, 'm').exec(text);
    out[name] = m ? Number(m[1]) : NaN;
  }
  return out;
}
