// The long-lived worker plumbing (src/util/worker.ts LongLivedWorker): many requests on one thread, buffers
// transferred, errors as rejections, a dead worker fails what was in flight and the next request restarts it, a
// worker that cannot load never hangs its caller, ref'd only while a request is in flight.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/config.js';
import { LongLivedWorker } from '../src/util/worker.js';

const fixture = (f: string) => new URL(`./fixtures/${f}`, import.meta.url).href;

describe('LongLivedWorker', () => {
  it('answers many requests on one thread, transferring buffers both ways', async () => {
    const w = new LongLivedWorker(fixture('echo-worker.mjs'));
    const data = new Float32Array([1, 2, 3]);
    const r = await w.request<{ sum: number; data: Float32Array }>({ kind: 'echo', data }, [data.buffer]);
    expect(data.length).toBe(0); // moved, not copied
    expect(r.sum).toBe(12);
    expect(Array.from(r.data)).toEqual([2, 4, 6]);
    const ids = await Promise.all([1, 2, 3].map(() => w.request<{ threadId: number }>({ kind: 'pid' })));
    expect(new Set(ids.map((x) => x.threadId)).size).toBe(1);
    expect(w.starts).toBe(1);
    await w.close();
  });

  it('rejects a request the worker answers with an error, and keeps working', async () => {
    const w = new LongLivedWorker(fixture('echo-worker.mjs'));
    await expect(w.request({ kind: 'fail' })).rejects.toThrow(/asked to fail/);
    expect((await w.request<{ slept: number }>({ kind: 'slow', ms: 1 })).slept).toBe(1);
    expect(w.starts).toBe(1);
    await w.close();
  });

  it('a crash (uncaught error, or exit) rejects what was in flight; the next request starts a new worker', async () => {
    const w = new LongLivedWorker(fixture('echo-worker.mjs'));
    const { threadId: first } = await w.request<{ threadId: number }>({ kind: 'pid' });
    const inFlight = w.request({ kind: 'slow', ms: 5000 });
    await expect(Promise.all([w.request({ kind: 'crash' }), inFlight])).rejects.toThrow(/asked to crash/);
    await expect(inFlight).rejects.toThrow(/asked to crash/);
    const { threadId: second } = await w.request<{ threadId: number }>({ kind: 'pid' });
    expect(second).not.toBe(first);
    await expect(w.request({ kind: 'exit', code: 3 })).rejects.toThrow(/exited with code 3/);
    expect((await w.request<{ slept: number }>({ kind: 'slow', ms: 2 })).slept).toBe(2);
    expect(w.starts).toBe(3);
    expect(w.inFlight).toBe(0);
    await w.close();
  });

  it('an entry that fails to load rejects the request instead of hanging', async () => {
    const w = new LongLivedWorker(fixture('broken-worker.mjs'));
    await expect(w.request({ kind: 'pid' })).rejects.toThrow(/this entry cannot load/);
    await w.close();
  });

  it('close() rejects requests in flight and refuses new ones', async () => {
    const w = new LongLivedWorker(fixture('echo-worker.mjs'));
    const slow = expect(w.request({ kind: 'slow', ms: 5000 })).rejects.toThrow(/closed/);
    await w.close();
    await slow;
    await expect(w.request({ kind: 'pid' })).rejects.toThrow(/closed/);
  });

  it('keeps a process alive while a request is in flight, not once idle', () => {
    const started = Date.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'test', 'fixtures', 'long-lived-worker-child.ts')], {
      cwd: PROJECT_ROOT,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.stdout + r.stderr).toMatch(/reply 400/);
    expect(r.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(25_000); // exited by itself (spawnSync's timeout would kill it at 30 s)
  });
});
