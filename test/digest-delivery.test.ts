// Digests end to end, on each engine: a real server (real model, SQLite or PostgreSQL, HTTP), a real SMTP server (smtp-server) on a free port,
// every message parsed back with mailparser.
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/config.js';
import { Links } from '../src/digest/links.js';
import { startServer, type RunningServer } from '../src/server.js';
import type { Digests } from '../src/store/ports.js';
import type { PaperInput } from '../src/types.js';
import { allPapers, paperOf, testConfig } from './engines.js';
import { expectProblem, tempDir } from './helpers.js';
import { linksIn, startMailbox, type Delivery, type Mailbox } from './mailbox.js';

const ADMIN = 'digest-test-admin-token-0123';
let server: RunningServer;
let box: Mailbox;
let store: Digests;
/** Every 5th seed paper is held back and added later, as "papers added since the last digest". */
let later: PaperInput[];
// A fixed clock for the digest runs: 12:00 UTC, one day further per "day".
const day = (n: number) => new Date(Date.UTC(2026, 11, 7 + n, 12));

function call(p: string, init: RequestInit & { token?: string; json?: unknown } = {}) {
  const headers = new Headers(init.headers);
  if (init.token) headers.set('authorization', `Bearer ${init.token}`);
  if (init.json !== undefined) headers.set('content-type', 'application/json');
  return fetch(server.url + p, { ...init, headers, body: init.json !== undefined ? JSON.stringify(init.json) : init.body });
}
const ok = async (res: Response) => {
  expect(res.status, await res.clone().text()).toBeLessThan(300);
  return res.json();
};
const readSeed = (f: string): PaperInput[] =>
  zlib
    .gunzipSync(fs.readFileSync(path.join(PROJECT_ROOT, 'seed', f)))
    .toString('utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
/** The papers of a digest, in order (each has two links to its page on the instance). */
const paperIdsIn = (d: Delivery) => [...new Set([...(d.mail.html as string).matchAll(/#paper=([^"&]+)"/g)].map((m) => decodeURIComponent(m[1])))];
/** A header as sent (mailparser turns List-* headers into objects). */
const header = (d: Delivery, name: string) => {
  const head = d.raw.split(/\r?\n\r?\n/)[0].replace(/\r?\n[ \t]+/g, ' '); // unfolded
  return new RegExp(`^${name}: ?(.*)$`, 'mi').exec(head)?.[1].trim();
};
const run = (n: number) => server.digests!.runDueDigests(day(n));

/** Follows the confirmation link of the newest mail to `email`: a GET shows a page, the POST confirms. */
async function confirm(email: string): Promise<void> {
  const mail = box.to(email).at(-1)!;
  const links = linksIn(mail.mail.text!, server.url);
  expect(links).toHaveLength(1);
  const page = await fetch(links[0]);
  expect(page.status).toBe(200);
  expect(await page.text()).toContain('<form method="post"');
  const done = await fetch(links[0], { method: 'POST' });
  expect(done.status).toBe(200);
  expect(await done.text()).toContain('Subscription confirmed');
}

async function newUser(name: string, stars: string[]) {
  const u: { id: string; token: string } = await ok(await call('/v1/users', { method: 'POST', token: ADMIN, json: { name } }));
  for (const id of stars) await ok(await call(`/v1/users/${u.id}/stars/${encodeURIComponent(id)}`, { method: 'PUT', token: u.token }));
  return u;
}

beforeAll(async () => {
  box = await startMailbox();
  const config = await testConfig({
    DATA_DIR: tempDir(),
    PORT: '0',
    ADMIN_TOKEN: ADMIN,
    SEED_ON_EMPTY: 'false',
    RATE_LIMIT_PER_MINUTE: '0',
    SMTP_URL: box.url,
    MAIL_FROM: 'paperfeed digests <digest@paperfeed.test>',
    DIGEST_SCHEDULE: 'off',
    DIGEST_MAX_PER_ADDRESS: '2',
    DIGEST_CONFIRM_MAILS_PER_HOUR: '3',
  });
  server = await startServer(config, () => {});
  await server.ready;
  const seed = [...readSeed('arxiv-cs-sample.jsonl.gz'), ...readSeed('hf-daily-sample.jsonl.gz')];
  later = seed.filter((_, i) => i % 5 === 4);
  await server.runtime.writer.addPapers(seed.filter((_, i) => i % 5 !== 4));
  store = server.runtime.engine.digests;
});
afterAll(async () => {
  await server?.close();
  await box?.close();
});

describe('digests by mail', () => {
  const users: { id: string; token: string; email: string; stars: string[]; first?: string[] }[] = [];

  it('double opt-in: nothing is sent before the confirmation link is POSTed; the link works once', async () => {
    const res = await ok(await call('/v1/subscriptions/trending', { method: 'POST', json: { email: 'Reader@Example.org', category: 'cs.LG' } }));
    expect(res.status).toBe('pending');
    await box.waitFor(() => box.to('reader@example.org').length === 1, 'the confirmation mail');
    const [confirmation] = box.to('reader@example.org');
    expect(confirmation.mail.subject).toBe('Confirm your paperfeed digest');
    expect((await run(0)).sent).toBe(0);
    expect(box.to('reader@example.org')).toHaveLength(1);

    const [link] = linksIn(confirmation.mail.text!, server.url);
    const page = await fetch(link); // a mail scanner's prefetch changes nothing
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect((await store.subscriptionsOfEmail('reader@example.org'))[0].status).toBe('pending');
    await confirm('reader@example.org');
    const again = await fetch(link, { method: 'POST', headers: { accept: 'text/html' } });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('already used');
    expect((await expectProblem(await fetch(link, { method: 'POST' }), 409, 'param.token')).detail).toContain('already used');

    expect((await run(0)).sent).toBe(1);
    const digest = box.to('reader@example.org')[1];
    expect(digest.mail.subject).toMatch(/^paperfeed trending in cs\.LG: \d+ papers \(2026-12-07\)$/);
    const ids = paperIdsIn(digest);
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect((await paperOf(server.runtime.engine, id))!.categories).toContain('cs.LG');
  });

  it('three users with different stars each get their own feed, and nothing of the others', async () => {
    const all = (await allPapers(server.runtime.engine)).sort((a, b) => a.seq - b.seq);
    const pick = (re: RegExp) => all.filter((p) => re.test(p.title)).slice(0, 3).map((p) => p.id);
    const interests = [/robot/i, /language model|LLM/, /image|video|visual/i];
    for (const [i, re] of interests.entries()) {
      const stars = pick(re);
      expect(stars).toHaveLength(3);
      const u = await newUser(`reader-${i}`, stars);
      const email = `user${i}@example.org`;
      const sub = await ok(await call(`/v1/users/${u.id}/subscriptions`, { method: 'POST', token: u.token, json: { email, cadence: 'daily', k: 8, hour: 9, timeZone: 'Europe/Berlin' } }));
      expect(sub).toMatchObject({ kind: 'feed', status: 'pending', cadence: 'daily', k: 8, timeZone: 'Europe/Berlin' });
      users.push({ ...u, email, stars });
    }
    for (const u of users) {
      await box.waitFor(() => box.to(u.email).length === 1, `the confirmation to ${u.email}`);
      await confirm(u.email);
    }
    const r = await run(0);
    expect(r).toMatchObject({ planned: 3, sent: 3, failed: 0, errors: 0 });

    for (const u of users) {
      const mails = box.to(u.email);
      expect(mails).toHaveLength(2);
      const digest = mails[1];
      expect(digest.to).toEqual([u.email]);
      const ids = paperIdsIn(digest);
      // The top of this user's own feed (the planner asks for 3k + 30 and keeps k).
      const feed = await ok(await call(`/v1/users/${u.id}/feed?k=54`, { token: u.token }));
      expect(ids).toEqual(feed.items.slice(0, 8).map((i: { paper: { id: string } }) => i.paper.id));
      for (const id of u.stars) expect(ids).not.toContain(id);
      // Every reason names one of this user's stars, never another user's.
      const title = async (id: string) => (await paperOf(server.runtime.engine, id))!.title.slice(0, 30);
      const own = await Promise.all(u.stars.map(title));
      const others = await Promise.all(users.filter((o) => o !== u).flatMap((o) => o.stars.map(title)));
      const text = digest.mail.text!;
      expect(own.some((t) => text.includes(t))).toBe(true);
      for (const t of others) expect(text).not.toContain(t);
      u.first = ids;
    }
    expect(new Set(users.map((u) => u.first!.join())).size).toBe(3);
  });

  it('is a well-formed mail: HTML and text, no script or remote images, absolute links, RFC 8058 headers, a stable Message-ID', async () => {
    const u = users[0];
    const digest = box.to(u.email)[1];
    const sub = (await store.subscriptionsOfUser(u.id))[0];
    const html = digest.mail.html as string;
    expect(digest.mail.text).toContain('Unsubscribe: ');
    expect(html).not.toMatch(/<script|<img|<link|url\(/i);
    for (const href of [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1])) expect(href).toMatch(/^(https?:\/\/127\.0\.0\.1:\d+\/|https:\/\/arxiv\.org\/abs\/|https:\/\/doi\.org\/)/);
    expect(html).toContain('https://arxiv.org/abs/');
    expect(digest.mail.messageId).toBe(`<digest.${sub.id}.2026-12-07@127.0.0.1>`);
    expect(header(digest, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
    expect(header(digest, 'List-Unsubscribe')).toMatch(new RegExp(`^<${server.url}/digest/[^>]+>$`));
    expect(digest.mail.from?.value).toEqual([{ name: 'paperfeed digests', address: 'digest@paperfeed.test' }]);
  });

  it('star and "not interested" links: a GET only asks, the POST acts', async () => {
    const u = users[1];
    const text = box.to(u.email)[1].mail.text!;
    const star = /Star: (\S+)/.exec(text)![1];
    const dismiss = /Not interested: (\S+)/.exec(text)![1];
    const starredBefore = (await server.runtime.engine.users.starredIds(u.id)).length;
    const page = await fetch(star);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Star this paper?');
    expect(await server.runtime.engine.users.starredIds(u.id)).toHaveLength(starredBefore);
    expect((await fetch(star, { method: 'POST' })).status).toBe(200);
    expect(await server.runtime.engine.users.starredIds(u.id)).toHaveLength(starredBefore + 1);
    await fetch(dismiss);
    expect(await server.runtime.engine.users.feedbackIds(u.id, 'not_interested')).toHaveLength(0);
    await fetch(dismiss, { method: 'POST' });
    expect(await server.runtime.engine.users.feedbackIds(u.id, 'not_interested')).toHaveLength(1);
  });

  it('one-click unsubscribe (RFC 8058 POST) stops the next digest; the second digest never repeats the first', async () => {
    const quitter = users[2];
    const unsubscribe = header(box.to(quitter.email)[1], 'List-Unsubscribe')!.slice(1, -1);
    await fetch(unsubscribe); // a GET (link preview) does not unsubscribe
    expect((await store.subscriptionsOfUser(quitter.id))[0].status).toBe('confirmed');
    const res = await fetch(unsubscribe, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    expect(res.status).toBe(200);
    expect(await store.subscriptionsOfUser(quitter.id)).toHaveLength(0); // ended ones are not listed

    // Same day again: already planned. Next day, nothing new added: no mail.
    expect((await run(0)).sent).toBe(0);
    const quiet = await run(1);
    expect(quiet).toMatchObject({ planned: 0, sent: 0, empty: 3 }); // two feeds and the (small) cs.LG trending list: all sent
    for (const u of users) expect(box.to(u.email)).toHaveLength(2);

    // New papers arrive: the next digest has only those, none of the first digest's.
    await server.runtime.writer.addPapers(later);
    const laterIds = new Set(later.map((p) => p.id));
    expect((await run(2)).errors).toBe(0);
    for (const u of users.slice(0, 2)) {
      const mails = box.to(u.email);
      expect(mails).toHaveLength(3);
      const ids = paperIdsIn(mails[2]);
      expect(ids.length).toBeGreaterThan(0);
      for (const id of ids) {
        expect(u.first).not.toContain(id);
        expect(laterIds.has(id)).toBe(true);
      }
    }
    expect(box.to(quitter.email)).toHaveLength(2);
  });

  it('451 then accept: retried after the backoff and delivered once', async () => {
    const email = 'greylisted@example.org';
    await ok(await call('/v1/subscriptions/trending', { method: 'POST', json: { email } }));
    await box.waitFor(() => box.to(email).length === 1, 'the confirmation');
    await confirm(email);
    let tries = 0;
    box.policy = (to) => (to.includes(email) && tries++ === 0 ? { code: 451, message: 'Greylisted, try again later' } : 'accept');
    const first = await run(3);
    expect(first).toMatchObject({ retry: 1 });
    expect(box.to(email)).toHaveLength(1);
    const soon = new Date(day(3).getTime() + 60_000);
    expect((await server.digests!.runDueDigests(soon)).sent).toBe(0); // still backing off
    const later5 = new Date(day(3).getTime() + 6 * 60_000);
    expect((await server.digests!.runDueDigests(later5)).sent).toBe(1);
    expect((await server.digests!.runDueDigests(new Date(day(3).getTime() + 3_600_000))).sent).toBe(0);
    expect(box.to(email)).toHaveLength(2);
    expect(box.attempts.filter((a) => a.to.includes(email))).toHaveLength(3); // confirmation, 451, accepted
    box.policy = () => 'accept';
  });

  it('550: marked failed with no retry; three failed digests in a row pause the subscription', async () => {
    const email = 'bounces@example.org';
    await ok(await call('/v1/subscriptions/trending', { method: 'POST', json: { email } }));
    await box.waitFor(() => box.to(email).length === 1, 'the confirmation');
    await confirm(email);
    box.policy = (to) => (to.includes(email) ? { code: 550, message: 'No such mailbox' } : 'accept');
    for (let n = 4; n <= 8; n++) {
      await run(n);
      await server.digests!.runDueDigests(new Date(day(n).getTime() + 7 * 3_600_000)); // later that day: no retry
    }
    const tries = box.attempts.filter((a) => a.to.includes(email) && a.verdict !== 'accept');
    expect(tries).toHaveLength(3);
    const [sub] = await store.subscriptionsOfEmail(email);
    expect(sub.status).toBe('paused');
    expect((await store.outboxOf(sub.id)).map((r) => r.state)).toEqual(['failed', 'failed', 'failed']);
    box.policy = () => 'accept';
    // An operator sees sends and failures in /metrics, counted from the outbox.
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const gauge = (state: string) => Number(new RegExp(`^paperfeed_digest_messages\\{state="${state}"\\} (\\d+)$`, 'm').exec(metrics)?.[1]);
    expect(gauge('failed')).toBeGreaterThanOrEqual(3);
    expect(gauge('sent')).toBeGreaterThan(0);
  });

  it('refuses header injection, bad addresses, oversized and unknown fields with problem+json, and mails nothing', async () => {
    const before = box.attempts.length;
    const bad: [unknown, string][] = [
      [{ email: 'a@example.org\r\nBcc: victim@example.org' }, 'body.email'],
      [{ email: 'a@example.org\nSubject: hi' }, 'body.email'],
      [{ email: 'not-an-address' }, 'body.email'],
      [{ email: `${'a'.repeat(250)}@example.org` }, 'body.email'],
      [{ email: 'a@example.org', category: 'cs.LG\r\nBcc: x@example.org' }, 'body.category'],
      [{ email: 'a@example.org', timeZone: 'Mars/Olympus_Mons' }, 'body.timeZone'],
      [{ email: 'a@example.org', hour: 24 }, 'body.hour'],
      [{ email: 'a@example.org', cadence: 'hourly' }, 'body.cadence'],
      [{ email: 'a@example.org', from: 'x' }, 'body'],
    ];
    for (const [body, field] of bad) await expectProblem(await call('/v1/subscriptions/trending', { method: 'POST', json: body }), 400, field);
    const u = users[0];
    await expectProblem(await call(`/v1/users/${u.id}/subscriptions`, { method: 'POST', token: u.token, json: { email: 'x@example.org\r\nCc: y@example.org', cadence: 'daily' } }), 400, 'body.email');
    await expectProblem(await call(`/v1/users/${u.id}/subscriptions`, { method: 'POST', token: u.token, json: { email: 'x@example.org', cadence: 'daily', k: 500 } }), 400, 'body.k');
    await expectProblem(await call(`/v1/users/${u.id}/subscriptions`, { method: 'POST', token: users[1].token, json: { email: 'x@example.org', cadence: 'daily' } }), 404);
    expect(box.attempts.length).toBe(before);
  });

  it('unknown, tampered and expired links get a plain page and change nothing', async () => {
    const unknown = await fetch(`${server.url}/digest/not-a-token`, { headers: { accept: 'text/html,application/xhtml+xml' } });
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await unknown.text()).toContain('This link is not valid');
    await expectProblem(await fetch(`${server.url}/digest/not-a-token`), 404, 'param.token');
    const sub = (await store.subscriptionsOfUser(users[0].id))[0];
    const links = new Links(await store.secret(), server.url);
    const good = links.action('unsubscribe', sub.id, new Date()).url;
    const tampered = good.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
    expect((await fetch(tampered, { method: 'POST' })).status).toBe(404);
    const forged = new Links(Buffer.alloc(32, 7), server.url).action('unsubscribe', sub.id, new Date()).url;
    expect((await fetch(forged, { method: 'POST' })).status).toBe(404);
    const expired = links.action('unsubscribe', sub.id, new Date(Date.now() - 3 * 86_400_000), undefined, 1).url;
    const res = await fetch(expired, { method: 'POST', headers: { accept: 'text/html' } });
    expect(res.status).toBe(410);
    expect(await res.text()).toContain('expired');
    await expectProblem(await fetch(expired), 410, 'param.token');
    expect((await store.subscription(sub.id))!.status).toBe('confirmed');
  });

  it('limits subscriptions per address and confirmation mails per hour', async () => {
    const email = 'busy@example.org';
    for (let i = 0; i < 2; i++) await ok(await call('/v1/subscriptions/trending', { method: 'POST', json: { email, category: `cs.C${i}` } }));
    await expectProblem(await call('/v1/subscriptions/trending', { method: 'POST', json: { email } }), 409, 'body.email');
    // An address can see and end its subscriptions without an account: the manage link (the 3rd mail this hour).
    expect((await call('/v1/subscriptions/manage', { method: 'POST', json: { email } })).status).toBe(202);
    await box.waitFor(() => box.to(email).length === 3, 'the manage mail');
    const [manage] = linksIn(box.to(email)[2].mail.text!, server.url);
    const page = await (await fetch(manage)).text();
    const ends = [...page.matchAll(/action="([^"]+)"/g)].map((m) => m[1].replace(/&amp;/g, '&'));
    expect(ends).toHaveLength(2);
    expect((await fetch(ends[0], { method: 'POST' })).status).toBe(200);
    expect(await store.subscriptionsOfEmail(email)).toHaveLength(1);
    // A live slot is free again, but 3 mails went to this address within the hour.
    const res = await expectProblem(await call('/v1/subscriptions/trending', { method: 'POST', json: { email } }), 429, 'body.email');
    expect(res.detail).toMatch(/Too many confirmation mails/);
  });

  it('users list and end their own subscriptions', async () => {
    const u = users[0];
    const { items } = await ok(await call(`/v1/users/${u.id}/subscriptions`, { token: u.token }));
    expect(items).toHaveLength(1);
    await expectProblem(await call(`/v1/users/${u.id}/subscriptions/${items[0].id}`, { method: 'DELETE', token: users[1].token }), 404);
    await ok(await call(`/v1/users/${u.id}/subscriptions/${items[0].id}`, { method: 'DELETE', token: u.token }));
    expect((await ok(await call(`/v1/users/${u.id}/subscriptions`, { token: u.token }))).items).toHaveLength(0);
    await expectProblem(await call(`/v1/users/${u.id}/subscriptions/${items[0].id}`, { method: 'DELETE', token: u.token }), 404, 'param.sid');
  });

  it('documents the routes in the OpenAPI document', async () => {
    const doc = await ok(await call('/openapi.json'));
    for (const p of ['/v1/users/{uid}/subscriptions', '/v1/users/{uid}/subscriptions/{sid}', '/v1/subscriptions/trending', '/v1/subscriptions/manage', '/digest/{token}', '/v1/digests/status']) {
      expect(doc.paths[p], p).toBeDefined();
    }
  });
});

describe('digests without SMTP_URL', () => {
  it('are off: one log line, the status says so, subscribing answers 503', async () => {
    const lines: string[] = [];
    const off = await startServer(await testConfig({ DATA_DIR: tempDir(), PORT: '0', ADMIN_TOKEN: ADMIN, SEED_ON_EMPTY: 'false' }), (m) => lines.push(m));
    try {
      await off.ready;
      expect(lines.filter((l) => l.includes('SMTP_URL'))).toEqual(['digests: off (SMTP_URL is not set): no mail is sent and subscribing answers 503']);
      const status = await (await fetch(`${off.url}/v1/digests/status`)).json();
      expect(status).toEqual({ enabled: false, detail: expect.stringContaining('SMTP_URL') });
      const res = await fetch(`${off.url}/v1/subscriptions/trending`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: 'a@example.org' }) });
      await expectProblem(res, 503);
    } finally {
      await off.close();
    }
  });
});
