// The sources' settings: SYNC_SCHEDULE, ARXIV_SETS and the URLs are parsed once, and a bad value names the variable.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { parseArxivSets, parseSchedule } from '../src/ingest/sources/config.js';
import { retryAfterMs, userAgent } from '../src/ingest/sources/polite-http.js';
import { splitAuthors } from '../src/ingest/sources/arxiv-record.js';

describe('SYNC_SCHEDULE', () => {
  it('is off, an interval or a cron expression', () => {
    expect(parseSchedule('off')).toEqual({ kind: 'off' });
    expect(parseSchedule('6h')).toEqual({ kind: 'interval', seconds: 21600 });
    expect(parseSchedule('30m')).toEqual({ kind: 'interval', seconds: 1800 });
    expect(parseSchedule('1d')).toEqual({ kind: 'interval', seconds: 86400 });
    expect(parseSchedule('0 6 * * *')).toEqual({ kind: 'cron', pattern: '0 6 * * *' });
    expect(parseSchedule('every tuesday')).toMatch(/expected "off", an interval such as 6h or 30m, or a cron expression/);
  });

  it('defaults to every 6 hours, and a bad value stops start-up naming the variable', () => {
    expect(loadConfig({}).SYNC_SCHEDULE).toEqual({ kind: 'interval', seconds: 21600 });
    expect(() => loadConfig({ SYNC_SCHEDULE: '61 * * * *' })).toThrow(/SYNC_SCHEDULE: expected "off"/);
    expect(() => loadConfig({ ARXIV_OAI_URL: 'ftp://example.org' })).toThrow(/ARXIV_OAI_URL/);
    expect(() => loadConfig({ SYNC_SOURCES: 'arxiv,biorxiv' })).toThrow(/SYNC_SOURCES: unknown source "biorxiv"/);
    expect(() => loadConfig({ ARXIV_SETS: 'cs.CL,computer science' })).toThrow(/ARXIV_SETS: "computer science" is not an arXiv archive or category/);
  });
});

describe('ARXIV_SETS', () => {
  it('maps archives to OAI sets and keeps finer categories as filters', () => {
    const sel = parseArxivSets('cs.CL, cs.LG ,stat.ML,hep-th,math');
    expect(typeof sel).toBe('object');
    if (typeof sel === 'string') return;
    expect(sel.sets).toEqual(['cs', 'stat', 'physics:hep-th', 'math']);
    expect(Object.fromEntries(sel.categories)).toEqual({ cs: ['cs.CL', 'cs.LG'], stat: ['stat.ML'] });
    // A whole archive wins over its categories.
    const whole = parseArxivSets('cs.CL,cs');
    expect(typeof whole !== 'string' && whole.categories.size).toBe(0);
    expect(loadConfig({}).ARXIV_SETS.sets).toEqual(['cs']);
  });
});

describe('small parsers', () => {
  it('Retry-After as seconds or an HTTP date', () => {
    expect(retryAfterMs('120')).toBe(120_000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('Wed, 21 Oct 2015 07:27:00 GMT'))).toBe(60_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();
  });

  it('arXivRaw author lists, affiliations dropped', () => {
    expect(splitAuthors('C. Bal\\\'azs, E. L. Berger (ANL), P. M. Nadolsky and C.-P. Yuan')).toEqual(["C. Bal\\'azs", 'E. L. Berger', 'P. M. Nadolsky', 'C.-P. Yuan']);
    expect(splitAuthors('Ada Lovelace')).toEqual(['Ada Lovelace']);
    expect(splitAuthors('A. Anderson (MIT and Harvard), B. Band')).toEqual(['A. Anderson', 'B. Band']);
  });

  it('a User-Agent that names the contact', () => {
    expect(userAgent('0.1.0', 'me@example.org')).toBe('paperfeed/0.1.0 (self-hosted paper recommender; mailto:me@example.org)');
    expect(userAgent('0.1.0', '')).toMatch(/set SYNC_CONTACT/);
  });
});
