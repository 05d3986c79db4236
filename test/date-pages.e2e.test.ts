import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { PROJECT_ROOT } from '../src/config.js';
import { startServer, type RunningServer } from '../src/server.js';
import { hasChromium, horizontalOverflow, launchChromium, offlinePage, PHONE } from './browser.js';
import { tempDir } from './helpers.js';

/** Polls until the page shows what is expected: clustering and lists take seconds on a loaded 2-core machine. */
const poll = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 20_000, interval: 50 });

/** Screenshots go to docs/ with UPDATE_SCREENSHOTS=1 (how the committed ones were made), else to a temp dir. */
const DOCS = process.env.UPDATE_SCREENSHOTS ? path.join(PROJECT_ROOT, 'docs') : tempDir('paperfeed-shots-');

describe.skipIf(!hasChromium)('date pages and a URL that holds the view (seeded server, Chromium)', () => {
  let server: RunningServer;
  let browser: Browser;
  let days: string[];
  const errors: string[] = [];

  beforeAll(async () => {
    server = await startServer(loadConfig({ DATA_DIR: tempDir(), PORT: '0', RATE_LIMIT_PER_MINUTE: '0' }), () => {});
    await server.ready;
    days = (await (await fetch(`${server.url}/v1/calendar`)).json()).days.map((d: { date: string }) => d.date);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  const listDates = (page: Page) => page.locator('#list .card .meta').evaluateAll((els) => els.map((e) => e.textContent!.slice(0, 10)));
  const search = (page: Page) => new URL(page.url()).search;
  /** Waits until the list shows papers of this view (the list is redrawn after each navigation). */
  async function listSettled(page: Page) {
    await page.waitForSelector('#list:not([aria-busy]) .card');
  }

  it('shows a day, a week and a month with previous/next and a date picker; the default ends at the newest paper', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await offlinePage(context, server.url, errors);

    // Default: the 30 days up to the newest paper of the store (2026-08-21), not up to today.
    await page.goto(server.url);
    await listSettled(page);
    await poll(() => page.locator('#period-title').textContent()).toBe('Last 30 days · 23 Jul 2026 – 21 Aug 2026');
    expect(await page.locator('#prev').isHidden()).toBe(true);
    await poll(() => page.locator('#map-status').textContent()).toMatch(/^\d+ papers · \d+ topics$/);
    await page.screenshot({ path: path.join(DOCS, 'dashboard.png') });

    // "One day" opens the newest day; every paper listed is of that day.
    await page.selectOption('#span', 'date');
    await poll(() => search(page)).toBe('?date=2026-08-21');
    await poll(() => page.locator('#period-title').textContent()).toBe('Friday, 21 August 2026');
    await listSettled(page);
    expect(new Set(await listDates(page))).toEqual(new Set(['2026-08-21']));
    expect(await page.locator('#next').getAttribute('aria-disabled')).toBe(''); // nothing after the newest day

    // Previous skips days without papers (arXiv lists none at weekends).
    const before = days[days.indexOf('2026-08-21') - 1];
    await page.click('#prev');
    await poll(() => search(page)).toBe(`?date=${before}`);
    await poll(async () => [...new Set(await listDates(page))]).toEqual([before]);
    expect(await page.inputValue('#day-picker')).toBe(before);

    // Week and month pages keep the day in view.
    await page.selectOption('#span', 'week');
    await poll(() => search(page)).toBe('?week=2026-W34');
    await poll(() => page.locator('#period-title').textContent()).toBe('Week 34 of 2026 (17–23 August)');
    await poll(async () => (await listDates(page)).every((d) => d >= '2026-08-17' && d <= '2026-08-23')).toBe(true);
    await page.click('#prev');
    await poll(() => search(page)).toBe('?week=2026-W33');
    await listSettled(page);
    expect((await listDates(page)).every((d) => d >= '2026-08-10' && d <= '2026-08-16')).toBe(true);
    await poll(() => page.locator('#map-status').textContent()).toMatch(/^\d+ papers · \d+ topics$/);
    await page.screenshot({ path: path.join(DOCS, 'date-week.png') });

    // The date picker moves to the week of the picked day.
    await page.fill('#day-picker', '2026-08-05');
    await poll(() => search(page)).toBe('?week=2026-W32');
    await page.selectOption('#span', 'month');
    await poll(() => search(page)).toBe('?month=2026-08');
    await poll(() => page.locator('#period-title').textContent()).toBe('August 2026');

    // Back walks the same way back; forward again.
    await page.goBack();
    await poll(() => page.locator('#period-title').textContent()).toBe('Week 32 of 2026 (3–9 August)');
    expect(await page.inputValue('#span')).toBe('week');
    await page.goBack();
    await poll(() => page.locator('#period-title').textContent()).toBe('Week 33 of 2026 (10–16 August)');
    await page.goForward();
    await poll(() => search(page)).toBe('?week=2026-W32');
    await poll(async () => (await listDates(page)).every((d) => d >= '2026-08-03' && d <= '2026-08-09')).toBe(true);
    await context.close();
    expect(errors).toEqual([]);
  });

  it('keeps search, category, tab, open topic and open paper in the URL: reload, back/forward and a copied link restore them', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await offlinePage(context, server.url, errors);
    await page.goto(`${server.url}/?month=2026-08`);
    await listSettled(page);

    await page.selectOption('#category', 'cs.RO');
    await poll(() => search(page)).toBe('?month=2026-08&category=cs.RO');
    await page.fill('#q', 'humanoid robot');
    await page.click('#search button[type=submit]');
    await poll(() => search(page)).toBe('?month=2026-08&category=cs.RO&q=humanoid+robot');
    await page.waitForSelector('.tabs [data-tab=search][aria-selected=true]');
    await listSettled(page);
    const results = await page.locator('#list .card').evaluateAll((els) => els.map((e) => e.getAttribute('data-paper-id')));
    expect((await page.locator('#list .card .meta').allTextContents()).every((m) => m.includes('cs.RO'))).toBe(true);

    // Open a topic, then a paper from it.
    await page.waitForSelector('#topics button');
    const topicLabel = await page.locator('#topics button .label').nth(1).textContent();
    await page.locator('#topics button').nth(1).click();
    await poll(() => search(page)).toBe('?month=2026-08&category=cs.RO&q=humanoid+robot&topic=t1');
    await page.waitForSelector('[data-testid=topic-papers] .card');
    expect(await page.locator('#drawer h2').textContent()).toBe(topicLabel);
    const paperCard = page.locator('[data-testid=topic-papers] .card').first();
    const paperId = (await paperCard.getAttribute('data-paper-id'))!;
    await paperCard.locator('.title').click();
    await poll(() => search(page)).toBe(`?month=2026-08&category=cs.RO&q=humanoid+robot&topic=t1&paper=${paperId}`);
    await page.waitForSelector('[data-testid=similar-papers] .card');
    const view = search(page);

    // Reload: the same view.
    await page.reload();
    await page.waitForSelector('[data-testid=similar-papers] .card');
    expect(await page.inputValue('#q')).toBe('humanoid robot');
    expect(await page.inputValue('#category')).toBe('cs.RO');
    expect(await page.inputValue('#span')).toBe('month');
    expect(await page.locator('#drawer .card.full').getAttribute('data-paper-id')).toBe(paperId);
    await page.waitForSelector('.tabs [data-tab=search][aria-selected=true]');
    await listSettled(page);
    expect(await page.locator('#list .card').evaluateAll((els) => els.map((e) => e.getAttribute('data-paper-id')))).toEqual(results);

    // Back: the topic again; back: no drawer; forward twice: the paper.
    await page.goBack();
    await page.waitForSelector('[data-testid=topic-papers] .card');
    expect(await page.locator('#drawer h2').textContent()).toBe(topicLabel);
    await page.goBack();
    await poll(() => page.locator('#drawer').isHidden()).toBe(true);
    await page.goForward();
    await page.goForward();
    await page.waitForSelector(`#drawer .card.full[data-paper-id="${paperId}"]`);

    // A copied link, opened in a fresh browser profile, shows the same view.
    const other = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const fresh = await offlinePage(other, server.url, errors);
    await fresh.goto(`${server.url}/${view}`);
    await fresh.waitForSelector(`#drawer .card.full[data-paper-id="${paperId}"]`);
    expect(await fresh.inputValue('#q')).toBe('humanoid robot');
    await listSettled(fresh);
    expect(await fresh.locator('#list .card').evaluateAll((els) => els.map((e) => e.getAttribute('data-paper-id')))).toEqual(results);
    // Closing the drawer drops paper and topic from the URL.
    await fresh.click('#drawer-close');
    await poll(() => search(fresh)).toBe('?month=2026-08&category=cs.RO&q=humanoid+robot');
    await other.close();
    await context.close();
    expect(errors).toEqual([]);
  });

  it('says which part of a link it did not understand, and shows the rest', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    const page = await offlinePage(context, server.url, errors);
    await page.goto(`${server.url}/?date=2026-02-30&category=cs.CV&tab=nope`);
    await poll(() => page.locator('#notice').textContent()).toMatch(/date=2026-02-30 is not a real day.*tab=nope ignored/);
    await poll(() => search(page)).toBe('?category=cs.CV');
    await listSettled(page);
    expect((await page.locator('#list .card .meta').allTextContents()).every((m) => m.includes('cs.CV'))).toBe(true);
    await context.close();
    expect(errors).toEqual([]);
  });

  it('on a phone: papers first, the map folded and usable by tap, nothing wider than 360 px', async () => {
    const context = await browser.newContext(PHONE);
    const page = await offlinePage(context, server.url, errors);
    await page.goto(`${server.url}/?week=2026-W33`);
    await listSettled(page);
    const firstCard = (await page.locator('#list .card').first().boundingBox())!;
    expect(firstCard.y).toBeLessThan(740); // the first paper is on the first screen
    expect(firstCard.y).toBeLessThan((await page.locator('#map-box').boundingBox())!.y);
    expect(await page.locator('#map-box').evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false);
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(DOCS, 'phone-papers.png') });

    // Tap the map open, then tap a dot: its topic opens.
    await page.locator('#map-box summary').tap();
    await page.locator('#map').scrollIntoViewIfNeeded();
    const dot = await page.evaluate(() => {
      const c = document.getElementById('map') as HTMLCanvasElement;
      const ctx = c.getContext('2d')!;
      const { data } = ctx.getImageData(0, 0, c.width, c.height);
      // The most opaque pixel is the centre of a dot.
      let best = -1;
      let at = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > best) [best, at] = [data[i], (i - 3) / 4];
      const scale = c.width / c.getBoundingClientRect().width;
      return { x: (at % c.width) / scale, y: Math.floor(at / c.width) / scale, alpha: best };
    });
    expect(dot.alpha).toBeGreaterThan(100);
    await page.locator('#map').tap({ position: { x: dot.x, y: dot.y } });
    await poll(() => search(page)).toMatch(/^\?week=2026-W33&topic=t\d+$/);
    await page.waitForSelector('[data-testid=topic-papers] .card');
    expect(await horizontalOverflow(page)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: path.join(DOCS, 'phone-topic.png') });
    await context.close();
    expect(errors).toEqual([]);
  });
});
