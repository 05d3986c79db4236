// Issue 15, finding 4: the dashboard's sign-in. The token goes into an HttpOnly, SameSite=Strict cookie (no page
// script can read it), state-changing requests signed in by that cookie need the dashboard's CSRF header and an
// origin of ours, and the admin token is refused as a user sign-in. (The browser side: test/dashboard.e2e.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { startServer, type RunningServer } from '../src/server.js';
import { expectProblem, paper, tempDir } from './helpers.js';

const ADMIN = 'session-admin-token-0123456789';
let server: RunningServer;
let user: { id: string; token: string };

beforeAll(async () => {
  server = await startServer(loadConfig({ DATA_DIR: tempDir(), PORT: '0', SEED_ON_EMPTY: 'false', ADMIN_TOKEN: ADMIN, RATE_LIMIT_PER_MINUTE: '0' }), () => {});
  await server.ready;
  const admin = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
  expect((await fetch(`${server.url}/v1/papers`, { method: 'POST', headers: admin, body: JSON.stringify({ papers: [paper('p-1')] }) })).status).toBe(200);
  user = await (await fetch(`${server.url}/v1/users`, { method: 'POST', headers: admin, body: '{"name":"ada"}' })).json();
}, 120_000);
afterAll(async () => {
  await server?.close();
});

const signIn = (userId: string, token: string) =>
  fetch(`${server.url}/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId, token }) });

describe('dashboard session (finding 4)', () => {
  it('refuses the admin token and unknown tokens as a user sign-in, setting no cookie', async () => {
    const admin = await signIn(user.id, ADMIN);
    expect((await expectProblem(admin, 400, 'body.token')).detail).toMatch(/admin token/);
    expect(admin.headers.get('set-cookie')).toBeNull();
    const wrong = await signIn(user.id, 'pf_not-a-token');
    await expectProblem(wrong, 401, 'body.token');
    expect(wrong.headers.get('set-cookie')).toBeNull();
    await expectProblem(await signIn('u_someone_else', user.token), 401, 'body.token');
  });

  it('keeps the token in an HttpOnly SameSite=Strict cookie that signs in reads, and writes only with the CSRF header from our origin', async () => {
    const res = await signIn(user.id, user.token);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ user: { id: user.id, name: 'ada' } });
    const setCookie = res.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^pf_session=/);
    expect(setCookie).toMatch(/; HttpOnly/i);
    expect(setCookie).toMatch(/; SameSite=Strict/i);
    const cookie = setCookie.split(';')[0];

    expect(await (await fetch(`${server.url}/v1/session`, { headers: { cookie } })).json()).toEqual({ user: { id: user.id, name: 'ada' } });
    expect(await (await fetch(`${server.url}/v1/session`)).json()).toEqual({ user: null });
    expect((await fetch(`${server.url}/v1/users/${user.id}/stars`, { headers: { cookie } })).status).toBe(200);

    const star = (headers: Record<string, string>) => fetch(`${server.url}/v1/users/${user.id}/stars/p-1`, { method: 'PUT', headers: { cookie, ...headers } });
    await expectProblem(await star({}), 403, 'header.x-paperfeed-csrf');
    await expectProblem(await star({ 'x-paperfeed-csrf': '1', origin: 'https://evil.example' }), 403, 'header.x-paperfeed-csrf');
    expect((await star({ 'x-paperfeed-csrf': '1', origin: server.url })).status).toBe(201);
    expect((await star({ 'x-paperfeed-csrf': '1' })).status).toBe(200);

    const out = await fetch(`${server.url}/v1/session`, { method: 'DELETE', headers: { cookie, 'x-paperfeed-csrf': '1' } });
    expect(out.status).toBe(200);
    expect(out.headers.get('set-cookie')).toMatch(/^pf_session=;.*Max-Age=0/i);
  });

  it('ignores a session cookie whose token is not valid (the request is anonymous, not a 401)', async () => {
    const cookie = 'pf_session=pf_revoked-or-made-up';
    expect((await fetch(`${server.url}/v1/trending`, { headers: { cookie } })).status).toBe(200);
    await expectProblem(await fetch(`${server.url}/v1/users/${user.id}/stars`, { headers: { cookie } }), 401);
  });
});
