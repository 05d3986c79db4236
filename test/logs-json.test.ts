// Issue 15, item 11: LOG_FORMAT=json makes every line the server prints a JSON object, with one line per request
// carrying its request id (the client's X-Request-Id when it sent a sane one, echoed in the answer), the route
// pattern (never the raw path or query, where ids and feed keys travel), the status and the duration.
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { killChildren, startMain, waitFor200 } from './fault-helpers.js';
import { tempDir } from './helpers.js';

const dir = tempDir('paperfeed-logs-json-');
afterAll(() => {
  killChildren();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('structured JSON logs (LOG_FORMAT=json)', () => {
  it('prints only JSON lines, one per request with its id, route pattern, status and duration', async () => {
    const main = await startMain({ DATA_DIR: dir, LOG_FORMAT: 'json', ADMIN_TOKEN: 'logs-json-admin-token-0123456789' });
    await waitFor200(`${main.url}/readyz`);
    const mine = await fetch(`${main.url}/v1/papers/secret-looking-id?include=vector`, { headers: { 'x-request-id': 'req-abc-123' } });
    expect(mine.status).toBe(404);
    expect(mine.headers.get('x-request-id')).toBe('req-abc-123');
    const generated = await fetch(`${main.url}/v1/trending?k=1`, { headers: { 'x-request-id': 'bad id with spaces' } });
    const id = generated.headers.get('x-request-id')!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const lines = () => main.output().trim().split('\n');
    const deadline = Date.now() + 10_000;
    while (!lines().some((l) => l.includes(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const parsed = lines().map((l) => JSON.parse(l) as Record<string, unknown>); // throws on any non-JSON line
    expect(parsed.find((l) => typeof l.msg === 'string' && (l.msg as string).startsWith('listening on'))).toMatchObject({ level: 'info' });
    expect(parsed.find((l) => l.requestId === 'req-abc-123')).toMatchObject({ msg: 'request', method: 'GET', route: '/v1/papers/:id', status: 404, level: 'warn', ms: expect.any(Number) });
    expect(parsed.find((l) => l.requestId === id)).toMatchObject({ route: '/v1/trending', status: 200, level: 'info' });
    expect(main.output()).not.toContain('secret-looking-id');
    main.child.kill('SIGTERM');
    expect((await main.exited).code).toBe(0);
  }, 120_000);
});
