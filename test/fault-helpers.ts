// Shared helpers for the fault tests: run the ingest CLI and the server (`src/main.ts`) as child processes, read a
// store through a read-only connection, and cut papers out of the bundled seed.
import Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = path.join(ROOT, 'src', 'ingest', 'cli.ts');
export const MAIN = path.join(ROOT, 'src', 'main.ts');
export const SEED_ARXIV = path.join(ROOT, 'seed', 'arxiv-cs-sample.jsonl.gz');

export interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** Wall-clock start and end (epoch ms), to check that children meant to race really ran at the same time. */
  startedAt: number;
  endedAt: number;
}

const children = new Set<ChildProcess>();

/** Kills every child still running (call in afterAll). */
export function killChildren(): void {
  for (const c of children) {
    try {
      c.kill('SIGKILL');
    } catch {
      // gone
    }
  }
}

/** Runs `node --import tsx <script> args…` with extra env; resolves when it exits. */
export function runNode(script: string, args: string[], env: Record<string, string>, timeoutMs = 120_000): Promise<ChildResult> {
  const started = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      const endedAt = Date.now();
      resolve({ code, signal, stdout, stderr, ms: endedAt - started, startedAt: started, endedAt });
    }),
  );
}

export const runCli = (dataDir: string, files: string[], env: Record<string, string> = {}) =>
  runNode(CLI, files, { DATA_DIR: dataDir, ...env });

export interface MainProcess {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `src/main.ts` (as `npm start` does, minus the model build) on PORT=0 and waits for its "listening on" line. */
export async function startMain(env: Record<string, string>, timeoutMs = 60_000): Promise<MainProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', MAIN], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', SEED_ON_EMPTY: 'false', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('close', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening on" line in ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const onData = (d: Buffer) => {
      out += d;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d) => (out += d));
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`exited before listening:\n${out}`));
    });
  });
  return { child, url, output: () => out, exited };
}

/** Polls until `url` answers 200 (e.g. /readyz once the index is loaded). */
export async function waitFor200(url: string, timeoutMs = 60_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      if ((await fetch(url)).status === 200) return;
    } catch {
      // not yet
    }
    if (Date.now() > until) throw new Error(`${url} not 200 after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Counts through a read-only connection (never checkpoints, never writes). */
export function storeCounts(dir: string): { papers: number; distinctIds: number; vectors: number; maxVersion: number } {
  const db = new Database(path.join(dir, 'paperfeed.db'), { readonly: true, fileMustExist: true });
  try {
    const one = (sql: string) => (db.prepare(sql).get() as { n: number }).n;
    return {
      papers: one('SELECT count(*) AS n FROM papers'),
      distinctIds: one('SELECT count(DISTINCT id) AS n FROM papers'),
      vectors: one("SELECT count(*) AS n FROM vectors WHERE model = (SELECT value FROM meta WHERE key = 'model')"),
      maxVersion: one('SELECT coalesce(max(version), 0) AS n FROM changes'),
    };
  } finally {
    db.close();
  }
}

/** The JSONL lines of a (gzipped) file. */
export async function jsonlLines(file: string, max = Infinity): Promise<string[]> {
  let input: NodeJS.ReadableStream = fs.createReadStream(file);
  if (file.endsWith('.gz')) input = input.pipe(zlib.createGunzip());
  const rl = readline.createInterface({ input, crlfDelay: Infinity });
  const out: string[] = [];
  for await (const line of rl) {
    if (line.trim()) out.push(line);
    if (out.length >= max) break;
  }
  rl.close();
  (input as NodeJS.ReadableStream & { destroy?: () => void }).destroy?.(); // stop reading the rest of a big file
  return out;
}

export function readManifest(dir: string): { version: number; count: number; file: string; model: string; dim: number } | undefined {
  try {
    return JSON.parse(fs.readFileSync(path.join(dir, 'index', 'manifest.json'), 'utf8'));
  } catch {
    return undefined;
  }
}
