import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { renderDigest } from '../src/digest/render.js';
import type { DigestService } from '../src/digest/service.js';
import { startDigestSchedule } from '../src/digest/wire.js';
import { dueCheck, isoWeek, isTimeZone, localTime } from '../src/digest/schedule.js';
import { signToken, verifyToken } from '../src/digest/tokens.js';

describe('digest schedule', () => {
  it('finds the local day and hour in IANA zones, across the date line', () => {
    const t = new Date('2026-12-07T12:00:00Z');
    expect(localTime(t, 'UTC')).toEqual({ date: '2026-12-07', hour: 12, weekday: 1 });
    expect(localTime(t, 'Pacific/Auckland')).toEqual({ date: '2026-12-08', hour: 1, weekday: 2 });
    expect(localTime(t, 'America/Los_Angeles')).toEqual({ date: '2026-12-07', hour: 4, weekday: 1 });
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('Mars/Olympus_Mons')).toBe(false);
  });

  it('numbers ISO weeks (the Thursday decides the year)', () => {
    expect(isoWeek('2026-01-01')).toBe('2026-W01');
    expect(isoWeek('2026-12-07')).toBe('2026-W50');
    expect(isoWeek('2027-01-01')).toBe('2026-W53');
    expect(isoWeek('2027-01-04')).toBe('2027-W01');
  });

  it('a daily digest is due from its local hour on; --send-now also takes the rest of the day', () => {
    const sub = { cadence: 'daily' as const, hour: 9, timeZone: 'Europe/Berlin' };
    expect(dueCheck(sub, new Date('2026-12-07T07:30:00Z'))).toEqual({ period: '2026-12-07', due: false });
    expect(dueCheck(sub, new Date('2026-12-07T07:30:00Z'), true)).toEqual({ period: '2026-12-07', due: true });
    expect(dueCheck(sub, new Date('2026-12-07T08:00:00Z'))).toEqual({ period: '2026-12-07', due: true });
  });

  it('a weekly digest is due on Monday from its hour, or later that week', () => {
    const sub = { cadence: 'weekly' as const, hour: 9, timeZone: 'UTC' };
    expect(dueCheck(sub, new Date('2026-12-07T08:00:00Z'))).toEqual({ period: '2026-W50', due: false });
    expect(dueCheck(sub, new Date('2026-12-07T09:00:00Z'))).toEqual({ period: '2026-W50', due: true });
    expect(dueCheck(sub, new Date('2026-12-10T03:00:00Z'))).toEqual({ period: '2026-W50', due: true });
  });
});

describe('digest link tokens', () => {
  const secret = Buffer.alloc(32, 1);
  const now = new Date('2026-12-07T12:00:00Z');
  const expires = Math.floor(now.getTime() / 1000) + 3600;

  it('carry one purpose for one subscription and paper until they expire', () => {
    const token = signToken(secret, { purpose: 'star', subject: 's_1', paperId: '2608.00725', expires });
    expect(verifyToken(secret, token, now)).toEqual({ ok: true, claims: { purpose: 'star', subject: 's_1', paperId: '2608.00725', expires } });
    expect(verifyToken(secret, token, new Date(now.getTime() + 3_600_000))).toEqual({ ok: false, reason: 'expired' });
    expect(signToken(secret, { purpose: 'star', subject: 's_1', expires })).not.toBe(signToken(secret, { purpose: 'star', subject: 's_1', expires }));
  });

  it('refuse another key, a changed payload, junk and oversized input', () => {
    const token = signToken(secret, { purpose: 'unsubscribe', subject: 's_1', expires });
    expect(verifyToken(Buffer.alloc(32, 2), token, now)).toEqual({ ok: false, reason: 'invalid' });
    const [payload, sig] = token.split('.');
    const changed = Buffer.from(Buffer.from(payload, 'base64url').toString().replace('unsubscribe', 'confirm')).toString('base64url');
    expect(verifyToken(secret, `${changed}.${sig}`, now)).toEqual({ ok: false, reason: 'invalid' });
    for (const junk of ['', '.', 'a.b.c', 'x'.repeat(5000), `${payload}.`]) expect(verifyToken(secret, junk, now).ok).toBe(false);
  });
});

describe('digest rendering', () => {
  it('escapes paper text in HTML and keeps titles on one line', () => {
    const m = renderDigest({
      subject: 'paperfeed: 1 paper\r\nBcc: x@example.org',
      heading: 'Your paperfeed digest',
      intro: 'intro',
      entries: [{ title: 'A <script>alert(1)</script>\r\nB', authors: ['Ada "Countess" Lovelace'], reason: 'Close to “X”', url: 'https://p.example/#paper=1', sourceUrl: null }],
      unsubscribeUrl: 'https://p.example/digest/u',
      manageUrl: 'https://p.example/digest/m',
      instanceUrl: 'https://p.example/',
    });
    expect(m.subject).toBe('paperfeed: 1 paper Bcc: x@example.org');
    expect(m.html).not.toContain('<script>');
    expect(m.html).toContain('A &lt;script&gt;alert(1)&lt;/script&gt; B');
    expect(m.html).toContain('Ada &quot;Countess&quot; Lovelace');
    expect(m.text).toContain('1. A <script>alert(1)</script> B\n');
    expect(m.headers).toEqual({ 'List-Unsubscribe': '<https://p.example/digest/u>', 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' });
  });
});

describe('digest schedule (croner)', () => {
  const config = (DIGEST_SCHEDULE: string) => loadConfig({ DIGEST_SCHEDULE });
  const zeros = { planned: 0, empty: 0, errors: 0, sent: 0, retry: 0, failed: 0, cancelled: 0 };

  it('calls runDueDigests on its pattern, and not at all when off or when mail is off', async () => {
    const calls: Date[] = [];
    const service = { enabled: true, runDueDigests: async (now: Date) => (calls.push(now), zeros) } as unknown as DigestService;
    const lines: string[] = [];
    const job = startDigestSchedule(service, config('* * * * * *'), (m) => lines.push(m))!; // every second
    try {
      const deadline = Date.now() + 5000;
      while (calls.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect(calls.length).toBeGreaterThan(0);
      expect(lines).toEqual(['digests: on, checking for due digests on "* * * * * *"']);
    } finally {
      job.stop();
    }
    expect(startDigestSchedule(service, config('off'), () => {})).toBeNull();
    expect(startDigestSchedule({ ...service, enabled: false } as unknown as DigestService, config('* * * * * *'), () => {})).toBeNull();
    expect(() => config('every day')).toThrow(/DIGEST_SCHEDULE/);
  });
});
