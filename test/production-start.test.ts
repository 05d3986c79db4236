// Issue 15, item 8: the server as a user, systemd or a container runtime starts it: `npm start` and the `paperfeed`
// bin run plain `node` on the build in dist/ (no TypeScript loader, no model or bundle rebuild), and SIGTERM or
// SIGINT to the process that was started ends the whole process tree within 10 s, with the index saved. Each run is
// spawned in its own process group, so "the whole tree" is checked as "no process left in the group". dist/ is built
// from the sources under test by test/global-setup.ts.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readManifest, ROOT, storeCounts, waitFor200 } from './fault-helpers.js';
import { paper, tempDir } from './helpers.js';

const ADMIN = 'production-start-admin-token-0123';
const work = tempDir('paperfeed-production-');
const started: ChildProcess[] = [];

afterAll(() => {
  for (const c of started) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }
  fs.rmSync(work, { recursive: true, force: true });
});

/** Every process in the group, with its command line ('' once the group is empty). */
function processesInGroup(pgid: number): string {
  return execFileSync('ps', ['-e', '-o', 'pgid=,pid=,stat=,args='], { encoding: 'utf8' })
    .split('\n')
    .filter((line) => line.trim().split(/\s+/)[0] === String(pgid))
    .join('\n');
}

async function groupGone(pgid: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      process.kill(-pgid, 0);
    } catch {
      return true; // ESRCH: no process left in the group
    }
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Starts `command args` as its own process group leader and waits until the server is ready. */
async function launch(command: string, args: string[], dataDir: string) {
  // No TypeScript loader may be inherited from the test runner.
  const env = { ...process.env, NODE_OPTIONS: '', DATA_DIR: dataDir, PORT: '0', ADMIN_TOKEN: ADMIN, INDEX_SYNC_MS: '600000', RATE_LIMIT_PER_MINUTE: '0', ONNXRUNTIME_NODE_INSTALL: 'skip' };
  const child = spawn(command, args, { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  started.push(child);
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not listening after 60 s:\n${out}`)), 60_000);
    child.stdout!.on('data', () => {
      const m = /listening on (http:\/\/[^\s"]+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.on('exit', () => reject(new Error(`exited before listening:\n${out}`)));
  });
  await waitFor200(`${url}/readyz`, 60_000);
  // Make the index dirty: a paper added over the API is in memory only until the index is saved.
  const res = await fetch(`${url}/v1/papers`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ papers: [paper(`added-${path.basename(dataDir)}`, { abstract: 'A paper added just before the stop signal.' })] }),
  });
  expect(res.status).toBe(200);
  return { child, url, output: () => out };
}

async function stopAndCheck(how: { pid: number; signal: NodeJS.Signals }, run: Awaited<ReturnType<typeof launch>>, dataDir: string) {
  const pgid = run.child.pid!;
  const tree = processesInGroup(pgid);
  expect(tree).toMatch(/dist\/main\.js|paperfeed\.mjs start/);
  expect(tree, 'no TypeScript loader in production').not.toMatch(/tsx/);
  const t0 = Date.now();
  process.kill(how.pid, how.signal);
  const gone = await groupGone(pgid, 10_000);
  const ms = Date.now() - t0;
  expect(gone, `still running ${ms} ms after ${how.signal}:\n${processesInGroup(pgid)}\n${run.output()}`).toBe(true);
  expect(run.output()).not.toMatch(/\[build-(model|web|server)\]/); // nothing rebuilt at start
  expect(run.output()).toMatch(/stopped/);
  // The index was saved on the way out: it covers every change in the store.
  const manifest = readManifest(dataDir)!;
  const counts = storeCounts(dataDir);
  expect(manifest.version).toBe(counts.maxVersion);
  expect(manifest.count).toBe(counts.papers);
  // And the port is free again: a restart would not fail with EADDRINUSE.
  await expect(fetch(`${run.url}/healthz`)).rejects.toThrow();
  return ms;
}

describe('production start and stop (item 8)', () => {
  it('npm start: SIGTERM to the npm process ends the whole tree within 10 s, index saved', async () => {
    const dir = path.join(work, 'npm-term');
    const run = await launch('npm', ['start', '--silent'], dir);
    const ms = await stopAndCheck({ pid: run.child.pid!, signal: 'SIGTERM' }, run, dir);
    console.log(`npm start, SIGTERM to npm: whole tree gone in ${ms} ms`);
  }, 120_000);

  it('npm start: SIGINT to the npm process (as Ctrl-C in its terminal would send to the group) does the same', async () => {
    const dir = path.join(work, 'npm-int');
    const run = await launch('npm', ['start', '--silent'], dir);
    const ms = await stopAndCheck({ pid: -run.child.pid!, signal: 'SIGINT' }, run, dir);
    console.log(`npm start, SIGINT to the group: whole tree gone in ${ms} ms`);
  }, 120_000);

  it('the paperfeed bin (as a systemd unit runs it): SIGTERM and SIGINT end it within 10 s, index saved', async () => {
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      const dir = path.join(work, `bin-${signal}`);
      const run = await launch(process.execPath, [path.join(ROOT, 'bin', 'paperfeed.mjs'), 'start'], dir);
      const ms = await stopAndCheck({ pid: run.child.pid!, signal }, run, dir);
      console.log(`paperfeed start, ${signal}: gone in ${ms} ms`);
    }
  }, 180_000);

  it('the bin lists its commands, and refuses an unknown one', () => {
    const help = execFileSync(process.execPath, [path.join(ROOT, 'bin', 'paperfeed.mjs'), '--help'], { encoding: 'utf8' });
    for (const c of ['start', 'ingest', 'reembed', 'export', 'backup', 'restore']) expect(help).toContain(`paperfeed ${c}`);
    expect(() => execFileSync(process.execPath, [path.join(ROOT, 'bin', 'paperfeed.mjs'), 'frobnicate'], { stdio: 'pipe' })).toThrow(/unknown command/);
  });
});
